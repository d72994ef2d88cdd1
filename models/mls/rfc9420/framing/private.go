package framing

import (
	"crypto/rand"
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/secrettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// PrivateMessage is an encrypted and signed message (§6.3).
type PrivateMessage struct {
	GroupID             []byte
	Epoch               uint64
	ContentType         ContentType
	AuthenticatedData   []byte
	EncryptedSenderData []byte
	Ciphertext          []byte
}

// MarshalMLS encodes the message.
func (p *PrivateMessage) MarshalMLS(w *codec.Writer) {
	w.Opaque(p.GroupID)
	w.Uint64(p.Epoch)
	w.Uint8(uint8(p.ContentType))
	w.Opaque(p.AuthenticatedData)
	w.Opaque(p.EncryptedSenderData)
	w.Opaque(p.Ciphertext)
}

// UnmarshalMLS decodes the message.
func (p *PrivateMessage) UnmarshalMLS(r *codec.Reader) { p.unmarshal(r, false) }

// unmarshal decodes the message; with view, its byte fields are sub-slices of the input.
func (p *PrivateMessage) unmarshal(r *codec.Reader, view bool) {
	p.GroupID = opaque(r, view)
	p.Epoch = r.Uint64()
	p.ContentType = ContentType(r.Uint8())
	if !p.ContentType.valid() {
		r.Fail(fmt.Errorf("%w: content type %d", codec.ErrUnknownVariant, p.ContentType))
	}
	p.AuthenticatedData = opaque(r, view)
	p.EncryptedSenderData = opaque(r, view)
	p.Ciphertext = opaque(r, view)
}

// opaque reads opaque data<V>: a sub-slice of the input with view, else a copy.
func opaque(r *codec.Reader, view bool) []byte {
	if view {
		return r.OpaqueView()
	}
	return r.Opaque()
}

// SenderData is the encrypted header of a PrivateMessage.
type SenderData struct {
	LeafIndex  uint32
	Generation uint32
	ReuseGuard [4]byte
}

// SenderDataKeyNonce derives the sender-data AEAD key and nonce from the first Nh bytes of the
// content ciphertext (all of it when shorter) (§6.3.2).
func SenderDataKeyNonce(s *ciphersuite.Suite, senderDataSecret, ciphertext []byte) (key, nonce []byte, err error) {
	sample := ciphertext
	if len(sample) > s.Nh() {
		sample = sample[:s.Nh()]
	}
	if key, err = s.ExpandWithLabel(senderDataSecret, "key", sample, s.Nk()); err != nil {
		return nil, nil, err
	}
	if nonce, err = s.ExpandWithLabel(senderDataSecret, "nonce", sample, s.Nn()); err != nil {
		return nil, nil, err
	}
	return key, nonce, nil
}

func senderDataAAD(groupID []byte, epoch uint64, ct ContentType) ([]byte, error) {
	var w codec.Writer
	w.Grow(len(groupID) + 16)
	w.Opaque(groupID)
	w.Uint64(epoch)
	w.Uint8(uint8(ct))
	return w.Bytes()
}

func contentAAD(groupID []byte, epoch uint64, ct ContentType, authenticatedData []byte) ([]byte, error) {
	var w codec.Writer
	w.Grow(len(groupID) + len(authenticatedData) + 24)
	w.Opaque(groupID)
	w.Uint64(epoch)
	w.Uint8(uint8(ct))
	w.Opaque(authenticatedData)
	return w.Bytes()
}

func ratchetFor(ct ContentType) secrettree.RatchetType {
	if ct == ContentApplication {
		return secrettree.Application
	}
	return secrettree.Handshake
}

func applyReuseGuard(nonce []byte, guard [4]byte) []byte {
	out := append([]byte(nil), nonce...)
	for i := range guard {
		out[i] ^= guard[i]
	}
	return out
}

// PrivateOptions tunes PrivateMessage protection.
type PrivateOptions struct {
	// Padding is the number of zero bytes appended to the content before encryption.
	Padding int
	// ReuseGuard, when non-nil, replaces the random reuse guard (tests only).
	ReuseGuard *[4]byte
}

// ProtectPrivate signs content (whose sender must be a member) and encrypts it with the next key of
// the sender's ratchet in tree. confirmationTag is required for commits. opts may be nil.
func ProtectPrivate(s *ciphersuite.Suite, signer *ciphersuite.SignaturePrivateKey, content *FramedContent, gc *wire.GroupContext, confirmationTag []byte, tree *secrettree.SecretTree, senderDataSecret []byte, opts *PrivateOptions) (*PrivateMessage, error) {
	if content.Sender.Type != SenderMember {
		return nil, ErrSenderNotMember
	}
	if err := checkGroup(content, gc); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &PrivateOptions{}
	}
	if opts.Padding < 0 {
		return nil, fmt.Errorf("framing: negative padding")
	}
	ac, err := Sign(s, signer, WireFormatPrivateMessage, content, gc, confirmationTag)
	if err != nil {
		return nil, err
	}
	return EncryptPrivate(s, ac, tree, senderDataSecret, opts)
}

