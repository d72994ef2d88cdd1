package mls

import (
	"errors"
	"fmt"
)

// Op names an MLS operation. Op values are used as keys of the cost model and as labels in
// results, so they are stable strings.
type Op string

// The operations the lab times and charges.
const (
	OpKeyPackage    Op = "key_package"    // generate one KeyPackage
	OpCreateGroup   Op = "create_group"   // create a one-member group
	OpCommitAdd     Op = "commit_add"     // Add proposals + commit for the joiners (a path only if the engine adds one)
	OpCommitRemove  Op = "commit_remove"  // Remove proposals + commit
	OpCommitUpdate  Op = "commit_update"  // commit with an UpdatePath and no other change
	OpProcessCommit Op = "process_commit" // a receiver processes a commit (and its proposals)
	OpJoin          Op = "join"           // join from a Welcome
	OpProtect       Op = "protect"        // encrypt one application message
	OpUnprotect     Op = "unprotect"      // decrypt one application message
	OpExport        Op = "export"         // MLS exporter

	// Operations of the proposal-based commit policy; see ProposalOps.
	OpPropose         Op = "propose"          // build one Update or Remove proposal
	OpCommitProposals Op = "commit_proposals" // commit other members' proposals (a path when the engine requires one)
)

// Ops lists every Op in a fixed order.
var Ops = []Op{OpKeyPackage, OpCreateGroup, OpCommitAdd, OpCommitRemove, OpCommitUpdate,
	OpProcessCommit, OpJoin, OpProtect, OpUnprotect, OpExport}

// ProposalOps lists the operations of the proposal-based commit policy (Member.ProposeUpdate,
// ProposeRemove and CommitProposals) in a fixed order. They are deliberately not part of Ops: a cost
// table must cover every op of Ops, and tables measured before proposals existed lack these, so a
// cost table may or may not have them (and models/cost currently rejects points for them and
// panics in Table.CPU for an op a table lacks). How they are charged is left to the caller.
// Receivers of a proposal commit still process it with Member.Process (OpProcessCommit).
var ProposalOps = []Op{OpPropose, OpCommitProposals}

// Engine creates clients of one MLS implementation.
type Engine interface {
	// Name is the engine's short name as used in scenario files ("gomls").
	Name() string
	// Version identifies the implementation (module path and version) for manifests.
	Version() string
	// MaxMembers is the largest group in which every operation the lab uses works in full
	// fidelity. Scenarios that need more members are rejected before they run.
	MaxMembers() int
	// NewClient creates a client (one device with its own signature key) named identity.
	// seed supplies the client's long-term secrets so that runs are reproducible.
	NewClient(identity string, seed []byte) (Client, error)
}

// Client is one device: it publishes KeyPackages and creates or joins groups.
type Client interface {
	Identity() string
	// KeyPackage returns a fresh, encoded, single-use KeyPackage whose private keys the client
	// keeps for a later Join.
	KeyPackage() ([]byte, error)
	// CreateGroup starts a one-member group with the given id.
	CreateGroup(groupID []byte) (Member, error)
	// Join enters a group from an encoded Welcome addressed to one of this client's KeyPackages.
	Join(welcome []byte) (Member, error)
}

