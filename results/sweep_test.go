package results

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// testSweep returns a synthetic sweep: axes members × rate, reps replications, with
// delivery latencies to two providers (one of which is missing from the smallest rooms'
// second replication) and an egress metric that grows like members^1.5.
func testSweep(reps int) (Manifest, [][]Observation) {
	return buildSweep(reps, []int{2, 4, 8, 16}, []string{"0.05", "0.5"})
}

// smallSweep is testSweep with two room sizes and one rate, for tests that write many times.
func smallSweep(reps int) (Manifest, [][]Observation) {
	return buildSweep(reps, []int{2, 4}, []string{"0.05"})
}

func buildSweep(reps int, sizes []int, rates []string) (Manifest, [][]Observation) {
	m := testManifest()
	m.Params = nil
	m.Seed = 1
	var sizeTexts []string
	for _, n := range sizes {
		sizeTexts = append(sizeTexts, strconv.Itoa(n))
	}
	info := &SweepInfo{
		Axes: []SweepAxis{
			{Name: "room.members", Values: sizeTexts},
			{Name: "workload.rate_per_member", Values: rates},
		},
		Replications: reps,
		SeedRule:     "derived from the base seed, the point's parameters and the replication (test rule).",
	}
	var obs [][]Observation
	for i, members := range sizes {
		for k, rate := range rates {
			p := len(info.Points)
			info.Points = append(info.Points, SweepPoint{Index: p, Params: []Param{
				{"room.members", strconv.Itoa(members)}, {"workload.rate_per_member", rate}}})
			for r := range reps {
				seed := uint64(1000*p + r + 1)
				info.Jobs = append(info.Jobs, SweepJob{Point: p, Replication: r, Seed: seed,
					Events: uint64(100 * members), SimulatedNs: int64(members) * 1_000_000_123,
					Extra: map[string]string{"messages_sent": strconv.Itoa(members * (k + 1))}})
				var jo []Observation
				for n := 0; n < 4+members; n++ {
					g := []string{"prov-a", "prov-b"}[n%2]
					if g == "prov-b" && members == 2 && r == 1 {
						continue
					}
					v := 20 + 5*float64(i) + float64((n*37+r*11+p*5)%13)*0.5 + float64(k)*3
					jo = append(jo, Observation{Metric: "delivery_latency", Unit: "ms", Group: g,
						TimeNs: int64(n) * 250_000_000, Source: "c" + strconv.Itoa(n%3), Target: "c" + strconv.Itoa(n%5),
						ID: int64(n), Value: v})
				}
				for _, g := range []string{"prov-a", "prov-b"} {
					v := 1000 * math.Pow(float64(members), 1.5) * (1 + 0.01*float64(r) + 0.003*float64(k))
					jo = append(jo, Observation{Metric: "provider_egress", Unit: "bytes", Group: g,
						TimeNs: 60_000_000_000, Source: g, Value: math.Round(v)})
				}
				obs = append(obs, jo)
			}
		}
	}
	m.Sweep = info
	return m, obs
}

func sweepOptions() Options {
	return Options{CDFMetric: "delivery_latency"}
}

// powerSweep has one axis x = 1, 2, 4, 8 and one observation per job of the metric y = 3x².
func powerSweep() (Manifest, [][]Observation) {
	m := testManifest()
	m.Params = nil
	info := &SweepInfo{Axes: []SweepAxis{{Name: "x", Values: []string{"1", "2", "4", "8"}}}, Replications: 2}
	var obs [][]Observation
	for p, x := range []float64{1, 2, 4, 8} {
		info.Points = append(info.Points, SweepPoint{Index: p, Params: []Param{{"x", FormatValue(x)}}})
		for r := range 2 {
			info.Jobs = append(info.Jobs, SweepJob{Point: p, Replication: r, Seed: uint64(10*p + r + 1)})
			obs = append(obs, []Observation{{Metric: "y", Group: "g", Value: 3 * x * x}})
		}
	}
	m.Sweep = info
	return m, obs
}

