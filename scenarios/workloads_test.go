package scenarios

import (
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The optional sections (commits, offline, call) and the providers' batching fields. The cases
// append sections to base, so they start on line 11.

func TestParseWorkloads(t *testing.T) {
	ms := func(n int) Duration { return Duration(time.Duration(n) * time.Millisecond) }
	two, zero, five := 2, 0, 5
	tests := []struct {
		name  string
		yaml  string
		check func(s *Scenario) bool
	}{
		{"absent sections are off", base, func(s *Scenario) bool {
			return s.Commits == nil && s.Offline == nil && s.Call == nil &&
				s.Providers[0].BatchWindow == 0 && s.Providers[0].BatchMax == 0
		}},
		{"commits with defaults", base + "commits: {committers: 2, rate: 0.5}\n", func(s *Scenario) bool {
			return *s.Commits == Commits{Committers: 2, Rate: 0.5, Policy: "immediate"}
		}},
		{"commits with backoff", base + "commits:\n  committers: 4\n  rate: 1000\n  policy: backoff\n  backoff_base: 20ms\n  backoff_max: 20ms\n  max_attempts: 3\n", func(s *Scenario) bool {
			return *s.Commits == Commits{Committers: 4, Rate: 1000, Policy: "backoff", BackoffBase: ms(20), BackoffMax: ms(20), MaxAttempts: 3}
		}},
		{"commits with random delay and zero values written", base + "commits: {committers: 1, rate: 1, policy: random_delay, delay_min: 0s, delay_max: 0s, max_attempts: 0}\n", func(s *Scenario) bool {
			return *s.Commits == Commits{Committers: 1, Rate: 1, Policy: "random_delay"}
		}},
		{"commits of every member", base + "commits: {committers: 4, rate: 1}\n", func(s *Scenario) bool {
			return s.Commits.Committers == 4
		}},
		{"offline", base + "offline:\n  share: 0.25\n  reconnect: {kind: shifted_exponential, min: 1s, mean: 10s}\n", func(s *Scenario) bool {
			return *s.Offline == Offline{Share: 0.25, Reconnect: Dist{Kind: "shifted_exponential", Min: ms(1000), Mean: ms(10000)}}
		}},
		{"offline share 0 and 1", base + "offline: {share: 0, reconnect: {kind: constant, value: 0s}}\n", func(s *Scenario) bool {
			return s.Offline.Share == 0 && s.Offline.Reconnect == Dist{Kind: "constant"}
		}},
		{"call with defaults", base + "call: {design: epoch_keys, participants: 2}\n", func(s *Scenario) bool {
			return reflect.DeepEqual(s.Call, &Call{Design: "epoch_keys", Participants: 2, SignalBytes: 2000, ICERoundTrips: &two, DTLSRoundTrips: &two})
		}},
		{"call written out", base + "call: {design: subgroup_one_commit, participants: 4, at: 59.999s, signal_bytes: 1048576, ice_round_trips: 0, dtls_round_trips: 5}\n", func(s *Scenario) bool {
			return reflect.DeepEqual(s.Call, &Call{Design: "subgroup_one_commit", Participants: 4, At: ms(59999), SignalBytes: 1 << 20, ICERoundTrips: &zero, DTLSRoundTrips: &five})
		}},
		{"call at 0s", base + "call: {design: subgroup_per_joiner, participants: 3, at: 0s}\n", func(s *Scenario) bool {
			return s.Call.At == 0 && s.Call.Design == "subgroup_per_joiner"
		}},
		{"hub batching", edit("region: eu-west-1}", "region: eu-west-1, batch_window: 50ms, batch_max: 20}"), func(s *Scenario) bool {
			return s.Providers[0].BatchWindow == ms(50) && s.Providers[0].BatchMax == 20
		}},
		{"batching off written out, on a follower too", edit("region: us-east-1}", "region: us-east-1, batch_window: 0s, batch_max: 0}"), func(s *Scenario) bool {
			return s.Providers[1].BatchWindow == 0 && s.Providers[1].BatchMax == 0
		}},
		{"batch_max without a window", edit("region: eu-west-1}", "region: eu-west-1, batch_max: 20}"), func(s *Scenario) bool {
			return s.Providers[0].BatchMax == 20
		}},
		{"committers and participants up to the real members in sampled fidelity", edit("members: 4", "members: 40") +
			"fidelity: sampled:2\ncommits: {committers: 4, rate: 1}\ncall: {design: epoch_keys, participants: 4}\n", func(s *Scenario) bool {
			return s.Commits.Committers == 4 && s.Call.Participants == 4
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("s.yaml", []byte(tc.yaml), testLimits())
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(s) {
				t.Errorf("unexpected result: commits %+v offline %+v call %+v providers %+v", s.Commits, s.Offline, s.Call, s.Providers)
			}
			if err := s.Validate(testLimits()); err != nil {
				t.Errorf("Validate after Parse: %v", err)
			}
			c := s.Clone()
			c.Defaults()
			if !reflect.DeepEqual(c, s) {
				t.Errorf("Defaults is not idempotent")
			}
		})
	}
}

const (
	policies = "immediate, backoff, random_delay, designated_committer, proposal_random_delay"
	designs  = "epoch_keys, subgroup_per_joiner, subgroup_one_commit"
	kinds    = "constant, shifted_exponential, lognormal"
)

// workloadErrorCases are bad scenario files and the exact errors Parse gives for them; TestBadValuesCoverEveryField
// checks that the tables together name every field of the format.
var workloadErrorCases = []badCase{
	// What stops the file from being read.
	{"unknown commits field with suggestion", base + "commits: {committers: 2, rate: 1, polcy: backoff}\n",
		`s.yaml:11:35: commits.polcy: unknown field (did you mean "policy"?); allowed in commits: committers, rate, policy, backoff_base, backoff_max, delay_min, delay_max, max_attempts`},
	{"unknown call field", base + "call: {design: epoch_keys, participants: 2, turn_round_trips: 1}\n",
		`s.yaml:11:45: call.turn_round_trips: unknown field; allowed in call: design, participants, at, signal_bytes, ice_round_trips, dtls_round_trips`},
	{"unknown offline field", base + "offline: {share: 0.1, reconnect: {kind: constant, value: 1s}, when: 1s}\n",
		`s.yaml:11:63: offline.when: unknown field; allowed in offline: share, reconnect`},
	{"unknown reconnect field with suggestion", base + "offline: {share: 0.1, reconnect: {kind: constant, valeu: 1s}}\n",
		`s.yaml:11:51: offline.reconnect.valeu: unknown field (did you mean "value"?); allowed in offline.reconnect: kind, value, min, mean, median, sigma`},
	{"null section", base + "commits:\n",
		`s.yaml:11:10: commits: empty (null) value; write a value, or remove the field if it is optional`},
	{"section not a mapping", base + "call: epoch_keys\n",
		`s.yaml:11:7: call: must be a mapping with fields design, participants, at, signal_bytes, ice_round_trips, dtls_round_trips, got string "epoch_keys"`},
	{"fractional committers", base + "commits: {committers: 2.5, rate: 1}\n",
		`s.yaml:11:23: commits.committers: must be an integer, got number 2.5`},
	{"quoted rate", base + "commits: {committers: 2, rate: \"1\"}\n",
		`s.yaml:11:32: commits.rate: must be a number, got string "1" (remove the quotes)`},
	{"bare number backoff", base + "commits: {committers: 2, rate: 1, policy: backoff, backoff_base: 20, backoff_max: 2s}\n",
		`s.yaml:11:66: commits.backoff_base: bare number 20 is not a duration; add a unit, e.g. "20ms" or "20s"`},
	{"negative delay", base + "commits: {committers: 2, rate: 1, policy: random_delay, delay_min: -1ms, delay_max: 2s}\n",
		`s.yaml:11:68: commits.delay_min: negative duration "-1ms" is not allowed`},
	{"negative batch window", edit("region: eu-west-1}", "region: eu-west-1, batch_window: -1ms}"),
		`s.yaml:4:61: providers[0].batch_window: negative duration "-1ms" is not allowed`},
	{"fractional participants", base + "call: {design: epoch_keys, participants: 2.0}\n",
		`s.yaml:11:42: call.participants: must be an integer, got number 2.0`},

	// commits
	{"commits without committers and rate", base + "commits: {policy: immediate}\n",
		lines(`s.yaml:11:1: commits.committers: required: how many members want to commit in each round, at least 1`,
			`s.yaml:11:1: commits.rate: required: commit rounds per second, > 0 and at most 1000`)},
	{"zero committers", base + "commits: {committers: 0, rate: 1}\n",
		`s.yaml:11:23: commits.committers: must be at least 1, got 0`},
	{"more committers than members", base + "commits: {committers: 5, rate: 1}\n",
		`s.yaml:11:23: commits.committers: 5 committers, but the room has only 4 members`},
	{"more committers than real members", edit("members: 4", "members: 40") + "fidelity: sampled:2\ncommits: {committers: 5, rate: 1}\n",
		`s.yaml:12:23: commits.committers: 5 committers, but fidelity sampled:2 makes only 4 of the room's 40 members real; committers must be real members`},
	{"zero rate", base + "commits: {committers: 1, rate: 0}\n",
		`s.yaml:11:32: commits.rate: must be > 0 and at most 1000 commit rounds per second, got 0`},
	{"rate too high", base + "commits: {committers: 1, rate: 1000.5}\n",
		`s.yaml:11:32: commits.rate: must be > 0 and at most 1000 commit rounds per second, got 1000.5`},
	{"unknown policy", base + "commits: {committers: 1, rate: 1, policy: bakoff}\n",
		`s.yaml:11:43: commits.policy: unknown policy "bakoff"; allowed: ` + policies},
	{"empty policy", base + "commits: {committers: 1, rate: 1, policy: \"\"}\n",
		`s.yaml:11:43: commits.policy: must not be empty; allowed: ` + policies + ` (remove the field for the default immediate)`},
	{"proposal delay without its parameters", base + "commits: {committers: 1, rate: 1, policy: proposal_random_delay}\n",
		lines(`s.yaml:11:1: commits.delay_min: required by policy proposal_random_delay, which takes delay_min, delay_max`,
			`s.yaml:11:1: commits.delay_max: required by policy proposal_random_delay, which takes delay_min, delay_max`)},
	{"designated committer takes no delay", base + "commits: {committers: 1, rate: 1, policy: designated_committer, delay_max: 1s}\n",
		`s.yaml:11:65: commits.delay_max: not a parameter of policy designated_committer, which takes none; remove it`},
	{"backoff without its parameters", base + "commits: {committers: 1, rate: 1, policy: backoff}\n",
		lines(`s.yaml:11:1: commits.backoff_base: required by policy backoff, which takes backoff_base, backoff_max`,
			`s.yaml:11:1: commits.backoff_max: required by policy backoff, which takes backoff_base, backoff_max`)},
	{"random delay without delay_max", base + "commits: {committers: 1, rate: 1, policy: random_delay, delay_min: 0s}\n",
		`s.yaml:11:1: commits.delay_max: required by policy random_delay, which takes delay_min, delay_max`},
	{"zero backoff base", base + "commits: {committers: 1, rate: 1, policy: backoff, backoff_base: 0s, backoff_max: 1s}\n",
		`s.yaml:11:66: commits.backoff_base: must be > 0, got 0s`},
	{"backoff max below base", base + "commits: {committers: 1, rate: 1, policy: backoff, backoff_base: 20ms, backoff_max: 10ms}\n",
		`s.yaml:11:85: commits.backoff_max: must be ≥ backoff_base (20ms), got 10ms`},
	{"delay max below min", base + "commits: {committers: 1, rate: 1, policy: random_delay, delay_min: 1s, delay_max: 500ms}\n",
		`s.yaml:11:83: commits.delay_max: must be ≥ delay_min (1s), got 500ms`},
	{"parameter of another policy", base + "commits: {committers: 1, rate: 1, policy: immediate, backoff_base: 20ms}\n",
		`s.yaml:11:54: commits.backoff_base: not a parameter of policy immediate, which takes none; remove it`},
	{"parameter of another policy with a zero value", base + "commits: {committers: 1, rate: 1, policy: backoff, backoff_base: 1ms, backoff_max: 1s, delay_min: 0s}\n",
		`s.yaml:11:88: commits.delay_min: not a parameter of policy backoff, which takes backoff_base, backoff_max; remove it`},
	{"parameter of the default policy", base + "commits: {committers: 1, rate: 1, delay_max: 1s}\n",
		`s.yaml:11:35: commits.delay_max: not a parameter of policy immediate, which takes none; remove it`},
	{"negative max attempts", base + "commits: {committers: 1, rate: 1, max_attempts: -1}\n",
		`s.yaml:11:49: commits.max_attempts: must be ≥ 0 (0: never give up), got -1`},

	// offline
	{"empty offline section", base + "offline: {}\n",
		lines(`s.yaml:11:1: offline.share: required: the share of the members that go offline when the window opens, 0 … 1`,
			`s.yaml:11:1: offline.reconnect: required: the distribution of the time a member stays offline, e.g. {kind: shifted_exponential, min: 1s, mean: 10s}`)},
	{"share above 1", base + "offline: {share: 1.5, reconnect: {kind: constant, value: 1s}}\n",
		`s.yaml:11:18: offline.share: must be a share between 0 and 1, got 1.5`},
	{"negative share", base + "offline: {share: -0.1, reconnect: {kind: constant, value: 1s}}\n",
		`s.yaml:11:18: offline.share: must be a share between 0 and 1, got -0.1`},
	{"reconnect without kind", base + "offline: {share: 0.1, reconnect: {value: 1s}}\n",
		`s.yaml:11:23: offline.reconnect.kind: required: one of ` + kinds},
	{"reconnect with a parameter of another kind", base + "offline: {share: 0.1, reconnect: {kind: shifted_exponential, min: 1s, mean: 10s, median: 0s}}\n",
		`s.yaml:11:82: offline.reconnect.median: not a parameter of kind shifted_exponential, which takes min, mean; remove it`},
	{"reconnect with zero mean", base + "offline: {share: 0.1, reconnect: {kind: shifted_exponential, min: 1s, mean: 0s}}\n",
		`s.yaml:11:77: offline.reconnect.mean: must be > 0, got 0s (use kind constant for a fixed latency)`},
	{"reconnect of an unknown kind", base + "offline: {share: 0.1, reconnect: {kind: pareto}}\n",
		`s.yaml:11:41: offline.reconnect.kind: unknown kind "pareto"; allowed: ` + kinds},

	// call
	{"empty call section", base + "call: {}\n",
		`s.yaml:11:1: call.design: required: one of ` + designs},
	{"zero participants written", base + "call: {design: epoch_keys, participants: 0}\n",
		`s.yaml:11:42: call.participants: must be at least 2 (the initiator and one callee), got 0`},

	// attachments
	{"empty attachments section", base + "attachments: {}\n",
		`s.yaml:11:1: attachments.kinds: required: the kinds of attachment, each with name, bytes and rate_per_member`},
	{"unknown download mode", base + "attachments: {download: p2p, kinds: [{name: a, bytes: 1, rate_per_member: 1}]}\n",
		`s.yaml:11:25: attachments.download: unknown download mode "p2p"; allowed: via_provider, direct`},
	{"kind without its fields", base + "attachments: {kinds: [{content_type: image/png}]}\n",
		lines(`s.yaml:11:23: attachments.kinds[0].name: required: a name of lowercase letters, digits and "-", e.g. image`,
			`s.yaml:11:23: attachments.kinds[0].bytes: required: the size of each file, bytes, 1 … 67108864`,
			`s.yaml:11:23: attachments.kinds[0].rate_per_member: required: files per second per member, > 0 and at most 10`)},
	{"kind named after a phase", base + "attachments: {kinds: [{name: text, bytes: 1, rate_per_member: 1}]}\n",
		`s.yaml:11:30: attachments.kinds[0].name: "text" names the phase of chat messages or of the call; choose another name`},
	{"duplicate kind", base + "attachments: {kinds: [{name: a, bytes: 1, rate_per_member: 1}, {name: a, bytes: 2, rate_per_member: 1}]}\n",
		`s.yaml:11:71: attachments.kinds[1].name: duplicate kind name "a" (also attachments.kinds[0])`},
	{"too large a file", base + "attachments: {kinds: [{name: a, bytes: 67108865, rate_per_member: 1}]}\n",
		`s.yaml:11:40: attachments.kinds[0].bytes: must be between 1 and 67108864, got 67108865`},
	{"zero rate", base + "attachments: {kinds: [{name: a, bytes: 1, rate_per_member: 0}]}\n",
		`s.yaml:11:60: attachments.kinds[0].rate_per_member: must be > 0 and at most 10 files per second, got 0`},
	{"bad content type", base + "attachments: {kinds: [{name: a, bytes: 1, rate_per_member: 1, content_type: jpeg}]}\n",
		`s.yaml:11:77: attachments.kinds[0].content_type: "jpeg" is not a media type such as image/jpeg`},
	{"unknown design", base + "call: {design: sfu, participants: 2}\n",
		`s.yaml:11:16: call.design: unknown call design "sfu"; allowed: ` + designs},
	{"one participant", base + "call: {design: epoch_keys, participants: 1}\n",
		`s.yaml:11:42: call.participants: must be at least 2 (the initiator and one callee), got 1`},
	{"more participants than members", base + "call: {design: epoch_keys, participants: 5}\n",
		`s.yaml:11:42: call.participants: 5 participants, but the room has only 4 members`},
	{"more participants than real members", edit("members: 4", "members: 40") + "fidelity: sampled:1\ncall: {design: epoch_keys, participants: 3}\n",
		`s.yaml:12:42: call.participants: 3 participants, but fidelity sampled:1 makes only 2 of the room's 40 members real; participants must be real members`},
	{"call at the end of the window", base + "call: {design: epoch_keys, participants: 2, at: 1m}\n",
		`s.yaml:11:49: call.at: must be before the end of the measurement window (duration 1m0s), got 1m0s`},
	{"zero signal bytes", base + "call: {design: epoch_keys, participants: 2, signal_bytes: 0}\n",
		`s.yaml:11:59: call.signal_bytes: must be between 1 and 1048576, got 0 (remove the field for the default 2000)`},
	{"too many signal bytes", base + "call: {design: epoch_keys, participants: 2, signal_bytes: 1048577}\n",
		`s.yaml:11:59: call.signal_bytes: must be between 1 and 1048576, got 1048577`},
	{"round trips out of range", base + "call: {design: epoch_keys, participants: 2, ice_round_trips: -1, dtls_round_trips: 101}\n",
		lines(`s.yaml:11:62: call.ice_round_trips: must be between 0 and 100, got -1`,
			`s.yaml:11:84: call.dtls_round_trips: must be between 0 and 100, got 101`)},

	// providers
	{"negative batch max", edit("region: eu-west-1}", "region: eu-west-1, batch_max: -1}"),
		`s.yaml:4:58: providers[0].batch_max: must be ≥ 0 (0: no cap), got -1`},
	{"batching on a follower", edit("region: us-east-1}", "region: us-east-1, batch_window: 50ms, batch_max: 20}"),
		lines(`s.yaml:5:65: providers[1].batch_window: only the hub batches notifies (it alone sends them) and providers[1] ("f1") is a follower; remove the field`,
			`s.yaml:5:82: providers[1].batch_max: only the hub batches notifies (it alone sends them) and providers[1] ("f1") is a follower; remove the field`)},

	// sweeps
	{"sweeping a field of an absent section", sweepBase("  axes:\n    - {field: commits.rate, values: [1, 2]}\n"),
		`s.yaml:13:15: sweep.axes[0].field: commits.rate cannot be swept: the scenario has no commits section; add one (with its required fields) to sweep its fields`},
	{"sweeping offline without the section", sweepBase("  axes:\n    - {field: offline.share, values: [0, 0.5]}\n"),
		`s.yaml:13:15: sweep.axes[0].field: offline.share cannot be swept: the scenario has no offline section; add one (with its required fields) to sweep its fields`},
	{"sweeping call without the section", sweepBase("  axes:\n    - {field: call.design, values: [epoch_keys]}\n"),
		`s.yaml:13:15: sweep.axes[0].field: call.design cannot be swept: the scenario has no call section; add one (with its required fields) to sweep its fields`},
	{"sweeping a policy parameter", base + "commits: {committers: 1, rate: 1}\nsweep:\n  axes:\n    - {field: commits.max_attempts, values: [1]}\n",
		`s.yaml:14:15: sweep.axes[0].field: unknown sweep field "commits.max_attempts"; fields that can be swept: ` + sweepFieldList},
	{"policy value of the wrong type", base + "commits: {committers: 1, rate: 1}\nsweep: {axes: [{field: commits.policy, values: [1]}]}\n",
		`s.yaml:12:49: sweep.axes[0].values[0]: must be a string, got integer 1 (quote it if you mean the text)`},
	{"swept policy without its parameters", base + "commits: {committers: 1, rate: 1}\nsweep: {axes: [{field: commits.policy, values: [immediate, backoff]}]}\n",
		lines(`s.yaml:11:1: commits.backoff_base: required by policy backoff, a value of the sweep's commits.policy axis, which takes backoff_base, backoff_max`,
			`s.yaml:11:1: commits.backoff_max: required by policy backoff, a value of the sweep's commits.policy axis, which takes backoff_base, backoff_max`)},
	{"quick policy without its parameters", base + "commits: {committers: 1, rate: 1}\nsweep: {axes: [{field: commits.policy, values: [immediate]}], quick: {commits.policy: [random_delay]}}\n",
		lines(`s.yaml:11:1: commits.delay_min: required by policy random_delay, a value of the sweep's commits.policy axis, which takes delay_min, delay_max`,
			`s.yaml:11:1: commits.delay_max: required by policy random_delay, a value of the sweep's commits.policy axis, which takes delay_min, delay_max`)},
	{"parameter of no swept policy", base + "commits: {committers: 1, rate: 1, backoff_base: 1ms, backoff_max: 1s, delay_max: 1s}\nsweep: {axes: [{field: commits.policy, values: [immediate, backoff]}]}\n",
		`s.yaml:11:71: commits.delay_max: not a parameter of the policies immediate, backoff (commits.policy and its swept values), which take backoff_base, backoff_max; remove it`},
	{"unknown swept policy", base + "commits: {committers: 1, rate: 1}\nsweep: {axes: [{field: commits.policy, values: [immediate, bakoff]}]}\n",
		`s.yaml:12:60: commits.policy: in sweep point 1 (commits.policy=bakoff): unknown policy "bakoff"; allowed: ` + policies},
	// The parameters of a swept policy are checked with the file, once.
	{"swept backoff with bad parameters", base + "commits: {committers: 1, rate: 1, backoff_base: 1s, backoff_max: 1ms}\nsweep: {axes: [{field: commits.policy, values: [immediate, backoff]}]}\n",
		`s.yaml:11:66: commits.backoff_max: must be ≥ backoff_base (1s), got 1ms`},
	{"too many swept committers", base + "commits: {committers: 1, rate: 1}\nsweep: {axes: [{field: commits.committers, values: [4, 8]}]}\n",
		`s.yaml:12:56: commits.committers: in sweep point 1 (commits.committers=8): 8 committers, but the room has only 4 members`},
	{"committers beyond a swept room", base + "commits: {committers: 3, rate: 1}\nsweep: {axes: [{field: room.members, values: [2, 4]}]}\n",
		`s.yaml:11:23: commits.committers: in sweep point 0 (room.members=2): 3 committers, but the room has only 2 members`},
	{"swept rate out of range", base + "commits: {committers: 1, rate: 1}\nsweep: {axes: [{field: commits.rate, values: [0.5, 0]}]}\n",
		`s.yaml:12:52: commits.rate: in sweep point 1 (commits.rate=0): must be > 0 and at most 1000 commit rounds per second, got 0`},
	{"swept share out of range", base + "offline: {share: 0, reconnect: {kind: constant, value: 1s}}\nsweep: {axes: [{field: offline.share, values: [0, 2]}]}\n",
		`s.yaml:12:51: offline.share: in sweep point 1 (offline.share=2): must be a share between 0 and 1, got 2`},
	{"unknown swept design", base + "call: {design: epoch_keys, participants: 2}\nsweep: {axes: [{field: call.design, values: [epoch_keys, mesh]}]}\n",
		`s.yaml:12:58: call.design: in sweep point 1 (call.design=mesh): unknown call design "mesh"; allowed: ` + designs},
	{"too many swept participants", base + "call: {design: epoch_keys, participants: 2}\nsweep: {axes: [{field: call.participants, values: [2, 4, 8]}]}\n",
		`s.yaml:12:58: call.participants: in sweep point 2 (call.participants=8): 8 participants, but the room has only 4 members`},
	{"call beyond a swept duration", base + "call: {design: epoch_keys, participants: 2, at: 30s}\nsweep: {axes: [{field: duration, values: [60s, 30s]}]}\n",
		`s.yaml:11:49: call.at: in sweep point 1 (duration=30s): must be before the end of the measurement window (duration 30s), got 30s`},
	{"swept batching on a follower", sweepBase("  axes:\n    - field: providers[1].batch_window\n      values: [0s, 10ms]\n"),
		`s.yaml:14:20: providers[1].batch_window: in sweep point 1 (providers[1].batch_window=10ms): only the hub batches notifies (it alone sends them) and providers[1] ("f1") is a follower; remove the field`},
	{"swept negative batch max", sweepBase("  axes:\n    - field: providers[0].batch_max\n      values: [20, -1]\n"),
		`s.yaml:14:20: providers[0].batch_max: in sweep point 1 (providers[0].batch_max=-1): must be ≥ 0 (0: no cap), got -1`},
	{"swept batch window of the wrong type", sweepBase("  axes:\n    - field: providers[0].batch_window\n      values: [50]\n"),
		`s.yaml:14:16: sweep.axes[0].values[0]: bare number 50 is not a duration; add a unit, e.g. "50ms" or "50s"`},
}

func TestParseWorkloadErrors(t *testing.T) {
	tests := workloadErrorCases
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tc.yaml), testLimits())
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

