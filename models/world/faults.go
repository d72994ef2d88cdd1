package world

import (
	"fmt"
	"time"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/scenarios"
	"github.com/mimisim/mimisim/sim"
)

// Metric names of the fault observations (one value per run, group "faults"), produced only by
// scenarios with a faults section.
const (
	MetricFaultRetries      = "fault_retries"            // requests, notifies and deliveries sent again
	MetricFaultDuplicates   = "fault_duplicates_dropped" // duplicates dropped by transport, providers and clients
	MetricFaultDownTime     = "fault_down_time"          // ms providers spent down, summed
	MetricFaultRetryWaits   = "fault_retry_after_waits"  // Retry-After answers honoured (clients and hub)
	MetricFaultRetryTime    = "fault_retry_after_time"   // ms clients waited on Retry-After
	MetricFaultBroken       = "fault_connections_broken" // connections broken by give-ups and crashes
	MetricFaultLostWhenDown = "fault_lost_while_down"    // packets that reached a provider while it was down
)

// faultStream names the random fault processes' streams.
const (
	partitionStream = "faults/partitions"
	crashStream     = "faults/crashes"
)

// linkFaults converts the scenario's link faults for the network; providers are the core nodes.
func linkFaults(sc *scenarios.Scenario) (network.Faults, error) {
	var f network.Faults
	if sc.Faults == nil {
		return f, nil
	}
	for _, p := range sc.Providers {
		f.Core = append(f.Core, p.Name) // the core nodes of scopes (episodes are added later)
	}
	if sc.Faults.Links == nil {
		return f, nil
	}
	l := sc.Faults.Links
	f.Duplicate, f.Reorder = l.Duplicate, l.Reorder
	dist := func(field string, d *scenarios.Dist) (network.Dist, error) {
		if d == nil {
			return nil, nil
		}
		return netDist(field, d)
	}
	var err error
	if f.ReorderDelay, err = dist("faults.links.reorder_delay", l.ReorderDelay); err != nil {
		return f, err
	}
	if f.ExtraDelay, err = dist("faults.links.extra_delay", l.ExtraDelay); err != nil {
		return f, err
	}
	f.Scope = scope(l.Scope)
	return f, nil
}

func scope(s string) network.Scope {
	switch s {
	case scenarios.ScopeCore:
		return network.ScopeCore
	case scenarios.ScopeAccess:
		return network.ScopeAccess
	}
	return network.ScopeAll
}

// providerRecovery is a provider's recovery configuration, nil without a faults section.
func providerRecovery(sc *scenarios.Scenario, k *sim.Kernel, name string) *mimi.Recovery {
	if sc.Faults == nil {
		return nil
	}
	r := sc.Faults.Recovery
	return &mimi.Recovery{Timeout: r.RequestTimeout.D(), BackoffMax: r.BackoffMax.D(), RetryAfter: r.RetryAfter.D(),
		MaxQueue: r.MaxQueue, Rand: k.Stream("recovery/" + name)}
}

// clientRetry is a client's retry configuration, nil without a faults section.
func clientRetry(sc *scenarios.Scenario, k *sim.Kernel, id string) *client.Retry {
	if sc.Faults == nil {
		return nil
	}
	r := sc.Faults.Recovery
	return &client.Retry{Timeout: r.RequestTimeout.D(), BackoffMax: r.BackoffMax.D(), Rand: k.Stream("retry/" + id)}
}

// outage is one crash of a provider, in virtual time since the start of the run.
type outage struct {
	provider string
	at, back sim.Time
	random   bool
}

// cut is one partition, in virtual time since the start of the run.
type cut struct {
	provider, peer string
	from, to       sim.Time
	oneWay, random bool
}

