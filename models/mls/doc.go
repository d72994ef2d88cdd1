// Package mls defines the lab's view of an MLS engine: clients that publish KeyPackages, members
// of a group that commit, process commits, join from Welcomes and protect application messages.
//
// Every method runs the real protocol code of an engine (see the gomls subpackage for the
// cisco/go-mls adapter); nothing here models cost or time. Encoded messages travel as opaque
// byte slices so that the MIMI layer can carry them and the network can charge their real sizes.
//
// A commit is two-phase, as MIMI requires: Member.Add, Remove and Update build a Pending commit
// without changing the member; Member.Adopt moves the member to the new epoch once the hub has
// accepted the commit, and after a wrongEpoch the Pending is simply dropped. Engine limits surface
// as *LimitError values carrying the engine, the operation and the group size.
//
// For a "proposals + designated committer" policy, members send proposals instead of commits:
// Member.ProposeUpdate (which keeps the private key of the proposed leaf until a commit includes
// it) and Member.ProposeRemove (of another member, or of the member itself to leave). A committer
// collects other members' proposals of its epoch and builds a Pending with
// Member.CommitProposals; its Handshake lists the proposals in order and then the commit, so
// receivers, the proposers included, apply it with Member.Process as any other commit. Proposals
// of an older epoch are refused with ErrWrongEpoch and have to be sent again. A member that a
// commit removes gets ErrRemoved from Process.
//
// The proposal operations are OpPropose and OpCommitProposals, listed in ProposalOps and kept out
// of Ops, which is the set every cost table must cover; a table may lack them.
//
// Optional capabilities (external.go) are separate interfaces that an engine's types may
// implement, found by type assertion, so the base interfaces stay unchanged: GroupInfoPublisher
// (a member publishes a GroupInfo) and ExternalJoiner (a client joins by external commit,
// OpExternalJoin, also outside Ops), and ExternalSenderEngine / ExternalSender /
// ExternalSenderCreator (a hub listed in a group's external_senders extension proposes Adds and
// Removes that members commit with CommitProposals), and Reinitializer with KeyPackageSuiter
// (a group is reinitialised, e.g. moved to a post-quantum cipher suite; OpReInit). The rfc9420
// engine implements them all; gomls none.
package mls
