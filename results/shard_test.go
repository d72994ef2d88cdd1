package results

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// testShard is shard 1 of 2 of a four-job sweep, holding jobs 1 and 3, with their observations.
func testShard() (Shard, [][]Observation) {
	obs := testObservations()
	s := Shard{
		Format: ShardFormat, Index: 1, Count: 2, TotalJobs: 4, Quick: true,
		Scenario: "fanout-size", ScenarioFile: "embedded:fanout-size",
		Tool: "mimisim", ToolVersion: "devel", GitRevision: "abc",
		Machine: Machine{Hostname: "node-1", CPUModel: "Test CPU", NumCPU: 8, GoVersion: "go1.26", GOOS: "linux", GOARCH: "amd64"},
		Jobs: []ShardJob{
			{Job: 1, Point: 0, Params: []Param{{"room.members", "2"}}, Replication: 1, Seed: 11, Engine: "gomls", Events: 10, SimulatedNs: 5, Extra: map[string]string{"a": "b"}},
			{Job: 3, Point: 1, Params: []Param{{"room.members", "4"}}, Replication: 1, Seed: 13, Engine: "gomls", Events: 20, SimulatedNs: 6},
		},
	}
	return s, [][]Observation{obs[:2], obs[2:]}
}

var testScenario = []byte("name: fanout-size\n")

// A shard directory reads back exactly as written.
func TestShardRoundTrip(t *testing.T) {
	s, obs := testShard()
	dir := filepath.Join(t.TempDir(), "shard")
	if err := WriteShard(dir, s, testScenario, obs, Options{}); err != nil {
		t.Fatal(err)
	}
	got, raw, gotObs, err := ReadShard(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.ScenarioSHA256 = "d557b99fa59f761034416122a2302badf5e04045231e396c8042afee09089dd0" // sha256sum of testScenario
	if !reflect.DeepEqual(got, s) || string(raw) != string(testScenario) || !reflect.DeepEqual(gotObs, obs) {
		t.Errorf("read back\n%+v\n%q\n%+v\nwant\n%+v\n%+v", got, raw, gotObs, s, obs)
	}
}

// WriteShard refuses an inconsistent shard and writes nothing; ReadShard refuses a damaged one.
func TestShardRejects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Shard, *[][]Observation)
		want   string
	}{
		{"format", func(s *Shard, _ *[][]Observation) { s.Format = 2 }, "shard format 2, this mimisim reads format 1"},
		{"count", func(s *Shard, _ *[][]Observation) { s.Count = 0 }, "shard count 0; it must be at least 1"},
		{"index", func(s *Shard, _ *[][]Observation) { s.Index = 2 }, "shard index 2 is not between 0 and 1"},
		{"foreign job", func(s *Shard, _ *[][]Observation) { s.Jobs[1].Job = 2 }, "job 2 belongs to shard 0 of 2, not to shard 1"},
		{"job range", func(s *Shard, _ *[][]Observation) { s.Jobs[1].Job = 5 }, "job 5 is not between 0 and 3"},
		{"order", func(s *Shard, _ *[][]Observation) { s.Jobs[0].Job, s.Jobs[1].Job = 3, 1 }, "job 1 is out of order or repeated"},
		{"observation slices", func(_ *Shard, o *[][]Observation) { *o = (*o)[:1] }, "1 observation slices for 2 jobs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, obs := testShard()
			tc.change(&s, &obs)
			parent := t.TempDir()
			err := WriteShard(filepath.Join(parent, "s"), s, testScenario, obs, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if got := entries(t, parent); len(got) != 0 {
				t.Errorf("a refused write left %q", got)
			}
		})
	}
	damage := []struct {
		name, file, content, want string
	}{
		{"unknown field", ShardFile, `{"format": 1, "surprise": true}`, `unknown field "surprise"`},
		{"scenario changed", ShardScenarioFile, "name: other\n", "scenario.yaml has SHA-256"},
		{"foreign job row", ShardObservationsFile, "job,metric,unit,group,time_s,source,target,id,value\n2,m,ms,g,0.000000000,a,b,1,1\n", `line 2: job "2" is not a job of this shard`},
		{"rows out of order", ShardObservationsFile, "job,metric,unit,group,time_s,source,target,id,value\n3,m,ms,g,0.000000000,a,b,1,1\n1,m,ms,g,0.000000000,a,b,1,1\n", "line 3: job 1 after a later job"},
	}
	for _, tc := range damage {
		t.Run(tc.name, func(t *testing.T) {
			s, obs := testShard()
			dir := filepath.Join(t.TempDir(), "s")
			if err := WriteShard(dir, s, testScenario, obs, Options{}); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, tc.file), []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, _, _, err := ReadShard(dir); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// A merged sweep is WriteSweep's files plus shards.json, and a merge that fails at any file,
// shards.json included, leaves nothing behind.
func TestWriteMergedSweep(t *testing.T) {
	m, obs := smallSweep(2)
	parent := t.TempDir()
	recs := []ShardRecord{{Index: 0, Count: 1, Jobs: []int{0, 1, 2, 3}, Machine: Machine{Hostname: "node-0"}}}
	plain, merged := filepath.Join(parent, "plain"), filepath.Join(parent, "merged")
	if err := WriteSweep(plain, m, obs, sweepOptions()); err != nil {
		t.Fatal(err)
	}
	if err := WriteMergedSweep(merged, m, obs, recs, sweepOptions()); err != nil {
		t.Fatal(err)
	}
	want := append(listFiles(t, plain), ShardsFile)
	if got := listFiles(t, merged); !reflect.DeepEqual(sortedCopy(got), sortedCopy(want)) {
		t.Errorf("merged files %q, want %q", got, want)
	}
	for _, name := range []string{ObservationsFile, ReportFile, ShardsFile} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			opts := sweepOptions()
			opts.failHook = failAt(name)
			if err := WriteMergedSweep(filepath.Join(dir, "m"), m, obs, recs, opts); !errors.Is(err, errInjected) {
				t.Fatalf("got %v, want the injected error", err)
			}
			if got := entries(t, dir); len(got) != 0 {
				t.Errorf("a failed merge left %q", got)
			}
		})
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
