package phold

import (
	"regexp"
	"slices"
	"testing"
)

func small(seed uint64) Config { return Config{LPs: 64, Pop: 4, Events: 50_000, Seed: seed} }

func TestDeterministic(t *testing.T) {
	a, b, c := Run(small(1)), Run(small(1)), Run(small(2))
	if a.Handled != 50_000 || b.Handled != 50_000 || c.Handled != 50_000 {
		t.Fatalf("handled %d, %d, %d events, want 50000 each", a.Handled, b.Handled, c.Handled)
	}
	if a.End != b.End || !slices.Equal(a.PerLP, b.PerLP) {
		t.Fatalf("same seed, different runs: end %v vs %v", a.End, b.End)
	}
	if a.End == c.End || slices.Equal(a.PerLP, c.PerLP) {
		t.Fatalf("seeds 1 and 2 gave the same run (end %v)", a.End)
	}
}

func TestCountsAndTime(t *testing.T) {
	r := Run(small(3))
	var sum uint64
	for _, n := range r.PerLP {
		sum += n
	}
	if sum != r.Handled || len(r.PerLP) != 64 {
		t.Fatalf("per-LP counts sum to %d over %d LPs, want %d over 64", sum, len(r.PerLP), r.Handled)
	}
	// 256 pending events each handled about once per virtual second: 50000 events take about
	// 195 s of virtual time. Allow a wide margin; a unit mistake is off by 1e3 or more.
	if s := r.End.Seconds(); s < 150 || s > 250 {
		t.Fatalf("end at %.1f virtual s, want about 195", s)
	}
	// Destinations are uniform: every LP gets a share within 25% of the mean.
	mean := float64(r.Handled) / 64
	for i, n := range r.PerLP {
		if float64(n) < 0.75*mean || float64(n) > 1.25*mean {
			t.Fatalf("LP %d handled %d events, mean %.0f", i, n, mean)
		}
	}
}

func TestStopsEarly(t *testing.T) {
	// Fewer events than initial events: the run stops with events still pending.
	r := Run(Config{LPs: 8, Pop: 8, Events: 10, Seed: 1})
	if r.Handled != 10 {
		t.Fatalf("handled %d, want 10", r.Handled)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []Config{{LPs: 0, Pop: 1, Events: 1}, {LPs: 1, Pop: 0, Events: 1}, {LPs: 1, Pop: 1}} {
		if c.Validate() == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if err := small(1).Validate(); err != nil {
		t.Error(err)
	}
}

func TestLine(t *testing.T) {
	line := Run(small(1)).Line()
	re := regexp.MustCompile(`^phold lps=64 pop=4 events=50000 wall_s=[0-9]+\.[0-9]{3} events_per_s=[0-9]+$`)
	if !re.MatchString(line) {
		t.Fatalf("line %q does not match %v", line, re)
	}
}

func TestNoAllocationsPerEvent(t *testing.T) {
	k, _ := newModel(Config{LPs: 1024, Pop: 16, Events: 1 << 62, Seed: 1})
	for i := 0; i < 1<<21; i++ { // warm up: the queue reaches its working size
		k.Step()
	}
	allocs := testing.AllocsPerRun(10, func() {
		for i := 0; i < 10_000; i++ {
			k.Step()
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per 10000 events", allocs)
	}
}

// BenchmarkPHOLD measures the steady state of the default PHOLD model: one op is one event.
func BenchmarkPHOLD(b *testing.B) {
	k, _ := newModel(Config{LPs: DefaultLPs, Pop: DefaultPop, Events: 1 << 62, Seed: 1})
	for i := 0; i < 1<<20; i++ { // warm up past the start-up transient
		k.Step()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
