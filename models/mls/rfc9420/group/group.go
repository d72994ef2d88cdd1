package group

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/keyschedule"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/secrettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treekem"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// Errors of the group state machine.
var (
	ErrUnsupported   = errors.New("group: not supported")
	ErrNotCommit     = errors.New("group: message is not a commit")
	ErrOwnCommit     = errors.New("group: own commit must be adopted, not processed")
	ErrRemoved       = errors.New("group: this member was removed")
	ErrInactive      = errors.New("group: member is no longer in the group")
	ErrConfirmation  = errors.New("group: confirmation tag does not verify")
	ErrInvalidCommit = errors.New("group: invalid commit")
	ErrNoWelcomeKey  = errors.New("group: Welcome holds no secrets for this KeyPackage")
	ErrInvalidJoin   = errors.New("group: invalid Welcome")
	ErrReInitPending = errors.New("group: the group was reinitialised; use the new group")
)

// LabelWelcome is the EncryptWithLabel label of GroupSecrets (§12.4.3.1).
const LabelWelcome = "Welcome"

// Config holds a member's local policy.
type Config struct {
	// PrivateHandshake sends proposals and commits as PrivateMessages (default PublicMessage).
	PrivateHandshake bool
	// Padding is the number of zero bytes added to every PrivateMessage.
	Padding int
	// Now returns the time for lifetime checks; nil means time.Now. Lifetimes are checked on
	// KeyPackages being added and on leaves received in proposals and commits; leaves of a tree
	// received when joining are not (§7.3 allows expired leaves there).
	Now func() time.Time
	// Credential validates credentials (nil accepts all).
	Credential CredentialValidator
	// PSKs looks up external PSKs (PSK proposals and Welcome PSKs); nil knows none.
	PSKs PSKLookup
	// ResumptionPSKs is the number of past epochs whose resumption PSKs are kept for PSK proposals
	// (default 8).
	ResumptionPSKs int
	// SecretTree tunes the out-of-order window of the message ratchets (nil: secrettree defaults).
	SecretTree *secrettree.Config
	// Share, when set, lets the members of one simulation that use the same Share do
	// epoch-identical public work once (see Share); nil: every member does everything itself.
	Share *Share
	// OutOfBandTree sends Welcomes without the ratchet_tree extension (§12.4.3.3); the joiners
	// take the tree from Share, which must then be set (for joiners too).
	OutOfBandTree bool
}

func (c *Config) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// Group is one member's view of one epoch of a group. A Group is changed only by Adopt (own
// commits) and Process (received commits), each of which replaces the whole epoch state at once
// after every check has passed. Not safe for concurrent use.
type Group struct {
	s       *ciphersuite.Suite
	cfg     Config
	gc      wire.GroupContext
	tree    *ratchettree.Tree
	priv    *treekem.PrivateState
	signer  *ciphersuite.SignaturePrivateKey
	ep      *keyschedule.Epoch
	interim []byte
	tag     []byte // confirmation tag of the current epoch (for GroupInfo)
	st      *secrettree.SecretTree
	removed bool
	props   []cachedProposal // proposals received (or sent) in this epoch, by reference
	ownUpd  *pendingUpdate   // this member's proposed Update, if any
	// resumption holds the resumption PSKs of the latest epochs, oldest first (shared, never
	// modified in place).
	resumption []epochPSK
	// reinit is the ReInit this group ended with (§11.2): the group is then terminal.
	reinit *wire.ReInit
	// linked holds resumption PSKs of other groups this group may use (the reinit PSK of the
	// group it replaces).
	linked []linkedPSK
}

type linkedPSK struct {
	id     wire.PreSharedKeyID // nonce ignored
	secret []byte
}

type epochPSK struct {
	epoch  uint64
	secret []byte
}

