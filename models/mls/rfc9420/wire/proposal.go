package wire

import (
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
)

// PSKType says where a pre-shared key comes from (§8.4).
type PSKType uint8

// PSK types.
const (
	PSKExternal   PSKType = 1
	PSKResumption PSKType = 2
)

// ResumptionPSKUsage is the purpose of a resumption PSK.
type ResumptionPSKUsage uint8

// Resumption PSK usages.
const (
	UsageApplication ResumptionPSKUsage = 1
	UsageReInit      ResumptionPSKUsage = 2
	UsageBranch      ResumptionPSKUsage = 3
)

// PreSharedKeyID names a PSK (§8.4): PSKID for external PSKs; Usage, GroupID and Epoch for
// resumption PSKs; a fresh Nonce in both cases.
type PreSharedKeyID struct {
	Type    PSKType
	PSKID   []byte
	Usage   ResumptionPSKUsage
	GroupID []byte
	Epoch   uint64
	Nonce   []byte
}

// MarshalMLS encodes the PSK ID.
func (p *PreSharedKeyID) MarshalMLS(w *codec.Writer) {
	w.Uint8(uint8(p.Type))
	switch p.Type {
	case PSKExternal:
		w.Opaque(p.PSKID)
	case PSKResumption:
		w.Uint8(uint8(p.Usage))
		w.Opaque(p.GroupID)
		w.Uint64(p.Epoch)
	}
	w.Opaque(p.Nonce)
}

// UnmarshalMLS decodes the PSK ID.
func (p *PreSharedKeyID) UnmarshalMLS(r *codec.Reader) {
	*p = PreSharedKeyID{Type: PSKType(r.Uint8())}
	switch p.Type {
	case PSKExternal:
		p.PSKID = r.Opaque()
	case PSKResumption:
		p.Usage = ResumptionPSKUsage(r.Uint8())
		p.GroupID = r.Opaque()
		p.Epoch = r.Uint64()
	default:
		r.Fail(fmt.Errorf("%w: psk type %d", codec.ErrUnknownVariant, p.Type))
	}
	p.Nonce = r.Opaque()
}

// ProposalType identifies a proposal (§17.4).
type ProposalType uint16

// Proposal types registered by RFC 9420.
const (
	ProposalAdd                    ProposalType = 1
	ProposalUpdate                 ProposalType = 2
	ProposalRemove                 ProposalType = 3
	ProposalPSK                    ProposalType = 4
	ProposalReInit                 ProposalType = 5
	ProposalExternalInit           ProposalType = 6
	ProposalGroupContextExtensions ProposalType = 7
)

// ReInit is the body of a ReInit proposal.
type ReInit struct {
	GroupID     []byte
	Version     ProtocolVersion
	CipherSuite ciphersuite.ID
	Extensions  Extensions
}

// Proposal is a proposed group change (§12.1). Exactly the field selected by Type is meaningful:
// Add (KeyPackage), Update (LeafNode), Remove (Removed), PSK, ReInit, ExternalInit (KEMOutput) or
// GroupContextExtensions (Extensions).
type Proposal struct {
	Type       ProposalType
	KeyPackage *KeyPackage
	LeafNode   *LeafNode
	Removed    uint32
	PSK        *PreSharedKeyID
	ReInit     *ReInit
	KEMOutput  []byte
	Extensions Extensions
}

// MarshalMLS encodes the proposal. A proposal whose selected field is nil encodes that field as its
// zero value.
func (p *Proposal) MarshalMLS(w *codec.Writer) {
	w.Uint16(uint16(p.Type))
	switch p.Type {
	case ProposalAdd:
		kp := p.KeyPackage
		if kp == nil {
			kp = &KeyPackage{}
		}
		kp.MarshalMLS(w)
	case ProposalUpdate:
		ln := p.LeafNode
		if ln == nil {
			ln = &LeafNode{}
		}
		ln.MarshalMLS(w)
	case ProposalRemove:
		w.Uint32(p.Removed)
	case ProposalPSK:
		psk := p.PSK
		if psk == nil {
			psk = &PreSharedKeyID{}
		}
		psk.MarshalMLS(w)
	case ProposalReInit:
		ri := p.ReInit
		if ri == nil {
			ri = &ReInit{}
		}
		w.Opaque(ri.GroupID)
		w.Uint16(uint16(ri.Version))
		w.Uint16(uint16(ri.CipherSuite))
		ri.Extensions.MarshalMLS(w)
	case ProposalExternalInit:
		w.Opaque(p.KEMOutput)
	case ProposalGroupContextExtensions:
		p.Extensions.MarshalMLS(w)
	}
}

