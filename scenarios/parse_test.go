package scenarios

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
)

var printErrors = flag.Bool("print-errors", false, "print the actual errors of TestParseErrors instead of comparing")

// testLimits stands in for the model packages' limits.
func testLimits() Limits {
	return Limits{
		Engines:     map[string]int{"gomls": 1000, "tinymls": 8},
		Regions:     []string{"eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-1", "ap-northeast-1", "sa-east-1"},
		AccessTypes: []string{"wired", "wifi", "lte", "5g"},
		Devices:     []string{"phone", "laptop"},
	}
}

// base is a minimal valid scenario; the cases below edit it. Its lines:
//
//	1 name   2 duration   3 providers   4 hub   5 f1   6 room   7 members   8 workload
//	9 kind   10 rate_per_member
const base = `name: t
duration: 60s
providers:
  - {name: hub, role: hub, region: eu-west-1}
  - {name: f1, role: follower, region: us-east-1}
room:
  members: 4
workload:
  kind: poisson
  rate_per_member: 0.5
`

// edit returns base with each old string (which must occur exactly once) replaced by the new
// string that follows it; it panics if an old string does not, a bug in the test table.
func edit(pairs ...string) string {
	s := base
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.Count(s, pairs[i]) != 1 {
			panic(fmt.Sprintf("edit: %q does not occur exactly once in base", pairs[i]))
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

// lines joins error lines as errors.Join does.
func lines(ls ...string) string { return strings.Join(ls, "\n") }

// manyRTTErrors is the error for 21 bad RTT entries starting on line 13: the first 20, then a
// count of the rest.
func manyRTTErrors() string {
	var ls []string
	for i := range 20 {
		ls = append(ls, fmt.Sprintf(`s.yaml:%d:11: network.rtt[%d].a: unknown region "x"; allowed: eu-west-1, eu-central-1, us-east-1, us-west-2, ap-southeast-1, ap-northeast-1, sa-east-1`, 13+i, i))
	}
	return lines(append(ls, "s.yaml: and 1 more problems")...)
}

const wifiLatency = "network:\n  access:\n    wifi:\n      latency: "

// parseErrorCases are bad scenario files and the exact errors Parse gives for them; TestBadValuesCoverEveryField
// checks that the tables together name every field of the format.
var parseErrorCases = []badCase{
	{"unknown field at top level", base + "colour: blue\n",
		`s.yaml:11:1: colour: unknown field; allowed at the top level: name, description, seed, duration, engine, fidelity, time_mode, network, providers, room, workload, commits, offline, call, hostile, churn, faults, attachments, sweep`},
	{"unknown nested field with suggestion", base + wifiLatency + "{kind: lognormal, medain: 3ms, sigma: 0.5}\n",
		`s.yaml:14:34: network.access.wifi.latency.medain: unknown field (did you mean "median"?); allowed in network.access.wifi.latency: kind, value, min, mean, median, sigma`},
	{"unknown field in list entry", edit("region: eu-west-1}", "region: eu-west-1, core: 8}"),
		`s.yaml:4:47: providers[0].core: unknown field (did you mean "cores"?); allowed in providers[0]: name, role, region, cores, request_cost, byte_cost_per_kib, batch_window, batch_max`},
	{"unknown field in map value", base + "network:\n  access:\n    lte:\n      jitter: 5ms\n",
		`s.yaml:14:7: network.access.lte.jitter: unknown field; allowed in network.access.lte: latency, uplink_mbps, downlink_mbps, loss`},
	{"integer written as quoted string", edit("members: 4", `members: "4"`),
		`s.yaml:7:12: room.members: must be an integer, got string "4" (remove the quotes)`},
	{"integer written as fraction", edit("members: 4", "members: 4.5"),
		`s.yaml:7:12: room.members: must be an integer, got number 4.5`},
	{"integer written as word", edit("members: 4", "members: many"),
		`s.yaml:7:12: room.members: must be an integer, got string "many"`},
	{"string written as integer", edit("name: t", "name: 123"),
		`s.yaml:1:7: name: must be a string, got integer 123 (quote it if you mean the text)`},
	{"number written as quoted string", edit("rate_per_member: 0.5", `rate_per_member: "0.5"`),
		`s.yaml:10:20: workload.rate_per_member: must be a number, got string "0.5" (remove the quotes)`},
	{"number written as boolean", edit("rate_per_member: 0.5", "rate_per_member: true"),
		`s.yaml:10:20: workload.rate_per_member: must be a number, got boolean true`},
	{"infinite number", edit("rate_per_member: 0.5", "rate_per_member: .inf"),
		`s.yaml:10:20: workload.rate_per_member: must be a finite number, got .inf`},
	{"negative seed", base + "seed: -1\n",
		`s.yaml:11:7: seed: must be a non-negative integer, got -1`},
	{"list where mapping expected", edit("room:\n  members: 4", "room: [4]"),
		`s.yaml:6:7: room: must be a mapping with fields members, placement, access, device, got a list`},
	{"unknown top-level field with suggestion", base + "room2: x\n",
		`s.yaml:11:1: room2: unknown field (did you mean "room"?); allowed at the top level: name, description, seed, duration, engine, fidelity, time_mode, network, providers, room, workload, commits, offline, call, hostile, churn, faults, attachments, sweep`},
	{"providers not a list", edit("providers:\n  - {name: hub, role: hub, region: eu-west-1}\n  - {name: f1, role: follower, region: us-east-1}", "providers: hub"),
		`s.yaml:3:12: providers: must be a list, got string "hub"`},
	{"mapping where string expected", edit("name: t", "name: {first: t}"),
		`s.yaml:1:7: name: must be a string, got a mapping`},
	{"null value", base + "seed:\n",
		`s.yaml:11:7: seed: empty (null) value; write a value, or remove the field if it is optional`},
	{"hostile hub", base + "hostile: {provider: hub, tamper: 0.1}\n",
		`s.yaml:11:21: hostile.provider: "hub" is not a follower provider of the scenario; allowed: f1`},
	{"hostile rate above 1", base + "hostile: {provider: f1, replay: 1.5}\n",
		`s.yaml:11:33: hostile.replay: must be a probability between 0 and 1, got 1.5`},
	{"hostile without provider", base + "hostile: {tamper: 0.1}\n",
		`s.yaml:11:1: hostile.provider: required: the name of the follower provider that turns hostile; allowed: f1`},
	{"hostile in sampled fidelity", base + "fidelity: sampled:1\nhostile: {provider: f1}\n",
		`s.yaml:12:1: hostile: needs fidelity full (modelled members hold no keys to refuse anything with), got sampled:1`},
	{"hostile hold_max zero", base + "hostile: {provider: f1, hold_max: 0s}\n",
		`s.yaml:11:35: hostile.hold_max: must be > 0 and at most 1m0s, got 0s (remove the field for the default 1s)`},
	{"churn boolean as word", base + "churn: {leave_rate: 0.1, rejoin: yes}\n",
		`s.yaml:11:34: churn.rejoin: must be true or false, got string "yes"`},
	{"hostile tamper negative", base + "hostile: {provider: f1, tamper: -0.1}\n",
		`s.yaml:11:33: hostile.tamper: must be a probability between 0 and 1, got -0.1`},
	{"hostile reorder above 1", base + "hostile: {provider: f1, reorder: 2}\n",
		`s.yaml:11:34: hostile.reorder: must be a probability between 0 and 1, got 2`},
	{"churn negative leave rate", base + "churn: {leave_rate: -1}\n",
		`s.yaml:11:21: churn.leave_rate: must be ≥ 0 and at most 100 per second, got -1`},
	{"churn self_leave above 1", base + "churn: {leave_rate: 0.1, self_leave: 1.5}\n",
		`s.yaml:11:38: churn.self_leave: must be a probability between 0 and 1, got 1.5`},
	{"churn without rates", base + "churn: {joiners: 2}\n",
		`s.yaml:11:1: churn: needs leave_rate or join_rate > 0 (remove the section for no churn)`},
	{"churn join without joiners", base + "churn: {join_rate: 0.5}\n",
		`s.yaml:11:20: churn.join_rate: nobody can join: give churn.joiners > 0, or rejoin: true with leave_rate > 0`},
	{"churn beyond the engine", edit("members: 4", "members: 6") + "engine: tinymls\nchurn: {leave_rate: 0.1, joiners: 3}\n",
		`s.yaml:12:35: churn.joiners: room.members + joiners = 9 exceeds the limit of engine tinymls, 8 members`},
	{"duplicate key", edit("members: 4", "members: 4\n  members: 5"),
		`s.yaml:8:3: room.members: duplicate key (first written at 7:3)`},
	{"second document", base + "---\nname: u\n",
		`s.yaml:12:1: a scenario file holds one YAML document; this is a second one`},
	{"YAML tag", edit("name: t", "name: !!str t"),
		`s.yaml:1:7: name: YAML tags such as !!str are not supported; write the plain value`},
	{"merge key", edit("  members: 4", "  <<: {members: 4}"),
		`s.yaml:7:3: room: merge keys (<<) are not supported; write the fields out`},
	{"alias without anchor", edit("members: 4", "members: *n"),
		`s.yaml:7:12: room.members: alias *n refers to no anchor &n written before it`},
	{"bare number duration", edit("duration: 60s", "duration: 60"),
		`s.yaml:2:11: duration: bare number 60 is not a duration; add a unit, e.g. "60ms" or "60s"`},
	{"quoted bare number duration", edit("duration: 60s", `duration: "0"`),
		`s.yaml:2:11: duration: bare number "0" is not a duration; add a unit, e.g. "0ms" or "0s"`},
	{"duration without valid unit", edit("duration: 60s", "duration: 60 seconds"),
		`s.yaml:2:11: duration: invalid duration "60 seconds"; write a number with a unit (ns, us, ms, s, m, h), e.g. "250ms", "1.5s" or "1m30s"`},
	{"negative latency", base + wifiLatency + "{kind: constant, value: -1ms}\n",
		`s.yaml:14:40: network.access.wifi.latency.value: negative duration "-1ms" is not allowed`},
	{"truncated YAML in flow mapping", "name: t\nduration: 60s\nproviders:\n  - {name: hub, role: hub, reg",
		`s.yaml:4:28: invalid YAML: could not find flow map content`},
	{"truncated YAML in quoted string", "name: t\ndescription: \"a room of",
		`s.yaml:2:14: invalid YAML: could not find end character of double-quoted text`},
	{"empty file", "",
		`s.yaml: file is empty; a scenario needs at least name, duration, providers, room and workload`},
	{"only comments", "# nothing here\n\n",
		`s.yaml: file is empty; a scenario needs at least name, duration, providers, room and workload`},
	{"top level is a list", "- name: t\n",
		`s.yaml:1:1: the top level must be a mapping with fields name, description, seed, duration, engine, fidelity, time_mode, network, providers, room, workload, commits, offline, call, hostile, churn, faults, attachments, sweep, got a list`},
	{"huge seed", base + "seed: 18446744073709551616\n",
		`s.yaml:11:7: seed: number 18446744073709551616 is out of range`},
	{"huge members", edit("members: 4", "members: 99999999999999999999"),
		`s.yaml:7:12: room.members: number 99999999999999999999 is out of range`},
	{"huge number", edit("rate_per_member: 0.5", "rate_per_member: 1e999"),
		`s.yaml:10:20: workload.rate_per_member: number 1e999 is out of range`},
	{"huge duration", edit("duration: 60s", "duration: 9999999999h"),
		`s.yaml:2:11: duration: duration "9999999999h" is out of range (at most 2562047h47m16.854775807s)`},
	{"not UTF-8", "name: \xff\n",
		`s.yaml: file is not valid UTF-8`},
	{"file too large", base + "description: " + strings.Repeat("x", MaxFileBytes) + "\n",
		`s.yaml: file is 65747 bytes; scenario files are limited to 65536 bytes`},

	{"flow collections nested too deeply", base + "description: " + strings.Repeat("[", 40) + "\n",
		`s.yaml:11:46: collections nest deeper than 32 levels`},
	{"block sequences nested too deeply", base + "network:\n  rtt:\n    " + strings.Repeat("- ", 40) + "x\n",
		`s.yaml:13:69: collections nest deeper than 32 levels`},

	{"many errors", base + "network:\n  rtt:\n" + strings.Repeat("    - {a: x, b: eu-west-1, ms: 1}\n", 21),
		manyRTTErrors()},
	{"missing required fields", "description: nothing else\n",
		lines(
			`s.yaml: name: required: a name of lowercase letters, digits and "-"`,
			`s.yaml: duration: required: the simulated measurement window after set-up, e.g. "60s"`,
			`s.yaml: providers: required: at least one provider, exactly one of them with role hub`,
			`s.yaml: room.members: required: the number of clients in the room, at least 2`,
			`s.yaml: workload.kind: required: one of poisson, script, ops`,
			`s.yaml: workload.rate_per_member: required: messages per second per member, > 0 and at most 1000`)},
	{"invalid name", edit("name: t", "name: Room_1"),
		`s.yaml:1:7: name: "Room_1" is not a valid name; use lowercase letters a-z, digits and "-"`},
	{"zero seed", base + "seed: 0\n",
		`s.yaml:11:7: seed: must be at least 1 (0 is reserved; remove the field to use the default 1)`},
	{"duration zero", edit("duration: 60s", "duration: 0s"),
		`s.yaml:2:11: duration: must be > 0 and at most 24h0m0s, got 0s`},
	{"duration over 24h", edit("duration: 60s", "duration: 25h"),
		`s.yaml:2:11: duration: must be > 0 and at most 24h0m0s, got 25h0m0s`},
	{"unknown engine", base + "engine: openmls\n",
		`s.yaml:11:9: engine: unknown engine "openmls"; allowed: gomls, tinymls`},
	{"empty engine", base + "engine: \"\"\n",
		`s.yaml:11:9: engine: must not be empty; allowed: gomls, tinymls`},
	{"sampled fidelity", base + "fidelity: sampled\n",
		`s.yaml:11:11: fidelity: "sampled" is not available; allowed: full, sampled:K (K ≥ 1 real members per provider), auto:K (full where the engine holds the room, else sampled:K)`},
	{"auto fidelity without K", base + "fidelity: auto:x\n",
		`s.yaml:11:11: fidelity: "auto:x": K must be a whole number ≥ 1`},
	{"auto fidelity of an unknown engine", base + "engine: openmls\nfidelity: auto:2\n",
		lines(`s.yaml:11:9: engine: unknown engine "openmls"; allowed: gomls, tinymls`,
			`s.yaml:12:11: fidelity: "auto:2" is resolved with the engine's limit, and the engine is unknown`)},
	{"sampled fidelity without K", base + "fidelity: sampled:0\n",
		`s.yaml:11:11: fidelity: "sampled:0": K must be a whole number ≥ 1`},
	{"sampled fidelity with more real members than the engine holds", edit("members: 4", "members: 50") + "engine: tinymls\nfidelity: sampled:5\n",
		`s.yaml:7:12: room.members: fidelity sampled:5 makes 10 members real, more than engine tinymls holds (8); lower K`},
	{"members over any limit", edit("members: 4", "members: 2000000") + "fidelity: sampled:1\n",
		`s.yaml:7:12: room.members: must be at most 1000000, got 2000000`},
	{"unknown time mode", base + "time_mode: fast\n",
		`s.yaml:11:12: time_mode: unknown time mode "fast"; allowed: calibrated, zero, measured`},
	{"zero providers", edit("providers:\n  - {name: hub, role: hub, region: eu-west-1}\n  - {name: f1, role: follower, region: us-east-1}", "providers: []"),
		`s.yaml:3:1: providers: must list at least one provider, exactly one of them with role hub`},
	{"no providers field", edit("providers:\n  - {name: hub, role: hub, region: eu-west-1}\n  - {name: f1, role: follower, region: us-east-1}\n", ""),
		`s.yaml: providers: required: at least one provider, exactly one of them with role hub`},
	{"two hubs", edit("role: follower", "role: hub"),
		`s.yaml:5:22: providers[1].role: a second hub: providers[0] ("hub") is already the hub; exactly one provider has role hub`},
	{"no hub", edit("role: hub", "role: follower"),
		`s.yaml:3:1: providers: no provider has role hub; exactly one must`},
	{"unknown role", edit("role: follower", "role: leaf"),
		`s.yaml:5:22: providers[1].role: unknown role "leaf"; allowed: hub, follower`},
	{"provider fields missing", edit("{name: f1, role: follower, region: us-east-1}", "{cores: 2}"),
		lines(
			`s.yaml:5:5: providers[1].name: required: a name of lowercase letters, digits and "-"`,
			`s.yaml:5:5: providers[1].role: required: one of hub, follower`,
			`s.yaml:5:5: providers[1].region: required: a region, one of eu-west-1, eu-central-1, us-east-1, us-west-2, ap-southeast-1, ap-northeast-1, sa-east-1`)},
	{"unknown region", edit("region: us-east-1", "region: mars-1"),
		`s.yaml:5:40: providers[1].region: unknown region "mars-1"; allowed: eu-west-1, eu-central-1, us-east-1, us-west-2, ap-southeast-1, ap-northeast-1, sa-east-1`},
	{"duplicate provider name", edit("name: f1", "name: hub"),
		`s.yaml:5:12: providers[1].name: duplicate provider name "hub" (also providers[0])`},
	{"zero cores", edit("region: us-east-1}", "region: us-east-1, cores: 0}"),
		`s.yaml:5:58: providers[1].cores: must be between 1 and 1024, got 0`},
	{"huge cores", edit("region: us-east-1}", "region: us-east-1, cores: 5000}"),
		`s.yaml:5:58: providers[1].cores: must be between 1 and 1024, got 5000`},
	{"zero request cost", edit("region: us-east-1}", "region: us-east-1, request_cost: 0s}"),
		`s.yaml:5:65: providers[1].request_cost: must be > 0 (time_mode: zero turns CPU costs off)`},
	{"too few members", edit("members: 4", "members: 1"),
		`s.yaml:7:12: room.members: must be at least 2, got 1`},
	{"members over engine limit", edit("members: 4", "members: 5000"),
		`s.yaml:7:12: room.members: 5000 exceeds the limit of engine gomls, 1000 members in full fidelity; use fidelity sampled:K for larger rooms`},
	{"members over small engine limit", edit("members: 4", "members: 9") + "engine: tinymls\n",
		`s.yaml:7:12: room.members: 9 exceeds the limit of engine tinymls, 8 members in full fidelity; use fidelity sampled:K for larger rooms`},
	{"placement sum mismatch", edit("members: 4", "members: 4\n  placement: [2, 1]"),
		`s.yaml:8:3: room.placement: sums to 3 but room.members is 4`},
	{"placement length mismatch", edit("members: 4", "members: 4\n  placement: [4]"),
		`s.yaml:8:3: room.placement: has 1 entry but there are 2 providers; give the members of each provider, in providers order`},
	{"placement negative", edit("members: 4", "members: 4\n  placement: [5, -1]"),
		`s.yaml:8:18: room.placement[1]: must be ≥ 0, got -1`},
	{"access shares not summing to 1", edit("members: 4", "members: 4\n  access: {wifi: 0.5, lte: 0.4}"),
		`s.yaml:8:3: room.access: shares sum to 0.9; they must sum to 1 (±1e-09)`},
	{"access share negative", edit("members: 4", "members: 4\n  access: {wifi: 1.5, lte: -0.5}"),
		`s.yaml:8:28: room.access.lte: share must be ≥ 0, got -0.5`},
	{"unknown access type in room", edit("members: 4", "members: 4\n  access: {satellite: 1}"),
		`s.yaml:8:12: room.access.satellite: unknown access type "satellite"; allowed: wired, wifi, lte, 5g`},
	{"empty access", edit("members: 4", "members: 4\n  access: {}"),
		`s.yaml:8:3: room.access: must give at least one access type with its share (remove the field to use the default {wifi: 1})`},
	{"unknown device", edit("members: 4", "members: 4\n  device: toaster"),
		`s.yaml:8:11: room.device: unknown device "toaster"; allowed: phone, laptop`},
	{"unknown access type in network", base + "network:\n  access:\n    dialup:\n      loss: 0.1\n",
		`s.yaml:13:5: network.access.dialup: unknown access type "dialup"; allowed: wired, wifi, lte, 5g`},
	{"dist without kind", base + wifiLatency + "{value: 1ms}\n",
		`s.yaml:14:7: network.access.wifi.latency.kind: required: one of constant, shifted_exponential, lognormal`},
	{"dist unknown kind", base + wifiLatency + "{kind: pareto, value: 1ms}\n",
		`s.yaml:14:23: network.access.wifi.latency.kind: unknown kind "pareto"; allowed: constant, shifted_exponential, lognormal`},
	{"dist missing parameter", base + wifiLatency + "{kind: shifted_exponential, min: 1ms}\n",
		`s.yaml:14:7: network.access.wifi.latency.mean: required by kind shifted_exponential, which takes min, mean`},
	{"dist extra parameter", base + wifiLatency + "{kind: constant, value: 1ms, sigma: 0.5}\n",
		`s.yaml:14:45: network.access.wifi.latency.sigma: not a parameter of kind constant, which takes value; remove it`},
	{"dist extra zero parameter", base + wifiLatency + "{kind: lognormal, median: 3ms, sigma: 0, min: 0s}\n",
		`s.yaml:14:57: network.access.wifi.latency.min: not a parameter of kind lognormal, which takes median, sigma; remove it`},
	{"dist zero mean", base + wifiLatency + "{kind: shifted_exponential, min: 1ms, mean: 0s}\n",
		`s.yaml:14:60: network.access.wifi.latency.mean: must be > 0, got 0s (use kind constant for a fixed latency)`},
	{"dist huge sigma", base + wifiLatency + "{kind: lognormal, median: 3ms, sigma: 50}\n",
		`s.yaml:14:54: network.access.wifi.latency.sigma: must be between 0 and 5, got 50`},
	{"access bandwidth and loss out of range", base + "network:\n  access:\n    lte:\n      uplink_mbps: -1\n      loss: 0.6\n",
		lines(
			`s.yaml:14:20: network.access.lte.uplink_mbps: must be > 0 (Mbit/s), or 0 for unlimited, got -1`,
			`s.yaml:15:13: network.access.lte.loss: must be a probability between 0 and 0.5, got 0.6`)},
	{"network loss out of range", base + "network:\n  loss: 0.7\n",
		`s.yaml:12:9: network.loss: must be a probability between 0 and 0.5, got 0.7`},
	{"zero retransmit timeout", base + "network:\n  retransmit_timeout: 0ms\n",
		`s.yaml:12:23: network.retransmit_timeout: must be > 0`},
	{"rtt unknown region and negative ms", base + "network:\n  rtt:\n    - {a: eu-west-1, b: moon-1, ms: -5}\n",
		lines(
			`s.yaml:13:25: network.rtt[0].b: unknown region "moon-1"; allowed: eu-west-1, eu-central-1, us-east-1, us-west-2, ap-southeast-1, ap-northeast-1, sa-east-1`,
			`s.yaml:13:37: network.rtt[0].ms: must be between 0 and 60000, got -5`)},
	{"rtt duplicate pair", base + "network:\n  rtt:\n    - {a: eu-west-1, b: us-east-1, ms: 70}\n    - {a: us-east-1, b: eu-west-1, ms: 80}\n",
		`s.yaml:14:7: network.rtt[1]: duplicate RTT override for us-east-1 and eu-west-1 (also network.rtt[0])`},
	{"rtt missing fields", base + "network:\n  rtt:\n    - {a: eu-west-1}\n",
		lines(
			`s.yaml:13:7: network.rtt[0].b: required: a region, one of eu-west-1, eu-central-1, us-east-1, us-west-2, ap-southeast-1, ap-northeast-1, sa-east-1`,
			`s.yaml:13:7: network.rtt[0].ms: required: the round-trip time in milliseconds`)},
	{"ops workload: unknown op", edit("kind: poisson\n  rate_per_member: 0.5", "kind: ops\n  ops: [update, jump]\n  gap: 10s"),
		`s.yaml:10:17: workload.ops[1]: unknown operation "jump"; allowed: update, message, remove, add`},
	{"ops workload: no ops or gap, and a rate", edit("kind: poisson", "kind: ops"),
		lines(`s.yaml:8:1: workload.ops: required: a list of 1 to 1000 operations, each one of update, message, remove, add`,
			`s.yaml:8:1: workload.gap: required: the time between operations, e.g. "10s"`,
			`s.yaml:10:20: workload.rate_per_member: workload kind ops sends only its ops; remove rate_per_member`)},
	{"ops workload longer than the window", edit("kind: poisson\n  rate_per_member: 0.5", "kind: ops\n  ops: [update, message, update]\n  gap: 30s"),
		`s.yaml:11:8: workload.gap: 3 operations 30s apart take 1m30s, longer than duration 1m0s`},
	{"ops workload with commits", edit("kind: poisson\n  rate_per_member: 0.5", "kind: ops\n  ops: [update]\n  gap: 1s") + "commits: {committers: 2, rate: 1}\n",
		`s.yaml:12:1: commits: workload kind ops measures each operation alone; remove commits`},
	{"unknown workload kind", edit("kind: poisson", "kind: bursty"),
		`s.yaml:9:9: workload.kind: unknown workload kind "bursty"; allowed: poisson, script, ops`},
	{"rate zero", edit("rate_per_member: 0.5", "rate_per_member: 0"),
		`s.yaml:10:20: workload.rate_per_member: must be > 0 and at most 1000 messages per second, got 0`},
	{"rate huge", edit("rate_per_member: 0.5", "rate_per_member: 1e6"),
		`s.yaml:10:20: workload.rate_per_member: must be > 0 and at most 1000 messages per second, got 1e+06`},
	{"payload zero", edit("rate_per_member: 0.5", "rate_per_member: 0.5\n  payload_bytes: 0"),
		`s.yaml:11:18: workload.payload_bytes: must be between 1 and 1048576, got 0`},
	{"payload huge", edit("rate_per_member: 0.5", "rate_per_member: 0.5\n  payload_bytes: 2000000"),
		`s.yaml:11:18: workload.payload_bytes: must be between 1 and 1048576, got 2000000`},
	{"several errors in document order", edit("region: us-east-1", "region: mars-1", "members: 4", "members: 1") + "seed: 0\n",
		lines(
			`s.yaml:5:40: providers[1].region: unknown region "mars-1"; allowed: eu-west-1, eu-central-1, us-east-1, us-west-2, ap-southeast-1, ap-northeast-1, sa-east-1`,
			`s.yaml:7:12: room.members: must be at least 2, got 1`,
			`s.yaml:11:7: seed: must be at least 1 (0 is reserved; remove the field to use the default 1)`)},
}

func TestParseErrors(t *testing.T) {
	tests := parseErrorCases
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("s.yaml", []byte(tc.yaml), testLimits())
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want error:\n%s", s, tc.want)
			}
			if s != nil {
				t.Errorf("Parse returned a scenario with its error")
			}
			if *printErrors {
				fmt.Printf("%s\n\t%q\n", tc.name, err.Error())
				return
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error:\n got: %s\nwant: %s", got, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error %T is not an *Error", err)
			}
		})
	}
}

// fidelity auto:K is full fidelity where the engine holds the room, sampled:K beyond.
func TestAutoFidelity(t *testing.T) {
	for _, c := range []struct {
		engine  string
		members int
		want    string
	}{{"tinymls", 8, "full"}, {"tinymls", 9, "sampled:3"}, {"gomls", 1000, "full"}, {"gomls", 1001, "sampled:3"}} {
		src := edit("members: 4", fmt.Sprintf("members: %d", c.members)) + "engine: " + c.engine + "\nfidelity: auto:3\n"
		s, err := Parse("s.yaml", []byte(src), testLimits())
		if err != nil {
			t.Fatalf("%s with %d members: %v", c.engine, c.members, err)
		}
		if s.Fidelity != c.want {
			t.Errorf("%s with %d members: fidelity %s, want %s", c.engine, c.members, s.Fidelity, c.want)
		}
	}
}