// resolvePSK resolves a PSK ID: external PSKs through Config.PSKs, resumption PSKs (usage
// application, this group) from the kept history, and the linked resumption PSK of the group this
// one reinitialises (usage reinit).
func (g *Group) resolvePSK(id *wire.PreSharedKeyID) ([]byte, bool) {
	switch id.Type {
	case wire.PSKExternal:
		if g.cfg.PSKs == nil {
			return nil, false
		}
		return g.cfg.PSKs(id)
	case wire.PSKResumption:
		if id.Usage == wire.UsageApplication && bytes.Equal(id.GroupID, g.gc.GroupID) {
			for _, e := range g.resumption {
				if e.epoch == id.Epoch {
					return e.secret, true
				}
			}
			return nil, false
		}
		for _, l := range g.linked {
			if l.id.Usage == id.Usage && l.id.Epoch == id.Epoch && bytes.Equal(l.id.GroupID, id.GroupID) {
				return l.secret, true
			}
		}
	}
	return nil, false
}

// withResumption returns the history extended by one epoch and trimmed to the configured size.
func (g *Group) withResumption(epoch uint64, secret []byte) []epochPSK {
	keep := g.cfg.ResumptionPSKs
	if keep <= 0 {
		keep = 8
	}
	h := append(append(make([]epochPSK, 0, len(g.resumption)+1), g.resumption...), epochPSK{epoch, secret})
	if len(h) > keep {
		h = h[len(h)-keep:]
	}
	return h
}

type cachedProposal struct {
	ref      []byte
	sender   framing.Sender
	proposal *wire.Proposal
}

type pendingUpdate struct {
	ref     []byte
	leafKey *ciphersuite.HPKEPrivateKey
}

// Suite returns the group's cipher suite.
func (g *Group) Suite() *ciphersuite.Suite { return g.s }

// Context returns a copy of the current GroupContext.
func (g *Group) Context() wire.GroupContext { return g.gc }

// Epoch returns the current epoch.
func (g *Group) Epoch() uint64 { return g.gc.Epoch }

// GroupID returns the group ID.
func (g *Group) GroupID() []byte { return g.gc.GroupID }

// Tree returns the current ratchet-tree snapshot (shared, read-only).
func (g *Group) Tree() *ratchettree.Tree { return g.tree }

// Leaf returns this member's leaf index.
func (g *Group) Leaf() tm.LeafIndex { return g.priv.Leaf() }

// Removed reports whether this member has been removed by a processed commit.
func (g *Group) Removed() bool { return g.removed }

// EpochAuthenticator returns the epoch authenticator (§8.7).
func (g *Group) EpochAuthenticator() []byte { return g.ep.EpochAuthenticator }

// Export is the MLS exporter (§8.5).
func (g *Group) Export(label string, context []byte, length int) ([]byte, error) {
	return keyschedule.Export(g.s, g.ep.ExporterSecret, label, context, length)
}

// Create starts a new one-member group (§11) for the owner of kb (whose KeyPackage leaf becomes
// leaf 0) with the given group ID and GroupContext extensions.
func Create(kb *KeyPackageBundle, groupID []byte, extensions wire.Extensions, cfg Config) (*Group, error) {
	s, err := ciphersuite.Lookup(kb.KeyPackage.CipherSuite)
	if err != nil {
		return nil, err
	}
	if extensions == nil {
		extensions = wire.Extensions{}
	}
	if _, err := externalSenders(extensions); err != nil {
		return nil, err
	}
	gc := wire.GroupContext{Version: wire.MLS10, CipherSuite: s.ID(), GroupID: append([]byte(nil), groupID...),
		Epoch: 0, ConfirmedTranscriptHash: []byte{}, Extensions: extensions}
	if err := ValidateLeafNode(&kb.KeyPackage.LeafNode, wire.SourceKeyPackage, LeafParams{Suite: s, Context: &gc, Now: cfg.now(), Credential: cfg.Credential}); err != nil {
		return nil, err
	}
	tree, err := ratchettree.New(s, &kb.KeyPackage.LeafNode)
	if err != nil {
		return nil, err
	}
	gc.TreeHash = tree.TreeHash()
	gcb, err := gc.Bytes()
	if err != nil {
		return nil, err
	}
	init := make([]byte, s.Nh())
	if _, err := rand.Read(init); err != nil {
		return nil, err
	}
	ep, err := keyschedule.Next(s, init, keyschedule.Zero(s), nil, gcb)
	if err != nil {
		return nil, err
	}
	ep.Forget()
	tag := keyschedule.ConfirmationTag(s, ep.ConfirmationKey, gc.ConfirmedTranscriptHash)
	interim, err := keyschedule.InterimTranscriptHash(s, gc.ConfirmedTranscriptHash, tag)
	if err != nil {
		return nil, err
	}
	st, err := secrettree.New(s, ep.EncryptionSecret, tree.LeafCount(), cfg.SecretTree)
	if err != nil {
		return nil, err
	}
	return &Group{s: s, cfg: cfg, gc: gc, tree: tree, priv: treekem.NewPrivateState(s, 0, kb.EncryptionKey),
		signer: kb.Signer, ep: ep, interim: interim, tag: tag, st: st, resumption: []epochPSK{{0, ep.ResumptionPSK}}}, nil
}

