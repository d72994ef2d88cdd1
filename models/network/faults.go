package network

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/mimisim/mimisim/sim"
)

// Faults configures link faults injected on top of the delivery model: duplicated and
// reordered transmissions, extra delay, and partitions. The zero value injects none, and a
// Network with no fault configured makes exactly the random draws, and so delivers at exactly
// the times, it would without this feature. The model, as formulas, is in the package
// documentation.
//
// Faults apply per transmission: a retransmission is exposed to them afresh. The network does
// not deduplicate or reorder: with Duplicate > 0 a handler may receive the same message twice,
// and with Reorder > 0 (or ExtraDelay, or random latencies) messages between two nodes may be
// delivered in a different order from the one they were sent in. Upper layers (MIMI followers,
// clients) must tolerate both.
type Faults struct {
	// Duplicate is the probability, in [0, 1), that a transmission that gets through is
	// delivered twice. The copy leaves with the original and takes its own, independent
	// propagation delay; it goes through the receiver's downlink like any message and is
	// counted in the sender's NodeStats.Duplicated. 0 = never.
	Duplicate float64
	// Reorder is the probability, in [0, 1], that a transmission that gets through is held back
	// by an extra delay drawn from ReorderDelay, so that later messages can overtake it; counted
	// in the sender's NodeStats.Reordered. 0 = never.
	Reorder float64
	// ReorderDelay is the hold-back delay of a reordered transmission. It must be set when
	// Reorder > 0 and nil when Reorder is 0.
	ReorderDelay Dist
	// ExtraDelay is added to the propagation delay of every transmission that gets through,
	// and of every duplicate, one draw each. Nil means none.
	ExtraDelay Dist
	// Partitions cut links during windows of virtual time. Transmissions across a cut are
	// lost and retransmitted like any lost transmission. More can be added while the network
	// runs (Network.AddPartition).
	Partitions []Partition
	// Scope limits Duplicate, Reorder and ExtraDelay to some links: ScopeAll (the zero value)
	// applies them to every transmission, ScopeCore only to transmissions between two core
	// nodes, ScopeAccess only to transmissions with at least one end that is not a core node.
	// Partitions are scoped by their own selectors.
	Scope Scope
	// Core holds selectors (node names, or RegionSelector followed by a region) of the core
	// nodes (providers' servers, say); it must be set when Scope, or an Episode's Scope, is not
	// ScopeAll.
	Core []string
	// Episodes degrade links during windows of virtual time (a loss burst, a slow period);
	// more can be added while the network runs (Network.AddEpisode).
	Episodes []Episode
}

// Episode degrades the links of Scope from virtual time From (inclusive) to To (exclusive): a
// transmission that starts inside the window is lost with probability Loss on top of the
// link's own loss (and retransmitted like any lost transmission), and one that gets through
// takes an extra delay drawn from Delay. Draws come from the stream "network/faults/episodes",
// only for transmissions inside an episode.
type Episode struct {
	From, To time.Duration
	Loss     float64 // in [0, 1)
	Delay    Dist    // nil: none
	Scope    Scope
}

// Scope says which links the perturbing faults (duplication, reordering, extra delay) apply to.
type Scope uint8

// Scopes.
const (
	ScopeAll    Scope = iota // every link
	ScopeCore                // core–core links only (Faults.Core)
	ScopeAccess              // links with at least one non-core end
)

// RegionSelector is the prefix of a Partition selector that names a region rather than a node:
// "region:eu-west-1" selects every node in eu-west-1.
const RegionSelector = "region:"

// Partition cuts the links between two sets of nodes, A and B, from virtual time From
// (inclusive) to To (exclusive). A transmission from a node on one side to a node on the other
// that starts (gets onto the sender's uplink) inside the window is lost; it is retransmitted
// after Config.RetransmitTimeout like any lost transmission, so a partition shorter than the
// retransmission budget delays messages and a longer one drops them. Transmissions in flight
// when the window opens are not affected.
//
// A and B hold selectors: a node name, or RegionSelector followed by a region name. A node is
// on side A if a selector of A matches it; otherwise on side B if B is empty (meaning everyone
// not in A) or a selector of B matches it; otherwise on neither side, and the partition does not
// concern it. A node matched by both A and B is on side A. A name beginning with RegionSelector
// is always a region selector.
type Partition struct {
	// From and To bound the window, in virtual time since the start of the run; 0 ≤ From < To.
	From, To time.Duration
	// A and B are the two sides; A must not be empty, an empty B means everyone not in A.
	A, B []string
	// OneWay cuts only transmissions from A to B; B to A still gets through.
	OneWay bool
}

