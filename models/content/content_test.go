package content

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func sample(t *testing.T) ([]byte, ExternalPart) {
	t.Helper()
	key := bytes.Repeat([]byte{1}, KeySize)
	nonce := bytes.Repeat([]byte{2}, NonceSize)
	pt := bytes.Repeat([]byte("attachment "), 300)
	ct, ref, err := Seal(pt, key, nonce, nil, "image/jpeg", "a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	ref.URL = NewStore("prov-a").Put(ct)
	return ct, ref
}

func TestSealOpen(t *testing.T) {
	ct, ref := sample(t)
	if len(ct) != int(ref.Size)+16 {
		t.Fatalf("ciphertext %d bytes for %d of plaintext", len(ct), ref.Size)
	}
	pt, err := Open(ref, ct)
	if err != nil || !bytes.Equal(pt, bytes.Repeat([]byte("attachment "), 300)) {
		t.Fatalf("Open = %v", err)
	}
	tampered := bytes.Clone(ct)
	tampered[10] ^= 1
	if _, err := Open(ref, tampered); !errors.Is(err, ErrHash) {
		t.Fatalf("tampered ciphertext: err = %v, want ErrHash", err)
	}
	wrong := ref
	wrong.Key = bytes.Repeat([]byte{9}, KeySize)
	if _, err := Open(wrong, ct); err == nil {
		t.Fatal("wrong key opened the ciphertext")
	}
	short := ref
	short.Size--
	if _, err := Open(short, ct); err == nil {
		t.Fatal("a size mismatch went unnoticed")
	}
	if _, _, err := Seal(nil, []byte{1}, nonce12(), nil, "", ""); err == nil {
		t.Fatal("a 1-byte key was accepted")
	}
}

func nonce12() []byte { return make([]byte, NonceSize) }

func TestEncodeDecode(t *testing.T) {
	_, ref := sample(t)
	salt := bytes.Repeat([]byte{7}, 16)
	b, err := Encode(ref, salt)
	if err != nil {
		t.Fatal(err)
	}
	// The head of the CBOR: array(7), bstr(16) salt, null, bstr(0), null, null, map(0), array(15),
	// 6, "" , 2, text(10) "image/jpeg".
	wantHead := "87" + "50" + hex.EncodeToString(salt) + "f6" + "40" + "f6" + "f6" + "a0" + "8f" + "06" + "60" + "02" + "6a" + hex.EncodeToString([]byte("image/jpeg"))
	if got := hex.EncodeToString(b[:len(wantHead)/2]); got != wantHead {
		t.Fatalf("head\n got %s\nwant %s", got, wantHead)
	}
	got, gotSalt, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotSalt, salt) || got.URL != ref.URL || got.Size != ref.Size || !bytes.Equal(got.Key, ref.Key) ||
		!bytes.Equal(got.ContentHash, ref.ContentHash) || got.Filename != "a.jpg" || got.EncAlg != EncAES128GCM {
		t.Fatalf("round trip: got %+v", got)
	}
	// Every truncation and a trailing byte are errors, never panics.
	for i := 0; i < len(b); i++ {
		if _, _, err := Decode(b[:i]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("Decode of %d of %d bytes: err = %v", i, len(b), err)
		}
	}
	if _, _, err := Decode(append(bytes.Clone(b), 0)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("trailing byte: err = %v", err)
	}
	if _, err := Encode(ref, []byte{1}); err == nil {
		t.Fatal("a 1-byte salt was accepted")
	}
}

func TestDecodeRejects(t *testing.T) {
	_, ref := sample(t)
	b, _ := Encode(ref, make([]byte, 16))
	for _, tc := range []struct {
		name string
		mut  func([]byte) []byte
	}{
		{"not an array", func(b []byte) []byte { b[0] = 0x86; return b }},
		{"replaces not null", func(b []byte) []byte { b[18] = 0x40; return b }},
		{"nested array length", func(b []byte) []byte { b[23] = 0x8e; return b }},
		{"disposition", func(b []byte) []byte { b[24] = 0x05; return b }},
		{"language", func(b []byte) []byte { return append(append(bytes.Clone(b[:25]), 0x62, 'e', 'n'), b[26:]...) }},
		{"cardinality single", func(b []byte) []byte { b[26] = 0x01; return b }},
		{"topicId", func(b []byte) []byte { return append(append(bytes.Clone(b[:19]), 0x41, 'x'), b[20:]...) }},
		{"non-shortest integer", func(b []byte) []byte {
			return append(append(bytes.Clone(b[:24]), 0x18, 0x06), b[25:]...)
		}},
	} {
		if _, _, err := Decode(tc.mut(bytes.Clone(b))); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", tc.name, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	b, _ := Encode(ExternalPart{URL: "https://x/1", Key: make([]byte, 16)}, make([]byte, 16))
	f.Add(b)
	f.Fuzz(func(t *testing.T, in []byte) {
		ref, salt, err := Decode(in)
		if err != nil {
			return
		}
		out, err := Encode(ref, salt)
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("Decode accepted bytes Encode does not write back: %x", in)
		}
	})
}