// Member is a client's state in one group at one epoch.
type Member interface {
	Epoch() uint64
	// Index is the member's leaf index in the ratchet tree.
	Index() int
	// Size is the number of members in the group.
	Size() int
	// Members lists the identities of the members in leaf order (empty leaves omitted).
	Members() []string
	// EpochAuthenticator is a value all members at the same epoch agree on.
	EpochAuthenticator() []byte

	// Add builds a commit that adds the holders of the encoded KeyPackages.
	Add(keyPackages [][]byte) (*Pending, error)
	// Remove builds a commit that removes the members at the given leaf indices.
	Remove(leaves []int) (*Pending, error)
	// Update builds a commit that refreshes the sender's path (an "empty" commit with path).
	Update() (*Pending, error)
	// Adopt moves the member to the epoch of its own pending commit after the hub accepted it.
	Adopt(p *Pending) error
	// Process applies another member's commit (the Handshake messages of a Pending, in order).
	// A member that the commit removes gets an error wrapping ErrRemoved and stays unchanged.
	Process(handshake [][]byte) error

	// ProposeUpdate builds an Update proposal refreshing the member's own leaf, encoded for sending.
	// The member keeps the private material it needs for when a commit includes the proposal; it
	// does not otherwise change.
	ProposeUpdate() ([]byte, error)
	// ProposeRemove builds a Remove proposal for the member at leaf (encoded).
	ProposeRemove(leaf int) ([]byte, error)
	// CommitProposals builds a commit (with path when the engine requires one) that includes the
	// given encoded proposals from other members (and none of its own), without changing the member.
	// The Pending's Handshake lists the proposals in the given order, then the commit, so receivers
	// (the proposers among them) apply it with Process. A proposal of another epoch than the
	// member's gives an error wrapping ErrWrongEpoch.
	CommitProposals(proposals [][]byte) (*Pending, error)

	// Protect encrypts an application message for the current epoch.
	Protect(plaintext []byte) ([]byte, error)
	// Unprotect decrypts an application message of the current epoch.
	Unprotect(ciphertext []byte) ([]byte, error)
	// Export derives length bytes from the epoch's exporter secret.
	Export(label string, context []byte, length int) ([]byte, error)

	// StateSize is an estimate, in bytes, of the member's encoded state.
	StateSize() int
}

// Pending is a commit built by a member and not yet adopted.
type Pending struct {
	// Handshake holds the encoded handshake messages in the order receivers must process them
	// (proposals first, then the commit).
	Handshake [][]byte
	// Welcome is the encoded Welcome for the joiners, or nil.
	Welcome []byte
	// Epoch is the epoch the commit was built in; the group moves to Epoch+1 when it is adopted.
	Epoch uint64
	// Op is the operation that produced the commit.
	Op Op
	// State is the engine's private next state; only the engine that built it reads it.
	State any
	// TreeBytes is the size of the ratchet tree the joiners fetch out of band, from the delivery
	// service, instead of in the Welcome (RFC 9420 §12.4.3.3); 0 when the Welcome carries it.
	// The lab charges it to every joiner's download.
	TreeBytes int
}

// ConcurrentMembers is implemented by engines whose distinct members (of one group or of
// several) may be used from different goroutines at the same time: a member's operations touch
// only that member and state the engine guards and whose effects do not depend on the order
// of concurrent calls. The world then lets members decrypt ahead of delivery in parallel
// (models/world/prefetch.go), and makes distinct clients' first KeyPackages in parallel. One
// member is never used from two goroutines at once, except
// that its Epoch and Size may be read while it decrypts an application message (Unprotect) on
// another goroutine: decrypting must not change them. And within an epoch, a member's
// decryption of an application message from another member commutes with its own Protect
// (RFC 9420: they use distinct leaves of the secret tree, whose nodes yield the same secrets
// in whatever order they are consumed), so the world may decrypt a sender's incoming messages
// on a worker ahead of the sender's own encryptions.
type ConcurrentMembers interface {
	ConcurrentMembers() bool
}

// WelcomeSplitter is implemented by engines whose Welcome a provider can cut down to the part of
// one joiner (the joiner's EncryptedGroupSecrets and the common encrypted GroupInfo), given the
// KeyPackage the provider handed out for that joiner. The result is a valid Welcome for that
// joiner; providers deliver it instead of the whole Welcome (see models/mimi Config.SplitWelcome).
type WelcomeSplitter interface {
	SplitWelcome(welcome, keyPackage []byte) ([]byte, error)
}

// Size returns the encoded size of the handshake messages (not the Welcome).
func (p *Pending) Size() int {
	n := 0
	for _, m := range p.Handshake {
		n += len(m)
	}
	return n
}

// LimitError reports an operation an engine cannot perform at a group size.
type LimitError struct {
	Engine    string
	Op        Op
	GroupSize int
	Err       error
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("mls engine %s cannot %s in a group of %d members: %v", e.Engine, e.Op, e.GroupSize, e.Err)
}

func (e *LimitError) Unwrap() error { return e.Err }

// ErrWrongEpoch is returned when a message belongs to another epoch than the member's.
var ErrWrongEpoch = errors.New("mls: message is for another epoch")

// ErrRemoved is returned by Member.Process when the commit removes the member itself: the member
// is no longer in the group and stays in its last epoch.
var ErrRemoved = errors.New("mls: the commit removes this member")
