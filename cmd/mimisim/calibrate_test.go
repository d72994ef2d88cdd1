package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mimisim/mimisim/models/cost"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/results"
)

// TestCalibrateAndRunWithIt runs a small calibration, checks the file and its figures, and runs a
// scenario with it.
func TestCalibrateAndRunWithIt(t *testing.T) {
	if testing.Short() {
		t.Skip("times real MLS operations")
	}
	dir := t.TempDir()
	out, errOut, code := exe(t, dir, "calibrate", "--sizes", "2,4,8,16", "--reps", "2", "--mintime", "2ms", "--out", "cal/g.json")
	if code != 1 || !strings.Contains(errOut, "does not exist") {
		// The directory of --out must exist.
		t.Fatalf("calibrate into a missing directory: code %d, stderr %q", code, errOut)
	}
	if err := os.Mkdir(filepath.Join(dir, "cal"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = exe(t, dir, "calibrate", "--sizes", "2,4,8,16", "--reps", "2", "--mintime", "2ms", "--out", "cal/g.json")
	if code != 0 {
		t.Fatalf("calibrate: code %d, stderr %s", code, errOut)
	}
	for _, want := range []string{"calibration of gomls", "commit_update", "max |rel. residual|", "written: cal/g.json", "gomls@"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	tb, err := cost.LoadFile(filepath.Join(dir, "cal", "g.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !tb.Fitted() || len(tb.Fits) != len(mls.Ops) || len(tb.Raw) != len(mls.Ops)*4*2 || len(tb.Points) != len(mls.Ops)*4 {
		t.Fatalf("table: %d fits, %d raw, %d points", len(tb.Fits), len(tb.Raw), len(tb.Points))
	}
	if tb.Machine == "" || tb.CPUName == "" || tb.GoVersion == "" || tb.Date == "" || tb.FitRule == "" ||
		tb.Command != "mimisim calibrate --sizes 2,4,8,16 --reps 2 --mintime 2ms --out cal/g.json" {
		t.Errorf("metadata: %+v", tb)
	}
	for _, f := range tb.Fits {
		if len(f.Alternatives) != len(cost.Forms) || len(f.Residuals) != 4 {
			t.Errorf("%s: %d alternatives, %d residuals", f.Op, len(f.Alternatives), len(f.Residuals))
		}
		if _, err := os.Stat(filepath.Join(dir, "cal", "g-"+string(f.Op)+".png")); err != nil {
			t.Errorf("figure of %s: %v", f.Op, err)
		}
	}

	// run --calibration uses it and records it.
	small, _ := filepath.Abs("testdata/small.yaml")
	_, errOut, code = exe(t, dir, "run", small, "--out", "res", "--quiet", "--calibration", "cal/g.json")
	if code != 0 {
		t.Fatalf("run --calibration: %d %s", code, errOut)
	}
	m := readManifest(t, filepath.Join(dir, "res"))
	if m.Calibration != tb.ID()+" (cal/g.json)" || !strings.HasSuffix(tb.ID(), "+fit") || !m.Deterministic {
		t.Errorf("manifest calibration %q, deterministic %v", m.Calibration, m.Deterministic)
	}
}

func readManifest(t *testing.T, dir string) results.Manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m results.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTimeModeMeasured(t *testing.T) {
	dir := t.TempDir()
	small, _ := filepath.Abs("testdata/small.yaml")
	out, errOut, code := exe(t, dir, "run", small, "--out", "res", "--time-mode", "measured")
	if code != 0 {
		t.Fatalf("run --time-mode measured: %d %s", code, errOut)
	}
	if !strings.Contains(out, "time mode measured") {
		t.Errorf("output: %s", out)
	}
	m := readManifest(t, filepath.Join(dir, "res"))
	if m.TimeMode != "measured" || m.Deterministic || !strings.HasPrefix(m.Calibration, "none (time_mode measured") {
		t.Errorf("manifest: time_mode %q, deterministic %v, calibration %q", m.TimeMode, m.Deterministic, m.Calibration)
	}
	note := false
	for _, n := range m.Notes {
		note = note || strings.Contains(n, "wall-clock time the real call took")
	}
	if !note {
		t.Errorf("no note on measured time: %q", m.Notes)
	}

	// A zero-time run records no table; bad modes and combinations are usage errors.
	if _, errOut, code = exe(t, dir, "run", small, "--out", "z", "--quiet", "--time-mode", "zero"); code != 0 {
		t.Fatalf("zero: %s", errOut)
	}
	if m := readManifest(t, filepath.Join(dir, "z")); m.TimeMode != "zero" || !m.Deterministic || !strings.HasPrefix(m.Calibration, "none") {
		t.Errorf("zero manifest: %+v", m)
	}
	for _, args := range [][]string{
		{"run", small, "--time-mode", "fast"},
		{"run", small, "--time-mode", "zero", "--calibration", "x.json"},
		{"calibrate", "--reps", "0"},
		{"calibrate", "--sizes", "2,x"},
		{"calibrate", "--sizes", "2,2"},
		{"calibrate", "--engine", "nosuch"},
		{"calibrate", "extra"},
	} {
		if _, errOut, code := exe(t, dir, args...); code != 2 {
			t.Errorf("%v: code %d, stderr %s", args, code, errOut)
		}
	}
	if _, errOut, code := exe(t, dir, "run", small, "--calibration", "missing.json"); code != 1 || !strings.Contains(errOut, "missing.json") {
		t.Errorf("missing calibration: code %d, stderr %s", code, errOut)
	}
}

func TestParseSizes(t *testing.T) {
	got, err := parseSizes("8, 2,4")
	if err != nil || len(got) != 3 || got[0] != 2 || got[2] != 8 {
		t.Errorf("parseSizes = %v, %v", got, err)
	}
	var buf bytes.Buffer
	if err := mimisim([]string{"calibrate", "--sizes", "1,2,4,8", "--reps", "1", "--out", filepath.Join(t.TempDir(), "x.json")}, &buf, &buf); err == nil {
		t.Error("calibrate accepted a size of 1")
	}
}
