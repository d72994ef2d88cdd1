package calib

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/cost"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/engines"
	"github.com/mimisim/mimisim/models/mls/gomls"
)

// synthetic returns raw measurements of every op at sizes 2..128, three repetitions each: a
// known curve per op times a repetition-dependent factor of ±1 %.
func synthetic() []cost.RawPoint {
	var raw []cost.RawPoint
	for i, op := range mls.Ops {
		for _, n := range []int{2, 4, 8, 16, 32, 64, 128} {
			x := float64(n)
			base := 1e5 * float64(i+1)
			if i%2 == 0 {
				base += 2e4 * x
			} else {
				base += 3e4 * math.Log2(x)
			}
			for rep, f := range []float64{0.99, 1.0, 1.01} {
				raw = append(raw, cost.RawPoint{Op: op, Members: n, Rep: rep, Iterations: 10, NsPerOp: base * f})
			}
		}
	}
	return raw
}

// The figure plots the model: its curve at every measured size (and between them) is the
// table's CPU, which for a fitted table is the fit's own evaluation; its points are the raw
// repetitions and their medians.
func TestFigureData(t *testing.T) {
	tb, err := FromRaw("gomls", synthetic(), Meta{Command: "test", Date: "2026-01-02"})
	if err != nil {
		t.Fatal(err)
	}
	if !tb.Fitted() {
		t.Fatal("FromRaw made no fits")
	}
	for _, f := range tb.Fits {
		d := Figure(tb, f.Op)
		if d.Formula != f.Formula || !slices.Equal(d.Sizes, []int{2, 4, 8, 16, 32, 64, 128}) {
			t.Fatalf("%s: formula %q, sizes %v", f.Op, d.Formula, d.Sizes)
		}
		if len(d.Raw) != 21 || len(d.Median) != 7 || len(d.Curve) != 127 {
			t.Fatalf("%s: %d raw, %d medians, %d curve points", f.Op, len(d.Raw), len(d.Median), len(d.Curve))
		}
		for _, xy := range d.Curve {
			n := int(xy.X)
			model := float64(tb.CPU(f.Op, n, "server")) / 1e3
			if xy.Y != model {
				t.Fatalf("%s: curve at %d is %v µs, the model gives %v", f.Op, n, xy.Y, model)
			}
			if math.Abs(xy.Y-f.Eval(n)/1e3) > 0.5e-3 {
				t.Fatalf("%s: curve at %d is %v µs, the fit evaluates to %v", f.Op, n, xy.Y, f.Eval(n)/1e3)
			}
		}
		for i, m := range d.Median {
			if m.Y != tb.Points[slices.IndexFunc(tb.Points, func(p cost.Point) bool { return p.Op == f.Op })+i].NsPerOp/1e3 {
				t.Fatalf("%s: median %d is %v", f.Op, i, m)
			}
		}
	}
	// Every even op was made linear, every odd one logarithmic.
	for i, f := range tb.Fits {
		want := cost.FormLog
		if i%2 == 0 {
			want = cost.FormLinear
		}
		if f.Form != want {
			t.Errorf("%s fitted by %s, want %s", f.Op, f.Formula, want)
		}
	}
	dir := t.TempDir()
	paths, err := WriteFigures(tb, filepath.Join(dir, "gomls-fit"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != len(mls.Ops) {
		t.Fatalf("%d figures", len(paths))
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil || !bytes.HasPrefix(data, []byte("\x89PNG")) {
			t.Fatalf("%s: not a PNG (%v)", p, err)
		}
	}
	if filepath.Base(paths[0]) != "gomls-fit-key_package.png" {
		t.Errorf("figure named %s", paths[0])
	}
}

// A real, small measurement: every op at two sizes, each repetition timed.
func TestMeasure(t *testing.T) {
	if testing.Short() {
		t.Skip("times real operations")
	}
	var calls int
	raw, err := Measure(gomls.New(), Options{Sizes: []int{2, 4}, Reps: 2, MinTime: time.Millisecond,
		Progress: func(mls.Op, int, int, int) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != len(mls.Ops)*2*2 || calls != len(raw) {
		t.Fatalf("%d raw points, %d progress calls", len(raw), calls)
	}
	for _, r := range raw {
		if r.NsPerOp <= 0 || r.Iterations < 1 {
			t.Errorf("%+v", r)
		}
		switch r.Op {
		case mls.OpCreateGroup, mls.OpExport:
			if r.Bytes != 0 {
				t.Errorf("%s reports %d bytes", r.Op, r.Bytes)
			}
		default:
			if r.Bytes <= 0 {
				t.Errorf("%s reports no message size", r.Op)
			}
		}
	}
	for _, bad := range []Options{
		{Sizes: []int{1, 4}, Reps: 1},
		{Sizes: []int{2, 4096}, Reps: 1},
		{Sizes: []int{2, 2}, Reps: 1},
		{Sizes: []int{2}, Reps: 0},
		{Reps: 1},
	} {
		if _, err := Measure(gomls.New(), bad); err == nil {
			t.Errorf("Measure accepted %+v", bad)
		}
	}
}

func TestDefaultSizes(t *testing.T) {
	for _, c := range []struct {
		max  int
		want []int
	}{{128, []int{2, 4, 8, 16, 32, 64, 128}}, {100, []int{2, 4, 8, 16, 32, 64, 100}}, {2, []int{2}}} {
		if got := DefaultSizes(c.max); !slices.Equal(got, c.want) {
			t.Errorf("DefaultSizes(%d) = %v", c.max, got)
		}
	}
}

// Unprotect is measured after many protects the receiver never saw (the protect measurements
// of the same group): the receiver must not be asked to skip more generations than its window,
// which rfc9420 (our engine) bounds at 1,024. Both engines must calibrate.
func TestUnprotectAfterManyProtects(t *testing.T) {
	for _, name := range engines.Names() {
		t.Run(name, func(t *testing.T) {
			e, err := engines.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			f := NewFixture(e)
			for _, c := range []struct {
				op    mls.Op
				iters int
			}{{mls.OpProtect, 1500}, {mls.OpUnprotect, 3}, {mls.OpProtect, 1500}, {mls.OpUnprotect, 1100}} {
				run, err := f.Prepare(c.op, 4, c.iters)
				if err != nil {
					t.Fatal(err)
				}
				for i := range c.iters {
					if _, err := run(i); err != nil {
						t.Fatalf("%s iteration %d: %v", c.op, i, err)
					}
				}
			}
		})
	}
}
