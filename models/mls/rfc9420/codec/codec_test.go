package codec

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func TestVarintTable(t *testing.T) {
	tests := []struct {
		name string
		v    uint64
		hex  string
	}{
		{"zero", 0, "00"},
		{"max1", 63, "3f"},
		{"min2", 64, "4040"},
		{"max2", 16383, "7fff"},
		{"min4", 16384, "80004000"},
		{"max4", MaxVarint, "bfffffff"},
		{"rfc-example-37", 37, "25"},
		{"rfc-example-15293", 15293, "7bbd"},
		{"rfc-example-494878333", 494878333, "9d7f3e7d"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendVarint(nil, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != tc.hex {
				t.Fatalf("encode %d = %x, want %s", tc.v, got, tc.hex)
			}
			v, n, err := ReadVarint(got)
			if err != nil || v != tc.v || n != len(got) {
				t.Fatalf("decode = %d,%d,%v", v, n, err)
			}
		})
	}
}

func TestVarintErrors(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want error
	}{
		{"empty", "", ErrShort},
		{"reserved-prefix", "c0", ErrInvalidVarint},
		{"reserved-prefix-long", "ffffffffffffffff", ErrInvalidVarint},
		{"short2", "40", ErrShort},
		{"short4", "800000", ErrShort},
		{"nonminimal-2", "4025", ErrNonMinimal},
		{"nonminimal-4", "80000025", ErrNonMinimal},
		{"nonminimal-4-from-2", "80003fff", ErrNonMinimal},
		{"nonminimal-2-zero", "4000", ErrNonMinimal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tc.hex)
			if _, _, err := ReadVarint(b); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := AppendVarint(nil, MaxVarint+1); !errors.Is(err, ErrTooLong) {
		t.Fatalf("encode 2^30: err = %v", err)
	}
}

type sample struct {
	A   uint8
	B   uint16
	C   uint32
	D   uint64
	Op  []byte
	Opt *uint32
	Vec [][]byte
}

func (s *sample) MarshalMLS(w *Writer) {
	w.Uint8(s.A)
	w.Uint16(s.B)
	w.Uint32(s.C)
	w.Uint64(s.D)
	w.Opaque(s.Op)
	w.Optional(s.Opt != nil, func(w *Writer) { w.Uint32(*s.Opt) })
	w.Vector(func(w *Writer) {
		for _, v := range s.Vec {
			w.Opaque(v)
		}
	})
}

func (s *sample) UnmarshalMLS(r *Reader) {
	s.A = r.Uint8()
	s.B = r.Uint16()
	s.C = r.Uint32()
	s.D = r.Uint64()
	s.Op = r.Opaque()
	if r.Optional() {
		v := r.Uint32()
		s.Opt = &v
	}
	s.Vec = nil
	r.Vector(func(r *Reader) { s.Vec = append(s.Vec, r.Opaque()) })
}

