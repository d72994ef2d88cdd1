package group

import (
	"errors"
	"strings"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// broadcast delivers a message to every member except skip and fails on any error.
func (x *sim) broadcast(skip string, msg []byte) {
	x.t.Helper()
	for name, g := range x.members {
		if name == skip {
			continue
		}
		if _, err := g.Process(msg); err != nil {
			x.t.Fatalf("%s processing: %v", name, err)
		}
	}
}

// externalJoin lets name join by external commit from a GroupInfo published by publisher.
// The joiner's identity is name up to any "/".
func (x *sim) externalJoin(publisher, name string, withTree bool, opts ExternalJoinOptions) *KeyPackageBundle {
	x.t.Helper()
	identity, _, _ := strings.Cut(name, "/")
	kb, err := NewKeyPackage(x.s, KeyPackageOptions{Identity: []byte(identity)})
	if err != nil {
		x.t.Fatal(err)
	}
	pub := x.members[publisher]
	gi, err := pub.GroupInfo(withTree)
	if err != nil {
		x.t.Fatal(err)
	}
	b, err := EncodeGroupInfo(gi)
	if err != nil {
		x.t.Fatal(err)
	}
	if gi, err = DecodeGroupInfo(b); err != nil {
		x.t.Fatal(err)
	}
	if !withTree {
		if opts.Tree, err = pub.Tree().Encode(); err != nil {
			x.t.Fatal(err)
		}
	}
	g, commit, err := JoinExternal(gi, kb, x.cfg, opts)
	if err != nil {
		x.t.Fatalf("%s joining externally: %v", name, err)
	}
	for other, m := range x.members {
		r, err := m.Process(commit)
		if errors.Is(err, ErrRemoved) && r != nil && r.Removed {
			delete(x.members, other)
			continue
		}
		if err != nil {
			x.t.Fatalf("%s processing the external commit of %s: %v", other, name, err)
		}
		if r.SenderType != framing.SenderNewMemberCommit || r.Sender != g.Leaf() {
			x.t.Fatalf("%s: external commit reported from %d/%d, joiner is at leaf %d", other, r.SenderType, r.Sender, g.Leaf())
		}
	}
	x.members[name] = g
	x.check()
	return kb
}

func TestExternalJoin(t *testing.T) {
	for _, private := range []bool{false, true} {
		x := newSim(t, suite1(t), Config{PrivateHandshake: private})
		x.add("m0", "m1", "m2", "m3", "m4")
		x.externalJoin("m2", "j", true, ExternalJoinOptions{})
		// The joiner is a full member: it commits, and is removed and re-joins by resync.
		pc, err := x.members["j"].Commit(CommitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		x.deliver("j", pc)
		x.check()
		x.externalJoin("m4", "k", false, ExternalJoinOptions{AuthenticatedData: []byte("hi")})
		old := x.members["k"]
		leaf := old.Leaf()
		// "k" lost its state and re-joins, removing its earlier appearance (resync).
		x.externalJoin("m0", "k/2", true, ExternalJoinOptions{Resync: &leaf})
		if !old.Removed() {
			t.Fatal("the resynced appearance was not removed")
		}
		if x.members["k/2"].Tree().MemberCount() != 7 {
			t.Fatalf("%d members after resync, want 7", x.members["k/2"].Tree().MemberCount())
		}
	}
}

func TestExternalJoinResyncNeedsSameIdentity(t *testing.T) {
	x := newSim(t, suite1(t), Config{})
	x.add("m0", "m1", "m2")
	gi, err := x.members["m0"].GroupInfo(true)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := NewKeyPackage(x.s, KeyPackageOptions{Identity: []byte("intruder")})
	if err != nil {
		t.Fatal(err)
	}
	victim := x.leafOf("m1")
	if _, _, err := JoinExternal(gi, kb, x.cfg, ExternalJoinOptions{Resync: &victim}); !errors.Is(err, ErrInvalidGroupInfo) {
		t.Fatalf("resync of another identity: %v", err)
	}
}

// resign replaces the commit of an external-commit PublicMessage, re-signs it with the joiner's
// key (so that only the protocol rules can reject it) and re-encodes it.
func resign(t *testing.T, x *sim, kb *KeyPackageBundle, msg []byte, gc wire.GroupContext, mutate func(c *wire.Commit)) []byte {
	t.Helper()
	m, err := framing.Decode(msg)
	if err != nil {
		t.Fatal(err)
	}
	pm := m.PublicMessage
	mutate(pm.Content.Commit)
	ac, err := framing.Sign(x.s, kb.Signer, framing.WireFormatPublicMessage, &pm.Content, &gc, pm.Auth.ConfirmationTag)
	if err != nil {
		t.Fatal(err)
	}
	pm2, err := framing.FramePublic(x.s, ac, &gc, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := (&framing.MLSMessage{Version: wire.MLS10, WireFormat: framing.WireFormatPublicMessage, PublicMessage: pm2}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExternalCommitInvalid(t *testing.T) {
	x := newSim(t, suite1(t), Config{})
	x.add("m0", "m1", "m2", "m3", "m4")
	m1 := x.members["m1"]
	gi, err := m1.GroupInfo(true)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := NewKeyPackage(x.s, KeyPackageOptions{Identity: []byte("j")})
	if err != nil {
		t.Fatal(err)
	}
	_, commit, err := JoinExternal(gi, kb, x.cfg, ExternalJoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A second, independent ExternalInit (valid on its own) for the "two ExternalInits" case.
	kb2, err := NewKeyPackage(x.s, KeyPackageOptions{Identity: []byte("j2")})
	if err != nil {
		t.Fatal(err)
	}
	_, commit2, err := JoinExternal(gi, kb2, x.cfg, ExternalJoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m2, err := framing.Decode(commit2)
	if err != nil {
		t.Fatal(err)
	}
	otherInit := m2.PublicMessage.Content.Commit.Proposals[0]
	add, err := NewKeyPackage(x.s, KeyPackageOptions{Identity: []byte("a")})
	if err != nil {
		t.Fatal(err)
	}
	gc := m1.Context()
	cases := map[string]struct {
		mutate func(c *wire.Commit)
		want   error
	}{
		"missing path": {func(c *wire.Commit) { c.Path = nil }, ErrInvalidCommit},
		"no ExternalInit": {func(c *wire.Commit) {
			c.Proposals = c.Proposals[1:]
		}, ErrInvalidCommit},
		"two ExternalInits": {func(c *wire.Commit) { c.Proposals = append(c.Proposals, otherInit) }, ErrInvalidCommit},
		"with an Add": {func(c *wire.Commit) {
			c.Proposals = append(c.Proposals, wire.ProposalOrRef{Type: wire.ProposalOrRefProposal, Proposal: &wire.Proposal{Type: wire.ProposalAdd, KeyPackage: add.KeyPackage}})
		}, ErrInvalidCommit},
		"two Removes": {func(c *wire.Commit) {
			for _, l := range []uint32{1, 2} {
				c.Proposals = append(c.Proposals, wire.ProposalOrRef{Type: wire.ProposalOrRefProposal, Proposal: &wire.Proposal{Type: wire.ProposalRemove, Removed: l}})
			}
		}, ErrInvalidCommit},
		"Remove of another identity": {func(c *wire.Commit) {
			c.Proposals = append(c.Proposals, wire.ProposalOrRef{Type: wire.ProposalOrRefProposal, Proposal: &wire.Proposal{Type: wire.ProposalRemove, Removed: 2}})
		}, ErrInvalidCommit},
		"proposal by reference": {func(c *wire.Commit) {
			c.Proposals = append(c.Proposals, wire.ProposalOrRef{Type: wire.ProposalOrRefReference, Reference: make([]byte, 32)})
		}, ErrInvalidCommit},
		"other kem output": {func(c *wire.Commit) { c.Proposals[0] = otherInit }, ErrConfirmation},
	}
	for name, tc := range cases {
		bad := resign(t, x, kb, commit, gc, tc.mutate)
		for _, n := range []string{"m0", "m3"} {
			g := x.members[n]
			if _, err := g.Process(bad); !errors.Is(err, tc.want) {
				t.Errorf("%s: %s got %v, want %v", name, n, err, tc.want)
			}
			if g.Epoch() != gc.Epoch || g.Removed() {
				t.Fatalf("%s: a rejected commit changed %s", name, n)
			}
		}
	}
	// A tampered signature (not re-signed) is rejected before any of the above.
	m, err := framing.Decode(commit)
	if err != nil {
		t.Fatal(err)
	}
	m.PublicMessage.Content.AuthenticatedData = []byte("tampered")
	tampered, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m1.Process(tampered); err == nil {
		t.Error("tampered external commit accepted")
	}
	// The untouched commit is still accepted by everyone.
	x.broadcast("", commit)

	// GroupInfos a joiner must refuse.
	noPub := *gi
	noPub.Extensions = wire.Extensions{gi.Extensions[1]}
	if _, _, err := JoinExternal(&noPub, kb, x.cfg, ExternalJoinOptions{}); !errors.Is(err, ErrInvalidGroupInfo) {
		t.Errorf("GroupInfo without external_pub: %v", err)
	}
	badSig := *gi
	badSig.Signature = append([]byte(nil), gi.Signature...)
	badSig.Signature[0] ^= 1
	if _, _, err := JoinExternal(&badSig, kb, x.cfg, ExternalJoinOptions{}); !errors.Is(err, ErrInvalidGroupInfo) {
		t.Errorf("GroupInfo with a bad signature: %v", err)
	}
	noTree := *gi
	noTree.Extensions = wire.Extensions{gi.Extensions[0]}
	if _, _, err := JoinExternal(&noTree, kb, x.cfg, ExternalJoinOptions{}); !errors.Is(err, ErrInvalidGroupInfo) {
		t.Errorf("GroupInfo without a tree: %v", err)
	}
}

// hub is an external sender (a MIMI hub) listed in the group's external_senders extension.
func newHubSim(t testing.TB) (*sim, *KeyPackageBundle) {
	t.Helper()
	s := suite1(t)
	hub, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("hub")})
	if err != nil {
		t.Fatal(err)
	}
	data, err := codec.Marshal(wire.ExternalSenders{
		{SignatureKey: []byte("unused key"), Credential: wire.Credential{Type: wire.CredentialBasic, Identity: []byte("other")}},
		{SignatureKey: hub.KeyPackage.LeafNode.SignatureKey, Credential: hub.KeyPackage.LeafNode.Credential},
	})
	if err != nil {
		t.Fatal(err)
	}
	kb, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("m0")})
	if err != nil {
		t.Fatal(err)
	}
	g, err := Create(kb, []byte("hub group"), wire.Extensions{{Type: wire.ExtExternalSenders, Data: data}}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return &sim{t: t, s: s, members: map[string]*Group{"m0": g}}, hub
}

func TestExternalSenders(t *testing.T) {
	x, hub := newHubSim(t)
	x.add("m0", "m1", "m2", "m3", "m4")
	gc := x.members["m0"].Context()
	// The hub removes m3 and adds m5; m1 commits both by reference.
	rm, err := ExternalProposal(x.s, hub.Signer, 1, gc.GroupID, gc.Epoch, &wire.Proposal{Type: wire.ProposalRemove, Removed: uint32(x.leafOf("m3"))})
	if err != nil {
		t.Fatal(err)
	}
	kb5, err := NewKeyPackage(x.s, KeyPackageOptions{Identity: []byte("m5")})
	if err != nil {
		t.Fatal(err)
	}
	add, err := ExternalProposal(x.s, hub.Signer, 1, gc.GroupID, gc.Epoch, &wire.Proposal{Type: wire.ProposalAdd, KeyPackage: kb5.KeyPackage})
	if err != nil {
		t.Fatal(err)
	}
	for name, g := range x.members {
		for _, p := range [][]byte{rm, add} {
			r, err := g.Process(p)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if r.SenderType != framing.SenderExternal || r.Sender != 1 {
				t.Fatalf("%s: proposal reported from %d/%d", name, r.SenderType, r.Sender)
			}
		}
	}
	pc, err := x.members["m1"].Commit(CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	removed := x.members["m3"]
	x.deliver("m1", pc)
	if !removed.Removed() {
		t.Fatal("m3 was not removed")
	}
	g5, err := Join(pc.Welcome, kb5, Config{})
	if err != nil {
		t.Fatal(err)
	}
	x.members["m5"] = g5
	x.check()

	// A new member asks to join itself (new_member_proposal); m4 commits it.
	gc = x.members["m0"].Context()
	kb6, err := NewKeyPackage(x.s, KeyPackageOptions{Identity: []byte("m6")})
	if err != nil {
		t.Fatal(err)
	}
	self, err := NewMemberProposal(kb6, gc.GroupID, gc.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	x.broadcast("", self)
	pc, err = x.members["m4"].Commit(CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x.deliver("m4", pc)
	g6, err := Join(pc.Welcome, kb6, Config{})
	if err != nil {
		t.Fatal(err)
	}
	x.members["m6"] = g6
	x.check()

	// Rejected: wrong sender index (key mismatch), index out of range, a wrong epoch, and a
	// sender type/proposal combination §12.1.8.1 forbids.
	gc = x.members["m0"].Context()
	p := &wire.Proposal{Type: wire.ProposalRemove, Removed: uint32(x.leafOf("m1"))}
	for name, idx := range map[string]uint32{"other sender's key": 0, "index out of range": 2} {
		b, err := ExternalProposal(x.s, hub.Signer, idx, gc.GroupID, gc.Epoch, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.members["m0"].Process(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	stale, err := ExternalProposal(x.s, hub.Signer, 1, gc.GroupID, gc.Epoch-1, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.members["m0"].Process(stale); err == nil {
		t.Error("stale external proposal accepted")
	}
	if _, err := ExternalProposal(x.s, hub.Signer, 1, gc.GroupID, gc.Epoch, &wire.Proposal{Type: wire.ProposalUpdate}); !errors.Is(err, ErrInvalidCommit) {
		t.Errorf("external Update: %v", err)
	}
	if err := allowedProposal(framing.SenderNewMemberProposal, wire.ProposalRemove); err == nil {
		t.Error("new_member_proposal Remove allowed")
	}
	if err := allowedProposal(framing.SenderMember, wire.ProposalExternalInit); err == nil {
		t.Error("standalone ExternalInit allowed")
	}
	// A group without external_senders accepts no external proposal.
	y := newSim(t, suite1(t), Config{})
	y.add("m0", "m1")
	gc = y.members["m0"].Context()
	b, err := ExternalProposal(y.s, hub.Signer, 0, gc.GroupID, gc.Epoch, &wire.Proposal{Type: wire.ProposalRemove, Removed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := y.members["m0"].Process(b); err == nil {
		t.Error("external proposal accepted without external_senders")
	}
}

// TestExternalResyncSameKey: a client that lost its group state re-joins with the same signature
// key (as the engine adapter's clients do), replacing its old leaf.
func TestExternalResyncSameKey(t *testing.T) {
	x := newSim(t, suite1(t), Config{})
	x.add("m0", "m1", "m2")
	old := x.members["m1"]
	kb1, err := NewKeyPackage(x.s, KeyPackageOptions{Identity: []byte("m1"), Signer: old.signer})
	if err != nil {
		t.Fatal(err)
	}
	gi, err := x.members["m0"].GroupInfo(true)
	if err != nil {
		t.Fatal(err)
	}
	leaf := old.Leaf()
	// Without the resync Remove the same signature key would appear twice.
	if _, _, err := JoinExternal(gi, kb1, x.cfg, ExternalJoinOptions{}); !errors.Is(err, ErrInvalidGroupInfo) {
		t.Fatalf("joining beside a leaf with the same signature key: %v", err)
	}
	// A commit built that way anyway (by a joiner without the check) is rejected by the members:
	// build it for a fresh key, then swap the signature key and re-sign LeafNode and content.
	_, commit, err := JoinExternal(gi, mustKP(t, x.s, "m1"), x.cfg, ExternalJoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dup := resign(t, x, kb1, commit, x.members["m0"].Context(), func(c *wire.Commit) {
		ln := &c.Path.LeafNode
		ln.SignatureKey = kb1.KeyPackage.LeafNode.SignatureKey
		if err := ratchettree.SignLeafNode(x.s, kb1.Signer, ln, x.members["m0"].GroupID(), 3); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := x.members["m0"].Process(dup); !errors.Is(err, ErrInvalidLeafNode) {
		t.Fatalf("external commit reusing a member's signature key: %v", err)
	}
	g, commit, err := JoinExternal(gi, kb1, x.cfg, ExternalJoinOptions{Resync: &leaf})
	if err != nil {
		t.Fatal(err)
	}
	delete(x.members, "m1")
	x.broadcast("", commit)
	if r, err := old.Process(commit); !errors.Is(err, ErrRemoved) || !r.Removed {
		t.Fatalf("old appearance: %v", err)
	}
	x.members["m1"] = g
	x.check()
	if g.Leaf() != leaf {
		t.Fatalf("re-joined at leaf %d, want the freed leaf %d", g.Leaf(), leaf)
	}
}

// TestExternalJoinExtendsTree: in a group whose 4 leaf slots are all taken the joiner's leaf
// extends the tree, and a later Welcome joiner sees the same group.
func TestExternalJoinExtendsTree(t *testing.T) {
	x := newSim(t, suite1(t), Config{})
	x.add("m0", "m1", "m2", "m3")
	if n := x.members["m0"].Tree().LeafCount(); n != 4 {
		t.Fatalf("%d leaf slots, want 4", n)
	}
	x.externalJoin("m3", "j", true, ExternalJoinOptions{})
	if l, n := x.members["j"].Leaf(), x.members["j"].Tree().LeafCount(); l != 4 || n != 8 {
		t.Fatalf("joiner at leaf %d of %d", l, n)
	}
	x.add("j", "w")
}

// TestExternalJoinWithPSK: an external commit may carry PreSharedKey proposals; joiner and members
// must all hold the PSK, and a member without it rejects the commit.
func TestExternalJoinWithPSK(t *testing.T) {
	psk := func(id *wire.PreSharedKeyID) ([]byte, bool) {
		if id.Type == wire.PSKExternal && string(id.PSKID) == "shared" {
			return []byte("0123456789abcdef0123456789abcdef"), true
		}
		return nil, false
	}
	x := newSim(t, suite1(t), Config{PSKs: psk})
	x.add("m0", "m1", "m2")
	ids := []wire.PreSharedKeyID{{Type: wire.PSKExternal, PSKID: []byte("shared")}}
	x.externalJoin("m1", "j", true, ExternalJoinOptions{PSKs: ids})

	gi, err := x.members["m0"].GroupInfo(true)
	if err != nil {
		t.Fatal(err)
	}
	_, commit, err := JoinExternal(gi, mustKP(t, x.s, "k"), x.cfg, ExternalJoinOptions{PSKs: ids})
	if err != nil {
		t.Fatal(err)
	}
	x.members["m2"].cfg.PSKs = nil
	if _, err := x.members["m2"].Process(commit); !errors.Is(err, ErrUnknownPSK) {
		t.Fatalf("member without the PSK: %v", err)
	}
	if _, _, err := JoinExternal(gi, mustKP(t, x.s, "l"), Config{}, ExternalJoinOptions{PSKs: ids}); !errors.Is(err, ErrUnknownPSK) {
		t.Fatalf("joiner without the PSK: %v", err)
	}
}

// TestExternalJoinRequiredCapabilities: a joiner whose leaf lacks a required extension is refused
// before it sends anything.
func TestExternalJoinRequiredCapabilities(t *testing.T) {
	s := suite1(t)
	rc, err := codec.Marshal(&RequiredCapabilities{Extensions: []wire.ExtensionType{0xff01}})
	if err != nil {
		t.Fatal(err)
	}
	caps := wire.Capabilities{Versions: []wire.ProtocolVersion{wire.MLS10}, CipherSuites: []ciphersuite.ID{s.ID()},
		Extensions: []wire.ExtensionType{0xff01}, Proposals: []wire.ProposalType{}, Credentials: []wire.CredentialType{wire.CredentialBasic}}
	kb, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("m0"), Capabilities: &caps})
	if err != nil {
		t.Fatal(err)
	}
	g, err := Create(kb, []byte("rc"), wire.Extensions{{Type: wire.ExtRequiredCapabilities, Data: rc}}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	gi, err := g.GroupInfo(true)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := JoinExternal(gi, mustKP(t, s, "plain"), Config{}, ExternalJoinOptions{}); err == nil {
		t.Fatal("joiner without the required extension accepted")
	}
	ok, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("capable"), Capabilities: &caps})
	if err != nil {
		t.Fatal(err)
	}
	if _, commit, err := JoinExternal(gi, ok, Config{}, ExternalJoinOptions{}); err != nil {
		t.Fatal(err)
	} else if _, err := g.Process(commit); err != nil {
		t.Fatal(err)
	}
}
