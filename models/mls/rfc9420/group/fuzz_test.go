package group

import (
	"bytes"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// FuzzProcess feeds arbitrary messages to a member of a 3-member group: Process (ProcessAppend
// for inputs of odd length) must never panic, and a rejected message must leave the epoch
// unchanged.
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
	f.Fuzz(func(t *testing.T, b []byte) { processKeepsEpoch(t, g, b) })
}

// FuzzProcessExternal feeds arbitrary messages to a member of a group with an external sender:
// the seeds are an external commit, external Remove and ReInit proposals, a new member's Add and a
// ReInit commit. Process must never panic, and a rejected message must leave the epoch unchanged.
func FuzzProcessExternal(f *testing.F) {
	x, hub := newHubSim(f)
	x.add("m0", "m1", "m2")
	gc := x.members["m0"].Context()
	gi, err := x.members["m0"].GroupInfo(true)
	if err != nil {
		f.Fatal(err)
	}
	_, commit, err := JoinExternal(gi, mustKP(f, x.s, "j"), Config{}, ExternalJoinOptions{})
	if err != nil {
		f.Fatal(err)
	}
	rm, err := ExternalProposal(x.s, hub.Signer, 1, gc.GroupID, gc.Epoch, &wire.Proposal{Type: wire.ProposalRemove, Removed: 2})
	if err != nil {
		f.Fatal(err)
	}
	ri, err := ExternalProposal(x.s, hub.Signer, 1, gc.GroupID, gc.Epoch, &wire.Proposal{Type: wire.ProposalReInit,
		ReInit: &wire.ReInit{GroupID: []byte("v2"), Version: wire.MLS10, CipherSuite: 3, Extensions: wire.Extensions{}}})
	if err != nil {
		f.Fatal(err)
	}
	self, err := NewMemberProposal(mustKP(f, x.s, "n"), gc.GroupID, gc.Epoch)
	if err != nil {
		f.Fatal(err)
	}
	pc, err := x.members["m2"].CommitReInit(wire.ReInit{GroupID: []byte("v3"), Version: wire.MLS10, CipherSuite: 1})
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range [][]byte{commit, rm, ri, self, pc.Commit} {
		f.Add(b)
	}
	g := x.members["m1"]
	f.Fuzz(func(t *testing.T, b []byte) { processKeepsEpoch(t, g, b) })
}

// processKeepsEpoch has g process b (ProcessAppend for inputs of odd length, after a prefix it
// must keep): it must not panic, and a rejected message must leave the epoch unchanged. g is
// restored afterwards, so that the fixture stays the same across inputs.
func processKeepsEpoch(t *testing.T, g *Group, b []byte) {
	before := *g
	before.props = append([]cachedProposal(nil), g.props...)
	defer func() { *g = before }()
	var err error
	if len(b)%2 == 0 {
		_, err = g.Process(b)
	} else {
		var r Received
		err = g.ProcessAppend(b, &r, []byte("pre"))
		if err == nil && r.ContentType == framing.ContentApplication && string(r.ApplicationData[:3]) != "pre" {
			t.Fatalf("ProcessAppend lost the buffer's bytes: %q", r.ApplicationData)
		}
	}
	if err != nil && (g.Epoch() != before.Epoch() || !bytes.Equal(g.EpochAuthenticator(), before.EpochAuthenticator())) {
		t.Fatalf("rejected message changed the epoch: %v", err)
	}
}

// FuzzJoinExternal feeds arbitrary GroupInfo messages to an external joiner: decoding and
// JoinExternal must never panic, and an accepted GroupInfo yields a group one epoch further and a
// commit.
func FuzzJoinExternal(f *testing.F) {
	x := newSim(f, suite1(f), Config{})
	x.add("m0", "m1", "m2")
	for _, withTree := range []bool{true, false} {
		gi, err := x.members["m1"].GroupInfo(withTree)
		if err != nil {
			f.Fatal(err)
		}
		b, err := EncodeGroupInfo(gi)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	kb := mustKP(f, x.s, "j")
	f.Fuzz(func(t *testing.T, b []byte) {
		gi, err := DecodeGroupInfo(b)
		if err != nil {
			return
		}
		g, commit, err := JoinExternal(gi, kb, Config{}, ExternalJoinOptions{})
		if err != nil {
			return
		}
		if g == nil || len(commit) == 0 || g.Epoch() != gi.GroupContext.Epoch+1 {
			t.Fatalf("accepted GroupInfo gave group %v, commit of %d bytes", g, len(commit))
		}
	})
}