func TestSummarizeSweep(t *testing.T) {
	m, obs := testSweep(3)
	rows := SummarizeSweep(m.Sweep, obs)
	// 8 points × (2 metrics × (2 groups + all)).
	if len(rows) != 8*6 {
		t.Fatalf("%d rows, want 48", len(rows))
	}
	for _, r := range rows {
		// Recompute from the jobs of the point.
		var pooled []Observation
		var samples []float64
		for j, job := range m.Sweep.Jobs {
			if job.Point != r.Point {
				continue
			}
			var vals []float64
			for _, o := range obs[j] {
				if o.Metric == r.Metric && (r.Group == AllGroup || o.Group == r.Group) {
					vals = append(vals, o.Value)
					pooled = append(pooled, o)
				}
			}
			if len(vals) > 0 {
				sum := 0.0
				for _, v := range vals {
					sum += v
				}
				samples = append(samples, sum/float64(len(vals)))
			}
		}
		mean, lo, hi := MeanCI(samples, CILevel)
		if r.Replications != len(samples) || math.Abs(r.RepMean-mean) > 1e-9 || math.Abs(r.CILow-lo) > 1e-9 || math.Abs(r.CIHigh-hi) > 1e-9 {
			t.Errorf("point %d %s/%s: reps %d mean %v CI [%v, %v]; want %d, %v, [%v, %v]",
				r.Point, r.Metric, r.Group, r.Replications, r.RepMean, r.CILow, r.CIHigh, len(samples), mean, lo, hi)
		}
		if r.N != len(pooled) {
			t.Errorf("point %d %s/%s: n %d, want %d", r.Point, r.Metric, r.Group, r.N, len(pooled))
		}
		if !reflect.DeepEqual(r.Params, m.Sweep.Points[r.Point].Params) {
			t.Errorf("row of point %d has params %v", r.Point, r.Params)
		}
	}
	// prov-b has no delivery latencies in replication 1 of the two-member rooms.
	if r := rows[1]; r.Group != "prov-b" || r.Metric != "delivery_latency" || r.Replications != 2 {
		t.Errorf("row 1 = %s/%s with %d replications, want delivery_latency/prov-b with 2", r.Metric, r.Group, r.Replications)
	}
}

func TestSummarizeSweepOneReplication(t *testing.T) {
	m, obs := testSweep(1)
	for _, r := range SummarizeSweep(m.Sweep, obs) {
		if r.Replications != 1 || !math.IsNaN(r.CILow) || !math.IsNaN(r.CIHigh) || !math.IsNaN(r.RepStddev) || r.RepMean != r.Mean {
			t.Errorf("%s/%s at point %d: reps %d, CI [%v, %v], stddev %v, rep mean %v, mean %v", r.Metric, r.Group, r.Point,
				r.Replications, r.CILow, r.CIHigh, r.RepStddev, r.RepMean, r.Mean)
		}
	}
}

var wantSweepFiles = []string{
	"figures/cdf_delivery_latency_workload.rate_per_member-0.05.png",
	"figures/cdf_delivery_latency_workload.rate_per_member-0.05.svg",
	"figures/cdf_delivery_latency_workload.rate_per_member-0.5.png",
	"figures/cdf_delivery_latency_workload.rate_per_member-0.5.svg",
	"figures/mean_delivery_latency_workload.rate_per_member-0.05.png",
	"figures/mean_delivery_latency_workload.rate_per_member-0.05.svg",
	"figures/mean_delivery_latency_workload.rate_per_member-0.5.png",
	"figures/mean_delivery_latency_workload.rate_per_member-0.5.svg",
	"figures/mean_provider_egress_workload.rate_per_member-0.05.png",
	"figures/mean_provider_egress_workload.rate_per_member-0.05.svg",
	"figures/mean_provider_egress_workload.rate_per_member-0.5.png",
	"figures/mean_provider_egress_workload.rate_per_member-0.5.svg",
	"figures/scaling_delivery_latency_workload.rate_per_member-0.05.png",
	"figures/scaling_delivery_latency_workload.rate_per_member-0.05.svg",
	"figures/scaling_delivery_latency_workload.rate_per_member-0.5.png",
	"figures/scaling_delivery_latency_workload.rate_per_member-0.5.svg",
	"figures/scaling_provider_egress_workload.rate_per_member-0.05.png",
	"figures/scaling_provider_egress_workload.rate_per_member-0.05.svg",
	"figures/scaling_provider_egress_workload.rate_per_member-0.5.png",
	"figures/scaling_provider_egress_workload.rate_per_member-0.5.svg",
	"manifest.json",
	"observations.csv",
	"report.md",
	"summary.csv",
	"summary.json",
}

