package gomls

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"strings"

	gm "github.com/cisco/go-mls"
	syntax "github.com/cisco/go-tls-syntax"

	"github.com/mimisim/mimisim/models/mls"
)

// Suite is the ciphersuite every group of this engine uses.
const Suite = gm.X25519_AES128GCM_SHA256_Ed25519

const (
	engineName    = "gomls"
	engineVersion = "github.com/cisco/go-mls v0.0.0-20210331162924-158a3829b839 (draft-09 era, not RFC 9420)"

	// maxMembers is the largest group in which every commit with an UpdatePath works; see
	// doc.go and TestLimitAt129Members.
	maxMembers = 128

	// secretSize is the size of the leaf, init and path secrets drawn for the suite.
	secretSize = 32

	// keyPackageNotAfter is the fixed end of every KeyPackage's lifetime (9999-12-31T23:59:59Z).
	// go-mls stamps KeyPackages with the wall clock; a fixed lifetime keeps them a function of
	// the client's seed.
	keyPackageNotAfter = 253402300799

	// authenticatorLabel is the exporter label of EpochAuthenticator.
	authenticatorLabel = "mimisim epoch authenticator"
	authenticatorSize  = 32

	// maxExportLabel and maxExportLength keep Export inside what go-mls's HKDF-Expand-Label can
	// encode ("mls10 " + label must fit a one-byte length; the HKDF counter is one byte).
	maxExportLabel  = 255 - len("mls10 ")
	maxExportLength = 255 * 32

	// limitText is the go-tls-syntax message go-mls returns when a group outgrows its encoding.
	limitText = "Encoded length too long for header length"

	// ownCommitText is the go-mls message of State.Handle for a commit of the state's own leaf,
	// which it returns only after it has verified the commit's signature (see removedBy).
	ownCommitText = "handle own commits with caching"
)

// Engine is the cisco/go-mls engine. Its zero value is ready to use.
type Engine struct{}

var (
	_ mls.Engine = (*Engine)(nil)
	_ mls.Client = (*Client)(nil)
	_ mls.Member = (*Member)(nil)
)

// New returns the go-mls engine.
func New() *Engine { return &Engine{} }

// Name returns "gomls".
func (*Engine) Name() string { return engineName }

// Version returns the module path and pseudo-version of go-mls.
func (*Engine) Version() string { return engineVersion }

// MaxMembers returns 128: from 129 members on, commits with an UpdatePath fail for the members in
// the first 128 leaves.
func (*Engine) MaxMembers() int { return maxMembers }

// NewClient creates a client whose signature key and secrets are derived from seed. Clients with
// equal seeds have equal keys, so give every client its own seed.
func (*Engine) NewClient(identity string, seed []byte) (mls.Client, error) {
	return NewClient(identity, seed)
}

// NewClient is Engine.NewClient with the concrete result type.
func NewClient(identity string, seed []byte) (*Client, error) {
	if identity == "" {
		return nil, errors.New("gomls: empty identity")
	}
	if len(identity) > 0xffff {
		return nil, fmt.Errorf("gomls: identity of %d bytes is longer than 65535", len(identity))
	}
	scheme := Suite.Scheme()
	sigPriv, err := scheme.Derive(derive("signature", seed))
	if err != nil {
		return nil, fmt.Errorf("gomls: derive signature key: %w", err)
	}
	var streamSeed [32]byte
	copy(streamSeed[:], derive("secrets", seed))
	return &Client{
		identity: identity,
		sigPriv:  sigPriv,
		cred:     gm.NewBasicCredential([]byte(identity), scheme, sigPriv.PublicKey),
		rng:      rand.NewChaCha8(streamSeed),
		issued:   map[string]issued{},
	}, nil
}

// derive hashes a purpose label and the client seed into 32 bytes.
func derive(purpose string, seed []byte) []byte {
	h := sha256.New()
	h.Write([]byte("mimisim/gomls/" + purpose + "\x00"))
	h.Write(seed)
	return h.Sum(nil)
}

// Client is one device of the go-mls engine. It is not safe for concurrent use.
type Client struct {
	identity string
	sigPriv  gm.SignaturePrivateKey
	cred     *gm.Credential
	rng      *rand.ChaCha8
	// issued maps the hash of each KeyPackage not yet used by Join to its secret.
	issued map[string]issued
}

type issued struct {
	secret []byte
	kp     gm.KeyPackage
}

// Identity returns the client's identity, as carried in its credential.
func (c *Client) Identity() string { return c.identity }

// secret draws a fresh secret from the client's ChaCha8 stream.
func (c *Client) secret() []byte {
	b := make([]byte, secretSize)
	_, _ = c.rng.Read(b) // ChaCha8.Read never fails
	return b
}

