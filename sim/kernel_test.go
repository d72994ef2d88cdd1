package sim

import (
	"fmt"
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

// spawner schedules new events from inside handlers, driven by a random script.
type spawner struct {
	rng  *rand.Rand
	next int
	ref  *naive
	got  []int
	want []int
	max  int
}

func (s *spawner) Handle(k *Kernel, ev Event) {
	s.got = append(s.got, ev.Kind)
	s.want = append(s.want, s.ref.pop().id)
	for c := s.rng.IntN(3); c > 0 && s.next < s.max; c-- {
		d := Time(s.rng.IntN(5)) // small range: many ties
		s.next++
		k.Schedule(k.Now()+d, s, s.next, nil)
		s.ref.push(k.Now()+d, s.next)
	}
}

func TestQueueAgainstNaiveScheduler(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		k := New(seed)
		s := &spawner{rng: rand.New(rand.NewPCG(seed, 99)), ref: &naive{}, max: 2000}
		for i := 0; i < 1+int(seed%50); i++ {
			at := Time(s.rng.IntN(20))
			s.next++
			k.Schedule(at, s, s.next, nil)
			s.ref.push(at, s.next)
		}
		k.RunAll()
		if !slices.Equal(s.got, s.want) {
			t.Fatalf("seed %d: kernel order differs from the reference scheduler\n got %v\nwant %v", seed, s.got, s.want)
		}
		if len(s.ref.evs) != 0 {
			t.Fatalf("seed %d: reference has %d events left", seed, len(s.ref.evs))
		}
	}
}

func TestTimeString(t *testing.T) {
	if got := Time(1_500_000_001).String(); got != "1.500000001s" {
		t.Fatalf("got %q", got)
	}
	if got := Time(0).Add(time.Millisecond).Sub(0); got != time.Millisecond {
		t.Fatalf("got %v", got)
	}
}

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
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k.Step()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