// TestWriteSweepGolden compares a sweep's files with testdata/sweep-golden/, byte for byte.
// The golden directory holds no PNGs, to stay small: they are drawn from the same plots as the
// SVGs, and TestRenderSweepDeterministic checks that their bytes are stable. Run
// `go test ./results -run Golden -update` to rewrite them.
func TestWriteSweepGolden(t *testing.T) {
	t.Parallel()
	m, obs := testSweep(3)
	dir := filepath.Join(t.TempDir(), "sweep")
	if err := WriteSweep(dir, m, obs, sweepOptions()); err != nil {
		t.Fatal(err)
	}
	if got := listFiles(t, dir); !reflect.DeepEqual(got, wantSweepFiles) {
		t.Fatalf("files:\n got %q\nwant %q", got, wantSweepFiles)
	}
	for _, f := range wantSweepFiles {
		if strings.HasSuffix(f, ".png") {
			if err := os.Remove(filepath.Join(dir, f)); err != nil {
				t.Fatal(err)
			}
		}
	}
	compareGolden(t, dir, filepath.Join("testdata", "sweep-golden"))
}

// compareGolden compares every file below dir with the same file below golden, or, with
// -update, replaces golden with dir.
func compareGolden(t *testing.T, dir, golden string) {
	t.Helper()
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(golden, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, want := listFiles(t, dir), listFiles(t, golden)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("files:\n got %q\nwant %q", got, want)
	}
	for _, f := range got {
		g, w := mustRead(t, filepath.Join(dir, f)), mustRead(t, filepath.Join(golden, f))
		if strings.HasSuffix(f, ".png") {
			if msg := comparePNG([]byte(g), []byte(w)); msg != "" {
				t.Errorf("%s: %s", f, msg)
			}
			continue
		}
		if g != w {
			t.Errorf("%s differs from %s (run with -update if the change is intended)", f, filepath.Join(golden, f))
		}
	}
}

