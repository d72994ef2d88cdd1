package client

import (
	"strings"
	"testing"

	"github.com/mimisim/mimisim/models/mimi"
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
