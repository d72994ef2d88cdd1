// Package network models how long messages take between the nodes of a simulation: clients on
// last-mile access links and servers in cloud regions joined by an inter-region RTT table.
//
// # Nodes, regions and access types
//
// A node sits in a region (RegionRTT gives the built-in round-trip table; Config.RTT overrides
// entries or adds regions) and uses an access type (DefaultAccess gives wired, wifi, lte, 5g
// and datacenter; Config.Access replaces the set). An access type has a one-way last-mile
// latency distribution (a Dist), uplink and downlink rates, and a loss probability. The
// published sources behind the built-in figures, and which parameters are judgements, are
// listed in the doc comments of RegionRTT and DefaultAccess and in SOURCES.md.
//
// # Delivery model
//
// Send(from, to, size, h, kind, data) at virtual time now runs these steps, all in integer
// nanoseconds. For a node x, up(x) and down(x) are its access type's rates in bits per second
// (round(Mbps·10⁶); 0 = unlimited), lat(x) a draw from its latency Dist, loss(x) its loss
// probability; upFree(x) and downFree(x) are the instants its uplink and downlink become idle
// (initially 0). Serialisation of size bytes at rate b takes
//
//	ser(size, b) = ⌈size·8·10⁹ / b⌉ ns   (exact integer arithmetic; 0 when b is unlimited)
//
// 1. Uplink, FIFO. Transmission i (i = 0 for the first, t₀ = now) asks for the uplink at tᵢ:
//
//	startᵢ = max(tᵢ, upFree(from))
//	sentᵢ  = startᵢ + ser(size, up(from));  upFree(from) = sentᵢ
//
// 2. Loss. The transmission is lost with probability
//
//	p = 1 − (1 − loss(from))·(1 − loss(to))·(1 − Config.Loss)
//
// (one draw from the "network/loss" stream, made only when p > 0). A lost transmission is
// sent again at tᵢ₊₁ = startᵢ + RetransmitTimeout, going back to step 1 and occupying the uplink
// again, for at most MaxRetransmits retransmissions; when the last one is lost too, the message
// is dropped at its startᵢ + RetransmitTimeout, counted in the sender's Stats.Dropped, and h is
// never called.
//
// 3. Propagation of a transmission that is not lost, with two fresh last-mile draws (one per
// end, from the "network/latency" stream, sender's first):
//
//	arrival = sentᵢ + lat(from) + RTT(region(from), region(to))/2 + lat(to)
//
// where RTT/2 is integer division of nanoseconds.
//
// 4. Downlink, FIFO in order of arrival:
//
//	dstart    = max(arrival, downFree(to))
//	delivered = dstart + ser(size, down(to));  downFree(to) = delivered
//
// and h receives sim.Event{At: delivered, H: h, Kind: kind, Data: data} at delivered.
//
// Serialisation is store-and-forward: the downlink starts when the whole message has arrived,
// as when a server relays it. With constant latencies, unlimited rates and no loss, a message
// sent at now is delivered at exactly now + lat(from) + RTT/2 + lat(to); after k
// retransmissions (rates unlimited) at exactly that plus k·RetransmitTimeout.
//
// # Determinism and cost
//
// Randomness comes only from the kernel's named streams "network/latency" and "network/loss";
// the Network reads no clock, starts no goroutine and never iterates a map where order matters.
// In-flight messages live in a free list owned by the Network, which is the sim.Handler of its
// own stage events, so that Send allocates nothing once the pool and the kernel's queue have
// grown to their working size. A message costs one kernel event when the receiver's downlink is
// unlimited, two otherwise, plus one per lost transmission.
package network