func TestWriteSweepByteIdentical(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	a, b := filepath.Join(parent, "a"), filepath.Join(parent, "b")
	for _, d := range []string{a, b} {
		m, obs := smallSweep(2)
		if err := WriteSweep(d, m, obs, sweepOptions()); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range listFiles(t, a) {
		if mustRead(t, filepath.Join(a, f)) != mustRead(t, filepath.Join(b, f)) {
			t.Errorf("%s differs between two writes of the same sweep", f)
		}
	}
}

// With one replication there is no confidence interval: empty cells, nulls, and a sentence.
func TestWriteSweepOneReplication(t *testing.T) {
	t.Parallel()
	m, obs := smallSweep(1)
	dir := filepath.Join(t.TempDir(), "sweep")
	if err := WriteSweep(dir, m, obs, sweepOptions()); err != nil {
		t.Fatal(err)
	}
	summary := mustRead(t, filepath.Join(dir, SummaryCSVFile))
	lines := strings.Split(strings.TrimSpace(summary), "\n")
	if !strings.HasSuffix(lines[0], ",replications,rep_mean,rep_stddev,ci95_low,ci95_high") {
		t.Errorf("summary.csv header %q", lines[0])
	}
	for _, l := range lines[1:] {
		if !strings.HasSuffix(l, ",,,") || !strings.Contains(l, ",1,") {
			t.Errorf("summary.csv row with a confidence interval from one replication: %s", l)
		}
	}
	js := mustRead(t, filepath.Join(dir, SummaryJSONFile))
	for _, want := range []string{`"ci95_low": null`, `"ci95_high": null`, `"rep_stddev": null`, `"replications": 1`} {
		if !strings.Contains(js, want) {
			t.Errorf("summary.json lacks %s", want)
		}
	}
	report := mustRead(t, filepath.Join(dir, ReportFile))
	for _, want := range []string{"A confidence interval needs at least two replications", "| – |"} {
		if !strings.Contains(report, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}

// The figures plot the summary's means and intervals, and the fits of those means.
func TestSweepFigureData(t *testing.T) {
	m, obs := testSweep(3)
	sp, err := prepareSweep(m, obs, sweepOptions())
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		point         int
		metric, group string
	}
	rowAt := map[key]SweepRow{}
	for _, r := range sp.rows {
		rowAt[key{r.Point, r.Metric, r.Group}] = r
	}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	kinds := map[string]int{}
	for _, f := range sp.figs {
		kinds[f.kind]++
		for _, s := range f.series {
			switch f.kind {
			case figMean, figScaling:
				var xs, ys []float64
				for i, x := range s.xs {
					p := pointOf(t, m.Sweep, FormatValue(x), f.combo)
					r, ok := rowAt[key{p, f.metric, s.name}]
					if !ok {
						t.Fatalf("%s: series %s plots x=%v, which has no summary row", f.stem, s.name, x)
					}
					if s.ys[i] != r.RepMean || f.kind == figMean && (!same(s.lo[i], r.CILow) || !same(s.hi[i], r.CIHigh)) {
						t.Errorf("%s: %s at x=%v plots %v [%v, %v], summary has %v [%v, %v]", f.stem, s.name, x,
							s.ys[i], s.lo, s.hi, r.RepMean, r.CILow, r.CIHigh)
					}
					xs, ys = append(xs, x), append(ys, r.RepMean)
				}
				if len(s.xs) != 4 {
					t.Errorf("%s: series %s has %d points, want one per room size", f.stem, s.name, len(s.xs))
				}
				if f.kind == figScaling {
					want, err := FitPowerLaw(xs, ys)
					if err != nil || *s.fit != want {
						t.Errorf("%s: %s fit %+v, want %+v (%v)", f.stem, s.name, *s.fit, want, err)
					}
					if f.metric == "provider_egress" && math.Abs(s.fit.K-1.5) > 1e-3 {
						t.Errorf("%s: %s exponent %v, want 1.5", f.stem, s.name, s.fit.K)
					}
				}
			case figCDF:
				if s.ys[len(s.ys)-1] != 1 {
					t.Errorf("%s: CDF %s ends at %v", f.stem, s.name, s.ys[len(s.ys)-1])
				}
			}
		}
		if _, err := f.plot(); err != nil {
			t.Errorf("%s: %v", f.stem, err)
		}
	}
	if want := map[string]int{figMean: 4, figScaling: 4, figCDF: 2}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("figures by kind %v, want %v", kinds, want)
	}
}

// pointOf finds the point with first-axis value v and the other axes at combo.
func pointOf(t *testing.T, info *SweepInfo, v string, combo []Param) int {
	t.Helper()
	for _, p := range info.Points {
		if p.Params[0].Value == v && reflect.DeepEqual(p.Params[1:], combo) {
			return p.Index
		}
	}
	t.Fatalf("no point %s=%s at %v", info.Axes[0].Name, v, combo)
	return -1
}

// The scaling figure of y = 3x² shows the exponent 2.
func TestScalingFigureExponent(t *testing.T) {
	m, obs := powerSweep()
	sp, err := prepareSweep(m, obs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range sp.figs {
		got = append(got, f.stem)
		if f.kind != figScaling {
			continue
		}
		for _, s := range f.series {
			if math.Abs(s.fit.K-2) > 1e-12 || math.Abs(s.fit.A-math.Log(3)) > 1e-12 || s.fit.KStdErr > 1e-12 || s.fit.N != 4 {
				t.Errorf("series %s: fit %+v, want k = 2, a = ln 3, SE 0", s.name, *s.fit)
			}
		}
	}
	if want := []string{"figures/mean_y", "figures/scaling_y"}; !reflect.DeepEqual(got, want) {
		t.Errorf("figures %q, want %q", got, want)
	}
	var b bytes.Buffer
	if err := writeSweepReport(&b, sp); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| `y` | g | 2 | ") || !strings.Contains(b.String(), "fitted exponent k = 2.000 ± 0.000") {
		t.Errorf("report.md does not give the exponent 2:\n%s", b.String())
	}
}

func TestSweepFigureKinds(t *testing.T) {
	tests := []struct {
		name  string
		axis  SweepAxis
		stems []string
	}{
		{"positive numbers: means, scaling", SweepAxis{"size", []string{"1", "10"}}, []string{"figures/mean_y", "figures/scaling_y", "figures/cdf_y"}},
		{"zero among the values: no scaling", SweepAxis{"size", []string{"0", "10"}}, []string{"figures/mean_y", "figures/cdf_y"}},
		{"text values: no scaling", SweepAxis{"region", []string{"eu", "us"}}, []string{"figures/mean_y", "figures/cdf_y"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Manifest{Sweep: &SweepInfo{Axes: []SweepAxis{tc.axis}, Replications: 1}}
			var obs [][]Observation
			for p, v := range tc.axis.Values {
				m.Sweep.Points = append(m.Sweep.Points, SweepPoint{Index: p, Params: []Param{{tc.axis.Name, v}}})
				m.Sweep.Jobs = append(m.Sweep.Jobs, SweepJob{Point: p})
				obs = append(obs, []Observation{{Metric: "y", Group: "g", Value: float64(p + 1)}})
			}
			sp, err := prepareSweep(m, obs, Options{CDFMetric: "y"})
			if err != nil {
				t.Fatal(err)
			}
			var stems []string
			for _, f := range sp.figs {
				stems = append(stems, f.stem)
				if _, _, err := renderPlot(f.plot); err != nil {
					t.Errorf("%s: %v", f.stem, err)
				}
			}
			if !reflect.DeepEqual(stems, tc.stems) {
				t.Errorf("figures %q, want %q", stems, tc.stems)
			}
		})
	}
}

func TestAssignStems(t *testing.T) {
	figs := []sweepFigure{
		{kind: figMean, metric: "a b"},
		{kind: figMean, metric: "a_b"},
		{kind: figMean, metric: "A_B"},
		{kind: figCDF, metric: "x", combo: []Param{{"net/loss", "0.1"}, {"r", "eu west"}}},
	}
	assignStems(figs)
	var got []string
	for _, f := range figs {
		got = append(got, f.stem)
	}
	want := []string{"figures/mean_a_b", "figures/mean_a_b_2", "figures/mean_A_B_3", "figures/cdf_x_net_loss-0.1_r-eu_west"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stems %q, want %q", got, want)
	}
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   string
	}{
		{1, 1e6, "1 10 100 1000 10000 100000 1000000"},
		{2000, 90000, "2000 5000 10000 20000 50000"},
		{17.5, 49.3, "20 30 40"},
		{21, 29, "21 29"},
		{21.4, 29.6, "21.4 29.6"},
	}
	for _, tc := range tests {
		var got []string
		for _, tk := range (log10Ticks{}).Ticks(math.Log10(tc.lo), math.Log10(tc.hi)) {
			got = append(got, tk.Label)
			if v, _ := strconv.ParseFloat(tk.Label, 64); math.Abs(tk.Value-math.Log10(v)) > 1e-9 {
				t.Errorf("tick %s at %v, want log10 %v", tk.Label, tk.Value, math.Log10(v))
			}
		}
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("Ticks(%v, %v) = %q, want %q", tc.lo, tc.hi, s, tc.want)
		}
	}
}

