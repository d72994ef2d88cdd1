// Package treemath implements the array representation of MLS's left-balanced binary trees
// (RFC 9420 §4.1, §7.1 and Appendix C). Leaves sit at even node indices (leaf i is node 2i) and
// parents at odd ones; a node's level is the number of trailing one bits of its index. RFC 9420
// trees always have a power-of-two number of leaves (the tree grows by doubling and shrinks by
// halving), so the functions take the leaf count and check that it is a power of two where it matters.
//
// Functions that have no answer (the children of a leaf, the parent of the root, a node outside the
// tree) return ok == false instead of panicking.
package treemath
