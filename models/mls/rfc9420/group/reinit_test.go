package group

import (
	"errors"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// TestReInitSuiteChange moves a four-member suite-1 group to suite 3 through ReInit (§11.2).
func TestReInitSuiteChange(t *testing.T) {
	x := newSim(t, suite1(t), Config{})
	x.add("m0", "m1", "m2", "m3")
	s3, err := ciphersuite.Lookup(ciphersuite.ID(3))
	if err != nil {
		t.Fatal(err)
	}
	ri := wire.ReInit{GroupID: []byte("test group v2"), Version: wire.MLS10, CipherSuite: s3.ID(), Extensions: wire.Extensions{}}
	pc, err := x.members["m2"].CommitReInit(ri)
	if err != nil {
		t.Fatal(err)
	}
	x.deliver("m2", pc)
	for name, g := range x.members {
		got, ok := g.ReInit()
		if !ok || string(got.GroupID) != "test group v2" || got.CipherSuite != s3.ID() {
			t.Fatalf("%s: ReInit %v %v", name, got, ok)
		}
		if _, err := g.Protect([]byte("x"), nil); !errors.Is(err, ErrReInitPending) {
			t.Fatalf("%s: Protect after ReInit: %v", name, err)
		}
		if _, err := g.Commit(CommitOptions{}); !errors.Is(err, ErrReInitPending) {
			t.Fatalf("%s: Commit after ReInit: %v", name, err)
		}
	}
	// A terminal group takes no further handshake messages (a commit built past the guards).
	late, err := x.members["m1"].commitList(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.members["m0"].Process(late.Commit); !errors.Is(err, ErrReInitPending) {
		t.Fatalf("commit to a terminal group: %v", err)
	}
	// Every member makes a suite-3 KeyPackage; m0 creates the new group and adds the others.
	kbs := map[string]*KeyPackageBundle{}
	var kps []*wire.KeyPackage
	for _, n := range []string{"m0", "m1", "m2", "m3"} {
		kb, err := NewKeyPackage(s3, KeyPackageOptions{Identity: []byte(n)})
		if err != nil {
			t.Fatal(err)
		}
		kbs[n] = kb
		if n != "m0" {
			kps = append(kps, kb.KeyPackage)
		}
	}
	old := x.members
	ng, npc, err := old["m0"].Reinitialize(kbs["m0"], kps, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ng.Adopt(npc); err != nil {
		t.Fatal(err)
	}
	// Without the old group's state the Welcome cannot be opened (the reinit PSK is unknown).
	if _, err := Join(npc.Welcome, kbs["m1"], Config{}); !errors.Is(err, ErrUnknownPSK) {
		t.Fatalf("join without the old group: %v", err)
	}
	y := &sim{t: t, s: s3, members: map[string]*Group{"m0": ng}}
	for _, n := range []string{"m1", "m2", "m3"} {
		g, err := old[n].JoinReInit(npc.Welcome, kbs[n], Config{})
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		y.members[n] = g
	}
	if ng.Epoch() != 1 || ng.Suite().ID() != s3.ID() || string(ng.GroupID()) != "test group v2" {
		t.Fatalf("new group at epoch %d suite %v id %q", ng.Epoch(), ng.Suite().ID(), ng.GroupID())
	}
	y.check()
	pc, err = y.members["m3"].Commit(CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	y.deliver("m3", pc)
	y.check()

	// A group not ended by ReInit can neither reinitialise nor join a successor.
	z := newSim(t, suite1(t), Config{})
	if _, _, err := z.members["m0"].Reinitialize(kbs["m0"], nil, Config{}); err == nil {
		t.Error("Reinitialize without ReInit accepted")
	}
	if _, err := z.members["m0"].JoinReInit(npc.Welcome, kbs["m1"], Config{}); err == nil {
		t.Error("JoinReInit without ReInit accepted")
	}
	// A KeyPackage of the wrong suite is refused.
	if _, _, err := old["m1"].Reinitialize(mustKP(t, suite1(t), "m1"), nil, Config{}); err == nil {
		t.Error("Reinitialize with a suite-1 KeyPackage accepted")
	}
}

func mustKP(t testing.TB, s *ciphersuite.Suite, id string) *KeyPackageBundle {
	t.Helper()
	kb, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte(id)})
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

// TestReInitByProposal: a ReInit proposed by one member (here by reference) is committed alone by
// another.
func TestReInitByProposal(t *testing.T) {
	x := newSim(t, suite1(t), Config{})
	x.add("m0", "m1", "m2")
	p, err := x.members["m1"].ProposeReInit(wire.ReInit{GroupID: []byte("v2"), Version: wire.MLS10, CipherSuite: 1})
	if err != nil {
		t.Fatal(err)
	}
	x.broadcast("m1", p)
	pc, err := x.members["m0"].Commit(CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x.deliver("m0", pc)
	for name, g := range x.members {
		if _, ok := g.ReInit(); !ok {
			t.Fatalf("%s: not reinitialised", name)
		}
	}
}

// TestReInitRules: other proposals are preferred over a ReInit, a reinit PSK is invalid outside a
// reinitialisation, and a successor that drops a member of the old group is refused.
func TestReInitRules(t *testing.T) {
	x := newSim(t, suite1(t), Config{})
	x.add("m0", "m1", "m2", "m3")
	ri := wire.ReInit{GroupID: []byte("v2"), Version: wire.MLS10, CipherSuite: 1}
	p, err := x.members["m1"].ProposeReInit(ri)
	if err != nil {
		t.Fatal(err)
	}
	x.broadcast("m1", p)
	u, err := x.members["m2"].ProposeUpdate()
	if err != nil {
		t.Fatal(err)
	}
	x.broadcast("m2", u)
	pc, err := x.members["m0"].Commit(CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x.deliver("m0", pc)
	if _, ok := x.members["m3"].ReInit(); ok {
		t.Fatal("ReInit committed although an Update was pending")
	}
	x.check()

	gc := x.members["m0"].Context()
	nonce := make([]byte, x.s.Nh())
	bad := wire.PreSharedKeyID{Type: wire.PSKResumption, Usage: wire.UsageReInit, GroupID: gc.GroupID, Epoch: gc.Epoch, Nonce: nonce}
	if _, err := x.members["m0"].Commit(CommitOptions{PSKs: []wire.PreSharedKeyID{bad}}); !errors.Is(err, ErrInvalidCommit) {
		t.Fatalf("reinit PSK proposal outside a reinitialisation: %v", err)
	}

	pc, err = x.members["m3"].CommitReInit(ri)
	if err != nil {
		t.Fatal(err)
	}
	x.deliver("m3", pc)
	kb0, kb1 := mustKP(t, x.s, "m0"), mustKP(t, x.s, "m1")
	ng, npc, err := x.members["m0"].Reinitialize(kb0, []*wire.KeyPackage{kb1.KeyPackage}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ng.Adopt(npc); err != nil {
		t.Fatal(err)
	}
	if _, err := x.members["m1"].JoinReInit(npc.Welcome, kb1, Config{}); !errors.Is(err, ErrInvalidJoin) {
		t.Fatalf("successor without m2 and m3: %v", err)
	}
}
