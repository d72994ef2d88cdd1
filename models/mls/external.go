package mls

// Optional capabilities beyond Engine, Client and Member. An engine that lacks one simply does not
// implement the interface; callers find out with a type assertion, e.g.
//
//	if ej, ok := client.(mls.ExternalJoiner); ok { ... }

// OpExternalJoin is the operation of joining by external commit (ExternalJoiner.JoinExternal). Like
// ProposalOps it is not part of Ops: cost tables need not have it.
const OpExternalJoin Op = "external_join"

// GroupInfoPublisher is a Member that can publish a signed GroupInfo of its current epoch for
// external joiners (RFC 9420 §12.4.3.2): the encoded MLSMessage carries the external_pub and
// ratchet_tree extensions.
type GroupInfoPublisher interface {
	GroupInfo() ([]byte, error)
}

// ExternalJoiner is a Client that can join a group by external commit from a published GroupInfo
// (MIMI's external joins). The returned Member is already in the new epoch; Commit is the external
// commit (a Pending with Op OpExternalJoin and no Welcome) that every member must Process. If the
// delivery service rejects the commit, the caller drops the Member.
type ExternalJoiner interface {
	JoinExternal(groupInfo []byte) (Member, *Pending, error)
}

// ExternalSenderEngine is an Engine whose groups accept proposals from external senders (RFC 9420
// §12.1.8.1), e.g. a MIMI hub that removes or adds participants.
type ExternalSenderEngine interface {
	// NewExternalSender creates an external sender named identity; seed makes its signature key
	// reproducible.
	NewExternalSender(identity string, seed []byte) (ExternalSender, error)
}

// ExternalSender signs proposals as an entry of a group's external_senders extension.
type ExternalSender interface {
	Identity() string
	// ProposeRemove and ProposeAdd return an encoded proposal for the group's given epoch, sent as
	// external sender number index of the group's list. Members Process it or commit it with
	// Member.CommitProposals.
	ProposeRemove(groupID []byte, epoch uint64, index, leaf int) ([]byte, error)
	ProposeAdd(groupID []byte, epoch uint64, index int, keyPackage []byte) ([]byte, error)
}

// ExternalSenderCreator is a Client that can create a group whose external_senders extension lists
// the given senders (index i is senders[i]).
type ExternalSenderCreator interface {
	CreateGroupWithExternalSenders(groupID []byte, senders []ExternalSender) (Member, error)
}

// OpReInit is the operation of a ReInit commit (Reinitializer.CommitReInit) and of creating the
// successor group (ReInitMember.Reinitialize). Not part of Ops.
const OpReInit Op = "reinit"

// KeyPackageSuiter is a Client that can publish KeyPackages of another cipher suite than its
// engine's (for the successor of a reinitialised group).
type KeyPackageSuiter interface {
	KeyPackageFor(suite uint16) ([]byte, error)
}

// Reinitializer is a Member whose group can be reinitialised (RFC 9420 §11.2), e.g. moved to a
// post-quantum cipher suite. CommitReInit builds a commit whose only proposal is a ReInit to the
// given group ID and suite; once it is adopted or processed the group is terminal (no more
// messages). Reinitialize, on any member of the terminal group, creates the successor from the
// other members' KeyPackages of the new suite (KeyPackageSuiter) and returns the new Member and its
// pending first commit (whose Welcome the others join with JoinReInit).
type Reinitializer interface {
	CommitReInit(groupID []byte, suite uint16) (*Pending, error)
	Reinitialize(keyPackages [][]byte) (Member, *Pending, error)
	JoinReInit(welcome []byte) (Member, error)
}
