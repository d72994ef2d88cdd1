package ciphersuite

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha512"
	"fmt"

	circlhpke "github.com/cloudflare/circl/hpke"
	"github.com/cloudflare/circl/kem"
)

// HPKEPrivateKey is a parsed HPKE private key of one suite's KEM.
type HPKEPrivateKey struct {
	kem   kemImpl
	std   hpke.PrivateKey
	circl kem.PrivateKey
	// raw is the private key of a key made by x25519KEM, whose std is built on first use.
	raw []byte
	pub []byte
}

// stdKey returns the crypto/hpke private key, building it from raw on first use. A key belongs
// to one member, which is never used from two goroutines at once.
func (k *HPKEPrivateKey) stdKey() (hpke.PrivateKey, error) {
	if k.std == nil && k.raw != nil {
		// The public key is known: a key exchanger that does not compute it again.
		pub, err := ecdh.X25519().NewPublicKey(k.pub)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
		}
		sk, err := hpke.NewDHKEMPrivateKey(&x25519Exchanger{sk: k.raw, pub: pub})
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
		}
		k.std = sk
	}
	if k.std == nil {
		return nil, ErrBadKey
	}
	return k.std, nil
}

// Bytes returns SerializePrivateKey(sk).
func (k *HPKEPrivateKey) Bytes() ([]byte, error) {
	if k.raw != nil {
		// SerializePrivateKey clamps an X25519 key (RFC 9180 §7.1.2), as crypto/hpke does.
		b := append([]byte(nil), k.raw...)
		b[0] &= 248
		b[31] &= 127
		b[31] |= 64
		return b, nil
	}
	if k.std != nil {
		return k.std.Bytes()
	}
	return k.circl.MarshalBinary()
}

// PublicKey returns SerializePublicKey(pk) of the matching public key (an HPKEPublicKey on the wire).
func (k *HPKEPrivateKey) PublicKey() []byte { return append([]byte(nil), k.pub...) }

// PublicKeyEqual reports whether pub is this key's serialized public key, without copying it.
func (k *HPKEPrivateKey) PublicKeyEqual(pub []byte) bool { return bytes.Equal(k.pub, pub) }

// kemImpl abstracts the HPKE implementation behind a KEM: crypto/hpke for everything it has, circl
// for DHKEM(X448).
type kemImpl interface {
	id() uint16
	generate() (*HPKEPrivateKey, error)
	derive(ikm []byte) (*HPKEPrivateKey, error)
	parsePrivate(b []byte) (*HPKEPrivateKey, error)
	// sealBase runs SetupBaseS(pk, info) and one Seal(aad, pt).
	sealBase(s *Suite, pub, info, aad, pt []byte) (enc, ct []byte, err error)
	// openBase runs SetupBaseR(enc, sk, info) and one Open(aad, ct).
	openBase(s *Suite, priv *HPKEPrivateKey, enc, info, aad, ct []byte) ([]byte, error)
	// exportBase runs SetupBaseS(pk, info) and one Export(exporterContext, n).
	exportBase(s *Suite, pub, info []byte, exporterContext string, n int) (enc, secret []byte, err error)
	// receiveExportBase runs SetupBaseR(enc, sk, info) and one Export(exporterContext, n).
	receiveExportBase(s *Suite, priv *HPKEPrivateKey, enc, info []byte, exporterContext string, n int) ([]byte, error)
}

type stdKEM struct {
	kem hpke.KEM
}

func newStdKEM(id uint16) kemImpl {
	k, err := hpke.NewKEM(id)
	if err != nil {
		panic(fmt.Sprintf("ciphersuite: crypto/hpke lacks KEM 0x%04x: %v", id, err))
	}
	return stdKEM{kem: k}
}

func (k stdKEM) id() uint16 { return k.kem.ID() }

func (k stdKEM) wrap(sk hpke.PrivateKey, err error) (*HPKEPrivateKey, error) {
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return &HPKEPrivateKey{kem: k, std: sk, pub: sk.PublicKey().Bytes()}, nil
}

func (k stdKEM) generate() (*HPKEPrivateKey, error)         { return k.wrap(k.kem.GenerateKey()) }
func (k stdKEM) derive(ikm []byte) (*HPKEPrivateKey, error) { return k.wrap(k.kem.DeriveKeyPair(ikm)) }
func (k stdKEM) parsePrivate(b []byte) (*HPKEPrivateKey, error) {
	return k.wrap(k.kem.NewPrivateKey(b))
}

// sender sets up the base-mode HPKE sender context for pub under s's KDF and AEAD; sealBase and
// exportBase differ only in what they do with it.
func (k stdKEM) sender(s *Suite, pub, info []byte) ([]byte, *hpke.Sender, error) {
	pk, err := k.kem.NewPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	kdf, err := hpke.NewKDF(s.kdfID)
	if err != nil {
		return nil, nil, err
	}
	aead, err := hpke.NewAEAD(s.aead.id)
	if err != nil {
		return nil, nil, err
	}
	return hpke.NewSender(pk, kdf, aead, info)
}

