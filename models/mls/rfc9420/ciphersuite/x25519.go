package ciphersuite

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"filippo.io/edwards25519"
)

// x25519KEM is DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1) on crypto/hpke, except that key pairs
// are made here. A key pair's public key, X25519(sk, 9), is computed as the Montgomery
// u-coordinate of [clamp(sk)]B on edwards25519, with its fixed-base tables
// (filippo.io/edwards25519): the same bytes as crypto/ecdh's ladder (RFC 7748 §4.1 maps B to u = 9,
// and B has the prime order the clamped scalar is reduced by), about three times faster. The
// crypto/hpke private key, whose construction runs the ladder again, is built only when the key
// decrypts (HPKEPrivateKey.stdKey). Members derive a key pair for every node on their path a
// commit updates, and most of those keys never decrypt anything.
type x25519KEM struct{ stdKEM }

const x25519Size = 32

// x25519SuiteID is suite_id for the KEM's own key schedule: "KEM" || I2OSP(0x0020, 2).
var x25519SuiteID = []byte{'K', 'E', 'M', 0x00, 0x20}

func newX25519KEM() kemImpl { return x25519KEM{newStdKEM(0x0020).(stdKEM)} }

// fromScalar returns the key pair of the private key sk.
func (k x25519KEM) fromScalar(sk []byte) (*HPKEPrivateKey, error) {
	if len(sk) != x25519Size {
		return nil, fmt.Errorf("%w: X25519 private key of %d bytes", ErrBadKey, len(sk))
	}
	s, err := edwards25519.NewScalar().SetBytesWithClamping(sk)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	pub := new(edwards25519.Point).ScalarBaseMult(s).BytesMontgomery()
	return &HPKEPrivateKey{kem: k, raw: append([]byte(nil), sk...), pub: pub}, nil
}

// generate is GenerateKeyPair: 32 random bytes, as crypto/ecdh takes them.
func (k x25519KEM) generate() (*HPKEPrivateKey, error) {
	sk := make([]byte, x25519Size)
	rand.Read(sk)
	return k.fromScalar(sk)
}

// derive is DeriveKeyPair (RFC 9180 §7.1.3): sk = LabeledExpand(LabeledExtract("", "dkp_prk",
// ikm), "sk", "", 32).
func (k x25519KEM) derive(ikm []byte) (*HPKEPrivateKey, error) {
	const v1 = "HPKE-v1"
	in := make([]byte, 0, len(v1)+len(x25519SuiteID)+len("dkp_prk")+len(ikm))
	in = append(append(append(append(in, v1...), x25519SuiteID...), "dkp_prk"...), ikm...)
	prk, err := hkdf.Extract(sha256.New, in, nil)
	if err != nil {
		return nil, err
	}
	info := append(append(append([]byte{0, x25519Size}, v1...), x25519SuiteID...), "sk"...)
	sk, err := hkdf.Expand(sha256.New, prk, string(info), x25519Size)
	if err != nil {
		return nil, err
	}
	return k.fromScalar(sk)
}

// parsePrivate is DeserializePrivateKey.
func (k x25519KEM) parsePrivate(b []byte) (*HPKEPrivateKey, error) { return k.fromScalar(b) }
