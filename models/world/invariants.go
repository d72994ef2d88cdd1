package world

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/sim"
)

// Invariant names, in the order a run reports them.
const (
	InvConvergence = "convergence"
	InvNothingLost = "nothing_lost"
	InvE2E         = "e2e_encryption"
	InvPostRemoval = "post_removal_secrecy"
	InvRejection   = "hostile_rejected"
)

// InvariantNames lists the invariants every run checks, in the order it reports them.
var InvariantNames = []string{InvConvergence, InvNothingLost, InvE2E, InvPostRemoval, InvRejection}

// Reasons a delivery may stay undecrypted without breaking nothing_lost.
const (
	ReasonOffline   = "offline at the end"
	ReasonTampered  = "tampered by follower"
	ReasonReordered = "reordered by follower"
)

// msgRec is what the run knows of one message the hub accepted.
type msgRec struct {
	at      sim.Time // acceptance at the hub
	epoch   uint64
	sender  string
	payload []byte  // kept only when members can be removed (post-removal secrecy)
	rcpt    []int32 // client indices of the recipients, ascending
	got     []uint8 // decryptions per recipient
	n       int     // recipients that decrypted
	// the observation table's id of the sender's name (0 until the first decryption)
	src     uint32
	srcName string
}

// dkey names one (recipient, message) pair.
type dkey struct {
	client int32
	msg    int64
}

// fkey names one hostile copy: the client it went to and a hash of its bytes.
type fkey struct {
	client int32
	fp     uint64
}

type forged struct {
	injected, refused int
	at                sim.Time // first injection
	epoch             uint64
	kind              mimi.EventKind
}

// removedRec is one removal: the removed member's last state.
type removedRec struct {
	client int32
	last   mls.Member
	at     sim.Time
}

// violation is one counter-example candidate.
type violation struct {
	n  int64
	ce *results.CounterExample
}

func (v *violation) add(ce results.CounterExample) {
	v.n++
	if v.ce == nil || ce.TimeNs < v.ce.TimeNs {
		v.ce = &ce
	}
}

// checks holds the state of the run's invariant checks.
type checks struct {
	index     map[*client.Client]int32
	lastRcpt  []rcptName // the last recipient list of an accepted message (see recipients)
	spareRcpt []rcptName // the buffer of the one before, reused
	byID      map[string]int32
	msgs      []*msgRec // by ledger id; nil: not accepted
	keepBytes bool

	marks    map[dkey]uint8 // hostile actions on a delivery (markTampered, markReordered)
	forged   map[fkey]*forged
	refusals map[[2]string]int64
	removed  []removedRec

	lost, dup, stranger violation // nothing_lost
	honestRefused       int64
	scan                *plaintextScan
}

const (
	markTampered = 1 << iota
	markReordered
)

func newChecks(w *World) *checks {
	ch := &checks{index: map[*client.Client]int32{}, byID: map[string]int32{}, marks: map[dkey]uint8{},
		forged: map[fkey]*forged{}, refusals: map[[2]string]int64{}}
	for i, c := range w.Clients {
		ch.index[c] = int32(i)
		ch.byID[c.ID()] = int32(i)
		c.SetIndex(int32(i))
	}
	return ch
}

// member returns the index of c among the room's clients, which newChecks gave it
// (client.SetIndex), instead of a map lookup per decryption; false for a client that is not
// one of them (a call session).
func (w *World) member(c *client.Client) (int32, bool) {
	i := c.Index()
	return i, i >= 0
}

// accepted records a message or commit the hub accepted (mimi.Provider.OnAccept).
// It returns the client indices of the message's recipients (ascending), nil for anything else.
func (w *World) hubAccepted(a mimi.Accepted) []int32 {
	ch := w.checks
	if a.Room != RoomID || a.Event.Kind != mimi.EventMessage {
		return nil // commits are checked through convergence; call sub-rooms are not the room
	}
	s, err := w.Ledger.Lookup(a.Event.Payload)
	if err != nil {
		w.failure = fmt.Errorf("the hub accepted a message the ledger does not know: %w", err)
		return nil
	}
	r := &msgRec{at: w.K.Now(), epoch: a.Event.Epoch, sender: a.Event.Sender}
	if ch.keepBytes {
		r.payload = a.Event.Payload
	}
	r.rcpt = ch.recipients(a.Recipients)
	r.got = make([]uint8, len(r.rcpt))
	for int64(len(ch.msgs)) <= s.ID {
		ch.msgs = append(ch.msgs, nil)
	}
	ch.msgs[s.ID] = r
	return r.rcpt
}

