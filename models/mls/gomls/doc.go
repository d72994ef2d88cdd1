// Package gomls adapts github.com/cisco/go-mls (v0.0.0-20210331162924-158a3829b839, a draft-09
// era implementation, not RFC 9420) to the lab's mls.Engine, mls.Client and mls.Member
// interfaces. Every group uses the ciphersuite X25519_AES128GCM_SHA256_Ed25519 and basic
// credentials whose identity is the client's identity string.
//
// # Determinism
//
// A client's Ed25519 signature key is go-mls's SignatureScheme.Derive of
// SHA-256("mimisim/gomls/signature\x00" || seed). Every init, leaf and commit secret is drawn from a
// math/rand/v2 ChaCha8 stream keyed with SHA-256("mimisim/gomls/secrets\x00" || seed). go-mls
// stamps KeyPackages with a lifetime read from the wall clock; the adapter replaces it with the
// fixed lifetime [0, 9999-12-31T23:59:59Z] and re-signs, so the n-th KeyPackage of a client is a
// function of its identity and seed (Ed25519 signatures are deterministic too).
//
// Not everything is reproducible: go-mls's HPKE encryption (UpdatePaths, Welcomes) draws its
// ephemeral keys from crypto/rand, and Protect draws the reuse guard and sender-data nonce from
// the global math/rand source. Message sizes do not depend on them, but the confirmed transcript
// hash covers the HPKE ciphertexts of an UpdatePath, so the secrets of every epoch after the first
// commit with an UpdatePath (authenticator, exporter, message keys) differ between two runs of the
// same scenario. Add-only commits carry no ciphertext in the transcript, so a freshly created and
// filled group has reproducible secrets. TestDeterministicReplay checks both.
//
// # Commits
//
// Commits are two-phase. Add, Remove and Update work on a copy of the member's state: they sign
// the proposals, hand them to the copy with State.Handle (this is how go-mls caches a sender's own
// proposals, as its tests do), call State.Commit and return an *mls.Pending whose Handshake holds
// the encoded proposals followed by the encoded commit, whose Welcome is set for Add, and whose
// State is the next state. The member itself is unchanged until Adopt; a Pending built in another
// epoch than the member's, or by another member, is refused. Process decodes each MLSPlaintext and
// handles them in order on a copy, adopting the result only if all of them are accepted. Messages
// of another epoch give an error wrapping mls.ErrWrongEpoch (Process, Unprotect and Adopt).
//
// go-mls includes an UpdatePath in a commit exactly when the commit has an Update or Remove
// proposal or no proposal at all (Commit.PathRequired). So:
//
//   - Add commits (one Add proposal per KeyPackage) carry no UpdatePath;
//   - Remove commits (one Remove proposal per leaf) carry one;
//   - Update is an empty commit (no proposals), which go-mls gives a full UpdatePath. It was chosen
//     over an Update proposal plus commit because it is the lab's definition of commit_update (a
//     commit with a path and no other change), is a single message, and needs no extra KeyPackage.
//
// # Proposals and a designated committer
//
// ProposeUpdate and ProposeRemove sign a single proposal of the member's epoch (mls.OpPropose);
// CommitProposals (mls.OpCommitProposals) commits proposals that other members sent. The Pending of
// CommitProposals lists the proposals as given, then the commit, like the other commits, so every
// receiver, the proposers included, applies it with Process; it carries an UpdatePath whenever a
// proposal is an Update or a Remove, and a Welcome if a proposal (from another implementation; the
// adapter builds none) adds members.
//
// ProposeUpdate draws a fresh leaf secret from the client's stream and proposes a KeyPackage with
// the same credential and the init key of that secret. go-mls's State.Update stores the secret in
// State.PendingUpdates under a ProposalRef; when the member later handles a commit that includes its
// own Update, go-mls's apply step replaces its leaf with the proposed KeyPackage for everyone and,
// on the proposer's side only, looks the secret up by that ref and installs it as the private key
// of the leaf (TreeKEMPrivateKey.SetLeafSecret). The committer's UpdatePath is encrypted to that
// new leaf key (the Update blanked the proposer's direct path), so the secret is what lets the
// proposer follow the commit and agree on the epoch. The adapter keeps the secret outside the
// member's go-mls state, keyed by the full proposal id, and hands it to the working copy only while
// Process handles a commit that includes the proposal; secrets of earlier epochs are dropped once
// the member's epoch changes. Until then StateSize counts them.
//
// CommitProposals verifies each proposal on a working copy (group, epoch, signature of a member)
// and refuses, with an error, what RFC 9420 makes an invalid commit and go-mls does not check
// itself: the committer's own proposals, a proposal given twice, two Updates or Removes of one leaf,
// a Remove of the committer, of an empty leaf or of a leaf outside the tree, and one KeyPackage
// added twice. A proposal of another epoch gives an error wrapping mls.ErrWrongEpoch. The last
// three cases would otherwise panic inside go-mls.
//
// A member removed by a commit (a Remove commit, or a committed Remove proposal, its own "leave"
// request included) cannot process it with go-mls: State.Handle verifies the commit's signature,
// applies the proposals, which blanks the receiver's own leaf and direct path, and then fails with
// "Unable to decrypt path secret" because the UpdatePath is encrypted to no node the receiver still
// holds. Process then reports an error wrapping mls.ErrRemoved if one of the handshake's accepted
// Remove proposals of the member's leaf is listed by the commit and the commit's signature is a
// member's (checked on a copy that takes the committer's leaf index, where go-mls stops after the
// signature check); a forged commit gives an ordinary error. Either way the member is unchanged.
//
// # Size limit
//
// MaxMembers is 128. go-mls encodes the parent-hash chain of an UpdatePath as nested structures
// whose innermost length field is one byte; with a tree of more than 128 leaves the direct path of
// the leaves in the first 128 has eight steps and the encoding overflows ("Encoded length too long
// for header length [273, 1]"). Add commits, Welcomes and proposals still work at 129 members, and so does
// an Update from leaf 128, but every other member's Update, Remove or CommitProposals fails. Such failures are returned
// as *mls.LimitError{Engine: "gomls"} with the operation and the current group size;
// TestLimitAt129Members pins the boundary. Other errors are wrapped with the operation.
//
// # Repairs of go-mls behaviour
//
// The adapter works around go-mls defects that the two-phase commit or the lab's operation
// mix would otherwise hit (each has a test that fails without the repair):
//
//   - State.Clone drops the confirmed transcript hash (which signatures cover), shares the leaf
//     KeyPackages' extension lists (which TreeKEM Encap rewrites in place, so a discarded commit
//     would alter the live tree) and turns uncomputed tree hashes into empty ones that are later
//     mistaken for computed hashes. The adapter's copy restores the hash, deep-copies the
//     extension lists and recomputes the tree hashes when any is missing.
//   - go-mls keys update secrets by a 64-bit ProposalRef whose derivation shifts byte i of the
//     proposal id by i bits instead of 8i, so the refs of different proposals collide often (for
//     two proposals, about one time in 27). State.PendingUpdates keeps one secret per ref, the
//     latest; a member that proposed two Updates with colliding refs in one epoch would install the
//     wrong secret when the earlier one is committed and fail to decrypt the commit. The adapter
//     keys the secrets by the full proposal id (see above); TestUpdateRefCollision.
//   - The Welcome of an Add-only commit hands each joiner the committer's old path secret for
//     their common ancestor. After a Remove blanked that node the secret is stale, and a later
//     commit encrypted to a node derived from it fails for the joiner. After joining, the adapter
//     drops every path secret whose key pair does not match the public tree.
//
// go-mls panics on some malformed inputs (for example a sender index outside the tree). Add,
// CommitProposals, Join, Process and Unprotect, which take bytes from the network, convert such a
// panic into an error at the adapter boundary; they also reject trailing bytes after a message.
//
// # Other definitions
//
// go-mls has no epoch authenticator; EpochAuthenticator returns 32 bytes of the draft-09 exporter
// with the label "mimisim epoch authenticator" and an empty context.
//
// StateSize is the TLS encoding, as go-mls defines it, of the public group state (ratchet tree
// with every KeyPackage, group id, epoch, transcript hashes, extensions) plus go-mls's
// StateSecrets (private path secrets, key schedule with its secret trees and hash ratchets,
// signature key, cached proposals and update secrets, including those of the member's outstanding
// Update proposals, which the adapter keeps outside the go-mls state). The adapter's own bookkeeping (issued
// KeyPackages) is not counted.
//
// # Limitations
//
// go-mls erases an application message key before it authenticates the message, so a corrupted
// copy of a message makes the intact one undecryptable for that receiver. KeyPackage.Verify still
// compares the lifetime with the wall clock (the fixed lifetime always passes). Clients, members
// and their Pending commits are not safe for concurrent use.
package gomls