// newKeyPackage builds a KeyPackage whose init key derives from initSecret, with a fixed lifetime.
func (c *Client) newKeyPackage(initSecret []byte) (*gm.KeyPackage, error) {
	kp, err := gm.NewKeyPackageWithSecret(Suite, initSecret, c.cred, c.sigPriv)
	if err != nil {
		return nil, err
	}
	if err := kp.SetExtensions([]gm.ExtensionBody{gm.LifetimeExtension{NotBefore: 0, NotAfter: keyPackageNotAfter}}); err != nil {
		return nil, err
	}
	if err := kp.Sign(c.sigPriv); err != nil {
		return nil, err
	}
	return kp, nil
}

// KeyPackage returns a fresh encoded KeyPackage and keeps its secret until Join uses it.
func (c *Client) KeyPackage() ([]byte, error) {
	secret := c.secret()
	kp, err := c.newKeyPackage(secret)
	if err != nil {
		return nil, fmt.Errorf("gomls: key package: %w", err)
	}
	enc, err := syntax.Marshal(*kp)
	if err != nil {
		return nil, fmt.Errorf("gomls: encode key package: %w", err)
	}
	c.issued[string(Suite.Digest(enc))] = issued{secret: secret, kp: *kp}
	return enc, nil
}

// UnusedKeyPackages returns the number of issued KeyPackages that no Join has used yet.
func (c *Client) UnusedKeyPackages() int { return len(c.issued) }

// CreateGroup starts a one-member group at epoch 0.
func (c *Client) CreateGroup(groupID []byte) (mls.Member, error) {
	if len(groupID) == 0 || len(groupID) > 255 {
		return nil, fmt.Errorf("gomls: group id of %d bytes; want 1 to 255", len(groupID))
	}
	secret := c.secret()
	kp, err := c.newKeyPackage(secret)
	if err != nil {
		return nil, fmt.Errorf("gomls: create group: %w", err)
	}
	st, err := gm.NewEmptyState(bytes.Clone(groupID), secret, c.sigPriv, *kp)
	if err != nil {
		return nil, fmt.Errorf("gomls: create group: %w", err)
	}
	return &Member{client: c, state: st}, nil
}

// Join enters a group from a Welcome that encrypts the group secrets to one of the client's
// KeyPackages. The KeyPackage is used up by a successful Join.
func (c *Client) Join(welcome []byte) (_ mls.Member, err error) {
	defer guard("join", &err)
	var w gm.Welcome
	if err := decode(welcome, &w); err != nil {
		return nil, fmt.Errorf("gomls: join: decode welcome: %w", err)
	}
	if w.CipherSuite != Suite {
		return nil, fmt.Errorf("gomls: join: welcome uses ciphersuite %v, want %v", w.CipherSuite, Suite)
	}
	for _, egs := range w.Secrets {
		key := string(egs.KeyPackageHash)
		is, ok := c.issued[key]
		if !ok {
			continue
		}
		st, err := gm.NewJoinedState(is.secret, []gm.SignaturePrivateKey{c.sigPriv}, []gm.KeyPackage{is.kp}, w)
		if err != nil {
			return nil, fmt.Errorf("gomls: join: %w", err)
		}
		delete(c.issued, key)
		dropStalePathSecrets(st)
		compactBytes(reflect.ValueOf(&st.Tree).Elem())
		return &Member{client: c, state: st}, nil
	}
	return nil, fmt.Errorf("gomls: join: the welcome is addressed to none of the %d unused key packages of %q",
		len(c.issued), c.identity)
}

// dropStalePathSecrets removes from a joiner's private tree every path secret whose key pair does
// not match the public tree. go-mls commits that only add members carry no UpdatePath, yet their
// Welcome hands each joiner the committer's old secret for the joiner's common ancestor with the
// committer. After a Remove has blanked that node, the secret is stale, and so are the secrets
// the joiner derives from it up to the root; a later commit encrypted to one of those nodes then
// fails for the joiner ("message authentication failed"). Secrets that do match are kept, so the
// repair changes nothing when the Welcome was right. See TestAddAfterRemove.
func dropStalePathSecrets(st *gm.State) {
	own := gm.NodeIndex(2 * st.Index)
	for n, secret := range st.TreePriv.PathSecrets {
		if n == own {
			continue
		}
		if int(n) >= len(st.Tree.Nodes) || st.Tree.Nodes[n].Blank() {
			delete(st.TreePriv.PathSecrets, n)
			continue
		}
		// A one-secret private key, built by go-mls so that go-mls derives the key pair.
		probe := gm.NewTreeKEMPrivateKeyForJoiner(Suite, st.Index, st.Tree.Size(), secret, own, nil)
		probe.PathSecrets = map[gm.NodeIndex]gm.Bytes1{n: secret}
		if !probe.ConsistentPub(st.Tree) {
			delete(st.TreePriv.PathSecrets, n)
		}
	}
}

