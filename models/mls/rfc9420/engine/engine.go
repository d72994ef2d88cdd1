// Package engine adapts the from-scratch RFC 9420 implementation (package group) to the
// simulator's mls.Engine, mls.Client and mls.Member interfaces, under the engine name "rfc9420".
// Handshake messages are PublicMessages; commits always carry an UpdatePath. It also implements
// the optional interfaces mls.GroupInfoPublisher, mls.ExternalJoiner, mls.ExternalSenderEngine and
// mls.ExternalSenderCreator (external.go).
package engine

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/group"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// Name is the engine's name in scenario files.
const Name = "rfc9420"

// Engine creates rfc9420 clients of one cipher suite. The members of all its clients share one
// group.Share: epoch-identical public work (signature verification, the public half of a commit,
// decoding and validating an out-of-band tree) is done once per engine; every member's private
// work is its own (see group.Share). Welcomes are sent without the ratchet_tree extension: the
// joiners take the tree from the Share, as they would fetch it from the delivery service, and
// Pending.TreeBytes reports its size so that the lab charges its download.
type Engine struct {
	suite *ciphersuite.Suite
	share *group.Share

	mu sync.Mutex
	// sizes holds the last two trees StateSize encoded and their sizes, newest first (see
	// treeSize).
	sizes [2]treeSizeEntry
	split splitCache
}

// splitCache holds the last Welcome SplitWelcome decoded.
type splitCache struct {
	first *byte
	n     int
	w     *wire.Welcome
	byRef map[string]int
}

var _ mls.Engine = (*Engine)(nil)

// New returns an engine for the given suite (0 means suite 1,
// MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519).
func New(id ciphersuite.ID) (*Engine, error) {
	if id == 0 {
		id = ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519
	}
	s, err := ciphersuite.Lookup(id)
	if err != nil {
		return nil, err
	}
	return &Engine{suite: s, share: group.NewShare()}, nil
}

// Share returns the engine's Share (its counters tell how much work was shared).
func (e *Engine) Share() *group.Share { return e.share }

func (e *Engine) config() group.Config { return group.Config{Share: e.share, OutOfBandTree: true} }

// SplitWelcome implements mls.WelcomeSplitter: the Welcome reduced to the EncryptedGroupSecrets
// of keyPackage (an encoded MLSMessage KeyPackage). The last decoded Welcome is cached (a
// provider splits one Welcome for each of its joiners in turn).
func (e *Engine) SplitWelcome(welcome, keyPackage []byte) ([]byte, error) {
	if len(welcome) == 0 {
		return nil, fmt.Errorf("rfc9420: empty Welcome")
	}
	msg, err := framing.Decode(keyPackage)
	if err != nil {
		return nil, err
	}
	if msg.WireFormat != framing.WireFormatKeyPackage {
		return nil, fmt.Errorf("rfc9420: not a KeyPackage (wire format %d)", msg.WireFormat)
	}
	ref, err := msg.KeyPackage.Ref(e.suite)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c := &e.split
	if c.first != &welcome[0] || c.n != len(welcome) {
		w, err := group.DecodeWelcome(welcome)
		if err != nil {
			return nil, err
		}
		*c = splitCache{first: &welcome[0], n: len(welcome), w: w, byRef: make(map[string]int, len(w.Secrets))}
		for i := range w.Secrets {
			c.byRef[string(w.Secrets[i].NewMember)] = i
		}
	}
	i, ok := c.byRef[string(ref)]
	if !ok {
		return nil, group.ErrNoWelcomeKey
	}
	one := &wire.Welcome{CipherSuite: c.w.CipherSuite, Secrets: c.w.Secrets[i : i+1], EncryptedGroupInfo: c.w.EncryptedGroupInfo}
	return (&framing.MLSMessage{Version: wire.MLS10, WireFormat: framing.WireFormatWelcome, Welcome: one}).Encode()
}

// Name implements mls.Engine.
func (e *Engine) Name() string { return Name }

// Version implements mls.Engine.
func (e *Engine) Version() string {
	return "github.com/mimisim/mimisim/models/mls/rfc9420 (RFC 9420, " + e.suite.String() + ")"
}

// MaxMembers implements mls.Engine: the bigroom scenario runs 100,000 members in full fidelity
// (scenarios/files/bigroom.yaml); 131,072 (2^17 leaves) is the supported bound.
func (e *Engine) MaxMembers() int { return 1 << 17 }

// NewClient implements mls.Engine. With an Ed25519 suite the signature key is derived from seed
// (SHA-256 of seed and identity); other suites, or a nil seed, draw a random key. HPKE keys are
// always random.
func (e *Engine) NewClient(identity string, seed []byte) (mls.Client, error) {
	signer, err := e.signatureKey("mimisim rfc9420 signature key", identity, seed)
	if err != nil {
		return nil, err
	}
	return &Client{e: e, identity: identity, seed: seed, signer: signer, kps: map[string]*group.KeyPackageBundle{}}, nil
}

