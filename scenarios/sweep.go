package scenarios

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sweep declares a parameter sweep: the scenario runs once per point of the cartesian product of
// the Axes' values and per replication, each run (a job) with its own seed (see JobSeed).
type Sweep struct {
	// Replications is how many times each parameter point runs, each time with another seed;
	// default 1, at most MaxReplications.
	Replications int `yaml:"replications"`
	// Axes are the swept fields. The points are the cartesian product of their values, in
	// order, the first axis varying slowest. A sweep may have no axes (replications only).
	Axes []Axis `yaml:"axes"`
	// Quick is what Expand(true) (mimisim sweep --quick) runs. Nil means the first two values
	// of each axis and DefaultQuickReplications replications.
	Quick *Quick `yaml:"quick"`
	// Series, when set, is the field of an axis other than the first whose values become the
	// lines of extra comparison figures (one per metric and group): e.g. "engine" draws every
	// engine's curve against the first axis in one figure. Optional.
	Series string `yaml:"series"`
}

// Axis is one swept field and the values it takes.
type Axis struct {
	// Field is the path of a sweepable field, e.g. "room.members" or "providers[1].region";
	// SweepFields lists them.
	Field string `yaml:"field"`
	// Values are the values the field takes, at least one, at most MaxAxisValues, no two
	// equal. Each is an int, a float64, a string or a Duration and must suit the field's
	// type with the file format's rules: an integer field takes an int; a number field an int
	// or a float64; a text field a string; a duration field a Duration or a string with a
	// unit such as "30s". Parse stores integers as int, other numbers as float64 and text
	// (durations included) as string.
	Values []any `yaml:"values"`
}

// Quick is the smaller sweep that mimisim sweep --quick runs instead of the full one.
type Quick struct {
	// Replications replaces Sweep.Replications; default DefaultQuickReplications.
	Replications int `yaml:"replications"`
	// Values replaces the values of some axes, by axis field; an axis not named here runs its
	// first two values (or its only one). In a file the axis fields are the keys of quick
	// itself, beside replications: quick: {room.members: [2, 4], replications: 2}.
	Values map[string][]any `yaml:"<field>"`
}

// Param is one swept field of a point and its value, both as text: the axis field path and
// the value in canonical form (see Point).
type Param struct {
	Name  string
	Value string
}

// Point is one job of a sweep: one parameter point and one replication of it.
type Point struct {
	// Index numbers the parameter points from 0 in expansion order (the cartesian product of
	// the axes' values, the first axis varying slowest). All replications of a point share it.
	Index int
	// Params are the point's values, one per axis, in axis order. Values are canonical:
	// integers in decimal, numbers as the shortest decimal that reads back exactly, durations
	// as Go formats them ("1m0s"), text as written.
	Params []Param
	// Scenario is the scenario of this job alone: a deep copy of the swept scenario with the
	// point's values applied, Seed set to the job's seed, and no Sweep. When room.members is
	// swept, room.placement is dealt round-robin again.
	Scenario *Scenario
	// Replication numbers the replications of a point from 0.
	Replication int
	// Seed is the job's seed, JobSeed(swept scenario's seed, Params, Replication).
	Seed uint64
}

// Sweep bounds and defaults.
const (
	DefaultReplications      = 1
	DefaultQuickReplications = 2
	// DefaultQuickValues is how many leading values of an axis a quick sweep runs when quick
	// does not name the axis.
	DefaultQuickValues = 2
	MaxReplications    = 1000
	MaxAxisValues      = 1000
	MaxSweepJobs       = 100_000
)

// Kinds of sweepable fields.
type fieldKind int

const (
	kindInteger fieldKind = iota
	kindNumber
	kindText
	kindDuration
)

// sweepField is a field that an axis may sweep.
type sweepField struct {
	path string // "room.members", or with "[i]" for the provider index: "providers[i].cores"
	kind fieldKind
	set  func(s *Scenario, i int, v any) // v is converted: int, float64, string or Duration
}

