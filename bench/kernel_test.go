package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mimisim/mimisim/sim"
)

// holder is the hold model's handler: every event it handles schedules one successor at now plus
// a random increment, so the queue keeps its population while the clock advances.
type holder struct {
	rng  *rand.Rand
	draw func(*rand.Rand) sim.Time
}

func (h *holder) Handle(k *sim.Kernel, ev sim.Event) {
	k.Schedule(k.Now()+h.draw(h.rng), h, ev.Kind, ev.Data)
}

// holdDists are the increment distributions of the hold model, all with mean 1 ms: exponential
// (the classic hold benchmark), uniform on [0, 2 ms], and a two-valued one whose many equal times
// exercise the tie-break.
var holdDists = []struct {
	name string
	draw func(*rand.Rand) sim.Time
}{
	{"exp", func(r *rand.Rand) sim.Time { return sim.Time(r.ExpFloat64() * 1e6) }},
	{"uniform", func(r *rand.Rand) sim.Time { return sim.Time(r.Int64N(2_000_001)) }},
	{"ties", func(r *rand.Rand) sim.Time { return sim.Time(r.Int64N(2) * 2_000_000) }},
}

// BenchmarkEventQueue is the hold model on the kernel: one op is one Step (pop the earliest
// event, handle it, push its successor) with pop events pending. It reports events/s (kernel
// events handled per wall-clock second) and must allocate nothing per event.
func BenchmarkEventQueue(b *testing.B) {
	for _, d := range holdDists {
		for _, pop := range []int{1 << 10, 1 << 14, 1 << 17} {
			b.Run(fmt.Sprintf("dist=%s/pop=%d", d.name, pop), func(b *testing.B) {
				k := sim.New(1)
				h := &holder{rng: k.Stream("hold"), draw: d.draw}
				for i := range pop {
					k.Schedule(h.draw(h.rng), h, i, nil)
				}
				for range pop { // warm-up: reach the steady-state shape of the heap
					k.Step()
				}
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					k.Step()
				}
				b.StopTimer()
				if k.Pending() != pop {
					b.Fatalf("population %d, want %d", k.Pending(), pop)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
