package main

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/cost"
	"github.com/mimisim/mimisim/models/mls/engines"
	"github.com/mimisim/mimisim/models/world"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/scenarios"
)

// The scenario format's lists of commit policies and call designs are the models' lists.
func TestScenarioListsMatchModels(t *testing.T) {
	if got, want := scenarios.CommitPolicies(), client.CommitPolicies; !slices.Equal(got, want) {
		t.Errorf("scenarios.CommitPolicies() = %q, client.CommitPolicies = %q", got, want)
	}
	if got, want := scenarios.DownloadModes(), world.DownloadModes; !slices.Equal(got, want) {
		t.Errorf("scenarios.DownloadModes() = %q, world.DownloadModes = %q", got, want)
	}
	if got, want := scenarios.CallDesigns(), world.CallDesigns; !slices.Equal(got, want) {
		t.Errorf("scenarios.CallDesigns() = %q, world.CallDesigns = %q", got, want)
	}
	pairs := [][2]string{
		{scenarios.PolicyImmediate, client.PolicyImmediate},
		{scenarios.PolicyBackoff, client.PolicyBackoff},
		{scenarios.PolicyRandomDelay, client.PolicyRandomDelay},
		{scenarios.PolicyDesignated, client.PolicyDesignated},
		{scenarios.PolicyProposalDelay, client.PolicyProposalDelay},
		{scenarios.CallEpochKeys, world.CallEpochKeys},
		{scenarios.CallSubgroupPerJoiner, world.CallPerJoiner},
		{scenarios.CallSubgroupOneCommit, world.CallOneCommit},
	}
	for _, p := range pairs {
		if p[0] != p[1] {
			t.Errorf("scenarios has %q where the model has %q", p[0], p[1])
		}
	}
}

// workloadBase is testdata/small.yaml's world with room for the workload sections.
const workloadBase = `name: w
duration: 10s
providers:
  - {name: hub-eu, role: hub, region: eu-west-1}
  - {name: prov-us, role: follower, region: us-east-1}
room: {members: 6}
workload: {kind: poisson, rate_per_member: 0.5}
`

