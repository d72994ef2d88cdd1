package ratchettree_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/treetest"
	rt "github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// tamper rebuilds the tree from its node list after f modified copies of the nodes.
func tamper(t *testing.T, tree *rt.Tree, f func(nodes []rt.Node)) *rt.Tree {
	t.Helper()
	nodes := tree.Nodes()
	for i, n := range nodes {
		if n.Leaf != nil {
			c := *n.Leaf
			nodes[i].Leaf = &c
		}
		if n.Parent != nil {
			c := *n.Parent
			nodes[i].Parent = &c
		}
	}
	f(nodes)
	for len(nodes) > 0 && nodes[len(nodes)-1].Blank() {
		nodes = nodes[:len(nodes)-1]
	}
	out, err := rt.FromNodes(tree.Suite(), nodes)
	if err != nil {
		t.Fatalf("FromNodes: %v", err)
	}
	return out
}

func TestValidate(t *testing.T) {
	s := suite1(t)
	g, err := treetest.Full(s, 8)
	if err != nil {
		t.Fatal(err)
	}
	gid := g.Context.GroupID
	opts := rt.ValidateOptions{GroupID: gid}
	if err := g.Tree.Validate(opts); err != nil {
		t.Fatalf("valid tree rejected: %v", err)
	}
	// Seven members (leaf 7 blank, so leaf 6's commit skipped node 13), then an eighth member added:
	// it is unmerged at nodes 11 and 7.
	g7, err := treetest.Full(s, 7)
	if err != nil {
		t.Fatal(err)
	}
	ln, _, _, err := treetest.NewLeafNode(s, []byte("late"))
	if err != nil {
		t.Fatal(err)
	}
	ed := g7.Tree.Edit()
	if l, err := ed.AddLeaf(ln); err != nil || l != 7 {
		t.Fatalf("AddLeaf = %d, %v", l, err)
	}
	withAdd := ed.Tree()
	if p := withAdd.Parent(11); p == nil || len(p.UnmergedLeaves) != 1 || p.UnmergedLeaves[0] != 7 {
		t.Fatalf("node 11 = %+v, want unmerged [7]", p)
	}
	addOpts := rt.ValidateOptions{GroupID: g7.Context.GroupID}
	if err := withAdd.Validate(addOpts); err != nil {
		t.Fatalf("tree with an unmerged leaf rejected: %v", err)
	}

	for _, tc := range []struct {
		name string
		base *rt.Tree
		f    func(nodes []rt.Node)
		opts rt.ValidateOptions
		want error
	}{
		{"parent-hash-field", g.Tree, func(n []rt.Node) { n[3].Parent.ParentHash = []byte("x") }, opts, rt.ErrParentHashInvalid},
		{"parent-key", g.Tree, func(n []rt.Node) {
			n[5].Parent.EncryptionKey = append([]byte{}, n[5].Parent.EncryptionKey...)
			n[5].Parent.EncryptionKey[0] ^= 1
		}, opts, rt.ErrParentHashInvalid},
		{"blanked-leaf-under-parent", g.Tree, func(n []rt.Node) { n[2].Leaf = nil; n[0].Leaf.ParentHash = nil }, opts, rt.ErrParentHashInvalid},
		{"wrong-group", g.Tree, func([]rt.Node) {}, rt.ValidateOptions{GroupID: []byte("other")}, rt.ErrLeafSignature},
		{"duplicate-encryption-key", g.Tree, func(n []rt.Node) { n[6].Leaf.EncryptionKey = n[4].Leaf.EncryptionKey }, opts, rt.ErrDuplicateKey},
		{"duplicate-signature-key", g.Tree, func(n []rt.Node) { n[6].Leaf.SignatureKey = n[4].Leaf.SignatureKey }, opts, rt.ErrDuplicateKey},
		{"parent-key-reused", g.Tree, func(n []rt.Node) { n[13].Parent.EncryptionKey = n[1].Parent.EncryptionKey }, opts, rt.ErrDuplicateKey},
		{"unmerged-unsorted", withAdd, func(n []rt.Node) { n[7].Parent.UnmergedLeaves = []tm.LeafIndex{7, 7} }, addOpts, rt.ErrUnmergedLeaves},
		{"unmerged-dropped", withAdd, func(n []rt.Node) { n[7].Parent.UnmergedLeaves = nil }, addOpts, rt.ErrParentHashInvalid},
		{"unmerged-not-descendant", g.Tree, func(n []rt.Node) { n[3].Parent.UnmergedLeaves = []tm.LeafIndex{5} }, opts, rt.ErrUnmergedLeaves},
		{"unmerged-blank", g.Tree, func(n []rt.Node) { n[3].Parent.UnmergedLeaves = []tm.LeafIndex{1}; n[2].Leaf = nil }, opts, rt.ErrUnmergedLeaves},
		{"unmerged-missing-below", withAdd, func(n []rt.Node) { n[11].Parent.UnmergedLeaves = nil }, addOpts, rt.ErrUnmergedLeaves},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := tamper(t, tc.base, tc.f)
			if err := bad.Validate(tc.opts); !errors.Is(err, tc.want) {
				t.Errorf("Validate error = %v, want %v", err, tc.want)
			}
		})
	}

	// A bad signature (which also breaks the parent hashes covering that leaf).
	bad := tamper(t, g.Tree, func(n []rt.Node) {
		n[2].Leaf.Signature = append([]byte{}, n[2].Leaf.Signature...)
		n[2].Leaf.Signature[0] ^= 1
	})
	if err := bad.VerifyLeafSignatures(gid); !errors.Is(err, rt.ErrLeafSignature) {
		t.Errorf("VerifyLeafSignatures error = %v", err)
	}

	// The application hook sees every member.
	seen := 0
	err = g.Tree.Validate(rt.ValidateOptions{GroupID: gid, LeafCheck: func(l tm.LeafIndex, ln *wire.LeafNode) error {
		seen++
		if l == 5 {
			return errors.New("revoked")
		}
		return nil
	}})
	if err == nil || seen != 6 {
		t.Errorf("LeafCheck: err %v after %d leaves, want an error at leaf 5", err, seen)
	}
}

func TestValidateLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 256-member group")
	}
	s := suite1(t)
	g, err := treetest.Full(s, 200)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Tree.Validate(rt.ValidateOptions{GroupID: g.Context.GroupID}); err != nil {
		t.Fatal(err)
	}
	// Remove a few members and add others: blanks, unmerged leaves, truncation-free changes.
	ed := g.Tree.Edit()
	for _, l := range []tm.LeafIndex{3, 64, 65, 130, 199} {
		if err := ed.RemoveLeaf(l); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 7 {
		ln, _, _, err := treetest.NewLeafNode(s, []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ed.AddLeaf(ln); err != nil {
			t.Fatal(err)
		}
	}
	if err := ed.Tree().Validate(rt.ValidateOptions{GroupID: g.Context.GroupID}); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyLeafSignaturesDeterministic: with two bad leaves the error names the lower one, on one
// worker and on several.
func TestVerifyLeafSignaturesDeterministic(t *testing.T) {
	g, err := treetest.Full(suite1(t), 100)
	if err != nil {
		t.Fatal(err)
	}
	bad := tamper(t, g.Tree, func(n []rt.Node) {
		for _, l := range []int{71, 9} {
			n[2*l].Leaf.Signature = append([]byte{}, n[2*l].Leaf.Signature...)
			n[2*l].Leaf.Signature[0] ^= 1
		}
	})
	var msgs []string
	for _, procs := range []int{1, 2, 4} {
		prev := runtime.GOMAXPROCS(procs)
		err := bad.VerifyLeafSignatures(g.Context.GroupID)
		runtime.GOMAXPROCS(prev)
		if !errors.Is(err, rt.ErrLeafSignature) {
			t.Fatalf("GOMAXPROCS=%d: %v", procs, err)
		}
		msgs = append(msgs, err.Error())
	}
	if msgs[0] != msgs[1] || msgs[0] != msgs[2] || !strings.Contains(msgs[0], "leaf 9:") {
		t.Fatalf("errors differ or do not name leaf 9: %q", msgs)
	}
}
