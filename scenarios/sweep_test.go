package scenarios

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// sweepBase is base with a sweep section appended; its sweep starts on line 11.
func sweepBase(sweep string) string { return base + "sweep:\n" + sweep }

func TestParseSweep(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		check func(sw *Sweep) bool
	}{
		{"defaults", sweepBase("  axes:\n    - {field: room.members, values: [2, 4]}\n"), func(sw *Sweep) bool {
			return sw.Replications == 1 && sw.Quick == nil && reflect.DeepEqual(sw.Axes, []Axis{{"room.members", []any{2, 4}}})
		}},
		{"replications only", sweepBase("  replications: 3\n"), func(sw *Sweep) bool {
			return sw.Replications == 3 && sw.Axes == nil
		}},
		{"value types as written", sweepBase(`  axes:
    - {field: workload.rate_per_member, values: [1, 0.5, 1e2]}
    - {field: duration, values: [30s, 1m]}
    - {field: time_mode, values: [zero, calibrated]}
    - field: providers[1].region
      values: [us-east-1, "sa-east-1"]
`), func(sw *Sweep) bool {
			return reflect.DeepEqual(sw.Axes, []Axis{
				{"workload.rate_per_member", []any{1, 0.5, 100.0}},
				{"duration", []any{"30s", "1m"}},
				{"time_mode", []any{"zero", "calibrated"}},
				{"providers[1].region", []any{"us-east-1", "sa-east-1"}},
			})
		}},
		{"quick", sweepBase("  axes:\n    - {field: room.members, values: [2, 4, 8]}\n  quick: {room.members: [8], replications: 1}\n"), func(sw *Sweep) bool {
			return reflect.DeepEqual(sw.Quick, &Quick{Replications: 1, Values: map[string][]any{"room.members": {8}}})
		}},
		{"quick replications default", sweepBase("  axes:\n    - {field: room.members, values: [2, 4, 8]}\n  quick: {room.members: [8]}\n"), func(sw *Sweep) bool {
			return sw.Quick.Replications == DefaultQuickReplications
		}},
		{"anchors in values", sweepBase("  axes:\n    - {field: room.members, values: &v [2, 3]}\n  quick: {room.members: *v}\n"), func(sw *Sweep) bool {
			return reflect.DeepEqual(sw.Quick.Values["room.members"], []any{2, 3})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("s.yaml", []byte(tc.yaml), testLimits())
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(s.Sweep) {
				t.Errorf("unexpected sweep: %+v (quick %+v)", *s.Sweep, s.Sweep.Quick)
			}
			if err := s.Validate(testLimits()); err != nil {
				t.Errorf("Validate after Parse: %v", err)
			}
		})
	}
}

const sweepFieldList = "duration, engine, fidelity, time_mode, network.loss, network.retransmit_timeout, network.rtt[i].ms, providers.count, providers[i].region, providers[i].cores, providers[i].request_cost, providers[i].byte_cost_per_kib, providers[i].batch_window, providers[i].batch_max, room.members, room.access, room.device, workload.rate_per_member, workload.payload_bytes, commits.committers, commits.rate, commits.policy, offline.share, call.design, call.participants, faults.links.duplicate, faults.random_partitions.rate, faults.random_crashes.rate, attachments.download"

