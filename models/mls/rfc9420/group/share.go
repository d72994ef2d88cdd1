package group

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/keyschedule"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treekem"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// Share lets the simulated members of one group, run in one process, do work that is identical
// for all of them once (Config.Share). What is shared is public, and a result is reused only by a
// member whose own inputs are byte-identical to those it was computed from:
//
//   - signature verifications: memoised by signature, answered only for the byte-identical
//     public key, label and content;
//   - the public half of processing a commit: proposal validation and application, UpdatePath
//     LeafNode validation (including the O(n) credential check), MergePath (LeafNode signature,
//     merge, parent hashes, tree hash) and the frozen new tree, keyed by SHA-256 of the member's
//     encoded GroupContext and the commit message;
//   - the ratchet tree of a Welcome sent without the ratchet_tree extension (Config.OutOfBandTree,
//     RFC 9420 §12.4.3.3): the committer publishes the encoded tree as the delivery service would
//     serve it; the first joiner decodes and validates it, the others reuse the snapshot.
//
// Every member still does its own private work for real: HPKE-decrypting its path secret
// (treekem.DecryptPath) or its GroupSecrets, deriving its node keys, its key schedule,
// confirmation tag, membership tag, secret tree, sender-data and content decryption. An entry is
// released when every member that will need it has used it (the count is known from the tree),
// or at the latest two epochs after it was made. A Share is safe for concurrent use.
type Share struct {
	mu sync.Mutex
	// commitMu serialises the computation of a commit's public half on a miss, so that members
	// processing one commit concurrently compute it once (and the counters do not depend on
	// scheduling); it is never held while waiting for mu's holder to take it.
	commitMu sync.Mutex
	frameMu  sync.Mutex            // the same for a large frame (unframeShared)
	sigs     map[string]*sharedSig // by signature (sigEntry)
	commits  map[msgKey]*sharedCommit
	frames   map[msgKey]*sharedFrame
	trees    map[string]*sharedTree
	newest   uint64 // newest epoch seen
	stats    ShareStats
	// aeads keeps the keyed AEADs of the message and sender-data keys that every member of an
	// epoch derives alike (its own lock; its counters are reported with the others).
	aeads *ciphersuite.AEADCache
}

// ShareStats counts what a Share did: how much work was done once and how often it was reused.
type ShareStats struct {
	SignaturesVerified uint64 // signature verifications computed
	SignaturesReused   uint64 // verifications answered from the memo
	CommitsMerged      uint64 // commits whose public half was computed
	CommitsReused      uint64 // members that reused a computed public half
	PathsDecrypted     uint64 // members that decrypted their own path secret on a shared tree
	TreesValidated     uint64 // out-of-band trees decoded and validated
	TreesReused        uint64 // joiners that reused a validated tree
	AEADKeysBuilt      uint64 // AEAD key schedules built for application/handshake decryption
	AEADKeysReused     uint64 // decryptions that reused a key schedule built for an equal key
}

// NewShare returns an empty Share.
func NewShare() *Share {
	return &Share{sigs: map[string]*sharedSig{}, commits: map[msgKey]*sharedCommit{}, frames: map[msgKey]*sharedFrame{}, trees: map[string]*sharedTree{}, aeads: ciphersuite.NewAEADCache(aeadCacheSize)}
}

// aeadCacheSize bounds the keyed AEADs a Share keeps: two keys (sender data and content) per
// message in flight, with room for many messages fanned out at once.
const aeadCacheSize = 256

// Stats returns the counters.
func (sh *Share) Stats() ShareStats {
	a := sh.aeads.Stats()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st := sh.stats
	st.AEADKeysBuilt, st.AEADKeysReused = a.Built, a.Reused
	return st
}

// Entries returns the number of live entries (signatures, commits, trees): tests check release.
func (sh *Share) Entries() (sigs, commits, trees int) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return len(sh.sigs), len(sh.commits), len(sh.trees)
}

type sharedSig struct {
	epoch uint64
	left  int
	// what was verified: the memo answers only for exactly these inputs
	suite   ciphersuite.ID
	pub     []byte
	label   string
	content []byte
}

// is reports whether e was verified for exactly these inputs.
func (e *sharedSig) is(s *ciphersuite.Suite, pub []byte, label string, content []byte) bool {
	return e.suite == s.ID() && e.label == label && bytes.Equal(e.pub, pub) && bytes.Equal(e.content, content)
}

