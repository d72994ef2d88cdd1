package network

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/mimisim/mimisim/internal/prefetch"
	"github.com/mimisim/mimisim/sim"
)

// RTTOverride sets the round-trip time between regions A and B (in both directions). A region
// named here that is not built in becomes available to AddNode.
type RTTOverride struct {
	A, B string
	RTT  time.Duration
}

// DefaultMaxRetransmits is the retransmission limit used when Config.MaxRetransmits is 0.
const DefaultMaxRetransmits = 20

// Config parameterises a Network. The zero value is not valid: RetransmitTimeout must be set.
type Config struct {
	// RTT overrides entries of the built-in region table (see RegionRTT), or adds regions.
	RTT []RTTOverride
	// Access is the complete set of access types nodes may use, each entry replacing the
	// built-in one of that name as a whole; the caller merges its overrides with DefaultAccess.
	// Nil means DefaultAccess().
	Access map[string]Access
	// Loss is an extra loss probability, in [0, 0.5], applied to every transmission.
	Loss float64
	// RetransmitTimeout is how long after a lost transmission started it is sent again; > 0.
	RetransmitTimeout time.Duration
	// MaxRetransmits is how many times a message is retransmitted before it is dropped;
	// 0 means DefaultMaxRetransmits.
	MaxRetransmits int
	// Faults injects link faults (duplication, reordering, extra delay, partitions); the zero
	// value injects none.
	Faults Faults
}

// Dropper is implemented by message handlers that want to know when the network gives up on
// one of their messages (after MaxRetransmits retransmissions): a transport can then break the
// connection, as TCP does when its retransmissions time out.
type Dropper interface {
	Dropped(k *sim.Kernel, kind int, data any)
}

// NodeID identifies a node of a Network; IDs are dense, starting at 0, in AddNode order.
type NodeID int32

// NodeInfo describes a node.
type NodeInfo struct {
	Name, Region, Access string
}

// NodeStats counts a node's traffic.
type NodeStats struct {
	// BytesOut counts bytes put on the node's uplink, retransmissions included.
	BytesOut int64
	// BytesIn counts bytes of messages delivered to the node.
	BytesIn int64
	// MsgsOut counts messages the node sent (Send calls), MsgsIn messages delivered to it.
	MsgsOut, MsgsIn int64
	// Retransmits counts the node's retransmissions, Dropped the messages it gave up on after
	// MaxRetransmits retransmissions (their handlers are never called).
	Retransmits, Dropped int64
	// Partitioned counts the node's transmissions lost to a partition (Config.Faults), each
	// also counted as a retransmission or, for a message's last allowed transmission, leading
	// to a drop. Duplicated counts its transmissions that were delivered twice (the copy is
	// counted again in the receiver's MsgsIn and BytesIn), Reordered its transmissions held
	// back by Faults.ReorderDelay.
	Partitioned, Duplicated, Reordered int64
	// EpisodeLost counts the node's transmissions lost to a degradation episode (Faults.Episodes).
	EpisodeLost int64
}

func (s *NodeStats) add(o NodeStats) {
	s.BytesOut += o.BytesOut
	s.BytesIn += o.BytesIn
	s.MsgsOut += o.MsgsOut
	s.MsgsIn += o.MsgsIn
	s.Retransmits += o.Retransmits
	s.Dropped += o.Dropped
	s.Partitioned += o.Partitioned
	s.Duplicated += o.Duplicated
	s.Reordered += o.Reordered
	s.EpisodeLost += o.EpisodeLost
}

// Stream names: one per purpose, so that, say, a scenario without loss draws the same latencies
// whatever its loss stream would have produced. Faults have their own streams (faults.go).
const (
	latencyStream = "network/latency"
	lossStream    = "network/loss"
)

// link is an access type resolved for fast use by Send.
type link struct {
	name           string
	latency        Dist
	upBps, downBps int64 // bits per second; 0 = unlimited
	keep           float64
}

// node is what every transmission reads and writes of a node, in one 64-byte line: the
// network's hot loop touches a sender and a receiver per message among up to 100,000 nodes.
// The node's name and its rarer counters are kept apart (Network.infos, Network.rare).
type node struct {
	link     *link
	upFree   sim.Time // when the uplink finishes its queued transmissions
	downFree sim.Time // likewise for the downlink
	region   int32    // index into Network.rtt
	// NodeStats' BytesOut, BytesIn, MsgsOut and MsgsIn
	bytesOut, bytesIn, msgsOut, msgsIn int64
}

