package ciphersuite

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hpke"
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
	for i := range 64 {
		ikm := bytes.Repeat([]byte{byte(i)}, 1+i%40)
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
