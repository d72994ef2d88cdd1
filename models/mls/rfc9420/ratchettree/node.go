package ratchettree

import (
	"errors"
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// NodeType is the NodeType enum of §7.8 / §12.4.3.3.
type NodeType uint8

// Node types.
const (
	NodeTypeLeaf   NodeType = 1
	NodeTypeParent NodeType = 2
)

// Errors of the ratchet_tree encoding.
var (
	ErrEmptyTree        = errors.New("ratchettree: ratchet_tree has no nodes")
	ErrTrailingBlank    = errors.New("ratchettree: last node of ratchet_tree is blank")
	ErrNodeTypeMismatch = errors.New("ratchettree: node type does not match its position")
	ErrTooManyNodes     = errors.New("ratchettree: ratchet_tree is too large")
)

// ParentNode is the content of a non-blank parent node (§7.1). UnmergedLeaves must be strictly
// increasing (Validate checks it).
//
// A ParentNode stored in a Tree is shared by every snapshot that contains it and must not be
// modified; editors replace parent nodes wholesale.
type ParentNode struct {
	EncryptionKey  []byte // HPKEPublicKey
	ParentHash     []byte
	UnmergedLeaves []treemath.LeafIndex
}

// MarshalMLS encodes the parent node.
func (p *ParentNode) MarshalMLS(w *codec.Writer) {
	w.Opaque(p.EncryptionKey)
	w.Opaque(p.ParentHash)
	w.Vector(func(w *codec.Writer) {
		for _, l := range p.UnmergedLeaves {
			w.Uint32(uint32(l))
		}
	})
}

// UnmarshalMLS decodes the parent node.
func (p *ParentNode) UnmarshalMLS(r *codec.Reader) {
	p.EncryptionKey = r.Opaque()
	p.ParentHash = r.Opaque()
	p.UnmergedLeaves = nil
	r.Vector(func(r *codec.Reader) {
		p.UnmergedLeaves = append(p.UnmergedLeaves, treemath.LeafIndex(r.Uint32()))
	})
}

// hasUnmerged reports whether l is in the (sorted) unmerged-leaves list.
func (p *ParentNode) hasUnmerged(l treemath.LeafIndex) bool {
	for _, u := range p.UnmergedLeaves {
		if u == l {
			return true
		}
		if u > l {
			return false
		}
	}
	return false
}

// Node is one slot of a ratchet tree: a leaf (Leaf set), a parent (Parent set) or blank (neither).
type Node struct {
	Leaf   *wire.LeafNode
	Parent *ParentNode
}

// Blank reports whether the slot is blank.
func (n Node) Blank() bool { return n.Leaf == nil && n.Parent == nil }

// EncryptionKey returns the HPKE public key of a non-blank node (nil for blank nodes).
func (n Node) EncryptionKey() []byte {
	switch {
	case n.Leaf != nil:
		return n.Leaf.EncryptionKey
	case n.Parent != nil:
		return n.Parent.EncryptionKey
	}
	return nil
}

// marshalOptionalNode writes optional<Node>.
func marshalOptionalNode(w *codec.Writer, n Node) {
	switch {
	case n.Leaf != nil:
		w.Uint8(1)
		w.Uint8(uint8(NodeTypeLeaf))
		n.Leaf.MarshalMLS(w)
	case n.Parent != nil:
		w.Uint8(1)
		w.Uint8(uint8(NodeTypeParent))
		n.Parent.MarshalMLS(w)
	default:
		w.Uint8(0)
	}
}

// unmarshalOptionalNode reads optional<Node>.
func unmarshalOptionalNode(r *codec.Reader) Node {
	if !r.Optional() {
		return Node{}
	}
	switch t := NodeType(r.Uint8()); t {
	case NodeTypeLeaf:
		ln := &wire.LeafNode{}
		r.Unmarshal(ln)
		return Node{Leaf: ln}
	case NodeTypeParent:
		pn := &ParentNode{}
		r.Unmarshal(pn)
		return Node{Parent: pn}
	default:
		if r.Err() == nil {
			r.Fail(fmt.Errorf("%w: node type %d", codec.ErrUnknownVariant, t))
		}
		return Node{}
	}
}

// CheckNodes checks the structural rules of a ratchet_tree node list (§12.4.3.3): at least one
// node, a non-blank last node, leaves at even and parents at odd positions, and a size that fits a
// tree of at most treemath.MaxLeaves leaves.
func CheckNodes(nodes []Node) error {
	if len(nodes) == 0 {
		return ErrEmptyTree
	}
	if uint64(len(nodes)) > uint64(treemath.NodeWidth(treemath.MaxLeaves)) {
		return ErrTooManyNodes
	}
	if nodes[len(nodes)-1].Blank() {
		return ErrTrailingBlank
	}
	for i, n := range nodes {
		if n.Leaf != nil && n.Parent != nil {
			return fmt.Errorf("%w: node %d is both a leaf and a parent", ErrNodeTypeMismatch, i)
		}
		if (n.Leaf != nil && i%2 == 1) || (n.Parent != nil && i%2 == 0) {
			return fmt.Errorf("%w: node %d", ErrNodeTypeMismatch, i)
		}
	}
	return nil
}

// EncodeNodes encodes optional<Node> ratchet_tree<V> from a node list, omitting trailing blank
// nodes as §12.4.3.3 requires of senders.
func EncodeNodes(nodes []Node) ([]byte, error) {
	last := len(nodes) - 1
	for last >= 0 && nodes[last].Blank() {
		last--
	}
	var body codec.Writer
	for _, n := range nodes[:last+1] {
		marshalOptionalNode(&body, n)
	}
	b, err := body.Bytes()
	if err != nil {
		return nil, err
	}
	var w codec.Writer
	w.Opaque(b)
	return w.Bytes()
}

// DecodeNodes decodes optional<Node> ratchet_tree<V> (the data of a ratchet_tree extension) into the
// list of nodes it carries, checking the structural rules of CheckNodes. The list is not extended
// to a full tree; FromNodes does that.
func DecodeNodes(b []byte) ([]Node, error) {
	var nodes []Node
	r := codec.NewReader(b)
	r.Vector(func(r *codec.Reader) { nodes = append(nodes, unmarshalOptionalNode(r)) })
	if err := r.Finish(); err != nil {
		return nil, fmt.Errorf("ratchettree: decoding ratchet_tree: %w", err)
	}
	if err := CheckNodes(nodes); err != nil {
		return nil, err
	}
	return nodes, nil
}
