package mimi

import (
	"encoding/binary"
	"fmt"
)

// The encoding follows the conventions of RFC 9420 §2.1: fixed-width big-endian integers, and
// variable-length vectors prefixed by their length in bytes as a variable-size integer (2-bit
// length prefix, values up to 2^30−1). A list is a vector whose content is the concatenation of
// its encoded elements. Every message starts with the version byte and its Type.

type encoder struct {
	b []byte
	// shared, when not nil, receives the byte vectors of at least SharedVectorMin bytes instead
	// of b (see EncodeShared).
	shared *[][]byte
	// out is the number of bytes left out (shared vectors) and delta the extra bytes their
	// enclosing lists' length prefixes would take inline: the inline size is len(b)+out+delta.
	out, delta int
}

// SharedVectorMin is the size from which EncodeShared passes a byte vector (a commit, a Welcome,
// a payload) by reference instead of copying it into the encoding.
const SharedVectorMin = 64 << 10

func (e *encoder) u8(v uint8)   { e.b = append(e.b, v) }
func (e *encoder) u32(v uint32) { e.b = binary.BigEndian.AppendUint32(e.b, v) }
func (e *encoder) u64(v uint64) { e.b = binary.BigEndian.AppendUint64(e.b, v) }

func (e *encoder) varint(n int) {
	switch {
	case n < 1<<6:
		e.b = append(e.b, byte(n))
	case n < 1<<14:
		e.b = append(e.b, 0x40|byte(n>>8), byte(n))
	case n < 1<<30:
		e.b = append(e.b, 0x80|byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	default:
		panic(fmt.Sprintf("mimi: vector of %d bytes is too long to encode", n))
	}
}

func (e *encoder) bytes(v []byte) {
	e.varint(len(v))
	if e.shared != nil && len(v) >= SharedVectorMin {
		*e.shared = append(*e.shared, v)
		e.out += len(v)
		return
	}
	e.b = append(e.b, v...)
}
func (e *encoder) str(v string) { e.varint(len(v)); e.b = append(e.b, v...) }

// list encodes n elements with f as a vector: it reserves room for the length, encodes, then
// writes the length in the smallest form that fits.
func (e *encoder) list(n int, f func(i int)) {
	start := len(e.b)
	out0, delta0 := e.out, e.delta
	for i := 0; i < n; i++ {
		f(i)
	}
	// Make room for the length prefix by moving the body in place (no copy of it elsewhere).
	size := len(e.b) - start
	if left := e.out - out0 + e.delta - delta0; left > 0 {
		e.delta += varintLen(size+left) - varintLen(size)
	}
	prefix := varintLen(size)
	for i := 0; i < prefix; i++ {
		e.b = append(e.b, 0)
	}
	copy(e.b[start+prefix:], e.b[start:start+size])
	e.b = e.b[:start]
	e.varint(size)
	e.b = e.b[:start+prefix+size]
}

// varintLen is the length of the minimal variable-size encoding of n.
func varintLen(n int) int {
	switch {
	case n < 1<<6:
		return 1
	case n < 1<<14:
		return 2
	default:
		return 4
	}
}

// sizeHint estimates a message's encoded size, a little over, so that encoding allocates once;
// with shared set, it leaves out the byte vectors of events that EncodeShared passes by
// reference. Recipient lists are counted name by name: a hub's notify lists thousands.
func sizeHint(m any, shared bool) int {
	n := 64
	vec := func(b []byte) int {
		if shared && len(b) >= SharedVectorMin {
			return 4
		}
		return 4 + len(b)
	}
	add := func(evs []Event) {
		for i := range evs {
			n += 64 + len(evs[i].Sender) + vec(evs[i].Payload)
			for _, r := range evs[i].Recipients {
				n += 2 + len(r)
			}
			for _, h := range evs[i].Handshake {
				n += vec(h)
			}
		}
	}
	names := func(v []string) {
		for _, x := range v {
			n += 2 + len(x)
		}
	}
	switch m := m.(type) {
	case *UpdateRequest:
		n += vec(m.Welcome)
		names(m.Adds)
		names(m.Removes)
		for _, h := range m.Handshake {
			n += vec(h)
		}
	case *SubmitMessageRequest:
		n += vec(m.Message)
	case *ProposeRequest:
		n += vec(m.Proposal)
		names(m.Removes)
	case *KeyMaterialResponse:
		n += vec(m.KeyPackage)
	case *NotifyRequest:
		add(m.Events)
	case *Deliver:
		add(m.Events)
	}
	return n
}

func (e *encoder) strs(v []string) { e.list(len(v), func(i int) { e.str(v[i]) }) }
func (e *encoder) blobs(v [][]byte) {
	e.list(len(v), func(i int) { e.bytes(v[i]) })
}

type decoder struct {
	b   []byte
	err error
	in  *Interner
	// shared, when not nil, holds the vectors EncodeShared passed by reference, in order.
	shared *[][]byte
}

// Interner hands out one copy of each decoded string, so that decoding the same names (rooms,
// clients) over and over allocates nothing. It only saves memory and time: Decode and
// DecodeInterned give equal messages.
type Interner struct {
	m map[string]string
	// lists keeps decoded recipient lists by their encoding: a hub fans every message of a room
	// out with the same list per follower until the membership changes.
	lists map[string][]string
	// last is the last recipient list decoded name by name: the next list, the member list
	// without another sender, matches it nearly everywhere (recipients).
	last []string
}

// maxInternedLists bounds Interner.lists (it is emptied when full).
const maxInternedLists = 64

// minInternedList is the smallest encoded recipient list worth looking up whole.
const minInternedList = 256

func (in *Interner) intern(b []byte) string {
	if s, ok := in.m[string(b)]; ok { // no allocation for the lookup
		return s
	}
	if in.m == nil {
		in.m = make(map[string]string)
	}
	s := string(b)
	in.m[s] = s
	return s
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrDecode, what)
	}
}

