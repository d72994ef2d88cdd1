package ratchettree

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// Validation errors.
var (
	ErrParentHashInvalid = errors.New("ratchettree: parent node is not parent-hash valid")
	ErrUnmergedLeaves    = errors.New("ratchettree: inconsistent unmerged leaves")
	ErrLeafSignature     = errors.New("ratchettree: invalid leaf node signature")
)

// ValidateOptions parameterises Validate.
type ValidateOptions struct {
	// GroupID is the group's ID, part of the signed content of update and commit LeafNodes.
	GroupID []byte
	// LeafCheck, when set, is called for every non-blank leaf after its signature has been checked:
	// the application's part of LeafNode validation (§7.3: credential, capabilities against the group
	// and the other members, lifetime, extension support).
	LeafCheck func(l tm.LeafIndex, ln *wire.LeafNode) error
}

// Validate runs the tree checks a joiner performs (§12.4.3.1, §7.9.2) except the comparison of the
// tree hash with the GroupInfo's (see TreeHash): unmerged-leaf consistency, uniqueness of encryption
// keys among all nodes and of signature keys among leaves, parent-hash validity of every non-blank
// parent node, and the signature of every leaf (with the group ID and leaf index as context for
// update and commit leaves).
func (v *View) Validate(opts ValidateOptions) error {
	if err := v.CheckUnmergedLeaves(); err != nil {
		return err
	}
	if err := v.CheckUniqueKeys(); err != nil {
		return err
	}
	if err := v.VerifyParentHashes(); err != nil {
		return err
	}
	if err := v.VerifyLeafSignatures(opts.GroupID); err != nil {
		return err
	}
	if opts.LeafCheck != nil {
		var err error
		v.ForEachLeaf(func(l tm.LeafIndex, ln *wire.LeafNode) bool {
			if e := opts.LeafCheck(l, ln); e != nil {
				err = fmt.Errorf("ratchettree: leaf %d: %w", l, e)
				return false
			}
			return true
		})
		return err
	}
	return nil
}

// VerifyLeafNodeSignature checks ln's signature with its own signature key over LeafNodeTBS, whose
// group ID and leaf index context applies to update and commit leaves.
func VerifyLeafNodeSignature(s *ciphersuite.Suite, ln *wire.LeafNode, groupID []byte, l tm.LeafIndex) error {
	tbs, err := ln.TBS(groupID, uint32(l))
	if err != nil {
		return err
	}
	if err := s.VerifyWithLabel(ln.SignatureKey, wire.LeafNodeTBSLabel, tbs, ln.Signature); err != nil {
		return fmt.Errorf("%w: leaf %d: %v", ErrLeafSignature, l, err)
	}
	return nil
}

// SignLeafNode sets ln.Signature to SignWithLabel(signer, "LeafNodeTBS", LeafNodeTBS) for leaf l of
// group groupID (the context is ignored for key_package leaves).
func SignLeafNode(s *ciphersuite.Suite, signer *ciphersuite.SignaturePrivateKey, ln *wire.LeafNode, groupID []byte, l tm.LeafIndex) error {
	tbs, err := ln.TBS(groupID, uint32(l))
	if err != nil {
		return err
	}
	sig, err := s.SignWithLabel(signer, wire.LeafNodeTBSLabel, tbs)
	if err != nil {
		return err
	}
	ln.Signature = sig
	return nil
}

