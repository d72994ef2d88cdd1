package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mimisim/mimisim/bench/calib"
	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/cost"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/engines"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/scenarios"
)

// Time modes of run (scenario time_mode, or --time-mode).
const (
	timeModeCalibrated = "calibrated"
	timeModeZero       = "zero"
	timeModeMeasured   = "measured"
)

var timeModes = []string{timeModeCalibrated, timeModeZero, timeModeMeasured}

// costModel returns the cost model of a run and what the manifest records as its calibration:
// the embedded table of the engine, or the table in calFile (a point table or a fitted
// calibration of the same engine), the zero model, or wall-clock timing.
func costModel(timeMode, engine, calFile string) (client.CostModel, string, error) {
	if timeMode == timeModeZero {
		if calFile != "" {
			return nil, "", usageError{"--calibration has no effect in time mode zero"}
		}
		return cost.Zero{}, "none (time_mode zero: every CPU cost is zero)", nil
	}
	var table *cost.Table
	var err error
	id := ""
	if calFile == "" {
		if table, err = cost.Load(engine); err != nil {
			return nil, "", err
		}
		id = table.ID()
	} else {
		if table, err = cost.LoadFile(calFile); err != nil {
			return nil, "", err
		}
		if table.Engine != engine {
			return nil, "", fmt.Errorf("--calibration %s is a table of engine %s, the scenario runs %s", calFile, table.Engine, engine)
		}
		id = table.ID() + " (" + calFile + ")"
	}
	if timeMode == timeModeMeasured {
		return cost.Wall{Fallback: table}, "none (time_mode measured: wall-clock time of each real MLS call on this host × device factor; " +
			id + " only for operations not executed)", nil
	}
	return table, id, nil
}

// measuredNote is the manifest note of a measured-time run.
const measuredNote = "time_mode measured: each MLS operation was charged the wall-clock time the real call took on this host " +
	"(times the device factor), so the numbers depend on the host, its load and the Go runtime, and differ between runs " +
	"of the same seed; provider costs and the network are modelled as in calibrated mode."

// applyTimeMode adjusts a run's manifest to its time mode: measured runs are not deterministic.
func applyTimeMode(m *results.Manifest, timeMode string) {
	if timeMode != timeModeMeasured {
		return
	}
	m.Deterministic = false
	for i, n := range m.Notes {
		if strings.Contains(n, "calibrated CPU costs") {
			m.Notes[i] = strings.Replace(n, "calibrated CPU costs", "wall-clock CPU costs", 1)
		}
	}
	m.Notes = append(m.Notes, measuredNote)
}