// memberKey is the framing.SignerKeyFunc of the current epoch: a member's leaf key, or for other
// sender types the key nonMemberKey (external.go) finds.
func (g *Group) memberKey(ac *framing.AuthenticatedContent) ([]byte, error) {
	if ac.Content.Sender.Type != framing.SenderMember {
		return g.nonMemberKey(ac)
	}
	l := tm.LeafIndex(ac.Content.Sender.LeafIndex)
	if uint32(l) >= uint32(g.tree.LeafCount()) {
		return nil, fmt.Errorf("group: sender leaf %d outside the tree", l)
	}
	ln := g.tree.Leaf(l)
	if ln == nil {
		return nil, fmt.Errorf("group: sender leaf %d is blank", l)
	}
	return ln.SignatureKey, nil
}

func (g *Group) handshakeWireFormat() framing.WireFormat {
	if g.cfg.PrivateHandshake {
		return framing.WireFormatPrivateMessage
	}
	return framing.WireFormatPublicMessage
}

// frame protects a signed AuthenticatedContent of the current epoch as an encoded MLSMessage.
func (g *Group) frame(ac *framing.AuthenticatedContent) ([]byte, error) {
	msg := &framing.MLSMessage{Version: wire.MLS10, WireFormat: ac.WireFormat}
	var err error
	switch ac.WireFormat {
	case framing.WireFormatPublicMessage:
		msg.PublicMessage, err = framing.FramePublic(g.s, ac, &g.gc, g.ep.MembershipKey)
	case framing.WireFormatPrivateMessage:
		msg.PrivateMessage, err = framing.EncryptPrivate(g.s, ac, g.st, g.ep.SenderDataSecret, &framing.PrivateOptions{Padding: g.cfg.Padding})
	default:
		err = fmt.Errorf("group: cannot frame wire format %d", ac.WireFormat)
	}
	if err != nil {
		return nil, err
	}
	return msg.Encode()
}

// unframe decodes and authenticates a PublicMessage or PrivateMessage of the current epoch.
func (g *Group) unframe(b []byte) (*framing.AuthenticatedContent, error) {
	var verify framing.Verifier
	var aeads *ciphersuite.AEADCache
	if g.cfg.Share != nil {
		verify = g.cfg.Share.verifier(g.gc.Epoch, g.tree.MemberCount()-1)
		aeads = g.cfg.Share.aeads
		if len(b) >= LargeMessage {
			if ac, ok, err := g.unframeShared(b); ok || err != nil {
				return ac, err
			}
		}
	}
	var pm framing.PrivateMessage
	if ok, err := framing.DecodePrivate(b, &pm); ok { // the usual case, decoded without copies
		if err != nil {
			return nil, err
		}
		return framing.UnprotectPrivateCached(g.s, &pm, &g.gc, g.st, g.ep.SenderDataSecret, g.memberKey, verify, aeads)
	}
	msg, err := framing.Decode(b)
	if err != nil {
		return nil, err
	}
	switch msg.WireFormat {
	case framing.WireFormatPublicMessage:
		return framing.UnprotectPublicWith(g.s, msg.PublicMessage, &g.gc, g.ep.MembershipKey, g.memberKey, verify)
	case framing.WireFormatPrivateMessage:
		return framing.UnprotectPrivateCached(g.s, msg.PrivateMessage, &g.gc, g.st, g.ep.SenderDataSecret, g.memberKey, verify, aeads)
	default:
		return nil, fmt.Errorf("group: wire format %d is not a group message", msg.WireFormat)
	}
}

