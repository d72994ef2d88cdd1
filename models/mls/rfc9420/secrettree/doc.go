// Package secrettree implements the MLS secret tree and its per-sender hash ratchets (RFC 9420 §9).
//
// The root of the tree is the epoch's encryption_secret; each parent derives its children with
// ExpandWithLabel(secret, "tree", "left"/"right", Nh); each leaf secret seeds a handshake and an
// application ratchet (ExpandWithLabel(leaf, "handshake"/"application", "", Nh)); generation j of a
// ratchet yields key_j = DeriveTreeSecret(secret_j, "key", j, Nk), nonce_j = DeriveTreeSecret(secret_j,
// "nonce", j, Nn) and secret_{j+1} = DeriveTreeSecret(secret_j, "secret", j, Nh).
//
// # Deletion schedule (§9.2)
//
// Secrets are derived lazily and erased (zeroed and dropped) as soon as they are no longer needed:
//
//   - a tree node's secret once both of its children have been derived (the tree keeps only the
//     frontier of not-yet-expanded subtrees);
//   - a leaf secret once its two ratchets have been initialised;
//   - a ratchet secret once the next generation's secret has been derived;
//   - a key/nonce pair once it has been handed out for one message. Keys of skipped generations are
//     kept for out-of-order delivery, at most Config.MaxRetainedKeys per ratchet (oldest evicted first).
//
// A receiver may ratchet forward at most Config.MaxForwardDistance generations past the next
// expected one in a single step, which bounds the work an attacker-chosen generation can cause.
//
// # Derivations from one secret
//
// Each secret the tree derives from is used more than once (a node for its two children, a leaf
// for its two ratchets, a ratchet secret for key, nonce and next secret), so it is prepared once as
// an HMAC key (ciphersuite.KeyPads: two SHA-256 compressions) and each derivation then costs two
// compressions instead of four. The tree also keeps the pads of the epoch's sender-data secret
// for the framing layer (SenderDataPads), which every message's sender-data key and nonce derive
// from. The pads are erased with the secret they were made from (those of the sender-data secret
// live as long as the tree).
//
// A SecretTree is not safe for concurrent use.
package secrettree