type sharedCommit struct {
	epoch   uint64
	left    int
	msg     []byte // keeps a large message's bytes alive while its identity is a key
	interim []byte // the interim transcript hash the confirmed one was computed from
	cth     []byte
	pr      *treekem.PathResolutions
	added   []tm.LeafIndex
	removed []tm.LeafIndex
	prov    wire.GroupContext // provisional GroupContext with the new tree hash
	gcBytes []byte            // its encoding, the HPKE context of the path secrets
	tree    *ratchettree.Tree
}

type sharedTree struct {
	epoch uint64
	left  int
	data  []byte
	once  sync.Once
	tree  *ratchettree.Tree
	err   error
}

// seen records epoch as seen and drops entries older than two epochs before the newest.
// Called with mu held.
func (sh *Share) seen(epoch uint64) {
	if epoch <= sh.newest {
		return
	}
	sh.newest = epoch
	if epoch < 2 {
		return
	}
	old := epoch - 2
	for k, e := range sh.sigs {
		if e.epoch < old {
			delete(sh.sigs, k)
		}
	}
	for k, e := range sh.commits {
		if e.epoch < old {
			delete(sh.commits, k)
		}
	}
	for k, e := range sh.frames {
		if e.epoch < old {
			delete(sh.frames, k)
		}
	}
	for k, e := range sh.trees {
		if e.epoch < old {
			delete(sh.trees, k)
		}
	}
}

// verifier returns a framing.Verifier that memoises successful verifications for the members
// of an epoch: users is the number of members expected to verify the same signature.
func (sh *Share) verifier(epoch uint64, users int) framing.Verifier {
	return func(s *ciphersuite.Suite, pub []byte, label string, content, sig []byte) error {
		return sh.verify(s, epoch, users, pub, label, content, sig)
	}
}

func (sh *Share) verify(s *ciphersuite.Suite, epoch uint64, users int, pub []byte, label string, content, sig []byte) error {
	// The memo is looked up by the signature itself and answers only when the key, label and
	// content are byte-identical to those it verified (no hash of the inputs per check). The
	// check of a miss runs with the lock held: members verifying concurrently (a world's
	// parallel prefetch) then find one verification, and the counters are the same as in a
	// sequential run. A miss is one signature check per distinct signature, so the wait is short.
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, found := sh.sigs[string(sig)]
	if found && e.is(s, pub, label, content) {
		sh.stats.SignaturesReused++
		if e.left--; e.left <= 0 {
			delete(sh.sigs, string(sig))
		}
		return nil
	}
	if err := s.VerifyWithLabel(pub, label, content, sig); err != nil {
		return err // failures are not memoised
	}
	sh.stats.SignaturesVerified++
	sh.seen(epoch)
	// Another entry under the same signature bytes (other inputs: not a signature any scheme
	// here would produce twice) is left as it is; this check is then not memoised.
	if users > 1 && !found {
		sh.sigs[string(sig)] = &sharedSig{epoch: epoch, left: users - 1, suite: s.ID(),
			pub: bytes.Clone(pub), label: label, content: bytes.Clone(content)}
	}
	return nil
}