// sweepErrorCases are bad scenario files and the exact errors Parse gives for them; TestBadValuesCoverEveryField
// checks that the tables together name every field of the format.
var sweepErrorCases = []badCase{
	{"unknown field", sweepBase("  axes:\n    - {field: room.colour, values: [1]}\n"),
		`s.yaml:13:15: sweep.axes[0].field: unknown sweep field "room.colour"; fields that can be swept: ` + sweepFieldList},
	{"field typo", sweepBase("  axes:\n    - {field: workload.rate, values: [1]}\n"),
		`s.yaml:13:15: sweep.axes[0].field: unknown sweep field "workload.rate"; fields that can be swept: ` + sweepFieldList},
	{"field typo with suggestion", sweepBase("  axes:\n    - {field: room.member, values: [1]}\n"),
		`s.yaml:13:15: sweep.axes[0].field: unknown sweep field "room.member" (did you mean "room.members"?); fields that can be swept: ` + sweepFieldList},
	{"provider field typo with suggestion", sweepBase("  axes:\n    - field: providers[1].core\n      values: [1]\n"),
		`s.yaml:13:14: sweep.axes[0].field: unknown sweep field "providers[1].core" (did you mean "providers[1].cores"?); fields that can be swept: ` + sweepFieldList},
	{"seed", sweepBase("  axes:\n    - {field: seed, values: [1, 2]}\n"),
		`s.yaml:13:15: sweep.axes[0].field: seed cannot be swept: every job's seed is derived from the scenario's seed, the point and the replication; set sweep.replications for more seeds; fields that can be swept: ` + sweepFieldList},
	{"access share", sweepBase("  axes:\n    - {field: room.access.wifi, values: [1]}\n"),
		`s.yaml:13:15: sweep.axes[0].field: room.access.wifi cannot be swept: its shares must sum to 1; sweep room.access with access type names (everyone on that type), or write one scenario per access mix; fields that can be swept: ` + sweepFieldList},
	{"missing RTT override", sweepBase("  axes:\n    - field: network.rtt[0].ms\n      values: [1]\n"),
		`s.yaml:13:14: sweep.axes[0].field: network.rtt[0] does not exist: the scenario has 0 RTT overrides`},
	{"missing provider", sweepBase("  axes:\n    - field: providers[2].cores\n      values: [1]\n"),
		`s.yaml:13:14: sweep.axes[0].field: providers[2] does not exist: the scenario has 2 providers`},
	{"field swept twice", sweepBase("  axes:\n    - {field: room.members, values: [2]}\n    - {field: room.members, values: [3]}\n"),
		`s.yaml:14:15: sweep.axes[1].field: room.members is already swept by sweep.axes[0]; give each field one axis`},
	{"fraction for an integer", sweepBase("  axes:\n    - {field: room.members, values: [2, 4.5]}\n"),
		`s.yaml:13:41: sweep.axes[0].values[1]: must be an integer, got number 4.5`},
	{"quoted integer", sweepBase("  axes:\n    - {field: room.members, values: [\"4\"]}\n"),
		`s.yaml:13:38: sweep.axes[0].values[0]: must be an integer, got string "4"`},
	{"number for text", sweepBase("  axes:\n    - {field: engine, values: [5]}\n"),
		`s.yaml:13:32: sweep.axes[0].values[0]: must be a string, got integer 5 (quote it if you mean the text)`},
	{"text for a number", sweepBase("  axes:\n    - {field: network.loss, values: [low]}\n"),
		`s.yaml:13:38: sweep.axes[0].values[0]: must be a number, got string "low"`},
	{"bare number duration", sweepBase("  axes:\n    - {field: duration, values: [30]}\n"),
		`s.yaml:13:34: sweep.axes[0].values[0]: bare number 30 is not a duration; add a unit, e.g. "30ms" or "30s"`},
	{"negative duration", sweepBase("  axes:\n    - {field: duration, values: [-1s]}\n"),
		`s.yaml:13:34: sweep.axes[0].values[0]: negative duration "-1s" is not allowed`},
	{"boolean value", sweepBase("  axes:\n    - {field: engine, values: [true]}\n"),
		`s.yaml:13:32: sweep.axes[0].values[0]: a sweep value must be an integer, a number or text, got boolean true`},
	{"infinite value", sweepBase("  axes:\n    - {field: network.loss, values: [.inf]}\n"),
		`s.yaml:13:38: sweep.axes[0].values[0]: must be a finite number, got .inf`},
	{"duplicate values", sweepBase("  axes:\n    - {field: duration, values: [60s, 1m]}\n"),
		`s.yaml:13:39: sweep.axes[0].values[1]: duplicate value 1m0s (also sweep.axes[0].values[0])`},
	{"no values", sweepBase("  axes:\n    - {field: room.members, values: []}\n"),
		`s.yaml:13:29: sweep.axes[0].values: must list at least one value`},
	{"values missing", sweepBase("  axes:\n    - {field: room.members}\n"),
		`s.yaml:13:7: sweep.axes[0].values: required: the list of values of room.members`},
	{"field missing", sweepBase("  axes:\n    - {values: [2]}\n"),
		`s.yaml:13:7: sweep.axes[0].field: required: the path of the field to sweep, one of ` + sweepFieldList},
	{"unknown key in an axis", sweepBase("  axes:\n    - {field: room.members, value: [2]}\n"),
		`s.yaml:13:29: sweep.axes[0].value: unknown field (did you mean "values"?); allowed in sweep.axes[0]: field, values`},
	{"series of the first axis", sweepBase("  axes:\n    - {field: room.members, values: [2, 4]}\n    - {field: engine, values: [gomls, tinymls]}\n  series: room.members\n"),
		`s.yaml:15:11: sweep.series: "room.members" is not an axis after the first; allowed: engine`},
	{"series without a second axis", sweepBase("  axes:\n    - {field: room.members, values: [2, 4]}\n  series: engine\n"),
		`s.yaml:14:11: sweep.series: "engine": the series must be an axis other than the first, and this sweep has no second axis`},
	{"unknown key in sweep", sweepBase("  replication: 2\n"),
		`s.yaml:12:3: sweep.replication: unknown field (did you mean "replications"?); allowed in sweep: replications, axes, quick, series`},
	{"empty sweep", base + "sweep: {}\n",
		`s.yaml:11:1: sweep: sweeps nothing: give axes, replications or both (or remove the section)`},
	{"empty axes", base + "sweep: {axes: []}\n",
		`s.yaml:11:9: sweep.axes: must list at least one axis (or leave axes out to only replicate)`},
	{"zero replications", base + "sweep: {replications: 0}\n",
		`s.yaml:11:23: sweep.replications: must be between 1 and 1000, got 0 (remove the field for the default 1)`},
	{"too many replications", base + "sweep: {replications: 1001}\n",
		`s.yaml:11:23: sweep.replications: must be between 1 and 1000, got 1001`},
	{"too many jobs", sweepBase("  replications: 1000\n  axes:\n    - {field: network.loss, values: [" + lossValues(101) + "]}\n"),
		`s.yaml:11:1: sweep: the sweep has more than 100000 jobs (points × replications); split it`},
	{"members with explicit placement", edit("members: 4", "members: 4\n  placement: [2, 2]") + "sweep: {axes: [{field: room.members, values: [2, 6]}]}\n",
		`s.yaml:12:24: sweep.axes[0].field: room.members cannot be swept with an explicit room.placement; remove room.placement to deal the members round-robin`},
	{"quick not a mapping", base + "sweep: {replications: 3, quick: [1]}\n",
		`s.yaml:11:33: sweep.quick: must be a mapping of replications and axis fields to lists of values, got a list`},
	{"quick key not an axis", sweepBase("  axes:\n    - {field: room.members, values: [2, 4]}\n  quick: {workload.payload_bytes: [1]}\n"),
		`s.yaml:14:11: sweep.quick["workload.payload_bytes"]: not an axis of this sweep; quick may give values of room.members and replications`},
	{"quick value of the wrong type", sweepBase("  axes:\n    - {field: room.members, values: [2, 4]}\n  quick: {room.members: [2.5]}\n"),
		`s.yaml:14:26: sweep.quick["room.members"][0]: must be an integer, got number 2.5`},
	{"quick zero replications", sweepBase("  axes:\n    - {field: room.members, values: [2, 4]}\n  quick: {replications: 0}\n"),
		`s.yaml:14:25: sweep.quick.replications: must be between 1 and 1000, got 0 (remove the field for the default 2)`},
	{"quick duplicate key", sweepBase("  axes:\n    - {field: room.members, values: [2, 4]}\n  quick: {replications: 1, replications: 2}\n"),
		`s.yaml:14:28: sweep.quick.replications: duplicate key (first written at 14:11)`},
	{"bad point, at the value, once per problem", sweepBase("  axes:\n    - {field: network.loss, values: [0.1, 0.7]}\n    - {field: room.members, values: [2, 4]}\n"),
		`s.yaml:13:43: network.loss: in sweep point 2 (network.loss=0.7, room.members=2) and 1 more point: must be a probability between 0 and 0.5, got 0.7`},
	{"bad point of a provider field", sweepBase("  axes:\n    - field: providers[1].region\n      values: [us-east-1, mars-1]\n"),
		`s.yaml:14:27: providers[1].region: in sweep point 1 (providers[1].region=mars-1): unknown region "mars-1"; allowed: eu-west-1, eu-central-1, us-east-1, us-west-2, ap-southeast-1, ap-northeast-1, sa-east-1`},
	{"bad point of a zero value", sweepBase("  axes:\n    - {field: workload.payload_bytes, values: [0]}\n"),
		`s.yaml:13:48: workload.payload_bytes: in sweep point 0 (workload.payload_bytes=0): must be between 1 and 1048576, got 0`},
	{"bad point in the quick sweep only", sweepBase("  axes:\n    - {field: network.loss, values: [0.1, 0.2]}\n  quick: {network.loss: [0.9]}\n"),
		`s.yaml:14:26: network.loss: in quick sweep point 0 (network.loss=0.9): must be a probability between 0 and 0.5, got 0.9`},
}

