package group

import (
	"errors"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

func suites(t testing.TB) []*ciphersuite.Suite {
	t.Helper()
	var out []*ciphersuite.Suite
	for _, id := range ciphersuite.Supported() {
		s, err := ciphersuite.Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func suite1(t testing.TB) *ciphersuite.Suite {
	t.Helper()
	s, err := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestKeyPackageRoundTripAllSuites(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, s := range suites(t) {
		kb, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("alice"), Now: now})
		if err != nil {
			t.Fatalf("%v: %v", s, err)
		}
		enc, err := codec.Marshal(kb.KeyPackage)
		if err != nil {
			t.Fatal(err)
		}
		var kp wire.KeyPackage
		if err := codec.Unmarshal(enc, &kp); err != nil {
			t.Fatal(err)
		}
		if err := ValidateKeyPackage(&kp, LeafParams{Suite: s, Now: now}); err != nil {
			t.Fatalf("%v: %v", s, err)
		}
		ref, err := kp.Ref(s)
		if err != nil || string(ref) != string(kb.Ref) {
			t.Fatalf("%v: ref mismatch", s)
		}
		if !kb.InitKey.PublicKeyEqual(kp.InitKey) || !kb.EncryptionKey.PublicKeyEqual(kp.LeafNode.EncryptionKey) {
			t.Fatalf("%v: private keys do not match", s)
		}
	}
}

func TestKeyPackageRejections(t *testing.T) {
	s := suite1(t)
	now := time.Unix(1_800_000_000, 0)
	other, err := ciphersuite.Lookup(ciphersuite.Supported()[1])
	if err != nil {
		t.Fatal(err)
	}
	gc := &wire.GroupContext{Version: wire.MLS10, CipherSuite: s.ID(), GroupID: []byte("g"), Extensions: wire.Extensions{}}
	rcData, err := codec.Marshal(&RequiredCapabilities{Extensions: []wire.ExtensionType{0xff00}})
	if err != nil {
		t.Fatal(err)
	}
	gcReq := *gc
	gcReq.Extensions = wire.Extensions{{Type: wire.ExtRequiredCapabilities, Data: rcData}}

	resign := func(kb *KeyPackageBundle, leaf bool) {
		if leaf {
			if err := ratchettree.SignLeafNode(s, kb.Signer, &kb.KeyPackage.LeafNode, nil, 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := SignKeyPackage(s, kb.Signer, kb.KeyPackage); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name   string
		mutate func(kb *KeyPackageBundle)
		p      LeafParams
	}{
		{"wrong suite", nil, LeafParams{Suite: other}},
		{"wrong version", func(kb *KeyPackageBundle) { kb.KeyPackage.Version = 2; resign(kb, false) }, LeafParams{Suite: s}},
		{"bad kp signature", func(kb *KeyPackageBundle) { kb.KeyPackage.Signature[0] ^= 1 }, LeafParams{Suite: s}},
		{"bad leaf signature", func(kb *KeyPackageBundle) { kb.KeyPackage.LeafNode.Signature[0] ^= 1; resign(kb, false) }, LeafParams{Suite: s}},
		{"init equals leaf key", func(kb *KeyPackageBundle) {
			kb.KeyPackage.InitKey = kb.KeyPackage.LeafNode.EncryptionKey
			resign(kb, false)
		}, LeafParams{Suite: s}},
		{"source update", func(kb *KeyPackageBundle) { kb.KeyPackage.LeafNode.Source = wire.SourceUpdate; resign(kb, true) }, LeafParams{Suite: s}},
		{"expired", nil, LeafParams{Suite: s, Now: now.Add(DefaultLifetime + time.Hour)}},
		{"not yet valid", nil, LeafParams{Suite: s, Now: now.Add(-2 * time.Hour)}},
		{"suite not in capabilities", func(kb *KeyPackageBundle) {
			kb.KeyPackage.LeafNode.Capabilities.CipherSuites = []ciphersuite.ID{other.ID()}
			resign(kb, true)
		}, LeafParams{Suite: s}},
		{"own credential not in capabilities", func(kb *KeyPackageBundle) {
			kb.KeyPackage.LeafNode.Capabilities.Credentials = []wire.CredentialType{wire.CredentialX509}
			resign(kb, true)
		}, LeafParams{Suite: s}},
		{"unlisted extension", func(kb *KeyPackageBundle) {
			kb.KeyPackage.LeafNode.Extensions = wire.Extensions{{Type: 0xff00, Data: []byte{1}}}
			resign(kb, true)
		}, LeafParams{Suite: s}},
		{"required capability missing", nil, LeafParams{Suite: s, Context: &gcReq}},
		{"credential rejected", nil, LeafParams{Suite: s, Credential: func(*wire.Credential, []byte) error { return errors.New("no") }}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kb, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("bob"), Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if c.mutate != nil {
				c.mutate(kb)
			}
			p := c.p
			if p.Now.IsZero() {
				p.Now = now
			}
			if err := ValidateKeyPackage(kb.KeyPackage, p); !errors.Is(err, ErrInvalidKeyPackage) {
				t.Fatalf("got %v, want ErrInvalidKeyPackage", err)
			}
		})
	}

	// Listed extensions, GREASE values and satisfied required capabilities are accepted.
	kb, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("carol"), Now: now,
		Capabilities: &wire.Capabilities{
			Versions: []wire.ProtocolVersion{wire.MLS10}, CipherSuites: []ciphersuite.ID{s.ID()},
			Extensions: []wire.ExtensionType{0xff00}, Proposals: []wire.ProposalType{},
			Credentials: []wire.CredentialType{wire.CredentialBasic},
		},
		LeafExtensions: wire.Extensions{{Type: 0xff00, Data: []byte{1}}, {Type: 0x3a3a, Data: nil}, {Type: wire.ExtApplicationID, Data: []byte("app")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateKeyPackage(kb.KeyPackage, LeafParams{Suite: s, Context: &gcReq, Now: now}); err != nil {
		t.Fatal(err)
	}
}

func TestRequiredCapabilitiesCodec(t *testing.T) {
	rc := RequiredCapabilities{Extensions: []wire.ExtensionType{1, 0xff00}, Proposals: []wire.ProposalType{0xff01}, Credentials: []wire.CredentialType{1, 2}}
	b, err := codec.Marshal(&rc)
	if err != nil {
		t.Fatal(err)
	}
	var got RequiredCapabilities
	if err := codec.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	b2, _ := codec.Marshal(&got)
	if string(b) != string(b2) || len(got.Extensions) != 2 || len(got.Proposals) != 1 || len(got.Credentials) != 2 {
		t.Fatalf("round trip: %+v", got)
	}
	if err := codec.Unmarshal(b[:len(b)-1], &got); err == nil {
		t.Fatal("truncated input accepted")
	}
}

func TestGREASE(t *testing.T) {
	for _, v := range []uint16{0x0A0A, 0x1A1A, 0x9A9A, 0xEAEA} {
		if !isGREASE(v) {
			t.Errorf("%#x not GREASE", v)
		}
	}
	for _, v := range []uint16{0x0001, 0x0A1A, 0xFAFA, 0xff00} {
		if isGREASE(v) {
			t.Errorf("%#x GREASE", v)
		}
	}
}
