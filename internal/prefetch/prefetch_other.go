//go:build !amd64

package prefetch

import "unsafe"

// Line hints that the memory line at p will be read soon; on this architecture it does nothing.
func Line(p unsafe.Pointer) {}