// EncryptPrivate frames an already signed AuthenticatedContent (wire format PrivateMessage, member
// sender) as a PrivateMessage, encrypting it with the next key of the sender's ratchet in tree. It
// lets a committer sign first, derive the confirmation tag from the signature (§8.2) and then
// protect the same signature. opts may be nil.
func EncryptPrivate(s *ciphersuite.Suite, ac *AuthenticatedContent, tree *secrettree.SecretTree, senderDataSecret []byte, opts *PrivateOptions) (*PrivateMessage, error) {
	content := &ac.Content
	if ac.WireFormat != WireFormatPrivateMessage {
		return nil, fmt.Errorf("framing: content signed for wire format %d, not PrivateMessage", ac.WireFormat)
	}
	if content.Sender.Type != SenderMember {
		return nil, ErrSenderNotMember
	}
	if content.ContentType == ContentCommit && len(ac.Auth.ConfirmationTag) == 0 {
		return nil, fmt.Errorf("framing: a commit needs a confirmation tag")
	}
	if opts == nil {
		opts = &PrivateOptions{}
	}
	if opts.Padding < 0 {
		return nil, fmt.Errorf("framing: negative padding")
	}

	// PrivateMessageContent: body, auth, zero padding.
	var w codec.Writer
	ac.Content.marshalBody(&w)
	ac.Auth.marshal(&w, content.ContentType)
	w.Raw(make([]byte, opts.Padding))
	plaintext, err := w.Bytes()
	if err != nil {
		return nil, err
	}

	kn, err := tree.Next(treemath.LeafIndex(content.Sender.LeafIndex), ratchetFor(content.ContentType))
	if err != nil {
		return nil, err
	}
	var guard [4]byte
	if opts.ReuseGuard != nil {
		guard = *opts.ReuseGuard
	} else if _, err := rand.Read(guard[:]); err != nil {
		return nil, err
	}
	aad, err := contentAAD(content.GroupID, content.Epoch, content.ContentType, content.AuthenticatedData)
	if err != nil {
		return nil, err
	}
	ciphertext, err := s.Seal(kn.Key, applyReuseGuard(kn.Nonce, guard), aad, plaintext)
	clear(kn.Key)
	if err != nil {
		return nil, err
	}

	var sd codec.Writer
	sd.Uint32(content.Sender.LeafIndex)
	sd.Uint32(kn.Generation)
	sd.Raw(guard[:])
	sdKey, sdNonce, err := SenderDataKeyNonce(s, senderDataSecret, ciphertext)
	if err != nil {
		return nil, err
	}
	sdAAD, err := senderDataAAD(content.GroupID, content.Epoch, content.ContentType)
	if err != nil {
		return nil, err
	}
	sdPlain, _ := sd.Bytes()
	encSD, err := s.Seal(sdKey, sdNonce, sdAAD, sdPlain)
	if err != nil {
		return nil, err
	}
	return &PrivateMessage{
		GroupID:             append([]byte(nil), content.GroupID...),
		Epoch:               content.Epoch,
		ContentType:         content.ContentType,
		AuthenticatedData:   append([]byte(nil), content.AuthenticatedData...),
		EncryptedSenderData: encSD,
		Ciphertext:          ciphertext,
	}, nil
}

// DecryptSenderData recovers the sender data of pm.
func DecryptSenderData(s *ciphersuite.Suite, pm *PrivateMessage, senderDataSecret []byte) (*SenderData, error) {
	return decryptSenderData(s, pm, senderDataSecret, nil)
}

