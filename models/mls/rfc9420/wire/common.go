package wire

import (
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
)

// ProtocolVersion is the MLS protocol version.
type ProtocolVersion uint16

// MLS10 is the protocol version of RFC 9420.
const MLS10 ProtocolVersion = 1

// ExtensionType identifies an extension (§17.3).
type ExtensionType uint16

// Extension types registered by RFC 9420.
const (
	ExtApplicationID        ExtensionType = 1
	ExtRatchetTree          ExtensionType = 2
	ExtRequiredCapabilities ExtensionType = 3
	ExtExternalPub          ExtensionType = 4
	ExtExternalSenders      ExtensionType = 5
)

// Extension is {ExtensionType extension_type; opaque extension_data<V>}.
type Extension struct {
	Type ExtensionType
	Data []byte
}

// Extensions is Extension extensions<V>.
type Extensions []Extension

// Find returns the data of the first extension of type typ.
func (e Extensions) Find(typ ExtensionType) ([]byte, bool) {
	for _, x := range e {
		if x.Type == typ {
			return x.Data, true
		}
	}
	return nil, false
}

// MarshalMLS encodes the vector.
func (e Extensions) MarshalMLS(w *codec.Writer) {
	w.Vector(func(w *codec.Writer) {
		for _, x := range e {
			w.Uint16(uint16(x.Type))
			w.Opaque(x.Data)
		}
	})
}

// UnmarshalMLS decodes the vector.
func (e *Extensions) UnmarshalMLS(r *codec.Reader) {
	out := Extensions{}
	r.Vector(func(r *codec.Reader) {
		t := ExtensionType(r.Uint16())
		out = append(out, Extension{Type: t, Data: r.Opaque()})
	})
	*e = out
}

// CredentialType identifies a credential format (§5.3).
type CredentialType uint16

// Credential types registered by RFC 9420.
const (
	CredentialBasic CredentialType = 1
	CredentialX509  CredentialType = 2
)

// Credential is a basic credential (Identity) or an X.509 chain (Certificates, leaf first).
type Credential struct {
	Type         CredentialType
	Identity     []byte
	Certificates [][]byte
}

// MarshalMLS encodes the credential. A credential of unknown type encodes as its type only, which
// no decoder accepts: unknown credential types cannot be carried.
func (c *Credential) MarshalMLS(w *codec.Writer) {
	w.Uint16(uint16(c.Type))
	switch c.Type {
	case CredentialBasic:
		w.Opaque(c.Identity)
	case CredentialX509:
		w.Vector(func(w *codec.Writer) {
			for _, cert := range c.Certificates {
				w.Opaque(cert)
			}
		})
	}
}

// UnmarshalMLS decodes the credential.
func (c *Credential) UnmarshalMLS(r *codec.Reader) {
	*c = Credential{Type: CredentialType(r.Uint16())}
	switch c.Type {
	case CredentialBasic:
		c.Identity = r.Opaque()
	case CredentialX509:
		c.Certificates = [][]byte{}
		r.Vector(func(r *codec.Reader) { c.Certificates = append(c.Certificates, r.Opaque()) })
	default:
		r.Fail(fmt.Errorf("%w: credential type %d", codec.ErrUnknownVariant, c.Type))
	}
}

// Capabilities lists what a client supports (§7.2).
type Capabilities struct {
	Versions     []ProtocolVersion
	CipherSuites []ciphersuite.ID
	Extensions   []ExtensionType
	Proposals    []ProposalType
	Credentials  []CredentialType
}

func writeU16s[T ~uint16](w *codec.Writer, v []T) {
	w.Vector(func(w *codec.Writer) {
		for _, x := range v {
			w.Uint16(uint16(x))
		}
	})
}

func readU16s[T ~uint16](r *codec.Reader) []T {
	out := []T{}
	r.Vector(func(r *codec.Reader) { out = append(out, T(r.Uint16())) })
	return out
}

// MarshalMLS encodes the capabilities.
func (c *Capabilities) MarshalMLS(w *codec.Writer) {
	writeU16s(w, c.Versions)
	writeU16s(w, c.CipherSuites)
	writeU16s(w, c.Extensions)
	writeU16s(w, c.Proposals)
	writeU16s(w, c.Credentials)
}

// UnmarshalMLS decodes the capabilities.
func (c *Capabilities) UnmarshalMLS(r *codec.Reader) {
	c.Versions = readU16s[ProtocolVersion](r)
	c.CipherSuites = readU16s[ciphersuite.ID](r)
	c.Extensions = readU16s[ExtensionType](r)
	c.Proposals = readU16s[ProposalType](r)
	c.Credentials = readU16s[CredentialType](r)
}

// Lifetime is the validity window of a KeyPackage's leaf, in seconds since the Unix epoch.
type Lifetime struct {
	NotBefore, NotAfter uint64
}

// HPKECiphertext is {opaque kem_output<V>; opaque ciphertext<V>}.
type HPKECiphertext struct {
	KEMOutput  []byte
	Ciphertext []byte
}

// MarshalMLS encodes the ciphertext.
func (c *HPKECiphertext) MarshalMLS(w *codec.Writer) {
	w.Opaque(c.KEMOutput)
	w.Opaque(c.Ciphertext)
}

// UnmarshalMLS decodes the ciphertext.
func (c *HPKECiphertext) UnmarshalMLS(r *codec.Reader) {
	c.KEMOutput = r.Opaque()
	c.Ciphertext = r.Opaque()
}

// GroupContext is the shared group state summary of §8.1.
type GroupContext struct {
	Version                 ProtocolVersion
	CipherSuite             ciphersuite.ID
	GroupID                 []byte
	Epoch                   uint64
	TreeHash                []byte
	ConfirmedTranscriptHash []byte
	Extensions              Extensions
}

// MarshalMLS encodes the group context.
func (g *GroupContext) MarshalMLS(w *codec.Writer) {
	w.Uint16(uint16(g.Version))
	w.Uint16(uint16(g.CipherSuite))
	w.Opaque(g.GroupID)
	w.Uint64(g.Epoch)
	w.Opaque(g.TreeHash)
	w.Opaque(g.ConfirmedTranscriptHash)
	g.Extensions.MarshalMLS(w)
}

// UnmarshalMLS decodes the group context.
func (g *GroupContext) UnmarshalMLS(r *codec.Reader) {
	g.Version = ProtocolVersion(r.Uint16())
	g.CipherSuite = ciphersuite.ID(r.Uint16())
	g.GroupID = r.Opaque()
	g.Epoch = r.Uint64()
	g.TreeHash = r.Opaque()
	g.ConfirmedTranscriptHash = r.Opaque()
	g.Extensions.UnmarshalMLS(r)
}

// Bytes returns the encoding of g (GroupContext encodings cannot fail for realistic sizes).
func (g *GroupContext) Bytes() ([]byte, error) { return codec.Marshal(g) }
