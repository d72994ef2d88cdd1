package ciphersuite

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hpke"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
)

// TestX25519KeyPairs: key pairs made by x25519KEM equal crypto/hpke's and crypto/ecdh's, byte
// for byte, and decrypt what is sealed to them.
func TestX25519KeyPairs(t *testing.T) {
	ref, err := hpke.NewKEM(0x0020)
	if err != nil {
		t.Fatal(err)
	}
	k := newX25519KEM().(x25519KEM)
	s, err := Lookup(MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 66 {
		ikm := bytes.Repeat([]byte{byte(i)}, 1+i%40)
		if i >= 64 { // the stack HMAC's last text (19+493 = 512 bytes), then crypto/hkdf's path
			ikm = bytes.Repeat([]byte{byte(i)}, 429+i)
		}
		t.Run(fmt.Sprintf("ikm%d", i), func(t *testing.T) {
			got, err := k.derive(ikm)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.DeriveKeyPair(ikm)
			if err != nil {
				t.Fatal(err)
			}
			wantSK, _ := want.Bytes()
			gotSK, _ := got.Bytes()
			if !bytes.Equal(gotSK, wantSK) || !bytes.Equal(got.PublicKey(), want.PublicKey().Bytes()) {
				t.Fatalf("derived key pair differs from crypto/hpke's")
			}
			enc, ct, err := k.sealBase(s, got.PublicKey(), []byte("info"), []byte("aad"), []byte("secret"))
			if err != nil {
				t.Fatal(err)
			}
			pt, err := k.openBase(s, got, enc, []byte("info"), []byte("aad"), ct)
			if err != nil || string(pt) != "secret" {
				t.Fatalf("open: %q, %v", pt, err)
			}
		})
	}
	for range 32 {
		g, err := k.generate()
		if err != nil {
			t.Fatal(err)
		}
		sk, _ := g.Bytes()
		e, err := ecdh.X25519().NewPrivateKey(sk)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(g.PublicKey(), e.PublicKey().Bytes()) {
			t.Fatalf("generated public key differs from crypto/ecdh's for the same private key")
		}
	}
	// Private keys whose clamping bits are set or clear give the ladder's answer too.
	for _, b := range []byte{0x00, 0xff, 0x80, 0x7f} {
		sk := bytes.Repeat([]byte{b}, 32)
		got, err := k.parsePrivate(sk)
		if err != nil {
			t.Fatal(err)
		}
		e, _ := ecdh.X25519().NewPrivateKey(sk)
		if !bytes.Equal(got.PublicKey(), e.PublicKey().Bytes()) {
			t.Fatalf("private key %x: public key differs from crypto/ecdh's", sk[:1])
		}
	}
	if _, err := k.parsePrivate(make([]byte, 31)); err == nil {
		t.Fatal("a 31-byte private key was accepted")
	}
}

func BenchmarkX25519DeriveKeyPair(b *testing.B) {
	ref, _ := hpke.NewKEM(0x0020)
	k := newX25519KEM().(x25519KEM)
	ikm := bytes.Repeat([]byte{7}, 32)
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := k.derive(ikm); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("crypto-hpke", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ref.DeriveKeyPair(ikm); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestX25519Ladder: the ladder against RFC 7748 §5.2's test vectors and crypto/ecdh on random
// inputs, including u-coordinates with the top bit set; a small-order u is refused.
func TestX25519Ladder(t *testing.T) {
	for _, v := range []struct{ k, u, out string }{ // RFC 7748 §5.2
		{"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
			"e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
			"c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
		{"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
			"e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
			"95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
	} {
		got, err := x25519(unhex(t, v.k), unhex(t, v.u))
		if err != nil || fmt.Sprintf("%x", got) != v.out {
			t.Fatalf("X25519(%s…) = %x, %v; want %s", v.k[:8], got, err, v.out)
		}
	}
	for i := range 200 {
		sk, peer := make([]byte, 32), make([]byte, 32)
		for j := range sk {
			sk[j], peer[j] = byte(i*31+j*7), byte(i*17+j*13+1)
		}
		e, err := ecdh.X25519().NewPrivateKey(sk)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ecdh.X25519().NewPublicKey(peer)
		if err != nil {
			t.Fatal(err)
		}
		want, werr := e.ECDH(p)
		got, gerr := x25519(sk, peer)
		if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("input %d: %x (%v), crypto/ecdh %x (%v)", i, got, gerr, want, werr)
		}
	}
	if _, err := x25519(bytes.Repeat([]byte{9}, 32), make([]byte, 32)); err == nil {
		t.Fatal("u = 0 (small order) was accepted")
	}
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestX25519OpenBase: the direct recipient opens what crypto/hpke seals, for both X25519 suites
// and info lengths on both sides of the stack HMAC's limit, and refuses a tampered ciphertext, a
// wrong AAD, another key, a short or low-order enc, as crypto/hpke's path does.
func TestX25519OpenBase(t *testing.T) {
	for _, id := range []ID{MLS128DHKEMX25519AES128GCMSHA256Ed25519, MLS128DHKEMX25519ChaCha20Poly1305SHA256Ed25519} {
		s, err := Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		k := s.kem.(x25519KEM)
		for _, infoLen := range []int{0, 1, 100, 486, 487, 600} {
			t.Run(fmt.Sprintf("%v/info%d", id, infoLen), func(t *testing.T) {
				priv, err := k.generate()
				if err != nil {
					t.Fatal(err)
				}
				other, _ := k.generate()
				info := bytes.Repeat([]byte{7}, infoLen)
				enc, ct, err := k.stdKEM.sealBase(s, priv.PublicKey(), info, []byte("aad"), []byte("path secret"))
				if err != nil {
					t.Fatal(err)
				}
				pt, err := k.openBase(s, priv, enc, info, []byte("aad"), ct)
				if err != nil || string(pt) != "path secret" {
					t.Fatalf("open: %q, %v", pt, err)
				}
				if _, _, ok, _ := x25519SetupBaseR(s, priv, enc, info); ok != (infoLen <= 486) {
					t.Fatalf("direct path taken: %v", ok)
				}
				bad := bytes.Clone(ct)
				bad[0] ^= 1
				lowOrder := make([]byte, 32) // u = 0: X25519 gives all zeros
				for name, c := range map[string]struct {
					priv         *HPKEPrivateKey
					enc, aad, ct []byte
				}{
					"tampered":  {priv, enc, []byte("aad"), bad},
					"aad":       {priv, enc, []byte("other"), ct},
					"key":       {other, enc, []byte("aad"), ct},
					"short-enc": {priv, enc[:31], []byte("aad"), ct},
					"low-order": {priv, lowOrder, []byte("aad"), ct},
				} {
					if _, err := k.openBase(s, c.priv, c.enc, info, c.aad, c.ct); !errors.Is(err, ErrDecrypt) {
						t.Errorf("%s: err %v, want ErrDecrypt", name, err)
					}
				}
			})
		}
	}
}

// TestX25519SealBase: what the direct sealBase encrypts, crypto/hpke's own recipient (its own
// ladder and key schedule) decrypts, for both X25519 suites and info lengths on both sides of
// the stack HMAC's limit; a low-order recipient key is refused.
func TestX25519SealBase(t *testing.T) {
	ref, err := hpke.NewKEM(0x0020)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []ID{MLS128DHKEMX25519AES128GCMSHA256Ed25519, MLS128DHKEMX25519ChaCha20Poly1305SHA256Ed25519} {
		s, err := Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		k := s.kem.(x25519KEM)
		kdf, err := hpke.NewKDF(s.kdfID)
		if err != nil {
			t.Fatal(err)
		}
		aead, err := hpke.NewAEAD(s.aead.id)
		if err != nil {
			t.Fatal(err)
		}
		for _, infoLen := range []int{0, 1, 100, 486, 487, 600} {
			t.Run(fmt.Sprintf("%v/info%d", id, infoLen), func(t *testing.T) {
				priv, err := k.generate()
				if err != nil {
					t.Fatal(err)
				}
				info := bytes.Repeat([]byte{9}, infoLen)
				enc, ct, err := k.sealBase(s, priv.PublicKey(), info, []byte("aad"), []byte("group secrets"))
				if err != nil {
					t.Fatal(err)
				}
				sk, _ := priv.Bytes()
				rk, err := ref.NewPrivateKey(sk)
				if err != nil {
					t.Fatal(err)
				}
				r, err := hpke.NewRecipient(enc, rk, kdf, aead, info)
				if err != nil {
					t.Fatal(err)
				}
				pt, err := r.Open([]byte("aad"), ct)
				if err != nil || string(pt) != "group secrets" {
					t.Fatalf("crypto/hpke open: %q, %v", pt, err)
				}
				enc2, _, err := k.sealBase(s, priv.PublicKey(), info, []byte("aad"), []byte("group secrets"))
				if err != nil || bytes.Equal(enc, enc2) {
					t.Fatalf("two seals share an ephemeral key (%v)", err)
				}
			})
		}
		if _, _, err := k.sealBase(s, make([]byte, 32), nil, nil, []byte("x")); err == nil {
			t.Fatal("sealed to a low-order public key")
		}
	}
}
