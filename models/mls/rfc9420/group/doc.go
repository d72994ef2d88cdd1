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
//     unchanged on any failure. ProcessTo writes the outcome into the caller's Received; for an
//     application message it allocates only the copy of the data (the decryption's working
//     memory is pooled).
//   - Join / JoinWith from a Welcome (GroupSecrets, GroupInfo signature, tree hash, tree
//     validation, own leaf, path secret, external PSKs, confirmation tag).
//   - External commits (§12.4.3.2, external.go): GroupInfo publishes external_pub (and the
//     tree); JoinExternal verifies it, encapsulates the external init secret (ExternalInit),
//     optionally removes the joiner's earlier appearance (resync, same credential required) and
//     commits from the leftmost free leaf as a new_member_commit sender; members check the
//     external proposal rules (one ExternalInit, at most one Remove, PSKs, nothing by reference,
//     a path) and derive the init secret with the epoch's external key pair.
//   - External senders (§12.1.8.1): the external_senders GroupContext extension, proposals from
//     external senders (Add, Remove, PreSharedKey, ReInit, GroupContextExtensions; ExternalProposal)
//     and a new member's own Add (NewMemberProposal), committed by reference like members' ones.
//   - ReInit (§11.2, reinit.go): ProposeReInit / CommitReInit (alone in its commit; other proposals
//     are preferred), a terminal state, Reinitialize (new group with the ReInit's parameters and
//     the reinit resumption PSK in its first commit and Welcome) and JoinReInit (epoch 1, the
//     parameters and every old member checked).
//   - Subgroup branching (§11.3, branch.go): Branch / JoinBranch, linked by a branch PSK.
//   - Exporter and epoch authenticator.
//
// Not supported: resumption PSKs of usage application in a Welcome, out-of-order handshake across
// epochs.
package group