// Protect encrypts application data as a PrivateMessage (§6.3).
func (g *Group) Protect(data, authenticatedData []byte) ([]byte, error) {
	if g.removed {
		return nil, ErrInactive
	}
	if g.reinit != nil {
		return nil, ErrReInitPending
	}
	content := &framing.FramedContent{GroupID: g.gc.GroupID, Epoch: g.gc.Epoch,
		Sender:            framing.Sender{Type: framing.SenderMember, LeafIndex: uint32(g.Leaf())},
		AuthenticatedData: authenticatedData, ContentType: framing.ContentApplication, ApplicationData: data}
	pm, err := framing.ProtectPrivate(g.s, g.signer, content, &g.gc, nil, g.st, g.ep.SenderDataSecret, &framing.PrivateOptions{Padding: g.cfg.Padding})
	if err != nil {
		return nil, err
	}
	return (&framing.MLSMessage{Version: wire.MLS10, WireFormat: framing.WireFormatPrivateMessage, PrivateMessage: pm}).Encode()
}

// Received is the outcome of Process.
type Received struct {
	ContentType framing.ContentType
	// SenderType is member, external (Sender is then the index into external_senders),
	// new_member_proposal (Sender is 0) or new_member_commit (Sender is the joiner's new leaf).
	SenderType framing.SenderType
	Sender     tm.LeafIndex
	// ApplicationData for application messages.
	ApplicationData   []byte
	AuthenticatedData []byte
	// Proposal for proposals (cached for the next commit).
	Proposal *wire.Proposal
	// Removed is set, with the error ErrRemoved, for a valid commit that removes this member: the
	// group then stays in its last epoch and becomes inactive. Otherwise a processed commit has
	// moved the group to the new epoch.
	Removed bool
}

// Process authenticates and applies a received group message of the current epoch: application
// data is decrypted (out-of-order within the secret tree's window), proposals are validated and
// cached, and commits move the group to the next epoch. On any error the group is unchanged
// (except that a PrivateMessage key used by an authentic message is consumed). See also ProcessTo.
func (g *Group) Process(b []byte) (*Received, error) {
	r := new(Received)
	err := g.ProcessTo(b, r)
	if err != nil && !r.Removed {
		return nil, err
	}
	return r, err
}

// ProcessTo is Process writing the outcome into *r, which it overwrites (a caller can keep r in
// its own memory): on an error r is left zero except for a commit that removes this member (then
// r.Removed is set, with ErrRemoved).
func (g *Group) ProcessTo(b []byte, r *Received) error {
	*r = Received{}
	if g.removed {
		return ErrInactive
	}
	if ok, err := g.processApplication(b, r, []byte{}); ok {
		return err
	}
	return g.processFramed(b, r)
}

// ProcessAppend is ProcessTo that appends an application message's data to dst and sets
// r.ApplicationData to the result (dst's memory when it has room), so that a caller that reads
// the data and lets it go can decrypt messages into one buffer without allocating. Everything
// else is as ProcessTo.
func (g *Group) ProcessAppend(b []byte, r *Received, dst []byte) error {
	*r = Received{}
	if g.removed {
		return ErrInactive
	}
	if ok, err := g.processApplication(b, r, dst); ok {
		return err
	}
	err := g.processFramed(b, r)
	if err == nil && r.ContentType == framing.ContentApplication {
		r.ApplicationData = append(dst, r.ApplicationData...)
	}
	return err
}