// Validate checks the sections of a scenario built in code, where a field counts as written
// when it is not zero.
func TestValidateWorkloads(t *testing.T) {
	valid := func() *Scenario {
		s := &Scenario{
			Name:      "v",
			Duration:  Duration(time.Minute),
			Providers: []Provider{{Name: "h", Role: "hub", Region: "eu-west-1"}, {Name: "f", Role: "follower", Region: "sa-east-1"}},
			Room:      Room{Members: 6},
			Workload:  Workload{Kind: "poisson", RatePerMember: 1},
			Commits:   &Commits{Committers: 2, Rate: 1},
			Offline:   &Offline{Share: 0.5, Reconnect: Dist{Kind: "constant", Value: Duration(time.Second)}},
			Call:      &Call{Design: "epoch_keys", Participants: 3},
		}
		s.Defaults()
		return s
	}
	tests := []struct {
		name   string
		change func(s *Scenario)
		want   string
	}{
		{"valid", func(s *Scenario) {}, ""},
		{"no sections", func(s *Scenario) { s.Commits, s.Offline, s.Call = nil, nil, nil }, ""},
		{"call without Defaults", func(s *Scenario) { s.Call.ICERoundTrips, s.Call.DTLSRoundTrips = nil, nil }, ""},
		{"parameter of another policy", func(s *Scenario) { s.Commits.DelayMax = 1 },
			"commits.delay_max: not a parameter of policy immediate, which takes none; remove it"},
		{"backoff without a base", func(s *Scenario) { s.Commits.Policy = "backoff"; s.Commits.BackoffMax = Duration(time.Second) },
			"commits.backoff_base: must be > 0, got 0s"},
		{"empty policy", func(s *Scenario) { s.Commits.Policy = "" },
			`commits.policy: unknown policy ""; allowed: ` + policies},
		{"reconnect without kind", func(s *Scenario) { s.Offline.Reconnect = Dist{} },
			`offline.reconnect.kind: unknown kind ""; allowed: ` + kinds},
		{"NaN share", func(s *Scenario) { s.Offline.Share = math.NaN() },
			"offline.share: must be a share between 0 and 1, got NaN"},
		{"negative call time", func(s *Scenario) { s.Call.At = -1 }, "call.at: must be ≥ 0, got -1ns"},
		{"negative batch window", func(s *Scenario) { s.Providers[0].BatchWindow = -1 },
			"providers[0].batch_window: must be ≥ 0 (0 turns batching off), got -1ns"},
		{"committers beyond the members", func(s *Scenario) { s.Commits.Committers = 7 },
			"commits.committers: 7 committers, but the room has only 6 members"},
		{"committers when the room is invalid", func(s *Scenario) { s.Room.Members = 1; s.Room.Placement = nil; s.Commits.Committers = 7 },
			"room.members: must be at least 2, got 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := valid()
			tc.change(s)
			err := s.Validate(testLimits())
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("Validate:\n got: %s\nwant: %s", got, tc.want)
			}
		})
	}
}