// recipient sets up the base-mode HPKE recipient context for priv and enc under s's KDF and
// AEAD; openBase and receiveExportBase differ only in what they do with it.
func (k stdKEM) recipient(s *Suite, priv *HPKEPrivateKey, enc, info []byte) (*hpke.Recipient, error) {
	sk, err := priv.stdKey()
	if err != nil {
		return nil, err
	}
	kdf, err := hpke.NewKDF(s.kdfID)
	if err != nil {
		return nil, err
	}
	aead, err := hpke.NewAEAD(s.aead.id)
	if err != nil {
		return nil, err
	}
	r, err := hpke.NewRecipient(enc, sk, kdf, aead, info)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	return r, nil
}

func (k stdKEM) sealBase(s *Suite, pub, info, aad, pt []byte) ([]byte, []byte, error) {
	enc, sender, err := k.sender(s, pub, info)
	if err != nil {
		return nil, nil, err
	}
	ct, err := sender.Seal(aad, pt)
	if err != nil {
		return nil, nil, err
	}
	return enc, ct, nil
}

func (k stdKEM) openBase(s *Suite, priv *HPKEPrivateKey, enc, info, aad, ct []byte) ([]byte, error) {
	r, err := k.recipient(s, priv, enc, info)
	if err != nil {
		return nil, err
	}
	pt, err := r.Open(aad, ct)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	return pt, nil
}

func (k stdKEM) exportBase(s *Suite, pub, info []byte, exporterContext string, n int) ([]byte, []byte, error) {
	enc, sender, err := k.sender(s, pub, info)
	if err != nil {
		return nil, nil, err
	}
	secret, err := sender.Export(exporterContext, n)
	if err != nil {
		return nil, nil, err
	}
	return enc, secret, nil
}

func (k stdKEM) receiveExportBase(s *Suite, priv *HPKEPrivateKey, enc, info []byte, exporterContext string, n int) ([]byte, error) {
	r, err := k.recipient(s, priv, enc, info)
	if err != nil {
		return nil, err
	}
	return r.Export(exporterContext, n)
}

// circlKEM implements DHKEM(X448, HKDF-SHA512), which crypto/hpke does not have, with circl.
type circlKEM struct {
	kem circlhpke.KEM
}

func newX448KEM() kemImpl { return circlKEM{kem: circlhpke.KEM_X448_HKDF_SHA512} }

func (k circlKEM) id() uint16 { return uint16(k.kem) }

func (k circlKEM) wrap(sk kem.PrivateKey) (*HPKEPrivateKey, error) {
	pub, err := sk.Public().MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return &HPKEPrivateKey{kem: k, circl: sk, pub: pub}, nil
}

func (k circlKEM) generate() (*HPKEPrivateKey, error) {
	_, sk, err := k.kem.Scheme().GenerateKeyPair()
	if err != nil {
		return nil, err
	}
	return k.wrap(sk)
}

func (k circlKEM) derive(ikm []byte) (*HPKEPrivateKey, error) {
	// RFC 9180 §7.1.3 DeriveKeyPair for X25519/X448 accepts IKM of any length; circl's version only
	// takes exactly SeedSize bytes (MLS passes Nh = 64), so compute it here:
	//   dkp_prk = LabeledExtract("", "dkp_prk", ikm)
	//   sk      = LabeledExpand(dkp_prk, "sk", "", Nsk)
	suiteID := []byte{'K', 'E', 'M', byte(k.kem >> 8), byte(k.kem)}
	labeled := func(label string, rest []byte) []byte {
		b := append([]byte("HPKE-v1"), suiteID...)
		b = append(b, label...)
		return append(b, rest...)
	}
	prk := hkdfExtractSHA512(nil, labeled("dkp_prk", ikm))
	nsk := k.kem.Scheme().PrivateKeySize()
	info := append([]byte{byte(nsk >> 8), byte(nsk)}, labeled("sk", nil)...)
	sk, err := hkdf.Expand(sha512.New, prk, string(info), nsk)
	if err != nil {
		return nil, err
	}
	return k.parsePrivate(sk)
}

func hkdfExtractSHA512(salt, ikm []byte) []byte {
	m := hmac.New(sha512.New, salt)
	m.Write(ikm)
	return m.Sum(nil)
}

func (k circlKEM) parsePrivate(b []byte) (*HPKEPrivateKey, error) {
	sk, err := k.kem.Scheme().UnmarshalBinaryPrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return k.wrap(sk)
}

