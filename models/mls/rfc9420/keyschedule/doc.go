// Package keyschedule implements the MLS key schedule of RFC 9420 §8: the per-epoch chain
// init_secret → joiner_secret → (psk_secret) → epoch_secret → derived secrets → next init_secret,
// the welcome secret and its key/nonce (§12.4.3.1), the PSK secret (§8.4), the exporter (§8.5), the
// external key pair (§8.3), confirmation tags and the confirmed/interim transcript hashes (§8.2).
//
// Inputs are raw byte strings (secrets, encoded GroupContexts) so the package can be driven both by
// the group state machine and directly by the interoperability test vectors.
package keyschedule