func TestStructRoundTrip(t *testing.T) {
	seven := uint32(7)
	long := bytes.Repeat([]byte{0xab}, 70) // forces a 2-byte length prefix
	tests := []struct {
		name string
		in   sample
		hex  string // expected encoding; empty means only round-trip
	}{
		{"zero", sample{Op: []byte{}}, "00" + "0000" + "00000000" + "0000000000000000" + "00" + "00" + "00"},
		{"opt", sample{A: 1, B: 2, C: 3, D: 4, Op: []byte{9}, Opt: &seven, Vec: [][]byte{{1}, {}}},
			"01" + "0002" + "00000003" + "0000000000000004" + "0109" + "0100000007" + "03" + "0101" + "00"},
		{"long", sample{Op: long, Vec: [][]byte{long}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := Marshal(&tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if tc.hex != "" && hex.EncodeToString(enc) != tc.hex {
				t.Fatalf("encoding %x, want %s", enc, tc.hex)
			}
			var out sample
			if err := Unmarshal(enc, &out); err != nil {
				t.Fatal(err)
			}
			enc2, _ := Marshal(&out)
			if !bytes.Equal(enc, enc2) {
				t.Fatalf("re-encoding differs")
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	valid, _ := Marshal(&sample{Op: []byte{1, 2}})
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"truncated", valid[:len(valid)-1], ErrShort},
		{"trailing", append(append([]byte{}, valid...), 0), ErrTrailing},
		{"bad-optional", func() []byte {
			b := append([]byte{}, valid...)
			b[len(b)-2] = 2
			return b
		}(), ErrBadOptional},
		{"opaque-overrun", func() []byte {
			b := append([]byte{}, valid...)
			b[15] = 0x3f // opaque length 63 > remaining
			return b
		}(), ErrShort},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s sample
			if err := Unmarshal(tc.in, &s); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestOpaqueView: OpaqueView and View read what Opaque and Fixed read, as sub-slices of the input
// with no capacity beyond them, with the same errors.
func TestOpaqueView(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []byte // nil: ErrShort
	}{
		{"empty", []byte{0x00, 0xee}, []byte{}},
		{"two", []byte{0x02, 0xaa, 0xbb, 0xee}, []byte{0xaa, 0xbb}},
		{"overrun", []byte{0x03, 0xaa, 0xbb}, nil},
		{"no-length", []byte{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, c := NewReader(tc.in), NewReader(tc.in)
			got, copied := r.OpaqueView(), c.Opaque()
			if !errors.Is(r.Err(), c.Err()) || (tc.want == nil) != (r.Err() != nil) {
				t.Fatalf("err %v, Opaque's %v", r.Err(), c.Err())
			}
			if tc.want == nil {
				return
			}
			if !bytes.Equal(got, tc.want) || !bytes.Equal(copied, tc.want) || cap(got) != len(got) {
				t.Fatalf("OpaqueView %x (cap %d), Opaque %x, want %x", got, cap(got), copied, tc.want)
			}
			if len(got) > 0 && &got[0] != &tc.in[1] {
				t.Fatal("OpaqueView copied")
			}
			if v, f := r.View(1), c.Fixed(1); !bytes.Equal(v, f) || &v[0] != &tc.in[len(tc.in)-1] {
				t.Fatalf("View %x, Fixed %x", v, f)
			}
		})
	}
}

func TestVectorElementMustConsume(t *testing.T) {
	r := NewReader([]byte{0x01, 0x00})
	r.Vector(func(r *Reader) {})
	if r.Err() == nil {
		t.Fatal("a non-consuming element decoder must fail, not loop")
	}
}

func TestVarintLenLimit(t *testing.T) {
	if VarintLen(MaxVarint) != 4 || VarintLen(MaxVarint+1) != 0 {
		t.Fatal("VarintLen must reject lengths of 2^30 and more")
	}
}

func FuzzReadVarint(f *testing.F) {
	for _, s := range []string{"00", "3f", "4040", "7fff", "80004000", "bfffffff", "c0", "4025", ""} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, n, err := ReadVarint(b)
		if err != nil {
			return
		}
		enc, err := AppendVarint(nil, v)
		if err != nil || !bytes.Equal(enc, b[:n]) {
			t.Fatalf("accepted %x as %d but re-encodes to %x (%v)", b[:n], v, enc, err)
		}
	})
}

func FuzzUnmarshalSample(f *testing.F) {
	seven := uint32(7)
	for _, s := range []sample{{}, {A: 1, Op: []byte{1}, Opt: &seven, Vec: [][]byte{{1, 2}, {}}}} {
		b, _ := Marshal(&s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s sample
		if err := Unmarshal(b, &s); err != nil {
			return
		}
		enc, err := Marshal(&s)
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("accepted %x but re-encodes to %x", b, enc)
		}
	})
}

// TestMarshalPooled: Marshal gives what a Writer of its own gives, for encodings on both sides
// of the pooled size (the pool hands out a clean writer each time), results never share
// memory, and a small encoding costs one allocation, its result.
func TestMarshalPooled(t *testing.T) {
	for _, n := range []int{0, 10, maxPooledMarshal - 64, maxPooledMarshal, 4 * maxPooledMarshal, 10} {
		s := &sample{A: 1, B: 2, Op: bytes.Repeat([]byte{7}, n), Vec: [][]byte{{1, 2}, nil}}
		var w Writer
		s.MarshalMLS(&w)
		want, _ := w.Bytes()
		got, err := Marshal(s)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%d-byte opaque: Marshal %x (%v), want %x", n, got, err, want)
		}
		again, _ := Marshal(s)
		if &again[0] == &got[0] {
			t.Fatalf("%d-byte opaque: two results share memory", n)
		}
	}
	small := &sample{A: 1, Op: []byte("hello")}
	Marshal(small) // fill the pool
	if n := testing.AllocsPerRun(100, func() { Marshal(small) }); n > 1 {
		t.Errorf("a small encoding took %v allocations, want 1", n)
	}
}
