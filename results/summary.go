package results

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"
)

// Summarize computes one SummaryRow per (Metric, Group) pair of obs, plus one
// row per metric with Group "all" that pools all of that metric's groups.
//
// Rows are sorted by Metric, then Group (byte-wise string order), and each
// metric's "all" row comes right after its groups. A row's Unit is the Unit
// of the first observation of its metric (Write rejects mixed units).
//
// Statistics are computed on a sorted copy of the values, so they do not
// depend on the order of obs:
//
//   - Mean is the arithmetic mean (gonum stat.Mean);
//   - Stddev is the sample standard deviation with n−1 denominator
//     (gonum stat.StdDev), and 0 when N is 1;
//   - P50, P95 and P99 are empirical quantiles (gonum stat.Quantile with
//     stat.Empirical): the p-quantile of sorted values x[1..n] is x[k] for the
//     smallest k ≥ p·n, an observed value, never an interpolation;
//   - Min and Max are the extreme values.
//
// Values should be finite; if a row's values contain a NaN, all of its
// statistics except N are NaN. Summarize returns nil for no observations.
func Summarize(obs []Observation) []SummaryRow {
	return SummarizeTable(TableOf(obs))
}

// SummarizeTable is Summarize for observations held in a Table. It works through one metric at
// a time, so besides the table it holds the values of one metric twice (by group and pooled)
// and a sorting buffer as long as its largest group.
func SummarizeTable(t *Table) []SummaryRow {
	rows, _ := summarizeTable(t, "")
	return rows
}

// summarizeTable is SummarizeTable that also returns the values of metric keep by group
// name, each sorted as sort.Float64s sorts (nil if keep has none), so that the CDF figures of
// keep need not collect and sort them again.
func summarizeTable(t *Table, keep string) ([]SummaryRow, map[string][]float64) {
	if t.Len() == 0 {
		return nil, nil
	}
	counts := t.seriesCounts()
	// Metrics by name; each metric's unit is that of its first series (series are numbered in
	// the order they first occur) and its groups are those of its series.
	type metricInfo struct {
		unit   uint32
		groups []uint32 // distinct group ids
		n      int
	}
	byMetric := make(map[string]*metricInfo)
	var metrics []string
	for i, k := range t.series {
		name := t.strs[k.metric]
		mi := byMetric[name]
		if mi == nil {
			mi = &metricInfo{unit: k.unit}
			byMetric[name] = mi
			metrics = append(metrics, name)
		}
		if !slices.Contains(mi.groups, k.group) {
			mi.groups = append(mi.groups, k.group)
		}
		mi.n += counts[i]
	}
	sort.Strings(metrics)

	var rows []SummaryRow
	var kept map[string][]float64
	var scratch []float64              // the radix sort's buffer, shared by a metric's groups
	slot := make([]int, len(t.series)) // series -> index of its group in the metric's groups
	for _, name := range metrics {
		mi := byMetric[name]
		metric := name
		for i, k := range t.series {
			if t.strs[k.metric] == name {
				slot[i] = slices.Index(mi.groups, k.group)
			} else {
				slot[i] = -1
			}
		}
		sizes := make([]int, len(mi.groups))
		for i := range t.series {
			if slot[i] >= 0 {
				sizes[slot[i]] += counts[i]
			}
		}
		byGroup := make([][]float64, len(mi.groups))
		for g := range byGroup {
			byGroup[g] = make([]float64, 0, sizes[g])
		}
		t.rows(func(series, _, _ []uint32, _, _ []int64, value []float64) {
			for j, s := range series {
				if g := slot[s]; g >= 0 {
					byGroup[g] = append(byGroup[g], value[j])
				}
			}
		})
		// Without NaN and -0 the pooled values' sorted slice is unique: merge the sorted groups
		// into it. With them, sort.Float64s's slice depends on the values' order in the table:
		// collect and sort them as they come.
		unique := true
		for _, g := range byGroup {
			unique = unique && orderUnique(g)
		}
		order := make([]int, len(mi.groups))
		for g := range order {
			order[g] = g
		}
		sort.Slice(order, func(a, b int) bool { return t.strs[mi.groups[order[a]]] < t.strs[mi.groups[order[b]]] })
		unit := t.strs[mi.unit]
		if name == keep {
			kept = make(map[string][]float64, len(mi.groups))
		}
		for _, g := range order {
			group := t.strs[mi.groups[g]]
			scratch = sortFloat64s(byGroup[g], scratch)
			rows = append(rows, summarizeSorted(metric, unit, group, byGroup[g]))
			if name == keep {
				kept[group] = byGroup[g]
			}
		}
		scratch = nil
		pooled := make([]float64, 0, mi.n)
		if unique {
			pooled = mergeSorted(pooled, byGroup)
		} else {
			t.rows(func(series, _, _ []uint32, _, _ []int64, value []float64) {
				for j, s := range series {
					if slot[s] >= 0 {
						pooled = append(pooled, value[j])
					}
				}
			})
			sort.Float64s(pooled)
		}
		clear(byGroup)
		rows = append(rows, summarizeSorted(metric, unit, AllGroup, pooled))
	}
	return rows, kept
}

