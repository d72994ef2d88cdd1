package results

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// snapshot reads every file below dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range listFiles(t, dir) {
		out[f] = mustRead(t, filepath.Join(dir, f))
	}
	return out
}

// Rebuild recreates exactly the derived files Write and WriteSweep wrote, keeps the others, and
// drops stale ones.
func TestRebuild(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		write func(dir string) error
		opts  Options
	}{
		{"run", func(dir string) error { return Write(dir, testManifest(), testObservations(), testOptions()) }, testOptions()},
		{"run without figures", func(dir string) error { return Write(dir, testManifest(), testObservations(), Options{}) }, Options{}},
		{"sweep", func(dir string) error { m, obs := smallSweep(3); return WriteSweep(dir, m, obs, sweepOptions()) }, sweepOptions()},
		{"sweep with one replication", func(dir string) error { m, obs := smallSweep(1); return WriteSweep(dir, m, obs, sweepOptions()) }, sweepOptions()},
		{"sweep without axes", func(dir string) error {
			m := Manifest{Sweep: &SweepInfo{Replications: 2, Points: []SweepPoint{{Index: 0}},
				Jobs: []SweepJob{{Point: 0, Replication: 0, Seed: 5}, {Point: 0, Replication: 1, Seed: 6}}}}
			obs := [][]Observation{{{Metric: "m", Group: "g", Value: 1}}, {{Metric: "m", Group: "g", Value: 3}}}
			return WriteSweep(dir, m, obs, Options{CDFMetric: "m"})
		}, Options{CDFMetric: "m"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "res")
			if err := tc.write(dir); err != nil {
				t.Fatal(err)
			}
			want := snapshot(t, dir)
			// Remove the derived files, add a stale figure and a file of the user's.
			for _, f := range []string{ReportFile, SummaryCSVFile, FiguresDir} {
				if err := os.RemoveAll(filepath.Join(dir, f)); err != nil {
					t.Fatal(err)
				}
			}
			mustMkdir(t, filepath.Join(dir, FiguresDir))
			mustWrite(t, filepath.Join(dir, FiguresDir, "stale.png"))
			mustWrite(t, filepath.Join(dir, "notes.txt"))
			if err := Rebuild(dir, tc.opts); err != nil {
				t.Fatal(err)
			}
			got := snapshot(t, dir)
			if got["notes.txt"] != "x" {
				t.Error("Rebuild lost a file of the user's")
			}
			delete(got, "notes.txt")
			if !reflect.DeepEqual(sortedKeysOfStrings(got), sortedKeysOfStrings(want)) {
				t.Fatalf("files after Rebuild:\n got %q\nwant %q", sortedKeysOfStrings(got), sortedKeysOfStrings(want))
			}
			for f, w := range want {
				if got[f] != w {
					t.Errorf("%s differs after Rebuild", f)
				}
			}
			if got := entries(t, parent); !reflect.DeepEqual(got, []string{"res"}) {
				t.Errorf("parent holds %q after Rebuild", got)
			}
		})
	}
}

func sortedKeysOfStrings(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return sorted(ks)
}

func TestRebuildFailureKeepsDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "res")
	m, obs := smallSweep(2)
	if err := WriteSweep(dir, m, obs, sweepOptions()); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	opts := sweepOptions()
	opts.failHook = failAt(ReportFile)
	if err := Rebuild(dir, opts); !errors.Is(err, errInjected) {
		t.Fatalf("got %v, want the injected error", err)
	}
	if !reflect.DeepEqual(snapshot(t, dir), before) {
		t.Error("a failed Rebuild changed the directory")
	}
	if got := entries(t, filepath.Dir(dir)); !reflect.DeepEqual(got, []string{"res"}) {
		t.Errorf("a failed Rebuild left %q", got)
	}
}

func TestRebuildErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		break_  func(t *testing.T, dir string)
		errText string
	}{
		{"no directory", func(t *testing.T, dir string) { os.RemoveAll(dir) }, "no such file"},
		{"no manifest", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, ManifestFile)) }, "no such file"},
		{"unknown manifest field", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, ManifestFile), `"tool":`, `"colour": 1, "tool":`)
		}, `unknown field "colour"`},
		{"no observations", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, ObservationsFile)) }, "no such file"},
		{"wrong header", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, ObservationsFile), "point,", "pt,")
		}, "header is pt,"},
		{"foreign parameter value", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, ObservationsFile), "\n0,2,0.05,", "\n0,3,0.05,")
		}, "column room.members is \"3\" but point 0 has \"2\""},
		{"unknown job", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, ObservationsFile), "\n0,2,0.05,0,", "\n0,2,0.05,9,")
		}, "is not a job of the manifest"},
		{"wrong seed", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, ObservationsFile), "\n0,2,0.05,0,1,", "\n0,2,0.05,0,2,")
		}, "seed 2, but the manifest gives job 0 seed 1"},
		{"bad time", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, ObservationsFile), ",0.250000000,", ",0.25,")
		}, "column time_s"},
		{"bad value", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, ObservationsFile), ",c1,1,25.5\n", ",c1,1,x\n")
		}, "column value"},
	}
	template := filepath.Join(t.TempDir(), "res")
	m, obs := smallSweep(2)
	if err := WriteSweep(template, m, obs, sweepOptions()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "res")
			if err := os.CopyFS(dir, os.DirFS(template)); err != nil {
				t.Fatal(err)
			}
			tc.break_(t, dir)
			err := Rebuild(dir, sweepOptions())
			if err == nil || !strings.Contains(err.Error(), tc.errText) {
				t.Fatalf("got error %v, want one saying %q", err, tc.errText)
			}
		})
	}
}

// edit replaces the first occurrence of old in the file, which must have one.
func edit(t *testing.T, path, old, new string) {
	t.Helper()
	s := mustRead(t, path)
	if !strings.Contains(s, old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(s, old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadObservationsCSV(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	obs := append(testObservations(), obsOf("odd", "", "g", 0.1+0.2, 1.0/3, 1e-300, -2.5)...)
	obs[0].TimeNs = -1_500_000_001
	if err := Write(dir, testManifest(), obs, Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadObservationsCSV(filepath.Join(dir, ObservationsFile), testManifest().Params)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, obs) {
		t.Error("observations read back differ from those written")
	}
	other := []Param{{"members", "33"}, {"loss", "0.01"}}
	if _, err := ReadObservationsCSV(filepath.Join(dir, ObservationsFile), other); err == nil || !strings.Contains(err.Error(), `column members is "32" but the manifest says "33"`) {
		t.Errorf("wrong parameter value: %v", err)
	}
}

func TestParseSeconds(t *testing.T) {
	for _, ns := range []int64{0, 1, -1, 999_999_999, 1_000_000_000, -1_500_000_001, math.MaxInt64, math.MinInt64} {
		s := formatSeconds(ns)
		got, err := parseSeconds(s)
		if err != nil || got != ns {
			t.Errorf("parseSeconds(%q) = %d, %v; want %d", s, got, err, ns)
		}
	}
	for _, bad := range []string{"", "1", "1.5", "1.0000000001", "-", ".000000001", "+1.000000000", "1.+00000000", "x.000000000", "9223372036.854775808", "-9223372036.854775809"} {
		if _, err := parseSeconds(bad); err == nil {
			t.Errorf("parseSeconds(%q) accepted it", bad)
		}
	}
}