// A sweep of commits.policy gives each point the parameters of its own policy only.
func TestExpandPolicySweep(t *testing.T) {
	s, err := Parse("s.yaml", []byte(base+`commits: {committers: 2, rate: 1, backoff_base: 20ms, backoff_max: 2s, delay_min: 10ms, delay_max: 500ms, max_attempts: 3}
sweep:
  axes:
    - {field: commits.policy, values: [immediate, backoff, random_delay]}
`), testLimits())
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.Expand(false)
	if err != nil {
		t.Fatal(err)
	}
	ms := func(n int) Duration { return Duration(time.Duration(n) * time.Millisecond) }
	want := []Commits{
		{Committers: 2, Rate: 1, Policy: "immediate", MaxAttempts: 3},
		{Committers: 2, Rate: 1, Policy: "backoff", BackoffBase: ms(20), BackoffMax: ms(2000), MaxAttempts: 3},
		{Committers: 2, Rate: 1, Policy: "random_delay", DelayMin: ms(10), DelayMax: ms(500), MaxAttempts: 3},
	}
	if len(ps) != len(want) {
		t.Fatalf("%d points, want %d", len(ps), len(want))
	}
	for i, p := range ps {
		if *p.Scenario.Commits != want[i] {
			t.Errorf("point %d: commits %+v, want %+v", i, *p.Scenario.Commits, want[i])
		}
		if p.Scenario.Commits == s.Commits {
			t.Errorf("point %d shares the swept scenario's commits section", i)
		}
	}
	if s.Commits.Policy != "immediate" || s.Commits.DelayMax != ms(500) {
		t.Errorf("Expand changed the swept scenario: %+v", *s.Commits)
	}
}

