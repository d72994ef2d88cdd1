package group

import (
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// RequiredCapabilities is the body of the required_capabilities group extension (§11.1): the
// extension, proposal and credential types every member must support.
type RequiredCapabilities struct {
	Extensions  []wire.ExtensionType
	Proposals   []wire.ProposalType
	Credentials []wire.CredentialType
}

// MarshalMLS encodes the extension body.
func (rc *RequiredCapabilities) MarshalMLS(w *codec.Writer) {
	w.Vector(func(w *codec.Writer) {
		for _, v := range rc.Extensions {
			w.Uint16(uint16(v))
		}
	})
	w.Vector(func(w *codec.Writer) {
		for _, v := range rc.Proposals {
			w.Uint16(uint16(v))
		}
	})
	w.Vector(func(w *codec.Writer) {
		for _, v := range rc.Credentials {
			w.Uint16(uint16(v))
		}
	})
}

// UnmarshalMLS decodes the extension body.
func (rc *RequiredCapabilities) UnmarshalMLS(r *codec.Reader) {
	rc.Extensions = nil
	rc.Proposals = nil
	rc.Credentials = nil
	r.Vector(func(r *codec.Reader) { rc.Extensions = append(rc.Extensions, wire.ExtensionType(r.Uint16())) })
	r.Vector(func(r *codec.Reader) { rc.Proposals = append(rc.Proposals, wire.ProposalType(r.Uint16())) })
	r.Vector(func(r *codec.Reader) { rc.Credentials = append(rc.Credentials, wire.CredentialType(r.Uint16())) })
}

// isGREASE reports whether v is one of the GREASE values of §13.5 (0x0A0A, 0x1A1A, ..., 0xEAEA).
func isGREASE(v uint16) bool {
	return v&0x0F0F == 0x0A0A && v>>12 == (v>>4)&0xF && v != 0xFAFA
}

// defaultExtension reports whether t is an extension type defined by RFC 9420 itself, which
// clients support without listing it in their capabilities (§7.2).
func defaultExtension(t wire.ExtensionType) bool {
	return t >= wire.ExtApplicationID && t <= wire.ExtExternalSenders
}

// defaultProposal reports whether t is a proposal type defined by RFC 9420 itself (§7.2).
func defaultProposal(t wire.ProposalType) bool {
	return t >= wire.ProposalAdd && t <= wire.ProposalGroupContextExtensions
}

func supportsExtension(c *wire.Capabilities, t wire.ExtensionType) bool {
	if defaultExtension(t) {
		return true
	}
	for _, v := range c.Extensions {
		if v == t {
			return true
		}
	}
	return false
}

func supportsProposal(c *wire.Capabilities, t wire.ProposalType) bool {
	if defaultProposal(t) {
		return true
	}
	for _, v := range c.Proposals {
		if v == t {
			return true
		}
	}
	return false
}

func supportsCredential(c *wire.Capabilities, t wire.CredentialType) bool {
	for _, v := range c.Credentials {
		if v == t {
			return true
		}
	}
	return false
}
