package conformance

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/testvectors"
	"github.com/mimisim/mimisim/models/mls/rfc9420/secrettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

type messageProtectionVector struct {
	CipherSuite             uint16 `json:"cipher_suite"`
	GroupID                 hex    `json:"group_id"`
	Epoch                   uint64 `json:"epoch"`
	TreeHash                hex    `json:"tree_hash"`
	ConfirmedTranscriptHash hex    `json:"confirmed_transcript_hash"`
	SignaturePriv           hex    `json:"signature_priv"`
	SignaturePub            hex    `json:"signature_pub"`
	EncryptionSecret        hex    `json:"encryption_secret"`
	SenderDataSecret        hex    `json:"sender_data_secret"`
	MembershipKey           hex    `json:"membership_key"`
	Proposal                hex    `json:"proposal"`
	ProposalPriv            hex    `json:"proposal_priv"`
	ProposalPub             hex    `json:"proposal_pub"`
	Commit                  hex    `json:"commit"`
	CommitPriv              hex    `json:"commit_priv"`
	CommitPub               hex    `json:"commit_pub"`
	Application             hex    `json:"application"`
	ApplicationPriv         hex    `json:"application_priv"`
}

// senderLeaf is the sender used throughout the message-protection vectors.
const senderLeaf = 1

func TestMessageProtection(t *testing.T) {
	const file = "message-protection.json"
	var vs []messageProtectionVector
	testvectors.Load(t, file, &vs)
	for i, v := range vs {
		s, ok := suiteFor(t, file, v.CipherSuite)
		if !ok {
			continue
		}
		record(t, file, v.CipherSuite, fmt.Sprintf("%d/suite-%d", i, v.CipherSuite), func(t *testing.T) {
			checkMessageProtection(t, s, &v)
		})
	}
	reportFile(t, file)
}