func TestCloneSections(t *testing.T) {
	s, err := Parse("s.yaml", []byte(base+`commits: {committers: 2, rate: 1}
offline: {share: 0.5, reconnect: {kind: constant, value: 1s}}
call: {design: epoch_keys, participants: 2}
`), testLimits())
	if err != nil {
		t.Fatal(err)
	}
	c := s.Clone()
	if !reflect.DeepEqual(c, s) {
		t.Fatal("Clone is not equal to the original")
	}
	c.Commits.Rate = 9
	c.Offline.Reconnect.Kind = DistLognormal
	c.Call.Participants = 9
	*c.Call.ICERoundTrips = 9
	*c.Call.DTLSRoundTrips = 9
	if s.Commits.Rate == 9 || s.Offline.Reconnect.Kind != DistConstant || s.Call.Participants == 9 ||
		*s.Call.ICERoundTrips == 9 || *s.Call.DTLSRoundTrips == 9 {
		t.Error("changing the clone changed the original")
	}
}

// The embedded sweeps of the workloads: what they sweep, how many jobs they run.
func TestEmbeddedWorkloadSweeps(t *testing.T) {
	tests := []struct {
		name       string
		axes       []Axis
		quick      *Quick
		jobs, fast int
		check      func(s *Scenario) bool
		reps       int // sweep.replications; 0 means 3
	}{
		{"contention",
			[]Axis{{"commits.committers", []any{1, 2, 4, 8}}, {"commits.policy", []any{"immediate", "backoff", "random_delay", "designated_committer", "proposal_random_delay"}}},
			&Quick{Replications: 1, Values: map[string][]any{"commits.committers": {4}, "commits.policy": {"immediate", "backoff", "random_delay", "designated_committer", "proposal_random_delay"}}},
			60, 5, func(s *Scenario) bool {
				return s.Room.Members == 12 && len(s.Providers) == 3 && s.Duration == Duration(time.Minute) &&
					s.Commits.Rate == 0.5 && s.Workload.RatePerMember <= 0.05
			}, 0},
		{"fanout",
			[]Axis{{"room.members", []any{8, 32, 128}}, {"offline.share", []any{0, 0.2}}, {"providers[0].batch_window", []any{"0s", "50ms"}}},
			&Quick{Replications: 1, Values: map[string][]any{"room.members": {8}}},
			36, 4, func(s *Scenario) bool {
				return len(s.Providers) == 3 && s.Providers[0].Role == RoleHub && s.Fidelity == "full" && s.Offline != nil
			}, 0},
		{"faults",
			[]Axis{{"faults.random_partitions.rate", []any{0.01, 0.05, 0.1, 0.2}}},
			&Quick{Replications: 1, Values: map[string][]any{"faults.random_partitions.rate": {0.01, 0.2}}},
			12, 2, func(s *Scenario) bool {
				f := s.Faults
				return s.Room.Members == 12 && len(s.Providers) == 3 && f != nil && f.Links != nil &&
					len(f.Partitions) == 1 && len(f.Crashes) == 1 && f.RandomPartitions != nil && f.RandomCrashes != nil
			}, 0},
		{"callsetup",
			[]Axis{{"call.participants", []any{2, 4, 8, 16, 32}}, {"call.design", []any{"epoch_keys", "subgroup_per_joiner", "subgroup_one_commit"}}},
			&Quick{Replications: 1, Values: map[string][]any{"call.participants": {4}, "call.design": {"epoch_keys", "subgroup_per_joiner", "subgroup_one_commit"}}},
			45, 3, func(s *Scenario) bool {
				return s.Room.Members == 64 && len(s.Providers) == 3 && s.Call != nil
			}, 0},
		{"callsetup-large",
			[]Axis{{"room.members", []any{10, 100, 1000}}, {"call.design", []any{"epoch_keys", "subgroup_one_commit"}}, {"providers.count", []any{2, 6}}},
			&Quick{Replications: 1, Values: map[string][]any{"room.members": {10}, "call.design": {"epoch_keys", "subgroup_one_commit"}, "providers.count": {2}}},
			24, 2, func(s *Scenario) bool {
				return s.Engine == "rfc9420" && len(s.Providers) == 6 && s.Call != nil && s.Call.Participants == 0
			}, 2},
		{"contention-rtt",
			[]Axis{{"commits.rate", []any{0.25, 1, 4}}, {"network.rtt[0].ms", []any{20, 200}}, {"commits.policy", []any{"immediate", "designated_committer"}}},
			&Quick{Replications: 1, Values: map[string][]any{"commits.rate": {1}, "network.rtt[0].ms": {20, 200}, "commits.policy": {"immediate"}}},
			24, 2, func(s *Scenario) bool {
				return len(s.Providers) == 2 && s.Commits.Committers == 4 && len(s.Network.RTT) == 1
			}, 2},
		{"fanout-load",
			[]Axis{{"workload.rate_per_member", []any{1, 4, 8, 12, 16}}, {"providers[0].batch_window", []any{"0s", "20ms"}}},
			&Quick{Replications: 1, Values: map[string][]any{"workload.rate_per_member": {1, 16}, "providers[0].batch_window": {"0s"}}},
			20, 2, func(s *Scenario) bool {
				return len(s.Providers) == 3 && s.Providers[0].Cores == 1 && s.Providers[2].RequestCost == Duration(2*time.Millisecond)
			}, 2},
		{"fanout-topology",
			[]Axis{{"providers.count", []any{1, 2, 3, 4}}, {"providers[0].region", []any{"eu-west-1", "us-east-1"}}, {"room.access", []any{"wifi", "lte", "5g"}}},
			&Quick{Replications: 1, Values: map[string][]any{"providers.count": {1, 4}, "providers[0].region": {"eu-west-1"}, "room.access": {"lte"}}},
			48, 2, func(s *Scenario) bool {
				return len(s.Providers) == 4 && s.Room.Members == 24
			}, 2},
		{"dma-phases",
			[]Axis{{"room.members", []any{2, 8}}, {"attachments.download", []any{"via_provider", "direct"}}},
			&Quick{Replications: 1, Values: map[string][]any{"room.members": {2, 8}, "attachments.download": {"via_provider"}}},
			20, 2, func(s *Scenario) bool {
				return len(s.Providers) == 2 && s.Call != nil && s.Call.Participants == 0 && s.Attachments != nil &&
					len(s.Attachments.Kinds) == 4 && s.Attachments.Kinds[2].Name == "video" && s.Attachments.Kinds[2].Bytes == 3_750_000
			}, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			limits := testLimits()
			limits.Engines["rfc9420"] = 1 << 17 // the rfc9420 engine's MaxMembers
			s, _, err := LoadEmbedded(tc.name, limits)
			if err != nil {
				t.Fatal(err)
			}
			reps := tc.reps
			if reps == 0 {
				reps = 3
			}
			// The sweeps whose comparison figures draw one line per value of a second axis.
			series := map[string]string{"callsetup": "call.design", "callsetup-large": "call.design", "contention": "commits.policy"}
			want := &Sweep{Replications: reps, Axes: tc.axes, Quick: tc.quick, Series: series[tc.name]}
			if !reflect.DeepEqual(s.Sweep, want) {
				t.Errorf("sweep = %+v (quick %+v), want %+v (quick %+v)", s.Sweep, s.Sweep.Quick, want, want.Quick)
			}
			if !tc.check(s) {
				t.Errorf("scenario: %+v", s)
			}
			for _, c := range []struct {
				quick bool
				jobs  int
			}{{false, tc.jobs}, {true, tc.fast}} {
				ps, err := s.Expand(c.quick)
				if err != nil {
					t.Fatal(err)
				}
				if len(ps) != c.jobs {
					t.Errorf("Expand(%v): %d jobs, want %d", c.quick, len(ps), c.jobs)
				}
			}
			// gomls holds 128 members in full fidelity.
			lim := limits
			lim.Engines["gomls"] = 128
			if _, _, err := LoadEmbedded(tc.name, lim); err != nil {
				t.Errorf("with gomls' real limit: %v", err)
			}
		})
	}
}