// rcptIndex finds client index ci in the ascending recipient list rcpt, as slices.BinarySearch.
// A room's message goes to every member but its sender, whose indices are nearly all the
// client indices: ci is then at ci or ci-1, which are tried first.
func rcptIndex(rcpt []int32, ci int32) (int, bool) {
	for _, j := range [2]int32{ci, ci - 1} {
		if j >= 0 && int(j) < len(rcpt) && rcpt[j] == ci {
			return int(j), true
		}
	}
	return slices.BinarySearch(rcpt, ci)
}

// recipients returns the client indices of the room clients among names, ascending.
//
// The hub's recipient lists of consecutive messages are its member list without each sender,
// so they differ from the last one in about one place: each name is first compared with the
// last list's name at the same place (or the next), whose index is kept, and looked up only
// when it differs. A name is given a kept index only if it is equal to the name it was kept
// for, so the result is that of a lookup per name.
func (ch *checks) recipients(names []string) []int32 {
	last := ch.lastRcpt
	next := slices.Grow(ch.spareRcpt[:0], len(names))[:len(names)] // the list before last's buffer
	ch.spareRcpt = last
	out := make([]int32, 0, len(names))
	j := 0
	for k, id := range names {
		x := rcptName{name: id, index: -1}
		switch {
		case j < len(last) && last[j].name == id:
			x.index = last[j].index
			j++
		case j+1 < len(last) && last[j+1].name == id:
			x.index = last[j+1].index
			j += 2
		default:
			if i, ok := ch.byID[id]; ok {
				x.index = i
			}
		}
		next[k] = x
		if x.index >= 0 {
			out = append(out, x.index)
		}
	}
	ch.lastRcpt = next
	if !slices.IsSorted(out) {
		slices.Sort(out)
	}
	return out
}

// rcptName is a recipient's name and its client index (-1: not a room client).
type rcptName struct {
	name  string
	index int32
}

// checkDecrypted records one decryption and checks it is the first by a member of the epoch.
// It returns the message's record (nil if the hub never accepted it) and the index of c among
// the room's clients (-1 if it is not one).
func (w *World) checkDecrypted(c *client.Client, m client.Sent, at sim.Time) (*msgRec, int32) {
	ch := w.checks
	ci, ok := w.member(c)
	if !ok {
		return nil, -1 // a call session, not a member of the room
	}
	var r *msgRec
	if m.ID < int64(len(ch.msgs)) {
		r = ch.msgs[m.ID]
	}
	if r == nil {
		ch.stranger.add(results.CounterExample{TimeNs: int64(at), Actors: []string{c.ID(), m.Sender}, MessageID: m.ID,
			Detail: fmt.Sprintf("%s decrypted message %d, which the hub never accepted", c.ID(), m.ID)})
		return nil, ci
	}
	j, ok := rcptIndex(r.rcpt, ci)
	if !ok {
		ch.stranger.add(results.CounterExample{TimeNs: int64(at), Actors: []string{c.ID(), r.sender}, MessageID: m.ID, Epoch: r.epoch,
			Detail: fmt.Sprintf("%s decrypted message %d of epoch %d without being a member of that epoch", c.ID(), m.ID, r.epoch)})
		return r, ci
	}
	r.got[j]++
	if r.got[j] > 1 {
		ch.dup.add(results.CounterExample{TimeNs: int64(at), Actors: []string{c.ID(), r.sender}, MessageID: m.ID, Epoch: r.epoch,
			Detail: fmt.Sprintf("%s decrypted message %d of epoch %d a second time", c.ID(), m.ID, r.epoch)})
		return r, ci
	}
	r.n++
	return r, ci
}

// refused records an event a client refused; hostile copies are told apart by their bytes.
func (w *World) checkRefused(c *client.Client, ev *mimi.Event, kind string) {
	ch := w.checks
	ch.refusals[[2]string{c.ID(), kind}]++
	ci, ok := w.member(c)
	if !ok {
		ch.honestRefused++
		return
	}
	if f := ch.forged[fkey{ci, fingerprint(ev)}]; f != nil && f.refused < f.injected {
		f.refused++
		return
	}
	ch.honestRefused++
}

// fingerprint hashes what a client verifies of an event: its kind, epoch and bytes.
func fingerprint(ev *mimi.Event) uint64 {
	h := fnv.New64a()
	h.Write([]byte{byte(ev.Kind)})
	h.Write(ev.Payload)
	for _, m := range ev.Handshake {
		h.Write(m)
	}
	return h.Sum64()
}