func (k circlKEM) suite(s *Suite) circlhpke.Suite {
	return circlhpke.NewSuite(k.kem, circlhpke.KDF(s.kdfID), circlhpke.AEAD(s.aead.id))
}

func (k circlKEM) sealBase(s *Suite, pub, info, aad, pt []byte) ([]byte, []byte, error) {
	pk, err := k.kem.Scheme().UnmarshalBinaryPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	sender, err := k.suite(s).NewSender(pk, info)
	if err != nil {
		return nil, nil, err
	}
	enc, sealer, err := sender.Setup(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	ct, err := sealer.Seal(pt, aad)
	if err != nil {
		return nil, nil, err
	}
	return enc, ct, nil
}

func (k circlKEM) openBase(s *Suite, priv *HPKEPrivateKey, enc, info, aad, ct []byte) ([]byte, error) {
	if priv.circl == nil {
		return nil, ErrBadKey
	}
	recv, err := k.suite(s).NewReceiver(priv.circl, info)
	if err != nil {
		return nil, err
	}
	opener, err := recv.Setup(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	pt, err := opener.Open(ct, aad)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	return pt, nil
}

func (k circlKEM) exportBase(s *Suite, pub, info []byte, exporterContext string, n int) ([]byte, []byte, error) {
	pk, err := k.kem.Scheme().UnmarshalBinaryPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	sender, err := k.suite(s).NewSender(pk, info)
	if err != nil {
		return nil, nil, err
	}
	enc, sealer, err := sender.Setup(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	return enc, sealer.Export([]byte(exporterContext), uint(n)), nil
}

func (k circlKEM) receiveExportBase(s *Suite, priv *HPKEPrivateKey, enc, info []byte, exporterContext string, n int) ([]byte, error) {
	if priv.circl == nil {
		return nil, ErrBadKey
	}
	recv, err := k.suite(s).NewReceiver(priv.circl, info)
	if err != nil {
		return nil, err
	}
	opener, err := recv.Setup(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	return opener.Export([]byte(exporterContext), uint(n)), nil
}

// ExportSender is SetupBaseS(pub, info) followed by context.export(exporterContext, n) (RFC 9180
// §5.3), as used for the external init secret (§8.3). It returns the KEM output and the secret.
func (s *Suite) ExportSender(pub, info []byte, exporterContext string, n int) (kemOutput, secret []byte, err error) {
	return s.kem.exportBase(s, pub, info, exporterContext, n)
}

// ExportReceiver is SetupBaseR(kemOutput, priv, info) followed by context.export(exporterContext, n).
func (s *Suite) ExportReceiver(priv *HPKEPrivateKey, kemOutput, info []byte, exporterContext string, n int) ([]byte, error) {
	if priv == nil || priv.kem.id() != s.kem.id() {
		return nil, fmt.Errorf("%w: key is not for KEM 0x%04x", ErrBadKey, s.kem.id())
	}
	return s.kem.receiveExportBase(s, priv, kemOutput, info, exporterContext, n)
}

// GenerateHPKEKey generates a fresh HPKE key pair for the suite's KEM.
func (s *Suite) GenerateHPKEKey() (*HPKEPrivateKey, error) { return s.kem.generate() }

// DeriveKeyPair is the KEM's DeriveKeyPair(ikm) (RFC 9180 §7.1.3), used for node keys (§7.4) and the
// external key pair (§8.3).
func (s *Suite) DeriveKeyPair(ikm []byte) (*HPKEPrivateKey, error) { return s.kem.derive(ikm) }

// ParseHPKEPrivateKey parses a serialized HPKE private key of the suite's KEM.
func (s *Suite) ParseHPKEPrivateKey(b []byte) (*HPKEPrivateKey, error) { return s.kem.parsePrivate(b) }

// EncryptWithLabel is SealBase(pub, EncryptContext{"MLS 1.0 " + label, context}, "", plaintext)
// (§5.1.3). It returns the KEM output and the ciphertext (the fields of an HPKECiphertext).
func (s *Suite) EncryptWithLabel(pub []byte, label string, context, plaintext []byte) (kemOutput, ciphertext []byte, err error) {
	return s.kem.sealBase(s, pub, labeledContent(label, context), nil, plaintext)
}

// DecryptWithLabel is OpenBase(kemOutput, priv, EncryptContext{"MLS 1.0 " + label, context}, "", ciphertext).
func (s *Suite) DecryptWithLabel(priv *HPKEPrivateKey, label string, context, kemOutput, ciphertext []byte) ([]byte, error) {
	if priv == nil || priv.kem.id() != s.kem.id() {
		return nil, fmt.Errorf("%w: key is not for KEM 0x%04x", ErrBadKey, s.kem.id())
	}
	return s.kem.openBase(s, priv, kemOutput, labeledContent(label, context), nil, ciphertext)
}
