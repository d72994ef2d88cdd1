package secrettree

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
)

// RatchetType selects a leaf's handshake or application ratchet.
type RatchetType uint8

// Ratchet types.
const (
	Handshake RatchetType = iota
	Application
)

func (t RatchetType) String() string {
	if t == Handshake {
		return "handshake"
	}
	return "application"
}

// Errors.
var (
	ErrLeafOutOfRange = errors.New("secrettree: leaf index outside the tree")
	ErrKeyUnavailable = errors.New("secrettree: key for this generation was already used or evicted")
	ErrTooFarAhead    = errors.New("secrettree: generation too far ahead of the ratchet")
	ErrExhausted      = errors.New("secrettree: ratchet generations exhausted")
)

// Config bounds the receiver-side work and memory of the ratchets.
type Config struct {
	// MaxForwardDistance is the largest gap between the next expected generation and a requested one.
	MaxForwardDistance uint32
	// MaxRetainedKeys is the number of skipped-generation keys kept per ratchet for out-of-order
	// messages.
	MaxRetainedKeys int
}

// DefaultConfig is used when New is given a nil config.
var DefaultConfig = Config{MaxForwardDistance: 1024, MaxRetainedKeys: 32}

// KeyNonce is the AEAD key and nonce for one generation of a ratchet.
type KeyNonce struct {
	Generation uint32
	Key        []byte
	Nonce      []byte
}

// maxNh is the largest hash output of the supported suites (SHA-512).
const maxNh = 64

// secret is one Nh-byte secret stored inline, so that the tree's maps and ratchets hold no
// pointers to secrets: in a lab run with 100,000 members, each with ~150 node secrets and ~20
// ratchets, a pointer per secret made the garbage collector's marking the largest cost.
type secret [maxNh]byte

// SecretTree is one epoch's secret tree.
type SecretTree struct {
	suite *ciphersuite.Suite
	n     treemath.LeafCount
	nh    int
	cfg   Config
	// frontier lists each node whose secret is held, by node index, with its slot (nh bytes) in
	// chunks: the first holds slot 0 (the root's, all a tree that decrypts nothing needs), the
	// others chunk slots each; used counts the slots handed out, free lists those to reuse.
	// No pointers per secret, no padding to maxNh, and a new chunk copies nothing: a slice grown
	// by append allocated about four times its final size over a receiver's first messages from
	// new senders, and a map about four times the sorted list.
	frontier []held
	chunks   [][]byte
	chunk    int
	used     uint32
	free     []uint32
	// ratchets holds the leaves' ratchets met so far, sorted by leaf: a member meets a few
	// senders per epoch, and a short sorted slice is one or two cache lines where a map per
	// member (100,000 of them in the lab) was a few misses per message.
	ratchets []leafRatchets
	// sd holds the HMAC pads of the epoch's sender-data secret once asked for (SenderDataPads).
	sd *senderDataPads
}

// leafRatchets is a leaf and its handshake and application ratchets.
type leafRatchets struct {
	leaf treemath.LeafIndex
	r    *[2]HashRatchet
}

// senderDataPads is a sender-data secret (its first n bytes) and its pads.
type senderDataPads struct {
	secret secret
	n      int
	pads   ciphersuite.KeyPads
}

// held is a frontier node and the slot of its secret.
type held struct {
	node treemath.NodeIndex
	slot uint32
}

// find returns the position of node x in the frontier, or where it would be inserted.
func (t *SecretTree) find(x treemath.NodeIndex) (int, bool) {
	lo, hi := 0, len(t.frontier)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.frontier[m].node < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(t.frontier) && t.frontier[lo].node == x
}

// put stores the secret of node x (which must not be held).
func (t *SecretTree) put(x treemath.NodeIndex, sec []byte) {
	var i uint32
	if n := len(t.free); n > 0 {
		i, t.free = t.free[n-1], t.free[:n-1]
	} else {
		i = t.used
		t.used++
		switch {
		case i == 0:
			t.chunks = append(t.chunks, make([]byte, t.nh))
		case int(i-1)%t.chunk == 0:
			t.chunks = append(t.chunks, make([]byte, t.chunk*t.nh))
		}
	}
	copy(t.slot(i), sec)
	k, _ := t.find(x)
	t.frontier = slices.Insert(t.frontier, k, held{node: x, slot: i})
}

