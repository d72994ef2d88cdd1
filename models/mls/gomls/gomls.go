package gomls

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
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
	return nil
}

// Process applies another member's proposals and commit, in order. The member changes only if
// every message is accepted.
func (m *Member) Process(handshake [][]byte) (err error) {
	defer guard("process", &err)
	if len(handshake) == 0 {
		return errors.New("gomls: process: no messages")
	}
	work := clone(m.state)
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
		next, err := work.Handle(&pt)
		if err != nil {
			return fmt.Errorf("gomls: process: message %d: %w", i, err)
		}
		if last {
			if next == nil {
				return errors.New("gomls: process: the commit produced no new state")
			}
			m.state = next
		}
	}
	return nil
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
// proposals). It returns -1 if go-mls cannot encode the state.
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
	sec, err := syntax.Marshal(s.GetSecrets())
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
