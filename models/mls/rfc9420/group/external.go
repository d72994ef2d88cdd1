package group

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/keyschedule"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treekem"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// ExternalInitLabel is the HPKE exporter context of the external init secret (§8.3).
const ExternalInitLabel = "MLS 1.0 external init secret"

// ErrInvalidGroupInfo reports a GroupInfo an external joiner cannot use.
var ErrInvalidGroupInfo = errors.New("group: invalid GroupInfo")

func groupInfoErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidGroupInfo, fmt.Sprintf(format, args...))
}

// allowedProposal applies the sender-type rules of §12.1.8.1 and §12.4.3.2 to a proposal received
// by itself (not inside a commit): external senders may propose Add, Remove, PreSharedKey, ReInit
// and GroupContextExtensions; a new_member_proposal sender only its own Add; ExternalInit exists
// only inline in external commits.
func allowedProposal(st framing.SenderType, pt wire.ProposalType) error {
	ok := false
	switch st {
	case framing.SenderMember:
		ok = pt != wire.ProposalExternalInit
	case framing.SenderExternal:
		switch pt {
		case wire.ProposalAdd, wire.ProposalRemove, wire.ProposalPSK, wire.ProposalReInit, wire.ProposalGroupContextExtensions:
			ok = true
		}
	case framing.SenderNewMemberProposal:
		ok = pt == wire.ProposalAdd
	}
	if !ok {
		return fmt.Errorf("%w: proposal type %d from sender type %d", ErrInvalidCommit, pt, st)
	}
	return nil
}

// externalSenders decodes the group's external_senders extension (nil if absent).
func externalSenders(ext wire.Extensions) (wire.ExternalSenders, error) {
	data, ok := ext.Find(wire.ExtExternalSenders)
	if !ok {
		return nil, nil
	}
	var l wire.ExternalSenders
	if err := codec.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("%w: external_senders: %w", ErrInvalidCommit, err)
	}
	return l, nil
}

// nonMemberKey returns the signature key of a non-member sender (§6.1): the external sender's key
// from the external_senders extension, the KeyPackage's key of a new member's Add, or the key of
// the LeafNode in an external commit's UpdatePath.
func (g *Group) nonMemberKey(ac *framing.AuthenticatedContent) ([]byte, error) {
	c := &ac.Content
	switch c.Sender.Type {
	case framing.SenderExternal:
		l, err := externalSenders(g.gc.Extensions)
		if err != nil {
			return nil, err
		}
		if uint64(c.Sender.SenderIndex) >= uint64(len(l)) {
			return nil, fmt.Errorf("%w: external sender %d of %d", ErrInvalidCommit, c.Sender.SenderIndex, len(l))
		}
		return l[c.Sender.SenderIndex].SignatureKey, nil
	case framing.SenderNewMemberProposal:
		if c.ContentType != framing.ContentProposal || c.Proposal == nil || c.Proposal.Type != wire.ProposalAdd || c.Proposal.KeyPackage == nil {
			return nil, fmt.Errorf("%w: new_member_proposal sender must send an Add", ErrInvalidCommit)
		}
		return c.Proposal.KeyPackage.LeafNode.SignatureKey, nil
	case framing.SenderNewMemberCommit:
		if c.ContentType != framing.ContentCommit || c.Commit == nil || c.Commit.Path == nil {
			return nil, fmt.Errorf("%w: new_member_commit sender must send a commit with a path", ErrInvalidCommit)
		}
		return c.Commit.Path.LeafNode.SignatureKey, nil
	}
	return nil, fmt.Errorf("group: sender type %d not supported", c.Sender.Type)
}

