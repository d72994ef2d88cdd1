// Package ratchettree implements the public part of the MLS ratchet tree (RFC 9420 §4, §7): leaf and
// parent node slots with blanks and unmerged leaves, extension and truncation (§7.7), the Add, Update
// and Remove tree changes (§12.1.1-§12.1.3), resolutions and filtered direct paths (§4.1.1-§4.1.2),
// tree hashes (§7.8), parent hashes (§7.9), merging an UpdatePath (§7.5), the ratchet_tree extension
// encoding (§12.4.3.3) and the tree validation a joiner performs (§7.9.2, §12.4.3.1).
//
// # Sharing and copy-on-write
//
// A Tree is an immutable snapshot, safe for concurrent use, meant to be shared by every simulated
// member that is in the same epoch. The tree is stored as linked nodes mirroring the binary tree;
// each node caches the tree hash of its subtree and the number of non-blank nodes and leaves below
// it. Changes go through an Editor (Tree.Edit) that copies a node the first time it changes, so a
// commit that touches k leaves copies O(k log n) nodes and shares everything else with the previous
// snapshot; tree hashes are recomputed only for the copied nodes, lazily, when a hash is needed.
// An HPKE-key index (all nodes) and a signature-key index (leaves) are kept as persistent hash tries
// with the same copy-on-write discipline, so the uniqueness checks of commit processing cost
// O(log n) rather than a scan.
//
// Node indices are those of the array representation (package treemath): leaf i is node 2i.
//
// The package holds no secrets; the private keys of TreeKEM live in package treekem.
package ratchettree
