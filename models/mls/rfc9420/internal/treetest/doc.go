// Package treetest builds ratchet trees with consistent TreeKEM private states for tests and
// benchmarks: signed LeafNodes with fresh keys, and full groups in which every parent node is
// non-blank and parent-hash valid and every member holds the private keys of its direct path.
package treetest