// publishTree stores the encoded tree of a Welcome sent without the ratchet_tree extension, for
// joiners to fetch; joiners is the number of members the Welcome adds.
// It returns the size of the encoded tree.
func (sh *Share) publishTree(t *ratchettree.Tree, epoch uint64, joiners int) (int, error) {
	data, err := t.Encode()
	if err != nil {
		return 0, err
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.seen(epoch)
	key := string(t.TreeHash())
	if e, ok := sh.trees[key]; ok {
		e.left += joiners
		return len(data), nil
	}
	sh.trees[key] = &sharedTree{epoch: epoch, left: joiners, data: data}
	return len(data), nil
}

// ErrNoSharedTree is returned to a joiner whose Welcome has no ratchet_tree extension when no
// tree with the GroupInfo's tree hash has been published.
var ErrNoSharedTree = errors.New("group: no published ratchet tree for this GroupInfo")

// joinTree returns the validated snapshot of the published tree of gc (decoded and validated by
// the first joiner; the others reuse it).
func (sh *Share) joinTree(s *ciphersuite.Suite, gc *wire.GroupContext, cred CredentialValidator) (*ratchettree.Tree, error) {
	key := string(gc.TreeHash)
	sh.mu.Lock()
	e, ok := sh.trees[key]
	if ok {
		if e.left--; e.left <= 0 {
			delete(sh.trees, key)
		}
	}
	sh.mu.Unlock()
	if !ok {
		return nil, ErrNoSharedTree
	}
	first := false
	e.once.Do(func() {
		first = true
		t, err := ratchettree.Decode(s, e.data)
		if err != nil {
			e.err = joinErr("ratchet_tree: %v", err)
			return
		}
		if !hmac.Equal(t.TreeHash(), gc.TreeHash) {
			e.err = joinErr("tree hash mismatch")
			return
		}
		if err := t.Validate(ratchettree.ValidateOptions{GroupID: gc.GroupID,
			LeafCheck: TreeLeafCheck(s, gc, &t.View, time.Time{}, cred)}); err != nil {
			e.err = joinErr("tree: %v", err)
			return
		}
		e.tree = t
	})
	sh.mu.Lock()
	if first {
		sh.stats.TreesValidated++
	} else {
		sh.stats.TreesReused++
	}
	sh.mu.Unlock()
	return e.tree, e.err
}

// shareableCommit reports whether the public half of a commit is the same for every member that
// holds the same GroupContext and is all the shared path handles: every proposal is an Add,
// Remove or GroupContextExtensions by value (by-reference proposals and PSKs resolve against a
// member's own caches; ReInit and external commits take the unshared path).
func shareableCommit(c *wire.Commit) bool {
	for i := range c.Proposals {
		p := &c.Proposals[i]
		if p.Type != wire.ProposalOrRefProposal || p.Proposal == nil {
			return false
		}
		switch p.Proposal.Type {
		case wire.ProposalAdd, wire.ProposalRemove, wire.ProposalGroupContextExtensions:
		default:
			return false
		}
	}
	return true
}

// LargeMessage is the size from which a Share recognises a handshake message by the identity
// of its bytes (the same memory, as the simulated transport hands one large message to every
// recipient, see models/mimi EncodeShared) rather than by hashing its content: hashing a
// multi-megabyte commit once per member would cost more than the work shared.
const LargeMessage = 64 << 10

// msgKey identifies a message for a Share: by address and length when large (p != nil), and
// always by a hash of the member's GroupContext (and, for small messages, of the content).
type msgKey struct {
	p *byte
	n int
	h [32]byte
}

func keyOf(gcb, b []byte) msgKey {
	h := sha256.New()
	putBytes(h, gcb)
	k := msgKey{n: len(b)}
	if len(b) >= LargeMessage {
		k.p = &b[0]
	} else {
		putBytes(h, b)
	}
	h.Sum(k.h[:0])
	return k
}

// putBytes writes b to h with its length first.
func putBytes(h interface{ Write([]byte) (int, error) }, b []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// sharedFrame is a large PublicMessage authenticated once: decoded, membership tag and
// signature checked under membershipKey.
type sharedFrame struct {
	epoch         uint64
	left          int
	msg           []byte
	membershipKey []byte
	ac            *framing.AuthenticatedContent
}

// unframeShared authenticates a large PublicMessage once for all members holding the same
// GroupContext: a member reuses the result if its own membership key equals the one the tag was
// checked with (the signature does not depend on the member).
func (g *Group) unframeShared(b []byte) (*framing.AuthenticatedContent, bool, error) {
	sh := g.cfg.Share
	gcb, err := g.gc.Bytes()
	if err != nil {
		return nil, false, err
	}
	key := keyOf(gcb, b)
	reuse := func() (*framing.AuthenticatedContent, bool) {
		sh.mu.Lock()
		defer sh.mu.Unlock()
		e, ok := sh.frames[key]
		if ok && hmac.Equal(e.membershipKey, g.ep.MembershipKey) {
			if e.left--; e.left <= 0 {
				delete(sh.frames, key)
			}
			return e.ac, true
		}
		return nil, false
	}
	if ac, ok := reuse(); ok {
		return ac, true, nil
	}
	sh.frameMu.Lock()
	defer sh.frameMu.Unlock()
	if ac, ok := reuse(); ok { // authenticated by another member while this one waited
		return ac, true, nil
	}
	msg, err := framing.Decode(b)
	if err != nil {
		return nil, false, err
	}
	if msg.WireFormat != framing.WireFormatPublicMessage {
		return nil, false, nil // not shareable: the caller unframes it itself
	}
	// The frame itself is shared below, so its signature is not memoised separately.
	ac, err := framing.UnprotectPublic(g.s, msg.PublicMessage, &g.gc, g.ep.MembershipKey, g.memberKey)
	if err != nil {
		return nil, false, err
	}
	sh.mu.Lock()
	sh.seen(g.gc.Epoch)
	if users := g.tree.MemberCount() - 1; users > 1 {
		sh.frames[key] = &sharedFrame{epoch: g.gc.Epoch, left: users - 1, msg: b, membershipKey: g.ep.MembershipKey, ac: ac}
	}
	sh.mu.Unlock()
	return ac, true, nil
}

// commitPublic returns the public half of processing commit message b (framed as ac), computing
// it on the first call for a given (GroupContext, message).
func (g *Group) commitPublic(ac *framing.AuthenticatedContent, b []byte) (*sharedCommit, error) {
	sh := g.cfg.Share
	gcb, err := g.gc.Bytes()
	if err != nil {
		return nil, err
	}
	key := keyOf(gcb, b)
	reuse := func() (*sharedCommit, bool) {
		sh.mu.Lock()
		defer sh.mu.Unlock()
		e, ok := sh.commits[key]
		if ok {
			sh.stats.CommitsReused++
			if e.left--; e.left <= 0 {
				delete(sh.commits, key)
			}
		}
		return e, ok
	}
	if e, ok := reuse(); ok {
		return e, nil
	}
	sh.commitMu.Lock()
	defer sh.commitMu.Unlock()
	if e, ok := reuse(); ok { // computed by another member while this one waited
		return e, nil
	}

	c := ac.Content.Commit
	sender, a, err := g.commitProposals(ac)
	if err != nil {
		return nil, err
	}
	e := &sharedCommit{epoch: g.gc.Epoch, added: a.added, removed: a.removed, prov: g.gc, interim: g.interim}
	if key.p != nil {
		e.msg = b
	}
	if e.cth, err = confirmedHash(g.s, g.interim, ac); err != nil {
		return nil, err
	}
	e.prov.Epoch++
	if a.extensions != nil {
		e.prov.Extensions = *a.extensions
	}
	if c.Path != nil {
		lp := g.leafParams()
		lp.Tree = &a.ed.View
		lp.Replaces, lp.HasReplaces = sender, true
		lp.SkipSignature = true // MergePath verifies it; key uniqueness is checked here
		if err := ValidateLeafNode(&c.Path.LeafNode, wire.SourceCommit, lp); err != nil {
			return nil, err
		}
		m, err := treekem.MergePath(a.ed, sender, c.Path, &e.prov)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
		e.gcBytes = m.GroupContext
	}
	e.tree = a.ed.Tree()
	e.prov.TreeHash = e.tree.TreeHash()
	if c.Path != nil {
		if e.pr, err = treekem.NewPathResolutions(e.tree, sender, e.added); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
	}
	sh.mu.Lock()
	sh.stats.CommitsMerged++
	sh.seen(g.gc.Epoch)
	if users := g.tree.MemberCount() - 1; users > 1 {
		e.left = users - 1
		sh.commits[key] = e
	}
	sh.mu.Unlock()
	return e, nil
}

// processCommitShared is processCommit for a shareable commit with a Share: the public half comes
// from commitPublic; this member decrypts its own path secret on the shared tree, derives its node
// keys, its key schedule and checks the confirmation tag itself.
func (g *Group) processCommitShared(ac *framing.AuthenticatedContent, b []byte) (*Group, error) {
	e, err := g.commitPublic(ac, b)
	if err != nil {
		return nil, err
	}
	me := g.Leaf()
	for _, l := range e.removed {
		if l == me {
			return nil, ErrRemoved
		}
	}
	c := ac.Content.Commit
	priv := g.priv
	commitSecret := keyschedule.Zero(g.s)
	if c.Path != nil {
		res, err := treekem.DecryptPathResolved(e.tree, priv, c.Path, e.gcBytes, e.pr, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
		commitSecret, priv = res.CommitSecret, res.State
		g.cfg.Share.mu.Lock()
		g.cfg.Share.stats.PathsDecrypted++
		g.cfg.Share.mu.Unlock()
	}
	prov := e.prov
	cth := e.cth
	if !hmac.Equal(g.interim, e.interim) {
		cth = nil // another transcript: compute it
	}
	next, tag, err := g.nextEpochWith(ac, &prov, e.tree, commitSecret, keyschedule.Zero(g.s), priv.Prune(e.tree), cth)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(tag, ac.Auth.ConfirmationTag) {
		return nil, ErrConfirmation
	}
	next.ep.Forget()
	return next, nil
}
