package world

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"time"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/scenarios"
	"github.com/mimisim/mimisim/sim"
)

// RoomID is the id of the scenario's room.
const RoomID = "room-1"

// Options are what a run needs besides the scenario.
type Options struct {
	Engine mls.Engine
	Cost   client.CostModel
	// Tap, when set, sees every encoded message as it is sent (tests check what providers see).
	Tap func(from, to network.NodeID, body []byte)
	// Progress, when set, is called now and then with the virtual time and the end of the
	// measurement window (zero during set-up).
	Progress func(now, end sim.Time)
	// SetupLimit bounds the set-up phase in virtual time (default 10 minutes).
	SetupLimit time.Duration
	// DrainLimit bounds the time after the measurement window for deliveries to finish
	// (default 10 minutes).
	DrainLimit time.Duration
	// Commits, when set, adds commit contention to the measurement window.
	Commits *CommitWorkload
	// Offline, when set, disconnects a share of the members at the start of the window.
	Offline *OfflineWorkload
	// Call, when set, sets up one voice/video call in the window (call.go).
	Call *CallWorkload
	// Hostile, when set, makes a follower tamper with, replay and reorder what it delivers to
	// its clients during the window (hostile.go). Full fidelity only.
	Hostile *HostileWorkload
	// Churn, when set, makes members leave and join during the window (churn.go). Full
	// fidelity only.
	Churn *ChurnWorkload
	// Attachments, when set, adds attachments to the window and records phase_latency
	// (attach.go).
	Attachments *AttachmentWorkload
	// Workers is the number of goroutines members decrypt on ahead of delivery (prefetch.go);
	// 0 means GOMAXPROCS. Results do not depend on it.
	Workers int
	// NoPrefetch turns the prefetch off (tests compare runs with and without it).
	NoPrefetch bool
	// NoLookahead turns off the kernel's lookahead, which prefetches into the cache what the
	// next events' handlers will read (sim.Kernel.SetLookahead); results do not depend on it.
	NoLookahead bool
	// PrefetchWait makes the kernel wait for every prefetched batch instead of going on while
	// workers decrypt application messages (prefetch.go). Results do not depend on it.
	PrefetchWait bool
	// SetupDone, when set, is called once when set-up ends (every member has joined), before
	// the measurement window opens. The CLI times set-up in wall-clock time with it.
	SetupDone func()
}

// OfflineWorkload takes a share of the members offline when the measurement window starts
// (chosen by a seeded shuffle); each reconnects after a delay drawn from Reconnect. While
// offline a member sends nothing and its provider holds its deliveries.
type OfflineWorkload struct {
	Share     float64
	Reconnect network.Dist
}

// CommitWorkload makes members commit concurrently: in rounds at Poisson times of Rate per
// second, each of Committers members wants an empty commit with path accepted, following
// Policy when the hub refuses it. Committers are the first real members, taken in turn from
// each provider.
type CommitWorkload struct {
	Committers int
	Rate       float64
	Policy     client.CommitPolicy
}

// ProviderResult is one provider's totals.
type ProviderResult struct {
	Name     string
	Role     string
	Region   string
	Clients  int
	Stats    mimi.Stats
	BytesOut uint64 // network egress, with transport overhead
	BytesIn  uint64
}

// Result is what a run produced.
type Result struct {
	Observations *results.Table // in the order they were made
	Providers    []ProviderResult
	Events       uint64        // kernel events handled
	SetupTime    time.Duration // virtual time until the last member joined
	EndTime      sim.Time      // virtual time when the run ended
	Sent         int           // messages sent
	Accepted     int           // messages the hub accepted
	Deliveries   int           // (message, recipient) pairs decrypted and checked
	Resent       int           // application messages sent again after an epochTooOld refusal
	Members      int
	MaxStateSize int // largest member state at the end, bytes
	// Invariants are the run's checks of itself (invariants.go); a run whose invariants do not
	// all hold returns them with an *InvariantError.
	Invariants *results.Invariants
	// Limits are the operations of an ops workload the engine could not perform (World.Limits).
	Limits []string
	World  *World
}

// InvariantError reports a violated invariant: its first counter-example and the seed that
// replays it.
type InvariantError struct {
	Invariant results.Invariant
	Seed      uint64
}

func (e *InvariantError) Error() string { return e.Invariant.Error(e.Seed) }

