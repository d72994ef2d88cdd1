package client

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
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

// prefetched is one member operation made ahead of its delivery: the decryption of a message
// or the processing of a commit. A queued decryption's result is in slot (QueuePrefetch), there
// once the slot is done; one of Prefetch's in res. (Three words: a backlog of 100,000 members
// holds many of these.)
type prefetched struct {
	ev   *mimi.Event
	slot *PrefetchSlot
	res  *prefetchResult
}

// prefetchResult is what Prefetch made of one event: a message's plaintext (nil for a commit)
// and the error.
type prefetchResult struct {
	pt  []byte
	err error
}

// PrefetchSlot holds the result of one queued decryption (QueuePrefetch, RunPrefetch): a
// worker writes it and then marks it done; the kernel reads it only after that. The worker
// checks the plaintext against the ledger and keeps only the outcome, the message's id or why
// not, so the kernel's thread does not read the plaintext and nobody keeps it (it is decrypted
// into a reused buffer). A slot is three words: a batch has one per recipient, 100,000 in the
// largest room.
type PrefetchSlot struct {
	id   int64            // the message's id in the ledger, when fail is nil
	fail *prefetchFailure // why not: the decryption or the check failed (rare)
	done atomic.Bool
}

// prefetchFailure is why a queued decryption gives no message: the decryption's error, or else
// the ledger check's.
type prefetchFailure struct {
	err, checkErr error
}

// unprotectAppender is the optional engine method RunPrefetch decrypts with: Unprotect
// appending the plaintext to a buffer (see the rfc9420 engine's Member.UnprotectAppend).
type unprotectAppender interface {
	UnprotectAppend(dst, ciphertext []byte) ([]byte, error)
}

// maxScratch is the largest decryption buffer kept in scratchPool.
const maxScratch = 64 << 10

// scratchPool holds RunPrefetch's decryption buffers: a plaintext is decrypted into one,
// checked against the ledger, and the buffer is reused.
var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// taken is a prefetched result taken by a delivery: the plaintext (or commit) and its error,
// and for a queued decryption the ledger check already made (checked).
type taken struct {
	pt       []byte
	err      error
	checked  bool
	id       int64
	checkErr error
}

// SetFence sets the function the client calls on the kernel's thread before it uses its
// member itself (any engine call other than reading the epoch or the group size, and than
// encrypting when a slot wait is set: fenceOwn), and, without a slot wait (SetSlotWait),
// before it waits for a queued decryption of its own: the world's prefetch waits there for
// every queued decryption to finish, so that no member works while the kernel's members do.
func (c *Client) SetFence(f func()) { c.fenceFn = f }

// fence calls the fence function, if any (see SetFence).
func (c *Client) fence() {
	if c.fenceFn != nil {
		c.fenceFn()
	}
}

// SetSlotWait sets the function the client calls on the kernel's thread to wait for one of its
// queued decryptions (QueuePrefetch) that is not done yet: before a delivery takes its result,
// and before the client encrypts (fenceOwn). Without it the client calls the fence (SetFence)
// instead. The world's prefetch helps with the queued batches, oldest first, until the slot is
// done, so the kernel goes on while later batches run.
func (c *Client) SetSlotWait(f func(*PrefetchSlot)) { c.slotWait = f }

// Done reports whether the slot's decryption is done (its result may be read).
func (s *PrefetchSlot) Done() bool { return s.done.Load() }

// waitSlot waits for the queued decryption s (SetSlotWait, else the fence).
func (c *Client) waitSlot(s *PrefetchSlot) {
	if s.done.Load() {
		return
	}
	if c.slotWait != nil {
		c.slotWait(s)
	} else {
		c.fence()
	}
	if !s.done.Load() {
		panic("client: a queued decryption is not done after waiting for it")
	}
}

// fenceOwn waits, before the kernel's thread uses the member for an operation that touches
// only the member's own state (Protect: mls.ConcurrentMembers), until the member's queued
// decryptions are done: the newest one is done last (a client's decryptions are queued and
// run in the hub's order). Other members' decryptions may still run meanwhile.
func (c *Client) fenceOwn() {
	if c.slotWait == nil {
		c.fence()
		return
	}
	for i := len(c.pre) - 1; i >= c.preHead; i-- {
		if s := c.pre[i].slot; s != nil {
			c.waitSlot(s)
			return
		}
	}
}

