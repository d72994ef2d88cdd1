package ratchettree

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// randLeaf is a LeafNode with realistic field sizes (32-byte keys, 64-byte signature) but no valid
// signature: the sharing tests exercise the public tree only.
func randLeaf(i int, src wire.LeafNodeSource) *wire.LeafNode {
	return &wire.LeafNode{
		EncryptionKey: randBytes(32),
		SignatureKey:  randBytes(32),
		Credential:    wire.Credential{Type: wire.CredentialBasic, Identity: fmt.Appendf(nil, "member-%07d", i)},
		Capabilities:  wire.Capabilities{Versions: []wire.ProtocolVersion{1}, CipherSuites: []ciphersuite.ID{1}, Extensions: []wire.ExtensionType{}, Proposals: []wire.ProposalType{}, Credentials: []wire.CredentialType{1}},
		Source:        src,
		Lifetime:      wire.Lifetime{NotAfter: 1 << 40},
		Extensions:    wire.Extensions{},
		Signature:     randBytes(64),
	}
}

// fakeCommit applies a commit-shaped change from leaf l in ed: fresh random keys along its filtered
// direct path and a commit LeafNode with the matching parent hash. It returns the UpdatePath a
// receiver would merge.
func fakeCommit(t testing.TB, ed *Editor, l tm.LeafIndex) *wire.UpdatePath {
	fdp, _, err := ed.FilteredDirectPath(l)
	if err != nil {
		t.Fatal(err)
	}
	path := &wire.UpdatePath{Nodes: make([]wire.UpdatePathNode, len(fdp))}
	keys := make([][]byte, len(fdp))
	for i := range fdp {
		keys[i] = randBytes(32)
		path.Nodes[i].EncryptionKey = keys[i]
	}
	ph, err := ed.ApplyPath(l, keys)
	if err != nil {
		t.Fatal(err)
	}
	ln := randLeaf(int(l), wire.SourceCommit)
	ln.ParentHash = ph
	if err := ed.SetLeaf(l, ln); err != nil {
		t.Fatal(err)
	}
	path.LeafNode = *ln
	return path
}

var (
	largeMu    sync.Mutex
	largeTrees = map[int]*Tree{}
)

// largeTree builds an n-member tree with every parent over two members non-blank: all members are
// added, then every fourth member commits (fake keys), so the tree looks like a long-lived group.
func largeTree(t testing.TB, n int) *Tree {
	largeMu.Lock()
	defer largeMu.Unlock()
	if tr := largeTrees[n]; tr != nil {
		return tr
	}
	s, err := ciphersuite.Lookup(1)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := New(s, randLeaf(0, wire.SourceKeyPackage))
	if err != nil {
		t.Fatal(err)
	}
	ed := tree.Edit()
	for i := 1; i < n; i++ {
		if _, err := ed.AddLeaf(randLeaf(i, wire.SourceKeyPackage)); err != nil {
			t.Fatal(err)
		}
	}
	for l := 0; l < n; l += 4 {
		fakeCommit(t, ed, tm.LeafIndex(l))
	}
	tr := ed.Tree()
	largeTrees[n] = tr
	return tr
}

// unshared counts the tree nodes reachable from a that are not shared with b (same position).
func unshared(a, b *node) int {
	if a == b {
		return 0
	}
	c := 1
	if a.left != nil {
		var bl, br *node
		if b != nil {
			bl, br = b.left, b.right
		}
		c += unshared(a.left, bl) + unshared(a.right, br)
	}
	return c
}

// unsharedHAMT counts the trie nodes of a not shared with b.
func unsharedHAMT(a *hamtNode, seen map[*hamtNode]bool) int {
	if a == nil || seen[a] {
		return 0
	}
	c := 1
	for _, s := range a.slots {
		if s.child != nil {
			c += unsharedHAMT(s.child, seen)
		}
	}
	return c
}

