package ratchettree

import (
	"hash"
	"runtime"
	"sync"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
)

// hasher holds reusable scratch space for tree-hash and parent-hash inputs.
type hasher struct {
	w  codec.Writer
	h  hash.Hash
	nh int
}

func newHasher(s *ciphersuite.Suite) *hasher {
	h := &hasher{h: s.NewHash(), nh: s.Nh()}
	h.w = *codec.NewWriter(1024) // room for a LeafNode's TreeHashInput without regrowing
	return h
}

// sum hashes the writer's contents into dst (which must have room for nh bytes).
func (h *hasher) sum(dst []byte) {
	h.h.Reset()
	b, _ := h.w.Bytes()
	h.h.Write(b)
	h.h.Sum(dst[:0])
}

// writeLeafInput writes TreeHashInput for a leaf: node_type, uint32 leaf_index, optional<LeafNode>.
func (h *hasher) writeLeafInput(n *node, x tm.NodeIndex) {
	h.w.Reset()
	h.w.Uint8(uint8(NodeTypeLeaf))
	h.w.Uint32(uint32(x / 2))
	if n.leaf != nil {
		h.w.Uint8(1)
		n.leaf.MarshalMLS(&h.w)
	} else {
		h.w.Uint8(0)
	}
}

// writeParentInput writes TreeHashInput for a parent: node_type, optional<ParentNode>, left_hash<V>,
// right_hash<V>.
func (h *hasher) writeParentInput(p *ParentNode, left, right []byte) {
	h.w.Reset()
	h.w.Uint8(uint8(NodeTypeParent))
	if p != nil {
		h.w.Uint8(1)
		p.MarshalMLS(&h.w)
	} else {
		h.w.Uint8(0)
	}
	h.w.Opaque(left)
	h.w.Opaque(right)
}

// hashNode computes the tree hash of n (at index x) from its content and its children's hashes.
func (h *hasher) hashNode(n *node, x tm.NodeIndex) {
	if n.left == nil {
		h.writeLeafInput(n, x)
	} else {
		h.writeParentInput(n.parent, n.left.hash[:h.nh], n.right.hash[:h.nh])
	}
	h.sum(n.hash[:])
}

// parallelLevel is the subtree level from which dirty sibling subtrees are hashed concurrently
// (only whole-tree builds such as decoding or extending a large tree get there).
const parallelLevel = 11

// rehash recomputes the hashes of the dirty nodes under n (all of which the editor owns).
func (h *hasher) rehash(s *ciphersuite.Suite, n *node, x tm.NodeIndex) {
	if !n.dirty {
		return
	}
	if n.left != nil {
		k := tm.Level(x)
		half := tm.NodeIndex(1) << (k - 1)
		if k >= parallelLevel && n.left.dirty && n.right.dirty && runtime.GOMAXPROCS(0) > 1 {
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				newHasher(s).rehash(s, n.left, x-half)
			}()
			h.rehash(s, n.right, x+half)
			wg.Wait()
		} else {
			h.rehash(s, n.left, x-half)
			h.rehash(s, n.right, x+half)
		}
	}
	h.hashNode(n, x)
	n.dirty = false
}

// parentHash computes Hash(ParentHashInput{encryption_key, parent_hash, original_sibling_tree_hash})
// (§7.9) into dst.
func (h *hasher) parentHash(dst, key, parentHash, siblingHash []byte) []byte {
	h.w.Reset()
	h.w.Opaque(key)
	h.w.Opaque(parentHash)
	h.w.Opaque(siblingHash)
	h.h.Reset()
	b, _ := h.w.Bytes()
	h.h.Write(b)
	return h.h.Sum(dst[:0])
}

// originalHash returns the tree hash of the subtree n (at x) with the leaves excl (sorted, all inside
// the subtree) blanked and removed from the unmerged-leaves lists of its parents: the
// original_sibling_tree_hash of §7.9. Subtrees without excluded leaves use their cached hashes.
func (h *hasher) originalHash(n *node, x tm.NodeIndex, excl []tm.LeafIndex) []byte {
	if len(excl) == 0 {
		return n.hash[:h.nh]
	}
	out := make([]byte, h.nh)
	if n.left == nil {
		h.writeLeafInput(&node{}, x)
		h.sum(out)
		return out
	}
	half := tm.NodeIndex(1) << (tm.Level(x) - 1)
	boundary := tm.LeafIndex(x/2 + 1) // first leaf of the right subtree is (x+1)/2
	split := 0
	for split < len(excl) && excl[split] < boundary {
		split++
	}
	left := h.originalHash(n.left, x-half, excl[:split])
	right := h.originalHash(n.right, x+half, excl[split:])
	p := n.parent
	if p != nil {
		q := &ParentNode{EncryptionKey: p.EncryptionKey, ParentHash: p.ParentHash}
		for _, u := range p.UnmergedLeaves {
			if !containsLeaf(excl, u) {
				q.UnmergedLeaves = append(q.UnmergedLeaves, u)
			}
		}
		p = q
	}
	h.writeParentInput(p, left, right)
	h.sum(out)
	return out
}

func containsLeaf(sorted []tm.LeafIndex, l tm.LeafIndex) bool {
	for _, u := range sorted {
		if u == l {
			return true
		}
		if u > l {
			return false
		}
	}
	return false
}
