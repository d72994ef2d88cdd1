package framing

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/secrettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// fixture is a two-member group epoch: member 1 sends, keys are deterministic.
type fixture struct {
	s                *ciphersuite.Suite
	gc               *wire.GroupContext
	signer           *ciphersuite.SignaturePrivateKey
	membershipKey    []byte
	senderDataSecret []byte
	encryptionSecret []byte
}

func newFixture(t testing.TB, id ciphersuite.ID) *fixture {
	s, err := ciphersuite.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := s.GenerateSignatureKey()
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{
		s:                s,
		gc:               &wire.GroupContext{Version: wire.MLS10, CipherSuite: id, GroupID: []byte("group"), Epoch: 7, TreeHash: []byte{1}, ConfirmedTranscriptHash: []byte{2}},
		signer:           signer,
		membershipKey:    bytes.Repeat([]byte{3}, s.Nh()),
		senderDataSecret: bytes.Repeat([]byte{4}, s.Nh()),
		encryptionSecret: bytes.Repeat([]byte{5}, s.Nh()),
	}
}

func (f *fixture) tree(t testing.TB) *secrettree.SecretTree {
	tree, err := secrettree.New(f.s, f.encryptionSecret, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func (f *fixture) keyFunc(ac *AuthenticatedContent) ([]byte, error) {
	if ac.Content.Sender.Type != SenderMember || ac.Content.Sender.LeafIndex != 1 {
		return nil, fmt.Errorf("unknown sender %+v", ac.Content.Sender)
	}
	return f.signer.PublicKey(), nil
}

func (f *fixture) content(ct ContentType) *FramedContent {
	c := &FramedContent{GroupID: f.gc.GroupID, Epoch: f.gc.Epoch, Sender: Sender{Type: SenderMember, LeafIndex: 1}, AuthenticatedData: []byte("ad"), ContentType: ct}
	switch ct {
	case ContentApplication:
		c.ApplicationData = []byte("hello")
	case ContentProposal:
		c.Proposal = &wire.Proposal{Type: wire.ProposalRemove, Removed: 0}
	case ContentCommit:
		c.Commit = &wire.Commit{Proposals: []wire.ProposalOrRef{{Type: wire.ProposalOrRefReference, Reference: []byte{9}}}}
	}
	return c
}

func TestRoundTripAllSuites(t *testing.T) {
	for _, id := range ciphersuite.Supported() {
		f := newFixture(t, id)
		for _, ct := range []ContentType{ContentApplication, ContentProposal, ContentCommit} {
			t.Run(fmt.Sprintf("%v/%d", id, ct), func(t *testing.T) {
				tag := []byte("tag")
				c := f.content(ct)
				pm, err := ProtectPrivate(f.s, f.signer, c, f.gc, tag, f.tree(t), f.senderDataSecret, &PrivateOptions{Padding: 7})
				if err != nil {
					t.Fatal(err)
				}
				enc, err := (&MLSMessage{Version: wire.MLS10, WireFormat: WireFormatPrivateMessage, PrivateMessage: pm}).Encode()
				if err != nil {
					t.Fatal(err)
				}
				m, err := Decode(enc)
				if err != nil {
					t.Fatal(err)
				}
				ac, err := UnprotectPrivate(f.s, m.PrivateMessage, f.gc, f.tree(t), f.senderDataSecret, f.keyFunc)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := codec.Marshal(c)
				got, _ := codec.Marshal(&ac.Content)
				if !bytes.Equal(got, want) {
					t.Fatal("content differs after PrivateMessage round trip")
				}
				if ct != ContentApplication {
					pub, err := ProtectPublic(f.s, f.signer, c, f.gc, tag, f.membershipKey)
					if err != nil {
						t.Fatal(err)
					}
					ac, err := UnprotectPublic(f.s, pub, f.gc, f.membershipKey, f.keyFunc)
					if err != nil {
						t.Fatal(err)
					}
					if got, _ := codec.Marshal(&ac.Content); !bytes.Equal(got, want) {
						t.Fatal("content differs after PublicMessage round trip")
					}
				}
			})
		}
	}
}

func TestUnprotectRejects(t *testing.T) {
	f := newFixture(t, ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	other, _ := f.s.GenerateSignatureKey()
	protect := func(t *testing.T, c *FramedContent, signer *ciphersuite.SignaturePrivateKey, opts *PrivateOptions) *PrivateMessage {
		pm, err := ProtectPrivate(f.s, signer, c, f.gc, []byte("tag"), f.tree(t), f.senderDataSecret, opts)
		if err != nil {
			t.Fatal(err)
		}
		return pm
	}
	tests := []struct {
		name   string
		mutate func(t *testing.T) (*PrivateMessage, *wire.GroupContext)
		want   error
	}{
		{"wrong-epoch", func(t *testing.T) (*PrivateMessage, *wire.GroupContext) {
			gc := *f.gc
			gc.Epoch++
			return protect(t, f.content(ContentApplication), f.signer, nil), &gc
		}, ErrWrongEpoch},
		{"wrong-group", func(t *testing.T) (*PrivateMessage, *wire.GroupContext) {
			pm := protect(t, f.content(ContentApplication), f.signer, nil)
			pm.GroupID = []byte("other")
			return pm, f.gc
		}, ErrWrongGroup},
		{"sender-data-tampered", func(t *testing.T) (*PrivateMessage, *wire.GroupContext) {
			pm := protect(t, f.content(ContentApplication), f.signer, nil)
			pm.EncryptedSenderData[0] ^= 1
			return pm, f.gc
		}, ErrSenderData},
		{"ciphertext-tampered", func(t *testing.T) (*PrivateMessage, *wire.GroupContext) {
			pm := protect(t, f.content(ContentApplication), f.signer, nil)
			pm.Ciphertext[len(pm.Ciphertext)-1] ^= 1
			return pm, f.gc
		}, ErrContentDecrypt},
		{"authenticated-data-changed", func(t *testing.T) (*PrivateMessage, *wire.GroupContext) {
			pm := protect(t, f.content(ContentApplication), f.signer, nil)
			pm.AuthenticatedData = []byte("AD")
			return pm, f.gc
		}, ErrContentDecrypt},
		{"content-type-changed", func(t *testing.T) (*PrivateMessage, *wire.GroupContext) {
			pm := protect(t, f.content(ContentApplication), f.signer, nil)
			pm.ContentType = ContentProposal
			return pm, f.gc
		}, ErrSenderData},
		{"wrong-signer", func(t *testing.T) (*PrivateMessage, *wire.GroupContext) {
			return protect(t, f.content(ContentApplication), other, nil), f.gc
		}, ciphersuite.ErrBadSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pm, gc := tc.mutate(t)
			_, err := UnprotectPrivate(f.s, pm, gc, f.tree(t), f.senderDataSecret, f.keyFunc)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestPrivateReplayAndReorder(t *testing.T) {
	f := newFixture(t, ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	send, recv := f.tree(t), f.tree(t)
	var msgs []*PrivateMessage
	for i := 0; i < 3; i++ {
		pm, err := ProtectPrivate(f.s, f.signer, f.content(ContentApplication), f.gc, nil, send, f.senderDataSecret, nil)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, pm)
	}
	for _, i := range []int{2, 0, 1} {
		if _, err := UnprotectPrivate(f.s, msgs[i], f.gc, recv, f.senderDataSecret, f.keyFunc); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if _, err := UnprotectPrivate(f.s, msgs[1], f.gc, recv, f.senderDataSecret, f.keyFunc); !errors.Is(err, secrettree.ErrKeyUnavailable) {
		t.Fatalf("replay: err = %v", err)
	}
}

// TestUnprotectPrivateConcurrent: receivers decrypting on several goroutines at once (as a
// world's prefetch does) each get the message, in memory of their own, while the scratch memory of
// a decryption is reused.
func TestUnprotectPrivateConcurrent(t *testing.T) {
	f := newFixture(t, ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	send := f.tree(t)
	const messages, receivers = 20, 8
	var pms []*PrivateMessage
	for i := range messages {
		c := f.content(ContentApplication)
		c.ApplicationData = []byte(fmt.Sprint("message ", i))
		pm, err := ProtectPrivate(f.s, f.signer, c, f.gc, nil, send, f.senderDataSecret, nil)
		if err != nil {
			t.Fatal(err)
		}
		pms = append(pms, pm)
	}
	got := make([][][]byte, receivers)
	errs := make(chan error, receivers)
	for r := range receivers {
		tree := f.tree(t)
		go func() {
			for _, pm := range pms {
				ac, err := UnprotectPrivate(f.s, pm, f.gc, tree, f.senderDataSecret, f.keyFunc)
				if err != nil {
					errs <- err
					return
				}
				got[r] = append(got[r], ac.Content.ApplicationData)
			}
			errs <- nil
		}()
	}
	for range receivers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for r := range receivers {
		for i, data := range got[r] {
			if want := fmt.Sprint("message ", i); string(data) != want {
				t.Fatalf("receiver %d, message %d: %q", r, i, data)
			}
			if r > 0 && &data[0] == &got[0][i][0] {
				t.Fatalf("receivers 0 and %d share the plaintext of message %d", r, i)
			}
		}
	}
}

// TestUnprotectPrivateInto: the content UnprotectPrivate returns, decrypted into the caller's
// buffer when it has room; on an error the content is zero and a key whose message failed to
// decrypt is given back (the genuine message still decrypts).
func TestUnprotectPrivateInto(t *testing.T) {
	f := newFixture(t, ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	send, ref, recv := f.tree(t), f.tree(t), f.tree(t)
	buf := make([]byte, 0, 256)
	for i := range 3 {
		c := f.content(ContentApplication)
		c.ApplicationData = []byte(fmt.Sprint("message ", i))
		pm, err := ProtectPrivate(f.s, f.signer, c, f.gc, nil, send, f.senderDataSecret, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := UnprotectPrivate(f.s, pm, f.gc, ref, f.senderDataSecret, f.keyFunc)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 { // a corrupted copy first: refused, and the key kept for the genuine one
			bad := *pm
			bad.Ciphertext = append([]byte(nil), pm.Ciphertext...)
			bad.Ciphertext[len(bad.Ciphertext)-1] ^= 1
			ac := AuthenticatedContent{WireFormat: WireFormatPublicMessage}
			if _, err := UnprotectPrivateInto(&ac, buf, f.s, &bad, f.gc, recv, f.senderDataSecret, f.keyFunc, nil, nil); !errors.Is(err, ErrContentDecrypt) || ac.WireFormat != 0 {
				t.Fatalf("corrupted: err %v, content %+v", err, ac)
			}
		}
		var ac AuthenticatedContent
		pt, err := UnprotectPrivateInto(&ac, buf, f.s, pm, f.gc, recv, f.senderDataSecret, f.keyFunc, nil, nil)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if &pt[:1][0] != &buf[:1][0] {
			t.Fatalf("message %d: not decrypted into the buffer", i)
		}
		if !bytes.Equal(ac.Content.ApplicationData, want.Content.ApplicationData) || !bytes.Equal(ac.Auth.Signature, want.Auth.Signature) ||
			!bytes.Equal(ac.Content.AuthenticatedData, want.Content.AuthenticatedData) || !bytes.Equal(ac.Content.GroupID, want.Content.GroupID) ||
			ac.Content.Sender != want.Content.Sender || ac.Content.Epoch != want.Content.Epoch || ac.WireFormat != want.WireFormat {
			t.Fatalf("message %d: %+v, want %+v", i, ac, *want)
		}
	}
}

func TestBadPadding(t *testing.T) {
	// Build a PrivateMessage whose padding has a non-zero byte by encrypting by hand.
	f := newFixture(t, ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	c := f.content(ContentApplication)
	ac, err := Sign(f.s, f.signer, WireFormatPrivateMessage, c, f.gc, nil)
	if err != nil {
		t.Fatal(err)
	}
	var w codec.Writer
	ac.Content.marshalBody(&w)
	ac.Auth.marshal(&w, c.ContentType)
	w.Raw([]byte{0, 0, 1})
	pt, _ := w.Bytes()
	kn, _ := f.tree(t).Next(1, secrettree.Application)
	aad, _ := contentAAD(c.GroupID, c.Epoch, c.ContentType, c.AuthenticatedData)
	ct, _ := f.s.Seal(kn.Key, kn.Nonce, aad, pt)
	var sd codec.Writer
	sd.Uint32(1)
	sd.Uint32(0)
	sd.Raw([]byte{0, 0, 0, 0})
	sdPT, _ := sd.Bytes()
	key, nonce, _ := SenderDataKeyNonce(f.s, f.senderDataSecret, ct)
	sdAAD, _ := senderDataAAD(c.GroupID, c.Epoch, c.ContentType)
	esd, _ := f.s.Seal(key, nonce, sdAAD, sdPT)
	pm := &PrivateMessage{GroupID: c.GroupID, Epoch: c.Epoch, ContentType: c.ContentType, AuthenticatedData: c.AuthenticatedData, EncryptedSenderData: esd, Ciphertext: ct}
	if _, err := UnprotectPrivate(f.s, pm, f.gc, f.tree(t), f.senderDataSecret, f.keyFunc); !errors.Is(err, ErrBadPadding) {
		t.Fatalf("err = %v", err)
	}
}

func TestPublicRejects(t *testing.T) {
	f := newFixture(t, ciphersuite.MLS128DHKEMP256AES128GCMSHA256P256)
	if _, err := ProtectPublic(f.s, f.signer, f.content(ContentApplication), f.gc, nil, f.membershipKey); !errors.Is(err, ErrApplicationInPublic) {
		t.Fatalf("application as PublicMessage: err = %v", err)
	}
	if _, err := ProtectPublic(f.s, f.signer, f.content(ContentCommit), f.gc, nil, f.membershipKey); err == nil {
		t.Fatal("commit without confirmation tag accepted")
	}
	pm, err := ProtectPublic(f.s, f.signer, f.content(ContentProposal), f.gc, nil, f.membershipKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UnprotectPublic(f.s, pm, f.gc, bytes.Repeat([]byte{9}, f.s.Nh()), f.keyFunc); !errors.Is(err, ErrMembershipTag) {
		t.Fatalf("wrong membership key: err = %v", err)
	}
	gc := *f.gc
	gc.TreeHash = []byte{0xff}
	if _, err := UnprotectPublic(f.s, pm, &gc, f.membershipKey, f.keyFunc); err == nil {
		t.Fatal("group context not bound by the membership tag / signature")
	}
	// A new_member_proposal sender has no membership tag and signs without the group context.
	c := f.content(ContentProposal)
	c.Sender = Sender{Type: SenderNewMemberProposal}
	pm, err = ProtectPublic(f.s, f.signer, c, f.gc, nil, nil)
	if err != nil || pm.MembershipTag != nil {
		t.Fatalf("new member proposal: %v, tag %x", err, pm.MembershipTag)
	}
	if _, err := UnprotectPublic(f.s, pm, f.gc, nil, func(*AuthenticatedContent) ([]byte, error) { return f.signer.PublicKey(), nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := ProtectPrivate(f.s, f.signer, c, f.gc, nil, f.tree(t), f.senderDataSecret, nil); !errors.Is(err, ErrSenderNotMember) {
		t.Fatalf("non-member PrivateMessage: err = %v", err)
	}
}

func FuzzDecodeMLSMessage(f *testing.F) {
	fx := newFixture(f, ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	pub, _ := ProtectPublic(fx.s, fx.signer, fx.content(ContentCommit), fx.gc, []byte("tag"), fx.membershipKey)
	priv, _ := ProtectPrivate(fx.s, fx.signer, fx.content(ContentApplication), fx.gc, nil, fx.tree(f), fx.senderDataSecret, nil)
	for _, m := range []*MLSMessage{
		{Version: wire.MLS10, WireFormat: WireFormatPublicMessage, PublicMessage: pub},
		{Version: wire.MLS10, WireFormat: WireFormatPrivateMessage, PrivateMessage: priv},
		{Version: wire.MLS10, WireFormat: WireFormatWelcome, Welcome: &wire.Welcome{CipherSuite: 1}},
	} {
		b, err := m.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		checkDecodePrivate(t, b, m, err)
		if err != nil {
			return
		}
		re, err := m.Encode()
		if err != nil || !bytes.Equal(re, b) {
			t.Fatalf("accepted %x but re-encodes to %x (%v)", b, re, err)
		}
	})
}

// checkDecodePrivate checks DecodePrivate(b) against Decode(b) = (m, err): it takes exactly the
// mls10 PrivateMessages, with Decode's error, the same fields, and no copies.
func checkDecodePrivate(t *testing.T, b []byte, m *MLSMessage, err error) {
	t.Helper()
	var pm PrivateMessage
	ok, perr := DecodePrivate(b, &pm)
	if !ok {
		if err == nil && m.WireFormat == WireFormatPrivateMessage {
			t.Fatalf("DecodePrivate refused the PrivateMessage %x", b)
		}
		return
	}
	if fmt.Sprint(perr) != fmt.Sprint(err) {
		t.Fatalf("DecodePrivate: err %v, Decode: %v", perr, err)
	}
	if err != nil {
		return
	}
	if m.WireFormat != WireFormatPrivateMessage {
		t.Fatalf("DecodePrivate took wire format %d", m.WireFormat)
	}
	want := m.PrivateMessage
	if !bytes.Equal(pm.GroupID, want.GroupID) || pm.Epoch != want.Epoch || pm.ContentType != want.ContentType ||
		!bytes.Equal(pm.AuthenticatedData, want.AuthenticatedData) || !bytes.Equal(pm.EncryptedSenderData, want.EncryptedSenderData) ||
		!bytes.Equal(pm.Ciphertext, want.Ciphertext) {
		t.Fatalf("DecodePrivate: %+v, Decode: %+v", pm, *want)
	}
	if n := len(pm.Ciphertext); n > 0 && (&pm.Ciphertext[n-1] != &b[len(b)-1] || cap(pm.Ciphertext) != n) {
		t.Fatal("DecodePrivate copied the ciphertext (or left capacity beyond it)")
	}
}

// TestDecodePrivate: DecodePrivate agrees with Decode on a PrivateMessage, its truncations and
// corruptions, and leaves other wire formats to Decode.
func TestDecodePrivate(t *testing.T) {
	fx := newFixture(t, ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	priv, err := ProtectPrivate(fx.s, fx.signer, fx.content(ContentApplication), fx.gc, nil, fx.tree(t), fx.senderDataSecret, nil)
	if err != nil {
		t.Fatal(err)
	}
	valid, err := (&MLSMessage{Version: wire.MLS10, WireFormat: WireFormatPrivateMessage, PrivateMessage: priv}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ProtectPublic(fx.s, fx.signer, fx.content(ContentCommit), fx.gc, []byte("tag"), fx.membershipKey)
	if err != nil {
		t.Fatal(err)
	}
	public, err := (&MLSMessage{Version: wire.MLS10, WireFormat: WireFormatPublicMessage, PublicMessage: pub}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	edit := func(i int, v byte) []byte {
		b := append([]byte(nil), valid...)
		b[i] = v
		return b
	}
	ctOffset := 4 + 1 + len(priv.GroupID) + 8 // version, wire format, group_id<V>, epoch
	tests := []struct {
		name   string
		in     []byte
		wantOK bool
	}{
		{"valid", valid, true},
		{"truncated", valid[:len(valid)-1], true},
		{"trailing", append(append([]byte(nil), valid...), 0), true},
		{"bad-content-type", edit(ctOffset, 9), true},
		{"version", edit(1, 2), false},
		{"header-only", valid[:3], false},
		{"public", public, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var pm PrivateMessage
			ok, _ := DecodePrivate(tc.in, &pm)
			if ok != tc.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tc.wantOK)
			}
			m, err := Decode(tc.in)
			checkDecodePrivate(t, tc.in, m, err)
		})
	}
}

func FuzzUnprotectPrivate(f *testing.F) {
	fx := newFixture(f, ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	priv, _ := ProtectPrivate(fx.s, fx.signer, fx.content(ContentProposal), fx.gc, nil, fx.tree(f), fx.senderDataSecret, nil)
	b, _ := codec.Marshal(priv)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		var pm PrivateMessage
		if err := codec.Unmarshal(b, &pm); err != nil {
			return
		}
		_, _ = UnprotectPrivate(fx.s, &pm, fx.gc, fx.tree(t), fx.senderDataSecret, fx.keyFunc)
	})
}

func BenchmarkPrivateApplication(b *testing.B) {
	for _, id := range []ciphersuite.ID{ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519, ciphersuite.MLS128DHKEMP256AES128GCMSHA256P256} {
		f := newFixture(b, id)
		b.Run(fmt.Sprintf("Protect/suite-%d", id), func(b *testing.B) {
			tree, _ := secrettree.New(f.s, f.encryptionSecret, 2, &secrettree.Config{MaxForwardDistance: 1 << 30})
			c := f.content(ContentApplication)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ProtectPrivate(f.s, f.signer, c, f.gc, nil, tree, f.senderDataSecret, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("Unprotect/suite-%d", id), func(b *testing.B) {
			send := f.tree(b)
			pm, _ := ProtectPrivate(f.s, f.signer, f.content(ContentApplication), f.gc, nil, send, f.senderDataSecret, nil)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := UnprotectPrivate(f.s, pm, f.gc, f.tree(b), f.senderDataSecret, f.keyFunc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSenderDataSecretPerCall: the tree keeps the pads of the sender-data secret it was last
// given, yet each call's secret is the one used: a wrong secret fails on a tree that holds the
// right one's pads, and the right one works again after it; DecryptSenderData (no tree) agrees.
func TestSenderDataSecretPerCall(t *testing.T) {
	for _, id := range []ciphersuite.ID{ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519, ciphersuite.MLS256DHKEMP384AES256GCMSHA384P384} {
		f := newFixture(t, id)
		send, recv := f.tree(t), f.tree(t)
		wrong := bytes.Repeat([]byte{0x77}, f.s.Nh())
		var msgs []*PrivateMessage
		for range 3 {
			pm, err := ProtectPrivate(f.s, f.signer, f.content(ContentApplication), f.gc, nil, send, f.senderDataSecret, nil)
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, pm)
		}
		if sd, err := DecryptSenderData(f.s, msgs[2], f.senderDataSecret); err != nil || sd.LeafIndex != 1 || sd.Generation != 2 {
			t.Fatalf("%v: DecryptSenderData: %+v, %v", id, sd, err)
		}
		if _, err := UnprotectPrivate(f.s, msgs[0], f.gc, recv, f.senderDataSecret, f.keyFunc); err != nil {
			t.Fatalf("%v: %v", id, err)
		}
		if _, err := UnprotectPrivate(f.s, msgs[1], f.gc, recv, wrong, f.keyFunc); !errors.Is(err, ErrSenderData) {
			t.Fatalf("%v: wrong secret: err = %v, want ErrSenderData", id, err)
		}
		for _, pm := range msgs[1:] {
			if _, err := UnprotectPrivate(f.s, pm, f.gc, recv, f.senderDataSecret, f.keyFunc); err != nil {
				t.Fatalf("%v: after the wrong secret: %v", id, err)
			}
		}
	}
}
