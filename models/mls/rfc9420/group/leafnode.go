package group

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// ErrInvalidLeafNode wraps every LeafNode validation failure.
var ErrInvalidLeafNode = errors.New("group: invalid LeafNode")

// CredentialValidator is the application's check that a credential is acceptable and binds the
// signature key (§5.3.1). A nil CredentialValidator accepts every basic or X.509 credential.
type CredentialValidator func(cred *wire.Credential, signatureKey []byte) error

// LeafParams is the context a LeafNode is validated in (§7.3).
type LeafParams struct {
	// Suite is the group's (or the KeyPackage's) cipher suite.
	Suite *ciphersuite.Suite
	// Context is the group's GroupContext (version, suite, group ID, required_capabilities). Nil
	// when validating a KeyPackage outside a group: only the suite and MLS 1.0 are then required.
	Context *wire.GroupContext
	// Tree holds the current members: credential-type support and key uniqueness are checked
	// against them. Nil means no members.
	Tree *ratchettree.View
	// Replaces is the leaf an update or commit LeafNode replaces (it is excluded from the
	// uniqueness and credential checks, and is the signature's leaf index), when HasReplaces.
	Replaces    tm.LeafIndex
	HasReplaces bool
	// Now is the time lifetimes are checked against; the zero time skips the lifetime check
	// (§7.3 only recommends it for received leaves).
	Now time.Time
	// Credential, when set, validates the credential.
	Credential CredentialValidator
	// SkipSignature skips the signature check (used when the caller has verified it already,
	// e.g. ratchettree.Validate).
	SkipSignature bool
	// SkipUniqueness skips the key-uniqueness check (e.g. a whole tree already checked by
	// CheckUniqueKeys).
	SkipUniqueness bool
}

func leafErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidLeafNode, fmt.Sprintf(format, args...))
}

// ValidateLeafNode checks ln as a LeafNode of the given source (§7.3): credential, signature,
// capabilities (group version and suite, required_capabilities, the members' credential types
// and theirs for ln's), lifetime for key_package leaves, extension support, source, and that its
// encryption and signature keys are new to the tree.
func ValidateLeafNode(ln *wire.LeafNode, src wire.LeafNodeSource, p LeafParams) error {
	s := p.Suite
	if s == nil {
		return leafErr("no cipher suite")
	}
	if ln.Source != src {
		return leafErr("leaf_node_source %d, want %d", ln.Source, src)
	}
	if src != wire.SourceKeyPackage && (!p.HasReplaces || p.Context == nil) {
		return leafErr("update/commit leaf validated without group and leaf index")
	}
	switch ln.Credential.Type {
	case wire.CredentialBasic, wire.CredentialX509:
	default:
		return leafErr("unsupported credential type %d", ln.Credential.Type)
	}
	if ln.Credential.Type == wire.CredentialX509 && len(ln.Credential.Certificates) == 0 {
		return leafErr("empty X.509 chain")
	}
	if p.Credential != nil {
		if err := p.Credential(&ln.Credential, ln.SignatureKey); err != nil {
			return fmt.Errorf("%w: credential: %w", ErrInvalidLeafNode, err)
		}
	}
	if _, err := s.ParseSignaturePublicKey(ln.SignatureKey); err != nil {
		return fmt.Errorf("%w: signature key: %w", ErrInvalidLeafNode, err)
	}
	if len(ln.EncryptionKey) == 0 {
		return leafErr("empty encryption key")
	}
	if !p.SkipSignature {
		var gid []byte
		if p.Context != nil {
			gid = p.Context.GroupID
		}
		if err := ratchettree.VerifyLeafNodeSignature(s, ln, gid, p.Replaces); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidLeafNode, err)
		}
	}
	if err := checkCapabilities(ln, p); err != nil {
		return err
	}
	if src == wire.SourceKeyPackage && !p.Now.IsZero() {
		now := p.Now.Unix()
		if now < 0 || uint64(now) < ln.Lifetime.NotBefore || uint64(now) > ln.Lifetime.NotAfter {
			return leafErr("outside its lifetime [%d, %d] at %d", ln.Lifetime.NotBefore, ln.Lifetime.NotAfter, now)
		}
	}
	// The parent hash of a commit leaf is checked by treekem (UpdatePath) and ratchettree.Validate
	// (trees): it may legitimately be empty when the committer's filtered direct path was empty.
	if !p.SkipUniqueness && p.Tree != nil {
		if x, ok := p.Tree.EncryptionKeyNode(ln.EncryptionKey); ok {
			return leafErr("encryption key already used by node %d", x)
		}
		if l, ok := p.Tree.SignatureKeyLeaf(ln.SignatureKey); ok && !(p.HasReplaces && l == p.Replaces) {
			return leafErr("signature key already used by leaf %d", l)
		}
	}
	return nil
}

