package treekem

import (
	"errors"
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
)

// Errors.
var (
	ErrKeyMismatch     = errors.New("treekem: private key does not match the tree's public key")
	ErrNotOnPath       = errors.New("treekem: node is not on the member's direct path")
	ErrNoDecryptionKey = errors.New("treekem: no private key for any node of the resolution")
	ErrCiphertextCount = errors.New("treekem: number of encrypted path secrets does not match the resolution")
	ErrPathSecretSize  = errors.New("treekem: decrypted path secret has the wrong length")
	ErrSenderIsSelf    = errors.New("treekem: cannot process one's own UpdatePath")
	ErrNotInPath       = errors.New("treekem: common ancestor is not on the committer's filtered direct path")
)

// TreeView is the read access TreeKEM needs; *ratchettree.Tree and *ratchettree.Editor provide it.
type TreeView interface {
	Suite() *ciphersuite.Suite
	LeafCount() tm.LeafCount
	EncryptionKey(x tm.NodeIndex) []byte
	FilteredDirectPath(l tm.LeafIndex) (path, copath []tm.NodeIndex, err error)
	AppendResolution(dst []tm.NodeIndex, x tm.NodeIndex) []tm.NodeIndex
}

// NodeKey is a private key a member holds for a parent node on its direct path.
type NodeKey struct {
	Node tm.NodeIndex
	Key  *ciphersuite.HPKEPrivateKey
}

// PrivateState is a member's TreeKEM secrets (§4.2 "views"): its leaf index, the HPKE private key of
// its leaf and the private keys it knows for parent nodes on its direct path — O(log n) values,
// which is all a member holds privately while the public tree is shared. A PrivateState is
// immutable: operations return a new state, so a caller can keep the current one until a commit is
// confirmed. Path secrets and node secrets are not kept (§7.5 deletion rules).
type PrivateState struct {
	suite   *ciphersuite.Suite
	leaf    tm.LeafIndex
	leafKey *ciphersuite.HPKEPrivateKey
	nodes   []NodeKey // ordered leaf to root
}

// NewPrivateState returns the state of the member at leaf holding leafKey (its leaf's HPKE private
// key; nil for an external joiner that has no leaf yet) and no parent keys.
func NewPrivateState(s *ciphersuite.Suite, leaf tm.LeafIndex, leafKey *ciphersuite.HPKEPrivateKey) *PrivateState {
	return &PrivateState{suite: s, leaf: leaf, leafKey: leafKey}
}

// Suite returns the state's cipher suite.
func (st *PrivateState) Suite() *ciphersuite.Suite { return st.suite }

// Leaf returns the member's leaf index.
func (st *PrivateState) Leaf() tm.LeafIndex { return st.leaf }

// LeafKey returns the member's leaf HPKE private key.
func (st *PrivateState) LeafKey() *ciphersuite.HPKEPrivateKey { return st.leafKey }

// NodeKeys returns the parent-node private keys, leaf to root.
func (st *PrivateState) NodeKeys() []NodeKey { return append([]NodeKey(nil), st.nodes...) }

// NodeKey returns the private key for node x (the leaf's key for the member's own leaf node).
func (st *PrivateState) NodeKey(x tm.NodeIndex) (*ciphersuite.HPKEPrivateKey, bool) {
	if x == st.leaf.Node() {
		return st.leafKey, st.leafKey != nil
	}
	for _, nk := range st.nodes {
		if nk.Node == x {
			return nk.Key, true
		}
	}
	return nil, false
}

// WithLeafKey returns a copy with a new leaf private key (after the member's own Update proposal has
// been committed). Parent keys are kept; Prune drops those the Update blanked.
func (st *PrivateState) WithLeafKey(k *ciphersuite.HPKEPrivateKey) *PrivateState {
	c := *st
	c.leafKey = k
	return &c
}

