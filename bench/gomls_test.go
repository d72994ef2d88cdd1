package bench

import (
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/gomls"
)

// sizes are the group sizes the cost tables are measured at.
var sizes = []int{2, 4, 8, 16, 32, 64, 128}

// payload is the application message of protect and unprotect.
var payload = make([]byte, 100)

// group is a benchmark group: every op uses only its creator (leaf 0, whose direct path is the
// longest) and the member at the last leaf, so one group serves all ops of a size.
type group struct {
	first, last mls.Member
}

// fixture builds groups lazily, once per size, through the public mls API.
type fixture struct {
	engine mls.Engine
	groups map[int]*group
	seq    int
}

func (f *fixture) client(b *testing.B) mls.Client {
	b.Helper()
	f.seq++
	id := fmt.Sprintf("client-%d", f.seq)
	c, err := f.engine.NewClient(id, []byte("bench/"+id))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func (f *fixture) keyPackage(b *testing.B, c mls.Client) []byte {
	b.Helper()
	kp, err := c.KeyPackage()
	if err != nil {
		b.Fatal(err)
	}
	return kp
}

func (f *fixture) group(b *testing.B, n int) *group {
	b.Helper()
	if g, ok := f.groups[n]; ok {
		return g
	}
	creator, err := f.client(b).CreateGroup([]byte(fmt.Sprintf("bench group of %d", n)))
	if err != nil {
		b.Fatal(err)
	}
	var joiners []mls.Client
	var kps [][]byte
	for i := 1; i < n; i++ {
		c := f.client(b)
		joiners = append(joiners, c)
		kps = append(kps, f.keyPackage(b, c))
	}
	p, err := creator.Add(kps)
	if err != nil {
		b.Fatal(err)
	}
	if err := creator.Adopt(p); err != nil {
		b.Fatal(err)
	}
	g := &group{first: creator}
	for _, c := range joiners {
		if g.last, err = c.Join(p.Welcome); err != nil {
			b.Fatal(err)
		}
	}
	if g.last.Index() != n-1 || g.last.Size() != n {
		b.Fatalf("last member at leaf %d of %d members", g.last.Index(), g.last.Size())
	}
	f.groups[n] = g
	return g
}

// BenchmarkGoMLS measures every mls.Op of the gomls engine at every size; its output is the input
// of bench/cmd/costtable. members=n is the group size before the operation: commit_add adds an
// (n+1)-th member, join enters a group of n members (the Welcome of that add), process_commit is
// the last member processing an Update commit of leaf 0. Commits are never adopted between
// iterations, except for process_commit, whose commits must follow one another.
func BenchmarkGoMLS(b *testing.B) {
	f := &fixture{engine: gomls.New(), groups: map[int]*group{}}
	for _, op := range mls.Ops {
		b.Run("op="+string(op), func(b *testing.B) {
			for _, n := range sizes {
				b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
					benchOp(b, f, op, n)
				})
			}
		})
	}
}

func benchOp(b *testing.B, f *fixture, op mls.Op, n int) {
	var g *group
	if op != mls.OpKeyPackage && op != mls.OpCreateGroup {
		g = f.group(b, n)
	}
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	size := -1 // message bytes per op, if the op makes or reads a message
	switch op {
	case mls.OpKeyPackage:
		c := f.client(b)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			kp, err := c.KeyPackage()
			must(err)
			size = len(kp)
		}

	case mls.OpCreateGroup:
		c := f.client(b)
		id := []byte("a new group")
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			_, err := c.CreateGroup(id)
			must(err)
		}

	case mls.OpCommitAdd:
		c := f.client(b)
		kps := make([][]byte, b.N)
		for i := range kps {
			kps[i] = f.keyPackage(b, c)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			p, err := g.first.Add(kps[i : i+1])
			must(err)
			size = p.Size()
		}

	case mls.OpCommitRemove:
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			p, err := g.first.Remove([]int{n - 1})
			must(err)
			size = p.Size()
		}

	case mls.OpCommitUpdate:
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			p, err := g.first.Update()
			must(err)
			size = p.Size()
		}

	case mls.OpProcessCommit:
		commits := make([][][]byte, b.N)
		for i := range commits {
			p, err := g.first.Update()
			must(err)
			must(g.first.Adopt(p))
			commits[i] = p.Handshake
			size = p.Size()
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			must(g.last.Process(commits[i]))
		}

	case mls.OpJoin:
		welcomes := make([][]byte, b.N)
		joiners := make([]mls.Client, b.N)
		for i := range welcomes {
			joiners[i] = f.client(b)
			p, err := g.first.Add([][]byte{f.keyPackage(b, joiners[i])})
			must(err)
			welcomes[i] = p.Welcome
			size = len(p.Welcome)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			_, err := joiners[i].Join(welcomes[i])
			must(err)
		}

	case mls.OpProtect:
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			ct, err := g.first.Protect(payload)
			must(err)
			size = len(ct)
		}

	case mls.OpUnprotect:
		cts := make([][]byte, b.N)
		for i := range cts {
			ct, err := g.first.Protect(payload)
			must(err)
			cts[i] = ct
			size = len(ct)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			_, err := g.last.Unprotect(cts[i])
			must(err)
		}

	case mls.OpExport:
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			_, err := g.first.Export("bench", nil, 32)
			must(err)
		}

	default:
		b.Fatalf("no benchmark for op %q", op)
	}
	b.StopTimer()
	if size >= 0 {
		b.ReportMetric(float64(size), "bytes/op")
	}
}
