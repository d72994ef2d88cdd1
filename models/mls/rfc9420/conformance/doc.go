// Package conformance holds no code: its tests run the official MLS interoperability test vectors
// (crypto-basics, tree-math, secret-tree, key-schedule, message-protection, psk_secret,
// transcript-hashes, deserialization, messages, tree-operations, tree-validation and treekem)
// against the rfc9420 packages for every supported cipher suite. Vectors of unsupported suites are
// counted and reported, never silently dropped; a failing vector of a supported suite fails the
// test; a missing vector directory fails, never skips.
//
// Run with -v to see the per-file, per-suite summary printed at the end.
package conformance
