package conformance

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/testvectors"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

type treeOperationsVector struct {
	CipherSuite    uint16 `json:"cipher_suite"`
	TreeBefore     hex    `json:"tree_before"`
	Proposal       hex    `json:"proposal"`
	ProposalSender uint32 `json:"proposal_sender"`
	TreeHashBefore hex    `json:"tree_hash_before"`
	TreeAfter      hex    `json:"tree_after"`
	TreeHashAfter  hex    `json:"tree_hash_after"`
}

func TestTreeOperations(t *testing.T) {
	const file = "tree-operations.json"
	var vs []treeOperationsVector
	testvectors.Load(t, file, &vs)
	for i, v := range vs {
		s, ok := suiteFor(t, file, v.CipherSuite)
		if !ok {
			continue
		}
		var prop wire.Proposal
		if err := codec.Unmarshal(v.Proposal, &prop); err != nil {
			t.Fatalf("vector %d: decoding proposal: %v", i, err)
		}
		record(t, file, v.CipherSuite, fmt.Sprintf("%d/suite-%d/proposal-%d", i, v.CipherSuite, prop.Type), func(t *testing.T) {
			before, err := ratchettree.Decode(s, v.TreeBefore)
			if err != nil {
				t.Fatalf("Decode(tree_before): %v", err)
			}
			if got := before.TreeHash(); !bytes.Equal(got, v.TreeHashBefore) {
				t.Errorf("tree_hash_before = %x, want %x", got, v.TreeHashBefore)
			}
			ed := before.Edit()
			switch prop.Type {
			case wire.ProposalAdd:
				_, err = ed.AddLeaf(&prop.KeyPackage.LeafNode)
			case wire.ProposalUpdate:
				err = ed.UpdateLeaf(tm.LeafIndex(v.ProposalSender), prop.LeafNode)
			case wire.ProposalRemove:
				err = ed.RemoveLeaf(tm.LeafIndex(prop.Removed))
			default:
				t.Fatalf("unexpected proposal type %d", prop.Type)
			}
			if err != nil {
				t.Fatalf("applying proposal: %v", err)
			}
			after := ed.Tree()
			enc, err := after.Encode()
			if err != nil || !bytes.Equal(enc, v.TreeAfter) {
				t.Errorf("tree_after differs (%v)", err)
			}
			if got := after.TreeHash(); !bytes.Equal(got, v.TreeHashAfter) {
				t.Errorf("tree_hash_after = %x, want %x", got, v.TreeHashAfter)
			}
			// The snapshot the editor started from is untouched.
			if enc, _ := before.Encode(); !bytes.Equal(enc, v.TreeBefore) {
				t.Errorf("editing changed the original snapshot")
			}
			if got := before.TreeHash(); !bytes.Equal(got, v.TreeHashBefore) {
				t.Errorf("editing changed the original snapshot's hash")
			}
			// A tree decoded from tree_after has the same hash as the edited one.
			re, err := ratchettree.Decode(s, v.TreeAfter)
			if err != nil || !bytes.Equal(re.TreeHash(), v.TreeHashAfter) {
				t.Errorf("decoded tree_after hash mismatch (%v)", err)
			}
		})
	}
	reportFile(t, file)
}