// Member is a client's go-mls state in one group. It is not safe for concurrent use.
type Member struct {
	client *Client
	state  *gm.State
	// updates holds the private material of the Update proposals the member sent in its current
	// epoch, keyed by proposal id (the digest of the encoded proposal); see ProposeUpdate.
	updates map[string]ownUpdate
}

// ownUpdate is the private material of one Update proposal the member sent.
type ownUpdate struct {
	epoch gm.Epoch
	// ref is go-mls's 64-bit key of the proposal in State.PendingUpdates.
	ref gm.ProposalRef
	// carrier holds go-mls's entry for the proposal, PendingUpdates[ref], whose value type is
	// unexported; only the map is used.
	carrier *gm.StateSecrets
}

// pendingState is the private payload of a Pending built by a Member.
type pendingState struct {
	owner *Member
	next  *gm.State
}

// Epoch returns the current epoch.
func (m *Member) Epoch() uint64 { return uint64(m.state.Epoch) }

// Index returns the member's leaf index.
func (m *Member) Index() int { return int(m.state.Index) }

// Size returns the number of occupied leaves.
func (m *Member) Size() int {
	n := 0
	tree := m.state.Tree
	for i := gm.LeafIndex(0); gm.LeafCount(i) < tree.Size(); i++ {
		if _, ok := tree.KeyPackage(i); ok {
			n++
		}
	}
	return n
}

// Members returns the credential identities of the occupied leaves in leaf order.
func (m *Member) Members() []string {
	tree := m.state.Tree
	var ids []string
	for i := gm.LeafIndex(0); gm.LeafCount(i) < tree.Size(); i++ {
		if kp, ok := tree.KeyPackage(i); ok {
			ids = append(ids, string(kp.Credential.Identity()))
		}
	}
	return ids
}

// EpochAuthenticator returns 32 bytes exported with the label "mimisim epoch authenticator" and an
// empty context: go-mls has no epoch authenticator of its own (see doc.go).
func (m *Member) EpochAuthenticator() []byte {
	return m.state.Keys.Export(authenticatorLabel, nil, authenticatorSize)
}

// clone copies a state deeply enough that building proposals and commits on the copy leaves the
// original untouched, and repairs what go-mls's State.Clone gets wrong:
//   - it drops the confirmed transcript hash, which proposal and commit signatures cover;
//   - it shares the map of pending update secrets;
//   - it shares the extension lists of the leaf KeyPackages, which TreeKEM Encap rewrites in place
//     when it re-signs the committer's leaf (so an unadopted commit would alter the live tree);
//   - it turns a not-yet-computed (nil) tree hash into an empty one, which the tree-hash code then
//     takes for a computed hash, so the clone's tree hash would differ from a joiner's.
//
// The clone's tree hashes are therefore recomputed whenever any of them is missing.
func clone(s *gm.State) *gm.State {
	c := s.Clone()
	c.ConfirmedTranscriptHash = bytes.Clone(s.ConfirmedTranscriptHash)
	c.PendingUpdates = maps.Clone(s.PendingUpdates)
	c.Extensions = copyExtensions(s.Extensions)
	stale := false
	for i := range c.Tree.Nodes {
		n := &c.Tree.Nodes[i]
		if len(n.Hash) == 0 {
			stale = true
		}
		if n.Node != nil && n.Node.Leaf != nil {
			n.Node.Leaf.Extensions = copyExtensions(n.Node.Leaf.Extensions)
		}
	}
	if stale {
		for i := range c.Tree.Nodes {
			c.Tree.Nodes[i].Hash = nil
		}
		// SetHashAll fails only if a node cannot be encoded; the commit that follows then fails
		// with the same error, so it is not reported here.
		_ = c.Tree.SetHashAll()
	}
	return c
}

// copyExtensions returns a deep copy of an extension list.
func copyExtensions(l gm.ExtensionList) gm.ExtensionList {
	out := gm.ExtensionList{Entries: make([]gm.Extension, len(l.Entries))}
	for i, e := range l.Entries {
		out.Entries[i] = gm.Extension{ExtensionType: e.ExtensionType, ExtensionData: bytes.Clone(e.ExtensionData)}
	}
	return out
}