// sweepFields are the fields that may be swept, in the order the docs list them.
var sweepFields = []sweepField{
	{"duration", kindDuration, func(s *Scenario, _ int, v any) { s.Duration = v.(Duration) }},
	{"engine", kindText, func(s *Scenario, _ int, v any) { s.Engine = v.(string) }},
	{"fidelity", kindText, func(s *Scenario, _ int, v any) { s.Fidelity = v.(string) }},
	{"time_mode", kindText, func(s *Scenario, _ int, v any) { s.TimeMode = v.(string) }},
	{"network.loss", kindNumber, func(s *Scenario, _ int, v any) { s.Network.Loss = v.(float64) }},
	{"network.retransmit_timeout", kindDuration, func(s *Scenario, _ int, v any) { s.Network.RetransmitTimeout = v.(Duration) }},
	{"network.rtt[i].ms", kindNumber, func(s *Scenario, i int, v any) { s.Network.RTT[i].Ms = v.(float64) }},
	{"providers.count", kindInteger, func(s *Scenario, _ int, v any) {
		if n := v.(int); n < len(s.Providers) {
			s.Providers = s.Providers[:n] // 1 ≤ n: countsOK
		}
	}},
	{"providers[i].region", kindText, func(s *Scenario, i int, v any) { s.Providers[i].Region = v.(string) }},
	{"providers[i].cores", kindInteger, func(s *Scenario, i int, v any) { s.Providers[i].Cores = v.(int) }},
	{"providers[i].request_cost", kindDuration, func(s *Scenario, i int, v any) { s.Providers[i].RequestCost = v.(Duration) }},
	{"providers[i].byte_cost_per_kib", kindDuration, func(s *Scenario, i int, v any) { s.Providers[i].ByteCost = v.(Duration) }},
	{"providers[i].batch_window", kindDuration, func(s *Scenario, i int, v any) { s.Providers[i].BatchWindow = v.(Duration) }},
	{"providers[i].batch_max", kindInteger, func(s *Scenario, i int, v any) { s.Providers[i].BatchMax = v.(int) }},
	{"room.members", kindInteger, func(s *Scenario, _ int, v any) { s.Room.Members = v.(int) }},
	{"room.access", kindText, func(s *Scenario, _ int, v any) { s.Room.Access = map[string]float64{v.(string): 1} }},
	{"room.device", kindText, func(s *Scenario, _ int, v any) { s.Room.Device = v.(string) }},
	{"workload.rate_per_member", kindNumber, func(s *Scenario, _ int, v any) { s.Workload.RatePerMember = v.(float64) }},
	{"workload.payload_bytes", kindInteger, func(s *Scenario, _ int, v any) { s.Workload.PayloadBytes = v.(int) }},
	{"commits.committers", kindInteger, func(s *Scenario, _ int, v any) { s.Commits.Committers = v.(int) }},
	{"commits.rate", kindNumber, func(s *Scenario, _ int, v any) { s.Commits.Rate = v.(float64) }},
	{"commits.policy", kindText, func(s *Scenario, _ int, v any) { s.Commits.setPolicy(v.(string)) }},
	{"offline.share", kindNumber, func(s *Scenario, _ int, v any) { s.Offline.Share = v.(float64) }},
	{"call.design", kindText, func(s *Scenario, _ int, v any) { s.Call.Design = v.(string) }},
	{"call.participants", kindInteger, func(s *Scenario, _ int, v any) { s.Call.Participants = v.(int) }},
	{"faults.links.duplicate", kindNumber, func(s *Scenario, _ int, v any) { s.Faults.Links.Duplicate = v.(float64) }},
	{"faults.random_partitions.rate", kindNumber, func(s *Scenario, _ int, v any) { s.Faults.RandomPartitions.Rate = v.(float64) }},
	{"faults.random_crashes.rate", kindNumber, func(s *Scenario, _ int, v any) { s.Faults.RandomCrashes.Rate = v.(float64) }},
	{"attachments.download", kindText, func(s *Scenario, _ int, v any) { s.Attachments.Download = v.(string) }},
}

// setPolicy sets the commit policy of a sweep point and drops the parameters of the other
// policies, which the swept scenario gives for the points that sweep to them.
func (c *Commits) setPolicy(p string) {
	c.Policy = p
	if p != PolicyBackoff {
		c.BackoffBase, c.BackoffMax = 0, 0
	}
	if p != PolicyRandomDelay && p != PolicyProposalDelay {
		c.DelayMin, c.DelayMax = 0, 0
	}
}