func TestRenderSweepDeterministic(t *testing.T) {
	t.Parallel()
	m, obs := smallSweep(2)
	sp, err := prepareSweep(m, obs, sweepOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range sp.figs {
		p1, s1, err := renderPlot(f.plot)
		if err != nil {
			t.Fatal(err)
		}
		p2, s2, err := renderPlot(f.plot)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p1, p2) || !bytes.Equal(s1, s2) {
			t.Errorf("%s: two renderings differ", f.stem)
		}
	}
}

func TestWriteSweepRejects(t *testing.T) {
	tests := []struct {
		name    string
		change  func(m *Manifest, obs *[][]Observation)
		errText string
	}{
		{"no sweep", func(m *Manifest, _ *[][]Observation) { m.Sweep = nil }, "describes no sweep"},
		{"params", func(m *Manifest, _ *[][]Observation) { m.Params = []Param{{"a", "1"}} }, "no Params"},
		{"reserved axis name", func(m *Manifest, _ *[][]Observation) { renameAxis(m.Sweep, 0, "replication") }, "fixed column"},
		{"axis named like a summary column", func(m *Manifest, _ *[][]Observation) { renameAxis(m.Sweep, 0, "ci95_low") }, "fixed column"},
		{"point out of order", func(m *Manifest, _ *[][]Observation) { m.Sweep.Points[1].Index = 5 }, "numbered"},
		{"point with a foreign value", func(m *Manifest, _ *[][]Observation) { m.Sweep.Points[1].Params[0].Value = "3" }, "not a value of axis"},
		{"duplicate point", func(m *Manifest, _ *[][]Observation) { m.Sweep.Points[1].Params = m.Sweep.Points[0].Params }, "same parameters"},
		{"jobs out of order", func(m *Manifest, _ *[][]Observation) {
			m.Sweep.Jobs[0], m.Sweep.Jobs[1] = m.Sweep.Jobs[1], m.Sweep.Jobs[0]
		}, "out of order"},
		{"replication out of range", func(m *Manifest, _ *[][]Observation) { m.Sweep.Jobs[1].Replication = 7 }, "replication 7"},
		{"missing observations", func(_ *Manifest, obs *[][]Observation) { *obs = (*obs)[1:] }, "observation slices"},
		{"bad observation", func(_ *Manifest, obs *[][]Observation) { (*obs)[2][0].Group = AllGroup }, "reserved group"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, obs := testSweep(2)
			tc.change(&m, &obs)
			parent := t.TempDir()
			err := WriteSweep(filepath.Join(parent, "s"), m, obs, sweepOptions())
			if err == nil || !strings.Contains(err.Error(), tc.errText) {
				t.Fatalf("got error %v, want one saying %q", err, tc.errText)
			}
			if got := entries(t, parent); len(got) != 0 {
				t.Errorf("a rejected write left %q", got)
			}
		})
	}
}

