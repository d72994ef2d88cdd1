package conformance

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/testvectors"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

type treeValidationVector struct {
	CipherSuite uint16     `json:"cipher_suite"`
	Tree        hex        `json:"tree"`
	GroupID     hex        `json:"group_id"`
	Resolutions [][]uint32 `json:"resolutions"`
	TreeHashes  []hex      `json:"tree_hashes"`
}

func TestTreeValidation(t *testing.T) {
	const file = "tree-validation.json"
	var vs []treeValidationVector
	testvectors.Load(t, file, &vs)
	for i, v := range vs {
		s, ok := suiteFor(t, file, v.CipherSuite)
		if !ok {
			continue
		}
		record(t, file, v.CipherSuite, fmt.Sprintf("%d/suite-%d", i, v.CipherSuite), func(t *testing.T) {
			tree, err := ratchettree.Decode(s, v.Tree)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := int(tree.Width()); got != len(v.TreeHashes) || got != len(v.Resolutions) {
				t.Fatalf("width %d, vector has %d hashes and %d resolutions", got, len(v.TreeHashes), len(v.Resolutions))
			}
			for x := range v.TreeHashes {
				if got := tree.NodeHash(tm.NodeIndex(x)); !bytes.Equal(got, v.TreeHashes[x]) {
					t.Errorf("tree hash of node %d = %x, want %x", x, got, v.TreeHashes[x])
				}
				var got []uint32
				for _, y := range tree.Resolution(tm.NodeIndex(x)) {
					got = append(got, uint32(y))
				}
				if !slices.Equal(got, v.Resolutions[x]) {
					t.Errorf("resolution of node %d = %v, want %v", x, got, v.Resolutions[x])
				}
			}
			if err := tree.Validate(ratchettree.ValidateOptions{GroupID: v.GroupID}); err != nil {
				t.Errorf("Validate: %v", err)
			}
			// Update and commit leaves sign the group ID: under another group ID validation must fail.
			groupBound := false
			tree.ForEachLeaf(func(_ tm.LeafIndex, ln *wire.LeafNode) bool {
				groupBound = ln.Source != wire.SourceKeyPackage
				return !groupBound
			})
			if groupBound {
				if err := tree.Validate(ratchettree.ValidateOptions{GroupID: append(v.GroupID, 0)}); err == nil {
					t.Errorf("Validate accepted the tree under a different group ID")
				}
			}
			if enc, err := tree.Encode(); err != nil || !bytes.Equal(enc, v.Tree) {
				t.Errorf("re-encoding differs (%v)", err)
			}
		})
	}
	reportFile(t, file)
}