// World is a built world; tests reach into it.
type World struct {
	// Limits lists the operations of an ops workload that the engine could not perform (its
	// mls.LimitError, with the operation and the virtual time).
	Limits []string

	K         *sim.Kernel
	Net       *network.Network
	Wire      *mimi.Wire
	Hub       *mimi.Provider
	Providers []*mimi.Provider
	Clients   []*client.Client
	Ledger    *client.Ledger

	// Sampled fidelity: SampledK real members per provider (0 in full fidelity); the others
	// are modelled (see client.Config.Modelled).
	SampledK int
	modelled map[string]bool

	sc          *scenarios.Scenario
	opts        Options
	homeOf      map[string]string // client → provider name
	accessOf    map[string]string // client → access type
	joined      int
	setupDone   bool
	measureEnd  sim.Time
	obs         results.Table
	deliveryIDs []obsIDs // by client index (addDelivery)
	commits     commitTally
	call        *call
	attach      *attachState
	script      *script
	prefetch    *prefetcher
	op          *opSlot             // the ops workload's operation under way
	removedAt   map[string]sim.Time // members removed by the ops workload, when their removal began
	gone        int                 // removals completed (their slots closed): the room's size shrinks by it
	joiners     []*client.Client    // clients outside the room that the ops workload's adds bring in, in order
	joinedAt    map[string]sim.Time // joiners added by the ops workload, when their add began
	added       int                 // adds completed (their slots closed): the room's size grows by it
	accepted    map[int64]sim.Time
	busy0       []time.Duration // providers' busy time when the window opened
	busy1       []time.Duration // and when it closed
	delivered   int
	ahead       aheadWindow // decryptions reported when they start (run.go)
	cuts        []cut       // partitions of the run (faults.go)
	outages     []outage    // crashes of the run
	skipped     int         // drawn or scheduled crashes that fell while their provider was down
	failure     error

	initial int // members at the start (the rest are churn's spare joiners)
	checks  *checks
	hostile *hostile
	churn   *churnState
}

