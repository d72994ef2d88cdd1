package ciphersuite

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// x25519KEM is DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1) on crypto/hpke, except that key pairs
// are made here. A key pair's public key, X25519(sk, 9), is computed as the Montgomery
// u-coordinate of [clamp(sk)]B on edwards25519, with its fixed-base tables
// (filippo.io/edwards25519): the same bytes as crypto/ecdh's ladder (RFC 7748 §4.1 maps B to u = 9,
// and B has the prime order the clamped scalar is reduced by), about twice as fast. The
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
	// HKDF-Extract with an empty salt is HMAC with an empty key; the one-block HKDF-Expand is
	// HMAC(prk, info || 0x01). On the stack when the ikm fits, else through crypto/hkdf.
	var sprk, ssk [sha256.Size]byte
	if hmacSHA256To(&sprk, nil, []byte(v1), x25519SuiteID, []byte("dkp_prk"), ikm) &&
		hmacSHA256To(&ssk, sprk[:], []byte{0, x25519Size}, []byte(v1), x25519SuiteID, []byte("sk"), []byte{1}) {
		clear(sprk[:])
		defer clear(ssk[:])
		return k.fromScalar(ssk[:])
	}
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

// x25519Exchanger is an X25519 private key for crypto/hpke (hpke.NewDHKEMPrivateKey) whose
// public key is already known: unlike crypto/ecdh's PrivateKey, making it computes nothing, and
// ECDH runs one Montgomery ladder (x25519).
type x25519Exchanger struct {
	sk  []byte
	pub *ecdh.PublicKey
}

func (x *x25519Exchanger) PublicKey() *ecdh.PublicKey { return x.pub }
func (x *x25519Exchanger) Curve() ecdh.Curve          { return ecdh.X25519() }
func (x *x25519Exchanger) ECDH(peer *ecdh.PublicKey) ([]byte, error) {
	if peer.Curve() != ecdh.X25519() {
		return nil, errors.New("ciphersuite: X25519 key exchange with a key of another curve")
	}
	return x25519(x.sk, peer.Bytes())
}

// x25519 is the X25519 function of RFC 7748 §5: the Montgomery ladder over the clamped scalar,
// on edwards25519's field arithmetic, in constant time. An all-zero result (u of small order)
// is an error, as crypto/ecdh has it.
func x25519(scalar, u []byte) ([]byte, error) {
	if len(scalar) != x25519Size || len(u) != x25519Size {
		return nil, fmt.Errorf("%w: X25519 input of %d and %d bytes", ErrBadKey, len(scalar), len(u))
	}
	var k [x25519Size]byte
	copy(k[:], scalar)
	k[0] &= 248
	k[31] &= 127
	k[31] |= 64

	var x1, x2, z2, x3, z3, da, cb, aa, bb, e field.Element
	if _, err := x1.SetBytes(u); err != nil { // ignores the top bit, as §5 asks
		return nil, err
	}
	x2.One()
	x3.Set(&x1)
	z3.One()
	swap := 0
	for t := 254; t >= 0; t-- {
		bit := int(k[t/8]>>(t%8)) & 1
		swap ^= bit
		x2.Swap(&x3, swap)
		z2.Swap(&z3, swap)
		swap = bit

		var a, b, c, d field.Element
		a.Add(&x2, &z2)      // A = x2 + z2
		aa.Square(&a)        // AA = A²
		b.Subtract(&x2, &z2) // B = x2 − z2
		bb.Square(&b)        // BB = B²
		e.Subtract(&aa, &bb) // E = AA − BB
		c.Add(&x3, &z3)      // C = x3 + z3
		d.Subtract(&x3, &z3) // D = x3 − z3
		da.Multiply(&d, &a)  // DA = D·A
		cb.Multiply(&c, &b)  // CB = C·B
		x3.Add(&da, &cb)
		x3.Square(&x3) // x3 = (DA + CB)²
		z3.Subtract(&da, &cb)
		z3.Square(&z3)
		z3.Multiply(&x1, &z3) // z3 = x1·(DA − CB)²
		x2.Multiply(&aa, &bb) // x2 = AA·BB
		z2.Mult32(&e, 121665)
		z2.Add(&aa, &z2)
		z2.Multiply(&e, &z2) // z2 = E·(AA + a24·E)
	}
	x2.Swap(&x3, swap)
	z2.Swap(&z3, swap)
	z2.Invert(&z2)
	x2.Multiply(&x2, &z2)
	out := x2.Bytes()
	if subtle.ConstantTimeCompare(out, make([]byte, x25519Size)) == 1 {
		return nil, fmt.Errorf("%w: X25519 output is all zeros (a small-order point)", ErrBadKey)
	}
	return out, nil
}

