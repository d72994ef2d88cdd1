package engine

import (
	"fmt"

	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/group"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

var (
	_ mls.KeyPackageSuiter = (*Client)(nil)
	_ mls.Reinitializer    = (*Member)(nil)
)

// signerFor returns the client's signature key for suite s: its own key when the signature
// scheme is the engine suite's, otherwise one random key per scheme, kept for later KeyPackages.
func (c *Client) signerFor(s *ciphersuite.Suite) (*ciphersuite.SignaturePrivateKey, error) {
	if s.SignatureScheme() == c.e.suite.SignatureScheme() {
		return c.signer, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if k := c.others[s.SignatureScheme()]; k != nil {
		return k, nil
	}
	k, err := s.GenerateSignatureKey()
	if err != nil {
		return nil, err
	}
	if c.others == nil {
		c.others = map[ciphersuite.SignatureScheme]*ciphersuite.SignaturePrivateKey{}
	}
	c.others[s.SignatureScheme()] = k
	return k, nil
}

func (c *Client) bundleOf(suite ciphersuite.ID) (*group.KeyPackageBundle, error) {
	s, err := ciphersuite.Lookup(suite)
	if err != nil {
		return nil, err
	}
	signer, err := c.signerFor(s)
	if err != nil {
		return nil, err
	}
	return group.NewKeyPackage(s, group.KeyPackageOptions{Identity: []byte(c.identity), Signer: signer})
}

// KeyPackageFor implements mls.KeyPackageSuiter.
func (c *Client) KeyPackageFor(suite uint16) ([]byte, error) {
	kb, err := c.bundleOf(ciphersuite.ID(suite))
	if err != nil {
		return nil, err
	}
	return c.offer(kb)
}

// CommitReInit implements mls.Reinitializer: the ReInit keeps the group's extensions.
func (m *Member) CommitReInit(groupID []byte, suite uint16) (*mls.Pending, error) {
	pc, err := m.g.CommitReInit(wire.ReInit{GroupID: groupID, Version: wire.MLS10, CipherSuite: ciphersuite.ID(suite),
		Extensions: m.g.Context().Extensions})
	if err != nil {
		return nil, err
	}
	return m.pending(pc, mls.OpReInit, nil), nil
}

// Reinitialize implements mls.Reinitializer: this member creates the successor group with a fresh
// KeyPackage of the new suite and adds the others; the returned Member adopts the Pending itself
// (Adopt) once the commit is accepted, and the others join from its Welcome.
func (m *Member) Reinitialize(keyPackages [][]byte) (mls.Member, *mls.Pending, error) {
	ri, ok := m.g.ReInit()
	if !ok {
		return nil, nil, fmt.Errorf("rfc9420: the group was not reinitialised")
	}
	kb, err := m.c.bundleOf(ri.CipherSuite)
	if err != nil {
		return nil, nil, err
	}
	kps := make([]*wire.KeyPackage, len(keyPackages))
	for i, b := range keyPackages {
		if kps[i], err = decodeKeyPackage(b); err != nil {
			return nil, nil, fmt.Errorf("key package %d: %w", i, err)
		}
	}
	ng, pc, err := m.g.Reinitialize(kb, kps, group.Config{})
	if err != nil {
		return nil, nil, err
	}
	nm := &Member{g: ng, c: m.c}
	return nm, nm.pending(pc, mls.OpReInit, nil), nil
}

// JoinReInit implements mls.Reinitializer with one of the client's KeyPackages of the new suite.
func (m *Member) JoinReInit(welcome []byte) (mls.Member, error) {
	kb, err := m.c.bundleFor(welcome)
	if err != nil {
		return nil, err
	}
	ng, err := m.g.JoinReInit(welcome, kb, group.Config{})
	if err != nil {
		return nil, err
	}
	m.c.used(kb)
	return &Member{g: ng, c: m.c}, nil
}
