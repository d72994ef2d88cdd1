package scenarios

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Faults injects link faults and provider crashes into a run, and configures the recovery that
// lets clients and providers survive them. Every time in it is an offset into the measurement
// window (0 = the moment set-up ended). With a faults section the run turns recovery on
// (retries, acknowledgements, de-duplication); without one, nothing of it runs.
type Faults struct {
	// Links perturbs transmissions: duplication, reordering, extra delay.
	Links *LinkFaults `yaml:"links"`
	// Episodes degrade links for a window: extra loss and delay (a loss burst, a slow period).
	Episodes []Episode `yaml:"episodes"`
	// Partitions cut a provider off (from everyone, or from one peer provider) for a window.
	Partitions []PartitionFault `yaml:"partitions"`
	// RandomPartitions adds partitions arriving as a Poisson process during the window.
	RandomPartitions *RandomPartitions `yaml:"random_partitions"`
	// Crashes take a provider down at a time for a while.
	Crashes []Crash `yaml:"crashes"`
	// RandomCrashes adds crashes arriving as a Poisson process during the window.
	RandomCrashes *RandomCrashes `yaml:"random_crashes"`
	// Recovery sets the timers of the recovery machinery.
	Recovery Recovery `yaml:"recovery"`
}

// Link fault scopes.
const (
	ScopeAll    = "all"    // every link
	ScopeCore   = "core"   // provider-to-provider links only
	ScopeAccess = "access" // client-to-provider (access) links only
)

// LinkFaults perturbs transmissions that get through (see models/network Faults).
type LinkFaults struct {
	// Scope is the links they apply to: all (default) | core | access.
	Scope string `yaml:"scope"`
	// Duplicate is the probability that a transmission is delivered twice; 0 ≤ p < 1.
	Duplicate float64 `yaml:"duplicate"`
	// Reorder is the probability that a transmission is held back by ReorderDelay, so that
	// later ones overtake it; 0 ≤ p ≤ 1; needs ReorderDelay when > 0.
	Reorder float64 `yaml:"reorder"`
	// ReorderDelay is the hold-back of a reordered transmission; a Dist.
	ReorderDelay *Dist `yaml:"reorder_delay"`
	// ExtraDelay is added to every transmission's propagation delay; a Dist; optional.
	ExtraDelay *Dist `yaml:"extra_delay"`
}

// Episode degrades the links of Scope during [From, To) of the window: each transmission
// starting inside it is lost with probability Loss (and retransmitted) and, if it gets
// through, delayed by a draw from Delay.
type Episode struct {
	From  Duration `yaml:"from"`  // default 0; ≥ 0, before the end of the window
	To    Duration `yaml:"to"`    // required; > from
	Scope string   `yaml:"scope"` // all (default) | core | access
	Loss  float64  `yaml:"loss"`  // default 0; 0 ≤ p < 1
	Delay *Dist    `yaml:"delay"` // optional
}

// PartitionFault cuts a provider's node off during [From, To) of the window: from every other
// node (its own clients included) or, with Peer, from that provider only.
type PartitionFault struct {
	Provider string   `yaml:"provider"` // required; a provider's name
	Peer     string   `yaml:"peer"`     // optional; another provider's name
	From     Duration `yaml:"from"`     // default 0; ≥ 0, before the end of the window
	To       Duration `yaml:"to"`       // required; > from
	OneWay   bool     `yaml:"one_way"`  // cut only what the provider sends; default false
}

// RandomPartitions: partitions start at the times of a Poisson process of Rate per second over
// the window, each cutting a provider drawn uniformly from Providers off from everyone for a
// time drawn from Duration (stream "faults/partitions").
type RandomPartitions struct {
	Rate      float64  `yaml:"rate"`      // required; partitions per second, 0 < rate ≤ MaxFaultRate
	Duration  Dist     `yaml:"duration"`  // required; how long each lasts
	Providers []string `yaml:"providers"` // default: every provider
}

