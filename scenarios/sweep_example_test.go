package scenarios_test

import (
	"fmt"

	"github.com/mimisim/mimisim/scenarios"
)

func ExampleScenario_Expand() {
	src := []byte(`name: grow
duration: 10s
providers:
  - {name: hub, role: hub, region: eu-west-1}
  - {name: far, role: follower, region: sa-east-1}
room: {members: 2}
workload: {kind: poisson, rate_per_member: 0.1}
sweep:
  replications: 2
  axes:
    - {field: room.members, values: [2, 4, 8]}
    - {field: workload.rate_per_member, values: [0.1, 1]}
  quick: {room.members: [4], replications: 1}
`)
	s, err := scenarios.Parse("grow.yaml", src, limits)
	if err != nil {
		fmt.Println(err)
		return
	}
	full, _ := s.Expand(false)
	fmt.Println(len(full), "jobs in the full sweep")
	quick, err := s.Expand(true)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range quick {
		// A quick job has the seed of the same job of the full sweep.
		same := -1
		for i, f := range full {
			if f.Seed == p.Seed {
				same = i
			}
		}
		fmt.Printf("point %d %v replication %d: placement %v, seed of full job %d (point %d)\n",
			p.Index, p.Params, p.Replication, p.Scenario.Room.Placement, same, full[same].Index)
	}
	// Output:
	// 12 jobs in the full sweep
	// point 0 [{room.members 4} {workload.rate_per_member 0.1}] replication 0: placement [2 2], seed of full job 4 (point 2)
	// point 1 [{room.members 4} {workload.rate_per_member 1}] replication 0: placement [2 2], seed of full job 6 (point 3)
}

func ExampleJobSeed() {
	params := []scenarios.Param{{Name: "room.members", Value: "2"}}
	fmt.Println(scenarios.JobSeed(1, params, 0))
	fmt.Println(scenarios.JobSeed(1, params, 1))
	// Output:
	// 932965655371567457
	// 12165308531873551462
}

func ExampleSweepFields() {
	for _, f := range scenarios.SweepFields()[:4] {
		fmt.Println(f)
	}
	// Output:
	// duration
	// engine
	// fidelity
	// time_mode
}

func ExampleScenario_Clone() {
	s, _, err := scenarios.LoadEmbedded("default", limits)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := s.Clone()
	c.Providers[0].Region = "us-west-2"
	fmt.Println(s.Providers[0].Region, c.Providers[0].Region)
	// Output:
	// eu-west-1 us-west-2
}
