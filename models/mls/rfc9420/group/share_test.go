package group

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

func sharedSim(t *testing.T, n int) (*sim, *Share) {
	t.Helper()
	s, err := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	sh := NewShare()
	x := newSim(t, s, Config{Share: sh, OutOfBandTree: true})
	var names []string
	for i := 1; i < n; i++ {
		names = append(names, fmt.Sprintf("m%d", i))
	}
	x.add("m0", names...) // joins through the out-of-band tree; check() exchanges messages
	return x, sh
}

// TestShareMatchesUnshared: a member that processes a commit through the Share reaches exactly
// the state it reaches doing everything itself, and the public half is computed once.
func TestShareMatchesUnshared(t *testing.T) {
	const n = 12
	x, sh := sharedSim(t, n)
	if st := sh.Stats(); st.TreesValidated != 1 || st.TreesReused != n-2 {
		t.Fatalf("welcome: %+v, want 1 tree validated and %d reused", st, n-2)
	}
	before := sh.Stats()
	pc, err := x.members["m3"].Commit(CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// One receiver also processes the commit without the Share, on a copy of its state.
	solo := *x.members["m5"]
	solo.cfg.Share = nil
	if _, err := solo.Process(pc.Commit); err != nil {
		t.Fatal(err)
	}
	x.deliver("m3", pc)
	if !bytes.Equal(solo.EpochAuthenticator(), x.members["m5"].EpochAuthenticator()) || solo.Epoch() != x.members["m5"].Epoch() {
		t.Fatal("shared and unshared processing disagree")
	}
	st := sh.Stats()
	if got := st.CommitsMerged - before.CommitsMerged; got != 1 {
		t.Errorf("%d public merges for one commit", got)
	}
	if got := st.CommitsReused - before.CommitsReused; got != n-2 {
		t.Errorf("%d reuses, want %d", got, n-2)
	}
	if got := st.PathsDecrypted - before.PathsDecrypted; got != n-1 {
		t.Errorf("%d path secrets decrypted, want %d (every receiver its own)", got, n-1)
	}
	if _, commits, trees := sh.Entries(); commits != 0 || trees != 0 {
		t.Errorf("entries left: %d commits, %d trees", commits, trees)
	}
	x.check()

	// A removal through the Share: the removed members stop, the others move on.
	pc, err = x.members["m0"].Commit(CommitOptions{Remove: []tm.LeafIndex{x.leafOf("m4"), x.leafOf("m7")}})
	if err != nil {
		t.Fatal(err)
	}
	x.deliver("m0", pc)
	if _, ok := x.members["m4"]; ok {
		t.Fatal("m4 was not removed")
	}
	x.check()
}

// TestShareRejectsForgery: a commit whose confirmation tag is wrong fails for every member,
// whether it computed the public half or reused it.
func TestShareRejectsForgery(t *testing.T) {
	x, _ := sharedSim(t, 6)
	pc, err := x.members["m1"].Commit(CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(pc.Commit)
	bad[len(bad)-40] ^= 1 // inside the confirmation tag or membership tag
	for name, g := range x.members {
		if name == "m1" {
			continue
		}
		epoch := g.Epoch()
		if _, err := g.Process(bad); err == nil {
			t.Fatalf("%s accepted a tampered commit", name)
		}
		if g.Epoch() != epoch {
			t.Fatalf("%s moved on a tampered commit", name)
		}
	}
	x.deliver("m1", pc)
	x.check()
}

// TestOutOfBandTreeNeedsShare: a Welcome without the ratchet_tree extension cannot be joined
// without the tree.
func TestOutOfBandTreeNeedsShare(t *testing.T) {
	x, _ := sharedSim(t, 3)
	kb, err := NewKeyPackage(x.s, KeyPackageOptions{Identity: []byte("late")})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := x.members["m0"].Commit(CommitOptions{Add: []*wire.KeyPackage{kb.KeyPackage}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pc.GroupInfo.Extensions.Find(wire.ExtRatchetTree); ok || pc.TreeSize == 0 {
		t.Fatalf("GroupInfo carries the tree (or TreeSize %d)", pc.TreeSize)
	}
	if _, err := Join(pc.Welcome, kb, Config{}); err == nil {
		t.Fatal("joined without any tree")
	}
	if _, err := Join(pc.Welcome, kb, Config{Share: NewShare()}); err == nil {
		t.Fatal("joined from a Share that never saw the tree")
	}
}
