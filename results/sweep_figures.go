package results

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Kinds of sweep figures; each is also the prefix of its files' names.
const (
	figMean    = "mean"    // RepMean with confidence intervals against the first axis
	figScaling = "scaling" // log–log RepMean against the first axis, with fitted exponents
	figCDF     = "cdf"     // empirical CDFs, one line per value of the first axis
)

// maxValueTicks is the largest number of axis values labelled one by one on the x axis.
const maxValueTicks = 12

// logXRatio is the ratio of the largest to the smallest x value from which mean figures use a
// logarithmic x axis.
const logXRatio = 8

// sweepFigure is one figure of a sweep, with the data it plots.
type sweepFigure struct {
	kind    string
	metric  string
	group   string // comparison figures: the one group they plot; empty otherwise
	unit    string
	combo   []Param // the values of the axes other than the first, if any
	stem    string  // slash-separated, relative to the results directory
	title   string  // Options.Title, may be empty
	heading string
	caption string
	xAxis   figXAxis
	series  []figSeries
}

// figXAxis is the x axis of mean and scaling figures: the first sweep axis.
type figXAxis struct {
	name    string
	labels  []string  // the axis' values
	pos     []float64 // where each value sits: the value itself if all are numbers, else 0, 1, …
	numeric bool
}

// figSeries is one line of a figure.
type figSeries struct {
	name string
	// Mean and scaling figures: one entry per value of the first axis that has the group,
	// xs are positions, ys RepMean, lo and hi the CI bounds (NaN when undefined).
	// CDF figures: the steps of the CDF.
	xs, ys, lo, hi []float64
	n              int       // CDF figures: the number of observations
	fit            *PowerFit // scaling figures: the fit of log ys against log xs
	color          int       // index into lineColors (and lineDashes), stable per group
}

// planSweepFigures lays out the figures of a sweep.
func planSweepFigures(sp *sweepPlan) []sweepFigure {
	info := sp.info
	caption := fmt.Sprintf("engine %s · time mode %s · base seed %d · scenario %s",
		orUnset(sp.manifest.Engine), orUnset(sp.manifest.TimeMode), sp.manifest.Seed, orUnset(sp.manifest.Scenario))
	var figs []sweepFigure
	if len(info.Axes) > 0 {
		x := xAxisOf(info.Axes[0])
		combos, pointAt := comboIndex(info)
		type rowKey struct {
			point         int
			metric, group string
		}
		rowAt := map[rowKey]SweepRow{}
		var metrics []string
		units := map[string]string{}
		groups := map[string][]string{}
		for _, r := range sp.rows {
			rowAt[rowKey{r.Point, r.Metric, r.Group}] = r
			if _, ok := units[r.Metric]; !ok {
				metrics = append(metrics, r.Metric)
				units[r.Metric] = r.Unit
			}
			if r.Group != AllGroup && !contains(groups[r.Metric], r.Group) {
				groups[r.Metric] = append(groups[r.Metric], r.Group)
			}
		}
		sort.Strings(metrics)
		var means, scalings []sweepFigure
		for _, m := range metrics {
			gs := append(sorted(groups[m]), AllGroup)
			for _, combo := range combos {
				f := sweepFigure{kind: figMean, metric: m, unit: units[m], combo: combo, title: sp.opts.Title, caption: caption, xAxis: x}
				for gi, g := range gs {
					s := figSeries{name: g, color: gi}
					for vi, v := range x.labels {
						p, ok := pointAt[pointKey(v, combo)]
						if !ok {
							continue
						}
						r, ok := rowAt[rowKey{p, m, g}]
						if !ok {
							continue
						}
						s.xs = append(s.xs, x.pos[vi])
						s.ys = append(s.ys, r.RepMean)
						s.lo = append(s.lo, r.CILow)
						s.hi = append(s.hi, r.CIHigh)
					}
					if len(s.xs) > 0 {
						f.series = append(f.series, s)
					}
				}
				f.heading = fmt.Sprintf("Mean of %s by %s, %s CI over %s",
					labelWithUnit(m, units[m]), x.name, percent(CILevel), pluralize(info.Replications, "replication", "replications"))
				means = append(means, f)
				if sc, ok := scalingFigure(f); ok {
					scalings = append(scalings, sc)
				}
			}
		}
		figs = append(append(figs, means...), scalings...)
		if info.Series != "" {
			figs = append(figs, compareFigures(sp, metrics, units, groups, rowAt2(sp), caption)...)
		}
		if sp.opts.CDFMetric != "" {
			for _, combo := range combos {
				if f, ok := cdfSweepFigure(sp, x, combo, pointAt, caption); ok {
					figs = append(figs, f)
				}
			}
		}
	} else if sp.opts.CDFMetric != "" {
		var vals []float64
		unit := ""
		for _, obs := range sp.obs {
			for _, o := range obs {
				if o.Metric == sp.opts.CDFMetric {
					vals = append(vals, o.Value)
					unit = o.Unit
				}
			}
		}
		if len(vals) > 0 {
			xs, ys := CDF(vals)
			figs = append(figs, sweepFigure{kind: figCDF, metric: sp.opts.CDFMetric, unit: unit, title: sp.opts.Title, caption: caption,
				heading: fmt.Sprintf("Empirical CDF of %s, all jobs pooled (n=%d)", labelWithUnit(sp.opts.CDFMetric, unit), len(vals)),
				series:  []figSeries{{name: "all jobs", xs: xs, ys: ys, n: len(vals)}}})
		}
	}
	assignStems(figs)
	return figs
}

