package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/mimisim/mimisim/models/mls/engines"
	"github.com/mimisim/mimisim/models/world"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/scenarios"
)

// seedRule is how the manifest and report describe a sweep's seeds.
const seedRule = "each job's seed is scenarios.JobSeed(base seed, point parameters, replication): the first 8 bytes " +
	"(big-endian) of SHA-256 over a domain tag, the base seed, the point's parameters sorted by field path, and the " +
	"replication index, as docs/scenario-format.md (section sweep) specifies. Seeds do not depend on the point's index, " +
	"so a quick sweep, or a sweep with more values or replications, gives the same job the same seed."

// sweepNote is the manifest note every sweep carries.
const sweepNote = "Each job ran alone in its own single-threaded simulation kernel with its own engine instance; " +
	"jobs ran in parallel and their results were merged in point and replication order, so these files do not depend on " +
	"the number of parallel jobs."

// sweepCmd is `mimisim sweep FILE`: it runs every job of a scenario's sweep (or of its quick
// sweep) on a pool of worker goroutines and writes one results directory.
func sweepCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	jobs := fs.Int("jobs", runtime.NumCPU(), "")
	quick := fs.Bool("quick", false, "")
	out := fs.String("out", "", "")
	quiet := fs.Bool("quiet", false, "")
	shardFlag := fs.String("shard", "", "")
	prof := addProfileFlags(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError{"sweep: " + err.Error()}
	}
	var sh *shardSpec
	if *shardFlag != "" {
		if sh, err = parseShard(*shardFlag); err != nil {
			return err
		}
	}
	if len(pos) != 1 {
		return usageError{fmt.Sprintf("sweep takes one scenario file (or embedded:NAME), got %d", len(pos))}
	}
	if *jobs < 1 {
		return usageError{fmt.Sprintf("--jobs must be at least 1, got %d", *jobs)}
	}

	// Everything that can be checked is checked before anything runs or is written.
	file := pos[0]
	sc, raw, err := loadScenarioFile(file)
	if err != nil {
		return err
	}
	if sc.Sweep == nil {
		return fmt.Errorf("%s has no sweep section, so there is nothing to sweep (mimisim run runs it once; docs/scenario-format.md describes sweep)", file)
	}
	points, err := sc.Expand(*quick)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	for _, p := range points {
		if err := checkJob(p); err != nil {
			return fmt.Errorf("%s: %s: %w", file, jobLabel(p), err)
		}
	}
	dir := *out
	if dir == "" {
		dir = defaultSweepDir(sc, *quick)
		if sh != nil {
			dir += fmt.Sprintf("-shard-%d-of-%d", sh.index, sh.count)
		}
	}
	all := points
	if sh != nil {
		points = sh.pick(points)
	}

	stopProfiles, err := prof.start()
	if err != nil {
		return err
	}
	start := time.Now()
	prog := &sweepProgress{w: stderr, start: start, total: len(points), quiet: *quiet}
	done, err := runJobs(points, *jobs, prog)
	prog.finish()
	if perr := stopProfiles(); perr != nil && err == nil {
		err = perr
	}
	if err != nil {
		return fmt.Errorf("sweep %s: %w; no results were written", file, err)
	}
	if sh != nil {
		return writeShard(stdout, sc, file, raw, *quick, *sh, len(all), points, done, dir, *quiet)
	}

	recs := make([]jobRecord, len(done))
	for j, r := range done {
		recs[j] = recordOf(r)
	}
	m, obs := sweepManifest(sc, file, raw, points, recs, *quick)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	opts := resultOptions()
	opts.Overwrite = true
	if err := results.WriteSweep(dir, m, obs, opts); err != nil {
		return err
	}
	if *quiet {
		return nil
	}
	return printSweep(stdout, sc, file, m, obs, *jobs, time.Since(start), dir)
}

// defaultSweepDir is where a sweep's results go without --out.
func defaultSweepDir(sc *scenarios.Scenario, quick bool) string {
	name := "sweep"
	if quick {
		name = "sweep-quick"
	}
	return filepath.Join("results", sc.Name, name)
}