func allHAMT(a *hamtNode, into map[*hamtNode]bool) {
	if a == nil {
		return
	}
	into[a] = true
	for _, s := range a.slots {
		if s.child != nil {
			allHAMT(s.child, into)
		}
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestSharingLarge builds a 100,000-member tree and checks that a commit on it produces a new
// snapshot sharing everything but the changed path with the old one, which stays intact.
func TestSharingLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100,000-member tree")
	}
	const n = 100_000
	before := heapInUse()
	base := largeTree(t, n)
	heap := heapInUse() - before
	depth := int(tm.Level(tm.Root(base.LeafCount())))
	t.Logf("%d members, %d leaf slots, depth %d: %.1f MB heap, %d bytes/member", n, base.LeafCount(), depth, float64(heap)/1e6, heap/n)
	if base.MemberCount() != n {
		t.Fatalf("%d members", base.MemberCount())
	}
	baseHash := base.TreeHash()
	baseEnc, err := base.Encode()
	if err != nil {
		t.Fatal(err)
	}

	// Many simulated members hold the same snapshot: that costs a pointer each.
	holders := make([]*Tree, 1000)
	for i := range holders {
		holders[i] = base
	}

	// One commit from a member in the middle, with two adds and a remove.
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	allocBefore := ms.TotalAlloc
	ed := base.Edit()
	if err := ed.RemoveLeaf(777); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := ed.AddLeaf(randLeaf(n+i, wire.SourceKeyPackage)); err != nil {
			t.Fatal(err)
		}
	}
	fakeCommit(t, ed, 54321)
	next := ed.Tree()
	runtime.ReadMemStats(&ms)
	perCommit := ms.TotalAlloc - allocBefore

	changed := unshared(next.root, base.root)
	seen := map[*hamtNode]bool{}
	allHAMT(base.enc.root, seen)
	allHAMT(base.sig.root, seen)
	changedIdx := unsharedHAMT(next.enc.root, seen) + unsharedHAMT(next.sig.root, seen)
	t.Logf("commit: %d tree nodes and %d index nodes copied, %d bytes allocated", changed, changedIdx, perCommit)
	// Four paths (remove, two adds, commit) of depth+1 nodes at most.
	if changed > 4*(depth+1) {
		t.Errorf("%d tree nodes copied, want at most %d", changed, 4*(depth+1))
	}
	if perCommit > 256<<10 {
		t.Errorf("a commit allocated %d bytes", perCommit)
	}
	if !bytes.Equal(base.TreeHash(), baseHash) {
		t.Fatal("the shared snapshot changed")
	}
	if enc, _ := base.Encode(); !bytes.Equal(enc, baseEnc) {
		t.Fatal("the shared snapshot's encoding changed")
	}
	// The incremental hashes agree with a full, sequential recomputation.
	enc, err := next.Encode()
	if err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(1)
	re, err := Decode(next.Suite(), enc)
	runtime.GOMAXPROCS(prev)
	if err != nil || !bytes.Equal(re.TreeHash(), next.TreeHash()) {
		t.Fatalf("incremental tree hash differs from a sequential recomputation (%v)", err)
	}
	if err := next.CheckUnmergedLeaves(); err != nil {
		t.Fatal(err)
	}
	if err := next.VerifyParentHashes(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkMergeLarge merges an UpdatePath into a shared large tree and freezes the new snapshot:
// the public-tree cost of processing a commit; B/op is the memory a new epoch's snapshot adds.
func BenchmarkMergeLarge(b *testing.B) {
	for _, n := range []int{1024, 100_000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			base := largeTree(b, n)
			paths := make([]*wire.UpdatePath, 16)
			senders := make([]tm.LeafIndex, len(paths))
			for i := range paths {
				senders[i] = tm.LeafIndex((i*7919 + 13) % n)
				paths[i] = fakeCommit(b, base.Edit(), senders[i])
			}
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				ed := base.Edit()
				if err := ed.MergeUpdatePath(senders[i%len(paths)], paths[i%len(paths)]); err != nil {
					b.Fatal(err)
				}
				_ = ed.Tree()
				i++
			}
		})
	}
}

// TestParallelRehash checks that hashing large dirty subtrees concurrently gives the sequential
// result (run with -race to check the concurrent hashing for data races).
func TestParallelRehash(t *testing.T) {
	s, err := ciphersuite.Lookup(1)
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]Node, 2*5000-1)
	for i := range 5000 {
		nodes[2*i].Leaf = randLeaf(i, wire.SourceKeyPackage)
	}
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs GOMAXPROCS > 1 to exercise the parallel path")
	}
	par, err := FromNodes(s, nodes)
	if err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(1)
	seq, err := FromNodes(s, nodes)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	for x := range par.Width() {
		if !bytes.Equal(par.NodeHash(tm.NodeIndex(x)), seq.NodeHash(tm.NodeIndex(x))) {
			t.Fatalf("node %d: parallel and sequential hashes differ", x)
		}
	}
}
