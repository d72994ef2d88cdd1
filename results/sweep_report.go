package results

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// writeSweepReport writes a sweep's report.md.
func writeSweepReport(w io.Writer, sp *sweepPlan) error {
	m, info := sp.manifest, sp.info
	var b strings.Builder
	title := sp.opts.Title
	if title == "" {
		title = strings.TrimSpace(orDefault(m.Tool, "Simulation") + " sweep results")
		if m.Scenario != "" {
			title += ": " + m.Scenario
		}
	}
	fmt.Fprintf(&b, "# %s\n\n", strings.ReplaceAll(title, "\n", " "))
	over := ""
	if len(info.Axes) > 0 {
		names := make([]string, len(info.Axes))
		for i, a := range info.Axes {
			names[i] = code(a.Name)
		}
		over = " over " + strings.Join(names, " × ")
	}
	fmt.Fprintf(&b, "Produced by %s %s from scenario %s: a sweep of %s × %s = %s%s (engine %s, time mode %s, base seed %d).\n\n",
		code(orUnset(m.Tool)), code(orUnset(m.ToolVersion)), code(orUnset(m.Scenario)),
		pluralize(len(info.Points), "point", "points"), pluralize(info.Replications, "replication", "replications"),
		pluralize(len(info.Jobs), "job", "jobs"), over,
		code(orUnset(strings.TrimSpace(m.Engine+" "+m.EngineVersion))), code(orUnset(m.TimeMode)), m.Seed)
	if info.Quick {
		b.WriteString("> **Quick sweep:** these results come from the scenario's quick sweep (`--quick`), which runs fewer values and replications than the full sweep.\n\n")
	}
	if !m.Deterministic {
		fmt.Fprintf(&b, "> **Not deterministic:** these numbers were measured in time mode %s; they depend on the host and differ between runs.\n\n", code(orUnset(m.TimeMode)))
	}

	b.WriteString("## What produced these results\n\n")
	writeProvenance(&b, m, ", all jobs")
	if len(m.Notes) > 0 {
		b.WriteString("### Notes\n\n")
		for _, n := range m.Notes {
			fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(n, "\n", " "))
		}
		b.WriteString("\n")
	}

	writeSweepSection(&b, info)
	writeSweepSummary(&b, sp)
	writeSweepFits(&b, sp)
	writePhaseSection(&b, sp)
	writeCallTargets(&b, sp)
	writeKneeSection(&b, sp)
	writePolicySection(&b, sp)
	writeSweepComparison(&b, sp)
	writeSweepFigures(&b, sp)

	b.WriteString("## Files\n\n")
	fmt.Fprintf(&b, "- [%s](%s): what produced the sweep, its points and every job's seed\n", ManifestFile, ManifestFile)
	fmt.Fprintf(&b, "- [%s](%s): one row per observation (%d rows), with columns %s, the axes, %s and %s first\n",
		ObservationsFile, ObservationsFile, sp.nobs, code(PointColumn), code(ReplicationColumn), code(SeedColumn))
	fmt.Fprintf(&b, "- [%s](%s), [%s](%s): the summary above, exact, one row per point, metric and group\n", SummaryCSVFile, SummaryCSVFile, SummaryJSONFile, SummaryJSONFile)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeSweepSection(b *strings.Builder, info *SweepInfo) {
	b.WriteString("## Sweep\n\n")
	if len(info.Axes) > 0 {
		b.WriteString("| axis | values |\n| --- | --- |\n")
		for _, a := range info.Axes {
			fmt.Fprintf(b, "| %s | %s |\n", code(a.Name), cell(strings.Join(a.Values, ", ")))
		}
		b.WriteString("\n")
		b.WriteString("The points are the combinations of the axes' values, the first axis varying slowest; the first axis is the x axis of the figures. ")
	} else {
		b.WriteString("The sweep has no axes: it replicates the scenario. ")
	}
	fmt.Fprintf(b, "Each point ran %s.", pluralize(info.Replications, "time", "times"))
	if info.SeedRule != "" {
		b.WriteString(" Seeds: " + strings.ReplaceAll(info.SeedRule, "\n", " "))
	}
	b.WriteString("\n\n")
	b.WriteString("| job | point |")
	for _, a := range info.Axes {
		b.WriteString(" " + cell(a.Name) + " |")
	}
	b.WriteString(" replication | seed | events | simulated time |\n| ---: | ---: |")
	b.WriteString(strings.Repeat(" --- |", len(info.Axes)))
	b.WriteString(" ---: | ---: | ---: | ---: |\n")
	for j, job := range info.Jobs {
		fmt.Fprintf(b, "| %d | %d |", j, job.Point)
		for _, p := range info.Points[job.Point].Params {
			b.WriteString(" " + cell(p.Value) + " |")
		}
		fmt.Fprintf(b, " %d | %d | %d | %s s |\n", job.Replication, job.Seed, job.Events, formatSeconds(job.SimulatedNs))
	}
	b.WriteString("\n")
}