// Stream names for faults, one per fault so that enabling one changes no other's draws, and
// none of the fault-free streams (latencyStream, lossStream).
const (
	duplicateStream = "network/faults/duplicate" // the coin, then the copy's propagation draws
	reorderStream   = "network/faults/reorder"   // the coin, then the hold-back draw
	extraStream     = "network/faults/delay"     // ExtraDelay draws for transmissions
	episodeStream   = "network/faults/episodes"  // Episode loss coins and delays
)

// side is where a node stands with respect to one partition.
type side uint8

const (
	sideNone side = iota
	sideA
	sideB
)

// selector is one resolved entry of Partition.A or Partition.B.
type selector struct {
	field  string // e.g. "faults.partitions[0].a[1]", for error messages
	node   string // a node name, or "" for a region selector
	region int    // index into Network.rtt, for a region selector
}

// partition is a Partition resolved by New; sides grows with AddNode.
type partition struct {
	from, to sim.Time
	oneWay   bool
	a, b     []selector
	anyB     bool   // B was empty: everyone not in A
	sides    []side // by NodeID
}

// faults is the resolved Config.Faults of a Network.
type faults struct {
	dup, reorder float64
	reorderDelay Dist
	extra        Dist
	parts        []partition
	checked      bool // node selectors have been checked (done by the first Send)
	dupRand      *rand.Rand
	reorderRand  *rand.Rand
	extraRand    *rand.Rand
	perturbs     bool // dup, reorder or extra is active: transmit must call perturb
	scope        Scope
	core         []selector
	isCore       []bool // by NodeID
	episodes     []Episode
	episodeRand  *rand.Rand
}

// inScopeOf reports whether a transmission from one node to another is on the links of s.
func (f *faults) inScopeOf(s Scope, from, to NodeID) bool {
	switch s {
	case ScopeCore:
		return f.isCore[from] && f.isCore[to]
	case ScopeAccess:
		return !f.isCore[from] || !f.isCore[to]
	}
	return true
}

func checkEpisode(field string, e Episode, haveCore bool) error {
	switch {
	case e.From < 0:
		return fmt.Errorf("network: %s.from: must be ≥ 0, got %v", field, e.From)
	case e.To <= e.From:
		return fmt.Errorf("network: %s.to: must be after from (%v), got %v", field, e.From, e.To)
	case !(e.Loss >= 0 && e.Loss < 1):
		return fmt.Errorf("network: %s.loss: must be in [0, 1), got %v", field, e.Loss)
	case e.Scope > ScopeAccess:
		return fmt.Errorf("network: %s.scope: unknown scope %d", field, e.Scope)
	case e.Scope != ScopeAll && !haveCore:
		return fmt.Errorf("network: faults.core: must name the core nodes when %s.scope is not ScopeAll", field)
	}
	return nil
}

// episode applies the episodes active at t to a transmission: it reports whether the
// transmission is lost, and otherwise the extra delay it takes.
func (n *Network) episode(from, to NodeID, t sim.Time) (bool, time.Duration) {
	f := &n.faults
	var extra time.Duration
	for i := range f.episodes {
		e := &f.episodes[i]
		if t < sim.Time(e.From) || t >= sim.Time(e.To) || !f.inScopeOf(e.Scope, from, to) {
			continue
		}
		if e.Loss > 0 && f.episodeRand.Float64() < e.Loss {
			return true, 0
		}
		if e.Delay != nil {
			extra += n.sample(e.Delay, f.episodeRand)
		}
	}
	return false, extra
}

// AddEpisode adds a degradation episode while the network runs (From and To are virtual times
// since the start of the run). It also forgets episodes that ended before now.
func (n *Network) AddEpisode(e Episode) error {
	if err := checkEpisode(fmt.Sprintf("faults.episodes[%d]", len(n.faults.episodes)), e, len(n.faults.core) > 0); err != nil {
		return err
	}
	now := n.k.Now()
	n.faults.episodes = slices.DeleteFunc(n.faults.episodes, func(q Episode) bool { return sim.Time(q.To) <= now })
	n.faults.episodes = append(n.faults.episodes, e)
	return nil
}

// inScope reports whether perturbing faults apply to a transmission from one node to another.
func (f *faults) inScope(from, to NodeID) bool { return f.inScopeOf(f.scope, from, to) }

