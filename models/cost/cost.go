package cost

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mimisim/mimisim/models/mls"
)

// Model gives the virtual CPU time of an MLS operation.
type Model interface {
	CPU(op mls.Op, groupSize int, device string) time.Duration
}

// Point is one measured cost: op in a group of Members members took NsPerOp nanoseconds.
type Point struct {
	Op      mls.Op  `json:"op"`
	Members int     `json:"members"`
	NsPerOp float64 `json:"ns_per_op"`
}

// RawPoint is one repetition of a calibration measurement: Iterations calls of op in a group of
// Members members took NsPerOp nanoseconds each on average. Bytes is the size of the message the
// op made or read, if any.
type RawPoint struct {
	Op         mls.Op  `json:"op"`
	Members    int     `json:"members"`
	Rep        int     `json:"rep"`
	Iterations int     `json:"iterations"`
	NsPerOp    float64 `json:"ns_per_op"`
	Bytes      int     `json:"bytes,omitempty"`
}

// Table is a measured cost table of one engine on one machine. Its zero value is not usable:
// build tables with Load or Parse, or call Validate before CPU.
//
// A point table (no Fits) interpolates its Points. A fitted table (written by mimisim calibrate)
// has one Fit per op and evaluates the fitted curves instead; its Points are the medians the
// curves were fitted to and Raw holds every repetition.
type Table struct {
	Engine    string  `json:"engine"`
	Machine   string  `json:"machine"`
	CPUName   string  `json:"cpu"` // CPU model (a field named CPU would clash with the method)
	GoVersion string  `json:"go_version"`
	Command   string  `json:"command"`
	Date      string  `json:"date"`
	Notes     string  `json:"notes"`
	Points    []Point `json:"points"`

	FitRule string     `json:"fit_rule,omitempty"` // how the fits were chosen (FitRule)
	Fits    []Fit      `json:"fits,omitempty"`     // one per op; when present, CPU evaluates them
	Raw     []RawPoint `json:"raw,omitempty"`      // every repetition behind Points

	curves map[mls.Op][]Point // per op, sorted by Members; set by Validate
	fits   map[mls.Op]Curve   // per op, set by Validate when Fits is not empty
}

var (
	_ Model = (*Table)(nil)
	_ Model = Zero{}
)

// The embedded tables: an engine's default is tables/<engine>.json (a point table) or, where
// there is none, its fitted calibration tables/<engine>-fit.json; other JSON files there are
// shipped alongside and loaded by file name. The figures of calibrations are not embedded.
//
//go:embed tables/*.json
var tables embed.FS

// defaultFiles lists the files that may hold an engine's default table, in order of preference.
func defaultFiles(engine string) []string {
	return []string{"tables/" + engine + ".json", "tables/" + engine + "-fit.json"}
}

// Engines lists the engines that have an embedded default table (see Load), sorted.
func Engines() []string {
	entries, err := fs.ReadDir(tables, "tables")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		name = strings.TrimSuffix(name, "-fit")
		if slices.Contains(names, name) {
			continue
		}
		if _, file, err := load(name); err == nil && strings.HasSuffix(file, "/"+e.Name()) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Load returns the validated embedded default table of an engine: tables/<engine>.json, or
// tables/<engine>-fit.json where the engine has no point table. Its ID says which (a fitted
// table's ends in "+fit").
func Load(engine string) (*Table, error) {
	t, _, err := load(engine)
	return t, err
}

func load(engine string) (*Table, string, error) {
	if engine == "" || strings.ContainsAny(engine, `/\.`) {
		return nil, "", fmt.Errorf("cost: invalid engine name %q", engine)
	}
	for _, file := range defaultFiles(engine) {
		data, err := tables.ReadFile(file)
		if err != nil {
			continue
		}
		t, err := Parse(data)
		if err != nil {
			return nil, "", fmt.Errorf("cost: %s: %w", file, err)
		}
		if t.Engine != engine {
			return nil, "", fmt.Errorf("cost: %s is the table of engine %q", file, t.Engine)
		}
		return t, file, nil
	}
	names := Engines()
	return nil, "", fmt.Errorf("cost: no cost table for engine %q (have %s)", engine, strings.Join(names, ", "))
}

// LoadFile reads and validates a cost table (a point table or a fitted calibration) from a file.
func LoadFile(path string) (*Table, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cost: %w", err)
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("cost: %s: %w", path, err)
	}
	return t, nil
}