func (d *decoder) u8() uint8 {
	if d.err != nil || len(d.b) < 1 {
		d.fail("truncated uint8")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) u32() uint32 {
	if d.err != nil || len(d.b) < 4 {
		d.fail("truncated uint32")
		return 0
	}
	v := binary.BigEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

func (d *decoder) u64() uint64 {
	if d.err != nil || len(d.b) < 8 {
		d.fail("truncated uint64")
		return 0
	}
	v := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *decoder) varint() int {
	if d.err != nil || len(d.b) < 1 {
		d.fail("truncated length")
		return 0
	}
	n := 1 << (d.b[0] >> 6)
	if n == 8 {
		d.fail("length prefix 0b11 is reserved")
		return 0
	}
	if len(d.b) < n {
		d.fail("truncated length")
		return 0
	}
	v := int(d.b[0] & 0x3f)
	for i := 1; i < n; i++ {
		v = v<<8 | int(d.b[i])
	}
	// Lengths must use the minimal encoding (RFC 9420 §2.1.2).
	if (n == 2 && v < 1<<6) || (n == 4 && v < 1<<14) {
		d.fail("length not minimally encoded")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte { return d.vector(false) }

// vector decodes a byte vector; an inline one (a string, a list's content) is never shared.
func (d *decoder) vector(inline bool) []byte {
	n := d.varint()
	if d.err != nil {
		return nil
	}
	if d.shared != nil && n >= SharedVectorMin && !inline {
		if len(*d.shared) == 0 || len((*d.shared)[0]) != n {
			d.fail("missing or wrong-sized shared vector")
			return nil
		}
		v := (*d.shared)[0]
		*d.shared = (*d.shared)[1:]
		return v[:n:n]
	}
	if len(d.b) < n {
		d.fail("truncated vector")
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	b := d.vector(true)
	if d.in != nil {
		return d.in.intern(b)
	}
	return string(b)
}

// list decodes a vector of elements, calling f with a decoder over the vector's content until
// it is consumed.
func (d *decoder) list(f func(sub *decoder)) {
	body := d.vector(true)
	if d.err != nil {
		return
	}
	d.elements(body, f)
}

// elements calls f until the list body is consumed, and fails d if an element does not decode.
func (d *decoder) elements(body []byte, f func(sub *decoder)) {
	sub := &decoder{b: body, in: d.in, shared: d.shared}
	for len(sub.b) > 0 && sub.err == nil {
		f(sub)
	}
	if sub.err != nil {
		d.fail(sub.err.Error())
	}
}

func (d *decoder) strs() []string {
	var v []string
	d.list(func(s *decoder) { v = append(v, s.str()) })
	return v
}

// recipients decodes an event's recipient list. With an Interner, a long list decoded before
// is returned as the same slice (callers only read recipient lists).
func (d *decoder) recipients() []string {
	if d.in == nil || d.err != nil {
		return d.strs()
	}
	body := d.vector(true)
	if d.err != nil {
		return nil
	}
	if len(body) >= minInternedList {
		if got, ok := d.in.lists[string(body)]; ok { // no allocation for the lookup
			return got
		}
	}
	// Each name is first compared with the last list's name at the same place (or the next),
	// and looked up only when it differs; the result is that of interning every name.
	var v []string
	last, j := d.in.last, 0
	d.elements(body, func(sub *decoder) {
		b := sub.vector(true)
		switch {
		case sub.err != nil:
			return
		case j < len(last) && last[j] == string(b):
			v = append(v, last[j])
			j++
		case j+1 < len(last) && last[j+1] == string(b):
			v = append(v, last[j+1])
			j += 2
		default:
			v = append(v, d.in.intern(b))
		}
	})
	if d.err != nil {
		return nil
	}
	d.in.last = v
	if len(body) >= minInternedList {
		if d.in.lists == nil || len(d.in.lists) >= maxInternedLists {
			d.in.lists = make(map[string][]string)
		}
		d.in.lists[string(body)] = v
	}
	return v
}

func (d *decoder) blobs() [][]byte {
	var v [][]byte
	d.list(func(s *decoder) { v = append(v, s.bytes()) })
	return v
}

func (e *encoder) event(ev *Event) {
	e.u8(uint8(ev.Kind))
	e.u64(ev.Seq)
	e.u64(ev.Epoch)
	e.str(ev.Sender)
	e.strs(ev.Recipients)
	e.blobs(ev.Handshake)
	e.bytes(ev.Payload)
	e.u64(uint64(ev.AcceptedNs))
	e.u32(ev.Pad)
}

func (d *decoder) event() Event {
	var ev Event
	ev.Kind = EventKind(d.u8())
	if d.err == nil && (ev.Kind < EventCommit || ev.Kind > EventProposal) {
		d.fail(fmt.Sprintf("unknown event kind %d", ev.Kind))
	}
	ev.Seq = d.u64()
	ev.Epoch = d.u64()
	ev.Sender = d.str()
	ev.Recipients = d.recipients()
	ev.Handshake = d.blobs()
	ev.Payload = d.bytes()
	ev.AcceptedNs = int64(d.u64())
	ev.Pad = d.u32()
	return ev
}

func (e *encoder) events(v []Event) { e.list(len(v), func(i int) { e.event(&v[i]) }) }

func (d *decoder) events() []Event {
	var v []Event
	d.list(func(s *decoder) { v = append(v, s.event()) })
	return v
}

// Encode returns the wire encoding of a message. m must be a pointer to one of the message
// types of this package; anything else is a programmer error and panics.
func Encode(m any) []byte {
	return encodeInto(&encoder{b: make([]byte, 0, sizeHint(m, false))}, m)
}

// EncodeShared is Encode that leaves byte vectors of SharedVectorMin bytes or more out of the
// encoding and returns them, in order, by reference: the simulated transport carries them with
// the body (counting their bytes) without copying them for every recipient. DecodeShared
// reverses it. The receiver must treat the shared vectors as read-only.
// size is the length Encode would give.
func EncodeShared(m any) (body []byte, shared [][]byte, size int) {
	e := &encoder{b: make([]byte, 0, sizeHint(m, true)), shared: &shared}
	body = encodeInto(e, m)
	return body, shared, len(body) + e.out + e.delta
}

// DecodeShared decodes a body produced by EncodeShared with its shared vectors.
func DecodeShared(body []byte, shared [][]byte, in *Interner) (any, error) {
	rest := shared
	m, err := decodeFrom(&decoder{b: body, in: in, shared: &rest}, body)
	if err == nil && len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d shared vectors left over", ErrDecode, len(rest))
	}
	return m, err
}

func encodeInto(e *encoder, m any) []byte {
	e.u8(WireVersion)
	switch m := m.(type) {
	case *KeyMaterialRequest:
		e.u8(uint8(TypeKeyMaterialRequest))
		e.u64(m.ReqID)
		e.str(m.Requester)
		e.str(m.User)
		e.str(m.Room)
	case *KeyMaterialResponse:
		e.u8(uint8(TypeKeyMaterialResponse))
		e.u64(m.ReqID)
		e.u8(uint8(m.Code))
		e.str(m.User)
		e.bytes(m.KeyPackage)
	case *UpdateRequest:
		e.u8(uint8(TypeUpdateRequest))
		e.u64(m.ReqID)
		e.str(m.Room)
		e.str(m.Sender)
		e.u64(m.Epoch)
		e.strs(m.Adds)
		e.strs(m.Removes)
		e.blobs(m.Handshake)
		e.bytes(m.Welcome)
		e.u32(m.Pad)
		e.u32(m.WelcomePad)
	case *UpdateResponse:
		e.u8(uint8(TypeUpdateResponse))
		e.u64(m.ReqID)
		e.u8(uint8(m.Code))
		e.u64(m.Epoch)
		e.u64(uint64(m.AcceptedNs))
	case *SubmitMessageRequest:
		e.u8(uint8(TypeSubmitMessageRequest))
		e.u64(m.ReqID)
		e.str(m.Room)
		e.str(m.Sender)
		e.u64(m.Epoch)
		e.bytes(m.Message)
	case *SubmitMessageResponse:
		e.u8(uint8(TypeSubmitMessageResponse))
		e.u64(m.ReqID)
		e.u8(uint8(m.Code))
		e.u64(m.Epoch)
		e.u64(uint64(m.AcceptedNs))
	case *NotifyRequest:
		e.u8(uint8(TypeNotifyRequest))
		e.u64(m.ReqID)
		e.u64(m.LinkSeq)
		e.str(m.Room)
		e.events(m.Events)
	case *NotifyResponse:
		e.u8(uint8(TypeNotifyResponse))
		e.u64(m.ReqID)
		e.u8(uint8(m.Code))
	case *Deliver:
		e.u8(uint8(TypeDeliver))
		e.u64(m.LinkSeq)
		e.str(m.Room)
		e.events(m.Events)
	case *ProposeRequest:
		e.u8(uint8(TypeProposeRequest))
		e.u64(m.ReqID)
		e.str(m.Room)
		e.str(m.Sender)
		e.u64(m.Epoch)
		e.strs(m.Removes)
		e.bytes(m.Proposal)
	case *RetryAfter:
		e.u8(uint8(TypeRetryAfter))
		e.u64(m.ReqID)
		e.u64(uint64(m.RetryAfterNs))
	case *DeliverAck:
		e.u8(uint8(TypeDeliverAck))
		e.u64(m.LinkSeq)
	default:
		panic(fmt.Sprintf("mimi: Encode of unsupported %T", m))
	}
	return e.b
}

// Decode parses one encoded message and returns a pointer to the message value. Malformed,
// truncated or over-long input returns an error wrapping ErrDecode.
func Decode(b []byte) (any, error) { return DecodeInterned(b, nil) }

// DecodeInterned is Decode with the strings taken from in (nil: fresh strings).
func DecodeInterned(b []byte, in *Interner) (any, error) {
	return decodeFrom(&decoder{b: b, in: in}, b)
}

func decodeFrom(d *decoder, b []byte) (any, error) {
	if v := d.u8(); d.err == nil && v != WireVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrDecode, v, WireVersion)
	}
	t := Type(d.u8())
	var m any
	switch t {
	case TypeKeyMaterialRequest:
		m = &KeyMaterialRequest{ReqID: d.u64(), Requester: d.str(), User: d.str(), Room: d.str()}
	case TypeKeyMaterialResponse:
		m = &KeyMaterialResponse{ReqID: d.u64(), Code: Code(d.u8()), User: d.str(), KeyPackage: d.bytes()}
	case TypeUpdateRequest:
		m = &UpdateRequest{ReqID: d.u64(), Room: d.str(), Sender: d.str(), Epoch: d.u64(),
			Adds: d.strs(), Removes: d.strs(), Handshake: d.blobs(), Welcome: d.bytes(), Pad: d.u32(), WelcomePad: d.u32()}
	case TypeUpdateResponse:
		m = &UpdateResponse{ReqID: d.u64(), Code: Code(d.u8()), Epoch: d.u64(), AcceptedNs: int64(d.u64())}
	case TypeSubmitMessageRequest:
		m = &SubmitMessageRequest{ReqID: d.u64(), Room: d.str(), Sender: d.str(), Epoch: d.u64(), Message: d.bytes()}
	case TypeSubmitMessageResponse:
		m = &SubmitMessageResponse{ReqID: d.u64(), Code: Code(d.u8()), Epoch: d.u64(), AcceptedNs: int64(d.u64())}
	case TypeNotifyRequest:
		m = &NotifyRequest{ReqID: d.u64(), LinkSeq: d.u64(), Room: d.str(), Events: d.events()}
	case TypeNotifyResponse:
		m = &NotifyResponse{ReqID: d.u64(), Code: Code(d.u8())}
	case TypeDeliver:
		m = &Deliver{LinkSeq: d.u64(), Room: d.str(), Events: d.events()}
	case TypeProposeRequest:
		m = &ProposeRequest{ReqID: d.u64(), Room: d.str(), Sender: d.str(), Epoch: d.u64(), Removes: d.strs(), Proposal: d.bytes()}
	case TypeRetryAfter:
		m = &RetryAfter{ReqID: d.u64(), RetryAfterNs: int64(d.u64())}
	case TypeDeliverAck:
		m = &DeliverAck{LinkSeq: d.u64()}
	default:
		if d.err == nil {
			return nil, fmt.Errorf("%w: unknown message type %d", ErrDecode, uint8(t))
		}
	}
	if d.err != nil {
		return nil, fmt.Errorf("decoding %v: %w", t, d.err)
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes after %v", ErrDecode, len(d.b), t)
	}
	return m, nil
}
