package ciphersuite

import (
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
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
	const maxBlock, maxText = sha512.BlockSize, 256
	block, size := hashBlock(s.hash)
	if block == 0 || len(prk) > block || len(out) > size || len(info)+1 > maxText {
		return false
	}
	var buf [maxBlock + maxText]byte
	n := block + copy(buf[block:], info)
	buf[n] = 1
	hmacText(s.hash, out, buf[:], block, size, prk, n+1)
	return true
}

// hashBlock returns the block and output sizes of h, or zeros for a hash hmacText does not do.
func hashBlock(h crypto.Hash) (block, size int) {
	switch h {
	case crypto.SHA256:
		return sha256.BlockSize, sha256.Size
	case crypto.SHA384:
		return sha512.BlockSize, sha512.Size384
	case crypto.SHA512:
		return sha512.BlockSize, sha512.Size
	}
	return 0, 0
}

// hmacText writes HMAC(key, buf[block:end]) with hash h into out (its first len(out) bytes when
// out is shorter than the hash), from HMAC's definition (RFC 2104): H((K ⊕ opad) || H((K ⊕ ipad)
// || text)). The caller has put the text in buf after one block (block, size from hashBlock;
// len(key) ≤ block, size ≤ len(buf)-block) and keeps buf on its stack: no allocation. buf's text
// is cleared.
func hmacText(h crypto.Hash, out, buf []byte, block, size int, key []byte, end int) {
	clear(buf[copy(buf[:block], key):block])
	xorWords(buf[:block], ipadWord)
	var inner [sha512.Size]byte
	sumInto(h, inner[:], buf[:end])
	xorWords(buf[:block], ipadWord^opadWord) // ipad-keyed → opad-keyed
	copy(buf[block:], inner[:size])
	sumInto(h, out, buf[:block+size])
	clear(buf[:max(end, block+size)])
	clear(inner[:])
}

// HMAC's pad bytes (RFC 2104 §2), eight at a time.
const (
	ipadWord = 0x3636363636363636
	opadWord = 0x5c5c5c5c5c5c5c5c
)

// xorWords XORs b (a multiple of eight bytes long) with the byte pattern repeated in w.
func xorWords(b []byte, w uint64) {
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^w)
		b = b[8:]
	}
}

// sumInto writes h(data) to the front of out (truncated to len(out)); SHA-2 only.
func sumInto(h crypto.Hash, out, data []byte) {
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(data)
		copy(out, d[:])
	case crypto.SHA384:
		d := sha512.Sum384(data)
		copy(out, d[:])
	case crypto.SHA512:
		d := sha512.Sum512(data)
		copy(out, d[:])
	}
}

// hmacSHA256To writes HMAC-SHA256(key, the concatenation of parts) into out (hmacText). It
// reports false, leaving out untouched, when the key is longer than a block or the text longer
// than 512 bytes.
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
	m := block
	for _, p := range parts {
		m += copy(buf[m:], p)
	}
	hmacText(crypto.SHA256, out[:], buf[:], block, sha256.Size, key, m)
	return true
}