// GroupInfo returns a GroupInfo of the current epoch signed by this member (§12.4.3), with the
// external_pub extension that lets a new member join by external commit and, if withTree, the
// ratchet_tree extension.
func (g *Group) GroupInfo(withTree bool) (*wire.GroupInfo, error) {
	if g.removed {
		return nil, ErrInactive
	}
	if g.reinit != nil {
		return nil, ErrReInitPending
	}
	kp, err := keyschedule.ExternalKeyPair(g.s, g.ep.ExternalSecret)
	if err != nil {
		return nil, err
	}
	pub, err := codec.Marshal(&wire.ExternalPub{PublicKey: kp.PublicKey()})
	if err != nil {
		return nil, err
	}
	ext := wire.Extensions{{Type: wire.ExtExternalPub, Data: pub}}
	if withTree {
		treeData, err := g.tree.Encode()
		if err != nil {
			return nil, err
		}
		ext = append(ext, wire.Extension{Type: wire.ExtRatchetTree, Data: treeData})
	}
	gi := &wire.GroupInfo{GroupContext: g.gc, Extensions: ext, ConfirmationTag: g.tag, Signer: uint32(g.Leaf())}
	tbs, err := gi.TBS()
	if err != nil {
		return nil, err
	}
	if gi.Signature, err = g.s.SignWithLabel(g.signer, wire.GroupInfoTBSLabel, tbs); err != nil {
		return nil, err
	}
	return gi, nil
}

// EncodeGroupInfo frames a GroupInfo as an MLSMessage.
func EncodeGroupInfo(gi *wire.GroupInfo) ([]byte, error) {
	return (&framing.MLSMessage{Version: wire.MLS10, WireFormat: framing.WireFormatGroupInfo, GroupInfo: gi}).Encode()
}

// DecodeGroupInfo extracts the GroupInfo from an encoded MLSMessage.
func DecodeGroupInfo(b []byte) (*wire.GroupInfo, error) {
	msg, err := framing.Decode(b)
	if err != nil {
		return nil, err
	}
	if msg.WireFormat != framing.WireFormatGroupInfo {
		return nil, groupInfoErr("wire format %d", msg.WireFormat)
	}
	return msg.GroupInfo, nil
}

// ExternalJoinOptions are the optional inputs of JoinExternal.
type ExternalJoinOptions struct {
	// Tree is the ratchet_tree data for a GroupInfo without the ratchet_tree extension.
	Tree []byte
	// Resync names the leaf of the joiner's earlier appearance in the group, removed by the same
	// external commit (§12.4.3.2). Its credential must equal the joiner's.
	Resync *tm.LeafIndex
	// PSKs are PreSharedKey proposals to include (resolved with Config.PSKs; empty nonces are
	// filled with random ones).
	PSKs []wire.PreSharedKeyID
	// AuthenticatedData goes into the commit's FramedContent.
	AuthenticatedData []byte
}

// verifiedGroupInfo checks a GroupInfo as a joiner does (§12.4.3.1): suite and version, the tree
// (from the extension or given) against the tree hash, tree validation and the signature.
func verifiedGroupInfo(gi *wire.GroupInfo, treeData []byte, cfg Config) (*ciphersuite.Suite, *ratchettree.Tree, error) {
	gc := &gi.GroupContext
	s, err := ciphersuite.Lookup(gc.CipherSuite)
	if err != nil {
		return nil, nil, err
	}
	if gc.Version != wire.MLS10 {
		return nil, nil, groupInfoErr("version %d", gc.Version)
	}
	if data, ok := gi.Extensions.Find(wire.ExtRatchetTree); ok {
		treeData = data
	} else if treeData == nil {
		return nil, nil, groupInfoErr("no ratchet_tree extension and no tree given")
	}
	tree, err := ratchettree.Decode(s, treeData)
	if err != nil {
		return nil, nil, groupInfoErr("ratchet_tree: %v", err)
	}
	if !hmac.Equal(tree.TreeHash(), gc.TreeHash) {
		return nil, nil, groupInfoErr("tree hash mismatch")
	}
	if err := tree.Validate(ratchettree.ValidateOptions{GroupID: gc.GroupID,
		LeafCheck: TreeLeafCheck(s, gc, &tree.View, time.Time{}, cfg.Credential)}); err != nil {
		return nil, nil, groupInfoErr("tree: %v", err)
	}
	signer := tm.LeafIndex(gi.Signer)
	if uint32(signer) >= uint32(tree.LeafCount()) || tree.Leaf(signer) == nil {
		return nil, nil, groupInfoErr("signer %d is not a member", signer)
	}
	tbs, err := gi.TBS()
	if err != nil {
		return nil, nil, err
	}
	if err := s.VerifyWithLabel(tree.Leaf(signer).SignatureKey, wire.GroupInfoTBSLabel, tbs, gi.Signature); err != nil {
		return nil, nil, groupInfoErr("signature: %v", err)
	}
	return s, tree, nil
}

