package treemath

import "math/bits"

// NodeIndex is the index of a node in the array representation.
type NodeIndex uint32

// LeafIndex is the index of a leaf among the leaves (node 2*LeafIndex).
type LeafIndex uint32

// LeafCount is a number of leaves; valid tree sizes are powers of two.
type LeafCount uint32

// MaxLeaves bounds tree sizes so that node indices (2n-1) fit a uint32.
const MaxLeaves LeafCount = 1 << 31

// Valid reports whether n is a valid tree size: a non-zero power of two no larger than MaxLeaves.
func (n LeafCount) Valid() bool { return n != 0 && n <= MaxLeaves && n&(n-1) == 0 }

// NodeWidth is the number of nodes in a tree with n leaves (2n-1, or 0 for an empty tree).
func NodeWidth(n LeafCount) uint32 {
	if n == 0 {
		return 0
	}
	return 2*(uint32(n)-1) + 1
}

// LeafCountForWidth returns the smallest power-of-two leaf count whose tree has at least w nodes.
func LeafCountForWidth(w uint32) LeafCount {
	if w == 0 {
		return 0
	}
	// 2n-1 >= w needs n >= (w+1)/2, rounded up: (w+2)/2. (A ratchet_tree node list can have an even
	// length, e.g. four entries need a tree of four leaves.)
	leaves := (uint64(w) + 2) / 2
	return LeafCount(uint64(1) << bits.Len64(leaves-1))
}

// Node returns the node index of leaf l.
func (l LeafIndex) Node() NodeIndex { return NodeIndex(2 * uint32(l)) }

// IsLeaf reports whether x is a leaf node.
func (x NodeIndex) IsLeaf() bool { return x&1 == 0 }

// Leaf returns the leaf index of x, which must be a leaf.
func (x NodeIndex) Leaf() (LeafIndex, bool) {
	if !x.IsLeaf() {
		return 0, false
	}
	return LeafIndex(x >> 1), true
}

// InTree reports whether x is a node of a tree with n leaves.
func (x NodeIndex) InTree(n LeafCount) bool { return uint32(x) < NodeWidth(n) }

// Level is the level of x in the tree: 0 for leaves, the number of trailing 1 bits otherwise.
func Level(x NodeIndex) uint { return uint(bits.TrailingZeros32(^uint32(x))) }

// Root is the root of a tree with n leaves (n a power of two): n-1.
func Root(n LeafCount) NodeIndex {
	w := NodeWidth(n)
	if w == 0 {
		return 0
	}
	return NodeIndex(uint32(1)<<(bits.Len32(w)-1) - 1)
}

// Left returns the left child of x; ok is false when x is a leaf.
func Left(x NodeIndex) (NodeIndex, bool) {
	k := Level(x)
	if k == 0 {
		return 0, false
	}
	return x ^ NodeIndex(1)<<(k-1), true
}

// Right returns the right child of x; ok is false when x is a leaf.
func Right(x NodeIndex) (NodeIndex, bool) {
	k := Level(x)
	if k == 0 {
		return 0, false
	}
	return x ^ NodeIndex(3)<<(k-1), true
}

// Parent returns the parent of x in a tree with n leaves; ok is false for the root, for nodes
// outside the tree and for invalid sizes.
func Parent(x NodeIndex, n LeafCount) (NodeIndex, bool) {
	if !n.Valid() || !x.InTree(n) || x == Root(n) {
		return 0, false
	}
	k := Level(x)
	b := (uint32(x) >> (k + 1)) & 1
	return NodeIndex((uint32(x) | 1<<k) ^ b<<(k+1)), true
}

// Sibling returns the other child of x's parent; ok is false where Parent's is.
func Sibling(x NodeIndex, n LeafCount) (NodeIndex, bool) {
	p, ok := Parent(x, n)
	if !ok {
		return 0, false
	}
	if x < p {
		r, _ := Right(p)
		return r, true
	}
	l, _ := Left(p)
	return l, true
}

// DirectPath returns the parents of x from its parent up to and including the root (empty for the
// root); ok is false when x is not in the tree.
func DirectPath(x NodeIndex, n LeafCount) ([]NodeIndex, bool) {
	if !n.Valid() || !x.InTree(n) {
		return nil, false
	}
	var d []NodeIndex
	for {
		p, ok := Parent(x, n)
		if !ok {
			return d, true
		}
		d = append(d, p)
		x = p
	}
}

// Copath returns the siblings of x and of each node of its direct path except the root, in the
// order of the direct path; ok is false when x is not in the tree.
func Copath(x NodeIndex, n LeafCount) ([]NodeIndex, bool) {
	d, ok := DirectPath(x, n)
	if !ok {
		return nil, false
	}
	if len(d) == 0 {
		return nil, true
	}
	path := append([]NodeIndex{x}, d[:len(d)-1]...)
	out := make([]NodeIndex, len(path))
	for i, y := range path {
		out[i], _ = Sibling(y, n)
	}
	return out, true
}

// IsAncestor reports whether a is an ancestor of (or equal to) x.
func IsAncestor(a, x NodeIndex) bool {
	k := Level(a)
	// The subtree of a spans [a - (2^k - 1), a + (2^k - 1)].
	span := uint64(1)<<k - 1
	return uint64(x)+span >= uint64(a) && uint64(x) <= uint64(a)+span
}

// CommonAncestor returns the lowest common ancestor of x and y (x itself when x == y).
func CommonAncestor(x, y NodeIndex) NodeIndex {
	lx, ly := Level(x)+1, Level(y)+1
	if lx <= ly && x>>ly == y>>ly {
		return y
	}
	if ly <= lx && x>>lx == y>>lx {
		return x
	}
	xn, yn := uint32(x), uint32(y)
	k := uint(0)
	for xn != yn {
		xn, yn = xn>>1, yn>>1
		k++
	}
	return NodeIndex(xn<<k + (1<<(k-1) - 1))
}
