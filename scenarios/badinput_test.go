package scenarios

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// badCase is a bad scenario file (s.yaml) and the exact error Parse gives for it.
type badCase struct {
	name string
	yaml string
	want string
}

// allBadCases are the rows of every table of bad scenario files.
func allBadCases() []badCase {
	return slices.Concat(parseErrorCases, workloadErrorCases, sweepErrorCases, hostileInputCases, faultsBadCases, scriptErrorCases)
}

// fieldPaths returns the path of every field of the format, as TestFormatDocListsEveryField
// walks them: list entries as [i], map keys as <type> (sweep.quick's keys as <field>).
func fieldPaths() []string {
	var out []string
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		switch typ.Kind() {
		case reflect.Pointer:
			walk(prefix, typ.Elem())
		case reflect.Slice:
			walk(prefix+"[i]", typ.Elem())
		case reflect.Map:
			walk(prefix+".<type>", typ.Elem())
		case reflect.Struct:
			if typ == durationType {
				return
			}
			for _, f := range fieldsOf(typ) {
				path := joinPath(prefix, f.name)
				if strings.HasPrefix(f.name, "<") {
					path = prefix + "." + f.name
				}
				out = append(out, path)
				walk(path, typ.Field(f.index).Type)
			}
		}
	}
	walk("", reflect.TypeFor[Scenario]())
	return out
}

var (
	errorField = regexp.MustCompile(`^s\.yaml(?::\d+:\d+)?: ([^ :]+): `)
	listIndex  = regexp.MustCompile(`\[\d+\]`)
	mapKey     = regexp.MustCompile(`^(network\.access|room\.access)\.[a-z0-9_]+`)
	quickKey   = regexp.MustCompile(`^sweep\.quick\["[^"]+"\]`)
)

// normalizePath turns the field of an error into the form fieldPaths gives.
func normalizePath(p string) string {
	p = listIndex.ReplaceAllString(p, "[i]")
	p = mapKey.ReplaceAllString(p, "$1.<type>")
	return quickKey.ReplaceAllString(p, "sweep.quick.<field>")
}

// Every field of scenarios.Scenario, at every level, has at least one row in the tables of bad
// scenario files whose error names it. A new field fails this test until it gets a bad-value
// row (in parseErrorCases, workloadErrorCases, sweepErrorCases or hostileInputCases).
func TestBadValuesCoverEveryField(t *testing.T) {
	named := map[string]bool{}
	for _, tc := range allBadCases() {
		for _, line := range strings.Split(tc.want, "\n") {
			if m := errorField.FindStringSubmatch(line); m != nil {
				named[normalizePath(m[1])] = true
			}
		}
	}
	for _, p := range fieldPaths() {
		if !named[p] {
			t.Errorf("no bad-value row names field %s", p)
		}
	}
}

