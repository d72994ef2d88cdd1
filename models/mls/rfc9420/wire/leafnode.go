package wire

import (
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
)

// LeafNodeSource says how a LeafNode was created (§7.2).
type LeafNodeSource uint8

// Leaf node sources.
const (
	SourceKeyPackage LeafNodeSource = 1
	SourceUpdate     LeafNodeSource = 2
	SourceCommit     LeafNodeSource = 3
)

// LeafNode is a member's leaf in the ratchet tree (§7.2). Lifetime is set for key_package leaves and
// ParentHash for commit leaves.
type LeafNode struct {
	EncryptionKey []byte // HPKEPublicKey
	SignatureKey  []byte // SignaturePublicKey
	Credential    Credential
	Capabilities  Capabilities
	Source        LeafNodeSource
	Lifetime      Lifetime
	ParentHash    []byte
	Extensions    Extensions
	Signature     []byte
}

func (l *LeafNode) marshalContent(w *codec.Writer) {
	w.Opaque(l.EncryptionKey)
	w.Opaque(l.SignatureKey)
	l.Credential.MarshalMLS(w)
	l.Capabilities.MarshalMLS(w)
	w.Uint8(uint8(l.Source))
	switch l.Source {
	case SourceKeyPackage:
		w.Uint64(l.Lifetime.NotBefore)
		w.Uint64(l.Lifetime.NotAfter)
	case SourceCommit:
		w.Opaque(l.ParentHash)
	}
	l.Extensions.MarshalMLS(w)
}

// MarshalMLS encodes the leaf node.
func (l *LeafNode) MarshalMLS(w *codec.Writer) {
	l.marshalContent(w)
	w.Opaque(l.Signature)
}

// UnmarshalMLS decodes the leaf node.
func (l *LeafNode) UnmarshalMLS(r *codec.Reader) {
	*l = LeafNode{}
	l.EncryptionKey = r.Opaque()
	l.SignatureKey = r.Opaque()
	r.Unmarshal(&l.Credential)
	r.Unmarshal(&l.Capabilities)
	l.Source = LeafNodeSource(r.Uint8())
	switch l.Source {
	case SourceKeyPackage:
		l.Lifetime.NotBefore = r.Uint64()
		l.Lifetime.NotAfter = r.Uint64()
	case SourceUpdate:
	case SourceCommit:
		l.ParentHash = r.Opaque()
	default:
		r.Fail(fmt.Errorf("%w: leaf node source %d", codec.ErrUnknownVariant, l.Source))
	}
	l.Extensions.UnmarshalMLS(r)
	l.Signature = r.Opaque()
}

// TBS returns the LeafNodeTBS encoding that the leaf's signature covers: the content fields,
// followed for update and commit leaves by the group ID and the leaf index.
func (l *LeafNode) TBS(groupID []byte, leafIndex uint32) ([]byte, error) {
	var w codec.Writer
	l.marshalContent(&w)
	if l.Source == SourceUpdate || l.Source == SourceCommit {
		w.Opaque(groupID)
		w.Uint32(leafIndex)
	}
	return w.Bytes()
}

// LeafNodeTBSLabel is the SignWithLabel label of a LeafNode signature.
const LeafNodeTBSLabel = "LeafNodeTBS"

// KeyPackage advertises a client's willingness to be added to groups (§10).
type KeyPackage struct {
	Version     ProtocolVersion
	CipherSuite ciphersuite.ID
	InitKey     []byte // HPKEPublicKey
	LeafNode    LeafNode
	Extensions  Extensions
	Signature   []byte
}

func (k *KeyPackage) marshalTBS(w *codec.Writer) {
	w.Uint16(uint16(k.Version))
	w.Uint16(uint16(k.CipherSuite))
	w.Opaque(k.InitKey)
	k.LeafNode.MarshalMLS(w)
	k.Extensions.MarshalMLS(w)
}

// MarshalMLS encodes the key package.
func (k *KeyPackage) MarshalMLS(w *codec.Writer) {
	k.marshalTBS(w)
	w.Opaque(k.Signature)
}

// UnmarshalMLS decodes the key package.
func (k *KeyPackage) UnmarshalMLS(r *codec.Reader) {
	k.Version = ProtocolVersion(r.Uint16())
	k.CipherSuite = ciphersuite.ID(r.Uint16())
	k.InitKey = r.Opaque()
	r.Unmarshal(&k.LeafNode)
	k.Extensions.UnmarshalMLS(r)
	k.Signature = r.Opaque()
}

// TBS returns the KeyPackageTBS encoding covered by the signature.
func (k *KeyPackage) TBS() ([]byte, error) {
	var w codec.Writer
	k.marshalTBS(&w)
	return w.Bytes()
}

// KeyPackageTBSLabel is the SignWithLabel label of a KeyPackage signature.
const KeyPackageTBSLabel = "KeyPackageTBS"

// Ref returns MakeKeyPackageRef(encoded key package) under suite s.
func (k *KeyPackage) Ref(s *ciphersuite.Suite) ([]byte, error) {
	b, err := codec.Marshal(k)
	if err != nil {
		return nil, err
	}
	return s.MakeKeyPackageRef(b), nil
}

// UpdatePathNode is one direct-path node of an UpdatePath.
type UpdatePathNode struct {
	EncryptionKey       []byte
	EncryptedPathSecret []HPKECiphertext
}

// UpdatePath is the committer's new leaf and direct-path keys (§7.6).
type UpdatePath struct {
	LeafNode LeafNode
	Nodes    []UpdatePathNode
}

// MarshalMLS encodes the update path.
func (u *UpdatePath) MarshalMLS(w *codec.Writer) {
	u.LeafNode.MarshalMLS(w)
	w.Vector(func(w *codec.Writer) {
		for i := range u.Nodes {
			n := &u.Nodes[i]
			w.Opaque(n.EncryptionKey)
			w.Vector(func(w *codec.Writer) {
				for j := range n.EncryptedPathSecret {
					n.EncryptedPathSecret[j].MarshalMLS(w)
				}
			})
		}
	})
}

// UnmarshalMLS decodes the update path.
func (u *UpdatePath) UnmarshalMLS(r *codec.Reader) {
	r.Unmarshal(&u.LeafNode)
	u.Nodes = []UpdatePathNode{}
	r.Vector(func(r *codec.Reader) {
		n := UpdatePathNode{EncryptionKey: r.Opaque(), EncryptedPathSecret: []HPKECiphertext{}}
		r.Vector(func(r *codec.Reader) {
			var c HPKECiphertext
			c.UnmarshalMLS(r)
			n.EncryptedPathSecret = append(n.EncryptedPathSecret, c)
		})
		u.Nodes = append(u.Nodes, n)
	})
}
