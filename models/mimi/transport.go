package mimi

import (
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/mimisim/mimisim/internal/prefetch"
	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/sim"
)

// KindPacket is the sim event kind of a message arriving from the network; its Data is a
// *Packet.
const KindPacket = 1

// Packet is one encoded message in flight. Seq numbers the packets of one connection (a
// directed pair of nodes) from 1; it belongs to the transport, not to the encoded body.
type Packet struct {
	From, To network.NodeID
	Seq      uint64
	Body     []byte
	// Shared holds the large byte vectors of the message, passed by reference
	// (EncodeShared); their bytes count on the network as if they were in Body.
	Shared [][]byte
	// Len is the size of the whole encoded message (Body plus the shared vectors).
	Len int
	// Msg, when not nil, is the message itself, sent by reference to a receiver that takes
	// decoded messages (Wire.Send); Body is then empty and Len its exact encoded size.
	Msg  any
	conn *conn
	ref  *deliverRef // the memory of a Deliver sent by reference (SendDeliver), for Release
}

// DecodedReceiver is implemented by handlers that may be handed a Deliver as a value instead
// of its encoding: the lab's clients (a modelled one parses nothing; a real one hands the
// sender's MLS bytes in it to its engine). They are charged the exact encoded size on the
// network all the same. The Directory asks once, when
// the handler is registered: the answer must not change afterwards.
type DecodedReceiver interface {
	TakesDecoded() bool
}

// Directory maps network nodes to the objects that receive their packets, and provider names to
// nodes. The world fills it before the run; it never changes during a run.
type Directory struct {
	handlers  []sim.Handler
	decoded   []bool // by node: its handler takes decoded messages (DecodedReceiver)
	providers map[string]network.NodeID
}

// NewDirectory returns an empty directory.
func NewDirectory() *Directory {
	return &Directory{providers: make(map[string]network.NodeID)}
}

// Register records the handler of node id.
func (d *Directory) Register(id network.NodeID, h sim.Handler) {
	for int(id) >= len(d.handlers) {
		d.handlers = append(d.handlers, nil)
		d.decoded = append(d.decoded, false)
	}
	d.handlers[id] = h
	r, ok := h.(DecodedReceiver)
	d.decoded[id] = ok && r.TakesDecoded()
}

// RegisterProvider records the node of a provider by name.
func (d *Directory) RegisterProvider(name string, id network.NodeID) { d.providers[name] = id }

// Provider returns the node of the named provider.
func (d *Directory) Provider(name string) (network.NodeID, bool) {
	id, ok := d.providers[name]
	return id, ok
}

// Handler returns the handler of node id.
func (d *Directory) Handler(id network.NodeID) sim.Handler { return d.handlers[id] }

// Domain returns the provider part of a client identifier "name@provider", as in MIMI's
// provider-qualified identifiers.
func Domain(client string) string {
	if i := strings.LastIndexByte(client, '@'); i >= 0 {
		return client[i+1:]
	}
	return ""
}

// ClientID returns the identifier of client n of a provider.
func ClientID(provider string, n int) string { return fmt.Sprintf("c%03d@%s", n, provider) }

// Wire sends encoded messages over the network to registered handlers, and lets observers see
// every message a node receives.
//
// Each directed pair of nodes is one connection with in-order delivery, as one TLS connection
// over TCP or one QUIC stream gives: the network draws each message's delay independently, and
// a message that arrives before an earlier one of the same connection waits for it (head-of-line
// blocking) before it is handed to the receiver.
type Wire struct {
	Net *network.Network
	Dir *Directory
	// Tap, when set, is called with every message body as it is sent (tests use it to check
	// what providers see); a message with shared vectors (EncodeShared) is shown as its body
	// and then each new shared vector (see tap).
	Tap func(from, to network.NodeID, body []byte)
	// TapRef, when set, is called instead of Tap for a Deliver sent by reference (see Send):
	// with its exact encoded size and those of its byte vectors (payloads, handshakes) not
	// shown among the last 16 distinct ones. Without it, such a Deliver is encoded for Tap.
	TapRef func(from, to network.NodeID, size int, vectors [][]byte)
	// Recycle lets receivers hand the memory of a Deliver sent by reference back (Release) for
	// the next one. Only where the network never delivers a packet twice and nothing keeps a
	// Deliver after handling it (the world sets it for runs without faults or a hostile
	// follower).
	Recycle bool
	free    []*deliverRef

	conns [][]*conn // by sending node, then receiving node (node ids are dense from 0)
	// HeadOfLine counts messages that arrived before an earlier one of their connection and
	// waited for it.
	HeadOfLine uint64
	// Recover makes a connection break when the network gives up on one of its messages (see
	// Dropped); without it the connection waits for the lost message for ever.
	Recover bool
	// Duplicates counts copies of messages already handed over (network duplication), dropped.
	Duplicates uint64
	// Broken counts connections broken by the network giving up on a message, or by ResetNode;
	// Lost counts the messages of broken connections dropped on arrival.
	Broken, Lost uint64

	names Interner
	// shownShared remembers the last shared (large) vectors shown to Tap (see tap), shownRef the
	// last vectors of Delivers sent by reference shown to TapRef (tapRef). Two rings, so that a
	// fan-out of small messages does not push a large vector out and have it counted again.
	shownShared, shownRef shown
}

