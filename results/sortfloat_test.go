package results

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// sameBits reports whether a and b hold the same float64 bit patterns, in order.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// checkSortFloat64s sorts a copy of x with sortFloat64s and one with sort.Float64s and
// reports where they differ.
func checkSortFloat64s(t *testing.T, x []float64) {
	t.Helper()
	got := append([]float64(nil), x...)
	want := append([]float64(nil), x...)
	sortFloat64s(got, nil)
	sort.Float64s(want)
	if sameBits(got, want) {
		return
	}
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("n=%d: element %d is %v (%#x), sort.Float64s has %v (%#x)", len(x), i,
				got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
}

// TestSortFloat64s compares sortFloat64s with sort.Float64s on random and adversarial inputs,
// below and above the radix sort's threshold.
func TestSortFloat64s(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	gens := []struct {
		name string
		gen  func(i int) float64
	}{
		{"latencies", func(int) float64 { return float64(r.Int64N(500_000_000)) / 1e6 }},
		{"normal", func(int) float64 { return r.NormFloat64() * 1e3 }},
		{"any-bits", func(int) float64 {
			for {
				if v := math.Float64frombits(r.Uint64()); !math.IsNaN(v) && math.Float64bits(v) != negZeroBits {
					return v
				}
			}
		}},
		{"few-distinct", func(int) float64 { return float64(r.IntN(5)) - 2 }},
		{"all-equal", func(int) float64 { return 42.5 }},
		{"ascending", func(i int) float64 { return float64(i) }},
		{"descending", func(i int) float64 { return -float64(i) }},
		{"infinities-and-zero", func(int) float64 {
			return []float64{math.Inf(1), math.Inf(-1), 0, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64}[r.IntN(7)]
		}},
		{"subnormals", func(int) float64 { return math.Float64frombits(r.Uint64N(1<<52)) * float64(1-2*r.IntN(2)) }},
		{"with-negative-zero", func(i int) float64 {
			if i%97 == 0 {
				return math.Copysign(0, -1)
			}
			return float64(r.IntN(3) - 1)
		}},
		{"with-nan", func(i int) float64 {
			if i%89 == 0 {
				return math.Float64frombits(0x7ff8_0000_0000_0000 | r.Uint64N(1<<51))
			}
			return r.NormFloat64()
		}},
		{"nan-last", func(i int) float64 {
			if i == radixMin+3 {
				return math.NaN()
			}
			return -r.Float64()
		}},
	}
	for _, g := range gens {
		for _, n := range []int{0, 1, 2, radixMin - 1, radixMin, radixMin + 7, 100_000} {
			t.Run(fmt.Sprintf("%s/n=%d", g.name, n), func(t *testing.T) {
				x := make([]float64, n)
				for i := range x {
					x[i] = g.gen(i)
				}
				checkSortFloat64s(t, x)
			})
		}
	}
}

// TestSortFloat64sScratch: a scratch buffer handed in is used and returned, a short one is
// replaced, and the result does not depend on what the scratch held.
func TestSortFloat64sScratch(t *testing.T) {
	x := make([]float64, 5000)
	for i := range x {
		x[i] = float64((i * 7919) % 5003)
	}
	want := append([]float64(nil), x...)
	sort.Float64s(want)
	scratch := make([]float64, 6000)
	for i := range scratch {
		scratch[i] = -1
	}
	got := append([]float64(nil), x...)
	if s := sortFloat64s(got, scratch); &s[0] != &scratch[0] {
		t.Error("a long enough scratch was not used")
	}
	if !sameBits(got, want) {
		t.Error("sorted with a used scratch: wrong order")
	}
	got = append(got[:0], x...)
	if s := sortFloat64s(got, make([]float64, 10)); len(s) < len(x) {
		t.Errorf("returned scratch of %d for %d values", len(s), len(x))
	}
	if !sameBits(got, want) {
		t.Error("sorted with a short scratch: wrong order")
	}
}

// FuzzSortFloat64s: for any bit patterns (NaNs and -0 included), repeated so that the radix
// path runs, sortFloat64s leaves what sort.Float64s leaves.
func FuzzSortFloat64s(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f}, uint8(3))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(200))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xef, 0xff}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, stride uint8) {
		var vals []float64
		for len(data) >= 8 {
			vals = append(vals, math.Float64frombits(binary.LittleEndian.Uint64(data)))
			data = data[8:]
		}
		if len(vals) == 0 {
			return
		}
		// Spread the values over a slice long enough for the radix sort, mixed with a
		// deterministic ramp so that most digits vary.
		x := make([]float64, radixMin+int(stride))
		for i := range x {
			if i%(int(stride)%7+1) == 0 {
				x[i] = vals[i%len(vals)]
			} else {
				x[i] = float64(i*int(stride+1)) - 500
			}
		}
		checkSortFloat64s(t, x)
		checkSortFloat64s(t, vals)
	})
}

