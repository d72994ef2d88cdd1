package world

import (
	"reflect"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/network"
)

// runFaults runs the small three-provider scenario with a faults section and checks what every
// run under faults must give: the run completes (world.Run fails otherwise), every accepted
// message is decrypted exactly once by every other member, and nothing the hub accepted is lost.
func runFaults(t *testing.T, members int, seed uint64, faults string) (*Result, map[string]float64) {
	t.Helper()
	sc := parse(t, smallScenario(members, seed, faults))
	res, err := Run(sc, Options{Engine: engine(t), Cost: linearCost{}})
	if err != nil {
		t.Fatal(err)
	}
	type pair struct {
		id     int64
		target string
	}
	seen := map[pair]bool{}
	metrics := map[string]float64{}
	for _, o := range res.Observations.All() {
		if o.Metric == MetricDelivery {
			p := pair{o.ID, o.Target}
			if seen[p] {
				t.Fatalf("message %d decrypted twice by %s", o.ID, o.Target)
			}
			seen[p] = true
		}
		if o.Group == "faults" {
			metrics[o.Metric] = o.Value
		}
	}
	if want := res.Accepted * (res.Members - 1); len(seen) != want || res.Deliveries != want {
		t.Fatalf("%d distinct deliveries (%d counted), want %d = %d accepted × %d recipients",
			len(seen), res.Deliveries, want, res.Accepted, res.Members-1)
	}
	if res.Accepted == 0 {
		t.Fatal("no message accepted: the test checks nothing")
	}
	t.Logf("sent %d, accepted %d, deliveries %d, end %v; fault metrics %v", res.Sent, res.Accepted, res.Deliveries, res.EndTime, metrics)
	return res, metrics
}

// TestFaultsLinksAndPartitions: duplication and reordering on every link, a follower cut off
// from everyone for longer than the network's retransmission budget (20 × 200 ms, so its
// connections break), and a one-way cut between another follower and the hub.
func TestFaultsLinksAndPartitions(t *testing.T) {
	res, m := runFaults(t, 9, 11, `
faults:
  links: {duplicate: 0.05, reorder: 0.1, reorder_delay: {kind: constant, value: 40ms}}
  episodes: [{from: 12s, to: 15s, scope: access, loss: 0.3, delay: {kind: constant, value: 100ms}}]
  partitions:
    - {provider: us, from: 2s, to: 9s}
    - {provider: ap, peer: hub, from: 5s, to: 7s, one_way: true}
`)
	if res.Sent != res.Accepted {
		t.Errorf("%d messages sent, %d accepted: recovery lost some", res.Sent, res.Accepted)
	}
	for _, k := range []string{MetricFaultDuplicates, MetricFaultRetries, MetricFaultBroken} {
		if m[k] == 0 {
			t.Errorf("%s = 0: the faults did not bite", k)
		}
	}
	tot := res.World.Net.Totals()
	if tot.Duplicated == 0 || tot.Reordered == 0 || tot.Partitioned == 0 || tot.EpisodeLost == 0 {
		t.Errorf("network totals %+v: want duplicated, reordered, partitioned and episode-lost transmissions", tot)
	}
}

// TestFaultsCrash: the hub, or a follower, crashes in the middle of the window and restarts;
// every message sent is still accepted (clients retry) and decrypted by everyone.
func TestFaultsCrash(t *testing.T) {
	for _, tc := range []struct{ name, provider string }{{"hub", "hub"}, {"follower", "us"}} {
		t.Run(tc.name, func(t *testing.T) {
			res, m := runFaults(t, 9, 4, `
faults:
  crashes: [{provider: `+tc.provider+`, at: 6s, down_for: 3s}]
  recovery: {request_timeout: 500ms, backoff_max: 4s, retry_after: 300ms}
`)
			if res.Sent != res.Accepted {
				t.Errorf("%d messages sent, %d accepted: the crash lost some", res.Sent, res.Accepted)
			}
			var crashed *ProviderResult
			for i := range res.Providers {
				if res.Providers[i].Name == tc.provider {
					crashed = &res.Providers[i]
				}
			}
			f := crashed.Stats.Faults
			if f.Crashes != 1 || f.DownNs != 3*time.Second {
				t.Errorf("%s: %d crashes, down %v; want 1 and 3s", tc.provider, f.Crashes, f.DownNs)
			}
			if f.LostWhileDown == 0 || f.RetryAfterSent == 0 {
				t.Errorf("%s: lost while down %d, Retry-After sent %d: want both > 0", tc.provider, f.LostWhileDown, f.RetryAfterSent)
			}
			if m[MetricFaultRetries] == 0 || m[MetricFaultDownTime] != 3000 {
				t.Errorf("fault metrics %v: want retries and 3000 ms down", m)
			}
		})
	}
}

// TestFaultsRandomDeterministic: random partitions and crashes, drawn from their streams, give
// identical observations for the same seed and different ones for another.
func TestFaultsRandomDeterministic(t *testing.T) {
	const faults = `
faults:
  links: {scope: core, duplicate: 0.02, extra_delay: {kind: shifted_exponential, min: 1ms, mean: 5ms}}
  random_partitions: {rate: 0.2, duration: {kind: constant, value: 2s}}
  random_crashes: {rate: 0.1, down: {kind: constant, value: 2s}}
`
	a, _ := runFaults(t, 6, 8, faults)
	b, _ := runFaults(t, 6, 8, faults)
	c, _ := runFaults(t, 6, 9, faults)
	if !reflect.DeepEqual(a.Observations.Slice(), b.Observations.Slice()) {
		t.Error("two runs with seed 8 differ")
	}
	if reflect.DeepEqual(a.Observations.Slice(), c.Observations.Slice()) {
		t.Error("seeds 8 and 9 give the same observations")
	}
	notes := a.World.FaultNotes()
	if len(notes) < 2 {
		t.Errorf("fault notes %q: want the link faults, drawn faults and the recovery line", notes)
	}
	if len(a.World.cuts)+len(a.World.outages) == 0 {
		t.Error("no partition or crash was drawn in 20s at these rates")
	}
}

