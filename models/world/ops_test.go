package world

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/engines"
)

// opCost charges every op its own price, so that a test can tell which op was charged:
// (index of op + 1) × 100µs + n × 1µs.
type opCost struct{}

func (opCost) CPU(op mls.Op, n int, device string) time.Duration {
	for i, o := range mls.Ops {
		if o == op {
			return time.Duration(i+1)*100*time.Microsecond + time.Duration(n)*time.Microsecond
		}
	}
	panic("opCost: unknown op " + op)
}

func opsScenario(engine, fidelity string, members int, gap string) string {
	return fmt.Sprintf(`
name: ops
duration: 20s
engine: %s
fidelity: %s
%s
room:
  members: %d
  access: {wifi: 0.5, lte: 0.5}
workload: {kind: ops, ops: [update, message, update], gap: %s, payload_bytes: 100}
`, engine, fidelity, threeProviders, members, gap)
}

// Each operation is measured alone: the sender is charged exactly its op, every other member
// exactly the processing of it, and every measure comes once per operation.
func TestOpsWorkload(t *testing.T) {
	for _, c := range []struct {
		engine, fidelity string
		members          int
	}{{"gomls", "full", 9}, {"rfc9420", "full", 9}, {"gomls", "sampled:1", 40}, {"rfc9420", "auto:1", 40}} {
		t.Run(fmt.Sprintf("%s/%s/%d", c.engine, c.fidelity, c.members), func(t *testing.T) {
			e, err := engines.Lookup(c.engine)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(parse(t, opsScenario(c.engine, c.fidelity, c.members, "5s")), Options{Engine: e, Cost: opCost{}})
			if err != nil {
				t.Fatal(err)
			}
			n := c.members
			price := func(op mls.Op) float64 { return ms(opCost{}.CPU(op, n, "phone")) }
			want := map[string]map[string]float64{
				"update":  {MetricOpSenderCPU: price(mls.OpCommitUpdate), MetricOpReceiverCPU: price(mls.OpProcessCommit)},
				"message": {MetricOpSenderCPU: price(mls.OpProtect), MetricOpReceiverCPU: price(mls.OpUnprotect)},
			}
			count := map[string]int{}
			bytes := map[string]float64{}
			for _, o := range res.Observations {
				if !strings.HasPrefix(o.Metric, "op_") {
					continue
				}
				count[o.Metric+"/"+o.Group]++
				if w, ok := want[o.Group][o.Metric]; ok && o.Value != w {
					t.Errorf("%s of %s by %s: %v ms, want %v", o.Metric, o.Group, o.Source, o.Value, w)
				}
				if o.Value <= 0 {
					t.Errorf("%s of %s: %v", o.Metric, o.Group, o.Value)
				}
				if o.Metric == MetricOpWireBytes {
					bytes[o.Group] = o.Value
				}
			}
			for _, m := range []string{MetricOpWireBytes, MetricOpSenderCPU, MetricOpConverge, MetricOpHubCPU, MetricOpHubEgress} {
				if count[m+"/update"] != 2 || count[m+"/message"] != 1 {
					t.Errorf("%s: %d update and %d message observations", m, count[m+"/update"], count[m+"/message"])
				}
			}
			if count[MetricOpReceiverCPU+"/update"] != 2*(n-1) || count[MetricOpReceiverCPU+"/message"] != n-1 {
				t.Errorf("receivers: %v", count)
			}
			if bytes["update"] <= bytes["message"] {
				t.Errorf("a commit with path (%v bytes) is not larger than a message (%v)", bytes["update"], bytes["message"])
			}
		})
	}
}

// An operation that has not reached everyone when its slot ends fails the run, naming it.
func TestOpsWorkloadGapTooShort(t *testing.T) {
	_, err := Run(parse(t, opsScenario("gomls", "full", 9, "1ms")), Options{Engine: engine(t), Cost: opCost{}})
	if err == nil || !strings.Contains(err.Error(), "operation 0 (update) reached") || !strings.Contains(err.Error(), "make the gap longer") {
		t.Fatalf("err = %v", err)
	}
}