// BenchmarkSortFloat64s sorts latency-like values with sortFloat64s and sort.Float64s.
func BenchmarkSortFloat64s(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		r := rand.New(rand.NewPCG(1, 2))
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(4_000_000+r.Int64N(400_000_000)) / 1e6
		}
		y := make([]float64, n)
		for _, impl := range []struct {
			name string
			sort func([]float64, []float64) []float64
		}{
			{"radix", sortFloat64s},
			{"sort.Float64s", func(x, s []float64) []float64 { sort.Float64s(x); return s }},
		} {
			b.Run(fmt.Sprintf("%s/n=%d", impl.name, n), func(b *testing.B) {
				var scratch []float64
				b.ReportAllocs()
				for range b.N {
					b.StopTimer()
					copy(y, x)
					b.StartTimer()
					scratch = impl.sort(y, scratch)
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "values/s")
			})
		}
	}
}

// naiveCDF is CDF as it was written before cdfSteps: filter NaNs, sort.Float64s, one step per
// run of equal values.
func naiveCDF(values []float64) (xs, ys []float64) {
	var s []float64
	for _, v := range values {
		if !math.IsNaN(v) {
			s = append(s, v)
		}
	}
	sort.Float64s(s)
	n := float64(len(s))
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] == s[i] {
			j++
		}
		xs = append(xs, s[i])
		ys = append(ys, float64(j+1)/n)
		i = j + 1
	}
	return xs, ys
}

// TestCDFStepsMatchesThinnedCDF: the steps the figures draw, taken from the sorted values by
// cdfSteps, are those of thinSteps(CDF) bit for bit, with and without thinning, NaNs and ±0
// included; CDF equals the naive CDF.
func TestCDFStepsMatchesThinnedCDF(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for _, n := range []int{0, 1, 5, 1999, 2000, 2001, 2500, 4003, 50_000} {
		for _, distinct := range []int{1, 3, 2000, 2001, 1 << 30} {
			values := make([]float64, n)
			for i := range values {
				values[i] = float64(r.IntN(distinct)) / 8
				switch i % 101 {
				case 7:
					values[i] = math.NaN()
				case 9:
					values[i] = math.Copysign(0, -1)
				}
			}
			wantXs, wantYs := naiveCDF(values)
			if xs, ys := CDF(values); !sameBits(xs, wantXs) || !sameBits(ys, wantYs) {
				t.Fatalf("n=%d distinct=%d: CDF differs from the naive CDF", n, distinct)
			}
			// Sorted as summarizeTable sorts a group: without NaNs (Write rejects them) the
			// same input as the naive CDF sorted, so that -0 and +0 end up in the same order;
			// and with leading NaNs, which cdfSteps skips.
			var sorted []float64
			for _, v := range values {
				if !math.IsNaN(v) {
					sorted = append(sorted, v)
				}
			}
			sortFloat64s(sorted, nil)
			if n%2 == 1 {
				sorted = append([]float64{math.NaN(), math.NaN()}, sorted...)
			}
			for _, max := range []int{0, 1, 2, 3, maxPlotSteps} {
				txs, tys := thinSteps(wantXs, wantYs, max)
				xs, ys, steps := cdfSteps(sorted, max)
				if steps != len(wantXs) || !sameBits(xs, txs) || !sameBits(ys, tys) {
					t.Fatalf("n=%d distinct=%d max=%d: cdfSteps gives %d steps (%d kept), thinSteps(CDF) %d (%d kept)",
						n, distinct, max, steps, len(xs), len(wantXs), len(txs))
				}
			}
		}
	}
}

