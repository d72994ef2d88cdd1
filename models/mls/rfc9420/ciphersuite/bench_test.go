package ciphersuite

import (
	"bytes"
	"fmt"
	"testing"
)

// The crypto floor: the per-operation cost of the primitives every MLS operation is built from,
// measured through this package's API.

// benchName is a short, benchstat-friendly name for a suite's KEM.
func benchName(id ID) string {
	switch id {
	case MLS128DHKEMX25519AES128GCMSHA256Ed25519:
		return "X25519"
	case MLS128DHKEMP256AES128GCMSHA256P256:
		return "P256"
	case MLS128MLKEM768X25519AES128GCMSHA256Ed25519:
		return "MLKEM768X25519"
	}
	return id.String()
}

func benchSuite(b *testing.B, id ID) *Suite {
	s, err := Lookup(id)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkDeriveKeyPair(b *testing.B) {
	for _, id := range []ID{MLS128DHKEMX25519AES128GCMSHA256Ed25519, MLS128DHKEMP256AES128GCMSHA256P256, MLS128MLKEM768X25519AES128GCMSHA256Ed25519} {
		s := benchSuite(b, id)
		b.Run(benchName(id), func(b *testing.B) {
			ikm := bytes.Repeat([]byte{1}, s.Nh())
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.DeriveKeyPair(ikm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkHPKE(b *testing.B) {
	for _, id := range []ID{MLS128DHKEMX25519AES128GCMSHA256Ed25519, MLS128DHKEMP256AES128GCMSHA256P256, MLS128MLKEM768X25519AES128GCMSHA256Ed25519} {
		s := benchSuite(b, id)
		k, err := s.DeriveKeyPair(bytes.Repeat([]byte{1}, s.Nh()))
		if err != nil {
			b.Fatal(err)
		}
		pt := make([]byte, 32) // a path secret
		kemOut, ct, err := s.EncryptWithLabel(k.PublicKey(), "UpdatePathNode", nil, pt)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("Seal/"+benchName(id), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := s.EncryptWithLabel(k.PublicKey(), "UpdatePathNode", nil, pt); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Open/"+benchName(id), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.DecryptWithLabel(k, "UpdatePathNode", nil, kemOut, ct); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSignature(b *testing.B) {
	for _, id := range []ID{MLS128DHKEMX25519AES128GCMSHA256Ed25519, MLS128DHKEMP256AES128GCMSHA256P256} {
		s := benchSuite(b, id)
		priv, err := s.GenerateSignatureKey()
		if err != nil {
			b.Fatal(err)
		}
		content := make([]byte, 256)
		sig, _ := s.SignWithLabel(priv, "FramedContentTBS", content)
		pub, _ := s.ParseSignaturePublicKey(priv.PublicKey())
		b.Run("Sign/"+s.SignatureScheme().String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.SignWithLabel(priv, "FramedContentTBS", content); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Verify/"+s.SignatureScheme().String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := s.VerifyWithLabel(priv.PublicKey(), "FramedContentTBS", content, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("VerifyParsedKey/"+s.SignatureScheme().String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := s.VerifyWithLabelKey(pub, "FramedContentTBS", content, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkKDF(b *testing.B) {
	s := benchSuite(b, MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	secret := make([]byte, 32)
	b.Run("ExpandWithLabel", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.ExpandWithLabel(secret, "tree", []byte("left"), 32); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DeriveTreeSecret", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.DeriveTreeSecret(secret, "key", 7, 16); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAEADSeal(b *testing.B) {
	s := benchSuite(b, MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	key, nonce, pt := make([]byte, 16), make([]byte, 12), make([]byte, 1024)
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Seal(key, nonce, nil, pt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKeyPads compares n one-block derivations from one secret done with the Suite (four
// SHA-256 compressions each) and with one KeyPads (two for the pads, two per derivation): n = 2
// is a tree node's children, 3 a ratchet step's key, nonce and next secret; "cached" is one
// derivation from pads kept across calls (an epoch's sender-data secret).
func BenchmarkKeyPads(b *testing.B) {
	s := benchSuite(b, MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	secret, out := make([]byte, 32), make([]byte, 32)
	ctx := []byte{0, 0, 0, 7}
	for _, n := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("plain/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for range n {
					if err := s.ExpandWithLabelTo(out, secret, "key", ctx); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(fmt.Sprintf("pads/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				k := s.KeyPads(secret)
				for range n {
					if err := k.ExpandWithLabelTo(out, "key", ctx); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
	b.Run("cached", func(b *testing.B) {
		k := s.KeyPads(secret)
		b.ReportAllocs()
		for b.Loop() {
			if err := k.ExpandWithLabelTo(out, "key", ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
