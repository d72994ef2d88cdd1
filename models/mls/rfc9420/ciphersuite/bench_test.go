package ciphersuite

import (
	"bytes"
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
