package world

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/sim"
)

// HostileWorkload makes one follower provider hostile to its own clients from the start of the
// measurement window. For each delivery to a client it draws, from its own seeded stream:
//   - with probability Tamper, it first sends a tampered copy of one commit or message of the
//     delivery: one bit flipped in the last 16 bytes (the AEAD tag of a PrivateMessage, the
//     membership tag of a commit's PublicMessage); the original follows;
//   - with probability Replay, after the delivery it sends again one of the last 8 deliveries
//     it made to that client;
//   - with probability Reorder, it holds the delivery back and sends it right after the next
//     delivery to that client, or after HoldMax if none comes.
//
// Welcomes are never tampered with or replayed. Every copy is a real Deliver message on the
// wire, numbered like any other (the client cannot tell by the numbering). Suppressing a
// delivery is not modelled.
type HostileWorkload struct {
	Provider                string
	Tamper, Replay, Reorder float64
	HoldMax                 time.Duration // default 1s
}

// recentDeliveries is how many past deliveries per client the hostile follower may replay.
const recentDeliveries = 8

// hostile is the interceptor of the hostile follower.
type hostile struct {
	w      *World
	p      *mimi.Provider
	cfg    HostileWorkload
	rng    *rand.Rand
	on     bool
	recent map[string][][]mimi.Event
	held   map[string]*heldDelivery

	tampers, replays, reorders int64
}

type heldDelivery struct {
	room   string
	events []mimi.Event
}

func (w *World) buildHostile(h *HostileWorkload) error {
	for _, p := range w.Providers {
		if p.Name() == h.Provider {
			if p.Role() != mimi.Follower {
				return fmt.Errorf("hostile: provider %s is the hub; only a follower can be hostile", h.Provider)
			}
			if h.HoldMax <= 0 {
				h.HoldMax = time.Second
			}
			w.hostile = &hostile{w: w, p: p, cfg: *h, rng: w.K.Stream("hostile/" + p.Name()),
				recent: map[string][][]mimi.Event{}, held: map[string]*heldDelivery{}}
			p.Intercept(w.hostile)
			return nil
		}
	}
	return fmt.Errorf("hostile: no provider named %q", h.Provider)
}

// Deliver implements mimi.Interceptor.
func (h *hostile) Deliver(client, room string, events []mimi.Event) {
	if !h.on {
		h.p.SendDeliver(client, room, events)
		return
	}
	ci := h.w.checks.byID[client]
	uT, uR, uO := h.rng.Float64(), h.rng.Float64(), h.rng.Float64()
	if uT < h.cfg.Tamper {
		if j := slices.IndexFunc(events, copied); j >= 0 {
			f := tamper(events[j], h.rng)
			h.tampers++
			h.inject(ci, &f)
			if f.Kind == mimi.EventMessage {
				h.mark(ci, events[j:j+1], markTampered)
			}
			h.p.SendDeliver(client, room, []mimi.Event{f})
		}
	}
	if uO < h.cfg.Reorder && h.held[client] == nil {
		d := &heldDelivery{room: room, events: slices.Clone(events)}
		h.held[client] = d
		h.reorders++
		h.mark(ci, d.events, markReordered)
		h.w.K.After(h.cfg.HoldMax, sim.HandlerFunc(func(*sim.Kernel, sim.Event) {
			if h.held[client] == d {
				delete(h.held, client)
				h.p.SendDeliver(client, d.room, d.events)
			}
		}), 0, nil)
		return
	}
	h.p.SendDeliver(client, room, events)
	if d := h.held[client]; d != nil {
		delete(h.held, client) // overtaken: now it follows
		h.mark(ci, events, markReordered)
		h.p.SendDeliver(client, d.room, d.events)
	}
	past := h.recent[client]
	if uR < h.cfg.Replay && len(past) > 0 {
		again := past[h.rng.IntN(len(past))]
		h.replays++
		for i := range again {
			h.inject(ci, &again[i])
		}
		h.p.SendDeliver(client, room, again)
	}
	var keep []mimi.Event
	for _, e := range events {
		if copied(e) {
			keep = append(keep, e)
		}
	}
	if len(keep) > 0 {
		if len(past) == recentDeliveries {
			past = past[1:]
		}
		h.recent[client] = append(past, keep)
	}
}

// copied reports whether the hostile follower tampers with or replays an event: commits and
// messages, not Welcomes and proposals (a member keeps a proposal without verifying it until
// a commit includes it, so nothing would refuse a copy; not modelled).
func copied(e mimi.Event) bool { return e.Kind == mimi.EventCommit || e.Kind == mimi.EventMessage }

// inject records a hostile copy sent to client ci.
func (h *hostile) inject(ci int32, ev *mimi.Event) {
	k := fkey{ci, fingerprint(ev)}
	f := h.w.checks.forged[k]
	if f == nil {
		f = &forged{at: h.w.K.Now(), epoch: ev.Epoch, kind: ev.Kind}
		h.w.checks.forged[k] = f
	}
	f.injected++
}

// mark records a hostile action on the messages of a delivery to client ci.
func (h *hostile) mark(ci int32, events []mimi.Event, m uint8) {
	for i := range events {
		if events[i].Kind != mimi.EventMessage {
			continue
		}
		s, err := h.w.Ledger.Lookup(events[i].Payload)
		if err != nil {
			continue
		}
		h.w.checks.marks[dkey{ci, s.ID}] |= m
	}
}

// tamper returns a copy of ev with one bit flipped in the last 16 bytes of its payload (a
// message) or of its last handshake message (a commit).
func tamper(ev mimi.Event, rng *rand.Rand) mimi.Event {
	flip := func(b []byte) []byte {
		b = slices.Clone(b)
		if len(b) > 0 {
			i := len(b) - 1 - rng.IntN(min(16, len(b)))
			b[i] ^= 1 << rng.IntN(8)
		}
		return b
	}
	f := ev
	f.Recipients = slices.Clone(ev.Recipients)
	if len(ev.Handshake) > 0 {
		f.Handshake = slices.Clone(ev.Handshake)
		f.Handshake[len(f.Handshake)-1] = flip(f.Handshake[len(f.Handshake)-1])
	} else {
		f.Payload = flip(ev.Payload)
	}
	return f
}
