package results

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// FormatTable prints rows as an aligned plain-text table with the columns
// metric, unit, group, n, mean, stddev, min, p50, p95, p99 and max. Numbers
// are rounded by FormatValue; an empty unit is shown as "-".
func FormatTable(w io.Writer, rows []SummaryRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(summaryColumns, "\t"))
	for _, r := range rows {
		cells := summaryCells(r)
		if cells[1] == "" {
			cells[1] = "-"
		}
		for i := range cells {
			cells[i] = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(cells[i])
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// summaryCells returns the human-formatted cells of r in summaryColumns
// order.
func summaryCells(r SummaryRow) []string {
	return []string{
		r.Metric, r.Unit, r.Group, strconv.Itoa(r.N),
		FormatValue(r.Mean), FormatValue(r.Stddev), FormatValue(r.Min),
		FormatValue(r.P50), FormatValue(r.P95), FormatValue(r.P99), FormatValue(r.Max),
	}
}

// code returns s as a markdown code span.
func code(s string) string {
	if !strings.Contains(s, "`") {
		return "`" + s + "`"
	}
	return "`` " + s + " ``"
}

// cell makes s safe inside a markdown table cell.
func cell(s string) string {
	s = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
	return s
}

// withUnit returns the human-formatted v followed by unit, if any.
func withUnit(v float64, unit string) string {
	if unit == "" {
		return FormatValue(v)
	}
	return FormatValue(v) + " " + unit
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// writeReport writes report.md.
func writeReport(w io.Writer, p *plan) error {
	m := p.manifest
	var b strings.Builder
	title := p.opts.Title
	if title == "" {
		title = strings.TrimSpace(orDefault(m.Tool, "Simulation") + " results")
		if m.Scenario != "" {
			title += ": " + m.Scenario
		}
	}
	fmt.Fprintf(&b, "# %s\n\n", strings.ReplaceAll(title, "\n", " "))
	fmt.Fprintf(&b, "Produced by %s %s from scenario %s with seed %d (engine %s, time mode %s).\n\n",
		code(orUnset(m.Tool)), code(orUnset(m.ToolVersion)), code(orUnset(m.Scenario)), m.Seed,
		code(orUnset(strings.TrimSpace(m.Engine+" "+m.EngineVersion))), code(orUnset(m.TimeMode)))
	if !m.Deterministic {
		fmt.Fprintf(&b, "> **Not deterministic:** these numbers were measured in time mode %s; they depend on the host and differ between runs.\n\n", code(orUnset(m.TimeMode)))
	}

	b.WriteString("## What produced these results\n\n")
	writeProvenance(&b, m, "")

	if len(m.Params) > 0 {
		b.WriteString("### Parameters\n\n| parameter | value |\n| --- | --- |\n")
		for _, prm := range m.Params {
			fmt.Fprintf(&b, "| %s | %s |\n", cell(prm.Name), cell(prm.Value))
		}
		b.WriteString("\n")
	}
	if len(m.Notes) > 0 {
		b.WriteString("### Notes\n\n")
		for _, n := range m.Notes {
			fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(n, "\n", " "))
		}
		b.WriteString("\n")
	}

	b.WriteString("## Summary\n\n")
	if len(p.rows) == 0 {
		b.WriteString("There were no observations.\n\n")
	} else {
		fmt.Fprintf(&b, "%d observations. Statistics per metric and group; group %s pools all groups of a metric. "+
			"Quantiles are empirical (each is an observed value, no interpolation) and stddev is the sample standard deviation. "+
			"Values are rounded to six significant digits; [%s](%s) has them exactly.\n\n",
			p.obs.Len(), code(AllGroup), SummaryCSVFile, SummaryCSVFile)
		b.WriteString("| " + strings.Join(summaryColumns, " | ") + " |\n")
		b.WriteString("| --- | --- | --- |" + strings.Repeat(" ---: |", len(summaryColumns)-3) + "\n")
		for _, r := range p.rows {
			cells := summaryCells(r)
			for i := range cells {
				cells[i] = cell(cells[i])
			}
			b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
		}
		b.WriteString("\n## What it shows\n\n")
		for _, s := range findings(p.rows) {
			b.WriteString("- " + s + "\n")
		}
		b.WriteString("\n")
	}

	if p.opts.Invariants != nil {
		writeInvariantsSection(&b, p.opts.Invariants)
	}

	b.WriteString("## Figures\n\n")
	switch {
	case p.opts.CDFMetric == "":
		b.WriteString("No figures were requested.\n\n")
	case len(p.figures) == 0:
		fmt.Fprintf(&b, "There were no observations of %s, so no CDF was drawn.\n\n", code(p.opts.CDFMetric))
	default:
		overlay := p.figures[len(p.figures)-1]
		fmt.Fprintf(&b, "Empirical CDFs of %s: the fraction of observations at or below each value. ", code(p.opts.CDFMetric))
		if maxSteps(p.figures) > maxPlotSteps {
			fmt.Fprintf(&b, "Lines with more than %d distinct values are drawn through %d evenly spaced steps. ", maxPlotSteps, maxPlotSteps)
		}
		b.WriteString("Each figure is also available as SVG.\n\n")
		alt := strings.NewReplacer("[", `\[`, "]", `\]`, "\n", " ").Replace(overlay.fig.heading)
		fmt.Fprintf(&b, "![%s](%s.png)\n\n", alt, overlay.stem)
		fmt.Fprintf(&b, "All groups: [PNG](%s.png), [SVG](%s.svg)\n\n", overlay.stem, overlay.stem)
		b.WriteString("| group | n | PNG | SVG |\n| --- | ---: | --- | --- |\n")
		for _, f := range p.figures[:len(p.figures)-1] {
			fmt.Fprintf(&b, "| %s | %d | [%s.png](%s.png) | [%s.svg](%s.svg) |\n",
				cell(f.group), f.fig.series[0].n, path0(f.stem), f.stem, path0(f.stem), f.stem)
		}
		b.WriteString("\n")
	}

	b.WriteString("## Files\n\n")
	fmt.Fprintf(&b, "- [%s](%s): what produced the run\n", ManifestFile, ManifestFile)
	fmt.Fprintf(&b, "- [%s](%s): one row per observation (%d rows)\n", ObservationsFile, ObservationsFile, p.obs.Len())
	fmt.Fprintf(&b, "- [%s](%s), [%s](%s): the summary above, exact\n", SummaryCSVFile, SummaryCSVFile, SummaryJSONFile, SummaryJSONFile)
	if p.opts.Invariants != nil {
		fmt.Fprintf(&b, "- [%s](%s): the invariants the run checked, with counts and methods\n", InvariantsFile, InvariantsFile)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// findings returns one sentence per metric saying what its rows show.
func findings(rows []SummaryRow) []string {
	var out []string
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].Metric == rows[i].Metric {
			j++
		}
		out = append(out, finding(rows[i:j]))
		i = j
	}
	return out
}

// finding describes the rows of one metric: its groups, then the "all" row.
func finding(rows []SummaryRow) string {
	all := rows[len(rows)-1]
	groups := rows[:len(rows)-1]
	u := all.Unit
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", code(all.Metric))
	if len(groups) == 1 {
		fmt.Fprintf(&b, "p99 was %s (p50 %s, max %s, n=%d), all in group %s.",
			withUnit(all.P99, u), withUnit(all.P50, u), withUnit(all.Max, u), all.N, code(groups[0].Group))
		return b.String()
	}
	fmt.Fprintf(&b, "p99 across all %d groups was %s (p50 %s, max %s, n=%d). ",
		len(groups), withUnit(all.P99, u), withUnit(all.P50, u), withUnit(all.Max, u), all.N)
	hi, lo := groups[0], groups[0]
	for _, g := range groups[1:] {
		if g.P99 > hi.P99 {
			hi = g
		}
		if g.P99 < lo.P99 {
			lo = g
		}
	}
	if hi.P99 == lo.P99 {
		fmt.Fprintf(&b, "Every group had the same p99.")
		return b.String()
	}
	fmt.Fprintf(&b, "The group with the highest p99 was %s (p99 %s, n=%d); the lowest was %s (p99 %s, n=%d).",
		code(hi.Group), withUnit(hi.P99, u), hi.N, code(lo.Group), withUnit(lo.P99, u), lo.N)
	return b.String()
}

func maxSteps(figs []figurePlan) int {
	n := 0
	for _, f := range figs {
		for _, s := range f.fig.series {
			n = max(n, s.steps)
		}
	}
	return n
}

// path0 returns the last element of a slash-separated path.
func path0(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func joinNonEmpty(sep string, parts ...string) string {
	var nz []string
	for _, p := range parts {
		if p != "" {
			nz = append(nz, p)
		}
	}
	return strings.Join(nz, sep)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// writeProvenance writes the table of what produced a result. In a sweep the seed is the base
// of the jobs' seeds and the simulated totals cover all jobs: jobs is then ", all jobs".
func writeProvenance(b *strings.Builder, m Manifest, jobs string) {
	b.WriteString("| field | value |\n| --- | --- |\n")
	field := func(name, value string) { fmt.Fprintf(b, "| %s | %s |\n", name, cell(value)) }
	field("tool", strings.TrimSpace(m.Tool+" "+m.ToolVersion))
	field("git revision", m.GitRevision)
	field("scenario", m.Scenario)
	field("scenario file", m.ScenarioFile)
	field("scenario SHA-256", m.ScenarioSHA256)
	if jobs == "" {
		field("seed", strconv.FormatUint(m.Seed, 10))
	} else {
		field("base seed", strconv.FormatUint(m.Seed, 10))
	}
	field("engine", strings.TrimSpace(m.Engine+" "+m.EngineVersion))
	field("fidelity", m.Fidelity)
	field("time mode", m.TimeMode)
	field("calibration", m.Calibration)
	field("deterministic", yesNo(m.Deterministic))
	field("simulated time"+jobs, formatSeconds(m.SimulatedNs)+" s")
	field("simulated events"+jobs, strconv.FormatUint(m.Events, 10))
	field("Go", strings.TrimSpace(m.GoVersion+" "+joinNonEmpty("/", m.GOOS, m.GOARCH)))
	field("CPU", fmt.Sprintf("%s (%d CPUs)", orUnset(m.CPUModel), m.NumCPU))
	field("hostname", m.Hostname)
	for _, k := range sortedKeys(m.Extra) {
		field(cell(k), m.Extra[k])
	}
	b.WriteString("\n")
}
