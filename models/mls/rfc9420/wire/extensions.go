package wire

import "github.com/mimisim/mimisim/models/mls/rfc9420/codec"

// ExternalPub is the external_pub GroupInfo extension (§12.4.3.2): the HPKE public key derived from
// the epoch's external_secret, to which an external joiner encapsulates its init secret.
type ExternalPub struct {
	PublicKey []byte
}

// MarshalMLS encodes HPKEPublicKey external_pub.
func (e *ExternalPub) MarshalMLS(w *codec.Writer) { w.Opaque(e.PublicKey) }

// UnmarshalMLS decodes the extension.
func (e *ExternalPub) UnmarshalMLS(r *codec.Reader) { e.PublicKey = r.Opaque() }

// ExternalSender is one entry of the external_senders GroupContext extension (§12.1.8.1): a party
// outside the group (e.g. a MIMI hub) allowed to send proposals, identified by its position in the
// list.
type ExternalSender struct {
	SignatureKey []byte
	Credential   Credential
}

// MarshalMLS encodes {SignaturePublicKey signature_key; Credential credential}.
func (e *ExternalSender) MarshalMLS(w *codec.Writer) {
	w.Opaque(e.SignatureKey)
	e.Credential.MarshalMLS(w)
}

// UnmarshalMLS decodes an ExternalSender.
func (e *ExternalSender) UnmarshalMLS(r *codec.Reader) {
	e.SignatureKey = r.Opaque()
	e.Credential.UnmarshalMLS(r)
}

// ExternalSenders is the external_senders extension: ExternalSender external_senders<V>.
type ExternalSenders []ExternalSender

// MarshalMLS encodes the list.
func (l ExternalSenders) MarshalMLS(w *codec.Writer) {
	w.Vector(func(w *codec.Writer) {
		for i := range l {
			l[i].MarshalMLS(w)
		}
	})
}

// UnmarshalMLS decodes the list.
func (l *ExternalSenders) UnmarshalMLS(r *codec.Reader) {
	out := ExternalSenders{}
	r.Vector(func(r *codec.Reader) {
		var e ExternalSender
		e.UnmarshalMLS(r)
		out = append(out, e)
	})
	*l = out
}