// TestNoFaultsNoFaultMetrics: without a faults section no fault observation is produced.
func TestNoFaultsNoFaultMetrics(t *testing.T) {
	sc := parse(t, smallScenario(4, 2, ""))
	res, err := Run(sc, Options{Engine: engine(t), Cost: linearCost{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Observations.All() {
		if o.Group == "faults" {
			t.Fatalf("fault observation %+v without a faults section", o)
		}
	}
}

// TestFaultsWithCommitsAndOffline: commit contention and offline members under duplication,
// a partition and crashes of the hub and a follower. Messages of an epoch a commit has closed
// may be refused (epochTooOld), but every accepted one is decrypted by everyone, once.
func TestFaultsWithCommitsAndOffline(t *testing.T) {
	sc := parse(t, smallScenario(9, 5, `
faults:
  links: {duplicate: 0.05}
  partitions: [{provider: ap, from: 3s, to: 8s}]
  crashes: [{provider: hub, at: 9s, down_for: 2s}, {provider: us, at: 12s, down_for: 3s}]
  recovery: {request_timeout: 500ms, backoff_max: 4s}
`))
	res, err := Run(sc, Options{Engine: engine(t), Cost: linearCost{},
		Commits: &CommitWorkload{Committers: 3, Rate: 0.5, Policy: client.CommitPolicy{Kind: client.PolicyBackoff, Base: 50 * time.Millisecond, Max: time.Second}},
		Offline: &OfflineWorkload{Share: 0.3, Reconnect: network.Constant(4 * time.Second)}})
	if err != nil {
		t.Fatal(err)
	}
	epoch, _ := res.World.Hub.RoomEpoch(RoomID)
	if epoch < 3 || res.Accepted == 0 || res.Deliveries != res.Accepted*(res.Members-1) {
		t.Fatalf("epoch %d, accepted %d, deliveries %d (members %d)", epoch, res.Accepted, res.Deliveries, res.Members)
	}
	t.Logf("epoch %d, sent %d, accepted %d", epoch, res.Sent, res.Accepted)
}

// TestFaultsOverloadSheds: a hub with one slow core and a short queue limit answers the
// requests beyond it with Retry-After; clients wait and retry, and nothing is lost.
func TestFaultsOverloadSheds(t *testing.T) {
	sc := parse(t, `
name: overload
seed: 3
duration: 10s
providers:
  - {name: hub, role: hub, region: eu-west-1, cores: 1, request_cost: 40ms}
  - {name: us, role: follower, region: us-east-1}
room: {members: 8}
workload: {kind: poisson, rate_per_member: 3, payload_bytes: 100}
faults:
  recovery: {request_timeout: 2s, max_queue: 4}
`)
	res, err := Run(sc, Options{Engine: engine(t), Cost: linearCost{}})
	if err != nil {
		t.Fatal(err)
	}
	f := res.World.Hub.Stats().Faults
	if f.Shed == 0 {
		t.Fatalf("hub stats %+v: nothing shed at 24 requests/s on a 25 requests/s core with a queue of 4", f)
	}
	if res.Sent != res.Accepted || res.Deliveries != res.Accepted*(res.Members-1) {
		t.Errorf("sent %d, accepted %d, deliveries %d: shedding lost messages", res.Sent, res.Accepted, res.Deliveries)
	}
	t.Logf("shed %d requests; sent %d, accepted %d", f.Shed, res.Sent, res.Accepted)
}

// TestFaultsWithChurn: members leave (some by proposing their own removal) and join while a
// follower is cut off and the hub crashes; retried proposals, claims and commits take effect
// once, and every invariant holds.
func TestFaultsWithChurn(t *testing.T) {
	sc := parse(t, smallScenario(8, 6, `churn: {leave_rate: 0.3, join_rate: 0.3, self_leave: 0.5, joiners: 2, rejoin: true}
faults:
  links: {duplicate: 0.05}
  partitions: [{provider: us, from: 4s, to: 10s}]
  crashes: [{provider: hub, at: 12s, down_for: 2s}]
  recovery: {request_timeout: 500ms, backoff_max: 4s}
`))
	res, err := Run(sc, Options{Engine: engine(t), Cost: linearCost{},
		Churn: &ChurnWorkload{LeaveRate: 0.3, JoinRate: 0.3, SelfLeave: 0.5, Joiners: 2, Rejoin: true}})
	if err != nil {
		t.Fatal(err)
	}
	room := map[string]float64{}
	for _, o := range res.Observations.All() {
		if o.Group == "room" || o.Group == "faults" {
			room[o.Metric] = o.Value
		}
	}
	if room[MetricChurnRemoved]+room[MetricChurnAdded] == 0 || room[MetricFaultRetries] == 0 {
		t.Errorf("metrics %v: want churn and retries", room)
	}
	t.Logf("%v", room)
}
