package framing_test

import (
	"bytes"
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/secrettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// A receiver decodes a PrivateMessage without copying it (DecodePrivate) and decrypts it into a
// buffer and an AuthenticatedContent it reuses (UnprotectPrivateInto); it copies what it keeps.
func ExampleUnprotectPrivateInto() {
	s, _ := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	signer, _ := s.GenerateSignatureKey()
	gc := &wire.GroupContext{Version: wire.MLS10, CipherSuite: s.ID(), GroupID: []byte("room"), Epoch: 1}
	encryption, senderData := bytes.Repeat([]byte{1}, s.Nh()), bytes.Repeat([]byte{2}, s.Nh())
	send, _ := secrettree.New(s, encryption, 2, nil)
	recv, _ := secrettree.New(s, encryption, 2, nil)
	signerKey := func(*framing.AuthenticatedContent) ([]byte, error) { return signer.PublicKey(), nil }

	var ac framing.AuthenticatedContent
	buf := make([]byte, 0, 256)
	for _, text := range []string{"hello", "world"} {
		content := &framing.FramedContent{GroupID: gc.GroupID, Epoch: gc.Epoch, ContentType: framing.ContentApplication,
			Sender: framing.Sender{Type: framing.SenderMember, LeafIndex: 1}, ApplicationData: []byte(text)}
		pm, _ := framing.ProtectPrivate(s, signer, content, gc, nil, send, senderData, nil)
		b, _ := (&framing.MLSMessage{Version: wire.MLS10, WireFormat: framing.WireFormatPrivateMessage, PrivateMessage: pm}).Encode()

		var in framing.PrivateMessage
		if ok, err := framing.DecodePrivate(b, &in); !ok || err != nil {
			fmt.Println("not a PrivateMessage", err)
			return
		}
		pt, err := framing.UnprotectPrivateInto(&ac, buf, s, &in, gc, recv, senderData, signerKey, nil, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		buf = pt[:0]
		kept := append([]byte(nil), ac.Content.ApplicationData...)
		fmt.Printf("leaf %d: %s\n", ac.Content.Sender.LeafIndex, kept)
	}
	// Output:
	// leaf 1: hello
	// leaf 1: world
}
