package world

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/mimisim/mimisim/models/cost"
	"github.com/mimisim/mimisim/models/mls/engines"
	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/scenarios"
)

const measuredScenario = `
name: measured
seed: 5
duration: 10s
time_mode: %s
providers:
  - {name: hub, role: hub, region: eu-west-1}
  - {name: us, role: follower, region: us-east-1}
room:
  members: 6
  access: {wifi: 1}
workload: {kind: poisson, rate_per_member: 0.5, payload_bytes: 100}
`

func clientCPU(t *testing.T, mode string, model cost.Model) (map[string]float64, []results.Observation) {
	t.Helper()
	lim := scenarios.Limits{Engines: engines.Limits(), Regions: network.Regions(),
		AccessTypes: network.AccessTypes(), Devices: cost.DeviceNames()}
	sc, err := scenarios.Parse("m.yaml", []byte(fmt.Sprintf(measuredScenario, mode)), lim)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engines.Lookup("gomls")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(sc, Options{Engine: eng, Cost: model})
	if err != nil {
		t.Fatal(err)
	}
	cpu := map[string]float64{}
	for _, o := range res.Observations.All() {
		if o.Metric == MetricClientCPU {
			cpu[o.Source] = o.Value
		}
	}
	if len(cpu) != 6 {
		t.Fatalf("%d client_cpu observations", len(cpu))
	}
	return cpu, res.Observations.Slice()
}

// TestMeasuredTimeMode: with the wall-clock model every client is charged non-zero CPU time that
// differs from the table's; the calibrated runs around it stay identical.
func TestMeasuredTimeMode(t *testing.T) {
	table, err := cost.Load("gomls")
	if err != nil {
		t.Fatal(err)
	}
	calibrated, before := clientCPU(t, "calibrated", table)
	measured, _ := clientCPU(t, "measured", cost.Wall{Fallback: table})
	_, after := clientCPU(t, "calibrated", table)
	for id, m := range measured {
		if m <= 0 || m == calibrated[id] {
			t.Errorf("%s: measured %v ms, calibrated %v ms", id, m, calibrated[id])
		}
	}
	if !reflect.DeepEqual(before, after) {
		t.Error("two calibrated runs differ")
	}
}
