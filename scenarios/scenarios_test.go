package scenarios

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

func TestParseAppliesDocumentedDefaults(t *testing.T) {
	s, err := Parse("s.yaml", []byte(base), testLimits())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field     string
		got, want any
	}{
		{"seed", s.Seed, uint64(1)},
		{"engine", s.Engine, "gomls"},
		{"fidelity", s.Fidelity, "full"},
		{"time_mode", s.TimeMode, "calibrated"},
		{"network.rtt", s.Network.RTT, []RTTEntry(nil)},
		{"network.access", s.Network.Access, map[string]Access(nil)},
		{"network.loss", s.Network.Loss, 0.0},
		{"network.retransmit_timeout", s.Network.RetransmitTimeout, Duration(200 * time.Millisecond)},
		{"providers[0].cores", s.Providers[0].Cores, 4},
		{"providers[1].cores", s.Providers[1].Cores, 4},
		{"providers[0].request_cost", s.Providers[0].RequestCost, Duration(50 * time.Microsecond)},
		{"providers[1].byte_cost_per_kib", s.Providers[1].ByteCost, Duration(2 * time.Microsecond)},
		{"room.placement", s.Room.Placement, []int{2, 2}},
		{"room.access", s.Room.Access, map[string]float64{"wifi": 1}},
		{"room.device", s.Room.Device, "phone"},
		{"workload.payload_bytes", s.Workload.PayloadBytes, 100},
		// Written values stay as written.
		{"name", s.Name, "t"},
		{"duration", s.Duration, Duration(time.Minute)},
		{"room.members", s.Room.Members, 4},
		{"workload.rate_per_member", s.Workload.RatePerMember, 0.5},
	}
	for _, tc := range tests {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.field, tc.got, tc.want)
		}
	}
}

func TestEmbeddedDefault(t *testing.T) {
	if got, want := Embedded(), []string{"bigroom", "callsetup", "callsetup-large", "contention", "contention-rtt", "default", "dma-phases", "fanout", "fanout-load", "fanout-size", "fanout-topology", "faults", "groupsize", "hostile"}; !slices.Equal(got, want) {
		t.Fatalf("Embedded() = %q, want %q", got, want)
	}
	s, raw, err := LoadEmbedded("default", testLimits())
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile("files/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != string(onDisk) {
		t.Errorf("LoadEmbedded returned bytes that differ from files/default.yaml")
	}
	us := Duration(time.Microsecond)
	want := &Scenario{
		Name: "default",
		Description: "One room of 32 phone clients over a hub in Europe and followers in the US and " +
			"Asia-Pacific, on mixed wifi/LTE/5G access, each sending 0.05 messages per second.",
		Seed:     1,
		Duration: Duration(60 * time.Second),
		Engine:   "gomls",
		Fidelity: "full",
		TimeMode: "calibrated",
		Network:  Network{Loss: 0, RetransmitTimeout: Duration(200 * time.Millisecond)},
		Providers: []Provider{
			{Name: "hub-eu", Role: "hub", Region: "eu-west-1", Cores: 4, RequestCost: 50 * us, ByteCost: 2 * us},
			{Name: "prov-us", Role: "follower", Region: "us-east-1", Cores: 4, RequestCost: 50 * us, ByteCost: 2 * us},
			{Name: "prov-ap", Role: "follower", Region: "ap-southeast-1", Cores: 4, RequestCost: 50 * us, ByteCost: 2 * us},
		},
		Room: Room{
			Members:   32,
			Placement: []int{11, 11, 10},
			Access:    map[string]float64{"wifi": 0.6, "lte": 0.3, "5g": 0.1},
			Device:    "phone",
		},
		Workload: Workload{Kind: "poisson", RatePerMember: 0.05, PayloadBytes: 100},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("default scenario:\n got %+v\nwant %+v", s, want)
	}
	// The file promises about 96 messages in the measurement window.
	if n := float64(s.Room.Members) * s.Workload.RatePerMember * s.Duration.D().Seconds(); math.Abs(n-96) > 1e-9 {
		t.Errorf("expected messages = %g, want 96", n)
	}
	// Writing out every default must not change the scenario.
	c := *s
	c.Defaults()
	if !reflect.DeepEqual(&c, s) {
		t.Errorf("Defaults changed the parsed default scenario")
	}
}

