package cost

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/mls"
)

var fitSizes = []int{2, 4, 8, 16, 32, 64, 128}

func pointsOf(op mls.Op, f func(n float64) float64, sizes ...int) []Point {
	if len(sizes) == 0 {
		sizes = fitSizes
	}
	var ps []Point
	for _, n := range sizes {
		ps = append(ps, Point{Op: op, Members: n, NsPerOp: f(float64(n))})
	}
	return ps
}

func near(a, b, rel float64) bool { return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b)) }

// Exact data of each form is fitted by that form, with its coefficients.
func TestFitRecoversEachForm(t *testing.T) {
	cases := []Curve{
		{Form: FormConst, A: 105000},
		{Form: FormLog, A: 90000, B: 12000},
		{Form: FormLinear, A: 300000, C: 25000},
		{Form: FormLogLin, A: 200000, B: 80000, C: 15000},
		{Form: FormNLogN, A: 500000, C: 900},
		{Form: FormQuad, A: 400000, C: 60},
	}
	for _, want := range cases {
		t.Run(string(want.Form), func(t *testing.T) {
			f, err := FitPoints(pointsOf(mls.OpCommitUpdate, func(n float64) float64 { return want.Eval(int(n)) }))
			if err != nil {
				t.Fatal(err)
			}
			if f.Form != want.Form {
				t.Fatalf("chose %s (%s), want %s; candidates %+v", f.Form, f.Formula, want.Form, f.Alternatives)
			}
			for _, c := range [][2]float64{{f.A, want.A}, {f.B, want.B}, {f.C, want.C}} {
				if !near(c[0], c[1], 1e-6) && math.Abs(c[0]-c[1]) > 1e-6 {
					t.Errorf("coefficients %+v, want %+v", f.Curve, want)
				}
			}
			if f.MaxRel > 1e-9 || len(f.Residuals) != len(fitSizes) || len(f.Alternatives) != len(Forms) {
				t.Errorf("max residual %v, %d residuals, %d alternatives", f.MaxRel, len(f.Residuals), len(f.Alternatives))
			}
			if f.Op != mls.OpCommitUpdate || f.Formula != f.Curve.String() {
				t.Errorf("op %s formula %q", f.Op, f.Formula)
			}
		})
	}
}

// Noisy data: the rule prefers the simpler form when the extra coefficient buys little.
func TestFitPrefersSimpleUnderNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	noisy := func(f func(float64) float64) func(float64) float64 {
		return func(n float64) float64 { return f(n) * (1 + 0.01*(2*rng.Float64()-1)) }
	}
	flat, err := FitPoints(pointsOf(mls.OpKeyPackage, noisy(func(float64) float64 { return 105000 })))
	if err != nil {
		t.Fatal(err)
	}
	if flat.Form != FormConst || !near(flat.A, 105000, 0.01) || flat.MaxRel > 0.02 {
		t.Errorf("flat data fitted by %s", flat.Formula)
	}
	lin, err := FitPoints(pointsOf(mls.OpCommitUpdate, noisy(func(n float64) float64 { return 400000 + 190000*n })))
	if err != nil {
		t.Fatal(err)
	}
	if lin.Form != FormLinear || !near(lin.C, 190000, 0.02) {
		t.Errorf("linear data fitted by %s", lin.Formula)
	}
}

func candidate(t *testing.T, f Fit, form Form) Candidate {
	t.Helper()
	for _, c := range f.Alternatives {
		if c.Form == form {
			return c
		}
	}
	t.Fatalf("no candidate %s", form)
	return Candidate{}
}