// shown is a ring of the last 16 distinct vectors shown to the tap.
type shown struct {
	ring [16]struct {
		p *byte
		n int
	}
	next int
}

// tap shows a sent message to Tap: the body and then each of its shared vectors as separate
// byte strings (a byte vector is never split between them). A shared vector is one large value
// sent to many recipients; Tap sees it the first time only (among the last 16 distinct ones), so
// that an observer scanning every byte does not rescan a multi-megabyte commit per recipient.
func (w *Wire) tap(from, to network.NodeID, body []byte, shared [][]byte) {
	w.Tap(from, to, body)
	for _, v := range shared {
		if w.shownShared.fresh(v) {
			w.Tap(from, to, v)
		}
	}
}

// Decode decodes a message received over the Wire, sharing decoded names between receivers.
// A nil Wire decodes without sharing.
func (w *Wire) Decode(b []byte) (any, error) {
	if w == nil {
		return Decode(b)
	}
	return DecodeInterned(b, &w.names)
}

// DecodePacket decodes a packet received over the Wire (its body and shared vectors), or
// returns the message it carries by reference.
func (w *Wire) DecodePacket(p *Packet) (any, error) {
	if p.Msg != nil {
		return p.Msg, nil
	}
	if w == nil {
		return DecodeShared(p.Body, p.Shared, nil)
	}
	return DecodeShared(p.Body, p.Shared, &w.names)
}

// conn is the state of one directed connection.
type conn struct {
	sent, next uint64
	// held is a ring of a power-of-two length (or empty): held[(head+i)&(len-1)] is the
	// packet of sequence number next+i that arrived before next, or nil; the entry of next
	// itself is always nil (that packet is handed over when it arrives). A ring rather than a
	// map: a connection to one of 100,000 clients holds a packet or two at a time, and this
	// is read on every arrival.
	held  []*Packet
	head  int
	nheld int  // non-nil entries of held
	dead  bool // broken: what is still in flight or held on it is lost
}

// ResetNode breaks every connection from or to node, as a crash of its host does: messages in
// flight on them, or held for in-order delivery, are lost, and the next message between the
// same pair opens a new connection.
func (w *Wire) ResetNode(node network.NodeID) {
	for from, out := range w.conns {
		for to, c := range out {
			if c != nil && (network.NodeID(from) == node || network.NodeID(to) == node) {
				w.breakConn(network.NodeID(from), network.NodeID(to), c)
			}
		}
	}
}

func (w *Wire) breakConn(from, to network.NodeID, c *conn) {
	c.dead = true
	w.Lost += uint64(c.nheld)
	c.held, c.nheld = nil, 0
	w.conns[from][to] = nil
	w.Broken++
}

// Dropped is called by the network when it gave up on a packet: the packet's connection breaks,
// as a TCP connection does when its retransmissions time out.
func (w *Wire) Dropped(_ *sim.Kernel, _ int, data any) {
	p := data.(*Packet)
	w.Lost++
	if !w.Recover || p.conn.dead {
		return
	}
	w.breakConn(p.From, p.To, p.conn)
}

var _ network.Dropper = (*Wire)(nil)

func (w *Wire) conn(from, to network.NodeID) *conn {
	if int(from) >= len(w.conns) {
		w.conns = append(w.conns, make([][]*conn, int(from)+1-len(w.conns))...)
	}
	out := w.conns[from]
	if int(to) >= len(out) {
		out = append(out, make([]*conn, int(to)+1-len(out))...)
		w.conns[from] = out
	}
	c := out[to]
	if c == nil {
		c = &conn{next: 1}
		out[to] = c
	}
	return c
}