// signatureKey returns a signature key for identity: with an Ed25519 suite and a seed, the key
// whose private half is SHA-256(label, 0x00, seed, identity); otherwise a random one. Each kind
// of key (client, external sender) has its own label, so their keys differ for the same seed.
func (e *Engine) signatureKey(label, identity string, seed []byte) (*ciphersuite.SignaturePrivateKey, error) {
	if seed != nil && e.suite.SignatureScheme() == ciphersuite.Ed25519 {
		h := sha256.New()
		h.Write([]byte(label + "\x00"))
		h.Write(seed)
		h.Write([]byte(identity))
		return e.suite.ParseSignaturePrivateKey(h.Sum(nil))
	}
	return e.suite.GenerateSignatureKey()
}

// Client is one device.
type Client struct {
	e        *Engine
	identity string
	seed     []byte
	signer   *ciphersuite.SignaturePrivateKey
	others   map[ciphersuite.SignatureScheme]*ciphersuite.SignaturePrivateKey // for KeyPackageFor
	mu       sync.Mutex
	kps      map[string]*group.KeyPackageBundle // by KeyPackageRef
}

var _ mls.Client = (*Client)(nil)

// Identity implements mls.Client.
func (c *Client) Identity() string { return c.identity }

// KeyPackage implements mls.Client: an MLSMessage-encoded KeyPackage.
func (c *Client) KeyPackage() ([]byte, error) {
	kb, err := c.newBundle()
	if err != nil {
		return nil, err
	}
	return c.offer(kb)
}

// offer keeps kb until a Welcome uses it and returns its KeyPackage, MLSMessage-encoded.
func (c *Client) offer(kb *group.KeyPackageBundle) ([]byte, error) {
	c.mu.Lock()
	c.kps[string(kb.Ref)] = kb
	c.mu.Unlock()
	return (&framing.MLSMessage{Version: wire.MLS10, WireFormat: framing.WireFormatKeyPackage, KeyPackage: kb.KeyPackage}).Encode()
}

func (c *Client) newBundle() (*group.KeyPackageBundle, error) {
	return group.NewKeyPackage(c.e.suite, group.KeyPackageOptions{Identity: []byte(c.identity), Signer: c.signer})
}

// CreateGroup implements mls.Client.
func (c *Client) CreateGroup(groupID []byte) (mls.Member, error) {
	kb, err := c.newBundle()
	if err != nil {
		return nil, err
	}
	g, err := group.Create(kb, groupID, nil, c.e.config())
	if err != nil {
		return nil, err
	}
	return &Member{g: g, c: c}, nil
}

// Join implements mls.Client: the Welcome must name one of this client's unused KeyPackages.
func (c *Client) Join(welcome []byte) (mls.Member, error) {
	kb, err := c.bundleFor(welcome)
	if err != nil {
		return nil, err
	}
	g, err := group.Join(welcome, kb, c.e.config())
	if err != nil {
		return nil, err
	}
	c.used(kb)
	return &Member{g: g, c: c}, nil
}

// bundleFor finds the KeyPackage bundle a Welcome is addressed to.
func (c *Client) bundleFor(welcome []byte) (*group.KeyPackageBundle, error) {
	w, err := group.DecodeWelcome(welcome)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range w.Secrets {
		if b, ok := c.kps[string(s.NewMember)]; ok {
			return b, nil
		}
	}
	return nil, group.ErrNoWelcomeKey
}

// used drops a KeyPackage once a Welcome has consumed it (single use).
func (c *Client) used(kb *group.KeyPackageBundle) {
	c.mu.Lock()
	delete(c.kps, string(kb.Ref))
	c.mu.Unlock()
}

// Member is a client's state in one group.
type Member struct {
	g *group.Group
	c *Client
}

var _ mls.Member = (*Member)(nil)

// Epoch implements mls.Member.
func (m *Member) Epoch() uint64 { return m.g.Epoch() }

// Index implements mls.Member.
func (m *Member) Index() int { return int(m.g.Leaf()) }

// Size implements mls.Member.
func (m *Member) Size() int { return m.g.Tree().MemberCount() }

// Members implements mls.Member.
func (m *Member) Members() []string {
	var out []string
	m.g.Members(func(_ tm.LeafIndex, ln *wire.LeafNode) bool {
		out = append(out, string(ln.Credential.Identity))
		return true
	})
	return out
}

// EpochAuthenticator implements mls.Member.
func (m *Member) EpochAuthenticator() []byte { return m.g.EpochAuthenticator() }

