package ratchettree_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	rt "github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

func suite1(t testing.TB) *ciphersuite.Suite {
	t.Helper()
	s, err := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fakeLeaf is a syntactically complete LeafNode with distinct keys derived from name.
func fakeLeaf(name string) *wire.LeafNode {
	return &wire.LeafNode{
		EncryptionKey: []byte("enc-" + name),
		SignatureKey:  []byte("sig-" + name),
		Credential:    wire.Credential{Type: wire.CredentialBasic, Identity: []byte(name)},
		Capabilities:  wire.Capabilities{Versions: []wire.ProtocolVersion{1}, CipherSuites: []ciphersuite.ID{1}, Extensions: []wire.ExtensionType{}, Proposals: []wire.ProposalType{}, Credentials: []wire.CredentialType{1}},
		Source:        wire.SourceKeyPackage,
		Extensions:    wire.Extensions{},
		Signature:     []byte("sig"),
	}
}

func fakeParent(name string, unmerged ...tm.LeafIndex) *rt.ParentNode {
	return &rt.ParentNode{EncryptionKey: []byte("enc-" + name), ParentHash: []byte{}, UnmergedLeaves: unmerged}
}

// layout builds a tree from a compact description: one entry per node, "" for blank, "X" for a
// leaf or parent named X, "X[1,3]" for a parent with unmerged leaves.
func layout(t *testing.T, spec []string) *rt.Tree {
	t.Helper()
	for len(spec) > 0 && spec[len(spec)-1] == "" {
		spec = spec[:len(spec)-1]
	}
	nodes := make([]rt.Node, len(spec))
	for i, s := range spec {
		if s == "" {
			continue
		}
		if i%2 == 0 {
			nodes[i].Leaf = fakeLeaf(s)
			continue
		}
		name, rest, _ := strings.Cut(s, "[")
		var unmerged []tm.LeafIndex
		if rest != "" {
			for _, f := range strings.Split(rest[:len(rest)-1], ",") {
				var u uint32
				fmt.Sscan(f, &u)
				unmerged = append(unmerged, tm.LeafIndex(u))
			}
		}
		nodes[i].Parent = fakeParent(name, unmerged...)
	}
	tree, err := rt.FromNodes(suite1(t), nodes)
	if err != nil {
		t.Fatalf("FromNodes: %v", err)
	}
	return tree
}

func TestResolutionRFCExample(t *testing.T) {
	// Figure "A Tree with Blanks and Unmerged Leaves" (§4.1.1): leaves A B _ D E F _ H, X[B] over
	// A..D, Y over E F, everything else blank.
	tree := layout(t, []string{"A", "", "B", "X[1]", "", "", "D", "", "E", "Y", "F", "", "", "", "H"})
	for _, tc := range []struct {
		node tm.NodeIndex
		want []tm.NodeIndex
	}{
		{3, []tm.NodeIndex{3, 2}},        // X: X, B
		{4, nil},                         // leaf 2
		{12, nil},                        // leaf 6
		{7, []tm.NodeIndex{3, 2, 9, 14}}, // top: X, B, Y, H
		{11, []tm.NodeIndex{9, 14}},      // blank right parent: Y, H
		{13, []tm.NodeIndex{14}},         // blank parent over _ H
		{1, []tm.NodeIndex{0, 2}},        // blank parent over A B
		{0, []tm.NodeIndex{0}},           // leaf A
		{99, nil},                        // outside the tree
	} {
		if got := tree.Resolution(tc.node); !slices.Equal(got, tc.want) {
			t.Errorf("Resolution(%d) = %v, want %v", tc.node, got, tc.want)
		}
	}
}

func TestFilteredDirectPathRFCExample(t *testing.T) {
	// Figure "A Complete Tree with Five Members" (§4.1.2): A B _ _ E F G _, T over A B, X over E F,
	// Y and W non-blank, U V Z blank.
	tree := layout(t, []string{"A", "T", "B", "", "", "", "", "W", "E", "X", "F", "Y", "G", "", ""})
	for _, tc := range []struct {
		leaf         tm.LeafIndex
		path, copath []tm.NodeIndex
	}{
		{0, []tm.NodeIndex{1, 7}, []tm.NodeIndex{2, 11}},         // A: T, W
		{1, []tm.NodeIndex{1, 7}, []tm.NodeIndex{0, 11}},         // B: T, W
		{4, []tm.NodeIndex{9, 11, 7}, []tm.NodeIndex{10, 13, 3}}, // E: X, Y, W
		{5, []tm.NodeIndex{9, 11, 7}, []tm.NodeIndex{8, 13, 3}},  // F: X, Y, W
		{6, []tm.NodeIndex{11, 7}, []tm.NodeIndex{9, 3}},         // G: Y, W
	} {
		path, copath, err := tree.FilteredDirectPath(tc.leaf)
		if err != nil || !slices.Equal(path, tc.path) || !slices.Equal(copath, tc.copath) {
			t.Errorf("FilteredDirectPath(%d) = %v %v %v, want %v %v", tc.leaf, path, copath, err, tc.path, tc.copath)
		}
	}
	if _, _, err := tree.FilteredDirectPath(8); !errors.Is(err, rt.ErrNotInTree) {
		t.Errorf("FilteredDirectPath(8) error = %v, want ErrNotInTree", err)
	}
}

// op is one step of TestEditorOperations.
type op struct {
	kind   string // "add", "remove", "update"
	leaf   tm.LeafIndex
	name   string
	want   tm.LeafIndex // for add
	leaves tm.LeafCount // leaf count afterwards
}

func TestEditorOperations(t *testing.T) {
	s := suite1(t)
	for _, tc := range []struct {
		name    string
		ops     []op
		members []string // leaf contents afterwards ("" blank)
	}{
		{"grow", []op{
			{kind: "add", name: "B", want: 1, leaves: 2},
			{kind: "add", name: "C", want: 2, leaves: 4},
			{kind: "add", name: "D", want: 3, leaves: 4},
			{kind: "add", name: "E", want: 4, leaves: 8},
		}, []string{"A", "B", "C", "D", "E", "", "", ""}},
		{"fill-hole", []op{
			{kind: "add", name: "B", want: 1, leaves: 2},
			{kind: "add", name: "C", want: 2, leaves: 4},
			{kind: "remove", leaf: 1, leaves: 4},
			{kind: "add", name: "D", want: 1, leaves: 4},
		}, []string{"A", "D", "C", ""}},
		{"truncate", []op{
			{kind: "add", name: "B", want: 1, leaves: 2},
			{kind: "add", name: "C", want: 2, leaves: 4},
			{kind: "add", name: "D", want: 3, leaves: 4},
			{kind: "add", name: "E", want: 4, leaves: 8},
			{kind: "remove", leaf: 4, leaves: 4},
			{kind: "remove", leaf: 3, leaves: 4},
			{kind: "remove", leaf: 2, leaves: 2},
			{kind: "remove", leaf: 1, leaves: 1},
		}, []string{"A"}},
		{"truncate-keeps-inner-blanks", []op{
			{kind: "add", name: "B", want: 1, leaves: 2},
			{kind: "add", name: "C", want: 2, leaves: 4},
			{kind: "remove", leaf: 1, leaves: 4},
			{kind: "remove", leaf: 2, leaves: 1},
		}, []string{"A"}},
		{"update", []op{
			{kind: "add", name: "B", want: 1, leaves: 2},
			{kind: "update", leaf: 1, name: "B2", leaves: 2},
		}, []string{"A", "B2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree, err := rt.New(s, fakeLeaf("A"))
			if err != nil {
				t.Fatal(err)
			}
			ed := tree.Edit()
			for i, o := range tc.ops {
				switch o.kind {
				case "add":
					got, err := ed.AddLeaf(fakeLeaf(o.name))
					if err != nil || got != o.want {
						t.Fatalf("op %d: AddLeaf = %d, %v; want %d", i, got, err, o.want)
					}
				case "remove":
					if err := ed.RemoveLeaf(o.leaf); err != nil {
						t.Fatalf("op %d: RemoveLeaf(%d): %v", i, o.leaf, err)
					}
				case "update":
					if err := ed.UpdateLeaf(o.leaf, fakeLeaf(o.name)); err != nil {
						t.Fatalf("op %d: UpdateLeaf(%d): %v", i, o.leaf, err)
					}
				}
				if ed.LeafCount() != o.leaves {
					t.Fatalf("op %d: %d leaves, want %d", i, ed.LeafCount(), o.leaves)
				}
			}
			after := ed.Tree()
			var got []string
			for i := range after.LeafCount() {
				if ln := after.Leaf(tm.LeafIndex(i)); ln != nil {
					got = append(got, string(ln.Credential.Identity))
				} else {
					got = append(got, "")
				}
			}
			if !slices.Equal(got, tc.members) {
				t.Errorf("leaves = %q, want %q", got, tc.members)
			}
			// The edited tree and a tree decoded from its encoding agree on every node hash.
			enc, err := after.Encode()
			if err != nil {
				t.Fatal(err)
			}
			re, err := rt.Decode(s, enc)
			if err != nil {
				t.Fatalf("Decode(Encode()): %v", err)
			}
			if re.LeafCount() != after.LeafCount() {
				t.Fatalf("decoded %d leaves, want %d", re.LeafCount(), after.LeafCount())
			}
			for x := range after.Width() {
				if !bytes.Equal(re.NodeHash(tm.NodeIndex(x)), after.NodeHash(tm.NodeIndex(x))) {
					t.Errorf("node %d hash differs after re-decoding", x)
				}
			}
			// The index follows the leaves.
			for i, name := range tc.members {
				if name == "" {
					continue
				}
				if l, ok := after.SignatureKeyLeaf([]byte("sig-" + name)); !ok || l != tm.LeafIndex(i) {
					t.Errorf("SignatureKeyLeaf(%s) = %d, %v; want %d", name, l, ok, i)
				}
				if x, ok := after.EncryptionKeyNode([]byte("enc-" + name)); !ok || x != tm.LeafIndex(i).Node() {
					t.Errorf("EncryptionKeyNode(%s) = %d, %v", name, x, ok)
				}
			}
			if _, ok := after.SignatureKeyLeaf([]byte("sig-nobody")); ok {
				t.Errorf("unknown signature key found")
			}
		})
	}
}

func TestAddMarksUnmerged(t *testing.T) {
	// Parents above the new leaf that are non-blank record it as unmerged; blank ones do not.
	tree := layout(t, []string{"A", "P", "B", "R", "C", "", ""})
	ed := tree.Edit()
	l, err := ed.AddLeaf(fakeLeaf("D"))
	if err != nil || l != 3 {
		t.Fatalf("AddLeaf = %d, %v", l, err)
	}
	if p := ed.Parent(3); p == nil || !slices.Equal(p.UnmergedLeaves, []tm.LeafIndex{3}) {
		t.Errorf("root unmerged = %v, want [3]", p)
	}
	if !ed.Blank(5) {
		t.Errorf("blank parent 5 was filled")
	}
	if got := ed.Resolution(5); !slices.Equal(got, []tm.NodeIndex{4, 6}) {
		t.Errorf("Resolution(5) = %v", got)
	}
	if got := ed.Resolution(3); !slices.Equal(got, []tm.NodeIndex{3, 6}) {
		t.Errorf("Resolution(3) = %v", got)
	}
	// Insertion keeps the list sorted.
	tree = layout(t, []string{"A", "", "", "R[3]", "C", "", "D"})
	ed = tree.Edit()
	if l, err := ed.AddLeaf(fakeLeaf("B")); err != nil || l != 1 {
		t.Fatalf("AddLeaf = %d, %v", l, err)
	}
	if p := ed.Parent(3); !slices.Equal(p.UnmergedLeaves, []tm.LeafIndex{1, 3}) {
		t.Errorf("unmerged = %v, want [1 3]", p.UnmergedLeaves)
	}
	if p := tree.Parent(3); !slices.Equal(p.UnmergedLeaves, []tm.LeafIndex{3}) {
		t.Errorf("original snapshot changed: %v", p.UnmergedLeaves)
	}
}

func TestCopyOnWrite(t *testing.T) {
	s := suite1(t)
	tree, _ := rt.New(s, fakeLeaf("A"))
	ed := tree.Edit()
	for i := range 20 {
		if _, err := ed.AddLeaf(fakeLeaf(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	base := ed.Tree()
	baseEnc, _ := base.Encode()
	baseHash := base.TreeHash()

	// Editing after Tree() must not leak into the snapshot.
	if err := ed.RemoveLeaf(3); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.ApplyPath(5, [][]byte{[]byte("k1"), []byte("k2"), []byte("k3"), []byte("k4"), []byte("k5")}); err != nil {
		t.Fatal(err)
	}
	second := ed.Tree()
	// Two independent editors on the same snapshot.
	e1, e2 := base.Edit(), base.Edit()
	if err := e1.UpdateLeaf(7, fakeLeaf("x")); err != nil {
		t.Fatal(err)
	}
	for l := tm.LeafIndex(20); l >= 16; l-- {
		if err := e2.RemoveLeaf(l); err != nil {
			t.Fatal(err)
		}
	}
	t1, t2 := e1.Tree(), e2.Tree()
	if enc, _ := base.Encode(); !bytes.Equal(enc, baseEnc) || !bytes.Equal(base.TreeHash(), baseHash) {
		t.Fatal("base snapshot changed")
	}
	for _, tr := range []*rt.Tree{second, t1, t2} {
		if bytes.Equal(tr.TreeHash(), baseHash) {
			t.Error("edited snapshot has the base hash")
		}
		enc, _ := tr.Encode()
		re, err := rt.Decode(s, enc)
		if err != nil || !bytes.Equal(re.TreeHash(), tr.TreeHash()) {
			t.Errorf("incremental hash differs from a full recomputation (%v)", err)
		}
	}
	if t2.LeafCount() != 16 {
		t.Errorf("removing leaves 16-20 left %d leaves, want 16", t2.LeafCount())
	}
	if t1.Leaf(7) == nil || string(t1.Leaf(7).Credential.Identity) != "x" || string(base.Leaf(7).Credential.Identity) != "6" {
		t.Error("UpdateLeaf result wrong")
	}
}

func TestDecodeErrors(t *testing.T) {
	s := suite1(t)
	leaf, _ := codec.Marshal(fakeLeaf("A"))
	parent, _ := codec.Marshal(fakeParent("P"))
	vec := func(parts ...[]byte) []byte {
		var w codec.Writer
		w.Opaque(bytes.Join(parts, nil))
		b, _ := w.Bytes()
		return b
	}
	leafEntry := append([]byte{1, 1}, leaf...)
	parentEntry := append([]byte{1, 2}, parent...)
	blank := []byte{0}
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"empty", vec(), rt.ErrEmptyTree},
		{"trailing-blank", vec(leafEntry, blank), rt.ErrTrailingBlank},
		{"only-blank", vec(blank), rt.ErrTrailingBlank},
		{"parent-at-even", vec(parentEntry), rt.ErrNodeTypeMismatch},
		{"leaf-at-odd", vec(leafEntry, leafEntry), rt.ErrNodeTypeMismatch},
		{"bad-node-type", vec([]byte{1, 3}), codec.ErrUnknownVariant},
		{"bad-optional", vec([]byte{2}), codec.ErrBadOptional},
		{"truncated", vec(leafEntry[:10]), codec.ErrShort},
		{"trailing-bytes", append(vec(leafEntry), 0), codec.ErrTrailing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := rt.Decode(s, tc.data); !errors.Is(err, tc.want) {
				t.Errorf("Decode error = %v, want %v", err, tc.want)
			}
		})
	}
	// Valid shapes: a lone leaf, and two leaves with a blank parent (the parent between them is
	// carried as blank; the tree is not extended).
	for _, tc := range []struct {
		name   string
		data   []byte
		leaves tm.LeafCount
	}{
		{"one-leaf", vec(leafEntry), 1},
		{"two-leaves", vec(leafEntry, blank, append([]byte{1, 1}, mustMarshal(t, fakeLeaf("B"))...)), 2},
		{"extend-to-four", vec(leafEntry, blank, blank, parentEntry), 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree, err := rt.Decode(s, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if tree.LeafCount() != tc.leaves {
				t.Errorf("%d leaves, want %d", tree.LeafCount(), tc.leaves)
			}
			if enc, err := tree.Encode(); err != nil || !bytes.Equal(enc, tc.data) {
				t.Errorf("re-encoding differs (%v)", err)
			}
		})
	}
}

func mustMarshal(t *testing.T, m codec.Marshaler) []byte {
	t.Helper()
	b, err := codec.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEditorErrors(t *testing.T) {
	tree := layout(t, []string{"A", "", "", "", "C", "", ""})
	for _, tc := range []struct {
		name string
		f    func(ed *rt.Editor) error
		want error
	}{
		{"remove-blank", func(ed *rt.Editor) error { return ed.RemoveLeaf(1) }, rt.ErrBlankLeaf},
		{"remove-outside", func(ed *rt.Editor) error { return ed.RemoveLeaf(4) }, rt.ErrNotInTree},
		{"update-blank", func(ed *rt.Editor) error { return ed.UpdateLeaf(3, fakeLeaf("x")) }, rt.ErrBlankLeaf},
		{"update-nil", func(ed *rt.Editor) error { return ed.UpdateLeaf(0, nil) }, rt.ErrNilLeaf},
		{"add-nil", func(ed *rt.Editor) error { _, err := ed.AddLeaf(nil); return err }, rt.ErrNilLeaf},
		{"path-length", func(ed *rt.Editor) error { _, err := ed.ApplyPath(0, [][]byte{[]byte("x"), []byte("y")}); return err }, rt.ErrPathLength},
		{"merge-not-commit", func(ed *rt.Editor) error {
			return ed.MergeUpdatePath(0, &wire.UpdatePath{LeafNode: *fakeLeaf("z")})
		}, rt.ErrLeafSource},
		{"merge-same-key", func(ed *rt.Editor) error {
			ln := *fakeLeaf("A")
			ln.Source = wire.SourceCommit
			return ed.MergeUpdatePath(0, &wire.UpdatePath{LeafNode: ln})
		}, rt.ErrSameLeafKey},
		{"merge-known-key", func(ed *rt.Editor) error {
			ln := *fakeLeaf("A2")
			ln.Source = wire.SourceCommit
			return ed.MergeUpdatePath(0, &wire.UpdatePath{LeafNode: ln, Nodes: []wire.UpdatePathNode{{EncryptionKey: []byte("enc-C")}}})
		}, rt.ErrDuplicateKey},
		{"merge-repeated-key", func(ed *rt.Editor) error {
			ln := *fakeLeaf("A2")
			ln.Source = wire.SourceCommit
			return ed.MergeUpdatePath(0, &wire.UpdatePath{LeafNode: ln, Nodes: []wire.UpdatePathNode{{EncryptionKey: []byte("enc-A2")}}})
		}, rt.ErrDuplicateKey},
		{"merge-empty-key", func(ed *rt.Editor) error {
			ln := *fakeLeaf("A2")
			ln.Source = wire.SourceCommit
			return ed.MergeUpdatePath(0, &wire.UpdatePath{LeafNode: ln, Nodes: []wire.UpdatePathNode{{EncryptionKey: []byte{}}}})
		}, rt.ErrEmptyKey},
		{"merge-bad-parent-hash", func(ed *rt.Editor) error {
			ln := *fakeLeaf("A2")
			ln.Source = wire.SourceCommit
			ln.ParentHash = []byte("nope")
			return ed.MergeUpdatePath(0, &wire.UpdatePath{LeafNode: ln, Nodes: []wire.UpdatePathNode{{EncryptionKey: []byte("k")}}})
		}, rt.ErrParentHash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.f(tree.Edit()); !errors.Is(err, tc.want) {
				t.Errorf("error = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestMergeUpdatePathRoundTrip(t *testing.T) {
	// ApplyPath's parent hash, carried by the leaf, is accepted by MergeUpdatePath on another copy.
	tree := layout(t, []string{"A", "", "B", "R[1]", "C", "", "D"})
	keys := [][]byte{[]byte("p1"), []byte("p3")}
	e1 := tree.Edit()
	ph, err := e1.ApplyPath(0, keys)
	if err != nil {
		t.Fatal(err)
	}
	ln := *fakeLeaf("A2")
	ln.Source, ln.ParentHash = wire.SourceCommit, ph
	if err := e1.SetLeaf(0, &ln); err != nil {
		t.Fatal(err)
	}
	path := &wire.UpdatePath{LeafNode: ln, Nodes: []wire.UpdatePathNode{{EncryptionKey: keys[0]}, {EncryptionKey: keys[1]}}}
	e2 := tree.Edit()
	if err := e2.MergeUpdatePath(0, path); err != nil {
		t.Fatal(err)
	}
	t1, t2 := e1.Tree(), e2.Tree()
	if !bytes.Equal(t1.TreeHash(), t2.TreeHash()) {
		t.Error("committer and receiver trees differ")
	}
	if p := t2.Parent(3); p == nil || len(p.UnmergedLeaves) != 0 || !bytes.Equal(p.EncryptionKey, keys[1]) {
		t.Errorf("root after merge = %+v", p)
	}
	// Node 5 (over C D) is blank and R's unmerged leaf was reset by the path, so the merged path
	// makes every parent parent-hash valid.
	if err := t2.VerifyParentHashes(); err != nil {
		t.Errorf("VerifyParentHashes: %v", err)
	}
}