// invariants evaluates every invariant at the end of the run.
func (w *World) invariants() *results.Invariants {
	v := &results.Invariants{Seed: w.sc.Seed, Passed: true}
	v.Invariants = []results.Invariant{w.convergence(), w.nothingLost(), w.e2e(), w.postRemoval(), w.rejection()}
	for _, inv := range v.Invariants {
		v.Passed = v.Passed && inv.Passed
	}
	for k, n := range w.checks.refusals {
		v.Refusals = append(v.Refusals, results.Refusal{Member: k[0], Kind: k[1], Count: n})
	}
	slices.SortFunc(v.Refusals, func(a, b results.Refusal) int {
		return cmp.Or(cmp.Compare(a.Member, b.Member), cmp.Compare(a.Kind, b.Kind))
	})
	return v
}

func finish(inv results.Invariant, viol ...violation) results.Invariant {
	for _, x := range viol {
		inv.Violations += x.n
		if x.ce != nil && (inv.Counter == nil || x.ce.TimeNs < inv.Counter.TimeNs) {
			inv.Counter = x.ce
		}
	}
	inv.Passed = inv.Violations == 0
	return inv
}

func (w *World) convergence() results.Invariant {
	inv := results.Invariant{Name: InvConvergence, Unit: "members",
		Title: "at the end every online member is at the hub's epoch with the same epoch authenticator",
		Method: "at the end of the run, every real member that is in the group and online is compared with the hub's epoch " +
			"and with the epoch authenticator of the first such member; modelled members (sampled fidelity) hold no MLS state " +
			"and are left out, as are members offline at the end (their provider still holds their deliveries)"}
	hubEpoch, _ := w.Hub.RoomEpoch(RoomID)
	var ref []byte
	var refID string
	var bad violation
	var modelled, offline, outside int64
	now := int64(w.K.Now())
	for _, c := range w.Clients {
		switch {
		case c.Modelled():
			modelled++
			continue
		case c.Member() == nil:
			outside++
			continue
		case !c.Online():
			offline++
			continue
		}
		inv.Checked++
		m := c.Member()
		if m.Epoch() != hubEpoch {
			bad.add(results.CounterExample{TimeNs: now, Actors: []string{c.ID(), w.Hub.Name()}, Epoch: m.Epoch(),
				Detail: fmt.Sprintf("%s ended at epoch %d, the hub at epoch %d", c.ID(), m.Epoch(), hubEpoch)})
			continue
		}
		a := m.EpochAuthenticator()
		if ref == nil {
			ref, refID = a, c.ID()
		} else if string(a) != string(ref) {
			bad.add(results.CounterExample{TimeNs: now, Actors: []string{c.ID(), refID}, Epoch: hubEpoch,
				Detail: fmt.Sprintf("%s and %s are both at epoch %d with different epoch authenticators", c.ID(), refID, hubEpoch)})
		}
	}
	inv.Counts = []results.Count{{Name: "hub_epoch", Value: int64(hubEpoch)}, {Name: "modelled_excluded", Value: modelled},
		{Name: "offline_excluded", Value: offline}, {Name: "not_in_group", Value: outside}}
	return finish(inv, bad)
}

func (w *World) nothingLost() results.Invariant {
	ch := w.checks
	inv := results.Invariant{Name: InvNothingLost, Unit: "deliveries",
		Title: "every accepted message is decrypted exactly once by every other member of its epoch, or reported undelivered with a reason",
		Method: "the hub reports the members of each accepted message's epoch (its fan-out list); every decryption is checked " +
			"against that list (a member of the epoch, the first time); at the end each (message, recipient) pair without a " +
			"decryption needs a reason: the recipient is offline at the end, or the hostile follower tampered with or " +
			"reordered that delivery (a delivery it did both to is counted as tampered)"}
	var messages, decrypted, offline, tampered, reordered int64
	var lost violation
	for id, r := range ch.msgs {
		if r == nil {
			continue
		}
		messages++
		for j, ci := range r.rcpt {
			inv.Checked++
			if r.got[j] > 0 {
				decrypted++
				continue
			}
			c := w.Clients[ci]
			mark := ch.marks[dkey{ci, int64(id)}]
			switch {
			case !c.Online():
				offline++
			case mark&markTampered != 0:
				tampered++
			case mark&markReordered != 0:
				reordered++
			default:
				lost.add(results.CounterExample{TimeNs: int64(r.at), Actors: []string{c.ID(), r.sender}, MessageID: int64(id), Epoch: r.epoch,
					Detail: fmt.Sprintf("message %d of epoch %d from %s, accepted at %v, was never decrypted by %s, a member of that epoch",
						id, r.epoch, r.sender, time.Duration(r.at), c.ID())})
			}
		}
	}
	inv.Counts = []results.Count{{Name: "messages", Value: messages}, {Name: "decrypted", Value: decrypted},
		{Name: "undelivered_" + "offline", Value: offline}, {Name: "undelivered_tampered", Value: tampered},
		{Name: "undelivered_reordered", Value: reordered}, {Name: "lost", Value: lost.n},
		{Name: "decrypted_twice", Value: ch.dup.n}, {Name: "decrypted_by_non_member", Value: ch.stranger.n}}
	return finish(inv, lost, ch.dup, ch.stranger)
}

