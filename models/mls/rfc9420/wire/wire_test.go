package wire

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
)

func sampleLeaf(src LeafNodeSource) LeafNode {
	return LeafNode{
		EncryptionKey: bytes.Repeat([]byte{1}, 32),
		SignatureKey:  bytes.Repeat([]byte{2}, 32),
		Credential:    Credential{Type: CredentialBasic, Identity: []byte("alice")},
		Capabilities: Capabilities{
			Versions:     []ProtocolVersion{MLS10},
			CipherSuites: []ciphersuite.ID{1, 2},
			Extensions:   []ExtensionType{ExtApplicationID},
			Proposals:    []ProposalType{},
			Credentials:  []CredentialType{CredentialBasic, CredentialX509},
		},
		Source:     src,
		Lifetime:   Lifetime{NotBefore: 1, NotAfter: 2},
		ParentHash: []byte{9, 9},
		Extensions: Extensions{{Type: ExtApplicationID, Data: []byte("app")}},
		Signature:  bytes.Repeat([]byte{3}, 64),
	}
}

func sampleKeyPackage() *KeyPackage {
	return &KeyPackage{Version: MLS10, CipherSuite: 1, InitKey: []byte{4, 4}, LeafNode: sampleLeaf(SourceKeyPackage), Extensions: Extensions{}, Signature: []byte{5}}
}

func sampleCommit() *Commit {
	commitLeaf := sampleLeaf(SourceCommit)
	return &Commit{
		Proposals: []ProposalOrRef{
			{Type: ProposalOrRefReference, Reference: bytes.Repeat([]byte{6}, 32)},
			{Type: ProposalOrRefProposal, Proposal: &Proposal{Type: ProposalRemove, Removed: 3}},
		},
		Path: &UpdatePath{LeafNode: commitLeaf, Nodes: []UpdatePathNode{
			{EncryptionKey: []byte{7}, EncryptedPathSecret: []HPKECiphertext{{KEMOutput: []byte{8}, Ciphertext: []byte{9}}}},
		}},
	}
}

type codecValue interface {
	codec.Marshaler
	codec.Unmarshaler
}