// Crash takes a provider down at At for DownFor; it then restarts (see docs/scenario-format.md
// for what it keeps).
type Crash struct {
	Provider string   `yaml:"provider"` // required; a provider's name
	At       Duration `yaml:"at"`       // default 0; ≥ 0, before the end of the window
	DownFor  Duration `yaml:"down_for"` // required; > 0
}

// RandomCrashes: crashes at the times of a Poisson process of Rate per second over the window,
// each of a provider drawn uniformly from Providers, down for a time drawn from Down (stream
// "faults/crashes"). A crash that falls while its provider is still down is skipped.
type RandomCrashes struct {
	Rate      float64  `yaml:"rate"`      // required; crashes per second, 0 < rate ≤ MaxFaultRate
	Down      Dist     `yaml:"down"`      // required; time down
	Providers []string `yaml:"providers"` // default: every provider
}

// Recovery sets the recovery timers; every field has a default.
type Recovery struct {
	// RequestTimeout is how long a request, notify or delivery waits for its answer before it
	// is sent again; attempt k waits RequestTimeout·2^k up to BackoffMax, with equal jitter.
	RequestTimeout Duration `yaml:"request_timeout"` // default 1s; > 0
	BackoffMax     Duration `yaml:"backoff_max"`     // default 30s; ≥ request_timeout
	// RetryAfter is how long a restarted provider answers requests with Retry-After.
	RetryAfter Duration `yaml:"retry_after"` // default 500ms; > 0
	// MaxQueue, when > 0, makes an overloaded provider answer Retry-After to a request that
	// finds this many requests waiting, instead of queueing it.
	MaxQueue int `yaml:"max_queue"` // default 0 (unbounded); 0 … MaxQueueLimit
}

// Fault defaults and bounds.
const (
	DefaultFaultScope     = ScopeAll
	DefaultRequestTimeout = Duration(time.Second)
	DefaultBackoffMax     = Duration(30 * time.Second)
	DefaultRetryAfter     = Duration(500 * time.Millisecond)
	// MaxFaultRate bounds the rates of random partitions and crashes (per second).
	MaxFaultRate = 100.0
	// MaxQueueLimit bounds faults.recovery.max_queue (a typo catcher).
	MaxQueueLimit = 1 << 20
)

var faultScopes = []string{ScopeAll, ScopeCore, ScopeAccess}

func (f *Faults) defaults() {
	if f.Links != nil && f.Links.Scope == "" {
		f.Links.Scope = DefaultFaultScope
	}
	for i := range f.Episodes {
		if f.Episodes[i].Scope == "" {
			f.Episodes[i].Scope = DefaultFaultScope
		}
	}
	r := &f.Recovery
	if r.RequestTimeout == 0 {
		r.RequestTimeout = DefaultRequestTimeout
	}
	if r.BackoffMax == 0 {
		r.BackoffMax = DefaultBackoffMax
	}
	if r.RetryAfter == 0 {
		r.RetryAfter = DefaultRetryAfter
	}
}

func (f *Faults) clone() *Faults {
	if f == nil {
		return nil
	}
	c := *f
	if f.Links != nil {
		l := *f.Links
		l.ReorderDelay = clonePtr(f.Links.ReorderDelay)
		l.ExtraDelay = clonePtr(f.Links.ExtraDelay)
		c.Links = &l
	}
	c.Partitions = slices.Clone(f.Partitions)
	c.Episodes = slices.Clone(f.Episodes)
	for i := range c.Episodes {
		c.Episodes[i].Delay = clonePtr(f.Episodes[i].Delay)
	}
	c.Crashes = slices.Clone(f.Crashes)
	if f.RandomPartitions != nil {
		r := *f.RandomPartitions
		r.Providers = slices.Clone(r.Providers)
		c.RandomPartitions = &r
	}
	if f.RandomCrashes != nil {
		r := *f.RandomCrashes
		r.Providers = slices.Clone(r.Providers)
		c.RandomCrashes = &r
	}
	return &c
}