// processFramed is ProcessTo for a message that is not an application PrivateMessage (or that
// processApplication left to it).
func (g *Group) processFramed(b []byte, r *Received) error {
	ac, err := g.unframe(b)
	if err != nil {
		return err
	}
	sender := tm.LeafIndex(ac.Content.Sender.LeafIndex)
	member := ac.Content.Sender.Type == framing.SenderMember
	if ac.Content.Sender.Type == framing.SenderExternal {
		sender = tm.LeafIndex(ac.Content.Sender.SenderIndex)
	}
	out := Received{ContentType: ac.Content.ContentType, SenderType: ac.Content.Sender.Type, Sender: sender, AuthenticatedData: ac.Content.AuthenticatedData}
	switch ac.Content.ContentType {
	case framing.ContentApplication:
		if !member {
			return fmt.Errorf("group: application data from sender type %d", ac.Content.Sender.Type)
		}
		out.ApplicationData = ac.Content.ApplicationData
		*r = out
		return nil
	case framing.ContentProposal:
		if g.reinit != nil {
			return ErrReInitPending
		}
		if member && sender == g.Leaf() {
			// One's own proposal echoed back: accepted if this member sent it in this epoch.
			ref, err := ac.ProposalRef(g.s)
			if err != nil {
				return err
			}
			if g.cached(ref) == nil {
				return fmt.Errorf("group: proposal claims to be from this member but was not sent by it")
			}
			out.Proposal = ac.Content.Proposal
			*r = out
			return nil
		}
		if err := g.cacheProposal(ac); err != nil {
			return err
		}
		out.Proposal = ac.Content.Proposal
		*r = out
		return nil
	case framing.ContentCommit:
		if g.reinit != nil {
			return ErrReInitPending
		}
		var next *Group
		switch {
		case ac.Content.Sender.Type == framing.SenderNewMemberCommit:
			next, out.Sender, err = g.processExternalCommit(ac)
		case !member:
			return fmt.Errorf("%w: commit from sender type %d", ErrInvalidCommit, ac.Content.Sender.Type)
		case sender == g.Leaf():
			return ErrOwnCommit
		default:
			next, err = g.processCommit(ac, b)
		}
		if errors.Is(err, ErrRemoved) {
			// The group stays in its last epoch, inactive.
			g.removed = true
			out.Removed = true
			*r = out
			return err
		}
		if err != nil {
			return err
		}
		*g = *next
		*r = out
		return nil
	}
	return fmt.Errorf("group: content type %d", ac.Content.ContentType)
}

// recvScratch is the memory an application message is decrypted into (processApplication): the
// content and plaintext are only read until the outcome's data is copied out, so they are reused.
type recvScratch struct {
	ac  framing.AuthenticatedContent
	buf []byte
}

var recvPool = sync.Pool{New: func() any { return new(recvScratch) }}

// maxPooledPlaintext is the largest plaintext buffer kept in recvPool.
const maxPooledPlaintext = 4 << 10