func TestFitRejects(t *testing.T) {
	// Falling costs: every form with a growth term gets a negative coefficient.
	f, err := FitPoints(pointsOf(mls.OpExport, func(n float64) float64 { return 10000 - 500*math.Log2(n) }))
	if err != nil {
		t.Fatal(err)
	}
	if f.Form != FormConst {
		t.Fatalf("chose %s", f.Formula)
	}
	for _, form := range []Form{FormLog, FormLinear, FormNLogN, FormQuad} {
		c := candidate(t, f, form)
		if c.AICc != nil || !strings.Contains(c.Rejected, "negative coefficient") {
			t.Errorf("%s: aicc %v, rejected %q", form, c.AICc, c.Rejected)
		}
	}
	// Three sizes: too few for three coefficients, and for two (AICc needs m ≥ k+2).
	f, err = FitPoints(pointsOf(mls.OpExport, func(n float64) float64 { return 100 * n }, 2, 8, 32))
	if err != nil {
		t.Fatal(err)
	}
	if f.Form != FormConst || !strings.Contains(candidate(t, f, FormLogLin).Rejected, "at least 5 sizes") {
		t.Errorf("three sizes: chose %s; log+linear: %q", f.Form, candidate(t, f, FormLogLin).Rejected)
	}
	// Bad input.
	bad := map[string][]Point{
		"two points": pointsOf(mls.OpExport, func(float64) float64 { return 1 }, 2, 4),
		"mixed ops":  append(pointsOf(mls.OpExport, func(float64) float64 { return 1 }, 2, 4), Point{Op: mls.OpJoin, Members: 8, NsPerOp: 1}),
		"duplicate":  pointsOf(mls.OpExport, func(float64) float64 { return 1 }, 2, 4, 4),
		"NaN":        pointsOf(mls.OpExport, func(float64) float64 { return math.NaN() }, 2, 4, 8),
	}
	for name, ps := range bad {
		if _, err := FitPoints(ps); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// fittedTable is a table of exact linear costs with fits.
func fittedTable(t *testing.T) *Table {
	t.Helper()
	tb := &Table{Engine: "test", Date: "2026-01-02"}
	for i, op := range mls.Ops {
		tb.Points = append(tb.Points, pointsOf(op, func(n float64) float64 { return 1000*float64(i+1) + 100*n })...)
	}
	if err := tb.FitTable(); err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestFittedTableEvaluatesFits(t *testing.T) {
	tb := fittedTable(t)
	if !tb.Fitted() || tb.ID() != "test@2026-01-02+fit" || tb.FitRule != FitRule || len(tb.Fits) != len(mls.Ops) {
		t.Fatalf("fitted %v, id %s, %d fits", tb.Fitted(), tb.ID(), len(tb.Fits))
	}
	for i, op := range mls.Ops {
		for _, n := range []int{1, 2, 3, 100, 128, 1000} {
			want := 1000*float64(i+1) + 100*float64(max(n, 1))
			if got := tb.CPU(op, n, "server"); got != time.Duration(math.Round(want)) {
				t.Errorf("CPU(%s, %d) = %v, want %v ns", op, n, got, want)
			}
			if got := tb.CPU(op, n, "phone"); got != time.Duration(math.Round(3*want)) {
				t.Errorf("phone CPU(%s, %d) = %v, want %v ns", op, n, got, 3*want)
			}
		}
	}
	// The JSON form parses back to the same model; NaN-free (rejected candidates have null).
	data, err := json.Marshal(tb)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range mls.Ops {
		if back.CPU(op, 77, "server") != tb.CPU(op, 77, "server") {
			t.Errorf("%s: parsed table differs", op)
		}
	}
}

// A point table and a fitted table of the same points agree at the measured sizes when the fit is
// exact, and differ between them (the fit is not piecewise linear in log2 n).
func TestFitVersusInterpolation(t *testing.T) {
	tb := fittedTable(t)
	pt := &Table{Engine: tb.Engine, Date: tb.Date, Points: tb.Points}
	if err := pt.Validate(); err != nil {
		t.Fatal(err)
	}
	if pt.Fitted() || pt.ID() != "test@2026-01-02" {
		t.Fatalf("point table: fitted %v id %s", pt.Fitted(), pt.ID())
	}
	if a, b := pt.CPU(mls.OpJoin, 64, "server"), tb.CPU(mls.OpJoin, 64, "server"); a != b {
		t.Errorf("at a measured size: interpolated %v, fitted %v", a, b)
	}
	if a, b := pt.CPU(mls.OpJoin, 90, "server"), tb.CPU(mls.OpJoin, 90, "server"); a == b {
		t.Errorf("between sizes both give %v", a)
	}
}

func TestValidateFits(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(*Table)
		errHas string
	}{
		{"missing op", func(t *Table) { t.Fits = t.Fits[1:] }, "no fits for key_package"},
		{"duplicate", func(t *Table) { t.Fits = append(t.Fits, t.Fits[0]) }, "two fits"},
		{"unknown op", func(t *Table) { t.Fits[0].Op = "teleport" }, "teleport"},
		{"unknown form", func(t *Table) { t.Fits[0].Form = "cubic" }, "cubic"},
		{"negative", func(t *Table) { t.Fits[0].A = -1 }, "coefficient a"},
		{"NaN", func(t *Table) { t.Fits[0].A = math.NaN() }, "coefficient a"},
		{"unused coefficient", func(t *Table) { t.Fits[0].Form, t.Fits[0].B = FormLinear, 3 }, "has no b"},
		{"bad raw point", func(t *Table) { t.Raw = []RawPoint{{Op: mls.OpJoin, Members: 2, Iterations: 0, NsPerOp: 1}} }, "raw point 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb := fittedTable(t)
			c.edit(tb)
			err := tb.Validate()
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Fatalf("Validate = %v, want an error with %q", err, c.errHas)
			}
		})
	}
}

