// Package treekem implements TreeKEM, the continuous group key agreement of RFC 9420 §7.4-§7.6, on
// top of the public ratchet tree of package ratchettree.
//
// A member's secrets are a PrivateState: its leaf index, its leaf's HPKE private key and the private
// keys it knows for parent nodes on its direct path (O(log n) keys; the public tree itself is a
// shared ratchettree.Tree snapshot). PrivateStates are immutable values.
//
// A committer calls CreateUpdatePath on an Editor holding the tree after the commit's proposals: a
// fresh leaf secret seeds the chain path_secret[n+1] = DeriveSecret(path_secret[n], "path") along
// the filtered direct path; each node key pair is DeriveKeyPair(DeriveSecret(path_secret, "node"));
// the new keys and their parent hashes are merged into the tree; the new LeafNode is signed; each
// path secret is encrypted with EncryptWithLabel(.., "UpdatePathNode", provisional GroupContext, ..)
// to every node of the resolution of the corresponding copath child except the leaves added by the
// same commit. The commit secret is the path secret after the last node.
//
// A receiver calls ApplyUpdatePath: it merges the path into its Editor (checking parent hashes and
// key freshness), decrypts the one ciphertext addressed to a node whose private key it holds, derives
// the remaining path secrets, checks the derived public keys against the UpdatePath and obtains the
// same commit secret. JoinState does the equivalent for a member joining by Welcome from the path
// secret in its GroupSecrets.
//
// Nothing here touches the key schedule, framing or proposal validation: those belong to the group
// state machine built on top.
package treekem