// Add builds a commit adding the holders of the KeyPackages (one Add proposal each). go-mls
// commits that contain only Adds carry no UpdatePath.
func (m *Member) Add(keyPackages [][]byte) (_ *mls.Pending, err error) {
	defer guard("add", &err)
	if len(keyPackages) == 0 {
		return nil, errors.New("gomls: add: no key packages")
	}
	work := clone(m.state)
	var handshake [][]byte
	for i, enc := range keyPackages {
		var kp gm.KeyPackage
		if err := decode(enc, &kp); err != nil {
			return nil, fmt.Errorf("gomls: add: decode key package %d: %w", i, err)
		}
		if kp.CipherSuite != Suite {
			return nil, fmt.Errorf("gomls: add: key package %d uses ciphersuite %v, want %v", i, kp.CipherSuite, Suite)
		}
		if !kp.Verify() {
			return nil, fmt.Errorf("gomls: add: key package %d does not verify", i)
		}
		pt, err := work.Add(kp)
		if err != nil {
			return nil, fmt.Errorf("gomls: add: proposal %d: %w", i, err)
		}
		msg, err := m.cache(work, pt)
		if err != nil {
			return nil, fmt.Errorf("gomls: add: proposal %d: %w", i, err)
		}
		handshake = append(handshake, msg)
	}
	return m.commit(work, handshake, mls.OpCommitAdd, true)
}

// Remove builds a commit removing the members at the given leaves (one Remove proposal each).
func (m *Member) Remove(leaves []int) (*mls.Pending, error) {
	if len(leaves) == 0 {
		return nil, errors.New("gomls: remove: no leaves")
	}
	seen := map[int]bool{}
	for _, l := range leaves {
		switch {
		case l == m.Index():
			return nil, fmt.Errorf("gomls: remove: leaf %d is the committer itself", l)
		case l < 0 || gm.LeafCount(l) >= m.state.Tree.Size():
			return nil, fmt.Errorf("gomls: remove: leaf %d is outside the tree of %d leaves", l, m.state.Tree.Size())
		case seen[l]:
			return nil, fmt.Errorf("gomls: remove: leaf %d given twice", l)
		}
		if _, ok := m.state.Tree.KeyPackage(gm.LeafIndex(l)); !ok {
			return nil, fmt.Errorf("gomls: remove: leaf %d is empty", l)
		}
		seen[l] = true
	}
	work := clone(m.state)
	var handshake [][]byte
	for _, l := range leaves {
		pt, err := work.Remove(gm.LeafIndex(l))
		if err != nil {
			return nil, fmt.Errorf("gomls: remove: proposal for leaf %d: %w", l, err)
		}
		msg, err := m.cache(work, pt)
		if err != nil {
			return nil, fmt.Errorf("gomls: remove: proposal for leaf %d: %w", l, err)
		}
		handshake = append(handshake, msg)
	}
	return m.commit(work, handshake, mls.OpCommitRemove, false)
}

// Update builds a commit with no proposals; go-mls gives such an "empty" commit an UpdatePath.
func (m *Member) Update() (*mls.Pending, error) {
	return m.commit(clone(m.state), nil, mls.OpCommitUpdate, false)
}

// ProposeUpdate builds an Update proposal with a fresh KeyPackage for the member's leaf (same
// credential, new init key from the client's secret stream). The leaf secret stays with the member,
// outside its go-mls state, until the epoch ends; Process hands it to go-mls when a commit of
// another member includes the proposal.
func (m *Member) ProposeUpdate() ([]byte, error) {
	secret := m.client.secret()
	kp, err := m.client.newKeyPackage(secret)
	if err != nil {
		return nil, m.fail(mls.OpPropose, "update key package", err)
	}
	// State.Update records the secret in the state's PendingUpdates map; give it a map of its own
	// so that the member's state does not change.
	tmp := *m.state
	tmp.PendingUpdates = emptyLike(m.state.PendingUpdates)
	pt, err := tmp.Update(secret, nil, *kp)
	if err != nil {
		return nil, m.fail(mls.OpPropose, "update proposal", err)
	}
	enc, err := syntax.Marshal(*pt)
	if err != nil {
		return nil, m.fail(mls.OpPropose, "encode update proposal", err)
	}
	if len(tmp.PendingUpdates) != 1 {
		return nil, fmt.Errorf("gomls: %s: go-mls kept %d update secrets, want 1", mls.OpPropose, len(tmp.PendingUpdates))
	}
	u := ownUpdate{epoch: m.state.Epoch, carrier: &gm.StateSecrets{PendingUpdates: tmp.PendingUpdates}}
	for ref := range tmp.PendingUpdates {
		u.ref = ref
	}
	m.forgetOldUpdates()
	if m.updates == nil {
		m.updates = map[string]ownUpdate{}
	}
	m.updates[string(Suite.Digest(enc))] = u
	return enc, nil
}

// emptyLike returns an empty map of the type of m (go-mls's PendingUpdates map has an unexported
// value type).
func emptyLike[K comparable, V any](map[K]V) map[K]V { return map[K]V{} }