// UnmarshalMLS decodes the proposal; unknown proposal types are an error.
func (p *Proposal) UnmarshalMLS(r *codec.Reader) {
	*p = Proposal{Type: ProposalType(r.Uint16())}
	switch p.Type {
	case ProposalAdd:
		p.KeyPackage = &KeyPackage{}
		r.Unmarshal(p.KeyPackage)
	case ProposalUpdate:
		p.LeafNode = &LeafNode{}
		r.Unmarshal(p.LeafNode)
	case ProposalRemove:
		p.Removed = r.Uint32()
	case ProposalPSK:
		p.PSK = &PreSharedKeyID{}
		r.Unmarshal(p.PSK)
	case ProposalReInit:
		ri := &ReInit{GroupID: r.Opaque(), Version: ProtocolVersion(r.Uint16()), CipherSuite: ciphersuite.ID(r.Uint16())}
		ri.Extensions.UnmarshalMLS(r)
		p.ReInit = ri
	case ProposalExternalInit:
		p.KEMOutput = r.Opaque()
	case ProposalGroupContextExtensions:
		p.Extensions.UnmarshalMLS(r)
	default:
		r.Fail(fmt.Errorf("%w: proposal type %d", codec.ErrUnknownVariant, p.Type))
	}
}

// ProposalOrRefType selects between an inline proposal and a reference.
type ProposalOrRefType uint8

// ProposalOrRef types.
const (
	ProposalOrRefProposal  ProposalOrRefType = 1
	ProposalOrRefReference ProposalOrRefType = 2
)

// ProposalOrRef is a commit's inline proposal or a ProposalRef to one sent earlier.
type ProposalOrRef struct {
	Type      ProposalOrRefType
	Proposal  *Proposal
	Reference []byte
}

// MarshalMLS encodes the entry.
func (p *ProposalOrRef) MarshalMLS(w *codec.Writer) {
	w.Uint8(uint8(p.Type))
	switch p.Type {
	case ProposalOrRefProposal:
		prop := p.Proposal
		if prop == nil {
			prop = &Proposal{}
		}
		prop.MarshalMLS(w)
	case ProposalOrRefReference:
		w.Opaque(p.Reference)
	}
}

// UnmarshalMLS decodes the entry.
func (p *ProposalOrRef) UnmarshalMLS(r *codec.Reader) {
	*p = ProposalOrRef{Type: ProposalOrRefType(r.Uint8())}
	switch p.Type {
	case ProposalOrRefProposal:
		p.Proposal = &Proposal{}
		r.Unmarshal(p.Proposal)
	case ProposalOrRefReference:
		p.Reference = r.Opaque()
	default:
		r.Fail(fmt.Errorf("%w: proposal-or-ref type %d", codec.ErrUnknownVariant, p.Type))
	}
}

// Commit applies proposals and optionally an UpdatePath (§12.4).
type Commit struct {
	Proposals []ProposalOrRef
	Path      *UpdatePath
}

// MarshalMLS encodes the commit.
func (c *Commit) MarshalMLS(w *codec.Writer) {
	w.Vector(func(w *codec.Writer) {
		for i := range c.Proposals {
			c.Proposals[i].MarshalMLS(w)
		}
	})
	w.Optional(c.Path != nil, func(w *codec.Writer) { c.Path.MarshalMLS(w) })
}

// UnmarshalMLS decodes the commit.
func (c *Commit) UnmarshalMLS(r *codec.Reader) {
	c.Proposals = []ProposalOrRef{}
	r.Vector(func(r *codec.Reader) {
		var p ProposalOrRef
		p.UnmarshalMLS(r)
		c.Proposals = append(c.Proposals, p)
	})
	c.Path = nil
	if r.Optional() {
		c.Path = &UpdatePath{}
		r.Unmarshal(c.Path)
	}
}