// compareKey identifies a summary row by point, metric and group.
type compareKey struct {
	point         int
	metric, group string
}

func rowAt2(sp *sweepPlan) map[compareKey]SweepRow {
	at := make(map[compareKey]SweepRow, len(sp.rows))
	for _, r := range sp.rows {
		at[compareKey{r.Point, r.Metric, r.Group}] = r
	}
	return at
}

// compareFigures draws, for every metric and group and every combination of the axes other
// than the first and the series axis, the means against the first axis with one line per value
// of the series axis (and, where the first axis is positive numbers, their log–log fits).
func compareFigures(sp *sweepPlan, metrics []string, units map[string]string, groups map[string][]string,
	rowAt map[compareKey]SweepRow, caption string) []sweepFigure {
	info := sp.info
	x := xAxisOf(info.Axes[0])
	si := 0
	for i, a := range info.Axes {
		if a.Name == info.Series {
			si = i
		}
	}
	// Points by their full parameter values; the combinations of the remaining axes in order.
	at := map[string]int{}
	var rests [][]Param
	seen := map[string]bool{}
	for _, p := range info.Points {
		at[paramsKey(p.Params)] = p.Index
		var rest []Param
		for i, prm := range p.Params {
			if i != 0 && i != si {
				rest = append(rest, prm)
			}
		}
		if k := paramsKey(rest); !seen[k] {
			seen[k] = true
			rests = append(rests, rest)
		}
	}
	sampled := map[int]bool{} // points with a job in sampled fidelity
	for _, j := range info.Jobs {
		if strings.HasPrefix(j.Extra["fidelity"], "sampled:") {
			sampled[j.Point] = true
		}
	}
	var means, scalings []sweepFigure
	for _, m := range metrics {
		// One figure per group; the pooled group only where there is no other (pooling a
		// commit with a message, or one provider with another, says little per line).
		gs := sorted(groups[m])
		if len(gs) <= 1 {
			gs = []string{AllGroup}
		}
		for _, g := range gs {
			for _, rest := range rests {
				f := sweepFigure{kind: figMean, metric: m, unit: units[m], group: g, combo: rest, title: sp.opts.Title,
					caption: caption, xAxis: x}
				for vi, v := range info.Axes[si].Values {
					// Points whose jobs ran in sampled fidelity form a line of their own (same
					// colour, dashed): their sizes are nominal, not the real group's.
					s := figSeries{name: info.Series + "=" + v, color: vi}
					ss := figSeries{name: info.Series + "=" + v + " (sampled)", color: vi + len(lineColors)}
					for xi, xv := range x.labels {
						params := make([]Param, 0, len(info.Axes))
						ri := 0
						for i, a := range info.Axes {
							switch i {
							case 0:
								params = append(params, Param{a.Name, xv})
							case si:
								params = append(params, Param{a.Name, v})
							default:
								params = append(params, rest[ri])
								ri++
							}
						}
						p, ok := at[paramsKey(params)]
						if !ok {
							continue
						}
						r, ok := rowAt[compareKey{p, m, g}]
						if !ok {
							continue
						}
						t := &s
						if sampled[p] {
							t = &ss
						}
						t.xs = append(t.xs, x.pos[xi])
						t.ys = append(t.ys, r.RepMean)
						t.lo = append(t.lo, r.CILow)
						t.hi = append(t.hi, r.CIHigh)
					}
					for _, t := range []figSeries{s, ss} {
						if len(t.xs) > 0 {
							f.series = append(f.series, t)
						}
					}
				}
				if len(f.series) == 0 {
					continue
				}
				f.heading = fmt.Sprintf("Mean of %s, group %s, per %s, %s CI over %s",
					labelWithUnit(m, units[m]), g, info.Series, percent(CILevel),
					pluralize(info.Replications, "replication", "replications"))
				means = append(means, f)
				if sc, ok := scalingFigure(f); ok {
					sc.heading = fmt.Sprintf("Scaling of mean %s, group %s, per %s: y = c·x^k",
						labelWithUnit(m, units[m]), g, info.Series)
					scalings = append(scalings, sc)
				}
			}
		}
	}
	return append(means, scalings...)
}