// resolveFaults validates f against the regions of rtt and returns it resolved, without
// checking node-name selectors (nodes are added later). Errors name the field.
func resolveFaults(f Faults, rtt *rttTable) (faults, error) {
	r := faults{dup: f.Duplicate, reorder: f.Reorder, reorderDelay: f.ReorderDelay, extra: f.ExtraDelay}
	if !(f.Duplicate >= 0 && f.Duplicate < 1) {
		return r, fmt.Errorf("network: faults.duplicate: must be in [0, 1), got %v", f.Duplicate)
	}
	if !(f.Reorder >= 0 && f.Reorder <= 1) {
		return r, fmt.Errorf("network: faults.reorder: must be in [0, 1], got %v", f.Reorder)
	}
	if f.Reorder > 0 && f.ReorderDelay == nil {
		return r, fmt.Errorf("network: faults.reorder_delay: required when faults.reorder > 0")
	}
	if f.Reorder == 0 && f.ReorderDelay != nil {
		return r, fmt.Errorf("network: faults.reorder_delay: set, but faults.reorder is 0 so it would never be used")
	}
	r.perturbs = f.Duplicate > 0 || f.Reorder > 0 || f.ExtraDelay != nil
	if f.Scope > ScopeAccess {
		return r, fmt.Errorf("network: faults.scope: unknown scope %d (want ScopeAll, ScopeCore or ScopeAccess)", f.Scope)
	}
	if f.Scope != ScopeAll && len(f.Core) == 0 {
		return r, fmt.Errorf("network: faults.core: must name the core nodes when faults.scope is not ScopeAll")
	}
	r.scope = f.Scope
	core, err := resolveSelectors("faults.core", f.Core, rtt)
	if err != nil {
		return r, err
	}
	r.core = core
	for i, e := range f.Episodes {
		if err := checkEpisode(fmt.Sprintf("faults.episodes[%d]", i), e, len(core) > 0); err != nil {
			return r, err
		}
	}
	r.episodes = slices.Clone(f.Episodes)
	r.parts = make([]partition, len(f.Partitions))
	for i, p := range f.Partitions {
		if r.parts[i], err = resolvePartition(fmt.Sprintf("faults.partitions[%d]", i), p, rtt); err != nil {
			return r, err
		}
	}
	return r, nil
}

func resolvePartition(field string, p Partition, rtt *rttTable) (partition, error) {
	if p.From < 0 {
		return partition{}, fmt.Errorf("network: %s.from: must be ≥ 0, got %v", field, p.From)
	}
	if p.To <= p.From {
		return partition{}, fmt.Errorf("network: %s.to: must be after from (%v), got %v", field, p.From, p.To)
	}
	if len(p.A) == 0 {
		return partition{}, fmt.Errorf("network: %s.a: must name at least one node or region", field)
	}
	a, err := resolveSelectors(field+".a", p.A, rtt)
	if err != nil {
		return partition{}, err
	}
	b, err := resolveSelectors(field+".b", p.B, rtt)
	if err != nil {
		return partition{}, err
	}
	return partition{from: sim.Time(p.From), to: sim.Time(p.To), oneWay: p.OneWay, a: a, b: b, anyB: len(p.B) == 0}, nil
}

// AddPartition adds a partition while the network runs (From and To are virtual times since
// the start of the run, as in Faults.Partitions); its selectors must name existing nodes or
// known regions. Transmissions already started are not affected. It also forgets partitions
// that ended before now, so that a long run adding many keeps only those still to come (after
// it, Partitioned no longer answers for their windows).
func (n *Network) AddPartition(p Partition) error {
	field := fmt.Sprintf("faults.partitions[%d]", len(n.faults.parts))
	r, err := resolvePartition(field, p, n.rtt)
	if err != nil {
		return err
	}
	for _, s := range slices.Concat(r.a, r.b) {
		if _, ok := n.names[s.node]; s.node != "" && !ok {
			return fmt.Errorf("network: %s: unknown node %q", s.field, s.node)
		}
	}
	for i := range n.nodes {
		r.sides = append(r.sides, r.side(n.infos[i].Name, int(n.nodes[i].region)))
	}
	now := n.k.Now()
	n.faults.parts = slices.DeleteFunc(n.faults.parts, func(q partition) bool { return q.to <= now })
	n.faults.parts = append(n.faults.parts, r)
	return nil
}

func resolveSelectors(field string, names []string, rtt *rttTable) ([]selector, error) {
	out := make([]selector, len(names))
	for j, s := range names {
		f := fmt.Sprintf("%s[%d]", field, j)
		if s == "" {
			return nil, fmt.Errorf("network: %s: empty selector (want a node name or %q followed by a region)", f, RegionSelector)
		}
		region, ok := strings.CutPrefix(s, RegionSelector)
		if !ok {
			out[j] = selector{field: f, node: s}
			continue
		}
		idx, known := rtt.index[region]
		if !known {
			return nil, fmt.Errorf("network: %s: unknown region %q (known: %s; add others with Config.RTT)",
				f, region, strings.Join(rtt.names, ", "))
		}
		out[j] = selector{field: f, region: idx}
	}
	return out, nil
}

