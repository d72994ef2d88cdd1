package results

import (
	"math"
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
	if len(obs) == 0 {
		return nil
	}
	type key struct{ metric, group string }
	byKey := make(map[key][]float64)
	byMetric := make(map[string][]float64)
	unit := make(map[string]string)
	groups := make(map[string][]string) // metric -> groups in first-seen order
	for _, o := range obs {
		k := key{o.Metric, o.Group}
		if _, ok := byKey[k]; !ok {
			groups[o.Metric] = append(groups[o.Metric], o.Group)
		}
		if _, ok := unit[o.Metric]; !ok {
			unit[o.Metric] = o.Unit
		}
		byKey[k] = append(byKey[k], o.Value)
		byMetric[o.Metric] = append(byMetric[o.Metric], o.Value)
	}

	metrics := make([]string, 0, len(byMetric))
	for m := range byMetric {
		metrics = append(metrics, m)
	}
	sort.Strings(metrics)

	rows := make([]SummaryRow, 0, len(byKey)+len(metrics))
	for _, m := range metrics {
		gs := groups[m]
		sort.Strings(gs)
		for _, g := range gs {
			rows = append(rows, summarizeValues(m, unit[m], g, byKey[key{m, g}]))
		}
		rows = append(rows, summarizeValues(m, unit[m], AllGroup, byMetric[m]))
	}
	return rows
}

// summarizeValues computes one row from values, which it may reorder.
func summarizeValues(metric, unit, group string, values []float64) SummaryRow {
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted) // NaNs sort first
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
	r.P50 = stat.Quantile(0.50, stat.Empirical, sorted, nil)
	r.P95 = stat.Quantile(0.95, stat.Empirical, sorted, nil)
	r.P99 = stat.Quantile(0.99, stat.Empirical, sorted, nil)
	r.Min = sorted[0]
	r.Max = sorted[len(sorted)-1]
	return r
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
	if len(s) == 0 {
		return nil, nil
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