func writeSweepSummary(b *strings.Builder, sp *sweepPlan) {
	info := sp.info
	b.WriteString("## Summary\n\n")
	if len(sp.rows) == 0 {
		b.WriteString("There were no observations.\n\n")
		return
	}
	fmt.Fprintf(b, "%d observations. Per point, metric and group: the number of replications with observations, "+
		"the mean of their means with its %s confidence interval across replications (each replication's mean is one sample; "+
		"Student's t with replications − 1 degrees of freedom), and the empirical p50, p99 and max of all the point's observations pooled. "+
		"Group %s pools all groups of a metric. Values are rounded to six significant digits; [%s](%s) has them exactly, with n, stddev, min and p95.\n\n",
		sp.nobs, percent(CILevel), code(AllGroup), SummaryCSVFile, SummaryCSVFile)
	for _, r := range sp.rows {
		if r.Replications < 2 {
			fmt.Fprintf(b, "A confidence interval needs at least two replications: where a metric and group has observations in only one "+
				"replication of a point, its interval is shown as – here and its cells in %s (rep_stddev, ci95_low, ci95_high) are empty.\n\n", SummaryCSVFile)
			break
		}
	}
	var metrics []string
	for _, r := range sp.rows {
		if !contains(metrics, r.Metric) {
			metrics = append(metrics, r.Metric)
		}
	}
	for _, metric := range sorted(metrics) {
		var rows []SweepRow
		for _, r := range sp.rows {
			if r.Metric == metric {
				rows = append(rows, r)
			}
		}
		fmt.Fprintf(b, "### %s\n\n", code(metric)+unitSuffix(rows[0].Unit))
		b.WriteString("| point |")
		for _, a := range info.Axes {
			b.WriteString(" " + cell(a.Name) + " |")
		}
		b.WriteString(" group | replications | n | mean of means | " + percent(CILevel) + " CI | p50 | p99 | max |\n| ---: |")
		b.WriteString(strings.Repeat(" --- |", len(info.Axes)))
		b.WriteString(" --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |\n")
		for _, r := range rows {
			fmt.Fprintf(b, "| %d |", r.Point)
			for _, p := range r.Params {
				b.WriteString(" " + cell(p.Value) + " |")
			}
			fmt.Fprintf(b, " %s | %d | %d | %s | %s | %s | %s | %s |\n", cell(r.Group), r.Replications, r.N,
				FormatValue(r.RepMean), ciText(r.CILow, r.CIHigh), FormatValue(r.P50), FormatValue(r.P99), FormatValue(r.Max))
		}
		b.WriteString("\n")
	}
	if lines := sweepFindings(sp); len(lines) > 0 {
		b.WriteString("## What it shows\n\n")
		for _, l := range lines {
			b.WriteString("- " + l + "\n")
		}
		b.WriteString("\n")
	}
}

func unitSuffix(unit string) string {
	if unit == "" {
		return ""
	}
	return " (" + cell(unit) + ")"
}

// ciText formats a confidence interval, or "–" when it is undefined.
func ciText(lo, hi float64) string {
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return "–"
	}
	return "[" + FormatValue(lo) + ", " + FormatValue(hi) + "]"
}

// sweepFindings says, per metric, how the mean of group "all" moved along the first axis (at
// the first combination of the other axes) and, if fitted, with which exponent.
func sweepFindings(sp *sweepPlan) []string {
	var out []string
	for _, f := range sp.figs {
		if f.kind != figMean || f.group != "" || !sameParams(f.combo, firstCombo(sp.info)) {
			continue
		}
		var all *figSeries
		for i := range f.series {
			if f.series[i].name == AllGroup {
				all = &f.series[i]
			}
		}
		if all == nil || len(all.xs) < 2 {
			continue
		}
		first, last := 0, len(all.xs)-1
		at := ""
		if len(f.combo) > 0 {
			at = " (at " + paramText(f.combo) + ")"
		}
		s := fmt.Sprintf("%s: the mean of means went from %s at %s=%s to %s at %s=%s%s",
			code(f.metric), withUnit(all.ys[first], f.unit), f.xAxis.name, xLabelAt(f.xAxis, all.xs[first]),
			withUnit(all.ys[last], f.unit), f.xAxis.name, xLabelAt(f.xAxis, all.xs[last]), at)
		if fit := fitOf(sp, f.metric, f.combo, AllGroup); fit != nil {
			s += fmt.Sprintf("; fitted exponent k = %s", formatFit(*fit))
		}
		out = append(out, s+".")
	}
	return out
}