// summarizeSorted computes one row from values sorted as sort.Float64s sorts (NaNs first).
func summarizeSorted(metric, unit, group string, sorted []float64) SummaryRow {
	r := SummaryRow{Metric: metric, Unit: unit, Group: group, N: len(sorted)}
	if len(sorted) == 0 {
		return r
	}
	if math.IsNaN(sorted[0]) {
		nan := math.NaN()
		r.Mean, r.Stddev, r.P50, r.P95, r.P99, r.Max, r.Min = nan, nan, nan, nan, nan, nan, nan
		return r
	}
	r.Mean = stat.Mean(sorted, nil)
	if len(sorted) > 1 {
		r.Stddev = stat.StdDev(sorted, nil)
	}
	r.P50 = empiricalQuantile(0.50, sorted)
	r.P95 = empiricalQuantile(0.95, sorted)
	r.P99 = empiricalQuantile(0.99, sorted)
	r.Min = sorted[0]
	r.Max = sorted[len(sorted)-1]
	return r
}

// empiricalQuantile returns stat.Quantile(p, stat.Empirical, sorted, nil) for sorted values
// without NaN and 0 ≤ p ≤ 1, without the checks and the scan that gonum makes: gonum returns
// sorted[i] for the first i whose count i+1 (a float64, exact below 2^53) is ≥ p·n, that is
// for i+1 = max(1, ⌈p·n⌉), computed with the same float64 product p·n. (p·n ≤ n: p ≤ 1 and n
// is exact, so rounding cannot take the product past n.)
func empiricalQuantile(p float64, sorted []float64) float64 {
	c := math.Ceil(p * float64(len(sorted)))
	if c < 1 {
		c = 1
	}
	return sorted[int(c)-1]
}

// CDF returns the empirical cumulative distribution function of values as a
// step function: xs are the distinct values in increasing order and ys[i] is
// the fraction of values that are ≤ xs[i], so ys is increasing and ends at
// exactly 1. The function is right-continuous: F(x) = ys[i] for
// xs[i] ≤ x < xs[i+1], 0 below xs[0] and 1 from the last xs on.
//
// NaN values are ignored (they count neither in the numerator nor in the
// denominator). CDF returns nil slices when there are no non-NaN values. It
// does not modify values.
func CDF(values []float64) (xs, ys []float64) {
	s := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) {
			s = append(s, v)
		}
	}
	sortFloat64s(s, nil)
	xs, ys, _ = cdfSteps(s, 0)
	return xs, ys
}

// cdfSteps returns the steps of the CDF of sorted, which is sorted as sort.Float64s sorts
// (NaNs first, and ignored like CDF ignores them), and the number of steps, len(xs) of CDF.
// If max ≥ 2 and there are more than max steps, it returns only max of them, at the evenly
// spaced step indices k·(steps−1)/(max−1) that thinSteps keeps, without building the others.
func cdfSteps(sorted []float64, max int) (xs, ys []float64, steps int) {
	for len(sorted) > 0 && math.IsNaN(sorted[0]) {
		sorted = sorted[1:]
	}
	if len(sorted) == 0 {
		return nil, nil, 0
	}
	for i := range sorted {
		if i == 0 || sorted[i] != sorted[i-1] {
			steps++
		}
	}
	n := float64(len(sorted))
	next, k := 0, 0 // the index of the next step to keep, and the how-manyth kept it is
	thin := max >= 2 && steps > max
	if thin {
		xs, ys = make([]float64, 0, max), make([]float64, 0, max)
	}
	step := 0
	for i := 0; i < len(sorted); {
		j := i
		for j+1 < len(sorted) && sorted[j+1] == sorted[i] {
			j++
		}
		if !thin || step == next {
			xs = append(xs, sorted[i])
			ys = append(ys, float64(j+1)/n)
			if thin {
				k++
				next = k * (steps - 1) / (max - 1)
			}
		}
		step++
		i = j + 1
	}
	return xs, ys, steps
}

// FormatValue formats v for people: rounded to six significant digits, with
// trailing zeros dropped, in plain decimal notation for magnitudes from 0.001
// to below 10^15 and in strconv's 'g' notation otherwise. It is what
// report.md, FormatTable and the figures use; the CSV and JSON files keep
// exact values.
func FormatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case v == 0:
		return "0"
	}
	a := math.Abs(v)
	if a < 1e-3 || a >= 1e15 {
		return strconv.FormatFloat(v, 'g', 6, 64)
	}
	// e = floor(log10(a)), found by comparisons so no transcendental
	// function (and no platform-dependent rounding) is involved.
	e := -3
	for _, p := range decades {
		if a < p {
			break
		}
		e++
	}
	decimals := 5 - e
	if decimals < 0 {
		decimals = 0
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// decades are 10^-2 … 10^14 as exact decimal literals.
var decades = [...]float64{1e-2, 1e-1, 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14}