// missingSection names the optional section that the sweepable field at path belongs to when
// the scenario does not have it, or returns "".
func missingSection(s *Scenario, path string) string {
	section, rest, _ := strings.Cut(path, ".")
	absent := map[string]bool{"commits": s.Commits == nil, "offline": s.Offline == nil, "call": s.Call == nil, "faults": s.Faults == nil, "attachments": s.Attachments == nil}
	if absent[section] {
		return section
	}
	if section == "faults" {
		sub, _, _ := strings.Cut(rest, ".")
		f := s.Faults
		if map[string]bool{"links": f.Links == nil, "random_partitions": f.RandomPartitions == nil, "random_crashes": f.RandomCrashes == nil}[sub] {
			return "faults." + sub
		}
	}
	return ""
}

// SweepFields returns the paths of the fields a sweep axis may name, in documentation order;
// "providers[i]" stands for any provider's index.
func SweepFields() []string {
	out := make([]string, len(sweepFields))
	for i, f := range sweepFields {
		out[i] = f.path
	}
	return out
}

// notSweepable explains why some fields of the format cannot be swept.
var notSweepable = map[string]string{
	"seed":           "every job's seed is derived from the scenario's seed, the point and the replication; set sweep.replications for more seeds",
	"room.placement": "sweeping room.members deals the members round-robin; write one scenario per placement",
	"room.access":    "its shares must sum to 1; sweep room.access with access type names (everyone on that type), or write one scenario per access mix",
	"name":           "a sweep writes one results directory under one name",
	"sweep":          "a sweep cannot sweep itself",
}

var (
	providerField = regexp.MustCompile(`^providers\[(0|[1-9][0-9]{0,8})\]\.(.+)$`)
	rttField      = regexp.MustCompile(`^network\.rtt\[(0|[1-9][0-9]{0,8})\]\.(.+)$`)
)

// resolveField finds the sweepable field of path and the provider or network.rtt index it
// names (or -1). It returns a message saying what is wrong otherwise.
func resolveField(path string, providers, rtts int) (*sweepField, int, string) {
	pattern, index, list, have := path, -1, "", 0
	if m := providerField.FindStringSubmatch(path); m != nil {
		index, _ = strconv.Atoi(m[1])
		pattern, list, have = "providers[i]."+m[2], "providers", providers
	} else if m := rttField.FindStringSubmatch(path); m != nil {
		index, _ = strconv.Atoi(m[1])
		pattern, list, have = "network.rtt[i]."+m[2], "network.rtt", rtts
	}
	for i := range sweepFields {
		if sweepFields[i].path != pattern {
			continue
		}
		if index >= have && list == "providers" {
			return nil, 0, fmt.Sprintf("providers[%d] does not exist: the scenario has %s", index, plural(providers, "provider", "providers"))
		}
		if index >= have && list == "network.rtt" {
			return nil, 0, fmt.Sprintf("network.rtt[%d] does not exist: the scenario has %s", index, plural(rtts, "RTT override", "RTT overrides"))
		}
		return &sweepFields[i], index, ""
	}
	allowed := "; fields that can be swept: " + strings.Join(SweepFields(), ", ")
	root := path
	if i := strings.IndexAny(root, ".["); i >= 0 && !strings.HasPrefix(path, "providers[") {
		root = path[:i]
	}
	for _, p := range []string{path, root} {
		if why, ok := notSweepable[p]; ok {
			return nil, 0, fmt.Sprintf("%s cannot be swept: %s%s", path, why, allowed)
		}
	}
	if strings.HasPrefix(path, "room.access.") {
		return nil, 0, fmt.Sprintf("%s cannot be swept: %s%s", path, notSweepable["room.access"], allowed)
	}
	msg := fmt.Sprintf("unknown sweep field %q", path)
	cands := SweepFields()
	if index >= 0 {
		for i, c := range cands {
			cands[i] = strings.Replace(c, "[i]", "["+strconv.Itoa(index)+"]", 1)
		}
	}
	if s := suggest(path, cands); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return nil, 0, msg + allowed
}

