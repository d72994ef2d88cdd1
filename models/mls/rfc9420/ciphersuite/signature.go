package ciphersuite

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"

	"github.com/cloudflare/circl/sign/ed448"
)

// SignatureScheme is a TLS SignatureScheme value as used by MLS cipher suites.
type SignatureScheme uint16

// Signature schemes used by the supported suites.
const (
	ECDSAP256SHA256 SignatureScheme = 0x0403
	ECDSAP384SHA384 SignatureScheme = 0x0503
	ECDSAP521SHA512 SignatureScheme = 0x0603
	Ed25519         SignatureScheme = 0x0807
	Ed448           SignatureScheme = 0x0808
)

func (sc SignatureScheme) String() string {
	switch sc {
	case ECDSAP256SHA256:
		return "ecdsa_secp256r1_sha256"
	case ECDSAP384SHA384:
		return "ecdsa_secp384r1_sha384"
	case ECDSAP521SHA512:
		return "ecdsa_secp521r1_sha512"
	case Ed25519:
		return "ed25519"
	case Ed448:
		return "ed448"
	}
	return fmt.Sprintf("SignatureScheme(0x%04x)", uint16(sc))
}

func (sc SignatureScheme) ecdsaParams() (elliptic.Curve, func() hash.Hash, bool) {
	switch sc {
	case ECDSAP256SHA256:
		return elliptic.P256(), sha256.New, true
	case ECDSAP384SHA384:
		return elliptic.P384(), sha512.New384, true
	case ECDSAP521SHA512:
		return elliptic.P521(), sha512.New, true
	}
	return nil, nil, false
}

// SignaturePrivateKey is a parsed signature private key. Parse it once and reuse it: parsing an ECDSA
// key costs a scalar multiplication.
type SignaturePrivateKey struct {
	scheme SignatureScheme
	raw    []byte
	pub    []byte
	ed     ed25519.PrivateKey
	ec     *ecdsa.PrivateKey
	ed448  ed448.PrivateKey
}

// Scheme returns the key's signature scheme.
func (k *SignaturePrivateKey) Scheme() SignatureScheme { return k.scheme }

// Bytes returns the serialized private key (seed or big-endian scalar).
func (k *SignaturePrivateKey) Bytes() []byte { return append([]byte(nil), k.raw...) }

// PublicKey returns the serialized public key (the SignaturePublicKey of a LeafNode).
func (k *SignaturePrivateKey) PublicKey() []byte { return append([]byte(nil), k.pub...) }

// sign signs msg with the scheme's native message handling (pure EdDSA, or hash-then-ECDSA).
func (k *SignaturePrivateKey) sign(msg []byte) ([]byte, error) {
	switch {
	case k.ed != nil:
		return ed25519.Sign(k.ed, msg), nil
	case k.ed448 != nil:
		return ed448.Sign(k.ed448, msg, ""), nil
	case k.ec != nil:
		_, newHash, _ := k.scheme.ecdsaParams()
		h := newHash()
		h.Write(msg)
		return ecdsa.SignASN1(rand.Reader, k.ec, h.Sum(nil))
	}
	return nil, ErrBadKey
}

// ParseSignaturePrivateKey parses a private key of the given scheme.
func ParseSignaturePrivateKey(scheme SignatureScheme, b []byte) (*SignaturePrivateKey, error) {
	k := &SignaturePrivateKey{scheme: scheme, raw: append([]byte(nil), b...)}
	switch scheme {
	case Ed25519:
		if len(b) != ed25519.SeedSize {
			return nil, fmt.Errorf("%w: ed25519 seed of %d bytes", ErrBadKey, len(b))
		}
		k.ed = ed25519.NewKeyFromSeed(b)
		k.pub = append([]byte(nil), k.ed.Public().(ed25519.PublicKey)...)
	case Ed448:
		if len(b) != ed448.SeedSize {
			return nil, fmt.Errorf("%w: ed448 seed of %d bytes", ErrBadKey, len(b))
		}
		k.ed448 = ed448.NewKeyFromSeed(b)
		k.pub = append([]byte(nil), k.ed448.Public().(ed448.PublicKey)...)
	default:
		curve, _, ok := scheme.ecdsaParams()
		if !ok {
			return nil, fmt.Errorf("%w: signature scheme %v", ErrUnsupported, scheme)
		}
		// The scalar is a big-endian integer; some encoders drop leading zero bytes (the P-521
		// message-protection vector has a 65-byte key), so left-pad to the field size.
		size := (curve.Params().BitSize + 7) / 8
		if len(b) < size && len(b) > 0 {
			b = append(make([]byte, size-len(b)), b...)
			k.raw = b
		}
		priv, err := ecdsa.ParseRawPrivateKey(curve, b)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
		}
		k.ec = priv
		pub, err := priv.PublicKey.Bytes()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
		}
		k.pub = pub
	}
	return k, nil
}

