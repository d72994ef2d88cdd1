package ciphersuite

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"testing"
)

// TestExpandMatchesHKDF checks the one-block fast path of Expand against crypto/hkdf for every
// suite, over key, info and output lengths on both sides of the fast path's limits.
func TestExpandMatchesHKDF(t *testing.T) {
	for _, id := range Supported() {
		s, _ := Lookup(id)
		for _, prkLen := range []int{0, 1, 32, 48, 64, 65, 128, 129, 200} {
			for _, infoLen := range []int{0, 1, 17, 63, 64, 65, 200, 254, 255, 256, 300} {
				for _, outLen := range []int{0, 1, 12, 16, 32, 48, 64, 65, 100} {
					if outLen > 255*s.Nh() {
						continue
					}
					prk := bytes.Repeat([]byte{byte(prkLen + 1)}, prkLen)
					info := make([]byte, infoLen)
					for i := range info {
						info[i] = byte(i * 7)
					}
					got, err := s.Expand(prk, info, outLen)
					if err != nil {
						t.Fatal(err)
					}
					want, err := hkdf.Expand(s.newHash, prk, string(info), outLen)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, want) {
						t.Fatalf("%v prk %d info %d out %d: got %x, want %x", id, prkLen, infoLen, outLen, got, want)
					}
				}
			}
		}
	}
}

// TestExpandOneBlockLimits pins when the fast path declines (and so crypto/hkdf is used).
func TestExpandOneBlockLimits(t *testing.T) {
	s, _ := Lookup(MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	for _, c := range []struct {
		prk, info, out int
		ok             bool
	}{
		{32, 40, 32, true},
		{64, 255, 32, true},
		{65, 40, 32, false},  // key longer than a block is hashed first: left to hkdf
		{32, 256, 32, false}, // text beyond the stack buffer
		{32, 40, 33, false},  // two blocks of output
	} {
		out := make([]byte, c.out)
		if got := s.expandOneBlock(out, make([]byte, c.prk), make([]byte, c.info)); got != c.ok {
			t.Errorf("%+v: fast path %v", c, got)
		}
	}
}

func ExampleSuite_ExpandWithLabel() {
	s, _ := Lookup(MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	key, _ := s.ExpandWithLabel(make([]byte, 32), "key", nil, s.Nk())
	fmt.Println(len(key))
	// Output: 16
}

// TestExpandWithLabelTo checks the in-place variant against ExpandWithLabel, aliasing included.
func TestExpandWithLabelTo(t *testing.T) {
	for _, id := range Supported() {
		s, _ := Lookup(id)
		for _, n := range []int{12, 16, 32, s.Nh(), 2*s.Nh() + 1} {
			secret := bytes.Repeat([]byte{7}, s.Nh())
			want, err := s.ExpandWithLabel(secret, "tree", []byte("left"), n)
			if err != nil {
				t.Fatal(err)
			}
			out := make([]byte, n)
			if err := s.ExpandWithLabelTo(out, secret, "tree", []byte("left")); err != nil || !bytes.Equal(out, want) {
				t.Fatalf("%v n=%d: %x, %v; want %x", id, n, out, err, want)
			}
			if n == s.Nh() { // out aliases the secret
				if err := s.ExpandWithLabelTo(secret, secret, "tree", []byte("left")); err != nil || !bytes.Equal(secret, want) {
					t.Fatalf("%v aliased: %x, %v; want %x", id, secret, err, want)
				}
			}
		}
	}
}

// TestHMACSHA256To: the stack HMAC equals crypto/hmac for keys and texts up to its limits, and
// refuses beyond them.
func TestHMACSHA256To(t *testing.T) {
	for _, kl := range []int{0, 1, 32, 63, 64, 65} {
		for _, tl := range []int{0, 1, 55, 56, 64, 200, 256, 512, 513} {
			key, text := bytes.Repeat([]byte{0xa5}, kl), bytes.Repeat([]byte{0x3c}, tl)
			var got [32]byte
			ok := hmacSHA256To(&got, key, text[:tl/2], text[tl/2:])
			if want := kl <= 64 && tl <= 512; ok != want {
				t.Fatalf("key %d, text %d: ok %v, want %v", kl, tl, ok, want)
			}
			if !ok {
				continue
			}
			m := hmac.New(sha256.New, key)
			m.Write(text)
			if !bytes.Equal(got[:], m.Sum(nil)) {
				t.Fatalf("key %d, text %d: differs from crypto/hmac", kl, tl)
			}
		}
	}
}

// TestMACMatchesHMAC: MAC (on the stack up to its limits, crypto/hmac beyond) equals crypto/hmac
// for every suite, over key and data lengths on both sides of a block and of the stack limit.
func TestMACMatchesHMAC(t *testing.T) {
	for _, id := range Supported() {
		s, _ := Lookup(id)
		for _, kl := range []int{0, 1, 32, 48, 64, 65, 128, 129} {
			for _, dl := range []int{0, 1, 32, 55, 56, 64, 111, 112, 128, 255, 256, 257, 1000} {
				key, data := bytes.Repeat([]byte{byte(kl)}, kl), bytes.Repeat([]byte{byte(dl + 1)}, dl)
				m := hmac.New(s.newHash, key)
				m.Write(data)
				want := m.Sum(nil)
				if got := s.MAC(key, data); !bytes.Equal(got, want) {
					t.Fatalf("%v key %d data %d: %x, want %x", id, kl, dl, got, want)
				}
				if !s.VerifyMAC(key, data, want) {
					t.Fatalf("%v key %d data %d: VerifyMAC refused the right tag", id, kl, dl)
				}
			}
		}
	}
}

// TestMACAllocs: an Extract-sized MAC allocates only its result.
func TestMACAllocs(t *testing.T) {
	s, _ := Lookup(MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	key, data := make([]byte, 32), make([]byte, 32)
	if n := testing.AllocsPerRun(100, func() { _ = s.MAC(key, data) }); n != 1 {
		t.Errorf("%v allocations per MAC, want 1", n)
	}
}