// convertValue checks that v suits a field of kind k, with the file format's type rules, and
// returns it as the field's Go type (int, float64, string or Duration) or a message.
func convertValue(k fieldKind, v any) (any, string) {
	switch k {
	case kindInteger:
		switch x := v.(type) {
		case int:
			return x, ""
		}
		return nil, "must be an integer, got " + describeValue(v)
	case kindNumber:
		switch x := v.(type) {
		case int:
			return float64(x), ""
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, "must be a finite number, got " + num(x)
			}
			return x, ""
		}
		return nil, "must be a number, got " + describeValue(v)
	case kindText:
		switch x := v.(type) {
		case string:
			return x, ""
		case int, float64:
			return nil, "must be a string, got " + describeValue(v) + " (quote it if you mean the text)"
		}
		return nil, "must be a string, got " + describeValue(v)
	case kindDuration:
		switch x := v.(type) {
		case Duration:
			if x < 0 {
				return nil, fmt.Sprintf("negative duration %q is not allowed", x.String())
			}
			return x, ""
		case string:
			d, msg := parseDurationText(x)
			if msg != "" {
				return nil, msg
			}
			return d, ""
		case int, float64:
			t := canonical(v)
			return nil, fmt.Sprintf("bare number %s is not a duration; add a unit, e.g. %q or %q", t, t+"ms", t+"s")
		}
		return nil, "must be a duration, got " + describeValue(v)
	}
	return nil, "internal error: unknown field kind"
}

// describeValue names a sweep value's type and value for messages.
func describeValue(v any) string {
	switch x := v.(type) {
	case int:
		return "integer " + strconv.Itoa(x)
	case float64:
		return "number " + num(x)
	case string:
		return "string " + strconv.Quote(truncate(x))
	case Duration:
		return "duration " + x.String()
	case nil:
		return "null"
	}
	return fmt.Sprintf("a value of type %T", v)
}

// canonical formats a converted value as Point.Params show it.
func canonical(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case float64:
		s := strconv.FormatFloat(x, 'f', -1, 64)
		if len(s) > 21 {
			s = strconv.FormatFloat(x, 'g', -1, 64)
		}
		return s
	case string:
		return x
	case Duration:
		return x.String()
	}
	return fmt.Sprint(v)
}

// planAxis is one axis of an expansion, its values converted and located.
type planAxis struct {
	field  *sweepField
	index  int      // provider index, or -1
	path   string   // the field as written in the axis
	values []any    // converted
	texts  []string // canonical
	locs   []string // the YAML path of each value, for error positions
}

// planError is a problem sweepPlan found: at the field's value, or at its key.
type planError struct {
	field, msg string
	atKey      bool
}

// sweepPlan checks the sweep's structure (not the points' values against Limits) and returns the
// axes and the number of replications of the full or the quick sweep.
func (s *Scenario) sweepPlan(quick bool) ([]planAxis, int, []planError) {
	sw := s.Sweep
	if sw == nil {
		return nil, 0, []planError{{field: "sweep", msg: "the scenario has no sweep section"}}
	}
	var errs []planError
	errf := func(path, format string, args ...any) {
		errs = append(errs, planError{field: path, msg: fmt.Sprintf(format, args...)})
	}
	reps := sw.Replications
	if reps < 1 || reps > MaxReplications {
		errf("sweep.replications", "must be between 1 and %d, got %d", MaxReplications, reps)
	}
	var axes []planAxis
	seen := map[string]int{}
	for i, a := range sw.Axes {
		p := fmt.Sprintf("sweep.axes[%d]", i)
		f, index, msg := resolveField(a.Field, len(s.Providers), len(s.Network.RTT))
		if msg != "" {
			errf(p+".field", "%s", msg)
			continue
		}
		if j, dup := seen[a.Field]; dup {
			errf(p+".field", "%s is already swept by sweep.axes[%d]; give each field one axis", a.Field, j)
			continue
		}
		if sec := missingSection(s, a.Field); sec != "" {
			errf(p+".field", "%s cannot be swept: the scenario has no %s section; add one (with its required fields) to sweep its fields", a.Field, sec)
			continue
		}
		seen[a.Field] = i
		ax := planAxis{field: f, index: index, path: a.Field}
		if !convertValues(p+".values", f.kind, a.Values, &ax, errf) || !countsOK(p+".values", &ax, len(s.Providers), errf) {
			continue
		}
		axes = append(axes, ax)
	}
	if len(errs) > 0 {
		return nil, 0, errs
	}
	if quick {
		reps = DefaultQuickReplications
		var qv map[string][]any
		if q := sw.Quick; q != nil {
			if q.Replications != 0 {
				reps = q.Replications
			}
			if reps < 1 || reps > MaxReplications {
				errf("sweep.quick.replications", "must be between 1 and %d, got %d", MaxReplications, reps)
			}
			qv = q.Values
		}
		for _, k := range slices.Sorted(maps.Keys(qv)) {
			if _, ok := seen[k]; !ok {
				errs = append(errs, planError{field: joinPath("sweep.quick", k), atKey: true,
					msg: fmt.Sprintf("not an axis of this sweep; quick may give values of %s and replications", list(axisFields(sw.Axes)))})
			}
		}
		for i := range axes {
			ax := &axes[i]
			vals, ok := qv[ax.path]
			if !ok {
				n := min(DefaultQuickValues, len(ax.values))
				ax.values, ax.texts, ax.locs = ax.values[:n], ax.texts[:n], ax.locs[:n]
				continue
			}
			q := planAxis{field: ax.field, index: ax.index, path: ax.path}
			if convertValues(joinPath("sweep.quick", ax.path), ax.field.kind, vals, &q, errf) &&
				countsOK(joinPath("sweep.quick", ax.path), &q, len(s.Providers), errf) {
				*ax = q
			}
		}
		if len(errs) > 0 {
			return nil, 0, errs
		}
	}
	jobs := reps
	for _, ax := range axes {
		jobs *= len(ax.values)
		if jobs > MaxSweepJobs {
			break
		}
	}
	if jobs > MaxSweepJobs {
		what := "the sweep"
		if quick {
			what = "the quick sweep"
		}
		errf("sweep", "%s has more than %d jobs (points × replications); split it", what, MaxSweepJobs)
		return nil, 0, errs
	}
	return axes, reps, nil
}

