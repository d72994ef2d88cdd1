package world

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/engines"
	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/scenarios"
)

func limits() scenarios.Limits {
	return scenarios.Limits{Engines: engines.Limits(), Regions: network.Regions(),
		AccessTypes: network.AccessTypes(), Devices: []string{"desktop", "phone", "server"}}
}

// linearCost is a deterministic stand-in for the calibrated table: 100µs + 10µs per member.
type linearCost struct{}

func (linearCost) CPU(op mls.Op, n int, device string) time.Duration {
	return 100*time.Microsecond + time.Duration(n)*10*time.Microsecond
}

type zeroCost struct{}

func (zeroCost) CPU(mls.Op, int, string) time.Duration { return 0 }

func parse(t *testing.T, yaml string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("test.yaml", []byte(yaml), limits())
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

const threeProviders = `
providers:
  - {name: hub, role: hub, region: eu-west-1}
  - {name: us, role: follower, region: us-east-1}
  - {name: ap, role: follower, region: ap-southeast-1}
`

func smallScenario(members int, seed uint64, extra string) string {
	return fmt.Sprintf(`
name: small
seed: %d
duration: 20s
%s
room:
  members: %d
  access: {wifi: 0.5, lte: 0.25, 5g: 0.25}
workload: {kind: poisson, rate_per_member: 0.2, payload_bytes: 100}
%s`, seed, threeProviders, members, extra)
}

func engine(t *testing.T) mls.Engine {
	e, err := engines.Lookup("gomls")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestExactLatencyWithConstantNetwork: with constant last-mile latencies, unlimited bandwidth,
// no loss and zero CPU costs, every delivery latency is exactly the sum of its hops' latencies.
func TestExactLatencyWithConstantNetwork(t *testing.T) {
	sc := parse(t, smallScenario(9, 3, `
time_mode: zero
network:
  access:
    wifi: {latency: {kind: constant, value: 3ms}, uplink_mbps: 0, downlink_mbps: 0}
    lte:  {latency: {kind: constant, value: 27ms}, uplink_mbps: 0, downlink_mbps: 0}
    5g:   {latency: {kind: constant, value: 11ms}, uplink_mbps: 0, downlink_mbps: 0}
`))
	res, err := Run(sc, Options{Engine: engine(t), Cost: zeroCost{}})
	if err != nil {
		t.Fatal(err)
	}
	w := res.World
	access := network.DefaultAccess()
	lat := map[string]time.Duration{"wifi": 3 * time.Millisecond, "lte": 27 * time.Millisecond, "5g": 11 * time.Millisecond,
		"datacenter": access["datacenter"].Latency.Mean()}
	if access["datacenter"].Latency.String() != network.Constant(lat["datacenter"]).String() {
		t.Fatalf("datacenter access is not constant: %v", access["datacenter"].Latency)
	}
	nodeOf := map[string]network.NodeID{}
	for _, c := range w.Clients {
		nodeOf[c.ID()] = c.Node()
	}
	for _, p := range w.Providers {
		nodeOf[p.Name()] = p.Node()
	}
	hop := func(a, b string) time.Duration {
		na, nb := w.Net.Node(nodeOf[a]), w.Net.Node(nodeOf[b])
		rtt, ok := network.RegionRTT(na.Region, nb.Region)
		if !ok {
			t.Fatalf("no RTT %s-%s", na.Region, nb.Region)
		}
		return lat[na.Access] + rtt/2 + lat[nb.Access]
	}
	sent := w.Ledger.Messages()
	n := 0
	for _, o := range res.Observations.All() {
		if o.Metric != MetricDelivery {
			continue
		}
		n++
		from, to := mimi.Domain(o.Source), mimi.Domain(o.Target)
		want := hop(o.Source, from)
		if from != "hub" {
			want += hop(from, "hub")
		}
		if to != "hub" {
			want += hop("hub", to)
		}
		want += hop(to, o.Target)
		got := time.Duration(o.TimeNs) - time.Duration(sent[o.ID].At)
		if got != want {
			t.Fatalf("message %d %s → %s: latency %v, want the sum of hops %v", o.ID, o.Source, o.Target, got, want)
		}
	}
	if n == 0 || n != res.Accepted*(res.Members-1) {
		t.Fatalf("%d deliveries for %d accepted messages and %d members", n, res.Accepted, res.Members)
	}
}

func writeRun(t *testing.T, seed uint64, dir string) {
	t.Helper()
	sc := parse(t, smallScenario(6, seed, ""))
	res, err := Run(sc, Options{Engine: engine(t), Cost: linearCost{}})
	if err != nil {
		t.Fatal(err)
	}
	m := results.Manifest{Tool: "mimisim", Scenario: sc.Name, Seed: sc.Seed, Engine: "gomls", TimeMode: sc.TimeMode}
	if err := results.WriteTable(dir, m, res.Observations, results.Options{}); err != nil {
		t.Fatal(err)
	}
}

// TestDeterministic: the same scenario and seed give byte-identical observations and summaries;
// another seed gives different ones.
func TestDeterministic(t *testing.T) {
	root := t.TempDir()
	a, b, c := filepath.Join(root, "a"), filepath.Join(root, "b"), filepath.Join(root, "c")
	writeRun(t, 5, a)
	writeRun(t, 5, b)
	writeRun(t, 6, c)
	for _, f := range []string{"observations.csv", "summary.csv"} {
		fa, _ := os.ReadFile(filepath.Join(a, f))
		fb, _ := os.ReadFile(filepath.Join(b, f))
		fc, _ := os.ReadFile(filepath.Join(c, f))
		if len(fa) == 0 {
			t.Fatalf("%s is empty", f)
		}
		if !bytes.Equal(fa, fb) {
			t.Errorf("%s differs between two runs with seed 5", f)
		}
		if bytes.Equal(fa, fc) {
			t.Errorf("%s is the same for seeds 5 and 6", f)
		}
	}
}

// TestProvidersNeverSeePlaintext taps every message any provider receives and checks that no
// plaintext payload appears in it, while the ciphertexts do pass through.
func TestProvidersNeverSeePlaintext(t *testing.T) {
	sc := parse(t, smallScenario(6, 9, ""))
	var toProviders [][]byte
	var providerNodes map[network.NodeID]bool
	opts := Options{Engine: engine(t), Cost: linearCost{}, Tap: func(from, to network.NodeID, body []byte) {
		if providerNodes[to] {
			toProviders = append(toProviders, bytes.Clone(body))
		}
	}}
	w, err := Build(sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	providerNodes = map[network.NodeID]bool{}
	for _, p := range w.Providers {
		providerNodes[p.Node()] = true
	}
	res, err := w.Run()
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent == 0 {
		t.Fatal("no messages sent")
	}
	submits := 0
	for _, body := range toProviders {
		m, err := mimi.Decode(body)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m.(*mimi.SubmitMessageRequest); ok {
			submits++
		}
		for _, s := range w.Ledger.Messages() {
			if bytes.Contains(body, s.Plaintext[len(s.Plaintext)-64:]) {
				t.Fatalf("a provider received the plaintext of message %d", s.ID)
			}
		}
	}
	// Every message reaches its sender's provider, and again the hub if that is another one.
	if submits < res.Sent {
		t.Fatalf("providers saw %d submitMessage requests for %d messages", submits, res.Sent)
	}
}

// TestSetupJoinsEveryone checks set-up: one commit adds everyone, all agree on the epoch.
func TestSetupJoinsEveryone(t *testing.T) {
	sc := parse(t, smallScenario(7, 1, ""))
	res, err := Run(sc, Options{Engine: engine(t), Cost: linearCost{}})
	if err != nil {
		t.Fatal(err)
	}
	w := res.World
	epoch, _ := w.Hub.RoomEpoch(RoomID)
	var auth []byte
	for i, c := range w.Clients {
		m := c.Member()
		if m == nil || m.Epoch() != epoch || m.Size() != 7 {
			t.Fatalf("client %s: member %v at epoch %d of %d", c.ID(), m, m.Epoch(), epoch)
		}
		if i == 0 {
			auth = m.EpochAuthenticator()
		} else if !bytes.Equal(auth, m.EpochAuthenticator()) {
			t.Fatalf("client %s disagrees on the epoch authenticator", c.ID())
		}
	}
	if res.SetupTime <= 0 || res.Deliveries != res.Accepted*6 {
		t.Fatalf("setup %v, %d deliveries for %d accepted", res.SetupTime, res.Deliveries, res.Accepted)
	}
}

// TestSampledFidelity: 30 members over 3 providers with 2 real members per provider. Everyone
// joins, every accepted message reaches all 29 others (real members decrypt and check the real
// ones), and the Welcome each modelled joiner receives is charged at the nominal size for 30.
func TestSampledFidelity(t *testing.T) {
	sc := parse(t, smallScenario(30, 4, "fidelity: sampled:2\n"))
	res, err := Run(sc, Options{Engine: engine(t), Cost: linearCost{}})
	if err != nil {
		t.Fatal(err)
	}
	w := res.World
	real := 0
	for _, c := range w.Clients {
		if !c.Modelled() {
			real++
			if c.Member() == nil || c.Member().Size() != 6 {
				t.Fatalf("real member %s has a group of %v", c.ID(), c.Member())
			}
		}
	}
	if real != 6 || len(w.Hub.RoomMembers(RoomID)) != 30 {
		t.Fatalf("%d real members, hub lists %d participants", real, len(w.Hub.RoomMembers(RoomID)))
	}
	if res.Accepted == 0 || res.Deliveries != res.Accepted*29 {
		t.Fatalf("%d deliveries for %d accepted messages", res.Deliveries, res.Accepted)
	}
	toModelled := 0
	for _, o := range res.Observations.All() {
		if o.Metric == MetricDelivery && w.modelled[o.Target] {
			toModelled++
		}
	}
	if toModelled == 0 {
		t.Fatal("no delivery to a modelled member was observed")
	}
	// 24 modelled joiners each receive a Welcome padded to the nominal size for 30 members.
	welcome := mls.NominalWelcomeSize(30)
	var in int64
	for _, c := range w.Clients {
		if c.Modelled() {
			in += w.Net.Stats(c.Node()).BytesIn
		}
	}
	if in < int64(24*welcome) {
		t.Fatalf("modelled members received %d bytes, less than 24 Welcomes of %d", in, welcome)
	}
}

func commitRun(t *testing.T, committers int, policy client.CommitPolicy) (*Result, map[string]float64) {
	t.Helper()
	sc := parse(t, smallScenario(9, 11, ""))
	res, err := Run(sc, Options{Engine: engine(t), Cost: linearCost{},
		Commits: &CommitWorkload{Committers: committers, Rate: 1, Policy: policy}})
	if err != nil {
		t.Fatalf("%d committers, %s: %v", committers, policy.Kind, err)
	}
	room := map[string]float64{}
	for _, o := range res.Observations.All() {
		if o.Group == "room" {
			room[o.Metric] = o.Value
		}
	}
	// Convergence: every member at the hub's epoch, agreeing on the authenticator.
	w := res.World
	epoch, _ := w.Hub.RoomEpoch(RoomID)
	auth := w.Clients[0].Member().EpochAuthenticator()
	for _, c := range w.Clients {
		if c.Epoch() != epoch || !bytes.Equal(c.Member().EpochAuthenticator(), auth) {
			t.Fatalf("%s at epoch %d, hub at %d (or authenticators differ)", c.ID(), c.Epoch(), epoch)
		}
	}
	return res, room
}

// TestCommitContention: with one committer every commit succeeds first time; with more
// committers racing under immediate retry the success ratio falls; every wish is eventually
// accepted and every member converges.
func TestCommitContention(t *testing.T) {
	immediate := client.CommitPolicy{Kind: client.PolicyImmediate}
	var ratios []float64
	var resent []int
	for _, c := range []int{1, 3, 9} {
		res, room := commitRun(t, c, immediate)
		ratios = append(ratios, room[MetricCommitSuccess])
		if room[MetricEpochRate] <= 0 || room[MetricCommitGaveUp] != 0 {
			t.Fatalf("%d committers: %v", c, room)
		}
		n := 0
		for _, o := range res.Observations.All() {
			if o.Metric == MetricCommitTime {
				n++
			}
		}
		if n == 0 {
			t.Fatalf("%d committers: no commit accepted", c)
		}
		// Messages refused with epochTooOld are sent again once their sender caught up: every
		// message is accepted in the end (and delivered: Run checks that).
		if res.Accepted != res.Sent || float64(res.Resent) != room[MetricResent] {
			t.Fatalf("%d committers: %d of %d messages accepted, %d resent (observed %v)", c, res.Accepted, res.Sent, res.Resent, room[MetricResent])
		}
		resent = append(resent, res.Resent)
	}
	// Any commit makes the messages in flight too old; more committers make more epochs.
	if !(resent[0] > 0 && resent[0] < resent[2]) {
		t.Fatalf("resends for 1, 3, 9 committers: %v; want some with one and more with nine", resent)
	}
	if ratios[0] != 1 || !(ratios[1] < 1 && ratios[2] < ratios[1]) {
		t.Fatalf("success ratios for 1, 3, 9 committers: %v; want 1 then falling", ratios)
	}
	for _, p := range []client.CommitPolicy{
		{Kind: client.PolicyBackoff, Base: 20 * time.Millisecond, Max: time.Second},
		{Kind: client.PolicyRandomDelay, Min: 0, Max: 500 * time.Millisecond},
	} {
		_, room := commitRun(t, 9, p)
		if room[MetricCommitSuccess] <= 0 || room[MetricCommitGaveUp] != 0 {
			t.Fatalf("%s: %v", p.Kind, room)
		}
		t.Logf("%s: success ratio %.3f (immediate %.3f)", p.Kind, room[MetricCommitSuccess], ratios[2])
	}
}

// TestProposalPolicies: under both proposal policies every wish is satisfied (its proposal
// committed, or its own commit made), members converge (commitRun), the hub accepts proposals,
// and under designated_committer only the room's creator commits.
func TestProposalPolicies(t *testing.T) {
	for _, p := range []client.CommitPolicy{
		{Kind: client.PolicyDesignated},
		{Kind: client.PolicyProposalDelay, Min: 0, Max: 200 * time.Millisecond},
	} {
		res, room := commitRun(t, 9, p)
		w := res.World
		if room[MetricCommitGaveUp] != 0 || w.Hub.Stats().Proposals == 0 {
			t.Fatalf("%s: %v, hub accepted %d proposals", p.Kind, room, w.Hub.Stats().Proposals)
		}
		wishes := 0
		for _, o := range res.Observations.All() {
			if o.Metric == MetricCommitTime {
				wishes++
			}
		}
		committers := 0
		for _, c := range w.Clients {
			if c.ProposalCommits() > 0 {
				committers++
				if p.Kind == client.PolicyDesignated && c != w.creator() {
					t.Fatalf("%s: %s committed proposals, but only the creator is designated", p.Kind, c.ID())
				}
			}
		}
		if wishes == 0 || committers == 0 {
			t.Fatalf("%s: %d wishes satisfied, %d members committed proposals", p.Kind, wishes, committers)
		}
		t.Logf("%s: %d wishes satisfied, success ratio %.3f, %d proposals, %d committing members, epochs/s %.2f",
			p.Kind, wishes, room[MetricCommitSuccess], w.Hub.Stats().Proposals, committers, room[MetricEpochRate])
	}
}

// TestOfflineRecipients: members offline at the window's start get every message when they
// return, and their latencies include the time they were away.
func TestOfflineRecipients(t *testing.T) {
	sc := parse(t, smallScenario(9, 2, ""))
	base, err := Run(sc, Options{Engine: engine(t), Cost: linearCost{}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(sc, Options{Engine: engine(t), Cost: linearCost{},
		Offline: &OfflineWorkload{Share: 1.0 / 3, Reconnect: network.Constant(5 * time.Second)}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Deliveries != res.Accepted*8 {
		t.Fatalf("%d deliveries for %d accepted", res.Deliveries, res.Accepted)
	}
	offline := map[string]bool{}
	for _, o := range res.Observations.All() {
		if o.Metric == MetricOffline {
			offline[o.Target] = true
			if o.Value != 5000 {
				t.Fatalf("offline for %v ms, want 5000", o.Value)
			}
		}
	}
	if len(offline) != 3 {
		t.Fatalf("%d members were offline, want 3", len(offline))
	}
	maxLatency := func(r *Result, toOffline bool) float64 {
		m := 0.0
		for _, o := range r.Observations.All() {
			if o.Metric == MetricDelivery && offline[o.Target] == toOffline {
				m = max(m, o.Value)
			}
		}
		return m
	}
	if got := maxLatency(res, true); got < 4000 {
		t.Fatalf("worst latency to a returning member %v ms; messages sent while it was away should wait ~5 s", got)
	}
	if maxLatency(base, true) > 1000 {
		t.Fatal("baseline already slow")
	}
}

func callRun(t *testing.T, design string, participants int) map[string]float64 {
	t.Helper()
	sc := parse(t, smallScenario(12, 3, ""))
	res, err := Run(sc, Options{Engine: engine(t), Cost: linearCost{}, Call: &CallWorkload{
		Design: design, Participants: participants, At: time.Second, SignalBytes: 2000,
		ICERoundTrips: 2, DTLSRoundTrips: 2}})
	if err != nil {
		t.Fatalf("%s with %d: %v", design, participants, err)
	}
	got := map[string]float64{}
	ready := 0
	for _, o := range res.Observations.All() {
		if o.Group == "call" {
			got[o.Metric] = o.Value
		}
		if o.Metric == MetricCallReady {
			ready++
		}
	}
	if ready != participants {
		t.Fatalf("%s: %d participants ready, want %d", design, ready, participants)
	}
	return got
}

// TestCallSetup compares the three designs: epoch keys need no commit; one commit per joiner
// needs participants−1 commits and takes longer as the call grows; one commit for all needs one.
func TestCallSetup(t *testing.T) {
	for _, tc := range []struct {
		design  string
		n       int
		commits float64
	}{
		{CallEpochKeys, 4, 0},
		{CallPerJoiner, 4, 3},
		{CallOneCommit, 4, 1},
	} {
		got := callRun(t, tc.design, tc.n)
		if got[MetricCallCommits] != tc.commits || got[MetricCallFirst] <= 0 ||
			got[MetricCallAll] < got[MetricCallFirst] || got[MetricCallBytes] <= 0 {
			t.Fatalf("%s: %v", tc.design, got)
		}
		t.Logf("%s, %d participants: first %.1f ms, all %.1f ms, %v commits, %v bytes", tc.design, tc.n,
			got[MetricCallFirst], got[MetricCallAll], got[MetricCallCommits], got[MetricCallBytes])
	}
	var prev float64
	for _, n := range []int{2, 4, 8} {
		all := callRun(t, CallPerJoiner, n)[MetricCallAll]
		if all <= prev {
			t.Fatalf("subgroup_per_joiner: %d participants took %.1f ms, not more than %.1f for fewer", n, all, prev)
		}
		prev = all
	}
}

// TestRFC9420Engine runs a small room on our own RFC 9420 engine: every member joins from the
// Welcome, every message is decrypted and checked by every other member.
func TestRFC9420Engine(t *testing.T) {
	sc := parse(t, smallScenario(7, 2, "engine: rfc9420\n"))
	e, err := engines.Lookup("rfc9420")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(sc, Options{Engine: e, Cost: linearCost{}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted == 0 || res.Deliveries != res.Accepted*6 {
		t.Fatalf("%d deliveries for %d accepted messages", res.Deliveries, res.Accepted)
	}
}

// TestLookaheadChangesNothing: the kernel's lookahead only prefetches; a run without it has the
// same observations, events and invariants.
func TestLookaheadChangesNothing(t *testing.T) {
	run := func(off bool) *Result {
		res, err := Run(parse(t, smallScenario(12, 7, "")), Options{Engine: engine(t), Cost: linearCost{}, NoLookahead: off})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	on, off := run(false), run(true)
	if on.Deliveries == 0 || on.Events != off.Events || on.EndTime != off.EndTime ||
		!reflect.DeepEqual(on.Observations.Slice(), off.Observations.Slice()) ||
		!reflect.DeepEqual(on.Invariants, off.Invariants) {
		t.Fatalf("with and without lookahead: %d vs %d events, %d deliveries, observations or invariants differ", on.Events, off.Events, on.Deliveries)
	}
}
