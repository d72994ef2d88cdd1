package ratchettree

import (
	"errors"
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// Errors of tree operations.
var (
	ErrNotInTree     = errors.New("ratchettree: node or leaf index outside the tree")
	ErrBlankLeaf     = errors.New("ratchettree: leaf is blank")
	ErrNotBlank      = errors.New("ratchettree: leaf is not blank")
	ErrPathLength    = errors.New("ratchettree: UpdatePath length does not match the filtered direct path")
	ErrParentHash    = errors.New("ratchettree: parent hash mismatch")
	ErrDuplicateKey  = errors.New("ratchettree: public key already in the tree")
	ErrEmptyKey      = errors.New("ratchettree: empty public key")
	ErrLeafSource    = errors.New("ratchettree: unexpected leaf_node_source")
	ErrSameLeafKey   = errors.New("ratchettree: new leaf encryption key equals the replaced one")
	ErrTreeTooLarge  = errors.New("ratchettree: tree would exceed the maximum number of leaves")
	ErrNilLeaf       = errors.New("ratchettree: nil leaf node")
	ErrEditorRetired = errors.New("ratchettree: editor used after Tree() without a fresh Edit")
)

// maxHashSize bounds Nh for the inline tree-hash storage (SHA-512 is the largest suite hash).
const maxHashSize = 64

// editToken identifies the nodes an Editor may modify in place. It must not be zero-sized: distinct
// tokens need distinct addresses.
type editToken struct{ _ byte }

// node is one slot of the persistent linked tree. Leaves have left == right == nil. Nodes whose owner
// is not the current editor's token are immutable and may be shared by any number of snapshots.
type node struct {
	left, right *node
	leaf        *wire.LeafNode // leaves only; nil when blank
	parent      *ParentNode    // parents only; nil when blank
	owner       *editToken
	hash        [maxHashSize]byte // tree hash of the subtree, valid unless dirty
	dirty       bool
	leaves      uint32 // non-blank leaves in the subtree
	nonBlank    uint32 // non-blank nodes in the subtree
}

func (n *node) blank() bool { return n.leaf == nil && n.parent == nil }

func (n *node) encryptionKey() []byte {
	if n.leaf != nil {
		return n.leaf.EncryptionKey
	}
	if n.parent != nil {
		return n.parent.EncryptionKey
	}
	return nil
}

// recount recomputes the subtree counters of n from its own content and its children.
func (n *node) recount() {
	var leaves, nonBlank uint32
	if n.left != nil {
		leaves = n.left.leaves + n.right.leaves
		nonBlank = n.left.nonBlank + n.right.nonBlank
	} else if n.leaf != nil {
		leaves = 1
	}
	if !n.blank() {
		nonBlank++
	}
	n.leaves, n.nonBlank = leaves, nonBlank
}

// View holds the read operations shared by Tree (an immutable snapshot) and Editor (a tree being
// changed). Node indices follow the array representation of Appendix C (leaf i is node 2i).
type View struct {
	suite *ciphersuite.Suite
	root  *node
	n     tm.LeafCount // always a power of two
	enc   keyIndex     // encryption key -> node index
	sig   keyIndex     // signature key -> leaf index
	ed    *Editor      // non-nil for an editor's view: hashes may be dirty
}

// Tree is an immutable ratchet-tree snapshot. It is safe for concurrent use and is meant to be
// shared: every change goes through an Editor, which copies only the nodes on the changed paths, so
// snapshots of successive epochs share all untouched nodes. Tree hashes of every node are cached.
//
// Trees come from New, Decode, FromNodes and Editor.Tree (the zero Tree is not usable). LeafNode
// and ParentNode values reachable from a Tree are shared and must be treated as read-only.
type Tree struct {
	View
}

// Suite returns the tree's cipher suite.
func (v *View) Suite() *ciphersuite.Suite { return v.suite }

// LeafCount returns the number of leaf slots (a power of two; blank leaves included).
func (v *View) LeafCount() tm.LeafCount { return v.n }

// Width returns the number of node slots, 2*LeafCount()-1.
func (v *View) Width() uint32 { return tm.NodeWidth(v.n) }

// MemberCount returns the number of non-blank leaves.
func (v *View) MemberCount() int { return int(v.root.leaves) }

// find returns the node at index x, or nil when x is outside the tree.
func (v *View) find(x tm.NodeIndex) *node {
	if !x.InTree(v.n) {
		return nil
	}
	n, p := v.root, tm.Root(v.n)
	for p != x {
		half := tm.NodeIndex(1) << (tm.Level(p) - 1)
		if x < p {
			n, p = n.left, p-half
		} else {
			n, p = n.right, p+half
		}
	}
	return n
}

// Node returns the content of node x (blank for indices outside the tree).
func (v *View) Node(x tm.NodeIndex) Node {
	n := v.find(x)
	if n == nil {
		return Node{}
	}
	return Node{Leaf: n.leaf, Parent: n.parent}
}

// Leaf returns leaf i's LeafNode, or nil when the leaf is blank or outside the tree.
func (v *View) Leaf(i tm.LeafIndex) *wire.LeafNode {
	n := v.find(i.Node())
	if n == nil {
		return nil
	}
	return n.leaf
}

// Parent returns parent node x's content, or nil when it is blank, a leaf or outside the tree.
func (v *View) Parent(x tm.NodeIndex) *ParentNode {
	n := v.find(x)
	if n == nil {
		return nil
	}
	return n.parent
}

// Blank reports whether node x is blank (true outside the tree).
func (v *View) Blank(x tm.NodeIndex) bool {
	n := v.find(x)
	return n == nil || n.blank()
}

// EncryptionKey returns the HPKE public key of node x (nil when blank).
func (v *View) EncryptionKey(x tm.NodeIndex) []byte {
	n := v.find(x)
	if n == nil {
		return nil
	}
	return n.encryptionKey()
}

// Nodes returns all node slots in array order (blank ones included), without truncation.
func (v *View) Nodes() []Node {
	out := make([]Node, v.Width())
	var walk func(n *node, x tm.NodeIndex)
	walk = func(n *node, x tm.NodeIndex) {
		out[x] = Node{Leaf: n.leaf, Parent: n.parent}
		if n.left != nil {
			half := tm.NodeIndex(1) << (tm.Level(x) - 1)
			walk(n.left, x-half)
			walk(n.right, x+half)
		}
	}
	walk(v.root, tm.Root(v.n))
	return out
}

// ForEachLeaf calls f for every non-blank leaf in index order until f returns false.
func (v *View) ForEachLeaf(f func(i tm.LeafIndex, ln *wire.LeafNode) bool) {
	var walk func(n *node, x tm.NodeIndex) bool
	walk = func(n *node, x tm.NodeIndex) bool {
		if n.leaves == 0 {
			return true
		}
		if n.left == nil {
			return f(tm.LeafIndex(x/2), n.leaf)
		}
		half := tm.NodeIndex(1) << (tm.Level(x) - 1)
		return walk(n.left, x-half) && walk(n.right, x+half)
	}
	walk(v.root, tm.Root(v.n))
}

// LeftmostBlankLeaf returns the leftmost blank leaf, or ok == false when every leaf is occupied.
func (v *View) LeftmostBlankLeaf() (tm.LeafIndex, bool) {
	if v.root.leaves == uint32(v.n) {
		return 0, false
	}
	n, x := v.root, tm.Root(v.n)
	for n.left != nil {
		half := tm.NodeIndex(1) << (tm.Level(x) - 1)
		leftCap := uint32(1) << (tm.Level(x) - 1)
		if n.left.leaves < leftCap {
			n, x = n.left, x-half
		} else {
			n, x = n.right, x+half
		}
	}
	return tm.LeafIndex(x / 2), true
}

// EncryptionKeyNode returns the node holding the HPKE public key key, if any (O(log n)).
func (v *View) EncryptionKeyNode(key []byte) (tm.NodeIndex, bool) {
	val, c := v.enc.get(key)
	return tm.NodeIndex(val), c > 0
}

// SignatureKeyLeaf returns the leaf whose LeafNode has signature key key, if any (O(log n)).
func (v *View) SignatureKeyLeaf(key []byte) (tm.LeafIndex, bool) {
	val, c := v.sig.get(key)
	return tm.LeafIndex(val), c > 0
}

// Resolution returns the resolution of node x (§4.1.1): the non-blank nodes covering the non-blank
// descendants of x, left to right, each non-blank node followed by its unmerged leaves.
func (v *View) Resolution(x tm.NodeIndex) []tm.NodeIndex {
	return v.AppendResolution(nil, x)
}

// AppendResolution appends the resolution of x to dst.
func (v *View) AppendResolution(dst []tm.NodeIndex, x tm.NodeIndex) []tm.NodeIndex {
	n := v.find(x)
	if n == nil {
		return dst
	}
	return appendResolution(dst, n, x)
}

func appendResolution(dst []tm.NodeIndex, n *node, x tm.NodeIndex) []tm.NodeIndex {
	switch {
	case n.nonBlank == 0:
		return dst
	case n.leaf != nil:
		return append(dst, x)
	case n.parent != nil:
		dst = append(dst, x)
		for _, u := range n.parent.UnmergedLeaves {
			dst = append(dst, u.Node())
		}
		return dst
	case n.left == nil:
		return dst
	}
	half := tm.NodeIndex(1) << (tm.Level(x) - 1)
	dst = appendResolution(dst, n.left, x-half)
	return appendResolution(dst, n.right, x+half)
}

// FilteredDirectPath returns the filtered direct path of leaf l (§4.1.2), leaf to root, and for each
// of its nodes the child on l's copath (whose resolution is non-empty by construction).
func (v *View) FilteredDirectPath(l tm.LeafIndex) (path, copath []tm.NodeIndex, err error) {
	target := l.Node()
	if !target.InTree(v.n) {
		return nil, nil, fmt.Errorf("%w: leaf %d of %d", ErrNotInTree, l, v.n)
	}
	depth := int(tm.Level(tm.Root(v.n)))
	path = make([]tm.NodeIndex, 0, depth)
	copath = make([]tm.NodeIndex, 0, depth)
	n, x := v.root, tm.Root(v.n)
	for x != target {
		half := tm.NodeIndex(1) << (tm.Level(x) - 1)
		var sib *node
		var sx tm.NodeIndex
		if target < x {
			sib, sx = n.right, x+half
			n = n.left
		} else {
			sib, sx = n.left, x-half
			n = n.right
		}
		if sib.nonBlank > 0 {
			path = append(path, x)
			copath = append(copath, sx)
		}
		if target < x {
			x -= half
		} else {
			x += half
		}
	}
	reverse(path)
	reverse(copath)
	return path, copath, nil
}

func reverse(s []tm.NodeIndex) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// TreeHash returns the tree hash of the root (§7.8). For an Editor it recomputes the hashes of the
// nodes changed since the last computation.
func (v *View) TreeHash() []byte {
	v.ensureHashes()
	return append([]byte(nil), v.root.hash[:v.suite.Nh()]...)
}

// NodeHash returns the tree hash of the subtree rooted at x (nil outside the tree).
func (v *View) NodeHash(x tm.NodeIndex) []byte {
	n := v.find(x)
	if n == nil {
		return nil
	}
	v.ensureHashes()
	return append([]byte(nil), n.hash[:v.suite.Nh()]...)
}

func (v *View) ensureHashes() {
	if v.ed != nil && v.root.dirty {
		v.ed.rehash(v.root, tm.Root(v.n))
	}
}

// Encode returns the ratchet_tree extension data (optional<Node> ratchet_tree<V>) with trailing
// blank nodes omitted.
func (v *View) Encode() ([]byte, error) {
	var body codec.Writer
	last := 0 // body length after the last non-blank node
	var walk func(n *node, x tm.NodeIndex)
	walk = func(n *node, x tm.NodeIndex) {
		if n.left != nil {
			half := tm.NodeIndex(1) << (tm.Level(x) - 1)
			walk(n.left, x-half)
			marshalOptionalNode(&body, Node{Parent: n.parent})
			if n.parent != nil {
				last = body.Len()
			}
			walk(n.right, x+half)
			return
		}
		marshalOptionalNode(&body, Node{Leaf: n.leaf})
		if n.leaf != nil {
			last = body.Len()
		}
	}
	walk(v.root, tm.Root(v.n))
	b, err := body.Bytes()
	if err != nil {
		return nil, err
	}
	var w codec.Writer
	w.Opaque(b[:last])
	return w.Bytes()
}

// New returns a one-member tree holding leaf (the group creator, §11).
func New(s *ciphersuite.Suite, leaf *wire.LeafNode) (*Tree, error) {
	if leaf == nil {
		return nil, ErrNilLeaf
	}
	return FromNodes(s, []Node{{Leaf: leaf}})
}

// Decode parses ratchet_tree extension data into a tree for suite s: it checks the structural rules
// of §12.4.3.3, extends the node list to a full tree and computes every tree hash. It does not
// validate the tree (see Validate).
func Decode(s *ciphersuite.Suite, data []byte) (*Tree, error) {
	nodes, err := DecodeNodes(data)
	if err != nil {
		return nil, err
	}
	return FromNodes(s, nodes)
}

// FromNodes builds a tree from a node list in array order, extended on the right with the fewest
// blank nodes that make it a full tree. The LeafNode and ParentNode values are taken over by the
// tree (and must not be modified afterwards).
func FromNodes(s *ciphersuite.Suite, nodes []Node) (*Tree, error) {
	if err := CheckNodes(nodes); err != nil {
		return nil, err
	}
	if s.Nh() > maxHashSize {
		return nil, fmt.Errorf("ratchettree: hash size %d unsupported", s.Nh())
	}
	n := tm.LeafCountForWidth(uint32(len(nodes)))
	e := &Editor{}
	e.View = View{suite: s, n: n, ed: e}
	e.tok = &editToken{}
	var build func(x tm.NodeIndex) *node
	build = func(x tm.NodeIndex) *node {
		nd := &node{owner: e.tok, dirty: true}
		if int(x) < len(nodes) {
			nd.leaf, nd.parent = nodes[x].Leaf, nodes[x].Parent
		}
		if k := tm.Level(x); k > 0 {
			half := tm.NodeIndex(1) << (k - 1)
			nd.left = build(x - half)
			nd.right = build(x + half)
		}
		nd.recount()
		if key := nd.encryptionKey(); key != nil {
			e.enc.add(e.tok, key, uint32(x))
		}
		if nd.leaf != nil {
			e.sig.add(e.tok, nd.leaf.SignatureKey, uint32(x/2))
		}
		return nd
	}
	e.root = build(tm.Root(n))
	return e.Tree(), nil
}
