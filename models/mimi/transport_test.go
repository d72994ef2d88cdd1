package mimi

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/sim"
)

// TestConnectionsDeliverInOrder sends many messages over a link with widely varying delays: the
// network lets later messages arrive first, the Wire hands them over in sending order, each no
// earlier than its own arrival.
func TestConnectionsDeliverInOrder(t *testing.T) {
	k := sim.New(3)
	acc := network.DefaultAccess()
	lte := acc["lte"]
	lte.Latency = network.LogNormal(40*time.Millisecond, 1.5) // heavy spread: many overtakes
	lte.Loss, lte.UplinkMbps, lte.DownlinkMbps = 0, 0, 0
	acc["lte"] = lte
	net, err := network.New(k, network.Config{Access: acc, RetransmitTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	dir := NewDirectory()
	w := &Wire{Net: net, Dir: dir}
	a, _ := net.AddNode("a@p", "eu-west-1", "lte")
	p, _ := net.AddNode("p", "eu-west-1", "datacenter")
	in := &inbox{}
	dir.Register(p, in)
	var arrivals []sim.Time
	dir.Register(a, &inbox{})
	var sentAt []sim.Time
	for i := 0; i < 200; i++ {
		i := i
		k.Schedule(sim.Time(i)*sim.Time(time.Millisecond), sim.HandlerFunc(func(k *sim.Kernel, _ sim.Event) {
			sentAt = append(sentAt, k.Now())
			w.Send(a, p, &SubmitMessageRequest{ReqID: uint64(i)})
		}), 0, nil)
	}
	dir.Register(p, sim.HandlerFunc(func(k *sim.Kernel, ev sim.Event) {
		m, _ := Decode(ev.Data.(*Packet).Body)
		in.got = append(in.got, m)
		arrivals = append(arrivals, k.Now())
	}))
	k.RunAll()
	if len(in.got) != 200 {
		t.Fatalf("%d of 200 delivered", len(in.got))
	}
	for i, m := range in.got {
		if id := m.(*SubmitMessageRequest).ReqID; id != uint64(i) {
			t.Fatalf("message %d handed over in position %d", id, i)
		}
		if i > 0 && arrivals[i] < arrivals[i-1] {
			t.Fatal("hand-over times go backwards")
		}
		if arrivals[i] < sentAt[i] {
			t.Fatal("a message arrived before it was sent")
		}
	}
	if w.HeadOfLine == 0 {
		t.Fatal("no message overtook another: the test does not exercise ordering")
	}
	if st := net.Stats(a); st.MsgsOut != 200 {
		t.Fatalf("network counted %d messages", st.MsgsOut)
	}
}

// TestTapSharedVectors: Tap sees a large shared vector once, however many recipients it goes to,
// and every byte of a small message in its body.
func TestTapSharedVectors(t *testing.T) {
	k := sim.New(1)
	net, err := network.New(k, network.Config{Access: network.DefaultAccess(), RetransmitTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := net.AddNode("a", "eu-west-1", "datacenter")
	b, _ := net.AddNode("b", "eu-west-1", "datacenter")
	var seen int
	var bigSeen int
	big := make([]byte, SharedVectorMin)
	w := &Wire{Net: net, Dir: NewDirectory(), Tap: func(_, _ network.NodeID, body []byte) {
		seen += len(body)
		if len(body) == len(big) && &body[0] == &big[0] {
			bigSeen++
		}
	}}
	for i := 0; i < 3; i++ {
		w.Send(a, b, &Deliver{LinkSeq: uint64(i + 1), Room: "r", Events: []Event{{Kind: EventCommit, Handshake: [][]byte{big}}}})
	}
	if bigSeen != 1 {
		t.Errorf("the shared commit was shown %d times, want once", bigSeen)
	}
	small := &Deliver{LinkSeq: 4, Room: "r", Events: []Event{{Kind: EventMessage, Payload: []byte("hello")}}}
	before := seen
	w.Send(a, b, small)
	if seen-before != len(Encode(small)) {
		t.Errorf("a small message showed %d bytes, its encoding has %d", seen-before, len(Encode(small)))
	}
}

// TestConnRing: the held-packet ring of a connection, fed sequence numbers in random orders with
// duplicates, hands packets over in order exactly once, as a map of held packets would.
func TestConnRing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(100)
		var arrivals []uint64
		for s := 1; s <= n; s++ {
			arrivals = append(arrivals, uint64(s))
			if rng.IntN(5) == 0 {
				arrivals = append(arrivals, uint64(s)) // a duplicate
			}
		}
		// Shuffle within a window, so that the gaps stay realistic but vary up to 40.
		win := 1 + rng.IntN(40)
		for i := range arrivals {
			j := min(len(arrivals)-1, i+rng.IntN(win))
			arrivals[i], arrivals[j] = arrivals[j], arrivals[i]
		}
		c := &conn{next: 1}
		var out []uint64
		dups := 0
		for _, seq := range arrivals {
			p := &Packet{Seq: seq}
			switch c.accept(p) {
			case arrivedDuplicate:
				dups++
				continue
			case arrivedEarly:
				continue
			}
			for p != nil {
				c.step()
				out = append(out, p.Seq)
				p = c.take()
			}
		}
		if len(out) != n || dups != len(arrivals)-n || c.nheld != 0 {
			t.Fatalf("trial %d: handed over %d of %d, %d duplicates of %d, %d still held", trial, len(out), n, dups, len(arrivals)-n, c.nheld)
		}
		for i, s := range out {
			if s != uint64(i+1) {
				t.Fatalf("trial %d: position %d handed over %d", trial, i, s)
			}
		}
	}
}
