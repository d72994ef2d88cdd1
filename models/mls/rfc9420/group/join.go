package group

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"time"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/keyschedule"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/secrettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treekem"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

func joinErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidJoin, fmt.Sprintf(format, args...))
}

// DecodeWelcome extracts the Welcome from an encoded MLSMessage.
func DecodeWelcome(b []byte) (*wire.Welcome, error) {
	msg, err := framing.Decode(b)
	if err != nil {
		return nil, err
	}
	if msg.WireFormat != framing.WireFormatWelcome {
		return nil, joinErr("wire format %d", msg.WireFormat)
	}
	return msg.Welcome, nil
}

// PSKLookup returns the secret of an external PSK.
type PSKLookup func(id *wire.PreSharedKeyID) ([]byte, bool)

// OpenWelcome decrypts the GroupSecrets addressed to kb's KeyPackage and the GroupInfo of w
// (§12.4.3.1), returning them with the PSK secret (§8.4) of the GroupSecrets' PSKs: external PSKs
// and resumption PSKs of usage reinit or branch are looked up with psks (nil: none known);
// resumption PSKs of usage application are not supported.
func OpenWelcome(w *wire.Welcome, kb *KeyPackageBundle, psks PSKLookup) (*wire.GroupSecrets, *wire.GroupInfo, []byte, error) {
	if w.CipherSuite != kb.KeyPackage.CipherSuite {
		return nil, nil, nil, joinErr("cipher suite %v, KeyPackage has %v", w.CipherSuite, kb.KeyPackage.CipherSuite)
	}
	s, err := ciphersuite.Lookup(w.CipherSuite)
	if err != nil {
		return nil, nil, nil, err
	}
	var egs *wire.EncryptedGroupSecrets
	for i := range w.Secrets {
		if hmac.Equal(w.Secrets[i].NewMember, kb.Ref) {
			egs = &w.Secrets[i]
			break
		}
	}
	if egs == nil {
		return nil, nil, nil, ErrNoWelcomeKey
	}
	pt, err := s.DecryptWithLabel(kb.InitKey, LabelWelcome, w.EncryptedGroupInfo, egs.EncryptedGroupSecrets.KEMOutput, egs.EncryptedGroupSecrets.Ciphertext)
	if err != nil {
		return nil, nil, nil, joinErr("group secrets: %v", err)
	}
	var gs wire.GroupSecrets
	if err := codec.Unmarshal(pt, &gs); err != nil {
		return nil, nil, nil, joinErr("group secrets: %v", err)
	}
	if len(gs.JoinerSecret) != s.Nh() {
		return nil, nil, nil, joinErr("joiner secret length %d", len(gs.JoinerSecret))
	}
	if linkingPSKs(gs.PSKs) > 1 {
		return nil, nil, nil, joinErr("more than one reinit or branch PSK")
	}
	external := func(id *wire.PreSharedKeyID) ([]byte, bool) {
		if psks == nil || (id.Type == wire.PSKResumption && id.Usage == wire.UsageApplication) {
			return nil, false // a joiner holds no resumption PSKs of the group
		}
		return psks(id) // external PSKs, and reinit/branch PSKs of the joiner's other groups
	}
	pskSecret, err := pskSecretFor(s, gs.PSKs, external)
	if err != nil {
		return nil, nil, nil, err
	}
	welcomeSecret, err := s.DeriveSecret(s.Extract(gs.JoinerSecret, pskSecret), keyschedule.LabelWelcome)
	if err != nil {
		return nil, nil, nil, err
	}
	key, nonce, err := keyschedule.WelcomeKeyNonce(s, welcomeSecret)
	if err != nil {
		return nil, nil, nil, err
	}
	giBytes, err := s.Open(key, nonce, nil, w.EncryptedGroupInfo)
	if err != nil {
		return nil, nil, nil, joinErr("group info does not decrypt")
	}
	var gi wire.GroupInfo
	if err := codec.Unmarshal(giBytes, &gi); err != nil {
		return nil, nil, nil, joinErr("group info: %v", err)
	}
	return &gs, &gi, pskSecret, nil
}

// ErrUnknownPSK reports a PSK that cannot be resolved.
var ErrUnknownPSK = errors.New("group: unknown or invalid PSK")

// pskSecretFor computes the psk_secret of a list of PSK IDs (all-zero for none), resolving each
// with lookup.
func pskSecretFor(s *ciphersuite.Suite, ids []wire.PreSharedKeyID, lookup PSKLookup) ([]byte, error) {
	if len(ids) == 0 {
		return keyschedule.Zero(s), nil
	}
	psks := make([]keyschedule.PSK, len(ids))
	for i := range ids {
		if len(ids[i].Nonce) != s.Nh() {
			return nil, fmt.Errorf("%w: PSK nonce length %d", ErrUnknownPSK, len(ids[i].Nonce))
		}
		var secret []byte
		ok := false
		if lookup != nil {
			secret, ok = lookup(&ids[i])
		}
		if !ok {
			return nil, fmt.Errorf("%w: type %d id %x group %x epoch %d", ErrUnknownPSK, ids[i].Type, ids[i].PSKID, ids[i].GroupID, ids[i].Epoch)
		}
		psks[i] = keyschedule.PSK{ID: ids[i], Secret: secret}
	}
	return keyschedule.PSKSecret(s, psks)
}

// JoinOptions are the optional inputs of JoinWith.
type JoinOptions struct {
	// Tree is the ratchet_tree data (§12.4.3.3) for a GroupInfo without the ratchet_tree extension.
	Tree []byte
	// PSKs looks up external PSKs named in the GroupSecrets.
	PSKs PSKLookup
}

