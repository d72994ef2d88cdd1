package mimi

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func sampleMessages() []any {
	ev := []Event{
		{Kind: EventCommit, Seq: 7, Epoch: 3, Sender: "c001@hub", Recipients: []string{"c000@f", "c002@f"},
			Handshake: [][]byte{[]byte("proposal"), []byte("commit")}, Payload: []byte{}, AcceptedNs: 12345, Pad: 1 << 20},
		{Kind: EventMessage, Seq: 8, Epoch: 4, Sender: "c001@hub", Recipients: []string{"c002@f"},
			Payload: bytes.Repeat([]byte{0xAB}, 300), AcceptedNs: 99},
	}
	return []any{
		&KeyMaterialRequest{ReqID: 1, Requester: "c000@hub", User: "c003@f", Room: "r"},
		&KeyMaterialResponse{ReqID: 1, Code: CodeSuccess, User: "c003@f", KeyPackage: []byte("kp")},
		&UpdateRequest{ReqID: 2, Room: "r", Sender: "c000@hub", Epoch: 5, Adds: []string{"a@f", "b@g"},
			Removes: []string{"c@h"}, Handshake: [][]byte{[]byte("p"), []byte("c")}, Welcome: []byte("w"), Pad: 7, WelcomePad: 3350000},
		&UpdateResponse{ReqID: 2, Code: CodeWrongEpoch, Epoch: 6, AcceptedNs: 1 << 40},
		&SubmitMessageRequest{ReqID: 3, Room: "r", Sender: "x@y", Epoch: 9, Message: bytes.Repeat([]byte{1}, 70000)},
		&SubmitMessageResponse{ReqID: 3, Code: CodeEpochTooOld, Epoch: 10},
		&NotifyRequest{ReqID: 4, LinkSeq: 2, Room: "r", Events: ev},
		&NotifyResponse{ReqID: 4, Code: CodeSuccess},
		&Deliver{LinkSeq: 9, Room: "r", Events: ev[1:]},
		&ProposeRequest{ReqID: 5, Room: "r", Sender: "b@f", Epoch: 3, Removes: []string{"b@f"}, Proposal: []byte("remove")},
		&Deliver{LinkSeq: 10, Room: "r", Events: []Event{{Kind: EventProposal, Seq: 9, Epoch: 3, Sender: "b@f",
			Recipients: []string{"c@f"}, Handshake: [][]byte{[]byte("remove")}}}},
		&RetryAfter{ReqID: 5, RetryAfterNs: 1500000000},
		&DeliverAck{LinkSeq: 12},
	}
}

// normalize makes empty and nil slices compare equal, as the encoding does not tell them apart.
func normalize(v any) any {
	b := Encode(v)
	m, _ := Decode(b)
	return m
}

func TestRoundTrip(t *testing.T) {
	for _, m := range sampleMessages() {
		t.Run(reflect.TypeOf(m).Elem().Name(), func(t *testing.T) {
			b := Encode(m)
			got, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normalize(got), normalize(m)) || !bytes.Equal(Encode(got), b) {
				t.Fatalf("round trip changed the message:\n got %+v\nwant %+v", got, m)
			}
		})
	}
}

func TestSizes(t *testing.T) {
	// version, type, reqID, then code: an UpdateResponse is 1+1+8+1+8+8 bytes.
	if n := len(Encode(&UpdateResponse{})); n != 27 {
		t.Errorf("UpdateResponse is %d bytes, want 27", n)
	}
	// A 300-byte payload takes a 2-byte length; 70000 bytes a 4-byte one.
	m := &SubmitMessageRequest{Message: make([]byte, 300)}
	if n := len(Encode(m)); n != 1+1+8+1+1+8+2+300 {
		t.Errorf("SubmitMessageRequest with 300 B is %d bytes", n)
	}
	m.Message = make([]byte, 70000)
	if n := len(Encode(m)); n != 1+1+8+1+1+8+4+70000 {
		t.Errorf("SubmitMessageRequest with 70000 B is %d bytes", n)
	}
}

func TestDecodeRejects(t *testing.T) {
	good := Encode(&UpdateRequest{ReqID: 1, Room: "r", Sender: "s", Handshake: [][]byte{[]byte("x")}})
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"version only", []byte{WireVersion}},
		{"bad version", append([]byte{2}, good[1:]...)},
		{"unknown type", []byte{WireVersion, 200}},
		{"truncated", good[:len(good)-1]},
		{"trailing byte", append(append([]byte{}, good...), 0)},
		{"reserved length prefix", []byte{WireVersion, byte(TypeNotifyResponse), 0, 0, 0, 0, 0, 0, 0, 0}},
		{"non-minimal length", []byte{WireVersion, byte(TypeDeliver), 0, 0, 0, 0, 0, 0, 0, 1, 0x40, 0x01, 'r', 0}},
		{"bad event kind", Encode(&Deliver{Room: "r", Events: []Event{{Kind: 9}}})},
		{"vector longer than input", []byte{WireVersion, byte(TypeDeliver), 0, 0, 0, 0, 0, 0, 0, 1, 0x80, 0, 0x10, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Decode(tc.in)
			if err == nil || !errors.Is(err, ErrDecode) {
				t.Fatalf("Decode(%x) = %v, %v; want an ErrDecode", tc.in, m, err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, m := range sampleMessages() {
		f.Add(Encode(m))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("error does not wrap ErrDecode: %v", err)
			}
			return
		}
		// Whatever decodes must encode back to the same bytes.
		if again := Encode(m); !bytes.Equal(again, b) {
			t.Fatalf("decode/encode is not the identity:\n in %x\nout %x", b, again)
		}
	})
}