func (m *Member) pending(pc *group.PendingCommit, op mls.Op, proposals [][]byte) *mls.Pending {
	hs := append(append([][]byte(nil), proposals...), pc.Commit)
	return &mls.Pending{Handshake: hs, Welcome: pc.Welcome, Epoch: m.g.Epoch(), Op: op, State: pc, TreeBytes: pc.TreeSize}
}

// Add implements mls.Member.
func (m *Member) Add(keyPackages [][]byte) (*mls.Pending, error) {
	kps := make([]*wire.KeyPackage, len(keyPackages))
	for i, b := range keyPackages {
		kp, err := decodeKeyPackage(b)
		if err != nil {
			return nil, fmt.Errorf("key package %d: %w", i, err)
		}
		kps[i] = kp
	}
	pc, err := m.g.Commit(group.CommitOptions{Add: kps})
	if err != nil {
		return nil, err
	}
	return m.pending(pc, mls.OpCommitAdd, nil), nil
}

func decodeKeyPackage(b []byte) (*wire.KeyPackage, error) {
	msg, err := framing.Decode(b)
	if err != nil {
		return nil, err
	}
	if msg.WireFormat != framing.WireFormatKeyPackage {
		return nil, fmt.Errorf("rfc9420: wire format %d, want a KeyPackage", msg.WireFormat)
	}
	return msg.KeyPackage, nil
}

// Remove implements mls.Member.
func (m *Member) Remove(leaves []int) (*mls.Pending, error) {
	ls := make([]tm.LeafIndex, len(leaves))
	for i, l := range leaves {
		if l < 0 {
			return nil, fmt.Errorf("rfc9420: negative leaf %d", l)
		}
		ls[i] = tm.LeafIndex(l)
	}
	pc, err := m.g.Commit(group.CommitOptions{Remove: ls})
	if err != nil {
		return nil, err
	}
	return m.pending(pc, mls.OpCommitRemove, nil), nil
}

// Update implements mls.Member.
func (m *Member) Update() (*mls.Pending, error) {
	pc, err := m.g.Commit(group.CommitOptions{})
	if err != nil {
		return nil, err
	}
	return m.pending(pc, mls.OpCommitUpdate, nil), nil
}

// Adopt implements mls.Member.
func (m *Member) Adopt(p *mls.Pending) error {
	pc, ok := p.State.(*group.PendingCommit)
	if !ok {
		return fmt.Errorf("rfc9420: pending commit of another engine")
	}
	return m.g.Adopt(pc)
}

func wrapEpoch(err error) error {
	if errors.Is(err, framing.ErrWrongEpoch) {
		return fmt.Errorf("%w: %w", mls.ErrWrongEpoch, err)
	}
	return err
}

// Process implements mls.Member. On an error other than removal the member is unchanged except
// for proposals of the sequence already cached.
func (m *Member) Process(handshake [][]byte) error {
	var r group.Received
	for i, b := range handshake {
		err := m.g.ProcessTo(b, &r)
		if errors.Is(err, group.ErrRemoved) {
			return fmt.Errorf("%w: %w", mls.ErrRemoved, err)
		}
		if err != nil {
			return fmt.Errorf("rfc9420: handshake message %d: %w", i, wrapEpoch(err))
		}
		if r.ContentType == framing.ContentApplication {
			return fmt.Errorf("rfc9420: handshake message %d is application data", i)
		}
	}
	return nil
}

// ProposeUpdate implements mls.Member.
func (m *Member) ProposeUpdate() ([]byte, error) { return m.g.ProposeUpdate() }

// ProposeRemove implements mls.Member.
func (m *Member) ProposeRemove(leaf int) ([]byte, error) {
	if leaf < 0 {
		return nil, fmt.Errorf("rfc9420: negative leaf %d", leaf)
	}
	return m.g.ProposeRemove(tm.LeafIndex(leaf))
}

// CommitProposals implements mls.Member.
func (m *Member) CommitProposals(proposals [][]byte) (*mls.Pending, error) {
	pc, err := m.g.CommitProposals(proposals, group.CommitOptions{})
	if err != nil {
		return nil, wrapEpoch(err)
	}
	return m.pending(pc, mls.OpCommitProposals, proposals), nil
}

// Protect implements mls.Member.
func (m *Member) Protect(plaintext []byte) ([]byte, error) { return m.g.Protect(plaintext, nil) }

// Unprotect implements mls.Member.
func (m *Member) Unprotect(ciphertext []byte) ([]byte, error) {
	var r group.Received
	if err := m.g.ProcessTo(ciphertext, &r); err != nil {
		return nil, wrapEpoch(err)
	}
	if r.ContentType != framing.ContentApplication {
		return nil, fmt.Errorf("rfc9420: not an application message")
	}
	return r.ApplicationData, nil
}