func TestParseSweepErrors(t *testing.T) {
	tests := sweepErrorCases
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

// A point that breaks a rule of a field that is not swept is reported at that field.
func TestSweepPointErrorAtUnsweptField(t *testing.T) {
	// tinymls holds 8 members; the room has 9.
	yaml := edit("members: 4", "members: 9") + "sweep: {axes: [{field: engine, values: [gomls, tinymls]}]}\n"
	_, err := Parse("s.yaml", []byte(yaml), testLimits())
	if err == nil {
		t.Fatal("Parse accepted a point with more members than its engine holds")
	}
	for _, want := range []string{"s.yaml:7:12: room.members: in sweep point 1 (engine=tinymls): ", "tinymls"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func lossValues(n int) string {
	vs := make([]string, n)
	for i := range vs {
		vs[i] = fmt.Sprintf("0.%04d", i)
	}
	return strings.Join(vs, ", ")
}

func TestExpand(t *testing.T) {
	twoAxes := sweepBase(`  replications: 3
  axes:
    - {field: network.loss, values: [0, 0.01]}
    - {field: room.members, values: [2, 3, 5]}
`)
	tests := []struct {
		name   string
		yaml   string
		quick  bool
		points []string // "index: params, replication"
	}{
		{"first axis slowest", twoAxes, false, []string{
			"0: network.loss=0 room.members=2 r0", "0: network.loss=0 room.members=2 r1", "0: network.loss=0 room.members=2 r2",
			"1: network.loss=0 room.members=3 r0", "1: network.loss=0 room.members=3 r1", "1: network.loss=0 room.members=3 r2",
			"2: network.loss=0 room.members=5 r0", "2: network.loss=0 room.members=5 r1", "2: network.loss=0 room.members=5 r2",
			"3: network.loss=0.01 room.members=2 r0", "3: network.loss=0.01 room.members=2 r1", "3: network.loss=0.01 room.members=2 r2",
			"4: network.loss=0.01 room.members=3 r0", "4: network.loss=0.01 room.members=3 r1", "4: network.loss=0.01 room.members=3 r2",
			"5: network.loss=0.01 room.members=5 r0", "5: network.loss=0.01 room.members=5 r1", "5: network.loss=0.01 room.members=5 r2",
		}},
		{"default quick: two values of each axis, two replications", twoAxes, true, []string{
			"0: network.loss=0 room.members=2 r0", "0: network.loss=0 room.members=2 r1",
			"1: network.loss=0 room.members=3 r0", "1: network.loss=0 room.members=3 r1",
			"2: network.loss=0.01 room.members=2 r0", "2: network.loss=0.01 room.members=2 r1",
			"3: network.loss=0.01 room.members=3 r0", "3: network.loss=0.01 room.members=3 r1",
		}},
		{"quick values and replications", twoAxes + "  quick: {room.members: [5], replications: 1}\n", true, []string{
			"0: network.loss=0 room.members=5 r0", "1: network.loss=0.01 room.members=5 r0",
		}},
		{"replications only", sweepBase("  replications: 2\n"), false, []string{"0:  r0", "0:  r1"}},
		{"canonical values", sweepBase("  axes:\n    - {field: duration, values: [90s, 1.5ms]}\n    - {field: workload.rate_per_member, values: [1e-1, 2]}\n"), false, []string{
			"0: duration=1m30s workload.rate_per_member=0.1 r0", "1: duration=1m30s workload.rate_per_member=2 r0",
			"2: duration=1.5ms workload.rate_per_member=0.1 r0", "3: duration=1.5ms workload.rate_per_member=2 r0",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("s.yaml", []byte(tc.yaml), testLimits())
			if err != nil {
				t.Fatal(err)
			}
			before := s.Clone()
			ps, err := s.Expand(tc.quick)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range ps {
				var kv []string
				for _, prm := range p.Params {
					kv = append(kv, prm.Name+"="+prm.Value)
				}
				got = append(got, fmt.Sprintf("%d: %s r%d", p.Index, strings.Join(kv, " "), p.Replication))
			}
			if !slices.Equal(got, tc.points) {
				t.Errorf("points:\n got %q\nwant %q", got, tc.points)
			}
			if !reflect.DeepEqual(s, before) {
				t.Error("Expand changed the scenario")
			}
			for i, p := range ps {
				if p.Seed != JobSeed(s.Seed, p.Params, p.Replication) || p.Scenario.Seed != p.Seed {
					t.Errorf("point %d: seed %d, scenario seed %d, want JobSeed %d", i, p.Seed, p.Scenario.Seed, JobSeed(s.Seed, p.Params, p.Replication))
				}
				if p.Scenario.Sweep != nil {
					t.Errorf("point %d keeps the sweep section", i)
				}
				if err := p.Scenario.Validate(testLimits()); err != nil {
					t.Errorf("point %d does not validate: %v", i, err)
				}
				for j := range i {
					if ps[j].Seed == p.Seed {
						t.Errorf("points %d and %d share seed %d", j, i, p.Seed)
					}
					if ps[j].Scenario == p.Scenario {
						t.Errorf("points %d and %d share a scenario", j, i)
					}
				}
			}
		})
	}
}

// Each point carries its values, and its own copy of everything.
func TestExpandAppliesValues(t *testing.T) {
	s, err := Parse("s.yaml", []byte(base+`commits: {committers: 1, rate: 1, delay_min: 0s, delay_max: 5ms}
offline: {share: 0.5, reconnect: {kind: constant, value: 1s}}
call: {design: epoch_keys, participants: 2}
faults:
  links: {duplicate: 0.5}
  random_partitions: {rate: 1, duration: {kind: constant, value: 1s}}
  random_crashes: {rate: 1, down: {kind: constant, value: 1s}}
attachments: {kinds: [{name: image, bytes: 1000, rate_per_member: 0.5}]}
network: {rtt: [{a: eu-west-1, b: us-east-1, ms: 70}]}
sweep:
  axes:
    - {field: room.members, values: [3]}
    - {field: duration, values: [5s]}
    - {field: network.loss, values: [0.25]}
    - {field: network.retransmit_timeout, values: [1s]}
    - {field: "network.rtt[0].ms", values: [150]}
    - {field: engine, values: [tinymls]}
    - {field: time_mode, values: [zero]}
    - {field: fidelity, values: [full]}
    - {field: room.device, values: [laptop]}
    - {field: room.access, values: [lte]}
    - {field: providers.count, values: [2]}
    - {field: workload.rate_per_member, values: [7]}
    - {field: workload.payload_bytes, values: [9]}
    - field: providers[1].region
      values: [sa-east-1]
    - field: providers[1].cores
      values: [16]
    - field: providers[0].request_cost
      values: [1ms]
    - field: providers[0].byte_cost_per_kib
      values: [3us]
    - field: providers[0].batch_window
      values: [10ms]
    - field: providers[0].batch_max
      values: [7]
    - {field: commits.committers, values: [3]}
    - {field: commits.rate, values: [0.25]}
    - {field: commits.policy, values: [random_delay]}
    - {field: offline.share, values: [0.125]}
    - {field: call.design, values: [subgroup_per_joiner]}
    - {field: call.participants, values: [3]}
    - {field: faults.links.duplicate, values: [0.25]}
    - {field: faults.random_partitions.rate, values: [0.5]}
    - {field: faults.random_crashes.rate, values: [2]}
    - {field: attachments.download, values: [direct]}
`), testLimits())
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.Expand(false)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 {
		t.Fatalf("%d points, want 1", len(ps))
	}
	want := s.Clone()
	want.Sweep = nil
	want.Seed = ps[0].Seed
	want.Room.Members, want.Room.Placement = 3, []int{2, 1}
	want.Duration = Duration(5 * time.Second)
	want.Network.Loss, want.Network.RetransmitTimeout = 0.25, Duration(time.Second)
	want.Network.RTT[0].Ms = 150
	want.Engine, want.TimeMode, want.Fidelity, want.Room.Device = "tinymls", "zero", "full", "laptop"
	want.Room.Access = map[string]float64{"lte": 1}
	want.Workload.RatePerMember, want.Workload.PayloadBytes = 7, 9
	want.Providers[1].Region, want.Providers[1].Cores = "sa-east-1", 16
	want.Providers[0].RequestCost, want.Providers[0].ByteCost = Duration(time.Millisecond), Duration(3*time.Microsecond)
	want.Providers[0].BatchWindow, want.Providers[0].BatchMax = Duration(10*time.Millisecond), 7
	// The point's policy keeps its own parameters only.
	want.Commits = &Commits{Committers: 3, Rate: 0.25, Policy: "random_delay", DelayMax: Duration(5 * time.Millisecond)}
	want.Offline.Share = 0.125
	want.Call.Design, want.Call.Participants = "subgroup_per_joiner", 3
	want.Faults.Links.Duplicate, want.Faults.RandomPartitions.Rate, want.Faults.RandomCrashes.Rate = 0.25, 0.5, 2
	want.Attachments.Download = "direct"
	if !reflect.DeepEqual(ps[0].Scenario, want) {
		t.Errorf("point scenario:\n got %+v\nwant %+v", ps[0].Scenario, want)
	}
	if len(SweepFields()) != len(ps[0].Params) {
		t.Errorf("the test sweeps %d fields, SweepFields lists %d", len(ps[0].Params), len(SweepFields()))
	}
	ps[0].Scenario.Providers[0].Name = "changed"
	if s.Providers[0].Name == "changed" {
		t.Error("a point's scenario shares providers with the swept scenario")
	}
	if s.Commits.Committers != 1 || s.Commits.Policy != "immediate" || s.Commits.DelayMax == 0 || s.Offline.Share != 0.5 || s.Call.Participants != 2 {
		t.Errorf("Expand changed the swept scenario's sections: %+v %+v %+v", *s.Commits, *s.Offline, *s.Call)
	}
}

func TestExpandErrors(t *testing.T) {
	valid := func() *Scenario {
		s := &Scenario{
			Name: "v", Duration: Duration(time.Second),
			Providers: []Provider{{Name: "h", Role: "hub", Region: "eu-west-1"}},
			Room:      Room{Members: 3},
			Workload:  Workload{Kind: "poisson", RatePerMember: 1},
			Sweep:     &Sweep{Axes: []Axis{{Field: "room.members", Values: []any{2, 4}}}},
		}
		s.Defaults()
		return s
	}
	tests := []struct {
		name   string
		change func(s *Scenario)
		quick  bool
		want   string
	}{
		{"valid", func(s *Scenario) {}, false, ""},
		{"valid quick", func(s *Scenario) {}, true, ""},
		{"no sweep", func(s *Scenario) { s.Sweep = nil }, false, "sweep: the scenario has no sweep section"},
		{"Duration values", func(s *Scenario) { s.Sweep.Axes[0] = Axis{"duration", []any{Duration(time.Second)}} }, false, ""},
		{"bad value type", func(s *Scenario) { s.Sweep.Axes[0].Values[1] = int64(4) }, false,
			"sweep.axes[0].values[1]: must be an integer, got a value of type int64"},
		{"zero replications", func(s *Scenario) { s.Sweep.Replications = 0 }, false, "sweep.replications: must be between 1 and 1000, got 0"},
		{"field of an absent section", func(s *Scenario) { s.Sweep.Axes[0] = Axis{"call.participants", []any{2}} }, false,
			"sweep.axes[0].field: call.participants cannot be swept: the scenario has no call section; add one (with its required fields) to sweep its fields"},
		{"field of a present section", func(s *Scenario) {
			s.Call = &Call{Design: "epoch_keys", Participants: 2}
			s.Sweep.Axes[0] = Axis{"call.participants", []any{2, 3}}
		}, false, ""},
		{"bad quick key", func(s *Scenario) { s.Sweep.Quick = &Quick{Replications: 1, Values: map[string][]any{"room.x": {1}}} }, true,
			`sweep.quick["room.x"]: not an axis of this sweep; quick may give values of room.members and replications`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := valid()
			tc.change(s)
			_, err := s.Expand(tc.quick)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("Expand:\n got: %s\nwant: %s", got, tc.want)
			}
		})
	}
}

// Validate checks the points of a sweep built in code like Parse does, without positions.
func TestValidateSweep(t *testing.T) {
	s := &Scenario{
		Name: "v", Duration: Duration(time.Second),
		Providers: []Provider{{Name: "h", Role: "hub", Region: "eu-west-1"}},
		Room:      Room{Members: 3},
		Workload:  Workload{Kind: "poisson", RatePerMember: 1},
		Sweep:     &Sweep{Axes: []Axis{{Field: "network.loss", Values: []any{0.1, 0.75}}}},
	}
	s.Defaults()
	want := "network.loss: in sweep point 1 (network.loss=0.75): must be a probability between 0 and 0.5, got 0.75"
	if err := s.Validate(testLimits()); err == nil || err.Error() != want {
		t.Errorf("Validate: %v\nwant %s", err, want)
	}
	s.Sweep.Axes[0].Values[1] = 0.5
	if err := s.Validate(testLimits()); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// JobSeed is the documented hash, independent of the parameters' order.
func TestJobSeed(t *testing.T) {
	params := []Param{{"room.members", "16"}, {"network.loss", "0.01"}}
	// The documented layout, built by hand.
	var b []byte
	b = append(b, "mimisim sweep job seed v1\x00"...)
	b = binary.BigEndian.AppendUint64(b, 7)
	b = append(b, 2)
	b = append(b, 12)
	b = append(b, "network.loss"...)
	b = append(b, 4)
	b = append(b, "0.01"...)
	b = append(b, 12)
	b = append(b, "room.members"...)
	b = append(b, 2)
	b = append(b, "16"...)
	b = binary.BigEndian.AppendUint64(b, 3)
	sum := sha256.Sum256(b)
	want := binary.BigEndian.Uint64(sum[:8])

	tests := []struct {
		name   string
		seed   uint64
		params []Param
		rep    int
		equal  bool // to want
	}{
		{"documented layout", 7, params, 3, true},
		{"parameter order does not matter", 7, []Param{params[1], params[0]}, 3, true},
		{"other base seed", 8, params, 3, false},
		{"other replication", 7, params, 2, false},
		{"other value", 7, []Param{{"room.members", "17"}, params[1]}, 3, false},
		{"value moved between name and value", 7, []Param{{"room.members1", "6"}, params[1]}, 3, false},
		{"fewer parameters", 7, params[:1], 3, false},
	}
	for _, tc := range tests {
		if got := JobSeed(tc.seed, tc.params, tc.rep); (got == want) != tc.equal {
			t.Errorf("%s: JobSeed = %d, documented hash %d, want equal=%v", tc.name, got, want, tc.equal)
		}
	}
	// Regression: the seeds of published results must not change.
	if got := JobSeed(1, []Param{{"room.members", "2"}}, 0); got != 932965655371567457 {
		t.Errorf("JobSeed(1, room.members=2, 0) = %d, want 932965655371567457", got)
	}
}

// Adding replications or values leaves existing jobs' seeds alone; quick jobs have the seeds
// of the same full-sweep jobs.
func TestSeedsStable(t *testing.T) {
	seeds := func(yaml string, quick bool) map[string]uint64 {
		t.Helper()
		s, err := Parse("s.yaml", []byte(yaml), testLimits())
		if err != nil {
			t.Fatal(err)
		}
		ps, err := s.Expand(quick)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]uint64{}
		for _, p := range ps {
			m[fmt.Sprint(p.Params, p.Replication)] = p.Seed
		}
		return m
	}
	small := seeds(sweepBase("  replications: 2\n  axes:\n    - {field: room.members, values: [2, 3]}\n    - {field: network.loss, values: [0, 0.1]}\n"), false)
	grown := seeds(sweepBase("  replications: 3\n  axes:\n    - {field: room.members, values: [5, 2, 3]}\n    - {field: network.loss, values: [0.2, 0, 0.1]}\n"), false)
	quick := seeds(sweepBase("  replications: 2\n  axes:\n    - {field: room.members, values: [2, 3]}\n    - {field: network.loss, values: [0, 0.1]}\n"), true)
	if len(small) != 8 || len(grown) != 27 || len(quick) != 8 {
		t.Fatalf("got %d, %d and %d jobs", len(small), len(grown), len(quick))
	}
	for k, v := range small {
		if grown[k] != v {
			t.Errorf("job %s: seed %d in the small sweep, %d in the grown one", k, v, grown[k])
		}
		if quick[k] != v {
			t.Errorf("job %s: seed %d in the full sweep, %d in the quick one", k, v, quick[k])
		}
	}
}

func TestClone(t *testing.T) {
	s, _, err := LoadEmbedded("fanout-size", testLimits())
	if err != nil {
		t.Fatal(err)
	}
	lte := 0.01
	s.Network.Access = map[string]Access{"lte": {Loss: &lte, Latency: &Dist{Kind: DistConstant}}}
	s.Network.RTT = []RTTEntry{{"eu-west-1", "us-east-1", 70}}
	s.Sweep.Quick.Values = map[string][]any{"room.members": {2}}
	c := s.Clone()
	if !reflect.DeepEqual(c, s) {
		t.Fatal("Clone is not equal to the original")
	}
	*c.Network.Access["lte"].Loss = 0.2
	c.Network.Access["lte"].Latency.Kind = DistLognormal
	c.Network.RTT[0].Ms = 1
	c.Providers[0].Cores = 99
	c.Room.Placement[0] = 99
	c.Room.Access["wifi"] = 0
	c.Sweep.Axes[0].Values[0] = 99
	c.Sweep.Quick.Values["room.members"][0] = 99
	c.Sweep.Quick.Replications = 99
	if lte != 0.01 || s.Network.Access["lte"].Latency.Kind != DistConstant || s.Network.RTT[0].Ms != 70 ||
		s.Providers[0].Cores == 99 || s.Room.Placement[0] == 99 || s.Room.Access["wifi"] == 0 ||
		s.Sweep.Axes[0].Values[0] == 99 || s.Sweep.Quick.Values["room.members"][0] == 99 || s.Sweep.Quick.Replications == 99 {
		t.Error("changing the clone changed the original")
	}
}

func TestEmbeddedFanoutSize(t *testing.T) {
	s, _, err := LoadEmbedded("fanout-size", testLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := &Sweep{
		Replications: 2,
		Axes:         []Axis{{Field: "room.members", Values: []any{2, 4, 8, 16, 32}}},
		Quick:        &Quick{Replications: 2, Values: map[string][]any{"room.members": {2, 4}}},
	}
	if !reflect.DeepEqual(s.Sweep, want) {
		t.Errorf("sweep = %+v, want %+v", s.Sweep, want)
	}
	if len(s.Providers) != 3 {
		t.Errorf("%d providers, want 3", len(s.Providers))
	}
	for _, tc := range []struct {
		quick bool
		jobs  int
	}{{false, 10}, {true, 4}} {
		ps, err := s.Expand(tc.quick)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != tc.jobs {
			t.Errorf("Expand(%v): %d jobs, want %d", tc.quick, len(ps), tc.jobs)
		}
	}
}

// Every line of the embedded sweep scenarios that sets a field carries a comment.
func TestSweepFilesAreCommented(t *testing.T) {
	for _, name := range []string{"fanout-size", "groupsize"} {
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
	}
}

// The groupsize sweep keeps fidelity auto:4 in its base and resolves it per point: go-mls
// runs sampled above its limit, rfc9420 in full fidelity at every size.
func TestGroupsizeSweep(t *testing.T) {
	lim := testLimits()
	lim.Engines = map[string]int{"gomls": 128, "rfc9420": 65536}
	s, _, err := LoadEmbedded("groupsize", lim)
	if err != nil {
		t.Fatal(err)
	}
	if s.Fidelity != "auto:4" || s.Sweep.Series != "engine" || s.Workload.Kind != WorkloadOps {
		t.Fatalf("fidelity %s, series %q, workload %s", s.Fidelity, s.Sweep.Series, s.Workload.Kind)
	}
	points, err := s.Expand(false)
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 10*2*3 {
		t.Fatalf("%d jobs", len(points))
	}
	for _, p := range points {
		sc := p.Scenario
		want := "full"
		if sc.Engine == "gomls" && sc.Room.Members > 128 {
			want = "sampled:4"
		}
		if got := ResolveFidelity(sc.Fidelity, sc.Room.Members, lim.Engines[sc.Engine]); got != want {
			t.Errorf("%s with %d members: fidelity %s, want %s", sc.Engine, sc.Room.Members, got, want)
		}
	}
}

// Every prefix of the sweep example parses or fails cleanly.
func TestParseTruncatedSweep(t *testing.T) {
	data, err := os.ReadFile("files/fanout-size.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(data) + 1 {
		checkParse(t, data[:n])
	}
}

// providers.count keeps the first providers of the file and deals the members again; values
// outside 1 … the providers listed are errors.
func TestSweepProvidersCount(t *testing.T) {
	s, err := Parse("s.yaml", []byte(edit("  - {name: f1, role: follower, region: us-east-1}\n",
		"  - {name: f1, role: follower, region: us-east-1}\n  - {name: f2, role: follower, region: ap-southeast-1}\n")+
		"sweep: {axes: [{field: providers.count, values: [1, 3]}, {field: \"providers[2].cores\", values: [8]}]}\n"), testLimits())
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.Expand(false)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || len(ps[0].Scenario.Providers) != 1 || len(ps[1].Scenario.Providers) != 3 ||
		!reflect.DeepEqual(ps[0].Scenario.Room.Placement, []int{4}) || !reflect.DeepEqual(ps[1].Scenario.Room.Placement, []int{2, 1, 1}) ||
		ps[1].Scenario.Providers[2].Cores != 8 {
		t.Fatalf("points: %+v / %+v", ps[0].Scenario, ps[1].Scenario)
	}
	_, err = Parse("s.yaml", []byte(base+"sweep: {axes: [{field: providers.count, values: [3]}]}\n"), testLimits())
	if err == nil || !strings.Contains(err.Error(), "providers.count must be between 1 and the 2 providers the scenario lists, got 3") {
		t.Fatalf("err = %v", err)
	}
}
