package keyschedule

import (
	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
)

// ConfirmedTranscriptHash computes
//
//	confirmed_transcript_hash_[n] = Hash(interim_transcript_hash_[n-1] ||
//	    ConfirmedTranscriptHashInput{WireFormat wire_format; FramedContent content; opaque signature<V>})
//
// framedContent is the encoded FramedContent of the Commit (§8.2). For the first epoch the
// interim hash is empty.
func ConfirmedTranscriptHash(s *ciphersuite.Suite, interimPrev []byte, wireFormat uint16, framedContent, signature []byte) ([]byte, error) {
	w := codec.NewWriter(len(interimPrev) + 2 + len(framedContent) + 4 + len(signature))
	w.Raw(interimPrev)
	w.Uint16(wireFormat)
	w.Raw(framedContent)
	w.Opaque(signature)
	b, err := w.Bytes()
	if err != nil {
		return nil, err
	}
	return s.Hash(b), nil
}

// InterimTranscriptHash computes interim_transcript_hash_[n] = Hash(confirmed_transcript_hash_[n] ||
// InterimTranscriptHashInput{MAC confirmation_tag}) (§8.2).
func InterimTranscriptHash(s *ciphersuite.Suite, confirmed, confirmationTag []byte) ([]byte, error) {
	w := codec.NewWriter(len(confirmed) + 4 + len(confirmationTag))
	w.Raw(confirmed)
	w.Opaque(confirmationTag)
	b, err := w.Bytes()
	if err != nil {
		return nil, err
	}
	return s.Hash(b), nil
}

// ConfirmationTag is MAC(confirmation_key, confirmed_transcript_hash) (§8.1, §6.1).
func ConfirmationTag(s *ciphersuite.Suite, confirmationKey, confirmedTranscriptHash []byte) []byte {
	return s.MAC(confirmationKey, confirmedTranscriptHash)
}

// VerifyConfirmationTag checks a received confirmation tag in constant time.
func VerifyConfirmationTag(s *ciphersuite.Suite, confirmationKey, confirmedTranscriptHash, tag []byte) bool {
	return s.VerifyMAC(confirmationKey, confirmedTranscriptHash, tag)
}
