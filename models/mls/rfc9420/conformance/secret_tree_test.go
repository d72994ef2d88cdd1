package conformance

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/testvectors"
	"github.com/mimisim/mimisim/models/mls/rfc9420/secrettree"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
)

type secretTreeVector struct {
	CipherSuite      uint16 `json:"cipher_suite"`
	EncryptionSecret hex    `json:"encryption_secret"`
	SenderData       struct {
		SenderDataSecret hex `json:"sender_data_secret"`
		Ciphertext       hex `json:"ciphertext"`
		Key              hex `json:"key"`
		Nonce            hex `json:"nonce"`
	} `json:"sender_data"`
	Leaves [][]struct {
		Generation       uint32 `json:"generation"`
		ApplicationKey   hex    `json:"application_key"`
		ApplicationNonce hex    `json:"application_nonce"`
		HandshakeKey     hex    `json:"handshake_key"`
		HandshakeNonce   hex    `json:"handshake_nonce"`
	} `json:"leaves"`
}

func TestSecretTree(t *testing.T) {
	const file = "secret-tree.json"
	var vs []secretTreeVector
	testvectors.Load(t, file, &vs)
	for i, v := range vs {
		s, ok := suiteFor(t, file, v.CipherSuite)
		if !ok {
			continue
		}
		record(t, file, v.CipherSuite, fmt.Sprintf("%d/suite-%d/leaves-%d", i, v.CipherSuite, len(v.Leaves)), func(t *testing.T) {
			sd := v.SenderData
			key, nonce, err := framing.SenderDataKeyNonce(s, sd.SenderDataSecret, sd.Ciphertext)
			if err != nil || !bytes.Equal(key, sd.Key) || !bytes.Equal(nonce, sd.Nonce) {
				t.Errorf("sender data key/nonce = %x/%x, %v; want %x/%x", key, nonce, err, sd.Key, sd.Nonce)
			}
			tree, err := secrettree.New(s, v.EncryptionSecret, treemath.LeafCount(len(v.Leaves)), nil)
			if err != nil {
				t.Fatal(err)
			}
			for leaf, gens := range v.Leaves {
				for _, g := range gens {
					hs, err := tree.Get(treemath.LeafIndex(leaf), secrettree.Handshake, g.Generation)
					if err != nil || !bytes.Equal(hs.Key, g.HandshakeKey) || !bytes.Equal(hs.Nonce, g.HandshakeNonce) {
						t.Errorf("leaf %d gen %d handshake = %x/%x, %v; want %x/%x", leaf, g.Generation, hs.Key, hs.Nonce, err, g.HandshakeKey, g.HandshakeNonce)
					}
					app, err := tree.Get(treemath.LeafIndex(leaf), secrettree.Application, g.Generation)
					if err != nil || !bytes.Equal(app.Key, g.ApplicationKey) || !bytes.Equal(app.Nonce, g.ApplicationNonce) {
						t.Errorf("leaf %d gen %d application = %x/%x, %v; want %x/%x", leaf, g.Generation, app.Key, app.Nonce, err, g.ApplicationKey, g.ApplicationNonce)
					}
				}
			}
		})
	}
	reportFile(t, file)
}
