package world

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/engines"
	"github.com/mimisim/mimisim/results"
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

func opsScenario(engine, fidelity string, members int, ops, gap string) string {
	return fmt.Sprintf(`
name: ops
duration: 25s
engine: %s
fidelity: %s
%s
room:
  members: %d
  access: {wifi: 0.5, lte: 0.5}
workload: {kind: ops, ops: [%s], gap: %s, payload_bytes: 100}
`, engine, fidelity, threeProviders, members, ops, gap)
}

// opRecord is what one operation recorded.
type opRecord struct {
	name      string
	single    map[string]float64 // metric → value, for the metrics recorded once per operation
	receivers []float64
}

// opRecords splits a run's ops observations by operation: each operation's observations start
// with its op_wire_bytes.
func opRecords(obs []results.Observation) []opRecord {
	var out []opRecord
	for _, o := range obs {
		switch o.Metric {
		case MetricOpWireBytes:
			out = append(out, opRecord{name: o.Group, single: map[string]float64{o.Metric: o.Value}})
		case MetricOpReceiverCPU:
			out[len(out)-1].receivers = append(out[len(out)-1].receivers, o.Value)
		case MetricOpSenderCPU, MetricOpConverge, MetricOpHubCPU, MetricOpHubEgress, MetricOpJoinerCPU:
			out[len(out)-1].single[o.Metric] = o.Value
		}
	}
	return out
}

// Each operation is measured alone: the sender is charged exactly its op at the room's size,
// every remaining member exactly the processing of it; after a remove the room is one smaller,
// and the removed member takes no further part.
func TestOpsWorkload(t *testing.T) {
	for _, c := range []struct {
		engine, fidelity string
		members          int
	}{{"gomls", "full", 9}, {"rfc9420", "full", 9}, {"gomls", "sampled:2", 40}, {"rfc9420", "auto:1", 40}} {
		t.Run(fmt.Sprintf("%s/%s/%d", c.engine, c.fidelity, c.members), func(t *testing.T) {
			e, err := engines.Lookup(c.engine)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(parse(t, opsScenario(c.engine, c.fidelity, c.members, "update, message, remove, update, message, add, message", "3s")),
				Options{Engine: e, Cost: opCost{}})
			if err != nil {
				t.Fatal(err)
			}
			n := c.members
			ops := opRecords(res.Observations.Slice())
			want := []struct {
				name             string
				size             int
				sender, receiver mls.Op
				receivers        int
			}{
				{"update", n, mls.OpCommitUpdate, mls.OpProcessCommit, n - 1},
				{"message", n, mls.OpProtect, mls.OpUnprotect, n - 1},
				{"remove", n, mls.OpCommitRemove, mls.OpProcessCommit, n - 1},
				{"update", n - 1, mls.OpCommitUpdate, mls.OpProcessCommit, n - 2},
				{"message", n - 1, mls.OpProtect, mls.OpUnprotect, n - 2},
				{"add", n - 1, mls.OpCommitAdd, mls.OpProcessCommit, n - 2},
				{"message", n, mls.OpProtect, mls.OpUnprotect, n - 1},
			}
			// The committer of an add is charged at the group's size after it in full fidelity
			// (the real group's), before it in sampled fidelity (the room's); so is the joiner.
			sampled := res.World.SampledK > 0
			after := n
			if sampled {
				after = n - 1
			}
			if len(ops) != len(want) {
				t.Fatalf("%d operations recorded, want %d", len(ops), len(want))
			}
			for i, w := range want {
				op := ops[i]
				price := func(o mls.Op) float64 { return ms(opCost{}.CPU(o, w.size, "phone")) }
				senderPrice := price(w.sender)
				if w.name == "add" {
					senderPrice = ms(opCost{}.CPU(w.sender, after, "phone"))
					if want := ms(opCost{}.CPU(mls.OpJoin, after, "phone")); op.single[MetricOpJoinerCPU] != want {
						t.Errorf("op %d (add): the joiner used %v ms, want %v", i, op.single[MetricOpJoinerCPU], want)
					}
				}
				if op.name != w.name || op.single[MetricOpSenderCPU] != senderPrice || len(op.receivers) != w.receivers {
					t.Errorf("op %d: %s, sender %v ms (want %v), %d receivers (want %d)", i, op.name,
						op.single[MetricOpSenderCPU], senderPrice, len(op.receivers), w.receivers)
				}
				for _, r := range op.receivers {
					if r != price(w.receiver) {
						t.Errorf("op %d (%s): a receiver used %v ms, want %v", i, op.name, r, price(w.receiver))
						break
					}
				}
				for _, m := range []string{MetricOpWireBytes, MetricOpSenderCPU, MetricOpConverge, MetricOpHubCPU, MetricOpHubEgress} {
					if op.single[m] <= 0 {
						t.Errorf("op %d (%s): %s = %v", i, op.name, m, op.single[m])
					}
				}
			}
			if ops[0].single[MetricOpWireBytes] <= ops[1].single[MetricOpWireBytes] {
				t.Errorf("a commit with path (%v bytes) is not larger than a message (%v)", ops[0].single[MetricOpWireBytes], ops[1].single[MetricOpWireBytes])
			}
			removed := 0
			for _, cl := range res.World.Clients {
				if cl.Left() {
					removed++
				}
			}
			if removed != 1 {
				t.Errorf("%d members removed", removed)
			}
		})
	}
}

// An operation that has not reached everyone when its slot ends fails the run, naming it.
func TestOpsWorkloadGapTooShort(t *testing.T) {
	_, err := Run(parse(t, opsScenario("gomls", "full", 9, "update", "1ms")), Options{Engine: engine(t), Cost: opCost{}})
	if err == nil || !strings.Contains(err.Error(), "operation 0 (update) reached") || !strings.Contains(err.Error(), "make the gap longer") {
		t.Fatalf("err = %v", err)
	}
}

// A remove needs a real member other than the creator; when none is left the run says so.
func TestOpsWorkloadNothingToRemove(t *testing.T) {
	_, err := Run(parse(t, opsScenario("gomls", "full", 2, "remove, remove", "5s")), Options{Engine: engine(t), Cost: opCost{}})
	if err == nil || !strings.Contains(err.Error(), "operation 1 (remove): no real member other than the creator is left to remove") {
		t.Fatalf("err = %v", err)
	}
}

// go-mls cannot commit with a path at 129 members: the add that makes the room 129 works (an
// Add-only commit has no path), the update after it is recorded as the limit reached, with the
// engine's words, and the run goes on.
func TestOpsWorkloadEngineLimit(t *testing.T) {
	res, err := Run(parse(t, opsScenario("gomls", "full", 128, "add, update, message", "3s")), Options{Engine: engine(t), Cost: opCost{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Limits) != 1 || !strings.Contains(res.Limits[0], "operation 1 (update): mls engine gomls cannot commit_update in a group of 129 members") {
		t.Fatalf("limits: %q", res.Limits)
	}
	ops := map[string]int{}
	for _, o := range res.Observations.All() {
		switch o.Metric {
		case MetricOpLimit:
			if o.Group != "update" || o.Value != 129 {
				t.Errorf("limit observation %+v", o)
			}
			ops["limit"]++
		case MetricOpWireBytes:
			ops[o.Group]++
		}
	}
	if ops["limit"] != 1 || ops["add"] != 1 || ops["message"] != 1 || ops["update"] != 0 {
		t.Errorf("operations recorded: %v", ops)
	}
}
