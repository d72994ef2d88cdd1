package results

import (
	"fmt"
	"strings"
)

// Commit contention: sweeps with a commits.policy axis get a report section comparing the
// policies at the largest value of the first axis (the most contention), from the summary.
const policyAxis = "commits.policy"

// policyMetrics are the metrics the section quotes, in order, with how to say them.
var policyMetrics = []struct{ metric, what string }{
	{"commit_success_ratio", "success ratio"},
	{"commit_time", "mean time to an accepted commit"},
	{"commit_attempts", "attempts per wish"},
	{"epochs_per_s", "epochs per second"},
	{"messages_resent", "messages resent per run"},
}

// writePolicySection writes the section; nothing without a commits.policy axis that is not the
// first axis.
func writePolicySection(b *strings.Builder, sp *sweepPlan) {
	info := sp.info
	pi := -1
	for i, a := range info.Axes {
		if a.Name == policyAxis && i > 0 {
			pi = i
		}
	}
	if pi < 0 {
		return
	}
	x := info.Axes[0]
	last := x.Values[len(x.Values)-1]
	type key struct {
		point  int
		metric string
	}
	rows := map[key]SweepRow{}
	for _, r := range sp.rows {
		if r.Group == AllGroup || r.Group == "room" {
			rows[key{r.Point, r.Metric}] = r
		}
	}
	// The points at the last first-axis value and the first values of the other axes.
	var pts []SweepPoint
	for _, pt := range info.Points {
		if pt.Params[0].Value != last {
			continue
		}
		ok := true
		for i := 1; i < len(pt.Params); i++ {
			if i != pi && pt.Params[i].Value != info.Axes[i].Values[0] {
				ok = false
			}
		}
		if ok {
			pts = append(pts, pt)
		}
	}
	if len(pts) == 0 {
		return
	}
	fmt.Fprintf(b, "## Commit policies at %s=%s\n\n", x.Name, last)
	b.WriteString("The mean of the replications' means of each policy at the most contended point of the sweep.\n\n| policy |")
	for _, m := range policyMetrics {
		fmt.Fprintf(b, " %s |", m.what)
	}
	b.WriteString("\n| --- |" + strings.Repeat(" ---: |", len(policyMetrics)) + "\n")
	bestP, best := "", -1.0
	fastP, fast := "", 0.0
	for _, pt := range pts {
		pol := pt.Params[pi].Value
		fmt.Fprintf(b, "| %s |", code(pol))
		for _, m := range policyMetrics {
			r, ok := rows[key{pt.Index, m.metric}]
			if !ok {
				b.WriteString(" – |")
				continue
			}
			fmt.Fprintf(b, " %s |", FormatValue(r.RepMean))
			switch m.metric {
			case "commit_success_ratio":
				if r.RepMean > best {
					bestP, best = pol, r.RepMean
				}
			case "commit_time":
				if fastP == "" || r.RepMean < fast {
					fastP, fast = pol, r.RepMean
				}
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	if bestP != "" {
		fmt.Fprintf(b, "The highest success ratio was %s's, %s", code(bestP), FormatValue(best))
		if fastP != "" {
			fmt.Fprintf(b, "; the shortest mean time to an accepted commit was %s's, %s ms", code(fastP), FormatValue(fast))
		}
		b.WriteString(". Under the proposal policies an attempt is a proposal sent, not a commit.\n\n")
	}
}
