package ciphersuite

import (
	"bytes"
	"errors"
	"testing"
)

func TestAEADCache(t *testing.T) {
	for _, id := range Supported() {
		s, _ := Lookup(id)
		c := NewAEADCache(2)
		keys := [][]byte{bytes.Repeat([]byte{1}, s.Nk()), bytes.Repeat([]byte{2}, s.Nk()), bytes.Repeat([]byte{3}, s.Nk())}
		nonce := make([]byte, s.Nn())
		for round := 0; round < 2; round++ {
			for i, k := range keys {
				ct, err := s.Seal(k, nonce, []byte("aad"), []byte("hello"))
				if err != nil {
					t.Fatal(err)
				}
				pt, err := s.OpenCached(c, k, nonce, []byte("aad"), ct)
				if err != nil || string(pt) != "hello" {
					t.Fatalf("%v: open %q, %v", id, pt, err)
				}
				// The same key again: reused, and still authenticating.
				if _, err := s.OpenCached(c, k, nonce, []byte("aad"), ct); err != nil {
					t.Fatal(err)
				}
				bad := bytes.Clone(ct)
				bad[0] ^= 1
				if _, err := s.OpenCached(c, k, nonce, []byte("aad"), bad); !errors.Is(err, ErrDecrypt) {
					t.Fatalf("%v: tampered ciphertext: %v", id, err)
				}
				// Another key of the cache must not open it.
				other := keys[(i+1+round)%len(keys)]
				if _, err := s.OpenCached(c, other, nonce, []byte("aad"), ct); !errors.Is(err, ErrDecrypt) {
					t.Fatalf("%v: key %x opened a ciphertext of key %x: %v", id, other, k, err)
				}
			}
		}
		st := c.Stats()
		// Size 2 with three keys in turn: every first use of a key in a round is a miss.
		if st.Built == 0 || st.Reused == 0 {
			t.Fatalf("%v: stats %+v", id, st)
		}
		if _, err := s.OpenCached(c, []byte{1, 2, 3}, nonce, nil, nil); !errors.Is(err, ErrBadKey) {
			t.Fatalf("%v: short key: %v", id, err)
		}
	}
}

// TestOpenCachedTo: the plaintext is appended to dst, in dst's memory when it has room, and equals
// Open's, with or without a cache.
func TestOpenCachedTo(t *testing.T) {
	s, _ := Lookup(MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	key, nonce := bytes.Repeat([]byte{1}, s.Nk()), make([]byte, s.Nn())
	ct, err := s.Seal(key, nonce, []byte("aad"), []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*AEADCache{nil, NewAEADCache(1)} {
		var buf [16]byte
		dst := append(buf[:0], "x:"...)
		pt, err := s.OpenCachedTo(c, dst, key, nonce, []byte("aad"), ct)
		if err != nil || string(pt) != "x:hello" || &pt[0] != &buf[0] {
			t.Fatalf("cache %v: %q, %v (own memory: %v)", c != nil, pt, err, err == nil && &pt[0] == &buf[0])
		}
		if _, err := s.OpenCachedTo(c, buf[:0], key, nonce, []byte("other"), ct); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("cache %v: wrong AAD: %v", c != nil, err)
		}
	}
}
