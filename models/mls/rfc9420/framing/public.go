package framing

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// Errors of message protection.
var (
	ErrApplicationInPublic = errors.New("framing: application data must not be sent as a PublicMessage")
	ErrWrongGroup          = errors.New("framing: message is for another group")
	ErrWrongEpoch          = errors.New("framing: message is for another epoch")
	ErrMembershipTag       = errors.New("framing: membership tag does not verify")
	ErrBadPadding          = errors.New("framing: non-zero padding")
	ErrSenderData          = errors.New("framing: sender data does not decrypt")
	ErrContentDecrypt      = errors.New("framing: content does not decrypt")
	ErrSenderNotMember     = errors.New("framing: PrivateMessage sender must be a member")
)

// PublicMessage is a signed, unencrypted handshake message (§6.2).
type PublicMessage struct {
	Content       FramedContent
	Auth          FramedContentAuthData
	MembershipTag []byte // present iff the sender is a member
}

// MarshalMLS encodes the message.
func (p *PublicMessage) MarshalMLS(w *codec.Writer) {
	p.Content.MarshalMLS(w)
	p.Auth.marshal(w, p.Content.ContentType)
	if p.Content.Sender.Type == SenderMember {
		w.Opaque(p.MembershipTag)
	}
}

// UnmarshalMLS decodes the message.
func (p *PublicMessage) UnmarshalMLS(r *codec.Reader) {
	r.Unmarshal(&p.Content)
	p.Auth.unmarshal(r, p.Content.ContentType)
	p.MembershipTag = nil
	if p.Content.Sender.Type == SenderMember {
		p.MembershipTag = r.Opaque()
	}
}

// authenticatedContent views the message as AuthenticatedContent.
func (p *PublicMessage) authenticatedContent() *AuthenticatedContent {
	return &AuthenticatedContent{WireFormat: WireFormatPublicMessage, Content: p.Content, Auth: p.Auth}
}

// membershipTagInput encodes AuthenticatedContentTBM {FramedContentTBS content_tbs;
// FramedContentAuthData auth}.
func membershipTagInput(ac *AuthenticatedContent, gc *wire.GroupContext) ([]byte, error) {
	var w codec.Writer
	if err := marshalTBS(&w, ac.WireFormat, &ac.Content, gc); err != nil {
		return nil, err
	}
	ac.Auth.marshal(&w, ac.Content.ContentType)
	return w.Bytes()
}

func checkGroup(c *FramedContent, gc *wire.GroupContext) error {
	if !bytes.Equal(c.GroupID, gc.GroupID) {
		return ErrWrongGroup
	}
	if c.Epoch != gc.Epoch {
		return fmt.Errorf("%w: %d, group is at %d", ErrWrongEpoch, c.Epoch, gc.Epoch)
	}
	return nil
}

// ProtectPublic signs content and frames it as a PublicMessage, adding the membership tag for member
// senders. confirmationTag is required for commits. membershipKey may be nil for non-member senders.
func ProtectPublic(s *ciphersuite.Suite, signer *ciphersuite.SignaturePrivateKey, content *FramedContent, gc *wire.GroupContext, confirmationTag, membershipKey []byte) (*PublicMessage, error) {
	if content.ContentType == ContentApplication {
		return nil, ErrApplicationInPublic
	}
	if err := checkGroup(content, gc); err != nil {
		return nil, err
	}
	ac, err := Sign(s, signer, WireFormatPublicMessage, content, gc, confirmationTag)
	if err != nil {
		return nil, err
	}
	return FramePublic(s, ac, gc, membershipKey)
}

// FramePublic frames an already signed AuthenticatedContent (wire format PublicMessage) as a
// PublicMessage, adding the membership tag for member senders (see EncryptPrivate for why signing
// and framing are separate).
func FramePublic(s *ciphersuite.Suite, ac *AuthenticatedContent, gc *wire.GroupContext, membershipKey []byte) (*PublicMessage, error) {
	content := &ac.Content
	if ac.WireFormat != WireFormatPublicMessage {
		return nil, fmt.Errorf("framing: content signed for wire format %d, not PublicMessage", ac.WireFormat)
	}
	if content.ContentType == ContentApplication {
		return nil, ErrApplicationInPublic
	}
	if content.ContentType == ContentCommit && len(ac.Auth.ConfirmationTag) == 0 {
		return nil, fmt.Errorf("framing: a commit needs a confirmation tag")
	}
	if err := checkGroup(content, gc); err != nil {
		return nil, err
	}
	pm := &PublicMessage{Content: ac.Content, Auth: ac.Auth}
	if content.Sender.Type == SenderMember {
		if len(membershipKey) == 0 {
			return nil, fmt.Errorf("framing: a member's PublicMessage needs the membership key")
		}
		tbm, err := membershipTagInput(ac, gc)
		if err != nil {
			return nil, err
		}
		pm.MembershipTag = s.MAC(membershipKey, tbm)
	}
	return pm, nil
}

// UnprotectPublic checks a PublicMessage against the group context: group ID and epoch, the
// membership tag (member senders) and the signature under the key signerKey returns. It returns the
// authenticated content.
func UnprotectPublic(s *ciphersuite.Suite, pm *PublicMessage, gc *wire.GroupContext, membershipKey []byte, signerKey SignerKeyFunc) (*AuthenticatedContent, error) {
	return UnprotectPublicWith(s, pm, gc, membershipKey, signerKey, nil)
}

// UnprotectPublicWith is UnprotectPublic with the signature checked by verify (nil: the suite).
func UnprotectPublicWith(s *ciphersuite.Suite, pm *PublicMessage, gc *wire.GroupContext, membershipKey []byte, signerKey SignerKeyFunc, verify Verifier) (*AuthenticatedContent, error) {
	if pm.Content.ContentType == ContentApplication {
		return nil, ErrApplicationInPublic
	}
	if err := checkGroup(&pm.Content, gc); err != nil {
		return nil, err
	}
	ac := pm.authenticatedContent()
	if pm.Content.Sender.Type == SenderMember {
		tbm, err := membershipTagInput(ac, gc)
		if err != nil {
			return nil, err
		}
		if !s.VerifyMAC(membershipKey, tbm, pm.MembershipTag) {
			return nil, ErrMembershipTag
		}
	}
	pub, err := signerKey(ac)
	if err != nil {
		return nil, err
	}
	if err := ac.verifySignatureWith(s, pub, gc, verify); err != nil {
		return nil, err
	}
	return ac, nil
}
