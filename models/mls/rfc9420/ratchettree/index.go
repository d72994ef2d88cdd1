package ratchettree

import (
	"bytes"
	"hash/maphash"
	"math/bits"
)

// keyIndex is a persistent (copy-on-write) hash map from public-key bytes to a node or leaf index,
// used to answer "is this key already in the tree?" in O(log n) without scanning. It is a hash
// array mapped trie with 32-way nodes of 16-byte slots; keys live in immutable records shared by all
// snapshots. Trie nodes owned by the current edit token are modified in place; all others are copied
// first, so snapshots share every untouched node.
//
// Each key carries a count so that trees with duplicate keys (possible before validation) are
// represented faithfully: removing one occurrence leaves the key present.
type keyIndex struct {
	root *hamtNode
	size int // number of distinct keys
	dups int // number of keys whose count is above one
}

const (
	hamtBits     = 5
	hamtFanout   = 1 << hamtBits
	hamtMaxDepth = (64 + hamtBits - 1) / hamtBits // from this depth on, nodes are collision lists
)

var indexSeed = maphash.MakeSeed()

func keyHash(key []byte) uint64 { return maphash.Bytes(indexSeed, key) }

// hamtRecord is one key; records are immutable once in a trie.
type hamtRecord struct {
	hash  uint64
	key   []byte
	val   uint32
	count uint32
}

// hamtSlot is a sub-trie or a record (exactly one is set).
type hamtSlot struct {
	child *hamtNode
	rec   *hamtRecord
}

type hamtNode struct {
	bitmap uint32 // which of the 32 slots are present (unused in collision nodes)
	slots  []hamtSlot
	owner  *editToken
}

func (n *hamtNode) own(tok *editToken) *hamtNode {
	if n.owner == tok && tok != nil {
		return n
	}
	c := &hamtNode{bitmap: n.bitmap, owner: tok}
	c.slots = make([]hamtSlot, len(n.slots), len(n.slots)+1)
	copy(c.slots, n.slots)
	return c
}

func slotOf(h uint64, depth int) uint32 { return uint32(h>>(uint(depth)*hamtBits)) & (hamtFanout - 1) }

func (r *hamtRecord) is(h uint64, key []byte) bool { return r.hash == h && bytes.Equal(r.key, key) }

// get returns the value stored for key and its occurrence count (0 when absent).
func (ix *keyIndex) get(key []byte) (uint32, uint32) { return ix.getH(key, keyHash(key)) }

func (ix *keyIndex) getH(key []byte, h uint64) (uint32, uint32) {
	n := ix.root
	for depth := 0; n != nil; depth++ {
		if depth >= hamtMaxDepth {
			for _, s := range n.slots {
				if s.rec.is(h, key) {
					return s.rec.val, s.rec.count
				}
			}
			return 0, 0
		}
		bit := uint32(1) << slotOf(h, depth)
		if n.bitmap&bit == 0 {
			return 0, 0
		}
		s := n.slots[bits.OnesCount32(n.bitmap&(bit-1))]
		if s.rec != nil {
			if s.rec.is(h, key) {
				return s.rec.val, s.rec.count
			}
			return 0, 0
		}
		n = s.child
	}
	return 0, 0
}

// add records one occurrence of key with value val (an existing key keeps its first value).
func (ix *keyIndex) add(tok *editToken, key []byte, val uint32) {
	if len(key) == 0 {
		return
	}
	ix.addH(tok, key, keyHash(key), val)
}

func (ix *keyIndex) addH(tok *editToken, key []byte, h uint64, val uint32) {
	if ix.root == nil {
		ix.root = &hamtNode{owner: tok}
	} else {
		ix.root = ix.root.own(tok)
	}
	n := ix.root
	for depth := 0; ; depth++ {
		if depth >= hamtMaxDepth {
			for i, s := range n.slots {
				if s.rec.is(h, key) {
					n.slots[i].rec = ix.bumped(s.rec, +1)
					return
				}
			}
			n.slots = append(n.slots, hamtSlot{rec: &hamtRecord{hash: h, key: key, val: val, count: 1}})
			ix.size++
			return
		}
		bit := uint32(1) << slotOf(h, depth)
		pos := bits.OnesCount32(n.bitmap & (bit - 1))
		if n.bitmap&bit == 0 {
			n.slots = append(n.slots, hamtSlot{})
			copy(n.slots[pos+1:], n.slots[pos:])
			n.slots[pos] = hamtSlot{rec: &hamtRecord{hash: h, key: key, val: val, count: 1}}
			n.bitmap |= bit
			ix.size++
			return
		}
		s := &n.slots[pos]
		if s.child != nil {
			s.child = s.child.own(tok)
			n = s.child
			continue
		}
		if s.rec.is(h, key) {
			s.rec = ix.bumped(s.rec, +1)
			return
		}
		// Split: push the existing record one level down and continue inserting there.
		child := &hamtNode{owner: tok, slots: make([]hamtSlot, 1, 2)}
		child.slots[0] = hamtSlot{rec: s.rec}
		if depth+1 < hamtMaxDepth {
			child.bitmap = uint32(1) << slotOf(s.rec.hash, depth+1)
		}
		*s = hamtSlot{child: child}
		n = child
	}
}

// bumped returns a copy of r with its count changed by delta, keeping the duplicate tally.
func (ix *keyIndex) bumped(r *hamtRecord, delta int) *hamtRecord {
	c := *r
	c.count = uint32(int(c.count) + delta)
	switch {
	case delta > 0 && c.count == 2:
		ix.dups++
	case delta < 0 && c.count == 1:
		ix.dups--
	}
	return &c
}

// remove drops one occurrence of key (no-op when absent).
func (ix *keyIndex) remove(tok *editToken, key []byte) {
	if len(key) == 0 {
		return
	}
	ix.removeH(tok, key, keyHash(key))
}

func (ix *keyIndex) removeH(tok *editToken, key []byte, h uint64) {
	if ix.root == nil {
		return
	}
	if _, c := ix.getH(key, h); c == 0 {
		return
	}
	ix.root = ix.removeFrom(tok, ix.root.own(tok), h, key, 0)
}

// removeFrom removes key below the owned node n and returns n, or nil when n became empty.
func (ix *keyIndex) removeFrom(tok *editToken, n *hamtNode, h uint64, key []byte, depth int) *hamtNode {
	var pos int
	var bit uint32
	if depth >= hamtMaxDepth {
		pos = -1
		for i, s := range n.slots {
			if s.rec.is(h, key) {
				pos = i
				break
			}
		}
		if pos < 0 {
			return n
		}
	} else {
		bit = uint32(1) << slotOf(h, depth)
		pos = bits.OnesCount32(n.bitmap & (bit - 1))
	}
	s := &n.slots[pos]
	if s.child != nil {
		if c := ix.removeFrom(tok, s.child.own(tok), h, key, depth+1); c != nil {
			s.child = c
			return n
		}
	} else {
		if s.rec.count > 1 {
			s.rec = ix.bumped(s.rec, -1)
			return n
		}
		ix.size--
	}
	n.slots = append(n.slots[:pos], n.slots[pos+1:]...)
	n.bitmap &^= bit
	if len(n.slots) == 0 {
		return nil
	}
	return n
}
