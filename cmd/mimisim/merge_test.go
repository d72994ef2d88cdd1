package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mimisim/mimisim/results"
)

// runShards runs every shard of a sweep into dir/<prefix>-<i> and returns the directories.
func runShards(t *testing.T, dir, prefix, file string, n int, extra ...string) []string {
	t.Helper()
	var dirs []string
	for i := range n {
		d := filepath.Join(dir, fmt.Sprintf("%s-%d", prefix, i))
		args := append([]string{"sweep", file, "--quiet", "--shard", fmt.Sprintf("%d/%d", i, n), "--out", d}, extra...)
		if _, errOut, err := cli(t, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
		dirs = append(dirs, d)
	}
	return dirs
}

// A sweep run as 1, 2 or 3 shards and merged (the shards given in any order) gives every file of
// the sweep run at once byte for byte, plus shards.json; the shard directories record their jobs.
func TestMergedShardsEqualLocalSweep(t *testing.T) {
	dir := t.TempDir()
	const file = "embedded:fanout-size"
	local := filepath.Join(dir, "local")
	if _, errOut, err := cli(t, "sweep", file, "--quick", "--quiet", "--jobs", "1", "--out", local); err != nil {
		t.Fatalf("sweep: %v\n%s", err, errOut)
	}
	want := readTree(t, local)
	for _, n := range []int{1, 2, 3} {
		shards := runShards(t, dir, fmt.Sprintf("n%d", n), file, n, "--quick")
		var jobs []int
		for i, d := range shards {
			s, _, _, err := results.ReadShard(d)
			if err != nil {
				t.Fatal(err)
			}
			if s.Index != i || s.Count != n || s.TotalJobs != 4 || !s.Quick || s.Scenario != "fanout-size" {
				t.Errorf("shard %d/%d records index %d, count %d, %d jobs, quick %v, scenario %q", i, n, s.Index, s.Count, s.TotalJobs, s.Quick, s.Scenario)
			}
			for _, j := range s.Jobs {
				if j.Job%n != i {
					t.Errorf("shard %d/%d holds job %d", i, n, j.Job)
				}
				jobs = append(jobs, j.Job)
			}
		}
		slices.Sort(jobs)
		if !slices.Equal(jobs, []int{0, 1, 2, 3}) {
			t.Errorf("%d shards hold jobs %v, want 0…3 once each", n, jobs)
		}
		slices.Reverse(shards)
		merged := filepath.Join(dir, fmt.Sprintf("merged-%d", n))
		out, errOut, err := cli(t, append([]string{"merge", "--out", merged}, shards...)...)
		if err != nil {
			t.Fatalf("merge of %d shards: %v\n%s", n, err, errOut)
		}
		if !strings.Contains(out, fmt.Sprintf("merged %d shards of sweep fanout-size: 2 points × 2 replications = 4 jobs", n)) {
			t.Errorf("merge output:\n%s", out)
		}
		got := readTree(t, merged)
		var sf struct {
			Shards []results.ShardRecord `json:"shards"`
		}
		if err := json.Unmarshal(got[results.ShardsFile], &sf); err != nil {
			t.Fatalf("%s: %v", results.ShardsFile, err)
		}
		if len(sf.Shards) != n || sf.Shards[0].Index != 0 || sf.Shards[0].Machine.Hostname == "" {
			t.Errorf("%d shards: shards.json lists %+v", n, sf.Shards)
		}
		delete(got, results.ShardsFile)
		sameTree(t, fmt.Sprintf("merge of %d shards", n), got, want)
		// report rebuilds a merged directory and keeps shards.json.
		if _, _, err := cli(t, "report", "--quiet", merged); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(merged, results.ShardsFile)); err != nil {
			t.Errorf("report dropped shards.json: %v", err)
		}
	}
}