// processApplication is ProcessTo for an application PrivateMessage (ok true; false: b is
// anything else, left to the general path, which would decode and unframe it the same way). The
// message is decrypted into pooled memory and the outcome holds copies of its data: the
// application data is appended to dst (ProcessTo passes an empty slice: one allocation per
// message, the application data's; ProcessAppend the caller's buffer).
func (g *Group) processApplication(b []byte, r *Received, dst []byte) (ok bool, err error) {
	var pm framing.PrivateMessage
	if ok, err := framing.DecodePrivate(b, &pm); !ok || (err == nil && pm.ContentType != framing.ContentApplication) {
		return false, nil
	} else if err != nil {
		return true, err
	}
	var verify framing.Verifier
	var aeads *ciphersuite.AEADCache
	if g.cfg.Share != nil {
		verify = g.cfg.Share.verifier(g.gc.Epoch, g.tree.MemberCount()-1)
		aeads = g.cfg.Share.aeads
	}
	sc := recvPool.Get().(*recvScratch)
	defer func() {
		sc.ac = framing.AuthenticatedContent{}
		clear(sc.buf[:cap(sc.buf)])
		if cap(sc.buf) <= maxPooledPlaintext {
			recvPool.Put(sc)
		}
	}()
	pt, err := framing.UnprotectPrivateInto(&sc.ac, sc.buf, g.s, &pm, &g.gc, g.st, g.ep.SenderDataSecret, g.memberKey, verify, aeads)
	if err != nil {
		return true, err
	}
	sc.buf = pt[:0]
	c := &sc.ac.Content
	if c.Sender.Type != framing.SenderMember { // never so for a PrivateMessage; as ProcessTo
		return true, fmt.Errorf("group: application data from sender type %d", c.Sender.Type)
	}
	*r = Received{ContentType: c.ContentType, SenderType: c.Sender.Type, Sender: tm.LeafIndex(c.Sender.LeafIndex),
		ApplicationData:   append(dst, c.ApplicationData...),
		AuthenticatedData: append([]byte(nil), c.AuthenticatedData...)}
	return true, nil
}

// cacheProposal validates a by-reference proposal against the current epoch and stores it.
func (g *Group) cacheProposal(ac *framing.AuthenticatedContent) error {
	p := ac.Content.Proposal
	sender := tm.LeafIndex(ac.Content.Sender.LeafIndex)
	if err := allowedProposal(ac.Content.Sender.Type, p.Type); err != nil {
		return err
	}
	switch p.Type {
	case wire.ProposalAdd:
		if err := ValidateKeyPackage(p.KeyPackage, g.leafParams()); err != nil {
			return err
		}
	case wire.ProposalUpdate:
		lp := g.leafParams()
		lp.Replaces, lp.HasReplaces = sender, true
		if err := ValidateLeafNode(p.LeafNode, wire.SourceUpdate, lp); err != nil {
			return err
		}
	case wire.ProposalRemove:
		if g.tree.Leaf(tm.LeafIndex(p.Removed)) == nil || uint32(p.Removed) >= uint32(g.tree.LeafCount()) {
			return fmt.Errorf("%w: remove of blank leaf %d", ErrInvalidCommit, p.Removed)
		}
	case wire.ProposalPSK:
		if p.PSK == nil {
			return fmt.Errorf("%w: empty PSK proposal", ErrInvalidCommit)
		}
		if _, err := pskSecretFor(g.s, []wire.PreSharedKeyID{*p.PSK}, g.resolvePSK); err != nil {
			return err
		}
	case wire.ProposalGroupContextExtensions:
		if err := g.checkExtensions(p.Extensions, &g.tree.View); err != nil {
			return err
		}
	case wire.ProposalReInit:
		if err := g.checkReInit(p.ReInit); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: proposal type %d", ErrUnsupported, p.Type)
	}
	ref, err := ac.ProposalRef(g.s)
	if err != nil {
		return err
	}
	g.props = append(g.props, cachedProposal{ref: ref, sender: ac.Content.Sender, proposal: p})
	return nil
}

func (g *Group) leafParams() LeafParams {
	return LeafParams{Suite: g.s, Context: &g.gc, Tree: &g.tree.View, Now: g.cfg.now(), Credential: g.cfg.Credential}
}

// ProposeUpdate creates an Update proposal with a fresh leaf encryption key (§12.1.2), returned
// as an encoded MLSMessage to send. Another member's commit includes it by reference (a member
// cannot commit its own Update; its own commits refresh its leaf through the UpdatePath).
func (g *Group) ProposeUpdate() ([]byte, error) {
	if g.removed {
		return nil, ErrInactive
	}
	if g.reinit != nil {
		return nil, ErrReInitPending
	}
	hk, err := g.s.GenerateHPKEKey()
	if err != nil {
		return nil, err
	}
	ln := *g.tree.Leaf(g.Leaf())
	ln.EncryptionKey = hk.PublicKey()
	ln.Source = wire.SourceUpdate
	ln.Lifetime = wire.Lifetime{}
	ln.ParentHash = nil
	if err := ratchettree.SignLeafNode(g.s, g.signer, &ln, g.gc.GroupID, g.Leaf()); err != nil {
		return nil, err
	}
	return g.propose(&wire.Proposal{Type: wire.ProposalUpdate, LeafNode: &ln}, hk)
}

