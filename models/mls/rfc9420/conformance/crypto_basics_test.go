package conformance

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/testvectors"
)

type cryptoBasicsVector struct {
	CipherSuite uint16 `json:"cipher_suite"`
	RefHash     struct {
		Label string `json:"label"`
		Value hex    `json:"value"`
		Out   hex    `json:"out"`
	} `json:"ref_hash"`
	ExpandWithLabel struct {
		Secret  hex    `json:"secret"`
		Label   string `json:"label"`
		Context hex    `json:"context"`
		Length  int    `json:"length"`
		Out     hex    `json:"out"`
	} `json:"expand_with_label"`
	DeriveSecret struct {
		Secret hex    `json:"secret"`
		Label  string `json:"label"`
		Out    hex    `json:"out"`
	} `json:"derive_secret"`
	DeriveTreeSecret struct {
		Secret     hex    `json:"secret"`
		Label      string `json:"label"`
		Generation uint32 `json:"generation"`
		Length     int    `json:"length"`
		Out        hex    `json:"out"`
	} `json:"derive_tree_secret"`
	SignWithLabel struct {
		Priv      hex    `json:"priv"`
		Pub       hex    `json:"pub"`
		Content   hex    `json:"content"`
		Label     string `json:"label"`
		Signature hex    `json:"signature"`
	} `json:"sign_with_label"`
	EncryptWithLabel struct {
		Priv       hex    `json:"priv"`
		Pub        hex    `json:"pub"`
		Label      string `json:"label"`
		Context    hex    `json:"context"`
		Plaintext  hex    `json:"plaintext"`
		KEMOutput  hex    `json:"kem_output"`
		Ciphertext hex    `json:"ciphertext"`
	} `json:"encrypt_with_label"`
}

func TestCryptoBasics(t *testing.T) {
	const file = "crypto-basics.json"
	var vs []cryptoBasicsVector
	testvectors.Load(t, file, &vs)
	for i, v := range vs {
		s, ok := suiteFor(t, file, v.CipherSuite)
		if !ok {
			continue
		}
		record(t, file, v.CipherSuite, fmt.Sprintf("%d/suite-%d", i, v.CipherSuite), func(t *testing.T) {
			if got := s.RefHash(v.RefHash.Label, v.RefHash.Value); !bytes.Equal(got, v.RefHash.Out) {
				t.Errorf("RefHash = %x, want %x", got, v.RefHash.Out)
			}
			e := v.ExpandWithLabel
			if got, err := s.ExpandWithLabel(e.Secret, e.Label, e.Context, e.Length); err != nil || !bytes.Equal(got, e.Out) {
				t.Errorf("ExpandWithLabel = %x, %v; want %x", got, err, e.Out)
			}
			d := v.DeriveSecret
			if got, err := s.DeriveSecret(d.Secret, d.Label); err != nil || !bytes.Equal(got, d.Out) {
				t.Errorf("DeriveSecret = %x, %v; want %x", got, err, d.Out)
			}
			dt := v.DeriveTreeSecret
			if got, err := s.DeriveTreeSecret(dt.Secret, dt.Label, dt.Generation, dt.Length); err != nil || !bytes.Equal(got, dt.Out) {
				t.Errorf("DeriveTreeSecret = %x, %v; want %x", got, err, dt.Out)
			}

			sw := v.SignWithLabel
			if err := s.VerifyWithLabel(sw.Pub, sw.Label, sw.Content, sw.Signature); err != nil {
				t.Errorf("VerifyWithLabel(vector signature): %v", err)
			}
			priv, err := s.ParseSignaturePrivateKey(sw.Priv)
			if err != nil {
				t.Fatalf("ParseSignaturePrivateKey: %v", err)
			}
			if !bytes.Equal(priv.PublicKey(), sw.Pub) {
				t.Errorf("public key from private = %x, want %x", priv.PublicKey(), sw.Pub)
			}
			sig, err := s.SignWithLabel(priv, sw.Label, sw.Content)
			if err != nil {
				t.Fatalf("SignWithLabel: %v", err)
			}
			if err := s.VerifyWithLabel(sw.Pub, sw.Label, sw.Content, sig); err != nil {
				t.Errorf("VerifyWithLabel(own signature): %v", err)
			}
			if err := s.VerifyWithLabel(sw.Pub, sw.Label+"x", sw.Content, sig); err == nil {
				t.Errorf("signature verified under a different label")
			}

			ew := v.EncryptWithLabel
			hpriv, err := s.ParseHPKEPrivateKey(ew.Priv)
			if err != nil {
				t.Fatalf("ParseHPKEPrivateKey: %v", err)
			}
			if !bytes.Equal(hpriv.PublicKey(), ew.Pub) {
				t.Errorf("HPKE public key from private = %x, want %x", hpriv.PublicKey(), ew.Pub)
			}
			pt, err := s.DecryptWithLabel(hpriv, ew.Label, ew.Context, ew.KEMOutput, ew.Ciphertext)
			if err != nil || !bytes.Equal(pt, ew.Plaintext) {
				t.Errorf("DecryptWithLabel(vector) = %x, %v; want %x", pt, err, ew.Plaintext)
			}
			kemOut, ct, err := s.EncryptWithLabel(ew.Pub, ew.Label, ew.Context, ew.Plaintext)
			if err != nil {
				t.Fatalf("EncryptWithLabel: %v", err)
			}
			pt, err = s.DecryptWithLabel(hpriv, ew.Label, ew.Context, kemOut, ct)
			if err != nil || !bytes.Equal(pt, ew.Plaintext) {
				t.Errorf("DecryptWithLabel(own) = %x, %v; want %x", pt, err, ew.Plaintext)
			}
		})
	}
	reportFile(t, file)
}