// sameCredential is the resync rule of this implementation: a joiner may remove an earlier
// appearance only if it presents the very same credential (§12.4.3.2 leaves the identity
// comparison to the application).
func sameCredential(a, b *wire.Credential) bool {
	ab, err1 := codec.Marshal(a)
	bb, err2 := codec.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ab, bb)
}

// JoinExternal joins a group by external commit (§12.4.3.2) from a GroupInfo carrying
// external_pub: it verifies the GroupInfo and tree, encapsulates a fresh init secret to
// external_pub (the ExternalInit proposal), optionally removes its earlier appearance, takes the
// leftmost free leaf, builds an UpdatePath from it with kb's LeafNode as template, and signs the
// commit as a new_member_commit sender. It returns the joiner's group, already in the new epoch,
// and the commit (an encoded PublicMessage) for the members.
func JoinExternal(gi *wire.GroupInfo, kb *KeyPackageBundle, cfg Config, opts ExternalJoinOptions) (*Group, []byte, error) {
	s, tree, err := verifiedGroupInfo(gi, opts.Tree, cfg)
	if err != nil {
		return nil, nil, err
	}
	if kb.KeyPackage.CipherSuite != s.ID() {
		return nil, nil, groupInfoErr("group suite %v, KeyPackage has %v", s.ID(), kb.KeyPackage.CipherSuite)
	}
	data, ok := gi.Extensions.Find(wire.ExtExternalPub)
	if !ok {
		return nil, nil, groupInfoErr("no external_pub extension")
	}
	var pub wire.ExternalPub
	if err := codec.Unmarshal(data, &pub); err != nil {
		return nil, nil, groupInfoErr("external_pub: %v", err)
	}
	kemOutput, initSecret, err := s.ExportSender(pub.PublicKey, nil, ExternalInitLabel, s.Nh())
	if err != nil {
		return nil, nil, groupInfoErr("external_pub: %v", err)
	}
	gc := gi.GroupContext
	interim, err := keyschedule.InterimTranscriptHash(s, gc.ConfirmedTranscriptHash, gi.ConfirmationTag)
	if err != nil {
		return nil, nil, err
	}
	// The pre-commit view of the group, with the external init secret in place of the (unknown)
	// previous epoch's init secret.
	pre := &Group{s: s, cfg: cfg, gc: gc, tree: tree, signer: kb.Signer, interim: interim,
		priv: treekem.NewPrivateState(s, noLeaf, kb.EncryptionKey), ep: &keyschedule.Epoch{InitSecret: initSecret}}
	list := []wire.ProposalOrRef{{Type: wire.ProposalOrRefProposal, Proposal: &wire.Proposal{Type: wire.ProposalExternalInit, KEMOutput: kemOutput}}}
	if opts.Resync != nil {
		old := tree.Leaf(*opts.Resync)
		if uint32(*opts.Resync) >= uint32(tree.LeafCount()) || old == nil {
			return nil, nil, groupInfoErr("resync leaf %d is not a member", *opts.Resync)
		}
		if !sameCredential(&old.Credential, &kb.KeyPackage.LeafNode.Credential) {
			return nil, nil, groupInfoErr("resync leaf %d has another credential", *opts.Resync)
		}
		list = append(list, wire.ProposalOrRef{Type: wire.ProposalOrRefProposal, Proposal: &wire.Proposal{Type: wire.ProposalRemove, Removed: uint32(*opts.Resync)}})
	}
	for _, id := range opts.PSKs {
		if len(id.Nonce) == 0 {
			id.Nonce = make([]byte, s.Nh())
			if _, err := rand.Read(id.Nonce); err != nil {
				return nil, nil, err
			}
		}
		list = append(list, wire.ProposalOrRef{Type: wire.ProposalOrRefProposal, Proposal: &wire.Proposal{Type: wire.ProposalPSK, PSK: &id}})
	}
	a, err := pre.applyProposals(noLeaf, list, true)
	if err != nil {
		return nil, nil, err
	}
	if l, dup := a.ed.SignatureKeyLeaf(kb.KeyPackage.LeafNode.SignatureKey); dup {
		return nil, nil, groupInfoErr("signature key already used by leaf %d (resync it)", l)
	}
	leaf, err := a.ed.FreeLeaf()
	if err != nil {
		return nil, nil, err
	}
	prov := gc
	prov.Epoch++
	res, err := treekem.CreateUpdatePath(a.ed, treekem.NewPrivateState(s, leaf, kb.EncryptionKey),
		&treekem.CreateParams{GroupContext: &prov, LeafNode: &kb.KeyPackage.LeafNode, Signer: kb.Signer})
	if err != nil {
		return nil, nil, err
	}
	// The members will validate the new leaf against the group (capabilities, required
	// capabilities, credential types); fail here rather than send a commit they reject.
	lp := pre.leafParams()
	lp.Tree = &a.ed.View
	lp.Replaces, lp.HasReplaces = leaf, true
	lp.SkipSignature, lp.SkipUniqueness = true, true // just signed; keys checked above and fresh
	if err := ValidateLeafNode(&res.Path.LeafNode, wire.SourceCommit, lp); err != nil {
		return nil, nil, err
	}
	newTree := a.ed.Tree()
	prov.TreeHash = newTree.TreeHash()
	content := &framing.FramedContent{GroupID: gc.GroupID, Epoch: gc.Epoch,
		Sender: framing.Sender{Type: framing.SenderNewMemberCommit}, AuthenticatedData: opts.AuthenticatedData,
		ContentType: framing.ContentCommit, Commit: &wire.Commit{Proposals: list, Path: res.Path}}
	ac, err := framing.Sign(s, kb.Signer, framing.WireFormatPublicMessage, content, &gc, []byte{0})
	if err != nil {
		return nil, nil, err
	}
	next, tag, err := pre.nextEpoch(ac, &prov, newTree, res.CommitSecret, a.pskSecret, res.State.Prune(newTree))
	if err != nil {
		return nil, nil, err
	}
	next.ep.Forget()
	ac.Auth.ConfirmationTag = tag
	pm, err := framing.FramePublic(s, ac, &gc, nil)
	if err != nil {
		return nil, nil, err
	}
	msg, err := (&framing.MLSMessage{Version: wire.MLS10, WireFormat: framing.WireFormatPublicMessage, PublicMessage: pm}).Encode()
	if err != nil {
		return nil, nil, err
	}
	return next, msg, nil
}