// openBase is SetupBaseR(enc, sk, info) and one Open(aad, ct) (RFC 9180 §4.1, §5.1, §5.2) for a
// key made here, computed directly: x25519 (a low-order enc is refused), then the KEM's and the
// key schedule's labeled HKDF steps as HMAC-SHA256 on the stack, where crypto/hpke's recipient
// (even on an x25519Exchanger) allocates a dozen hash states and their buffers. Other keys, other KDFs and inputs too long for the stack HMAC
// take crypto/hpke's path (stdKEM.openBase), as does anything tested against it.
func (k x25519KEM) openBase(s *Suite, priv *HPKEPrivateKey, enc, info, aad, ct []byte) ([]byte, error) {
	if priv.raw == nil || s.kdfID != 0x0001 {
		return k.stdKEM.openBase(s, priv, enc, info, aad, ct)
	}
	key, nonce, ok, err := x25519SetupBaseR(s, priv, enc, info)
	if err != nil {
		return nil, err
	}
	if !ok {
		return k.stdKEM.openBase(s, priv, enc, info, aad, ct)
	}
	defer clear(key[:])
	pt, err := s.Open(key[:s.aead.nk], nonce[:s.aead.nn], aad, ct)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	return pt, nil
}

// x25519SetupBaseR derives the base-mode key and base_nonce (sequence number 0) of the recipient
// context; ok is false when an input is too long for the stack HMAC.
func x25519SetupBaseR(s *Suite, priv *HPKEPrivateKey, enc, info []byte) (key, nonce [sha256.Size]byte, ok bool, err error) {
	dh, err := x25519(priv.raw, enc)
	if err != nil {
		return key, nonce, false, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	defer clear(dh)
	key, nonce, ok = x25519KeySchedule(s, dh, enc, priv.pub, info)
	return key, nonce, ok, nil
}

// sealBase is SetupBaseS(pkR, info) and one Seal(aad, pt) (RFC 9180 §4.1, §5.1, §5.2) computed
// directly, as openBase is on the other side: the ephemeral key pair made here (its public key
// from edwards25519's fixed-base tables, where crypto/hpke's sender runs crypto/ecdh's ladder),
// one x25519 with pkR (a low-order pkR is refused), then the same key schedule. Other KDFs and
// inputs too long for the stack HMAC take crypto/hpke's path.
func (k x25519KEM) sealBase(s *Suite, pub, info, aad, pt []byte) ([]byte, []byte, error) {
	if s.kdfID != 0x0001 || len(pub) != x25519Size {
		return k.stdKEM.sealBase(s, pub, info, aad, pt)
	}
	eph, err := k.generate()
	if err != nil {
		return nil, nil, err
	}
	defer clear(eph.raw)
	dh, err := x25519(eph.raw, pub)
	if err != nil {
		return nil, nil, err
	}
	defer clear(dh)
	key, nonce, ok := x25519KeySchedule(s, dh, eph.pub, pub, info)
	if !ok {
		return k.stdKEM.sealBase(s, pub, info, aad, pt)
	}
	defer clear(key[:])
	ct, err := s.Seal(key[:s.aead.nk], nonce[:s.aead.nn], aad, pt)
	if err != nil {
		return nil, nil, err
	}
	return eph.pub, ct, nil
}

// x25519KeySchedule is DHKEM(X25519)'s ExtractAndExpand of dh with kem_context enc || pkR, then
// the base-mode key schedule with info: the key and base_nonce of sequence number 0. ok is false
// when an input is too long for the stack HMAC.
func x25519KeySchedule(s *Suite, dh, enc, pkR, info []byte) (key, nonce [sha256.Size]byte, ok bool) {
	const v1 = "HPKE-v1"
	// DHKEM ExtractAndExpand: eae_prk = LabeledExtract("", "eae_prk", dh); shared_secret =
	// LabeledExpand(eae_prk, "shared_secret", enc || pkR, Nsecret).
	var prk, shared, secret, pskIDHash, infoHash [sha256.Size]byte
	defer clear(prk[:])
	defer clear(shared[:])
	defer clear(secret[:])
	if !hmacSHA256To(&prk, nil, []byte(v1), x25519SuiteID, []byte("eae_prk"), dh) ||
		!hmacSHA256To(&shared, prk[:], []byte{0, sha256.Size}, []byte(v1), x25519SuiteID, []byte("shared_secret"), enc, pkR, []byte{1}) {
		return key, nonce, false
	}
	// KeySchedule (mode_base, no PSK): suite_id = "HPKE" || kem_id || kdf_id || aead_id.
	suite := []byte{'H', 'P', 'K', 'E', 0x00, 0x20, byte(s.kdfID >> 8), byte(s.kdfID), byte(s.aead.id >> 8), byte(s.aead.id)}
	if !hmacSHA256To(&pskIDHash, nil, []byte(v1), suite, []byte("psk_id_hash")) ||
		!hmacSHA256To(&infoHash, nil, []byte(v1), suite, []byte("info_hash"), info) ||
		!hmacSHA256To(&secret, shared[:], []byte(v1), suite, []byte("secret")) {
		return key, nonce, false
	}
	ctx := []byte{0} // mode_base || psk_id_hash || info_hash
	ctx = append(append(ctx, pskIDHash[:]...), infoHash[:]...)
	if !hmacSHA256To(&key, secret[:], []byte{0, byte(s.aead.nk)}, []byte(v1), suite, []byte("key"), ctx, []byte{1}) ||
		!hmacSHA256To(&nonce, secret[:], []byte{0, byte(s.aead.nn)}, []byte(v1), suite, []byte("base_nonce"), ctx, []byte{1}) {
		return key, nonce, false
	}
	return key, nonce, true
}
