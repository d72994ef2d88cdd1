package group

import (
	"errors"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

func TestProposalListRejections(t *testing.T) {
	x := newSim(t, suite1(t), Config{PSKs: func(id *wire.PreSharedKeyID) ([]byte, bool) {
		return []byte("external secret"), string(id.PSKID) == "known"
	}})
	x.add("m0", "m1", "m2")
	g := x.members["m0"]
	me, other := g.Leaf(), x.leafOf("m1")
	inline := func(p *wire.Proposal) wire.ProposalOrRef {
		return wire.ProposalOrRef{Type: wire.ProposalOrRefProposal, Proposal: p}
	}
	nonce := make([]byte, g.s.Nh())
	psk := func(id string) *wire.Proposal {
		return &wire.Proposal{Type: wire.ProposalPSK, PSK: &wire.PreSharedKeyID{Type: wire.PSKExternal, PSKID: []byte(id), Nonce: nonce}}
	}
	kb, err := NewKeyPackage(g.s, KeyPackageOptions{Identity: []byte("new")})
	if err != nil {
		t.Fatal(err)
	}
	add := &wire.Proposal{Type: wire.ProposalAdd, KeyPackage: kb.KeyPackage}
	bad := map[string][]wire.ProposalOrRef{
		"remove committer":  {inline(&wire.Proposal{Type: wire.ProposalRemove, Removed: uint32(me)})},
		"inline update":     {inline(&wire.Proposal{Type: wire.ProposalUpdate, LeafNode: g.tree.Leaf(me)})},
		"double remove":     {inline(&wire.Proposal{Type: wire.ProposalRemove, Removed: uint32(other)}), inline(&wire.Proposal{Type: wire.ProposalRemove, Removed: uint32(other)})},
		"remove blank leaf": {inline(&wire.Proposal{Type: wire.ProposalRemove, Removed: 3})},
		"unknown reference": {{Type: wire.ProposalOrRefReference, Reference: make([]byte, 32)}},
		"reinit":            {inline(&wire.Proposal{Type: wire.ProposalReInit, ReInit: &wire.ReInit{}})},
		"unknown psk":       {inline(psk("unknown"))},
		"duplicate psk":     {inline(psk("known")), inline(psk("known"))},
		"duplicate add":     {inline(add), inline(add)},
		"two gce":           {inline(&wire.Proposal{Type: wire.ProposalGroupContextExtensions}), inline(&wire.Proposal{Type: wire.ProposalGroupContextExtensions})},
		"unsupported gce":   {inline(&wire.Proposal{Type: wire.ProposalGroupContextExtensions, Extensions: wire.Extensions{{Type: 0xff00}}})},
	}
	for name, list := range bad {
		if _, err := g.applyProposals(me, list, false); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	reinit := &wire.Proposal{Type: wire.ProposalReInit, ReInit: &wire.ReInit{GroupID: []byte("new"), Version: wire.MLS10, CipherSuite: 3}}
	for name, tc := range map[string]struct {
		list []wire.ProposalOrRef
		want error
	}{
		"reinit version 0":          {[]wire.ProposalOrRef{inline(&wire.Proposal{Type: wire.ProposalReInit, ReInit: &wire.ReInit{}})}, ErrInvalidCommit},
		"reinit unknown suite":      {[]wire.ProposalOrRef{inline(&wire.Proposal{Type: wire.ProposalReInit, ReInit: &wire.ReInit{Version: wire.MLS10, CipherSuite: 0x7777}})}, ErrUnsupported},
		"reinit with another":       {[]wire.ProposalOrRef{inline(reinit), inline(psk("known"))}, ErrInvalidCommit},
		"external init by a member": {[]wire.ProposalOrRef{inline(&wire.Proposal{Type: wire.ProposalExternalInit, KEMOutput: []byte{1}})}, ErrInvalidCommit},
	} {
		if _, err := g.applyProposals(me, tc.list, false); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	if a, err := g.applyProposals(me, []wire.ProposalOrRef{inline(reinit)}, false); err != nil || a.reinit == nil {
		t.Errorf("lone reinit: %v", err)
	}
	// Valid lists: path requirements.
	a, err := g.applyProposals(me, []wire.ProposalOrRef{inline(add), inline(psk("known"))}, false)
	if err != nil || a.pathRequired || len(a.added) != 1 {
		t.Fatalf("add+psk: %v, pathRequired=%v", err, a != nil && a.pathRequired)
	}
	for _, list := range [][]wire.ProposalOrRef{nil, {inline(&wire.Proposal{Type: wire.ProposalRemove, Removed: uint32(other)})}, {inline(&wire.Proposal{Type: wire.ProposalGroupContextExtensions})}} {
		a, err := g.applyProposals(me, list, false)
		if err != nil || !a.pathRequired {
			t.Fatalf("%v: err %v, path should be required", list, err)
		}
	}
}