// ProposeRemove creates a Remove proposal for leaf l (§12.1.3).
func (g *Group) ProposeRemove(l tm.LeafIndex) ([]byte, error) {
	if g.removed {
		return nil, ErrInactive
	}
	if g.reinit != nil {
		return nil, ErrReInitPending
	}
	if uint32(l) >= uint32(g.tree.LeafCount()) || g.tree.Leaf(l) == nil {
		return nil, fmt.Errorf("group: leaf %d is not a member", l)
	}
	return g.propose(&wire.Proposal{Type: wire.ProposalRemove, Removed: uint32(l)}, nil)
}

func (g *Group) propose(p *wire.Proposal, leafKey *ciphersuite.HPKEPrivateKey) ([]byte, error) {
	content := &framing.FramedContent{GroupID: g.gc.GroupID, Epoch: g.gc.Epoch,
		Sender:      framing.Sender{Type: framing.SenderMember, LeafIndex: uint32(g.Leaf())},
		ContentType: framing.ContentProposal, Proposal: p}
	ac, err := framing.Sign(g.s, g.signer, g.handshakeWireFormat(), content, &g.gc, nil)
	if err != nil {
		return nil, err
	}
	ref, err := ac.ProposalRef(g.s)
	if err != nil {
		return nil, err
	}
	b, err := g.frame(ac)
	if err != nil {
		return nil, err
	}
	g.props = append(g.props, cachedProposal{ref: ref, sender: content.Sender, proposal: p})
	if leafKey != nil {
		g.ownUpd = &pendingUpdate{ref: ref, leafKey: leafKey}
	}
	return b, nil
}

// bytesEqual is bytes.Equal (kept for readability at call sites).
func bytesEqual(a, b []byte) bool { return bytes.Equal(a, b) }

// ProcessEpoch processes the proposals (encoded MLSMessages) and then the commit of one epoch, as
// a passive client does.
func (g *Group) ProcessEpoch(proposals [][]byte, commit []byte) error {
	for i, p := range proposals {
		if _, err := g.Process(p); err != nil {
			return fmt.Errorf("proposal %d: %w", i, err)
		}
	}
	_, err := g.Process(commit)
	return err
}

// checkExtensions validates new GroupContext extensions (§12.1.7): every member must support
// every non-default extension type, and meet a required_capabilities extension.
func (g *Group) checkExtensions(ext wire.Extensions, tree *ratchettree.View) error {
	if _, err := externalSenders(ext); err != nil {
		return err
	}
	var rc *RequiredCapabilities
	if data, ok := ext.Find(wire.ExtRequiredCapabilities); ok {
		rc = new(RequiredCapabilities)
		if err := codec.Unmarshal(data, rc); err != nil {
			return fmt.Errorf("%w: required_capabilities: %w", ErrInvalidCommit, err)
		}
	}
	var err error
	tree.ForEachLeaf(func(l tm.LeafIndex, ln *wire.LeafNode) bool {
		for _, e := range ext {
			if !isGREASE(uint16(e.Type)) && !supportsExtension(&ln.Capabilities, e.Type) {
				err = fmt.Errorf("%w: leaf %d does not support extension %d", ErrInvalidCommit, l, e.Type)
				return false
			}
		}
		if rc != nil {
			if e := meetsRequired(&ln.Capabilities, rc); e != nil {
				err = fmt.Errorf("%w: leaf %d: %w", ErrInvalidCommit, l, e)
				return false
			}
		}
		return true
	})
	return err
}

// Members calls f for every member in leaf order.
func (g *Group) Members(f func(l tm.LeafIndex, ln *wire.LeafNode) bool) { g.tree.ForEachLeaf(f) }
