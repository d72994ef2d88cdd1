package group

import (
	"bytes"
	"crypto/rand"
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// Branch creates a subgroup of this group (§11.3): a new group with the given ID and extensions,
// the same version and cipher suite, created by the owner of kb and with a pending first commit
// adding keyPackages (KeyPackages of some of this group's members) together with a PreSharedKey
// proposal of this epoch's resumption PSK with usage branch, also listed in the Welcome.
func (g *Group) Branch(kb *KeyPackageBundle, groupID []byte, extensions wire.Extensions, keyPackages []*wire.KeyPackage, cfg Config) (*Group, *PendingCommit, error) {
	if g.removed {
		return nil, nil, ErrInactive
	}
	if kb.KeyPackage.CipherSuite != g.s.ID() {
		return nil, nil, fmt.Errorf("group: a branch keeps the suite %v, KeyPackage has %v", g.s.ID(), kb.KeyPackage.CipherSuite)
	}
	ng, err := Create(kb, groupID, extensions, cfg)
	if err != nil {
		return nil, nil, err
	}
	nonce := make([]byte, g.s.Nh())
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, err
	}
	id := wire.PreSharedKeyID{Type: wire.PSKResumption, Usage: wire.UsageBranch,
		GroupID: append([]byte(nil), g.gc.GroupID...), Epoch: g.gc.Epoch, Nonce: nonce}
	ng.linked = []linkedPSK{{id: id, secret: g.ep.ResumptionPSK}}
	pc, err := ng.Commit(CommitOptions{Add: keyPackages, PSKs: []wire.PreSharedKeyID{id}})
	if err != nil {
		return nil, nil, err
	}
	return ng, pc, nil
}

// JoinBranch joins a subgroup of this group from a Welcome (§11.3, §12.4.3.1): the Welcome must
// carry a branch PSK of this group (of an epoch whose resumption PSK is still kept), and the new
// group must have this group's version and cipher suite, be in epoch 1 and hold only members of
// this group (same credentials).
func (g *Group) JoinBranch(welcome []byte, kb *KeyPackageBundle, cfg Config) (*Group, error) {
	used := false
	lookup := func(id *wire.PreSharedKeyID) ([]byte, bool) {
		switch {
		case id.Type == wire.PSKResumption && id.Usage == wire.UsageBranch && bytes.Equal(id.GroupID, g.gc.GroupID):
			for _, e := range g.resumption {
				if e.epoch == id.Epoch {
					used = true
					return e.secret, true
				}
			}
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
		return nil, joinErr("Welcome lacks a branch PSK of group %x", g.gc.GroupID)
	}
	if ng.gc.Version != g.gc.Version || ng.gc.CipherSuite != g.gc.CipherSuite {
		return nil, joinErr("branch changes version or suite")
	}
	if l, ok := credentialNotIn(ng, g); ok {
		return nil, joinErr("leaf %d of the branch is not a member of the parent group", l)
	}
	return ng, nil
}

// credentialNotIn returns the first leaf of a whose credential (compared encoded) no member of
// b has, and true; false if every member of a is in b. A credential that does not encode
// counts as missing.
func credentialNotIn(a, b *Group) (tm.LeafIndex, bool) {
	present := map[string]bool{}
	b.Members(func(_ tm.LeafIndex, ln *wire.LeafNode) bool {
		if enc, err := codec.Marshal(&ln.Credential); err == nil {
			present[string(enc)] = true
		}
		return true
	})
	var missing tm.LeafIndex
	found := false
	a.Members(func(l tm.LeafIndex, ln *wire.LeafNode) bool {
		if enc, err := codec.Marshal(&ln.Credential); err != nil || !present[string(enc)] {
			missing, found = l, true
			return false
		}
		return true
	})
	return missing, found
}
