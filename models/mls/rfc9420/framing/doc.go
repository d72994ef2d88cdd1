// Package framing implements MLS message framing and protection (RFC 9420 §6): Sender,
// FramedContent, FramedContentAuthData, AuthenticatedContent, FramedContentTBS signing,
// PublicMessage with its membership tag (AuthenticatedContentTBM), PrivateMessage with sender data
// encryption (§6.3.2), the reuse guard and padding (§6.3.1), and the MLSMessage envelope.
//
// Protection and unprotection take the epoch's parsed GroupContext, the relevant key-schedule
// secrets and, for PrivateMessage, the epoch's secret tree. Signature keys are resolved through a
// caller-supplied SignerKeyFunc, because which key authenticates a message depends on group state
// (a member's leaf, an external sender, or a new member's own leaf node).
//
// Application data is only ever sent in a PrivateMessage: ProtectPublic and UnprotectPublic reject
// it. Unprotect functions check group ID and epoch against the GroupContext but leave higher-level
// validation (is the sender leaf occupied, is the proposal valid, ...) to the group state machine.
//
// A receiver that decrypts many messages can do so without copies: DecodePrivate decodes a
// PrivateMessage as sub-slices of its input, and UnprotectPrivateInto decrypts into the caller's
// AuthenticatedContent and buffer (its working memory is pooled), so that only what the caller
// keeps is allocated (group.ProcessTo keeps a copy of the application data). The sender-data key
// and nonce of every message derive from the epoch's sender_data_secret; its HMAC pads are kept
// with the epoch's secret tree (secrettree.SenderDataPads), so each message derives them at half
// the cost of two full HMACs.
package framing
