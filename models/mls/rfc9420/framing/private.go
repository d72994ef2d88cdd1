package framing

import (
	"crypto/rand"
	"fmt"
	"sync"

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
	key, nonce = make([]byte, s.Nk()), make([]byte, s.Nn())
	if err := senderDataKeyNonceTo(s, key, nonce, senderDataSecret, nil, ciphertext); err != nil {
		return nil, nil, err
	}
	return key, nonce, nil
}

// senderDataKeyNonceTo is SenderDataKeyNonce writing the key and nonce into key and nonce (of Nk
// and Nn bytes), from pads, the sender-data secret's HMAC pads (nil: prepared here, from
// senderDataSecret).
func senderDataKeyNonceTo(s *ciphersuite.Suite, key, nonce, senderDataSecret []byte, pads *ciphersuite.KeyPads, ciphertext []byte) error {
	sample := ciphertext
	if len(sample) > s.Nh() {
		sample = sample[:s.Nh()]
	}
	if pads == nil {
		k := s.KeyPads(senderDataSecret)
		defer k.Clear()
		pads = &k
	}
	if err := pads.ExpandWithLabelTo(key, "key", sample); err != nil {
		return err
	}
	return pads.ExpandWithLabelTo(nonce, "nonce", sample)
}

func senderDataAAD(groupID []byte, epoch uint64, ct ContentType) ([]byte, error) {
	var w codec.Writer
	w.Grow(len(groupID) + 16)
	return writeSenderDataAAD(&w, groupID, epoch, ct)
}

// writeSenderDataAAD writes SenderDataAAD to w and returns w's bytes.
func writeSenderDataAAD(w *codec.Writer, groupID []byte, epoch uint64, ct ContentType) ([]byte, error) {
	w.Opaque(groupID)
	w.Uint64(epoch)
	w.Uint8(uint8(ct))
	return w.Bytes()
}

func contentAAD(groupID []byte, epoch uint64, ct ContentType, authenticatedData []byte) ([]byte, error) {
	var w codec.Writer
	w.Grow(len(groupID) + len(authenticatedData) + 24)
	return writeContentAAD(&w, groupID, epoch, ct, authenticatedData)
}

// writeContentAAD writes PrivateContentAAD to w and returns w's bytes.
func writeContentAAD(w *codec.Writer, groupID []byte, epoch uint64, ct ContentType, authenticatedData []byte) ([]byte, error) {
	w.Opaque(groupID)
	w.Uint64(epoch)
	w.Uint8(uint8(ct))
	w.Opaque(authenticatedData)
	return w.Bytes()
}

// openScratch is the working memory of one decryption (UnprotectPrivateCached): the sender-data
// key and nonce, the sender data, the AADs and the reuse-guarded nonce are only read by the
// AEAD, so they live in a pooled scratch instead of a few small allocations per message.
type openScratch struct {
	w     codec.Writer
	key   [32]byte
	nonce [32]byte
	sd    [16]byte
	ckey  [32]byte // the content key and nonce, derived in order (secrettree.HashRatchet.GetTo)
	cnon  [32]byte
}

var openPool = sync.Pool{New: func() any { return new(openScratch) }}

// maxPooledAAD is the largest AAD buffer kept in openPool.
const maxPooledAAD = 4 << 10

func getScratch() *openScratch { return openPool.Get().(*openScratch) }

func putScratch(sc *openScratch) {
	if sc.w.Cap() > maxPooledAAD {
		sc.w = codec.Writer{}
	}
	sc.w.Reset()
	openPool.Put(sc)
}

// part returns n bytes of arr, or new memory when arr is too short.
func part(arr []byte, n int) []byte {
	if n <= len(arr) {
		return arr[:n:n]
	}
	return make([]byte, n)
}

func ratchetFor(ct ContentType) secrettree.RatchetType {
	if ct == ContentApplication {
		return secrettree.Application
	}
	return secrettree.Handshake
}

func applyReuseGuard(nonce []byte, guard [4]byte) []byte {
	return reuseGuardTo(make([]byte, len(nonce)), nonce, guard)
}

