// Package rfc9420 is the root of mimisim's from-scratch implementation of the Messaging Layer
// Security protocol, RFC 9420, written from the RFC text and checked against the official
// interoperability test vectors (mlswg/mls-implementations, read from ../shared/mls-test-vectors
// or $MLS_TEST_VECTORS).
//
// The implementation is split into small packages with one-way dependencies:
//
//	codec        TLS presentation language with MLS variable-length vectors (RFC 9420 §2.1)
//	ciphersuite  cipher suites and the labeled crypto operations (§5, §17.1)
//	treemath     array-based left-balanced binary tree arithmetic (Appendix C)
//	wire         wire structures: GroupContext, LeafNode, KeyPackage, Proposal, Commit, ... (§6-§12)
//	keyschedule  epoch key schedule, PSKs, exporter, transcript hashes (§8)
//	secrettree   secret tree and per-sender hash ratchets with a deletion schedule (§9)
//	framing      FramedContent, PublicMessage, PrivateMessage and their protection (§6)
//	ratchettree  the public ratchet tree: copy-on-write snapshots, tree/parent hashes, validation (§4, §7)
//	treekem      TreeKEM: private path state, UpdatePath creation and processing (§7.4-§7.6)
//	group        KeyPackages, LeafNode validation, the group state machine: commits, Welcome, messages (§10-§12)
//	engine       adapter to the simulator's models/mls Engine/Client/Member interfaces ("rfc9420")
//	conformance  tests only: the official vectors for every supported cipher suite
//
// This package itself holds only documentation; see STATUS.md for the state of the work.
package rfc9420
