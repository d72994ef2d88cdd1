package prefetch

import "unsafe"

// Line hints that the memory line at p will be read soon (PREFETCHT0: into all cache levels).
// p may be any address, nil included: a prefetch never faults.
//
//go:noescape
func Line(p unsafe.Pointer)
