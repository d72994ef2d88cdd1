package group

import (
	"bytes"
	"crypto/rand"
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// linkingPSKs counts the resumption PSKs of usage reinit or branch (§12.4.3.1 allows one).
func linkingPSKs(ids []wire.PreSharedKeyID) int {
	n := 0
	for i := range ids {
		if ids[i].Type == wire.PSKResumption && (ids[i].Usage == wire.UsageReInit || ids[i].Usage == wire.UsageBranch) {
			n++
		}
	}
	return n
}

// checkReInit validates a ReInit proposal (§12.1.5): the version may not go down, and this
// implementation must know the new cipher suite.
func (g *Group) checkReInit(ri *wire.ReInit) error {
	if ri == nil {
		return fmt.Errorf("%w: empty ReInit", ErrInvalidCommit)
	}
	if ri.Version < g.gc.Version {
		return fmt.Errorf("%w: ReInit to version %d below %d", ErrInvalidCommit, ri.Version, g.gc.Version)
	}
	if ri.Version != wire.MLS10 {
		return fmt.Errorf("%w: ReInit to version %d", ErrUnsupported, ri.Version)
	}
	if _, err := ciphersuite.Lookup(ri.CipherSuite); err != nil {
		return fmt.Errorf("%w: ReInit to suite %v: %w", ErrUnsupported, ri.CipherSuite, err)
	}
	if _, err := externalSenders(ri.Extensions); err != nil {
		return err
	}
	return nil
}

// mayReInit reports why g may not start a ReInit now (removed, or one already pending), and
// gives ri empty extensions if it has none.
func (g *Group) mayReInit(ri *wire.ReInit) error {
	if g.removed {
		return ErrInactive
	}
	if g.reinit != nil {
		return ErrReInitPending
	}
	if ri.Extensions == nil {
		ri.Extensions = wire.Extensions{}
	}
	return nil
}

// CommitReInit builds a commit whose only proposal is ReInit ri (§11.2, §12.1.5); once adopted
// (or, for the other members, processed) the group is terminal: it sends nothing more, and
// Reinitialize / JoinReInit create and join its successor. Proposals cached in this epoch are not
// included (a ReInit must be alone in its commit).
func (g *Group) CommitReInit(ri wire.ReInit) (*PendingCommit, error) {
	if err := g.mayReInit(&ri); err != nil {
		return nil, err
	}
	return g.commitList([]wire.ProposalOrRef{{Type: wire.ProposalOrRefProposal, Proposal: &wire.Proposal{Type: wire.ProposalReInit, ReInit: &ri}}})
}

// ProposeReInit creates a ReInit proposal (§12.1.5), returned as an encoded MLSMessage; the next
// commit (by any member) includes it alone.
func (g *Group) ProposeReInit(ri wire.ReInit) ([]byte, error) {
	if err := g.mayReInit(&ri); err != nil {
		return nil, err
	}
	if err := g.checkReInit(&ri); err != nil {
		return nil, err
	}
	return g.propose(&wire.Proposal{Type: wire.ProposalReInit, ReInit: &ri}, nil)
}

// ReInit returns the ReInit a committed ReInit proposal ended this group with.
func (g *Group) ReInit() (*wire.ReInit, bool) {
	if g.reinit == nil {
		return nil, false
	}
	ri := *g.reinit
	return &ri, true
}

// reinitPSK is the resumption PSK (usage reinit) of this terminal group's last epoch, which links
// the new group to it (§8.6, §11.2); the nonce has the new suite's length.
func (g *Group) reinitPSK(s *ciphersuite.Suite) (wire.PreSharedKeyID, []byte, error) {
	nonce := make([]byte, s.Nh())
	if _, err := rand.Read(nonce); err != nil {
		return wire.PreSharedKeyID{}, nil, err
	}
	id := wire.PreSharedKeyID{Type: wire.PSKResumption, Usage: wire.UsageReInit,
		GroupID: append([]byte(nil), g.gc.GroupID...), Epoch: g.gc.Epoch, Nonce: nonce}
	return id, g.ep.ResumptionPSK, nil
}

// Reinitialize creates the group that replaces this terminal group (§11.2): a new group with the
// ReInit's group ID, cipher suite and extensions, created by the owner of kb (a KeyPackage of the
// new suite), and a pending commit adding the other members' KeyPackages with a PreSharedKey
// proposal of this group's reinit resumption PSK (also carried in the Welcome). The new group
// moves to epoch 1 when the commit is adopted.
func (g *Group) Reinitialize(kb *KeyPackageBundle, members []*wire.KeyPackage, cfg Config) (*Group, *PendingCommit, error) {
	ri := g.reinit
	if ri == nil {
		return nil, nil, fmt.Errorf("group: no ReInit was committed")
	}
	if kb.KeyPackage.CipherSuite != ri.CipherSuite || kb.KeyPackage.Version != ri.Version {
		return nil, nil, fmt.Errorf("group: KeyPackage suite %v / version %d, ReInit asks for %v / %d",
			kb.KeyPackage.CipherSuite, kb.KeyPackage.Version, ri.CipherSuite, ri.Version)
	}
	ng, err := Create(kb, ri.GroupID, ri.Extensions, cfg)
	if err != nil {
		return nil, nil, err
	}
	id, secret, err := g.reinitPSK(ng.s)
	if err != nil {
		return nil, nil, err
	}
	ng.linked = []linkedPSK{{id: id, secret: secret}}
	pc, err := ng.Commit(CommitOptions{Add: members, PSKs: []wire.PreSharedKeyID{id}})
	if err != nil {
		return nil, nil, err
	}
	return ng, pc, nil
}

// JoinReInit joins the successor of this terminal group from a Welcome (§11.2): the Welcome must
// carry this group's reinit resumption PSK, and the new group must be in epoch 1 with the group
// ID, version, cipher suite and extensions of the ReInit.
func (g *Group) JoinReInit(welcome []byte, kb *KeyPackageBundle, cfg Config) (*Group, error) {
	ri := g.reinit
	if ri == nil {
		return nil, fmt.Errorf("group: no ReInit was committed")
	}
	used := false
	lookup := func(id *wire.PreSharedKeyID) ([]byte, bool) {
		switch {
		case id.Type == wire.PSKResumption && id.Usage == wire.UsageReInit:
			if !bytes.Equal(id.GroupID, g.gc.GroupID) || id.Epoch != g.gc.Epoch {
				return nil, false
			}
			used = true
			return g.ep.ResumptionPSK, true
		case id.Type == wire.PSKExternal && cfg.PSKs != nil:
			return cfg.PSKs(id)
		}
		return nil, false
	}
	ng, err := JoinWith(welcome, kb, cfg, JoinOptions{PSKs: lookup})
	if err != nil {
		return nil, err
	}
	if !used {
		return nil, joinErr("Welcome lacks the reinit PSK of group %x epoch %d", g.gc.GroupID, g.gc.Epoch)
	}
	gc := &ng.gc
	oldExt, err1 := codec.Marshal(ri.Extensions)
	newExt, err2 := codec.Marshal(gc.Extensions)
	if gc.Epoch != 1 || !bytes.Equal(gc.GroupID, ri.GroupID) || gc.Version != ri.Version || gc.CipherSuite != ri.CipherSuite ||
		err1 != nil || err2 != nil || !bytes.Equal(oldExt, newExt) {
		return nil, joinErr("new group (epoch %d, suite %v) does not match the ReInit", gc.Epoch, gc.CipherSuite)
	}
	// Every member of the old group must be in the new one (same credential).
	if l, ok := credentialNotIn(g, ng); ok {
		return nil, joinErr("member at leaf %d of the old group is not in the new group", l)
	}
	return ng, nil
}