// processExternalCommit validates and applies an external commit (§12.4.3.2) received by a
// member: proposal rules, the resync Remove's credential, the joiner's leaf at the leftmost free
// slot, the UpdatePath, the init secret decapsulated with the epoch's external key pair, and the
// confirmation tag. It returns the next state and the joiner's leaf (g unchanged).
func (g *Group) processExternalCommit(ac *framing.AuthenticatedContent) (*Group, tm.LeafIndex, error) {
	c := ac.Content.Commit
	if c == nil {
		return nil, 0, ErrNotCommit
	}
	if c.Path == nil {
		return nil, 0, fmt.Errorf("%w: external commit without a path", ErrInvalidCommit)
	}
	a, err := g.applyProposals(noLeaf, c.Proposals, true)
	if err != nil {
		return nil, 0, err
	}
	for _, l := range a.removed {
		if !sameCredential(&g.tree.Leaf(l).Credential, &c.Path.LeafNode.Credential) {
			return nil, 0, fmt.Errorf("%w: external commit removes leaf %d of another identity", ErrInvalidCommit, l)
		}
	}
	leaf, err := a.ed.FreeLeaf()
	if err != nil {
		return nil, 0, err
	}
	prov := g.gc
	prov.Epoch++
	if a.removedSelf {
		// This member's earlier appearance was replaced: check the public part, then stop.
		if _, err := treekem.MergePath(a.ed, leaf, c.Path, &prov); err != nil {
			return nil, 0, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
		return nil, leaf, ErrRemoved
	}
	lp := g.leafParams()
	lp.Tree = &a.ed.View
	lp.Replaces, lp.HasReplaces = leaf, true
	lp.SkipSignature = true // MergePath verifies it; key uniqueness is checked here (MergePath checks encryption keys only)
	if err := ValidateLeafNode(&c.Path.LeafNode, wire.SourceCommit, lp); err != nil {
		return nil, 0, err
	}
	extKey, err := keyschedule.ExternalKeyPair(g.s, g.ep.ExternalSecret)
	if err != nil {
		return nil, 0, err
	}
	initSecret, err := g.s.ExportReceiver(extKey, a.kemOutput, nil, ExternalInitLabel, g.s.Nh())
	if err != nil {
		return nil, 0, fmt.Errorf("%w: ExternalInit: %w", ErrInvalidCommit, err)
	}
	res, err := treekem.ApplyUpdatePath(a.ed, g.priv, leaf, c.Path, &treekem.ApplyParams{GroupContext: &prov})
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
	}
	newTree := a.ed.Tree()
	prov.TreeHash = newTree.TreeHash()
	pre := *g
	pre.ep = &keyschedule.Epoch{InitSecret: initSecret}
	next, tag, err := pre.nextEpoch(ac, &prov, newTree, res.CommitSecret, a.pskSecret, res.State.Prune(newTree))
	if err != nil {
		return nil, 0, err
	}
	if !hmac.Equal(tag, ac.Auth.ConfirmationTag) {
		return nil, 0, ErrConfirmation
	}
	next.ep.Forget()
	return next, leaf, nil
}

