package mimi

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/sim"
)

// decodedInbox is a fake client that may take Delivers by reference (DecodedReceiver when
// decoded is set) and records what it receives, decoded, and how.
type decodedInbox struct {
	decoded bool
	got     []any
	byRef   []bool
	w       *Wire
}

func (b *decodedInbox) TakesDecoded() bool { return b.decoded }

func (b *decodedInbox) Handle(_ *sim.Kernel, ev sim.Event) {
	p := ev.Data.(*Packet)
	m, err := b.w.DecodePacket(p)
	if err != nil {
		panic(err)
	}
	b.got = append(b.got, m)
	b.byRef = append(b.byRef, p.Msg != nil)
}

// TestSendDeliver sends Delivers of one and of two events from scratch space the sender
// overwrites at once, to a receiver that takes them by reference and to one that does not:
// both receive what was sent, the network charges the encoded size plus the transport
// overhead and the padding, and the Tap sees each payload.
func TestSendDeliver(t *testing.T) {
	for _, decoded := range []bool{true, false} {
		k := sim.New(1)
		acc := network.DefaultAccess()
		for name, a := range acc {
			a.Latency = network.Constant(time.Millisecond)
			a.Loss, a.UplinkMbps, a.DownlinkMbps = 0, 0, 0
			acc[name] = a
		}
		net, err := network.New(k, network.Config{Access: acc, RetransmitTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		dir := NewDirectory()
		w := &Wire{Net: net, Dir: dir}
		var tapped [][]byte
		w.Tap = func(_, _ network.NodeID, body []byte) { tapped = append(tapped, body) }
		pn, _ := net.AddNode("p", "eu-west-1", "datacenter")
		cn, _ := net.AddNode("c@p", "eu-west-1", "wifi")
		in := &decodedInbox{decoded: decoded, w: w}
		dir.Register(cn, in)

		ev := func(seq uint64, payload string) Event {
			return Event{Kind: EventMessage, Seq: seq, Epoch: 3, Sender: "a@q", Recipients: []string{"c@p"},
				Payload: []byte(payload), AcceptedNs: int64(seq), Pad: uint32(seq)}
		}
		want := []*Deliver{
			{LinkSeq: 1, Room: "r", Events: []Event{ev(1, "one")}},
			{LinkSeq: 2, Room: "r", Events: []Event{ev(2, "two"), ev(3, "three")}},
		}
		scratch := make([]Event, 2)
		charged := 0
		for _, d := range want {
			n := copy(scratch, d.Events)
			sd := &Deliver{LinkSeq: d.LinkSeq, Room: d.Room, Events: scratch[:n]}
			got := w.SendDeliver(pn, cn, sd)
			if exp := len(Encode(d)) + TransportOverhead + PadBytes(d); got != exp {
				t.Errorf("decoded=%v: SendDeliver charged %d bytes, want %d", decoded, got, exp)
			}
			charged += got
			for i := range scratch {
				scratch[i] = Event{Payload: []byte("overwritten")}
			}
		}
		k.RunAll()
		if len(in.got) != len(want) {
			t.Fatalf("decoded=%v: %d delivers received, want %d", decoded, len(in.got), len(want))
		}
		for i := range want {
			if !reflect.DeepEqual(in.got[i], want[i]) {
				t.Errorf("decoded=%v: deliver %d received as %+v, want %+v", decoded, i, in.got[i], want[i])
			}
			if in.byRef[i] != decoded {
				t.Errorf("decoded=%v: deliver %d by reference = %v", decoded, i, in.byRef[i])
			}
		}
		if st := net.Stats(pn); st.BytesOut != int64(charged) {
			t.Errorf("decoded=%v: the network carried %d bytes, SendDeliver charged %d", decoded, st.BytesOut, charged)
		}
		for _, p := range []string{"one", "two", "three"} {
			seen := false
			for _, b := range tapped {
				seen = seen || bytes.Contains(b, []byte(p))
			}
			if !seen {
				t.Errorf("decoded=%v: the Tap never saw payload %q", decoded, p)
			}
		}
	}
}

// releasingInbox takes Delivers by reference, keeps a copy of each, and releases the packet.
type releasingInbox struct {
	w    *Wire
	got  []Deliver
	mems []*Deliver
}

func (b *releasingInbox) TakesDecoded() bool { return true }

func (b *releasingInbox) Handle(_ *sim.Kernel, ev sim.Event) {
	p := ev.Data.(*Packet)
	d := p.Msg.(*Deliver)
	c := *d
	c.Events = append([]Event(nil), d.Events...)
	b.got, b.mems = append(b.got, c), append(b.mems, d)
	b.w.Release(p)
}

// TestRelease: with Recycle, a Deliver's memory handed back by its receiver carries the next
// Deliver (and is cleared in between); without it, every Deliver has its own. What the
// receiver sees is the same either way.
func TestRelease(t *testing.T) {
	for _, recycle := range []bool{true, false} {
		k := sim.New(1)
		net, err := network.New(k, network.Config{RetransmitTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		dir := NewDirectory()
		w := &Wire{Net: net, Dir: dir, Recycle: recycle}
		pn, _ := net.AddNode("p", "eu-west-1", "datacenter")
		cn, _ := net.AddNode("c@p", "eu-west-1", "datacenter")
		in := &releasingInbox{w: w}
		dir.Register(cn, in)
		for seq := uint64(1); seq <= 3; seq++ {
			w.SendDeliver(pn, cn, &Deliver{LinkSeq: seq, Room: "r", Events: []Event{{Kind: EventMessage, Seq: seq, Payload: []byte{byte(seq)}}}})
			k.RunAll()
		}
		if len(in.got) != 3 {
			t.Fatalf("recycle %v: %d Delivers received", recycle, len(in.got))
		}
		for i, d := range in.got {
			if d.LinkSeq != uint64(i+1) || len(d.Events) != 1 || d.Events[0].Payload[0] != byte(i+1) {
				t.Fatalf("recycle %v: Deliver %d is %+v", recycle, i, d)
			}
		}
		if reused := in.mems[0] == in.mems[1] && in.mems[1] == in.mems[2]; reused != recycle {
			t.Fatalf("recycle %v: memory reused %v", recycle, reused)
		}
		if recycle && (in.mems[0].LinkSeq != 0 || in.mems[0].Events != nil) {
			t.Fatalf("a released Deliver was not cleared: %+v", *in.mems[0])
		}
	}
}
