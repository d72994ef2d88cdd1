package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// MaxVarint is the largest value (and so the largest vector length) a §2.1.2 varint can carry.
const MaxVarint = 1<<30 - 1

// Errors returned by the decoder. Callers can match them with errors.Is.
var (
	ErrShort          = errors.New("codec: unexpected end of input")
	ErrNonMinimal     = errors.New("codec: varint is not minimally encoded")
	ErrInvalidVarint  = errors.New("codec: varint uses the reserved 0b11 prefix")
	ErrTrailing       = errors.New("codec: trailing bytes after structure")
	ErrBadOptional    = errors.New("codec: optional presence flag is neither 0 nor 1")
	ErrTooLong        = errors.New("codec: vector longer than 2^30-1 bytes")
	ErrUnknownVariant = errors.New("codec: unknown variant selector")
)

// VarintLen reports how many bytes the §2.1.2 encoding of v takes (1, 2 or 4), or 0 if v is too large.
func VarintLen(v uint64) int {
	switch {
	case v < 1<<6:
		return 1
	case v < 1<<14:
		return 2
	case v < 1<<30:
		return 4
	default:
		return 0
	}
}

// AppendVarint appends the minimal §2.1.2 encoding of v to b. It fails when v > MaxVarint.
func AppendVarint(b []byte, v uint64) ([]byte, error) {
	switch VarintLen(v) {
	case 1:
		return append(b, byte(v)), nil
	case 2:
		return append(b, 0x40|byte(v>>8), byte(v)), nil
	case 4:
		return append(b, 0x80|byte(v>>24), byte(v>>16), byte(v>>8), byte(v)), nil
	default:
		return b, ErrTooLong
	}
}

// ReadVarint decodes one §2.1.2 varint from the front of b, enforcing minimal encoding. It returns the
// value and the number of bytes consumed.
func ReadVarint(b []byte) (uint64, int, error) {
	if len(b) == 0 {
		return 0, 0, ErrShort
	}
	prefix := b[0] >> 6
	if prefix == 3 {
		return 0, 0, ErrInvalidVarint
	}
	n := 1 << prefix
	if len(b) < n {
		return 0, 0, ErrShort
	}
	v := uint64(b[0] & 0x3f)
	for i := 1; i < n; i++ {
		v = v<<8 | uint64(b[i])
	}
	if n > 1 && VarintLen(v) != n {
		return 0, 0, ErrNonMinimal
	}
	return v, n, nil
}

// Writer accumulates an encoding. The zero value is ready to use. Errors (only over-long vectors) are
// sticky and reported by Err and Bytes.
type Writer struct {
	buf []byte
	err error
}

// NewWriter returns a Writer whose buffer has the given initial capacity.
func NewWriter(capacity int) *Writer { return &Writer{buf: make([]byte, 0, capacity)} }

// Grow makes room for n more bytes without another allocation.
func (w *Writer) Grow(n int) {
	if n > cap(w.buf)-len(w.buf) {
		w.buf = append(w.buf[:len(w.buf):len(w.buf)], make([]byte, n)...)[:len(w.buf)]
	}
}

// Bytes returns the encoding so far, or the first error.
func (w *Writer) Bytes() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return w.buf, nil
}

// Err returns the first encoding error, if any.
func (w *Writer) Err() error { return w.err }

// Reset empties the writer (keeping its buffer) and clears any error, so one Writer can encode
// many structures without reallocating.
func (w *Writer) Reset() {
	w.buf = w.buf[:0]
	w.err = nil
}

// Cap returns the capacity of the writer's buffer.
func (w *Writer) Cap() int { return cap(w.buf) }

// Len returns the number of bytes written so far.
func (w *Writer) Len() int { return len(w.buf) }

// Uint8 writes a uint8.
func (w *Writer) Uint8(v uint8) { w.buf = append(w.buf, v) }

// Uint16 writes a big-endian uint16.
func (w *Writer) Uint16(v uint16) { w.buf = binary.BigEndian.AppendUint16(w.buf, v) }

// Uint32 writes a big-endian uint32.
func (w *Writer) Uint32(v uint32) { w.buf = binary.BigEndian.AppendUint32(w.buf, v) }

// Uint64 writes a big-endian uint64.
func (w *Writer) Uint64(v uint64) { w.buf = binary.BigEndian.AppendUint64(w.buf, v) }