func firstCombo(info *SweepInfo) []Param {
	if len(info.Points) == 0 {
		return nil
	}
	return info.Points[0].Params[1:]
}

func sameParams(a, b []Param) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// xLabelAt returns the label of the first-axis value at position x.
func xLabelAt(x figXAxis, pos float64) string {
	for i, p := range x.pos {
		if p == pos {
			return x.labels[i]
		}
	}
	return FormatValue(pos)
}

// fitOf finds the fit of one metric, combination and group among the scaling figures.
func fitOf(sp *sweepPlan, metric string, combo []Param, group string) *PowerFit {
	for _, f := range sp.figs {
		if f.kind != figScaling || f.group != "" || f.metric != metric || !sameParams(f.combo, combo) {
			continue
		}
		for _, s := range f.series {
			if s.name == group {
				return s.fit
			}
		}
	}
	return nil
}

func writeSweepFits(b *strings.Builder, sp *sweepPlan) {
	info := sp.info
	if len(info.Axes) == 0 {
		return
	}
	b.WriteString("## Scaling\n\n")
	var fits []sweepFigure
	for _, f := range sp.figs {
		if f.kind == figScaling && f.group == "" {
			fits = append(fits, f)
		}
	}
	first := info.Axes[0].Name
	if len(fits) == 0 {
		fmt.Fprintf(b, "No power law was fitted: that needs the first axis, %s, to be positive numbers, and positive means at two or more of its values.\n\n", code(first))
		return
	}
	fmt.Fprintf(b, "A least-squares line through the points' means in log–log space, log y = a + k·log x with x = %s, per metric and group: "+
		"k is the scaling exponent (y grows like x^k) and SE its standard error (none with two points). "+
		"Groups with a mean of 0 somewhere are not fitted.\n\n", code(first))
	b.WriteString("| metric | group |")
	if len(info.Axes) > 1 {
		b.WriteString(" at |")
	}
	b.WriteString(" k | SE | points |\n| --- | --- |")
	if len(info.Axes) > 1 {
		b.WriteString(" --- |")
	}
	b.WriteString(" ---: | ---: | ---: |\n")
	for _, f := range fits {
		for _, s := range f.series {
			fmt.Fprintf(b, "| %s | %s |", code(f.metric), cell(s.name))
			if len(info.Axes) > 1 {
				b.WriteString(" " + cell(paramText(f.combo)) + " |")
			}
			se := "n/a"
			if !math.IsNaN(s.fit.KStdErr) {
				se = FormatValue(s.fit.KStdErr)
			}
			fmt.Fprintf(b, " %s | %s | %d |\n", FormatValue(s.fit.K), se, s.fit.N)
		}
	}
	b.WriteString("\n")
}

func writeSweepFigures(b *strings.Builder, sp *sweepPlan) {
	b.WriteString("## Figures\n\n")
	if len(sp.figs) == 0 {
		b.WriteString("No figures were drawn.\n\n")
		return
	}
	b.WriteString("Each figure is also available as SVG.\n\n")
	kinds := []struct{ kind, title, what string }{
		{figMean, "Means with confidence intervals", fmt.Sprintf("the mean of the replications' means against the first axis, one line per group, with %s confidence intervals as error bars (none with one replication)", percent(CILevel))},
		{figScaling, "Scaling", "the same means on log–log axes with the fitted power law of each group; the legend gives each exponent k ± its standard error"},
		{figCDF, "Distributions", "empirical CDFs of " + code(sp.opts.CDFMetric) + ", one line per value of the first axis, all groups and replications pooled"},
	}
	for _, k := range kinds {
		var figs []sweepFigure
		for _, f := range sp.figs {
			if f.kind == k.kind && f.group == "" {
				figs = append(figs, f)
			}
		}
		if len(figs) == 0 {
			continue
		}
		fmt.Fprintf(b, "### %s\n\n%s.\n\n", k.title, strings.ToUpper(k.what[:1])+k.what[1:])
		show := figs[0]
		for _, f := range figs {
			if f.metric == sp.opts.CDFMetric {
				show = f
				break
			}
		}
		alt := strings.NewReplacer("[", `\[`, "]", `\]`, "\n", " ").Replace(show.fullHeading())
		fmt.Fprintf(b, "![%s](%s.png)\n\n", alt, show.stem)
		b.WriteString("| metric |")
		if len(sp.info.Axes) > 1 {
			b.WriteString(" at |")
		}
		b.WriteString(" PNG | SVG |\n| --- |")
		if len(sp.info.Axes) > 1 {
			b.WriteString(" --- |")
		}
		b.WriteString(" --- | --- |\n")
		for _, f := range figs {
			fmt.Fprintf(b, "| %s |", code(f.metric))
			if len(sp.info.Axes) > 1 {
				b.WriteString(" " + cell(paramText(f.combo)) + " |")
			}
			fmt.Fprintf(b, " [%s.png](%s.png) | [%s.svg](%s.svg) |\n", path0(f.stem), f.stem, path0(f.stem), f.stem)
		}
		b.WriteString("\n")
	}
}

