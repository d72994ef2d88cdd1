package treekem

import (
	"crypto/rand"
	"fmt"
	"io"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/parallel"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// Labels of §7.4-§7.6.
const (
	LabelPath           = "path"
	LabelNode           = "node"
	LabelUpdatePathNode = "UpdatePathNode"
)

// nodeKey derives the node key pair of a path secret: DeriveKeyPair(DeriveSecret(path_secret, "node")).
func nodeKey(s *ciphersuite.Suite, pathSecret []byte) (*ciphersuite.HPKEPrivateKey, error) {
	ns, err := s.DeriveSecret(pathSecret, LabelNode)
	if err != nil {
		return nil, err
	}
	return s.DeriveKeyPair(ns)
}

// NextPathSecret is DeriveSecret(path_secret, "path"): the path secret of the next node of the
// filtered direct path or, after the last node, the commit secret.
func NextPathSecret(s *ciphersuite.Suite, pathSecret []byte) ([]byte, error) {
	return s.DeriveSecret(pathSecret, LabelPath)
}

// PathSecret is the path secret of one node of a committer's filtered direct path.
type PathSecret struct {
	Node   tm.NodeIndex
	Secret []byte
}

// CreateParams are the inputs of CreateUpdatePath besides the tree and the committer's state.
type CreateParams struct {
	// GroupContext is the provisional GroupContext (§12.4.2: new epoch, new extensions, old confirmed
	// transcript hash). Its TreeHash is ignored: the tree hash after the path is merged is used.
	GroupContext *wire.GroupContext
	// LeafNode is the template of the committer's new LeafNode: credential, signature key,
	// capabilities and extensions are taken from it; encryption key, source (commit), parent hash and
	// signature are set here. Nil means the committer's current leaf.
	LeafNode *wire.LeafNode
	// Signer signs the new LeafNode.
	Signer *ciphersuite.SignaturePrivateKey
	// Exclude lists the leaves added by the same commit, to which no path secret is encrypted.
	Exclude []tm.LeafIndex
	// Rand supplies the leaf secret; nil means crypto/rand.
	Rand io.Reader
}

// CreateResult is the outcome of CreateUpdatePath.
type CreateResult struct {
	Path         *wire.UpdatePath
	CommitSecret []byte
	// State is the committer's private state after the commit: the new leaf key and the keys of its
	// filtered direct path.
	State *PrivateState
	// TreeHash and GroupContext are the tree hash after merging and the encoded provisional
	// GroupContext used as HPKE context.
	TreeHash     []byte
	GroupContext []byte
	// PathSecrets are the path secrets of the filtered direct path, leaf to root (for Welcome
	// messages; see PathSecretFor). Drop them once the Welcomes are built.
	PathSecrets []PathSecret
}

// PathSecretFor returns the path secret a member newly added at leaf l receives in its
// GroupSecrets: the one of the lowest common ancestor of l and the committer (§12.4.3.1).
func (r *CreateResult) PathSecretFor(l tm.LeafIndex) ([]byte, bool) {
	lca := tm.CommonAncestor(l.Node(), r.State.leaf.Node())
	for _, ps := range r.PathSecrets {
		if ps.Node == lca {
			return ps.Secret, true
		}
	}
	return nil, false
}

// CreateUpdatePath updates the committer's direct path (§7.4-§7.6, §12.4.2) in ed, the tree after
// the commit's proposals: it draws a leaf secret, derives the path secrets, node secrets and key
// pairs of the committer's leaf and filtered direct path, merges the new keys with their parent
// hashes into ed, signs and installs the committer's new LeafNode, and encrypts each path secret to
// the resolution of the corresponding copath child (minus Exclude) under the provisional
// GroupContext carrying the new tree hash. The committer's leaf may be blank (an external joiner's
// leaf reserved with Editor.FreeLeaf). On error ed must be discarded.
//
// The leaf secret seeds the chain like a path secret (as in the figure of §7.4): leaf key pair from
// DeriveSecret(leaf_secret, "node"), path_secret[0] = DeriveSecret(leaf_secret, "path").
func CreateUpdatePath(ed *ratchettree.Editor, st *PrivateState, p *CreateParams) (*CreateResult, error) {
	s := ed.Suite()
	l := st.leaf
	fdp, copath, err := ed.FilteredDirectPath(l)
	if err != nil {
		return nil, err
	}
	tmpl := p.LeafNode
	if tmpl == nil {
		if tmpl = ed.Leaf(l); tmpl == nil {
			return nil, fmt.Errorf("treekem: leaf %d is blank and no LeafNode template was given", l)
		}
	}
	rnd := p.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	leafSecret := make([]byte, s.Nh())
	if _, err := io.ReadFull(rnd, leafSecret); err != nil {
		return nil, err
	}
	leafKey, err := nodeKey(s, leafSecret)
	if err != nil {
		return nil, err
	}
	secrets := make([]PathSecret, len(fdp))
	keys := make([][]byte, len(fdp))
	state := NewPrivateState(s, l, leafKey)
	state.nodes = make([]NodeKey, len(fdp))
	ps := leafSecret
	for i, x := range fdp {
		if ps, err = NextPathSecret(s, ps); err != nil {
			return nil, err
		}
		k, err := nodeKey(s, ps)
		if err != nil {
			return nil, err
		}
		secrets[i] = PathSecret{Node: x, Secret: ps}
		keys[i] = k.PublicKey()
		state.nodes[i] = NodeKey{Node: x, Key: k}
	}
	commitSecret, err := NextPathSecret(s, ps)
	if err != nil {
		return nil, err
	}

	parentHash, err := ed.ApplyPath(l, keys)
	if err != nil {
		return nil, err
	}
	leaf := *tmpl
	leaf.EncryptionKey = leafKey.PublicKey()
	leaf.Source = wire.SourceCommit
	leaf.Lifetime = wire.Lifetime{}
	leaf.ParentHash = parentHash
	if err := ratchettree.SignLeafNode(s, p.Signer, &leaf, p.GroupContext.GroupID, l); err != nil {
		return nil, err
	}
	if err := ed.SetLeaf(l, &leaf); err != nil {
		return nil, err
	}

	treeHash := ed.TreeHash()
	gc := *p.GroupContext
	gc.TreeHash = treeHash
	gcBytes, err := gc.Bytes()
	if err != nil {
		return nil, err
	}
	path := &wire.UpdatePath{LeafNode: leaf, Nodes: make([]wire.UpdatePathNode, len(fdp))}
	// Every (path node, resolution node) pair is one HPKE encryption, independent of the others:
	// listed in order first, then sealed on all cores (a commit after a large Add encrypts to
	// every member).
	type seal struct {
		i, j int
		to   tm.NodeIndex
		key  []byte
	}
	var seals []seal
	var res []tm.NodeIndex
	for i := range fdp {
		res = excludeLeaves(ed.AppendResolution(res[:0], copath[i]), p.Exclude)
		path.Nodes[i] = wire.UpdatePathNode{EncryptionKey: keys[i], EncryptedPathSecret: make([]wire.HPKECiphertext, len(res))}
		for j, r := range res {
			seals = append(seals, seal{i: i, j: j, to: r, key: ed.EncryptionKey(r)})
		}
	}
	if err := parallel.ForEach(len(seals), func(k int) error {
		x := seals[k]
		kemOut, ct, err := s.EncryptWithLabel(x.key, LabelUpdatePathNode, gcBytes, secrets[x.i].Secret)
		if err != nil {
			return fmt.Errorf("treekem: encrypting to node %d: %w", x.to, err)
		}
		path.Nodes[x.i].EncryptedPathSecret[x.j] = wire.HPKECiphertext{KEMOutput: kemOut, Ciphertext: ct}
		return nil
	}); err != nil {
		return nil, err
	}
	return &CreateResult{
		Path:         path,
		CommitSecret: commitSecret,
		State:        state,
		TreeHash:     treeHash,
		GroupContext: gcBytes,
		PathSecrets:  secrets,
	}, nil
}

// excludeLeaves removes the nodes of the excluded leaves from a resolution, in place.
func excludeLeaves(res []tm.NodeIndex, exclude []tm.LeafIndex) []tm.NodeIndex {
	if len(exclude) == 0 {
		return res
	}
	if len(exclude) > 16 {
		// Many joiners (a large Add): a set instead of a scan per resolution node.
		set := make(map[tm.LeafIndex]struct{}, len(exclude))
		for _, e := range exclude {
			set[e] = struct{}{}
		}
		out := res[:0]
		for _, r := range res {
			if l, ok := r.Leaf(); ok {
				if _, drop := set[l]; drop {
					continue
				}
			}
			out = append(out, r)
		}
		return out
	}
	out := res[:0]
	for _, r := range res {
		drop := false
		if l, ok := r.Leaf(); ok {
			for _, e := range exclude {
				if e == l {
					drop = true
					break
				}
			}
		}
		if !drop {
			out = append(out, r)
		}
	}
	return out
}

// KeyDeriver derives a node key pair from a node secret: it must return
// DeriveKeyPair(nodeSecret). Simulations in which many members derive the same node keys can pass
// one caching KeyDeriver to all of them so that they share the key objects (the private side of a
// large simulated group then costs O(n) keys instead of O(n log n)). Nil means
// ciphersuite.Suite.DeriveKeyPair.
type KeyDeriver func(nodeSecret []byte) (*ciphersuite.HPKEPrivateKey, error)

func deriveNodeKey(s *ciphersuite.Suite, d KeyDeriver, pathSecret []byte) (*ciphersuite.HPKEPrivateKey, error) {
	if d == nil {
		return nodeKey(s, pathSecret)
	}
	ns, err := s.DeriveSecret(pathSecret, LabelNode)
	if err != nil {
		return nil, err
	}
	return d(ns)
}

// ApplyParams are the inputs of ApplyUpdatePath besides the tree, state, sender and path.
type ApplyParams struct {
	// GroupContext is the provisional GroupContext; its TreeHash is replaced by the tree hash after
	// the path is merged.
	GroupContext *wire.GroupContext
	// Exclude lists the leaves added by the same commit (excluded from the resolutions).
	Exclude []tm.LeafIndex
	// Derive optionally replaces DeriveKeyPair (see KeyDeriver).
	Derive KeyDeriver
}

// ApplyResult is the outcome of ApplyUpdatePath and DecryptPath.
type ApplyResult struct {
	// State is the receiver's private state after the commit.
	State        *PrivateState
	CommitSecret []byte
	// Node is the node of the committer's filtered direct path whose path secret was decrypted (the
	// lowest common ancestor of sender and receiver) and PathSecret that secret.
	Node       tm.NodeIndex
	PathSecret []byte
	// TreeHash and GroupContext are the tree hash after merging and the encoded provisional
	// GroupContext used as HPKE context.
	TreeHash     []byte
	GroupContext []byte
}

// Merged is the outcome of MergePath: the public part of processing an UpdatePath.
type Merged struct {
	// TreeHash is the tree hash after the merge.
	TreeHash []byte
	// GroupContext is the encoded provisional GroupContext (with TreeHash), the HPKE context of the
	// path secrets.
	GroupContext []byte
}

// MergePath is the public half of processing the UpdatePath of the commit sent by leaf sender
// (§7.5, §12.4.2), identical for every receiver: it verifies the LeafNode's signature (with the group
// ID and sender index), merges the path into ed, the tree after the commit's proposals
// (Editor.MergeUpdatePath: source, fresh keys, path length, parent hash), and encodes the
// provisional GroupContext gc with the new tree hash. The rest of LeafNode validation (credential,
// capabilities, lifetime, signature-key uniqueness) is the caller's. On error ed must be discarded.
//
// Simulated members that share one snapshot can run MergePath once per commit, freeze the editor
// and each call DecryptPath on the shared result.
func MergePath(ed *ratchettree.Editor, sender tm.LeafIndex, path *wire.UpdatePath, gc *wire.GroupContext) (*Merged, error) {
	if err := ratchettree.VerifyLeafNodeSignature(ed.Suite(), &path.LeafNode, gc.GroupID, sender); err != nil {
		return nil, err
	}
	if err := ed.MergeUpdatePath(sender, path); err != nil {
		return nil, err
	}
	treeHash := ed.TreeHash()
	c := *gc
	c.TreeHash = treeHash
	gcBytes, err := c.Bytes()
	if err != nil {
		return nil, err
	}
	return &Merged{TreeHash: treeHash, GroupContext: gcBytes}, nil
}

// DecryptPath is the private half of processing an UpdatePath, for the member with state st: tv is
// the tree after MergePath (read only, so a frozen snapshot can serve any number of members
// concurrently) and groupContext the encoded provisional GroupContext. It decrypts the path secret
// of the lowest common ancestor of sender and receiver with the private key of the one resolution
// node the receiver holds (the resolution excludes the leaves in exclude), derives the path secrets
// and node key pairs up to the root, checks them against the UpdatePath's public keys, and returns
// the receiver's new private state and the commit secret.
func DecryptPath(tv TreeView, st *PrivateState, sender tm.LeafIndex, path *wire.UpdatePath, groupContext []byte, exclude []tm.LeafIndex, derive KeyDeriver) (*ApplyResult, error) {
	return decryptPath(tv, st, sender, path, groupContext, exclude, derive, nil)
}

// DecryptPathResolved is DecryptPath with the resolutions precomputed by NewPathResolutions on
// the same tree, sender and exclusions (shared by every receiver of the commit): the member
// finds its ciphertext in O(log n) instead of walking a resolution that, in a tree with many
// blank parents, holds up to n/2 nodes.
func DecryptPathResolved(tv TreeView, st *PrivateState, path *wire.UpdatePath, groupContext []byte, pr *PathResolutions, derive KeyDeriver) (*ApplyResult, error) {
	return decryptPath(tv, st, pr.sender, path, groupContext, nil, derive, pr)
}

// PathResolutions are the filtered direct path of a committer, its copath and the resolution of
// each copath node (minus excluded leaves) with the position of every node in it: identical for
// every receiver of a commit.
type PathResolutions struct {
	sender      tm.LeafIndex
	fdp, copath []tm.NodeIndex
	count       []int
	pos         []map[tm.NodeIndex]int
}

// NewPathResolutions computes the PathResolutions of sender's commit on tv (the tree after
// MergePath), without the leaves in exclude.
func NewPathResolutions(tv TreeView, sender tm.LeafIndex, exclude []tm.LeafIndex) (*PathResolutions, error) {
	fdp, copath, err := tv.FilteredDirectPath(sender)
	if err != nil {
		return nil, err
	}
	pr := &PathResolutions{sender: sender, fdp: fdp, copath: copath, count: make([]int, len(copath)), pos: make([]map[tm.NodeIndex]int, len(copath))}
	for k, c := range copath {
		res := excludeLeaves(tv.AppendResolution(nil, c), exclude)
		pr.count[k] = len(res)
		m := make(map[tm.NodeIndex]int, len(res))
		for i, r := range res {
			m[r] = i
		}
		pr.pos[k] = m
	}
	return pr, nil
}

func decryptPath(tv TreeView, st *PrivateState, sender tm.LeafIndex, path *wire.UpdatePath, groupContext []byte, exclude []tm.LeafIndex, derive KeyDeriver, pr *PathResolutions) (*ApplyResult, error) {
	s := tv.Suite()
	if sender == st.leaf {
		return nil, ErrSenderIsSelf
	}
	// The merge changed only the sender's direct path, not the copath subtrees, so the filtered
	// direct path and resolutions computed here are those the committer used.
	var fdp, copath []tm.NodeIndex
	if pr != nil {
		fdp, copath = pr.fdp, pr.copath
	} else {
		var err error
		if fdp, copath, err = tv.FilteredDirectPath(sender); err != nil {
			return nil, err
		}
	}
	if len(fdp) != len(path.Nodes) {
		return nil, fmt.Errorf("%w: %d nodes, filtered direct path has %d", ratchettree.ErrPathLength, len(path.Nodes), len(fdp))
	}
	lca := tm.CommonAncestor(sender.Node(), st.leaf.Node())
	k := -1
	for i, x := range fdp {
		if x == lca {
			k = i
			break
		}
	}
	if k < 0 {
		return nil, fmt.Errorf("%w: node %d", ErrNotInPath, lca)
	}
	cts := path.Nodes[k].EncryptedPathSecret
	var priv *ciphersuite.HPKEPrivateKey
	j := -1
	if pr != nil {
		if len(cts) != pr.count[k] {
			return nil, fmt.Errorf("%w: %d ciphertexts for %d resolution nodes", ErrCiphertextCount, len(cts), pr.count[k])
		}
		// The resolution nodes that can hold a key of this member lie on its path from its leaf
		// up to the copath node: take the first (in resolution order) it holds a key for.
		best := -1
		for x := st.leaf.Node(); ; {
			if i, ok := pr.pos[k][x]; ok && tm.IsAncestor(x, st.leaf.Node()) && (best < 0 || i < best) {
				if key := st.usableKey(tv, x); key != nil {
					best, priv = i, key
				}
			}
			if x == copath[k] {
				break
			}
			p, ok := tm.Parent(x, tv.LeafCount())
			if !ok {
				break
			}
			x = p
		}
		j = best
	} else {
		res := excludeLeaves(tv.AppendResolution(nil, copath[k]), exclude)
		if len(cts) != len(res) {
			return nil, fmt.Errorf("%w: %d ciphertexts for %d resolution nodes", ErrCiphertextCount, len(cts), len(res))
		}
		for i, r := range res {
			if tm.IsAncestor(r, st.leaf.Node()) {
				if priv = st.usableKey(tv, r); priv != nil {
					j = i
					break
				}
			}
		}
	}
	if j < 0 {
		return nil, fmt.Errorf("%w: leaf %d, copath node %d", ErrNoDecryptionKey, st.leaf, copath[k])
	}
	ps, err := s.DecryptWithLabel(priv, LabelUpdatePathNode, groupContext, cts[j].KEMOutput, cts[j].Ciphertext)
	if err != nil {
		return nil, err
	}
	if len(ps) != s.Nh() {
		return nil, fmt.Errorf("%w: %d bytes", ErrPathSecretSize, len(ps))
	}
	out := &ApplyResult{Node: lca, PathSecret: ps, GroupContext: groupContext}

	// Keys strictly below the common ancestor survive; those above are replaced by derived ones.
	next := &PrivateState{suite: s, leaf: st.leaf, leafKey: st.leafKey}
	next.nodes = make([]NodeKey, 0, len(st.nodes)+len(fdp)-k)
	lcaLevel := tm.Level(lca)
	for _, nk := range st.nodes {
		if tm.Level(nk.Node) < lcaLevel {
			next.nodes = append(next.nodes, nk)
		}
	}
	for i := k; i < len(fdp); i++ {
		key, err := deriveNodeKey(s, derive, ps)
		if err != nil {
			return nil, err
		}
		if !key.PublicKeyEqual(path.Nodes[i].EncryptionKey) {
			return nil, fmt.Errorf("%w: derived key of node %d differs from the UpdatePath's", ErrKeyMismatch, fdp[i])
		}
		next.nodes = append(next.nodes, NodeKey{Node: fdp[i], Key: key})
		if ps, err = NextPathSecret(s, ps); err != nil {
			return nil, err
		}
	}
	out.CommitSecret = ps
	out.State = next.Prune(tv)
	return out, nil
}

// ApplyUpdatePath processes the UpdatePath of the commit sent by leaf sender (§7.5, §12.4.2) as the
// member with private state st, in ed, the tree after the commit's proposals (for an external commit,
// with the sender's leaf reserved by Editor.FreeLeaf): MergePath, then DecryptPath on ed. It returns
// the receiver's new private state and the commit secret. On error ed must be discarded.
func ApplyUpdatePath(ed *ratchettree.Editor, st *PrivateState, sender tm.LeafIndex, path *wire.UpdatePath, p *ApplyParams) (*ApplyResult, error) {
	if sender == st.leaf {
		return nil, ErrSenderIsSelf
	}
	m, err := MergePath(ed, sender, path, p.GroupContext)
	if err != nil {
		return nil, err
	}
	res, err := DecryptPath(ed, st, sender, path, m.GroupContext, p.Exclude, p.Derive)
	if err != nil {
		return nil, err
	}
	res.TreeHash = m.TreeHash
	return res, nil
}

// JoinState builds the private state of a member joining by Welcome (§12.4.3.1): its leaf key and,
// when the GroupSecrets carried a path secret, the keys of the committer's filtered direct path from
// the lowest common ancestor of the joiner's and the committer's leaves up, each checked against the
// tree.
func JoinState(tv TreeView, leaf tm.LeafIndex, leafKey *ciphersuite.HPKEPrivateKey, committer tm.LeafIndex, pathSecret []byte) (*PrivateState, error) {
	s := tv.Suite()
	st := NewPrivateState(s, leaf, leafKey)
	if err := st.Check(tv); err != nil {
		return nil, err
	}
	if pathSecret == nil {
		return st, nil
	}
	fdp, _, err := tv.FilteredDirectPath(committer)
	if err != nil {
		return nil, err
	}
	lca := tm.CommonAncestor(leaf.Node(), committer.Node())
	k := -1
	for i, x := range fdp {
		if x == lca {
			k = i
			break
		}
	}
	if k < 0 {
		return nil, fmt.Errorf("%w: node %d", ErrNotInPath, lca)
	}
	ps := pathSecret
	for i := k; i < len(fdp); i++ {
		key, err := nodeKey(s, ps)
		if err != nil {
			return nil, err
		}
		if !key.PublicKeyEqual(tv.EncryptionKey(fdp[i])) {
			return nil, fmt.Errorf("%w: node %d", ErrKeyMismatch, fdp[i])
		}
		st.nodes = append(st.nodes, NodeKey{Node: fdp[i], Key: key})
		if i+1 < len(fdp) {
			if ps, err = NextPathSecret(s, ps); err != nil {
				return nil, err
			}
		}
	}
	return st, nil
}
