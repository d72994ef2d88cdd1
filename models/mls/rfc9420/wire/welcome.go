package wire

import (
	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
)

// GroupInfo describes a group to joiners (§12.4.3).
type GroupInfo struct {
	GroupContext    GroupContext
	Extensions      Extensions
	ConfirmationTag []byte
	Signer          uint32
	Signature       []byte
}

func (g *GroupInfo) marshalTBS(w *codec.Writer) {
	g.GroupContext.MarshalMLS(w)
	g.Extensions.MarshalMLS(w)
	w.Opaque(g.ConfirmationTag)
	w.Uint32(g.Signer)
}

// MarshalMLS encodes the group info.
func (g *GroupInfo) MarshalMLS(w *codec.Writer) {
	g.marshalTBS(w)
	w.Opaque(g.Signature)
}

// UnmarshalMLS decodes the group info.
func (g *GroupInfo) UnmarshalMLS(r *codec.Reader) {
	r.Unmarshal(&g.GroupContext)
	g.Extensions.UnmarshalMLS(r)
	g.ConfirmationTag = r.Opaque()
	g.Signer = r.Uint32()
	g.Signature = r.Opaque()
}

// TBS returns the GroupInfoTBS encoding covered by the signature.
func (g *GroupInfo) TBS() ([]byte, error) {
	var w codec.Writer
	g.marshalTBS(&w)
	return w.Bytes()
}

// GroupInfoTBSLabel is the SignWithLabel label of a GroupInfo signature.
const GroupInfoTBSLabel = "GroupInfoTBS"

// GroupSecrets is the plaintext of an EncryptedGroupSecrets (§12.4.3.1). PathSecret is nil when
// absent.
type GroupSecrets struct {
	JoinerSecret []byte
	PathSecret   []byte
	PSKs         []PreSharedKeyID
}

// MarshalMLS encodes the group secrets.
func (g *GroupSecrets) MarshalMLS(w *codec.Writer) {
	w.Opaque(g.JoinerSecret)
	w.Optional(g.PathSecret != nil, func(w *codec.Writer) { w.Opaque(g.PathSecret) })
	w.Vector(func(w *codec.Writer) {
		for i := range g.PSKs {
			g.PSKs[i].MarshalMLS(w)
		}
	})
}

// UnmarshalMLS decodes the group secrets.
func (g *GroupSecrets) UnmarshalMLS(r *codec.Reader) {
	g.JoinerSecret = r.Opaque()
	g.PathSecret = nil
	if r.Optional() {
		g.PathSecret = r.Opaque()
	}
	g.PSKs = []PreSharedKeyID{}
	r.Vector(func(r *codec.Reader) {
		var p PreSharedKeyID
		p.UnmarshalMLS(r)
		g.PSKs = append(g.PSKs, p)
	})
}

// EncryptedGroupSecrets is one joiner's entry in a Welcome.
type EncryptedGroupSecrets struct {
	NewMember             []byte // KeyPackageRef
	EncryptedGroupSecrets HPKECiphertext
}

// Welcome brings new members into a group (§12.4.3.1).
type Welcome struct {
	CipherSuite        ciphersuite.ID
	Secrets            []EncryptedGroupSecrets
	EncryptedGroupInfo []byte
}

// MarshalMLS encodes the welcome.
func (wl *Welcome) MarshalMLS(w *codec.Writer) {
	w.Uint16(uint16(wl.CipherSuite))
	w.Vector(func(w *codec.Writer) {
		for i := range wl.Secrets {
			w.Opaque(wl.Secrets[i].NewMember)
			wl.Secrets[i].EncryptedGroupSecrets.MarshalMLS(w)
		}
	})
	w.Opaque(wl.EncryptedGroupInfo)
}

// UnmarshalMLS decodes the welcome.
func (wl *Welcome) UnmarshalMLS(r *codec.Reader) {
	wl.CipherSuite = ciphersuite.ID(r.Uint16())
	wl.Secrets = []EncryptedGroupSecrets{}
	r.Vector(func(r *codec.Reader) {
		e := EncryptedGroupSecrets{NewMember: r.Opaque()}
		e.EncryptedGroupSecrets.UnmarshalMLS(r)
		wl.Secrets = append(wl.Secrets, e)
	})
	wl.EncryptedGroupInfo = r.Opaque()
}
