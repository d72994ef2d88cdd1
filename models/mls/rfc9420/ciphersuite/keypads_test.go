package ciphersuite

import (
	"bytes"
	"crypto"
	"crypto/hkdf"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestKeyPadsMatchesExpand checks KeyPads' expansions bit for bit against the Suite's
// ExpandWithLabelTo and against crypto/hkdf, for every suite, over key, label, context and output
// lengths on both sides of a hash block and of one output block.
func TestKeyPadsMatchesExpand(t *testing.T) {
	for _, id := range Supported() {
		s, _ := Lookup(id)
		for _, keyLen := range []int{0, 1, 16, 32, 48, 63, 64, 65, 127, 128, 129, 200} {
			key := make([]byte, keyLen)
			for i := range key {
				key[i] = byte(i*31 + keyLen)
			}
			k := s.KeyPads(key)
			for _, label := range []string{"", "key", "nonce", "tree", strings.Repeat("l", 60)} {
				for _, ctxLen := range []int{0, 4, 5, 32, 64, 100, 200, 300} {
					ctx := bytes.Repeat([]byte{byte(ctxLen)}, ctxLen)
					for _, outLen := range []int{0, 1, 12, 16, 32, 48, 64, 65, 100, 3*s.Nh() + 1} {
						want := make([]byte, outLen)
						if err := s.ExpandWithLabelTo(want, key, label, ctx); err != nil {
							t.Fatal(err)
						}
						got := make([]byte, outLen)
						if err := k.ExpandWithLabelTo(got, label, ctx); err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(got, want) {
							t.Fatalf("%v key %d label %q context %d out %d: got %x, want %x", id, keyLen, label, ctxLen, outLen, got, want)
						}
					}
				}
			}
			for _, infoLen := range []int{0, 1, 21, 55, 56, 63, 64, 119, 120, 300} {
				info := make([]byte, infoLen)
				for i := range info {
					info[i] = byte(i * 7)
				}
				for _, outLen := range []int{0, 1, 31, 32, 33, 64, 65, 255 * s.Nh()} {
					want, err := hkdf.Expand(s.newHash, key, string(info), outLen)
					if err != nil {
						t.Fatal(err)
					}
					got := make([]byte, outLen)
					if err := k.ExpandTo(got, info); err != nil || !bytes.Equal(got, want) {
						t.Fatalf("%v key %d info %d out %d: %v, differs from crypto/hkdf", id, keyLen, infoLen, outLen, err)
					}
				}
			}
		}
	}
}

// TestKeyPadsAlias: the output may be the key the pads were made from (a ratchet overwrites its
// secret with the next one), and the other helpers give the Suite's results.
func TestKeyPadsAlias(t *testing.T) {
	for _, id := range Supported() {
		s, _ := Lookup(id)
		secret := bytes.Repeat([]byte{9}, s.Nh())
		want, _ := s.ExpandWithLabel(secret, "secret", []byte{0, 0, 0, 7}, s.Nh())
		wantDS, _ := s.DeriveSecret(secret, "sender data")
		k := s.KeyPads(secret)
		if ds, err := k.DeriveSecret("sender data"); err != nil || !bytes.Equal(ds, wantDS) {
			t.Fatalf("%v DeriveSecret: %x, %v; want %x", id, ds, err, wantDS)
		}
		if b, err := k.ExpandWithLabel("secret", []byte{0, 0, 0, 7}, s.Nh()); err != nil || !bytes.Equal(b, want) {
			t.Fatalf("%v ExpandWithLabel: %x, %v; want %x", id, b, err, want)
		}
		if err := k.ExpandWithLabelTo(secret, "secret", []byte{0, 0, 0, 7}); err != nil || !bytes.Equal(secret, want) {
			t.Fatalf("%v aliased: %x, %v; want %x", id, secret, err, want)
		}
		if k.Suite() != s {
			t.Fatalf("%v: Suite() = %v", id, k.Suite())
		}
	}
}

// TestKeyPadsForm: SHA-256 suites hold the two hash states (the fast path; false here means
// crypto/sha256's marshalled state no longer fits and the key form is used), the others the key.
func TestKeyPadsForm(t *testing.T) {
	for _, id := range Supported() {
		s, _ := Lookup(id)
		k := s.KeyPads(make([]byte, s.Nh()))
		if want := s.hash == crypto.SHA256; k.state != want {
			t.Errorf("%v: state form %v, want %v", id, k.state, want)
		}
		k.Clear()
		if k.s != nil || k.state || k.buf != ([len(k.buf)]byte{}) {
			t.Errorf("%v: Clear left %+v", id, k)
		}
	}
}

func TestKeyPadsLimits(t *testing.T) {
	s, _ := Lookup(MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	k := s.KeyPads(make([]byte, 32))
	if err := k.ExpandTo(make([]byte, 255*32+1), nil); !errors.Is(err, ErrOutputTooLong) {
		t.Errorf("ExpandTo beyond 255 blocks: %v", err)
	}
	if err := k.ExpandWithLabelTo(make([]byte, 0x10000), "key", nil); !errors.Is(err, ErrOutputTooLong) {
		t.Errorf("ExpandWithLabelTo beyond uint16: %v", err)
	}
	if _, err := k.ExpandWithLabel("key", nil, -1); !errors.Is(err, ErrOutputTooLong) {
		t.Errorf("ExpandWithLabel(-1): %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("zero KeyPads did not panic")
		}
	}()
	var zero KeyPads
	_ = zero.ExpandTo(make([]byte, 16), nil)
}

// TestKeyPadsAllocs: preparing a key and expanding from it allocate nothing.
func TestKeyPadsAllocs(t *testing.T) {
	s, _ := Lookup(MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	secret, out := make([]byte, 32), make([]byte, 32)
	ctx := []byte("left")
	if n := testing.AllocsPerRun(100, func() {
		k := s.KeyPads(secret)
		_ = k.ExpandWithLabelTo(out, "tree", ctx)
		k.Clear()
	}); n != 0 {
		t.Errorf("%v allocations per KeyPads and expansion, want 0", n)
	}
}

func ExampleSuite_KeyPads() {
	s, _ := Lookup(MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	parent := bytes.Repeat([]byte{1}, s.Nh())
	k := s.KeyPads(parent) // the pads of parent, once
	defer k.Clear()
	left, right := make([]byte, s.Nh()), make([]byte, s.Nh())
	_ = k.ExpandWithLabelTo(left, "tree", []byte("left"))
	_ = k.ExpandWithLabelTo(right, "tree", []byte("right"))
	want, _ := s.ExpandWithLabel(parent, "tree", []byte("left"), s.Nh())
	fmt.Println(bytes.Equal(left, want), bytes.Equal(left, right))
	// Output: true false
}

// FuzzKeyPads: for any key, label, context and output length, KeyPads derives what the suite's
// ExpandWithLabelTo derives (differential, on every suite's hash: SHA-256, SHA-384, SHA-512).
func FuzzKeyPads(f *testing.F) {
	f.Add([]byte("secret"), "tree", []byte("left"), uint16(32))
	f.Add(bytes.Repeat([]byte{1}, 129), "", bytes.Repeat([]byte{2}, 200), uint16(200))
	ids := []ID{MLS128DHKEMX25519AES128GCMSHA256Ed25519, MLS256DHKEMP384AES256GCMSHA384P384, MLS256DHKEMP521AES256GCMSHA512P521}
	f.Fuzz(func(t *testing.T, key []byte, label string, context []byte, outLen uint16) {
		for _, id := range ids {
			s, _ := Lookup(id)
			n := int(outLen) % (4*s.Nh() + 1)
			want := make([]byte, n)
			if err := s.ExpandWithLabelTo(want, key, label, context); err != nil {
				t.Fatal(err)
			}
			k := s.KeyPads(key)
			got := make([]byte, n)
			if err := k.ExpandWithLabelTo(got, label, context); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%v: %x, %v; want %x", id, got, err, want)
			}
		}
	})
}
