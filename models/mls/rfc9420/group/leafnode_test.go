package group

import (
	"errors"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

func TestLeafNodeInTree(t *testing.T) {
	s := suite1(t)
	now := time.Unix(1_800_000_000, 0)
	a, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("a"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("b"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := ratchettree.New(s, &a.KeyPackage.LeafNode)
	if err != nil {
		t.Fatal(err)
	}
	ed := tree.Edit()
	if _, err := ed.AddLeaf(&b.KeyPackage.LeafNode); err != nil {
		t.Fatal(err)
	}
	tree = ed.Tree()
	gc := &wire.GroupContext{Version: wire.MLS10, CipherSuite: s.ID(), GroupID: []byte("group"), Epoch: 1, Extensions: wire.Extensions{}}
	p := LeafParams{Suite: s, Context: gc, Tree: &tree.View, Now: now}

	// A fresh KeyPackage is acceptable; one reusing a member's keys is not.
	c, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("c"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateKeyPackage(c.KeyPackage, p); err != nil {
		t.Fatal(err)
	}
	if err := ValidateKeyPackage(b.KeyPackage, p); !errors.Is(err, ErrInvalidLeafNode) {
		t.Fatalf("duplicate keys: %v", err)
	}
	sameSigner, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("b2"), Now: now, Signer: b.Signer})
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateKeyPackage(sameSigner.KeyPackage, p); !errors.Is(err, ErrInvalidLeafNode) {
		t.Fatalf("duplicate signature key: %v", err)
	}

	// Credential types: an X.509 joiner must be supported by every member and support theirs.
	x509 := &wire.Credential{Type: wire.CredentialX509, Certificates: [][]byte{{1, 2, 3}}}
	both := &wire.Capabilities{Versions: []wire.ProtocolVersion{wire.MLS10}, CipherSuites: []ciphersuite.ID{s.ID()},
		Extensions: []wire.ExtensionType{}, Proposals: []wire.ProposalType{},
		Credentials: []wire.CredentialType{wire.CredentialX509, wire.CredentialBasic}}
	x, err := NewKeyPackage(s, KeyPackageOptions{Credential: x509, Capabilities: both, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateKeyPackage(x.KeyPackage, p); !errors.Is(err, ErrInvalidLeafNode) {
		t.Fatalf("x509 joiner unsupported by members: %v", err)
	}
	if err := ValidateKeyPackage(x.KeyPackage, LeafParams{Suite: s, Now: now}); err != nil {
		t.Fatalf("x509 key package alone: %v", err)
	}

	// Update leaf: signed with group ID and leaf index, new encryption key, same signature key.
	hk, err := s.GenerateHPKEKey()
	if err != nil {
		t.Fatal(err)
	}
	up := b.KeyPackage.LeafNode
	up.EncryptionKey = hk.PublicKey()
	up.Source = wire.SourceUpdate
	up.Lifetime = wire.Lifetime{}
	if err := ratchettree.SignLeafNode(s, b.Signer, &up, gc.GroupID, 1); err != nil {
		t.Fatal(err)
	}
	pu := p
	pu.Replaces, pu.HasReplaces = 1, true
	if err := ValidateLeafNode(&up, wire.SourceUpdate, pu); err != nil {
		t.Fatalf("update: %v", err)
	}
	// Wrong leaf index in the signature context, wrong source, reused encryption key.
	pu.Replaces = 0
	if err := ValidateLeafNode(&up, wire.SourceUpdate, pu); !errors.Is(err, ErrInvalidLeafNode) {
		t.Fatalf("update for another leaf: %v", err)
	}
	pu.Replaces = 1
	if err := ValidateLeafNode(&up, wire.SourceCommit, pu); !errors.Is(err, ErrInvalidLeafNode) {
		t.Fatalf("update as commit: %v", err)
	}
	stale := up
	stale.EncryptionKey = b.KeyPackage.LeafNode.EncryptionKey
	if err := ratchettree.SignLeafNode(s, b.Signer, &stale, gc.GroupID, 1); err != nil {
		t.Fatal(err)
	}
	if err := ValidateLeafNode(&stale, wire.SourceUpdate, pu); !errors.Is(err, ErrInvalidLeafNode) {
		t.Fatalf("update reusing key: %v", err)
	}
	if err := ValidateLeafNode(&up, wire.SourceUpdate, LeafParams{Suite: s}); !errors.Is(err, ErrInvalidLeafNode) {
		t.Fatalf("update without context: %v", err)
	}

	// The tree-wide LeafCheck accepts the tree as built.
	check := TreeLeafCheck(s, gc, &tree.View, now, nil)
	if err := tree.Validate(ratchettree.ValidateOptions{GroupID: gc.GroupID, LeafCheck: check}); err != nil {
		t.Fatal(err)
	}
}

func TestTreeLeafCheckCredentialTypes(t *testing.T) {
	s := suite1(t)
	now := time.Unix(1_800_000_000, 0)
	a, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("a"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	both := &wire.Capabilities{Versions: []wire.ProtocolVersion{wire.MLS10}, CipherSuites: []ciphersuite.ID{s.ID()},
		Extensions: []wire.ExtensionType{}, Proposals: []wire.ProposalType{},
		Credentials: []wire.CredentialType{wire.CredentialX509, wire.CredentialBasic}}
	x, err := NewKeyPackage(s, KeyPackageOptions{Credential: &wire.Credential{Type: wire.CredentialX509, Certificates: [][]byte{{1}}}, Capabilities: both, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := ratchettree.New(s, &a.KeyPackage.LeafNode)
	if err != nil {
		t.Fatal(err)
	}
	ed := tree.Edit()
	if _, err := ed.AddLeaf(&x.KeyPackage.LeafNode); err != nil {
		t.Fatal(err)
	}
	tree = ed.Tree()
	gc := &wire.GroupContext{Version: wire.MLS10, CipherSuite: s.ID(), GroupID: []byte("g"), Extensions: wire.Extensions{}}
	err = tree.Validate(ratchettree.ValidateOptions{GroupID: gc.GroupID, LeafCheck: TreeLeafCheck(s, gc, &tree.View, now, nil)})
	if !errors.Is(err, ErrInvalidLeafNode) {
		t.Fatalf("basic-only leaf beside an X.509 leaf: %v", err)
	}
}