// writeSweepComparison writes the comparison section of a sweep with a series axis: per metric
// and group, a sentence generated from the summary saying how each series' mean moved along the
// first axis and with which fitted exponent, then the figures.
func writeSweepComparison(b *strings.Builder, sp *sweepPlan) {
	series := sp.info.Series
	if series == "" {
		return
	}
	var means []sweepFigure
	for _, f := range sp.figs {
		if f.kind == figMean && f.group != "" {
			means = append(means, f)
		}
	}
	fmt.Fprintf(b, "## Comparison by %s\n\n", code(series))
	if len(means) == 0 {
		b.WriteString("No metric was observed at two values of the series axis.\n\n")
		return
	}
	fmt.Fprintf(b, "Each figure draws one metric and group against %s with one line per value of %s "+
		"(compare_mean_*: means with %s confidence intervals; compare_scaling_*: log–log with the fitted exponent of each line). "+
		"What they show, from the summary:\n\n", code(sp.info.Axes[0].Name), code(series), percent(CILevel))
	if sampled := sampledJobs(sp.info); sampled > 0 {
		fmt.Fprintf(b, "%s of the %d jobs ran in sampled fidelity (their manifest entries say which): there, sizes of commits and "+
			"Welcomes are the nominal RFC 9420 sizes of a full tree and state sizes are those of the few real members' group, "+
			"so their points form lines of their own, marked (sampled), and are fitted apart.\n\n",
			fmt.Sprint(sampled), len(sp.info.Jobs))
	}
	for _, f := range means {
		var parts []string
		for _, s := range f.series {
			first, last := 0, len(s.xs)-1
			t := fmt.Sprintf("%s %s at %s=%s", s.name, withUnit(s.ys[first], f.unit), f.xAxis.name, xLabelAt(f.xAxis, s.xs[first]))
			if last > first {
				t += fmt.Sprintf(" to %s at %s", withUnit(s.ys[last], f.unit), xLabelAt(f.xAxis, s.xs[last]))
				if fit := compareFit(sp, f, s.name); fit != nil {
					t += fmt.Sprintf(" (k = %s)", formatFit(*fit))
				}
				if rel := relAt(f.series, s, last); rel != "" {
					t += rel
				}
			}
			parts = append(parts, t)
		}
		at := ""
		if len(f.combo) > 0 {
			at = " at " + paramText(f.combo)
		}
		fmt.Fprintf(b, "- %s (%s)%s: %s. [PNG](%s.png)\n", code(f.metric), cell(f.group), at, strings.Join(parts, "; "), f.stem)
	}
	b.WriteString("\n")
}

// compareFit finds the fitted exponent of one line of a comparison figure.
func compareFit(sp *sweepPlan, mean sweepFigure, name string) *PowerFit {
	for _, f := range sp.figs {
		if f.kind != figScaling || f.group != mean.group || f.metric != mean.metric || !sameParams(f.combo, mean.combo) {
			continue
		}
		for _, s := range f.series {
			if s.name == name {
				return s.fit
			}
		}
	}
	return nil
}

// relAt compares line s at its point i with the first line at the same x, when s is not the
// first line and both have the point: ", 3.2× the first line's".
func relAt(all []figSeries, s figSeries, i int) string {
	if len(all) < 2 || all[0].name == s.name {
		return ""
	}
	ref := all[0]
	for j, x := range ref.xs {
		if x == s.xs[i] && ref.ys[j] != 0 {
			return fmt.Sprintf(", %.2f× %s there", s.ys[i]/ref.ys[j], ref.name)
		}
	}
	return ""
}

// sampledJobs counts the jobs whose Extra says they ran in sampled fidelity.
func sampledJobs(info *SweepInfo) int {
	n := 0
	for _, j := range info.Jobs {
		if strings.HasPrefix(j.Extra["fidelity"], "sampled:") {
			n++
		}
	}
	return n
}
