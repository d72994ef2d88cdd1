package conformance

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/testvectors"
)

type deserializationVector struct {
	VLBytesHeader hex    `json:"vlbytes_header"`
	Length        uint64 `json:"length"`
}

func TestDeserialization(t *testing.T) {
	const file = "deserialization.json"
	var vs []deserializationVector
	testvectors.Load(t, file, &vs)
	for i, v := range vs {
		record(t, file, 0, fmt.Sprintf("%d/len-%d", i, v.Length), func(t *testing.T) {
			got, n, err := codec.ReadVarint(v.VLBytesHeader)
			if err != nil || got != v.Length || n != len(v.VLBytesHeader) {
				t.Errorf("ReadVarint(%x) = %d, %d, %v; want %d over %d bytes", v.VLBytesHeader, got, n, err, v.Length, len(v.VLBytesHeader))
			}
			enc, err := codec.AppendVarint(nil, v.Length)
			if err != nil || !bytes.Equal(enc, v.VLBytesHeader) {
				t.Errorf("AppendVarint(%d) = %x, %v; want %x", v.Length, enc, err, v.VLBytesHeader)
			}
			// A header followed by fewer body bytes than it announces must not decode as a vector.
			if v.Length > 0 {
				r := codec.NewReader(append(append([]byte{}, v.VLBytesHeader...), make([]byte, min(int(v.Length)-1, 64))...))
				if r.Opaque(); r.Err() == nil {
					t.Errorf("truncated vector body accepted")
				}
			}
		})
	}
	reportFile(t, file)
}
