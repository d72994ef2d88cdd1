package results

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Phase latency: runs with attachments record the metric PhaseMetric, grouped by phase — "text"
// for chat messages, one group per attachment kind, "call" for the call (see models/world).
const (
	PhaseMetric = "phase_latency"
	phaseText   = "text"
	phaseCall   = "call"
)

// writePhaseSection writes the report's section on latency per phase, in words, from the
// sweep's summary rows; nothing if the sweep did not record PhaseMetric.
func writePhaseSection(b *strings.Builder, sp *sweepPlan) {
	byPoint := map[int]map[string]SweepRow{}
	var points []int
	groups := map[string]bool{}
	for _, r := range sp.rows {
		if r.Metric != PhaseMetric || r.Group == AllGroup {
			continue
		}
		if byPoint[r.Point] == nil {
			byPoint[r.Point] = map[string]SweepRow{}
			points = append(points, r.Point)
		}
		byPoint[r.Point][r.Group] = r
		groups[r.Group] = true
	}
	if len(points) == 0 {
		return
	}
	slices.Sort(points)
	order := phaseOrder(groups, byPoint[points[0]])
	b.WriteString("## Latency per phase\n\n")
	fmt.Fprintf(b, "%s is the time from a user's send until a recipient can show the content: for %s, "+
		"until the MLS message is decrypted; for an attachment, until its file has been uploaded, "+
		"referenced in an MLS message, downloaded, checked against its hash and decrypted; for the "+
		"%s, until every participant can decrypt every other. The table gives the mean of the "+
		"replications' means with its %s confidence interval (a single value with one replication).\n\n",
		code(PhaseMetric), code(phaseText), code(phaseCall), percent(CILevel))
	b.WriteString("| point |")
	for _, g := range order {
		fmt.Fprintf(b, " %s (ms) |", code(g))
	}
	b.WriteString("\n| --- |" + strings.Repeat(" ---: |", len(order)) + "\n")
	for _, p := range points {
		fmt.Fprintf(b, "| %s |", cell(paramText(sp.info.Points[p].Params)))
		for _, g := range order {
			r, ok := byPoint[p][g]
			if !ok {
				b.WriteString(" – |")
				continue
			}
			fmt.Fprintf(b, " %s |", phaseCell(r))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	for _, p := range points {
		if s := phaseSentence(sp.info.Points[p].Params, byPoint[p], order); s != "" {
			b.WriteString("- " + s + "\n")
		}
	}
	b.WriteString("\n")
	if first := firstAxisChange(sp, byPoint, order); first != "" {
		b.WriteString(first + "\n\n")
	}
	for _, f := range sp.figs {
		if f.kind == figMean && f.metric == PhaseMetric {
			alt := strings.NewReplacer("[", `\[`, "]", `\]`, "\n", " ").Replace(f.fullHeading())
			fmt.Fprintf(b, "![%s](%s.png)\n\n", alt, f.stem)
		}
	}
}

// phaseOrder lists the phases: text first, then the others by their mean at the first point
// (smallest first, ties by name), the call last.
func phaseOrder(groups map[string]bool, first map[string]SweepRow) []string {
	var mid []string
	for g := range groups {
		if g != phaseText && g != phaseCall {
			mid = append(mid, g)
		}
	}
	slices.SortFunc(mid, func(a, b string) int {
		ra, oka := first[a]
		rb, okb := first[b]
		switch {
		case oka && okb && ra.RepMean != rb.RepMean:
			if ra.RepMean < rb.RepMean {
				return -1
			}
			return 1
		case oka != okb:
			if oka {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	var out []string
	if groups[phaseText] {
		out = append(out, phaseText)
	}
	out = append(out, mid...)
	if groups[phaseCall] {
		out = append(out, phaseCall)
	}
	return out
}

func phaseCell(r SweepRow) string {
	if math.IsNaN(r.CILow) {
		return fmtMs(r.RepMean)
	}
	return fmt.Sprintf("%s [%s, %s]", fmtMs(r.RepMean), fmtMs(r.CILow), fmtMs(r.CIHigh))
}

// fmtMs formats milliseconds with a precision that suits their size.
func fmtMs(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// phaseSentence says what one point's phases show.
func phaseSentence(params []Param, rows map[string]SweepRow, order []string) string {
	text, hasText := rows[phaseText]
	var slow SweepRow
	found := false
	for _, g := range order {
		if g == phaseText || g == phaseCall {
			continue
		}
		if r, ok := rows[g]; ok && (!found || r.RepMean > slow.RepMean) {
			slow, found = r, true
		}
	}
	var parts []string
	if hasText {
		parts = append(parts, fmt.Sprintf("text reached a recipient in %s ms on average", fmtMs(text.RepMean)))
	}
	if found {
		s := fmt.Sprintf("the slowest attachment was %s at %s ms", code(slow.Group), fmtMs(slow.RepMean))
		if hasText && text.RepMean > 0 {
			s += fmt.Sprintf(" (%.0f× text)", slow.RepMean/text.RepMean)
		}
		parts = append(parts, s)
	}
	if r, ok := rows[phaseCall]; ok {
		parts = append(parts, fmt.Sprintf("the call was set up for every participant in %s ms", fmtMs(r.RepMean)))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("At %s: %s.", paramText(params), strings.Join(parts, "; "))
}

// firstAxisChange says how each phase changed from the first to the last value of the first
// axis, at the first values of the other axes.
func firstAxisChange(sp *sweepPlan, byPoint map[int]map[string]SweepRow, order []string) string {
	info := sp.info
	if len(info.Axes) == 0 || len(info.Axes[0].Values) < 2 {
		return ""
	}
	rest := firstCombo(info)
	lo, hi := -1, -1
	for _, pt := range info.Points {
		if !sameParams(pt.Params[1:], rest) {
			continue
		}
		if lo < 0 {
			lo = pt.Index
		}
		hi = pt.Index
	}
	if lo < 0 || lo == hi {
		return ""
	}
	var parts []string
	for _, g := range order {
		a, oka := byPoint[lo][g]
		z, okz := byPoint[hi][g]
		if oka && okz {
			parts = append(parts, fmt.Sprintf("%s %s → %s ms", code(g), fmtMs(a.RepMean), fmtMs(z.RepMean)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	at := ""
	if len(rest) > 0 {
		at = " (at " + paramText(rest) + ")"
	}
	x := info.Axes[0].Name
	return fmt.Sprintf("From %s=%s to %s=%s%s: %s.", x, info.Points[lo].Params[0].Value, x,
		info.Points[hi].Params[0].Value, at, strings.Join(parts, ", "))
}

// Call set-up targets set against call_all_media (observations of every job, one per call).
const (
	callMetric = "call_all_media"
	// callTargetMs and callTargetShare: the ISDN-era ITU-T call set-up objective, 90 % of calls
	// set up within 1 s.
	callTargetMs    = 1000.0
	callTargetShare = 0.9
)

// writeCallTargets writes the report's section that sets the call set-up times against the
// ITU-T objective; nothing if the sweep has no call_all_media observations.
func writeCallTargets(b *strings.Builder, sp *sweepPlan) {
	type tally struct {
		n, within int
		max       float64
	}
	per := make([]tally, len(sp.info.Points))
	seen := false
	for j, obs := range sp.obs {
		p := sp.info.Jobs[j].Point
		for _, o := range obs {
			if o.Metric != callMetric {
				continue
			}
			seen = true
			t := &per[p]
			t.n++
			if o.Value <= callTargetMs {
				t.within++
			}
			t.max = max(t.max, o.Value)
		}
	}
	if !seen {
		return
	}
	b.WriteString("## Call set-up against the ITU-T objective\n\n")
	fmt.Fprintf(b, "The ISDN-era ITU-T objective for call set-up is %.0f %% of calls set up within %.0f ms. "+
		"Here a call is set up when every participant can decrypt every other (%s, one call per job). "+
		"ITU-T G.114's one-way delay bounds (150 ms preferred, 400 ms planning limit) concern the media "+
		"once the call runs, which this simulation does not carry.\n\n",
		callTargetShare*100, callTargetMs, code(callMetric))
	b.WriteString("| point | calls | within 1 s | slowest (ms) | meets the objective |\n| --- | ---: | ---: | ---: | --- |\n")
	var miss []string
	for i, t := range per {
		if t.n == 0 {
			continue
		}
		share := float64(t.within) / float64(t.n)
		ok := share >= callTargetShare
		fmt.Fprintf(b, "| %s | %d | %.0f %% | %s | %s |\n", cell(paramText(sp.info.Points[i].Params)), t.n, share*100, fmtMs(t.max), yesNo(ok))
		if !ok {
			miss = append(miss, paramText(sp.info.Points[i].Params))
		}
	}
	b.WriteString("\n")
	switch {
	case len(miss) == 0:
		b.WriteString("Every point meets the objective.\n\n")
	default:
		fmt.Fprintf(b, "%d of the points miss the objective: %s.\n\n", len(miss), strings.Join(miss, "; "))
	}
}
