package ciphersuite

import (
	"bytes"
	"errors"
	"testing"
)

func TestSuiteParameters(t *testing.T) {
	tests := []struct {
		id         ID
		nh, nk, nn int
		kem        uint16
		sig        SignatureScheme
		pubLen     int // HPKE public key length
	}{
		{MLS128DHKEMX25519AES128GCMSHA256Ed25519, 32, 16, 12, 0x0020, Ed25519, 32},
		{MLS128DHKEMP256AES128GCMSHA256P256, 32, 16, 12, 0x0010, ECDSAP256SHA256, 65},
		{MLS128DHKEMX25519ChaCha20Poly1305SHA256Ed25519, 32, 32, 12, 0x0020, Ed25519, 32},
		{MLS256DHKEMX448AES256GCMSHA512Ed448, 64, 32, 12, 0x0021, Ed448, 56},
		{MLS256DHKEMP521AES256GCMSHA512P521, 64, 32, 12, 0x0012, ECDSAP521SHA512, 133},
		{MLS256DHKEMX448ChaCha20Poly1305SHA512Ed448, 64, 32, 12, 0x0021, Ed448, 56},
		{MLS256DHKEMP384AES256GCMSHA384P384, 48, 32, 12, 0x0011, ECDSAP384SHA384, 97},
		{MLS128MLKEM768X25519AES128GCMSHA256Ed25519, 32, 16, 12, 0x647a, Ed25519, 1216},
	}
	if len(Supported()) != len(tests) {
		t.Fatalf("Supported() = %v, want %d suites", Supported(), len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.id.String(), func(t *testing.T) {
			s, err := Lookup(tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if s.Nh() != tc.nh || s.Nk() != tc.nk || s.Nn() != tc.nn || s.KEMID() != tc.kem || s.SignatureScheme() != tc.sig {
				t.Fatalf("parameters Nh=%d Nk=%d Nn=%d KEM=%#x sig=%v", s.Nh(), s.Nk(), s.Nn(), s.KEMID(), s.SignatureScheme())
			}
			k, err := s.DeriveKeyPair(bytes.Repeat([]byte{7}, s.Nh()))
			if err != nil {
				t.Fatal(err)
			}
			if len(k.PublicKey()) != tc.pubLen {
				t.Fatalf("HPKE public key of %d bytes, want %d", len(k.PublicKey()), tc.pubLen)
			}
		})
	}
	if _, err := Lookup(0x0a0a); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("GREASE suite: err = %v", err)
	}
}

