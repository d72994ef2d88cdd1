package conformance

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/testvectors"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treekem"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

type treeKEMVector struct {
	CipherSuite             uint16 `json:"cipher_suite"`
	GroupID                 hex    `json:"group_id"`
	Epoch                   uint64 `json:"epoch"`
	ConfirmedTranscriptHash hex    `json:"confirmed_transcript_hash"`
	RatchetTree             hex    `json:"ratchet_tree"`
	LeavesPrivate           []struct {
		Index          uint32 `json:"index"`
		EncryptionPriv hex    `json:"encryption_priv"`
		SignaturePriv  hex    `json:"signature_priv"`
		PathSecrets    []struct {
			Node       uint32 `json:"node"`
			PathSecret hex    `json:"path_secret"`
		} `json:"path_secrets"`
	} `json:"leaves_private"`
	UpdatePaths []struct {
		Sender        uint32 `json:"sender"`
		UpdatePath    hex    `json:"update_path"`
		PathSecrets   []hex  `json:"path_secrets"`
		CommitSecret  hex    `json:"commit_secret"`
		TreeHashAfter hex    `json:"tree_hash_after"`
	} `json:"update_paths"`
}

func TestTreeKEM(t *testing.T) {
	const file = "treekem.json"
	var vs []treeKEMVector
	testvectors.Load(t, file, &vs)
	for i, v := range vs {
		s, ok := suiteFor(t, file, v.CipherSuite)
		if !ok {
			continue
		}
		record(t, file, v.CipherSuite, fmt.Sprintf("%d/suite-%d", i, v.CipherSuite), func(t *testing.T) {
			runTreeKEMVector(t, s, &v)
		})
	}
	reportFile(t, file)
}

