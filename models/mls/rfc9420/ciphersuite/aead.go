package ciphersuite

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

type aeadAlg struct {
	id     uint16 // HPKE AEAD identifier
	nk, nn int
	new    func(key []byte) (cipher.AEAD, error)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

var (
	aeadAES128GCM        = aeadAlg{id: 0x0001, nk: 16, nn: 12, new: newGCM}
	aeadAES256GCM        = aeadAlg{id: 0x0002, nk: 32, nn: 12, new: newGCM}
	aeadChaCha20Poly1305 = aeadAlg{id: 0x0003, nk: 32, nn: 12, new: chacha20poly1305.New}
)

// NewAEAD returns the suite's AEAD keyed with key (which must be Nk bytes).
func (s *Suite) NewAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != s.aead.nk {
		return nil, fmt.Errorf("%w: AEAD key of %d bytes, want %d", ErrBadKey, len(key), s.aead.nk)
	}
	return s.aead.new(key)
}

// Seal is AEAD.Seal(key, nonce, aad, plaintext).
func (s *Suite) Seal(key, nonce, aad, plaintext []byte) ([]byte, error) {
	a, err := s.NewAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(nonce) != a.NonceSize() {
		return nil, fmt.Errorf("%w: nonce of %d bytes", ErrBadKey, len(nonce))
	}
	return a.Seal(nil, nonce, plaintext, aad), nil
}

// Open is AEAD.Open(key, nonce, aad, ciphertext); it returns ErrDecrypt on authentication failure.
func (s *Suite) Open(key, nonce, aad, ciphertext []byte) ([]byte, error) {
	a, err := s.NewAEAD(key)
	if err != nil {
		return nil, err
	}
	return open(a, nil, nonce, aad, ciphertext)
}

// open checks the nonce's size and opens ciphertext with a keyed AEAD, appending to dst.
func open(a cipher.AEAD, dst, nonce, aad, ciphertext []byte) ([]byte, error) {
	if len(nonce) != a.NonceSize() {
		return nil, fmt.Errorf("%w: nonce of %d bytes", ErrBadKey, len(nonce))
	}
	pt, err := a.Open(dst, nonce, ciphertext, aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}