func (w *World) e2e() results.Invariant {
	s := w.checks.scan
	inv := results.Invariant{Name: InvE2E, Unit: "bodies",
		Title:  "no provider ever receives, holds or forwards a plaintext",
		Method: plaintextMethod}
	inv.Checked = s.bodies
	// The filter's hit count is left out: it depends on the ciphertext bytes, which go-mls draws
	// from crypto/rand, and results must be byte-identical for one seed.
	inv.Counts = []results.Count{{Name: "bytes_scanned", Value: s.bytes}, {Name: "plaintexts_indexed", Value: int64(s.indexed)}}
	return finish(inv, s.leaks)
}

func (w *World) postRemoval() results.Invariant {
	ch := w.checks
	inv := results.Invariant{Name: InvPostRemoval, Unit: "attempts",
		Title: "a removed member cannot decrypt any message sent after its removal",
		Method: "each removed member's last MLS state is kept; at the end it tries to Unprotect the ciphertext of every message the hub " +
			"accepted in a later epoch; any success is a violation. go-mls checks the epoch field of the PrivateMessage before any " +
			"cryptography, so with that engine the attempts exercise its epoch check rather than an AEAD failure"}
	var bad violation
	for _, rm := range ch.removed {
		for id, r := range ch.msgs {
			if r == nil || r.epoch <= rm.last.Epoch() || r.payload == nil {
				continue
			}
			inv.Checked++
			if pt, err := rm.last.Unprotect(r.payload); err == nil {
				c := w.Clients[rm.client]
				bad.add(results.CounterExample{TimeNs: int64(r.at), Actors: []string{c.ID(), r.sender}, MessageID: int64(id), Epoch: r.epoch,
					Detail: fmt.Sprintf("%s, removed at epoch %d (virtual %v), decrypted message %d of epoch %d (%d bytes)",
						c.ID(), rm.last.Epoch(), time.Duration(rm.at), id, r.epoch, len(pt))})
			}
		}
	}
	inv.Counts = []results.Count{{Name: "removed_members", Value: int64(len(ch.removed))}, {Name: "decrypted", Value: bad.n}}
	return finish(inv, bad)
}

func (w *World) rejection() results.Invariant {
	ch := w.checks
	inv := results.Invariant{Name: InvRejection, Unit: "hostile copies",
		Title: "every tampered or replayed copy a hostile follower injects is refused by its recipient",
		Method: "the hostile follower records each copy it injects (recipient, hash of the bytes); a refusal by that recipient of " +
			"an event with those bytes counts it as refused; a copy never refused was accepted, or is still queued at a " +
			"recipient that is offline or stalled at the end"}
	var injected, refused int64
	keys := make([]fkey, 0, len(ch.forged))
	for k := range ch.forged {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b fkey) int { return cmp.Or(cmp.Compare(a.client, b.client), cmp.Compare(a.fp, b.fp)) })
	var bad violation
	for _, k := range keys {
		f := ch.forged[k]
		injected += int64(f.injected)
		refused += int64(f.refused)
		c := w.Clients[k.client]
		if f.refused < f.injected && c.Online() {
			for range f.injected - f.refused {
				bad.add(results.CounterExample{TimeNs: int64(f.at), Actors: []string{c.ID(), w.hostile.p.Name()}, Epoch: f.epoch,
					Detail: fmt.Sprintf("%s did not refuse a hostile copy of a %v of epoch %d that %s injected (it accepted it, or it is still queued)",
						c.ID(), f.kind, f.epoch, w.hostile.p.Name())})
			}
		}
	}
	inv.Checked = injected
	var tampers, replays, reorders int64
	if h := w.hostile; h != nil {
		tampers, replays, reorders = h.tampers, h.replays, h.reorders
	}
	var total int64
	for _, n := range ch.refusals {
		total += n
	}
	inv.Counts = []results.Count{{Name: "tampered_copies", Value: tampers}, {Name: "replayed_copies", Value: replays},
		{Name: "reordered_deliveries", Value: reorders}, {Name: "hostile_refused", Value: refused},
		{Name: "refusals", Value: total}, {Name: "honest_events_refused", Value: ch.honestRefused}}
	return finish(inv, bad)
}