// Raw writes b with no length prefix (a fixed-length opaque array or a pre-encoded structure).
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

// Varint writes a bare §2.1.2 varint.
func (w *Writer) Varint(v uint64) {
	var err error
	w.buf, err = AppendVarint(w.buf, v)
	w.setErr(err)
}

// Opaque writes opaque data<V>: a varint length followed by the bytes.
func (w *Writer) Opaque(b []byte) {
	w.Varint(uint64(len(b)))
	w.buf = append(w.buf, b...)
}

// String writes a string as opaque<V>.
func (w *Writer) String(s string) {
	w.Varint(uint64(len(s)))
	w.buf = append(w.buf, s...)
}

// Vector writes a variable-length vector whose body is produced by body; the varint length prefix is
// inserted in front of the body once its size is known.
func (w *Writer) Vector(body func(w *Writer)) {
	start := len(w.buf)
	body(w)
	n := len(w.buf) - start
	h := VarintLen(uint64(n))
	if h == 0 {
		w.setErr(ErrTooLong)
		w.buf = w.buf[:start]
		return
	}
	w.buf = append(w.buf, make([]byte, h)...)
	copy(w.buf[start+h:], w.buf[start:start+n])
	// Appending to a zero-length view of the reserved gap writes the header in place.
	_, _ = AppendVarint(w.buf[start:start], uint64(n))
}

// Optional writes optional<T>: 0 when absent, or 1 followed by body.
func (w *Writer) Optional(present bool, body func(w *Writer)) {
	if !present {
		w.Uint8(0)
		return
	}
	w.Uint8(1)
	body(w)
}

// Marshal writes m.
func (w *Writer) Marshal(m Marshaler) { m.MarshalMLS(w) }

func (w *Writer) setErr(err error) {
	if err != nil && w.err == nil {
		w.err = err
	}
}

// Marshaler is implemented by structures with an MLS wire encoding.
type Marshaler interface {
	MarshalMLS(w *Writer)
}

// Unmarshaler is implemented by structures that decode themselves from a Reader.
type Unmarshaler interface {
	UnmarshalMLS(r *Reader)
}

// Marshal returns the encoding of m.
//
// A small encoding is made in a pooled buffer and copied out at its exact size, so that it
// costs one allocation instead of the buffer's regrowth; one of more than maxPooledMarshal
// bytes is returned in its own buffer, as it grew.
func Marshal(m Marshaler) ([]byte, error) {
	w := marshalPool.Get().(*Writer)
	m.MarshalMLS(w)
	b, err := w.Bytes()
	if len(w.buf) > maxPooledMarshal {
		return b, err // w.buf is the result: not pooled
	}
	if err == nil {
		b = append([]byte(nil), b...)
	}
	clear(w.buf) // encodings may hold secrets: nothing lingers in the pool
	w.Reset()
	if cap(w.buf) <= maxPooledMarshal {
		marshalPool.Put(w)
	}
	return b, err
}

// maxPooledMarshal is the largest encoding Marshal makes in a pooled buffer (and the largest
// buffer it keeps).
const maxPooledMarshal = 16 << 10

var marshalPool = sync.Pool{New: func() any { return new(Writer) }}

// Unmarshal decodes b into u and requires that all of b is consumed.
func Unmarshal(b []byte, u Unmarshaler) error {
	r := NewReader(b)
	u.UnmarshalMLS(r)
	return r.Finish()
}

// Reader decodes from a byte slice. Errors are sticky: after the first error every read returns a
// zero value and Err reports that first error. Slices returned by Reader are copies, never aliases of
// the input, except those of OpaqueView and View.
type Reader struct {
	b   []byte
	off int
	err error
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first decoding error.
func (r *Reader) Err() error { return r.err }

// Fail records err (if no error is recorded yet). Structure decoders use it for semantic errors such
// as unknown enum values.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Failf records a formatted error.
func (r *Reader) Failf(format string, args ...any) { r.Fail(fmt.Errorf(format, args...)) }

// Remaining returns the number of unread bytes.
func (r *Reader) Remaining() int { return len(r.b) - r.off }

// Empty reports whether every byte has been read (or an error occurred).
func (r *Reader) Empty() bool { return r.err != nil || r.off == len(r.b) }

// Offset returns the number of bytes read so far.
func (r *Reader) Offset() int { return r.off }

// Finish returns the first error, or ErrTrailing when unread bytes remain.
func (r *Reader) Finish() error {
	if r.err != nil {
		return r.err
	}
	if r.off != len(r.b) {
		return fmt.Errorf("%w (%d bytes)", ErrTrailing, len(r.b)-r.off)
	}
	return nil
}

func (r *Reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.err = ErrShort
		return nil
	}
	s := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return s
}

