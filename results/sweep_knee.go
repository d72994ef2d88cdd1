package results

import (
	"fmt"
	"math"
	"strings"
)

// Load knees: sweeps that record provider utilization (the share of a provider's cores busy
// during the measurement window) get a report section naming, for each combination of the
// other axes, the first value of the first axis at which a provider is saturated.
const (
	utilMetric     = "provider_utilization"
	egressMetric   = "provider_egress"
	deliveryMetric = "delivery_latency"
	// kneeUtil is the utilization from which a provider counts as saturated: its queue then
	// grows faster than it drains in any burst, and latency climbs steeply.
	kneeUtil = 0.9
)

// loadAxis is the first axis that makes a sweep a load sweep.
const loadAxis = "workload.rate_per_member"

// writeKneeSection writes the report's section on saturation for a load sweep (first axis
// loadAxis, at least two values, utilization rows); nothing otherwise.
func writeKneeSection(b *strings.Builder, sp *sweepPlan) {
	info := sp.info
	if len(info.Axes) == 0 || info.Axes[0].Name != loadAxis || len(info.Axes[0].Values) < 2 {
		return
	}
	type key struct {
		point         int
		metric, group string
	}
	rows := map[key]SweepRow{}
	var providers []string
	for _, r := range sp.rows {
		rows[key{r.Point, r.Metric, r.Group}] = r
		if r.Metric == utilMetric && r.Group != AllGroup && !contains(providers, r.Group) {
			providers = append(providers, r.Group)
		}
	}
	if len(providers) == 0 {
		return
	}
	providers = sorted(providers)
	x := info.Axes[0].Name
	fmt.Fprintf(b, "## Load knee\n\n%s is the share of a provider's cores busy during the measurement window. "+
		"A provider counts as saturated from %.0f %%; the knee is the first value of %s at which one is.\n\n",
		code(utilMetric), kneeUtil*100, code(x))
	combos, pointAt := comboIndex(info)
	xs := make([]string, len(info.Axes[0].Values))
	for i, v := range info.Axes[0].Values {
		xs[i] = v
	}
	for _, combo := range combos {
		var pts []int
		for _, v := range xs {
			if p, ok := pointAt[pointKey(v, combo)]; ok {
				pts = append(pts, p)
			}
		}
		at := ""
		if len(combo) > 0 {
			at = " at " + paramText(combo)
		}
		// The busiest provider at each point.
		busiest := func(p int) (string, float64) {
			name, u := "", math.Inf(-1)
			for _, pr := range providers {
				if r, ok := rows[key{p, utilMetric, pr}]; ok && r.RepMean > u {
					name, u = pr, r.RepMean
				}
			}
			return name, u
		}
		knee := -1
		for i, p := range pts {
			if _, u := busiest(p); u >= kneeUtil {
				knee = i
				break
			}
		}
		lat := func(p int) string {
			if r, ok := rows[key{p, deliveryMetric, AllGroup}]; ok {
				return fmtMs(r.RepMean) + " ms"
			}
			return "n/a"
		}
		egress := func(p int) string {
			var parts []string
			for _, pr := range providers {
				if r, ok := rows[key{p, egressMetric, pr}]; ok {
					parts = append(parts, fmt.Sprintf("%s %s", pr, withUnit(r.RepMean, "bytes")))
				}
			}
			return strings.Join(parts, ", ")
		}
		val := func(p int) string { return info.Points[p].Params[0].Value }
		switch {
		case len(pts) == 0:
			continue
		case knee < 0:
			name, u := busiest(pts[len(pts)-1])
			fmt.Fprintf(b, "- No knee%s: no provider reached %.0f %%; the busiest at %s=%s was %s at %.0f %% (mean delivery latency %s).\n",
				at, kneeUtil*100, x, val(pts[len(pts)-1]), code(name), u*100, lat(pts[len(pts)-1]))
		default:
			p := pts[knee]
			name, u := busiest(p)
			s := fmt.Sprintf("- Knee%s at %s=%s: %s was busy %.0f %% of the window", at, x, val(p), code(name), u*100)
			if knee > 0 {
				q := pts[knee-1]
				nq, uq := busiest(q)
				s += fmt.Sprintf(" (at %s=%s the busiest, %s, was at %.0f %%); mean delivery latency went from %s to %s",
					x, val(q), code(nq), uq*100, lat(q), lat(p))
			} else {
				s += fmt.Sprintf(" already at the first value (mean delivery latency %s)", lat(p))
			}
			if e := egress(p); e != "" {
				s += "; egress there: " + e
			}
			b.WriteString(s + ".\n")
		}
	}
	b.WriteString("\n")
}