// checkCapabilities is the group-compatibility part of §7.3 and §7.2.
func checkCapabilities(ln *wire.LeafNode, p LeafParams) error {
	c := &ln.Capabilities
	version := wire.MLS10
	if p.Context != nil {
		version = p.Context.Version
	}
	if !containsU16(c.Versions, version) {
		return leafErr("capabilities lack version %d", version)
	}
	if !containsU16(c.CipherSuites, p.Suite.ID()) {
		return leafErr("capabilities lack cipher suite %v", p.Suite.ID())
	}
	if !supportsCredential(c, ln.Credential.Type) {
		return leafErr("capabilities lack its own credential type %d", ln.Credential.Type)
	}
	for _, e := range ln.Extensions {
		if !isGREASE(uint16(e.Type)) && !supportsExtension(c, e.Type) {
			return leafErr("extension %d not in capabilities", e.Type)
		}
	}
	if p.Context != nil {
		if data, ok := p.Context.Extensions.Find(wire.ExtRequiredCapabilities); ok {
			var rc RequiredCapabilities
			if err := codec.Unmarshal(data, &rc); err != nil {
				return fmt.Errorf("%w: required_capabilities: %w", ErrInvalidLeafNode, err)
			}
			if err := meetsRequired(c, &rc); err != nil {
				return err
			}
		}
	}
	if p.Tree != nil {
		var err error
		p.Tree.ForEachLeaf(func(i tm.LeafIndex, m *wire.LeafNode) bool {
			if p.HasReplaces && i == p.Replaces {
				return true
			}
			if !supportsCredential(&m.Capabilities, ln.Credential.Type) {
				err = leafErr("credential type %d unsupported by leaf %d", ln.Credential.Type, i)
				return false
			}
			if !supportsCredential(c, m.Credential.Type) {
				err = leafErr("credential type %d of leaf %d unsupported", m.Credential.Type, i)
				return false
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// meetsRequired reports whether capabilities c list everything rc requires (§11.1).
func meetsRequired(c *wire.Capabilities, rc *RequiredCapabilities) error {
	for _, t := range rc.Extensions {
		if !supportsExtension(c, t) {
			return leafErr("required extension %d unsupported", t)
		}
	}
	for _, t := range rc.Proposals {
		if !supportsProposal(c, t) {
			return leafErr("required proposal %d unsupported", t)
		}
	}
	for _, t := range rc.Credentials {
		if !supportsCredential(c, t) {
			return leafErr("required credential %d unsupported", t)
		}
	}
	return nil
}

func containsU16[T ~uint16](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// TreeLeafCheck returns a ratchettree.ValidateOptions.LeafCheck that applies the semantic part of
// §7.3 to every leaf of a tree received when joining (signatures and key uniqueness are checked by
// ratchettree.Validate itself): credential, capabilities against the group and the other members,
// extension support and, when now is not zero, key_package lifetimes. The pairwise credential-type
// rule is checked in O(n·k) for k credential types in use: the types in use are collected once,
// and every leaf must support all of them (which is equivalent).
func TreeLeafCheck(s *ciphersuite.Suite, gc *wire.GroupContext, tree *ratchettree.View, now time.Time, cred CredentialValidator) func(tm.LeafIndex, *wire.LeafNode) error {
	var once sync.Once
	var used []wire.CredentialType
	return func(l tm.LeafIndex, ln *wire.LeafNode) error {
		once.Do(func() {
			tree.ForEachLeaf(func(_ tm.LeafIndex, m *wire.LeafNode) bool {
				if !containsU16(used, m.Credential.Type) {
					used = append(used, m.Credential.Type)
				}
				return true
			})
		})
		err := ValidateLeafNode(ln, ln.Source, LeafParams{
			Suite: s, Context: gc, Replaces: l, HasReplaces: true,
			Now: now, Credential: cred, SkipSignature: true, SkipUniqueness: true,
		})
		if err == nil {
			for _, t := range used {
				if !supportsCredential(&ln.Capabilities, t) {
					err = leafErr("credential type %d in use in the group is unsupported", t)
					break
				}
			}
		}
		if err != nil {
			return fmt.Errorf("leaf %d: %w", l, err)
		}
		return nil
	}
}

// sameKey reports whether two encoded public keys are equal.
func sameKey(a, b []byte) bool { return bytes.Equal(a, b) }
