package group

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
)

// TestSigKey: the memo key is SHA-256 of the suite id and the four length-prefixed inputs,
// whether it is hashed from the stack buffer (usual sizes) or streamed (large content).
func TestSigKey(t *testing.T) {
	s, _ := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	pub, sig := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 64)
	for _, n := range []int{0, 200, 900, 5000} {
		content := bytes.Repeat([]byte{3}, n)
		ref := []byte{0, 1}
		for _, p := range [][]byte{pub, []byte("FramedContentTBS"), content, sig} {
			ref = binary.BigEndian.AppendUint32(ref, uint32(len(p)))
			ref = append(ref, p...)
		}
		if got, want := sigKey(s, pub, "FramedContentTBS", content, sig), sha256.Sum256(ref); got != want {
			t.Fatalf("content of %d bytes: key %x, want %x", n, got, want)
		}
	}
}
