package scenarios_test

import (
	"fmt"

	"github.com/mimisim/mimisim/scenarios"
)

var limits = scenarios.Limits{
	Engines:     map[string]int{"gomls": 1000},
	Regions:     []string{"eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-1", "ap-northeast-1", "sa-east-1"},
	AccessTypes: []string{"wired", "wifi", "lte", "5g"},
	Devices:     []string{"phone"},
}

func ExampleParse() {
	src := []byte(`name: two-providers
duration: 30s
providers:
  - {name: hub, role: hub, region: eu-west-1}
  - {name: far, role: follower, region: sa-east-1}
room:
  members: 10
  access: {wifi: 0.5, lte: 0.5}
workload: {kind: poisson, rate_per_member: 0.1}
network:
  access:
    lte:
      latency: {kind: lognormal, median: 25ms, sigma: 0.4}
`)
	s, err := scenarios.Parse("two.yaml", src, limits)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Name, s.Duration, s.Engine, s.Seed, s.Room.Placement, s.Network.Access["lte"].Latency.Median)

	// The same file with a typo and a latency without its unit.
	bad := []byte(`name: two-providers
duration: 30s
providers:
  - {name: hub, role: hub, region: eu-west-1}
  - {name: far, role: follower, region: sa-east-1}
room:
  members: 10
  acess: {wifi: 0.5, lte: 0.5}
workload: {kind: poisson, rate_per_member: 0.1}
network:
  access:
    lte:
      latency: {kind: lognormal, median: 25, sigma: 0.4}
`)
	_, err = scenarios.Parse("two.yaml", bad, limits)
	fmt.Println(err)
	// Output:
	// two-providers 30s gomls 1 [5 5] 25ms
	// two.yaml:8:3: room.acess: unknown field (did you mean "access"?); allowed in room: members, placement, access, device
	// two.yaml:13:42: network.access.lte.latency.median: bare number 25 is not a duration; add a unit, e.g. "25ms" or "25s"
}

func ExampleLoadEmbedded() {
	s, raw, err := scenarios.LoadEmbedded("default", limits)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(scenarios.Embedded())
	fmt.Println(s.Name, s.Room.Members, "members over", len(s.Providers), "providers, placement", s.Room.Placement)
	fmt.Println(len(raw) > 0)
	// Output:
	// [bigroom callsetup callsetup-large contention contention-rtt default dma-phases fanout fanout-load fanout-size fanout-topology faults groupsize hostile]
	// default 32 members over 3 providers, placement [11 11 10]
	// true
}
