package cost

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mimisim/mimisim/models/mls"
)

// Form is the shape of a fitted cost curve. Every form is a special case of
//
//	cost(n) = a + b·log2(n) + c·h(n)
//
// in nanoseconds, n the group size: the form says which of b and c are free and what h is.
type Form string

// The candidate forms of a fit, simplest first.
const (
	FormConst  Form = "const"      // a
	FormLog    Form = "log"        // a + b·log2 n
	FormLinear Form = "linear"     // a + c·n
	FormLogLin Form = "log+linear" // a + b·log2 n + c·n
	FormNLogN  Form = "nlogn"      // a + c·n·log2 n
	FormQuad   Form = "quadratic"  // a + c·n²
)

// Forms lists the candidate forms in the order FitPoints tries them (simplest first, which is
// also the order of preference on ties).
var Forms = []Form{FormConst, FormLog, FormLinear, FormLogLin, FormNLogN, FormQuad}

// FitRule states how FitPoints chooses among the forms; calibration files record it.
const FitRule = "Each form is fitted by least squares on relative residuals (rows weighted by 1/measured, " +
	"so every size counts alike whatever its cost), to the median cost of each size. " +
	"A fit with a negative coefficient is rejected, as is a form with more than m-2 coefficients for m sizes. " +
	"Among the others the score is AICc = m·ln(RSS/m) + 2k + 2k(k+1)/(m-k-1), k coefficients; " +
	"the chosen form is the one with the fewest coefficients among those within 2 of the lowest AICc " +
	"(ties: the lower AICc, then the simpler form)."

// aiccSlack is how far above the best AICc a simpler form may score and still be chosen.
const aiccSlack = 2

// params returns the number of free coefficients of the form, or 0 for an unknown form.
func (f Form) params() int {
	switch f {
	case FormConst:
		return 1
	case FormLog, FormLinear, FormNLogN, FormQuad:
		return 2
	case FormLogLin:
		return 3
	}
	return 0
}

// hasB reports whether b (the log2 n coefficient) is free in the form.
func (f Form) hasB() bool { return f == FormLog || f == FormLogLin }

// hasC reports whether c (the coefficient of h(n)) is free in the form.
func (f Form) hasC() bool { return f != FormConst && f != FormLog }

// h is the form's growth term.
func (f Form) h(x float64) float64 {
	switch f {
	case FormLinear, FormLogLin:
		return x
	case FormNLogN:
		return x * math.Log2(x)
	case FormQuad:
		return x * x
	}
	return 0
}

// Expr is the form written with symbolic coefficients, e.g. "a + b·log2(n) + c·n".
func (f Form) Expr() string {
	switch f {
	case FormConst:
		return "a"
	case FormLog:
		return "a + b·log2(n)"
	case FormLinear:
		return "a + c·n"
	case FormLogLin:
		return "a + b·log2(n) + c·n"
	case FormNLogN:
		return "a + c·n·log2(n)"
	case FormQuad:
		return "a + c·n²"
	}
	return "?"
}

// Curve is a cost curve: Form with its coefficients, in nanoseconds. Coefficients the form does
// not use are zero.
type Curve struct {
	Form Form    `json:"form"`
	A    float64 `json:"a"`
	B    float64 `json:"b"`
	C    float64 `json:"c"`
}

// Eval returns the curve's cost in nanoseconds at group size n; sizes below 1 count as 1.
func (c Curve) Eval(n int) float64 {
	x := float64(max(n, 1))
	return c.A + c.B*math.Log2(x) + c.C*c.Form.h(x)
}

// String writes the curve with its coefficients in nanoseconds, e.g. "98231 + 1523·log2(n)".
func (c Curve) String() string {
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	s := num(c.A)
	if c.Form.hasB() {
		s += " + " + num(c.B) + "·log2(n)"
	}
	if c.Form.hasC() {
		s += " + " + num(c.C) + c.Form.term()
	}
	return s
}

// term is how the form's growth term h(n) is written after its coefficient.
func (f Form) term() string {
	switch f {
	case FormLinear, FormLogLin:
		return "·n"
	case FormNLogN:
		return "·n·log2(n)"
	case FormQuad:
		return "·n²"
	}
	return ""
}