// message is one in-flight Send, pooled by its Network: 64 bytes, one cache line (a large
// room has millions in flight, each read at its arrival and its delivery).
type message struct {
	h        sim.Handler
	data     any
	size     int
	start    sim.Time // start of the current transmission
	kind     int32
	retries  int32 // retransmissions so far
	from, to NodeID
}

// Event kinds the Network schedules for itself.
const (
	evTimeout = iota + 1 // a lost transmission's retransmission timer expires
	evArrive             // a message reaches the receiver's downlink queue
	evDeliver            // a message is handed to its handler
)

// Network delivers messages between nodes in virtual time. It is a sim.Handler for its own
// internal events; it is not safe for concurrent use.
type Network struct {
	k        *sim.Kernel
	latRand  *rand.Rand
	lossRand *rand.Rand
	rtt      *rttTable
	links    []link
	linkIdx  map[string]int
	nodes    []node
	infos    []NodeInfo  // by node
	rare     []NodeStats // by node: the counters other than node's
	names    map[string]NodeID
	regions  []bool // regions in use by some node
	loss     float64
	rto      time.Duration
	maxRetx  int
	faults   faults
	free     []*message
	// payloadLook: SetPayloadLookahead
	payloadLook func(data any)
}

var _ sim.Handler = (*Network)(nil)

// New validates cfg and returns a Network on kernel k. Errors name the offending field.
func New(k *sim.Kernel, cfg Config) (*Network, error) {
	if k == nil {
		return nil, fmt.Errorf("network: nil kernel")
	}
	if !(cfg.Loss >= 0 && cfg.Loss <= 0.5) {
		return nil, fmt.Errorf("network: Config.Loss = %v, want 0 ≤ Loss ≤ 0.5", cfg.Loss)
	}
	if cfg.RetransmitTimeout <= 0 {
		return nil, fmt.Errorf("network: Config.RetransmitTimeout = %v, want > 0", cfg.RetransmitTimeout)
	}
	if cfg.MaxRetransmits < 0 {
		return nil, fmt.Errorf("network: Config.MaxRetransmits = %d, want ≥ 0", cfg.MaxRetransmits)
	}
	rtt, err := buildRTT(cfg.RTT)
	if err != nil {
		return nil, err
	}
	access := cfg.Access
	if access == nil {
		access = DefaultAccess()
	}
	if len(access) == 0 {
		return nil, fmt.Errorf("network: Config.Access is empty")
	}
	names := make([]string, 0, len(access))
	for name := range access {
		names = append(names, name)
	}
	slices.Sort(names)
	n := &Network{
		k:        k,
		latRand:  k.Stream(latencyStream),
		lossRand: k.Stream(lossStream),
		rtt:      rtt,
		links:    make([]link, len(names)),
		linkIdx:  make(map[string]int, len(names)),
		names:    make(map[string]NodeID),
		regions:  make([]bool, len(rtt.names)),
		loss:     cfg.Loss,
		rto:      cfg.RetransmitTimeout,
		maxRetx:  cfg.MaxRetransmits,
	}
	if n.maxRetx == 0 {
		n.maxRetx = DefaultMaxRetransmits
	}
	if n.faults, err = resolveFaults(cfg.Faults, rtt); err != nil {
		return nil, err
	}
	n.faults.dupRand = k.Stream(duplicateStream)
	n.faults.reorderRand = k.Stream(reorderStream)
	n.faults.extraRand = k.Stream(extraStream)
	n.faults.episodeRand = k.Stream(episodeStream)
	for i, name := range names {
		l, err := resolveAccess(name, access[name])
		if err != nil {
			return nil, err
		}
		n.links[i] = l
		n.linkIdx[name] = i
	}
	return n, nil
}