// startFaults schedules the scenario's partitions and crashes, written and drawn, from the start
// of the measurement window; they are recorded for the manifest as they happen. The random
// processes draw their next arrival when the previous one happens, so a long run at a high rate
// holds only the faults in progress.
func (w *World) startFaults(start sim.Time) error {
	f := w.sc.Faults
	if f == nil {
		return nil
	}
	end := start.Add(w.sc.Duration.D())
	names := make([]string, len(w.sc.Providers))
	byName := map[string]*mimi.Provider{}
	for i, p := range w.Providers {
		names[i] = w.sc.Providers[i].Name
		byName[p.Name()] = p
	}
	at := func(t sim.Time, f func()) {
		w.K.Schedule(t, sim.HandlerFunc(func(*sim.Kernel, sim.Event) { f() }), 0, nil)
	}
	partition := func(c cut) {
		w.cuts = append(w.cuts, c)
		p := network.Partition{From: time.Duration(c.from), To: time.Duration(c.to), A: []string{c.provider}, OneWay: c.oneWay}
		if c.peer != "" {
			p.B = []string{c.peer}
		}
		if err := w.Net.AddPartition(p); err != nil && w.failure == nil {
			w.failure = fmt.Errorf("faults: %w", err) // validated names: a bug if reached
		}
	}
	crash := func(o outage) {
		p := byName[o.provider]
		if p.Down() {
			w.skipped++ // a crash while the provider is still down
			return
		}
		w.outages = append(w.outages, o)
		p.Crash()
		at(o.back, p.Restart)
	}
	// poisson calls fire at the arrivals of a Poisson process of rate per second in [start, end).
	poisson := func(rate float64, rng interface{ ExpFloat64() float64 }, fire func(sim.Time)) {
		var next func(sim.Time)
		next = func(t sim.Time) {
			t = t.Add(time.Duration(rng.ExpFloat64() / rate * 1e9))
			if t < end {
				at(t, func() { fire(t); next(t) })
			}
		}
		next(start)
	}

	for i, e := range f.Episodes {
		ep := network.Episode{From: time.Duration(start.Add(e.From.D())), To: time.Duration(start.Add(e.To.D())), Loss: e.Loss, Scope: scope(e.Scope)}
		if e.Delay != nil {
			d, err := netDist(fmt.Sprintf("faults.episodes[%d].delay", i), e.Delay)
			if err != nil {
				return err
			}
			ep.Delay = d
		}
		at(start.Add(e.From.D()), func() {
			if err := w.Net.AddEpisode(ep); err != nil && w.failure == nil {
				w.failure = fmt.Errorf("faults: %w", err)
			}
		})
	}
	for _, p := range f.Partitions {
		c := cut{provider: p.Provider, peer: p.Peer, from: start.Add(p.From.D()), to: start.Add(p.To.D()), oneWay: p.OneWay}
		at(c.from, func() { partition(c) })
	}
	if r := f.RandomPartitions; r != nil {
		d, err := netDist("faults.random_partitions.duration", &r.Duration)
		if err != nil {
			return err
		}
		pick := orAll(r.Providers, names)
		rng := w.K.Stream(partitionStream)
		poisson(r.Rate, rng, func(t sim.Time) {
			p := pick[rng.IntN(len(pick))]
			partition(cut{provider: p, from: t, to: t.Add(max(d.Sample(rng), 1)), random: true})
		})
	}
	for _, c := range f.Crashes {
		o := outage{provider: c.Provider, at: start.Add(c.At.D()), back: start.Add(c.At.D() + c.DownFor.D())}
		at(o.at, func() { crash(o) })
	}
	if r := f.RandomCrashes; r != nil {
		d, err := netDist("faults.random_crashes.down", &r.Down)
		if err != nil {
			return err
		}
		pick := orAll(r.Providers, names)
		rng := w.K.Stream(crashStream)
		poisson(r.Rate, rng, func(t sim.Time) {
			p := pick[rng.IntN(len(pick))]
			crash(outage{provider: p, at: t, back: t.Add(max(d.Sample(rng), 1)), random: true})
		})
	}
	return nil
}

// netDist converts a scenario distribution to the network model's; its error names field.
func netDist(field string, d *scenarios.Dist) (network.Dist, error) {
	nd, err := network.NewDist(d.Kind, d.Value.D(), d.Min.D(), d.Mean.D(), d.Median.D(), d.Sigma)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return nd, nil
}

// distText describes a scenario distribution as the network package does.
func distText(d *scenarios.Dist) string {
	nd, err := network.NewDist(d.Kind, d.Value.D(), d.Min.D(), d.Mean.D(), d.Median.D(), d.Sigma)
	if err != nil {
		return d.Kind
	}
	return nd.String()
}

func orAll(list, all []string) []string {
	if len(list) > 0 {
		return list
	}
	return all
}

