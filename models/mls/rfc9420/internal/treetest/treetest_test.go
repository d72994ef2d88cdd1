package treetest_test

import (
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/treetest"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
)

func TestFull(t *testing.T) {
	s, err := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		n       int
		leaves  tm.LeafCount
		parents int // non-blank parent nodes
	}{
		{1, 1, 0}, {2, 2, 1}, {3, 4, 2}, {4, 4, 3}, {5, 8, 4}, {8, 8, 7}, {13, 16, 12},
	} {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			g, err := treetest.Full(s, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if g.Tree.LeafCount() != tc.leaves || g.Tree.MemberCount() != tc.n {
				t.Fatalf("%d leaves, %d members", g.Tree.LeafCount(), g.Tree.MemberCount())
			}
			parents := 0
			for x := tm.NodeIndex(1); uint32(x) < g.Tree.Width(); x += 2 {
				if p := g.Tree.Parent(x); p != nil {
					parents++
					if len(p.UnmergedLeaves) != 0 {
						t.Errorf("node %d has unmerged leaves %v", x, p.UnmergedLeaves)
					}
				}
			}
			if parents != tc.parents {
				t.Errorf("%d non-blank parents, want %d", parents, tc.parents)
			}
			if err := g.Tree.Validate(ratchettree.ValidateOptions{GroupID: g.Context.GroupID}); err != nil {
				t.Fatal(err)
			}
			for i, m := range g.Members {
				if err := m.State.Check(g.Tree); err != nil {
					t.Errorf("member %d: %v", i, err)
				}
				// Every non-blank ancestor's key is held.
				dp, _ := tm.DirectPath(m.Leaf.Node(), g.Tree.LeafCount())
				for _, x := range dp {
					if _, ok := m.State.NodeKey(x); ok == g.Tree.Blank(x) {
						t.Errorf("member %d: node %d key held %v, blank %v", i, x, ok, g.Tree.Blank(x))
					}
				}
			}
		})
	}
}