// loadScenarioFile reads and validates a scenario file, or "embedded:NAME", and returns its raw
// bytes for the manifest's hash.
func loadScenarioFile(file string) (*scenarios.Scenario, []byte, error) {
	if name, ok := strings.CutPrefix(file, "embedded:"); ok {
		return scenarios.LoadEmbedded(name, limits())
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	sc, err := scenarios.Parse(file, raw, limits())
	if err != nil {
		return nil, nil, err
	}
	return sc, raw, nil
}

// jobLabel names a job so that it can be found and replayed.
func jobLabel(p scenarios.Point) string {
	return fmt.Sprintf("point %d (%s) replication %d, seed %d", p.Index, paramList(p.Params), p.Replication, p.Seed)
}

func paramList(ps []scenarios.Param) string {
	if len(ps) == 0 {
		return "no parameters"
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Name + "=" + p.Value
	}
	return strings.Join(parts, ", ")
}

// checkJob checks that a job's engine and cost model exist and that its workloads convert.
func checkJob(p scenarios.Point) error {
	engine, err := engines.Lookup(p.Scenario.Engine)
	if err != nil {
		return err
	}
	model, _, err := costModel(p.Scenario.TimeMode, engine.Name(), "")
	if err != nil {
		return err
	}
	_, err = worldOptions(p.Scenario, engine, model)
	return err
}

// jobResult is what one job produced.
type jobResult struct {
	res           *world.Result // with World dropped
	engine        string
	engineVersion string
	calibration   string
	fidelity      string // the fidelity the job ran (auto:K resolved)
	err           error
}

// runJob runs one job: one deterministic world.Run with its own engine instance (Lookup makes a
// new one per call) and cost model (tables are read-only once loaded). A panic becomes an error.
func runJob(p scenarios.Point) (jr jobResult) {
	defer func() {
		if r := recover(); r != nil {
			jr.err = fmt.Errorf("panic: %v", r)
		}
	}()
	engine, err := engines.Lookup(p.Scenario.Engine)
	if err != nil {
		return jobResult{err: err}
	}
	model, calibration, err := costModel(p.Scenario.TimeMode, engine.Name(), "")
	if err != nil {
		return jobResult{err: err}
	}
	opts, err := worldOptions(p.Scenario, engine, model)
	if err != nil {
		return jobResult{err: err}
	}
	res, err := runWorld(p.Scenario, opts)
	if err != nil {
		return jobResult{err: err}
	}
	res.World = nil // the whole simulated world; only the results are kept
	return jobResult{res: res, engine: engine.Name(), engineVersion: engine.Version(), calibration: calibration,
		fidelity: p.Scenario.Fidelity}
}

// runJobFunc runs one job; tests replace it to make jobs fail.
var runJobFunc = runJob

// runJobs runs the jobs on a pool of workers goroutines and returns their results in job
// order. After a job fails no new job starts; the error names the first failed job in job
// order.
func runJobs(points []scenarios.Point, workers int, prog *sweepProgress) ([]jobResult, error) {
	out := make([]jobResult, len(points))
	next := make(chan int)
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(workers, len(points)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				prog.started()
				out[i] = runJobFunc(points[i])
				if out[i].err != nil {
					failed.Store(true)
				}
				prog.finished(out[i].err != nil)
			}
		}()
	}
	for i := range points {
		if failed.Load() {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	for i, r := range out {
		if r.err != nil {
			return nil, fmt.Errorf("job %d, %s, failed: %w (to replay it alone, set %s in the scenario and run it with mimisim run --seed %d)",
				i, jobLabel(points[i]), r.err, replayValues(points[i]), points[i].Seed)
		}
	}
	return out, nil
}

func replayValues(p scenarios.Point) string {
	if len(p.Params) == 0 {
		return "nothing"
	}
	parts := make([]string, len(p.Params))
	for i, prm := range p.Params {
		parts[i] = prm.Name + ": " + prm.Value
	}
	return strings.Join(parts, ", ")
}

// jobRecord is what the manifest and results of a sweep keep of one finished job, whether it
// ran in this process or in a shard (see merge.go).
type jobRecord struct {
	engine, engineVersion, calibration string
	events                             uint64
	simulatedNs                        int64
	extra                              map[string]string
	obs                                []results.Observation
}

// recordOf keeps what a sweep records of a job that ran here.
func recordOf(r jobResult) jobRecord {
	res := r.res
	extra := runExtra(res)
	extra["fidelity"] = r.fidelity
	extra["limits_reached"] = strings.Join(res.Limits, "; ")
	return jobRecord{
		engine: r.engine, engineVersion: r.engineVersion, calibration: r.calibration,
		events: res.Events, simulatedNs: int64(res.EndTime),
		extra: extra,
		obs:   res.Observations.Slice(), // sweeps run many small jobs: one slice each
	}
}

// sweepManifest builds the manifest of a finished sweep and the observations of its jobs, in
// job order. recs[j] is the record of points[j].
func sweepManifest(sc *scenarios.Scenario, file string, raw []byte, points []scenarios.Point, recs []jobRecord, quick bool) (results.Manifest, [][]results.Observation) {
	first := recs[0]
	m := manifest(sc, file, raw, first.engine, first.engineVersion, first.calibration, &world.Result{})
	m.Params = nil
	m.Extra = nil
	if sc.Faults != nil {
		m.Notes = append(m.Notes, "Faults: each job draws its own random partitions and crashes from its seed; "+
			"run one job's scenario with mimisim run to list them.")
	}
	m.Events, m.SimulatedNs = 0, 0
	var engineNames, versions, calibrations []string
	info := &results.SweepInfo{Quick: quick, SeedRule: seedRule, Series: sc.Sweep.Series}
	obs := make([][]results.Observation, len(recs))
	measured := false
	for j, p := range points {
		r := recs[j]
		if p.Index == len(info.Points) {
			info.Points = append(info.Points, results.SweepPoint{Index: p.Index, Params: toResultParams(p.Params)})
			for k, prm := range p.Params {
				if k == len(info.Axes) {
					info.Axes = append(info.Axes, results.SweepAxis{Name: prm.Name})
				}
				if !slices.Contains(info.Axes[k].Values, prm.Value) {
					info.Axes[k].Values = append(info.Axes[k].Values, prm.Value)
				}
			}
		}
		info.Replications = max(info.Replications, p.Replication+1) // every point has replications 0 … R−1
		info.Jobs = append(info.Jobs, results.SweepJob{
			Point: p.Index, Replication: p.Replication, Seed: p.Seed,
			Events: r.events, SimulatedNs: r.simulatedNs, Extra: r.extra,
		})
		m.Events += r.events
		m.SimulatedNs += r.simulatedNs
		obs[j] = r.obs
		engineNames = appendNew(engineNames, r.engine)
		versions = appendNew(versions, r.engineVersion)
		calibrations = appendNew(calibrations, r.calibration)
		measured = measured || p.Scenario.TimeMode == timeModeMeasured
	}
	m.Engine = strings.Join(engineNames, ", ")
	m.EngineVersion = strings.Join(versions, "; ")
	m.Calibration = strings.Join(calibrations, "; ")
	// A sweep writes no invariants.json: every job checked the invariants, and a violation
	// fails the sweep before anything is written, so reaching here means all of them held.
	m.Notes = append(m.Notes, fmt.Sprintf("Every job checked the run invariants (%s) and all held; a violated one fails the sweep.", strings.Join(world.InvariantNames, ", ")))
	m.Notes = append(m.Notes, sweepNote)
	m.Notes = append(m.Notes, sampledNotes(points, recs)...)
	m.Notes = append(m.Notes, limitNotes(points, recs)...)
	if measured {
		applyTimeMode(&m, timeModeMeasured)
		m.Notes = append(m.Notes, "Some jobs ran in time mode measured while other jobs ran in parallel, which also changes their wall-clock costs; run such sweeps with --jobs 1.")
	}
	m.Sweep = info
	return m, obs
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func toResultParams(ps []scenarios.Param) []results.Param {
	out := make([]results.Param, len(ps))
	for i, p := range ps {
		out[i] = results.Param{Name: p.Name, Value: p.Value}
	}
	return out
}

// printSweep prints what ran and the delivery latency of every point.
func printSweep(w io.Writer, sc *scenarios.Scenario, file string, m results.Manifest, obs [][]results.Observation, workers int, wall time.Duration, dir string) error {
	info := m.Sweep
	fmt.Fprintf(w, "sweep %s (%s): %d points × %d replications = %d jobs on %d workers, %.1fs wall\n",
		sc.Name, file, len(info.Points), info.Replications, len(info.Jobs), min(workers, len(info.Jobs)), wall.Seconds())
	var rows []results.SweepRow
	for _, r := range results.SummarizeSweep(info, obs) {
		if r.Metric == world.MetricDelivery && r.Group == results.AllGroup {
			rows = append(rows, r)
		}
	}
	if len(rows) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		var head []string
		for _, a := range info.Axes {
			head = append(head, a.Name)
		}
		head = append(head, "reps", "delivery_latency mean (ms)", "95% CI", "p99")
		fmt.Fprintln(tw, strings.Join(head, "\t"))
		for _, r := range rows {
			var cells []string
			for _, p := range r.Params {
				cells = append(cells, p.Value)
			}
			ci := "-"
			if r.Replications > 1 {
				ci = "[" + results.FormatValue(r.CILow) + ", " + results.FormatValue(r.CIHigh) + "]"
			}
			cells = append(cells, strconv.Itoa(r.Replications), results.FormatValue(r.RepMean), ci, results.FormatValue(r.P99))
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "\nresults: %s (report.md, summary.csv, observations.csv, figures/)\n", dir)
	return err
}

// sweepProgress prints a line on stderr as jobs start and finish. It reads the wall clock for
// display only; nothing it does reaches the simulation or the results.
type sweepProgress struct {
	mu                    sync.Mutex
	w                     io.Writer
	start                 time.Time
	total                 int
	running, done, failed int
	quiet, shown          bool
}

func (p *sweepProgress) started() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running++
	p.print()
}

func (p *sweepProgress) finished(failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running--
	p.done++
	if failed {
		p.failed++
	}
	p.print()
}

func (p *sweepProgress) print() {
	if p.quiet {
		return
	}
	p.shown = true
	failed := ""
	if p.failed > 0 {
		failed = fmt.Sprintf(", %d failed", p.failed)
	}
	fmt.Fprintf(p.w, "\rmimisim sweep: %d/%d jobs done, %d running%s, %.0fs wall   ",
		p.done, p.total, p.running, failed, time.Since(p.start).Seconds())
}

func (p *sweepProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprintln(p.w)
	}
}