// checkNodes reports the first node-name selector that names none of the given nodes.
func (f *faults) checkNodes(known func(string) bool) error {
	for _, s := range f.core {
		if s.node != "" && !known(s.node) {
			return fmt.Errorf("network: %s: unknown node %q", s.field, s.node)
		}
	}
	for i := range f.parts {
		p := &f.parts[i]
		for _, s := range slices.Concat(p.a, p.b) {
			if s.node != "" && !known(s.node) {
				return fmt.Errorf("network: %s: unknown node %q", s.field, s.node)
			}
		}
	}
	return nil
}

// ValidateFaults checks c.Faults as New would (against the regions of c.RTT, whose own errors
// it also reports), and also that every node-name selector of
// c.Faults.Partitions names one of nodes. Callers that know the node names before building a
// Network (scenario validation) use it to report every problem up front; New cannot check
// node names, which are only known as nodes are added (see Network.ValidateFaults).
func (c Config) ValidateFaults(nodes []string) error {
	rtt, err := buildRTT(c.RTT)
	if err != nil {
		return err
	}
	f, err := resolveFaults(c.Faults, rtt)
	if err != nil {
		return err
	}
	return f.checkNodes(func(name string) bool { return slices.Contains(nodes, name) })
}

// ValidateFaults reports a partition selector naming a node that has not been added. New
// checks everything else about Config.Faults; node names can only be checked once the nodes
// exist. The first Send performs this check and panics if it fails, so that a misspelt node
// never silently turns a partition into a no-op: callers that add nodes from untrusted input
// call ValidateFaults after the last AddNode to get an error instead. Nodes added after the
// first Send are placed on partition sides by region, or by an empty B, only.
func (n *Network) ValidateFaults() error {
	return n.faults.checkNodes(func(name string) bool { _, ok := n.names[name]; return ok })
}

// matches reports whether a selector of sels selects the node.
func matches(sels []selector, name string, region int) bool {
	for _, s := range sels {
		if s.node == name || s.node == "" && s.region == region {
			return true
		}
	}
	return false
}

// side returns the side of p a node is on.
func (p *partition) side(name string, region int) side {
	switch {
	case matches(p.a, name, region):
		return sideA
	case p.anyB || matches(p.b, name, region):
		return sideB
	}
	return sideNone
}

// place records which side of every partition a new node is on, and whether it is core.
func (f *faults) place(name string, region int) {
	for i := range f.parts {
		p := &f.parts[i]
		p.sides = append(p.sides, p.side(name, region))
	}
	f.isCore = append(f.isCore, matches(f.core, name, region))
}

// cut reports whether a transmission from one node to another starting at t crosses an active
// partition.
func (f *faults) cut(from, to NodeID, t sim.Time) bool {
	for i := range f.parts {
		p := &f.parts[i]
		if t < p.from || t >= p.to {
			continue
		}
		sf, st := p.sides[from], p.sides[to]
		if sf == sideA && st == sideB || !p.oneWay && sf == sideB && st == sideA {
			return true
		}
	}
	return false
}

// Partitioned reports whether a transmission from a to b starting at virtual time at would be
// cut by a partition (the order matters for one-way partitions). It is meant for tests and
// invariant reports. It panics if a or b was not returned by AddNode.
func (n *Network) Partitioned(a, b NodeID, at sim.Time) bool {
	if int(a) >= len(n.nodes) || int(b) >= len(n.nodes) || a < 0 || b < 0 {
		panic(fmt.Sprintf("network: Partitioned(%d, %d): unknown node", a, b))
	}
	return n.faults.cut(a, b, at)
}

// perturb applies duplication, reordering and extra delay to a transmission of m that gets
// through: prop is its propagation delay from the fault-free model, rtt2 the RTT/2 term of it.
// It returns the transmission's propagation delay, and a duplicate to schedule after the
// original (nil if none) with the duplicate's propagation delay.
func (n *Network) perturb(m *message, src, dst *node, prop, rtt2 time.Duration) (time.Duration, *message, time.Duration) {
	f := &n.faults
	if f.extra != nil {
		prop += n.sample(f.extra, f.extraRand)
	}
	if f.reorder > 0 && f.reorderRand.Float64() < f.reorder {
		prop += n.sample(f.reorderDelay, f.reorderRand)
		n.rare[m.from].Reordered++
	}
	if f.dup == 0 || f.dupRand.Float64() >= f.dup {
		return prop, nil, 0
	}
	n.rare[m.from].Duplicated++
	c := n.get()
	*c = *m
	cprop := n.sample(src.link.latency, f.dupRand) + rtt2 + n.sample(dst.link.latency, f.dupRand)
	if f.extra != nil {
		cprop += n.sample(f.extra, f.dupRand)
	}
	return prop, c, cprop
}
