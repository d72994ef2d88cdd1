package calib

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/mimisim/mimisim/models/cost"
	"github.com/mimisim/mimisim/models/mls"
)

// Options control a measurement.
type Options struct {
	// Sizes are the group sizes, each at least 2 and at most the engine's MaxMembers.
	Sizes []int
	// Reps is the number of timed repetitions per op and size (at least 1).
	Reps int
	// MinTime is how long one repetition should run at least; its iteration count is chosen
	// from a one-iteration pilot. Default 50ms.
	MinTime time.Duration
	// MaxIters caps the iterations of one repetition. Default 100000.
	MaxIters int
	// Progress, if set, is called before each repetition.
	Progress func(op mls.Op, members, rep, iters int)
}

// DefaultMaxSize is the largest group size calibrated by default: engines that hold larger
// groups (rfc9420 holds 65,536) are measured up to it, and their fits extrapolate beyond.
const DefaultMaxSize = 4096

// DefaultSizes returns 2, 4, 8, … up to max, and max itself if it is not a power of two.
func DefaultSizes(max int) []int {
	var s []int
	for n := 2; n <= max; n *= 2 {
		s = append(s, n)
	}
	if len(s) > 0 && s[len(s)-1] != max && max > 2 {
		s = append(s, max)
	}
	return s
}

func (o *Options) check(engine mls.Engine) error {
	if len(o.Sizes) == 0 {
		return fmt.Errorf("calib: no sizes")
	}
	for _, n := range o.Sizes {
		if n < 2 || n > engine.MaxMembers() {
			return fmt.Errorf("calib: size %d is outside 2..%d (engine %s)", n, engine.MaxMembers(), engine.Name())
		}
	}
	sorted := slices.Clone(o.Sizes)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(o.Sizes) {
		return fmt.Errorf("calib: size given twice in %v", o.Sizes)
	}
	if o.Reps < 1 {
		return fmt.Errorf("calib: %d repetitions, want at least 1", o.Reps)
	}
	if o.MinTime < 0 || o.MaxIters < 0 {
		return fmt.Errorf("calib: negative MinTime or MaxIters")
	}
	if o.MinTime == 0 {
		o.MinTime = 50 * time.Millisecond
	}
	if o.MaxIters == 0 {
		o.MaxIters = 100000
	}
	return nil
}

// Measure times every op of mls.Ops at every size of opts on engine and returns one raw point per
// op, size and repetition. It runs with GOMAXPROCS(1), as the benchmark that made the shipped
// table ran with -cpu 1, so that the garbage collector does not run on a second core for free.
//
// Ops are measured in the order of mls.Ops (process_commit, which advances the groups' epochs
// and fills their trees, after the commits); within an op, the repetitions cycle over the
// sizes, so that a disturbance of the machine is spread over sizes rather than falling on one.
// Each repetition is prepared afresh (see Fixture.Prepare), the heap collected, and then timed
// as a whole: NsPerOp is its wall-clock time divided by its iterations.
func Measure(engine mls.Engine, opts Options) ([]cost.RawPoint, error) {
	if err := opts.check(engine); err != nil {
		return nil, err
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f := NewFixture(engine)
	var raw []cost.RawPoint
	for _, op := range mls.Ops {
		iters := make(map[int]int, len(opts.Sizes))
		for _, n := range opts.Sizes {
			run, err := f.Prepare(op, n, 1)
			if err != nil {
				return nil, fmt.Errorf("%s at %d members: %w", op, n, err)
			}
			start := time.Now()
			if _, err := run(0); err != nil {
				return nil, fmt.Errorf("%s at %d members: %w", op, n, err)
			}
			pilot := max(time.Since(start), time.Microsecond)
			iters[n] = int(min(float64(opts.MaxIters), max(1, math.Ceil(float64(opts.MinTime)/float64(pilot)))))
		}
		for rep := range opts.Reps {
			for _, n := range opts.Sizes {
				if opts.Progress != nil {
					opts.Progress(op, n, rep, iters[n])
				}
				p, err := measureOnce(f, op, n, iters[n])
				if err != nil {
					return nil, fmt.Errorf("%s at %d members: %w", op, n, err)
				}
				p.Rep = rep
				raw = append(raw, p)
			}
		}
	}
	return raw, nil
}

func measureOnce(f *Fixture, op mls.Op, n, iters int) (cost.RawPoint, error) {
	run, err := f.Prepare(op, n, iters)
	if err != nil {
		return cost.RawPoint{}, err
	}
	runtime.GC()
	size := -1
	start := time.Now()
	for i := range iters {
		if size, err = run(i); err != nil {
			return cost.RawPoint{}, err
		}
	}
	elapsed := time.Since(start)
	p := cost.RawPoint{Op: op, Members: n, Iterations: iters, NsPerOp: float64(elapsed.Nanoseconds()) / float64(iters)}
	if size > 0 {
		p.Bytes = size
	}
	return p, nil
}

// Meta describes a calibration for its file.
type Meta struct {
	Command string // the command line that ran it
	Date    string // YYYY-MM-DD
	Notes   string
}

// Calibrate measures engine (see Measure), reduces each op and size to the median of its
// repetitions and fits a cost curve to every op (cost.FitPoints). The table it returns is
// validated and fitted: its CPU evaluates the fits.
func Calibrate(engine mls.Engine, opts Options, meta Meta) (*cost.Table, error) {
	raw, err := Measure(engine, opts)
	if err != nil {
		return nil, err
	}
	return FromRaw(engine.Name(), raw, meta)
}

// FromRaw builds the fitted table of raw measurements of this host.
func FromRaw(engine string, raw []cost.RawPoint, meta Meta) (*cost.Table, error) {
	t := &cost.Table{
		Engine:    engine,
		Machine:   Machine(),
		CPUName:   CPUModel(),
		GoVersion: runtime.Version(),
		Command:   meta.Command,
		Date:      meta.Date,
		Notes:     meta.Notes,
		Points:    cost.Medians(raw),
		Raw:       raw,
	}
	if err := t.FitTable(); err != nil {
		return nil, err
	}
	return t, nil
}

// CPUModel returns the first "model name" of /proc/cpuinfo, or GOARCH where there is none.
func CPUModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
				return strings.TrimSpace(value)
			}
		}
	}
	return runtime.GOARCH
}

// Machine describes the host: CPU model, logical CPUs and platform.
func Machine() string {
	return fmt.Sprintf("%s, %d logical CPUs, %s/%s", CPUModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
}
