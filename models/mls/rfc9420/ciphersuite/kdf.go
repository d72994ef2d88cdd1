package ciphersuite

import (
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
)

// expandOneBlock computes HKDF-Expand(prk, info, len(out)) into out when the output fits in one
// hash block (len(out) ≤ Nh), so that T(1) = HMAC(prk, info || 0x01) is the whole result
// (RFC 5869 §2.3), with HMAC computed from its definition (RFC 2104): H((K ⊕ opad) || H((K ⊕ ipad)
// || text)). Nearly every MLS derivation (tree, ratchet, sender-data, key-schedule secrets) is
// such a one-block expansion; crypto/hkdf builds a new HMAC (two hash states and their buffers)
// per call, which dominated a receiver's per-message cost in the lab. This path allocates
// nothing: the padded key and the text live on the stack and the one-shot SumNNN functions do
// the hashing. It reports false, leaving out untouched, when the inputs do not fit (prk longer
// than a block, info longer than the stack buffer, or output longer than Nh); the caller then
// uses crypto/hkdf. Tests check it against crypto/hkdf for every suite and many lengths.
func (s *Suite) expandOneBlock(out, prk, info []byte) bool {
	const maxBlock, maxText = 128, 256
	var block, size int
	switch s.hash {
	case crypto.SHA256:
		block, size = sha256.BlockSize, sha256.Size
	case crypto.SHA384:
		block, size = sha512.BlockSize, sha512.Size384
	case crypto.SHA512:
		block, size = sha512.BlockSize, sha512.Size
	default:
		return false
	}
	if len(prk) > block || len(out) > size || len(info)+1 > maxText {
		return false
	}
	var buf [maxBlock + maxText]byte
	var inner [sha512.Size]byte
	for i := range block {
		buf[i] = 0x36
		if i < len(prk) {
			buf[i] ^= prk[i]
		}
	}
	n := block + copy(buf[block:], info)
	buf[n] = 1
	s.sumInto(inner[:], buf[:n+1])
	for i := range block {
		buf[i] ^= 0x36 ^ 0x5c // ipad-keyed → opad-keyed
	}
	copy(buf[block:], inner[:size])
	s.sumInto(inner[:], buf[:block+size])
	copy(out, inner[:len(out)])
	clear(buf[:n+1])
	clear(inner[:])
	return true
}

// sumInto writes Hash(data) to the front of out (at least Nh bytes); SHA-2 suites only.
func (s *Suite) sumInto(out, data []byte) {
	switch s.hash {
	case crypto.SHA256:
		h := sha256.Sum256(data)
		copy(out, h[:])
	case crypto.SHA384:
		h := sha512.Sum384(data)
		copy(out, h[:])
	case crypto.SHA512:
		h := sha512.Sum512(data)
		copy(out, h[:])
	}
}

// hmacSHA256To writes HMAC-SHA256(key, the concatenation of parts) into out from its definition
// (as expandOneBlock does), on the stack: no allocation. It reports false, leaving out untouched,
// when the key is longer than a block or the text longer than 512 bytes.
func hmacSHA256To(out *[sha256.Size]byte, key []byte, parts ...[]byte) bool {
	const block, maxText = sha256.BlockSize, 512
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if len(key) > block || n > maxText {
		return false
	}
	var buf [block + maxText]byte
	for i := range block {
		buf[i] = 0x36
		if i < len(key) {
			buf[i] ^= key[i]
		}
	}
	m := block
	for _, p := range parts {
		m += copy(buf[m:], p)
	}
	inner := sha256.Sum256(buf[:m])
	for i := range block {
		buf[i] ^= 0x36 ^ 0x5c
	}
	copy(buf[block:], inner[:])
	*out = sha256.Sum256(buf[:block+sha256.Size])
	clear(buf[:m])
	clear(inner[:])
	return true
}