func runTreeKEMVector(t *testing.T, s *ciphersuite.Suite, v *treeKEMVector) {
	tree, err := ratchettree.Decode(s, v.RatchetTree)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if err := tree.VerifyParentHashes(); err != nil {
		t.Fatalf("ratchet_tree parent hashes: %v", err)
	}
	gc := &wire.GroupContext{
		Version:                 wire.MLS10,
		CipherSuite:             s.ID(),
		GroupID:                 v.GroupID,
		Epoch:                   v.Epoch,
		ConfirmedTranscriptHash: v.ConfirmedTranscriptHash,
		Extensions:              wire.Extensions{},
	}

	states := map[tm.LeafIndex]*treekem.PrivateState{}
	signers := map[tm.LeafIndex]*ciphersuite.SignaturePrivateKey{}
	for _, lp := range v.LeavesPrivate {
		l := tm.LeafIndex(lp.Index)
		key, err := s.ParseHPKEPrivateKey(lp.EncryptionPriv)
		if err != nil {
			t.Fatalf("leaf %d: encryption_priv: %v", l, err)
		}
		st := treekem.NewPrivateState(s, l, key)
		for _, ps := range lp.PathSecrets {
			if st, err = st.WithPathSecret(tree, tm.NodeIndex(ps.Node), ps.PathSecret); err != nil {
				t.Fatalf("leaf %d: path secret of node %d: %v", l, ps.Node, err)
			}
		}
		if err := st.Check(tree); err != nil {
			t.Fatalf("leaf %d: private state inconsistent with the tree: %v", l, err)
		}
		states[l] = st
		if signers[l], err = s.ParseSignaturePrivateKey(lp.SignaturePriv); err != nil {
			t.Fatalf("leaf %d: signature_priv: %v", l, err)
		}
	}
	treeHash := tree.TreeHash()

	for n, up := range v.UpdatePaths {
		sender := tm.LeafIndex(up.Sender)
		var path wire.UpdatePath
		if err := codec.Unmarshal(up.UpdatePath, &path); err != nil {
			t.Fatalf("update path %d: decode: %v", n, err)
		}
		// Merging alone: parent-hash valid relative to ratchet_tree, and the expected tree hash.
		ed := tree.Edit()
		if err := ed.MergeUpdatePath(sender, &path); err != nil {
			t.Fatalf("update path %d: merge: %v", n, err)
		}
		merged := ed.Tree()
		if got := merged.TreeHash(); !bytes.Equal(got, up.TreeHashAfter) {
			t.Errorf("update path %d: tree_hash_after = %x, want %x", n, got, up.TreeHashAfter)
		}
		if err := merged.VerifyParentHashes(); err != nil {
			t.Errorf("update path %d: merged tree: %v", n, err)
		}
		if !bytes.Equal(tree.TreeHash(), treeHash) {
			t.Fatalf("update path %d: merging changed the shared snapshot", n)
		}

		for j := range tree.LeafCount() {
			l := tm.LeafIndex(j)
			if l == sender || tree.Leaf(l) == nil {
				continue
			}
			st := states[l]
			if st == nil {
				t.Fatalf("no private state for non-blank leaf %d", l)
			}
			res, err := treekem.ApplyUpdatePath(tree.Edit(), st, sender, &path, &treekem.ApplyParams{GroupContext: gc})
			if err != nil {
				t.Errorf("update path %d: leaf %d: %v", n, l, err)
				continue
			}
			if int(j) >= len(up.PathSecrets) || !bytes.Equal(res.PathSecret, up.PathSecrets[j]) {
				t.Errorf("update path %d: leaf %d decrypted path secret %x, want %x", n, l, res.PathSecret, up.PathSecrets[j])
			}
			if !bytes.Equal(res.CommitSecret, up.CommitSecret) {
				t.Errorf("update path %d: leaf %d commit secret %x, want %x", n, l, res.CommitSecret, up.CommitSecret)
			}
			if !bytes.Equal(res.TreeHash, up.TreeHashAfter) {
				t.Errorf("update path %d: leaf %d tree hash %x, want %x", n, l, res.TreeHash, up.TreeHashAfter)
			}
		}

		// A fresh UpdatePath from the same sender is processed by everyone to the same commit secret.
		if states[sender] == nil || signers[sender] == nil {
			t.Fatalf("update path %d: no private state for sender %d", n, sender)
		}
		ced := tree.Edit()
		created, err := treekem.CreateUpdatePath(ced, states[sender], &treekem.CreateParams{GroupContext: gc, Signer: signers[sender]})
		if err != nil {
			t.Fatalf("update path %d: CreateUpdatePath: %v", n, err)
		}
		if err := ced.Tree().VerifyParentHashes(); err != nil {
			t.Errorf("update path %d: tree after own path: %v", n, err)
		}
		enc, err := codec.Marshal(created.Path)
		if err != nil {
			t.Fatal(err)
		}
		var decoded wire.UpdatePath
		if err := codec.Unmarshal(enc, &decoded); err != nil {
			t.Fatalf("update path %d: own UpdatePath does not decode: %v", n, err)
		}
		for j := range tree.LeafCount() {
			l := tm.LeafIndex(j)
			if l == sender || tree.Leaf(l) == nil {
				continue
			}
			res, err := treekem.ApplyUpdatePath(tree.Edit(), states[l], sender, &decoded, &treekem.ApplyParams{GroupContext: gc})
			if err != nil {
				t.Errorf("update path %d (own): leaf %d: %v", n, l, err)
				continue
			}
			if !bytes.Equal(res.CommitSecret, created.CommitSecret) {
				t.Errorf("update path %d (own): leaf %d commit secret differs", n, l)
			}
			if !bytes.Equal(res.TreeHash, created.TreeHash) {
				t.Errorf("update path %d (own): leaf %d tree hash differs", n, l)
			}
			if ps, ok := created.PathSecretFor(l); !ok || !bytes.Equal(ps, res.PathSecret) {
				t.Errorf("update path %d (own): leaf %d path secret differs from the committer's", n, l)
			}
		}
	}
}
