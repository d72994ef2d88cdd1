package ratchettree_test

import (
	"bytes"
	"testing"

	rt "github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
)

// FuzzDecode feeds arbitrary ratchet_tree data to Decode. Accepted input must re-encode identically
// (the encoding is canonical), and every read, validation and edit operation must run without
// panicking on the resulting tree.
func FuzzDecode(f *testing.F) {
	s := suite1(f)
	for _, spec := range [][]rt.Node{
		{{Leaf: fakeLeaf("A")}},
		{{Leaf: fakeLeaf("A")}, {}, {Leaf: fakeLeaf("B")}},
		{{Leaf: fakeLeaf("A")}, {Parent: fakeParent("P", 1)}, {Leaf: fakeLeaf("B")}, {}, {}, {}, {Leaf: fakeLeaf("D")}},
	} {
		b, err := rt.EncodeNodes(spec)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0})
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, err := rt.Decode(s, data)
		if err != nil {
			return
		}
		enc, err := tree.Encode()
		if err != nil || !bytes.Equal(enc, data) {
			t.Fatalf("accepted input re-encodes differently (%v)", err)
		}
		_ = tree.TreeHash()
		_ = tree.Validate(rt.ValidateOptions{GroupID: []byte("g")})
		for x := range tree.Width() {
			_ = tree.Resolution(tm.NodeIndex(x))
		}
		ed := tree.Edit()
		for l := range tree.LeafCount() {
			if _, _, err := ed.FilteredDirectPath(tm.LeafIndex(l)); err != nil {
				t.Fatal(err)
			}
			if ed.Leaf(tm.LeafIndex(l)) != nil {
				_ = ed.RemoveLeaf(tm.LeafIndex(l))
				break
			}
		}
		if _, err := ed.AddLeaf(fakeLeaf("fuzz")); err != nil {
			t.Fatal(err)
		}
		after := ed.Tree()
		enc2, err := after.Encode()
		if err != nil {
			t.Fatal(err)
		}
		re, err := rt.Decode(s, enc2)
		if err != nil || !bytes.Equal(re.TreeHash(), after.TreeHash()) {
			t.Fatalf("edited tree does not round-trip (%v)", err)
		}
		if !bytes.Equal(tree.TreeHash(), mustDecode(t, data).TreeHash()) {
			t.Fatal("editing changed the decoded snapshot")
		}
	})
}

func mustDecode(t *testing.T, b []byte) *rt.Tree {
	t.Helper()
	tree, err := rt.Decode(suite1(t), b)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}
