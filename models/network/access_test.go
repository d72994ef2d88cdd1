package network

import (
	"slices"
	"testing"
	"time"

	"github.com/mimisim/mimisim/sim"
)

func TestDefaultAccess(t *testing.T) {
	types := AccessTypes()
	if !slices.IsSorted(types) {
		t.Errorf("AccessTypes() not sorted: %v", types)
	}
	def := DefaultAccess()
	if len(def) != len(types) {
		t.Fatalf("DefaultAccess has %d entries, AccessTypes %d", len(def), len(types))
	}
	for _, want := range []string{"wired", "wifi", "lte", "5g"} {
		if !slices.Contains(types, want) {
			t.Errorf("AccessTypes() lacks %q", want)
		}
	}
	// The defaults must pass New's validation.
	if _, err := New(sim.New(1), Config{Access: def, RetransmitTimeout: time.Second}); err != nil {
		t.Fatalf("defaults rejected: %v", err)
	}
	// Ordering facts the defaults are built on (see the doc comment): mobile is slower than
	// fixed, Wi-Fi adds 10–20% to wired, LTE has the highest floor.
	mean := func(name string) time.Duration { return def[name].Latency.Mean() }
	if !(mean("wired") < mean("wifi") && mean("wifi") < mean("5g") && mean("5g") < mean("lte")) {
		t.Errorf("latency means out of order: wired %v wifi %v 5g %v lte %v",
			mean("wired"), mean("wifi"), mean("5g"), mean("lte"))
	}
	if r := float64(mean("wifi")) / float64(mean("wired")); r < 1.1 || r > 1.2 {
		t.Errorf("wifi/wired mean latency = %.3f, want 1.1–1.2 (Epitiro)", r)
	}
	// A mutated result does not leak into the next call.
	def["wired"] = Access{Latency: Constant(time.Hour)}
	if DefaultAccess()["wired"].Latency.Mean() == time.Hour {
		t.Error("DefaultAccess returned shared state")
	}
}
