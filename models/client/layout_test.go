package client

import (
	"testing"
	"unsafe"
)

// TestHotFieldsPrefetched: the fields a delivery reads (the block before cfg, and cfg's
// sampled-fidelity and retry fields) lie within the lines PrefetchFields asks for.
func TestHotFieldsPrefetched(t *testing.T) {
	var c Client
	end := unsafe.Offsetof(c.cfg) + unsafe.Offsetof(c.cfg.Retry) + unsafe.Sizeof(c.cfg.Retry)
	if end > hotBytes {
		t.Fatalf("the hot fields end at byte %d, beyond the %d bytes PrefetchFields asks for", end, hotBytes)
	}
	t.Logf("hot fields: %d bytes of a %d-byte Client", end, unsafe.Sizeof(c))
}
