package group

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/parallel"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// TestAddManyAtOnce: an Add of enough members to check their KeyPackages and seal their
// GroupSecrets on several goroutines gives a Welcome every joiner can use, and a bad KeyPackage
// is reported as the first bad one in the list.
func TestAddManyAtOnce(t *testing.T) {
	x := newSim(t, suite1(t), Config{})
	const n = 3*parallel.MinParallel + 5
	var kps []*wire.KeyPackage
	var kbs []*KeyPackageBundle
	for i := range n {
		kb, err := NewKeyPackage(x.s, KeyPackageOptions{Identity: []byte(fmt.Sprintf("j%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		kps, kbs = append(kps, kb.KeyPackage), append(kbs, kb)
	}

	bad := func(i int) *wire.KeyPackage { c := *kps[i]; return &c }
	first, second := bad(parallel.MinParallel+1), bad(2*parallel.MinParallel+2)
	first.InitKey = first.LeafNode.EncryptionKey // fails before the signature check
	second.Signature = bytes.Repeat([]byte{1}, len(second.Signature))
	list := append([]*wire.KeyPackage(nil), kps...)
	list[parallel.MinParallel+1], list[2*parallel.MinParallel+2] = first, second
	if _, err := x.members["m0"].Commit(CommitOptions{Add: list}); !errors.Is(err, ErrInvalidKeyPackage) || !strings.Contains(err.Error(), "init_key") {
		t.Fatalf("two bad KeyPackages: error %v, want the first one's (init_key)", err)
	}

	pc, err := x.members["m0"].Commit(CommitOptions{Add: kps})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.members["m0"].Adopt(pc); err != nil {
		t.Fatal(err)
	}
	want := x.members["m0"].EpochAuthenticator()
	var joined []*Group
	for i, kb := range kbs {
		g, err := Join(pc.Welcome, kb, x.cfg)
		if err != nil {
			t.Fatalf("joiner %d: %v", i, err)
		}
		if !bytes.Equal(g.EpochAuthenticator(), want) || g.Tree().MemberCount() != n+1 {
			t.Fatalf("joiner %d disagrees with the committer", i)
		}
		joined = append(joined, g)
	}

	// The next commit with a path encrypts its path secrets to every other member (the tree's
	// parents are blank after the Add): many encryptions at once, each where its recipient
	// looks for it.
	up, err := joined[0].Commit(CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(up.Commit); got < n*32 {
		t.Fatalf("commit of %d bytes: not one encryption per member?", got)
	}
	if err := joined[0].Adopt(up); err != nil {
		t.Fatal(err)
	}
	want = joined[0].EpochAuthenticator()
	for i, g := range append([]*Group{x.members["m0"]}, joined[1:]...) {
		if _, err := g.Process(up.Commit); err != nil {
			t.Fatalf("member %d processing the commit: %v", i, err)
		}
		if !bytes.Equal(g.EpochAuthenticator(), want) {
			t.Fatalf("member %d disagrees after the commit", i)
		}
	}
}
