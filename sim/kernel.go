package sim

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"
)

// Handler receives the events scheduled for it.
type Handler interface {
	Handle(k *Kernel, ev Event)
}

// HandlerFunc adapts a function to a Handler. Convenient outside hot paths: a closure
// allocates when it is created.
type HandlerFunc func(k *Kernel, ev Event)

// Handle calls f(k, ev).
func (f HandlerFunc) Handle(k *Kernel, ev Event) { f(k, ev) }

// Event is one scheduled occurrence. Kind and Data are the handler's own: Kind says what
// happened, Data carries a pointer-shaped payload (storing a pointer in Data allocates nothing).
type Event struct {
	At   Time
	H    Handler
	Kind int
	Data any
}

// Kernel is a sequential discrete-event simulator. It is not safe for concurrent use; run one
// kernel per goroutine.
type Kernel struct {
	now     Time
	q       queue
	handled uint64
	stopped bool
	seed    uint64
	streams map[string]*rand.Rand
	look    func(ahead int, ev *Event) // SetLookahead
}

// Lookahead is how many pending events SetLookahead's function is shown.
const Lookahead = 3

// SetLookahead sets a function the kernel calls before it hands an event to its handler, with
// the next Lookahead pending events as far as the queue's sorted front shows them, farthest
// first: f(3, the third next event), f(2, …), f(1, the next one). A model uses it to prefetch,
// stage by stage, what those events' handlers will read (internal/prefetch): an event's data
// three steps ahead, what that data points to two steps ahead, and so on, each stage reading
// only lines the stage before asked for. It must change nothing: the events may still be
// preceded by others scheduled meanwhile, and results must not depend on whether it is set.
// nil turns it off.
func (k *Kernel) SetLookahead(f func(ahead int, ev *Event)) { k.look = f }

// New returns a kernel at time zero whose random streams derive from seed.
func New(seed uint64) *Kernel {
	return &Kernel{seed: seed, streams: make(map[string]*rand.Rand)}
}

// Now returns the current virtual time.
func (k *Kernel) Now() Time { return k.now }

// Seed returns the seed the kernel's streams derive from.
func (k *Kernel) Seed() uint64 { return k.seed }

// Handled returns the number of events handled so far.
func (k *Kernel) Handled() uint64 { return k.handled }

// Pending returns the number of events waiting in the queue.
func (k *Kernel) Pending() int { return k.q.len() }

// Next returns the time of the next event, if there is one.
func (k *Kernel) Next() (Time, bool) {
	if k.q.len() == 0 {
		return 0, false
	}
	return k.q.peek().At, true
}

// Schedule arranges for h to receive an event at time at. Scheduling in the past is a
// programmer error and panics.
func (k *Kernel) Schedule(at Time, h Handler, kind int, data any) {
	if at < k.now {
		panic(fmt.Sprintf("sim: event scheduled at %v, before now %v", at, k.now))
	}
	if h == nil {
		panic("sim: nil handler")
	}
	k.q.push(at, h, kind, data)
}

// After schedules an event d after now. d must not be negative.
func (k *Kernel) After(d time.Duration, h Handler, kind int, data any) {
	if d < 0 {
		panic(fmt.Sprintf("sim: negative delay %v", d))
	}
	k.Schedule(k.now+Time(d), h, kind, data)
}

// AdvanceTo moves the clock forward to t without handling an event, for a caller that has
// already accounted for what happened up to t by other means (models/world records a
// decryption when it starts, with the time it completes, instead of scheduling its
// completion). t before now, or after the next pending event, is a programmer error and
// panics.
func (k *Kernel) AdvanceTo(t Time) {
	if t < k.now {
		panic(fmt.Sprintf("sim: AdvanceTo(%v), before now %v", t, k.now))
	}
	if next, ok := k.Next(); ok && t > next {
		panic(fmt.Sprintf("sim: AdvanceTo(%v), after the next event at %v", t, next))
	}
	k.now = t
}

// Stop makes Run return after the event being handled.
func (k *Kernel) Stop() { k.stopped = true }

// Step handles the next event, if any, and reports whether it did.
func (k *Kernel) Step() bool {
	q := &k.q
	if q.head == len(q.keys) {
		if q.n == 0 {
			return false
		}
		q.refill()
	}
	// The event is passed from bottom to the handler without an intermediate copy: the
	// arguments are loaded before the call, so the handler may schedule (and so move bottom's
	// events) freely. The slot keeps its references until bottom is refilled.
	ev := &q.bev[q.keys[q.head]&q.mask]
	at, h, kind, data := ev.At, ev.H, ev.Kind, ev.Data
	q.head++
	q.n--
	k.now = at
	k.handled++
	if k.look != nil {
		k.lookahead()
	}
	h.Handle(k, Event{At: at, H: h, Kind: kind, Data: data})
	return true
}

// lookahead shows the lookahead function the next Lookahead events of bottom, farthest first
// (SetLookahead).
func (k *Kernel) lookahead() {
	q := &k.q
	for a := Lookahead; a >= 1; a-- {
		if i := q.head + a - 1; i < len(q.keys) {
			k.look(a, &q.bev[q.keys[i]&q.mask])
		}
	}
}

// Run handles events in time order until the queue is empty, Stop is called, or the next event
// is due after until. When it returns because of until, the clock is advanced to until.
// It returns the number of events handled by this call.
func (k *Kernel) Run(until Time) uint64 {
	start := k.handled
	k.stopped = false
	for k.q.len() > 0 && !k.stopped {
		if k.q.peek().At > until {
			break
		}
		k.Step()
	}
	if !k.stopped && until > k.now {
		k.now = until
	}
	return k.handled - start
}

// RunAll handles events until the queue is empty or Stop is called.
func (k *Kernel) RunAll() uint64 {
	start := k.handled
	k.stopped = false
	q := &k.q
	for !k.stopped {
		// Step, written out: one call per event fewer.
		if q.head == len(q.keys) {
			if q.n == 0 {
				break
			}
			q.refill()
		}
		ev := &q.bev[q.keys[q.head]&q.mask]
		at, h, kind, data := ev.At, ev.H, ev.Kind, ev.Data
		q.head++
		q.n--
		k.now = at
		k.handled++
		if k.look != nil {
			k.lookahead()
		}
		h.Handle(k, Event{At: at, H: h, Kind: kind, Data: data})
	}
	return k.handled - start
}

// Stream returns the random stream with the given name. The same name always returns the same
// stream within a kernel; its initial state depends only on the kernel's seed and the name.
func (k *Kernel) Stream(name string) *rand.Rand {
	if r, ok := k.streams[name]; ok {
		return r
	}
	r := NewStream(k.seed, name)
	k.streams[name] = r
	return r
}

// NewStream returns a PCG stream derived from seed and name, the same one Kernel.Stream gives.
func NewStream(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}
