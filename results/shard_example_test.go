package results_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/mimisim/mimisim/results"
)

// A shard directory holds one share of a sweep's jobs; ReadShard gives back what WriteShard
// was given, after checking it.
func ExampleWriteShard() {
	dir, err := os.MkdirTemp("", "shard-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// Shard 1 of 2 of a sweep of 3 jobs holds job 1 alone (jobs j with j mod 2 = 1).
	s := results.Shard{
		Format: results.ShardFormat, Index: 1, Count: 2, TotalJobs: 3,
		Scenario: "tiny", ScenarioFile: "tiny.yaml",
		Jobs: []results.ShardJob{{Job: 1, Point: 0, Replication: 1, Seed: 42, Engine: "gomls"}},
	}
	obs := [][]results.Observation{{{Metric: "delivery_latency", Unit: "ms", Group: "hub", Value: 12.5}}}
	if err := results.WriteShard(filepath.Join(dir, "shard-1"), s, []byte("name: tiny\n"), obs, results.Options{}); err != nil {
		log.Fatal(err)
	}
	got, scenario, gotObs, err := results.ReadShard(filepath.Join(dir, "shard-1"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("shard %d/%d: job %d (seed %d), %d observation, scenario %q, sha256 %s…\n",
		got.Index, got.Count, got.Jobs[0].Job, got.Jobs[0].Seed, len(gotObs[0]), scenario, got.ScenarioSHA256[:12])
	// Output:
	// shard 1/2: job 1 (seed 42), 1 observation, scenario "name: tiny\n", sha256 738f3d001935…
}