func TestRoundTrip(t *testing.T) {
	updateLeaf := sampleLeaf(SourceUpdate)
	tests := []struct {
		name  string
		in    codecValue
		fresh func() codecValue
	}{
		{"group-context", &GroupContext{Version: MLS10, CipherSuite: 1, GroupID: []byte("g"), Epoch: 9, TreeHash: []byte{1}, ConfirmedTranscriptHash: []byte{2}, Extensions: Extensions{{Type: 5, Data: nil}}}, func() codecValue { return &GroupContext{} }},
		{"x509-credential", &Credential{Type: CredentialX509, Certificates: [][]byte{{1}, {2, 3}}}, func() codecValue { return &Credential{} }},
		{"key-package", sampleKeyPackage(), func() codecValue { return &KeyPackage{} }},
		{"leaf-update", &updateLeaf, func() codecValue { return &LeafNode{} }},
		{"commit", sampleCommit(), func() codecValue { return &Commit{} }},
		{"commit-no-path", &Commit{Proposals: []ProposalOrRef{}}, func() codecValue { return &Commit{} }},
		{"add", &Proposal{Type: ProposalAdd, KeyPackage: sampleKeyPackage()}, func() codecValue { return &Proposal{} }},
		{"update", &Proposal{Type: ProposalUpdate, LeafNode: &updateLeaf}, func() codecValue { return &Proposal{} }},
		{"psk-external", &Proposal{Type: ProposalPSK, PSK: &PreSharedKeyID{Type: PSKExternal, PSKID: []byte("id"), Nonce: []byte("n")}}, func() codecValue { return &Proposal{} }},
		{"psk-resumption", &Proposal{Type: ProposalPSK, PSK: &PreSharedKeyID{Type: PSKResumption, Usage: UsageBranch, GroupID: []byte("g"), Epoch: 4, Nonce: []byte("n")}}, func() codecValue { return &Proposal{} }},
		{"reinit", &Proposal{Type: ProposalReInit, ReInit: &ReInit{GroupID: []byte("g"), Version: MLS10, CipherSuite: 3, Extensions: Extensions{}}}, func() codecValue { return &Proposal{} }},
		{"external-init", &Proposal{Type: ProposalExternalInit, KEMOutput: []byte{1, 2}}, func() codecValue { return &Proposal{} }},
		{"gce", &Proposal{Type: ProposalGroupContextExtensions, Extensions: Extensions{{Type: 9, Data: []byte{1}}}}, func() codecValue { return &Proposal{} }},
		{"group-info", &GroupInfo{GroupContext: GroupContext{GroupID: []byte("g")}, ConfirmationTag: []byte{1}, Signer: 2, Signature: []byte{3}}, func() codecValue { return &GroupInfo{} }},
		{"group-secrets", &GroupSecrets{JoinerSecret: []byte{1}, PathSecret: []byte{2}, PSKs: []PreSharedKeyID{{Type: PSKExternal, PSKID: []byte{3}, Nonce: []byte{4}}}}, func() codecValue { return &GroupSecrets{} }},
		{"welcome", &Welcome{CipherSuite: 1, Secrets: []EncryptedGroupSecrets{{NewMember: []byte{1}, EncryptedGroupSecrets: HPKECiphertext{KEMOutput: []byte{2}, Ciphertext: []byte{3}}}}, EncryptedGroupInfo: []byte{4}}, func() codecValue { return &Welcome{} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := codec.Marshal(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			out := tc.fresh()
			if err := codec.Unmarshal(enc, out); err != nil {
				t.Fatal(err)
			}
			re, _ := codec.Marshal(out)
			if !bytes.Equal(enc, re) {
				t.Fatalf("re-encoding differs:\n%x\n%x", enc, re)
			}
			// Every strict prefix must fail to decode, never panic.
			for i := 0; i < len(enc); i++ {
				if err := codec.Unmarshal(enc[:i], tc.fresh()); err == nil {
					t.Fatalf("prefix of %d/%d bytes decoded", i, len(enc))
				}
			}
		})
	}
}

func TestUnknownVariants(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		into codec.Unmarshaler
	}{
		{"proposal-type", []byte{0x00, 0x08}, &Proposal{}},
		{"credential-type", []byte{0x00, 0x03, 0x00}, &Credential{}},
		{"psk-type", []byte{0x03, 0x00}, &PreSharedKeyID{}},
		{"proposal-or-ref", []byte{0x03}, &ProposalOrRef{}},
		{"commit-optional-flag", []byte{0x00, 0x02}, &Commit{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := codec.Unmarshal(tc.in, tc.into)
			if err == nil {
				t.Fatal("decoded")
			}
			if !errors.Is(err, codec.ErrUnknownVariant) && !errors.Is(err, codec.ErrBadOptional) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestLeafNodeTBS(t *testing.T) {
	kp := sampleLeaf(SourceKeyPackage)
	upd := sampleLeaf(SourceUpdate)
	a, _ := kp.TBS([]byte("g"), 1)
	b, _ := kp.TBS([]byte("other"), 7)
	if !bytes.Equal(a, b) {
		t.Error("key_package LeafNodeTBS must not depend on group ID or leaf index")
	}
	c, _ := upd.TBS([]byte("g"), 1)
	d, _ := upd.TBS([]byte("g"), 2)
	if bytes.Equal(c, d) {
		t.Error("update LeafNodeTBS must bind the leaf index")
	}
	full, _ := codec.Marshal(&upd)
	if !bytes.HasPrefix(c, full[:len(full)-len(upd.Signature)-codec.VarintLen(uint64(len(upd.Signature)))]) {
		t.Error("LeafNodeTBS must start with the leaf content")
	}
}

func fuzzRoundTrip(f *testing.F, seeds []codecValue, fresh func() codecValue) {
	for _, s := range seeds {
		b, err := codec.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v := fresh()
		if err := codec.Unmarshal(b, v); err != nil {
			return
		}
		re, err := codec.Marshal(v)
		if err != nil || !bytes.Equal(re, b) {
			t.Fatalf("accepted %x but re-encodes to %x (%v)", b, re, err)
		}
	})
}

func FuzzCommit(f *testing.F) {
	fuzzRoundTrip(f, []codecValue{sampleCommit(), &Commit{}}, func() codecValue { return &Commit{} })
}

func FuzzProposal(f *testing.F) {
	leaf := sampleLeaf(SourceUpdate)
	fuzzRoundTrip(f, []codecValue{
		&Proposal{Type: ProposalAdd, KeyPackage: sampleKeyPackage()},
		&Proposal{Type: ProposalUpdate, LeafNode: &leaf},
		&Proposal{Type: ProposalRemove, Removed: 1},
		&Proposal{Type: ProposalPSK, PSK: &PreSharedKeyID{Type: PSKResumption, Usage: 1}},
	}, func() codecValue { return &Proposal{} })
}

func FuzzKeyPackage(f *testing.F) {
	fuzzRoundTrip(f, []codecValue{sampleKeyPackage()}, func() codecValue { return &KeyPackage{} })
}

func FuzzWelcome(f *testing.F) {
	fuzzRoundTrip(f, []codecValue{&Welcome{CipherSuite: 1, Secrets: []EncryptedGroupSecrets{{NewMember: []byte{1}}}}}, func() codecValue { return &Welcome{} })
}

func FuzzGroupInfo(f *testing.F) {
	fuzzRoundTrip(f, []codecValue{&GroupInfo{GroupContext: GroupContext{Extensions: Extensions{{Type: 1}}}}}, func() codecValue { return &GroupInfo{} })
}

func FuzzExternalSenders(f *testing.F) {
	fuzzRoundTrip(f, []codecValue{
		&ExternalSenders{},
		&ExternalSenders{{SignatureKey: []byte{1, 2}, Credential: Credential{Type: CredentialBasic, Identity: []byte("hub")}}},
		&ExternalSenders{{SignatureKey: []byte{3}, Credential: Credential{Type: CredentialX509, Certificates: [][]byte{{4}, {5}}}}, {SignatureKey: []byte{6}, Credential: Credential{Type: CredentialBasic, Identity: []byte{}}}},
	}, func() codecValue { return &ExternalSenders{} })
}

func FuzzExternalPub(f *testing.F) {
	fuzzRoundTrip(f, []codecValue{&ExternalPub{PublicKey: []byte{1, 2, 3}}, &ExternalPub{PublicKey: []byte{}}}, func() codecValue { return &ExternalPub{} })
}

func FuzzReInit(f *testing.F) {
	fuzzRoundTrip(f, []codecValue{
		&Proposal{Type: ProposalReInit, ReInit: &ReInit{GroupID: []byte("g2"), Version: MLS10, CipherSuite: 3, Extensions: Extensions{{Type: ExtExternalSenders, Data: []byte{0}}}}},
		&Proposal{Type: ProposalExternalInit, KEMOutput: []byte{9, 9}},
	}, func() codecValue { return &Proposal{} })
}