// sampledNotes says, per engine, which room sizes of a sweep with fidelity auto:K ran sampled
// because they exceed what the engine holds in full fidelity (recs[j].extra["fidelity"] is the
// fidelity job j ran).
func sampledNotes(points []scenarios.Point, recs []jobRecord) []string {
	type span struct {
		fidelity string
		sizes    []int
	}
	var order []string
	by := map[string]*span{}
	for j, p := range points {
		sc, fid := p.Scenario, recs[j].extra["fidelity"]
		if k, _ := scenarios.SampledK(fid); k == 0 {
			continue
		}
		if _, ok := by[sc.Engine]; !ok {
			order = append(order, sc.Engine)
			by[sc.Engine] = &span{fidelity: fid}
		}
		if s := by[sc.Engine]; !slices.Contains(s.sizes, sc.Room.Members) {
			s.sizes = append(s.sizes, sc.Room.Members)
		}
	}
	limits := engines.Limits()
	var notes []string
	for _, e := range order {
		s := by[e]
		slices.Sort(s.sizes)
		notes = append(notes, fmt.Sprintf("Engine %s holds at most %d members in full fidelity (its MaxMembers), so its jobs with "+
			"%d to %d members ran in fidelity %s: real MLS state only for K members per provider, the others modelled (costs "+
			"from the cost model, commit and Welcome sizes nominal).", e, limits[e], s.sizes[0], s.sizes[len(s.sizes)-1], s.fidelity))
	}
	return notes
}

// limitNotes says, per point and engine limit, which operations the engine could not perform
// and in how many of the point's replications (recs[j].extra["limits_reached"] of job j).
func limitNotes(points []scenarios.Point, recs []jobRecord) []string {
	type key struct {
		point int
		text  string
	}
	var order []key
	count := map[key]int{}
	reps := map[int]int{}
	params := map[int]string{}
	for j, p := range points {
		reps[p.Index]++
		var ps []string
		for _, prm := range p.Params {
			ps = append(ps, prm.Name+"="+prm.Value)
		}
		params[p.Index] = strings.Join(ps, ", ")
		l := recs[j].extra["limits_reached"]
		if l == "" {
			continue
		}
		k := key{p.Index, l}
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	var notes []string
	for _, k := range order {
		notes = append(notes, fmt.Sprintf("Engine limit reached at point %d (%s) in %d of %d replications; the operation was skipped "+
			"and recorded as op_limit_reached: %s", k.point, params[k.point], count[k], reps[k.point], k.text))
	}
	return notes
}