// UnprotectAppend is Unprotect that appends the plaintext to dst and returns the result (in
// dst's memory when it has room): a caller that checks the plaintext and lets it go can decrypt
// every message into one buffer. The member's state changes exactly as with Unprotect.
func (m *Member) UnprotectAppend(dst, ciphertext []byte) ([]byte, error) {
	var r group.Received
	if err := m.g.ProcessAppend(ciphertext, &r, dst); err != nil {
		return nil, wrapEpoch(err)
	}
	if r.ContentType != framing.ContentApplication {
		return nil, fmt.Errorf("rfc9420: not an application message")
	}
	return r.ApplicationData, nil
}

// Export implements mls.Member.
func (m *Member) Export(label string, context []byte, length int) ([]byte, error) {
	return m.g.Export(label, context, length)
}

// StateSize implements mls.Member: the encoded ratchet tree plus the private path keys and the
// epoch secrets (an estimate).
func (m *Member) StateSize() int {
	n := m.c.e.treeSize(m.g.Tree(), m.g.Context().TreeHash)
	s := m.g.Suite()
	depth := 1
	for c := uint32(m.g.Tree().LeafCount()); c > 1; c >>= 1 {
		depth++
	}
	return n + depth*2*s.Nh() + 12*s.Nh()
}

// treeSizeEntry is a tree whose encoded size StateSize computed, with its tree hash.
type treeSizeEntry struct {
	tree *ratchettree.Tree
	hash string
	size int
}

// treeSize returns the encoded size of t, whose tree hash is hash. Members of one epoch share
// one snapshot, and a committer's own copy has the same tree hash, so the same nodes and the
// same encoding: the last two sizes are kept, found by tree or by tree hash.
func (e *Engine) treeSize(t *ratchettree.Tree, hash []byte) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.sizes {
		if x := e.sizes[i]; x.tree == t || (len(hash) > 0 && x.hash == string(hash)) {
			e.sizes[0], e.sizes[i] = x, e.sizes[0]
			return x.size
		}
	}
	b, err := t.Encode()
	if err != nil {
		return 0
	}
	e.sizes[1], e.sizes[0] = e.sizes[0], treeSizeEntry{tree: t, hash: string(hash), size: len(b)}
	return len(b)
}

// ConcurrentMembers implements mls.ConcurrentMembers: a member's own state is its Group; what
// members share (the Share's memos and caches, the engine's tree-size cache) is locked, and a
// memo miss is computed under its lock, so counters do not depend on goroutine scheduling.
func (e *Engine) ConcurrentMembers() bool { return true }

// SharingNotes describes, for a run's manifest, what the engine's members shared and what each
// computed itself, with the Share's counters.
func (e *Engine) SharingNotes() []string {
	st := e.share.Stats()
	return []string{
		"rfc9420 sharing: the public ratchet tree of an epoch is one immutable copy-on-write snapshot held by every member of that epoch; " +
			"each member keeps only its own private path keys, epoch secrets and secret tree.",
		"rfc9420 sharing, done once per distinct input and charged to every member by the cost model: signature verifications " +
			"(memoised by key, label, content and signature), the public half of each commit (proposal and UpdatePath LeafNode " +
			"validation, MergePath: LeafNode signature, merge, parent hashes, tree hash; the confirmed transcript hash; the " +
			"resolutions of the committer's copath), decoding and membership-tag check of a large commit for members holding the " +
			"same membership key, and decoding and validating the out-of-band ratchet tree of a Welcome, and the AES/ChaCha20 key schedule of a message key or sender-data key " +
			"that members derived alike (each member still derives the key itself and authenticates and decrypts the ciphertext itself).",
		"rfc9420 sharing, computed by every member itself: HPKE decryption of its own path secret (commit) or GroupSecrets " +
			"(Welcome), derivation and check of its node key pairs, its key schedule, confirmation tag, interim transcript hash, " +
			"membership tag of small handshakes, its secret tree and ratchets, sender-data decryption and AEAD decryption of every " +
			"application message.",
		fmt.Sprintf("rfc9420 sharing counters: %d signatures verified, %d verifications reused; %d commits merged, %d reused; "+
			"%d path secrets decrypted by members on a shared tree; %d out-of-band trees validated, %d reused by joiners; "+
			"%d AEAD key schedules built, %d reused.",
			st.SignaturesVerified, st.SignaturesReused, st.CommitsMerged, st.CommitsReused, st.PathsDecrypted,
			st.TreesValidated, st.TreesReused, st.AEADKeysBuilt, st.AEADKeysReused),
	}
}
