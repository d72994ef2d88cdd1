package group

import (
	"crypto/hmac"
	"crypto/rand"
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/parallel"
	"github.com/mimisim/mimisim/models/mls/rfc9420/keyschedule"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/secrettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treekem"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// applied is the outcome of applying a commit's proposals to an editor (§12.3).
type applied struct {
	ed           *ratchettree.Editor
	added        []tm.LeafIndex
	addKPs       []*wire.KeyPackage
	removedSelf  bool
	pathRequired bool
	ownUpdateKey *ciphersuite.HPKEPrivateKey
	extensions   *wire.Extensions // from a GroupContextExtensions proposal
	pskIDs       []wire.PreSharedKeyID
	pskSecret    []byte
	removed      []tm.LeafIndex
	reinit       *wire.ReInit
	kemOutput    []byte // of the ExternalInit of an external commit
}

type resolved struct {
	sender tm.LeafIndex
	member bool // sent by a member (sender is its leaf) rather than an external party
	p      *wire.Proposal
	ref    []byte
}

// noLeaf stands for the committer of an external commit, whose leaf is not yet known.
const noLeaf = tm.LeafIndex(^uint32(0))

// applyProposals resolves, validates (§12.2) and applies (§12.3: GroupContextExtensions, Update,
// Remove, Add) the proposals of a commit by committer on an editor of the current tree. For an
// external commit (§12.4.3.2; committer is noLeaf) the list must hold exactly one ExternalInit, at
// most one Remove and otherwise only PreSharedKey proposals, all by value; a ReInit must be alone.
func (g *Group) applyProposals(committer tm.LeafIndex, list []wire.ProposalOrRef, external bool) (*applied, error) {
	var updates, removes, adds, psks, gces, reinits, inits []resolved
	for i := range list {
		por := &list[i]
		var r resolved
		switch por.Type {
		case wire.ProposalOrRefProposal:
			if por.Proposal == nil {
				return nil, fmt.Errorf("%w: empty inline proposal", ErrInvalidCommit)
			}
			r = resolved{sender: committer, member: !external, p: por.Proposal}
		case wire.ProposalOrRefReference:
			if external {
				return nil, fmt.Errorf("%w: external commit with a proposal by reference", ErrInvalidCommit)
			}
			found := false
			for _, c := range g.props {
				if bytesEqual(c.ref, por.Reference) {
					member := c.sender.Type == framing.SenderMember
					r = resolved{sender: tm.LeafIndex(c.sender.LeafIndex), member: member, p: c.proposal, ref: c.ref}
					found = true
					break
				}
			}
			if !found {
				return nil, fmt.Errorf("%w: unknown proposal reference", ErrInvalidCommit)
			}
		default:
			return nil, fmt.Errorf("%w: proposal-or-ref type %d", ErrInvalidCommit, por.Type)
		}
		if external && r.p.Type != wire.ProposalExternalInit && r.p.Type != wire.ProposalRemove && r.p.Type != wire.ProposalPSK {
			return nil, fmt.Errorf("%w: proposal type %d in an external commit", ErrInvalidCommit, r.p.Type)
		}
		switch r.p.Type {
		case wire.ProposalUpdate:
			if r.ref == nil || !r.member || r.sender == committer {
				return nil, fmt.Errorf("%w: update by the committer or inline", ErrInvalidCommit)
			}
			updates = append(updates, r)
		case wire.ProposalRemove:
			if tm.LeafIndex(r.p.Removed) == committer {
				return nil, fmt.Errorf("%w: committer removes itself", ErrInvalidCommit)
			}
			removes = append(removes, r)
		case wire.ProposalAdd:
			adds = append(adds, r)
		case wire.ProposalPSK:
			if r.p.PSK == nil {
				return nil, fmt.Errorf("%w: empty PSK proposal", ErrInvalidCommit)
			}
			psks = append(psks, r)
		case wire.ProposalGroupContextExtensions:
			gces = append(gces, r)
		case wire.ProposalReInit:
			if r.p.ReInit == nil {
				return nil, fmt.Errorf("%w: empty ReInit", ErrInvalidCommit)
			}
			reinits = append(reinits, r)
		case wire.ProposalExternalInit:
			if !external {
				return nil, fmt.Errorf("%w: ExternalInit in a member's commit", ErrInvalidCommit)
			}
			inits = append(inits, r)
		default:
			return nil, fmt.Errorf("%w: proposal type %d", ErrUnsupported, r.p.Type)
		}
	}
	if len(reinits) > 0 && len(list) != 1 {
		return nil, fmt.Errorf("%w: a ReInit must be the only proposal of its commit", ErrInvalidCommit)
	}
	if external && (len(inits) != 1 || len(removes) > 1) {
		return nil, fmt.Errorf("%w: external commit with %d ExternalInit and %d Remove proposals (want 1 and at most 1)", ErrInvalidCommit, len(inits), len(removes))
	}
	// At most one Update or Remove per leaf.
	touched := map[tm.LeafIndex]bool{}
	for _, r := range updates {
		if touched[r.sender] {
			return nil, fmt.Errorf("%w: two changes to leaf %d", ErrInvalidCommit, r.sender)
		}
		touched[r.sender] = true
	}
	for _, r := range removes {
		l := tm.LeafIndex(r.p.Removed)
		if touched[l] {
			return nil, fmt.Errorf("%w: two changes to leaf %d", ErrInvalidCommit, l)
		}
		touched[l] = true
	}

	if len(gces) > 1 {
		return nil, fmt.Errorf("%w: more than one GroupContextExtensions proposal", ErrInvalidCommit)
	}
	a := &applied{ed: g.tree.Edit(), pathRequired: external || len(list) == 0 || len(updates) > 0 || len(removes) > 0 || len(gces) > 0}
	if len(reinits) == 1 {
		if err := g.checkReInit(reinits[0].p.ReInit); err != nil {
			return nil, err
		}
		a.reinit = reinits[0].p.ReInit
	}
	if len(inits) == 1 {
		a.kemOutput = inits[0].p.KEMOutput
	}
	if len(gces) == 1 {
		ext := gces[0].p.Extensions
		if ext == nil {
			ext = wire.Extensions{}
		}
		a.extensions = &ext
	}
	me := g.Leaf()
	for _, r := range updates {
		lp := g.leafParams()
		lp.Replaces, lp.HasReplaces = r.sender, true
		if err := ValidateLeafNode(r.p.LeafNode, wire.SourceUpdate, lp); err != nil {
			return nil, err
		}
		if err := a.ed.UpdateLeaf(r.sender, r.p.LeafNode); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
		if r.sender == me {
			if g.ownUpd == nil || !bytesEqual(g.ownUpd.ref, r.ref) {
				return nil, fmt.Errorf("%w: update of this member it did not propose", ErrInvalidCommit)
			}
			a.ownUpdateKey = g.ownUpd.leafKey
		}
	}
	for _, r := range removes {
		l := tm.LeafIndex(r.p.Removed)
		if uint32(l) >= uint32(g.tree.LeafCount()) || g.tree.Leaf(l) == nil {
			return nil, fmt.Errorf("%w: remove of blank leaf %d", ErrInvalidCommit, l)
		}
		if err := a.ed.RemoveLeaf(l); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
		if l == me {
			a.removedSelf = true
		}
		a.removed = append(a.removed, l)
	}
	// The KeyPackages' checks (two signatures each) are independent: on all cores, reporting
	// the first failing Add as a loop would.
	params := g.leafParams()
	if err := parallel.ForEach(len(adds), func(i int) error {
		kp := adds[i].p.KeyPackage
		if kp == nil {
			return fmt.Errorf("%w: empty Add", ErrInvalidCommit)
		}
		return ValidateKeyPackage(kp, params)
	}); err != nil {
		return nil, err
	}
	for _, r := range adds {
		kp := r.p.KeyPackage
		if _, dup := a.ed.EncryptionKeyNode(kp.LeafNode.EncryptionKey); dup {
			return nil, fmt.Errorf("%w: duplicate encryption key among Adds", ErrInvalidCommit)
		}
		if _, dup := a.ed.SignatureKeyLeaf(kp.LeafNode.SignatureKey); dup {
			return nil, fmt.Errorf("%w: duplicate signature key among Adds", ErrInvalidCommit)
		}
		l, err := a.ed.AddLeaf(&kp.LeafNode)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
		a.added = append(a.added, l)
		a.addKPs = append(a.addKPs, kp)
	}
	if a.extensions != nil {
		if err := g.checkExtensions(*a.extensions, &a.ed.View); err != nil {
			return nil, err
		}
	}
	ids := make([]wire.PreSharedKeyID, len(psks))
	seen := map[string]bool{}
	for i, r := range psks {
		ids[i] = *r.p.PSK
		if ids[i].Type == wire.PSKResumption && ids[i].Usage != wire.UsageApplication && len(g.linked) == 0 {
			// reinit and branch PSKs belong to the first commit of a new group only (§12.1.4).
			return nil, fmt.Errorf("%w: resumption PSK of usage %d outside a reinitialisation", ErrInvalidCommit, ids[i].Usage)
		}
		key := fmt.Sprintf("%d|%x|%x|%d", ids[i].Type, ids[i].PSKID, ids[i].GroupID, ids[i].Epoch)
		if seen[key] {
			return nil, fmt.Errorf("%w: duplicate PSK", ErrInvalidCommit)
		}
		seen[key] = true
	}
	var err error
	a.pskIDs = ids
	if a.pskSecret, err = pskSecretFor(g.s, ids, g.resolvePSK); err != nil {
		return nil, err
	}
	return a, nil
}

// CommitOptions select what a commit changes besides the proposals received by reference in this
// epoch (all of which are included, except ones that cannot be: the committer's own Updates and
// Removes of the committer).
type CommitOptions struct {
	Add    []*wire.KeyPackage
	Remove []tm.LeafIndex
	// PSKs are PreSharedKey proposals sent by value (their nonces are filled in when empty).
	PSKs []wire.PreSharedKeyID
}

// PendingCommit is a commit that has been built but not yet adopted: Commit (an encoded
// MLSMessage) goes to the members, Welcome (an encoded MLSMessage, nil without Adds) to the
// joiners. The group is unchanged until Adopt.
type PendingCommit struct {
	Commit    []byte
	Welcome   []byte
	GroupInfo *wire.GroupInfo
	// TreeSize is the size of the encoded ratchet tree the joiners fetch out of band
	// (Config.OutOfBandTree), 0 when the Welcome carries it.
	TreeSize  int
	fromEpoch uint64
	next      *Group
}

// Commit builds a commit with an UpdatePath (a full commit: the path is always included, which
// satisfies §12.4's path-required rules) and returns it pending: the group moves to the new epoch
// only when the commit is adopted.
func (g *Group) Commit(opts CommitOptions) (*PendingCommit, error) {
	if g.removed {
		return nil, ErrInactive
	}
	if g.reinit != nil {
		return nil, ErrReInitPending
	}
	me := g.Leaf()
	var list []wire.ProposalOrRef
	removing := map[tm.LeafIndex]bool{}
	var reinitRef []byte
	for _, c := range g.props {
		if c.proposal.Type == wire.ProposalReInit {
			// A ReInit must be alone in its commit; other proposals are preferred (§12.2).
			if reinitRef == nil {
				reinitRef = c.ref
			}
			continue
		}
		if c.sender.Type == framing.SenderMember && tm.LeafIndex(c.sender.LeafIndex) == me && c.proposal.Type == wire.ProposalUpdate {
			continue
		}
		if c.proposal.Type == wire.ProposalRemove {
			l := tm.LeafIndex(c.proposal.Removed)
			if l == me || removing[l] {
				continue
			}
			removing[l] = true
		}
		list = append(list, wire.ProposalOrRef{Type: wire.ProposalOrRefReference, Reference: c.ref})
	}
	for _, l := range opts.Remove {
		if l == me {
			return nil, fmt.Errorf("group: a committer cannot remove itself")
		}
		if removing[l] {
			continue
		}
		removing[l] = true
		list = append(list, wire.ProposalOrRef{Type: wire.ProposalOrRefProposal, Proposal: &wire.Proposal{Type: wire.ProposalRemove, Removed: uint32(l)}})
	}
	// Updates of leaves being removed are dropped.
	filtered := list[:0]
	for _, por := range list {
		if por.Type == wire.ProposalOrRefReference {
			if c := g.cached(por.Reference); c != nil && c.proposal.Type == wire.ProposalUpdate && removing[tm.LeafIndex(c.sender.LeafIndex)] {
				continue
			}
		}
		filtered = append(filtered, por)
	}
	list = filtered
	if len(list) == 0 && len(opts.Add) == 0 && len(opts.PSKs) == 0 && reinitRef != nil {
		return g.commitList([]wire.ProposalOrRef{{Type: wire.ProposalOrRefReference, Reference: reinitRef}})
	}
	for _, kp := range opts.Add {
		list = append(list, wire.ProposalOrRef{Type: wire.ProposalOrRefProposal, Proposal: &wire.Proposal{Type: wire.ProposalAdd, KeyPackage: kp}})
	}
	for _, id := range opts.PSKs {
		if len(id.Nonce) == 0 {
			id.Nonce = make([]byte, g.s.Nh())
			if _, err := rand.Read(id.Nonce); err != nil {
				return nil, err
			}
		}
		list = append(list, wire.ProposalOrRef{Type: wire.ProposalOrRefProposal, Proposal: &wire.Proposal{Type: wire.ProposalPSK, PSK: &id}})
	}
	return g.commitList(list)
}

// commitList builds a full commit of the given proposals.
func (g *Group) commitList(list []wire.ProposalOrRef) (*PendingCommit, error) {
	me := g.Leaf()
	a, err := g.applyProposals(me, list, false)
	if err != nil {
		return nil, err
	}

	prov := g.gc
	prov.Epoch++
	if a.extensions != nil {
		prov.Extensions = *a.extensions
	}
	res, err := treekem.CreateUpdatePath(a.ed, g.priv, &treekem.CreateParams{GroupContext: &prov, Signer: g.signer, Exclude: a.added})
	if err != nil {
		return nil, err
	}
	newTree := a.ed.Tree()
	prov.TreeHash = newTree.TreeHash()

	content := &framing.FramedContent{GroupID: g.gc.GroupID, Epoch: g.gc.Epoch,
		Sender:      framing.Sender{Type: framing.SenderMember, LeafIndex: uint32(me)},
		ContentType: framing.ContentCommit, Commit: &wire.Commit{Proposals: list, Path: res.Path}}
	ac, err := framing.Sign(g.s, g.signer, g.handshakeWireFormat(), content, &g.gc, []byte{0})
	if err != nil {
		return nil, err
	}
	next, tag, err := g.nextEpoch(ac, &prov, newTree, res.CommitSecret, a.pskSecret, res.State.Prune(newTree))
	if err != nil {
		return nil, err
	}
	ac.Auth.ConfirmationTag = tag
	next.reinit = a.reinit
	msg, err := g.frame(ac)
	if err != nil {
		return nil, err
	}
	pc := &PendingCommit{Commit: msg, fromEpoch: g.gc.Epoch, next: next}
	if len(a.added) > 0 {
		if err := next.welcome(pc, a, res, tag); err != nil {
			return nil, err
		}
	}
	next.ep.Forget()
	return pc, nil
}

func (g *Group) cached(ref []byte) *cachedProposal {
	for i := range g.props {
		if bytesEqual(g.props[i].ref, ref) {
			return &g.props[i]
		}
	}
	return nil
}

// nextEpoch computes the new epoch from a signed commit: confirmed transcript hash, key schedule,
// confirmation tag, interim transcript hash and secret tree. It returns the new state and the tag.
func (g *Group) nextEpoch(ac *framing.AuthenticatedContent, prov *wire.GroupContext, newTree *ratchettree.Tree, commitSecret, pskSecret []byte, priv *treekem.PrivateState) (*Group, []byte, error) {
	return g.nextEpochWith(ac, prov, newTree, commitSecret, pskSecret, priv, nil)
}

// nextEpochWith is nextEpoch with the confirmed transcript hash given (nil: computed).
func (g *Group) nextEpochWith(ac *framing.AuthenticatedContent, prov *wire.GroupContext, newTree *ratchettree.Tree, commitSecret, pskSecret []byte, priv *treekem.PrivateState, cth []byte) (*Group, []byte, error) {
	if cth == nil {
		var err error
		if cth, err = confirmedHash(g.s, g.interim, ac); err != nil {
			return nil, nil, err
		}
	}
	gc := *prov
	gc.ConfirmedTranscriptHash = cth
	gcb, err := gc.Bytes()
	if err != nil {
		return nil, nil, err
	}
	ep, err := keyschedule.Next(g.s, g.ep.InitSecret, commitSecret, pskSecret, gcb)
	if err != nil {
		return nil, nil, err
	}
	tag := keyschedule.ConfirmationTag(g.s, ep.ConfirmationKey, cth)
	interim, err := keyschedule.InterimTranscriptHash(g.s, cth, tag)
	if err != nil {
		return nil, nil, err
	}
	st, err := secrettree.New(g.s, ep.EncryptionSecret, newTree.LeafCount(), g.cfg.SecretTree)
	if err != nil {
		return nil, nil, err
	}
	return &Group{s: g.s, cfg: g.cfg, gc: gc, tree: newTree, priv: priv, signer: g.signer, ep: ep, interim: interim, tag: tag, st: st,
		resumption: g.withResumption(gc.Epoch, ep.ResumptionPSK)}, tag, nil
}

// welcome builds the GroupInfo and Welcome of a commit with Adds (§12.4.3).
func (next *Group) welcome(pc *PendingCommit, a *applied, res *treekem.CreateResult, tag []byte) error {
	s := next.s
	gi := &wire.GroupInfo{GroupContext: next.gc, Extensions: wire.Extensions{}, ConfirmationTag: tag, Signer: uint32(next.Leaf())}
	if sh := next.cfg.Share; sh != nil && next.cfg.OutOfBandTree {
		// The joiners fetch the tree from the Share (the delivery service's copy).
		n, err := sh.publishTree(next.tree, next.gc.Epoch, len(a.addKPs))
		if err != nil {
			return err
		}
		pc.TreeSize = n
	} else {
		treeData, err := next.tree.Encode()
		if err != nil {
			return err
		}
		gi.Extensions = wire.Extensions{{Type: wire.ExtRatchetTree, Data: treeData}}
	}
	tbs, err := gi.TBS()
	if err != nil {
		return err
	}
	if gi.Signature, err = s.SignWithLabel(next.signer, wire.GroupInfoTBSLabel, tbs); err != nil {
		return err
	}
	giBytes, err := codec.Marshal(gi)
	if err != nil {
		return err
	}
	key, nonce, err := keyschedule.WelcomeKeyNonce(s, next.ep.WelcomeSecret)
	if err != nil {
		return err
	}
	egi, err := s.Seal(key, nonce, nil, giBytes)
	if err != nil {
		return err
	}
	w := &wire.Welcome{CipherSuite: s.ID(), EncryptedGroupInfo: egi, Secrets: make([]wire.EncryptedGroupSecrets, len(a.addKPs))}
	gsbs := make([][]byte, len(a.addKPs))
	for i, kp := range a.addKPs {
		ref, err := kp.Ref(s)
		if err != nil {
			return err
		}
		gs := wire.GroupSecrets{JoinerSecret: next.ep.JoinerSecret, PSKs: append([]wire.PreSharedKeyID{}, a.pskIDs...)}
		if ps, ok := res.PathSecretFor(a.added[i]); ok {
			gs.PathSecret = ps
		}
		if gsbs[i], err = codec.Marshal(&gs); err != nil {
			return err
		}
		w.Secrets[i].NewMember = ref
	}
	// One HPKE encryption per joiner, independent of each other: on all cores, in place.
	if err := parallel.ForEach(len(a.addKPs), func(i int) error {
		kem, ct, err := s.EncryptWithLabel(a.addKPs[i].InitKey, LabelWelcome, egi, gsbs[i])
		w.Secrets[i].EncryptedGroupSecrets = wire.HPKECiphertext{KEMOutput: kem, Ciphertext: ct}
		return err
	}); err != nil {
		return err
	}
	pc.GroupInfo = gi
	pc.Welcome, err = (&framing.MLSMessage{Version: wire.MLS10, WireFormat: framing.WireFormatWelcome, Welcome: w}).Encode()
	return err
}

// Adopt moves the group to the epoch of its own pending commit (once the delivery service has
// accepted it). A commit built in another epoch is rejected.
func (g *Group) Adopt(pc *PendingCommit) error {
	if pc == nil || pc.next == nil || pc.fromEpoch != g.gc.Epoch {
		return fmt.Errorf("group: pending commit is not for epoch %d", g.gc.Epoch)
	}
	*g = *pc.next
	return nil
}

// commitProposals applies a received commit's proposals for its sender and checks that the
// commit carries a path if they require one. processCommit and the shared-commit cache use it,
// so a commit is validated alike with and without sharing.
func (g *Group) commitProposals(ac *framing.AuthenticatedContent) (tm.LeafIndex, *applied, error) {
	c := ac.Content.Commit
	sender := tm.LeafIndex(ac.Content.Sender.LeafIndex)
	a, err := g.applyProposals(sender, c.Proposals, false)
	if err != nil {
		return 0, nil, err
	}
	if a.pathRequired && c.Path == nil {
		return 0, nil, fmt.Errorf("%w: path required", ErrInvalidCommit)
	}
	return sender, a, nil
}

// processCommit validates and applies a received commit, returning the next state (g unchanged).
func (g *Group) processCommit(ac *framing.AuthenticatedContent, b []byte) (*Group, error) {
	c := ac.Content.Commit
	if c == nil {
		return nil, ErrNotCommit
	}
	if g.cfg.Share != nil && shareableCommit(c) {
		return g.processCommitShared(ac, b)
	}
	sender, a, err := g.commitProposals(ac)
	if err != nil {
		return nil, err
	}
	if a.removedSelf {
		// This member cannot derive the new epoch; the commit is checked as far as it can be (its
		// signature or membership tag, the proposals and the path's public part).
		if c.Path != nil {
			prov := g.gc
			prov.Epoch++
			if a.extensions != nil {
				prov.Extensions = *a.extensions
			}
			if _, err := treekem.MergePath(a.ed, sender, c.Path, &prov); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
			}
		}
		return nil, ErrRemoved
	}
	prov := g.gc
	prov.Epoch++
	if a.extensions != nil {
		prov.Extensions = *a.extensions
	}
	priv := g.priv
	if a.ownUpdateKey != nil {
		priv = priv.WithLeafKey(a.ownUpdateKey)
	}
	commitSecret := keyschedule.Zero(g.s)
	if c.Path != nil {
		lp := g.leafParams()
		lp.Tree = &a.ed.View
		lp.Replaces, lp.HasReplaces = sender, true
		lp.SkipSignature = true // MergePath verifies it; key uniqueness is checked here (MergePath checks encryption keys only)
		if err := ValidateLeafNode(&c.Path.LeafNode, wire.SourceCommit, lp); err != nil {
			return nil, err
		}
		res, err := treekem.ApplyUpdatePath(a.ed, priv, sender, c.Path, &treekem.ApplyParams{GroupContext: &prov, Exclude: a.added})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
		commitSecret, priv = res.CommitSecret, res.State
	}
	newTree := a.ed.Tree()
	prov.TreeHash = newTree.TreeHash()
	next, tag, err := g.nextEpoch(ac, &prov, newTree, commitSecret, a.pskSecret, priv.Prune(newTree))
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(tag, ac.Auth.ConfirmationTag) {
		return nil, ErrConfirmation
	}
	next.reinit = a.reinit
	next.ep.Forget()
	return next, nil
}

