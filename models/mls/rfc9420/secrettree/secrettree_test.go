package secrettree

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
)

func newTree(t testing.TB, n treemath.LeafCount, cfg *Config) *SecretTree {
	s, err := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := New(s, bytes.Repeat([]byte{0x42}, s.Nh()), n, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestNewValidation(t *testing.T) {
	s, _ := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	tests := []struct {
		name   string
		secret []byte
		n      treemath.LeafCount
	}{
		{"zero-leaves", make([]byte, 32), 0},
		{"not-power-of-two", make([]byte, 32), 6},
		{"short-secret", make([]byte, 31), 4},
	}
	for _, tc := range tests {
		if _, err := New(s, tc.secret, tc.n, nil); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func TestSenderReceiverAgree(t *testing.T) {
	sender, receiver := newTree(t, 8, nil), newTree(t, 8, nil)
	for _, typ := range []RatchetType{Handshake, Application} {
		for leaf := treemath.LeafIndex(0); leaf < 8; leaf += 3 {
			for i := 0; i < 5; i++ {
				kn, err := sender.Next(leaf, typ)
				if err != nil {
					t.Fatal(err)
				}
				if kn.Generation != uint32(i) {
					t.Fatalf("generation %d, want %d", kn.Generation, i)
				}
				got, err := receiver.Get(leaf, typ, kn.Generation)
				if err != nil || !bytes.Equal(got.Key, kn.Key) || !bytes.Equal(got.Nonce, kn.Nonce) {
					t.Fatalf("%v leaf %d gen %d: receiver key differs (%v)", typ, leaf, i, err)
				}
			}
		}
	}
	a, _ := newTree(t, 8, nil).Get(0, Handshake, 0)
	b, _ := newTree(t, 8, nil).Get(0, Application, 0)
	c, _ := newTree(t, 8, nil).Get(1, Handshake, 0)
	if bytes.Equal(a.Key, b.Key) || bytes.Equal(a.Key, c.Key) {
		t.Fatal("ratchets of different types or leaves share keys")
	}
}

// TestGetTo: GetTo hands out the keys Get does, in the caller's memory, in order, out of order
// (retained keys), ahead (skipping) and refuses a replay as Get does.
func TestGetTo(t *testing.T) {
	ref, tree := newTree(t, 4, nil), newTree(t, 4, nil)
	var key, nonce [32]byte
	for _, gen := range []uint32{0, 1, 4, 2, 5, 3} {
		want, err := ref.Get(2, Application, gen)
		if err != nil {
			t.Fatal(err)
		}
		r, err := tree.Ratchet(2, Application)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.GetTo(gen, key[:16], nonce[:12])
		if err != nil || got.Generation != gen || !bytes.Equal(got.Key, want.Key) || !bytes.Equal(got.Nonce, want.Nonce) {
			t.Fatalf("generation %d: %+v (%v), want %+v", gen, got, err, want)
		}
		if &got.Key[0] != &key[0] || &got.Nonce[0] != &nonce[0] {
			t.Fatalf("generation %d: not in the caller's memory", gen)
		}
	}
	r, _ := tree.Ratchet(2, Application)
	if _, err := r.GetTo(3, key[:16], nonce[:12]); !errors.Is(err, ErrKeyUnavailable) {
		t.Fatalf("replay: %v", err)
	}
}

func TestOutOfOrderAndReplay(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		gets    []uint32
		wantErr []error
	}{
		{"in-order", DefaultConfig, []uint32{0, 1, 2}, []error{nil, nil, nil}},
		{"skip-then-fill", DefaultConfig, []uint32{3, 0, 2, 1}, []error{nil, nil, nil, nil}},
		{"replay", DefaultConfig, []uint32{0, 0}, []error{nil, ErrKeyUnavailable}},
		{"replay-skipped", DefaultConfig, []uint32{2, 1, 1}, []error{nil, nil, ErrKeyUnavailable}},
		{"too-far", Config{MaxForwardDistance: 4, MaxRetainedKeys: 8}, []uint32{5, 4}, []error{ErrTooFarAhead, nil}},
		{"eviction", Config{MaxForwardDistance: 100, MaxRetainedKeys: 2}, []uint32{5, 2, 3, 4}, []error{nil, ErrKeyUnavailable, nil, nil}},
		{"no-retention", Config{MaxForwardDistance: 100, MaxRetainedKeys: 0}, []uint32{3, 1}, []error{nil, ErrKeyUnavailable}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			tree := newTree(t, 4, &cfg)
			ref := newTree(t, 4, &Config{MaxForwardDistance: 1000, MaxRetainedKeys: 1000})
			for i, g := range tc.gets {
				kn, err := tree.Get(2, Application, g)
				if !errors.Is(err, tc.wantErr[i]) {
					t.Fatalf("get %d (gen %d): err = %v, want %v", i, g, err, tc.wantErr[i])
				}
				if err == nil {
					want, _ := ref.Get(2, Application, g)
					if !bytes.Equal(kn.Key, want.Key) {
						t.Fatalf("gen %d: wrong key", g)
					}
				}
			}
		})
	}
}

func TestRestore(t *testing.T) {
	tree := newTree(t, 2, nil)
	r, _ := tree.Ratchet(1, Handshake)
	kn, err := r.Get(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get(0); err == nil {
		t.Fatal("key handed out twice")
	}
	r.Restore(kn)
	again, err := r.Get(0)
	if err != nil || !bytes.Equal(again.Key, kn.Key) {
		t.Fatalf("restored key not available: %v", err)
	}
}

func TestDeletionSchedule(t *testing.T) {
	tree := newTree(t, 8, nil)
	if len(tree.frontier) != 1 {
		t.Fatalf("fresh tree keeps %d node secrets, want only the root", len(tree.frontier))
	}
	if _, err := tree.Ratchet(0, Handshake); err != nil {
		t.Fatal(err)
	}
	// Deriving leaf 0 expands root 7 → 3,11; 3 → 1,5; 1 → 0,2 and consumes 0: the frontier is
	// {11, 5, 2}; no ancestor of leaf 0 keeps a secret.
	want := map[treemath.NodeIndex]bool{11: true, 5: true, 2: true}
	if len(tree.frontier) != len(want) {
		t.Fatalf("frontier %v", keys(tree.frontier))
	}
	for _, h := range tree.frontier {
		if !want[h.node] {
			t.Fatalf("frontier %v", keys(tree.frontier))
		}
	}
	for l := treemath.LeafIndex(0); l < 8; l++ {
		if _, err := tree.Ratchet(l, Application); err != nil {
			t.Fatal(err)
		}
	}
	if len(tree.frontier) != 0 {
		t.Fatalf("all leaves derived but %d node secrets remain", len(tree.frontier))
	}
	if _, err := tree.Ratchet(8, Handshake); !errors.Is(err, ErrLeafOutOfRange) {
		t.Fatalf("leaf 8 of 8: err = %v", err)
	}
}

func keys(frontier []held) []treemath.NodeIndex {
	var out []treemath.NodeIndex
	for _, h := range frontier {
		out = append(out, h.node)
	}
	return out
}

func BenchmarkRatchetNext(b *testing.B) {
	tree := newTree(b, 2, nil)
	r, _ := tree.Ratchet(0, Application)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReceiverLeaves measures what a receiver's secret tree allocates as it meets senders:
// one op is a new epoch's tree of a 100,000-member room (2^17 leaves) deriving the ratchets of
// 10 senders spread over it (the lab's bigroom scenario).
func BenchmarkReceiverLeaves(b *testing.B) {
	const n, senders = 1 << 17, 10
	b.ReportAllocs()
	for b.Loop() {
		tree := newTree(b, n, nil)
		for i := range senders {
			if _, err := tree.Ratchet(treemath.LeafIndex(i*(n/senders)), Application); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestSenderDataPads: the tree keeps one secret's pads (the same pads on each call), gives another
// secret its own pads, and the pads derive what the suite derives from the secret.
func TestSenderDataPads(t *testing.T) {
	tree := newTree(t, 4, nil)
	s := tree.suite
	a, b := bytes.Repeat([]byte{1}, s.Nh()), bytes.Repeat([]byte{2}, s.Nh())
	long := bytes.Repeat([]byte{3}, maxNh+1)
	check := func(name string, k *ciphersuite.KeyPads, secret []byte) {
		t.Helper()
		want, _ := s.ExpandWithLabel(secret, "key", []byte("sample"), s.Nk())
		got, err := k.ExpandWithLabel("key", []byte("sample"), s.Nk())
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: %x, %v; want %x", name, got, err, want)
		}
	}
	pa := tree.SenderDataPads(a)
	check("a", pa, a)
	if again := tree.SenderDataPads(a); again != pa {
		t.Error("the pads of the same secret were prepared again")
	}
	check("a again", tree.SenderDataPads(append([]byte(nil), a...)), a) // equal bytes, other memory
	check("b", tree.SenderDataPads(b), b)
	check("a after b", tree.SenderDataPads(a), a)
	check("short", tree.SenderDataPads(a[:16]), a[:16])
	check("a after short", tree.SenderDataPads(a), a)
	check("long", tree.SenderDataPads(long), long)
	check("a after long", tree.SenderDataPads(a), a)
	var none *SecretTree
	if none.SenderDataPads(a) != nil {
		t.Error("a nil tree returned pads")
	}
}

// TestDerivationsMatchSuite: the ratchet keys the tree derives through KeyPads equal those derived
// step by step with the suite's ExpandWithLabel (RFC 9420 §9), for every suite.
func TestDerivationsMatchSuite(t *testing.T) {
	for _, id := range ciphersuite.Supported() {
		s, _ := ciphersuite.Lookup(id)
		root := bytes.Repeat([]byte{0x42}, s.Nh())
		tree, err := New(s, root, 4, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Leaf 2 is node 4: root 3 → right child 5 → left child 4.
		n5, _ := s.ExpandWithLabel(root, "tree", []byte("right"), s.Nh())
		n4, _ := s.ExpandWithLabel(n5, "tree", []byte("left"), s.Nh())
		sec, _ := s.ExpandWithLabel(n4, "application", nil, s.Nh())
		for gen := uint32(0); gen < 3; gen++ {
			key, _ := s.DeriveTreeSecret(sec, "key", gen, s.Nk())
			nonce, _ := s.DeriveTreeSecret(sec, "nonce", gen, s.Nn())
			sec, _ = s.DeriveTreeSecret(sec, "secret", gen, s.Nh())
			kn, err := tree.Get(2, Application, gen)
			if err != nil || !bytes.Equal(kn.Key, key) || !bytes.Equal(kn.Nonce, nonce) {
				t.Fatalf("%v generation %d: %x/%x, %v; want %x/%x", id, gen, kn.Key, kn.Nonce, err, key, nonce)
			}
		}
	}
}

// TestRatchetsInAnyOrder: the leaves' ratchets, asked for in a shuffled order (each twice),
// are found again as the same ratchet and give the keys a tree asked in leaf order gives.
func TestRatchetsInAnyOrder(t *testing.T) {
	const n = 64
	order := rand.New(rand.NewPCG(7, 8)).Perm(n)
	shuffled, sorted := newTree(t, n, nil), newTree(t, n, nil)
	got := map[int]*HashRatchet{}
	for _, l := range append(order, order...) {
		r, err := shuffled.Ratchet(treemath.LeafIndex(l), Application)
		if err != nil {
			t.Fatal(err)
		}
		if prev, ok := got[l]; ok && prev != r {
			t.Fatalf("leaf %d: a second ratchet", l)
		}
		got[l] = r
	}
	for l := range n {
		want, err := sorted.Ratchet(treemath.LeafIndex(l), Application)
		if err != nil {
			t.Fatal(err)
		}
		a, err := got[l].Next()
		if err != nil {
			t.Fatal(err)
		}
		b, err := want.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Key, b.Key) || !bytes.Equal(a.Nonce, b.Nonce) {
			t.Fatalf("leaf %d: keys differ with the order of derivation", l)
		}
	}
}
