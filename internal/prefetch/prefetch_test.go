package prefetch

import (
	"testing"
	"unsafe"
)

// TestLineChangesNothing: prefetching valid and nil addresses neither
// faults nor changes memory.
func TestLineChangesNothing(t *testing.T) {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	for i := range b {
		Line(unsafe.Pointer(&b[i]))
	}
	Line(nil)
	for i := range b {
		if b[i] != byte(i) {
			t.Fatalf("byte %d changed", i)
		}
	}
}

func BenchmarkLine(b *testing.B) {
	x := make([]byte, 64)
	for b.Loop() {
		Line(unsafe.Pointer(&x[0]))
	}
}
