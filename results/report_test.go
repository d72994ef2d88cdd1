package results

import (
	"bytes"
	"strings"
	"testing"
)

func TestFindings(t *testing.T) {
	row := func(g string, p99 float64, n int) SummaryRow {
		return SummaryRow{Metric: "lat", Unit: "ms", Group: g, N: n, P50: p99 / 2, P99: p99, Max: p99 + 1}
	}
	tests := []struct {
		name string
		rows []SummaryRow
		want []string
	}{
		{
			name: "one group",
			rows: []SummaryRow{row("p1", 10, 3), row("all", 10, 3)},
			want: []string{"`lat`: p99 was 10 ms (p50 5 ms, max 11 ms, n=3), all in group `p1`."},
		},
		{
			name: "highest and lowest",
			rows: []SummaryRow{row("p1", 10, 3), row("p2", 30.5, 4), row("p3", 2, 5), row("all", 30.5, 12)},
			want: []string{"`lat`: p99 across all 3 groups was 30.5 ms (p50 15.25 ms, max 31.5 ms, n=12). " +
				"The group with the highest p99 was `p2` (p99 30.5 ms, n=4); the lowest was `p3` (p99 2 ms, n=5)."},
		},
		{
			name: "ties",
			rows: []SummaryRow{row("p1", 7, 1), row("p2", 7, 1), row("all", 7, 2)},
			want: []string{"`lat`: p99 across all 2 groups was 7 ms (p50 3.5 ms, max 8 ms, n=2). Every group had the same p99."},
		},
		{
			name: "two metrics, no unit",
			rows: []SummaryRow{
				{Metric: "a", Group: "g", N: 1, P99: 1, P50: 1, Max: 1}, {Metric: "a", Group: "all", N: 1, P99: 1, P50: 1, Max: 1},
				{Metric: "b", Group: "g", N: 1, P99: 2, P50: 2, Max: 2}, {Metric: "b", Group: "all", N: 1, P99: 2, P50: 2, Max: 2},
			},
			want: []string{
				"`a`: p99 was 1 (p50 1, max 1, n=1), all in group `g`.",
				"`b`: p99 was 2 (p50 2, max 2, n=1), all in group `g`.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := findings(tt.rows)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestFormatTable(t *testing.T) {
	tests := []struct {
		name string
		rows []SummaryRow
		want string
	}{
		{
			name: "header only",
			rows: nil,
			want: "metric  unit  group  n  mean  stddev  min  p50  p95  p99  max\n",
		},
		{
			name: "empty unit and awkward names",
			rows: []SummaryRow{{Metric: "m\tx", Group: "g", N: 2, Mean: 1.5, Stddev: 0.5, Min: 1, P50: 1, P95: 2, P99: 2, Max: 2}},
			want: "metric  unit  group  n  mean  stddev  min  p50  p95  p99  max\n" +
				"m x     -     g      2  1.5   0.5     1    1    2    2    2\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := FormatTable(&b, tt.rows); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%q\nwant\n%q", b.String(), tt.want)
			}
		})
	}
}

func TestMarkdownEscaping(t *testing.T) {
	if got, want := cell("a|b\nc"), `a\|b c`; got != want {
		t.Errorf("cell = %q, want %q", got, want)
	}
	if got, want := code("a`b"), "`` a`b ``"; got != want {
		t.Errorf("code = %q, want %q", got, want)
	}
}