func renameAxis(info *SweepInfo, k int, name string) {
	info.Axes[k].Name = name
	for i := range info.Points {
		ps := append([]Param(nil), info.Points[i].Params...)
		ps[k].Name = name
		info.Points[i].Params = ps
	}
}

func TestWriteSweepFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"observations.csv", "summary.json", "figures/scaling_provider_egress_workload.rate_per_member-0.05.svg", "report.md"} {
		t.Run(name, func(t *testing.T) {
			m, obs := smallSweep(2)
			parent := t.TempDir()
			opts := sweepOptions()
			opts.failHook = failAt(name)
			if err := WriteSweep(filepath.Join(parent, "s"), m, obs, opts); !errors.Is(err, errInjected) {
				t.Fatalf("got %v, want the injected error", err)
			}
			if got := entries(t, parent); len(got) != 0 {
				t.Errorf("a failed write left %q", got)
			}
		})
	}
}

func TestMeanCI(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name          string
		samples       []float64
		level         float64
		mean, lo, hi  float64
		tolerance     float64
		checkBoundsEq bool
	}{
		{"none", nil, 0.95, nan, nan, nan, 0, false},
		{"one", []float64{4}, 0.95, 4, nan, nan, 0, false},
		// t(0.975; 1) = 12.7062047362 and s = √2, so the half-width is 12.7062047362.
		{"two", []float64{1, 3}, 0.95, 2, 2 - 12.7062047362, 2 + 12.7062047362, 1e-8, false},
		// t(0.975; 4) = 2.7764451052, s = √2.5, half-width 2.7764451052 · √2.5 / √5.
		{"five", []float64{1, 2, 3, 4, 5}, 0.95, 3, 3 - 2.7764451052*math.Sqrt(0.5), 3 + 2.7764451052*math.Sqrt(0.5), 1e-8, false},
		// t(0.95; 4) = 2.1318467863 for a 90% interval.
		{"90%", []float64{1, 2, 3, 4, 5}, 0.90, 3, 3 - 2.1318467863*math.Sqrt(0.5), 3 + 2.1318467863*math.Sqrt(0.5), 1e-8, false},
		{"no spread", []float64{7, 7, 7}, 0.95, 7, 7, 7, 0, true},
	}
	close := func(a, b, tol float64) bool { return math.IsNaN(a) && math.IsNaN(b) || math.Abs(a-b) <= tol }
	for _, tc := range tests {
		mean, lo, hi := MeanCI(tc.samples, tc.level)
		if !close(mean, tc.mean, tc.tolerance) || !close(lo, tc.lo, tc.tolerance) || !close(hi, tc.hi, tc.tolerance) {
			t.Errorf("%s: MeanCI = %v [%v, %v], want %v [%v, %v]", tc.name, mean, lo, hi, tc.mean, tc.lo, tc.hi)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("MeanCI with level 1 did not panic")
		}
	}()
	MeanCI([]float64{1, 2}, 1)
}