// hostileInputCases are the rows that cover the fields the other tables left out, and input
// meant to break the reader: wrong types in every section, overflowing numbers, sizes.
var hostileInputCases = []badCase{
	// Wrong types and impossible values of the fields no other table covers.
	{"description not a string", base + "description: [a, b]\n",
		`s.yaml:11:14: description: must be a string, got a list`},
	{"network not a mapping", base + "network: 5\n",
		`s.yaml:11:10: network: must be a mapping with fields rtt, access, loss, retransmit_timeout, got integer 5`},
	{"rtt not a list", base + "network:\n  rtt: {a: eu-west-1}\n",
		`s.yaml:12:8: network.rtt: must be a list, got a mapping`},
	{"network access not a mapping", base + "network:\n  access: [wifi]\n",
		`s.yaml:12:11: network.access: must be a mapping, got a list`},
	{"latency not a mapping", base + wifiLatency + "5ms\n",
		`s.yaml:14:16: network.access.wifi.latency: must be a mapping with fields kind, value, min, mean, median, sigma, got string "5ms"`},
	{"zero lognormal median", base + wifiLatency + "{kind: lognormal, median: 0s, sigma: 0.5}\n",
		`s.yaml:14:42: network.access.wifi.latency.median: must be > 0, got 0s`},
	{"negative downlink", base + "network:\n  access:\n    lte:\n      downlink_mbps: -3\n",
		`s.yaml:14:22: network.access.lte.downlink_mbps: must be > 0 (Mbit/s), or 0 for unlimited, got -3`},
	{"zero byte cost", edit("region: us-east-1}", "region: us-east-1, byte_cost_per_kib: 0s}"),
		`s.yaml:5:70: providers[1].byte_cost_per_kib: must be > 0 (time_mode: zero turns CPU costs off)`},
	{"workload not a mapping", edit("workload:\n  kind: poisson\n  rate_per_member: 0.5\n", "workload: poisson\n"),
		`s.yaml:8:11: workload: must be a mapping with fields kind, rate_per_member, payload_bytes, commits, messages, senders, gap, ops, got string "poisson"`},
	{"attachments not a mapping", base + "attachments: [image]\n",
		`s.yaml:11:14: attachments: must be a mapping with fields download, kinds, got a list`},
	{"offline not a mapping", base + "offline: [0.1]\n",
		`s.yaml:11:10: offline: must be a mapping with fields share, reconnect, got a list`},
	{"negative reconnect value", base + "offline: {share: 0.1, reconnect: {kind: constant, value: -1s}}\n",
		`s.yaml:11:58: offline.reconnect.value: negative duration "-1s" is not allowed`},
	{"bare number reconnect min", base + "offline: {share: 0.1, reconnect: {kind: shifted_exponential, min: 5, mean: 1s}}\n",
		`s.yaml:11:67: offline.reconnect.min: bare number 5 is not a duration; add a unit, e.g. "5ms" or "5s"`},
	{"negative reconnect sigma", base + "offline: {share: 0.1, reconnect: {kind: lognormal, median: 1s, sigma: -1}}\n",
		`s.yaml:11:71: offline.reconnect.sigma: must be between 0 and 5, got -1`},
	{"quick value of the wrong type", sweepBase("  axes:\n    - {field: room.members, values: [2, 4]}\n  quick: {room.members: [2.5]}\n"),
		`s.yaml:14:26: sweep.quick["room.members"][0]: must be an integer, got number 2.5`},
	{"quick names an axis not swept", sweepBase("  axes:\n    - {field: room.members, values: [2, 4]}\n  quick: {network.loss: [0.1]}\n"),
		`s.yaml:14:11: sweep.quick["network.loss"]: not an axis of this sweep; quick may give values of room.members and replications`},

	// Input meant to break the reader.
	{"duplicate section", base + "room:\n  members: 3\n",
		`s.yaml:11:1: room: duplicate key (first written at 6:1)`},
	{"not a number", edit("rate_per_member: 0.5", "rate_per_member: .nan"),
		`s.yaml:10:20: workload.rate_per_member: must be a finite number, got .nan`},
	{"overflowing cores", edit("region: us-east-1}", "region: us-east-1, cores: 1e400}"),
		`s.yaml:5:58: providers[1].cores: number 1e400 is out of range`},
	{"overflowing placement", edit("members: 4", "members: 4\n  placement: [9223372036854775807, 9223372036854775807]"),
		`s.yaml:8:3: room.placement: sums to more than 9223372036854775807 but room.members is 4`},
	{"overflowing replications", sweepBase("  replications: 99999999999999999999999\n  axes:\n    - {field: room.members, values: [2]}\n"),
		`s.yaml:12:17: sweep.replications: number 99999999999999999999999 is out of range`},
	{"huge replications", sweepBase("  replications: 1001\n  axes:\n    - {field: room.members, values: [2]}\n"),
		`s.yaml:12:17: sweep.replications: must be between 1 and 1000, got 1001`},
	{"tab indentation", strings.Replace(base, "  members: 4", "\tmembers: 4", 1),
		"s.yaml:7:1: invalid YAML: found character '\t' that cannot start any token"},
	{"truncated in a list", base + "network:\n  rtt:\n    - [",
		`s.yaml:13:7: invalid YAML: sequence end token ']' not found`},
	{"unknown section with suggestion", base + "ofline: {share: 0.1}\n",
		`s.yaml:11:1: ofline: unknown field (did you mean "offline"?); allowed at the top level: name, description, seed, duration, engine, fidelity, time_mode, network, providers, room, workload, commits, offline, call, hostile, churn, faults, attachments, sweep`},
	{"file just over the limit", base + "description: \"" + strings.Repeat("x", MaxFileBytes-len(base)-15) + "\"\n",
		`s.yaml: file is 65537 bytes; scenario files are limited to 65536 bytes`},
}

func TestParseHostileInput(t *testing.T) {
	for _, tc := range hostileInputCases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("s.yaml", []byte(tc.yaml), testLimits())
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want error:\n%s", s, tc.want)
			}
			if *printErrors {
				t.Logf("%s\n%q", tc.name, err.Error())
				return
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error:\n got: %s\nwant: %s", got, tc.want)
			}
		})
	}
}