// Uint8 reads a uint8.
func (r *Reader) Uint8() uint8 {
	s := r.take(1)
	if s == nil {
		return 0
	}
	return s[0]
}

// Uint16 reads a big-endian uint16.
func (r *Reader) Uint16() uint16 {
	s := r.take(2)
	if s == nil {
		return 0
	}
	return binary.BigEndian.Uint16(s)
}

// Uint32 reads a big-endian uint32.
func (r *Reader) Uint32() uint32 {
	s := r.take(4)
	if s == nil {
		return 0
	}
	return binary.BigEndian.Uint32(s)
}

// Uint64 reads a big-endian uint64.
func (r *Reader) Uint64() uint64 {
	s := r.take(8)
	if s == nil {
		return 0
	}
	return binary.BigEndian.Uint64(s)
}

// Varint reads a bare §2.1.2 varint.
func (r *Reader) Varint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n, err := ReadVarint(r.b[r.off:])
	if err != nil {
		r.err = err
		return 0
	}
	r.off += n
	return v
}

// Fixed reads a fixed-length opaque array of n bytes (a copy).
func (r *Reader) Fixed(n int) []byte {
	s := r.take(n)
	if s == nil {
		return nil
	}
	return append([]byte(nil), s...)
}

// Opaque reads opaque data<V> and returns a copy of the data (never nil on success).
func (r *Reader) Opaque() []byte {
	v := r.OpaqueView()
	if r.err != nil {
		return nil
	}
	return append([]byte{}, v...)
}

// OpaqueView is Opaque returning the data as a sub-slice of the input (its capacity limited to its
// length) instead of a copy, for a decoder whose result is only read, and only while the input is
// not modified.
func (r *Reader) OpaqueView() []byte {
	n := r.Varint()
	if r.err != nil {
		return nil
	}
	if n > uint64(r.Remaining()) {
		r.err = ErrShort
		return nil
	}
	return r.take(int(n))
}

// View is Fixed returning a sub-slice of the input (see OpaqueView) instead of a copy.
func (r *Reader) View(n int) []byte { return r.take(n) }

// Vector reads a variable-length vector and calls elem repeatedly on a sub-reader limited to the
// vector's body until the body is consumed. elem must consume at least one byte per call or record an
// error; a call that does neither ends the loop with an error.
func (r *Reader) Vector(elem func(r *Reader)) {
	sub := r.Sub()
	if sub == nil {
		return
	}
	for !sub.Empty() {
		before := sub.off
		elem(sub)
		if sub.err == nil && sub.off == before {
			sub.err = errors.New("codec: vector element consumed no bytes")
		}
	}
	if sub.err != nil {
		r.Fail(sub.err)
	}
}

// Sub reads a varint length and returns a Reader over exactly that many following bytes, or nil on
// error. The caller must check the sub-reader's Finish (or Err) itself.
func (r *Reader) Sub() *Reader {
	n := r.Varint()
	if r.err != nil {
		return nil
	}
	if n > uint64(r.Remaining()) {
		r.err = ErrShort
		return nil
	}
	return &Reader{b: r.take(int(n))}
}

// Optional reads the presence flag of an optional<T>; on true the caller reads the value next.
func (r *Reader) Optional() bool {
	switch r.Uint8() {
	case 0:
		return false
	case 1:
		return true
	default:
		r.Fail(ErrBadOptional)
		return false
	}
}

// Rest returns a copy of all unread bytes and consumes them.
func (r *Reader) Rest() []byte { return r.Fixed(r.Remaining()) }

// Unmarshal decodes u from the reader (without requiring that the reader is then empty).
func (r *Reader) Unmarshal(u Unmarshaler) {
	if r.err == nil {
		u.UnmarshalMLS(r)
	}
}