// maxChunk is the number of slots per chunk after the first (fewer in a tree with fewer nodes).
const maxChunk = 16

func (t *SecretTree) slot(i uint32) []byte {
	if i == 0 {
		return t.chunks[0][:t.nh:t.nh]
	}
	j := int(i - 1)
	c, o := t.chunks[1+j/t.chunk], (j%t.chunk)*t.nh
	return c[o : o+t.nh : o+t.nh]
}

// take removes node x's secret from the frontier and copies it to out, erasing its slot.
func (t *SecretTree) take(x treemath.NodeIndex, out []byte) {
	k, _ := t.find(x)
	i := t.frontier[k].slot
	sl := t.slot(i)
	copy(out, sl)
	clear(sl)
	t.frontier = slices.Delete(t.frontier, k, k+1)
	t.free = append(t.free, i)
}

// New creates the secret tree of an epoch with n leaves (a power of two) rooted at encryptionSecret.
// The tree keeps its own copy of the secret.
func New(s *ciphersuite.Suite, encryptionSecret []byte, n treemath.LeafCount, cfg *Config) (*SecretTree, error) {
	if !n.Valid() {
		return nil, fmt.Errorf("secrettree: invalid leaf count %d (must be a power of two)", n)
	}
	if len(encryptionSecret) != s.Nh() || s.Nh() > maxNh {
		return nil, fmt.Errorf("secrettree: encryption secret of %d bytes, want %d", len(encryptionSecret), s.Nh())
	}
	c := DefaultConfig
	if cfg != nil {
		c = *cfg
	}
	t := &SecretTree{
		suite: s,
		n:     n,
		nh:    s.Nh(),
		cfg:   c,
		chunk: int(min(maxChunk, 2*uint64(n)-1)),
	}
	t.put(treemath.Root(n), encryptionSecret)
	return t, nil
}

// SenderDataPads returns the HMAC pads (ciphersuite.KeyPads) of senderDataSecret, the epoch's
// sender_data_secret, from which every message's sender-data key and nonce are derived (§6.3.2):
// the tree keeps them for its epoch, computed on first use, so that each message costs its two
// derivations only. The tree checks each call's secret against the one its pads are of (and
// prepares a new one's), so a caller passing another secret still gets that secret's pads. Like
// the ratchets, they belong to the tree's holder: a tree is used by one goroutine at a time. The
// pads are the tree's: do not modify or Clear them.
// A nil tree returns nil.
func (t *SecretTree) SenderDataPads(senderDataSecret []byte) *ciphersuite.KeyPads {
	if t == nil {
		return nil
	}
	n := len(senderDataSecret)
	if n > maxNh {
		k := t.suite.KeyPads(senderDataSecret)
		return &k
	}
	if t.sd == nil {
		t.sd = new(senderDataPads)
	} else if t.sd.n == n && bytes.Equal(t.sd.secret[:n], senderDataSecret) {
		// Not constant-time: both sides are this member's own secret, equal but for a caller
		// passing another one, and the time reveals nothing to anyone else.
		return &t.sd.pads
	}
	t.sd.n = copy(t.sd.secret[:], senderDataSecret)
	t.sd.pads = t.suite.KeyPads(senderDataSecret)
	return &t.sd.pads
}

// LeafCount returns the number of leaves.
func (t *SecretTree) LeafCount() treemath.LeafCount { return t.n }