func checkMessageProtection(t *testing.T, s *ciphersuite.Suite, v *messageProtectionVector) {
	gc := &wire.GroupContext{
		Version:                 wire.MLS10,
		CipherSuite:             s.ID(),
		GroupID:                 v.GroupID,
		Epoch:                   v.Epoch,
		TreeHash:                v.TreeHash,
		ConfirmedTranscriptHash: v.ConfirmedTranscriptHash,
	}
	signer, err := s.ParseSignaturePrivateKey(v.SignaturePriv)
	if err != nil {
		t.Fatal(err)
	}
	signerKey := func(ac *framing.AuthenticatedContent) ([]byte, error) {
		if ac.Content.Sender.Type != framing.SenderMember || ac.Content.Sender.LeafIndex != senderLeaf {
			return nil, fmt.Errorf("unexpected sender %+v", ac.Content.Sender)
		}
		return v.SignaturePub, nil
	}
	newTree := func() *secrettree.SecretTree {
		tree, err := secrettree.New(s, v.EncryptionSecret, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tree
	}
	decode := func(name string, b []byte, wf framing.WireFormat) *framing.MLSMessage {
		m, err := framing.Decode(b)
		if err != nil {
			t.Fatalf("%s: decoding MLSMessage: %v", name, err)
		}
		if m.WireFormat != wf {
			t.Fatalf("%s: wire format %d, want %d", name, m.WireFormat, wf)
		}
		if re, err := m.Encode(); err != nil || !bytes.Equal(re, b) {
			t.Fatalf("%s: MLSMessage does not re-encode identically (%v)", name, err)
		}
		return m
	}
	body := func(ac *framing.AuthenticatedContent) []byte {
		var w codec.Writer
		switch ac.Content.ContentType {
		case framing.ContentApplication:
			return ac.Content.ApplicationData
		case framing.ContentProposal:
			ac.Content.Proposal.MarshalMLS(&w)
		case framing.ContentCommit:
			ac.Content.Commit.MarshalMLS(&w)
		}
		b, _ := w.Bytes()
		return b
	}
	cases := []struct {
		name    string
		ct      framing.ContentType
		raw     []byte
		pub     []byte // nil for application
		priv    []byte
		content func(fc *framing.FramedContent) error
	}{
		{"proposal", framing.ContentProposal, v.Proposal, v.ProposalPub, v.ProposalPriv, func(fc *framing.FramedContent) error {
			fc.Proposal = &wire.Proposal{}
			return codec.Unmarshal(v.Proposal, fc.Proposal)
		}},
		{"commit", framing.ContentCommit, v.Commit, v.CommitPub, v.CommitPriv, func(fc *framing.FramedContent) error {
			fc.Commit = &wire.Commit{}
			return codec.Unmarshal(v.Commit, fc.Commit)
		}},
		{"application", framing.ContentApplication, v.Application, nil, v.ApplicationPriv, func(fc *framing.FramedContent) error {
			fc.ApplicationData = v.Application
			return nil
		}},
	}
	for _, c := range cases {
		fc := &framing.FramedContent{
			GroupID:     v.GroupID,
			Epoch:       v.Epoch,
			Sender:      framing.Sender{Type: framing.SenderMember, LeafIndex: senderLeaf},
			ContentType: c.ct,
		}
		if err := c.content(fc); err != nil {
			t.Fatalf("%s: decoding raw content: %v", c.name, err)
		}
		if got := body(&framing.AuthenticatedContent{Content: *fc}); !bytes.Equal(got, c.raw) {
			t.Fatalf("%s: raw content does not re-encode identically", c.name)
		}
		var confirmationTag []byte

		// Received PublicMessage.
		if c.pub != nil {
			m := decode(c.name+"_pub", c.pub, framing.WireFormatPublicMessage)
			ac, err := framing.UnprotectPublic(s, m.PublicMessage, gc, v.MembershipKey, signerKey)
			if err != nil {
				t.Fatalf("%s_pub: %v", c.name, err)
			}
			if !bytes.Equal(body(ac), c.raw) {
				t.Errorf("%s_pub: content differs", c.name)
			}
			confirmationTag = ac.Auth.ConfirmationTag
			bad := *m.PublicMessage
			bad.MembershipTag = append([]byte{}, bad.MembershipTag...)
			bad.MembershipTag[0] ^= 1
			if _, err := framing.UnprotectPublic(s, &bad, gc, v.MembershipKey, signerKey); err == nil {
				t.Errorf("%s_pub: corrupted membership tag accepted", c.name)
			}
		}
		if c.ct == framing.ContentCommit && confirmationTag == nil {
			confirmationTag = s.MAC(v.MembershipKey, []byte("confirmation"))
		}

		// Received PrivateMessage.
		m := decode(c.name+"_priv", c.priv, framing.WireFormatPrivateMessage)
		ac, err := framing.UnprotectPrivate(s, m.PrivateMessage, gc, newTree(), v.SenderDataSecret, signerKey)
		if err != nil {
			t.Fatalf("%s_priv: %v", c.name, err)
		}
		if !bytes.Equal(body(ac), c.raw) {
			t.Errorf("%s_priv: content differs", c.name)
		}

		// Own PublicMessage round trip (application data must be refused).
		pm, err := framing.ProtectPublic(s, signer, fc, gc, confirmationTag, v.MembershipKey)
		if c.ct == framing.ContentApplication {
			if err == nil {
				t.Errorf("application: protected as PublicMessage")
			}
		} else {
			if err != nil {
				t.Fatalf("%s: ProtectPublic: %v", c.name, err)
			}
			enc, err := (&framing.MLSMessage{Version: wire.MLS10, WireFormat: framing.WireFormatPublicMessage, PublicMessage: pm}).Encode()
			if err != nil {
				t.Fatal(err)
			}
			m := decode(c.name+" own pub", enc, framing.WireFormatPublicMessage)
			ac, err := framing.UnprotectPublic(s, m.PublicMessage, gc, v.MembershipKey, signerKey)
			if err != nil {
				t.Fatalf("%s: own PublicMessage: %v", c.name, err)
			}
			if !bytes.Equal(body(ac), c.raw) {
				t.Errorf("%s: own PublicMessage content differs", c.name)
			}
		}

		// Own PrivateMessage round trip, with padding.
		priv, err := framing.ProtectPrivate(s, signer, fc, gc, confirmationTag, newTree(), v.SenderDataSecret, &framing.PrivateOptions{Padding: 13})
		if err != nil {
			t.Fatalf("%s: ProtectPrivate: %v", c.name, err)
		}
		enc, err := (&framing.MLSMessage{Version: wire.MLS10, WireFormat: framing.WireFormatPrivateMessage, PrivateMessage: priv}).Encode()
		if err != nil {
			t.Fatal(err)
		}
		m = decode(c.name+" own priv", enc, framing.WireFormatPrivateMessage)
		ac, err = framing.UnprotectPrivate(s, m.PrivateMessage, gc, newTree(), v.SenderDataSecret, signerKey)
		if err != nil {
			t.Fatalf("%s: own PrivateMessage: %v", c.name, err)
		}
		if !bytes.Equal(body(ac), c.raw) {
			t.Errorf("%s: own PrivateMessage content differs", c.name)
		}
	}
}