// forgetOldUpdates drops the private material of Update proposals sent in earlier epochs: no
// commit can include them any more.
func (m *Member) forgetOldUpdates() {
	maps.DeleteFunc(m.updates, func(_ string, u ownUpdate) bool { return u.epoch != m.state.Epoch })
}

// ProposeRemove builds a Remove proposal for the member at leaf. The leaf may be the member's own
// (a request to leave); it must then be committed by another member.
func (m *Member) ProposeRemove(leaf int) ([]byte, error) {
	switch {
	case leaf < 0 || gm.LeafCount(leaf) >= m.state.Tree.Size():
		return nil, fmt.Errorf("gomls: %s: remove leaf %d is outside the tree of %d leaves", mls.OpPropose, leaf, m.state.Tree.Size())
	case !m.occupied(gm.LeafIndex(leaf)):
		return nil, fmt.Errorf("gomls: %s: remove leaf %d is empty", mls.OpPropose, leaf)
	}
	pt, err := m.state.Remove(gm.LeafIndex(leaf))
	if err != nil {
		return nil, m.fail(mls.OpPropose, "remove proposal", err)
	}
	enc, err := syntax.Marshal(*pt)
	if err != nil {
		return nil, m.fail(mls.OpPropose, "encode remove proposal", err)
	}
	return enc, nil
}

// occupied reports whether leaf is inside the tree and holds a member.
func (m *Member) occupied(leaf gm.LeafIndex) bool {
	if gm.LeafCount(leaf) >= m.state.Tree.Size() {
		return false
	}
	_, ok := m.state.Tree.KeyPackage(leaf)
	return ok
}

// CommitProposals builds a commit of other members' proposals of the member's epoch. The proposals
// are verified (signature, sender, content) on a copy of the state, in order, and committed with an
// UpdatePath when go-mls requires one (any Update or Remove); the Pending carries a Welcome when a
// proposal adds members. The adapter refuses what RFC 9420 makes a commit invalid for and go-mls
// does not check: the committer's own proposals, a proposal given twice, two Updates or Removes of
// one leaf, a Remove of the committer, an empty or outside leaf, and one KeyPackage added twice.
func (m *Member) CommitProposals(proposals [][]byte) (_ *mls.Pending, err error) {
	const op = mls.OpCommitProposals
	defer guard(string(op), &err)
	if len(proposals) == 0 {
		return nil, fmt.Errorf("gomls: %s: no proposals (use Update for an empty commit)", op)
	}
	work := clone(m.state)
	seen := map[string]int{}          // proposal id -> index
	touched := map[gm.LeafIndex]int{} // leaf updated or removed -> index
	joiners := map[string]int{}       // digest of an added KeyPackage -> index
	handshake := make([][]byte, 0, len(proposals)+1)
	for i, enc := range proposals {
		var pt gm.MLSPlaintext
		if err := decode(enc, &pt); err != nil {
			return nil, fmt.Errorf("gomls: %s: decode proposal %d: %w", op, i, err)
		}
		switch {
		case !bytes.Equal(pt.GroupID, m.state.GroupID):
			return nil, fmt.Errorf("gomls: %s: proposal %d is for another group", op, i)
		case pt.Epoch != m.state.Epoch:
			return nil, fmt.Errorf("gomls: %s: %w: proposal %d is for epoch %d, member is in epoch %d",
				op, mls.ErrWrongEpoch, i, pt.Epoch, m.state.Epoch)
		case pt.Content.Proposal == nil:
			return nil, fmt.Errorf("gomls: %s: message %d is not a proposal", op, i)
		case pt.Sender.Type != gm.SenderTypeMember:
			return nil, fmt.Errorf("gomls: %s: proposal %d is not from a member", op, i)
		case gm.LeafIndex(pt.Sender.Sender) == m.state.Index:
			return nil, fmt.Errorf("gomls: %s: proposal %d is the committer's own", op, i)
		}
		id, err := proposalID(&pt)
		if err != nil {
			return nil, fmt.Errorf("gomls: %s: proposal %d: %w", op, i, err)
		}
		if j, dup := seen[id]; dup {
			return nil, fmt.Errorf("gomls: %s: proposal %d repeats proposal %d", op, i, j)
		}
		seen[id] = i
		var leaf gm.LeafIndex // the leaf an Update or Remove changes
		switch p := pt.Content.Proposal; {
		case p.Add != nil:
			if p.Add.KeyPackage.CipherSuite != Suite {
				return nil, fmt.Errorf("gomls: %s: proposal %d adds a key package of ciphersuite %v", op, i, p.Add.KeyPackage.CipherSuite)
			}
			kp, err := syntax.Marshal(p.Add.KeyPackage)
			if err != nil {
				return nil, fmt.Errorf("gomls: %s: proposal %d: %w", op, i, err)
			}
			if j, dup := joiners[string(Suite.Digest(kp))]; dup {
				return nil, fmt.Errorf("gomls: %s: proposal %d adds the key package of proposal %d", op, i, j)
			}
			joiners[string(Suite.Digest(kp))] = i
		case p.Update != nil:
			if p.Update.KeyPackage.CipherSuite != Suite {
				// go-mls panics on this.
				return nil, fmt.Errorf("gomls: %s: proposal %d updates to a key package of ciphersuite %v", op, i, p.Update.KeyPackage.CipherSuite)
			}
			leaf = gm.LeafIndex(pt.Sender.Sender)
		case p.Remove != nil:
			leaf = p.Remove.Removed
			switch {
			case leaf == m.state.Index:
				return nil, fmt.Errorf("gomls: %s: proposal %d removes the committer", op, i)
			case !m.occupied(leaf):
				return nil, fmt.Errorf("gomls: %s: proposal %d removes leaf %d, which is empty or outside the tree", op, i, leaf)
			}
		}
		if p := pt.Content.Proposal; p.Update != nil || p.Remove != nil {
			if j, dup := touched[leaf]; dup {
				return nil, fmt.Errorf("gomls: %s: proposals %d and %d both update or remove leaf %d", op, j, i, leaf)
			}
			touched[leaf] = i
		}
		if _, err := work.Handle(&pt); err != nil {
			return nil, fmt.Errorf("gomls: %s: proposal %d: %w", op, i, err)
		}
		handshake = append(handshake, bytes.Clone(enc))
	}
	return m.commit(work, handshake, op, len(joiners) > 0)
}

