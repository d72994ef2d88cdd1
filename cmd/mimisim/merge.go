package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mimisim/mimisim/models/world"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/scenarios"
)

// shardSpec is the value of sweep --shard INDEX/COUNT. Shards are numbered from 0, like
// Kubernetes' JOB_COMPLETION_INDEX and a Slurm array --array=0-(COUNT-1); job j of the sweep (in
// point, then replication order) belongs to shard j mod COUNT.
type shardSpec struct{ index, count int }

// maxShards bounds COUNT; a sweep has at most scenarios.MaxSweepJobs jobs.
const maxShards = scenarios.MaxSweepJobs

// parseShard reads INDEX/COUNT.
func parseShard(v string) (*shardSpec, error) {
	bad := func(why string) error {
		return usageError{fmt.Sprintf("--shard %q: %s; want INDEX/COUNT with COUNT from 1 to %d and INDEX from 0 to COUNT-1 (shards are numbered from 0), e.g. --shard 0/4", v, why, maxShards)}
	}
	is, ns, ok := strings.Cut(v, "/")
	if !ok {
		return nil, bad("no '/'")
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 || n > maxShards {
		return nil, bad(fmt.Sprintf("COUNT %q is not a whole number from 1 to %d", ns, maxShards))
	}
	i, err := strconv.Atoi(is)
	if err != nil || i < 0 || i >= n {
		return nil, bad(fmt.Sprintf("INDEX %q is not a whole number from 0 to %d", is, n-1))
	}
	return &shardSpec{index: i, count: n}, nil
}

// pick returns the jobs of this shard, in job order.
func (s shardSpec) pick(points []scenarios.Point) []scenarios.Point {
	var out []scenarios.Point
	for j := s.index; j < len(points); j += s.count {
		out = append(out, points[j])
	}
	return out
}

// thisMachine describes the host, as a manifest does.
func thisMachine() results.Machine {
	host, _ := os.Hostname()
	return results.Machine{Hostname: host, CPUModel: cpuModel(), NumCPU: runtime.NumCPU(),
		GoVersion: runtime.Version(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}
}

// writeShard writes the shard directory of sweep --shard: the shard's jobs (points, which are
// jobs index, index+count, … of the total) and their results.
func writeShard(w io.Writer, sc *scenarios.Scenario, file string, raw []byte, quick bool, sh shardSpec, total int,
	points []scenarios.Point, done []jobResult, dir string, quiet bool) error {
	m := manifest(sc, file, raw, "", "", "", &world.Result{})
	s := results.Shard{
		Format: results.ShardFormat, Index: sh.index, Count: sh.count, TotalJobs: total, Quick: quick,
		Scenario: sc.Name, ScenarioFile: file,
		Tool: m.Tool, ToolVersion: m.ToolVersion, GitRevision: m.GitRevision, Machine: thisMachine(),
	}
	obs := make([][]results.Observation, len(points))
	for k, p := range points {
		r := recordOf(done[k])
		s.Jobs = append(s.Jobs, results.ShardJob{
			Job: sh.index + k*sh.count, Point: p.Index, Params: toResultParams(p.Params),
			Replication: p.Replication, Seed: p.Seed,
			Engine: r.engine, EngineVersion: r.engineVersion, Calibration: r.calibration,
			Events: r.events, SimulatedNs: r.simulatedNs, Extra: r.extra,
		})
		obs[k] = r.obs
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	if err := results.WriteShard(dir, s, raw, obs, results.Options{Overwrite: true}); err != nil {
		return err
	}
	if quiet {
		return nil
	}
	_, err := fmt.Fprintf(w, "shard %d/%d of sweep %s (%s): %d of %d jobs\nshard: %s (join every shard with mimisim merge --out DIR SHARDDIR...)\n",
		sh.index, sh.count, sc.Name, file, len(points), total, dir)
	return err
}

// mergeCmd is `mimisim merge --out DIR SHARDDIR...`: it checks that the shard directories are
// every shard of one sweep, and writes the sweep's results directory from them, byte-identical
// to what one mimisim sweep with the same flags writes on the same machine, plus shards.json.
func mergeCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "")
	quiet := fs.Bool("quiet", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError{"merge: " + err.Error()}
	}
	if len(pos) == 0 {
		return usageError{"merge takes the shard directories written by sweep --shard, got none"}
	}
	type shardDir struct {
		dir string
		s   results.Shard
		raw []byte
		obs [][]results.Observation
	}
	var shards []shardDir
	for _, d := range pos {
		s, raw, obs, err := results.ReadShard(d)
		if err != nil {
			return err
		}
		shards = append(shards, shardDir{d, s, raw, obs})
	}
	sort.SliceStable(shards, func(a, b int) bool { return shards[a].s.Index < shards[b].s.Index })

	// Every shard must come from the same sweep, run by the same build.
	first := shards[0]
	f := first.s
	for _, sd := range shards[1:] {
		s := sd.s
		differ := func(what, a, b string) error {
			return fmt.Errorf("merge: shards of different sweeps: %s has %s %s, but %s has %s; every shard must come from one sweep", first.dir, what, a, sd.dir, b)
		}
		switch {
		case s.ScenarioSHA256 != f.ScenarioSHA256:
			return differ("scenario", f.Scenario+" (sha256 "+f.ScenarioSHA256+")", s.Scenario+" (sha256 "+s.ScenarioSHA256+")")
		case s.Quick != f.Quick:
			return differ("--quick", strconv.FormatBool(f.Quick), strconv.FormatBool(s.Quick))
		case s.Count != f.Count:
			return differ("shard count", fmt.Sprintf("%d (shard %d/%d)", f.Count, f.Index, f.Count), fmt.Sprintf("%d (shard %d/%d)", s.Count, s.Index, s.Count))
		case s.TotalJobs != f.TotalJobs:
			return differ("total jobs", strconv.Itoa(f.TotalJobs), strconv.Itoa(s.TotalJobs))
		case s.GitRevision != f.GitRevision || s.ToolVersion != f.ToolVersion || s.Machine.GoVersion != f.Machine.GoVersion ||
			s.Machine.GOOS != f.Machine.GOOS || s.Machine.GOARCH != f.Machine.GOARCH:
			// Another build may compute other numbers (e.g. Go fuses multiply-adds on arm64, not
			// on amd64), and then no single sweep could reproduce the merged result.
			return fmt.Errorf("merge: %s ran mimisim %s (git %s, %s %s/%s), but %s ran %s (git %s, %s %s/%s); every shard must run the same build",
				first.dir, f.ToolVersion, f.GitRevision, f.Machine.GoVersion, f.Machine.GOOS, f.Machine.GOARCH,
				sd.dir, s.ToolVersion, s.GitRevision, s.Machine.GoVersion, s.Machine.GOOS, s.Machine.GOARCH)
		}
	}
	for i := 1; i < len(shards); i++ {
		if a, b := shards[i-1], shards[i]; a.s.Index == b.s.Index {
			return fmt.Errorf("merge: overlapping shards: %s and %s are both shard %d/%d", a.dir, b.dir, b.s.Index, b.s.Count)
		}
	}
	if f.TotalJobs > scenarios.MaxSweepJobs {
		return fmt.Errorf("merge: %s records %d jobs; a sweep has at most %d", first.dir, f.TotalJobs, scenarios.MaxSweepJobs)
	}
	// Every job exactly once.
	owner := make([]string, f.TotalJobs)
	for _, sd := range shards {
		for _, j := range sd.s.Jobs {
			if owner[j.Job] != "" {
				return fmt.Errorf("merge: overlapping shards: job %d (point %d, replication %d) is in %s and in %s (shard %d/%d given twice?)",
					j.Job, j.Point, j.Replication, owner[j.Job], sd.dir, sd.s.Index, sd.s.Count)
			}
			owner[j.Job] = sd.dir
		}
	}
	var have []int
	for _, sd := range shards {
		have = append(have, sd.s.Index)
	}
	var missingShards []string
	for i := range f.Count {
		if !slices.Contains(have, i) {
			missingShards = append(missingShards, strconv.Itoa(i))
		}
	}
	if len(missingShards) > 0 {
		return fmt.Errorf("merge: missing shards: %s of 0…%d (given: %s); merge needs every shard of the sweep", strings.Join(missingShards, ", "), f.Count-1, joinInts(have))
	}
	for j, o := range owner {
		if o == "" {
			return fmt.Errorf("merge: job %d is in no shard; merge needs every job of the sweep", j)
		}
	}

	// The scenario, expanded again here, must give the jobs the shards ran.
	name := f.ScenarioFile
	if e, ok := strings.CutPrefix(name, "embedded:"); ok {
		name = "embedded/" + e + ".yaml" // as LoadEmbedded names it
	}
	sc, err := scenarios.Parse(name, first.raw, limits())
	if err != nil {
		return fmt.Errorf("merge: the scenario of %s: %w", first.dir, err)
	}
	if sc.Sweep == nil {
		return fmt.Errorf("merge: the scenario of %s has no sweep section", first.dir)
	}
	points, err := sc.Expand(f.Quick)
	if err != nil {
		return fmt.Errorf("merge: %s: %w", f.ScenarioFile, err)
	}
	if len(points) != f.TotalJobs {
		return fmt.Errorf("merge: the scenario expands to %d jobs here, but the shards record %d (another mimisim version?)", len(points), f.TotalJobs)
	}
	recs := make([]jobRecord, len(points))
	for _, sd := range shards {
		for k, j := range sd.s.Jobs {
			p := points[j.Job]
			if j.Point != p.Index || j.Replication != p.Replication || j.Seed != p.Seed || !slices.Equal(j.Params, toResultParams(p.Params)) {
				return fmt.Errorf("merge: %s: job %d is point %d replication %d seed %d there, but %s here (another mimisim version?)",
					sd.dir, j.Job, j.Point, j.Replication, j.Seed, jobLabel(p))
			}
			recs[j.Job] = jobRecord{engine: j.Engine, engineVersion: j.EngineVersion, calibration: j.Calibration,
				events: j.Events, simulatedNs: j.SimulatedNs, extra: j.Extra, obs: sd.obs[k]}
		}
	}

	m, obs := sweepManifest(sc, f.ScenarioFile, first.raw, points, recs, f.Quick)
	// What the shards ran on, not the merging machine.
	var files, hosts, cpus []string
	cpuCounts := map[int]bool{}
	records := make([]results.ShardRecord, len(shards))
	for i, sd := range shards {
		s := sd.s
		files = appendNew(files, s.ScenarioFile)
		hosts = appendNew(hosts, s.Machine.Hostname)
		cpus = appendNew(cpus, s.Machine.CPUModel)
		cpuCounts[s.Machine.NumCPU] = true
		rec := results.ShardRecord{Index: s.Index, Count: s.Count, ToolVersion: s.ToolVersion, GitRevision: s.GitRevision, Machine: s.Machine}
		for _, j := range s.Jobs {
			rec.Jobs = append(rec.Jobs, j.Job)
		}
		records[i] = rec
	}
	m.ScenarioFile = strings.Join(files, ", ")
	m.ToolVersion, m.GitRevision = f.ToolVersion, f.GitRevision
	m.Hostname, m.CPUModel = strings.Join(hosts, ", "), strings.Join(cpus, ", ")
	m.GoVersion, m.GOOS, m.GOARCH = f.Machine.GoVersion, f.Machine.GOOS, f.Machine.GOARCH
	m.NumCPU = f.Machine.NumCPU
	if len(cpuCounts) > 1 {
		m.NumCPU = 0
		m.Notes = append(m.Notes, fmt.Sprintf("The jobs ran as %d shards on machines with different numbers of CPUs, so num_cpu is 0; shards.json lists each shard's machine.", f.Count))
	}

	dir := *out
	if dir == "" {
		dir = defaultSweepDir(sc, f.Quick)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	opts := resultOptions()
	opts.Overwrite = true
	if err := results.WriteMergedSweep(dir, m, obs, records, opts); err != nil {
		return err
	}
	if *quiet {
		return nil
	}
	_, err = fmt.Fprintf(stdout, "merged %d shards of sweep %s: %d points × %d replications = %d jobs, on %s\nresults: %s (report.md, summary.csv, observations.csv, figures/, shards.json)\n",
		len(shards), sc.Name, len(m.Sweep.Points), m.Sweep.Replications, len(m.Sweep.Jobs), m.Hostname, dir)
	return err
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
