package framing

import (
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// MLSMessage is the top-level envelope of every MLS message (§6). Exactly the field selected by
// WireFormat is set.
type MLSMessage struct {
	Version        wire.ProtocolVersion
	WireFormat     WireFormat
	PublicMessage  *PublicMessage
	PrivateMessage *PrivateMessage
	Welcome        *wire.Welcome
	GroupInfo      *wire.GroupInfo
	KeyPackage     *wire.KeyPackage
}

// MarshalMLS encodes the message. A nil body for the selected wire format is omitted (yielding an
// undecodable message); Encode reports that case as an error instead.
func (m *MLSMessage) MarshalMLS(w *codec.Writer) {
	w.Uint16(uint16(m.Version))
	w.Uint16(uint16(m.WireFormat))
	if body := m.body(); body != nil {
		body.MarshalMLS(w)
	}
}

// body returns the selected body, or nil when it is absent.
func (m *MLSMessage) body() codec.Marshaler {
	switch m.WireFormat {
	case WireFormatPublicMessage:
		if m.PublicMessage != nil {
			return m.PublicMessage
		}
	case WireFormatPrivateMessage:
		if m.PrivateMessage != nil {
			return m.PrivateMessage
		}
	case WireFormatWelcome:
		if m.Welcome != nil {
			return m.Welcome
		}
	case WireFormatGroupInfo:
		if m.GroupInfo != nil {
			return m.GroupInfo
		}
	case WireFormatKeyPackage:
		if m.KeyPackage != nil {
			return m.KeyPackage
		}
	}
	return nil
}

// UnmarshalMLS decodes the message. Versions other than mls10 are rejected, since the rest of the
// message cannot be interpreted.
func (m *MLSMessage) UnmarshalMLS(r *codec.Reader) {
	*m = MLSMessage{Version: wire.ProtocolVersion(r.Uint16()), WireFormat: WireFormat(r.Uint16())}
	if r.Err() == nil && m.Version != wire.MLS10 {
		r.Fail(fmt.Errorf("%w: protocol version %d", codec.ErrUnknownVariant, m.Version))
		return
	}
	switch m.WireFormat {
	case WireFormatPublicMessage:
		m.PublicMessage = &PublicMessage{}
		r.Unmarshal(m.PublicMessage)
	case WireFormatPrivateMessage:
		m.PrivateMessage = &PrivateMessage{}
		r.Unmarshal(m.PrivateMessage)
	case WireFormatWelcome:
		m.Welcome = &wire.Welcome{}
		r.Unmarshal(m.Welcome)
	case WireFormatGroupInfo:
		m.GroupInfo = &wire.GroupInfo{}
		r.Unmarshal(m.GroupInfo)
	case WireFormatKeyPackage:
		m.KeyPackage = &wire.KeyPackage{}
		r.Unmarshal(m.KeyPackage)
	default:
		r.Fail(fmt.Errorf("%w: wire format %d", codec.ErrUnknownVariant, m.WireFormat))
	}
}

// Encode returns the encoding of m; a nil body for the selected wire format is an error.
func (m *MLSMessage) Encode() ([]byte, error) {
	if m.body() == nil {
		return nil, fmt.Errorf("framing: MLSMessage with wire format %d has no body", m.WireFormat)
	}
	return codec.Marshal(m)
}

// Decode parses an encoded MLSMessage, requiring that all input is consumed.
func Decode(b []byte) (*MLSMessage, error) {
	var m MLSMessage
	if err := codec.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// DecodePrivate decodes b into pm when b is an MLSMessage holding a PrivateMessage, without
// copying: pm's byte fields are sub-slices of b, so b must not be modified while pm is in use
// (UnprotectPrivate only reads them, and copies what its result keeps). ok is false, and pm
// untouched, when b does not start as an mls10 PrivateMessage: Decode then says what it is. When ok,
// err is the error Decode returns for b.
func DecodePrivate(b []byte, pm *PrivateMessage) (ok bool, err error) {
	r := codec.NewReader(b)
	v, wf := wire.ProtocolVersion(r.Uint16()), WireFormat(r.Uint16())
	if r.Err() != nil || v != wire.MLS10 || wf != WireFormatPrivateMessage {
		return false, nil
	}
	pm.unmarshal(r, true)
	return true, r.Finish()
}