func TestPadBytes(t *testing.T) {
	msgs := sampleMessages()
	want := []int{0, 0, 7 + 3350000, 0, 0, 0, 1 << 20, 0, 0, 0, 0, 0, 0}
	for i, m := range msgs {
		if got := PadBytes(m); got != want[i] {
			t.Errorf("PadBytes(%T) = %d, want %d", m, got, want[i])
		}
	}
}

func TestDecodeInternedEqualsDecode(t *testing.T) {
	var in Interner
	for _, m := range sampleMessages() {
		b := Encode(m)
		a, err1 := Decode(b)
		c, err2 := DecodeInterned(b, &in)
		d, err3 := DecodeInterned(b, &in) // second time: from the table
		if err1 != nil || err2 != nil || err3 != nil || !reflect.DeepEqual(a, c) || !reflect.DeepEqual(a, d) {
			t.Fatalf("%T: interned decoding differs", m)
		}
	}
	if n := testing.AllocsPerRun(100, func() { in.intern([]byte("c000@hub")) }); n != 0 {
		t.Fatalf("interning a known name allocates %v times", n)
	}
}

func BenchmarkEncodeDeliver(b *testing.B) {
	d := &Deliver{LinkSeq: 7, Room: "room-1", Events: []Event{{Kind: EventMessage, Seq: 9, Epoch: 1,
		Sender: "c000@hub", Recipients: []string{"c001@prov-us"}, Payload: make([]byte, 264)}}}
	b.ReportAllocs()
	for b.Loop() {
		Encode(d)
	}
}

func TestEncodeSharedRoundTrip(t *testing.T) {
	big := make([]byte, SharedVectorMin+5)
	for i := range big {
		big[i] = byte(i)
	}
	names := make([]string, 6000) // a list longer than SharedVectorMin stays inline
	for i := range names {
		names[i] = ClientID("prov-a", i)
	}
	msgs := []any{
		&UpdateRequest{ReqID: 1, Room: "r", Sender: "a@p", Epoch: 2, Adds: names, Handshake: [][]byte{big, {1, 2}}, Welcome: big, Pad: 3, WelcomePad: 4},
		&Deliver{LinkSeq: 3, Room: "r", Events: []Event{{Kind: EventCommit, Seq: 1, Sender: "a@p", Recipients: names, Handshake: [][]byte{big}}, {Kind: EventMessage, Seq: 2, Payload: []byte{9}}}},
	}
	for _, m := range msgs {
		body, shared, n := EncodeShared(m)
		whole := Encode(m)
		for _, v := range shared {
			if &v[0] != &big[0] {
				t.Errorf("%T: a shared vector is a copy", m)
			}
		}
		if n != len(whole) || len(shared) == 0 {
			t.Errorf("%T: body %d + shared = %d bytes, Encode gives %d (%d shared)", m, len(body), n, len(whole), len(shared))
		}
		got, err := DecodeShared(body, shared, nil)
		if err != nil {
			t.Fatalf("%T: %v", m, err)
		}
		want, err := Decode(whole)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%T: DecodeShared differs from Decode", m)
		}
		if _, err := DecodeShared(body, nil, nil); err == nil {
			t.Errorf("%T: decoding without the shared vectors succeeded", m)
		}
	}
}

// TestEncodeAllocatesOnce: encoding sizes its buffer from the message (sizeHint), so a hub's
// notify with thousands of recipients allocates no more than one with a single recipient
// (the buffer is not regrown), by Encode and by EncodeShared alike.
func TestEncodeAllocatesOnce(t *testing.T) {
	notify := func(n int) *NotifyRequest {
		rs := make([]string, n)
		for i := range rs {
			rs[i] = ClientID("prov-sg", i)
		}
		return &NotifyRequest{ReqID: 1, LinkSeq: 2, Room: "room", Events: []Event{
			{Kind: EventMessage, Seq: 3, Epoch: 4, Sender: "c001@hub-eu", Recipients: rs, Payload: make([]byte, 200)},
			{Kind: EventCommit, Seq: 5, Epoch: 4, Sender: "c001@hub-eu", Recipients: rs, Handshake: [][]byte{make([]byte, SharedVectorMin)}}}}
	}
	for _, c := range []struct {
		name string
		enc  func(m any)
	}{{"Encode", func(m any) { Encode(m) }}, {"EncodeShared", func(m any) { EncodeShared(m) }}} {
		small, large := notify(1), notify(5000)
		one := testing.AllocsPerRun(20, func() { c.enc(small) })
		many := testing.AllocsPerRun(20, func() { c.enc(large) })
		if many != one {
			t.Errorf("%s: %v allocations for 5,000 recipients, %v for one", c.name, many, one)
		}
	}
}