// paramsKey identifies a list of parameter values.
func paramsKey(ps []Param) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(strconv.Quote(p.Name) + "=" + strconv.Quote(p.Value) + ",")
	}
	return b.String()
}

// scalingFigure fits a power law to each series of a mean figure whose points are all positive.
func scalingFigure(mean sweepFigure) (sweepFigure, bool) {
	if !mean.xAxis.numeric || !allPositive(mean.xAxis.pos) {
		return sweepFigure{}, false
	}
	f := mean
	f.kind = figScaling
	f.series = nil
	for _, s := range mean.series {
		fit, err := FitPowerLaw(s.xs, s.ys)
		if err != nil {
			continue
		}
		s.lo, s.hi = nil, nil
		s.fit = &fit
		f.series = append(f.series, s)
	}
	if len(f.series) == 0 {
		return sweepFigure{}, false
	}
	f.heading = fmt.Sprintf("Scaling of mean %s with %s, log–log: y = c·x^k, k ± SE",
		labelWithUnit(mean.metric, mean.unit), mean.xAxis.name)
	return f, true
}

// cdfSweepFigure draws the CDF of the CDF metric per value of the first axis, pooling groups
// and replications, at one combination of the other axes.
func cdfSweepFigure(sp *sweepPlan, x figXAxis, combo []Param, pointAt map[string]int, caption string) (sweepFigure, bool) {
	f := sweepFigure{kind: figCDF, metric: sp.opts.CDFMetric, combo: combo, title: sp.opts.Title, caption: caption, xAxis: x}
	for vi, v := range x.labels {
		p, ok := pointAt[pointKey(v, combo)]
		if !ok {
			continue
		}
		var vals []float64
		for j, job := range sp.info.Jobs {
			if job.Point != p {
				continue
			}
			for _, o := range sp.obs[j] {
				if o.Metric == f.metric {
					vals = append(vals, o.Value)
					f.unit = o.Unit
				}
			}
		}
		if len(vals) == 0 {
			continue
		}
		xs, ys := CDF(vals)
		f.series = append(f.series, figSeries{name: x.name + "=" + v, xs: xs, ys: ys, n: len(vals), color: vi})
	}
	if len(f.series) == 0 {
		return sweepFigure{}, false
	}
	f.heading = fmt.Sprintf("Empirical CDF of %s by %s, all groups and replications", labelWithUnit(f.metric, f.unit), x.name)
	return f, true
}

// xAxisOf places the values of an axis: at their numeric values if all are finite numbers, else
// at 0, 1, ….
func xAxisOf(a SweepAxis) figXAxis {
	x := figXAxis{name: a.Name, labels: a.Values, numeric: true}
	for _, v := range a.Values {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			x.numeric = false
			break
		}
		x.pos = append(x.pos, f)
	}
	if !x.numeric {
		x.pos = make([]float64, len(a.Values))
		for i := range x.pos {
			x.pos[i] = float64(i)
		}
	}
	return x
}

