package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// recorder logs the order in which events are handled.
type recorder struct {
	log []int
	at  []Time
}

func (r *recorder) Handle(k *Kernel, ev Event) {
	r.log = append(r.log, ev.Kind)
	r.at = append(r.at, k.Now())
}

func TestTiesRunInSchedulingOrder(t *testing.T) {
	k := New(1)
	r := &recorder{}
	for i := 0; i < 10; i++ {
		k.Schedule(5, r, i, nil)
	}
	k.Schedule(1, r, 100, nil)
	k.RunAll()
	want := []int{100, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	if !slices.Equal(r.log, want) {
		t.Fatalf("order = %v, want %v", r.log, want)
	}
}

func TestRunUntil(t *testing.T) {
	tests := []struct {
		name    string
		at      []Time
		until   Time
		handled uint64
		now     Time
	}{
		{"empty queue advances clock", nil, 10, 0, 10},
		{"event at until runs", []Time{10}, 10, 1, 10},
		{"event after until waits", []Time{5, 11}, 10, 1, 10},
		{"all before", []Time{1, 2, 3}, 100, 3, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := New(1)
			r := &recorder{}
			for _, at := range tc.at {
				k.Schedule(at, r, 0, nil)
			}
			if got := k.Run(tc.until); got != tc.handled {
				t.Errorf("handled %d, want %d", got, tc.handled)
			}
			if k.Now() != tc.now {
				t.Errorf("now %v, want %v", k.Now(), tc.now)
			}
		})
	}
}

func TestAdvanceTo(t *testing.T) {
	tests := []struct {
		name      string
		now       Time   // handle an event at now first
		pending   []Time // then schedule these
		to        Time
		wantPanic bool
	}{
		{"empty queue", 5, nil, 9, false},
		{"to now", 5, nil, 5, false},
		{"up to the next event", 5, []Time{9, 12}, 9, false},
		{"before now", 5, nil, 4, true},
		{"after the next event", 5, []Time{9, 12}, 10, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := New(1)
			r := &recorder{}
			k.Schedule(tc.now, r, 0, nil)
			k.Step()
			for _, at := range tc.pending {
				k.Schedule(at, r, 1, nil)
			}
			defer func() {
				p := recover()
				if (p != nil) != tc.wantPanic {
					t.Fatalf("panic = %v, want panic %v", p, tc.wantPanic)
				}
				if p != nil && k.Now() != tc.now {
					t.Errorf("a refused AdvanceTo moved the clock to %v", k.Now())
				}
			}()
			k.AdvanceTo(tc.to)
			if k.Now() != tc.to || k.Handled() != 1 || k.Pending() != len(tc.pending) {
				t.Errorf("now %v handled %d pending %d, want %v, 1, %d", k.Now(), k.Handled(), k.Pending(), tc.to, len(tc.pending))
			}
		})
	}
}

func TestStop(t *testing.T) {
	k := New(1)
	n := 0
	var h HandlerFunc = func(k *Kernel, ev Event) {
		n++
		if n == 3 {
			k.Stop()
		}
	}
	for i := 0; i < 10; i++ {
		k.After(time.Duration(i), h, 0, nil)
	}
	k.RunAll()
	if n != 3 || k.Pending() != 7 {
		t.Fatalf("handled %d with %d pending, want 3 and 7", n, k.Pending())
	}
}

func TestSchedulePastPanics(t *testing.T) {
	k := New(1)
	k.Schedule(10, &recorder{}, 0, nil)
	k.RunAll()
	defer func() {
		if recover() == nil {
			t.Fatal("scheduling in the past did not panic")
		}
	}()
	k.Schedule(5, &recorder{}, 0, nil)
}

func TestStreams(t *testing.T) {
	a, b := New(7), New(7)
	if a.Stream("net").Uint64() != b.Stream("net").Uint64() {
		t.Fatal("same seed and name gave different streams")
	}
	if New(7).Stream("net").Uint64() == New(7).Stream("cpu").Uint64() {
		t.Fatal("different names gave the same first value")
	}
	if New(7).Stream("net").Uint64() == New(8).Stream("net").Uint64() {
		t.Fatal("different seeds gave the same first value")
	}
	// Drawing from one stream does not perturb another.
	c := New(7)
	c.Stream("cpu").Uint64()
	if c.Stream("net").Uint64() != New(7).Stream("net").Uint64() {
		t.Fatal("streams are not independent")
	}
	if a.Stream("net") != a.Stream("net") {
		t.Fatal("Stream does not return the same stream for the same name")
	}
}

// naive is a reference scheduler: a slice kept sorted by (time, insertion order).
type naive struct {
	evs []naiveEv
	seq int
}

type naiveEv struct {
	at  Time
	seq int
	id  int
}

func (n *naive) push(at Time, id int) {
	n.seq++
	e := naiveEv{at, n.seq, id}
	i, _ := slices.BinarySearchFunc(n.evs, e, func(a, b naiveEv) int {
		if a.at != b.at {
			if a.at < b.at {
				return -1
			}
			return 1
		}
		return a.seq - b.seq
	})
	n.evs = slices.Insert(n.evs, i, e)
}

