package framing

import (
	"fmt"
	"sync"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// WireFormat identifies the kind of MLSMessage (§17.2).
type WireFormat uint16

// Wire formats.
const (
	WireFormatPublicMessage  WireFormat = 1
	WireFormatPrivateMessage WireFormat = 2
	WireFormatWelcome        WireFormat = 3
	WireFormatGroupInfo      WireFormat = 4
	WireFormatKeyPackage     WireFormat = 5
)

// ContentType is the type of a FramedContent's body.
type ContentType uint8

// Content types.
const (
	ContentApplication ContentType = 1
	ContentProposal    ContentType = 2
	ContentCommit      ContentType = 3
)

func (c ContentType) valid() bool { return c >= ContentApplication && c <= ContentCommit }

// SenderType says who sent a message.
type SenderType uint8

// Sender types.
const (
	SenderMember            SenderType = 1
	SenderExternal          SenderType = 2
	SenderNewMemberProposal SenderType = 3
	SenderNewMemberCommit   SenderType = 4
)

// Sender is a message's sender: a member's leaf index, an external sender's index into the
// external_senders extension, or a new member.
type Sender struct {
	Type        SenderType
	LeafIndex   uint32 // for SenderMember
	SenderIndex uint32 // for SenderExternal
}

// MarshalMLS encodes the sender.
func (s *Sender) MarshalMLS(w *codec.Writer) {
	w.Uint8(uint8(s.Type))
	switch s.Type {
	case SenderMember:
		w.Uint32(s.LeafIndex)
	case SenderExternal:
		w.Uint32(s.SenderIndex)
	}
}

// UnmarshalMLS decodes the sender.
func (s *Sender) UnmarshalMLS(r *codec.Reader) {
	*s = Sender{Type: SenderType(r.Uint8())}
	switch s.Type {
	case SenderMember:
		s.LeafIndex = r.Uint32()
	case SenderExternal:
		s.SenderIndex = r.Uint32()
	case SenderNewMemberProposal, SenderNewMemberCommit:
	default:
		r.Fail(fmt.Errorf("%w: sender type %d", codec.ErrUnknownVariant, s.Type))
	}
}

// FramedContent is the authenticated content of a handshake or application message (§6). Exactly
// one body field, selected by ContentType, is meaningful.
type FramedContent struct {
	GroupID           []byte
	Epoch             uint64
	Sender            Sender
	AuthenticatedData []byte
	ContentType       ContentType
	ApplicationData   []byte
	Proposal          *wire.Proposal
	Commit            *wire.Commit
}

// marshalBody writes the content-type-selected body.
func (c *FramedContent) marshalBody(w *codec.Writer) {
	switch c.ContentType {
	case ContentApplication:
		w.Opaque(c.ApplicationData)
	case ContentProposal:
		p := c.Proposal
		if p == nil {
			p = &wire.Proposal{}
		}
		p.MarshalMLS(w)
	case ContentCommit:
		cm := c.Commit
		if cm == nil {
			cm = &wire.Commit{}
		}
		cm.MarshalMLS(w)
	}
}

// unmarshalBody reads the body selected by c.ContentType.
func (c *FramedContent) unmarshalBody(r *codec.Reader) {
	c.ApplicationData, c.Proposal, c.Commit = nil, nil, nil
	switch c.ContentType {
	case ContentApplication:
		c.ApplicationData = r.Opaque()
	case ContentProposal:
		c.Proposal = &wire.Proposal{}
		r.Unmarshal(c.Proposal)
	case ContentCommit:
		c.Commit = &wire.Commit{}
		r.Unmarshal(c.Commit)
	default:
		r.Fail(fmt.Errorf("%w: content type %d", codec.ErrUnknownVariant, c.ContentType))
	}
}

// MarshalMLS encodes the framed content.
func (c *FramedContent) MarshalMLS(w *codec.Writer) {
	w.Opaque(c.GroupID)
	w.Uint64(c.Epoch)
	c.Sender.MarshalMLS(w)
	w.Opaque(c.AuthenticatedData)
	w.Uint8(uint8(c.ContentType))
	c.marshalBody(w)
}

// UnmarshalMLS decodes the framed content.
func (c *FramedContent) UnmarshalMLS(r *codec.Reader) {
	c.GroupID = r.Opaque()
	c.Epoch = r.Uint64()
	r.Unmarshal(&c.Sender)
	c.AuthenticatedData = r.Opaque()
	c.ContentType = ContentType(r.Uint8())
	c.unmarshalBody(r)
}

// FramedContentAuthData is the signature and, for commits, the confirmation tag.
type FramedContentAuthData struct {
	Signature       []byte
	ConfirmationTag []byte
}

func (a *FramedContentAuthData) marshal(w *codec.Writer, ct ContentType) {
	w.Opaque(a.Signature)
	if ct == ContentCommit {
		w.Opaque(a.ConfirmationTag)
	}
}

func (a *FramedContentAuthData) unmarshal(r *codec.Reader, ct ContentType) {
	a.Signature = r.Opaque()
	a.ConfirmationTag = nil
	if ct == ContentCommit {
		a.ConfirmationTag = r.Opaque()
	}
}

// AuthenticatedContent is a FramedContent with its wire format and authentication data: what a
// receiver has after unprotecting either kind of message, and the input of MakeProposalRef and of
// the confirmed transcript hash.
type AuthenticatedContent struct {
	WireFormat WireFormat
	Content    FramedContent
	Auth       FramedContentAuthData
}

// MarshalMLS encodes the authenticated content.
func (a *AuthenticatedContent) MarshalMLS(w *codec.Writer) {
	w.Uint16(uint16(a.WireFormat))
	a.Content.MarshalMLS(w)
	a.Auth.marshal(w, a.Content.ContentType)
}

// UnmarshalMLS decodes the authenticated content.
func (a *AuthenticatedContent) UnmarshalMLS(r *codec.Reader) {
	a.WireFormat = WireFormat(r.Uint16())
	r.Unmarshal(&a.Content)
	a.Auth.unmarshal(r, a.Content.ContentType)
}

// ProposalRef is MakeProposalRef(encoded AuthenticatedContent) for a proposal message.
func (a *AuthenticatedContent) ProposalRef(s *ciphersuite.Suite) ([]byte, error) {
	if a.Content.ContentType != ContentProposal {
		return nil, fmt.Errorf("framing: proposal reference of a %d message", a.Content.ContentType)
	}
	b, err := codec.Marshal(a)
	if err != nil {
		return nil, err
	}
	return s.MakeProposalRef(b), nil
}

// ConfirmedTranscriptHashInput returns the encoded wire format and FramedContent and the signature,
// the inputs of keyschedule.ConfirmedTranscriptHash.
func (a *AuthenticatedContent) ConfirmedTranscriptHashInput() (wireFormat uint16, framedContent, signature []byte, err error) {
	fc, err := codec.Marshal(&a.Content)
	if err != nil {
		return 0, nil, nil, err
	}
	return uint16(a.WireFormat), fc, a.Auth.Signature, nil
}

// FramedContentTBSLabel is the SignWithLabel label of message signatures.
const FramedContentTBSLabel = "FramedContentTBS"

// marshalTBS writes FramedContentTBS: version, wire format, content and, for member and
// new_member_commit senders, the GroupContext.
func marshalTBS(w *codec.Writer, wf WireFormat, c *FramedContent, gc *wire.GroupContext) error {
	w.Uint16(uint16(wire.MLS10))
	w.Uint16(uint16(wf))
	c.MarshalMLS(w)
	switch c.Sender.Type {
	case SenderMember, SenderNewMemberCommit:
		if gc == nil {
			return fmt.Errorf("framing: sender type %d needs the group context", c.Sender.Type)
		}
		gc.MarshalMLS(w)
	}
	return nil
}

// TBS returns the FramedContentTBS encoding signed for this content.
func (a *AuthenticatedContent) TBS(gc *wire.GroupContext) ([]byte, error) {
	var w codec.Writer
	// Room for the usual content and group context in one allocation (it grows if not).
	c := &a.Content
	w.Grow(192 + 2*len(c.GroupID) + len(c.AuthenticatedData) + len(c.ApplicationData))
	if err := marshalTBS(&w, a.WireFormat, &a.Content, gc); err != nil {
		return nil, err
	}
	return w.Bytes()
}

// Sign creates an AuthenticatedContent for content under wire format wf, signed with signer.
// confirmationTag must be set for commits and is ignored otherwise.
func Sign(s *ciphersuite.Suite, signer *ciphersuite.SignaturePrivateKey, wf WireFormat, content *FramedContent, gc *wire.GroupContext, confirmationTag []byte) (*AuthenticatedContent, error) {
	if !content.ContentType.valid() {
		return nil, fmt.Errorf("framing: invalid content type %d", content.ContentType)
	}
	ac := &AuthenticatedContent{WireFormat: wf, Content: *content}
	tbs, err := ac.TBS(gc)
	if err != nil {
		return nil, err
	}
	if ac.Auth.Signature, err = s.SignWithLabel(signer, FramedContentTBSLabel, tbs); err != nil {
		return nil, err
	}
	if content.ContentType == ContentCommit {
		if len(confirmationTag) == 0 {
			return nil, fmt.Errorf("framing: a commit needs a confirmation tag")
		}
		ac.Auth.ConfirmationTag = append([]byte(nil), confirmationTag...)
	}
	return ac, nil
}

// VerifySignature checks the content's signature under the serialized public key pub.
func (a *AuthenticatedContent) VerifySignature(s *ciphersuite.Suite, pub []byte, gc *wire.GroupContext) error {
	return a.verifySignatureWith(s, pub, gc, nil)
}

// Verifier checks a signature as ciphersuite.Suite.VerifyWithLabel does. A simulator that runs
// many members of one group can pass a memoising Verifier (one verification per distinct
// (key, label, content, signature), see group.Share); nil means Suite.VerifyWithLabel. A Verifier
// must not keep content or signature after it returns: content's memory is reused.
type Verifier func(s *ciphersuite.Suite, pub []byte, label string, content, signature []byte) error

// tbsPool holds the writers verifySignatureWith encodes FramedContentTBS into: the encoding is
// read by the verification only, so a receiver does not allocate one per message.
var tbsPool = sync.Pool{New: func() any { return new(codec.Writer) }}

// maxPooledTBS is the largest buffer kept in tbsPool (a large commit's is dropped after use).
const maxPooledTBS = 4 << 10

func (a *AuthenticatedContent) verifySignatureWith(s *ciphersuite.Suite, pub []byte, gc *wire.GroupContext, v Verifier) error {
	w := tbsPool.Get().(*codec.Writer)
	defer func() {
		if w.Cap() <= maxPooledTBS {
			w.Reset()
			tbsPool.Put(w)
		}
	}()
	if err := marshalTBS(w, a.WireFormat, &a.Content, gc); err != nil {
		return err
	}
	tbs, err := w.Bytes()
	if err != nil {
		return err
	}
	if v != nil {
		return v(s, pub, FramedContentTBSLabel, tbs, a.Auth.Signature)
	}
	return s.VerifyWithLabel(pub, FramedContentTBSLabel, tbs, a.Auth.Signature)
}

// SignerKeyFunc returns the serialized signature public key that must have signed ac, given the
// sender it claims (a member leaf, an external sender, or a new member's leaf node in the content).
type SignerKeyFunc func(ac *AuthenticatedContent) ([]byte, error)