func TestMedians(t *testing.T) {
	raw := []RawPoint{
		{Op: mls.OpJoin, Members: 4, NsPerOp: 30},
		{Op: mls.OpKeyPackage, Members: 2, NsPerOp: 5},
		{Op: mls.OpJoin, Members: 4, NsPerOp: 10},
		{Op: mls.OpJoin, Members: 2, NsPerOp: 7},
		{Op: mls.OpJoin, Members: 4, NsPerOp: 20},
		{Op: mls.OpKeyPackage, Members: 2, NsPerOp: 9},
	}
	got := Medians(raw)
	want := []Point{{mls.OpKeyPackage, 2, 7}, {mls.OpJoin, 2, 7}, {mls.OpJoin, 4, 20}}
	if len(got) != len(want) {
		t.Fatalf("Medians = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("point %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestWall(t *testing.T) {
	w := Wall{}
	if got := w.Charge(mls.OpProtect, 8, "phone", 1500*time.Nanosecond); got != 4500*time.Nanosecond {
		t.Errorf("Charge on a phone = %v", got)
	}
	if got := w.Charge(mls.OpProtect, 8, "server", -5); got != 0 {
		t.Errorf("negative elapsed charged %v", got)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Wall.CPU without a fallback did not panic")
			}
		}()
		w.CPU(mls.OpProtect, 8, "server")
	}()
	tb := fittedTable(t)
	if got := (Wall{Fallback: tb}).CPU(mls.OpJoin, 8, "server"); got != tb.CPU(mls.OpJoin, 8, "server") {
		t.Errorf("fallback CPU = %v", got)
	}
	var m Model = Wall{}
	if _, ok := m.(Measured); !ok {
		t.Error("Wall is not Measured")
	}
	if _, ok := Model(tb).(Measured); ok {
		t.Error("a Table is Measured")
	}
}

// The shipped calibration parses, is fitted, and is not mistaken for an engine's default.
func TestShippedFit(t *testing.T) {
	data, err := tables.ReadFile("tables/gomls-fit.json")
	if err != nil {
		t.Fatal(err)
	}
	tb, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if !tb.Fitted() || tb.Engine != "gomls" || tb.Machine == "" || tb.Command == "" || len(tb.Raw) == 0 || tb.FitRule != FitRule {
		t.Fatalf("gomls-fit.json: fitted %v, engine %q, machine %q, %d raw points", tb.Fitted(), tb.Engine, tb.Machine, len(tb.Raw))
	}
	for _, op := range mls.Ops {
		if tb.CPU(op, 64, "server") <= 0 {
			t.Errorf("%s costs nothing", op)
		}
	}
	if got := Engines(); !slices.Contains(got, "gomls") || slices.Contains(got, "gomls-fit") {
		t.Errorf("Engines() = %v", got)
	}
	if _, err := Load("gomls-fit"); err == nil {
		t.Error("Load(gomls-fit) succeeded")
	}
}