func buildRTT(overrides []RTTOverride) (*rttTable, error) {
	names := slices.Clone(builtinRegions)
	for i, o := range overrides {
		if o.A == "" || o.B == "" {
			return nil, fmt.Errorf("network: Config.RTT[%d]: region names A and B must be set", i)
		}
		if o.RTT < 0 {
			return nil, fmt.Errorf("network: Config.RTT[%d].RTT is negative (%v)", i, o.RTT)
		}
		for _, r := range [2]string{o.A, o.B} {
			if !slices.Contains(names, r) {
				names = append(names, r)
			}
		}
	}
	slices.Sort(names[len(builtinRegions):])
	t := newRTTTable(names)
	for _, e := range builtinRTT {
		t.set(t.index[e.A], t.index[e.B], e.RTT)
	}
	seen := make(map[[2]string]int, len(overrides))
	for i, o := range overrides {
		key := [2]string{min(o.A, o.B), max(o.A, o.B)}
		if j, dup := seen[key]; dup {
			return nil, fmt.Errorf("network: Config.RTT[%d] and Config.RTT[%d] both set %s–%s", j, i, key[0], key[1])
		}
		seen[key] = i
		t.set(t.index[o.A], t.index[o.B], o.RTT)
	}
	return t, nil
}

// rateBps converts a rate in Mbps to whole bits per second, rejecting rates that are negative,
// not finite, or so small they round to zero.
func rateBps(field string, mbps float64) (int64, error) {
	if !(mbps >= 0) || math.IsInf(mbps, 0) {
		return 0, fmt.Errorf("network: %s = %v, want a finite rate ≥ 0 (0 = unlimited)", field, mbps)
	}
	if mbps == 0 {
		return 0, nil
	}
	bps := math.Round(mbps * 1e6)
	if bps < 1 || bps > math.MaxInt64/2 {
		return 0, fmt.Errorf("network: %s = %v Mbps is out of range (1 bit/s to 4.6e12 Mbps)", field, mbps)
	}
	return int64(bps), nil
}

func resolveAccess(name string, a Access) (link, error) {
	field := fmt.Sprintf("Config.Access[%q]", name)
	if name == "" {
		return link{}, fmt.Errorf("network: Config.Access has an access type with an empty name")
	}
	if a.Latency == nil {
		return link{}, fmt.Errorf("network: %s.Latency is nil", field)
	}
	if !(a.Loss >= 0 && a.Loss <= 0.5) {
		return link{}, fmt.Errorf("network: %s.Loss = %v, want 0 ≤ Loss ≤ 0.5", field, a.Loss)
	}
	up, err := rateBps(field+".UplinkMbps", a.UplinkMbps)
	if err != nil {
		return link{}, err
	}
	down, err := rateBps(field+".DownlinkMbps", a.DownlinkMbps)
	if err != nil {
		return link{}, err
	}
	return link{name: name, latency: a.Latency, upBps: up, downBps: down, keep: 1 - a.Loss}, nil
}

// AddNode adds a node in the given region using the given access type and returns its ID.
// The region must be built in or named in Config.RTT, and must have a known RTT to the region
// of every node added so far.
func (n *Network) AddNode(name, region, access string) (NodeID, error) {
	if name == "" {
		return 0, fmt.Errorf("network: AddNode: empty node name")
	}
	if _, dup := n.names[name]; dup {
		return 0, fmt.Errorf("network: AddNode: node %q already exists", name)
	}
	r, ok := n.rtt.index[region]
	if !ok {
		return 0, fmt.Errorf("network: AddNode %q: unknown region %q (known: %s; add others with Config.RTT)",
			name, region, strings.Join(n.rtt.names, ", "))
	}
	li, ok := n.linkIdx[access]
	if !ok {
		known := make([]string, len(n.links))
		for i := range n.links {
			known[i] = n.links[i].name
		}
		return 0, fmt.Errorf("network: AddNode %q: unknown access type %q (known: %s)",
			name, access, strings.Join(known, ", "))
	}
	for other, used := range n.regions {
		if used && n.rtt.at(r, other) < 0 {
			return 0, fmt.Errorf("network: AddNode %q: no RTT between regions %q and %q (add a Config.RTT entry)",
				name, region, n.rtt.names[other])
		}
	}
	if len(n.nodes) == math.MaxInt32 {
		return 0, fmt.Errorf("network: AddNode %q: too many nodes", name)
	}
	id := NodeID(len(n.nodes))
	n.nodes = append(n.nodes, node{region: int32(r), link: &n.links[li]})
	n.infos = append(n.infos, NodeInfo{Name: name, Region: region, Access: access})
	n.rare = append(n.rare, NodeStats{})
	n.names[name] = id
	n.regions[r] = true
	n.faults.place(name, r)
	return id, nil
}