// Parse decodes a JSON cost table (unknown fields are an error) and validates it.
func Parse(data []byte) (*Table, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var t Table
	if err := dec.Decode(&t); err != nil {
		return nil, err
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return &t, nil
}

// Validate checks the table and indexes it for CPU. Every op of mls.Ops needs at least one point;
// points need a known op, at least one member, a finite non-negative cost, and no two points may
// share op and size. A table with fits needs exactly one fit per op, each of a known form with
// finite non-negative coefficients (and zero for those its form does not use).
func (t *Table) Validate() error {
	if t.Engine == "" {
		return errors.New("cost table has no engine")
	}
	known := map[mls.Op]bool{}
	for _, op := range mls.Ops {
		known[op] = true
	}
	curves := map[mls.Op][]Point{}
	for i, p := range t.Points {
		switch {
		case !known[p.Op]:
			return fmt.Errorf("point %d: unknown op %q", i, p.Op)
		case p.Members < 1:
			return fmt.Errorf("point %d (%s): %d members", i, p.Op, p.Members)
		case math.IsNaN(p.NsPerOp) || math.IsInf(p.NsPerOp, 0) || p.NsPerOp < 0:
			return fmt.Errorf("point %d (%s, %d members): cost %v ns", i, p.Op, p.Members, p.NsPerOp)
		}
		curves[p.Op] = append(curves[p.Op], p)
	}
	var missing []string
	for _, op := range mls.Ops {
		c := curves[op]
		if len(c) == 0 {
			missing = append(missing, string(op))
			continue
		}
		sort.SliceStable(c, func(i, j int) bool { return c[i].Members < c[j].Members })
		for i := 1; i < len(c); i++ {
			if c[i].Members == c[i-1].Members {
				return fmt.Errorf("two points for %s at %d members", op, c[i].Members)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("cost table of %s has no points for %s", t.Engine, strings.Join(missing, ", "))
	}
	for i, r := range t.Raw {
		if !known[r.Op] || r.Members < 1 || r.Iterations < 1 || !(r.NsPerOp >= 0) || math.IsInf(r.NsPerOp, 0) {
			return fmt.Errorf("raw point %d: %+v is not a measurement", i, r)
		}
	}
	var fits map[mls.Op]Curve
	if len(t.Fits) > 0 {
		fits = make(map[mls.Op]Curve, len(t.Fits))
		for i, f := range t.Fits {
			if !known[f.Op] {
				return fmt.Errorf("fit %d: unknown op %q", i, f.Op)
			}
			if _, dup := fits[f.Op]; dup {
				return fmt.Errorf("two fits for %s", f.Op)
			}
			if err := f.Curve.check(); err != nil {
				return fmt.Errorf("fit of %s: %w", f.Op, err)
			}
			fits[f.Op] = f.Curve
		}
		for _, op := range mls.Ops {
			if _, ok := fits[op]; !ok {
				missing = append(missing, string(op))
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("cost table of %s has no fits for %s", t.Engine, strings.Join(missing, ", "))
		}
	}
	t.curves, t.fits = curves, fits
	return nil
}

// Fitted reports whether CPU evaluates fitted curves rather than interpolating points.
func (t *Table) Fitted() bool { return len(t.Fits) > 0 }

// ID returns a short identifier of the table for manifests: "<engine>@<date>" for a point table,
// "<engine>@<date>+fit" for a fitted one.
func (t *Table) ID() string {
	if t.Fitted() {
		return t.Engine + "@" + t.Date + "+fit"
	}
	return t.Engine + "@" + t.Date
}

// Sizes returns the group sizes measured for op, ascending.
func (t *Table) Sizes(op mls.Op) []int {
	var s []int
	for _, p := range t.curve(op) {
		s = append(s, p.Members)
	}
	return s
}

func (t *Table) curve(op mls.Op) []Point {
	if t.curves == nil {
		panic("cost: Table used before Validate")
	}
	c, ok := t.curves[op]
	if !ok {
		panic(fmt.Sprintf("cost: table %s has no op %q", t.ID(), op))
	}
	return c
}

// CPU returns the cost of op in a group of n members on device, scaled by DeviceFactor(device).
// A fitted table evaluates the op's fitted curve at n (sizes below 1 count as 1). A point table
// interpolates: the measured cost interpolated linearly in log2(n) between the measured sizes,
// the first point's cost below the first size, and beyond the last size the last segment
// extended with its slope (a negative slope counts as flat, so costs never fall below the last
// measurement).
//
// CPU panics for an op the table lacks (Validate rejects such tables), for an unknown device (check
// devices with DeviceFactor first) and for a table that was not validated.
func (t *Table) CPU(op mls.Op, n int, device string) time.Duration {
	f, err := DeviceFactor(device)
	if err != nil {
		panic(err)
	}
	return time.Duration(math.Round(t.ns(op, n) * f))
}

// ns is the cost on the reference machine in nanoseconds.
func (t *Table) ns(op mls.Op, n int) float64 {
	c := t.curve(op)
	if t.fits != nil {
		return t.fits[op].Eval(n)
	}
	if n <= c[0].Members || len(c) == 1 {
		return c[0].NsPerOp // below the first size, or a single point: flat
	}
	x := math.Log2(float64(n))
	i, found := slices.BinarySearchFunc(c, n, func(p Point, n int) int { return p.Members - n })
	if found {
		return c[i].NsPerOp
	}
	if i == len(c) { // beyond the last point
		a, b := c[len(c)-2], c[len(c)-1]
		slope := max(0, (b.NsPerOp-a.NsPerOp)/(math.Log2(float64(b.Members))-math.Log2(float64(a.Members))))
		return b.NsPerOp + slope*(x-math.Log2(float64(b.Members)))
	}
	a, b := c[i-1], c[i]
	xa, xb := math.Log2(float64(a.Members)), math.Log2(float64(b.Members))
	return a.NsPerOp + (b.NsPerOp-a.NsPerOp)*(x-xa)/(xb-xa)
}

// Zero is the model of time_mode "zero": every operation takes no time.
type Zero struct{}

// CPU returns 0.
func (Zero) CPU(mls.Op, int, string) time.Duration { return 0 }

// deviceFactors are the CPU time multipliers of the device classes; see the package doc for where
// the phone factor comes from.
var deviceFactors = map[string]float64{
	"server":  1.0,
	"desktop": 1.0,
	"phone":   3.0,
}

// DeviceFactor returns the CPU time multiplier of a device class relative to the machine the
// tables were measured on.
func DeviceFactor(device string) (float64, error) {
	f, ok := deviceFactors[device]
	if !ok {
		return 0, fmt.Errorf("cost: unknown device %q (allowed: %s)", device, strings.Join(DeviceNames(), ", "))
	}
	return f, nil
}

// DeviceNames lists the device classes, sorted.
func DeviceNames() []string {
	names := make([]string, 0, len(deviceFactors))
	for n := range deviceFactors {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