// faultsZeroWritten rejects zero values written where zero means the default.
func (c *checker) faultsZeroWritten(s *Scenario) {
	f := s.Faults
	if f == nil {
		return
	}
	if f.Links != nil && c.written("faults.links.scope", false) && f.Links.Scope == "" {
		c.errf("faults.links.scope", "must not be empty; allowed: %s (remove the field for the default %s)", list(faultScopes), DefaultFaultScope)
	}
	for i, e := range f.Episodes {
		if p := fmt.Sprintf("faults.episodes[%d].scope", i); c.written(p, false) && e.Scope == "" {
			c.errf(p, "must not be empty; allowed: %s (remove the field for the default %s)", list(faultScopes), DefaultFaultScope)
		}
	}
	for _, z := range []struct {
		field string
		v     Duration
		def   Duration
	}{
		{"request_timeout", f.Recovery.RequestTimeout, DefaultRequestTimeout},
		{"backoff_max", f.Recovery.BackoffMax, DefaultBackoffMax},
		{"retry_after", f.Recovery.RetryAfter, DefaultRetryAfter},
	} {
		if p := "faults.recovery." + z.field; c.written(p, false) && z.v == 0 {
			c.errf(p, "must be > 0 (remove the field for the default %s)", z.def)
		}
	}
}