// Handle receives packets from the network and hands them to their receivers in connection
// order.
func (w *Wire) Handle(k *sim.Kernel, ev sim.Event) {
	p := ev.Data.(*Packet)
	c := p.conn
	if c.dead {
		w.Lost++
		return
	}
	switch c.accept(p) {
	case arrivedDuplicate:
		w.Duplicates++
		return
	case arrivedEarly:
		w.HeadOfLine++
		return
	}
	h := w.Dir.Handler(p.To)
	for p != nil {
		c.step()
		h.Handle(k, sim.Event{At: ev.At, H: h, Kind: KindPacket, Data: p})
		p = c.take()
	}
}

// What a connection does with an arriving packet (conn.accept).
const (
	arrivedNext      = iota // the packet next: hand it over
	arrivedEarly            // a later one: held until those before it are handed over
	arrivedDuplicate        // handed over or held already: dropped
)

// accept sorts an arriving packet (see the arrived constants), holding an early one.
func (c *conn) accept(p *Packet) int {
	if p.Seq < c.next || (c.nheld > 0 && c.heldAt(p.Seq-c.next) != nil) {
		return arrivedDuplicate
	}
	if d := p.Seq - c.next; d != 0 {
		c.hold(d, p)
		return arrivedEarly
	}
	return arrivedNext
}

// step records that the packet next is being handed over.
func (c *conn) step() {
	c.next++
	if len(c.held) > 0 {
		c.head = (c.head + 1) & (len(c.held) - 1)
	}
}

// take returns the held packet that is now next, removing it, or nil.
func (c *conn) take() *Packet {
	if c.nheld == 0 {
		return nil
	}
	p := c.held[c.head]
	if p != nil {
		c.held[c.head] = nil
		c.nheld--
	}
	return p
}

// heldAt returns the packet held d places after next, or nil.
func (c *conn) heldAt(d uint64) *Packet {
	if d >= uint64(len(c.held)) {
		return nil
	}
	return c.held[(c.head+int(d))&(len(c.held)-1)]
}

// hold keeps p, d ≥ 1 places after next, growing the ring to a power of two above d.
func (c *conn) hold(d uint64, p *Packet) {
	if d >= uint64(len(c.held)) {
		n := max(4, len(c.held))
		for uint64(n) <= d {
			n *= 2
		}
		ring := make([]*Packet, n)
		for i := range c.held {
			ring[i] = c.held[(c.head+i)&(len(c.held)-1)]
		}
		c.held, c.head = ring, 0
	}
	c.held[(c.head+int(d))&(len(c.held)-1)] = p
	c.nheld++
}

// Send encodes m and sends it from one node to another; the network carries the encoded size
// plus TransportOverhead plus the padding m carries as a length (PadBytes). It returns the
// number of bytes charged.
//
// A Deliver to a receiver that takes decoded messages (DecodedReceiver) travels by reference
// instead, charged its exact encoded size (DeliverSize), unless it holds a vector of
// SharedVectorMin bytes or more; the caller must not change it afterwards.
func (w *Wire) Send(from, to network.NodeID, m any) int {
	if d, ok := m.(*Deliver); ok && w.byRef(to, d) {
		n := DeliverSize(d)
		w.tapRef(from, to, d, n)
		return w.send(from, to, n+TransportOverhead+PadBytes(d), &Packet{From: from, To: to, Msg: d, Len: n})
	}
	body, shared, n := EncodeShared(m)
	if w.Tap != nil {
		w.tap(from, to, body, shared)
	}
	return w.send(from, to, n+TransportOverhead+PadBytes(m), &Packet{From: from, To: to, Body: body, Shared: shared, Len: n})
}

// SendDeliver sends d as Send does, but the caller keeps d and its events: they may be scratch
// space, reused once SendDeliver returns. A Deliver that travels by reference is copied, with
// its events, into one allocation with its packet (on the hot path of a modelled room, one
// allocation per delivery instead of three, and one object for the receiver to read).
func (w *Wire) SendDeliver(from, to network.NodeID, d *Deliver) int {
	if !w.byRef(to, d) {
		e := *d                     // so that d itself does not escape (the caller's may stay on its stack)
		return w.Send(from, to, &e) // encoded now: the events are not kept
	}
	var r *deliverRef
	if n := len(w.free); n > 0 {
		r, w.free = w.free[n-1], w.free[:n-1]
	} else {
		r = new(deliverRef)
	}
	r.d = *d
	if len(d.Events) == 1 {
		r.ev[0] = d.Events[0]
		r.d.Events = r.ev[:]
	} else {
		r.d.Events = slices.Clone(d.Events)
	}
	n := DeliverSize(&r.d)
	w.tapRef(from, to, &r.d, n)
	r.p = Packet{From: from, To: to, Msg: &r.d, Len: n, ref: r}
	return w.send(from, to, n+TransportOverhead+PadBytes(&r.d), &r.p)
}