// Every line of the embedded default and hostile scenarios that sets a field carries a comment.
func TestDefaultFileIsCommented(t *testing.T) {
	for _, name := range []string{"files/default.yaml", "files/hostile.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(string(data), "\n") {
			trim := strings.TrimSpace(l)
			if trim == "" || strings.HasPrefix(trim, "#") || !strings.Contains(trim, ":") {
				continue // blank, comment, or continued text
			}
			if !strings.Contains(l, " # ") && !strings.HasPrefix(strings.TrimPrefix(trim, "- "), "role:") &&
				!isShareLine(trim) {
				t.Errorf("%s:%d: field without a comment: %s", name, i+1, trim)
			}
		}
	}
}

// Lines that the comment on the line above them covers.
func isShareLine(l string) bool {
	for _, p := range []string{"wifi:", "lte:", "5g:"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

func TestLoadEmbeddedUnknown(t *testing.T) {
	_, _, err := LoadEmbedded("../default", testLimits())
	if err == nil || err.Error() != `unknown embedded scenario "../default"; available: bigroom, callsetup, callsetup-large, contention, contention-rtt, default, dma-phases, fanout, fanout-load, fanout-size, fanout-topology, faults, groupsize, hostile` {
		t.Errorf("LoadEmbedded: err = %v", err)
	}
}

func TestLoadEmbeddedReportsLimits(t *testing.T) {
	lim := testLimits()
	lim.Engines = map[string]int{"gomls": 16}
	_, _, err := LoadEmbedded("default", lim)
	want := "embedded/default.yaml:48:12: room.members: 32 exceeds the limit of engine gomls, 16 members in full fidelity; use fidelity sampled:K for larger rooms"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(edit("members: 4", "members: 1")), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := Load(good, testLimits()); err != nil || s.Name != "t" {
		t.Errorf("Load(good) = %+v, %v", s, err)
	}
	_, err := Load(bad, testLimits())
	if want := bad + ":7:12: room.members: must be at least 2, got 1"; err == nil || err.Error() != want {
		t.Errorf("Load(bad): err = %v, want %s", err, want)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml"), testLimits()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing): err = %v, want fs.ErrNotExist", err)
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		check func(s *Scenario) bool
	}{
		{"constant latency", base + wifiLatency + "{kind: constant, value: 0s}\n", func(s *Scenario) bool {
			return *s.Network.Access["wifi"].Latency == Dist{Kind: "constant"}
		}},
		{"shifted exponential latency", base + wifiLatency + "{kind: shifted_exponential, min: 2ms, mean: 1.5ms}\n", func(s *Scenario) bool {
			return *s.Network.Access["wifi"].Latency == Dist{Kind: "shifted_exponential", Min: Duration(2 * time.Millisecond), Mean: Duration(1500 * time.Microsecond)}
		}},
		{"lognormal latency with zero sigma", base + wifiLatency + "{kind: lognormal, median: 30ms, sigma: 0}\n", func(s *Scenario) bool {
			return *s.Network.Access["wifi"].Latency == Dist{Kind: "lognormal", Median: Duration(30 * time.Millisecond)}
		}},
		{"partial access override", base + "network:\n  access:\n    5g:\n      uplink_mbps: 0\n      loss: 0.01\n", func(s *Scenario) bool {
			a := s.Network.Access["5g"]
			return a.Latency == nil && a.DownlinkMbps == nil && *a.UplinkMbps == 0 && *a.Loss == 0.01
		}},
		{"rtt overrides", base + "network:\n  rtt:\n    - {a: eu-west-1, b: us-east-1, ms: 71.5}\n    - {a: sa-east-1, b: sa-east-1, ms: 0}\n", func(s *Scenario) bool {
			return slices.Equal(s.Network.RTT, []RTTEntry{{"eu-west-1", "us-east-1", 71.5}, {"sa-east-1", "sa-east-1", 0}})
		}},
		{"explicit placement with an empty hub", edit("members: 4", "members: 4\n  placement: [0, 4]"), func(s *Scenario) bool {
			return slices.Equal(s.Room.Placement, []int{0, 4})
		}},
		{"shares within tolerance", edit("members: 4", "members: 4\n  access: {wifi: 0.1, lte: 0.2, 5g: 0.3, wired: 0.4}"), func(s *Scenario) bool {
			return len(s.Room.Access) == 4
		}},
		{"anchors and aliases", edit("members: 4", "members: &n 4\n  placement: [*n, 0]"), func(s *Scenario) bool {
			return s.Room.Members == 4 && slices.Equal(s.Room.Placement, []int{4, 0})
		}},
		{"integer for a float field and large seed", edit("rate_per_member: 0.5", "rate_per_member: 2") + "seed: 18446744073709551615\n", func(s *Scenario) bool {
			return s.Workload.RatePerMember == 2 && s.Seed == math.MaxUint64
		}},
		{"exponent number", edit("rate_per_member: 0.5", "rate_per_member: 1e2"), func(s *Scenario) bool {
			return s.Workload.RatePerMember == 100
		}},
		{"quoted and block strings", edit("name: t", `name: "t"`) + "description: |\n  two\n  lines\n", func(s *Scenario) bool {
			return s.Name == "t" && s.Description == "two\nlines\n"
		}},
		{"zero time mode and explicit options", base + "time_mode: zero\nengine: tinymls\nseed: 42\n", func(s *Scenario) bool {
			return s.TimeMode == "zero" && s.Engine == "tinymls" && s.Seed == 42
		}},
		{"measured time mode", base + "time_mode: measured\n", func(s *Scenario) bool {
			return s.TimeMode == "measured"
		}},
		{"compound duration and document markers", "---\n" + edit("duration: 60s", "duration: 1h2m3.5s") + "...\n", func(s *Scenario) bool {
			return s.Duration == Duration(time.Hour+2*time.Minute+3500*time.Millisecond)
		}},
		{"duration at the 24h limit", edit("duration: 60s", "duration: 24h"), func(s *Scenario) bool {
			return s.Duration == MaxDuration
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("s.yaml", []byte(tc.yaml), testLimits())
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(s) {
				t.Errorf("unexpected result: %+v", s)
			}
			if err := s.Validate(testLimits()); err != nil {
				t.Errorf("Validate after Parse: %v", err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	valid := func() *Scenario {
		s := &Scenario{
			Name:      "v",
			Duration:  Duration(time.Second),
			Providers: []Provider{{Name: "h", Role: "hub", Region: "eu-west-1"}, {Name: "f", Role: "follower", Region: "sa-east-1"}},
			Room:      Room{Members: 3},
			Workload:  Workload{Kind: "poisson", RatePerMember: 1},
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
		{"empty name", func(s *Scenario) { s.Name = "" }, `name: "" is not a valid name; use lowercase letters a-z, digits and "-"`},
		{"zero seed", func(s *Scenario) { s.Seed = 0 }, "seed: must be at least 1"},
		{"negative duration", func(s *Scenario) { s.Duration = -1 }, "duration: must be > 0 and at most 24h0m0s, got -1ns"},
		{"members changed without placement reset", func(s *Scenario) { s.Room.Members = 5 }, "room.placement: sums to 3 but room.members is 5"},
		{"members changed with placement reset", func(s *Scenario) { s.Room.Members = 5; s.Room.Placement = nil; s.Defaults() }, ""},
		{"dist parameter of another kind", func(s *Scenario) {
			s.Network.Access = map[string]Access{"lte": {Latency: &Dist{Kind: "constant", Value: 1, Sigma: 1}}}
		}, "network.access.lte.latency.sigma: not a parameter of kind constant, which takes value; remove it"},
		{"negative dist value", func(s *Scenario) {
			s.Network.Access = map[string]Access{"lte": {Latency: &Dist{Kind: "constant", Value: -1}}}
		}, "network.access.lte.latency.value: must be ≥ 0, got -1ns"},
		{"NaN share", func(s *Scenario) { s.Room.Access = map[string]float64{"wifi": math.NaN()} }, "room.access.wifi: share must be ≥ 0, got NaN"},
		{"errors in check order", func(s *Scenario) { s.Providers[1].Role = "hub"; s.Workload.PayloadBytes = -1 },
			lines(`providers[1].role: a second hub: providers[0] ("h") is already the hub; exactly one provider has role hub`,
				"workload.payload_bytes: must be between 1 and 1048576, got -1")},
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

func TestErrorString(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "f.yaml", Field: "room.members", Line: 3, Column: 12, Msg: "bad"}, "f.yaml:3:12: room.members: bad"},
		{Error{File: "f.yaml", Field: "duration", Msg: "required"}, "f.yaml: duration: required"},
		{Error{File: "f.yaml", Line: 1, Column: 4, Msg: "invalid YAML"}, "f.yaml:1:4: invalid YAML"},
		{Error{Field: "seed", Msg: "must be at least 1"}, "seed: must be at least 1"},
		{Error{Field: "seed", Line: 2, Column: 7, Msg: "x"}, "2:7: seed: x"},
		{Error{Msg: "only a message"}, "only a message"},
	}
	for _, tc := range tests {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v.Error() = %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestErrorsAsFindsEachError(t *testing.T) {
	_, err := Parse("s.yaml", []byte(edit("members: 4", "members: 1")+"seed: 0\n"), testLimits())
	var all []*Error
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var se *Error
		if !errors.As(e, &se) {
			t.Fatalf("%T is not an *Error", e)
		}
		all = append(all, se)
	}
	if len(all) != 2 || all[0].Field != "room.members" || all[0].Line != 7 || all[1].Field != "seed" || all[1].Line != 11 {
		t.Errorf("errors = %+v %+v", all[0], all[1])
	}
}

func TestRoundRobin(t *testing.T) {
	tests := []struct {
		members, n int
		want       []int
	}{
		{32, 3, []int{11, 11, 10}},
		{4, 2, []int{2, 2}},
		{2, 3, []int{1, 1, 0}},
		{0, 2, []int{0, 0}},
		{5, 1, []int{5}},
		{5, 0, nil},
		{-1, 2, nil},
	}
	for _, tc := range tests {
		if got := RoundRobin(tc.members, tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("RoundRobin(%d, %d) = %v, want %v", tc.members, tc.n, got, tc.want)
		}
	}
}

func TestDurationYAML(t *testing.T) {
	tests := []struct {
		d    Duration
		want string
	}{
		{Duration(1500 * time.Microsecond), "d: 1.5ms\n"},
		{Duration(time.Minute), "d: 1m0s\n"},
		{0, "d: 0s\n"},
	}
	for _, tc := range tests {
		out, err := yaml.Marshal(struct {
			D Duration `yaml:"d"`
		}{tc.d})
		if err != nil || string(out) != tc.want {
			t.Errorf("Marshal(%d) = %q, %v; want %q", tc.d, out, err, tc.want)
		}
		// What Marshal writes, Parse reads back.
		s, err := Parse("s.yaml", []byte(edit("duration: 60s", "duration: "+tc.d.String())), testLimits())
		if tc.d > 0 && (err != nil || s.Duration != tc.d) {
			t.Errorf("Parse(%s) = %v, %v", tc.d, s, err)
		}
	}
}

// Every field of the format appears, by its full YAML path, in docs/scenario-format.md.
func TestFormatDocListsEveryField(t *testing.T) {
	doc, err := os.ReadFile("../docs/scenario-format.md")
	if err != nil {
		t.Fatal(err)
	}
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
					path = prefix + "." + f.name // a placeholder for keys, such as sweep.quick.<field>
				}
				if !strings.Contains(string(doc), "`"+path+"`") {
					t.Errorf("docs/scenario-format.md does not document `%s`", path)
				}
				walk(path, typ.Field(f.index).Type)
			}
		}
	}
	walk("", reflect.TypeFor[Scenario]())
}

// Every prefix of a valid file is either a valid scenario or gives *Error values, never a
// panic; and whatever Parse accepts, Validate accepts.
func TestParseTruncated(t *testing.T) {
	data, err := os.ReadFile("files/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(data) + 1 {
		checkParse(t, data[:n])
	}
}

func checkParse(t *testing.T, data []byte) {
	t.Helper()
	s, err := Parse("f.yaml", data, testLimits())
	if (s == nil) == (err == nil) {
		t.Fatalf("Parse(%q) = %v, %v: want exactly one of them", data, s, err)
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || e.File != "f.yaml" {
			t.Fatalf("Parse(%q): error %v is not an *Error naming the file", data, err)
		}
		return
	}
	if err := s.Validate(testLimits()); err != nil {
		t.Fatalf("Parse(%q) accepted what Validate rejects: %v", data, err)
	}
}

func FuzzParse(f *testing.F) {
	data, err := os.ReadFile("files/default.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	sweep, err := os.ReadFile("files/fanout-size.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sweep)
	for _, name := range []string{"contention", "fanout", "callsetup", "faults", "dma-phases", "fanout-load", "fanout-topology", "contention-rtt", "callsetup-large"} {
		data, err := os.ReadFile("files/" + name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(base))
	f.Add([]byte(base + wifiLatency + "{kind: lognormal, median: 3ms, sigma: 0.5}\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("[[[[[[[[[["))
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, data) })
}