// proposalID returns go-mls's id of a proposal (the digest of its encoding) as a map key.
func proposalID(pt *gm.MLSPlaintext) (string, error) {
	enc, err := syntax.Marshal(*pt)
	if err != nil {
		return "", err
	}
	return string(Suite.Digest(enc)), nil
}

// cache hands the sender's own proposal to its working state, as go-mls requires before Commit,
// and returns its encoding.
func (m *Member) cache(work *gm.State, pt *gm.MLSPlaintext) ([]byte, error) {
	if _, err := work.Handle(pt); err != nil {
		return nil, err
	}
	return syntax.Marshal(*pt)
}

// commit commits the proposals cached in work and packages the result.
func (m *Member) commit(work *gm.State, handshake [][]byte, op mls.Op, welcome bool) (*mls.Pending, error) {
	pt, w, next, err := work.Commit(m.client.secret())
	if err != nil {
		return nil, m.fail(op, "commit", err)
	}
	msg, err := syntax.Marshal(*pt)
	if err != nil {
		return nil, m.fail(op, "encode commit", err)
	}
	p := &mls.Pending{
		Handshake: append(handshake, msg),
		Epoch:     m.Epoch(),
		Op:        op,
		State:     &pendingState{owner: m, next: next},
	}
	if welcome {
		if p.Welcome, err = syntax.Marshal(*w); err != nil {
			return nil, m.fail(op, "encode welcome", err)
		}
	}
	return p, nil
}

// fail wraps an error of op, as a *mls.LimitError when it is go-mls's size limit.
func (m *Member) fail(op mls.Op, what string, err error) error {
	if strings.Contains(err.Error(), limitText) {
		return &mls.LimitError{Engine: engineName, Op: op, GroupSize: m.Size(), Err: err}
	}
	return fmt.Errorf("gomls: %s: %s: %w", op, what, err)
}

// Adopt moves the member to the epoch of a Pending it built itself.
func (m *Member) Adopt(p *mls.Pending) error {
	if p == nil {
		return errors.New("gomls: adopt: nil pending commit")
	}
	ps, ok := p.State.(*pendingState)
	if !ok || ps.owner != m {
		return errors.New("gomls: adopt: the pending commit was not built by this member")
	}
	if p.Epoch != m.Epoch() {
		return fmt.Errorf("gomls: adopt: %w: commit built in epoch %d, member is in epoch %d",
			mls.ErrWrongEpoch, p.Epoch, m.Epoch())
	}
	m.state = ps.next
	m.forgetOldUpdates()
	return nil
}

