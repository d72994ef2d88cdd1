package client

import (
	"bytes"
	"fmt"

	"github.com/mimisim/mimisim/models/mimi"
)

// Prefetched decryption (used by the world's parallel prefetch, models/world/prefetch.go).
//
// When the hub accepts an application message, the world may have each eligible recipient
// decrypt it at once, many recipients in parallel, instead of when the delivery reaches the
// client. The decryption is the same call on the same member state, so the result is the same:
// a member's state is touched only by its own operations; a prefetch decrypts, in the hub's
// order, every event the hub has accepted for the client and the client has not yet applied,
// and only when all of them are application messages of the member's current epoch (so the
// member performs the same operations in the same order as without prefetch); and the client
// must be one that performs no operations of its own (the world decides; see prefetchable in
// models/world).
// The delivery then takes the prefetched result. A delivery that does not match the oldest
// prefetched result (another message, or another order) is a bug in those conditions and fails
// the run rather than give a different answer.

// prefetched is one decryption made ahead of its delivery.
type prefetched struct {
	seq     uint64
	payload []byte
	pt      []byte
	err     error
}

// Covered returns the hub sequence number of the newest event the client has applied or
// prefetched (0 before any).
func (c *Client) Covered() uint64 { return c.covered }

// CanPrefetch reports whether evs — every event the hub has accepted for the client that it
// has neither applied nor prefetched, in the hub's order — may be decrypted now on the client's
// behalf: the client is a real member with nothing held back, and every one of evs is an
// application message of its current epoch from a real sender.
func (c *Client) CanPrefetch(evs []*mimi.Event) bool {
	if len(evs) == 0 || c.cfg.Modelled || c.member == nil || c.watch != nil || c.left || c.offline || len(c.held) > 0 {
		return false
	}
	epoch := c.member.Epoch()
	for _, ev := range evs {
		if ev.Kind != mimi.EventMessage || ev.Seq <= c.covered || ev.Epoch != epoch ||
			(c.cfg.IsModelled != nil && c.cfg.IsModelled(ev.Sender)) {
			return false
		}
	}
	return true
}

// Prefetch decrypts evs now, in order (CanPrefetch must have said yes), and keeps the results
// for their deliveries. Calls for distinct clients may run concurrently: it touches only this
// client and its member (whose engine must allow concurrent use of distinct members).
func (c *Client) Prefetch(evs []*mimi.Event) {
	for _, ev := range evs {
		pt, err := c.member.Unprotect(ev.Payload)
		c.pre = append(c.pre, prefetched{seq: ev.Seq, payload: ev.Payload, pt: pt, err: err})
		c.covered = ev.Seq
	}
}

// takePrefetched returns the prefetched decryption of ev, if there is one; ok false means there
// is none and the caller decrypts. A mismatch fails the run (see above).
func (c *Client) takePrefetched(ev *mimi.Event) (pt []byte, err error, ok bool) {
	if c.preHead == len(c.pre) {
		return nil, nil, false
	}
	p := &c.pre[c.preHead]
	if p.seq != ev.Seq || !bytes.Equal(p.payload, ev.Payload) {
		c.rec.Fail(c, fmt.Errorf("prefetched decryption of event %d does not match the delivered event %d (a prefetch-ordering bug)", p.seq, ev.Seq))
		return nil, nil, false
	}
	pt, err = p.pt, p.err
	*p = prefetched{}
	if c.preHead++; c.preHead == len(c.pre) {
		c.pre, c.preHead = c.pre[:0], 0
	}
	return pt, err, true
}

func (c *Client) WhyNot(ev *mimi.Event, expect uint64) string {
	switch {
	case len(c.held) != 0:
		return "held"
	case c.covered != expect:
		return fmt.Sprintf("covered")
	case ev.Seq <= c.covered:
		return "seq"
	case ev.Epoch != c.member.Epoch():
		return "epoch"
	}
	return "ok"
}
