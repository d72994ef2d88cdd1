package engine

import (
	"fmt"

	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/group"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

var (
	_ mls.GroupInfoPublisher    = (*Member)(nil)
	_ mls.ExternalJoiner        = (*Client)(nil)
	_ mls.ExternalSenderEngine  = (*Engine)(nil)
	_ mls.ExternalSenderCreator = (*Client)(nil)
)

// GroupInfo implements mls.GroupInfoPublisher: a GroupInfo MLSMessage with external_pub and
// ratchet_tree, signed by this member.
func (m *Member) GroupInfo() ([]byte, error) {
	gi, err := m.g.GroupInfo(true)
	if err != nil {
		return nil, err
	}
	return group.EncodeGroupInfo(gi)
}

// JoinExternal implements mls.ExternalJoiner with a fresh leaf (KeyPackage template) of this
// client; the returned Pending holds the external commit built in the GroupInfo's epoch.
func (c *Client) JoinExternal(groupInfo []byte) (mls.Member, *mls.Pending, error) {
	gi, err := group.DecodeGroupInfo(groupInfo)
	if err != nil {
		return nil, nil, err
	}
	kb, err := c.newBundle()
	if err != nil {
		return nil, nil, err
	}
	g, commit, err := group.JoinExternal(gi, kb, group.Config{}, group.ExternalJoinOptions{})
	if err != nil {
		return nil, nil, err
	}
	return &Member{g: g, c: c}, &mls.Pending{Handshake: [][]byte{commit}, Epoch: gi.GroupContext.Epoch, Op: mls.OpExternalJoin}, nil
}

// ExternalSender is an external sender (e.g. a MIMI hub) of this engine's suite.
type ExternalSender struct {
	e        *Engine
	identity string
	signer   *ciphersuite.SignaturePrivateKey
}

var _ mls.ExternalSender = (*ExternalSender)(nil)

// NewExternalSender implements mls.ExternalSenderEngine. With an Ed25519 suite and a seed the
// signature key is derived from seed and identity; otherwise it is random.
func (e *Engine) NewExternalSender(identity string, seed []byte) (mls.ExternalSender, error) {
	signer, err := e.signatureKey("mimisim rfc9420 external sender key", identity, seed)
	if err != nil {
		return nil, err
	}
	return &ExternalSender{e: e, identity: identity, signer: signer}, nil
}

// Identity implements mls.ExternalSender.
func (x *ExternalSender) Identity() string { return x.identity }

func (x *ExternalSender) entry() wire.ExternalSender {
	return wire.ExternalSender{SignatureKey: x.signer.PublicKey(),
		Credential: wire.Credential{Type: wire.CredentialBasic, Identity: []byte(x.identity)}}
}

// ProposeRemove implements mls.ExternalSender.
func (x *ExternalSender) ProposeRemove(groupID []byte, epoch uint64, index, leaf int) ([]byte, error) {
	if index < 0 || leaf < 0 {
		return nil, fmt.Errorf("rfc9420: negative sender index %d or leaf %d", index, leaf)
	}
	return group.ExternalProposal(x.e.suite, x.signer, uint32(index), groupID, epoch, &wire.Proposal{Type: wire.ProposalRemove, Removed: uint32(leaf)})
}

// ProposeAdd implements mls.ExternalSender.
func (x *ExternalSender) ProposeAdd(groupID []byte, epoch uint64, index int, keyPackage []byte) ([]byte, error) {
	if index < 0 {
		return nil, fmt.Errorf("rfc9420: negative sender index %d", index)
	}
	kp, err := decodeKeyPackage(keyPackage)
	if err != nil {
		return nil, err
	}
	return group.ExternalProposal(x.e.suite, x.signer, uint32(index), groupID, epoch, &wire.Proposal{Type: wire.ProposalAdd, KeyPackage: kp})
}

// CreateGroupWithExternalSenders implements mls.ExternalSenderCreator; the senders must come from
// an rfc9420 engine.
func (c *Client) CreateGroupWithExternalSenders(groupID []byte, senders []mls.ExternalSender) (mls.Member, error) {
	list := make(wire.ExternalSenders, len(senders))
	for i, s := range senders {
		x, ok := s.(*ExternalSender)
		if !ok {
			return nil, fmt.Errorf("rfc9420: external sender %d is not an rfc9420 external sender", i)
		}
		list[i] = x.entry()
	}
	data, err := codec.Marshal(list)
	if err != nil {
		return nil, err
	}
	kb, err := c.newBundle()
	if err != nil {
		return nil, err
	}
	g, err := group.Create(kb, groupID, wire.Extensions{{Type: wire.ExtExternalSenders, Data: data}}, group.Config{})
	if err != nil {
		return nil, err
	}
	return &Member{g: g, c: c}, nil
}