// Node describes node id. It panics if id was not returned by AddNode.
func (n *Network) Node(id NodeID) NodeInfo { return n.infos[id] }

// Stats returns node id's counters. It panics if id was not returned by AddNode.
func (n *Network) Stats(id NodeID) NodeStats {
	s, nd := n.rare[id], &n.nodes[id]
	s.BytesOut, s.BytesIn, s.MsgsOut, s.MsgsIn = nd.bytesOut, nd.bytesIn, nd.msgsOut, nd.msgsIn
	return s
}

// Totals returns the counters summed over all nodes.
func (n *Network) Totals() NodeStats {
	var t NodeStats
	for i := range n.nodes {
		t.add(n.Stats(NodeID(i)))
	}
	return t
}

// serialise returns the time to put size bytes on a link of bps bits per second,
// ⌈size·8·10⁹ / bps⌉ ns, computed exactly in 128-bit integer arithmetic; 0 if bps is 0.
func serialise(size int, bps int64) time.Duration {
	if bps == 0 || size == 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(size)*8, 1e9)
	if hi >= uint64(bps) {
		panic(fmt.Sprintf("network: serialising %d bytes at %d bit/s overflows", size, bps))
	}
	q, rem := bits.Div64(hi, lo, uint64(bps))
	if rem != 0 {
		q++
	}
	if q > math.MaxInt64 {
		panic(fmt.Sprintf("network: serialising %d bytes at %d bit/s overflows", size, bps))
	}
	return time.Duration(q)
}

// Send sends a message of size bytes from one node to another. When (and if) it arrives, h
// receives sim.Event{At: arrival, H: h, Kind: kind, Data: data} — twice if Config.Faults
// duplicates it; the delivery model is in the package documentation. Send panics on an unknown
// node, a negative size or a nil handler, and the first Send panics if a partition selector
// names a node that has not been added (see ValidateFaults).
func (n *Network) Send(from, to NodeID, size int, h sim.Handler, kind int, data any) {
	if int(from) >= len(n.nodes) || int(to) >= len(n.nodes) || from < 0 || to < 0 {
		panic(fmt.Sprintf("network: Send(%d → %d): unknown node", from, to))
	}
	if size < 0 || size > math.MaxInt64/8 {
		panic(fmt.Sprintf("network: Send: invalid size %d", size))
	}
	if h == nil {
		panic("network: Send: nil handler")
	}
	if kind != int(int32(kind)) {
		panic(fmt.Sprintf("network: Send: event kind %d out of range", kind))
	}
	if !n.faults.checked {
		if err := n.ValidateFaults(); err != nil {
			panic(err.Error())
		}
		n.faults.checked = true
	}
	m := n.get()
	*m = message{h: h, data: data, kind: int32(kind), size: size, from: from, to: to}
	n.nodes[from].msgsOut++
	n.transmit(m, n.k.Now())
}

// transmit starts (re)transmission of m no earlier than at.
func (n *Network) transmit(m *message, at sim.Time) {
	src, dst := &n.nodes[m.from], &n.nodes[m.to]
	start := max(at, src.upFree)
	sent := start.Add(serialise(m.size, src.link.upBps))
	src.upFree = sent
	src.bytesOut += int64(m.size)
	m.start = start
	if len(n.faults.parts) > 0 && n.faults.cut(m.from, m.to, start) {
		n.rare[m.from].Partitioned++
		n.k.Schedule(start.Add(n.rto), n, evTimeout, m)
		return
	}
	if pLoss := 1 - src.link.keep*dst.link.keep*(1-n.loss); pLoss > 0 && n.lossRand.Float64() < pLoss {
		n.k.Schedule(start.Add(n.rto), n, evTimeout, m)
		return
	}
	var slow time.Duration
	if len(n.faults.episodes) > 0 {
		var lost bool
		if lost, slow = n.episode(m.from, m.to, start); lost {
			n.rare[m.from].EpisodeLost++
			n.k.Schedule(start.Add(n.rto), n, evTimeout, m)
			return
		}
	}
	rtt2 := n.rtt.at(int(src.region), int(dst.region)) / 2
	prop := n.sample(src.link.latency, n.latRand) + rtt2 + n.sample(dst.link.latency, n.latRand) + slow
	if !n.faults.perturbs || !n.faults.inScope(m.from, m.to) {
		n.arrive(m, dst, sent.Add(prop))
		return
	}
	prop, dup, dupProp := n.perturb(m, src, dst, prop, rtt2)
	n.arrive(m, dst, sent.Add(prop))
	if dup != nil {
		n.arrive(dup, dst, sent.Add(dupProp))
	}
}