// VerifyLeafSignatures verifies the signature of every non-blank leaf, in parallel for large trees
// (a fixed stride over min(GOMAXPROCS, n/32+1) workers). The error is that of the lowest failing
// leaf, whatever the number of workers and their scheduling.
func (v *View) VerifyLeafSignatures(groupID []byte) error {
	type job struct {
		l  tm.LeafIndex
		ln *wire.LeafNode
	}
	var jobs []job
	v.ForEachLeaf(func(l tm.LeafIndex, ln *wire.LeafNode) bool {
		jobs = append(jobs, job{l, ln})
		return true
	})
	workers := min(runtime.GOMAXPROCS(0), len(jobs)/32+1)
	if workers <= 1 {
		for _, j := range jobs {
			if err := VerifyLeafNodeSignature(v.suite, j.ln, groupID, j.l); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(jobs); i += workers {
				errs[i] = VerifyLeafNodeSignature(v.suite, jobs[i].ln, groupID, jobs[i].l)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// CheckUniqueKeys verifies that no HPKE public key appears in two nodes and no signature key in two
// leaves (§7.3, §12.4.3.1).
func (v *View) CheckUniqueKeys() error {
	if v.enc.dups == 0 && v.sig.dups == 0 {
		return nil
	}
	seenEnc := map[string]tm.NodeIndex{}
	seenSig := map[string]tm.LeafIndex{}
	for x, nd := range v.Nodes() {
		if key := nd.EncryptionKey(); key != nil {
			if y, ok := seenEnc[string(key)]; ok {
				return fmt.Errorf("%w: nodes %d and %d share an encryption key", ErrDuplicateKey, y, x)
			}
			seenEnc[string(key)] = tm.NodeIndex(x)
		}
		if nd.Leaf != nil {
			if y, ok := seenSig[string(nd.Leaf.SignatureKey)]; ok {
				return fmt.Errorf("%w: leaves %d and %d share a signature key", ErrDuplicateKey, y, x/2)
			}
			seenSig[string(nd.Leaf.SignatureKey)] = tm.LeafIndex(x / 2)
		}
	}
	return fmt.Errorf("%w: index reports duplicates", ErrDuplicateKey)
}

// forEachParent calls f for every non-blank parent node until f returns an error.
func (v *View) forEachParent(f func(n *node, x tm.NodeIndex) error) error {
	var walk func(n *node, x tm.NodeIndex) error
	walk = func(n *node, x tm.NodeIndex) error {
		if n.left == nil || n.nonBlank == n.leaves {
			return nil // a leaf, or a subtree whose non-blank nodes are all leaves
		}
		if n.parent != nil {
			if err := f(n, x); err != nil {
				return err
			}
		}
		half := tm.NodeIndex(1) << (tm.Level(x) - 1)
		if err := walk(n.left, x-half); err != nil {
			return err
		}
		return walk(n.right, x+half)
	}
	return walk(v.root, tm.Root(v.n))
}

// CheckUnmergedLeaves verifies for every non-blank parent P that its unmerged leaves are strictly
// increasing, are non-blank leaves below P, and appear in the unmerged leaves of every non-blank
// node between them and P (§12.4.3.1).
func (v *View) CheckUnmergedLeaves() error {
	return v.forEachParent(func(n *node, x tm.NodeIndex) error {
		for i, u := range n.parent.UnmergedLeaves {
			if i > 0 && u <= n.parent.UnmergedLeaves[i-1] {
				return fmt.Errorf("%w: node %d: not strictly increasing", ErrUnmergedLeaves, x)
			}
			ux := u.Node()
			if !ux.InTree(v.n) || !tm.IsAncestor(x, ux) {
				return fmt.Errorf("%w: node %d: leaf %d is not a descendant", ErrUnmergedLeaves, x, u)
			}
			// Walk from P down to the leaf, checking the nodes strictly between.
			m, p := n, x
			for p != ux {
				half := tm.NodeIndex(1) << (tm.Level(p) - 1)
				if ux < p {
					m, p = m.left, p-half
				} else {
					m, p = m.right, p+half
				}
				if p != ux && m.parent != nil && !m.parent.hasUnmerged(u) {
					return fmt.Errorf("%w: node %d lists leaf %d but node %d below does not", ErrUnmergedLeaves, x, u, p)
				}
			}
			if m.leaf == nil {
				return fmt.Errorf("%w: node %d: leaf %d is blank", ErrUnmergedLeaves, x, u)
			}
		}
		return nil
	})
}

// VerifyParentHashes checks that every non-blank parent node is parent-hash valid (§7.9.2), top down:
// each must have exactly one descendant D, in the resolution of one child C, whose parent_hash is the
// parent hash of P with copath child S (the other child, hashed with P's unmerged leaves removed) and
// such that the resolution of C without D equals P's unmerged leaves under C. Chains then lead from
// every non-blank parent down to a leaf.
func (v *View) VerifyParentHashes() error {
	v.ensureHashes()
	h := newHasher(v.suite)
	var res []tm.NodeIndex
	return v.forEachParent(func(n *node, x tm.NodeIndex) error {
		half := tm.NodeIndex(1) << (tm.Level(x) - 1)
		boundary := tm.LeafIndex(x/2 + 1)
		unmerged := n.parent.UnmergedLeaves
		split := 0
		for split < len(unmerged) && unmerged[split] < boundary {
			split++
		}
		children := [2]struct {
			c, s   *node
			cx, sx tm.NodeIndex
			uc, us []tm.LeafIndex
		}{
			{n.left, n.right, x - half, x + half, unmerged[:split], unmerged[split:]},
			{n.right, n.left, x + half, x - half, unmerged[split:], unmerged[:split]},
		}
		valid := 0
		for _, ch := range children {
			res = appendResolution(res[:0], ch.c, ch.cx)
			if len(res) != len(ch.uc)+1 {
				continue
			}
			d, ok := soleExtra(res, ch.uc)
			if !ok {
				continue
			}
			dn := v.find(d)
			var dph []byte
			switch {
			case dn.parent != nil:
				dph = dn.parent.ParentHash
			case dn.leaf != nil && dn.leaf.Source == wire.SourceCommit:
				dph = dn.leaf.ParentHash
			default:
				continue
			}
			osth := h.originalHash(ch.s, ch.sx, ch.us)
			ph := h.parentHash(nil, n.parent.EncryptionKey, n.parent.ParentHash, osth)
			if bytes.Equal(ph, dph) {
				valid++
			}
		}
		if valid != 1 {
			return fmt.Errorf("%w: node %d has %d valid parent-hash links", ErrParentHashInvalid, x, valid)
		}
		return nil
	})
}

// soleExtra returns D when res, the resolution of C, equals the unmerged leaves uc plus exactly one
// other node D (given len(res) == len(uc)+1).
func soleExtra(res []tm.NodeIndex, uc []tm.LeafIndex) (tm.NodeIndex, bool) {
	var extra tm.NodeIndex
	found := 0
	for _, r := range res {
		in := false
		if l, isLeaf := r.Leaf(); isLeaf {
			in = containsLeaf(uc, l)
		}
		if !in {
			extra = r
			found++
		}
	}
	if found != 1 {
		return 0, false
	}
	for _, u := range uc {
		if !containsNode(res, u.Node()) {
			return 0, false
		}
	}
	return extra, true
}

func containsNode(s []tm.NodeIndex, x tm.NodeIndex) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
