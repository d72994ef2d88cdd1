package mimi

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/sim"
)

// Recovery turns on the machinery that lets providers and clients survive lost messages and
// provider crashes (Config.Recovery, client.Config.Retry). Without it a provider behaves, and
// sends, exactly as before recovery existed.
//
// What a provider keeps across a crash (durable, as a database would) and what it loses:
//
//   - kept: the rooms (participant list, epoch, hub sequence number); the digests of the
//     commits and messages it accepted with their answers (so a retried request is answered
//     again, not accepted twice); the fan-out still owed: every notify not yet acknowledged by
//     its follower and every delivery not yet acknowledged by its client, and the events of a
//     batch not yet sent; deliveries parked for offline clients; the KeyPackages in stock and
//     which one each claim got; a follower's position in each hub stream (the last notify it
//     applied). These are the things the provider promised: it answered "accepted" or "ok".
//   - lost: the request queue and the requests being served, relayed requests waiting for the
//     hub's answer, notifies held for in-order application but not yet applied (and so not
//     acknowledged), timers, and every connection (messages in flight to or from it).
//
// A provider that is down answers nothing: what reaches it is dropped. After a restart it
// answers every request with Retry-After for Recovery.RetryAfter (it is reloading its state),
// then serves normally; meanwhile it resends everything owed.
type Recovery struct {
	// Timeout is how long a notify or delivery waits for its acknowledgement before it is sent
	// again; > 0. Later attempts back off: Timeout·2^k, capped at BackoffMax, with equal
	// jitter (a uniform draw in [d/2, d]).
	Timeout    time.Duration
	BackoffMax time.Duration
	// RetryAfter is how long after a restart the provider answers requests with Retry-After.
	RetryAfter time.Duration
	// MaxQueue, when > 0, makes an overloaded provider shed load: a request (keyMaterial,
	// update, submitMessage, notify) that finds MaxQueue requests waiting is not queued but
	// answered at once with Retry-After, the time the queue needs to drain at the provider's
	// request cost (at least Timeout/10). 0: the queue is unbounded.
	MaxQueue int
	// Rand draws the jitter; one stream per provider.
	Rand *rand.Rand
}

// FaultStats counts a provider's recovery work (Stats.Faults).
type FaultStats struct {
	Crashes         uint64        // crashes
	DownNs          time.Duration // time spent down (completed outages)
	LostWhileDown   uint64        // packets that reached the provider while it was down
	LostRequests    uint64        // queued or in-service requests lost to crashes
	Retries         uint64        // notifies and deliveries sent again
	DuplicatesDrop  uint64        // retried requests answered from the record, and duplicate notifies dropped
	RetryAfterSent  uint64        // requests answered with Retry-After (warming up or shedding)
	Shed            uint64        // requests refused because the queue was full (Recovery.MaxQueue)
	RetryAfterHeeds uint64        // Retry-After answers from peers honoured (hub: for notifies)
}

// reliable is one provider-to-peer stream of notifies (hub → follower) or deliveries
// (provider → client) that is kept until acknowledged and sent again on a timeout.
type reliable struct {
	to       network.NodeID
	log      []logged
	attempts int
	gen      uint64 // bumped to invalidate a pending timer
	armed    bool
}

type logged struct {
	seq    uint64 // link_seq
	reqID  uint64 // notify: its request id (acknowledgements carry it); delivery: 0
	msg    any
	sentAt sim.Time
}

type retryTimer struct {
	r     *reliable
	gen   uint64
	force bool // resend when it fires (the end of a Retry-After wait)
}

const kindRetry = 4

// acceptedRecord is the hub's record of an accepted commit or message, to answer a retried request.
type acceptedRecord struct {
	epoch      uint64
	acceptedNs int64
}