// convertValues converts the values of one axis (written at path) into ax, reporting problems
// through errf; it reports whether all were fine.
func convertValues(path string, k fieldKind, vals []any, ax *planAxis, errf func(string, string, ...any)) bool {
	switch {
	case len(vals) == 0:
		errf(path, "must list at least one value")
		return false
	case len(vals) > MaxAxisValues:
		errf(path, "lists %d values; at most %d are allowed", len(vals), MaxAxisValues)
		return false
	}
	ok := true
	first := map[string]int{}
	for j, v := range vals {
		vp := fmt.Sprintf("%s[%d]", path, j)
		cv, msg := convertValue(k, v)
		if msg != "" {
			errf(vp, "%s", msg)
			ok = false
			continue
		}
		t := canonical(cv)
		if i, dup := first[t]; dup {
			errf(vp, "duplicate value %s (also %s[%d])", t, path, i)
			ok = false
			continue
		}
		first[t] = j
		ax.values = append(ax.values, cv)
		ax.texts = append(ax.texts, t)
		ax.locs = append(ax.locs, vp)
	}
	return ok
}

func axisFields(axes []Axis) []string {
	out := make([]string, len(axes))
	for i, a := range axes {
		out[i] = a.Field
	}
	return out
}

// paramPoint is one parameter point of an expansion.
type paramPoint struct {
	index    int
	params   []Param
	scenario *Scenario // values applied, Sweep nil, seed not yet set
	locs     []string  // per axis, where its value was written
}

// points builds the parameter points of axes: the cartesian product, first axis slowest.
func (s *Scenario) points(axes []planAxis) []paramPoint {
	n := 1
	for _, ax := range axes {
		n *= len(ax.values)
	}
	out := make([]paramPoint, 0, n)
	idx := make([]int, len(axes))
	for k := range n {
		sc := s.Clone()
		sc.Sweep = nil
		pp := paramPoint{index: k, scenario: sc}
		redeal := false
		for a, ax := range axes {
			v := ax.values[idx[a]]
			if !strings.HasPrefix(ax.field.path, "providers[i].") || ax.index < len(sc.Providers) { // a provider cut by providers.count takes no values
				ax.field.set(sc, ax.index, v)
			}
			pp.params = append(pp.params, Param{Name: ax.path, Value: ax.texts[idx[a]]})
			pp.locs = append(pp.locs, ax.locs[idx[a]])
			redeal = redeal || ax.field.path == "room.members" || ax.field.path == "providers.count"
		}
		if redeal {
			sc.Room.Placement = nil
			if sc.Room.Members > 0 && len(sc.Providers) > 0 {
				sc.Room.Placement = RoundRobin(sc.Room.Members, len(sc.Providers))
			}
		}
		out = append(out, pp)
		// Advance the index, last axis fastest.
		for a := len(axes) - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < len(axes[a].values) {
				break
			}
			idx[a] = 0
		}
	}
	return out
}

