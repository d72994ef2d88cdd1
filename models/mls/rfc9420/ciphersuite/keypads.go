package ciphersuite

import (
	"crypto"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"encoding"
	"fmt"
)

// KeyPads is a secret prepared as an HMAC key of its suite's hash, for deriving several secrets
// from one secret: a secret-tree node's two children, a ratchet generation's key, nonce and next
// secret, an epoch's sender-data key and nonce for every message. HMAC(K, text) is
// H((K ⊕ opad) || H((K ⊕ ipad) || text)) (RFC 2104); both padded-key blocks depend on the key
// alone, so for SHA-256 suites a KeyPads holds the hash states after them (crypto/sha256's
// marshalled states, taken once), and each one-block HKDF-Expand from it hashes only its text and
// the inner hash: two SHA-256 compressions instead of four. SHA-384 and SHA-512 suites keep the
// key instead and expand as Suite.ExpandWithLabelTo does. Every output is bit-identical to the
// Suite's (tests check it against ExpandWithLabelTo and crypto/hkdf for every suite).
//
// A KeyPads is as secret as its key (anyone holding it can compute the key's HMACs): Clear it
// when done. Its methods do not modify it, so it may be used by several goroutines at once. The
// zero value is unusable: make one with Suite.KeyPads. It allocates nothing.
type KeyPads struct {
	s     *Suite
	state bool  // buf holds the inner then the outer SHA-256 state (else the key)
	n     uint8 // key length (key form)
	buf   [2 * sha256StateSize]byte
}

// sha256StateSize bounds crypto/sha256's marshalled state (108 bytes in Go 1.26: magic, eight
// state words, the block buffer, the length). Should it grow, KeyPads falls back to the key form
// (TestKeyPadsForm reports it).
const sha256StateSize = 112

// KeyPads prepares key (any length) as an HMAC key of the suite's hash.
func (s *Suite) KeyPads(key []byte) KeyPads {
	k := KeyPads{s: s}
	block, _ := hashBlock(s.hash)
	var sum [sha512.Size]byte
	if len(key) > block { // HMAC hashes a key longer than a block first (RFC 2104 §2)
		sumInto(s.hash, sum[:], key)
		key = sum[:s.hash.Size()]
	}
	if s.hash == crypto.SHA256 && k.sha256States(key) {
		clear(sum[:])
		return k
	}
	k.n = uint8(copy(k.buf[:], key))
	clear(sum[:])
	return k
}

// sha256States stores the SHA-256 states after key ⊕ ipad and key ⊕ opad (len(key) ≤ 64).
func (k *KeyPads) sha256States(key []byte) bool {
	var pad [sha256.BlockSize]byte
	copy(pad[:], key)
	xorWords(pad[:], ipadWord)
	h := sha256.New()
	h.Write(pad[:])
	a := h.(encoding.BinaryAppender)
	inner, err := a.AppendBinary(k.buf[:0:sha256StateSize])
	n := len(inner)
	if err != nil || n == 0 || n > sha256StateSize { // n ≤ the capacity: inner is k.buf's
		clear(pad[:])
		clear(k.buf[:])
		return false
	}
	xorWords(pad[:], ipadWord^opadWord)
	h.Reset()
	h.Write(pad[:])
	outer, err := a.AppendBinary(k.buf[n : n : 2*n])
	clear(pad[:])
	if err != nil || len(outer) != n {
		clear(k.buf[:])
		return false
	}
	k.state, k.n = true, uint8(n)
	return true
}

// Suite returns the suite the key was prepared for.
func (k *KeyPads) Suite() *Suite { return k.s }

// Clear erases the prepared key; the KeyPads is unusable afterwards.
func (k *KeyPads) Clear() { *k = KeyPads{} }

// ExpandTo is KDF.Expand(key, info, len(out)) (HKDF-Expand) writing into out, which may alias the
// key the KeyPads was made from.
func (k *KeyPads) ExpandTo(out, info []byte) error {
	if k.s == nil {
		panic("ciphersuite: KeyPads used before Suite.KeyPads")
	}
	if len(out) > 255*k.s.Nh() {
		return ErrOutputTooLong
	}
	if !k.state {
		if len(out) <= k.s.Nh() && k.s.expandOneBlock(out, k.buf[:k.n], info) {
			return nil
		}
		key := append([]byte(nil), k.buf[:k.n]...) // crypto/hkdf keeps it: a copy, so k stays put
		defer clear(key)
		b, err := hkdf.Expand(k.s.newHash, key, string(info), len(out))
		if err != nil {
			return err
		}
		copy(out, b)
		clear(b)
		return nil
	}
	return k.expandSHA256(out, info)
}

// expandSHA256 is HKDF-Expand from the stored SHA-256 states: T(i) = HMAC(key, T(i-1) || info ||
// i), each HMAC restoring the inner state, hashing its text, then the outer state and the inner
// hash. The digest lives on the stack (sha256.New is inlined and its calls devirtualised).
func (k *KeyPads) expandSHA256(out, info []byte) error {
	n := int(k.n)
	inner, outer := k.buf[:n], k.buf[n:2*n]
	h := sha256.New()
	u := h.(encoding.BinaryUnmarshaler)
	var t [sha256.Size]byte
	var ctr [1]byte
	for done := 0; done < len(out); {
		if err := u.UnmarshalBinary(inner); err != nil {
			return fmt.Errorf("ciphersuite: restoring an HMAC state: %w", err)
		}
		if done > 0 {
			h.Write(t[:])
		}
		h.Write(info)
		ctr[0]++
		h.Write(ctr[:])
		h.Sum(t[:0])
		if err := u.UnmarshalBinary(outer); err != nil {
			return fmt.Errorf("ciphersuite: restoring an HMAC state: %w", err)
		}
		h.Write(t[:])
		h.Sum(t[:0])
		done += copy(out[done:], t[:])
	}
	clear(t[:])
	return nil
}

// ExpandWithLabelTo is Suite.ExpandWithLabelTo(out, key, label, context) for the prepared key;
// out may alias the key the KeyPads was made from.
func (k *KeyPads) ExpandWithLabelTo(out []byte, label string, context []byte) error {
	if len(out) > 0xffff {
		return ErrOutputTooLong
	}
	var stack [128]byte
	return k.ExpandTo(out, kdfLabel(stack[:0], len(out), label, context))
}

// ExpandWithLabel is Suite.ExpandWithLabel(key, label, context, length) for the prepared key.
func (k *KeyPads) ExpandWithLabel(label string, context []byte, length int) ([]byte, error) {
	if length < 0 || length > 0xffff {
		return nil, ErrOutputTooLong
	}
	out := make([]byte, length)
	if err := k.ExpandWithLabelTo(out, label, context); err != nil {
		return nil, err
	}
	return out, nil
}

// DeriveSecret is Suite.DeriveSecret(key, label) for the prepared key.
func (k *KeyPads) DeriveSecret(label string) ([]byte, error) {
	return k.ExpandWithLabel(label, nil, k.s.Nh())
}