// with returns a copy in which node x holds key k, keeping the leaf-to-root order.
func (st *PrivateState) with(x tm.NodeIndex, k *ciphersuite.HPKEPrivateKey) *PrivateState {
	c := *st
	c.nodes = make([]NodeKey, 0, len(st.nodes)+1)
	inserted := false
	for _, nk := range st.nodes {
		if nk.Node == x {
			continue
		}
		if !inserted && tm.Level(nk.Node) > tm.Level(x) {
			c.nodes = append(c.nodes, NodeKey{x, k})
			inserted = true
		}
		c.nodes = append(c.nodes, nk)
	}
	if !inserted {
		c.nodes = append(c.nodes, NodeKey{x, k})
	}
	return &c
}

// onPath reports whether x is a parent on the member's direct path in a tree of n leaves.
func (st *PrivateState) onPath(x tm.NodeIndex, n tm.LeafCount) bool {
	return x.InTree(n) && !x.IsLeaf() && tm.IsAncestor(x, st.leaf.Node())
}

// WithPathSecret returns a copy that holds the key pair derived from pathSecret for node x, which
// must be a non-blank parent on the member's direct path with the derived public key.
func (st *PrivateState) WithPathSecret(tv TreeView, x tm.NodeIndex, pathSecret []byte) (*PrivateState, error) {
	if !st.onPath(x, tv.LeafCount()) {
		return nil, fmt.Errorf("%w: node %d, leaf %d", ErrNotOnPath, x, st.leaf)
	}
	k, err := nodeKey(st.suite, pathSecret)
	if err != nil {
		return nil, err
	}
	if !k.PublicKeyEqual(tv.EncryptionKey(x)) {
		return nil, fmt.Errorf("%w: node %d", ErrKeyMismatch, x)
	}
	return st.with(x, k), nil
}

// WithNodeKey returns a copy that holds key for node x, which must be a non-blank parent on the
// member's direct path whose public key matches (for restoring a saved state, or for test fixtures
// that assign node keys directly).
func (st *PrivateState) WithNodeKey(tv TreeView, x tm.NodeIndex, key *ciphersuite.HPKEPrivateKey) (*PrivateState, error) {
	if !st.onPath(x, tv.LeafCount()) {
		return nil, fmt.Errorf("%w: node %d, leaf %d", ErrNotOnPath, x, st.leaf)
	}
	if !key.PublicKeyEqual(tv.EncryptionKey(x)) {
		return nil, fmt.Errorf("%w: node %d", ErrKeyMismatch, x)
	}
	return st.with(x, key), nil
}

// Check verifies that every key of the state matches the tree: the leaf key the member's leaf and
// each node key a non-blank node on the direct path.
func (st *PrivateState) Check(tv TreeView) error {
	if st.leafKey != nil && !st.leafKey.PublicKeyEqual(tv.EncryptionKey(st.leaf.Node())) {
		return fmt.Errorf("%w: leaf %d", ErrKeyMismatch, st.leaf)
	}
	for _, nk := range st.nodes {
		if !st.onPath(nk.Node, tv.LeafCount()) {
			return fmt.Errorf("%w: node %d", ErrNotOnPath, nk.Node)
		}
		if !nk.Key.PublicKeyEqual(tv.EncryptionKey(nk.Node)) {
			return fmt.Errorf("%w: node %d", ErrKeyMismatch, nk.Node)
		}
	}
	return nil
}

// Prune returns a copy without the parent keys that no longer match the tree (nodes blanked or
// re-keyed by Update, Remove or another member's commit, or cut off by truncation): the deletion of
// outdated key pairs of §7.5.
func (st *PrivateState) Prune(tv TreeView) *PrivateState {
	keep := st.nodes[:0:0]
	for _, nk := range st.nodes {
		if st.onPath(nk.Node, tv.LeafCount()) && nk.Key.PublicKeyEqual(tv.EncryptionKey(nk.Node)) {
			keep = append(keep, nk)
		}
	}
	if len(keep) == len(st.nodes) {
		return st
	}
	c := *st
	c.nodes = keep
	return &c
}

// usableKey returns the private key for resolution node x if the state holds one matching the tree.
func (st *PrivateState) usableKey(tv TreeView, x tm.NodeIndex) *ciphersuite.HPKEPrivateKey {
	k, ok := st.NodeKey(x)
	if !ok {
		return nil
	}
	if !k.PublicKeyEqual(tv.EncryptionKey(x)) {
		return nil
	}
	return k
}
