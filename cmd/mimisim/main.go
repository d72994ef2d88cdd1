package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/cost"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/engines"
	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/models/world"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/scenarios"
	"github.com/mimisim/mimisim/sim"
)

func main() {
	err := mimisim(os.Args[1:], os.Stdout, os.Stderr)
	var u usageError
	switch {
	case err == nil:
	case errors.As(err, &u):
		fmt.Fprintln(os.Stderr, "mimisim:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "mimisim:", err)
		os.Exit(1)
	}
}

// usageError is a mistake in the command line itself.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg + " (see mimisim help)" }

const usage = `mimisim — a discrete-event simulator for MIMI messaging over MLS

Usage:
  mimisim run [FILE] [--seed N] [--out DIR] [--quiet] [--time-mode M] [--wall-clock]
              [--calibration F] [--cpuprofile F] [--memprofile F]
        Run a scenario file, or the embedded default scenario when FILE is
        omitted ("embedded:NAME" runs another embedded scenario). Prints a
        summary table and writes a results directory.
  mimisim scenarios
        List the embedded scenarios.
  mimisim sweep FILE [--jobs N] [--quick] [--shard I/N] [--out DIR] [--quiet]
              [--cpuprofile F] [--memprofile F]
        Run every job (point × replication) of a scenario's sweep section
        in parallel and write one results directory with 95% confidence
        intervals across replications, scaling fits and figures.
  mimisim merge [--out DIR] [--quiet] SHARDDIR...
        Join the shard directories of every sweep --shard I/N of one sweep
        into its results directory: the files one sweep with the same flags
        writes, plus shards.json naming each shard's machine.
  mimisim report DIR
        Rebuild summary.csv/json, figures/ and report.md of a results
        directory from its manifest.json and observations.csv.
  mimisim calibrate [--engine E] [--sizes 2,4,8,...] [--reps N] [--out FILE]
        Time every MLS operation of an engine at a range of group sizes,
        fit a cost curve per operation and write the calibration file
        (default models/cost/tables/<engine>-fit.json) and a figure per
        operation beside it (<file without .json>-<op>.png).
  mimisim profile FILE [--top N] [--cum] [--sample TYPE]
        Print the functions with the most flat and cumulative time (or
        bytes) in a pprof profile, such as run --cpuprofile writes.
  mimisim bench phold [--lps 1024] [--pop 16] [--events N] [--seed S]
              [--cpuprofile F] [--memprofile F]
        Run the PHOLD kernel benchmark (bench/phold) and print one line:
        phold lps=… pop=… events=… wall_s=… events_per_s=…
  mimisim bench run FILE [--seed N] [--cpuprofile F] [--memprofile F]
        Run a scenario as run --quiet does (results go to a temporary
        directory) and print one line: run scenario=… members=… events=…
        gomaxprocs=… wall_s=… cpu_s=… events_per_s=… peak_rss_mib=…
        rss_b_per_member=… (make bench-10k: bench/testdata/fanout-10k.yaml, one core)
  mimisim help
        Show this text.

Flags of run:
  --seed N    override the scenario's seed
  --out DIR   results directory (default results/<scenario>/seed-<N>; an
              existing directory there is replaced once the new one is complete)
  --quiet     no progress line and no summary table
  --time-mode calibrated|zero|measured
              override the scenario's time_mode: CPU costs from the cost
              table, none, or the wall-clock time of each real MLS call
              (not deterministic; the manifest says so)
  --calibration FILE
              cost table to charge instead of the engine's embedded one: a
              point table or a calibration file written by calibrate
  --cpuprofile FILE, --memprofile FILE
              write pprof CPU / heap profiles of the run
  --wall-clock
              also write the run's wall-clock set-up and run time, CPU time
              and peak memory to the manifest (printed either way; they
              differ between runs, so the manifest is no longer identical)

Flags of sweep:
  --jobs N    parallel jobs (default: the number of CPUs); the results do not
              depend on it
  --quick     run the sweep's quick variant (sweep.quick; default the first
              two values of each axis and 2 replications)
  --shard I/N run only shard I of N (I from 0 to N-1): the jobs j with
              j mod N = I, in point and replication order; writes a shard
              directory for merge (default results/<scenario>/sweep-shard-I-of-N)
  --out DIR   results directory (default results/<scenario>/sweep, or
              sweep-quick; replaced once the new one is complete)
  --quiet     no progress line and no summary table

Flags of merge:
  --out DIR   results directory (default results/<scenario>/sweep, or
              sweep-quick; written atomically, replaced once complete)
  --quiet     no summary line

Flags of calibrate:
  --engine E    engine to measure (default gomls)
  --sizes LIST  group sizes (default 2, 4, 8, ... up to the engine's limit or 4096)
  --reps N      timed repetitions per operation and size (default 5)
  --mintime D   minimum duration of one repetition (default 50ms)
  --out FILE    calibration file (default models/cost/tables/<engine>-fit.json)
  --no-figures  do not draw the figures
  --quiet       no progress and no summary

Flags of profile:
  --top N       functions to show (default 20)
  --cum         sort by cumulative instead of flat value
  --sample TYPE sample type to aggregate (default: the profile's default,
                e.g. cpu, or inuse_space for heap profiles; alloc_space too)
`

// mimisim is the whole CLI; main only maps its error to an exit code.
func mimisim(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	switch args[0] {
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	case "scenarios":
		return listScenarios(stdout)
	case "run":
		return runCmd(args[1:], stdout, stderr)
	case "calibrate":
		return calibrateCmd(args[1:], stdout, stderr)
	case "profile":
		return profileCmd(args[1:], stdout)
	case "sweep":
		return sweepCmd(args[1:], stdout, stderr)
	case "report":
		return reportCmd(args[1:], stdout)
	case "merge":
		return mergeCmd(args[1:], stdout)
	case "bench":
		return benchCmd(args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown command %q (commands: run, scenarios, sweep, merge, report, calibrate, profile, help)", args[0])}
}

// limits are what scenario validation checks against: the real models' names and bounds.
func limits() scenarios.Limits {
	return scenarios.Limits{
		Engines:     engines.Limits(),
		Regions:     network.Regions(),
		AccessTypes: network.AccessTypes(),
		Devices:     cost.DeviceNames(),
	}
}

func listScenarios(w io.Writer) error {
	for _, name := range scenarios.Embedded() {
		sc, _, err := scenarios.LoadEmbedded(name, limits())
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-12s %s\n", name, strings.TrimSpace(strings.SplitN(sc.Description, "\n", 2)[0]))
	}
	return nil
}

// parseInterspersed parses flags that may come before or after positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func runCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	seed := fs.String("seed", "", "")
	out := fs.String("out", "", "")
	quiet := fs.Bool("quiet", false, "")
	timeMode := fs.String("time-mode", "", "")
	calFile := fs.String("calibration", "", "")
	wallClock := fs.Bool("wall-clock", false, "")
	prof := addProfileFlags(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError{"run: " + err.Error()}
	}
	if len(pos) > 1 {
		return usageError{fmt.Sprintf("run takes at most one scenario file, got %d", len(pos))}
	}

	// Load and validate the scenario before anything touches the disk.
	file := "embedded:default"
	if len(pos) == 1 {
		file = pos[0]
	}
	var sc *scenarios.Scenario
	var raw []byte
	if name, ok := strings.CutPrefix(file, "embedded:"); ok {
		sc, raw, err = scenarios.LoadEmbedded(name, limits())
	} else {
		raw, err = os.ReadFile(file)
		if err == nil {
			sc, err = scenarios.Parse(file, raw, limits())
		}
	}
	if err != nil {
		return err
	}
	if *seed != "" {
		n, err := strconv.ParseUint(*seed, 10, 64)
		if err != nil {
			return usageError{fmt.Sprintf("--seed: %q is not a whole number from 0 to 2^64-1", *seed)}
		}
		sc.Seed = n
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("results", sc.Name, fmt.Sprintf("seed-%d", sc.Seed))
	}

	engine, err := engines.Lookup(sc.Engine)
	if err != nil {
		return err
	}
	if err := setTimeMode(sc, *timeMode); err != nil {
		return err
	}
	model, calibration, err := costModel(sc.TimeMode, engine.Name(), *calFile)
	if err != nil {
		return err
	}

	opts, err := worldOptions(sc, engine, model)
	if err != nil {
		return fmt.Errorf("run %s: %w", file, err)
	}

	stopProfiles, err := prof.start()
	if err != nil {
		return err
	}
	start := time.Now()
	var setupWall time.Duration
	opts.SetupDone = func() { setupWall = time.Since(start) }
	prog := &progress{w: stderr, start: start, quiet: *quiet}
	opts.Progress = prog.update
	res, err := runWorld(sc, opts)
	prog.done()
	if perr := stopProfiles(); perr != nil && err == nil {
		err = perr
	}
	if err != nil {
		return fmt.Errorf("run %s (seed %d): %w", file, sc.Seed, err)
	}
	wall := time.Since(start)

	cost := measureCost(start, setupWall, res.Events)
	m := manifest(sc, file, raw, engine.Name(), engine.Version(), calibration, res)
	applyTimeMode(&m, sc.TimeMode)
	if notes := res.World.FaultNotes(); len(notes) > 0 {
		m.Notes = append(m.Notes, notes...) // the run's faults, written and drawn
		m.Extra["faults"] = strconv.Itoa(len(notes) - 1)
	}
	if sh, ok := engine.(interface{ SharingNotes() []string }); ok {
		m.Notes = append(m.Notes, sh.SharingNotes()...)
	}
	if n := res.World.PrefetchNote(); n != "" {
		m.Notes = append(m.Notes, n)
	}
	if *wallClock {
		cost.addTo(&m)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	if err := results.WriteTable(dir, m, res.Observations, results.Options{CDFMetric: world.MetricDelivery, Overwrite: true, Invariants: res.Invariants}); err != nil {
		return err
	}
	if *quiet {
		return nil
	}
	fmt.Fprintf(stdout, "scenario %s (%s), seed %d, engine %s, time mode %s\n", sc.Name, file, sc.Seed, engine.Name(), sc.TimeMode)
	fmt.Fprintf(stdout, "%d members on %d providers; set-up %v (virtual); %d messages sent, %d accepted, %d deliveries decrypted and checked\n",
		res.Members, len(res.Providers), res.SetupTime.Round(time.Microsecond), res.Sent, res.Accepted, res.Deliveries)
	fmt.Fprintf(stdout, "invariants: %s\n", invariantsLine(res.Invariants))
	fmt.Fprintf(stdout, "%d events in %.1fs wall (%.0f events/s); last event at virtual %v\n",
		res.Events, wall.Seconds(), float64(res.Events)/wall.Seconds(), res.EndTime)
	fmt.Fprintf(stdout, "%s\n\n", cost)
	// The summary Write just computed, read back exactly rather than computed again (a second
	// pass over millions of observations).
	summary, err := results.ReadSummaryCSV(filepath.Join(dir, results.SummaryCSVFile))
	if err != nil {
		return err
	}
	var rows []results.SummaryRow
	for _, r := range summary {
		if r.Metric == world.MetricDelivery || r.Metric == world.MetricAccept {
			rows = append(rows, r)
		}
	}
	if err := results.FormatTable(stdout, rows); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nresults: %s (report.md, summary.csv, observations.csv, figures/)\n", dir)
	return nil
}

// runWorld runs one world (mimisim run and every sweep job); tests replace it to make a run
// fail as a violated invariant does.
var runWorld = world.Run

// worldOptions builds what world.Run needs besides the scenario: the engine, the cost model and
// the scenario's optional workloads (commits, offline, call, attachments). mimisim run and every job of
// mimisim sweep use it; the provider fields (batching) reach the world through the scenario.
func worldOptions(sc *scenarios.Scenario, engine mls.Engine, model client.CostModel) (world.Options, error) {
	opts := world.Options{Engine: engine, Cost: model}
	if c := sc.Commits; c != nil {
		p := client.CommitPolicy{Kind: c.Policy, MaxAttempts: c.MaxAttempts}
		switch c.Policy { // only the policy's own parameters: a swept file gives all of them
		case scenarios.PolicyBackoff:
			p.Base, p.Max = c.BackoffBase.D(), c.BackoffMax.D()
		case scenarios.PolicyRandomDelay, scenarios.PolicyProposalDelay:
			p.Min, p.Max = c.DelayMin.D(), c.DelayMax.D()
		}
		if err := p.Validate(); err != nil {
			return opts, fmt.Errorf("commits: %w", err)
		}
		opts.Commits = &world.CommitWorkload{Committers: c.Committers, Rate: c.Rate, Policy: p}
	}
	if o := sc.Offline; o != nil {
		r := o.Reconnect
		d, err := network.NewDist(r.Kind, r.Value.D(), r.Min.D(), r.Mean.D(), r.Median.D(), r.Sigma)
		if err != nil {
			return opts, fmt.Errorf("offline.reconnect: %w", err)
		}
		opts.Offline = &world.OfflineWorkload{Share: o.Share, Reconnect: d}
	}
	if c := sc.Call; c != nil {
		rt := func(p *int) int {
			if p == nil {
				return scenarios.DefaultCallRoundTrips
			}
			return *p
		}
		opts.Call = &world.CallWorkload{Design: c.Design, Participants: c.Participants, At: c.At.D(),
			SignalBytes: c.SignalBytes, ICERoundTrips: rt(c.ICERoundTrips), DTLSRoundTrips: rt(c.DTLSRoundTrips)}
	}
	if h := sc.Hostile; h != nil {
		opts.Hostile = &world.HostileWorkload{Provider: h.Provider, Tamper: h.Tamper, Replay: h.Replay, Reorder: h.Reorder, HoldMax: h.HoldMax.D()}
	}
	if c := sc.Churn; c != nil {
		opts.Churn = &world.ChurnWorkload{LeaveRate: c.LeaveRate, JoinRate: c.JoinRate, SelfLeave: c.SelfLeave, Joiners: c.Joiners, Rejoin: c.Rejoin}
	}
	if a := sc.Attachments; a != nil {
		aw := &world.AttachmentWorkload{Download: a.Download}
		for _, k := range a.Kinds {
			aw.Kinds = append(aw.Kinds, world.AttachmentKind{Name: k.Name, Bytes: k.Bytes, Rate: k.RatePerMember, ContentType: k.ContentType})
		}
		opts.Attachments = aw
	}
	return opts, nil
}

// invariantsLine summarises the invariants of a run in one line.
func invariantsLine(v *results.Invariants) string {
	var parts []string
	for _, inv := range v.Invariants {
		verdict := "ok"
		if !inv.Passed {
			verdict = "VIOLATED"
		}
		parts = append(parts, fmt.Sprintf("%s %s (%d %s)", inv.Name, verdict, inv.Checked, inv.Unit))
	}
	return strings.Join(parts, ", ")
}

// runExtra returns the manifest extras every run records, a single run's and each sweep job's:
// its virtual set-up time, message counts and largest member state. Callers add their own.
func runExtra(res *world.Result) map[string]string {
	return map[string]string{
		"setup_virtual":      res.SetupTime.String(),
		"messages_sent":      strconv.Itoa(res.Sent),
		"messages_accepted":  strconv.Itoa(res.Accepted),
		"deliveries_checked": strconv.Itoa(res.Deliveries),
		"max_member_state":   strconv.Itoa(res.MaxStateSize) + " bytes",
	}
}

func manifest(sc *scenarios.Scenario, file string, raw []byte, engine, engineVersion, calibration string, res *world.Result) results.Manifest {
	sum := sha256.Sum256(raw)
	host, _ := os.Hostname()
	m := results.Manifest{
		Tool: "mimisim", ToolVersion: "devel",
		Scenario: sc.Name, ScenarioFile: file, ScenarioSHA256: hex.EncodeToString(sum[:]),
		Seed: sc.Seed, Engine: engine, EngineVersion: engineVersion, Fidelity: sc.Fidelity,
		TimeMode: sc.TimeMode, Calibration: calibration,
		GoVersion: runtime.Version(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		CPUModel: cpuModel(), NumCPU: runtime.NumCPU(), Hostname: host,
		Params: []results.Param{
			{Name: "members", Value: strconv.Itoa(sc.Room.Members)},
			{Name: "providers", Value: strconv.Itoa(len(sc.Providers))},
			{Name: "seed", Value: strconv.FormatUint(sc.Seed, 10)},
		},
		Events: res.Events, SimulatedNs: int64(res.EndTime), Deterministic: true,
		Notes: []string{
			"Latencies are virtual time: modelled network delays plus calibrated CPU costs of real MLS operations.",
			"Every message was really encrypted by its sender and decrypted and checked by every recipient.",
		},
		Extra: runExtra(res),
	}
	m.Extra["transport_overhead_b"] = "80 per message (estimate, see models/mimi)"
	if sc.Hostile != nil || sc.Churn != nil {
		m.Notes[1] = "Every message was really encrypted by its sender; every other member of its epoch decrypted and checked it, " +
			"or invariants.json gives the reason it could not (offline at the end, tampered with or reordered by the hostile follower)."
	}
	if res.Invariants != nil {
		m.Notes = append(m.Notes, res.Invariants.Note())
	}
	for _, l := range res.Limits {
		m.Notes = append(m.Notes, "Engine limit reached, the operation was skipped and recorded as op_limit_reached: "+l)
	}
	if k, _ := scenarios.SampledK(sc.Fidelity); k > 0 {
		m.Notes = append(m.Notes, fmt.Sprintf("Sampled fidelity: %d real members per provider run %s; the others are modelled: "+
			"they receive every byte and are charged the calibrated CPU cost of each operation for the whole room's size, "+
			"but hold no MLS state. Commits and Welcomes are charged at the nominal RFC 9420 sizes of models/mls/sizes.go.", k, engine))
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				m.GitRevision = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					m.GitRevision += "+modified"
				}
			}
		}
	}
	if m.GitRevision == "" {
		m.GitRevision = gitRevision()
	}
	return m
}

// gitRevision asks git for the revision of the working directory when the binary carries none
// (go run does not stamp it); "+modified" marks uncommitted changes to tracked files.
func gitRevision() string {
	rev, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	r := strings.TrimSpace(string(rev))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		r += "+modified"
	}
	return r
}

// cpuModel reads the processor's name on Linux.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// progress prints a line now and then on runs that take more than a few wall seconds. It uses
// the wall clock only for display; nothing it does reaches the simulation.
type progress struct {
	w     io.Writer
	start time.Time
	last  time.Time
	quiet bool
	shown bool
}

func (p *progress) update(now, end sim.Time) {
	if p.quiet {
		return
	}
	t := time.Now()
	if t.Sub(p.start) < 3*time.Second || t.Sub(p.last) < 2*time.Second {
		return
	}
	p.last = t
	p.shown = true
	phase := "set-up"
	if end > 0 {
		phase = fmt.Sprintf("measuring, window ends at %v", end)
	}
	fmt.Fprintf(p.w, "\rmimisim: virtual %v (%s), %.0fs wall   ", now, phase, t.Sub(p.start).Seconds())
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprintln(p.w)
	}
}
