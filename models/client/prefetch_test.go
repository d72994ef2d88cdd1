package client

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
)

// TestPrefetch: a backlog of a commit and two messages is processed ahead of delivery; the
// client hides the epoch its member is ahead by until the commit is delivered, and the
// deliveries take the stored results. A delivery that is not the next prefetched one fails the
// run; a message of a later epoch than the member's, or a backlog after a held event, is not
// prefetchable.
func TestPrefetch(t *testing.T) {
	p := newPair(t)
	a, b, k, rec, ledger := p.a, p.b, p.k, p.rec, p.ledger
	k.RunAll()
	up, e := p.update(t)
	msg := func(seq uint64) (*mimi.Event, Sent) {
		s := ledger.New("a@hub", 0, 100)
		ct, err := a.Protect(s.Plaintext)
		if err != nil {
			t.Fatal(err)
		}
		return &mimi.Event{Kind: mimi.EventMessage, Seq: seq, Epoch: e + 1, Sender: "a@hub", Payload: ct}, s
	}
	commit := &mimi.Event{Kind: mimi.EventCommit, Seq: 2, Epoch: e, Sender: "a@hub", Handshake: up.Handshake}
	m1, s1 := msg(3)
	m2, s2 := msg(4)

	if b.CanPrefetch([]*mimi.Event{m1}) {
		t.Fatal("a message of the next epoch is prefetchable before its commit")
	}
	backlog := []*mimi.Event{commit, m1, m2}
	if !b.CanPrefetch(backlog) {
		t.Fatal("commit and messages not prefetchable")
	}
	b.Prefetch(backlog)
	if b.Epoch() != e || b.Member().Epoch() != e+1 || b.Covered() != 4 {
		t.Fatalf("after prefetch: client epoch %d (want %d), member %d (want %d), covered %d", b.Epoch(), e, b.Member().Epoch(), e+1, b.Covered())
	}
	if b.CanPrefetch(backlog) {
		t.Fatal("events already prefetched are prefetchable again")
	}
	deliver(b, 2, *commit)
	if b.Epoch() != e+1 {
		t.Fatalf("the commit delivered: client epoch %d, want %d", b.Epoch(), e+1)
	}
	deliver(b, 3, *m1)
	deliver(b, 4, *m2)
	k.RunAll()
	if len(rec.fails) != 0 || len(rec.refused) != 0 {
		t.Fatalf("fails %v, refused %v", rec.fails, rec.refused)
	}
	if len(rec.decrypted) != 2 || rec.decrypted[0] != s1.ID || rec.decrypted[1] != s2.ID {
		t.Fatalf("decrypted %v, want [%d %d]", rec.decrypted, s1.ID, s2.ID)
	}

	// Prefetch message 5, deliver message 6 instead: the run fails.
	m3, _ := msg(5)
	m4, _ := msg(6)
	if !b.CanPrefetch([]*mimi.Event{m3}) {
		t.Fatal("message 5 not prefetchable")
	}
	b.Prefetch([]*mimi.Event{m3})
	deliver(b, 5, *m4)
	if len(rec.fails) != 1 || !strings.Contains(rec.fails[0].Error(), "prefetch-ordering bug") {
		t.Fatalf("a mismatched delivery: fails %v", rec.fails)
	}
}

// TestQueuedPrefetch: decryptions queued on the kernel's thread and run elsewhere; a delivery
// whose result is not there yet calls the fence, which must leave it done. The same with a
// member that decrypts into RunPrefetch's buffer (UnprotectAppend, as the rfc9420 engine's).
func TestQueuedPrefetch(t *testing.T) {
	for _, viaAppend := range []bool{false, true} {
		t.Run(fmt.Sprintf("UnprotectAppend=%v", viaAppend), func(t *testing.T) { testQueuedPrefetch(t, viaAppend) })
	}
}

// appendMember is a member with UnprotectAppend (on top of its Unprotect), counting the calls.
type appendMember struct {
	mls.Member
	calls int
}

func (m *appendMember) UnprotectAppend(dst, ciphertext []byte) ([]byte, error) {
	m.calls++
	pt, err := m.Member.Unprotect(ciphertext)
	if err != nil {
		return nil, err
	}
	return append(dst, pt...), nil
}

func testQueuedPrefetch(t *testing.T, viaAppend bool) {
	p := newPair(t)
	a, b, k, rec, ledger := p.a, p.b, p.k, p.rec, p.ledger
	k.RunAll()
	var am *appendMember
	if viaAppend {
		am = &appendMember{Member: b.member}
		b.member = am
	}
	e := b.Epoch()
	var evs []*mimi.Event
	var sent []Sent
	for seq := uint64(2); seq <= 4; seq++ {
		s := ledger.New("a@hub", 0, 100)
		ct, err := a.Protect(s.Plaintext)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, &mimi.Event{Kind: mimi.EventMessage, Seq: seq, Epoch: e, Sender: "a@hub", Payload: ct})
		sent = append(sent, s)
	}
	if !b.CanPrefetch(evs) {
		t.Fatal("messages not prefetchable")
	}
	slots := make([]PrefetchSlot, len(evs))
	b.QueuePrefetch(evs, slots)
	if b.Covered() != 4 || b.CanPrefetch(evs) {
		t.Fatalf("after queueing: covered %d, want 4, and the same messages must not be prefetchable again", b.Covered())
	}
	// The first is done before its delivery; the others only when the fence runs them.
	b.RunPrefetch(evs[:1], slots[:1], ledger.View())
	fences := 0
	b.SetFence(func() {
		fences++
		b.RunPrefetch(evs[1:], slots[1:], ledger.View())
	})
	deliver(b, 2, *evs[0])
	if fences != 0 {
		t.Fatalf("a delivery whose result was there called the fence %d times", fences)
	}
	deliver(b, 3, *evs[1])
	deliver(b, 4, *evs[2])
	k.RunAll()
	if fences != 1 {
		t.Fatalf("fence called %d times, want 1", fences)
	}
	if len(rec.fails) != 0 || len(rec.refused) != 0 {
		t.Fatalf("fails %v, refused %v", rec.fails, rec.refused)
	}
	if len(rec.decrypted) != 3 || rec.decrypted[0] != sent[0].ID || rec.decrypted[2] != sent[2].ID {
		t.Fatalf("decrypted %v, want the three messages in order", rec.decrypted)
	}
	if am != nil && am.calls != 3 {
		t.Fatalf("UnprotectAppend called %d times, want 3", am.calls)
	}
}

