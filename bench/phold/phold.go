package phold

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/mimisim/mimisim/sim"
)

// Defaults of Config. DefaultEvents takes one to two wall seconds on a current x86 core.
const (
	DefaultLPs    = 1024
	DefaultPop    = 16
	DefaultEvents = 20_000_000
	DefaultSeed   = 1
)

// second is one virtual time unit (see the package documentation).
const second = float64(time.Second)

// Config says how big a PHOLD run is.
type Config struct {
	LPs    int    // logical processes (> 0)
	Pop    int    // initial events per LP (> 0)
	Events uint64 // events to handle, the initial ones included (> 0)
	Seed   uint64 // seed of the kernel, and so of the "phold" stream
}

// Result is what a run produced. Everything but Wall is a pure function of the Config.
type Result struct {
	Config
	Handled  uint64        // events handled; equals Events
	End      sim.Time      // virtual time of the last event handled
	PerLP    []uint64      // events handled by each LP
	Wall     time.Duration // wall-clock time of the event loop only (set-up excluded)
	EventsPS float64       // Handled / Wall in seconds
}

// Validate reports a Config that Run cannot use.
func (c Config) Validate() error {
	switch {
	case c.LPs <= 0:
		return fmt.Errorf("phold: lps must be positive, got %d", c.LPs)
	case c.Pop <= 0:
		return fmt.Errorf("phold: pop must be positive, got %d", c.Pop)
	case c.Events == 0:
		return fmt.Errorf("phold: events must be positive")
	}
	return nil
}

// model is the shared state of all LPs.
type model struct {
	lps   []lp
	rng   *rand.Rand
	n     uint64 // len(lps) as the bound of Uint64N
	left  uint64 // events still to handle before the run stops
	count []uint64
}

// lp is one logical process; the LPs are the handlers of the events.
type lp struct {
	m  *model
	id int
}

// Handle counts the event and sends one new event to a random LP after an Exp(1 s) delay.
func (p *lp) Handle(k *sim.Kernel, ev sim.Event) {
	m := p.m
	m.count[p.id]++
	if m.left--; m.left == 0 {
		k.Stop()
		return
	}
	dst := &m.lps[m.rng.Uint64N(m.n)]
	k.Schedule(k.Now()+sim.Time(m.rng.ExpFloat64()*second), dst, 0, nil)
}

// newModel builds the kernel and LPs and schedules the initial events.
func newModel(c Config) (*sim.Kernel, *model) {
	k := sim.New(c.Seed)
	m := &model{
		lps:   make([]lp, c.LPs),
		rng:   k.Stream("phold"),
		n:     uint64(c.LPs),
		left:  c.Events,
		count: make([]uint64, c.LPs),
	}
	for i := range m.lps {
		m.lps[i] = lp{m: m, id: i}
	}
	for i := range m.lps {
		for j := 0; j < c.Pop; j++ {
			k.Schedule(sim.Time(m.rng.ExpFloat64()*second), &m.lps[i], 0, nil)
		}
	}
	return k, m
}

// Run runs PHOLD until cfg.Events events have been handled. It panics on an invalid Config;
// call Validate first on user input.
func Run(cfg Config) Result {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	k, m := newModel(cfg)
	start := time.Now()
	k.RunAll()
	wall := time.Since(start)
	return Result{
		Config:   cfg,
		Handled:  k.Handled(),
		End:      k.Now(),
		PerLP:    m.count,
		Wall:     wall,
		EventsPS: float64(k.Handled()) / wall.Seconds(),
	}
}

// Line formats r as the one-line summary "mimisim bench phold" prints, in the format the peer
// simulators under bench/peers also print.
func (r Result) Line() string {
	return fmt.Sprintf("phold lps=%d pop=%d events=%d wall_s=%.3f events_per_s=%.0f",
		r.LPs, r.Pop, r.Handled, r.Wall.Seconds(), r.EventsPS)
}
