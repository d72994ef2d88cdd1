package treetest

import (
	"crypto/rand"
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treekem"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// Member is a simulated member's secrets.
type Member struct {
	Leaf   tm.LeafIndex
	Signer *ciphersuite.SignaturePrivateKey
	State  *treekem.PrivateState
}

// Group is a tree with the secrets of all its members.
type Group struct {
	Suite   *ciphersuite.Suite
	Context wire.GroupContext // GroupID, epoch and confirmed transcript hash for TreeKEM contexts
	Tree    *ratchettree.Tree
	Members []*Member // by leaf index; nil for blank leaves
}

// Capabilities returns the capabilities every test leaf advertises.
func Capabilities(s *ciphersuite.Suite) wire.Capabilities {
	return wire.Capabilities{
		Versions:     []wire.ProtocolVersion{wire.MLS10},
		CipherSuites: []ciphersuite.ID{s.ID()},
		Extensions:   []wire.ExtensionType{},
		Proposals:    []wire.ProposalType{},
		Credentials:  []wire.CredentialType{wire.CredentialBasic},
	}
}

// NewLeafNode returns a signed key_package LeafNode for a basic credential with the given identity,
// with its HPKE and signature private keys.
func NewLeafNode(s *ciphersuite.Suite, identity []byte) (*wire.LeafNode, *ciphersuite.HPKEPrivateKey, *ciphersuite.SignaturePrivateKey, error) {
	hk, err := s.GenerateHPKEKey()
	if err != nil {
		return nil, nil, nil, err
	}
	sk, err := s.GenerateSignatureKey()
	if err != nil {
		return nil, nil, nil, err
	}
	ln := &wire.LeafNode{
		EncryptionKey: hk.PublicKey(),
		SignatureKey:  sk.PublicKey(),
		Credential:    wire.Credential{Type: wire.CredentialBasic, Identity: identity},
		Capabilities:  Capabilities(s),
		Source:        wire.SourceKeyPackage,
		Lifetime:      wire.Lifetime{NotBefore: 0, NotAfter: 1 << 62},
		Extensions:    wire.Extensions{},
	}
	if err := ratchettree.SignLeafNode(s, sk, ln, nil, 0); err != nil {
		return nil, nil, nil, err
	}
	return ln, hk, sk, nil
}

// NewContext returns a GroupContext with a random group ID and confirmed transcript hash.
func NewContext(s *ciphersuite.Suite) wire.GroupContext {
	gid := make([]byte, 16)
	cth := make([]byte, s.Nh())
	rand.Read(gid)
	rand.Read(cth)
	return wire.GroupContext{
		Version:                 wire.MLS10,
		CipherSuite:             s.ID(),
		GroupID:                 gid,
		Epoch:                   1,
		ConfirmedTranscriptHash: cth,
		Extensions:              wire.Extensions{},
	}
}

// Full builds a group of n members at leaves 0..n-1 in which every parent node above two members
// is non-blank, parent-hash valid and free of unmerged leaves, as if the members had joined and then
// the even leaves 0, 2, 4, ... had committed with an UpdatePath in turn. Commits are simulated by
// their public effect (Editor.ApplyPath with fresh keys and a re-signed commit LeafNode) rather than
// by encrypting path secrets, and every member gets the private keys of its direct path: the state
// it would have after processing those commits.
func Full(s *ciphersuite.Suite, n int) (*Group, error) {
	if n < 1 {
		return nil, fmt.Errorf("treetest: %d members", n)
	}
	g := &Group{Suite: s, Context: NewContext(s), Members: make([]*Member, n)}
	leafKeys := make([]*ciphersuite.HPKEPrivateKey, n)
	var ed *ratchettree.Editor
	for i := range n {
		ln, hk, sk, err := NewLeafNode(s, fmt.Appendf(nil, "member-%d", i))
		if err != nil {
			return nil, err
		}
		g.Members[i] = &Member{Leaf: tm.LeafIndex(i), Signer: sk}
		leafKeys[i] = hk
		if i == 0 {
			t, err := ratchettree.New(s, ln)
			if err != nil {
				return nil, err
			}
			ed = t.Edit()
			continue
		}
		if l, err := ed.AddLeaf(ln); err != nil || l != tm.LeafIndex(i) {
			return nil, fmt.Errorf("treetest: adding member %d: leaf %d, %v", i, l, err)
		}
	}
	nodeKeys := map[tm.NodeIndex]*ciphersuite.HPKEPrivateKey{}
	for c := 0; c < n; c += 2 {
		l := tm.LeafIndex(c)
		fdp, _, err := ed.FilteredDirectPath(l)
		if err != nil {
			return nil, err
		}
		pubs := make([][]byte, len(fdp))
		for i, x := range fdp {
			k, err := s.GenerateHPKEKey()
			if err != nil {
				return nil, err
			}
			nodeKeys[x] = k
			pubs[i] = k.PublicKey()
		}
		ph, err := ed.ApplyPath(l, pubs)
		if err != nil {
			return nil, err
		}
		lk, err := s.GenerateHPKEKey()
		if err != nil {
			return nil, err
		}
		leaf := *ed.Leaf(l)
		leaf.EncryptionKey = lk.PublicKey()
		leaf.Source = wire.SourceCommit
		leaf.Lifetime = wire.Lifetime{}
		leaf.ParentHash = ph
		if err := ratchettree.SignLeafNode(s, g.Members[c].Signer, &leaf, g.Context.GroupID, l); err != nil {
			return nil, err
		}
		if err := ed.SetLeaf(l, &leaf); err != nil {
			return nil, err
		}
		leafKeys[c] = lk
	}
	g.Tree = ed.Tree()
	g.Context.TreeHash = g.Tree.TreeHash()
	for i, m := range g.Members {
		st := treekem.NewPrivateState(s, m.Leaf, leafKeys[i])
		dp, _ := tm.DirectPath(m.Leaf.Node(), g.Tree.LeafCount())
		for _, x := range dp {
			if k := nodeKeys[x]; k != nil && !g.Tree.Blank(x) {
				var err error
				if st, err = st.WithNodeKey(g.Tree, x, k); err != nil {
					return nil, fmt.Errorf("treetest: member %d node %d: %w", i, x, err)
				}
			}
		}
		m.State = st
	}
	return g, nil
}
