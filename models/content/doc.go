// Package content is the attachment side of MIMI messaging: the MIMI content container of
// draft-ietf-mimi-content with one external part (a reference to an encrypted file held by a
// provider), and the sealing and opening of the file itself.
//
// An attachment is sent in three steps. The sender seals the file under a fresh AES-128-GCM key
// and nonce (Seal), uploads the ciphertext to its own provider's content store, and puts an
// ExternalPart — the URL the store returned, the key, the nonce, the SHA-256 hash of the
// ciphertext and the plaintext's size — into an MLS application message (Encode). A recipient
// decrypts the MLS message, reads the reference (Decode), downloads the ciphertext, checks its
// hash and opens it (Open). The key travels only inside the MLS-encrypted message, so the
// provider that stores the file cannot read it.
//
// Encode writes the mimiContent structure of the draft's CDDL in deterministic CBOR
// (RFC 8949 §4.2.1: definite lengths, shortest integer forms): salt, replaces (null), topicId
// (empty), expires (null), inReplyTo (null), extensions (empty map), and a NestedPart with
// disposition attachment (6), an empty language tag and the external part's fields in the
// draft's order. encAlg is 1, AES-128-GCM in the IANA AEAD registry (RFC 5116); hashAlg is 1,
// sha-256 in the IANA Named Information Hash Algorithm registry (RFC 6920). Decode reads back
// exactly what Encode writes and rejects anything else with an error; it is not a general CBOR
// decoder.
//
// Store is a provider's content store: it keeps ciphertexts under URLs it makes up. It does no
// I/O; the simulation charges the transfer and the CPU (models/world/attach.go).
package content
