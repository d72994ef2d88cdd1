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
// 2. Partition (only with Config.Faults.Partitions; no random draw). The transmission is lost
// if cut(from, to, startᵢ), where
//
//	cut(a, b, t) = ∃ partition P:  P.From ≤ t < P.To  ∧
//	               ( side_P(a) = A ∧ side_P(b) = B  ∨  ¬P.OneWay ∧ side_P(a) = B ∧ side_P(b) = A )
//
// (sides are defined on Partition). It is counted in the sender's Stats.Partitioned and then
// handled exactly like a transmission lost in step 3: no loss draw is made for it.
//
// 3. Loss. The transmission is lost with probability
//
//	p = 1 − (1 − loss(from))·(1 − loss(to))·(1 − Config.Loss)
//
// (one draw from the "network/loss" stream, made only when p > 0). A lost transmission is
// sent again at tᵢ₊₁ = startᵢ + RetransmitTimeout, going back to step 1 and occupying the uplink
// again, for at most MaxRetransmits retransmissions; when the last one is lost too, the message
// is dropped at its startᵢ + RetransmitTimeout, counted in the sender's Stats.Dropped, and h is
// never called.
//
// 4. Propagation of a transmission that is not lost, with two fresh last-mile draws (one per
// end, from the "network/latency" stream, sender's first), and the fault terms X and H:
//
//	arrival = sentᵢ + lat(from) + RTT(region(from), region(to))/2 + lat(to) + X + H
//
// where RTT/2 is integer division of nanoseconds. X is a draw from Faults.ExtraDelay (stream
// "network/faults/delay"; X = 0 when ExtraDelay is nil). H is the reorder hold-back: one
// uniform u from "network/faults/reorder" (drawn only when Faults.Reorder > 0), and
//
//	H = a draw from Faults.ReorderDelay (same stream, after u)   if u < Faults.Reorder
//	H = 0                                                        otherwise
//
// a held-back transmission being counted in the sender's Stats.Reordered. Then, when
// Faults.Duplicate > 0, one uniform v from "network/faults/duplicate"; if v < Faults.Duplicate
// the transmission is duplicated (counted in the sender's Stats.Duplicated): a copy leaves at
// sentᵢ with its own draws, all from "network/faults/duplicate", in this order,
//
//	arrival′ = sentᵢ + lat′(from) + RTT/2 + lat′(to) + X′
//
// where X′ is a draw from Faults.ExtraDelay (0 when nil). The copy does not occupy the uplink,
// is never held back, duplicated or retransmitted, and is scheduled after the original (so at
// an equal arrival it is queued second). Both go through step 5.
//
// 5. Downlink, FIFO in order of arrival:
//
//	dstart    = max(arrival, downFree(to))
//	delivered = dstart + ser(size, down(to));  downFree(to) = delivered
//
// and h receives sim.Event{At: delivered, H: h, Kind: kind, Data: data} at delivered, counted
// in the receiver's Stats.MsgsIn and BytesIn (a duplicate is received and counted twice).
//
// Serialisation is store-and-forward: the downlink starts when the whole message has arrived,
// as when a server relays it. With constant latencies, unlimited rates and no loss, a message
// sent at now is delivered at exactly now + lat(from) + RTT/2 + lat(to); after k
// retransmissions (rates unlimited) at exactly that plus k·RetransmitTimeout.
//
// # Faults
//
// Config.Faults adds the fault terms above; all of them are zero by default, and a Network
// without faults makes the same draws, and delivers at the same instants, as one built before
// faults existed. Faults apply to every transmission, retransmissions included, and are
// decided when the transmission starts (a partition that opens while a message is in flight
// does not touch it). Consequences, with constant latencies and unlimited rates:
//
//   - Extra delay: a constant ExtraDelay d delays every delivery by exactly d.
//   - Partition: a message sent at now, inside a window [F, T) that cuts its link, is
//     transmitted at now + i·RetransmitTimeout; with k = ⌈(T − now) / RetransmitTimeout⌉ (the
//     first retransmission at or after T) it is delivered at exactly
//     now + k·RetransmitTimeout + lat(from) + RTT/2 + lat(to) if k ≤ MaxRetransmits, and
//     otherwise dropped at now + (MaxRetransmits + 1)·RetransmitTimeout with
//     MaxRetransmits + 1 transmissions counted in Stats.Partitioned.
//   - Reorder: a held-back message is delivered H later than it would have been, so messages
//     sent up to H after it can be delivered before it.
//
// The network does not deduplicate and does not restore order: with Duplicate > 0 a handler
// receives some messages twice (same Kind and Data), and with Reorder > 0, ExtraDelay or random
// latencies a receiver sees messages out of send order. Upper layers (MIMI followers, clients)
// must deduplicate and reorder themselves.
//
// Faults.Scope limits duplication, reordering and extra delay to core links (both ends match
// Faults.Core) or access links (at least one end does not); ScopeAll, the default, applies them
// everywhere. Network.AddPartition adds a partition while the network runs (a world schedules
// a scenario's partitions from the start of its measurement window). When a message is dropped
// after MaxRetransmits, a handler that implements Dropper is told, so a transport can break the
// connection as TCP does.
//
// Faults.Episodes (and Network.AddEpisode) degrade the links of a scope during a window: a
// transmission starting inside it, after it got past the link's own loss, draws a uniform u
// from "network/faults/episodes" and is lost (counted in Stats.EpisodeLost, retransmitted
// like any loss) if u < Loss; otherwise its propagation delay grows by a draw from Delay (same
// stream). Transmissions outside every episode draw nothing.
//
// Partition selectors naming regions are checked by New; those naming nodes can only be
// checked once the nodes exist, by Network.ValidateFaults, which the first Send runs (and
// panics on failure). Config.ValidateFaults checks both against a list of node names before
// any Network is built. Network.Partitioned answers cut(a, b, t) for tests and invariant
// reports.
//
// # Determinism and cost
//
// Randomness comes only from the kernel's named streams "network/latency" and "network/loss",
// and, for faults, "network/faults/delay", "network/faults/reorder" and
// "network/faults/duplicate" (one per fault, so that enabling one fault changes no other's
// draws; a fault-free scenario draws nothing from them); the Network reads no clock, starts no goroutine and never iterates a map where order matters.
// In-flight messages live in a free list owned by the Network, which is the sim.Handler of its
// own stage events, so that Send allocates nothing once the pool and the kernel's queue have
// grown to their working size. A message costs one kernel event when the receiver's downlink is
// unlimited, two otherwise, plus one per lost transmission (partitions included), and as much
// again for a duplicate.
package network
