package treekem_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/treetest"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treekem"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

func lookup(t testing.TB, id ciphersuite.ID) *ciphersuite.Suite {
	t.Helper()
	s, err := ciphersuite.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type member struct {
	state  *treekem.PrivateState
	signer *ciphersuite.SignaturePrivateKey
}

// proposals is the tree part of a commit's proposal list, applied in the §12.3 order.
type proposals struct {
	updates map[tm.LeafIndex]*wire.LeafNode
	removes []tm.LeafIndex
	adds    []*wire.LeafNode
}

func (p *proposals) apply(t *testing.T, ed *ratchettree.Editor) []tm.LeafIndex {
	t.Helper()
	for l, ln := range p.updates {
		if err := ed.UpdateLeaf(l, ln); err != nil {
			t.Fatalf("UpdateLeaf(%d): %v", l, err)
		}
	}
	for _, l := range p.removes {
		if err := ed.RemoveLeaf(l); err != nil {
			t.Fatalf("RemoveLeaf(%d): %v", l, err)
		}
	}
	var added []tm.LeafIndex
	for _, ln := range p.adds {
		l, err := ed.AddLeaf(ln)
		if err != nil {
			t.Fatalf("AddLeaf: %v", err)
		}
		added = append(added, l)
	}
	return added
}

// TestSimulation runs random epochs (adds, removes, updates, external joins, commits with and
// without a path) and checks after each that every member derives the committer's commit secret
// and tree, that the shared tree validates, and that every private state matches it.
func TestSimulation(t *testing.T) {
	for _, tc := range []struct {
		id     ciphersuite.ID
		epochs int
	}{
		{ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519, 40},
		{ciphersuite.MLS128DHKEMP256AES128GCMSHA256P256, 8},
		{ciphersuite.MLS256DHKEMX448AES256GCMSHA512Ed448, 4},
		{ciphersuite.MLS128MLKEM768X25519AES128GCMSHA256Ed25519, 6}, // no official vectors exist
	} {
		t.Run(tc.id.String(), func(t *testing.T) {
			simulate(t, lookup(t, tc.id), tc.epochs, rand.New(rand.NewPCG(uint64(tc.id), 7)))
		})
	}
}

func simulate(t *testing.T, s *ciphersuite.Suite, epochs int, rng *rand.Rand) {
	g, err := treetest.Full(s, 3)
	if err != nil {
		t.Fatal(err)
	}
	tree, gc := g.Tree, g.Context
	members := map[tm.LeafIndex]*member{}
	for _, m := range g.Members {
		members[m.Leaf] = &member{state: m.State, signer: m.Signer}
	}
	next := 0
	var nExternal, nPath, nAdds, nRemoves, nUpdates, maxMembers int
	defer func() {
		t.Logf("%d epochs: %d with a path (%d external), %d adds, %d removes, %d updates, up to %d members",
			epochs, nPath, nExternal, nAdds, nRemoves, nUpdates, maxMembers)
	}()
	newLeaf := func() (*wire.LeafNode, *ciphersuite.HPKEPrivateKey, *ciphersuite.SignaturePrivateKey) {
		next++
		ln, hk, sk, err := treetest.NewLeafNode(s, fmt.Appendf(nil, "joiner-%d", next))
		if err != nil {
			t.Fatal(err)
		}
		return ln, hk, sk
	}

	for epoch := range epochs {
		var leaves []tm.LeafIndex
		for l := range members {
			leaves = append(leaves, l)
		}
		sortLeaves(leaves)
		committer := leaves[rng.IntN(len(leaves))]
		external := rng.IntN(6) == 0

		var props proposals
		props.updates = map[tm.LeafIndex]*wire.LeafNode{}
		newLeafKeys := map[tm.LeafIndex]*ciphersuite.HPKEPrivateKey{}
		for _, l := range leaves {
			if l == committer || external {
				continue
			}
			switch r := rng.IntN(10); {
			case r == 0 && len(leaves)-len(props.removes) > 2:
				props.removes = append(props.removes, l)
			case r == 1:
				hk, err := s.GenerateHPKEKey()
				if err != nil {
					t.Fatal(err)
				}
				ln := *tree.Leaf(l)
				ln.EncryptionKey, ln.Source, ln.Lifetime, ln.ParentHash = hk.PublicKey(), wire.SourceUpdate, wire.Lifetime{}, nil
				if err := ratchettree.SignLeafNode(s, members[l].signer, &ln, gc.GroupID, l); err != nil {
					t.Fatal(err)
				}
				props.updates[l] = &ln
				newLeafKeys[l] = hk
			}
		}
		type joiner struct {
			hk *ciphersuite.HPKEPrivateKey
			sk *ciphersuite.SignaturePrivateKey
			ln *wire.LeafNode
		}
		var joiners []joiner
		if !external {
			for range rng.IntN(4) {
				ln, hk, sk := newLeaf()
				props.adds = append(props.adds, ln)
				joiners = append(joiners, joiner{hk, sk, ln})
			}
		}
		// A path is required with updates or removes, and for external commits.
		withPath := external || len(props.updates) > 0 || len(props.removes) > 0 || len(props.adds) == 0 || rng.IntN(2) == 0

		provisional := gc
		provisional.Epoch++
		ed := tree.Edit()
		added := props.apply(t, ed)

		var created *treekem.CreateResult
		var extSigner *ciphersuite.SignaturePrivateKey
		if external {
			l, err := ed.FreeLeaf()
			if err != nil {
				t.Fatal(err)
			}
			ln, _, sk := newLeaf()
			extSigner = sk
			committer = l
			created, err = treekem.CreateUpdatePath(ed, treekem.NewPrivateState(s, l, nil), &treekem.CreateParams{
				GroupContext: &provisional, LeafNode: ln, Signer: sk,
			})
			if err != nil {
				t.Fatalf("epoch %d: external CreateUpdatePath: %v", epoch, err)
			}
		} else if withPath {
			created, err = treekem.CreateUpdatePath(ed, members[committer].state, &treekem.CreateParams{
				GroupContext: &provisional, Signer: members[committer].signer, Exclude: added,
			})
			if err != nil {
				t.Fatalf("epoch %d: CreateUpdatePath: %v", epoch, err)
			}
		}
		newTree := ed.Tree()
		provisional.TreeHash = newTree.TreeHash()
		if created != nil && !bytes.Equal(created.TreeHash, provisional.TreeHash) {
			t.Fatalf("epoch %d: CreateResult tree hash differs from the editor's", epoch)
		}
		if err := newTree.Validate(ratchettree.ValidateOptions{GroupID: gc.GroupID}); err != nil {
			t.Fatalf("epoch %d: tree after commit invalid: %v", epoch, err)
		}
		var path *wire.UpdatePath
		if created != nil {
			// Receivers get the UpdatePath through the wire.
			b, err := codec.Marshal(created.Path)
			if err != nil {
				t.Fatal(err)
			}
			path = &wire.UpdatePath{}
			if err := codec.Unmarshal(b, path); err != nil {
				t.Fatal(err)
			}
		}

		nextMembers := map[tm.LeafIndex]*member{}
		for _, l := range leaves {
			if l == committer || containsLeaf(props.removes, l) {
				continue
			}
			m := members[l]
			st := m.state
			if k := newLeafKeys[l]; k != nil {
				st = st.WithLeafKey(k)
			}
			red := tree.Edit()
			if got := props.apply(t, red); fmt.Sprint(got) != fmt.Sprint(added) {
				t.Fatalf("epoch %d: member %d placed adds at %v, committer at %v", epoch, l, got, added)
			}
			if path != nil {
				if external {
					if fl, err := red.FreeLeaf(); err != nil || fl != committer {
						t.Fatalf("epoch %d: member %d reserved leaf %d, %v", epoch, l, fl, err)
					}
				}
				res, err := treekem.ApplyUpdatePath(red, st, committer, path, &treekem.ApplyParams{GroupContext: &provisional, Exclude: added})
				if err != nil {
					t.Fatalf("epoch %d: member %d processing %d's path: %v", epoch, l, committer, err)
				}
				if !bytes.Equal(res.CommitSecret, created.CommitSecret) {
					t.Fatalf("epoch %d: member %d commit secret differs", epoch, l)
				}
				if ps, ok := created.PathSecretFor(l); !ok || !bytes.Equal(ps, res.PathSecret) {
					t.Fatalf("epoch %d: member %d path secret differs", epoch, l)
				}
				st = res.State
			} else {
				st = st.Prune(red)
			}
			if got := red.TreeHash(); !bytes.Equal(got, provisional.TreeHash) {
				t.Fatalf("epoch %d: member %d tree hash differs", epoch, l)
			}
			if err := st.Check(newTree); err != nil {
				t.Fatalf("epoch %d: member %d state: %v", epoch, l, err)
			}
			nextMembers[l] = &member{state: st, signer: m.signer}
		}
		if created != nil {
			if err := created.State.Check(newTree); err != nil {
				t.Fatalf("epoch %d: committer state: %v", epoch, err)
			}
			signer := extSigner
			if signer == nil {
				signer = members[committer].signer
			}
			nextMembers[committer] = &member{state: created.State, signer: signer}
		} else {
			nextMembers[committer] = &member{state: members[committer].state.Prune(newTree), signer: members[committer].signer}
		}
		for i, j := range joiners {
			l := added[i]
			var ps []byte
			if created != nil {
				var ok bool
				if ps, ok = created.PathSecretFor(l); !ok {
					t.Fatalf("epoch %d: no path secret for new member %d", epoch, l)
				}
			}
			st, err := treekem.JoinState(newTree, l, j.hk, committer, ps)
			if err != nil {
				t.Fatalf("epoch %d: joiner %d: %v", epoch, l, err)
			}
			nextMembers[l] = &member{state: st, signer: j.sk}
			// A new member cannot process the path it was excluded from.
			if path != nil {
				red := tree.Edit()
				props.apply(t, red)
				if _, err := treekem.ApplyUpdatePath(red, treekem.NewPrivateState(s, l, j.hk), committer, path, &treekem.ApplyParams{GroupContext: &provisional, Exclude: added}); !errors.Is(err, treekem.ErrNoDecryptionKey) {
					t.Fatalf("epoch %d: excluded joiner %d: error %v", epoch, l, err)
				}
			}
		}
		if external {
			nExternal++
		}
		if created != nil {
			nPath++
		}
		nAdds += len(props.adds)
		nRemoves += len(props.removes)
		nUpdates += len(props.updates)
		maxMembers = max(maxMembers, len(nextMembers))
		members, tree, gc = nextMembers, newTree, provisional
		if tree.MemberCount() != len(members) {
			t.Fatalf("epoch %d: %d members in the tree, %d simulated", epoch, tree.MemberCount(), len(members))
		}
	}
}

func sortLeaves(s []tm.LeafIndex) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func containsLeaf(s []tm.LeafIndex, l tm.LeafIndex) bool {
	for _, x := range s {
		if x == l {
			return true
		}
	}
	return false
}

func TestSingleMemberCommit(t *testing.T) {
	s := lookup(t, ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	g, err := treetest.Full(s, 1)
	if err != nil {
		t.Fatal(err)
	}
	ed := g.Tree.Edit()
	res, err := treekem.CreateUpdatePath(ed, g.Members[0].State, &treekem.CreateParams{GroupContext: &g.Context, Signer: g.Members[0].Signer})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Path.Nodes) != 0 || len(res.Path.LeafNode.ParentHash) != 0 || len(res.CommitSecret) != s.Nh() {
		t.Errorf("one-member path: %d nodes, parent hash %x, commit secret %d bytes", len(res.Path.Nodes), res.Path.LeafNode.ParentHash, len(res.CommitSecret))
	}
	if err := ed.Tree().Validate(ratchettree.ValidateOptions{GroupID: g.Context.GroupID}); err != nil {
		t.Error(err)
	}
}

// TestApplyUpdatePathErrors checks that tampered or misaddressed UpdatePaths are rejected.
func TestApplyUpdatePathErrors(t *testing.T) {
	s := lookup(t, ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	g, err := treetest.Full(s, 8)
	if err != nil {
		t.Fatal(err)
	}
	const sender, receiver = 2, 6 // the receiver decrypts at the root (node 7), copath child 11
	gc := g.Context
	gc.Epoch++
	created, err := treekem.CreateUpdatePath(g.Tree.Edit(), g.Members[sender].State, &treekem.CreateParams{GroupContext: &gc, Signer: g.Members[sender].Signer})
	if err != nil {
		t.Fatal(err)
	}
	clone := func() *wire.UpdatePath {
		b, err := codec.Marshal(created.Path)
		if err != nil {
			t.Fatal(err)
		}
		var p wire.UpdatePath
		if err := codec.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		return &p
	}
	top := len(created.Path.Nodes) - 1
	for _, tc := range []struct {
		name     string
		receiver tm.LeafIndex
		mutate   func(p *wire.UpdatePath, gc *wire.GroupContext)
		want     error
	}{
		{"ok", receiver, func(*wire.UpdatePath, *wire.GroupContext) {}, nil},
		{"self", sender, func(*wire.UpdatePath, *wire.GroupContext) {}, treekem.ErrSenderIsSelf},
		{"leaf-signature", receiver, func(p *wire.UpdatePath, _ *wire.GroupContext) { p.LeafNode.Signature[0] ^= 1 }, ratchettree.ErrLeafSignature},
		{"wrong-group", receiver, func(_ *wire.UpdatePath, gc *wire.GroupContext) { gc.GroupID = []byte("other") }, ratchettree.ErrLeafSignature},
		{"node-key", receiver, func(p *wire.UpdatePath, _ *wire.GroupContext) { p.Nodes[0].EncryptionKey[5] ^= 1 }, ratchettree.ErrParentHash},
		{"too-few-nodes", receiver, func(p *wire.UpdatePath, _ *wire.GroupContext) { p.Nodes = p.Nodes[1:] }, ratchettree.ErrPathLength},
		{"ciphertext-count", receiver, func(p *wire.UpdatePath, _ *wire.GroupContext) {
			p.Nodes[top].EncryptedPathSecret = append(p.Nodes[top].EncryptedPathSecret, p.Nodes[top].EncryptedPathSecret[0])
		}, treekem.ErrCiphertextCount},
		{"ciphertext", receiver, func(p *wire.UpdatePath, _ *wire.GroupContext) {
			p.Nodes[top].EncryptedPathSecret[0].Ciphertext[0] ^= 1
		}, ciphersuite.ErrDecrypt},
		{"context-epoch", receiver, func(_ *wire.UpdatePath, gc *wire.GroupContext) { gc.Epoch++ }, ciphersuite.ErrDecrypt},
		{"wrong-path-secret", receiver, func(p *wire.UpdatePath, gc *wire.GroupContext) {
			// A committer that encrypts a secret which does not derive the advertised keys.
			pub := g.Tree.EncryptionKey(11)
			kem, ct, err := s.EncryptWithLabel(pub, treekem.LabelUpdatePathNode, created.GroupContext, make([]byte, s.Nh()))
			if err != nil {
				t.Fatal(err)
			}
			p.Nodes[top].EncryptedPathSecret[0] = wire.HPKECiphertext{KEMOutput: kem, Ciphertext: ct}
		}, treekem.ErrKeyMismatch},
		{"short-path-secret", receiver, func(p *wire.UpdatePath, gc *wire.GroupContext) {
			kem, ct, err := s.EncryptWithLabel(g.Tree.EncryptionKey(11), treekem.LabelUpdatePathNode, created.GroupContext, []byte("short"))
			if err != nil {
				t.Fatal(err)
			}
			p.Nodes[top].EncryptedPathSecret[0] = wire.HPKECiphertext{KEMOutput: kem, Ciphertext: ct}
		}, treekem.ErrPathSecretSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, c := clone(), gc
			tc.mutate(p, &c)
			base := g.Tree.TreeHash()
			res, err := treekem.ApplyUpdatePath(g.Tree.Edit(), g.Members[tc.receiver].State, sender, p, &treekem.ApplyParams{GroupContext: &c})
			if tc.want == nil {
				if err != nil || !bytes.Equal(res.CommitSecret, created.CommitSecret) {
					t.Fatalf("ApplyUpdatePath = %v", err)
				}
			} else if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			if !bytes.Equal(g.Tree.TreeHash(), base) {
				t.Fatal("the shared snapshot changed")
			}
		})
	}
}

func TestPrivateStateErrors(t *testing.T) {
	s := lookup(t, ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	g, err := treetest.Full(s, 4)
	if err != nil {
		t.Fatal(err)
	}
	st := g.Members[0].State
	if _, err := st.WithPathSecret(g.Tree, 5, make([]byte, s.Nh())); !errors.Is(err, treekem.ErrNotOnPath) {
		t.Errorf("WithPathSecret off path: %v", err)
	}
	if _, err := st.WithPathSecret(g.Tree, 1, make([]byte, s.Nh())); !errors.Is(err, treekem.ErrKeyMismatch) {
		t.Errorf("WithPathSecret wrong secret: %v", err)
	}
	if k, ok := st.NodeKey(3); !ok || k == nil {
		t.Errorf("member 0 lacks the root key")
	}
	// After an Update by member 1 blanks nodes 1 and 3, member 0's keys for them are pruned.
	ed := g.Tree.Edit()
	ln := *g.Tree.Leaf(1)
	ln.EncryptionKey = []byte("new key")
	if err := ed.UpdateLeaf(1, &ln); err != nil {
		t.Fatal(err)
	}
	if err := st.Check(ed); !errors.Is(err, treekem.ErrKeyMismatch) {
		t.Errorf("Check after Update: %v", err)
	}
	pruned := st.Prune(ed)
	if len(pruned.NodeKeys()) != 0 || pruned.Check(ed) != nil {
		t.Errorf("Prune kept %v", pruned.NodeKeys())
	}
	if len(st.NodeKeys()) != 2 {
		t.Errorf("Prune changed the original state")
	}
}