func decryptSenderData(s *ciphersuite.Suite, pm *PrivateMessage, senderDataSecret []byte, aeads *ciphersuite.AEADCache) (*SenderData, error) {
	key, nonce, err := SenderDataKeyNonce(s, senderDataSecret, pm.Ciphertext)
	if err != nil {
		return nil, err
	}
	aad, err := senderDataAAD(pm.GroupID, pm.Epoch, pm.ContentType)
	if err != nil {
		return nil, err
	}
	pt, err := s.OpenCached(aeads, key, nonce, aad, pm.EncryptedSenderData)
	if err != nil {
		return nil, ErrSenderData
	}
	r := codec.NewReader(pt)
	sd := &SenderData{LeafIndex: r.Uint32(), Generation: r.Uint32()}
	copy(sd.ReuseGuard[:], r.Fixed(4))
	if err := r.Finish(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSenderData, err)
	}
	return sd, nil
}

// UnprotectPrivate decrypts pm with the epoch's secret tree and sender data secret, checks the
// padding and the signature (under the key signerKey returns), and returns the authenticated
// content. A key whose message fails to decrypt is given back to the ratchet.
func UnprotectPrivate(s *ciphersuite.Suite, pm *PrivateMessage, gc *wire.GroupContext, tree *secrettree.SecretTree, senderDataSecret []byte, signerKey SignerKeyFunc) (*AuthenticatedContent, error) {
	return UnprotectPrivateWith(s, pm, gc, tree, senderDataSecret, signerKey, nil)
}

// UnprotectPrivateWith is UnprotectPrivate with the signature checked by verify (nil: the suite).
func UnprotectPrivateWith(s *ciphersuite.Suite, pm *PrivateMessage, gc *wire.GroupContext, tree *secrettree.SecretTree, senderDataSecret []byte, signerKey SignerKeyFunc, verify Verifier) (*AuthenticatedContent, error) {
	return UnprotectPrivateCached(s, pm, gc, tree, senderDataSecret, signerKey, verify, nil)
}

// UnprotectPrivateCached is UnprotectPrivateWith with the keyed AEADs of the sender-data and
// content keys taken from aeads (nil: built per call). Holders of one epoch derive the same keys
// for a message; the cache builds each key schedule once (see ciphersuite.AEADCache).
func UnprotectPrivateCached(s *ciphersuite.Suite, pm *PrivateMessage, gc *wire.GroupContext, tree *secrettree.SecretTree, senderDataSecret []byte, signerKey SignerKeyFunc, verify Verifier, aeads *ciphersuite.AEADCache) (*AuthenticatedContent, error) {
	if !pm.ContentType.valid() {
		return nil, fmt.Errorf("framing: invalid content type %d", pm.ContentType)
	}
	hdr := FramedContent{GroupID: pm.GroupID, Epoch: pm.Epoch}
	if err := checkGroup(&hdr, gc); err != nil {
		return nil, err
	}
	sd, err := decryptSenderData(s, pm, senderDataSecret, aeads)
	if err != nil {
		return nil, err
	}
	ratchet, err := tree.Ratchet(treemath.LeafIndex(sd.LeafIndex), ratchetFor(pm.ContentType))
	if err != nil {
		return nil, err
	}
	kn, err := ratchet.Get(sd.Generation)
	if err != nil {
		return nil, err
	}
	aad, err := contentAAD(pm.GroupID, pm.Epoch, pm.ContentType, pm.AuthenticatedData)
	if err != nil {
		return nil, err
	}
	plaintext, err := s.OpenCached(aeads, kn.Key, applyReuseGuard(kn.Nonce, sd.ReuseGuard), aad, pm.Ciphertext)
	if err != nil {
		ratchet.Restore(kn)
		return nil, ErrContentDecrypt
	}
	clear(kn.Key)

	ac := &AuthenticatedContent{
		WireFormat: WireFormatPrivateMessage,
		Content: FramedContent{
			GroupID:           append([]byte(nil), pm.GroupID...),
			Epoch:             pm.Epoch,
			Sender:            Sender{Type: SenderMember, LeafIndex: sd.LeafIndex},
			AuthenticatedData: append([]byte(nil), pm.AuthenticatedData...),
			ContentType:       pm.ContentType,
		},
	}
	r := codec.NewReader(plaintext)
	ac.Content.unmarshalBody(r)
	ac.Auth.unmarshal(r, pm.ContentType)
	if err := r.Err(); err != nil {
		return nil, err
	}
	var nonzero byte
	for _, b := range r.Rest() {
		nonzero |= b
	}
	if nonzero != 0 {
		return nil, ErrBadPadding
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
