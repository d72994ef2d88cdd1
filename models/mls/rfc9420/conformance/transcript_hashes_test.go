package conformance

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/testvectors"
	"github.com/mimisim/mimisim/models/mls/rfc9420/keyschedule"
)

type transcriptHashesVector struct {
	CipherSuite                  uint16 `json:"cipher_suite"`
	ConfirmationKey              hex    `json:"confirmation_key"`
	AuthenticatedContent         hex    `json:"authenticated_content"`
	InterimTranscriptHashBefore  hex    `json:"interim_transcript_hash_before"`
	ConfirmedTranscriptHashAfter hex    `json:"confirmed_transcript_hash_after"`
	InterimTranscriptHashAfter   hex    `json:"interim_transcript_hash_after"`
}

func TestTranscriptHashes(t *testing.T) {
	const file = "transcript-hashes.json"
	var vs []transcriptHashesVector
	testvectors.Load(t, file, &vs)
	for i, v := range vs {
		s, ok := suiteFor(t, file, v.CipherSuite)
		if !ok {
			continue
		}
		record(t, file, v.CipherSuite, fmt.Sprintf("%d/suite-%d", i, v.CipherSuite), func(t *testing.T) {
			var ac framing.AuthenticatedContent
			if err := codec.Unmarshal(v.AuthenticatedContent, &ac); err != nil {
				t.Fatalf("decoding AuthenticatedContent: %v", err)
			}
			if re, err := codec.Marshal(&ac); err != nil || !bytes.Equal(re, v.AuthenticatedContent) {
				t.Fatalf("AuthenticatedContent does not re-encode identically (%v)", err)
			}
			if ac.Content.ContentType != framing.ContentCommit {
				t.Fatalf("content type %d, want commit", ac.Content.ContentType)
			}
			if !keyschedule.VerifyConfirmationTag(s, v.ConfirmationKey, v.ConfirmedTranscriptHashAfter, ac.Auth.ConfirmationTag) {
				t.Errorf("confirmation tag does not verify")
			}
			wf, fc, sig, err := ac.ConfirmedTranscriptHashInput()
			if err != nil {
				t.Fatal(err)
			}
			confirmed, err := keyschedule.ConfirmedTranscriptHash(s, v.InterimTranscriptHashBefore, wf, fc, sig)
			if err != nil || !bytes.Equal(confirmed, v.ConfirmedTranscriptHashAfter) {
				t.Errorf("confirmed transcript hash = %x, %v; want %x", confirmed, err, v.ConfirmedTranscriptHashAfter)
			}
			interim, err := keyschedule.InterimTranscriptHash(s, v.ConfirmedTranscriptHashAfter, ac.Auth.ConfirmationTag)
			if err != nil || !bytes.Equal(interim, v.InterimTranscriptHashAfter) {
				t.Errorf("interim transcript hash = %x, %v; want %x", interim, err, v.InterimTranscriptHashAfter)
			}
		})
	}
	reportFile(t, file)
}