// QueuePrefetch records, on the kernel's thread, that evs (which CanPrefetch accepted, all
// application messages) will be decrypted by RunPrefetch(evs, slots) on another goroutine;
// their deliveries take the results from slots, waiting (SetSlotWait, else SetFence) for those
// not yet done.
func (c *Client) QueuePrefetch(evs []*mimi.Event, slots []PrefetchSlot) {
	for i, ev := range evs {
		if ev.Kind != mimi.EventMessage {
			panic("client: QueuePrefetch of a commit")
		}
		c.keep(prefetched{ev: ev, slot: &slots[i]})
		c.covered = ev.Seq
	}
}

// RunPrefetch decrypts evs, queued by QueuePrefetch, into slots, and checks each plaintext
// against the ledger's messages as of view (taken on the kernel's thread after the messages
// were accepted, so it holds them). It touches only the client's member and slots, so it may
// run while the kernel goes on; the engine must allow the member's epoch and size to be read
// meanwhile (mls.ConcurrentMembers).
//
// With an engine that decrypts into a buffer (the rfc9420 engine's UnprotectAppend), the
// plaintexts go into one pooled buffer, cleared afterwards: a decryption allocates nothing here.
func (c *Client) RunPrefetch(evs []*mimi.Event, slots []PrefetchSlot, view LedgerView) {
	ua, _ := c.member.(unprotectAppender)
	var buf *[]byte
	used := 0 // the most of the buffer a plaintext took
	if ua != nil {
		buf = scratchPool.Get().(*[]byte)
	}
	for i, ev := range evs {
		s := &slots[i]
		var pt []byte
		var err error
		if ua != nil {
			pt, err = ua.UnprotectAppend((*buf)[:0], ev.Payload)
			if cap(pt) > cap(*buf) { // it grew: the new buffer is kept, the old one emptied
				clear((*buf)[:used])
				*buf, used = pt[:0], 0
			}
			used = max(used, len(pt))
		} else {
			pt, err = c.member.Unprotect(ev.Payload)
		}
		if err != nil {
			s.fail = &prefetchFailure{err: err}
		} else if id, cerr := view.check(pt); cerr != nil {
			s.fail = &prefetchFailure{checkErr: cerr}
		} else {
			s.id = id
		}
		s.done.Store(true)
	}
	if buf != nil {
		clear((*buf)[:used]) // plaintexts do not linger in the pool
		if cap(*buf) <= maxScratch {
			scratchPool.Put(buf)
		}
	}
}

// Covered returns the hub sequence number of the newest event the client has applied or
// prefetched (0 before any).
func (c *Client) Covered() uint64 { return c.covered }

// CanPrefetch reports whether evs — every event the hub has accepted for the client that it
// has neither applied nor prefetched, in the hub's order — may be processed now on the client's
// behalf: the client is a real member with nothing held back, and evs are application messages
// and others' commits, each of the epoch the member is in when it comes to it.
func (c *Client) CanPrefetch(evs []*mimi.Event) bool {
	if len(evs) == 0 || c.cfg.Modelled || c.member == nil || c.watch != nil || c.left || c.offline ||
		len(c.held) > 0 || c.pending != nil || c.wish != nil {
		return false
	}
	epoch := c.memberEpoch
	for _, ev := range evs {
		if ev.Seq <= c.covered || ev.Epoch != epoch {
			return false
		}
		switch ev.Kind {
		case mimi.EventMessage:
			if c.cfg.IsModelled != nil && c.cfg.IsModelled(ev.Sender) {
				return false
			}
		case mimi.EventCommit:
			if ev.Sender == c.cfg.ID {
				return false // its own commit: adopted, not processed
			}
			epoch++
		default:
			return false
		}
	}
	return true
}

// Prefetch processes evs now, in order (CanPrefetch must have said yes), and keeps the results
// for their deliveries. It stops after a commit the member does not accept (the events after
// it are left to their deliveries, as they would wait for it). Calls for distinct clients may
// run concurrently: it touches only this client and its member (whose engine must allow
// concurrent use of distinct members).
func (c *Client) Prefetch(evs []*mimi.Event) {
	for _, ev := range evs {
		r := new(prefetchResult)
		if ev.Kind == mimi.EventCommit {
			r.err = c.member.Process(ev.Handshake)
			c.syncEpoch()
			if r.err == nil {
				c.preCommits++
			}
		} else {
			r.pt, r.err = c.member.Unprotect(ev.Payload)
		}
		c.keep(prefetched{ev: ev, res: r})
		c.covered = ev.Seq
		if ev.Kind == mimi.EventCommit && r.err != nil {
			return
		}
	}
}

