// Package x448 is mimisim's stand-in for git.schwanenlied.me/yawning/x448.git, which the Go module
// proxy does not serve. cisco/go-hpke imports that package for two functions only; this module
// provides both on top of github.com/cloudflare/circl/dh/x448 and is wired in with a replace
// directive in mimisim's go.mod.
package x448

import circl "github.com/cloudflare/circl/dh/x448"

// ScalarBaseMult sets dst to scalar·G, where G is the X448 base point.
func ScalarBaseMult(dst, scalar *[56]byte) {
	var d, s circl.Key
	copy(s[:], scalar[:])
	circl.KeyGen(&d, &s)
	copy(dst[:], d[:])
}

// ScalarMult sets dst to scalar·point. It returns 0 on success and -1 when the result is the
// all-zero point (a low-order input), matching the contract cisco/go-hpke expects.
func ScalarMult(dst, scalar, point *[56]byte) int {
	var d, s, p circl.Key
	copy(s[:], scalar[:])
	copy(p[:], point[:])
	if !circl.Shared(&d, &s, &p) {
		copy(dst[:], d[:])
		return -1
	}
	copy(dst[:], d[:])
	return 0
}
