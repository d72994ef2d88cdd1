package keyschedule

import (
	"errors"
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// Secret labels of §8 (Table 4) and §8.3-§8.5.
const (
	LabelJoiner         = "joiner"
	LabelWelcome        = "welcome"
	LabelEpoch          = "epoch"
	LabelSenderData     = "sender data"
	LabelEncryption     = "encryption"
	LabelExporter       = "exporter"
	LabelExternal       = "external"
	LabelConfirm        = "confirm"
	LabelMembership     = "membership"
	LabelResumption     = "resumption"
	LabelAuthentication = "authentication"
	LabelInit           = "init"
	LabelExported       = "exported"
	LabelDerivedPSK     = "derived psk"
)

// Epoch holds one epoch's secrets. Callers should drop the secrets they no longer need (the epoch
// secret as soon as the others are derived; see Forget).
type Epoch struct {
	JoinerSecret       []byte
	WelcomeSecret      []byte
	EpochSecret        []byte
	SenderDataSecret   []byte
	EncryptionSecret   []byte
	ExporterSecret     []byte
	ExternalSecret     []byte
	ConfirmationKey    []byte
	MembershipKey      []byte
	ResumptionPSK      []byte
	EpochAuthenticator []byte
	InitSecret         []byte // init_secret for the next epoch
}

// Zero returns Nh zero bytes, the value of commit_secret or psk_secret when there is none.
func Zero(s *ciphersuite.Suite) []byte { return make([]byte, s.Nh()) }

// JoinerSecret computes ExpandWithLabel(KDF.Extract(init_secret, commit_secret), "joiner",
// GroupContext_[n], Nh). A nil commitSecret means the all-zero commit secret.
func JoinerSecret(s *ciphersuite.Suite, initSecret, commitSecret, groupContext []byte) ([]byte, error) {
	if commitSecret == nil {
		commitSecret = Zero(s)
	}
	return s.ExpandWithLabel(s.Extract(initSecret, commitSecret), LabelJoiner, groupContext, s.Nh())
}

// FromJoiner runs the schedule from joiner_secret (as a Welcome recipient does): member_secret =
// KDF.Extract(joiner_secret, psk_secret), welcome_secret = DeriveSecret(member, "welcome"),
// epoch_secret = ExpandWithLabel(member, "epoch", GroupContext_[n], Nh), then the derived secrets.
// A nil pskSecret means the all-zero PSK secret.
func FromJoiner(s *ciphersuite.Suite, joinerSecret, pskSecret, groupContext []byte) (*Epoch, error) {
	if pskSecret == nil {
		pskSecret = Zero(s)
	}
	member := s.Extract(joinerSecret, pskSecret)
	e := &Epoch{JoinerSecret: append([]byte(nil), joinerSecret...)}
	// Two secrets derive from member_secret and nine from epoch_secret: each is prepared once as an
	// HMAC key (ciphersuite.KeyPads) for its derivations.
	k := s.KeyPads(member)
	defer k.Clear()
	clear(member)
	var err error
	if e.WelcomeSecret, err = k.DeriveSecret(LabelWelcome); err != nil {
		return nil, err
	}
	if e.EpochSecret, err = k.ExpandWithLabel(LabelEpoch, groupContext, s.Nh()); err != nil {
		return nil, err
	}
	k = s.KeyPads(e.EpochSecret)
	for _, d := range []struct {
		dst   *[]byte
		label string
	}{
		{&e.SenderDataSecret, LabelSenderData},
		{&e.EncryptionSecret, LabelEncryption},
		{&e.ExporterSecret, LabelExporter},
		{&e.ExternalSecret, LabelExternal},
		{&e.ConfirmationKey, LabelConfirm},
		{&e.MembershipKey, LabelMembership},
		{&e.ResumptionPSK, LabelResumption},
		{&e.EpochAuthenticator, LabelAuthentication},
		{&e.InitSecret, LabelInit},
	} {
		if *d.dst, err = k.DeriveSecret(d.label); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Next runs one full epoch step from the previous epoch's init_secret (or, for a new group, a
// random init_secret): joiner_secret from commitSecret and groupContext, then FromJoiner.
func Next(s *ciphersuite.Suite, initSecret, commitSecret, pskSecret, groupContext []byte) (*Epoch, error) {
	joiner, err := JoinerSecret(s, initSecret, commitSecret, groupContext)
	if err != nil {
		return nil, err
	}
	return FromJoiner(s, joiner, pskSecret, groupContext)
}

// Forget zeroes and drops the secrets that must not outlive epoch setup: the joiner, welcome and
// epoch secrets. Call it once Welcome messages have been produced or processed.
func (e *Epoch) Forget() {
	for _, b := range [][]byte{e.JoinerSecret, e.WelcomeSecret, e.EpochSecret} {
		clear(b)
	}
	e.JoinerSecret, e.WelcomeSecret, e.EpochSecret = nil, nil, nil
}

// Export is MLS-Exporter(label, context, length) = ExpandWithLabel(DeriveSecret(exporter_secret,
// label), "exported", Hash(context), length) (§8.5).
func Export(s *ciphersuite.Suite, exporterSecret []byte, label string, context []byte, length int) ([]byte, error) {
	sec, err := s.DeriveSecret(exporterSecret, label)
	if err != nil {
		return nil, err
	}
	return s.ExpandWithLabel(sec, LabelExported, s.Hash(context), length)
}

// ExternalKeyPair is DeriveKeyPair(external_secret) (§8.3); its public key is the external_pub
// extension value.
func ExternalKeyPair(s *ciphersuite.Suite, externalSecret []byte) (*ciphersuite.HPKEPrivateKey, error) {
	return s.DeriveKeyPair(externalSecret)
}

// WelcomeKeyNonce derives the AEAD key and nonce that protect the GroupInfo of a Welcome
// (§12.4.3.1): ExpandWithLabel(welcome_secret, "key"/"nonce", "", Nk/Nn).
func WelcomeKeyNonce(s *ciphersuite.Suite, welcomeSecret []byte) (key, nonce []byte, err error) {
	if key, err = s.ExpandWithLabel(welcomeSecret, "key", nil, s.Nk()); err != nil {
		return nil, nil, err
	}
	if nonce, err = s.ExpandWithLabel(welcomeSecret, "nonce", nil, s.Nn()); err != nil {
		return nil, nil, err
	}
	return key, nonce, nil
}

// PSK is one pre-shared key with its identifier.
type PSK struct {
	ID     wire.PreSharedKeyID
	Secret []byte
}

// ErrTooManyPSKs is returned when more PSKs are given than a uint16 count can express.
var ErrTooManyPSKs = errors.New("keyschedule: more than 65535 PSKs")

// PSKSecret chains the PSKs into psk_secret (§8.4):
//
//	psk_extracted_[i] = KDF.Extract(0, psk_[i])
//	psk_input_[i]     = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel{id, i, n}, Nh)
//	psk_secret_[i+1]  = KDF.Extract(psk_input_[i], psk_secret_[i]), psk_secret_[0] = 0
//
// With no PSKs the result is Nh zero bytes.
func PSKSecret(s *ciphersuite.Suite, psks []PSK) ([]byte, error) {
	if len(psks) > 0xffff {
		return nil, ErrTooManyPSKs
	}
	secret := Zero(s)
	for i := range psks {
		extracted := s.Extract(Zero(s), psks[i].Secret)
		var w codec.Writer
		psks[i].ID.MarshalMLS(&w)
		w.Uint16(uint16(i))
		w.Uint16(uint16(len(psks)))
		label, err := w.Bytes()
		if err != nil {
			return nil, err
		}
		input, err := s.ExpandWithLabel(extracted, LabelDerivedPSK, label, s.Nh())
		if err != nil {
			return nil, fmt.Errorf("psk %d: %w", i, err)
		}
		secret = s.Extract(input, secret)
	}
	return secret, nil
}
