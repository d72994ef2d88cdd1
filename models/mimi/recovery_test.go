package mimi

import (
	"testing"
	"time"

	"github.com/mimisim/mimisim/sim"
)

// messageSeqs returns the distinct link_seq values of the deliveries carrying a message event
// that an inbox received (retransmissions of one delivery share their link_seq).
func messageSeqs(b *inbox) map[uint64]bool {
	seqs := map[uint64]bool{}
	for _, m := range b.got {
		if d, ok := m.(*Deliver); ok && d.Events[0].Kind == EventMessage {
			seqs[d.LinkSeq] = true
		}
	}
	return seqs
}

func countOf[T any](b *inbox) int {
	n := 0
	for _, m := range b.got {
		if _, ok := m.(T); ok {
			n++
		}
	}
	return n
}

// A crashed hub drops what reaches it; restarted, it answers Retry-After for its warm-up, then
// serves; a retried message is answered again but accepted and fanned out once; deliveries
// that nobody acknowledges are sent again with the same link_seq.
func TestProviderCrashRestart(t *testing.T) {
	tb := newTestbedWith(t, true)
	submit := func(id uint64) {
		tb.w.Send(tb.a, tb.hub.Node(), &SubmitMessageRequest{ReqID: id, Room: "r", Sender: "a@hub", Epoch: 1, Message: []byte("ct-1")})
	}
	tb.w.Send(tb.a, tb.hub.Node(), &UpdateRequest{ReqID: 1, Room: "r", Sender: "a@hub", Epoch: 0,
		Adds: []string{"b@fol", "c@fol"}, Handshake: [][]byte{[]byte("commit")}, Welcome: []byte("welcome")})
	tb.k.Run(sim.Time(time.Second))
	if r := last[*UpdateResponse](t, tb.ia); r.Code != CodeSuccess {
		t.Fatalf("add: %v", r.Code)
	}

	tb.hub.Crash()
	submit(2)
	tb.k.Run(sim.Time(2 * time.Second))
	if f := tb.hub.Stats().Faults; f.LostWhileDown != 1 || f.Crashes != 1 {
		t.Fatalf("while down: %+v", f)
	}
	if n := countOf[*SubmitMessageResponse](tb.ia); n != 0 {
		t.Fatalf("a down hub answered %d submits", n)
	}

	tb.hub.Restart()
	submit(2)
	tb.k.Run(sim.Time(2100 * time.Millisecond))
	ra := last[*RetryAfter](t, tb.ia)
	if ra.ReqID != 2 || ra.RetryAfterNs <= 0 || ra.RetryAfterNs > int64(200*time.Millisecond) {
		t.Fatalf("Retry-After %+v: want request 2 and a wait of at most 200ms", ra)
	}

	tb.k.Run(sim.Time(2500 * time.Millisecond))
	submit(2)
	tb.k.Run(sim.Time(3 * time.Second))
	first := last[*SubmitMessageResponse](t, tb.ia)
	submit(2) // the client did not hear the answer and retries
	tb.k.Run(sim.Time(10 * time.Second))
	again := last[*SubmitMessageResponse](t, tb.ia)
	if first.Code != CodeSuccess || again == first || again.Code != first.Code || again.AcceptedNs != first.AcceptedNs {
		t.Fatalf("answers %+v then %+v: want the same success twice", first, again)
	}
	if st := tb.hub.Stats(); st.Accepted != 2 || st.Faults.DuplicatesDrop != 1 {
		t.Errorf("hub accepted %d (want the commit and one message), dropped %d duplicates (want 1)", st.Accepted, st.Faults.DuplicatesDrop)
	}
	for name, b := range map[string]*inbox{"b": tb.ib, "c": tb.ic} {
		if seqs := messageSeqs(b); len(seqs) != 1 {
			t.Errorf("%s got the message under %d link_seqs, want 1", name, len(seqs))
		}
		if countOf[*Deliver](b) < 3 {
			t.Errorf("%s got %d deliveries: the unacknowledged ones were not sent again", name, countOf[*Deliver](b))
		}
	}
	// Acknowledging everything stops the retransmissions.
	tb.w.Send(tb.b, tb.fol.Node(), &DeliverAck{LinkSeq: 10})
	tb.w.Send(tb.c, tb.fol.Node(), &DeliverAck{LinkSeq: 10})
	tb.k.Run(sim.Time(11 * time.Second))
	before := countOf[*Deliver](tb.ib)
	tb.k.Run(sim.Time(30 * time.Second))
	if after := countOf[*Deliver](tb.ib); after != before {
		t.Errorf("b got %d more deliveries after acknowledging everything", after-before)
	}
}

// The wire drops network duplicates and, with Recover, breaks a connection whose message the
// network gave up on, so that later messages are not held for ever behind it.
func TestWireDuplicatesAndBrokenConnections(t *testing.T) {
	tb := newTestbedWith(t, true)
	tb.w.Dropped(tb.k, KindPacket, &Packet{From: tb.a, To: tb.hub.Node(), Seq: 1, conn: tb.w.conn(tb.a, tb.hub.Node())})
	if tb.w.Broken != 1 {
		t.Fatalf("Broken = %d after a drop, want 1", tb.w.Broken)
	}
	p := &Packet{From: tb.hub.Node(), To: tb.a, Seq: 1, Body: Encode(&DeliverAck{}), conn: tb.w.conn(tb.hub.Node(), tb.a)}
	tb.w.Handle(tb.k, sim.Event{Data: p})
	tb.w.Handle(tb.k, sim.Event{Data: p})
	if tb.w.Duplicates != 1 || len(tb.ia.got) != 1 {
		t.Errorf("duplicates %d, delivered %d: want 1 and 1", tb.w.Duplicates, len(tb.ia.got))
	}
	tb.w.ResetNode(tb.a)
	tb.w.Handle(tb.k, sim.Event{Data: &Packet{From: tb.hub.Node(), To: tb.a, Seq: 2, Body: p.Body, conn: p.conn}})
	if tb.w.Lost != 2 || len(tb.ia.got) != 1 {
		t.Errorf("lost %d, delivered %d after a reset: want 2 and 1", tb.w.Lost, len(tb.ia.got))
	}
}

// An overloaded provider (MaxQueue) answers the requests that find its queue full with
// Retry-After instead of queueing them.
func TestProviderShedsLoad(t *testing.T) {
	tb := newTestbedWith(t, true)
	tb.fol.rec.MaxQueue = 2 // one core: 1 in service + 2 waiting, the rest are shed
	for id := uint64(1); id <= 6; id++ {
		tb.w.Send(tb.b, tb.fol.Node(), &KeyMaterialRequest{ReqID: id, Requester: "b@fol", User: "c@fol", Room: "r"})
	}
	tb.k.Run(sim.Time(time.Second))
	if n := countOf[*RetryAfter](tb.ib); n != 3 || tb.fol.Stats().Faults.Shed != 3 {
		t.Errorf("%d Retry-After answers, %d shed; want 3 and 3", n, tb.fol.Stats().Faults.Shed)
	}
	if n := countOf[*KeyMaterialResponse](tb.ib); n != 3 {
		t.Errorf("%d requests served, want 3", n)
	}
}