// Crash takes the provider down (see Recovery for what it keeps). It panics without Recovery.
func (p *Provider) Crash() {
	if p.rec == nil {
		panic("mimi: Crash needs Config.Recovery")
	}
	if p.down {
		return
	}
	p.down = true
	p.downAt = p.k.Now()
	p.stats.Faults.Crashes++
	p.stats.Faults.LostRequests += uint64(p.busy + len(p.queue))
	p.inc++ // service completions of the old incarnation are ignored
	p.busy = 0
	clear(p.queue)
	p.queue = p.queue[:0]
	clear(p.applied) // requests admitted before the crash are lost, held or not
	clear(p.forwarded)
	for _, o := range p.notifies {
		o.held = nil // not applied, not acknowledged: the hub sends them again
	}
	for _, r := range p.streams {
		r.gen++
		r.armed = false
	}
	for _, ob := range p.outbox {
		ob.gen++ // the batch timer is lost; the events are kept and sent on restart
	}
	p.wire.ResetNode(p.node)
}

// Restart brings a crashed provider back: it resends every notify and delivery still owed,
// sends the batches that were waiting, and answers requests with Retry-After for
// Recovery.RetryAfter.
func (p *Provider) Restart() {
	if !p.down {
		return
	}
	p.down = false
	now := p.k.Now()
	p.stats.Faults.DownNs += now.Sub(p.downAt)
	p.warmUntil = now.Add(p.rec.RetryAfter)
	for _, r := range p.streams {
		p.resend(r)
	}
	peers := make([]network.NodeID, 0, len(p.outbox))
	for peer := range p.outbox {
		peers = append(peers, peer)
	}
	slices.Sort(peers)
	for _, peer := range peers {
		p.flush(p.outbox[peer])
	}
}

// Down reports whether the provider is crashed.
func (p *Provider) Down() bool { return p.down }

// stream returns the reliable stream to a peer, creating it.
func (p *Provider) stream(to network.NodeID) *reliable {
	r := p.streamOf[to]
	if r == nil {
		r = &reliable{to: to}
		p.streamOf[to] = r
		p.streams = append(p.streams, r)
	}
	return r
}

// sendReliable sends a notify or delivery and keeps it until acknowledged.
func (p *Provider) sendReliable(to network.NodeID, seq, reqID uint64, m any) {
	r := p.stream(to)
	r.log = append(r.log, logged{seq: seq, reqID: reqID, msg: m, sentAt: p.k.Now()})
	if p.down {
		return // kept; sent on restart
	}
	p.send(to, m)
	if !r.armed {
		p.arm(r, p.rec.Timeout)
	}
}

func (p *Provider) arm(r *reliable, d time.Duration) {
	r.gen++
	r.armed = true
	p.k.After(d, p, kindRetry, &retryTimer{r: r, gen: r.gen})
}

// backoff is the wait before attempt k+1 of a stream: Timeout·2^k capped at BackoffMax, with
// equal jitter.
func (p *Provider) backoff(k int) time.Duration {
	d := p.rec.Timeout << min(k, 30)
	if d > p.rec.BackoffMax || d <= 0 {
		d = p.rec.BackoffMax
	}
	return d/2 + time.Duration(p.rec.Rand.Int64N(int64(d/2)+1))
}

// retry handles a stream's timer: it resends what is unacknowledged if the oldest entry has
// waited long enough, and re-arms.
func (p *Provider) retry(t *retryTimer) {
	r := t.r
	if t.gen != r.gen || p.down {
		return
	}
	r.armed = false
	if len(r.log) == 0 {
		r.attempts = 0
		return
	}
	if t.force {
		p.resend(r)
		return
	}
	due := r.log[0].sentAt.Add(p.backoff(r.attempts))
	if r.attempts == 0 {
		due = r.log[0].sentAt.Add(p.rec.Timeout)
	}
	if now := p.k.Now(); now < due {
		p.arm(r, due.Sub(now))
		return
	}
	r.attempts++
	p.resend(r)
}

// resend sends every unacknowledged entry of a stream again and arms its timer.
func (p *Provider) resend(r *reliable) {
	if len(r.log) == 0 {
		return
	}
	now := p.k.Now()
	for i := range r.log {
		p.stats.Faults.Retries++
		r.log[i].sentAt = now
		p.send(r.to, r.log[i].msg)
	}
	p.arm(r, p.backoff(r.attempts))
}