func (n *naive) pop() naiveEv {
	e := n.evs[0]
	n.evs = n.evs[1:]
	return e
}

// spawner schedules new events from inside handlers, driven by a random script: each event
// schedules up to two more after delays drawn by delay.
type spawner struct {
	rng   *rand.Rand
	next  int
	ref   *naive
	got   []int
	want  []int
	max   int
	delay func(r *rand.Rand) Time
	burst int // when > 0, now and then an event schedules this many events at once
}

func (s *spawner) schedule(k *Kernel, at Time) {
	s.next++
	k.Schedule(at, s, s.next, nil)
	s.ref.push(at, s.next)
}

func (s *spawner) Handle(k *Kernel, ev Event) {
	s.got = append(s.got, ev.Kind)
	s.want = append(s.want, s.ref.pop().id)
	if next, ok := k.Next(); ok && (len(s.ref.evs) == 0 || next != s.ref.evs[0].at) {
		panic(fmt.Sprintf("Next() = %v, reference says %v", next, s.ref.evs[0].at))
	}
	if k.Pending() != len(s.ref.evs) {
		panic(fmt.Sprintf("Pending() = %d, reference has %d", k.Pending(), len(s.ref.evs)))
	}
	c := s.rng.IntN(3)
	if s.burst > 0 && s.rng.IntN(50) == 0 {
		c = s.burst
	}
	for ; c > 0 && s.next < s.max; c-- {
		s.schedule(k, sat(k.Now(), s.delay(s.rng)))
	}
}

// sat returns now+d, saturating at the largest Time.
func sat(now, d Time) Time {
	if d > math.MaxInt64-now {
		return math.MaxInt64
	}
	return now + d
}

// delays are the distributions the queue is tested with: each stresses a different part of it
// (ties, the sorted bottom, splitting buckets into finer rungs, spreading top, times near the
// end of time).
var delays = []struct {
	name  string
	delay func(r *rand.Rand) Time
	burst int
}{
	{"small ints, many ties", func(r *rand.Rand) Time { return Time(r.IntN(5)) }, 0},
	{"exponential 1s", func(r *rand.Rand) Time { return Time(r.ExpFloat64() * 1e9) }, 0},
	{"exponential 1ns", func(r *rand.Rand) Time { return Time(r.ExpFloat64()) }, 0},
	{"bimodal ms and hours", func(r *rand.Rand) Time {
		if r.IntN(10) == 0 {
			return Time(r.Int64N(3600e9))
		}
		return Time(r.Int64N(1e6))
	}, 0},
	{"bursts at one instant", func(r *rand.Rand) Time { return Time(r.IntN(2)) * Time(r.Int64N(1e9)) }, 300},
	{"bursts spread over a moment", func(r *rand.Rand) Time { return Time(r.Int64N(1e3)) }, 400},
	{"heavy tail", func(r *rand.Rand) Time { return Time(math.Pow(2, 60*r.Float64())) }, 0},
	{"end of time", func(r *rand.Rand) Time {
		if r.IntN(4) == 0 {
			return math.MaxInt64
		}
		return math.MaxInt64 / 2 * Time(r.IntN(2))
	}, 0},
}

func TestQueueAgainstNaiveScheduler(t *testing.T) {
	for _, d := range delays {
		t.Run(d.name, func(t *testing.T) {
			for seed := uint64(0); seed < 60; seed++ {
				k := New(seed)
				s := &spawner{rng: rand.New(rand.NewPCG(seed, 99)), ref: &naive{}, max: 3000, delay: d.delay, burst: d.burst}
				for i := 0; i < 1+int(seed*seed%700); i++ {
					s.schedule(k, d.delay(s.rng))
				}
				// Run in slices, as the world model does, so that Next and Run(until) are exercised.
				for k.Pending() > 0 {
					next, _ := k.Next()
					k.Run(sat(next, d.delay(s.rng)))
				}
				if !slices.Equal(s.got, s.want) {
					t.Fatalf("seed %d: kernel order differs from the reference scheduler after %d events", seed, firstDiff(s.got, s.want))
				}
				if len(s.ref.evs) != 0 || len(s.got) != s.next {
					t.Fatalf("seed %d: handled %d of %d events, reference has %d left", seed, len(s.got), s.next, len(s.ref.evs))
				}
			}
		})
	}
}

func firstDiff(a, b []int) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestTimeString(t *testing.T) {
	if got := Time(1_500_000_001).String(); got != "1.500000001s" {
		t.Fatalf("got %q", got)
	}
	if got := Time(0).Add(time.Millisecond).Sub(0); got != time.Millisecond {
		t.Fatalf("got %v", got)
	}
}

