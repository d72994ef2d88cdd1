package mimi

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// TestDeliverSize: DeliverSize equals the length of the encoding and the size EncodeShared
// reports, for Delivers around every length-prefix boundary, shared vectors included.
func TestDeliverSize(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 63, 64, 100, 16383, 16384, SharedVectorMin - 1, SharedVectorMin, 1 << 20}
	pick := func() int { return sizes[rng.IntN(len(sizes))] }
	for i := 0; i < 300; i++ {
		d := &Deliver{LinkSeq: rng.Uint64(), Room: strings.Repeat("r", rng.IntN(80))}
		for range rng.IntN(4) {
			ev := Event{Kind: EventKind(1 + rng.IntN(4)), Seq: rng.Uint64(), Epoch: rng.Uint64(),
				Sender: strings.Repeat("s", rng.IntN(70)), Payload: bytes.Repeat([]byte{7}, pick()),
				AcceptedNs: rng.Int64(), Pad: rng.Uint32()}
			for range rng.IntN(3) {
				ev.Recipients = append(ev.Recipients, strings.Repeat("c", rng.IntN(100)))
			}
			for range rng.IntN(3) {
				ev.Handshake = append(ev.Handshake, bytes.Repeat([]byte{9}, pick()))
			}
			if rng.IntN(10) == 0 { // a recipient list longer than 63 bytes in all
				for range 20 {
					ev.Recipients = append(ev.Recipients, "c001@provider")
				}
			}
			d.Events = append(d.Events, ev)
		}
		_, _, shared := EncodeShared(d)
		if got, enc := DeliverSize(d), len(Encode(d)); got != enc || got != shared {
			t.Fatalf("Deliver %d: DeliverSize %d, len(Encode) %d, EncodeShared %d", i, got, enc, shared)
		}
	}
}

// FuzzDeliverSize checks DeliverSize against the encoding of any Deliver that decodes.
func FuzzDeliverSize(f *testing.F) {
	f.Add(Encode(&Deliver{LinkSeq: 3, Room: "room-1", Events: []Event{{Kind: EventMessage, Seq: 9, Sender: "c000@hub", Recipients: []string{"c001@us"}, Payload: []byte("ciphertext")}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		d, ok := m.(*Deliver)
		if !ok {
			return
		}
		if got, want := DeliverSize(d), len(Encode(d)); got != want {
			t.Fatalf("DeliverSize %d, encoding %d bytes", got, want)
		}
	})
}

// TestInternedRecipientLists: with one Interner, a long recipient list decoded twice is the
// same slice; another list is not confused with it; short lists are decoded afresh.
func TestInternedRecipientLists(t *testing.T) {
	var long, other []string
	for i := range 40 {
		long = append(long, ClientID("prov-us", i))
		other = append(other, ClientID("prov-de", i))
	}
	enc := func(rs []string) []byte {
		return Encode(&NotifyRequest{ReqID: 1, LinkSeq: 1, Room: "room-1", Events: []Event{{Kind: EventMessage, Seq: 2, Sender: "c000@hub", Recipients: rs, Payload: []byte("x")}}})
	}
	var in Interner
	get := func(b []byte) []string {
		m, err := DecodeInterned(b, &in)
		if err != nil {
			t.Fatal(err)
		}
		return m.(*NotifyRequest).Events[0].Recipients
	}
	a, b, c := get(enc(long)), get(enc(long)), get(enc(other))
	if &a[0] != &b[0] || !slices.Equal(a, long) {
		t.Fatalf("the same long list decoded twice: shared %v, equal %v", &a[0] == &b[0], slices.Equal(a, long))
	}
	if !slices.Equal(c, other) || &c[0] == &a[0] {
		t.Fatal("another list decoded as the first")
	}
	short := []string{"c001@us"}
	if x, y := get(enc(short)), get(enc(short)); &x[0] == &y[0] || !slices.Equal(x, short) {
		t.Fatal("a short list was shared")
	}
}

// TestRecipientListsAgainstLast: lists that differ from the last one decoded by a name dropped
// or added decode to their names, each the interned string.
func TestRecipientListsAgainstLast(t *testing.T) {
	var members []string
	for i := range 60 {
		members = append(members, ClientID("prov-us", i))
	}
	var in Interner
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 200 {
		rs := slices.Clone(members)
		switch round % 3 {
		case 0: // without a sender
			i := rng.IntN(len(rs))
			rs = slices.Delete(rs, i, i+1)
		case 1: // with a stranger in it
			rs = slices.Insert(rs, rng.IntN(len(rs)), ClientID("prov-de", round))
		case 2: // without two
			i := rng.IntN(len(rs) - 1)
			rs = slices.Delete(rs, i, i+2)
		}
		b := Encode(&NotifyRequest{ReqID: 1, LinkSeq: 1, Room: "room-1", Events: []Event{{Kind: EventMessage, Seq: 2, Sender: "c000@hub", Recipients: rs, Payload: []byte("x")}}})
		m, err := DecodeInterned(b, &in)
		if err != nil {
			t.Fatal(err)
		}
		got := m.(*NotifyRequest).Events[0].Recipients
		if !slices.Equal(got, rs) {
			t.Fatalf("round %d: decoded %v, want %v", round, got, rs)
		}
		for _, r := range got {
			if unsafe.StringData(r) != unsafe.StringData(in.intern([]byte(r))) {
				t.Fatalf("round %d: %s is not the interned string", round, r)
			}
		}
	}
}