// merge refuses shards that are not every shard of one sweep, with an error naming the problem,
// and leaves no output directory behind.
func TestMergeRefusesMismatchedShards(t *testing.T) {
	dir := t.TempDir()
	tiny, _ := filepath.Abs("testdata/tiny-sweep.yaml")
	quick := runShards(t, dir, "quick", tiny, 2, "--quick")
	three := runShards(t, dir, "three", tiny, 3, "--quick")
	full := runShards(t, dir, "full", tiny, 2)
	other := runShards(t, dir, "other", "embedded:fanout-size", 2, "--quick")
	tampered := runShards(t, dir, "tampered", tiny, 2, "--quick")
	if err := os.WriteFile(filepath.Join(tampered[1], results.ShardScenarioFile), []byte("name: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	otherArch := runShards(t, dir, "arch", tiny, 2, "--quick")
	setShardField(t, otherArch[1], func(s *results.Shard) { s.Machine.GOARCH = "arm64be" })
	huge := runShards(t, dir, "huge", tiny, 2, "--quick")
	for _, d := range huge {
		setShardField(t, d, func(s *results.Shard) { s.TotalJobs = 1 << 40 })
	}
	for _, tc := range []struct {
		name   string
		shards []string
		want   string
	}{
		{"no shards", nil, "merge takes the shard directories"},
		{"missing shard", quick[:1], "missing shards: 1 of 0…1 (given: 0)"},
		{"missing shards", three[1:2], "missing shards: 0, 2 of 0…2 (given: 1)"},
		{"same shard twice", []string{quick[0], quick[1], quick[1]}, "overlapping shards: " + quick[1] + " and " + quick[1] + " are both shard 1/2"},
		{"different scenarios", []string{quick[0], other[1]}, "shards of different sweeps: " + quick[0] + " has scenario tiny-sweep (sha256 "},
		{"quick and full", []string{quick[0], full[1]}, "has --quick true, but " + full[1] + " has false"},
		{"different counts", []string{quick[0], three[1], three[2]}, "has shard count 2 (shard 0/2), but " + three[1] + " has 3 (shard 1/3)"},
		{"not a shard", []string{quick[0], dir}, "no shard.json: not a shard directory"},
		{"tampered scenario", tampered, "scenario.yaml has SHA-256"},
		{"absurd job count", huge, "records 1099511627776 jobs; a sweep has at most 100000"},
		{"another build", otherArch, "linux/arm64be); every shard must run the same build"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "merged-"+strings.ReplaceAll(tc.name, " ", "-"))
			_, _, err := cli(t, append([]string{"merge", "--out", out}, tc.shards...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("merge: got error %v, want one containing %q", err, tc.want)
			}
			if _, serr := os.Stat(out); !os.IsNotExist(serr) {
				t.Errorf("a refused merge left %s behind", out)
			}
		})
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.partial-*")); len(m) > 0 {
		t.Errorf("partial directories left behind: %v", m)
	}
}

// setShardField changes the shard.json of a shard directory.
func setShardField(t *testing.T, dir string, change func(*results.Shard)) {
	t.Helper()
	path := filepath.Join(dir, results.ShardFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s results.Shard
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	change(&s)
	if data, err = json.Marshal(s); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestShardFlag(t *testing.T) {
	for _, tc := range []struct {
		v     string
		index int
		count int
		err   string
	}{
		{v: "0/1", index: 0, count: 1},
		{v: "2/3", index: 2, count: 3},
		{v: "3/3", err: `INDEX "3" is not a whole number from 0 to 2`},
		{v: "-1/3", err: `INDEX "-1" is not a whole number from 0 to 2`},
		{v: "0/0", err: `COUNT "0" is not a whole number from 1 to 100000`},
		{v: "0/100001", err: `COUNT "100001" is not a whole number from 1 to 100000`},
		{v: "1", err: "no '/'"},
		{v: "a/b", err: `COUNT "b" is not`},
		{v: "1/2/3", err: `COUNT "2/3" is not`},
	} {
		s, err := parseShard(tc.v)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "--shard") {
				t.Errorf("--shard %s: got %v, want an error with %q", tc.v, err, tc.err)
			}
			continue
		}
		if err != nil || s.index != tc.index || s.count != tc.count {
			t.Errorf("--shard %s: got %+v, %v", tc.v, s, err)
		}
	}
	// The CLI reports it as a usage error before running anything.
	_, _, err := cli(t, "sweep", "embedded:fanout-size", "--shard", "4/4")
	if _, ok := err.(usageError); !ok {
		t.Errorf("sweep --shard 4/4: got %v, want a usage error", err)
	}
}
