package group_test

import (
	"bytes"
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/group"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// ExampleJoinExternal: a member publishes a GroupInfo, a new client joins by external commit, and
// the member processes that commit.
func ExampleJoinExternal() {
	s, _ := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	alice, _ := group.NewKeyPackage(s, group.KeyPackageOptions{Identity: []byte("alice")})
	a, _ := group.Create(alice, []byte("room"), nil, group.Config{})

	gi, _ := a.GroupInfo(true) // with external_pub and the ratchet tree
	bob, _ := group.NewKeyPackage(s, group.KeyPackageOptions{Identity: []byte("bob")})
	b, commit, err := group.JoinExternal(gi, bob, group.Config{}, group.ExternalJoinOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := a.Process(commit)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("joiner at leaf", r.Sender, "epoch", a.Epoch(), "agree:", bytes.Equal(a.EpochAuthenticator(), b.EpochAuthenticator()))
	// Output: joiner at leaf 1 epoch 1 agree: true
}

// ExampleExternalProposal: a hub listed in external_senders proposes a Remove, which a member
// commits by reference.
func ExampleExternalProposal() {
	s, _ := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	hub, _ := s.GenerateSignatureKey()
	senders, _ := codec.Marshal(wire.ExternalSenders{{SignatureKey: hub.PublicKey(),
		Credential: wire.Credential{Type: wire.CredentialBasic, Identity: []byte("hub")}}})
	alice, _ := group.NewKeyPackage(s, group.KeyPackageOptions{Identity: []byte("alice")})
	a, _ := group.Create(alice, []byte("room"), wire.Extensions{{Type: wire.ExtExternalSenders, Data: senders}}, group.Config{})
	bob, _ := group.NewKeyPackage(s, group.KeyPackageOptions{Identity: []byte("bob")})
	pc, _ := a.Commit(group.CommitOptions{Add: []*wire.KeyPackage{bob.KeyPackage}})
	_ = a.Adopt(pc)

	p, _ := group.ExternalProposal(s, hub, 0, a.GroupID(), a.Epoch(), &wire.Proposal{Type: wire.ProposalRemove, Removed: 1})
	if _, err := a.Process(p); err != nil {
		fmt.Println(err)
		return
	}
	pc, _ = a.Commit(group.CommitOptions{})
	_ = a.Adopt(pc)
	fmt.Println("members:", a.Tree().MemberCount(), "epoch", a.Epoch())
	// Output: members: 1 epoch 2
}

// ExampleGroup_Reinitialize moves a two-member group from suite 1 to suite 3 (§11.2): a ReInit
// commit ends the old group, one member creates the successor and the other joins it.
func ExampleGroup_Reinitialize() {
	s1, _ := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	s3, _ := ciphersuite.Lookup(ciphersuite.ID(3))
	alice, _ := group.NewKeyPackage(s1, group.KeyPackageOptions{Identity: []byte("alice")})
	bob, _ := group.NewKeyPackage(s1, group.KeyPackageOptions{Identity: []byte("bob")})
	a, _ := group.Create(alice, []byte("room"), nil, group.Config{})
	pc, _ := a.Commit(group.CommitOptions{Add: []*wire.KeyPackage{bob.KeyPackage}})
	_ = a.Adopt(pc)
	b, _ := group.Join(pc.Welcome, bob, group.Config{})

	pc, _ = a.CommitReInit(wire.ReInit{GroupID: []byte("room v2"), Version: wire.MLS10, CipherSuite: s3.ID()})
	_ = a.Adopt(pc)
	if _, err := b.Process(pc.Commit); err != nil {
		fmt.Println(err)
		return
	}
	alice3, _ := group.NewKeyPackage(s3, group.KeyPackageOptions{Identity: []byte("alice")})
	bob3, _ := group.NewKeyPackage(s3, group.KeyPackageOptions{Identity: []byte("bob")})
	a3, npc, err := a.Reinitialize(alice3, []*wire.KeyPackage{bob3.KeyPackage}, group.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = a3.Adopt(npc)
	b3, err := b.JoinReInit(npc.Welcome, bob3, group.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b3.GroupID()), b3.Suite().ID() == s3.ID(), b3.Epoch(), bytes.Equal(a3.EpochAuthenticator(), b3.EpochAuthenticator()))
	// Output: room v2 true 1 true
}
