package group

import (
	"bytes"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
)

// TestSignatureMemo: the memo, looked up by signature, answers only for the byte-identical key,
// label and content it verified; other inputs under the same signature bytes are checked (and
// fail), and the entry is released after its expected users.
func TestSignatureMemo(t *testing.T) {
	s, _ := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	priv, err := s.GenerateSignatureKey()
	if err != nil {
		t.Fatal(err)
	}
	pub, content := priv.PublicKey(), bytes.Repeat([]byte{3}, 200)
	sig, err := s.SignWithLabel(priv, "FramedContentTBS", content)
	if err != nil {
		t.Fatal(err)
	}
	other := bytes.Clone(content)
	other[100] ^= 1
	otherPub := bytes.Clone(pub)
	otherPub[0] ^= 1
	sh := NewShare()
	const users = 3
	steps := []struct {
		name           string
		pub            []byte
		label          string
		content        []byte
		ok             bool
		verified, used uint64
		entries        int
	}{
		{"first: verified", pub, "FramedContentTBS", content, true, 1, 0, 1},
		{"second: from the memo", pub, "FramedContentTBS", content, true, 1, 1, 1},
		{"other content, same signature", pub, "FramedContentTBS", other, false, 1, 1, 1},
		{"other key, same signature", otherPub, "FramedContentTBS", content, false, 1, 1, 1},
		{"other label, same signature", pub, "LeafNodeTBS", content, false, 1, 1, 1},
		{"third: from the memo, released", pub, "FramedContentTBS", content, true, 1, 2, 0},
		{"fourth: verified again", pub, "FramedContentTBS", content, true, 2, 2, 1},
	}
	for _, st := range steps {
		err := sh.verify(s, 1, users, st.pub, st.label, st.content, sig)
		if (err == nil) != st.ok {
			t.Fatalf("%s: err %v", st.name, err)
		}
		got := sh.Stats()
		if sigs, _, _ := sh.Entries(); got.SignaturesVerified != st.verified || got.SignaturesReused != st.used || sigs != st.entries {
			t.Fatalf("%s: verified %d reused %d entries %d, want %d %d %d", st.name, got.SignaturesVerified, got.SignaturesReused, sigs, st.verified, st.used, st.entries)
		}
	}
}