// acked drops the entries of a stream up to and including index i.
func (r *reliable) acked(i int) {
	clear(r.log[:i+1])
	r.log = r.log[i+1:]
	r.attempts = 0
}

// notifyAcked handles a follower's acknowledgement of a notify.
func (p *Provider) notifyAcked(from network.NodeID, reqID uint64) {
	r := p.streamOf[from]
	if r == nil {
		return
	}
	for i := range r.log {
		if r.log[i].reqID == reqID {
			r.acked(i)
			return
		}
	}
}

// deliverAcked handles a client's acknowledgement of its deliveries up to seq.
func (p *Provider) deliverAcked(from network.NodeID, seq uint64) {
	r := p.streamOf[from]
	if r == nil {
		return
	}
	i := -1
	for i+1 < len(r.log) && r.log[i+1].seq <= seq {
		i++
	}
	if i >= 0 {
		r.acked(i)
	}
}

// retryAfter handles a Retry-After answer to one of our notifies: the stream waits, then sends
// everything again.
func (p *Provider) retryAfter(from network.NodeID, m *RetryAfter) {
	if _, ok := p.forwarded[m.ReqID]; ok {
		p.relay(m.ReqID, func(id uint64) any { r := *m; r.ReqID = id; return &r })
		return
	}
	r := p.streamOf[from]
	if r == nil || len(r.log) == 0 {
		return
	}
	p.stats.Faults.RetryAfterHeeds++
	r.attempts = 0
	r.gen++
	r.armed = true
	p.k.After(time.Duration(m.RetryAfterNs), p, kindRetry, &retryTimer{r: r, gen: r.gen, force: true})
}

// requestID returns the request id of m, and false if m is not a request that Retry-After may
// answer (warming and shed answer the same set).
func requestID(m any) (uint64, bool) {
	switch m := m.(type) {
	case *KeyMaterialRequest:
		return m.ReqID, true
	case *UpdateRequest:
		return m.ReqID, true
	case *SubmitMessageRequest:
		return m.ReqID, true
	case *ProposeRequest:
		return m.ReqID, true
	case *NotifyRequest:
		return m.ReqID, true
	}
	return 0, false
}

// warming reports whether the provider answers requests with Retry-After now, and answers req.
func (p *Provider) warming(from network.NodeID, m any) bool {
	if p.rec == nil || p.k.Now() >= p.warmUntil {
		return false
	}
	id, ok := requestID(m)
	if !ok {
		return false
	}
	p.stats.Faults.RetryAfterSent++
	p.send(from, &RetryAfter{ReqID: id, RetryAfterNs: int64(p.warmUntil.Sub(p.k.Now()))})
	return true
}

// shed answers a request that finds the queue full with Retry-After instead of queueing it; it
// reports false (queue it) for anything that is not a request. Answering costs no core time:
// it stands for a front end's 503.
func (p *Provider) shed(pkt *Packet) bool {
	m, err := p.wire.DecodePacket(pkt)
	if err != nil {
		return false
	}
	id, ok := requestID(m)
	if !ok {
		return false
	}
	drain := time.Duration(len(p.queue)) * p.cfg.RequestCost / time.Duration(p.cfg.Cores)
	p.stats.Faults.Shed++
	p.stats.Faults.RetryAfterSent++
	p.send(pkt.From, &RetryAfter{ReqID: id, RetryAfterNs: int64(max(drain, p.rec.Timeout/10))})
	return true
}

// digest identifies a commit or message for idempotence: a retried request carries the same
// MLS bytes, which no other request can (they hold a fresh generation or path secret).
func digest(kind byte, sender string, epoch uint64, parts ...[]byte) uint64 {
	h := fnv.New64a()
	h.Write([]byte{kind})
	h.Write([]byte(sender))
	var e [8]byte
	for i := range e {
		e[i] = byte(epoch >> (8 * i))
	}
	h.Write(e[:])
	for _, b := range parts {
		h.Write(b)
	}
	return h.Sum64()
}
