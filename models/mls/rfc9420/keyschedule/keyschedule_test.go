package keyschedule

import (
	"bytes"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

func suites(t *testing.T) []*ciphersuite.Suite {
	var out []*ciphersuite.Suite
	for _, id := range ciphersuite.Supported() {
		s, err := ciphersuite.Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestScheduleStructure(t *testing.T) {
	for _, s := range suites(t) {
		t.Run(s.String(), func(t *testing.T) {
			gc := []byte("group context")
			init0 := bytes.Repeat([]byte{1}, s.Nh())
			e, err := Next(s, init0, nil, nil, gc)
			if err != nil {
				t.Fatal(err)
			}
			// nil commit/psk secrets are the all-zero secrets.
			e2, _ := Next(s, init0, Zero(s), Zero(s), gc)
			if !bytes.Equal(e.EpochSecret, e2.EpochSecret) {
				t.Fatal("nil and zero secrets differ")
			}
			// The welcome path (FromJoiner) reproduces the committer's schedule.
			joined, err := FromJoiner(s, e.JoinerSecret, nil, gc)
			if err != nil || !bytes.Equal(joined.InitSecret, e.InitSecret) {
				t.Fatalf("FromJoiner differs: %v", err)
			}
			// Every derived secret is distinct and Nh long.
			seen := map[string]string{}
			for name, v := range map[string][]byte{
				"joiner": e.JoinerSecret, "welcome": e.WelcomeSecret, "epoch": e.EpochSecret,
				"sender data": e.SenderDataSecret, "encryption": e.EncryptionSecret, "exporter": e.ExporterSecret,
				"external": e.ExternalSecret, "confirm": e.ConfirmationKey, "membership": e.MembershipKey,
				"resumption": e.ResumptionPSK, "authentication": e.EpochAuthenticator, "init": e.InitSecret,
			} {
				if len(v) != s.Nh() {
					t.Fatalf("%s has %d bytes", name, len(v))
				}
				if other, dup := seen[string(v)]; dup {
					t.Fatalf("%s equals %s", name, other)
				}
				seen[string(v)] = name
			}
			// The group context binds the epoch.
			e3, _ := Next(s, init0, nil, nil, []byte("other context"))
			if bytes.Equal(e3.EpochSecret, e.EpochSecret) {
				t.Fatal("group context not bound")
			}
			key, nonce, err := WelcomeKeyNonce(s, e.WelcomeSecret)
			if err != nil || len(key) != s.Nk() || len(nonce) != s.Nn() {
				t.Fatalf("welcome key/nonce: %d/%d bytes, %v", len(key), len(nonce), err)
			}
			ws := e.WelcomeSecret
			e.Forget()
			if e.EpochSecret != nil || e.JoinerSecret != nil || !bytes.Equal(ws, make([]byte, s.Nh())) {
				t.Fatal("Forget left secrets behind")
			}
		})
	}
}

func TestExporterAndPSK(t *testing.T) {
	s, _ := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	sec := bytes.Repeat([]byte{3}, 32)
	tests := []struct {
		label string
		ctx   []byte
		n     int
	}{{"a", nil, 16}, {"b", nil, 16}, {"a", []byte("c"), 16}, {"a", nil, 64}}
	seen := map[string]bool{}
	for _, tc := range tests {
		out, err := Export(s, sec, tc.label, tc.ctx, tc.n)
		if err != nil || len(out) != tc.n {
			t.Fatalf("Export(%q): %d bytes, %v", tc.label, len(out), err)
		}
		if seen[string(out[:16])] {
			t.Fatalf("Export(%q, %q) collides", tc.label, tc.ctx)
		}
		seen[string(out[:16])] = true
	}
	zero, err := PSKSecret(s, nil)
	if err != nil || !bytes.Equal(zero, Zero(s)) {
		t.Fatalf("no PSKs: %x, %v", zero, err)
	}
	p := PSK{ID: wire.PreSharedKeyID{Type: wire.PSKExternal, PSKID: []byte("id"), Nonce: []byte("n")}, Secret: []byte("k")}
	q := PSK{ID: wire.PreSharedKeyID{Type: wire.PSKExternal, PSKID: []byte("id2"), Nonce: []byte("n")}, Secret: []byte("k")}
	pq, _ := PSKSecret(s, []PSK{p, q})
	qp, _ := PSKSecret(s, []PSK{q, p})
	if bytes.Equal(pq, qp) {
		t.Fatal("PSK order not bound")
	}
}

func TestTranscript(t *testing.T) {
	s, _ := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	c1, _ := ConfirmedTranscriptHash(s, nil, 1, []byte("content"), []byte("sig"))
	c2, _ := ConfirmedTranscriptHash(s, nil, 2, []byte("content"), []byte("sig"))
	if bytes.Equal(c1, c2) {
		t.Fatal("wire format not bound")
	}
	key := []byte("confirmation key")
	tag := ConfirmationTag(s, key, c1)
	if !VerifyConfirmationTag(s, key, c1, tag) || VerifyConfirmationTag(s, key, c2, tag) {
		t.Fatal("confirmation tag check wrong")
	}
	i1, _ := InterimTranscriptHash(s, c1, tag)
	if want := s.Hash(append(append([]byte{}, c1...), append([]byte{byte(len(tag))}, tag...)...)); !bytes.Equal(i1, want) {
		t.Fatal("interim hash is not Hash(confirmed || tag<V>)")
	}
}
