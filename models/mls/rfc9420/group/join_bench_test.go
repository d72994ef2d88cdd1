package group

import (
	"crypto/rand"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/treetest"
	"github.com/mimisim/mimisim/models/mls/rfc9420/keyschedule"
	"github.com/mimisim/mimisim/models/mls/rfc9420/secrettree"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// BenchmarkJoin measures Join from a Welcome into a group of n members whose tree is full (every
// parent above two members non-blank and parent-hash valid, as after many commits; built by
// treetest.Full), the joiner being added by a path commit of member 0. Join decrypts the
// GroupSecrets and GroupInfo, decodes the ratchet_tree extension, computes the tree hash, validates
// the tree (unmerged leaves, key uniqueness, parent hashes, every leaf signature, §7.3 leaf checks),
// verifies the GroupInfo signature, derives its path keys and runs the key schedule.
//
// The floor, interleaved with every iteration (timer stopped), is the work no joiner can skip: one
// LeafNode signature verification per member spread over GOMAXPROCS workers, plus one hash per
// tree node over inputs of the size of the tree-hash inputs. x_floor = Join time / floor time.
func BenchmarkJoin(b *testing.B) {
	for _, n := range []int{10000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			welcome, kb, fk := joinFixture(b, n)
			var floor time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				g, err := Join(welcome, kb, Config{})
				if err != nil {
					b.Fatal(err)
				}
				if g.Tree().MemberCount() != n+1 {
					b.Fatalf("%d members", g.Tree().MemberCount())
				}
				b.StopTimer()
				t0 := time.Now()
				fk.run(b)
				floor += time.Since(t0)
				b.StartTimer()
			}
			b.ReportMetric(float64(floor.Nanoseconds())/float64(b.N), "floor-ns/op")
			b.ReportMetric(float64(b.Elapsed())/float64(floor), "x_floor")
		})
	}
}

// joinFloor holds the precomputed inputs of the floor: the LeafNodeTBS, signature and key of every
// leaf, and the encoded node inputs of the tree hash.
type joinFloor struct {
	s      *ciphersuite.Suite
	tbs    [][]byte
	sigs   [][]byte
	keys   [][]byte
	hashIn [][]byte
}

func (f *joinFloor) run(b *testing.B) {
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(f.tbs); i += workers {
				if err := f.s.VerifyWithLabel(f.keys[i], wire.LeafNodeTBSLabel, f.tbs[i], f.sigs[i]); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, in := range f.hashIn {
		f.s.Hash(in)
	}
}

var (
	joinFixMu sync.Mutex
	joinFix   = map[int]struct {
		welcome []byte
		kb      *KeyPackageBundle
		floor   *joinFloor
	}{}
)

// joinFixture builds (once per size) the Welcome of a commit by member 0 of a full n-member tree
// adding one joiner, the joiner's KeyPackage bundle and the floor inputs.
func joinFixture(b *testing.B, n int) ([]byte, *KeyPackageBundle, *joinFloor) {
	b.Helper()
	joinFixMu.Lock()
	defer joinFixMu.Unlock()
	if f, ok := joinFix[n]; ok {
		return f.welcome, f.kb, f.floor
	}
	s := suite1(b)
	tg, err := treetest.Full(s, n)
	if err != nil {
		b.Fatal(err)
	}
	gc := tg.Context
	gcb, err := gc.Bytes()
	if err != nil {
		b.Fatal(err)
	}
	init := make([]byte, s.Nh())
	rand.Read(init)
	ep, err := keyschedule.Next(s, init, keyschedule.Zero(s), nil, gcb)
	if err != nil {
		b.Fatal(err)
	}
	tag := keyschedule.ConfirmationTag(s, ep.ConfirmationKey, gc.ConfirmedTranscriptHash)
	interim, err := keyschedule.InterimTranscriptHash(s, gc.ConfirmedTranscriptHash, tag)
	if err != nil {
		b.Fatal(err)
	}
	st, err := secrettree.New(s, ep.EncryptionSecret, tg.Tree.LeafCount(), nil)
	if err != nil {
		b.Fatal(err)
	}
	m0 := tg.Members[0]
	g0 := &Group{s: s, gc: gc, tree: tg.Tree, priv: m0.State, signer: m0.Signer, ep: ep, interim: interim, tag: tag, st: st}
	kb, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("joiner"), Capabilities: ptr(treetest.Capabilities(s))})
	if err != nil {
		b.Fatal(err)
	}
	pc, err := g0.Commit(CommitOptions{Add: []*wire.KeyPackage{kb.KeyPackage}})
	if err != nil {
		b.Fatal(err)
	}
	// Floor inputs from the tree the joiner receives.
	next := pc.next
	fl := &joinFloor{s: s}
	var w codec.Writer
	next.tree.ForEachLeaf(func(l tm.LeafIndex, ln *wire.LeafNode) bool {
		tbs, err := ln.TBS(next.gc.GroupID, uint32(l))
		if err != nil {
			b.Fatal(err)
		}
		fl.tbs, fl.sigs, fl.keys = append(fl.tbs, tbs), append(fl.sigs, ln.Signature), append(fl.keys, ln.SignatureKey)
		w.Reset()
		ln.MarshalMLS(&w)
		in, _ := w.Bytes()
		fl.hashIn = append(fl.hashIn, append([]byte{1, 0, 0, 0, 0, 1}, in...)) // node type, index, presence
		return true
	})
	for range int(next.tree.LeafCount()) - len(fl.tbs) {
		fl.hashIn = append(fl.hashIn, make([]byte, 6)) // blank leaves
	}
	// Parent nodes: type, presence, HPKE key, parent hash, unmerged leaves, two child hashes.
	for range int(next.tree.LeafCount()) - 1 {
		fl.hashIn = append(fl.hashIn, make([]byte, 2+33+33+1+2*(1+s.Nh())))
	}
	joinFix[n] = struct {
		welcome []byte
		kb      *KeyPackageBundle
		floor   *joinFloor
	}{pc.Welcome, kb, fl}
	return pc.Welcome, kb, fl
}

func ptr[T any](v T) *T { return &v }