// comboIndex returns the combinations of the values of the axes other than the first, in the
// order of the points, and the index of each point by its first-axis value and combination.
func comboIndex(info *SweepInfo) ([][]Param, map[string]int) {
	var combos [][]Param
	seen := map[string]bool{}
	at := map[string]int{}
	for _, p := range info.Points {
		combo := p.Params[1:]
		k := pointKey("", combo)
		if !seen[k] {
			seen[k] = true
			combos = append(combos, combo)
		}
		at[pointKey(p.Params[0].Value, combo)] = p.Index
	}
	return combos, at
}

// pointKey identifies a point by its first-axis value and the values of the other axes.
func pointKey(first string, combo []Param) string {
	var b strings.Builder
	b.WriteString(strconv.Quote(first))
	for _, p := range combo {
		b.WriteString("," + strconv.Quote(p.Value))
	}
	return b.String()
}

// assignStems names the figures' files: <kind>_<metric>, then _<axis>-<value> for each other
// axis. Names are compared case-insensitively; a name taken already gets _2, _3, ….
func assignStems(figs []sweepFigure) {
	taken := map[string]bool{}
	for i := range figs {
		f := &figs[i]
		stem := f.kind + "_" + sanitize(f.metric)
		if f.group != "" {
			stem = "compare_" + stem + "_group-" + sanitize(f.group)
		}
		for _, p := range f.combo {
			stem += "_" + sanitize(p.Name) + "-" + sanitize(p.Value)
		}
		stem = FiguresDir + "/" + stem
		s := stem
		for n := 2; taken[strings.ToLower(s)]; n++ {
			s = stem + "_" + strconv.Itoa(n)
		}
		taken[strings.ToLower(s)] = true
		f.stem = s
	}
}

// plot builds the gonum plot of f from f.series. Logarithmic axes are drawn as linear axes of
// log10 of the values, with ticks labelled in the values' units: gonum's LogScale places an
// axis label's layout box at the linear midpoint of the range, which squeezes the plot.
func (f *sweepFigure) plot() (*plot.Plot, error) {
	if f.kind == figCDF {
		cf := cdfFigure{title: f.title, heading: f.fullHeading(), caption: f.caption, xLabel: labelWithUnit(f.metric, f.unit), legend: true}
		for _, s := range f.series {
			cf.series = append(cf.series, cdfSeries{name: s.name, xs: s.xs, ys: s.ys, n: s.n})
		}
		return newCDFPlot(cf)
	}
	logX, logY := f.logAxes()
	tx, ty := identity, identity
	if logX {
		tx = math.Log10
	}
	if logY {
		ty = math.Log10
	}
	p := plot.New()
	styleSweepPlot(p, f, logX, logY)
	var ys []float64
	for _, s := range f.series {
		col := lineColors[s.color%len(lineColors)]
		dashes := lineDashes[(s.color/len(lineColors))%len(lineDashes)]
		pts := make(plotter.XYs, len(s.xs))
		for i := range s.xs {
			pts[i] = plotter.XY{X: tx(s.xs[i]), Y: ty(s.ys[i])}
			ys = append(ys, s.ys[i])
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		sc.Shape = draw.CircleGlyph{}
		sc.Radius = vg.Points(2.5)
		sc.Color = col
		label := s.name
		switch f.kind {
		case figMean:
			l.Color, l.Width, l.Dashes = col, vg.Points(1.5), dashes
			p.Add(l, sc)
			var bars ciBars
			for i := range s.xs {
				if !math.IsNaN(s.lo[i]) {
					bars = append(bars, ciBar{x: tx(s.xs[i]), y: s.ys[i], lo: s.lo[i], hi: s.hi[i]})
					ys = append(ys, s.lo[i], s.hi[i])
				}
			}
			if len(bars) > 0 {
				eb, err := plotter.NewYErrorBars(bars)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", s.name, err)
				}
				eb.Color, eb.Width, eb.CapWidth = col, vg.Points(1), vg.Points(6)
				p.Add(eb)
			}
		case figScaling:
			p.Add(sc)
			fit := s.fit
			x0, x1 := minMax(s.xs)
			line := plotter.XYs{{X: tx(x0), Y: ty(math.Exp(fit.A) * math.Pow(x0, fit.K))}, {X: tx(x1), Y: ty(math.Exp(fit.A) * math.Pow(x1, fit.K))}}
			fl, err := plotter.NewLine(line)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			fl.Color, fl.Width, fl.Dashes = col, vg.Points(1.2), dashes
			p.Add(fl)
			l = fl
			label = fmt.Sprintf("%s: k = %s", s.name, formatFit(*fit))
		}
		p.Legend.Add(label, l, sc)
	}
	setRanges(p, f, ys, logX, logY)
	return p, nil
}

