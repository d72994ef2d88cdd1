// Package group is the RFC 9420 group state machine built on ratchettree, treekem, keyschedule,
// secrettree and framing:
//
//   - KeyPackage creation and validation (§10, §10.1) and LeafNode validation (§7.3: credential
//     hook, signature, capabilities against the group's version and suite, required_capabilities
//     (§11.1) and the members' credential types, lifetime, extension support, source, key
//     uniqueness through the tree's indices); TreeLeafCheck plugs the same checks into
//     ratchettree.Validate for joiners.
//   - Create (§11); Commit builds a full commit (always with an UpdatePath) for inline Adds and
//     Removes plus every by-reference proposal cached in the epoch, returning a PendingCommit (the
//     Commit message, GroupInfo with the ratchet_tree extension, and the Welcome) without changing
//     the group; Adopt moves the group to it.
//   - Process authenticates (PublicMessage membership tag and signature, or PrivateMessage) and
//     applies received messages: application data, proposals (Add, Update, Remove, PSK,
//     GroupContextExtensions; cached by ProposalRef) and commits (§12.2 validation, §12.3 order,
//     path-required rule, UpdatePath, PSKs, key schedule, confirmation tag), leaving the group
//     unchanged on any failure.
//   - Join / JoinWith from a Welcome (GroupSecrets, GroupInfo signature, tree hash, tree
//     validation, own leaf, path secret, external PSKs, confirmation tag).
//   - Exporter and epoch authenticator.
//
// Not supported: ReInit, ExternalInit (external commits), external senders, resumption PSKs in a
// Welcome, out-of-order handshake across epochs.
package group