// countsOK checks the values of a providers.count axis: 1 … the providers the file lists (a
// point keeps the first providers.count of them).
func countsOK(path string, ax *planAxis, providers int, errf func(field, format string, args ...any)) bool {
	if ax.field.path != "providers.count" {
		return true
	}
	for _, v := range ax.values {
		if n := v.(int); n < 1 || n > providers {
			errf(path, "providers.count must be between 1 and the %s the scenario lists, got %d", plural(providers, "provider", "providers"), n)
			return false
		}
	}
	return true
}

// Expand lists the jobs of the scenario's sweep, or of its quick sweep (see Sweep.Quick): one
// Point per parameter point and replication, ordered by point index, then replication. Each
// Point has its own deep copy of the scenario with the point's values and the job's seed.
//
// Expand checks the sweep's structure (sweepable fields, value types, duplicates, sizes) and
// returns the same errors Validate does, without positions; it does not check the points
// against Limits, which Validate (and so Parse) does for every point of both the full and the
// quick sweep. A scenario without a sweep section is an error.
func (s *Scenario) Expand(quick bool) ([]Point, error) {
	axes, reps, perrs := s.sweepPlan(quick)
	if len(perrs) > 0 {
		errs := make([]*Error, len(perrs))
		for i, e := range perrs {
			errs[i] = &Error{Field: e.field, Msg: e.msg}
		}
		return nil, joinErrors(errs)
	}
	var out []Point
	for _, pp := range s.points(axes) {
		for r := range reps {
			sc := pp.scenario.Clone()
			sc.Seed = JobSeed(s.Seed, pp.params, r)
			out = append(out, Point{Index: pp.index, Params: slices.Clone(pp.params), Scenario: sc, Replication: r, Seed: sc.Seed})
		}
	}
	return out, nil
}

// seedDomain separates sweep seeds from any other use of SHA-256 on the same bytes.
const seedDomain = "mimisim sweep job seed v1"

// JobSeed derives the seed of one job of a sweep from the swept scenario's seed, the point's
// parameters and the replication index:
//
//	SHA-256( "mimisim sweep job seed v1" ‖ 0x00 ‖ uint64be(seed) ‖ uvarint(len(params)) ‖
//	         for each param, sorted by name: uvarint(len(name)) ‖ name ‖ uvarint(len(value)) ‖ value ‖
//	         uint64be(replication) )
//
// read as a big-endian uint64 from its first 8 bytes (and 1 in the 2⁻⁶⁴ case that this is 0,
// which is not a valid seed). Values are the canonical texts of Point.Params.
//
// The seed does not depend on the point's index, on the order of the axes or on the other
// points, so adding replications, adding values to an axis or reordering axes leaves every
// existing job's seed unchanged, and each job of a quick sweep has the seed of the same job of
// the full sweep.
func JobSeed(seed uint64, params []Param, replication int) uint64 {
	sorted := slices.Clone(params)
	slices.SortStableFunc(sorted, func(a, b Param) int { return strings.Compare(a.Name, b.Name) })
	h := sha256.New()
	var buf []byte
	buf = append(buf, seedDomain...)
	buf = append(buf, 0)
	buf = binary.BigEndian.AppendUint64(buf, seed)
	buf = binary.AppendUvarint(buf, uint64(len(sorted)))
	for _, p := range sorted {
		buf = binary.AppendUvarint(buf, uint64(len(p.Name)))
		buf = append(buf, p.Name...)
		buf = binary.AppendUvarint(buf, uint64(len(p.Value)))
		buf = append(buf, p.Value...)
	}
	buf = binary.BigEndian.AppendUint64(buf, uint64(replication))
	h.Write(buf)
	if v := binary.BigEndian.Uint64(h.Sum(nil)); v != 0 {
		return v
	}
	return 1
}

