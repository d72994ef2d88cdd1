package results

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/stat"
)

func obsOf(metric, unit, group string, values ...float64) []Observation {
	out := make([]Observation, len(values))
	for i, v := range values {
		out[i] = Observation{Metric: metric, Unit: unit, Group: group, ID: int64(i), Value: v}
	}
	return out
}

func concat(parts ...[]Observation) []Observation {
	var out []Observation
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// oneToHundred returns 1..100 in a scrambled but fixed order.
func oneToHundred() []float64 {
	v := make([]float64, 100)
	for i := range v {
		v[i] = float64((i*37)%100 + 1) // 37 is coprime to 100: a permutation
	}
	return v
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		obs  []Observation
		want []SummaryRow
	}{
		{
			name: "no observations",
			obs:  nil,
			want: nil,
		},
		{
			name: "single value",
			obs:  obsOf("lat", "ms", "p1", 7.5),
			want: []SummaryRow{
				{Metric: "lat", Unit: "ms", Group: "p1", N: 1, Mean: 7.5, Stddev: 0, P50: 7.5, P95: 7.5, P99: 7.5, Max: 7.5, Min: 7.5},
				{Metric: "lat", Unit: "ms", Group: "all", N: 1, Mean: 7.5, Stddev: 0, P50: 7.5, P95: 7.5, P99: 7.5, Max: 7.5, Min: 7.5},
			},
		},
		{
			// a: 1 2 3 4: mean 2.5, var (2.25+0.25+0.25+2.25)/3 = 5/3;
			// p50: 0.5·4 = 2 → 2nd value; p95: 3.8 → 4th; p99: 3.96 → 4th.
			// b: 10 alone. all: 1 2 3 4 10: mean 4, var (9+4+1+0+36)/4 = 12.5;
			// p50: 2.5 → 3rd value; p95: 4.75 → 5th; p99: 4.95 → 5th.
			name: "two groups by hand",
			obs:  concat(obsOf("lat", "ms", "b", 10), obsOf("lat", "ms", "a", 4, 1, 3, 2)),
			want: []SummaryRow{
				{Metric: "lat", Unit: "ms", Group: "a", N: 4, Mean: 2.5, Stddev: math.Sqrt(5.0 / 3), P50: 2, P95: 4, P99: 4, Max: 4, Min: 1},
				{Metric: "lat", Unit: "ms", Group: "b", N: 1, Mean: 10, Stddev: 0, P50: 10, P95: 10, P99: 10, Max: 10, Min: 10},
				{Metric: "lat", Unit: "ms", Group: "all", N: 5, Mean: 4, Stddev: math.Sqrt(12.5), P50: 3, P95: 10, P99: 10, Max: 10, Min: 1},
			},
		},
		{
			// 1..100: p-quantile is the value at rank p·100.
			// Sample variance of 1..n is n(n+1)/12.
			name: "one to hundred",
			obs:  obsOf("x", "", "g", oneToHundred()...),
			want: []SummaryRow{
				{Metric: "x", Group: "g", N: 100, Mean: 50.5, Stddev: math.Sqrt(100 * 101 / 12.0), P50: 50, P95: 95, P99: 99, Max: 100, Min: 1},
				{Metric: "x", Group: "all", N: 100, Mean: 50.5, Stddev: math.Sqrt(100 * 101 / 12.0), P50: 50, P95: 95, P99: 99, Max: 100, Min: 1},
			},
		},
		{
			// Metrics and groups come out sorted whatever the input order;
			// the unit is the first one seen; the empty group name is kept.
			name: "sorting and empty group name",
			obs: concat(
				obsOf("z", "s", "q", 1),
				obsOf("a", "B", "", 2),
				obsOf("z", "s", "p", 3),
				obsOf("a", "B", "m", 4),
			),
			want: []SummaryRow{
				{Metric: "a", Unit: "B", Group: "", N: 1, Mean: 2, P50: 2, P95: 2, P99: 2, Max: 2, Min: 2},
				{Metric: "a", Unit: "B", Group: "m", N: 1, Mean: 4, P50: 4, P95: 4, P99: 4, Max: 4, Min: 4},
				{Metric: "a", Unit: "B", Group: "all", N: 2, Mean: 3, Stddev: math.Sqrt2, P50: 2, P95: 4, P99: 4, Max: 4, Min: 2},
				{Metric: "z", Unit: "s", Group: "p", N: 1, Mean: 3, P50: 3, P95: 3, P99: 3, Max: 3, Min: 3},
				{Metric: "z", Unit: "s", Group: "q", N: 1, Mean: 1, P50: 1, P95: 1, P99: 1, Max: 1, Min: 1},
				{Metric: "z", Unit: "s", Group: "all", N: 2, Mean: 2, Stddev: math.Sqrt2, P50: 1, P95: 3, P99: 3, Max: 3, Min: 1},
			},
		},
		{
			name: "equal values",
			obs:  obsOf("x", "ms", "g", 5, 5, 5),
			want: []SummaryRow{
				{Metric: "x", Unit: "ms", Group: "g", N: 3, Mean: 5, P50: 5, P95: 5, P99: 5, Max: 5, Min: 5},
				{Metric: "x", Unit: "ms", Group: "all", N: 3, Mean: 5, P50: 5, P95: 5, P99: 5, Max: 5, Min: 5},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summarize(tt.obs)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d rows, want %d:\n got %+v\nwant %+v", len(got), len(tt.want), got, tt.want)
			}
			for i := range got {
				if !rowsClose(got[i], tt.want[i]) {
					t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// rowsClose compares exactly except for Mean and Stddev, which may differ
// in the last bits from the closed forms in the test table.
func rowsClose(a, b SummaryRow) bool {
	close := func(x, y float64) bool { return math.Abs(x-y) <= 1e-12*math.Max(1, math.Abs(y)) }
	return a.Metric == b.Metric && a.Unit == b.Unit && a.Group == b.Group && a.N == b.N &&
		close(a.Mean, b.Mean) && close(a.Stddev, b.Stddev) &&
		a.P50 == b.P50 && a.P95 == b.P95 && a.P99 == b.P99 && a.Max == b.Max && a.Min == b.Min
}

func TestSummarizeNaN(t *testing.T) {
	rows := Summarize(concat(obsOf("x", "", "g", 1, math.NaN(), 3), obsOf("x", "", "h", 2)))
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want 3", len(rows))
	}
	for _, r := range []SummaryRow{rows[0], rows[2]} { // g and all contain the NaN
		for _, v := range []float64{r.Mean, r.Stddev, r.P50, r.P95, r.P99, r.Max, r.Min} {
			if !math.IsNaN(v) {
				t.Errorf("group %s: got %+v, want all statistics NaN", r.Group, r)
				break
			}
		}
	}
	if h := rows[1]; h.Group != "h" || h.Mean != 2 || h.N != 1 {
		t.Errorf("group h: got %+v", h)
	}
}

func TestSummarizeOrderIndependent(t *testing.T) {
	obs := testObservations()
	rev := make([]Observation, len(obs))
	for i, o := range obs {
		rev[len(obs)-1-i] = o
	}
	if a, b := Summarize(obs), Summarize(rev); !reflect.DeepEqual(a, b) {
		t.Errorf("summary depends on observation order:\n%+v\n%+v", a, b)
	}
}

func TestCDF(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		values []float64
		xs, ys []float64
	}{
		{"empty", nil, nil, nil},
		{"only NaN", []float64{nan}, nil, nil},
		{"single", []float64{4}, []float64{4}, []float64{1}},
		{"distinct", []float64{3, 1, 2}, []float64{1, 2, 3}, []float64{1.0 / 3, 2.0 / 3, 1}},
		{"ties", []float64{2, 2, 1, 2}, []float64{1, 2}, []float64{0.25, 1}},
		{"NaN ignored", []float64{nan, 5, 1, nan, 5, 3}, []float64{1, 3, 5}, []float64{0.25, 0.5, 1}},
		{"negative and infinite", []float64{math.Inf(1), -2, 0}, []float64{-2, 0, math.Inf(1)}, []float64{1.0 / 3, 2.0 / 3, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]float64(nil), tt.values...)
			xs, ys := CDF(in)
			if !reflect.DeepEqual(xs, tt.xs) || !reflect.DeepEqual(ys, tt.ys) {
				t.Errorf("CDF(%v) = %v, %v; want %v, %v", tt.values, xs, ys, tt.xs, tt.ys)
			}
			for i := range in {
				if in[i] != tt.values[i] && !(math.IsNaN(in[i]) && math.IsNaN(tt.values[i])) {
					t.Fatalf("CDF modified its input: %v", in)
				}
			}
		})
	}
}

// TestCDFMatchesQuantiles checks CDF against the quantile definition used
// by Summarize: the p-quantile is the smallest x with F(x) ≥ p.
func TestCDFMatchesQuantiles(t *testing.T) {
	values := oneToHundred()
	xs, ys := CDF(values)
	row := Summarize(obsOf("x", "", "g", values...))[0]
	for _, q := range []struct {
		p    float64
		want float64
	}{{0.5, row.P50}, {0.95, row.P95}, {0.99, row.P99}} {
		i := 0
		for ys[i] < q.p {
			i++
		}
		if xs[i] != q.want {
			t.Errorf("p=%v: smallest x with F(x) ≥ p is %v, Summarize says %v", q.p, xs[i], q.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{1, "1"},
		{12.3456789, "12.3457"},
		{-12.3456789, "-12.3457"},
		{0.1, "0.1"},
		{0.001, "0.001"},
		{0.00123456789, "0.00123457"},
		{0.000999, "0.000999"},
		{1234567.89, "1234568"},
		{999999.9999, "1000000"},
		{1e14, "100000000000000"},
		{1e15, "1e+15"},
		{1.5e-7, "1.5e-07"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "+Inf"},
		{math.Inf(-1), "-Inf"},
	}
	for _, tt := range tests {
		if got := FormatValue(tt.v); got != tt.want {
			t.Errorf("FormatValue(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestFormatSeconds(t *testing.T) {
	tests := []struct {
		ns   int64
		want string
	}{
		{0, "0.000000000"},
		{1, "0.000000001"},
		{1_500_000_000, "1.500000000"},
		{-1, "-0.000000001"},
		{-2_000_000_001, "-2.000000001"},
		{math.MaxInt64, "9223372036.854775807"},
		{math.MinInt64, "-9223372036.854775808"},
	}
	for _, tt := range tests {
		if got := formatSeconds(tt.ns); got != tt.want {
			t.Errorf("formatSeconds(%d) = %q, want %q", tt.ns, got, tt.want)
		}
	}
}

// TestEmpiricalQuantile compares empiricalQuantile with gonum's stat.Quantile (Empirical) for
// every p of the summaries, the extremes and random p, on sorted slices of many lengths.
func TestEmpiricalQuantile(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for n := 1; n <= 3000; n += 1 + n/7 {
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(i) // distinct, so a wrong index gives a wrong value
		}
		ps := []float64{0, 0.5, 0.95, 0.99, 1, math.SmallestNonzeroFloat64, math.Nextafter(1, 0), 1.0 / 3}
		for range 20 {
			ps = append(ps, r.Float64(), float64(r.IntN(n+1))/float64(n))
		}
		for _, p := range ps {
			if got, want := empiricalQuantile(p, x), stat.Quantile(p, stat.Empirical, x, nil); got != want {
				t.Fatalf("n=%d p=%v: empiricalQuantile = %v, stat.Quantile = %v", n, p, got, want)
			}
		}
	}
}