// arrive schedules m's arrival at the receiver dst: straight to delivery when dst's downlink
// is unlimited, otherwise into its downlink queue.
func (n *Network) arrive(m *message, dst *node, at sim.Time) {
	if dst.link.downBps == 0 {
		n.k.Schedule(at, n, evDeliver, m)
	} else {
		n.k.Schedule(at, n, evArrive, m)
	}
}

// sample draws from d using stream r, panicking on a negative draw.
func (n *Network) sample(d Dist, r *rand.Rand) time.Duration {
	v := d.Sample(r)
	if v < 0 {
		panic(fmt.Sprintf("network: %v sampled a negative latency %v", d, v))
	}
	return v
}

// Handle runs the Network's internal stage events. It is exported only to satisfy sim.Handler.
func (n *Network) Handle(k *sim.Kernel, ev sim.Event) {
	m := ev.Data.(*message)
	switch ev.Kind {
	case evTimeout:
		src := &n.rare[m.from]
		if int(m.retries) >= n.maxRetx {
			src.Dropped++
			h, kind, data := m.h, int(m.kind), m.data
			n.put(m)
			if d, ok := h.(Dropper); ok {
				d.Dropped(k, kind, data)
			}
			return
		}
		m.retries++
		src.Retransmits++
		n.transmit(m, k.Now())
	case evArrive:
		dst := &n.nodes[m.to]
		start := max(k.Now(), dst.downFree)
		dst.downFree = start.Add(serialise(m.size, dst.link.downBps))
		k.Schedule(dst.downFree, n, evDeliver, m)
	case evDeliver:
		dst := &n.nodes[m.to]
		dst.msgsIn++
		dst.bytesIn += int64(m.size)
		h, kind, data := m.h, int(m.kind), m.data
		n.put(m)
		h.Handle(k, sim.Event{At: k.Now(), H: h, Kind: kind, Data: data})
	default:
		panic(fmt.Sprintf("network: unexpected event kind %d", ev.Kind))
	}
}

func (n *Network) get() *message {
	if last := len(n.free) - 1; last >= 0 {
		m := n.free[last]
		n.free[last] = nil
		n.free = n.free[:last]
		return m
	}
	return new(message)
}

func (n *Network) put(m *message) {
	*m = message{} // drop the handler and payload references
	n.free = append(n.free, m)
}

// Lookahead prefetches, in stages, what handling ev (one of the Network's own events, ahead
// events from now; see sim.Kernel.SetLookahead) will read: the in-flight message three events
// ahead, its receiver's node and its payload two ahead, and one ahead, for a delivery, what
// the payload's own lookahead asks for (SetPayloadLookahead). Events of other handlers are
// ignored. It changes nothing.
func (n *Network) Lookahead(ahead int, ev *sim.Event) {
	m, ok := ev.Data.(*message)
	if !ok || ev.H != sim.Handler(n) {
		return
	}
	switch ahead {
	case 3:
		prefetch.Line(unsafe.Pointer(m))
	case 2:
		prefetch.Line(unsafe.Pointer(&n.nodes[m.to]))
		prefetch.Line((*[2]unsafe.Pointer)(unsafe.Pointer(&m.data))[1]) // the payload's pointer
	case 1:
		if ev.Kind == evDeliver && n.payloadLook != nil {
			n.payloadLook(m.data)
		}
	}
}

// SetPayloadLookahead sets the function Lookahead calls one event before a message is
// delivered, with its payload (the data given to Send), to prefetch what the payload's handler
// will read; it must change nothing.
func (n *Network) SetPayloadLookahead(f func(data any)) { n.payloadLook = f }
