package treekem_test

import (
	"bytes"
	"fmt"
	"math/bits"
	"sync"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/treetest"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treekem"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// The benchmarks measure a commit with an UpdatePath in a full tree (every parent non-blank, no
// unmerged leaves) of suite 1 (X25519, Ed25519), and interleave with every iteration, timer
// stopped, the crypto floor of the same work: the primitive operations that no implementation can
// avoid, run through package ciphersuite. x_floor is measured time / floor time; both run under the
// same machine load, which makes the ratio far more stable than the absolute figures.
//
// Create (BenchmarkUpdatePath): CreateUpdatePath (d+1 DeriveKeyPair for the leaf and the d path
// nodes, d HPKE seals, the LeafNode signature, path merge with parent and tree hashes) plus the
// signature of the Commit's FramedContent; floor = (d+1) DeriveKeyPair + d seals + 2 signatures.
//
// Process (BenchmarkApplyUpdatePath): decode the AuthenticatedContent, verify its signature, and
// ApplyUpdatePath (LeafNode signature, merge, one HPKE open, the key derivations from the common
// ancestor to the root, key checks); floor = 1 open + k DeriveKeyPair + 2 verifications, where k is
// the number of derived nodes for that receiver (receivers rotate over all members, so k averages
// ~2 with d = 10).

var (
	benchMu     sync.Mutex
	benchGroups = map[int]*treetest.Group{}
)

func fullGroup(b *testing.B, n int) *treetest.Group {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if g := benchGroups[n]; g != nil {
		return g
	}
	g, err := treetest.Full(lookup(b, ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519), n)
	if err != nil {
		b.Fatal(err)
	}
	benchGroups[n] = g
	return g
}

// floorKit holds pre-made inputs for the floor operations.
type floorKit struct {
	s        *ciphersuite.Suite
	ikm      []byte
	pub      []byte
	priv     *ciphersuite.HPKEPrivateKey
	kemOut   []byte
	ct       []byte
	secret   []byte
	context  []byte
	signer   *ciphersuite.SignaturePrivateKey
	sigPub   []byte
	tbs      []byte
	sig      []byte
	leafTBS  []byte
	leafSig  []byte
	leafSPub []byte
}

func newFloorKit(b *testing.B, g *treetest.Group, gcBytes []byte) *floorKit {
	s := g.Suite
	k := &floorKit{s: s, ikm: bytes.Repeat([]byte{7}, s.Nh()), secret: make([]byte, s.Nh()), context: gcBytes}
	k.priv = g.Members[1].State.LeafKey()
	k.pub = k.priv.PublicKey()
	var err error
	if k.kemOut, k.ct, err = s.EncryptWithLabel(k.pub, treekem.LabelUpdatePathNode, k.context, k.secret); err != nil {
		b.Fatal(err)
	}
	k.signer = g.Members[0].Signer
	k.sigPub = k.signer.PublicKey()
	k.tbs = bytes.Repeat([]byte{1}, 1200) // about a FramedContentTBS with a d=10 UpdatePath
	if k.sig, err = s.SignWithLabel(k.signer, framing.FramedContentTBSLabel, k.tbs); err != nil {
		b.Fatal(err)
	}
	ln := g.Tree.Leaf(0)
	if k.leafTBS, err = ln.TBS(g.Context.GroupID, 0); err != nil {
		b.Fatal(err)
	}
	k.leafSig, k.leafSPub = ln.Signature, ln.SignatureKey
	return k
}

func (k *floorKit) create(b *testing.B, d int) {
	for range d + 1 {
		if _, err := k.s.DeriveKeyPair(k.ikm); err != nil {
			b.Fatal(err)
		}
	}
	for range d {
		if _, _, err := k.s.EncryptWithLabel(k.pub, treekem.LabelUpdatePathNode, k.context, k.secret); err != nil {
			b.Fatal(err)
		}
	}
	for range 2 {
		if _, err := k.s.SignWithLabel(k.signer, framing.FramedContentTBSLabel, k.tbs); err != nil {
			b.Fatal(err)
		}
	}
}

func (k *floorKit) process(b *testing.B, derivations int) {
	if _, err := k.s.DecryptWithLabel(k.priv, treekem.LabelUpdatePathNode, k.context, k.kemOut, k.ct); err != nil {
		b.Fatal(err)
	}
	for range derivations {
		if _, err := k.s.DeriveKeyPair(k.ikm); err != nil {
			b.Fatal(err)
		}
	}
	if err := k.s.VerifyWithLabel(k.sigPub, framing.FramedContentTBSLabel, k.tbs, k.sig); err != nil {
		b.Fatal(err)
	}
	if err := k.s.VerifyWithLabel(k.leafSPub, "LeafNodeTBS", k.leafTBS, k.leafSig); err != nil {
		b.Fatal(err)
	}
}

func commitContent(g *treetest.Group, sender tm.LeafIndex, path *wire.UpdatePath) *framing.FramedContent {
	return &framing.FramedContent{
		GroupID:     g.Context.GroupID,
		Epoch:       g.Context.Epoch,
		Sender:      framing.Sender{Type: framing.SenderMember, LeafIndex: uint32(sender)},
		ContentType: framing.ContentCommit,
		Commit:      &wire.Commit{Proposals: []wire.ProposalOrRef{}, Path: path},
	}
}

var benchSizes = []int{1024}

func BenchmarkUpdatePath(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			g := fullGroup(b, n)
			s := g.Suite
			d := bits.Len(uint(n)) - 1
			gc := g.Context
			gc.Epoch++
			gcBytes, _ := gc.Bytes()
			kit := newFloorKit(b, g, gcBytes)
			tag := make([]byte, s.Nh())
			var floor time.Duration
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				c := tm.LeafIndex(i % n)
				i++
				m := g.Members[c]
				ed := g.Tree.Edit()
				res, err := treekem.CreateUpdatePath(ed, m.State, &treekem.CreateParams{GroupContext: &gc, Signer: m.Signer})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Path.Nodes) != d {
					b.Fatalf("path of %d nodes, want %d", len(res.Path.Nodes), d)
				}
				if _, err := framing.Sign(s, m.Signer, framing.WireFormatPublicMessage, commitContent(g, c, res.Path), &g.Context, tag); err != nil {
					b.Fatal(err)
				}
				_ = ed.Tree()

				b.StopTimer()
				t0 := time.Now()
				kit.create(b, d)
				floor += time.Since(t0)
				b.StartTimer()
			}
			b.ReportMetric(float64(floor.Nanoseconds())/float64(b.N), "floor-ns/op")
			b.ReportMetric(float64(b.Elapsed())/float64(floor), "x_floor")
		})
	}
}