// TestNoAllocationsInSteadyState: once the queue has reached its working size, handling and
// scheduling events allocates nothing, under uniform (hold) and exponential (PHOLD-like) delays.
func TestNoAllocationsInSteadyState(t *testing.T) {
	for _, tc := range []struct {
		name  string
		delay func(r *rand.Rand) Time
	}{
		{"uniform", func(r *rand.Rand) Time { return Time(r.IntN(1_000_000)) }},
		{"exponential", func(r *rand.Rand) Time { return Time(r.ExpFloat64() * 1e9) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := New(1)
			h := &delayer{rng: k.Stream("delay"), delay: tc.delay}
			for i := 0; i < 1<<14; i++ {
				k.Schedule(tc.delay(h.rng), h, i, nil)
			}
			for i := 0; i < 16<<14; i++ {
				k.Step()
			}
			allocs := testing.AllocsPerRun(20, func() {
				for i := 0; i < 1<<14; i++ {
					k.Step()
				}
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per %d events", allocs, 1<<14)
			}
		})
	}
}

// delayer reschedules each event after a delay drawn by delay.
type delayer struct {
	rng   *rand.Rand
	delay func(r *rand.Rand) Time
}

func (d *delayer) Handle(k *Kernel, ev Event) { k.Schedule(k.Now()+d.delay(d.rng), d, ev.Kind, nil) }

// hold is the classic hold model: each event schedules one successor.
type hold struct{ rng *rand.Rand }

func (h *hold) Handle(k *Kernel, ev Event) {
	k.Schedule(k.Now()+Time(h.rng.IntN(1_000_000)), h, ev.Kind, ev.Data)
}

func BenchmarkHold(b *testing.B) {
	for _, pop := range []int{1 << 10, 1 << 14, 1 << 17} {
		b.Run(fmt.Sprintf("pop=%d", pop), func(b *testing.B) {
			k := New(1)
			h := &hold{rng: k.Stream("hold")}
			for i := 0; i < pop; i++ {
				k.Schedule(Time(h.rng.IntN(1_000_000)), h, i, nil)
			}
			// Warm up: each event is rescheduled a few times, so the queue reaches its
			// steady state (and its working size: nothing allocates after that).
			for i := 0; i < 4*pop; i++ {
				k.Step()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k.Step()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// relay reschedules each event it handles delay later, left more times.
type relay struct {
	delay Time
	left  int
}

func (r *relay) Handle(k *Kernel, ev Event) {
	if r.left > 0 {
		r.left--
		k.Schedule(k.Now()+r.delay, r, ev.Kind, ev.Data)
	}
}

// TestWheelAdaptsToDensity: when the events thin out but stay within the wheel's reach, the
// wheel's slots, sized for the dense start, are flattened and rebuilt wider instead of being
// walked through one empty slot after another for ever. The order stays exact
// (TestQueueAgainstNaiveScheduler); this checks the width.
func TestWheelAdaptsToDensity(t *testing.T) {
	k := New(1)
	const second = Time(1_000_000_000)
	dense := &relay{delay: second, left: 3 * 4096} // 4096 events per second, then none
	for i := 0; i < 4096; i++ {
		k.Schedule(Time(i)*second/4096, dense, i, nil)
	}
	sparse := &relay{delay: second, left: 1 << 30} // 2 events per second, for ever
	for i := 0; i < 2; i++ {
		k.Schedule(second/4+Time(i)*second/2, sparse, i, nil)
	}
	for i := 0; i < 4096; i++ {
		k.Step()
	}
	narrow := k.q.w.shift
	for i := 0; i < 3*4096+200; i++ {
		k.Step()
	}
	if wide := k.q.w.shift; wide < narrow+5 {
		t.Fatalf("slot width 2^%d ns for 2 events per second, 2^%d ns for 4096: "+
			"want the sparse wheel at least 2^5 times wider", wide, narrow)
	}
}

// TestLookahead: before each event, the lookahead function sees the pending events that come
// next, farthest first, and never changes the order or the count of handled events.
func TestLookahead(t *testing.T) {
	k := New(1)
	var order []int
	var cur []int
	var seen [][]int // what the lookahead saw before each event
	h := HandlerFunc(func(_ *Kernel, ev Event) {
		order = append(order, ev.Kind)
		seen = append(seen, cur)
		cur = nil
	})
	for i := range 10 {
		k.Schedule(Time(10*(i+1)), h, i, nil)
	}
	k.SetLookahead(func(ahead int, ev *Event) { cur = append(cur, ev.Kind*10+ahead) })
	if n := k.RunAll(); n != 10 || !slices.Equal(order, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Fatalf("handled %d in order %v", n, order)
	}
	// Before event 0 it sees events 3, 2, 1 (as kind·10 + ahead); before event 8 only event 9;
	// before event 9 nothing.
	for i, want := range map[int][]int{0: {33, 22, 11}, 5: {83, 72, 61}, 8: {91}, 9: nil} {
		if !slices.Equal(seen[i], want) {
			t.Errorf("before event %d it saw %v, want %v", i, seen[i], want)
		}
	}
}
