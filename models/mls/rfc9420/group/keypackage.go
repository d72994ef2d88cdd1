package group

import (
	"errors"
	"fmt"
	"time"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// ErrInvalidKeyPackage wraps every KeyPackage validation failure.
var ErrInvalidKeyPackage = errors.New("group: invalid KeyPackage")

// DefaultLifetime is the validity window given to new KeyPackages when none is specified.
const DefaultLifetime = 90 * 24 * time.Hour

// KeyPackageOptions parameterise NewKeyPackage. Zero fields take defaults.
type KeyPackageOptions struct {
	// Credential defaults to a basic credential with Identity.
	Credential *wire.Credential
	Identity   []byte
	// Capabilities default to MLS 1.0, the suite, and the credential's type.
	Capabilities *wire.Capabilities
	// Lifetime defaults to [now-1h, now+DefaultLifetime].
	Lifetime *wire.Lifetime
	// Now is the creation time (default time.Now()).
	Now time.Time
	// LeafExtensions and Extensions are the LeafNode's and the KeyPackage's extensions.
	LeafExtensions wire.Extensions
	Extensions     wire.Extensions
	// Signer is the client's signature key (generated when nil).
	Signer *ciphersuite.SignaturePrivateKey
}

// KeyPackageBundle is a KeyPackage with the private keys its owner keeps.
type KeyPackageBundle struct {
	KeyPackage    *wire.KeyPackage
	Ref           []byte // KeyPackageRef
	InitKey       *ciphersuite.HPKEPrivateKey
	EncryptionKey *ciphersuite.HPKEPrivateKey // the leaf's HPKE key
	Signer        *ciphersuite.SignaturePrivateKey
}

// NewKeyPackage creates and signs a KeyPackage (§10) with a fresh init key and leaf key.
func NewKeyPackage(s *ciphersuite.Suite, opts KeyPackageOptions) (*KeyPackageBundle, error) {
	signer := opts.Signer
	if signer == nil {
		var err error
		if signer, err = s.GenerateSignatureKey(); err != nil {
			return nil, err
		}
	}
	initKey, err := s.GenerateHPKEKey()
	if err != nil {
		return nil, err
	}
	leafKey, err := s.GenerateHPKEKey()
	if err != nil {
		return nil, err
	}
	cred := wire.Credential{Type: wire.CredentialBasic, Identity: opts.Identity}
	if opts.Credential != nil {
		cred = *opts.Credential
	}
	caps := wire.Capabilities{
		Versions:     []wire.ProtocolVersion{wire.MLS10},
		CipherSuites: []ciphersuite.ID{s.ID()},
		Extensions:   []wire.ExtensionType{},
		Proposals:    []wire.ProposalType{},
		Credentials:  []wire.CredentialType{cred.Type},
	}
	if opts.Capabilities != nil {
		caps = *opts.Capabilities
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	life := wire.Lifetime{NotBefore: uint64(max(now.Add(-time.Hour).Unix(), 0)), NotAfter: uint64(max(now.Add(DefaultLifetime).Unix(), 0))}
	if opts.Lifetime != nil {
		life = *opts.Lifetime
	}
	leafExt := opts.LeafExtensions
	if leafExt == nil {
		leafExt = wire.Extensions{}
	}
	ext := opts.Extensions
	if ext == nil {
		ext = wire.Extensions{}
	}
	kp := &wire.KeyPackage{
		Version:     wire.MLS10,
		CipherSuite: s.ID(),
		InitKey:     initKey.PublicKey(),
		LeafNode: wire.LeafNode{
			EncryptionKey: leafKey.PublicKey(),
			SignatureKey:  signer.PublicKey(),
			Credential:    cred,
			Capabilities:  caps,
			Source:        wire.SourceKeyPackage,
			Lifetime:      life,
			Extensions:    leafExt,
		},
		Extensions: ext,
	}
	if err := ratchettree.SignLeafNode(s, signer, &kp.LeafNode, nil, 0); err != nil {
		return nil, err
	}
	if err := SignKeyPackage(s, signer, kp); err != nil {
		return nil, err
	}
	ref, err := kp.Ref(s)
	if err != nil {
		return nil, err
	}
	return &KeyPackageBundle{KeyPackage: kp, Ref: ref, InitKey: initKey, EncryptionKey: leafKey, Signer: signer}, nil
}

// SignKeyPackage sets kp.Signature to SignWithLabel(signer, "KeyPackageTBS", KeyPackageTBS).
func SignKeyPackage(s *ciphersuite.Suite, signer *ciphersuite.SignaturePrivateKey, kp *wire.KeyPackage) error {
	tbs, err := kp.TBS()
	if err != nil {
		return err
	}
	sig, err := s.SignWithLabel(signer, wire.KeyPackageTBSLabel, tbs)
	if err != nil {
		return err
	}
	kp.Signature = sig
	return nil
}

// ValidateKeyPackage checks kp as §10.1 requires of a KeyPackage in an Add proposal or offered
// to a group: version and suite match (p.Context's when set, else MLS 1.0 and p.Suite), the
// LeafNode is a valid key_package leaf (§7.3, against p's group and members), the KeyPackage
// signature verifies under the leaf's signature key, and init_key differs from the leaf's
// encryption_key. p.Replaces/HasReplaces are ignored.
func ValidateKeyPackage(kp *wire.KeyPackage, p LeafParams) error {
	s := p.Suite
	if s == nil {
		return fmt.Errorf("%w: no cipher suite", ErrInvalidKeyPackage)
	}
	version := wire.MLS10
	if p.Context != nil {
		version = p.Context.Version
		if p.Context.CipherSuite != s.ID() {
			return fmt.Errorf("%w: suite parameter %v differs from the group's %v", ErrInvalidKeyPackage, s.ID(), p.Context.CipherSuite)
		}
	}
	if kp.Version != version {
		return fmt.Errorf("%w: version %d, want %d", ErrInvalidKeyPackage, kp.Version, version)
	}
	if kp.CipherSuite != s.ID() {
		return fmt.Errorf("%w: cipher suite %v, want %v", ErrInvalidKeyPackage, kp.CipherSuite, s.ID())
	}
	if len(kp.InitKey) == 0 {
		return fmt.Errorf("%w: empty init key", ErrInvalidKeyPackage)
	}
	if sameKey(kp.InitKey, kp.LeafNode.EncryptionKey) {
		return fmt.Errorf("%w: init_key equals the leaf encryption_key", ErrInvalidKeyPackage)
	}
	lp := p
	lp.HasReplaces, lp.Replaces = false, 0
	if err := ValidateLeafNode(&kp.LeafNode, wire.SourceKeyPackage, lp); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidKeyPackage, err)
	}
	tbs, err := kp.TBS()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidKeyPackage, err)
	}
	if err := s.VerifyWithLabel(kp.LeafNode.SignatureKey, wire.KeyPackageTBSLabel, tbs, kp.Signature); err != nil {
		return fmt.Errorf("%w: signature: %w", ErrInvalidKeyPackage, err)
	}
	return nil
}