// check validates a curve: a known form, finite non-negative coefficients, and zero for the
// coefficients the form does not use.
func (c Curve) check() error {
	if c.Form.params() == 0 {
		return fmt.Errorf("unknown form %q (allowed: %s)", c.Form, formList())
	}
	for _, v := range []struct {
		name string
		v    float64
		used bool
	}{{"a", c.A, true}, {"b", c.B, c.Form.hasB()}, {"c", c.C, c.Form.hasC()}} {
		switch {
		case math.IsNaN(v.v) || math.IsInf(v.v, 0) || v.v < 0:
			return fmt.Errorf("coefficient %s = %v, want finite and ≥ 0", v.name, v.v)
		case !v.used && v.v != 0:
			return fmt.Errorf("coefficient %s = %v, but form %s has no %s", v.name, v.v, c.Form, v.name)
		}
	}
	return nil
}

func formList() string {
	s := make([]string, len(Forms))
	for i, f := range Forms {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// Residual compares the fitted and the measured cost at one size.
type Residual struct {
	Members  int     `json:"members"`
	Measured float64 `json:"measured_ns"`
	Fitted   float64 `json:"fitted_ns"`
	Rel      float64 `json:"rel"` // (fitted - measured) / measured
}

// Candidate is one form fitted to an op's points, chosen or not.
type Candidate struct {
	Curve
	// RSSRel is the sum of squared relative residuals.
	RSSRel float64 `json:"rss_rel"`
	// AICc is the score (lower is better); nil for a rejected candidate.
	AICc *float64 `json:"aicc"`
	// Rejected says why the candidate may not be chosen; empty if it may.
	Rejected string `json:"rejected,omitempty"`
}

// Fit is the calibrated cost curve of one op: the chosen curve, how well it matches the
// measurements, and every candidate with its score.
type Fit struct {
	Op mls.Op `json:"op"`
	Curve
	Formula      string      `json:"formula"` // the chosen form with its coefficients, ns
	MaxRel       float64     `json:"max_rel_residual"`
	RMSRel       float64     `json:"rms_rel_residual"`
	Residuals    []Residual  `json:"residuals"`
	Alternatives []Candidate `json:"alternatives"`
}

// FitPoints fits every form of Forms to the points of one op (one point per group size; see
// FitRule) and returns the chosen fit with every candidate. It fails for fewer than three points,
// for points of several ops or sizes given twice, and when no candidate is acceptable.
func FitPoints(points []Point) (Fit, error) {
	if len(points) < 3 {
		return Fit{}, fmt.Errorf("cost: fitting needs at least 3 sizes, got %d", len(points))
	}
	pts := slices.Clone(points)
	slices.SortFunc(pts, func(a, b Point) int { return a.Members - b.Members })
	op := pts[0].Op
	for i, p := range pts {
		switch {
		case p.Op != op:
			return Fit{}, fmt.Errorf("cost: fitting points of two ops, %s and %s", op, p.Op)
		case p.Members < 1 || !(p.NsPerOp >= 0) || math.IsInf(p.NsPerOp, 0):
			return Fit{}, fmt.Errorf("cost: %s: bad point %+v", op, p)
		case i > 0 && p.Members == pts[i-1].Members:
			return Fit{}, fmt.Errorf("cost: %s: two points at %d members", op, p.Members)
		}
	}
	m := len(pts)
	var cands []Candidate
	best := math.Inf(1)
	for _, form := range Forms {
		c := fitForm(form, pts)
		cands = append(cands, c)
		if c.AICc != nil {
			best = min(best, *c.AICc)
		}
	}
	chosen := -1
	for i, c := range cands {
		if c.AICc == nil || *c.AICc > best+aiccSlack {
			continue
		}
		if chosen < 0 {
			chosen = i
			continue
		}
		k, kc := c.Form.params(), cands[chosen].Form.params()
		if k < kc || (k == kc && *c.AICc < *cands[chosen].AICc) {
			chosen = i
		}
	}
	if chosen < 0 {
		var why []string
		for _, c := range cands {
			why = append(why, string(c.Form)+": "+c.Rejected)
		}
		return Fit{}, fmt.Errorf("cost: %s: no acceptable fit (%s)", op, strings.Join(why, "; "))
	}
	f := Fit{Op: op, Curve: cands[chosen].Curve, Alternatives: cands}
	f.Formula = f.Curve.String()
	var ss float64
	for _, p := range pts {
		r := Residual{Members: p.Members, Measured: p.NsPerOp, Fitted: f.Eval(p.Members)}
		r.Rel = (r.Fitted - r.Measured) / weightBase(r.Measured)
		f.Residuals = append(f.Residuals, r)
		ss += r.Rel * r.Rel
		f.MaxRel = max(f.MaxRel, math.Abs(r.Rel))
	}
	f.RMSRel = math.Sqrt(ss / float64(m))
	return f, nil
}

// weightBase is what a residual is divided by: the measured cost, at least 1 ns.
func weightBase(ns float64) float64 { return max(ns, 1) }

// minMeanSquare floors RSS/m in the AICc, so that exact fits score finitely (a relative error of
// 1e-12 is below any timing resolution).
const minMeanSquare = 1e-24

// fitForm fits one form by weighted least squares and scores it.
func fitForm(form Form, pts []Point) Candidate {
	c := Candidate{Curve: Curve{Form: form}}
	m, k := len(pts), form.params()
	if m-k-1 < 1 {
		c.Rejected = fmt.Sprintf("%d coefficients need at least %d sizes", k, k+2)
		return c
	}
	// Columns: 1, then log2 n if b is free, then h(n) if c is free; each row divided by the
	// measured cost, each column scaled to unit norm for conditioning.
	cols := make([][]float64, 0, k)
	basis := []func(x float64) float64{func(float64) float64 { return 1 }}
	if form.hasB() {
		basis = append(basis, math.Log2)
	}
	if form.hasC() {
		basis = append(basis, form.h)
	}
	for _, f := range basis {
		col := make([]float64, m)
		for i, p := range pts {
			col[i] = f(float64(p.Members)) / weightBase(p.NsPerOp)
		}
		cols = append(cols, col)
	}
	a := mat.NewDense(m, k, nil)
	scale := make([]float64, k)
	for j, col := range cols {
		scale[j] = math.Sqrt(dot(col, col))
		if scale[j] == 0 {
			c.Rejected = "a basis column is zero"
			return c
		}
		for i, v := range col {
			a.Set(i, j, v/scale[j])
		}
	}
	y := mat.NewVecDense(m, nil)
	for i, p := range pts {
		y.SetVec(i, p.NsPerOp/weightBase(p.NsPerOp))
	}
	var x mat.VecDense
	if err := x.SolveVec(a, y); err != nil {
		var cond mat.Condition
		if !errors.As(err, &cond) || float64(cond) > 1e12 {
			c.Rejected = "least squares failed: " + err.Error()
			return c
		}
	}
	coef := make([]float64, k)
	for j := range coef {
		coef[j] = x.AtVec(j) / scale[j]
	}
	c.A = coef[0]
	j := 1
	if form.hasB() {
		c.B = coef[j]
		j++
	}
	if form.hasC() {
		c.C = coef[j]
	}
	for _, p := range pts {
		r := (c.Eval(p.Members) - p.NsPerOp) / weightBase(p.NsPerOp)
		c.RSSRel += r * r
	}
	for _, v := range []struct {
		name string
		v    float64
	}{{"a", c.A}, {"b", c.B}, {"c", c.C}} {
		if v.v < 0 {
			c.Rejected = fmt.Sprintf("negative coefficient %s = %.4g", v.name, v.v)
			return c
		}
	}
	fm, fk := float64(m), float64(k)
	score := fm*math.Log(max(c.RSSRel/fm, minMeanSquare)) + 2*fk + 2*fk*(fk+1)/(fm-fk-1)
	c.AICc = &score
	return c
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// Medians reduces raw measurements to one point per op and size: the median of its repetitions.
// The points come in the order of mls.Ops, then by size.
func Medians(raw []RawPoint) []Point {
	type key struct {
		op mls.Op
		n  int
	}
	samples := map[key][]float64{}
	var keys []key
	for _, r := range raw {
		k := key{r.Op, r.Members}
		if _, ok := samples[k]; !ok {
			keys = append(keys, k)
		}
		samples[k] = append(samples[k], r.NsPerOp)
	}
	rank := func(op mls.Op) int {
		if i := slices.Index(mls.Ops, op); i >= 0 {
			return i
		}
		return len(mls.Ops)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if d := rank(a.op) - rank(b.op); d != 0 {
			return d
		}
		if d := strings.Compare(string(a.op), string(b.op)); d != 0 {
			return d
		}
		return a.n - b.n
	})
	pts := make([]Point, len(keys))
	for i, k := range keys {
		pts[i] = Point{Op: k.op, Members: k.n, NsPerOp: median(samples[k])}
	}
	return pts
}

func median(s []float64) float64 {
	s = slices.Clone(s)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// FitTable fits a curve to the points of every op of mls.Ops and stores them in t.Fits (and the
// rule in t.FitRule), so that t.CPU evaluates the fits from then on. t must be valid.
func (t *Table) FitTable() error {
	if err := t.Validate(); err != nil {
		return err
	}
	fits := make([]Fit, 0, len(mls.Ops))
	for _, op := range mls.Ops {
		f, err := FitPoints(t.curves[op])
		if err != nil {
			return err
		}
		fits = append(fits, f)
	}
	t.Fits, t.FitRule = fits, FitRule
	return t.Validate()
}
