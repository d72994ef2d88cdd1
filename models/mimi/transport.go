package mimi

import (
	"fmt"
	"strings"

	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/sim"
)

// KindPacket is the sim event kind of a message arriving from the network; its Data is a
// *Packet.
const KindPacket = 1

// Packet is one encoded message in flight.
type Packet struct {
	From network.NodeID
	Body []byte
}

// Directory maps network nodes to the objects that receive their packets, and provider names to
// nodes. The world fills it before the run; it never changes during a run.
type Directory struct {
	handlers  []sim.Handler
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
	}
	d.handlers[id] = h
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
type Wire struct {
	Net *network.Network
	Dir *Directory
	// Tap, when set, is called with every message body as it is sent (tests use it to check
	// what providers see).
	Tap func(from, to network.NodeID, body []byte)
}

// Send encodes m and sends it from one node to another; the network carries the encoded size
// plus TransportOverhead plus the padding m carries as a length (PadBytes). It returns the
// number of bytes charged.
func (w *Wire) Send(from, to network.NodeID, m any) int {
	body := Encode(m)
	if w.Tap != nil {
		w.Tap(from, to, body)
	}
	size := len(body) + TransportOverhead + PadBytes(m)
	w.Net.Send(from, to, size, w.Dir.Handler(to), KindPacket, &Packet{From: from, Body: body})
	return size
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
