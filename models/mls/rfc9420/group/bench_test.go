package group

import (
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// benchGroup builds an n-member group in one Add commit and returns the members.
func benchGroup(b *testing.B, n int) []*Group {
	s := suite1(b)
	kb, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("m0")})
	if err != nil {
		b.Fatal(err)
	}
	g0, err := Create(kb, []byte("bench"), nil, Config{})
	if err != nil {
		b.Fatal(err)
	}
	var kps []*wire.KeyPackage
	var kbs []*KeyPackageBundle
	for i := 1; i < n; i++ {
		kb, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte(fmt.Sprint("m", i))})
		if err != nil {
			b.Fatal(err)
		}
		kps, kbs = append(kps, kb.KeyPackage), append(kbs, kb)
	}
	pc, err := g0.Commit(CommitOptions{Add: kps})
	if err != nil {
		b.Fatal(err)
	}
	if err := g0.Adopt(pc); err != nil {
		b.Fatal(err)
	}
	gs := []*Group{g0}
	for _, kb := range kbs {
		g, err := Join(pc.Welcome, kb, Config{})
		if err != nil {
			b.Fatal(err)
		}
		gs = append(gs, g)
	}
	return gs
}

// BenchmarkCommitUpdate measures one full (path) commit with no proposals: building it and
// adopting it (committer), and processing it (one receiver, rotating).
func BenchmarkCommitUpdate(b *testing.B) {
	for _, n := range []int{8, 64} {
		gs := benchGroup(b, n)
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				c := gs[i%n]
				pc, err := c.Commit(CommitOptions{})
				if err != nil {
					b.Fatal(err)
				}
				for j, g := range gs {
					if g == c {
						continue
					}
					if _, err := g.Process(pc.Commit); err != nil {
						b.Fatal(j, err)
					}
				}
				if err := c.Adopt(pc); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n-1), "receivers/op")
		})
	}
}
