package conformance

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/testvectors"
	"github.com/mimisim/mimisim/models/mls/rfc9420/keyschedule"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

type keyScheduleVector struct {
	CipherSuite       uint16 `json:"cipher_suite"`
	GroupID           hex    `json:"group_id"`
	InitialInitSecret hex    `json:"initial_init_secret"`
	Epochs            []struct {
		TreeHash                hex `json:"tree_hash"`
		CommitSecret            hex `json:"commit_secret"`
		PSKSecret               hex `json:"psk_secret"`
		ConfirmedTranscriptHash hex `json:"confirmed_transcript_hash"`
		GroupContext            hex `json:"group_context"`
		JoinerSecret            hex `json:"joiner_secret"`
		WelcomeSecret           hex `json:"welcome_secret"`
		InitSecret              hex `json:"init_secret"`
		SenderDataSecret        hex `json:"sender_data_secret"`
		EncryptionSecret        hex `json:"encryption_secret"`
		ExporterSecret          hex `json:"exporter_secret"`
		EpochAuthenticator      hex `json:"epoch_authenticator"`
		ExternalSecret          hex `json:"external_secret"`
		ConfirmationKey         hex `json:"confirmation_key"`
		MembershipKey           hex `json:"membership_key"`
		ResumptionPSK           hex `json:"resumption_psk"`
		ExternalPub             hex `json:"external_pub"`
		Exporter                struct {
			Label   string `json:"label"` // a string label, even though it looks like hex
			Context hex    `json:"context"`
			Length  int    `json:"length"`
			Secret  hex    `json:"secret"`
		} `json:"exporter"`
	} `json:"epochs"`
}

func TestKeySchedule(t *testing.T) {
	const file = "key-schedule.json"
	var vs []keyScheduleVector
	testvectors.Load(t, file, &vs)
	for i, v := range vs {
		s, ok := suiteFor(t, file, v.CipherSuite)
		if !ok {
			continue
		}
		record(t, file, v.CipherSuite, fmt.Sprintf("%d/suite-%d", i, v.CipherSuite), func(t *testing.T) {
			initSecret := []byte(v.InitialInitSecret)
			for n, ep := range v.Epochs {
				gc := wire.GroupContext{
					Version:                 wire.MLS10,
					CipherSuite:             ciphersuite.ID(v.CipherSuite),
					GroupID:                 v.GroupID,
					Epoch:                   uint64(n),
					TreeHash:                ep.TreeHash,
					ConfirmedTranscriptHash: ep.ConfirmedTranscriptHash,
				}
				gcBytes, err := gc.Bytes()
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(gcBytes, ep.GroupContext) {
					t.Fatalf("epoch %d: group context %x, want %x", n, gcBytes, ep.GroupContext)
				}
				e, err := keyschedule.Next(s, initSecret, ep.CommitSecret, ep.PSKSecret, gcBytes)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range []struct {
					name      string
					got, want []byte
				}{
					{"joiner_secret", e.JoinerSecret, ep.JoinerSecret},
					{"welcome_secret", e.WelcomeSecret, ep.WelcomeSecret},
					{"init_secret", e.InitSecret, ep.InitSecret},
					{"sender_data_secret", e.SenderDataSecret, ep.SenderDataSecret},
					{"encryption_secret", e.EncryptionSecret, ep.EncryptionSecret},
					{"exporter_secret", e.ExporterSecret, ep.ExporterSecret},
					{"epoch_authenticator", e.EpochAuthenticator, ep.EpochAuthenticator},
					{"external_secret", e.ExternalSecret, ep.ExternalSecret},
					{"confirmation_key", e.ConfirmationKey, ep.ConfirmationKey},
					{"membership_key", e.MembershipKey, ep.MembershipKey},
					{"resumption_psk", e.ResumptionPSK, ep.ResumptionPSK},
				} {
					if !bytes.Equal(c.got, c.want) {
						t.Errorf("epoch %d: %s = %x, want %x", n, c.name, c.got, c.want)
					}
				}
				ext, err := keyschedule.ExternalKeyPair(s, e.ExternalSecret)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(ext.PublicKey(), ep.ExternalPub) {
					t.Errorf("epoch %d: external_pub = %x, want %x", n, ext.PublicKey(), ep.ExternalPub)
				}
				x := ep.Exporter
				got, err := keyschedule.Export(s, e.ExporterSecret, x.Label, x.Context, x.Length)
				if err != nil || !bytes.Equal(got, x.Secret) {
					t.Errorf("epoch %d: exporter = %x, %v; want %x", n, got, err, x.Secret)
				}
				initSecret = e.InitSecret
			}
		})
	}
	reportFile(t, file)
}

type pskSecretVector struct {
	CipherSuite uint16 `json:"cipher_suite"`
	PSKs        []struct {
		PSKID    hex `json:"psk_id"`
		PSK      hex `json:"psk"`
		PSKNonce hex `json:"psk_nonce"`
	} `json:"psks"`
	PSKSecret hex `json:"psk_secret"`
}

func TestPSKSecret(t *testing.T) {
	const file = "psk_secret.json"
	var vs []pskSecretVector
	testvectors.Load(t, file, &vs)
	for i, v := range vs {
		s, ok := suiteFor(t, file, v.CipherSuite)
		if !ok {
			continue
		}
		record(t, file, v.CipherSuite, fmt.Sprintf("%d/suite-%d/psks-%d", i, v.CipherSuite, len(v.PSKs)), func(t *testing.T) {
			psks := make([]keyschedule.PSK, len(v.PSKs))
			for j, p := range v.PSKs {
				psks[j] = keyschedule.PSK{
					ID:     wire.PreSharedKeyID{Type: wire.PSKExternal, PSKID: p.PSKID, Nonce: p.PSKNonce},
					Secret: p.PSK,
				}
			}
			got, err := keyschedule.PSKSecret(s, psks)
			if err != nil || !bytes.Equal(got, v.PSKSecret) {
				t.Errorf("psk_secret = %x, %v; want %x", got, err, v.PSKSecret)
			}
		})
	}
	reportFile(t, file)
}