func parseScenario(t *testing.T, text string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("w.yaml", []byte(text), limits())
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestWorldOptions(t *testing.T) {
	engine, err := engines.Lookup("gomls")
	if err != nil {
		t.Fatal(err)
	}
	model := cost.Zero{}
	ms := time.Millisecond
	tests := []struct {
		name string
		yaml string
		want world.Options
	}{
		{"no workloads", workloadBase, world.Options{}},
		{"backoff", workloadBase + "commits: {committers: 3, rate: 2, policy: backoff, backoff_base: 20ms, backoff_max: 2s, max_attempts: 5}\n",
			world.Options{Commits: &world.CommitWorkload{Committers: 3, Rate: 2,
				Policy: client.CommitPolicy{Kind: "backoff", Base: 20 * ms, Max: 2 * time.Second, MaxAttempts: 5}}}},
		{"random delay", workloadBase + "commits: {committers: 1, rate: 0.5, policy: random_delay, delay_min: 10ms, delay_max: 500ms}\n",
			world.Options{Commits: &world.CommitWorkload{Committers: 1, Rate: 0.5,
				Policy: client.CommitPolicy{Kind: "random_delay", Min: 10 * ms, Max: 500 * ms}}}},
		{"default policy", workloadBase + "commits: {committers: 2, rate: 1}\n",
			world.Options{Commits: &world.CommitWorkload{Committers: 2, Rate: 1, Policy: client.CommitPolicy{Kind: "immediate"}}}},
		// The base scenario of a policy sweep carries every policy's parameters; only its own go in.
		{"swept policy file", workloadBase + "commits: {committers: 2, rate: 1, backoff_base: 1ms, backoff_max: 2ms, delay_min: 0s, delay_max: 3ms}\n" +
			"sweep: {axes: [{field: commits.policy, values: [immediate, backoff, random_delay]}]}\n",
			world.Options{Commits: &world.CommitWorkload{Committers: 2, Rate: 1, Policy: client.CommitPolicy{Kind: "immediate"}}}},
		{"call with defaults", workloadBase + "call: {design: subgroup_one_commit, participants: 3}\n",
			world.Options{Call: &world.CallWorkload{Design: "subgroup_one_commit", Participants: 3, SignalBytes: 2000, ICERoundTrips: 2, DTLSRoundTrips: 2}}},
		{"call written out", workloadBase + "call: {design: epoch_keys, participants: 6, at: 5s, signal_bytes: 10, ice_round_trips: 0, dtls_round_trips: 1}\n",
			world.Options{Call: &world.CallWorkload{Design: "epoch_keys", Participants: 6, At: 5 * time.Second, SignalBytes: 10, ICERoundTrips: 0, DTLSRoundTrips: 1}}},
		{"call with everyone", workloadBase + "call: {design: epoch_keys}\n",
			world.Options{Call: &world.CallWorkload{Design: "epoch_keys", SignalBytes: 2000, ICERoundTrips: 2, DTLSRoundTrips: 2}}},
		{"attachments", workloadBase + "attachments: {kinds: [{name: image, bytes: 2000, rate_per_member: 0.5}, {name: pdf, bytes: 9, rate_per_member: 1, content_type: application/pdf}]}\n",
			world.Options{Attachments: &world.AttachmentWorkload{Download: "via_provider", Kinds: []world.AttachmentKind{
				{Name: "image", Bytes: 2000, Rate: 0.5, ContentType: "application/octet-stream"},
				{Name: "pdf", Bytes: 9, Rate: 1, ContentType: "application/pdf"}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := worldOptions(parseScenario(t, tc.yaml), engine, model)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Engine, tc.want.Cost = engine, model
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("worldOptions:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}

	// The offline workload's reconnect distribution is the network model's.
	sc := parseScenario(t, workloadBase+"offline: {share: 0.5, reconnect: {kind: shifted_exponential, min: 1s, mean: 10s}}\n")
	got, err := worldOptions(sc, engine, model)
	if err != nil {
		t.Fatal(err)
	}
	if o := got.Offline; o == nil || o.Share != 0.5 || o.Reconnect.Mean() != 11*time.Second || got.Commits != nil || got.Call != nil {
		t.Errorf("offline options: %+v", got)
	}

	// What only code can write is caught before anything runs.
	sc.Offline.Reconnect.Sigma = 1
	if _, err := worldOptions(sc, engine, model); err == nil || !strings.HasPrefix(err.Error(), "offline.reconnect: ") {
		t.Errorf("a reconnect distribution with a parameter of another kind: err = %v", err)
	}
	sc = parseScenario(t, workloadBase+"commits: {committers: 2, rate: 1, policy: backoff, backoff_base: 1ms, backoff_max: 2ms}\n")
	sc.Commits.BackoffMax = 0
	if _, err := worldOptions(sc, engine, model); err == nil || !strings.HasPrefix(err.Error(), "commits: commit policy backoff") {
		t.Errorf("a backoff with max < base: err = %v", err)
	}
}

// providers[i].batch_window and batch_max reach the hub.
func TestBatchingReachesTheHub(t *testing.T) {
	engine, err := engines.Lookup("gomls")
	if err != nil {
		t.Fatal(err)
	}
	run := func(hub string) (notifies, events uint64) {
		t.Helper()
		sc := parseScenario(t, strings.Replace(workloadBase, "{name: hub-eu, role: hub, region: eu-west-1}", hub, 1)+
			"time_mode: zero\nseed: 3\n")
		opts, err := worldOptions(sc, engine, cost.Zero{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := world.Run(sc, opts)
		if err != nil {
			t.Fatal(err)
		}
		st := res.Providers[0].Stats
		return st.NotifiesOut, st.EventsOut
	}
	n0, e0 := run("{name: hub-eu, role: hub, region: eu-west-1}")
	if n0 == 0 || n0 != e0 {
		t.Fatalf("without batching: %d notifies carried %d events, want one each", n0, e0)
	}
	n1, e1 := run("{name: hub-eu, role: hub, region: eu-west-1, batch_window: 5s}")
	if e1 != e0 || n1*2 > e1 {
		t.Errorf("with a 5 s batch window: %d notifies carried %d events (without: %d), want at least two events per notify", n1, e1, e0)
	}
	t.Logf("notifies/events: %d/%d, batched %d/%d", n0, e0, n1, e1)
	n2, e2 := run("{name: hub-eu, role: hub, region: eu-west-1, batch_window: 5s, batch_max: 1}")
	if n2 != e2 || e2 != e0 {
		t.Errorf("with batch_max 1: %d notifies carried %d events, want one each", n2, e2)
	}
}

// Each embedded sweep of the workloads runs quickly and its summary has its metrics, with
// p99 ≥ p50 in every row.
func TestEmbeddedWorkloadSweeps(t *testing.T) {
	tests := []struct {
		name    string
		points  int
		metrics []string
	}{
		{"contention", 5, []string{world.MetricCommitSuccess, world.MetricCommitTime, world.MetricCommitAttempts, world.MetricEpochRate, world.MetricDelivery}},
		{"fanout", 4, []string{world.MetricDelivery, world.MetricOffline}},
		{"faults", 2, []string{world.MetricDelivery, world.MetricFaultRetries, world.MetricFaultDownTime}},
		{"callsetup", 3, []string{world.MetricCallAll, world.MetricCallFirst, world.MetricCallCommits, world.MetricDelivery}},
		{"callsetup-large", 2, []string{world.MetricCallAll, world.MetricCallFirst, world.MetricCallCommits, world.MetricDelivery}},
		{"contention-rtt", 2, []string{world.MetricCommitSuccess, world.MetricCommitTime, world.MetricResent}},
		{"fanout-load", 2, []string{world.MetricUtilization, world.MetricEgress, world.MetricDelivery}},
		{"fanout-topology", 2, []string{world.MetricDelivery, world.MetricEgress, world.MetricUtilization}},
		{"dma-phases", 2, []string{world.MetricPhase, world.MetricUpload, world.MetricCallAll, world.MetricDelivery}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "res")
			if _, _, err := cli(t, "sweep", "embedded:"+tc.name, "--quick", "--jobs", "2", "--quiet", "--out", dir); err != nil {
				t.Fatal(err)
			}
			m := readManifest(t, dir)
			if m.Sweep == nil || !m.Sweep.Quick || len(m.Sweep.Points) != tc.points {
				t.Fatalf("manifest sweep: %+v", m.Sweep)
			}
			rows, col := readCSV(t, filepath.Join(dir, "summary.csv"))
			for _, h := range []string{"point", "metric", "group", "p50", "p99"} {
				if _, ok := col[h]; !ok {
					t.Fatalf("summary.csv has no column %s: %q", h, rows[0])
				}
			}
			seen := map[string]map[string]bool{} // metric → points that have it
			for _, r := range rows[1:] {
				p50, err1 := strconv.ParseFloat(r[col["p50"]], 64)
				p99, err2 := strconv.ParseFloat(r[col["p99"]], 64)
				if err1 != nil || err2 != nil || p99 < p50 {
					t.Errorf("row %q: p50 %q, p99 %q", r, r[col["p50"]], r[col["p99"]])
				}
				if seen[r[col["metric"]]] == nil {
					seen[r[col["metric"]]] = map[string]bool{}
				}
				seen[r[col["metric"]]][r[col["point"]]] = true
			}
			for _, metric := range tc.metrics {
				if metric == world.MetricOffline {
					if len(seen[metric]) == 0 {
						t.Errorf("summary.csv has no %s row", metric)
					}
					continue // only the points with members offline have it
				}
				if len(seen[metric]) != tc.points {
					t.Errorf("summary.csv has %s at %d of %d points", metric, len(seen[metric]), tc.points)
				}
			}
			if tc.name != "contention" {
				return
			}
			// The report compares the policies in words, with the summary's success ratios.
			report, err := os.ReadFile(filepath.Join(dir, "report.md"))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows[1:] {
				if r[col["metric"]] != world.MetricCommitSuccess || r[col["group"]] != "room" {
					continue
				}
				v, err := strconv.ParseFloat(r[col["rep_mean"]], 64)
				if err != nil {
					t.Fatal(err)
				}
				row := "| `" + r[col["commits.policy"]] + "` | " + results.FormatValue(v) + " |"
				if !strings.Contains(string(report), row) {
					t.Errorf("report.md lacks the policy row %q", row)
				}
			}
			if !strings.Contains(string(report), "## Commit policies at commits.committers=4") {
				t.Error("report.md has no commit policy section")
			}
		})
	}
}
