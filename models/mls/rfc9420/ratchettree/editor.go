package ratchettree

import (
	"bytes"
	"fmt"

	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// Editor changes a tree copy-on-write. It starts from a snapshot (Tree.Edit), copies each node the
// first time it is changed (so a commit touching k leaves copies O(k log n) nodes and the snapshot
// is never modified), recomputes tree hashes lazily for the changed nodes only, and produces a new
// snapshot with Tree. An Editor is not safe for concurrent use.
//
// When an operation returns an error the editor may hold a partially applied change; callers that
// need atomicity (commit processing) discard the editor and keep the original snapshot.
type Editor struct {
	View
	tok  *editToken
	hs   *hasher
	path []*node // scratch: nodes from the root to the target of the last touch
	idx  []tm.NodeIndex
}

// Edit returns an editor whose initial state is t. Any number of editors may share one snapshot.
func (t *Tree) Edit() *Editor {
	e := &Editor{tok: &editToken{}}
	e.View = t.View
	e.View.ed = e
	return e
}

// Tree computes the pending tree hashes and returns the current state as an immutable snapshot.
// The editor stays usable; later changes copy nodes again and never affect the returned snapshot.
func (e *Editor) Tree() *Tree {
	e.ensureHashes()
	t := &Tree{View: e.View}
	t.ed = nil
	e.tok = &editToken{} // nodes owned so far now belong to the snapshot
	return t
}

func (e *Editor) hasher() *hasher {
	if e.hs == nil {
		e.hs = newHasher(e.suite)
	}
	return e.hs
}

func (e *Editor) rehash(n *node, x tm.NodeIndex) { e.hasher().rehash(e.suite, n, x) }

func (e *Editor) own(n *node) *node {
	if n.owner == e.tok {
		return n
	}
	c := *n
	c.owner = e.tok
	return &c
}

// touch makes every node from the root down to x owned by the editor and dirty, and leaves them
// (root first) in e.path with their indices in e.idx.
func (e *Editor) touch(x tm.NodeIndex) {
	e.path, e.idx = e.path[:0], e.idx[:0]
	e.root = e.own(e.root)
	n, p := e.root, tm.Root(e.n)
	for {
		n.dirty = true
		e.path = append(e.path, n)
		e.idx = append(e.idx, p)
		if p == x {
			return
		}
		half := tm.NodeIndex(1) << (tm.Level(p) - 1)
		if x < p {
			n.left = e.own(n.left)
			n, p = n.left, p-half
		} else {
			n.right = e.own(n.right)
			n, p = n.right, p+half
		}
	}
}

// recountPath refreshes the subtree counters along e.path, bottom up.
func (e *Editor) recountPath() {
	for i := len(e.path) - 1; i >= 0; i-- {
		e.path[i].recount()
	}
}

func (e *Editor) setLeaf(n *node, x tm.NodeIndex, ln *wire.LeafNode) {
	old := n.leaf
	n.leaf = ln
	var oldEnc, oldSig, newEnc, newSig []byte
	if old != nil {
		oldEnc, oldSig = old.EncryptionKey, old.SignatureKey
	}
	if ln != nil {
		newEnc, newSig = ln.EncryptionKey, ln.SignatureKey
	}
	// Unchanged keys (a leaf re-signed with the same signature key) leave the index alone.
	if !bytes.Equal(oldEnc, newEnc) || (old == nil) != (ln == nil) {
		e.enc.remove(e.tok, oldEnc)
		e.enc.add(e.tok, newEnc, uint32(x))
	}
	if !bytes.Equal(oldSig, newSig) || (old == nil) != (ln == nil) {
		e.sig.remove(e.tok, oldSig)
		e.sig.add(e.tok, newSig, uint32(x/2))
	}
}

func (e *Editor) setParent(n *node, x tm.NodeIndex, p *ParentNode) {
	if n.parent != nil {
		e.enc.remove(e.tok, n.parent.EncryptionKey)
	}
	n.parent = p
	if p != nil {
		e.enc.add(e.tok, p.EncryptionKey, uint32(x))
	}
}

func (e *Editor) checkLeaf(l tm.LeafIndex) error {
	if !l.Node().InTree(e.n) {
		return fmt.Errorf("%w: leaf %d of %d", ErrNotInTree, l, e.n)
	}
	return nil
}

// blankSubtree builds an all-blank subtree rooted at x, owned and dirty.
func (e *Editor) blankSubtree(x tm.NodeIndex) *node {
	n := &node{owner: e.tok, dirty: true}
	if k := tm.Level(x); k > 0 {
		half := tm.NodeIndex(1) << (k - 1)
		n.left = e.blankSubtree(x - half)
		n.right = e.blankSubtree(x + half)
	}
	return n
}

// Extend doubles the tree (§7.7): a new blank root whose left subtree is the current tree and whose
// right subtree is all blank.
func (e *Editor) Extend() error {
	if e.n >= tm.MaxLeaves {
		return ErrTreeTooLarge
	}
	newN := e.n * 2
	// The new root is 2n-1 and its right child sits n positions further.
	right := e.blankSubtree(tm.Root(newN) + tm.NodeIndex(e.n))
	root := &node{owner: e.tok, dirty: true, left: e.root, right: right}
	root.recount()
	e.root, e.n = root, newN
	return nil
}

// Truncate halves the tree while its right subtree has no non-blank leaf (§7.7, §12.1.3); the
// discarded root and right subtree leave the key index.
func (e *Editor) Truncate() {
	for e.n > 1 && e.root.right.leaves == 0 {
		r := tm.Root(e.n)
		if e.root.parent != nil {
			e.enc.remove(e.tok, e.root.parent.EncryptionKey)
		}
		half := tm.NodeIndex(1) << (tm.Level(r) - 1)
		e.unindex(e.root.right, r+half)
		e.root = e.root.left
		e.n /= 2
	}
}

// unindex removes the keys of every non-blank node under n from the key indices.
func (e *Editor) unindex(n *node, x tm.NodeIndex) {
	if n.nonBlank == 0 {
		return
	}
	if n.leaf != nil {
		e.enc.remove(e.tok, n.leaf.EncryptionKey)
		e.sig.remove(e.tok, n.leaf.SignatureKey)
	}
	if n.parent != nil {
		e.enc.remove(e.tok, n.parent.EncryptionKey)
	}
	if n.left != nil {
		half := tm.NodeIndex(1) << (tm.Level(x) - 1)
		e.unindex(n.left, x-half)
		e.unindex(n.right, x+half)
	}
}

// FreeLeaf returns the leftmost blank leaf, extending the tree when none is blank. The leaf stays
// blank (an external committer's UpdatePath fills it, §12.4.3.2).
func (e *Editor) FreeLeaf() (tm.LeafIndex, error) {
	if l, ok := e.LeftmostBlankLeaf(); ok {
		return l, nil
	}
	old := e.n
	if err := e.Extend(); err != nil {
		return 0, err
	}
	return tm.LeafIndex(old), nil
}

// AddLeaf applies an Add (§12.1.1): it places ln in the leftmost blank leaf (extending the tree if
// there is none) and adds that leaf to the unmerged leaves of every non-blank parent above it.
func (e *Editor) AddLeaf(ln *wire.LeafNode) (tm.LeafIndex, error) {
	if ln == nil {
		return 0, ErrNilLeaf
	}
	l, err := e.FreeLeaf()
	if err != nil {
		return 0, err
	}
	e.touch(l.Node())
	for _, n := range e.path[:len(e.path)-1] {
		if p := n.parent; p != nil {
			q := &ParentNode{EncryptionKey: p.EncryptionKey, ParentHash: p.ParentHash}
			q.UnmergedLeaves = insertSorted(p.UnmergedLeaves, l)
			n.parent = q // same key: the index is unchanged
		}
	}
	e.setLeaf(e.path[len(e.path)-1], l.Node(), ln)
	e.recountPath()
	return l, nil
}

func insertSorted(s []tm.LeafIndex, l tm.LeafIndex) []tm.LeafIndex {
	out := make([]tm.LeafIndex, 0, len(s)+1)
	i := 0
	for i < len(s) && s[i] < l {
		i++
	}
	out = append(out, s[:i]...)
	if i == len(s) || s[i] != l {
		out = append(out, l)
	}
	return append(out, s[i:]...)
}

// blankPath blanks every parent node on leaf l's direct path (e.path must hold l's path).
func (e *Editor) blankPath() {
	for i, n := range e.path[:len(e.path)-1] {
		if n.parent != nil {
			e.setParent(n, e.idx[i], nil)
		}
	}
}

// UpdateLeaf applies an Update (§12.1.2): it replaces leaf l's LeafNode with ln and blanks the
// parents on l's direct path. The leaf must be non-blank.
func (e *Editor) UpdateLeaf(l tm.LeafIndex, ln *wire.LeafNode) error {
	if ln == nil {
		return ErrNilLeaf
	}
	if err := e.checkLeaf(l); err != nil {
		return err
	}
	if e.Leaf(l) == nil {
		return fmt.Errorf("%w: %d", ErrBlankLeaf, l)
	}
	e.touch(l.Node())
	e.blankPath()
	e.setLeaf(e.path[len(e.path)-1], l.Node(), ln)
	e.recountPath()
	return nil
}

// RemoveLeaf applies a Remove (§12.1.3): it blanks leaf l and its direct path, then truncates the
// tree. The leaf must be non-blank.
func (e *Editor) RemoveLeaf(l tm.LeafIndex) error {
	if err := e.checkLeaf(l); err != nil {
		return err
	}
	if e.Leaf(l) == nil {
		return fmt.Errorf("%w: %d", ErrBlankLeaf, l)
	}
	e.touch(l.Node())
	e.blankPath()
	e.setLeaf(e.path[len(e.path)-1], l.Node(), nil)
	e.recountPath()
	e.Truncate()
	return nil
}

// SetLeaf replaces leaf l's content with ln without touching its direct path (nil blanks the leaf).
// Commit processing uses it after ApplyPath to install the committer's new LeafNode.
func (e *Editor) SetLeaf(l tm.LeafIndex, ln *wire.LeafNode) error {
	if err := e.checkLeaf(l); err != nil {
		return err
	}
	e.touch(l.Node())
	e.setLeaf(e.path[len(e.path)-1], l.Node(), ln)
	e.recountPath()
	return nil
}

// ApplyPath installs new parent keys along leaf l's filtered direct path (§7.5, §7.9): it blanks l's
// direct path, sets each node of the filtered direct path to a ParentNode with keys[i] and no
// unmerged leaves, computes their parent_hash fields from the root down, and returns the parent
// hash that l's new LeafNode must carry (empty when the filtered direct path is empty). The leaf
// itself is not changed (see SetLeaf and MergeUpdatePath).
func (e *Editor) ApplyPath(l tm.LeafIndex, keys [][]byte) ([]byte, error) {
	fdp, copath, err := e.FilteredDirectPath(l)
	if err != nil {
		return nil, err
	}
	if len(keys) != len(fdp) {
		return nil, fmt.Errorf("%w: %d nodes, filtered direct path has %d", ErrPathLength, len(keys), len(fdp))
	}
	e.touch(l.Node())
	e.blankPath()
	h := e.hasher()
	ph := []byte{}
	// e.path runs root first; fdp runs leaf first. Walk both from the top.
	k := len(fdp) - 1
	for i := 0; i < len(e.path)-1 && k >= 0; i++ {
		if e.idx[i] != fdp[k] {
			continue
		}
		n := e.path[i]
		sib := n.left
		if copath[k] > fdp[k] {
			sib = n.right
		}
		if sib.dirty {
			e.rehash(sib, copath[k])
		}
		e.setParent(n, fdp[k], &ParentNode{EncryptionKey: keys[k], ParentHash: ph})
		ph = h.parentHash(make([]byte, 0, h.nh), keys[k], ph, sib.hash[:h.nh])
		k--
	}
	e.recountPath()
	return ph, nil
}

// MergeUpdatePath merges a received UpdatePath from leaf l into the tree (§7.5, §12.4.2): it checks
// that the LeafNode's source is commit, that its encryption key differs from the leaf's current one,
// that no public key of the path is empty, already in the tree or repeated within it and that the path has
// one node per filtered-direct-path node; then it applies the path (ApplyPath), verifies the
// LeafNode's parent_hash and installs the LeafNode. The LeafNode's signature and the remaining
// LeafNode validation (§7.3) are the caller's. The LeafNode is copied; its byte slices are shared.
func (e *Editor) MergeUpdatePath(l tm.LeafIndex, path *wire.UpdatePath) error {
	if err := e.checkLeaf(l); err != nil {
		return err
	}
	ln := path.LeafNode
	if ln.Source != wire.SourceCommit {
		return fmt.Errorf("%w: %d in an UpdatePath", ErrLeafSource, ln.Source)
	}
	if old := e.Leaf(l); old != nil && bytes.Equal(old.EncryptionKey, ln.EncryptionKey) {
		return ErrSameLeafKey
	}
	keys := make([][]byte, len(path.Nodes))
	for i := range path.Nodes {
		keys[i] = path.Nodes[i].EncryptionKey
	}
	if err := e.checkFreshKeys(ln.EncryptionKey, keys); err != nil {
		return err
	}
	ph, err := e.ApplyPath(l, keys)
	if err != nil {
		return err
	}
	if !bytes.Equal(ph, ln.ParentHash) {
		return fmt.Errorf("%w: leaf %d", ErrParentHash, l)
	}
	return e.SetLeaf(l, &ln)
}

// checkFreshKeys verifies that none of the keys is empty, in the tree or repeated.
func (e *Editor) checkFreshKeys(leafKey []byte, keys [][]byte) error {
	all := append([][]byte{leafKey}, keys...)
	for i, k := range all {
		if len(k) == 0 {
			return fmt.Errorf("%w: UpdatePath key %d", ErrEmptyKey, i)
		}
		if x, ok := e.EncryptionKeyNode(k); ok {
			return fmt.Errorf("%w: UpdatePath key %d is at node %d", ErrDuplicateKey, i, x)
		}
		for _, k2 := range all[:i] {
			if bytes.Equal(k, k2) {
				return fmt.Errorf("%w: UpdatePath repeats key %d", ErrDuplicateKey, i)
			}
		}
	}
	return nil
}