// Ratchet returns the leaf's ratchet of the given type, deriving the leaf's secrets on first use.
func (t *SecretTree) Ratchet(leaf treemath.LeafIndex, typ RatchetType) (*HashRatchet, error) {
	if typ > Application {
		return nil, fmt.Errorf("secrettree: unknown ratchet type %d", typ)
	}
	if uint64(leaf) >= uint64(t.n) {
		return nil, fmt.Errorf("%w: leaf %d of %d", ErrLeafOutOfRange, leaf, t.n)
	}
	i, ok := slices.BinarySearchFunc(t.ratchets, leaf, func(e leafRatchets, l treemath.LeafIndex) int { return cmp.Compare(e.leaf, l) })
	if ok {
		return &t.ratchets[i].r[typ], nil
	}
	leafSecret, err := t.deriveLeaf(leaf.Node())
	if err != nil {
		return nil, err
	}
	defer clear(leafSecret[:])
	r := &[2]HashRatchet{{suite: t.suite, cfg: t.cfg, nh: uint8(t.nh), live: true}, {suite: t.suite, cfg: t.cfg, nh: uint8(t.nh), live: true}}
	k := t.suite.KeyPads(leafSecret[:t.nh]) // two derivations from the leaf secret
	defer k.Clear()
	if err := k.ExpandWithLabelTo(r[Handshake].secret[:t.nh], "handshake", nil); err != nil {
		return nil, err
	}
	if err := k.ExpandWithLabelTo(r[Application].secret[:t.nh], "application", nil); err != nil {
		return nil, err
	}
	t.ratchets = slices.Insert(t.ratchets, i, leafRatchets{leaf: leaf, r: r})
	return &r[typ], nil
}

// deriveLeaf walks down from the frontier node above x to x, expanding (and erasing) each node on
// the way, and removes x's secret from the frontier.
func (t *SecretTree) deriveLeaf(x treemath.NodeIndex) (secret, error) {
	// Find the frontier ancestor of x: exactly one exists while x's secret has not been taken.
	cur := x
	for {
		if _, ok := t.find(cur); ok {
			break
		}
		p, ok := treemath.Parent(cur, t.n)
		if !ok {
			return secret{}, fmt.Errorf("secrettree: secret for node %d already consumed", x)
		}
		cur = p
	}
	nh := t.nh
	var sec, ls, rs secret
	var k ciphersuite.KeyPads
	defer clear(sec[:])
	defer k.Clear()
	for cur != x {
		t.take(cur, sec[:nh])
		l, _ := treemath.Left(cur)
		r, _ := treemath.Right(cur)
		k = t.suite.KeyPads(sec[:nh]) // the parent's pads, for both children
		if err := k.ExpandWithLabelTo(ls[:nh], "tree", []byte("left")); err != nil {
			return secret{}, err
		}
		if err := k.ExpandWithLabelTo(rs[:nh], "tree", []byte("right")); err != nil {
			return secret{}, err
		}
		t.put(l, ls[:nh])
		t.put(r, rs[:nh])
		if x < cur {
			cur = l
		} else {
			cur = r
		}
	}
	clear(ls[:])
	clear(rs[:])
	var s secret
	t.take(x, s[:nh])
	return s, nil
}

// Next returns the key and nonce for the sender's next message of the given type.
func (t *SecretTree) Next(leaf treemath.LeafIndex, typ RatchetType) (KeyNonce, error) {
	r, err := t.Ratchet(leaf, typ)
	if err != nil {
		return KeyNonce{}, err
	}
	return r.Next()
}

// Get returns the key and nonce a receiver needs for generation gen of leaf's ratchet.
func (t *SecretTree) Get(leaf treemath.LeafIndex, typ RatchetType, gen uint32) (KeyNonce, error) {
	r, err := t.Ratchet(leaf, typ)
	if err != nil {
		return KeyNonce{}, err
	}
	return r.Get(gen)
}

// HashRatchet is one sender's handshake or application ratchet.
type HashRatchet struct {
	suite    *ciphersuite.Suite
	cfg      Config
	secret   secret // ratchet secret of generation next (its first nh bytes), while live
	nh       uint8
	live     bool // false once exhausted
	next     uint32
	retained map[uint32]KeyNonce // nil until a key is retained
	order    []uint32            // retained generations, oldest first
}

// NextGeneration is the generation the ratchet will produce next.
func (r *HashRatchet) NextGeneration() uint32 { return r.next }

// step derives the key/nonce of the current generation and advances the secret, erasing the old one.
func (r *HashRatchet) step() (KeyNonce, error) {
	if !r.live {
		return KeyNonce{}, ErrExhausted
	}
	return r.stepTo(make([]byte, r.suite.Nk()), make([]byte, r.suite.Nn()))
}