// reuseGuardTo writes nonce XOR guard (on its first four bytes) into out (len(nonce) bytes).
func reuseGuardTo(out, nonce []byte, guard [4]byte) []byte {
	copy(out, nonce)
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
	sdKey, sdNonce := make([]byte, s.Nk()), make([]byte, s.Nn())
	if err := senderDataKeyNonceTo(s, sdKey, sdNonce, senderDataSecret, tree.SenderDataPads(senderDataSecret), ciphertext); err != nil {
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
	sc := getScratch()
	defer putScratch(sc)
	sd, err := decryptSenderData(s, pm, senderDataSecret, nil, nil, sc)
	if err != nil {
		return nil, err
	}
	return &sd, nil
}

// decryptSenderData decrypts pm's sender data with the scratch memory sc (its writer left with
// the sender-data AAD), its key and nonce derived from pads (nil: from senderDataSecret).
func decryptSenderData(s *ciphersuite.Suite, pm *PrivateMessage, senderDataSecret []byte, pads *ciphersuite.KeyPads, aeads *ciphersuite.AEADCache, sc *openScratch) (SenderData, error) {
	key, nonce := part(sc.key[:], s.Nk()), part(sc.nonce[:], s.Nn())
	if err := senderDataKeyNonceTo(s, key, nonce, senderDataSecret, pads, pm.Ciphertext); err != nil {
		return SenderData{}, err
	}
	sc.w.Reset()
	aad, err := writeSenderDataAAD(&sc.w, pm.GroupID, pm.Epoch, pm.ContentType)
	if err != nil {
		return SenderData{}, err
	}
	pt, err := s.OpenCachedTo(aeads, sc.sd[:0], key, nonce, aad, pm.EncryptedSenderData)
	if err != nil {
		return SenderData{}, ErrSenderData
	}
	r := codec.NewReader(pt)
	sd := SenderData{LeafIndex: r.Uint32(), Generation: r.Uint32()}
	copy(sd.ReuseGuard[:], r.View(4))
	if err := r.Finish(); err != nil {
		return SenderData{}, fmt.Errorf("%w: %v", ErrSenderData, err)
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
	ac := new(AuthenticatedContent)
	if _, err := unprotectPrivate(ac, nil, true, s, pm, gc, tree, senderDataSecret, signerKey, verify, aeads); err != nil {
		return nil, err
	}
	return ac, nil
}

// UnprotectPrivateInto is UnprotectPrivateCached writing into memory of the caller's: the content
// goes to *ac (left zero on an error), and the plaintext is decrypted into buf's memory when it has
// room (else into new memory), which it returns. ac's byte fields are sub-slices of pm's (so of
// pm's input) and of that plaintext: a caller that reuses either must first copy what it keeps.
// A receiver decrypting many messages can so reuse one AuthenticatedContent and one buffer.
func UnprotectPrivateInto(ac *AuthenticatedContent, buf []byte, s *ciphersuite.Suite, pm *PrivateMessage, gc *wire.GroupContext, tree *secrettree.SecretTree, senderDataSecret []byte, signerKey SignerKeyFunc, verify Verifier, aeads *ciphersuite.AEADCache) ([]byte, error) {
	pt, err := unprotectPrivate(ac, buf, false, s, pm, gc, tree, senderDataSecret, signerKey, verify, aeads)
	if err != nil {
		*ac = AuthenticatedContent{}
		return nil, err
	}
	return pt, nil
}

// unprotectPrivate decrypts and authenticates pm into *ac, the plaintext appended to buf[:0]; with
// own, ac's group id and authenticated data are copies (else sub-slices of pm's).
func unprotectPrivate(ac *AuthenticatedContent, buf []byte, own bool, s *ciphersuite.Suite, pm *PrivateMessage, gc *wire.GroupContext, tree *secrettree.SecretTree, senderDataSecret []byte, signerKey SignerKeyFunc, verify Verifier, aeads *ciphersuite.AEADCache) ([]byte, error) {
	if !pm.ContentType.valid() {
		return nil, fmt.Errorf("framing: invalid content type %d", pm.ContentType)
	}
	hdr := FramedContent{GroupID: pm.GroupID, Epoch: pm.Epoch}
	if err := checkGroup(&hdr, gc); err != nil {
		return nil, err
	}
	sc := getScratch()
	defer putScratch(sc)
	// The tree keeps the pads of the sender-data secret for its epoch: each message derives its
	// sender-data key and nonce from them.
	sd, err := decryptSenderData(s, pm, senderDataSecret, tree.SenderDataPads(senderDataSecret), aeads, sc)
	if err != nil {
		return nil, err
	}
	ratchet, err := tree.Ratchet(treemath.LeafIndex(sd.LeafIndex), ratchetFor(pm.ContentType))
	if err != nil {
		return nil, err
	}
	kn, err := ratchet.GetTo(sd.Generation, part(sc.ckey[:], s.Nk()), part(sc.cnon[:], s.Nn()))
	if err != nil {
		return nil, err
	}
	defer clear(sc.ckey[:])
	sc.w.Reset()
	aad, err := writeContentAAD(&sc.w, pm.GroupID, pm.Epoch, pm.ContentType, pm.AuthenticatedData)
	if err != nil {
		return nil, err
	}
	nonce := reuseGuardTo(part(sc.nonce[:], len(kn.Nonce)), kn.Nonce, sd.ReuseGuard)
	plaintext, err := s.OpenCachedTo(aeads, buf[:0], kn.Key, nonce, aad, pm.Ciphertext)
	if err != nil {
		// The key goes back to the ratchet in memory of its own (kn's is the scratch's).
		ratchet.Restore(secrettree.KeyNonce{Generation: kn.Generation, Key: append([]byte(nil), kn.Key...), Nonce: append([]byte(nil), kn.Nonce...)})
		return nil, ErrContentDecrypt
	}

	*ac = AuthenticatedContent{
		WireFormat: WireFormatPrivateMessage,
		Content: FramedContent{
			GroupID:           pm.GroupID,
			Epoch:             pm.Epoch,
			Sender:            Sender{Type: SenderMember, LeafIndex: sd.LeafIndex},
			AuthenticatedData: pm.AuthenticatedData,
			ContentType:       pm.ContentType,
		},
	}
	if own {
		ac.Content.GroupID = append([]byte(nil), pm.GroupID...)
		ac.Content.AuthenticatedData = append([]byte(nil), pm.AuthenticatedData...)
	}
	// The plaintext is this call's own memory (or the caller's): an application message's data
	// and signature are left in it (sub-slices) rather than copied out.
	var padding []byte
	if pm.ContentType == ContentApplication {
		r := codec.NewReader(plaintext)
		ac.Content.ApplicationData = r.OpaqueView()
		ac.Auth.Signature = r.OpaqueView()
		if err := r.Err(); err != nil {
			return nil, err
		}
		padding = r.View(r.Remaining())
	} else {
		r := codec.NewReader(plaintext)
		ac.Content.unmarshalBody(r)
		ac.Auth.unmarshal(r, pm.ContentType)
		if err := r.Err(); err != nil {
			return nil, err
		}
		padding = r.View(r.Remaining())
	}
	var nonzero byte
	for _, b := range padding {
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
	return plaintext, nil
}