// Process applies another member's proposals and commit, in order. The member changes only if
// every message is accepted.
//
// An Update proposal of the member itself is matched, by proposal id, with the private material
// ProposeUpdate kept, which is handed to go-mls just for this commit. If the commit removes the
// member, go-mls verifies the commit, blanks the member's own leaf and direct path and then fails
// to decrypt the UpdatePath; Process reports that as an error wrapping mls.ErrRemoved.
func (m *Member) Process(handshake [][]byte) (err error) {
	defer guard("process", &err)
	if len(handshake) == 0 {
		return errors.New("gomls: process: no messages")
	}
	work := clone(m.state)
	// go-mls looks the secrets of the member's own Updates up in PendingUpdates; the live state's
	// map stays empty and gets only the entries of this handshake (see ProposeUpdate).
	work.PendingUpdates = emptyLike(work.PendingUpdates)
	removesMe := map[string]bool{} // ids of the accepted Remove proposals of the member's leaf
	for i, enc := range handshake {
		var pt gm.MLSPlaintext
		if err := decode(enc, &pt); err != nil {
			return fmt.Errorf("gomls: process: decode message %d: %w", i, err)
		}
		if !bytes.Equal(pt.GroupID, m.state.GroupID) {
			return fmt.Errorf("gomls: process: message %d is for another group", i)
		}
		if pt.Epoch != m.state.Epoch {
			return fmt.Errorf("gomls: process: %w: message %d is for epoch %d, member is in epoch %d",
				mls.ErrWrongEpoch, i, pt.Epoch, m.state.Epoch)
		}
		last := i == len(handshake)-1
		switch ct := pt.Content.Type(); {
		case !last && ct != gm.ContentTypeProposal:
			return fmt.Errorf("gomls: process: message %d of %d is not a proposal", i, len(handshake))
		case last && ct != gm.ContentTypeCommit:
			return fmt.Errorf("gomls: process: last message is not a commit")
		}
		var id string
		if !last {
			var err error
			if id, err = proposalID(&pt); err != nil {
				return fmt.Errorf("gomls: process: message %d: %w", i, err)
			}
			if pt.Sender.Type == gm.SenderTypeMember && gm.LeafIndex(pt.Sender.Sender) == m.state.Index &&
				pt.Content.Proposal.Update != nil {
				u, ok := m.updates[id]
				if !ok || u.epoch != m.state.Epoch {
					return fmt.Errorf("gomls: process: message %d is an Update proposal of this member that it holds no secret for", i)
				}
				// Entries are added in handshake order: should two own Updates collide in go-mls's
				// ref, the later one, which go-mls applies last, wins, as it must.
				for ref, v := range u.carrier.PendingUpdates {
					work.PendingUpdates[ref] = v
				}
			}
		}
		next, err := work.Handle(&pt)
		if err != nil {
			if last && m.removedBy(&pt, removesMe) {
				return fmt.Errorf("gomls: process: %w (leaf %d); go-mls: %v", mls.ErrRemoved, m.state.Index, err)
			}
			return fmt.Errorf("gomls: process: message %d: %w", i, err)
		}
		if !last {
			if r := pt.Content.Proposal.Remove; r != nil && r.Removed == m.state.Index {
				removesMe[id] = true
			}
			continue
		}
		if next == nil {
			return errors.New("gomls: process: the commit produced no new state")
		}
		if _, ok := next.Tree.KeyPackage(m.state.Index); !ok {
			// Not reached with go-mls, whose Remove commits always carry an UpdatePath.
			return fmt.Errorf("gomls: process: %w (leaf %d is empty after the commit)", mls.ErrRemoved, m.state.Index)
		}
		clear(next.PendingUpdates)
		m.state = next
		m.forgetOldUpdates()
	}
	return nil
}

// removedBy reports whether commit, which go-mls refused, lists one of the accepted Remove
// proposals of the member's leaf (ids in removesMe) and carries a valid signature of a member.
// go-mls verifies the signature before it applies the proposals, but its refusal does not say how
// far it got; so the signature is checked again by handling the commit in a copy of the state that
// takes the committer's leaf index, where go-mls stops right after the signature check because a
// commit of its own must come from Commit ("handle own commits with caching").
func (m *Member) removedBy(commit *gm.MLSPlaintext, removesMe map[string]bool) bool {
	listed := false
	for _, id := range commit.Content.Commit.Commit.Removes {
		listed = listed || removesMe[string(id.Hash)]
	}
	if !listed || commit.Sender.Type != gm.SenderTypeMember {
		return false
	}
	probe := clone(m.state)
	probe.Index = gm.LeafIndex(commit.Sender.Sender)
	_, err := probe.Handle(commit)
	return err != nil && strings.Contains(err.Error(), ownCommitText)
}

// Protect encrypts an application message for the current epoch.
func (m *Member) Protect(plaintext []byte) ([]byte, error) {
	ct, err := m.state.Protect(plaintext)
	if err != nil {
		return nil, fmt.Errorf("gomls: protect: %w", err)
	}
	enc, err := syntax.Marshal(*ct)
	if err != nil {
		return nil, fmt.Errorf("gomls: protect: encode: %w", err)
	}
	return enc, nil
}