func (c *checker) faults(s *Scenario) {
	f := s.Faults
	if f == nil {
		return
	}
	names := make([]string, len(s.Providers))
	for i, p := range s.Providers {
		names[i] = p.Name
	}
	window := func(p string, v Duration) {
		switch {
		case v < 0:
			c.errf(p, "must be ≥ 0 (an offset into the measurement window), got %s", v)
		case s.Duration > 0 && v >= s.Duration:
			c.errf(p, "must be before the end of the measurement window (duration %s), got %s", s.Duration, v)
		}
	}
	provider := func(p, v string) bool {
		if c.missing(p) {
			c.errf(p, "required: a provider's name, one of %s", list(names))
			return false
		}
		if !slices.Contains(names, v) {
			c.errf(p, "unknown provider %q; allowed: %s", v, list(names))
			return false
		}
		return true
	}
	rate := func(p string, v float64) {
		switch {
		case c.missing(p):
			c.errf(p, "required: events per second, 0 < rate ≤ %g", MaxFaultRate)
		case math.IsNaN(v) || v <= 0 || v > MaxFaultRate:
			c.errf(p, "must be a rate per second with 0 < rate ≤ %g, got %s", MaxFaultRate, num(v))
		}
	}
	providerList := func(p string, vs []string) {
		if c.written(p, len(vs) > 0) && len(vs) == 0 {
			c.errf(p, "must name at least one provider (remove the field for every provider); allowed: %s", list(names))
		}
		for i, v := range vs {
			provider(fmt.Sprintf("%s[%d]", p, i), v)
		}
	}
	if l := f.Links; l != nil {
		c.oneOfDefault("faults.links.scope", "scope", l.Scope, faultScopes)
		if math.IsNaN(l.Duplicate) || l.Duplicate < 0 || l.Duplicate >= 1 {
			c.errf("faults.links.duplicate", "must be a probability with 0 ≤ p < 1, got %s", num(l.Duplicate))
		}
		if math.IsNaN(l.Reorder) || l.Reorder < 0 || l.Reorder > 1 {
			c.errf("faults.links.reorder", "must be a probability between 0 and 1, got %s", num(l.Reorder))
		}
		switch {
		case l.Reorder > 0 && l.ReorderDelay == nil:
			c.errf("faults.links.reorder_delay", "required when faults.links.reorder > 0: the hold-back of a reordered message, a distribution such as {kind: constant, value: 50ms}")
		case l.Reorder == 0 && l.ReorderDelay != nil:
			c.keyf("faults.links.reorder_delay", "set, but faults.links.reorder is 0 so it would never be used; remove it or set reorder")
		case l.ReorderDelay != nil:
			c.dist("faults.links.reorder_delay", l.ReorderDelay)
		}
		if l.ExtraDelay != nil {
			c.dist("faults.links.extra_delay", l.ExtraDelay)
		}
	}
	for i, e := range f.Episodes {
		path := fmt.Sprintf("faults.episodes[%d]", i)
		c.oneOfDefault(path+".scope", "scope", e.Scope, faultScopes)
		window(path+".from", e.From)
		switch {
		case c.missing(path + ".to"):
			c.errf(path+".to", "required: the end of the episode, an offset into the measurement window after from")
		case e.To <= e.From:
			c.errf(path+".to", "must be after from (%s), got %s", e.From, e.To)
		}
		if math.IsNaN(e.Loss) || e.Loss < 0 || e.Loss >= 1 {
			c.errf(path+".loss", "must be a probability with 0 ≤ p < 1, got %s", num(e.Loss))
		}
		if e.Delay != nil {
			c.dist(path+".delay", e.Delay)
		}
		if e.Loss == 0 && e.Delay == nil && !c.missing(path+".to") {
			c.keyf(path, "degrades nothing: give it a loss > 0, a delay, or both")
		}
	}
	for i, p := range f.Partitions {
		path := fmt.Sprintf("faults.partitions[%d]", i)
		ok := provider(path+".provider", p.Provider)
		if c.written(path+".peer", p.Peer != "") {
			if provider(path+".peer", p.Peer) && ok && p.Peer == p.Provider {
				c.errf(path+".peer", "must be another provider than %q", p.Provider)
			}
		}
		window(path+".from", p.From)
		switch {
		case c.missing(path + ".to"):
			c.errf(path+".to", "required: the end of the partition, an offset into the measurement window after from")
		case p.To <= p.From:
			c.errf(path+".to", "must be after from (%s), got %s", p.From, p.To)
		}
	}
	if r := f.RandomPartitions; r != nil {
		rate("faults.random_partitions.rate", r.Rate)
		if c.missing("faults.random_partitions.duration") {
			c.errf("faults.random_partitions.duration", "required: the distribution of a partition's length, e.g. {kind: constant, value: 5s}")
		} else {
			c.dist("faults.random_partitions.duration", &r.Duration)
		}
		providerList("faults.random_partitions.providers", r.Providers)
	}
	for i, cr := range f.Crashes {
		path := fmt.Sprintf("faults.crashes[%d]", i)
		provider(path+".provider", cr.Provider)
		window(path+".at", cr.At)
		switch {
		case c.missing(path + ".down_for"):
			c.errf(path+".down_for", "required: how long the provider stays down, e.g. 5s")
		case cr.DownFor <= 0:
			c.errf(path+".down_for", "must be > 0, got %s", cr.DownFor)
		}
	}
	if r := f.RandomCrashes; r != nil {
		rate("faults.random_crashes.rate", r.Rate)
		if c.missing("faults.random_crashes.down") {
			c.errf("faults.random_crashes.down", "required: the distribution of the time down, e.g. {kind: shifted_exponential, min: 1s, mean: 4s}")
		} else {
			c.dist("faults.random_crashes.down", &r.Down)
		}
		providerList("faults.random_crashes.providers", r.Providers)
	}
	rc := f.Recovery
	if rc.RequestTimeout <= 0 {
		c.errf("faults.recovery.request_timeout", "must be > 0, got %s", rc.RequestTimeout)
	}
	if rc.BackoffMax < rc.RequestTimeout {
		c.errf("faults.recovery.backoff_max", "must be ≥ request_timeout (%s), got %s", rc.RequestTimeout, rc.BackoffMax)
	}
	if rc.MaxQueue < 0 || rc.MaxQueue > MaxQueueLimit {
		c.errf("faults.recovery.max_queue", "must be between 0 (unbounded) and %d, got %d", MaxQueueLimit, rc.MaxQueue)
	}
	if rc.RetryAfter < 0 {
		c.errf("faults.recovery.retry_after", "must be ≥ 0, got %s", rc.RetryAfter)
	}
}

// oneOfDefault checks an optional field with a default that Defaults has filled in.
func (c *checker) oneOfDefault(path, what, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		c.errf(path, "unknown %s %q; allowed: %s", what, v, list(allowed))
	}
}
