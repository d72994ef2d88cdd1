package conformance

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/testvectors"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// messagesVector is one entry of messages.json: syntax-only encodings (no cipher suite).
type messagesVector struct {
	MLSWelcome                     hex `json:"mls_welcome"`
	MLSGroupInfo                   hex `json:"mls_group_info"`
	MLSKeyPackage                  hex `json:"mls_key_package"`
	RatchetTree                    hex `json:"ratchet_tree"`
	GroupSecrets                   hex `json:"group_secrets"`
	AddProposal                    hex `json:"add_proposal"`
	UpdateProposal                 hex `json:"update_proposal"`
	RemoveProposal                 hex `json:"remove_proposal"`
	PreSharedKeyProposal           hex `json:"pre_shared_key_proposal"`
	ReInitProposal                 hex `json:"re_init_proposal"`
	ExternalInitProposal           hex `json:"external_init_proposal"`
	GroupContextExtensionsProposal hex `json:"group_context_extensions_proposal"`
	Commit                         hex `json:"commit"`
	PublicMessageApplication       hex `json:"public_message_application"`
	PublicMessageProposal          hex `json:"public_message_proposal"`
	PublicMessageCommit            hex `json:"public_message_commit"`
	PrivateMessage                 hex `json:"private_message"`
}

// roundTrip decodes b into u, requiring full consumption, and checks that it re-encodes to b.
func roundTrip(t *testing.T, name string, b []byte, u interface {
	codec.Marshaler
	codec.Unmarshaler
}) {
	t.Helper()
	if err := codec.Unmarshal(b, u); err != nil {
		t.Errorf("%s: decode: %v", name, err)
		return
	}
	if re, err := codec.Marshal(u); err != nil || !bytes.Equal(re, b) {
		t.Errorf("%s: re-encoding differs (%v)", name, err)
	}
}

// proposalBody round-trips a bare proposal body by prefixing its ProposalType.
func proposalBody(t *testing.T, name string, typ wire.ProposalType, body []byte) {
	t.Helper()
	b := binary.BigEndian.AppendUint16(nil, uint16(typ))
	roundTrip(t, name, append(b, body...), &wire.Proposal{})
}

// ratchetTree checks the ratchet_tree field: it decodes as a node list and re-encodes identically,
// and a tree built from it (the vector carries no suite; hashing uses suite 1) encodes back to it.
func ratchetTree(t *testing.T, b []byte) {
	t.Helper()
	nodes, err := ratchettree.DecodeNodes(b)
	if err != nil {
		t.Errorf("ratchet_tree: decode: %v", err)
		return
	}
	if re, err := ratchettree.EncodeNodes(nodes); err != nil || !bytes.Equal(re, b) {
		t.Errorf("ratchet_tree: re-encoding differs (%v)", err)
	}
	s, err := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := ratchettree.FromNodes(s, nodes)
	if err != nil {
		t.Errorf("ratchet_tree: building the tree: %v", err)
		return
	}
	if re, err := tree.Encode(); err != nil || !bytes.Equal(re, b) {
		t.Errorf("ratchet_tree: tree re-encoding differs (%v)", err)
	}
}

func TestMessages(t *testing.T) {
	const file = "messages.json"
	var vs []messagesVector
	testvectors.Load(t, file, &vs)
	for i, v := range vs {
		record(t, file, 0, fmt.Sprint(i), func(t *testing.T) {
			for _, m := range []struct {
				name string
				b    []byte
				wf   framing.WireFormat
			}{
				{"mls_welcome", v.MLSWelcome, framing.WireFormatWelcome},
				{"mls_group_info", v.MLSGroupInfo, framing.WireFormatGroupInfo},
				{"mls_key_package", v.MLSKeyPackage, framing.WireFormatKeyPackage},
				{"public_message_application", v.PublicMessageApplication, framing.WireFormatPublicMessage},
				{"public_message_proposal", v.PublicMessageProposal, framing.WireFormatPublicMessage},
				{"public_message_commit", v.PublicMessageCommit, framing.WireFormatPublicMessage},
				{"private_message", v.PrivateMessage, framing.WireFormatPrivateMessage},
			} {
				var msg framing.MLSMessage
				roundTrip(t, m.name, m.b, &msg)
				if msg.WireFormat != m.wf {
					t.Errorf("%s: wire format %d, want %d", m.name, msg.WireFormat, m.wf)
				}
			}
			ratchetTree(t, v.RatchetTree)
			roundTrip(t, "group_secrets", v.GroupSecrets, &wire.GroupSecrets{})
			roundTrip(t, "commit", v.Commit, &wire.Commit{})
			proposalBody(t, "add_proposal", wire.ProposalAdd, v.AddProposal)
			proposalBody(t, "update_proposal", wire.ProposalUpdate, v.UpdateProposal)
			proposalBody(t, "remove_proposal", wire.ProposalRemove, v.RemoveProposal)
			proposalBody(t, "pre_shared_key_proposal", wire.ProposalPSK, v.PreSharedKeyProposal)
			proposalBody(t, "re_init_proposal", wire.ProposalReInit, v.ReInitProposal)
			proposalBody(t, "external_init_proposal", wire.ProposalExternalInit, v.ExternalInitProposal)
			proposalBody(t, "group_context_extensions_proposal", wire.ProposalGroupContextExtensions, v.GroupContextExtensionsProposal)
		})
	}
	reportFile(t, file)
}