// Build creates the world of a scenario without running it. It resolves the scenario's fidelity
// auto:K for the engine (scenarios.ResolveFidelity), so that the caller's manifest records the
// fidelity used.
func Build(sc *scenarios.Scenario, opts Options) (*World, error) {
	if opts.Engine == nil || opts.Cost == nil {
		return nil, errors.New("world: an engine and a cost model are required")
	}
	if (opts.Hostile != nil || opts.Churn != nil) && sc.Fidelity != "full" {
		return nil, fmt.Errorf("world: the hostile and churn workloads need full fidelity, not %s", sc.Fidelity)
	}
	k := sim.New(sc.Seed)
	netCfg, err := networkConfig(sc)
	if err != nil {
		return nil, err
	}
	net, err := network.New(k, netCfg)
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	sc.Fidelity = scenarios.ResolveFidelity(sc.Fidelity, sc.Room.Members, opts.Engine.MaxMembers())
	sampledK, err := scenarios.SampledK(sc.Fidelity)
	if err != nil {
		return nil, err
	}
	w := &World{K: k, Net: net, sc: sc, opts: opts, homeOf: make(map[string]string), accessOf: make(map[string]string),
		accepted: make(map[int64]sim.Time), Ledger: client.NewLedger(k.Stream("payload")),
		SampledK: sampledK, modelled: make(map[string]bool)}
	var ctSize int
	var roomSize func() int
	if sampledK > 0 {
		if ctSize, err = ciphertextSize(opts.Engine, sc.Workload.PayloadBytes); err != nil {
			return nil, err
		}
		n := sc.Room.Members
		roomSize = func() int { return n - w.gone + w.added }
	}
	dir := mimi.NewDirectory()
	w.Wire = &mimi.Wire{Net: net, Dir: dir, Tap: opts.Tap, Recover: sc.Faults != nil,
		Recycle: sc.Faults == nil && opts.Hostile == nil}
	if !opts.NoLookahead {
		net.SetPayloadLookahead(w.Wire.Lookahead)
		k.SetLookahead(net.Lookahead)
	}

	// Providers.
	var hubNode network.NodeID
	nodes := make([]network.NodeID, len(sc.Providers))
	for i, p := range sc.Providers {
		id, err := net.AddNode(p.Name, p.Region, "datacenter")
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", p.Name, err)
		}
		nodes[i] = id
		dir.RegisterProvider(p.Name, id)
		if p.Role == "hub" {
			hubNode = id
		}
	}
	for i, p := range sc.Providers {
		role := mimi.Follower
		if p.Role == "hub" {
			role = mimi.Hub
		}
		cfg := mimi.Config{Name: p.Name, Role: role, Cores: p.Cores,
			RequestCost: time.Duration(p.RequestCost), ByteCost: time.Duration(p.ByteCost), BatchWindow: time.Duration(p.BatchWindow), BatchMax: p.BatchMax,
			Recovery: providerRecovery(sc, k, p.Name)}
		if sc.TimeMode == "zero" {
			cfg.RequestCost, cfg.ByteCost = 0, 0
		}
		if sp, ok := opts.Engine.(mls.WelcomeSplitter); ok {
			cfg.SplitWelcome = sp.SplitWelcome
		}
		prov, err := mimi.NewProvider(k, w.Wire, nodes[i], hubNode, cfg)
		if err != nil {
			return nil, err
		}
		dir.Register(nodes[i], prov)
		w.Providers = append(w.Providers, prov)
		if role == mimi.Hub {
			w.Hub = prov
		}
	}

	// Clients: the room's members, then churn's spare joiners (round-robin over the providers,
	// with the members' access types in turn).
	perProvider := placement(sc)
	access := accessAssignment(sc, k.Stream("access"))
	keys := k.Stream("keys")
	n := 0
	isModelled := func(id string) bool { return w.modelled[id] }
	type slot struct{ provider, j int }
	var slots []slot
	for i := range w.Providers {
		for j := 0; j < perProvider[i]; j++ {
			slots = append(slots, slot{i, j})
		}
	}
	w.initial = len(slots)
	if opts.Churn != nil {
		w.churn = &churnState{cfg: *opts.Churn, spares: map[string]bool{}}
		next := slices.Clone(perProvider)
		for s := 0; s < opts.Churn.Joiners; s++ {
			i := s % len(w.Providers)
			slots = append(slots, slot{i, next[i]})
			w.churn.spares[mimi.ClientID(w.Providers[i].Name(), next[i])] = true
			next[i]++
		}
	}
	// Every real client's first KeyPackage, made after the loop (on all cores when the engine's
	// clients may be used concurrently) and stocked in the clients' order.
	type stocked struct {
		prov *mimi.Provider
		id   string
		ec   mls.Client
		kp   []byte
		err  error
	}
	var stock []stocked
	for _, sl := range slots {
		i, j, prov := sl.provider, sl.j, w.Providers[sl.provider]
		{
			id := mimi.ClientID(prov.Name(), j)
			node, err := net.AddNode(id, sc.Providers[i].Region, access[n%len(access)])
			if err != nil {
				return nil, fmt.Errorf("client %s: %w", id, err)
			}
			seed := make([]byte, 32)
			for b := range seed {
				seed[b] = byte(keys.Uint32())
			}
			cfg := client.Config{ID: id, Device: sc.Room.Device, Room: RoomID, Provider: prov.Node(), Node: node, Home: prov.Name(),
				Retry: clientRetry(sc, k, id)}
			var ec mls.Client
			if sampledK > 0 {
				cfg.IsModelled, cfg.RoomSize, cfg.CiphertextSize = isModelled, roomSize, ctSize
				cfg.Modelled = j >= sampledK
			}
			if cfg.Modelled {
				w.modelled[id] = true
			} else {
				if ec, err = opts.Engine.NewClient(id, seed); err != nil {
					return nil, fmt.Errorf("client %s: %w", id, err)
				}
				stock = append(stock, stocked{prov: prov, id: id, ec: ec})
			}
			prov.AddClient(id, node)
			c := client.New(k, w.Wire, cfg, ec, opts.Cost, (*recorder)(w), w.Ledger)
			dir.Register(node, c)
			w.Clients = append(w.Clients, c)
			w.homeOf[id] = prov.Name()
			w.accessOf[id] = access[n%len(access)]
			n++
		}
	}
	workers := 1
	if cm, ok := opts.Engine.(mls.ConcurrentMembers); ok && cm.ConcurrentMembers() {
		workers = runtime.GOMAXPROCS(0)
	}
	parallelFor(len(stock), workers, func(i int) { stock[i].kp, stock[i].err = stock[i].ec.KeyPackage() })
	for _, st := range stock {
		if st.err != nil {
			return nil, fmt.Errorf("client %s: key package: %w", st.id, st.err)
		}
		st.prov.StockKeyPackage(st.id, st.kp)
	}
	if err := w.buildJoiners(keys); err != nil {
		return nil, err
	}
	w.checks = newChecks(w)
	w.checks.keepBytes = opts.Churn != nil
	w.checks.scan = newPlaintextScan(w)
	w.Wire.Tap = func(from, to network.NodeID, body []byte) {
		w.checks.scan.tap(from, to, body)
		if opts.Tap != nil {
			opts.Tap(from, to, body)
		}
	}
	if opts.Tap == nil { // a test's Tap wants every body encoded
		w.Wire.TapRef = w.checks.scan.tapRef
	}
	w.prefetch = newPrefetcher(w)
	w.Hub.OnAccept(func(a mimi.Accepted) {
		rcpt := w.hubAccepted(a)
		w.churnAccepted(a)
		w.prefetch.accepted(a, rcpt)
	})
	if opts.Hostile != nil {
		if err := w.buildHostile(opts.Hostile); err != nil {
			return nil, err
		}
	}
	if opts.Call != nil {
		if err := w.buildCall(opts.Call); err != nil {
			return nil, err
		}
	}
	if opts.Attachments != nil {
		if err := w.buildAttachments(opts.Attachments); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// placement returns the number of members per provider: the scenario's explicit placement, or
// round-robin over the providers in file order.
func placement(sc *scenarios.Scenario) []int {
	if len(sc.Room.Placement) > 0 {
		return slices.Clone(sc.Room.Placement)
	}
	out := make([]int, len(sc.Providers))
	for i := 0; i < sc.Room.Members; i++ {
		out[i%len(out)]++
	}
	return out
}

// accessAssignment gives each member an access type: counts per type follow the scenario's
// shares by the largest-remainder method, and a seeded shuffle spreads them over members.
func accessAssignment(sc *scenarios.Scenario, rng interface{ Shuffle(int, func(i, j int)) }) []string {
	types := make([]string, 0, len(sc.Room.Access))
	for t := range sc.Room.Access {
		types = append(types, t)
	}
	slices.Sort(types)
	n := sc.Room.Members
	counts := make([]int, len(types))
	type rem struct {
		i int
		r float64
	}
	var rems []rem
	total := 0
	for i, t := range types {
		exact := sc.Room.Access[t] * float64(n)
		counts[i] = int(math.Floor(exact))
		total += counts[i]
		rems = append(rems, rem{i, exact - float64(counts[i])})
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.r > b.r:
			return -1
		case a.r < b.r:
			return 1
		}
		return 0
	})
	for j := 0; total < n; j++ {
		counts[rems[j%len(rems)].i]++
		total++
	}
	out := make([]string, 0, n)
	for i, t := range types {
		for j := 0; j < counts[i]; j++ {
			out = append(out, t)
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func networkConfig(sc *scenarios.Scenario) (cfg network.Config, err error) {
	cfg = network.Config{
		Access:            network.DefaultAccess(),
		Loss:              sc.Network.Loss,
		RetransmitTimeout: time.Duration(sc.Network.RetransmitTimeout),
	}
	for _, e := range sc.Network.RTT {
		cfg.RTT = append(cfg.RTT, network.RTTOverride{A: e.A, B: e.B, RTT: time.Duration(e.Ms * float64(time.Millisecond))})
	}
	names := make([]string, 0, len(sc.Network.Access))
	for name := range sc.Network.Access {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		o := sc.Network.Access[name]
		a := cfg.Access[name]
		if o.Latency != nil {
			d, err := network.NewDist(o.Latency.Kind, time.Duration(o.Latency.Value), time.Duration(o.Latency.Min),
				time.Duration(o.Latency.Mean), time.Duration(o.Latency.Median), o.Latency.Sigma)
			if err != nil {
				return cfg, fmt.Errorf("network.access.%s.latency: %w", name, err)
			}
			a.Latency = d
		}
		if o.UplinkMbps != nil {
			a.UplinkMbps = *o.UplinkMbps
		}
		if o.DownlinkMbps != nil {
			a.DownlinkMbps = *o.DownlinkMbps
		}
		if o.Loss != nil {
			a.Loss = *o.Loss
		}
		cfg.Access[name] = a
	}
	cfg.Faults, err = linkFaults(sc)
	return cfg, err
}

// ciphertextSize measures the size of one application message of payload bytes with the real
// engine, in a throwaway one-member group.
func ciphertextSize(e mls.Engine, payload int) (int, error) {
	c, err := e.NewClient("probe@size", make([]byte, 32))
	if err != nil {
		return 0, err
	}
	m, err := c.CreateGroup([]byte("probe"))
	if err != nil {
		return 0, err
	}
	ct, err := m.Protect(make([]byte, payload))
	if err != nil {
		return 0, err
	}
	return len(ct), nil
}