// Join joins a group from an encoded Welcome MLSMessage addressed to kb's KeyPackage (§12.4.3.1):
// it decrypts the GroupSecrets and GroupInfo, takes the tree from the ratchet_tree extension,
// checks the tree hash, validates the tree (§12.4.3.1, §7.9.2, §7.3), verifies the GroupInfo
// signature, locates its own leaf, derives its path keys from the path secret, runs the key
// schedule and verifies the confirmation tag.
func Join(welcome []byte, kb *KeyPackageBundle, cfg Config) (*Group, error) {
	return JoinWith(welcome, kb, cfg, JoinOptions{})
}

// JoinWith is Join with an out-of-band ratchet tree and external PSKs.
func JoinWith(welcome []byte, kb *KeyPackageBundle, cfg Config, opts JoinOptions) (*Group, error) {
	w, err := DecodeWelcome(welcome)
	if err != nil {
		return nil, err
	}
	gs, gi, pskSecret, err := OpenWelcome(w, kb, opts.PSKs)
	if err != nil {
		return nil, err
	}
	s, err := ciphersuite.Lookup(w.CipherSuite)
	if err != nil {
		return nil, err
	}
	gc := gi.GroupContext
	if gc.Version != wire.MLS10 || gc.CipherSuite != s.ID() {
		return nil, joinErr("version %d / suite %v", gc.Version, gc.CipherSuite)
	}
	if linkingPSKs(gs.PSKs) > 0 && gc.Epoch != 1 {
		return nil, joinErr("a Welcome with a reinit or branch PSK must be for epoch 1, not %d", gc.Epoch)
	}
	treeData, ok := gi.Extensions.Find(wire.ExtRatchetTree)
	var tree *ratchettree.Tree
	if !ok && opts.Tree == nil && cfg.Share != nil {
		// Out of band from the Share: decoded and validated once for all joiners.
		if tree, err = cfg.Share.joinTree(s, &gc, cfg.Credential); err != nil {
			return nil, err
		}
	} else {
		if !ok {
			if opts.Tree == nil {
				return nil, joinErr("no ratchet_tree extension and no tree given")
			}
			treeData = opts.Tree
		}
		if tree, err = ratchettree.Decode(s, treeData); err != nil {
			return nil, joinErr("ratchet_tree: %v", err)
		}
		if !hmac.Equal(tree.TreeHash(), gc.TreeHash) {
			return nil, joinErr("tree hash mismatch")
		}
		if err := tree.Validate(ratchettree.ValidateOptions{GroupID: gc.GroupID,
			LeafCheck: TreeLeafCheck(s, &gc, &tree.View, time.Time{}, cfg.Credential)}); err != nil {
			return nil, joinErr("tree: %v", err)
		}
	}
	signer := tm.LeafIndex(gi.Signer)
	if uint32(signer) >= uint32(tree.LeafCount()) || tree.Leaf(signer) == nil {
		return nil, joinErr("GroupInfo signer %d is not a member", signer)
	}
	tbs, err := gi.TBS()
	if err != nil {
		return nil, err
	}
	verify := s.VerifyWithLabel
	if cfg.Share != nil {
		verify = func(pub []byte, label string, content, sig []byte) error {
			return cfg.Share.verify(s, gc.Epoch, tree.MemberCount()-1, pub, label, content, sig)
		}
	}
	if err := verify(tree.Leaf(signer).SignatureKey, wire.GroupInfoTBSLabel, tbs, gi.Signature); err != nil {
		return nil, joinErr("GroupInfo signature: %v", err)
	}
	x, ok := tree.EncryptionKeyNode(kb.KeyPackage.LeafNode.EncryptionKey)
	if !ok || x%2 != 0 {
		return nil, joinErr("own leaf not in the tree")
	}
	me := tm.LeafIndex(x / 2)
	own := tree.Leaf(me)
	if !hmac.Equal(own.SignatureKey, kb.KeyPackage.LeafNode.SignatureKey) || !hmac.Equal(own.Signature, kb.KeyPackage.LeafNode.Signature) {
		return nil, joinErr("own leaf differs from the KeyPackage's")
	}
	priv, err := treekem.JoinState(tree, me, kb.EncryptionKey, signer, gs.PathSecret)
	if err != nil {
		return nil, joinErr("path secret: %v", err)
	}
	gcb, err := gc.Bytes()
	if err != nil {
		return nil, err
	}
	ep, err := keyschedule.FromJoiner(s, gs.JoinerSecret, pskSecret, gcb)
	if err != nil {
		return nil, err
	}
	ep.Forget()
	if !keyschedule.VerifyConfirmationTag(s, ep.ConfirmationKey, gc.ConfirmedTranscriptHash, gi.ConfirmationTag) {
		return nil, ErrConfirmation
	}
	interim, err := keyschedule.InterimTranscriptHash(s, gc.ConfirmedTranscriptHash, gi.ConfirmationTag)
	if err != nil {
		return nil, err
	}
	st, err := secrettree.New(s, ep.EncryptionSecret, tree.LeafCount(), cfg.SecretTree)
	if err != nil {
		return nil, err
	}
	g := &Group{s: s, cfg: cfg, gc: gc, tree: tree, priv: priv, signer: kb.Signer, ep: ep, interim: interim, tag: gi.ConfirmationTag, st: st}
	g.resumption = []epochPSK{{gc.Epoch, ep.ResumptionPSK}}
	return g, nil
}