// CommitProposals builds a pending commit that includes the given encoded proposals (other
// members' proposals of this epoch, by reference) plus opts, without changing the group: the
// proposals are validated and cached on a copy. (With PrivateHandshake the proposals'
// decryption consumes keys of the shared secret tree, as any received message does.)
func (g *Group) CommitProposals(proposals [][]byte, opts CommitOptions) (*PendingCommit, error) {
	if g.removed {
		return nil, ErrInactive
	}
	tmp := *g
	tmp.props = append([]cachedProposal(nil), g.props...)
	for i, p := range proposals {
		r, err := tmp.Process(p)
		if err != nil {
			return nil, fmt.Errorf("proposal %d: %w", i, err)
		}
		if r.ContentType != framing.ContentProposal {
			return nil, fmt.Errorf("proposal %d: content type %d", i, r.ContentType)
		}
	}
	return tmp.Commit(opts)
}

// confirmedHash is the confirmed transcript hash of commit ac after interim (§8.2).
func confirmedHash(s *ciphersuite.Suite, interim []byte, ac *framing.AuthenticatedContent) ([]byte, error) {
	wf, fc, sig, err := ac.ConfirmedTranscriptHashInput()
	if err != nil {
		return nil, err
	}
	return keyschedule.ConfirmedTranscriptHash(s, interim, wf, fc, sig)
}
