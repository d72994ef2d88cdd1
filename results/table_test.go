package results

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// oddStrings need quoting or are otherwise awkward in CSV.
var oddStrings = []string{"", "plain", "a,b", `say "hi"`, "line\nbreak", "cr\rhere", " lead", "\tlead", `\.`, "ünï", "all-ish"}

// randomObservations returns n observations over the strings of oddStrings and ids.
func randomObservations(n int, seed uint64) []Observation {
	r := rand.New(rand.NewPCG(seed, 1))
	pick := func() string { return oddStrings[r.IntN(len(oddStrings))] }
	obs := make([]Observation, n)
	for i := range obs {
		obs[i] = Observation{
			Metric: []string{"m1", "m2", "m,3"}[r.IntN(3)], Unit: pick(), Group: pick(),
			TimeNs: r.Int64() - math.MaxInt64/2, Source: pick(), Target: "c" + strconv.Itoa(r.IntN(50)),
			ID: r.Int64() - math.MaxInt64/2, Value: r.NormFloat64() * math.Pow(10, float64(r.IntN(30)-15)),
		}
	}
	if n >= 3 {
		obs[0].TimeNs, obs[1].TimeNs, obs[2].Value = math.MinInt64, math.MaxInt64, math.Copysign(0, -1)
	}
	return obs
}

func TestTableRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, tableChunk - 1, tableChunk, 2*tableChunk + 3} {
		obs := randomObservations(n, uint64(n))
		tb := TableOf(obs)
		if tb.Len() != n {
			t.Fatalf("n=%d: Len() = %d", n, tb.Len())
		}
		if got := tb.Slice(); !reflect.DeepEqual(got, obs) {
			t.Fatalf("n=%d: Slice() differs from the input", n)
		}
		count := 0
		for i, o := range tb.All() {
			if o != obs[i] {
				t.Fatalf("n=%d: All()[%d] = %+v, want %+v", n, i, o, obs[i])
			}
			if count++; count == 5 {
				break // stopping early must work
			}
		}
	}
}

func TestTableAddsOneByOne(t *testing.T) {
	obs := randomObservations(3000, 7)
	var tb Table // the zero Table is ready to use
	tb.Add(Observation{})
	if got := tb.At(0); got != (Observation{}) {
		t.Errorf("At(0) = %+v, want the zero Observation", got)
	}
	tb = Table{}
	for _, o := range obs {
		tb.Add(o)
	}
	for _, i := range []int{0, 1, 1234, 2999} {
		if got := tb.At(i); got != obs[i] {
			t.Errorf("At(%d) = %+v, want %+v", i, got, obs[i])
		}
	}
}

// TestObservationsCSVMatchesEncodingCSV checks the hand-rolled row writer against
// encoding/csv with the same records, on strings that need quoting and extreme numbers.
func TestObservationsCSVMatchesEncodingCSV(t *testing.T) {
	obs := randomObservations(2*tableChunk+5, 3)
	for _, params := range [][]Param{nil, {{"p", "1"}, {"q", `x,"y"`}}, {{"e", ""}}} {
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		cw.Write(paramHeader(params, observationColumns))
		for _, o := range obs {
			var rec []string
			for _, p := range params {
				rec = append(rec, p.Value)
			}
			rec = append(rec, o.Metric, o.Unit, o.Group, formatSeconds(o.TimeNs), o.Source, o.Target,
				strconv.FormatInt(o.ID, 10), formatExact(o.Value))
			cw.Write(rec)
		}
		cw.Flush()
		var got bytes.Buffer
		if err := writeObservationsCSV(&got, params, TableOf(obs)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			g, w := strings.Split(got.String(), "\n"), strings.Split(want.String(), "\n")
			for i := range min(len(g), len(w)) {
				if g[i] != w[i] {
					t.Fatalf("params %v: line %d is %q, encoding/csv writes %q", params, i+1, g[i], w[i])
				}
			}
			t.Fatalf("params %v: %d lines, encoding/csv writes %d", params, len(g), len(w))
		}
	}
}