// TestFigureSeriesAreGroupCDFs: every line Write draws is thinSteps of CDF of its group's
// values, for a CDF metric between other metrics (whose values must not leak into its lines),
// groups above and below the radix threshold, and a table in many chunks.
func TestFigureSeriesAreGroupCDFs(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	var tab Table
	want := map[string][]float64{}
	groups := []string{"g-big", "g-small", "g-mid"}
	for i := range 3 * tableChunk {
		m := []string{"a_before", "lat", "z_after"}[i%3]
		g := groups[r.IntN(3)]
		if g == "g-small" && r.IntN(50) != 0 {
			g = "g-big"
		}
		v := float64(r.IntN(5000)) / 4
		tab.Add(Observation{Metric: m, Unit: "ms", Group: g, Value: v})
		if m == "lat" {
			want[g] = append(want[g], v)
		}
	}
	figs, err := preparedFigures(Manifest{}, &tab, Options{CDFMetric: "lat"})
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != len(want)+1 {
		t.Fatalf("%d figures, want %d", len(figs), len(want)+1)
	}
	for _, f := range figs[:len(want)] {
		s := f.fig.series[0]
		xs, ys := CDF(want[f.group])
		txs, tys := thinSteps(xs, ys, maxPlotSteps)
		if s.n != len(want[f.group]) || s.steps != len(xs) || !sameBits(s.xs, txs) || !sameBits(s.ys, tys) {
			t.Errorf("group %s: line of n=%d, %d steps (%d drawn); want n=%d, %d steps (%d drawn)",
				f.group, s.n, s.steps, len(s.xs), len(want[f.group]), len(xs), len(txs))
		}
	}
}

// TestMergeSorted: merging sorted runs gives the slice sort.Float64s gives for all the values,
// for no runs, empty runs, one run, runs of equal values and many interleaved runs.
func TestMergeSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	for _, k := range []int{0, 1, 2, 3, 10, 33} {
		for _, n := range []int{0, 1, 7, 1000} {
			runs := make([][]float64, k)
			var all []float64
			for i := range runs {
				m := r.IntN(n + 1)
				if i%4 == 3 {
					m = 0
				}
				for range m {
					v := float64(r.IntN(50)) - 25
					if i%5 == 0 {
						v = math.Inf(1 - 2*(i%2))
					}
					runs[i] = append(runs[i], v)
				}
				sort.Float64s(runs[i])
				all = append(all, runs[i]...)
			}
			sort.Float64s(all)
			if got := mergeSorted(nil, runs); !sameBits(got, all) {
				t.Fatalf("k=%d n=%d: mergeSorted differs from sort.Float64s", k, n)
			}
		}
	}
}

// TestSummarizePooledWithNaNAndNegativeZero: the pooled row of groups holding NaN or -0 is
// the one sort.Float64s gives for the values in table order (the merge is skipped for them).
func TestSummarizePooledWithNaNAndNegativeZero(t *testing.T) {
	negZero := math.Copysign(0, -1)
	for _, vals := range [][]float64{
		{negZero, 0, 1, negZero, 0, 2, 0, negZero},
		{0, negZero, 3, 0, 0, negZero, -1, negZero},
		{math.NaN(), 1, 2, 3},
	} {
		var obs []Observation
		for i, v := range vals {
			obs = append(obs, Observation{Metric: "m", Group: []string{"a", "b"}[i%2], Value: v})
		}
		rows := Summarize(obs)
		pooled := append([]float64(nil), vals...)
		sort.Float64s(pooled)
		want := summarizeSorted("m", "", AllGroup, pooled)
		got := rows[len(rows)-1]
		if fmt.Sprint(got) != fmt.Sprint(want) || math.Signbit(got.Min) != math.Signbit(want.Min) ||
			math.Signbit(got.P50) != math.Signbit(want.P50) {
			t.Errorf("%v: pooled row %+v, want %+v", vals, got, want)
		}
	}
}