// ExternalProposal builds a proposal sent by external sender number senderIndex of the group's
// external_senders extension (§12.1.8.1), e.g. a MIMI hub's Remove or Add, as an encoded
// PublicMessage for epoch epoch of group groupID, signed with signer (the key listed in the
// extension). Allowed types: Add, Remove, PreSharedKey, ReInit, GroupContextExtensions.
func ExternalProposal(s *ciphersuite.Suite, signer *ciphersuite.SignaturePrivateKey, senderIndex uint32, groupID []byte, epoch uint64, p *wire.Proposal) ([]byte, error) {
	if err := allowedProposal(framing.SenderExternal, p.Type); err != nil {
		return nil, err
	}
	return signedNonMember(s, signer, framing.Sender{Type: framing.SenderExternal, SenderIndex: senderIndex}, groupID, epoch, p)
}

// NewMemberProposal builds the Add proposal by which the owner of kb asks to join group groupID
// in epoch epoch (sender type new_member_proposal, §12.1.8.1): a member then commits it by
// reference and sends the Welcome.
func NewMemberProposal(kb *KeyPackageBundle, groupID []byte, epoch uint64) ([]byte, error) {
	s, err := ciphersuite.Lookup(kb.KeyPackage.CipherSuite)
	if err != nil {
		return nil, err
	}
	return signedNonMember(s, kb.Signer, framing.Sender{Type: framing.SenderNewMemberProposal}, groupID, epoch,
		&wire.Proposal{Type: wire.ProposalAdd, KeyPackage: kb.KeyPackage})
}

func signedNonMember(s *ciphersuite.Suite, signer *ciphersuite.SignaturePrivateKey, sender framing.Sender, groupID []byte, epoch uint64, p *wire.Proposal) ([]byte, error) {
	content := &framing.FramedContent{GroupID: groupID, Epoch: epoch, Sender: sender, ContentType: framing.ContentProposal, Proposal: p}
	ac, err := framing.Sign(s, signer, framing.WireFormatPublicMessage, content, nil, nil)
	if err != nil {
		return nil, err
	}
	pm, err := framing.FramePublic(s, ac, &wire.GroupContext{GroupID: groupID, Epoch: epoch}, nil)
	if err != nil {
		return nil, err
	}
	return (&framing.MLSMessage{Version: wire.MLS10, WireFormat: framing.WireFormatPublicMessage, PublicMessage: pm}).Encode()
}
