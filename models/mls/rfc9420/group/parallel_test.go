package group

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// TestForEachLowestError: every call runs, and the error is the lowest failing index's, on one
// goroutine or many.
func TestForEachLowestError(t *testing.T) {
	for _, n := range []int{0, 1, minParallel - 1, 5 * minParallel} {
		ran := make([]bool, n)
		err := forEach(n, func(i int) error {
			ran[i] = true
			if i%7 == 3 {
				return fmt.Errorf("fail %d", i)
			}
			return nil
		})
		for i, ok := range ran {
			if !ok && (n > minParallel || i <= 3) {
				t.Fatalf("n=%d: call %d did not run", n, i)
			}
		}
		if n > 3 && (err == nil || err.Error() != "fail 3") {
			t.Fatalf("n=%d: error %v, want fail 3", n, err)
		}
		if n <= 3 && err != nil {
			t.Fatalf("n=%d: error %v", n, err)
		}
	}
}

// TestAddManyAtOnce: an Add of enough members to check their KeyPackages and seal their
// GroupSecrets on several goroutines gives a Welcome every joiner can use, and a bad KeyPackage
// is reported as the first bad one in the list.
func TestAddManyAtOnce(t *testing.T) {
	x := newSim(t, suite1(t), Config{})
	const n = 3*minParallel + 5
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
	first, second := bad(minParallel+1), bad(2*minParallel+2)
	first.InitKey = first.LeafNode.EncryptionKey // fails before the signature check
	second.Signature = bytes.Repeat([]byte{1}, len(second.Signature))
	list := append([]*wire.KeyPackage(nil), kps...)
	list[minParallel+1], list[2*minParallel+2] = first, second
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
	for i, kb := range kbs {
		g, err := Join(pc.Welcome, kb, x.cfg)
		if err != nil {
			t.Fatalf("joiner %d: %v", i, err)
		}
		if !bytes.Equal(g.EpochAuthenticator(), want) || g.Tree().MemberCount() != n+1 {
			t.Fatalf("joiner %d disagrees with the committer", i)
		}
	}
}
