package content

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// CBOR major types (RFC 8949 §3.1) and simple values used here.
const (
	majUint  = 0
	majBytes = 2
	majText  = 3
	majArray = 4
	majMap   = 5
	cborNull = 0xf6
)

// Field counts of the two arrays Encode writes.
const (
	contentFields = 7  // salt, replaces, topicId, expires, inReplyTo, mimiExtensions, nestedPart
	nestedFields  = 15 // disposition, language, cardinality and the 12 ExternalPart fields
	cardExternal  = 2
	saltSize      = 16
)

// Encode writes a mimiContent holding ref as its one (external) part, with salt (16 bytes).
func Encode(ref ExternalPart, salt []byte) ([]byte, error) {
	if len(salt) != saltSize {
		return nil, fmt.Errorf("content: salt must be %d bytes, got %d", saltSize, len(salt))
	}
	var e enc
	e.head(majArray, contentFields)
	e.bytes(salt)
	e.b = append(e.b, cborNull) // replaces
	e.bytes(nil)                // topicId
	e.b = append(e.b, cborNull) // expires
	e.b = append(e.b, cborNull) // inReplyTo
	e.head(majMap, 0)           // mimiExtensions
	e.head(majArray, nestedFields)
	e.head(majUint, DispositionAttachment)
	e.text("") // language
	e.head(majUint, cardExternal)
	e.text(ref.ContentType)
	e.text(ref.URL)
	e.head(majUint, uint64(ref.Expires))
	e.head(majUint, ref.Size)
	e.head(majUint, uint64(ref.EncAlg))
	e.bytes(ref.Key)
	e.bytes(ref.Nonce)
	e.bytes(ref.AAD)
	e.head(majUint, uint64(ref.HashAlg))
	e.bytes(ref.ContentHash)
	e.text(ref.Description)
	e.text(ref.Filename)
	return e.b, nil
}

type enc struct{ b []byte }

// head writes a major type with its argument in the shortest form.
func (e *enc) head(major byte, n uint64) {
	m := major << 5
	switch {
	case n < 24:
		e.b = append(e.b, m|byte(n))
	case n <= 0xff:
		e.b = append(e.b, m|24, byte(n))
	case n <= 0xffff:
		e.b = binary.BigEndian.AppendUint16(append(e.b, m|25), uint16(n))
	case n <= 0xffffffff:
		e.b = binary.BigEndian.AppendUint32(append(e.b, m|26), uint32(n))
	default:
		e.b = binary.BigEndian.AppendUint64(append(e.b, m|27), n)
	}
}

func (e *enc) bytes(b []byte) { e.head(majBytes, uint64(len(b))); e.b = append(e.b, b...) }
func (e *enc) text(s string)  { e.head(majText, uint64(len(s))); e.b = append(e.b, s...) }

// Decode reads a mimiContent written by Encode and returns its external part and salt.
func Decode(b []byte) (ExternalPart, []byte, error) {
	d := dec{b: b}
	var ref ExternalPart
	d.expect(majArray, contentFields, "mimiContent")
	salt := d.bytes("salt")
	if d.err == nil && len(salt) != saltSize {
		d.fail("salt is %d bytes, want %d", len(salt), saltSize)
	}
	d.null("replaces")
	if topic := d.bytes("topicId"); d.err == nil && len(topic) > 0 {
		d.fail("a topicId is not written by Encode")
	}
	d.null("expires")
	d.null("inReplyTo")
	d.expect(majMap, 0, "mimiExtensions")
	d.expect(majArray, nestedFields, "nestedPart")
	d.expect(majUint, DispositionAttachment, "disposition")
	if lang := d.text("language"); d.err == nil && lang != "" {
		d.fail("a language tag is not written by Encode")
	}
	d.expect(majUint, cardExternal, "cardinality")
	ref.ContentType = d.text("contentType")
	ref.URL = d.text("url")
	ref.Expires = uint32(d.uint("expires", 0xffffffff))
	ref.Size = d.uint("size", 1<<63)
	ref.EncAlg = uint16(d.uint("encAlg", 0xffff))
	ref.Key = d.bytes("key")
	ref.Nonce = d.bytes("nonce")
	ref.AAD = d.bytes("aad")
	ref.HashAlg = uint8(d.uint("hashAlg", 0xff))
	ref.ContentHash = d.bytes("contentHash")
	ref.Description = d.text("description")
	ref.Filename = d.text("filename")
	if d.err == nil && d.off != len(b) {
		d.fail("%d bytes after the mimiContent", len(b)-d.off)
	}
	if d.err != nil {
		return ExternalPart{}, nil, d.err
	}
	return ref, salt, nil
}

// ErrMalformed wraps every Decode error.
var ErrMalformed = errors.New("content: malformed mimiContent")

type dec struct {
	b    []byte
	off  int
	err  error
	what string
}

func (d *dec) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s: %s", ErrMalformed, d.what, fmt.Sprintf(format, args...))
	}
}

// head reads a major type and its argument.
func (d *dec) head(what string) (byte, uint64) {
	d.what = what
	if d.err != nil {
		return 0, 0
	}
	if d.off >= len(d.b) {
		d.fail("truncated")
		return 0, 0
	}
	ib := d.b[d.off]
	d.off++
	major, info := ib>>5, ib&31
	var n uint64
	size := 0
	switch {
	case info < 24:
		return major, uint64(info)
	case info == 24:
		size = 1
	case info == 25:
		size = 2
	case info == 26:
		size = 4
	case info == 27:
		size = 8
	default:
		d.fail("unsupported additional information %d", info)
		return 0, 0
	}
	if len(d.b)-d.off < size {
		d.fail("truncated")
		return 0, 0
	}
	for _, c := range d.b[d.off : d.off+size] {
		n = n<<8 | uint64(c)
	}
	d.off += size
	if (size == 1 && n < 24) || (size > 1 && n < 1<<(4*size)) {
		d.fail("integer not in its shortest form")
	}
	return major, n
}

func (d *dec) expect(major byte, n uint64, what string) {
	m, v := d.head(what)
	if d.err == nil && (m != major || v != n) {
		d.fail("want major type %d with %d, got %d with %d", major, n, m, v)
	}
}

func (d *dec) uint(what string, limit uint64) uint64 {
	m, v := d.head(what)
	if d.err == nil && m != majUint {
		d.fail("want an unsigned integer, got major type %d", m)
	}
	if d.err == nil && v > limit {
		d.fail("%d is larger than %d", v, limit)
	}
	return v
}

func (d *dec) str(major byte, what string) []byte {
	m, n := d.head(what)
	if d.err != nil {
		return nil
	}
	if m != major {
		d.fail("want major type %d, got %d", major, m)
		return nil
	}
	if n > uint64(len(d.b)-d.off) {
		d.fail("length %d runs past the end", n)
		return nil
	}
	out := d.b[d.off : d.off+int(n)]
	d.off += int(n)
	return out
}

func (d *dec) bytes(what string) []byte { return d.str(majBytes, what) }

func (d *dec) text(what string) string {
	s := d.str(majText, what)
	if d.err == nil && !utf8.Valid(s) {
		d.fail("not UTF-8")
	}
	return string(s)
}

func (d *dec) null(what string) {
	d.what = what
	if d.err != nil {
		return
	}
	if d.off >= len(d.b) || d.b[d.off] != cborNull {
		d.fail("want null")
		return
	}
	d.off++
}