// TestSummarizeTableMixedUnits: Summarize pools a metric's groups whatever their units and
// takes the unit of the metric's first observation, as it did over a slice.
func TestSummarizeTableMixedUnits(t *testing.T) {
	obs := []Observation{
		{Metric: "x", Unit: "ms", Group: "b", Value: 3},
		{Metric: "x", Unit: "s", Group: "a", Value: 1},
		{Metric: "x", Unit: "s", Group: "b", Value: 2},
		{Metric: "w", Unit: "", Group: "a", Value: math.NaN()},
	}
	rows := Summarize(obs)
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s/%s/%s n=%d mean=%v", r.Metric, r.Unit, r.Group, r.N, r.Mean))
	}
	want := []string{"w//a n=1 mean=NaN", "w//all n=1 mean=NaN", "x/ms/a n=1 mean=1", "x/ms/b n=2 mean=2.5", "x/ms/all n=3 mean=2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Summarize = %q, want %q", got, want)
	}
}

// TestCheckTableFirstOffender: the error names the first observation, in order, that breaks
// a rule, also when an earlier series is fine and the offender is in a later chunk.
func TestCheckTableFirstOffender(t *testing.T) {
	obs := make([]Observation, tableChunk+10)
	for i := range obs {
		obs[i] = Observation{Metric: "m", Unit: "ms", Group: "g", Value: 1}
	}
	obs[tableChunk+3].Value = math.Inf(1)
	obs[tableChunk+7].Group = AllGroup
	err := checkTable(TableOf(obs))
	if want := fmt.Sprintf("observation %d (metric \"m\") has the non-finite value +Inf", tableChunk+3); err == nil || err.Error() != want {
		t.Errorf("checkTable: %v, want %s", err, want)
	}
	obs[tableChunk+3].Value = 1
	obs[5].Unit = "s"
	err = checkTable(TableOf(obs))
	if want := `observation 5: metric "m" has unit "s", earlier observations have "ms"`; err == nil || err.Error() != want {
		t.Errorf("checkTable: %v, want %s", err, want)
	}
}

// TestWriteThinsLargeCDF: with more distinct values than are drawn, the figure plan keeps only
// the drawn steps and report.md still says that lines were thinned.
func TestWriteThinsLargeCDF(t *testing.T) {
	obs := make([]Observation, 5000)
	for i := range obs {
		obs[i] = Observation{Metric: "lat", Unit: "ms", Group: "g", Value: float64(i)}
	}
	figs, err := preparedFigures(Manifest{}, TableOf(obs), Options{CDFMetric: "lat"})
	if err != nil {
		t.Fatal(err)
	}
	s := figs[0].fig.series[0]
	if len(s.xs) != maxPlotSteps || s.steps != 5000 || s.n != 5000 {
		t.Errorf("series has %d steps kept, %d distinct values, n=%d; want %d, 5000, 5000", len(s.xs), s.steps, s.n, maxPlotSteps)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := Write(dir, Manifest{}, obs, Options{CDFMetric: "lat"}); err != nil {
		t.Fatal(err)
	}
	report, err := os.ReadFile(filepath.Join(dir, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(report, []byte("evenly spaced steps")) {
		t.Error("report.md does not say that the CDF lines were thinned")
	}
}

// TestTableAddIDs checks that a table filled with AddIDs, keeping the ids of its strings as a
// hot path does, writes the same CSV as one filled with Add, for observations in chunks.
func TestTableAddIDs(t *testing.T) {
	for _, n := range []int{0, 1, 2*tableChunk + 3} {
		obs := randomObservations(n, uint64(n)+7)
		want := TableOf(obs)
		var got Table
		ids := map[string]uint32{} // the caller's cache of its strings' ids
		id := func(s string) uint32 {
			v, ok := ids[s]
			if !ok {
				v = got.Intern(s)
				ids[s] = v
			}
			return v
		}
		for _, o := range obs {
			series := got.Series(o.Metric, o.Unit, o.Group)
			source := id(o.Source)
			got.AddIDs(series, source, id(o.Target), o.TimeNs, o.ID, o.Value)
		}
		if !reflect.DeepEqual(got.Slice(), want.Slice()) {
			t.Fatalf("n=%d: AddIDs gives other observations than Add", n)
		}
		var a, b bytes.Buffer
		if err := writeObservationsCSV(&a, nil, want); err != nil {
			t.Fatal(err)
		}
		if err := writeObservationsCSV(&b, nil, &got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("n=%d: the CSV of the AddIDs table differs", n)
		}
	}
}

func TestTableAddIDsUnknownID(t *testing.T) {
	for _, c := range []struct {
		name                   string
		series, source, target uint32
	}{{"series", 1, 0, 0}, {"source", 0, 2, 0}, {"target", 0, 0, 2}} {
		var tb Table
		tb.Series("m", "u", "") // series 0; strings "", m, u
		tb.Intern("x")
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: AddIDs with an unknown id did not panic", c.name)
				}
			}()
			tb.AddIDs(c.series, c.source+2, c.target+2, 0, 0, 0)
		}()
	}
}