func allSuites(t testing.TB) []*Suite {
	var out []*Suite
	for _, id := range Supported() {
		s, err := Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestSignatures(t *testing.T) {
	for _, s := range allSuites(t) {
		t.Run(s.String(), func(t *testing.T) {
			priv, err := s.GenerateSignatureKey()
			if err != nil {
				t.Fatal(err)
			}
			again, err := s.ParseSignaturePrivateKey(priv.Bytes())
			if err != nil || !bytes.Equal(again.PublicKey(), priv.PublicKey()) {
				t.Fatalf("private key does not round-trip: %v", err)
			}
			content := []byte("content")
			sig, err := s.SignWithLabel(priv, "Label", content)
			if err != nil {
				t.Fatal(err)
			}
			tests := []struct {
				name    string
				label   string
				content []byte
				sig     []byte
				ok      bool
			}{
				{"valid", "Label", content, sig, true},
				{"other-label", "Label2", content, sig, false},
				{"other-content", "Label", []byte("content!"), sig, false},
				{"truncated", "Label", content, sig[:len(sig)-1], false},
				{"empty", "Label", content, nil, false},
			}
			for _, tc := range tests {
				err := s.VerifyWithLabel(priv.PublicKey(), tc.label, tc.content, tc.sig)
				if (err == nil) != tc.ok {
					t.Errorf("%s: err = %v", tc.name, err)
				}
			}
			if err := s.VerifyWithLabel([]byte{1, 2, 3}, "Label", content, sig); !errors.Is(err, ErrBadKey) {
				t.Errorf("malformed public key: err = %v", err)
			}
		})
	}
}

func TestHPKE(t *testing.T) {
	for _, s := range allSuites(t) {
		t.Run(s.String(), func(t *testing.T) {
			k, err := s.GenerateHPKEKey()
			if err != nil {
				t.Fatal(err)
			}
			raw, err := k.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			k2, err := s.ParseHPKEPrivateKey(raw)
			if err != nil || !bytes.Equal(k2.PublicKey(), k.PublicKey()) {
				t.Fatalf("HPKE private key does not round-trip: %v", err)
			}
			ctx, pt := []byte("context"), []byte("plaintext")
			kemOut, ct, err := s.EncryptWithLabel(k.PublicKey(), "Label", ctx, pt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.DecryptWithLabel(k, "Label", ctx, kemOut, ct)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("DecryptWithLabel = %q, %v", got, err)
			}
			tampered := append([]byte{}, ct...)
			tampered[0] ^= 1
			for _, tc := range []struct {
				name              string
				label             string
				ctx, kemOut, ctx2 []byte
			}{
				{"label", "Other", ctx, kemOut, ct},
				{"context", "Label", []byte("other"), kemOut, ct},
				{"ciphertext", "Label", ctx, kemOut, tampered},
				{"short-kem-output", "Label", ctx, kemOut[:len(kemOut)-1], ct},
			} {
				if _, err := s.DecryptWithLabel(k, tc.label, tc.ctx, tc.kemOut, tc.ctx2); err == nil {
					t.Errorf("%s: decryption succeeded", tc.name)
				}
			}
			a, _ := s.DeriveKeyPair([]byte("ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm!"))
			b, _ := s.DeriveKeyPair([]byte("ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm-ikm!"))
			if a == nil || b == nil || !bytes.Equal(a.PublicKey(), b.PublicKey()) {
				t.Fatalf("DeriveKeyPair is not deterministic")
			}
		})
	}
}

func TestAEAD(t *testing.T) {
	for _, s := range allSuites(t) {
		t.Run(s.String(), func(t *testing.T) {
			key, nonce := make([]byte, s.Nk()), make([]byte, s.Nn())
			ct, err := s.Seal(key, nonce, []byte("aad"), []byte("pt"))
			if err != nil {
				t.Fatal(err)
			}
			if pt, err := s.Open(key, nonce, []byte("aad"), ct); err != nil || string(pt) != "pt" {
				t.Fatalf("Open = %q, %v", pt, err)
			}
			if _, err := s.Open(key, nonce, []byte("AAD"), ct); !errors.Is(err, ErrDecrypt) {
				t.Fatalf("wrong AAD: err = %v", err)
			}
			if _, err := s.Seal(key[1:], nonce, nil, nil); !errors.Is(err, ErrBadKey) {
				t.Fatalf("short key: err = %v", err)
			}
			if _, err := s.Seal(key, nonce[1:], nil, nil); !errors.Is(err, ErrBadKey) {
				t.Fatalf("short nonce: err = %v", err)
			}
		})
	}
}

func TestExpandLimits(t *testing.T) {
	s, _ := Lookup(MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	if _, err := s.ExpandWithLabel(make([]byte, 32), "l", nil, 255*32+1); !errors.Is(err, ErrOutputTooLong) {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.ExpandWithLabel(make([]byte, 32), "l", nil, -1); !errors.Is(err, ErrOutputTooLong) {
		t.Fatalf("err = %v", err)
	}
	// Extract with an empty salt equals Extract with Nh zero bytes (RFC 5869 §2.2).
	if !bytes.Equal(s.Extract(nil, []byte("ikm")), s.Extract(make([]byte, 32), []byte("ikm"))) {
		t.Fatal("empty salt differs from zero salt")
	}
}

func TestCrossSuiteKeysRejected(t *testing.T) {
	s1, _ := Lookup(MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	s2, _ := Lookup(MLS128DHKEMP256AES128GCMSHA256P256)
	sig, _ := s2.GenerateSignatureKey()
	if _, err := s1.SignWithLabel(sig, "l", nil); !errors.Is(err, ErrBadKey) {
		t.Fatalf("P-256 key used with Ed25519 suite: err = %v", err)
	}
	hk, _ := s2.GenerateHPKEKey()
	if _, err := s1.DecryptWithLabel(hk, "l", nil, nil, nil); !errors.Is(err, ErrBadKey) {
		t.Fatalf("P-256 HPKE key used with X25519 suite: err = %v", err)
	}
}

func FuzzDecryptWithLabel(f *testing.F) {
	s, _ := Lookup(MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	k, _ := s.DeriveKeyPair(make([]byte, 32))
	kemOut, ct, _ := s.EncryptWithLabel(k.PublicKey(), "L", nil, []byte("x"))
	f.Add(kemOut, ct)
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, kemOut, ct []byte) {
		_, _ = s.DecryptWithLabel(k, "L", nil, kemOut, ct)
	})
}

func FuzzParseKeys(f *testing.F) {
	f.Add(uint8(0), []byte{1, 2, 3})
	f.Add(uint8(1), make([]byte, 32))
	f.Add(uint8(2), make([]byte, 65))
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		ids := Supported()
		s, _ := Lookup(ids[int(which)%len(ids)])
		_, _ = s.ParseSignaturePrivateKey(b)
		_, _ = s.ParseSignaturePublicKey(b)
		_, _ = s.ParseHPKEPrivateKey(b)
		_ = s.VerifyWithLabel(b, "L", b, b)
		_, _, _ = s.EncryptWithLabel(b, "L", nil, nil)
		if len(b) >= 64 {
			_, _ = s.DeriveKeyPair(b)
		}
	})
}

// TestHPKEExport checks that sender and receiver export the same secret (the external init secret
// of §8.3) and that another key or KEM output gives another secret.
func TestHPKEExport(t *testing.T) {
	for _, s := range allSuites(t) {
		t.Run(s.String(), func(t *testing.T) {
			k, err := s.GenerateHPKEKey()
			if err != nil {
				t.Fatal(err)
			}
			const label = "MLS 1.0 external init secret"
			enc, secret, err := s.ExportSender(k.PublicKey(), nil, label, s.Nh())
			if err != nil {
				t.Fatal(err)
			}
			if len(secret) != s.Nh() {
				t.Fatalf("secret length %d, want %d", len(secret), s.Nh())
			}
			got, err := s.ExportReceiver(k, enc, nil, label, s.Nh())
			if err != nil || !bytes.Equal(got, secret) {
				t.Fatalf("receiver export differs: %v", err)
			}
			other, err := s.GenerateHPKEKey()
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s.ExportReceiver(other, enc, nil, label, s.Nh()); err == nil && bytes.Equal(got, secret) {
				t.Fatal("another key exports the same secret")
			}
			if got, err := s.ExportReceiver(k, enc, nil, "other", s.Nh()); err != nil || bytes.Equal(got, secret) {
				t.Fatalf("another exporter context gives the same secret (err %v)", err)
			}
		})
	}
}
