package ciphersuite

import (
	"crypto/cipher"
	"sync"
)

// AEADCache keeps the keyed AEAD instances (AES key expansion and GHASH tables, or a ChaCha20-
// Poly1305 key) of recently used keys, so that many holders of the same key — the simulated
// members of one group, who all derive the same message key and sender-data key for a message —
// build the key schedule once. Each Open still authenticates and decrypts the ciphertext itself;
// only the key-dependent set-up is reused, and only for a key equal byte for byte. It holds at
// most Size keys (oldest evicted first). An AEADCache is safe for concurrent use; the zero value
// is not usable: call NewAEADCache.
type AEADCache struct {
	mu    sync.Mutex
	idx   map[aeadKey]int // key → slot
	slots []aeadSlot
	next  int // next slot to fill or evict (ring order)
	stats AEADCacheStats
}

// AEADCacheStats counts key schedules built and reused.
type AEADCacheStats struct {
	Built, Reused uint64
}

type aeadKey struct {
	suite ID
	n     uint8
	k     [32]byte
}

type aeadSlot struct {
	key  aeadKey
	aead cipher.AEAD
	used bool
}

// NewAEADCache returns a cache of at most size keys.
func NewAEADCache(size int) *AEADCache {
	if size < 1 {
		size = 1
	}
	return &AEADCache{idx: make(map[aeadKey]int, size), slots: make([]aeadSlot, size)}
}

// Stats returns the counters.
func (c *AEADCache) Stats() AEADCacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

func (c *AEADCache) get(s *Suite, key []byte) (cipher.AEAD, error) {
	if len(key) != s.aead.nk || len(key) > 32 {
		return s.NewAEAD(key) // reports the bad length
	}
	k := aeadKey{suite: s.id, n: uint8(len(key))}
	copy(k.k[:], key)
	// A miss builds the key schedule with the lock held, so that concurrent users of one key
	// find one build (the counters do not depend on goroutine scheduling).
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, ok := c.idx[k]; ok {
		c.stats.Reused++
		return c.slots[i].aead, nil
	}
	a, err := s.aead.new(key)
	if err != nil {
		return nil, err
	}
	c.stats.Built++
	sl := &c.slots[c.next]
	if sl.used {
		delete(c.idx, sl.key)
	}
	*sl = aeadSlot{key: k, aead: a, used: true}
	c.idx[k] = c.next
	c.next = (c.next + 1) % len(c.slots)
	return a, nil
}

// OpenCached is Open with the keyed AEAD taken from c (nil: built for this call, as Open).
func (s *Suite) OpenCached(c *AEADCache, key, nonce, aad, ciphertext []byte) ([]byte, error) {
	return s.OpenCachedTo(c, nil, key, nonce, aad, ciphertext)
}

// OpenCachedTo is OpenCached appending the plaintext to dst, whose spare capacity (used when large
// enough) must not overlap ciphertext: a caller can decrypt into memory it reuses.
func (s *Suite) OpenCachedTo(c *AEADCache, dst, key, nonce, aad, ciphertext []byte) ([]byte, error) {
	if c == nil {
		a, err := s.NewAEAD(key)
		if err != nil {
			return nil, err
		}
		return open(a, dst, nonce, aad, ciphertext)
	}
	a, err := c.get(s, key)
	if err != nil {
		return nil, err
	}
	return open(a, dst, nonce, aad, ciphertext)
}