func TestFitPowerLaw(t *testing.T) {
	e := math.E
	tests := []struct {
		name    string
		xs, ys  []float64
		want    PowerFit
		errText string
	}{
		{"y = 3x²", []float64{1, 2, 4, 8, 16}, []float64{3, 12, 48, 192, 768}, PowerFit{K: 2, A: math.Log(3), KStdErr: 0, N: 5}, ""},
		// log x = 0, 1, 2 and log y = 0, 1, 3: k = 1.5, a = −1/6, residuals 1/6, −1/3, 1/6,
		// s² = 1/6, Sxx = 2, SE = √(1/12).
		{"by hand", []float64{1, e, e * e}, []float64{1, e, e * e * e}, PowerFit{K: 1.5, A: -1.0 / 6, KStdErr: math.Sqrt(1.0 / 12), N: 3}, ""},
		{"two points", []float64{2, 8}, []float64{1, 2}, PowerFit{K: 0.5, A: -0.5 * math.Log(2), KStdErr: math.NaN(), N: 2}, ""},
		{"one point", []float64{2}, []float64{1}, PowerFit{}, "at least two points"},
		{"lengths", []float64{1, 2}, []float64{1}, PowerFit{}, "2 x values but 1 y values"},
		{"zero y", []float64{1, 2}, []float64{0, 1}, PowerFit{}, "not positive"},
		{"negative x", []float64{-1, 2}, []float64{1, 1}, PowerFit{}, "not positive"},
		{"NaN", []float64{1, 2}, []float64{math.NaN(), 1}, PowerFit{}, "not positive"},
		{"one x", []float64{3, 3}, []float64{1, 2}, PowerFit{}, "two different x values"},
	}
	close := func(a, b float64) bool { return math.IsNaN(a) && math.IsNaN(b) || math.Abs(a-b) <= 1e-12 }
	for _, tc := range tests {
		got, err := FitPowerLaw(tc.xs, tc.ys)
		if tc.errText != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errText) {
				t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.errText)
			}
			continue
		}
		if err != nil || !close(got.K, tc.want.K) || !close(got.A, tc.want.A) || !close(got.KStdErr, tc.want.KStdErr) || got.N != tc.want.N {
			t.Errorf("%s: FitPowerLaw = %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
}

func TestTQuantile(t *testing.T) {
	for _, tc := range []struct {
		p    float64
		dof  int
		want float64
	}{{0.975, 1, 12.7062047362}, {0.975, 4, 2.7764451052}, {0.975, 30, 2.0422724563}, {0.5, 3, 0}} {
		if got := TQuantile(tc.p, tc.dof); math.Abs(got-tc.want) > 1e-8 {
			t.Errorf("TQuantile(%v, %d) = %v, want %v", tc.p, tc.dof, got, tc.want)
		}
	}
}

// With a series axis, each comparison figure plots one metric and group with one line per value
// of that axis, every point the summary's mean and interval, its scaling twin the fit of those
// means; the report's comparison section quotes the same numbers.
func TestSweepCompareFigures(t *testing.T) {
	m, obs := testSweep(3)
	m.Sweep.Series = "workload.rate_per_member"
	sp, err := prepareSweep(m, obs, sweepOptions())
	if err != nil {
		t.Fatal(err)
	}
	rowAt := map[compareKey]SweepRow{}
	for _, r := range sp.rows {
		rowAt[compareKey{r.Point, r.Metric, r.Group}] = r
	}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	count := map[string]int{}
	for _, f := range sp.figs {
		if f.group == "" {
			continue
		}
		count[f.kind]++
		if f.group == AllGroup || !strings.HasPrefix(path.Base(f.stem), "compare_"+f.kind+"_") {
			t.Errorf("%s: group %q", f.stem, f.group)
		}
		if len(f.series) != 2 || f.series[0].name != "workload.rate_per_member=0.05" || f.series[1].name != "workload.rate_per_member=0.5" {
			t.Fatalf("%s: series %v", f.stem, f.series)
		}
		for _, s := range f.series {
			rate := strings.TrimPrefix(s.name, "workload.rate_per_member=")
			var xs, ys []float64
			for i, x := range s.xs {
				p := pointOf(t, m.Sweep, FormatValue(x), []Param{{"workload.rate_per_member", rate}})
				r := rowAt[compareKey{p, f.metric, f.group}]
				if s.ys[i] != r.RepMean || f.kind == figMean && (!same(s.lo[i], r.CILow) || !same(s.hi[i], r.CIHigh)) {
					t.Errorf("%s: %s at x=%v plots %v, summary has %v", f.stem, s.name, x, s.ys[i], r.RepMean)
				}
				xs, ys = append(xs, x), append(ys, r.RepMean)
			}
			if len(s.xs) != 4 {
				t.Errorf("%s: %s has %d points", f.stem, s.name, len(s.xs))
			}
			if f.kind == figScaling {
				if want, err := FitPowerLaw(xs, ys); err != nil || *s.fit != want {
					t.Errorf("%s: %s fit %+v, want %+v", f.stem, s.name, *s.fit, want)
				}
				if f.metric == "provider_egress" && math.Abs(s.fit.K-1.5) > 1e-3 {
					t.Errorf("%s: %s exponent %v, want 1.5", f.stem, s.name, s.fit.K)
				}
			}
		}
		if _, err := f.plot(); err != nil {
			t.Errorf("%s: %v", f.stem, err)
		}
	}
	// Two metrics × two groups each, a mean and a scaling figure of each.
	if count[figMean] != 4 || count[figScaling] != 4 {
		t.Errorf("comparison figures by kind: %v", count)
	}
	var buf bytes.Buffer
	if err := writeSweepReport(&buf, sp); err != nil {
		t.Fatal(err)
	}
	report := buf.String()
	for _, f := range sp.figs {
		if f.group != "" && f.kind == figMean {
			s := f.series[1]
			want := fmt.Sprintf("%s %s at room.members=2 to %s at 16", s.name, withUnit(s.ys[0], f.unit), withUnit(s.ys[3], f.unit))
			if !strings.Contains(report, want) {
				t.Errorf("report lacks %q", want)
			}
		}
	}
	if !strings.Contains(report, "## Comparison by `workload.rate_per_member`") || strings.Contains(report, "ran in sampled fidelity") {
		t.Error("report has no comparison section, or warns of sampled jobs it does not have")
	}
	m.Sweep.Jobs[0].Extra["fidelity"] = "sampled:4"
	if sp, err = prepareSweep(m, obs, sweepOptions()); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := writeSweepReport(&buf, sp); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "1 of the 24 jobs ran in sampled fidelity") {
		t.Error("report does not warn of the sampled job")
	}
	// The sampled point is a line of its own.
	for _, f := range sp.figs {
		if f.group == "" || f.kind != figMean {
			continue
		}
		if len(f.series) != 3 || f.series[1].name != "workload.rate_per_member=0.05 (sampled)" ||
			len(f.series[1].xs) != 1 || f.series[1].xs[0] != 2 || len(f.series[0].xs) != 3 {
			t.Errorf("%s: series %+v", f.stem, f.series)
		}
	}
	m.Sweep.Series = "room.members"
	if _, err := prepareSweep(m, obs, sweepOptions()); err == nil {
		t.Error("the first axis was accepted as the series")
	}
}