// Every line of the embedded workload scenarios that sets a field carries a comment, and every
// prefix of them parses or fails cleanly.
func TestWorkloadFilesAreCommented(t *testing.T) {
	for _, name := range []string{"contention", "fanout", "callsetup", "callsetup-large", "faults"} {
		data, err := os.ReadFile("files/" + name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(string(data), "\n") {
			trim := strings.TrimSpace(l)
			if trim == "" || strings.HasPrefix(trim, "#") || !strings.Contains(trim, ":") {
				continue
			}
			if !strings.Contains(l, " # ") && !isShareLine(trim) {
				t.Errorf("files/%s.yaml:%d: field without a comment: %s", name, i+1, trim)
			}
		}
		for n := range len(data) + 1 {
			checkParse(t, data[:n])
		}
	}
}

// scriptBase is a room of four for the script workload's bad-value rows.
const scriptBase = "name: s\nduration: 10s\nproviders: [{name: hub, role: hub, region: eu-west-1}]\nroom: {members: 4}\n"

// scriptErrorCases are bad script workloads and the exact errors they give.
var scriptErrorCases = []badCase{
	{"script with a rate", scriptBase + "workload: {kind: script, messages: 3, rate_per_member: 1}\n",
		`s.yaml:5:39: workload.rate_per_member: only for workload kind poisson; a script workload sends workload.messages messages`},
	{"script with nothing to do", scriptBase + "workload: {kind: script}\n",
		`s.yaml:5:1: workload.messages: a script workload needs workload.commits or workload.messages (or both) > 0`},
	{"script with too many senders", scriptBase + "workload: {kind: script, messages: 3, senders: 5}\n",
		`s.yaml:5:48: workload.senders: must be between 1 and the 4 real members, got 5`},
	{"script with zero senders", scriptBase + "workload: {kind: script, messages: 3, senders: 0}\n",
		`s.yaml:5:48: workload.senders: must be at least 1, got 0 (remove the field for the default 1)`},
	{"script with negative commits", scriptBase + "workload: {kind: script, commits: -1, messages: 1}\n",
		`s.yaml:5:35: workload.commits: must be between 0 and 1000, got -1`},
	{"script messages beyond the window", scriptBase + "workload: {kind: script, messages: 30, gap: 1s}\n",
		`s.yaml:5:45: workload.gap: 30 messages 1s apart fall due over 29s, beyond duration 10s`},
	{"script with a zero gap", scriptBase + "workload: {kind: script, messages: 3, gap: 0s}\n",
		`s.yaml:5:44: workload.gap: must be > 0, got 0s (remove the field for the default 10ms)`},
	{"script field in a poisson workload", scriptBase + "workload: {kind: poisson, rate_per_member: 1, messages: 3}\n",
		`s.yaml:5:47: workload.messages: only for workload kind script (this workload is poisson)`},
	{"script commits with a commits section", scriptBase + "workload: {kind: script, commits: 1, messages: 3}\ncommits: {committers: 2, rate: 1}\n",
		`s.yaml:5:35: workload.commits: a script workload with commits cannot be combined with the commits section; use one or the other`},
}

// TestScriptWorkloadErrors: each bad script workload gives exactly its error; a good one parses.
func TestScriptWorkloadErrors(t *testing.T) {
	for _, tc := range scriptErrorCases {
		_, err := Parse("s.yaml", []byte(tc.yaml), testLimits())
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v\nwant %s", tc.name, err, tc.want)
		}
	}
	if _, err := Parse("s.yaml", []byte(scriptBase+"workload: {kind: script, commits: 1, messages: 3, senders: 2, gap: 1s}\n"), testLimits()); err != nil {
		t.Fatal(err)
	}
}