// GenerateSignatureKey generates a fresh private key of the given scheme.
func GenerateSignatureKey(scheme SignatureScheme) (*SignaturePrivateKey, error) {
	switch scheme {
	case Ed25519:
		seed := make([]byte, ed25519.SeedSize)
		rand.Read(seed)
		return ParseSignaturePrivateKey(scheme, seed)
	case Ed448:
		seed := make([]byte, ed448.SeedSize)
		rand.Read(seed)
		return ParseSignaturePrivateKey(scheme, seed)
	}
	curve, _, ok := scheme.ecdsaParams()
	if !ok {
		return nil, fmt.Errorf("%w: signature scheme %v", ErrUnsupported, scheme)
	}
	priv, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		return nil, err
	}
	raw, err := priv.Bytes()
	if err != nil {
		return nil, err
	}
	return ParseSignaturePrivateKey(scheme, raw)
}

// SignaturePublicKey is a parsed signature public key.
type SignaturePublicKey struct {
	scheme SignatureScheme
	raw    []byte
	ed     ed25519.PublicKey
	ec     *ecdsa.PublicKey
	ed448  ed448.PublicKey
}

// ParseSignaturePublicKey parses (and for ECDSA validates) a public key of the given scheme.
func ParseSignaturePublicKey(scheme SignatureScheme, b []byte) (*SignaturePublicKey, error) {
	k := &SignaturePublicKey{scheme: scheme, raw: append([]byte(nil), b...)}
	switch scheme {
	case Ed25519:
		if len(b) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: ed25519 public key of %d bytes", ErrBadKey, len(b))
		}
		k.ed = ed25519.PublicKey(k.raw)
	case Ed448:
		if len(b) != ed448.PublicKeySize {
			return nil, fmt.Errorf("%w: ed448 public key of %d bytes", ErrBadKey, len(b))
		}
		k.ed448 = ed448.PublicKey(k.raw)
	default:
		curve, _, ok := scheme.ecdsaParams()
		if !ok {
			return nil, fmt.Errorf("%w: signature scheme %v", ErrUnsupported, scheme)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, b)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
		}
		k.ec = pub
	}
	return k, nil
}

// Bytes returns the serialized public key.
func (k *SignaturePublicKey) Bytes() []byte { return append([]byte(nil), k.raw...) }

func (k *SignaturePublicKey) verify(msg, sig []byte) bool {
	switch {
	case k.ed != nil:
		return ed25519.Verify(k.ed, msg, sig)
	case k.ed448 != nil:
		return ed448.Verify(k.ed448, msg, sig, "")
	case k.ec != nil:
		_, newHash, _ := k.scheme.ecdsaParams()
		h := newHash()
		h.Write(msg)
		return ecdsa.VerifyASN1(k.ec, h.Sum(nil), sig)
	}
	return false
}

// GenerateSignatureKey generates a signature key for the suite's scheme.
func (s *Suite) GenerateSignatureKey() (*SignaturePrivateKey, error) {
	return GenerateSignatureKey(s.sig)
}

// ParseSignaturePrivateKey parses a private key of the suite's scheme.
func (s *Suite) ParseSignaturePrivateKey(b []byte) (*SignaturePrivateKey, error) {
	return ParseSignaturePrivateKey(s.sig, b)
}

// ParseSignaturePublicKey parses a public key of the suite's scheme.
func (s *Suite) ParseSignaturePublicKey(b []byte) (*SignaturePublicKey, error) {
	return ParseSignaturePublicKey(s.sig, b)
}

// SignWithLabel signs SignContent{opaque label<V> = "MLS 1.0 " + label; opaque content<V>} (§5.1.2).
func (s *Suite) SignWithLabel(priv *SignaturePrivateKey, label string, content []byte) ([]byte, error) {
	if priv == nil || priv.scheme != s.sig {
		return nil, fmt.Errorf("%w: key is not a %v key", ErrBadKey, s.sig)
	}
	return priv.sign(labeledContent(label, content))
}

// VerifyWithLabel verifies a SignWithLabel signature under the serialized public key pub.
func (s *Suite) VerifyWithLabel(pub []byte, label string, content, signature []byte) error {
	k, err := s.ParseSignaturePublicKey(pub)
	if err != nil {
		return err
	}
	return s.VerifyWithLabelKey(k, label, content, signature)
}

// VerifyWithLabelKey is VerifyWithLabel with a pre-parsed public key.
func (s *Suite) VerifyWithLabelKey(pub *SignaturePublicKey, label string, content, signature []byte) error {
	if pub == nil || pub.scheme != s.sig {
		return fmt.Errorf("%w: key is not a %v key", ErrBadKey, s.sig)
	}
	if !pub.verify(labeledContent(label, content), signature) {
		return ErrBadSignature
	}
	return nil
}
