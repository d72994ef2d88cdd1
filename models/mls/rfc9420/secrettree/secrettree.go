package secrettree

import (
	"errors"
	"fmt"
	"math"

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

// SecretTree is one epoch's secret tree.
type SecretTree struct {
	suite    *ciphersuite.Suite
	n        treemath.LeafCount
	cfg      Config
	frontier map[treemath.NodeIndex][]byte
	ratchets map[treemath.LeafIndex]*[2]*HashRatchet
}

// New creates the secret tree of an epoch with n leaves (a power of two) rooted at encryptionSecret.
// The tree keeps its own copy of the secret.
func New(s *ciphersuite.Suite, encryptionSecret []byte, n treemath.LeafCount, cfg *Config) (*SecretTree, error) {
	if !n.Valid() {
		return nil, fmt.Errorf("secrettree: invalid leaf count %d (must be a power of two)", n)
	}
	if len(encryptionSecret) != s.Nh() {
		return nil, fmt.Errorf("secrettree: encryption secret of %d bytes, want %d", len(encryptionSecret), s.Nh())
	}
	c := DefaultConfig
	if cfg != nil {
		c = *cfg
	}
	return &SecretTree{
		suite:    s,
		n:        n,
		cfg:      c,
		frontier: map[treemath.NodeIndex][]byte{treemath.Root(n): append([]byte(nil), encryptionSecret...)},
		ratchets: map[treemath.LeafIndex]*[2]*HashRatchet{},
	}, nil
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
	if r, ok := t.ratchets[leaf]; ok {
		return r[typ], nil
	}
	leafSecret, err := t.deriveLeaf(leaf.Node())
	if err != nil {
		return nil, err
	}
	defer clear(leafSecret)
	hs, err := t.suite.ExpandWithLabel(leafSecret, "handshake", nil, t.suite.Nh())
	if err != nil {
		return nil, err
	}
	app, err := t.suite.ExpandWithLabel(leafSecret, "application", nil, t.suite.Nh())
	if err != nil {
		return nil, err
	}
	r := &[2]*HashRatchet{newHashRatchet(t.suite, hs, t.cfg), newHashRatchet(t.suite, app, t.cfg)}
	t.ratchets[leaf] = r
	return r[typ], nil
}

// deriveLeaf walks down from the frontier node above x to x, expanding (and erasing) each node on
// the way, and removes x's secret from the frontier.
func (t *SecretTree) deriveLeaf(x treemath.NodeIndex) ([]byte, error) {
	// Find the frontier ancestor of x: exactly one exists while x's secret has not been taken.
	cur := x
	for {
		if _, ok := t.frontier[cur]; ok {
			break
		}
		p, ok := treemath.Parent(cur, t.n)
		if !ok {
			return nil, fmt.Errorf("secrettree: secret for node %d already consumed", x)
		}
		cur = p
	}
	for cur != x {
		secret := t.frontier[cur]
		l, _ := treemath.Left(cur)
		r, _ := treemath.Right(cur)
		ls, err := t.suite.ExpandWithLabel(secret, "tree", []byte("left"), t.suite.Nh())
		if err != nil {
			return nil, err
		}
		rs, err := t.suite.ExpandWithLabel(secret, "tree", []byte("right"), t.suite.Nh())
		if err != nil {
			return nil, err
		}
		clear(secret)
		delete(t.frontier, cur)
		t.frontier[l], t.frontier[r] = ls, rs
		if x < cur {
			cur = l
		} else {
			cur = r
		}
	}
	s := t.frontier[x]
	delete(t.frontier, x)
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
	secret   []byte // ratchet secret of generation next; nil once exhausted
	next     uint32
	retained map[uint32]KeyNonce
	order    []uint32 // retained generations, oldest first
}

func newHashRatchet(s *ciphersuite.Suite, secret []byte, cfg Config) *HashRatchet {
	return &HashRatchet{suite: s, cfg: cfg, secret: secret, retained: map[uint32]KeyNonce{}}
}

// NextGeneration is the generation the ratchet will produce next.
func (r *HashRatchet) NextGeneration() uint32 { return r.next }

// step derives the key/nonce of the current generation and advances the secret, erasing the old one.
func (r *HashRatchet) step() (KeyNonce, error) {
	if r.secret == nil {
		return KeyNonce{}, ErrExhausted
	}
	s, j := r.suite, r.next
	key, err := s.DeriveTreeSecret(r.secret, "key", j, s.Nk())
	if err != nil {
		return KeyNonce{}, err
	}
	nonce, err := s.DeriveTreeSecret(r.secret, "nonce", j, s.Nn())
	if err != nil {
		return KeyNonce{}, err
	}
	var next []byte
	if j < math.MaxUint32 {
		if next, err = s.DeriveTreeSecret(r.secret, "secret", j, s.Nh()); err != nil {
			return KeyNonce{}, err
		}
	}
	clear(r.secret)
	r.secret = next
	if next != nil {
		r.next++
	}
	return KeyNonce{Generation: j, Key: key, Nonce: nonce}, nil
}

// Next hands out the key and nonce of the next generation (sender side).
func (r *HashRatchet) Next() (KeyNonce, error) { return r.step() }

// Get returns the key and nonce of generation gen (receiver side): a retained key of a skipped
// generation, or a new one reached by ratcheting forward (retaining the keys skipped on the way).
// Each key is handed out at most once.
func (r *HashRatchet) Get(gen uint32) (KeyNonce, error) {
	if gen < r.next || r.secret == nil {
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
	r.retained[kn.Generation] = kn
	r.order = append(r.order, kn.Generation)
}

// Retained reports how many skipped-generation keys the ratchet currently holds.
func (r *HashRatchet) Retained() int { return len(r.retained) }

// Restore gives back a key obtained from Get that could not be used (for instance because the
// message failed to decrypt), so that a later genuine message of that generation still decrypts.
// Keys of generations the ratchet has not passed are ignored.
func (r *HashRatchet) Restore(kn KeyNonce) {
	if kn.Generation >= r.next && r.secret != nil {
		return
	}
	if _, ok := r.retained[kn.Generation]; ok {
		return
	}
	r.retain(kn)
}
