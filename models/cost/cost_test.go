package cost

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/mls"
)

// table returns a validated table with the given points for commit_update and a constant 7 ns
// for every other op.
func table(t *testing.T, update ...Point) *Table {
	t.Helper()
	tb := &Table{Engine: "test", Date: "2026-01-02"}
	for _, op := range mls.Ops {
		if op == mls.OpCommitUpdate {
			continue
		}
		tb.Points = append(tb.Points, Point{Op: op, Members: 2, NsPerOp: 7})
	}
	for _, p := range update {
		p.Op = mls.OpCommitUpdate
		tb.Points = append(tb.Points, p)
	}
	if err := tb.Validate(); err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestInterpolation(t *testing.T) {
	// Points given out of order on purpose: Validate sorts them.
	tb := table(t,
		Point{Members: 8, NsPerOp: 300},
		Point{Members: 2, NsPerOp: 100},
		Point{Members: 4, NsPerOp: 200},
		Point{Members: 32, NsPerOp: 400},
	)
	cases := []struct {
		n    int
		want float64
	}{
		{-5, 100}, // nonsense sizes take the first point
		{0, 100},
		{1, 100}, // below the first size: the first point
		{2, 100}, // measured
		{3, 100 + 100*(math.Log2(3)-1)},
		{4, 200}, // measured
		{6, 200 + 100*(math.Log2(6)-2)},
		{8, 300},  // measured
		{16, 350}, // halfway in log2 between 8 (x=3) and 32 (x=5)
		{32, 400}, // the last point
		{64, 450}, // beyond: slope of the last segment, 50 per doubling
		{128, 500},
		{1024, 650},
	}
	for _, c := range cases {
		got := tb.CPU(mls.OpCommitUpdate, c.n, "server")
		if want := time.Duration(math.Round(c.want)); got != want {
			t.Errorf("CPU(commit_update, %d) = %v, want %v", c.n, got, want)
		}
	}
}

func TestExtrapolationNeverFalls(t *testing.T) {
	cases := []struct {
		name   string
		points []Point
		n      int
		want   time.Duration
	}{
		{"falling last segment stays flat", []Point{{Members: 2, NsPerOp: 500}, {Members: 4, NsPerOp: 100}}, 1 << 20, 100},
		{"single point is constant above", []Point{{Members: 8, NsPerOp: 42}}, 100, 42},
		{"single point is constant below", []Point{{Members: 8, NsPerOp: 42}}, 1, 42},
		{"zero costs stay zero", []Point{{Members: 2, NsPerOp: 0}, {Members: 4, NsPerOp: 0}}, 64, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := table(t, c.points...).CPU(mls.OpCommitUpdate, c.n, "desktop"); got != c.want {
				t.Fatalf("CPU = %v, want %v", got, c.want)
			}
		})
	}
}

func TestDeviceScaling(t *testing.T) {
	tb := table(t, Point{Members: 2, NsPerOp: 1000})
	for _, c := range []struct {
		device string
		want   time.Duration
	}{{"server", 1000}, {"desktop", 1000}, {"phone", 3000}} {
		if got := tb.CPU(mls.OpCommitUpdate, 2, c.device); got != c.want {
			t.Errorf("CPU on %s = %v, want %v", c.device, got, c.want)
		}
	}
}

func TestDeviceFactor(t *testing.T) {
	if got := DeviceNames(); !slices.Equal(got, []string{"desktop", "phone", "server"}) {
		t.Fatalf("DeviceNames() = %v", got)
	}
	for _, name := range DeviceNames() {
		if f, err := DeviceFactor(name); err != nil || f < 1 {
			t.Errorf("DeviceFactor(%q) = %v, %v", name, f, err)
		}
	}
	for _, bad := range []string{"", "Phone", "watch"} {
		_, err := DeviceFactor(bad)
		if err == nil {
			t.Errorf("DeviceFactor(%q) succeeded", bad)
			continue
		}
		for _, name := range DeviceNames() {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("the error for %q does not list %q: %v", bad, name, err)
			}
		}
	}
}