// FaultNotes describes the faults of the run, one line each, for the manifest.
func (w *World) FaultNotes() []string {
	if w.sc.Faults == nil {
		return nil
	}
	var out []string
	if l := w.sc.Faults.Links; l != nil {
		s := fmt.Sprintf("Link faults (%s links): duplicate %g, reorder %g", l.Scope, l.Duplicate, l.Reorder)
		if l.ReorderDelay != nil {
			s += fmt.Sprintf(" (hold-back %s)", distText(l.ReorderDelay))
		}
		if l.ExtraDelay != nil {
			s += fmt.Sprintf(", extra delay %s", distText(l.ExtraDelay))
		}
		out = append(out, s+".")
	}
	for _, e := range w.sc.Faults.Episodes {
		s := fmt.Sprintf("Episode: %s links, window %s to %s, loss %g", e.Scope, e.From, e.To, e.Loss)
		if e.Delay != nil {
			s += ", delay " + distText(e.Delay)
		}
		out = append(out, s+".")
	}
	origin := func(random bool) string {
		if random {
			return "drawn"
		}
		return "scheduled"
	}
	const maxNotes = 100 // per kind: a long run at a high rate has too many to list
	for i, c := range w.cuts {
		if i == maxNotes {
			out = append(out, fmt.Sprintf("… and %d more partitions.", len(w.cuts)-maxNotes))
			break
		}
		who := "everyone"
		if c.peer != "" {
			who = c.peer
		}
		dir := "both ways"
		if c.oneWay {
			dir = "one way"
		}
		out = append(out, fmt.Sprintf("Partition (%s): %s cut off from %s, %s, virtual %v to %v.", origin(c.random), c.provider, who, dir,
			time.Duration(c.from), time.Duration(c.to)))
	}
	for i, o := range w.outages {
		if i == maxNotes {
			out = append(out, fmt.Sprintf("… and %d more crashes.", len(w.outages)-maxNotes))
			break
		}
		out = append(out, fmt.Sprintf("Crash (%s): %s down from virtual %v to %v.", origin(o.random), o.provider,
			time.Duration(o.at), time.Duration(o.back)))
	}
	if w.skipped > 0 {
		out = append(out, fmt.Sprintf("%d crashes fell while their provider was down and were skipped.", w.skipped))
	}
	r := w.sc.Faults.Recovery
	shed := "unbounded queues"
	if r.MaxQueue > 0 {
		shed = fmt.Sprintf("Retry-After beyond %d queued requests", r.MaxQueue)
	}
	out = append(out, fmt.Sprintf("Recovery on: request timeout %s, backoff max %s, Retry-After %s after a restart, %s.",
		r.RequestTimeout, r.BackoffMax, r.RetryAfter, shed))
	return out
}

// faultObservations sums the run's fault counters into one observation per metric.
func (w *World) faultObservations() []results.Observation {
	if w.sc.Faults == nil {
		return nil
	}
	var retries, dups, waits, lost uint64
	var down, waited time.Duration
	for _, p := range w.Providers {
		f := p.Stats().Faults
		retries += f.Retries
		dups += f.DuplicatesDrop
		waits += f.RetryAfterHeeds
		lost += f.LostWhileDown
		down += f.DownNs
	}
	for _, c := range w.Clients {
		f := c.Faults()
		retries += f.Retries
		dups += f.DuplicatesDropped + f.DuplicateResponses
		waits += f.RetryAfterWaits
		waited += f.RetryAfterNs
	}
	dups += w.Wire.Duplicates
	end := int64(w.K.Now())
	o := func(metric, unit string, v float64) results.Observation {
		return results.Observation{Metric: metric, Unit: unit, Group: "faults", TimeNs: end, Value: v}
	}
	return []results.Observation{
		o(MetricFaultRetries, "messages", float64(retries)),
		o(MetricFaultDuplicates, "messages", float64(dups)),
		o(MetricFaultDownTime, "ms", ms(down)),
		o(MetricFaultRetryWaits, "answers", float64(waits)),
		o(MetricFaultRetryTime, "ms", ms(waited)),
		o(MetricFaultBroken, "connections", float64(w.Wire.Broken)),
		o(MetricFaultLostWhenDown, "packets", float64(lost)),
	}
}