// Unprotect decrypts an application message of the current epoch.
func (m *Member) Unprotect(ciphertext []byte) (_ []byte, err error) {
	defer guard("unprotect", &err)
	var ct gm.MLSCiphertext
	if err := decode(ciphertext, &ct); err != nil {
		return nil, fmt.Errorf("gomls: unprotect: decode: %w", err)
	}
	if !bytes.Equal(ct.GroupID, m.state.GroupID) {
		return nil, errors.New("gomls: unprotect: message is for another group")
	}
	if ct.Epoch != m.state.Epoch {
		return nil, fmt.Errorf("gomls: unprotect: %w: message is for epoch %d, member is in epoch %d",
			mls.ErrWrongEpoch, ct.Epoch, m.state.Epoch)
	}
	pt, err := m.state.Unprotect(&ct)
	if err != nil {
		return nil, fmt.Errorf("gomls: unprotect: %w", err)
	}
	return pt, nil
}

// Export derives length bytes from the epoch's exporter secret (go-mls's draft-09 exporter).
func (m *Member) Export(label string, context []byte, length int) ([]byte, error) {
	if len(label) > maxExportLabel {
		return nil, fmt.Errorf("gomls: export: label of %d bytes is longer than %d", len(label), maxExportLabel)
	}
	if length <= 0 || length > maxExportLength {
		return nil, fmt.Errorf("gomls: export: length %d outside 1..%d", length, maxExportLength)
	}
	return m.state.Keys.Export(label, context, length), nil
}

// publicState mirrors the fields of go-mls's State that it marshals (those not tagged omit).
type publicState struct {
	CipherSuite             gm.CipherSuite
	GroupID                 []byte `tls:"head=1"`
	Epoch                   gm.Epoch
	Tree                    gm.TreeKEMPublicKey
	ConfirmedTranscriptHash []byte `tls:"head=1"`
	InterimTranscriptHash   []byte `tls:"head=1"`
	Extensions              gm.ExtensionList
}

// StateSize returns the TLS-encoded size of the member's state: the public group state (ratchet
// tree with every KeyPackage, transcript hashes, extensions) plus go-mls's StateSecrets (private
// tree secrets, key schedule with its secret trees and hash ratchets, signature key, pending
// proposals, and the update secrets of the member's outstanding Update proposals). It returns -1
// if go-mls cannot encode the state.
func (m *Member) StateSize() int {
	s := m.state
	pub, err := syntax.Marshal(publicState{
		CipherSuite:             s.CipherSuite,
		GroupID:                 s.GroupID,
		Epoch:                   s.Epoch,
		Tree:                    s.Tree,
		ConfirmedTranscriptHash: s.ConfirmedTranscriptHash,
		InterimTranscriptHash:   s.InterimTranscriptHash,
		Extensions:              s.Extensions,
	})
	if err != nil {
		return -1
	}
	secrets := s.GetSecrets() // its PendingUpdates is a fresh copy
	for _, u := range m.updates {
		for ref, v := range u.carrier.PendingUpdates {
			secrets.PendingUpdates[ref] = v
		}
	}
	sec, err := syntax.Marshal(secrets)
	if err != nil {
		return -1
	}
	return len(pub) + len(sec)
}

// decode unmarshals a whole message: trailing bytes are an error.
func decode(data []byte, v any) error {
	n, err := syntax.Unmarshal(data, v)
	if err != nil {
		return err
	}
	if n != len(data) {
		return fmt.Errorf("%d trailing bytes after %d", len(data)-n, n)
	}
	return nil
}

// guard turns a panic inside go-mls (which panics on some malformed inputs, e.g. leaf indices
// outside the tree) into an error of the adapter method.
func guard(op string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("gomls: %s: go-mls panicked: %v", op, r)
	}
}

// compactBytes replaces every byte slice reachable from v through exported fields, pointers,
// slices and arrays with an exact copy. go-tls-syntax decodes each field from a fresh copy of the
// rest of the message and hands out sub-slices of that copy, so without this a joiner's ratchet
// tree pins O(n) copies of the Welcome's O(n)-byte tail: O(n^2) bytes per member.
func compactBytes(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			compactBytes(v.Elem())
		}
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			if t.Field(i).IsExported() {
				compactBytes(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if v.CanSet() && !v.IsNil() {
				v.SetBytes(bytes.Clone(v.Bytes()))
			}
			return
		}
		for i := range v.Len() {
			compactBytes(v.Index(i))
		}
	case reflect.Array:
		for i := range v.Len() {
			compactBytes(v.Index(i))
		}
	}
}
