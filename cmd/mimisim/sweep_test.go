package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/scenarios"
)

// cli runs the CLI in this process and returns its output.
func cli(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = mimisim(args, &o, &e)
	return o.String(), e.String(), err
}

// readTree reads every file below dir, by slash-separated relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func names(tree map[string][]byte) []string {
	var ns []string
	for n := range tree {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// sameTree reports every difference between two directory snapshots.
func sameTree(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	if !reflect.DeepEqual(names(got), names(want)) {
		t.Fatalf("%s: files\n got %q\nwant %q", what, names(got), names(want))
	}
	for _, n := range names(want) {
		if !bytes.Equal(got[n], want[n]) {
			t.Errorf("%s: %s differs", what, n)
		}
	}
}

// The quick tiny sweep gives byte-identical results with one and with two parallel jobs, and
// report rebuilds its derived files byte for byte.
func TestSweepJobsDoNotChangeResults(t *testing.T) {
	dir := t.TempDir()
	file, _ := filepath.Abs("testdata/tiny-sweep.yaml")
	one, two := filepath.Join(dir, "one"), filepath.Join(dir, "two")
	out, errOut, err := cli(t, "sweep", file, "--quick", "--jobs", "1", "--out", one)
	if err != nil {
		t.Fatalf("sweep --jobs 1: %v\n%s", err, errOut)
	}
	for _, want := range []string{"sweep tiny-sweep", "2 points × 2 replications = 4 jobs on 1 workers", "room.members", "95% CI", "results: " + one} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "4/4 jobs done") {
		t.Errorf("no progress line on stderr: %q", errOut)
	}
	if _, _, err := cli(t, "sweep", file, "--quick", "--jobs", "2", "--out", two, "--quiet"); err != nil {
		t.Fatal(err)
	}
	a := readTree(t, one)
	sameTree(t, "--jobs 2 against --jobs 1", readTree(t, two), a)

	// What the files hold.
	csv := string(a["observations.csv"])
	if !strings.HasPrefix(csv, "point,room.members,replication,seed,metric,unit,group,time_s,source,target,id,value\n0,2,0,") {
		t.Errorf("observations.csv starts %q", csv[:min(len(csv), 120)])
	}
	m, err := results.ReadManifest(filepath.Join(one, results.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	sc, _, err := loadScenarioFile(file)
	if err != nil {
		t.Fatal(err)
	}
	points, err := sc.Expand(true)
	if err != nil {
		t.Fatal(err)
	}
	info := m.Sweep
	if info == nil || !info.Quick || info.Replications != 2 || len(info.Points) != 2 || len(info.Jobs) != 4 ||
		!reflect.DeepEqual(info.Axes, []results.SweepAxis{{Name: "room.members", Values: []string{"2", "3"}}}) {
		t.Fatalf("manifest sweep: %+v", info)
	}
	for i, j := range info.Jobs {
		p := points[i]
		if j.Point != p.Index || j.Replication != p.Replication || j.Seed != p.Seed || j.Seed != scenarios.JobSeed(sc.Seed, p.Params, p.Replication) {
			t.Errorf("job %d: %+v, want point %d replication %d seed %d", i, j, p.Index, p.Replication, p.Seed)
		}
		if j.Events == 0 || j.Extra["messages_sent"] == "" {
			t.Errorf("job %d lacks its totals: %+v", i, j)
		}
	}
	if len(m.Params) != 0 || m.Seed != 3 || !m.Deterministic || m.Engine != "gomls" {
		t.Errorf("manifest: params %v seed %d deterministic %v engine %q", m.Params, m.Seed, m.Deterministic, m.Engine)
	}
	summary := string(a["summary.csv"])
	if !strings.HasPrefix(summary, "point,room.members,metric,unit,group,n,mean,stddev,min,p50,p95,p99,max,replications,rep_mean,rep_stddev,ci95_low,ci95_high\n") {
		t.Errorf("summary.csv header: %q", strings.SplitN(summary, "\n", 2)[0])
	}
	for _, f := range []string{"figures/mean_delivery_latency.png", "figures/scaling_provider_egress.svg", "figures/cdf_delivery_latency.png", "report.md"} {
		if _, ok := a[f]; !ok {
			t.Errorf("missing %s", f)
		}
	}

	// report rebuilds what it derives, byte for byte.
	for _, f := range []string{results.ReportFile, results.SummaryCSVFile, results.SummaryJSONFile, results.FiguresDir} {
		if err := os.RemoveAll(filepath.Join(one, f)); err != nil {
			t.Fatal(err)
		}
	}
	out, _, err = cli(t, "report", one)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "rebuilt "+one) {
		t.Errorf("report printed %q", out)
	}
	sameTree(t, "report against sweep", readTree(t, one), a)
}

// report rebuilds a run's results byte for byte too.
func TestReportRebuildsRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "res")
	small, _ := filepath.Abs("testdata/small.yaml")
	if _, _, err := cli(t, "run", small, "--out", dir, "--quiet"); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, dir)
	for _, f := range []string{results.ReportFile, results.FiguresDir} {
		if err := os.RemoveAll(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := cli(t, "report", dir, "--quiet"); err != nil {
		t.Fatal(err)
	}
	sameTree(t, "report against run", readTree(t, dir), want)
}

func TestSweepEmbeddedQuick(t *testing.T) {
	dir := t.TempDir()
	out, _, err := cli(t, "sweep", "embedded:fanout-size", "--quick", "--out", filepath.Join(dir, "q"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "sweep fanout-size (embedded:fanout-size): 2 points × 2 replications = 4 jobs") {
		t.Errorf("output:\n%s", out)
	}
	m, err := results.ReadManifest(filepath.Join(dir, "q", results.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if m.ScenarioFile != "embedded:fanout-size" || m.Sweep == nil || !m.Sweep.Quick || len(m.Sweep.Jobs) != 4 {
		t.Errorf("manifest: file %q sweep %+v", m.ScenarioFile, m.Sweep)
	}
}

func TestSweepErrors(t *testing.T) {
	small, _ := filepath.Abs("testdata/small.yaml")
	tiny, _ := filepath.Abs("testdata/tiny-sweep.yaml")
	tinyText, err := os.ReadFile(tiny)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		file  string // written to bad.yaml when it does not name a file
		args  []string
		usage bool
		wants []string
	}{
		{"no file", "", []string{}, true, []string{"sweep takes one scenario file"}},
		{"bad --jobs", tiny, []string{"--jobs", "0"}, true, []string{"--jobs must be at least 1, got 0"}},
		{"unknown flag", tiny, []string{"--seed", "4"}, true, []string{"flag provided but not defined: -seed"}},
		{"no sweep section", small, nil, false, []string{"has no sweep section", "mimisim run"}},
		{"unknown embedded scenario", "embedded:nope", nil, false, []string{`unknown embedded scenario "nope"`}},
		{"bad sweep field", strings.Replace(string(tinyText), "field: room.members", "field: room.member", 1), nil, false,
			[]string{"bad.yaml:15:15: sweep.axes[0].field: unknown sweep field \"room.member\" (did you mean \"room.members\"?)"}},
		{"bad point", strings.Replace(string(tinyText), "values: [2, 3, 4]", "values: [2, 3, 1]", 1), nil, false,
			[]string{"bad.yaml:15:44: room.members: in sweep point 2 (room.members=1): must be at least 2, got 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := tc.file
			if file != "" && !strings.HasPrefix(file, "/") && !strings.HasPrefix(file, "embedded:") {
				file = filepath.Join(dir, "bad.yaml")
				if err := os.WriteFile(file, []byte(tc.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := []string{"sweep"}
			if file != "" {
				args = append(args, file)
			}
			args = append(append(args, tc.args...), "--out", filepath.Join(dir, "res"))
			_, _, err := cli(t, args...)
			if err == nil {
				t.Fatal("sweep succeeded")
			}
			var u usageError
			if errors.As(err, &u) != tc.usage {
				t.Errorf("usage error = %v, want %v: %v", !tc.usage, tc.usage, err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "res")); err == nil {
				t.Error("a failed sweep wrote results")
			}
		})
	}
}

// A failed job stops the sweep with an error naming the job and its seed, and nothing is written.
func TestSweepFailedJob(t *testing.T) {
	tiny, _ := filepath.Abs("testdata/tiny-sweep.yaml")
	sc, _, err := loadScenarioFile(tiny)
	if err != nil {
		t.Fatal(err)
	}
	points, err := sc.Expand(false)
	if err != nil {
		t.Fatal(err)
	}
	bad := points[4] // point 1 (room.members=3), replication 1
	defer func(f func(scenarios.Point) jobResult) { runJobFunc = f }(runJobFunc)
	runJobFunc = func(p scenarios.Point) jobResult {
		if p.Index == bad.Index && p.Replication == bad.Replication {
			return jobResult{err: errors.New("injected failure")}
		}
		return runJob(p)
	}
	for _, jobs := range []string{"1", "2"} {
		dir := t.TempDir()
		_, _, err := cli(t, "sweep", tiny, "--jobs", jobs, "--out", filepath.Join(dir, "res"))
		if err == nil {
			t.Fatal("a sweep with a failed job succeeded")
		}
		for _, want := range []string{"job 4, point 1 (room.members=3) replication 1, seed ", "injected failure",
			"set room.members: 3 in the scenario and run it with mimisim run --seed ", "no results were written"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("--jobs %s: error lacks %q:\n%v", jobs, want, err)
			}
		}
		if !strings.Contains(err.Error(), "seed "+strconv.FormatUint(bad.Seed, 10)) {
			t.Errorf("error does not name the seed %d: %v", bad.Seed, err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("a failed sweep left %v", ents)
		}
	}
}

// runJob turns a panic of the simulation into an error.
func TestRunJobRecoversPanics(t *testing.T) {
	r := runJob(scenarios.Point{}) // no scenario at all
	if r.err == nil || !strings.Contains(r.err.Error(), "panic") {
		t.Errorf("runJob of a broken scenario: %v", r.err)
	}
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args  []string
		usage bool
		want  string
	}{
		{[]string{"report"}, true, "report takes one results directory, got 0"},
		{[]string{"report", dir}, false, "manifest.json: no such file"},
		{[]string{"report", filepath.Join(dir, "nope")}, false, "no such file"},
	}
	for _, tc := range tests {
		_, _, err := cli(t, tc.args...)
		var u usageError
		if err == nil || errors.As(err, &u) != tc.usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want usage=%v saying %q", tc.args, err, tc.usage, tc.want)
		}
	}
}

// The exit code of a failing sweep is not zero, through the real binary.
func TestSweepExitCode(t *testing.T) {
	small, _ := filepath.Abs("testdata/small.yaml")
	_, errOut, code := exe(t, t.TempDir(), "sweep", small)
	if code != 1 || !strings.Contains(errOut, "has no sweep section") {
		t.Errorf("code %d, stderr %q", code, errOut)
	}
	_, _, code = exe(t, t.TempDir(), "sweep")
	if code != 2 {
		t.Errorf("sweep without a file: code %d, want 2", code)
	}
}

// The groupsize study runs quick in the test suite: both engines, each with its own cost
// table, every operation measured, percentiles in order, the comparison figures drawn.
func TestSweepGroupsizeQuick(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "q")
	if _, _, err := cli(t, "sweep", "embedded:groupsize", "--quick", "--out", dir, "--quiet"); err != nil {
		t.Fatal(err)
	}
	m, err := results.ReadManifest(filepath.Join(dir, results.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Calibration, "gomls@") || !strings.Contains(m.Calibration, "rfc9420@") || m.Sweep.Series != "engine" {
		t.Errorf("calibration %q, series %q", m.Calibration, m.Sweep.Series)
	}
	for _, j := range m.Sweep.Jobs {
		if j.Extra["fidelity"] != "full" {
			t.Errorf("job %d ran fidelity %q", j.Point, j.Extra["fidelity"])
		}
	}
	rows, col := readCSV(t, filepath.Join(dir, results.SummaryCSVFile))
	num := func(r []string, c string) float64 {
		v, err := strconv.ParseFloat(r[col[c]], 64)
		if err != nil {
			t.Fatalf("%s: %q", c, r[col[c]])
		}
		return v
	}
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		if num(r, "p99") < num(r, "p50") || num(r, "max") < num(r, "p99") || num(r, "min") > num(r, "p50") {
			t.Errorf("percentiles out of order: %v", r)
		}
		if strings.HasPrefix(r[col["metric"]], "op_") {
			seen[r[col["engine"]]+"/"+r[col["metric"]]+"/"+r[col["group"]]] = true
			if num(r, "mean") <= 0 {
				t.Errorf("%v: not positive", r)
			}
		}
	}
	for _, e := range []string{"gomls", "rfc9420"} {
		for _, metric := range []string{"op_wire_bytes", "op_sender_cpu", "op_receiver_cpu", "op_converge", "op_hub_cpu", "op_hub_egress"} {
			for _, g := range []string{"update", "message", "remove", "add"} {
				if !seen[e+"/"+metric+"/"+g] {
					t.Errorf("no summary of %s %s %s", e, metric, g)
				}
			}
		}
	}
	for _, fig := range []string{"compare_mean_op_sender_cpu_group-update.png", "compare_scaling_member_state_group-hub-eu.svg"} {
		if _, err := os.Stat(filepath.Join(dir, results.FiguresDir, fig)); err != nil {
			t.Error(err)
		}
	}
	report, err := os.ReadFile(filepath.Join(dir, results.ReportFile))
	if err != nil || !strings.Contains(string(report), "## Comparison by `engine`") {
		t.Errorf("report.md has no comparison section (%v)", err)
	}
}

// A sweep says which of its jobs ran sampled because the engine cannot hold them in full.
func TestSampledNotes(t *testing.T) {
	var points []scenarios.Point
	var recs []jobRecord
	for _, c := range []struct {
		engine, fidelity string
		members          int
	}{{"gomls", "full", 128}, {"gomls", "sampled:4", 256}, {"rfc9420", "full", 256}, {"gomls", "sampled:4", 1024}, {"gomls", "sampled:4", 256}} {
		sc := &scenarios.Scenario{Engine: c.engine, Fidelity: "auto:4", Room: scenarios.Room{Members: c.members}}
		points = append(points, scenarios.Point{Scenario: sc})
		recs = append(recs, jobRecord{extra: map[string]string{"fidelity": c.fidelity}})
	}
	got := sampledNotes(points, recs)
	if len(got) != 1 || !strings.HasPrefix(got[0], "Engine gomls holds at most 128 members in full fidelity (its MaxMembers), so its jobs with 256 to 1024 members ran in fidelity sampled:4") {
		t.Errorf("notes: %q", got)
	}
}

// A sweep gathers the engine limits its jobs reached, per point.
func TestLimitNotes(t *testing.T) {
	var points []scenarios.Point
	var recs []jobRecord
	for r := range 3 {
		points = append(points, scenarios.Point{Index: 0, Replication: r, Params: []scenarios.Param{{Name: "room.members", Value: "128"}}})
		extra := map[string]string{"limits_reached": ""}
		if r > 0 {
			extra["limits_reached"] = "operation 7 (remove): mls engine gomls cannot commit_remove in a group of 129 members: x"
		}
		recs = append(recs, jobRecord{extra: extra})
	}
	got := limitNotes(points, recs)
	want := "Engine limit reached at point 0 (room.members=128) in 2 of 3 replications; the operation was skipped and recorded as " +
		"op_limit_reached: operation 7 (remove): mls engine gomls cannot commit_remove in a group of 129 members: x"
	if len(got) != 1 || got[0] != want {
		t.Errorf("notes: %q", got)
	}
}