// Release hands back the memory of p, a Deliver sent by reference that its receiver has
// handled and keeps nothing of (its events' byte vectors are not part of it), when the Wire
// recycles (Recycle); otherwise, or for any other packet, it does nothing.
func (w *Wire) Release(p *Packet) {
	if w == nil || !w.Recycle || p.ref == nil {
		return
	}
	r := p.ref
	*r = deliverRef{}
	w.free = append(w.free, r)
}

// deliverRef is a Deliver of one event sent by reference, with its packet.
type deliverRef struct {
	p  Packet
	d  Deliver
	ev [1]Event
}

// send numbers p on its connection and hands it to the network, charged size bytes.
func (w *Wire) send(from, to network.NodeID, size int, p *Packet) int {
	c := w.conn(from, to)
	c.sent++
	p.Seq, p.conn = c.sent, c
	w.Net.Send(from, to, size, w, KindPacket, p)
	return size
}

// byRef reports whether d may travel by reference to node to.
func (w *Wire) byRef(to network.NodeID, d *Deliver) bool {
	if int(to) >= len(w.Dir.decoded) || !w.Dir.decoded[to] {
		return false
	}
	for i := range d.Events {
		if len(d.Events[i].Payload) >= SharedVectorMin {
			return false
		}
		for _, h := range d.Events[i].Handshake {
			if len(h) >= SharedVectorMin {
				return false
			}
		}
	}
	return true
}

// tapRef shows a Deliver sent by reference to TapRef (or, without it, its encoding to Tap).
func (w *Wire) tapRef(from, to network.NodeID, d *Deliver, size int) {
	if w.TapRef == nil {
		if w.Tap != nil {
			w.Tap(from, to, Encode(d))
		}
		return
	}
	var fresh [][]byte
	for i := range d.Events {
		ev := &d.Events[i]
		if w.shownRef.fresh(ev.Payload) {
			fresh = append(fresh, ev.Payload)
		}
		for _, h := range ev.Handshake {
			if w.shownRef.fresh(h) {
				fresh = append(fresh, h)
			}
		}
	}
	w.TapRef(from, to, size, fresh)
}

// fresh reports whether v is not among the ring's last 16 distinct vectors, and remembers it.
// The ring holds a pointer into each vector, so none of them can be freed and its memory reused
// by another vector while it is remembered.
func (s *shown) fresh(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	for _, t := range s.ring {
		if t.p == &v[0] && t.n == len(v) {
			return false
		}
	}
	s.ring[s.next].p, s.ring[s.next].n = &v[0], len(v)
	s.next = (s.next + 1) % len(s.ring)
	return true
}

// inOrder releases items tagged with consecutive sequence numbers (starting at 1) in order,
// holding early arrivals: it models the in-order delivery of one HTTPS connection.
type inOrder[T any] struct {
	next uint64
	held map[uint64]T
}

// add records item seq and returns the items now releasable, in order.
func (o *inOrder[T]) add(seq uint64, item T) []T {
	if o.next == 0 {
		o.next = 1
	}
	if seq != o.next {
		if o.held == nil {
			o.held = make(map[uint64]T)
		}
		o.held[seq] = item
		return nil
	}
	out := []T{item}
	o.next++
	for {
		it, ok := o.held[o.next]
		if !ok {
			break
		}
		delete(o.held, o.next)
		out = append(out, it)
		o.next++
	}
	return out
}

// Lookahead prefetches what handing over data (a Packet about to be delivered) will read: its
// connection, the message it carries, and its receiver (the network calls it one event ahead:
// network.Network.SetPayloadLookahead). It changes nothing.
func (w *Wire) Lookahead(data any) {
	p, ok := data.(*Packet)
	if !ok {
		return
	}
	prefetch.Line(unsafe.Pointer(p.conn))
	if p.Msg != nil {
		prefetch.Line((*[2]unsafe.Pointer)(unsafe.Pointer(&p.Msg))[1])
	}
	if int(p.To) < len(w.Dir.handlers) {
		switch h := w.Dir.handlers[p.To].(type) {
		case interface{ PrefetchFields() }: // a client: its hot fields
			h.PrefetchFields()
		case nil:
		default:
			prefetch.Line((*[2]unsafe.Pointer)(unsafe.Pointer(&h))[1])
		}
	}
}