// stepTo is step writing the key and nonce into key and nonce (Nk and Nn bytes).
func (r *HashRatchet) stepTo(key, nonce []byte) (KeyNonce, error) {
	if !r.live {
		return KeyNonce{}, ErrExhausted
	}
	j := r.next
	cur := r.secret[:r.nh]
	var ctx [4]byte
	binary.BigEndian.PutUint32(ctx[:], j)
	k := r.suite.KeyPads(cur) // key, nonce and next secret all derive from cur
	defer k.Clear()
	if err := k.ExpandWithLabelTo(key, "key", ctx[:]); err != nil {
		return KeyNonce{}, err
	}
	if err := k.ExpandWithLabelTo(nonce, "nonce", ctx[:]); err != nil {
		return KeyNonce{}, err
	}
	if j == math.MaxUint32 {
		clear(r.secret[:])
		r.live = false
		return KeyNonce{Generation: j, Key: key, Nonce: nonce}, nil
	}
	if err := k.ExpandWithLabelTo(cur, "secret", ctx[:]); err != nil { // erases the old one
		return KeyNonce{}, err
	}
	r.next++
	return KeyNonce{Generation: j, Key: key, Nonce: nonce}, nil
}

// Next hands out the key and nonce of the next generation (sender side).
func (r *HashRatchet) Next() (KeyNonce, error) { return r.step() }

// Get returns the key and nonce of generation gen (receiver side): a retained key of a skipped
// generation, or a new one reached by ratcheting forward (retaining the keys skipped on the way).
// Each key is handed out at most once.
func (r *HashRatchet) Get(gen uint32) (KeyNonce, error) {
	if gen < r.next || !r.live {
		kn, ok := r.retained[gen]
		if !ok {
			return KeyNonce{}, fmt.Errorf("%w: generation %d (next %d)", ErrKeyUnavailable, gen, r.next)
		}
		delete(r.retained, gen)
		for i, g := range r.order {
			if g == gen {
				r.order = append(r.order[:i], r.order[i+1:]...)
				break
			}
		}
		return kn, nil
	}
	if gen-r.next > r.cfg.MaxForwardDistance {
		return KeyNonce{}, fmt.Errorf("%w: generation %d, next %d, limit %d", ErrTooFarAhead, gen, r.next, r.cfg.MaxForwardDistance)
	}
	for r.next < gen {
		kn, err := r.step()
		if err != nil {
			return KeyNonce{}, err
		}
		r.retain(kn)
	}
	return r.step()
}

// GetTo is Get writing the key and nonce into key and nonce (Nk and Nn bytes, which the returned
// KeyNonce's Key and Nonce are): a receiver that decrypts in order derives them into memory it
// reuses. Restore needs a KeyNonce of its own memory, so copy them before restoring.
func (r *HashRatchet) GetTo(gen uint32, key, nonce []byte) (KeyNonce, error) {
	if gen != r.next || !r.live {
		kn, err := r.Get(gen)
		if err != nil {
			return KeyNonce{}, err
		}
		key, nonce = key[:copy(key, kn.Key)], nonce[:copy(nonce, kn.Nonce)]
		clear(kn.Key)
		clear(kn.Nonce)
		return KeyNonce{Generation: kn.Generation, Key: key, Nonce: nonce}, nil
	}
	return r.stepTo(key, nonce) // Get's forward path with nothing to skip
}

func (r *HashRatchet) retain(kn KeyNonce) {
	if r.cfg.MaxRetainedKeys <= 0 {
		clear(kn.Key)
		clear(kn.Nonce)
		return
	}
	for len(r.order) >= r.cfg.MaxRetainedKeys {
		old := r.order[0]
		r.order = r.order[1:]
		if o, ok := r.retained[old]; ok {
			clear(o.Key)
			clear(o.Nonce)
			delete(r.retained, old)
		}
	}
	if r.retained == nil {
		r.retained = make(map[uint32]KeyNonce)
	}
	r.retained[kn.Generation] = kn
	r.order = append(r.order, kn.Generation)
}

// Retained reports how many skipped-generation keys the ratchet currently holds.
func (r *HashRatchet) Retained() int { return len(r.retained) }

// Restore gives back a key obtained from Get that could not be used (for instance because the
// message failed to decrypt), so that a later genuine message of that generation still decrypts.
// Keys of generations the ratchet has not passed are ignored.
func (r *HashRatchet) Restore(kn KeyNonce) {
	if kn.Generation >= r.next && r.live {
		return
	}
	if _, ok := r.retained[kn.Generation]; ok {
		return
	}
	r.retain(kn)
}