// TestAppendExact compares appendExact with strconv on the values a run records (whole
// numbers, whole nanoseconds in milliseconds) and on others, edge cases included.
func TestAppendExact(t *testing.T) {
	check := func(v float64) {
		t.Helper()
		if got, want := string(appendExact([]byte("x"), v)), "x"+strconv.FormatFloat(v, 'f', -1, 64); got != want {
			t.Fatalf("appendExact(%v [%#x]) = %q, want %q", v, math.Float64bits(v), got, want)
		}
	}
	for _, v := range []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e-6, -1e-6, 1e-7, 0.000123, 81.5,
		4.435692, 438.030179, 999999999.999999, 999999999.9999999, -999999999.999999, 1e9, 1e9 + 0.5,
		1e15 - 1, 1e15, -1e15, 1e15 + 2, 1e21, 1e22, 123456789012345, 0.1, 0.2, 0.3, 1.0 / 3,
		math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1), math.Inf(-1), math.NaN(),
		float64(1<<53) + 2, 3917645363, 0.0012537803625} {
		check(v)
		check(-v)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 200_000 {
		ns := r.Int64N(2_000_000_000_000_000) - 1_000_000_000_000_000
		check(float64(ns) / 1e6)
		check(float64(ns>>r.IntN(50)) / 1e6)
		check(float64(ns >> r.IntN(60)))
		check(float64(ns) / 1e3)
		check(math.Float64frombits(r.Uint64()))
	}
}

// FuzzAppendExact: appendExact writes what strconv writes, for any float64 and for whole
// nanoseconds in milliseconds.
func FuzzAppendExact(f *testing.F) {
	f.Add(uint64(0x4051_6000_0000_0000), int64(81_500_000))
	f.Add(uint64(1<<63), int64(-1))
	f.Fuzz(func(t *testing.T, bits uint64, ns int64) {
		for _, v := range []float64{math.Float64frombits(bits), float64(ns) / 1e6, float64(ns)} {
			if got, want := string(appendExact(nil, v)), strconv.FormatFloat(v, 'f', -1, 64); got != want {
				t.Fatalf("appendExact(%v [%#x]) = %q, want %q", v, math.Float64bits(v), got, want)
			}
		}
	})
}

// TestAppendSeconds compares appendSeconds with formatSeconds.
func TestAppendSeconds(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	vals := []int64{0, 1, -1, 9, 10, 99_999_999, 100_000_000, 999_999_999, 1e9, -1e9, 1e9 + 1, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	for range 100_000 {
		vals = append(vals, int64(r.Uint64()), r.Int64N(1e12), -r.Int64N(1e10))
	}
	for _, ns := range vals {
		if got, want := string(appendSeconds([]byte("x"), ns)), "x"+formatSeconds(ns); got != want {
			t.Fatalf("appendSeconds(%d) = %q, want %q", ns, got, want)
		}
	}
}

// TestObservationsCSVParallel: with GOMAXPROCS > 1 observations.csv is formatted in blocks on
// several goroutines and written in order: the same bytes as with one; and a failing writer
// stops it with the writer's error.
func TestObservationsCSVParallel(t *testing.T) {
	tab := TableOf(randomObservations((3*csvBlockChunks+1)*tableChunk+17, 5))
	params := []Param{{"members", "10"}}
	var one bytes.Buffer
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	if err := writeObservationsCSV(&one, params, tab); err != nil {
		t.Fatal(err)
	}
	for _, procs := range []int{2, 3, 8} {
		runtime.GOMAXPROCS(procs)
		var many bytes.Buffer
		if err := writeObservationsCSV(&many, params, tab); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(one.Bytes(), many.Bytes()) {
			t.Fatalf("GOMAXPROCS=%d: %d bytes differ from GOMAXPROCS=1's %d", procs, many.Len(), one.Len())
		}
		fail := &failingWriter{left: one.Len() / 2}
		if err := writeObservationsCSV(fail, params, tab); !errors.Is(err, errDiskFull) {
			t.Fatalf("GOMAXPROCS=%d: writer failing half-way gives %v, want %v", procs, err, errDiskFull)
		}
	}
}

var errDiskFull = errors.New("disk full")

// failingWriter accepts left bytes, then fails.
type failingWriter struct{ left int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.left {
		n := f.left
		f.left = 0
		return n, errDiskFull
	}
	f.left -= len(p)
	return len(p), nil
}