// keep appends p to the prefetched results. When the slice is full and at least half of it has
// been taken, the rest moves to its front instead of the slice growing: a backlog that never
// drains (messages accepted faster than they are delivered, as in a large room) then keeps a
// slice of about twice its length rather than one of every event of the run.
func (c *Client) keep(p prefetched) {
	if len(c.pre) == cap(c.pre) && c.preHead > 0 && 2*c.preHead >= len(c.pre) {
		n := copy(c.pre, c.pre[c.preHead:])
		clear(c.pre[n:])
		c.pre, c.preHead = c.pre[:n], 0
	}
	c.pre = append(c.pre, p)
}

// takePrefetched returns the prefetched result of ev, if there is one; ok false means there
// is none and the caller does the work. A mismatch fails the run (see above); then mismatch is
// true and the caller stops.
func (c *Client) takePrefetched(ev *mimi.Event) (t taken, ok, mismatch bool) {
	if c.preHead == len(c.pre) {
		return taken{}, false, false
	}
	p := &c.pre[c.preHead]
	if p.ev.Seq != ev.Seq || p.ev.Kind != ev.Kind || !bytes.Equal(p.ev.Payload, ev.Payload) || !sameHandshake(p.ev.Handshake, ev.Handshake) {
		c.rec.Fail(c, fmt.Errorf("prefetched event %d (%v) does not match the delivered event %d (%v): a prefetch-ordering bug", p.ev.Seq, p.ev.Kind, ev.Seq, ev.Kind))
		return taken{}, false, true
	}
	if s := p.slot; s != nil {
		c.waitSlot(s)
		t = taken{checked: true, id: s.id}
		if f := s.fail; f != nil {
			t = taken{err: f.err, checked: f.err == nil, checkErr: f.checkErr}
		}
	} else {
		t = taken{pt: p.res.pt, err: p.res.err}
	}
	if ev.Kind == mimi.EventCommit && t.err == nil {
		c.preCommits--
	}
	*p = prefetched{}
	if c.preHead++; c.preHead == len(c.pre) {
		c.pre, c.preHead = c.pre[:0], 0
		if cap(c.pre) > 8 {
			c.pre = nil // a long backlog drained: give its memory back (100,000 members hold these)
		}
	}
	return t, true, false
}

// preJoin is a join made ahead of the Welcome's delivery (PrefetchJoin).
type preJoin struct {
	seq    uint64
	member mls.Member
	err    error
}

// CanPrefetchJoin reports whether the client may join now from the Welcome the hub accepted
// with sequence number seq: it is a real client that has not joined, and nothing else about
// its member is pending.
func (c *Client) CanPrefetchJoin() bool {
	return !c.cfg.Modelled && c.engine != nil && c.member == nil && !c.joined && c.preJoin == nil && !c.left && !c.offline
}

// PrefetchJoin joins from welcome (the client's own part of the Welcome the hub accepted as
// event seq) and keeps the member for the delivery of that Welcome. Calls for distinct clients
// may run concurrently (the engine must allow it: mls.ConcurrentMembers).
func (c *Client) PrefetchJoin(seq uint64, welcome []byte) {
	m, err := c.engine.Join(welcome)
	c.preJoin = &preJoin{seq: seq, member: m, err: err}
}

// takePrefetchedJoin returns the prefetched join of the Welcome ev, if there is one; a
// prefetched join of another Welcome fails the run (mismatch true).
func (c *Client) takePrefetchedJoin(ev *mimi.Event) (m mls.Member, err error, ok, mismatch bool) {
	p := c.preJoin
	if p == nil {
		return nil, nil, false, false
	}
	c.preJoin = nil
	if p.seq != ev.Seq {
		c.rec.Fail(c, fmt.Errorf("prefetched join of Welcome %d, delivered Welcome %d: a prefetch-ordering bug", p.seq, ev.Seq))
		return nil, nil, false, true
	}
	return p.member, p.err, true, false
}