func identity(v float64) float64 { return v }

// logAxes says which axes of a mean or scaling figure are logarithmic: both of a scaling
// figure; x of a mean figure whose x values are positive numbers spanning a factor of
// logXRatio or more.
func (f *sweepFigure) logAxes() (logX, logY bool) {
	x := f.xAxis
	if f.kind == figScaling {
		return true, true
	}
	return x.numeric && allPositive(x.pos) && maxOf(x.pos) >= logXRatio*minOf(x.pos), false
}

// fullHeading is the heading with the values of the other axes.
func (f *sweepFigure) fullHeading() string {
	if len(f.combo) == 0 {
		return f.heading
	}
	return f.heading + "\nat " + paramText(f.combo)
}

// paramText writes params as "a=1, b=2".
func paramText(ps []Param) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Name + "=" + p.Value
	}
	return strings.Join(parts, ", ")
}

// formatFit writes an exponent with its standard error: "1.98 ± 0.031", or "1.98 (SE n/a)" when
// there is none.
func formatFit(f PowerFit) string {
	k := strconv.FormatFloat(f.K, 'f', 3, 64)
	if math.IsNaN(f.KStdErr) {
		return k + " (SE n/a, 2 points)"
	}
	return k + " ± " + strconv.FormatFloat(f.KStdErr, 'f', 3, 64)
}

// styleSweepPlot sets the text, fonts, axes and tick markers of a mean or scaling figure.
func styleSweepPlot(p *plot.Plot, f *sweepFigure, logX, logY bool) {
	var title []string
	if f.title != "" {
		title = append(title, f.title)
	}
	title = append(title, f.fullHeading(), f.caption)
	p.Title.Text = strings.Join(title, "\n")
	p.Title.Padding = vg.Points(6)
	p.Title.TextStyle.Font = font.From(sansFont, 12)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sansFont, 11)
		a.Tick.Label.Font = font.From(sansFont, 10)
	}
	p.Legend.TextStyle.Font = font.From(sansFont, 10)
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(6)
	p.X.Label.Text = f.xAxis.name
	p.Y.Label.Text = labelWithUnit(f.metric, f.unit)
	p.Add(plotter.NewGrid())
	x := f.xAxis
	switch {
	case !x.numeric || len(x.labels) <= maxValueTicks:
		pos := x.pos
		if logX {
			pos = make([]float64, len(x.pos))
			for i, v := range x.pos {
				pos[i] = math.Log10(v)
			}
		}
		p.X.Tick.Marker = valueTicks{pos: pos, labels: x.labels}
	case logX:
		p.X.Tick.Marker = log10Ticks{}
	default:
		p.X.Tick.Marker = niceTicks{}
	}
	if logY {
		p.Y.Tick.Marker = log10Ticks{}
	} else {
		p.Y.Tick.Marker = niceTicks{}
	}
}

// setRanges fits the axes to the data with a margin; ys are in data units.
func setRanges(p *plot.Plot, f *sweepFigure, ys []float64, logX, logY bool) {
	if len(ys) == 0 {
		return
	}
	x0, x1 := minMax(f.xAxis.pos)
	y0, y1 := minMax(ys)
	switch {
	case !f.xAxis.numeric:
		p.X.Min, p.X.Max = -0.5, x1+0.5
	case logX:
		p.X.Min, p.X.Max = math.Log10(x0/1.15), math.Log10(x1*1.15)
	default:
		pad := 0.05 * (x1 - x0)
		if pad == 0 {
			pad = math.Max(1, math.Abs(x0)*0.1)
		}
		p.X.Min, p.X.Max = x0-pad, x1+pad
	}
	if logY {
		p.Y.Min, p.Y.Max = math.Log10(y0/1.3), math.Log10(y1*1.3)
		return
	}
	pad := 0.08 * (y1 - y0)
	if pad == 0 {
		pad = math.Max(1e-9, math.Abs(y0)*0.1)
	}
	p.Y.Min, p.Y.Max = y0-pad, y1+pad
	if y0 >= 0 && p.Y.Min < 0 {
		p.Y.Min = 0
	}
}

