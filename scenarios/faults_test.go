package scenarios

import (
	"testing"
	"time"
)

// The faults section: what parses, with its defaults, and each error with its position, field
// and allowed values.
func TestParseFaults(t *testing.T) {
	s, err := Parse("s.yaml", []byte(base+`faults:
  links: {duplicate: 0.1, reorder: 0.5, reorder_delay: {kind: constant, value: 10ms}}
  partitions: [{provider: f1, peer: hub, from: 1s, to: 2s, one_way: true}]
  crashes: [{provider: hub, at: 5s, down_for: 1s}]
`), testLimits())
	if err != nil {
		t.Fatal(err)
	}
	f := s.Faults
	if f.Links.Scope != ScopeAll || f.Recovery != (Recovery{DefaultRequestTimeout, DefaultBackoffMax, DefaultRetryAfter, 0}) {
		t.Errorf("defaults not applied: scope %q, recovery %+v", f.Links.Scope, f.Recovery)
	}
	if p := f.Partitions[0]; !p.OneWay || p.Peer != "hub" || p.To != Duration(2*time.Second) {
		t.Errorf("partition %+v", p)
	}
	c := s.Clone()
	c.Faults.Partitions[0].Provider = "changed"
	c.Faults.Links.ReorderDelay.Value = 0
	if f.Partitions[0].Provider == "changed" || f.Links.ReorderDelay.Value == 0 {
		t.Error("Clone shares the faults section")
	}
}

func TestParseFaultsErrors(t *testing.T) {
	provs := "hub, f1"
	tests := []struct{ name, faults, want string }{
		{"unknown scope", "links: {scope: edge}",
			`s.yaml:12:18: faults.links.scope: unknown scope "edge"; allowed: all, core, access`},
		{"duplicate one", "links: {duplicate: 1}",
			`s.yaml:12:22: faults.links.duplicate: must be a probability with 0 ≤ p < 1, got 1`},
		{"reorder without delay", "links: {reorder: 0.5}",
			`s.yaml:12:3: faults.links.reorder_delay: required when faults.links.reorder > 0: the hold-back of a reordered message, a distribution such as {kind: constant, value: 50ms}`},
		{"delay without reorder", "links: {reorder_delay: {kind: constant, value: 1ms}}",
			`s.yaml:12:11: faults.links.reorder_delay: set, but faults.links.reorder is 0 so it would never be used; remove it or set reorder`},
		{"episode without end", "episodes: [{loss: 0.5}]",
			`s.yaml:12:14: faults.episodes[0].to: required: the end of the episode, an offset into the measurement window after from`},
		{"episode of nothing", "episodes: [{to: 5s}]",
			`s.yaml:12:14: faults.episodes[0]: degrades nothing: give it a loss > 0, a delay, or both`},
		{"episode loss one", "episodes: [{to: 5s, loss: 1}]",
			`s.yaml:12:29: faults.episodes[0].loss: must be a probability with 0 ≤ p < 1, got 1`},
		{"unknown provider", "partitions: [{provider: mars, to: 1s}]",
			`s.yaml:12:27: faults.partitions[0].provider: unknown provider "mars"; allowed: ` + provs},
		{"peer is itself", "partitions: [{provider: f1, peer: f1, to: 1s}]",
			`s.yaml:12:37: faults.partitions[0].peer: must be another provider than "f1"`},
		{"partition without end", "partitions: [{provider: f1}]",
			`s.yaml:12:16: faults.partitions[0].to: required: the end of the partition, an offset into the measurement window after from`},
		{"partition ends first", "partitions: [{provider: f1, from: 3s, to: 2s}]",
			`s.yaml:12:45: faults.partitions[0].to: must be after from (3s), got 2s`},
		{"partition after the window", "partitions: [{provider: f1, from: 60s, to: 70s}]",
			`s.yaml:12:37: faults.partitions[0].from: must be before the end of the measurement window (duration 1m0s), got 1m0s`},
		{"crash without down_for", "crashes: [{provider: hub, at: 1s}]",
			`s.yaml:12:13: faults.crashes[0].down_for: required: how long the provider stays down, e.g. 5s`},
		{"zero rate", "random_crashes: {rate: 0, down: {kind: constant, value: 1s}}",
			`s.yaml:12:26: faults.random_crashes.rate: must be a rate per second with 0 < rate ≤ 100, got 0`},
		{"random partitions without duration", "random_partitions: {rate: 1}",
			`s.yaml:12:3: faults.random_partitions.duration: required: the distribution of a partition's length, e.g. {kind: constant, value: 5s}`},
		{"empty provider list", "random_crashes: {rate: 1, down: {kind: constant, value: 1s}, providers: []}",
			`s.yaml:12:64: faults.random_crashes.providers: must name at least one provider (remove the field for every provider); allowed: ` + provs},
		{"backoff below timeout", "recovery: {request_timeout: 2s, backoff_max: 1s}",
			`s.yaml:12:48: faults.recovery.backoff_max: must be ≥ request_timeout (2s), got 1s`},
		{"negative max_queue", "recovery: {max_queue: -1}",
			`s.yaml:12:25: faults.recovery.max_queue: must be between 0 (unbounded) and 1048576, got -1`},
		{"zero retry_after", "recovery: {retry_after: 0s}",
			`s.yaml:12:27: faults.recovery.retry_after: must be > 0 (remove the field for the default 500ms)`},
		{"one_way not a boolean", "partitions: [{provider: f1, to: 1s, one_way: yes please}]",
			`s.yaml:12:48: faults.partitions[0].one_way: must be true or false, got string "yes please"`},
		{"swept rate without the section", "links: {duplicate: 0.1}\nsweep: {axes: [{field: faults.random_crashes.rate, values: [1]}]}",
			`s.yaml:13:24: sweep.axes[0].field: faults.random_crashes.rate cannot be swept: the scenario has no faults.random_crashes section; add one (with its required fields) to sweep its fields`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(base+"faults:\n  "+tc.faults+"\n"), testLimits())
			got := ""
			if err != nil {
				got = err.Error()
			}
			if *printErrors {
				t.Logf("%s", got)
				return
			}
			if got != tc.want {
				t.Errorf("error:\n got: %s\nwant: %s", got, tc.want)
			}
		})
	}
}