// Clone returns a deep copy of s: changing the copy (its providers, network overrides, room or
// sweep) leaves s as it was.
func (s *Scenario) Clone() *Scenario {
	c := *s
	c.Network.RTT = slices.Clone(s.Network.RTT)
	if s.Network.Access != nil {
		c.Network.Access = make(map[string]Access, len(s.Network.Access))
		for k, a := range s.Network.Access {
			c.Network.Access[k] = Access{
				Latency:      clonePtr(a.Latency),
				UplinkMbps:   clonePtr(a.UplinkMbps),
				DownlinkMbps: clonePtr(a.DownlinkMbps),
				Loss:         clonePtr(a.Loss),
			}
		}
	}
	c.Providers = slices.Clone(s.Providers)
	c.Room.Placement = slices.Clone(s.Room.Placement)
	c.Room.Access = maps.Clone(s.Room.Access)
	c.Commits = clonePtr(s.Commits)
	c.Offline = clonePtr(s.Offline)
	c.Hostile = clonePtr(s.Hostile)
	c.Churn = clonePtr(s.Churn)
	c.Faults = s.Faults.clone()
	if s.Call != nil {
		cl := *s.Call
		cl.ICERoundTrips = clonePtr(s.Call.ICERoundTrips)
		cl.DTLSRoundTrips = clonePtr(s.Call.DTLSRoundTrips)
		c.Call = &cl
	}
	if s.Attachments != nil {
		a := *s.Attachments
		a.Kinds = slices.Clone(s.Attachments.Kinds)
		c.Attachments = &a
	}
	if s.Sweep != nil {
		sw := *s.Sweep
		sw.Axes = make([]Axis, len(s.Sweep.Axes))
		for i, a := range s.Sweep.Axes {
			sw.Axes[i] = Axis{Field: a.Field, Values: slices.Clone(a.Values)}
		}
		if s.Sweep.Axes == nil {
			sw.Axes = nil
		}
		if s.Sweep.Quick != nil {
			q := *s.Sweep.Quick
			if q.Values != nil {
				q.Values = make(map[string][]any, len(s.Sweep.Quick.Values))
				for k, v := range s.Sweep.Quick.Values {
					q.Values[k] = slices.Clone(v)
				}
			}
			sw.Quick = &q
		}
		c.Sweep = &sw
	}
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// sweep checks the sweep section: its structure always, and, when the rest of the scenario is
// valid, every point of the full and of the quick sweep against the same rules as the scenario
// itself. A point's problem names the point and is placed where the offending value was written.
func (c *checker) sweep(s *Scenario) {
	sw := s.Sweep
	if sw == nil {
		return
	}
	start := len(c.errs)
	if c.locs != nil {
		_, axesWritten := c.locs["sweep.axes"]
		_, repsWritten := c.locs["sweep.replications"]
		if len(sw.Axes) == 0 && axesWritten {
			c.errf("sweep.axes", "must list at least one axis (or leave axes out to only replicate)")
			return
		}
		if !axesWritten && !repsWritten {
			c.errf("sweep", "sweeps nothing: give axes, replications or both (or remove the section)")
			return
		}
		for i, a := range sw.Axes {
			p := fmt.Sprintf("sweep.axes[%d]", i)
			if c.missing(p + ".field") {
				c.errf(p+".field", "required: the path of the field to sweep, one of %s", list(SweepFields()))
			}
			if c.missing(p + ".values") {
				c.errf(p+".values", "required: the list of values of %s", orText(a.Field, "the field"))
			}
			if a.Field == "room.members" && c.written("room.placement", false) {
				c.errf(p+".field", "room.members cannot be swept with an explicit room.placement; remove room.placement to deal the members round-robin")
			}
		}
		if len(c.errs) > start {
			return
		}
	}
	if sw.Series != "" || c.written("sweep.series", false) {
		var later []string
		for _, a := range sw.Axes[min(1, len(sw.Axes)):] {
			later = append(later, a.Field)
		}
		if !slices.Contains(later, sw.Series) {
			if len(later) == 0 {
				c.errf("sweep.series", "%q: the series must be an axis other than the first, and this sweep has no second axis", sw.Series)
			} else {
				c.errf("sweep.series", "%q is not an axis after the first; allowed: %s", sw.Series, list(later))
			}
		}
	}
	before := len(c.errs)
	axes, _, errs := s.sweepPlan(false)
	c.addPlanErrors(errs)
	if len(errs) == 0 {
		c.sweepPoints(s, axes, "sweep point")
	}
	if len(c.errs) > before {
		return
	}
	qaxes, _, errs := s.sweepPlan(true)
	c.addPlanErrors(errs)
	if len(errs) == 0 {
		c.sweepPoints(s, qaxes, "quick sweep point")
	}
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// addPlanErrors reports the errors of sweepPlan at the positions of their fields.
func (c *checker) addPlanErrors(errs []planError) {
	for _, e := range errs {
		c.add(e.field, e.atKey, "%s", e.msg)
	}
}

// sweepPoints validates each parameter point of axes. Problems are reported once per distinct
// (field, position, message), naming the first point that has it and how many more do.
func (c *checker) sweepPoints(s *Scenario, axes []planAxis, label string) {
	if len(c.errs) > 0 || len(axes) == 0 {
		return
	}
	type key struct {
		field, msg string
		line, col  int
	}
	type found struct {
		e     *Error
		label string
		more  int
	}
	var order []key
	byKey := map[key]*found{}
	for _, pp := range s.points(axes) {
		pc := &checker{lim: c.lim}
		pc.check(pp.scenario)
		for _, e := range pc.errs {
			pe := &Error{File: c.file, Field: e.Field, Msg: e.Msg}
			c.placePointError(pe, axes, pp)
			k := key{pe.Field, pe.Msg, pe.Line, pe.Column}
			if f, ok := byKey[k]; ok {
				f.more++
				continue
			}
			order = append(order, k)
			byKey[k] = &found{e: pe, label: pointLabel(label, pp)}
		}
	}
	for _, k := range order {
		f := byKey[k]
		more := ""
		if f.more > 0 {
			more = " and " + plural(f.more, "more point", "more points")
		}
		f.e.Msg = fmt.Sprintf("in %s%s: %s", f.label, more, f.e.Msg)
		c.errs = append(c.errs, f.e)
	}
}

// placePointError gives e, a problem of point pp, the position of the value that caused it: the
// point's value of the axis that sweeps e's field (or a field containing it), else where e's
// field (or its nearest written parent) is written in the file.
func (c *checker) placePointError(e *Error, axes []planAxis, pp paramPoint) {
	if c.locs == nil {
		return
	}
	at := ""
	for a, ax := range axes {
		if e.Field == ax.path || strings.HasPrefix(e.Field, ax.path+".") || strings.HasPrefix(e.Field, ax.path+"[") {
			at = pp.locs[a]
		}
	}
	if at == "" {
		for p := e.Field; p != ""; p = parentPath(p) {
			if _, ok := c.locs[p]; ok {
				at = p
				break
			}
		}
	}
	if l, ok := c.locs[at]; ok {
		e.Line, e.Column = l.pos.Line, l.pos.Column
	}
}

// pointLabel names a point in messages: "sweep point 3 (room.members=16, network.loss=0.01)".
func pointLabel(label string, pp paramPoint) string {
	parts := make([]string, len(pp.params))
	for i, p := range pp.params {
		parts[i] = p.Name + "=" + p.Value
	}
	return fmt.Sprintf("%s %d (%s)", label, pp.index, strings.Join(parts, ", "))
}

// parseDurationText reads a duration written as text with the format's rules; it returns a
// message instead when the text is not one.
func parseDurationText(text string) (Duration, string) {
	const units = `write a number with a unit (ns, us, ms, s, m, h), e.g. "250ms", "1.5s" or "1m30s"`
	s := strings.TrimSpace(text)
	if numberSyntax.MatchString(s) {
		return 0, fmt.Sprintf("bare number %q is not a duration; add a unit, e.g. %q or %q", s, s+"ms", s+"s")
	}
	if rest, ok := strings.CutPrefix(s, "-"); ok && rest != "" {
		return 0, fmt.Sprintf("negative duration %q is not allowed", s)
	}
	t, err := time.ParseDuration(s)
	if err != nil {
		if durationSyntax.MatchString(strings.TrimPrefix(s, "+")) {
			return 0, fmt.Sprintf("duration %q is out of range (at most %s)", s, time.Duration(math.MaxInt64))
		}
		return 0, fmt.Sprintf("invalid duration %q; %s", s, units)
	}
	return Duration(t), ""
}

// sweepZeroWritten rejects sweep fields written with the zero value that stands for their
// default (see checker.zeroWritten).
func (c *checker) sweepZeroWritten(s *Scenario) {
	if s.Sweep == nil {
		return
	}
	if c.written("sweep.replications", false) && s.Sweep.Replications == 0 {
		c.errf("sweep.replications", "must be between 1 and %d, got 0 (remove the field for the default %d)", MaxReplications, DefaultReplications)
	}
	if q := s.Sweep.Quick; q != nil && c.written("sweep.quick.replications", false) && q.Replications == 0 {
		c.errf("sweep.quick.replications", "must be between 1 and %d, got 0 (remove the field for the default %d)", MaxReplications, DefaultQuickReplications)
	}
}
