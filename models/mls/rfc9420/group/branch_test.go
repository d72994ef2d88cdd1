package group

import (
	"errors"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// TestBranch: three members of a five-member group branch off a subgroup linked by a branch PSK;
// both groups keep working, and a branch with an outsider is refused.
func TestBranch(t *testing.T) {
	x := newSim(t, suite1(t), Config{})
	x.add("m0", "m1", "m2", "m3", "m4")
	kbs := map[string]*KeyPackageBundle{}
	for _, n := range []string{"m1", "m2", "m3"} {
		kbs[n] = mustKP(t, x.s, n)
	}
	ng, pc, err := x.members["m1"].Branch(kbs["m1"], []byte("side room"), nil, []*wire.KeyPackage{kbs["m2"].KeyPackage, kbs["m3"].KeyPackage}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ng.Adopt(pc); err != nil {
		t.Fatal(err)
	}
	if _, err := Join(pc.Welcome, kbs["m2"], Config{}); !errors.Is(err, ErrUnknownPSK) {
		t.Fatalf("join without the parent group: %v", err)
	}
	y := &sim{t: t, s: x.s, members: map[string]*Group{"m1": ng}}
	for _, n := range []string{"m2", "m3"} {
		g, err := x.members[n].JoinBranch(pc.Welcome, kbs[n], Config{})
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		y.members[n] = g
	}
	y.check()
	if ng.Epoch() != 1 || string(ng.GroupID()) != "side room" {
		t.Fatalf("branch at epoch %d id %q", ng.Epoch(), ng.GroupID())
	}
	// The parent group goes on.
	c, err := x.members["m4"].Commit(CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x.deliver("m4", c)
	x.check()

	// A branch that adds someone from outside the parent group is refused by its members.
	kb2, out := mustKP(t, x.s, "m2"), mustKP(t, x.s, "outsider")
	ng2, pc2, err := x.members["m0"].Branch(mustKP(t, x.s, "m0"), []byte("leaky"), nil, []*wire.KeyPackage{kb2.KeyPackage, out.KeyPackage}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ng2.Adopt(pc2); err != nil {
		t.Fatal(err)
	}
	if _, err := x.members["m2"].JoinBranch(pc2.Welcome, kb2, Config{}); !errors.Is(err, ErrInvalidJoin) {
		t.Fatalf("branch with an outsider: %v", err)
	}
	// A branch PSK proposal is invalid in an ordinary commit.
	gc := x.members["m0"].Context()
	bad := wire.PreSharedKeyID{Type: wire.PSKResumption, Usage: wire.UsageBranch, GroupID: gc.GroupID, Epoch: gc.Epoch}
	if _, err := x.members["m0"].Commit(CommitOptions{PSKs: []wire.PreSharedKeyID{bad}}); !errors.Is(err, ErrInvalidCommit) {
		t.Fatalf("branch PSK in an ordinary commit: %v", err)
	}
}