func BenchmarkApplyUpdatePath(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			g := fullGroup(b, n)
			s := g.Suite
			d := bits.Len(uint(n)) - 1
			const sender = 0
			gc := g.Context
			gc.Epoch++
			created, err := treekem.CreateUpdatePath(g.Tree.Edit(), g.Members[sender].State, &treekem.CreateParams{GroupContext: &gc, Signer: g.Members[sender].Signer})
			if err != nil {
				b.Fatal(err)
			}
			ac, err := framing.Sign(s, g.Members[sender].Signer, framing.WireFormatPublicMessage, commitContent(g, sender, created.Path), &g.Context, make([]byte, s.Nh()))
			if err != nil {
				b.Fatal(err)
			}
			acBytes, err := codec.Marshal(ac)
			if err != nil {
				b.Fatal(err)
			}
			senderKey := g.Tree.Leaf(sender).SignatureKey
			kit := newFloorKit(b, g, created.GroupContext)
			var floor time.Duration
			derived := 0
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				r := tm.LeafIndex(1 + i%(n-1))
				i++
				var got framing.AuthenticatedContent
				if err := codec.Unmarshal(acBytes, &got); err != nil {
					b.Fatal(err)
				}
				if err := got.VerifySignature(s, senderKey, &g.Context); err != nil {
					b.Fatal(err)
				}
				ed := g.Tree.Edit()
				res, err := treekem.ApplyUpdatePath(ed, g.Members[r].State, sender, got.Content.Commit.Path, &treekem.ApplyParams{GroupContext: &gc})
				if err != nil {
					b.Fatal(err)
				}
				_ = ed.Tree()

				b.StopTimer()
				if !bytes.Equal(res.CommitSecret, created.CommitSecret) {
					b.Fatal("commit secret differs")
				}
				k := d - int(tm.Level(res.Node)) + 1 // derived nodes: the common ancestor up to the root
				derived += k
				t0 := time.Now()
				kit.process(b, k)
				floor += time.Since(t0)
				b.StartTimer()
			}
			b.ReportMetric(float64(derived)/float64(b.N), "derivations/op")
			b.ReportMetric(float64(floor.Nanoseconds())/float64(b.N), "floor-ns/op")
			b.ReportMetric(float64(b.Elapsed())/float64(floor), "x_floor")
		})
	}
}

// BenchmarkDecryptPath is the per-member cost when simulated members share the merged snapshot
// (MergePath once per commit, then DecryptPath per member): one HPKE open and the k derivations;
// floor = 1 open + k DeriveKeyPair.
func BenchmarkDecryptPath(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			g := fullGroup(b, n)
			d := bits.Len(uint(n)) - 1
			const sender = 0
			gc := g.Context
			gc.Epoch++
			created, err := treekem.CreateUpdatePath(g.Tree.Edit(), g.Members[sender].State, &treekem.CreateParams{GroupContext: &gc, Signer: g.Members[sender].Signer})
			if err != nil {
				b.Fatal(err)
			}
			ed := g.Tree.Edit()
			merged, err := treekem.MergePath(ed, sender, created.Path, &gc)
			if err != nil {
				b.Fatal(err)
			}
			shared := ed.Tree()
			kit := newFloorKit(b, g, merged.GroupContext)
			var floor time.Duration
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				r := tm.LeafIndex(1 + i%(n-1))
				i++
				res, err := treekem.DecryptPath(shared, g.Members[r].State, sender, created.Path, merged.GroupContext, nil, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				k := d - int(tm.Level(res.Node)) + 1
				t0 := time.Now()
				if _, err := kit.s.DecryptWithLabel(kit.priv, treekem.LabelUpdatePathNode, kit.context, kit.kemOut, kit.ct); err != nil {
					b.Fatal(err)
				}
				for range k {
					if _, err := kit.s.DeriveKeyPair(kit.ikm); err != nil {
						b.Fatal(err)
					}
				}
				floor += time.Since(t0)
				b.StartTimer()
			}
			b.ReportMetric(float64(floor.Nanoseconds())/float64(b.N), "floor-ns/op")
			b.ReportMetric(float64(b.Elapsed())/float64(floor), "x_floor")
		})
	}
}