// TestQueuedSlotWait: with a slot wait set, a delivery waits for its own queued decryption
// only, an encryption waits for the client's newest queued decryption first (fenceOwn), and
// the ledger check made on the worker refuses a plaintext that does not match: here a view
// taken before the third message was recorded.
func TestQueuedSlotWait(t *testing.T) {
	p := newPair(t)
	a, b, k, rec, ledger := p.a, p.b, p.k, p.rec, p.ledger
	k.RunAll()
	e := b.Epoch()
	var evs []*mimi.Event
	var early LedgerView
	for seq := uint64(2); seq <= 4; seq++ {
		if seq == 4 {
			early = ledger.View()
		}
		s := ledger.New("a@hub", 0, 100)
		ct, err := a.Protect(s.Plaintext)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, &mimi.Event{Kind: mimi.EventMessage, Seq: seq, Epoch: e, Sender: "a@hub", Payload: ct})
	}
	slots := make([]PrefetchSlot, len(evs))
	b.QueuePrefetch(evs, slots)
	var waited []int
	b.SetFence(func() { t.Fatal("the fence was called; the slot wait should have been") })
	b.SetSlotWait(func(s *PrefetchSlot) {
		i := -1
		for j := range slots {
			if &slots[j] == s {
				i = j
			}
		}
		waited = append(waited, i)
		for j := 0; j <= i; j++ { // the batches up to s, in order
			if !slots[j].Done() {
				view := ledger.View()
				if j == 2 {
					view = early
				}
				b.RunPrefetch(evs[j:j+1], slots[j:j+1], view)
			}
		}
	})
	deliver(b, 2, *evs[0])
	if len(waited) != 1 || waited[0] != 0 || slots[1].Done() {
		t.Fatalf("waited for slots %v (second done: %v), want [0] only", waited, slots[1].Done())
	}
	// b encrypts: it must wait for its newest queued decryption, the third.
	if _, err := b.protect(ledger.New("b@hub", 0, 50)); err != nil {
		t.Fatal(err)
	}
	if len(waited) != 2 || waited[1] != 2 || !slots[2].Done() {
		t.Fatalf("waited for slots %v before encrypting, want [0 2]", waited)
	}
	deliver(b, 3, *evs[1])
	deliver(b, 4, *evs[2])
	k.RunAll()
	if len(waited) != 2 {
		t.Fatalf("waited for slots %v, want no more waits for results already there", waited)
	}
	if len(rec.fails) != 0 || len(rec.decrypted) != 2 || len(rec.refused) != 1 || rec.refused[0] != RefusePlaintext {
		t.Fatalf("fails %v, decrypted %v, refused %v: want 2 decrypted and the third refused (plaintext)", rec.fails, rec.decrypted, rec.refused)
	}
}

// TestPrefetchBacklogBounded: a backlog that never drains (each message prefetched three
// deliveries ahead) keeps a small slice of prefetched results, and every delivery takes its own.
func TestPrefetchBacklogBounded(t *testing.T) {
	p := newPair(t)
	a, b, k, rec, ledger := p.a, p.b, p.k, p.rec, p.ledger
	k.RunAll()
	const n, ahead = 40, 3
	var evs []*mimi.Event
	var ids []int64
	for i := range n {
		s := ledger.New("a@hub", 0, 100)
		ct, err := a.Protect(s.Plaintext)
		if err != nil {
			t.Fatal(err)
		}
		seq := uint64(i + 2)
		evs = append(evs, &mimi.Event{Kind: mimi.EventMessage, Seq: seq, Epoch: a.Epoch(), Sender: "a@hub", Payload: ct})
		ids = append(ids, s.ID)
	}
	for i := range n + ahead {
		if i < n {
			if !b.CanPrefetch(evs[i : i+1]) {
				t.Fatalf("message %d not prefetchable", i)
			}
			b.Prefetch(evs[i : i+1])
		}
		if j := i - ahead; j >= 0 {
			deliver(b, evs[j].Seq, *evs[j])
			if cap(b.pre) > 2*(ahead+1) {
				t.Fatalf("after %d deliveries with %d pending: %d prefetched slots", j+1, len(b.pre)-b.preHead, cap(b.pre))
			}
		}
	}
	k.RunAll()
	if len(rec.fails) != 0 || len(rec.refused) != 0 {
		t.Fatalf("fails %v, refused %v", rec.fails, rec.refused)
	}
	if len(rec.decrypted) != n {
		t.Fatalf("%d decrypted, want %d", len(rec.decrypted), n)
	}
	for i, id := range rec.decrypted {
		if id != ids[i] {
			t.Fatalf("decrypted %v, want %v", rec.decrypted, ids)
		}
	}
}
