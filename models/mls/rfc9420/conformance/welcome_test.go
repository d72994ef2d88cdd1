package conformance

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/group"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/testvectors"
	"github.com/mimisim/mimisim/models/mls/rfc9420/keyschedule"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

type welcomeVector struct {
	CipherSuite uint16 `json:"cipher_suite"`
	InitPriv    hex    `json:"init_priv"`
	KeyPackage  hex    `json:"key_package"`
	SignerPub   hex    `json:"signer_pub"`
	Welcome     hex    `json:"welcome"`
}

// TestWelcome checks welcome.json: decrypt the GroupSecrets with the init key, decrypt the
// GroupInfo, verify its signature with signer_pub and its confirmation tag from the joiner secret.
func TestWelcome(t *testing.T) {
	const file = "welcome.json"
	var vs []welcomeVector
	testvectors.Load(t, file, &vs)
	for i, v := range vs {
		s, ok := suiteFor(t, file, v.CipherSuite)
		if !ok {
			continue
		}
		record(t, file, v.CipherSuite, fmt.Sprintf("%d/suite-%d", i, v.CipherSuite), func(t *testing.T) {
			kb := bundleFor(t, s, v.KeyPackage, v.InitPriv, nil, nil)
			w, err := group.DecodeWelcome(v.Welcome)
			if err != nil {
				t.Fatal(err)
			}
			gs, gi, pskSecret, err := group.OpenWelcome(w, kb, nil)
			if err != nil {
				t.Fatal(err)
			}
			tbs, err := gi.TBS()
			if err != nil {
				t.Fatal(err)
			}
			if err := s.VerifyWithLabel(v.SignerPub, wire.GroupInfoTBSLabel, tbs, gi.Signature); err != nil {
				t.Fatalf("GroupInfo signature: %v", err)
			}
			gcb, err := gi.GroupContext.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			ep, err := keyschedule.FromJoiner(s, gs.JoinerSecret, pskSecret, gcb)
			if err != nil {
				t.Fatal(err)
			}
			if !keyschedule.VerifyConfirmationTag(s, ep.ConfirmationKey, gi.GroupContext.ConfirmedTranscriptHash, gi.ConfirmationTag) {
				t.Fatal("confirmation tag does not verify")
			}
		})
	}
	reportFile(t, file)
}

// bundleFor rebuilds a KeyPackageBundle from a vector's MLSMessage KeyPackage and private keys
// (encryption and signature keys optional).
func bundleFor(t *testing.T, s *ciphersuite.Suite, kpMsg, initPriv, encPriv, sigPriv []byte) *group.KeyPackageBundle {
	t.Helper()
	msg, err := framing.Decode(kpMsg)
	if err != nil {
		t.Fatalf("key_package: %v", err)
	}
	if msg.WireFormat != framing.WireFormatKeyPackage {
		t.Fatalf("key_package wire format %d", msg.WireFormat)
	}
	kb := &group.KeyPackageBundle{KeyPackage: msg.KeyPackage}
	if kb.Ref, err = msg.KeyPackage.Ref(s); err != nil {
		t.Fatal(err)
	}
	if kb.InitKey, err = s.ParseHPKEPrivateKey(padHPKEKey(s, initPriv)); err != nil {
		t.Fatalf("init_priv: %v", err)
	}
	if !kb.InitKey.PublicKeyEqual(msg.KeyPackage.InitKey) {
		t.Fatal("init_priv does not match the KeyPackage")
	}
	if encPriv != nil {
		if kb.EncryptionKey, err = s.ParseHPKEPrivateKey(padHPKEKey(s, encPriv)); err != nil {
			t.Fatalf("encryption_priv: %v", err)
		}
	}
	if sigPriv != nil {
		if kb.Signer, err = s.ParseSignaturePrivateKey(sigPriv); err != nil {
			t.Fatalf("signature_priv: %v", err)
		}
	}
	return kb
}

type passiveVector struct {
	CipherSuite  uint16 `json:"cipher_suite"`
	ExternalPSKs []struct {
		PSKID hex `json:"psk_id"`
		PSK   hex `json:"psk"`
	} `json:"external_psks"`
	KeyPackage                hex `json:"key_package"`
	SignaturePriv             hex `json:"signature_priv"`
	EncryptionPriv            hex `json:"encryption_priv"`
	InitPriv                  hex `json:"init_priv"`
	Welcome                   hex `json:"welcome"`
	RatchetTree               hex `json:"ratchet_tree"`
	InitialEpochAuthenticator hex `json:"initial_epoch_authenticator"`
	Epochs                    []struct {
		Proposals          []hex `json:"proposals"`
		Commit             hex   `json:"commit"`
		EpochAuthenticator hex   `json:"epoch_authenticator"`
	} `json:"epochs"`
}

// TestPassiveClientWelcome runs passive-client-welcome.json: join (with the out-of-band tree when
// given, and external PSKs) and compare the epoch authenticator.
func TestPassiveClientWelcome(t *testing.T) {
	runPassive(t, "passive-client-welcome.json")
}

func runPassive(t *testing.T, file string) {
	var vs []passiveVector
	testvectors.Load(t, file, &vs)
	for i, v := range vs {
		s, ok := suiteFor(t, file, v.CipherSuite)
		if !ok {
			continue
		}
		record(t, file, v.CipherSuite, fmt.Sprintf("%d/suite-%d", i, v.CipherSuite), func(t *testing.T) {
			kb := bundleFor(t, s, v.KeyPackage, v.InitPriv, v.EncryptionPriv, v.SignaturePriv)
			psks := func(id *wire.PreSharedKeyID) ([]byte, bool) {
				for _, p := range v.ExternalPSKs {
					if bytes.Equal(p.PSKID, id.PSKID) {
						return p.PSK, true
					}
				}
				return nil, false
			}
			g, err := group.JoinWith(v.Welcome, kb, group.Config{PSKs: psks}, group.JoinOptions{Tree: v.RatchetTree, PSKs: psks})
			if err != nil {
				t.Fatalf("join: %v", err)
			}
			if !bytes.Equal(g.EpochAuthenticator(), v.InitialEpochAuthenticator) {
				t.Fatal("initial epoch authenticator differs")
			}
			for e, ep := range v.Epochs {
				props := make([][]byte, len(ep.Proposals))
				for j := range ep.Proposals {
					props[j] = ep.Proposals[j]
				}
				if err := g.ProcessEpoch(props, ep.Commit); err != nil {
					t.Fatalf("epoch %d: %v", e, err)
				}
				if !bytes.Equal(g.EpochAuthenticator(), ep.EpochAuthenticator) {
					t.Fatalf("epoch %d: authenticator differs", e)
				}
			}
		})
	}
	reportFile(t, file)
}

// padHPKEKey left-pads P-521 (DHKEM 0x0012) private keys to 66 bytes: some vectors drop a
// leading zero byte of the scalar.
func padHPKEKey(s *ciphersuite.Suite, k []byte) []byte {
	const p521Len = 66
	if s.KEMID() == 0x0012 && len(k) < p521Len {
		return append(make([]byte, p521Len-len(k)), k...)
	}
	return k
}

// TestPassiveClientHandlingCommit runs passive-client-handling-commit.json: join, then process
// each epoch's proposals and commit and compare the epoch authenticators.
func TestPassiveClientHandlingCommit(t *testing.T) {
	runPassive(t, "passive-client-handling-commit.json")
}