// calibrateCmd is `mimisim calibrate`: it times every MLS operation of an engine at a range of
// group sizes, fits a cost curve per operation and writes the calibration file and its figures.
func calibrateCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	engineName := fs.String("engine", "gomls", "")
	sizesFlag := fs.String("sizes", "", "")
	reps := fs.Int("reps", 5, "")
	out := fs.String("out", "", "")
	minTime := fs.Duration("mintime", 50*time.Millisecond, "")
	quiet := fs.Bool("quiet", false, "")
	noFigures := fs.Bool("no-figures", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError{"calibrate: " + err.Error()}
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("calibrate takes no arguments besides flags, got %q", pos)}
	}
	engine, err := engines.Lookup(*engineName)
	if err != nil {
		return usageError{"calibrate --engine: " + err.Error()}
	}
	sizes := calib.DefaultSizes(min(engine.MaxMembers(), calib.DefaultMaxSize))
	if *sizesFlag != "" {
		if sizes, err = parseSizes(*sizesFlag); err != nil {
			return usageError{"calibrate --sizes: " + err.Error()}
		}
	}
	if *reps < 1 {
		return usageError{fmt.Sprintf("calibrate --reps: %d, want at least 1", *reps)}
	}
	if *minTime <= 0 {
		return usageError{fmt.Sprintf("calibrate --mintime: %v, want > 0", *minTime)}
	}
	path := *out
	if path == "" {
		path = filepath.Join("models", "cost", "tables", engine.Name()+"-fit.json")
	}
	if !strings.HasSuffix(path, ".json") {
		return usageError{fmt.Sprintf("calibrate --out: %q does not end in .json", path)}
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return fmt.Errorf("calibrate: the directory of %s does not exist (run from the repository root or give --out)", path)
	}

	opts := calib.Options{Sizes: sizes, Reps: *reps, MinTime: *minTime}
	start := time.Now()
	if !*quiet {
		opts.Progress = func(op mls.Op, n, rep, iters int) {
			fmt.Fprintf(stderr, "\rmimisim calibrate: %-14s members=%-4d rep %d/%d (%d iterations), %.0fs   ",
				op, n, rep+1, *reps, iters, time.Since(start).Seconds())
		}
	}
	command := strings.TrimSpace("mimisim calibrate " + strings.Join(args, " "))
	meta := calib.Meta{
		Command: command,
		Date:    time.Now().UTC().Format("2006-01-02"),
		Notes: fmt.Sprintf("Measured in-process by %q with GOMAXPROCS=1: %d repetitions per op and size, each of at least "+
			"%v (iterations chosen from a one-iteration pilot), on groups of sizes %v built by bench/calib. "+
			"members is the group size before the operation: commit_add adds an (n+1)-th member with one Add proposal "+
			"(go-mls puts no UpdatePath in Add-only commits); commit_remove removes one member; commit_update is an empty "+
			"commit with an UpdatePath by leaf 0; process_commit is the last leaf processing such a commit; join enters a "+
			"group of n members from the Welcome of commit_add; protect and unprotect carry 100-byte payloads (unprotect "+
			"reads generations 0, 1, 2, … of a fresh epoch); export "+
			"derives 32 bytes. Each group is freshly filled by one Add commit, so commit costs are the worst case for a "+
			"group of that size. Points are the medians of the repetitions (raw holds each); fits are chosen by fit_rule.",
			command, *reps, *minTime, sizes),
	}
	loadBefore := loadAverage()
	t, err := calib.Calibrate(engine, opts, meta)
	if opts.Progress != nil {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return fmt.Errorf("calibrate: %w", err)
	}
	if before, after := loadBefore, loadAverage(); before != "" && after != "" {
		// Other processes on the host inflate the timings; say how busy it was.
		t.Notes += fmt.Sprintf(" Host load average (1 min) before/after: %s/%s on %d logical CPUs.", before, after, runtime.NumCPU())
	}
	data, err := encodeTable(t)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fmt.Errorf("calibrate: %w", err)
	}
	var figures []string
	if !*noFigures {
		if figures, err = calib.WriteFigures(t, strings.TrimSuffix(path, ".json")); err != nil {
			return err
		}
	}
	if *quiet {
		return nil
	}
	fmt.Fprintf(stdout, "calibration of %s on %s, %s, sizes %v, %d repetitions (%.0fs)\n\n",
		engine.Name(), t.Machine, t.GoVersion, sizes, *reps, time.Since(start).Seconds())
	if err := printFits(stdout, t); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwritten: %s (id %s; use it with: mimisim run --calibration %s)\n", path, t.ID(), path)
	if len(figures) > 0 {
		fmt.Fprintf(stdout, "figures: %s-<op>.png (%d)\n", strings.TrimSuffix(path, ".json"), len(figures))
	}
	return nil
}

// parseSizes parses "2,4,8": whole numbers, ascending after sorting, no duplicates.
func parseSizes(s string) ([]int, error) {
	var sizes []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", f)
		}
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	if len(slices.Compact(slices.Clone(sizes))) != len(sizes) {
		return nil, fmt.Errorf("a size is given twice in %q", s)
	}
	return sizes, nil
}

// encodeTable writes a table as indented JSON and checks that it parses back.
func encodeTable(t *cost.Table) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		return nil, err
	}
	if _, err := cost.Parse(buf.Bytes()); err != nil {
		return nil, fmt.Errorf("calibrate: the table does not parse back: %w", err)
	}
	return buf.Bytes(), nil
}

// writeFileAtomic writes data to a temporary file beside path and renames it into place.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

// printFits prints the chosen fit of every op and the score of each alternative.
func printFits(w io.Writer, t *cost.Table) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "op\tfit (ns, n = group size)\tmax |rel. residual|\talternatives (ΔAICc, or why rejected)")
	for _, f := range t.Fits {
		best := 0.0
		for _, c := range f.Alternatives {
			if c.Form == f.Form && c.AICc != nil {
				best = *c.AICc
			}
		}
		var alts []string
		for _, c := range f.Alternatives {
			if c.Form == f.Form {
				continue
			}
			if c.AICc == nil {
				alts = append(alts, fmt.Sprintf("%s: %s", c.Form, c.Rejected))
			} else {
				alts = append(alts, fmt.Sprintf("%s %+.1f", c.Form, *c.AICc-best))
			}
		}
		fmt.Fprintf(tw, "%s\t%s: %s\t%.1f%%\t%s\n", f.Op, f.Form, f.Formula, 100*f.MaxRel, strings.Join(alts, "; "))
	}
	return tw.Flush()
}

// setTimeMode applies run's --time-mode to the scenario (empty: keep the scenario's).
func setTimeMode(sc *scenarios.Scenario, mode string) error {
	if mode == "" {
		return nil
	}
	if !slices.Contains(timeModes, mode) {
		return usageError{fmt.Sprintf("--time-mode: %q is not one of %s", mode, strings.Join(timeModes, ", "))}
	}
	sc.TimeMode = mode
	return nil
}

// loadAverage returns the host's one-minute load average from /proc/loadavg, or "".
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
