package group

import (
	"bytes"
	"testing"
)

// FuzzProcess feeds arbitrary messages to a member of a 3-member group: Process must never panic,
// and a rejected message must leave the epoch unchanged.
func FuzzProcess(f *testing.F) {
	x := newSim(f, suite1(f), Config{})
	x.add("m0", "m1", "m2")
	pc, err := x.members["m0"].Commit(CommitOptions{})
	if err != nil {
		f.Fatal(err)
	}
	app, err := x.members["m2"].Protect([]byte("hi"), nil)
	if err != nil {
		f.Fatal(err)
	}
	prop, err := x.members["m2"].ProposeUpdate()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pc.Commit)
	f.Add(app)
	f.Add(prop)
	f.Add(pc.Welcome)
	g := x.members["m1"]
	f.Fuzz(func(t *testing.T, b []byte) {
		before := *g
		before.props = append([]cachedProposal(nil), g.props...)
		_, err := g.Process(b)
		if err != nil && (g.Epoch() != before.Epoch() || !bytes.Equal(g.EpochAuthenticator(), before.EpochAuthenticator())) {
			t.Fatalf("rejected message changed the epoch: %v", err)
		}
		*g = before // keep the fixture stable across inputs
	})
}
