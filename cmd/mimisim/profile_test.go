package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// spin is a known busy function: it only computes, calls nothing and is not inlined, so a CPU
// profile of it has it as the innermost frame of nearly every sample.
//
//go:noinline
func spin(d time.Duration) uint64 {
	x := uint64(88172645463325252)
	deadline := time.Now().Add(d)
	for {
		for range 1 << 20 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
		}
		if time.Now().After(deadline) {
			return x
		}
	}
}

var sink uint64

// TestProfileFindsBusyFunction profiles spin with runtime/pprof and checks that mimisim profile
// puts it at the top, by flat and by cumulative time.
func TestProfileFindsBusyFunction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	sink = spin(500 * time.Millisecond)
	pprof.StopCPUProfile()
	f.Close()

	const name = "github.com/mimisim/mimisim/cmd/mimisim.spin"
	r, _ := os.Open(path)
	p, err := profile.Parse(r)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	tp, err := topFunctions(p, "")
	if err != nil {
		t.Fatal(err)
	}
	if tp.Type.Type != "cpu" || tp.Type.Unit != "nanoseconds" || tp.Total <= 0 {
		t.Fatalf("sample type %+v, total %d", tp.Type, tp.Total)
	}
	// spin must own most of the samples. Under machine load the runtime preempts it
	// asynchronously, and samples taken then have runtime.asyncPreempt as their innermost frame
	// (spin is its caller): so spin must be among the top three by flat time and hold at least
	// half of the total cumulatively.
	topN := min(3, len(tp.Funcs))
	var flatRank = -1
	for i, f := range tp.Funcs[:topN] {
		if f.Name == name {
			flatRank = i
		}
	}
	cum := int64(0)
	for _, f := range tp.Funcs {
		if f.Name == name {
			cum = f.Cum
		}
	}
	if flatRank < 0 || float64(cum) < 0.5*float64(tp.Total) {
		t.Fatalf("%s: flat rank %d (want one of the top %d), cum %d of %d ns; top: %+v", name, flatRank, topN, cum, tp.Total, tp.Funcs[:topN])
	}

	// The command: top by flat, then by cum (spin's callers share its cum; testing.tRunner is one).
	var out bytes.Buffer
	if err := mimisim([]string{"profile", path, "--top", "3"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "sample type cpu (nanoseconds)") ||
		!strings.Contains(lines[1], "flat%") || !strings.HasSuffix(lines[2+flatRank], " "+name) {
		t.Fatalf("profile output:\n%s", out.String())
	}
	out.Reset()
	if err := mimisim([]string{"profile", "--cum", "--top", "50", path}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{name, "testing.tRunner", "cmd/mimisim.TestProfileFindsBusyFunction"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--cum output lacks %s:\n%s", want, out.String())
		}
	}
}

// TestTopFunctions checks the aggregation on a profile built by hand: flat goes to the innermost
// frame (the first line of an inlined location), cum to every function on the stack once per
// sample, recursion included.
func TestTopFunctions(t *testing.T) {
	fn := map[string]*profile.Function{}
	for i, n := range []string{"main", "a", "b", "inl", "rec"} {
		fn[n] = &profile.Function{ID: uint64(i + 1), Name: n}
	}
	loc := func(id uint64, names ...string) *profile.Location {
		l := &profile.Location{ID: id, Address: 0x1000 + id}
		for _, n := range names {
			l.Line = append(l.Line, profile.Line{Function: fn[n]})
		}
		return l
	}
	lMain, lA, lB, lBInl, lRec, lBare := loc(1, "main"), loc(2, "a"), loc(3, "b"), loc(4, "inl", "b"), loc(5, "rec"), loc(6)
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		Sample: []*profile.Sample{
			{Location: []*profile.Location{lA, lB, lMain}, Value: []int64{1, 10}},
			{Location: []*profile.Location{lB, lMain}, Value: []int64{1, 5}},
			{Location: []*profile.Location{lBInl, lMain}, Value: []int64{1, 7}},            // inl inlined into b
			{Location: []*profile.Location{lRec, lRec, lRec, lMain}, Value: []int64{1, 3}}, // recursion
			{Location: []*profile.Location{lBare, lMain}, Value: []int64{1, 2}},            // no symbols
		},
	}
	for i, l := range []*profile.Location{lMain, lA, lB, lBInl, lRec, lBare} {
		p.Location = append(p.Location, l)
		_ = i
	}
	for _, f := range fn {
		p.Function = append(p.Function, f)
	}
	tp, err := topFunctions(p, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []funcValue{
		{"a", 10, 10}, {"inl", 7, 7}, {"b", 5, 22}, {"rec", 3, 3}, {"0x1006", 2, 2}, {"main", 0, 27},
	}
	if tp.Total != 27 || len(tp.Funcs) != len(want) {
		t.Fatalf("total %d, funcs %+v", tp.Total, tp.Funcs)
	}
	for i := range want {
		if tp.Funcs[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, tp.Funcs[i], want[i])
		}
	}
	tp.sortByCum()
	if tp.Funcs[0].Name != "main" || tp.Funcs[1].Name != "b" {
		t.Errorf("by cum: %+v", tp.Funcs)
	}
	counts, err := topFunctions(p, "samples")
	if err != nil || counts.Total != 5 || counts.Funcs[0].Flat != 1 {
		t.Errorf("samples: %+v, %v", counts, err)
	}
	if _, err := topFunctions(p, "alloc_space"); err == nil || !strings.Contains(err.Error(), "cpu") {
		t.Errorf("unknown sample type: %v", err)
	}
}

func TestFormatValue(t *testing.T) {
	for _, c := range []struct {
		v    int64
		unit string
		want string
	}{
		{1500000, "nanoseconds", "1.5ms"}, {3190000000, "nanoseconds", "3.19s"},
		{512, "bytes", "512B"}, {1536000, "bytes", "1.536MB"}, {2500000000, "bytes", "2.50GB"},
		{42, "count", "42"},
	} {
		if got := formatValue(c.v, c.unit); got != c.want {
			t.Errorf("formatValue(%d, %s) = %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}

func TestProfileUsage(t *testing.T) {
	for _, args := range [][]string{{"profile"}, {"profile", "a", "b"}, {"profile", "x", "--top", "0"}, {"profile", "x", "--bogus"}} {
		err := mimisim(args, &bytes.Buffer{}, &bytes.Buffer{})
		if _, ok := err.(usageError); !ok {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	if err := mimisim([]string{"profile", filepath.Join(t.TempDir(), "none")}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Error("a missing file is no error")
	}
}