// ciBar is one confidence interval drawn as an error bar.
type ciBar struct{ x, y, lo, hi float64 }

// ciBars implements plotter.XYer and plotter.YErrorer.
type ciBars []ciBar

func (b ciBars) Len() int                    { return len(b) }
func (b ciBars) XY(i int) (float64, float64) { return b[i].x, b[i].y }

// YError returns how far the interval reaches below and above the mean.
func (b ciBars) YError(i int) (float64, float64) { return b[i].y - b[i].lo, b[i].hi - b[i].y }

// valueTicks labels exactly the given positions.
type valueTicks struct {
	pos    []float64
	labels []string
}

// Ticks implements plot.Ticker.
func (t valueTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for i, p := range t.pos {
		if p >= lo && p <= hi {
			out = append(out, plot.Tick{Value: p, Label: t.labels[i]})
		}
	}
	return out
}

// log10Ticks labels an axis that shows log10 of the values, at positions log10(m × 10^k) with
// labels m × 10^k: m = 1 over many decades, m = 1, 2, 5 over a few, every m = 1 … 9 over less
// than a decade, and the ends when even that gives fewer than two labels.
type log10Ticks struct{}

// Ticks implements plot.Ticker; lo and hi are log10 of the range's ends.
func (log10Ticks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	vlo, vhi := math.Pow(10, lo), math.Pow(10, hi)
	for _, mult := range [][]float64{{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}} {
		var out []plot.Tick
		for e := math.Floor(lo); e <= math.Ceil(hi); e++ {
			for _, m := range mult {
				v := m * math.Pow(10, e)
				if v >= vlo*(1-1e-12) && v <= vhi*(1+1e-12) {
					out = append(out, plot.Tick{Value: math.Log10(v), Label: FormatValue(v)})
				}
			}
		}
		if len(out) >= 4 || len(out) >= 2 && len(mult) == 9 {
			return out
		}
	}
	return []plot.Tick{{Value: lo, Label: FormatValue(vlo)}, {Value: hi, Label: FormatValue(vhi)}}
}

// renderPlot draws the plot that newPlot builds as PNG and SVG, building it afresh for each
// (drawing may change axis state). gonum/plot reports some problems by panicking; those become
// errors.
func renderPlot(newPlot func() (*plot.Plot, error)) (pngData, svgData []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing figure: %v", r)
		}
	}()
	p, err := newPlot()
	if err != nil {
		return nil, nil, err
	}
	img := vgimg.NewWith(vgimg.UseWH(figWidth, figHeight), vgimg.UseDPI(figDPI))
	p.Draw(draw.New(img))
	var pb bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&pb); err != nil {
		return nil, nil, fmt.Errorf("encoding PNG: %w", err)
	}
	if p, err = newPlot(); err != nil {
		return nil, nil, err
	}
	sv := vgsvg.New(figWidth, figHeight)
	p.Draw(draw.New(sv))
	var sb bytes.Buffer
	if _, err := sv.WriteTo(&sb); err != nil {
		return nil, nil, fmt.Errorf("encoding SVG: %w", err)
	}
	return pb.Bytes(), sb.Bytes(), nil
}

func labelWithUnit(metric, unit string) string {
	if unit == "" {
		return metric
	}
	return metric + " (" + unit + ")"
}

func percent(level float64) string { return strconv.FormatFloat(level*100, 'f', -1, 64) + "%" }

func pluralize(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func sorted(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	return out
}

func minMax(vs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}

func minOf(vs []float64) float64 { lo, _ := minMax(vs); return lo }
func maxOf(vs []float64) float64 { _, hi := minMax(vs); return hi }

func allPositive(vs []float64) bool {
	for _, v := range vs {
		if !(v > 0) {
			return false
		}
	}
	return len(vs) > 0
}