func TestCPUPanics(t *testing.T) {
	tb := table(t, Point{Members: 2, NsPerOp: 1})
	cases := map[string]func(){
		"unknown op":     func() { tb.CPU("frobnicate", 2, "server") },
		"unknown device": func() { tb.CPU(mls.OpProtect, 2, "toaster") },
		"not validated":  func() { (&Table{Engine: "x", Points: tb.Points}).CPU(mls.OpProtect, 2, "server") },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

func TestValidate(t *testing.T) {
	full := func() []Point {
		var ps []Point
		for _, op := range mls.Ops {
			ps = append(ps, Point{Op: op, Members: 2, NsPerOp: 1}, Point{Op: op, Members: 4, NsPerOp: 2})
		}
		return ps
	}
	cases := []struct {
		name   string
		engine string
		edit   func([]Point) []Point
		errHas string
	}{
		{"complete", "e", func(p []Point) []Point { return p }, ""},
		{"no engine", "", func(p []Point) []Point { return p }, "engine"},
		{"missing op", "e", func(p []Point) []Point {
			return slices.DeleteFunc(p, func(q Point) bool { return q.Op == mls.OpExport })
		}, "export"},
		{"no points", "e", func([]Point) []Point { return nil }, "key_package"},
		{"unknown op", "e", func(p []Point) []Point { return append(p, Point{Op: "teleport", Members: 2}) }, "teleport"},
		{"zero members", "e", func(p []Point) []Point { p[0].Members = 0; return p }, "members"},
		{"negative cost", "e", func(p []Point) []Point { p[0].NsPerOp = -1; return p }, "cost"},
		{"NaN cost", "e", func(p []Point) []Point { p[0].NsPerOp = math.NaN(); return p }, "cost"},
		{"infinite cost", "e", func(p []Point) []Point { p[0].NsPerOp = math.Inf(1); return p }, "cost"},
		{"duplicate size", "e", func(p []Point) []Point { return append(p, Point{Op: mls.OpJoin, Members: 4, NsPerOp: 3}) }, "two points"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb := &Table{Engine: c.engine, Points: c.edit(full())}
			err := tb.Validate()
			switch {
			case c.errHas == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case c.errHas != "" && err == nil:
				t.Fatal("Validate accepted the table")
			case c.errHas != "" && !strings.Contains(err.Error(), c.errHas):
				t.Fatalf("error %q does not mention %q", err, c.errHas)
			}
		})
	}
}

func TestParse(t *testing.T) {
	if _, err := Parse([]byte(`{"engine":"e","points":[],"extra":1}`)); err == nil {
		t.Error("Parse accepted an unknown field")
	}
	if _, err := Parse([]byte(`{"engine":"e","points":[]}`)); err == nil {
		t.Error("Parse accepted a table without points")
	}
	if _, err := Parse([]byte(`not json`)); err == nil {
		t.Error("Parse accepted garbage")
	}
}

func TestLoadGoMLS(t *testing.T) {
	tb, err := Load("gomls")
	if err != nil {
		t.Fatal(err)
	}
	if tb.Engine != "gomls" || tb.ID() != "gomls@"+tb.Date || tb.Date == "" || tb.Command == "" || tb.GoVersion == "" || tb.CPUName == "" {
		t.Fatalf("table metadata: %+v", tb)
	}
	for _, op := range mls.Ops {
		if got := tb.Sizes(op); !slices.Equal(got, []int{2, 4, 8, 16, 32, 64, 128}) {
			t.Errorf("%s measured at %v", op, got)
		}
		for _, n := range []int{2, 100, 128} {
			if tb.CPU(op, n, "server") <= 0 {
				t.Errorf("%s at %d members costs nothing", op, n)
			}
		}
	}
	// Sanity of the measurement: a commit with an UpdatePath grows with the group, and costs more
	// than processing it.
	if tb.CPU(mls.OpCommitUpdate, 128, "server") <= tb.CPU(mls.OpCommitUpdate, 2, "server") {
		t.Error("commit_update does not grow with the group")
	}
	if tb.CPU(mls.OpCommitUpdate, 32, "server") <= tb.CPU(mls.OpProcessCommit, 32, "server") {
		t.Error("committing is cheaper than processing")
	}
	if !slices.Contains(Engines(), "gomls") {
		t.Errorf("Engines() = %v", Engines())
	}
}

func TestLoadErrors(t *testing.T) {
	for _, name := range []string{"", "nosuch", "../cost", "gomls.json", "README"} {
		if _, err := Load(name); err == nil {
			t.Errorf("Load(%q) succeeded", name)
		}
	}
}

func TestZero(t *testing.T) {
	var m Model = Zero{}
	for _, op := range mls.Ops {
		if got := m.CPU(op, 1000, "phone"); got != 0 {
			t.Errorf("Zero.CPU(%s) = %v", op, got)
		}
	}
}

// rfc9420 has no point table: its default is its fitted calibration, measured up to 4,096
// members, and its ID says so.
func TestLoadRFC9420(t *testing.T) {
	tb, err := Load("rfc9420")
	if err != nil {
		t.Fatal(err)
	}
	if tb.Engine != "rfc9420" || !tb.Fitted() || tb.ID() != "rfc9420@"+tb.Date+"+fit" {
		t.Fatalf("engine %q, fitted %v, id %s", tb.Engine, tb.Fitted(), tb.ID())
	}
	for _, op := range mls.Ops {
		if s := tb.Sizes(op); s[len(s)-1] < 1024 {
			t.Errorf("%s measured only up to %d members", op, s[len(s)-1])
		}
	}
	if tb.CPU(mls.OpCommitUpdate, 1024, "server") <= tb.CPU(mls.OpCommitUpdate, 2, "server") {
		t.Error("commit_update does not grow with the group")
	}
	if got := Engines(); !slices.Equal(got, []string{"gomls", "rfc9420"}) {
		t.Errorf("Engines() = %v", got)
	}
}
