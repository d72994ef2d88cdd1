// Package wire defines the RFC 9420 wire structures that the framing, key schedule and (later) the
// ratchet tree and group state machine share, with strict MLS encodings via package codec:
// GroupContext (§8.1), Extension and Capabilities (§7.2, §13), Credential (§5.3), LeafNode and its
// TBS (§7.2), KeyPackage (§10), HPKECiphertext, UpdatePath (§7.6), PreSharedKeyID (§8.4), every
// Proposal type (§12.1), ProposalOrRef and Commit (§12.4), GroupInfo, GroupSecrets and Welcome
// (§12.4.3).
//
// The types carry syntax only. Semantic validation (signatures, capabilities, lifetimes, tree
// invariants) belongs to the layers above. Decoders never panic; variant selectors with unknown
// values (which make the rest of the structure unparseable) are decoding errors.
package wire
