package results

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func testManifest() Manifest {
	return Manifest{
		Tool:           "mimisim",
		ToolVersion:    "v0.1.0-3-gabcdef0",
		Scenario:       "three-providers",
		ScenarioFile:   "scenarios/three-providers.yaml",
		ScenarioSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Seed:           42,
		Engine:         "des",
		EngineVersion:  "1",
		Fidelity:       "protocol",
		TimeMode:       "virtual",
		Calibration:    "none",
		GoVersion:      "go1.26.8",
		GOOS:           "linux",
		GOARCH:         "amd64",
		CPUModel:       "Test CPU @ 1.00GHz",
		NumCPU:         2,
		Hostname:       "testhost",
		GitRevision:    "abcdef0123456789abcdef0123456789abcdef01",
		Params:         []Param{{"members", "32"}, {"loss", "0.01"}},
		Events:         123456,
		SimulatedNs:    60_000_000_123,
		Deterministic:  true,
		Notes:          []string{"synthetic data for tests", "values <b> & \"quotes\", commas"},
		Extra:          map[string]string{"zeta": "last", "alpha": "first"},
	}
}

// testObservations returns a fixed data set: delivery latencies to three
// providers and one other metric.
func testObservations() []Observation {
	providers := []string{"prov-a", "prov-b", "prov-c"}
	base := []float64{20, 35, 12.5}
	var obs []Observation
	for i := 0; i < 60; i++ {
		g := i % 3
		obs = append(obs, Observation{
			Metric: "delivery_latency",
			Unit:   "ms",
			Group:  providers[g],
			TimeNs: int64(i)*1_250_000_000 + int64(i)*7,
			Source: "c" + string(rune('a'+i%5)),
			Target: "c" + string(rune('f'+i%7)),
			ID:     int64(i),
			Value:  base[g] + float64((i*37)%17)*0.75 + float64(g)*float64(i%4)*1.125,
		})
	}
	for i := 0; i < 5; i++ {
		obs = append(obs, Observation{
			Metric: "commit_bytes", Unit: "B", Group: "prov-a, \"main\"",
			TimeNs: int64(i) * 3_000_000_000, Source: "ca", Target: "", ID: int64(100 + i),
			Value: float64(1024 + 64*i),
		})
	}
	return obs
}

func testOptions() Options {
	return Options{CDFMetric: "delivery_latency", Title: "Delivery latency, three providers"}
}

// listFiles returns the slash-separated paths of all files below dir.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// entries returns the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range des {
		names = append(names, d.Name())
	}
	return names
}

var wantFiles = []string{
	"figures/cdf_delivery_latency_all.png",
	"figures/cdf_delivery_latency_all.svg",
	"figures/cdf_delivery_latency_prov-a.png",
	"figures/cdf_delivery_latency_prov-a.svg",
	"figures/cdf_delivery_latency_prov-b.png",
	"figures/cdf_delivery_latency_prov-b.svg",
	"figures/cdf_delivery_latency_prov-c.png",
	"figures/cdf_delivery_latency_prov-c.svg",
	"manifest.json",
	"observations.csv",
	"report.md",
	"summary.csv",
	"summary.json",
}

func TestWriteFiles(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"with figures", testOptions(), wantFiles},
		{"no CDF metric", Options{}, wantFiles[8:]},
		{"CDF metric without observations", Options{CDFMetric: "nope"}, wantFiles[8:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "run")
			if err := Write(dir, testManifest(), testObservations(), tt.opts); err != nil {
				t.Fatal(err)
			}
			if got := listFiles(t, dir); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("files:\n got %q\nwant %q", got, tt.want)
			}
			if got := entries(t, parent); !reflect.DeepEqual(got, []string{"run"}) {
				t.Errorf("parent holds %q, want only the results directory", got)
			}
		})
	}
}

func TestWriteByteIdentical(t *testing.T) {
	parent := t.TempDir()
	a, b := filepath.Join(parent, "a"), filepath.Join(parent, "b")
	for _, d := range []string{a, b} {
		if err := Write(d, testManifest(), testObservations(), testOptions()); err != nil {
			t.Fatal(err)
		}
	}
	files := listFiles(t, a)
	if !reflect.DeepEqual(files, listFiles(t, b)) {
		t.Fatalf("the two writes produced different file lists")
	}
	for _, f := range files {
		da, _ := os.ReadFile(filepath.Join(a, f))
		db, _ := os.ReadFile(filepath.Join(b, f))
		if !bytes.Equal(da, db) {
			t.Errorf("%s differs between two writes of the same input", f)
		}
	}
}

// TestWriteGolden compares every written file with testdata/golden/. PNGs
// are compared by decoded pixels within a small tolerance (see
// pngMaxChannelDelta), everything else byte for byte; byte identity of PNGs
// within one platform is checked by TestWriteByteIdentical and
// TestRenderDeterministic. Run
// `go test ./results -run Golden -update` to rewrite the goldens.
func TestWriteGolden(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := Write(dir, testManifest(), testObservations(), testOptions()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden")
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(golden, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, want := listFiles(t, dir), listFiles(t, golden)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("files:\n got %q\nwant %q", got, want)
	}
	for _, f := range got {
		g, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		w, err := os.ReadFile(filepath.Join(golden, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".png") {
			if msg := comparePNG(g, w); msg != "" {
				t.Errorf("%s: %s", f, msg)
			}
			continue
		}
		if !bytes.Equal(g, w) {
			t.Errorf("%s differs from %s (run with -update if the change is intended)", f, filepath.Join(golden, f))
		}
	}
}

// PNG golden tolerance. Rasterization uses floating point and, on
// architectures where the compiler fuses multiply-adds (arm64), some
// anti-aliased edge pixels come out slightly different: measured 476 of
// 653184 pixels off by at most 5/255 for the overlay figure. Larger or more
// widespread differences (a moved line, changed text) fail the test.
const (
	pngMaxChannelDelta = 16    // of 255
	pngMaxDiffFraction = 0.005 // of all pixels
)

// comparePNG decodes two PNGs and reports how their pixels differ beyond the
// tolerance, or "" if they match within it.
func comparePNG(got, want []byte) string {
	gi, err := png.Decode(bytes.NewReader(got))
	if err != nil {
		return "decoding: " + err.Error()
	}
	wi, err := png.Decode(bytes.NewReader(want))
	if err != nil {
		return "decoding golden: " + err.Error()
	}
	if gi.Bounds() != wi.Bounds() {
		return "size " + gi.Bounds().String() + ", golden " + wi.Bounds().String()
	}
	diff, maxDelta := 0, 0
	var first image.Point
	b := gi.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, a1 := gi.At(x, y).RGBA()
			r2, g2, b2, a2 := wi.At(x, y).RGBA()
			d := max(absDiff(r1, r2), absDiff(g1, g2), absDiff(b1, b2), absDiff(a1, a2)) >> 8
			if d > 0 {
				if diff == 0 {
					first = image.Pt(x, y)
				}
				diff++
				maxDelta = max(maxDelta, int(d))
			}
		}
	}
	total := b.Dx() * b.Dy()
	if maxDelta > pngMaxChannelDelta || float64(diff) > pngMaxDiffFraction*float64(total) {
		return fmt.Sprintf("%d of %d pixels differ from the golden image by up to %d/255, the first at %v", diff, total, maxDelta, first)
	}
	return ""
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

var errInjected = errors.New("injected failure")

func failAt(name string) func(string) error {
	return func(n string) error {
		if n == name {
			return errInjected
		}
		return nil
	}
}

func TestWriteFailureLeavesNothing(t *testing.T) {
	for _, name := range []string{
		"manifest.json",
		"observations.csv",
		"summary.json",
		"figures/cdf_delivery_latency_prov-b.png",
		"figures/cdf_delivery_latency_all.svg",
		"report.md",
	} {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			opts := testOptions()
			opts.failHook = failAt(name)
			err := Write(filepath.Join(parent, "run"), testManifest(), testObservations(), opts)
			if !errors.Is(err, errInjected) {
				t.Fatalf("got error %v, want the injected one", err)
			}
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error %q does not name the file %s", err, name)
			}
			if got := entries(t, parent); len(got) != 0 {
				t.Errorf("after a failed write the parent holds %q, want nothing", got)
			}
		})
	}
}

func TestWriteFailureKeepsPrevious(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "old.txt"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := testOptions()
	opts.Overwrite = true
	opts.failHook = failAt("report.md")
	if err := Write(dir, testManifest(), testObservations(), opts); !errors.Is(err, errInjected) {
		t.Fatalf("got error %v, want the injected one", err)
	}
	if got := entries(t, parent); !reflect.DeepEqual(got, []string{"run"}) {
		t.Errorf("parent holds %q, want only run", got)
	}
	if got := listFiles(t, dir); !reflect.DeepEqual(got, []string{"old.txt"}) {
		t.Errorf("previous results changed to %q", got)
	}
}

func TestWriteExisting(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(t *testing.T, dir string)
		overwrite bool
		wantErr   error // nil: success
		errText   string
	}{
		{
			name:  "empty directory is replaced",
			setup: func(t *testing.T, dir string) { mustMkdir(t, dir) },
		},
		{
			name: "non-empty directory is refused",
			setup: func(t *testing.T, dir string) {
				mustMkdir(t, dir)
				mustWrite(t, filepath.Join(dir, "keep.txt"))
			},
			wantErr: ErrExists,
		},
		{
			name: "non-empty directory is overwritten",
			setup: func(t *testing.T, dir string) {
				mustMkdir(t, dir)
				mustWrite(t, filepath.Join(dir, "stale.txt"))
			},
			overwrite: true,
		},
		{
			name:      "a file is refused even with Overwrite",
			setup:     func(t *testing.T, dir string) { mustWrite(t, dir) },
			overwrite: true,
			errText:   "not a directory",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "run")
			tt.setup(t, dir)
			before := listFilesOrSelf(t, dir)
			opts := testOptions()
			opts.Overwrite = tt.overwrite
			err := Write(dir, testManifest(), testObservations(), opts)
			switch {
			case tt.wantErr == nil && tt.errText == "":
				if err != nil {
					t.Fatal(err)
				}
				if got := listFiles(t, dir); !reflect.DeepEqual(got, wantFiles) {
					t.Errorf("files:\n got %q\nwant %q", got, wantFiles)
				}
			default:
				if err == nil {
					t.Fatal("Write succeeded, want an error")
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("error %v does not wrap %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.errText) {
					t.Errorf("error %q does not say %q", err, tt.errText)
				}
				if after := listFilesOrSelf(t, dir); !reflect.DeepEqual(after, before) {
					t.Errorf("refused write changed %s: %q -> %q", dir, before, after)
				}
			}
			if got := entries(t, parent); !reflect.DeepEqual(got, []string{"run"}) {
				t.Errorf("parent holds %q, want only run", got)
			}
		})
	}
}

func listFilesOrSelf(t *testing.T, p string) []string {
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
		return []string{"<file>"}
	}
	return listFiles(t, p)
}

func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, name string) {
	t.Helper()
	if err := os.WriteFile(name, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWriteRejects(t *testing.T) {
	good := testObservations()
	with := func(f func(*Observation)) []Observation {
		obs := append([]Observation(nil), good...)
		f(&obs[3])
		return obs
	}
	tests := []struct {
		name    string
		params  []Param
		obs     []Observation
		errText string
	}{
		{"empty param name", []Param{{"", "1"}}, good, "empty name"},
		{"duplicate param", []Param{{"a", "1"}, {"a", "2"}}, good, `"a" given twice`},
		{"param named like a column", []Param{{"value", "1"}}, good, "fixed column"},
		{"param named like a summary column", []Param{{"p99", "1"}}, good, "fixed column"},
		{"empty metric", nil, with(func(o *Observation) { o.Metric = "" }), "empty metric"},
		{"empty group", nil, with(func(o *Observation) { o.Group = "" }), "empty group"},
		{"reserved group", nil, with(func(o *Observation) { o.Group = "all" }), "reserved group"},
		{"NaN", nil, with(func(o *Observation) { o.Value = math.NaN() }), "non-finite"},
		{"Inf", nil, with(func(o *Observation) { o.Value = math.Inf(-1) }), "non-finite"},
		{"mixed units", nil, with(func(o *Observation) { o.Unit = "s" }), "unit"},
		{"figure name clash", nil, append(with(func(o *Observation) { o.Group = "prov/x" }),
			Observation{Metric: "delivery_latency", Unit: "ms", Group: "prov x", Value: 1}), "figure file"},
		{"figure name clash ignoring case", nil, with(func(o *Observation) { o.Group = "PROV-B" }), "figure file"},
		{"clash with the overlay figure", nil, with(func(o *Observation) { o.Group = "All" }), "figure file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			m := testManifest()
			if tt.params != nil {
				m.Params = tt.params
			}
			err := Write(filepath.Join(parent, "run"), m, tt.obs, testOptions())
			if err == nil || !strings.Contains(err.Error(), tt.errText) {
				t.Fatalf("got error %v, want one saying %q", err, tt.errText)
			}
			if got := entries(t, parent); len(got) != 0 {
				t.Errorf("a rejected write left %q", got)
			}
		})
	}
}

func TestWriteMissingParent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no", "such", "run")
	if err := Write(dir, testManifest(), testObservations(), testOptions()); err == nil {
		t.Fatal("Write into a missing parent succeeded")
	}
}

func TestWriteNoObservations(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	m := testManifest()
	m.Params, m.Notes, m.Extra = nil, nil, nil
	if err := Write(dir, m, nil, testOptions()); err != nil {
		t.Fatal(err)
	}
	checks := map[string][]string{
		"manifest.json":    {`"params": []`, `"notes": []`},
		"summary.json":     {`"params": []`, `"rows": []`},
		"summary.csv":      {"metric,unit,group,n,mean,stddev,min,p50,p95,p99,max\n"},
		"observations.csv": {"metric,unit,group,time_s,source,target,id,value\n"},
		"report.md":        {"There were no observations.", "no CDF was drawn"},
	}
	for _, f := range sortedKeysOf(checks) {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range checks[f] {
			if !strings.Contains(string(data), want) {
				t.Errorf("%s lacks %q:\n%s", f, want, data)
			}
		}
	}
	if strings.Contains(mustRead(t, filepath.Join(dir, "manifest.json")), `"extra"`) {
		t.Error("manifest.json has an extra key although Extra is nil")
	}
}

func sortedKeysOf(m map[string][]string) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReadSummaryCSVRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	obs := testObservations()
	// Values whose shortest decimal form is long, to check exactness.
	obs = append(obs, obsOf("odd", "", "g", 0.1+0.2, 1.0/3, 1e-300, 123456789012345680000)...)
	if err := Write(dir, testManifest(), obs, Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSummaryCSV(filepath.Join(dir, SummaryCSVFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := Summarize(obs); !reflect.DeepEqual(got, want) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, want)
	}
}

func TestReadSummaryCSVErrors(t *testing.T) {
	header := "metric,unit,group,n,mean,stddev,min,p50,p95,p99,max\n"
	tests := []struct {
		name, data, errText string
	}{
		{"empty", "", "empty file"},
		{"short header", "metric,unit\n", "at least 11"},
		{"wrong column", strings.Replace(header, "p95", "p90", 1), `"p90", want "p95"`},
		{"bad n", header + "m,u,g,x,1,1,1,1,1,1,1\n", "line 2: column n"},
		{"bad float", header + "m,u,g,1,1,1,1,1,1,zz,1\n", "line 2: column p99"},
		{"ragged", header + "m,u,g,1\n", "wrong number of fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "summary.csv")
			if err := os.WriteFile(p, []byte(tt.data), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadSummaryCSV(p)
			if err == nil || !strings.Contains(err.Error(), tt.errText) {
				t.Errorf("got error %v, want one saying %q", err, tt.errText)
			}
		})
	}
	if _, err := ReadSummaryCSV(filepath.Join(t.TempDir(), "missing.csv")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want ErrNotExist", err)
	}
}

// TestWriteConcurrent runs Writes to different directories at the same time
// (a sweep may do so); run with -race to check for shared state.
func TestWriteConcurrent(t *testing.T) {
	parent := t.TempDir()
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func(i int) {
			errs <- Write(filepath.Join(parent, fmt.Sprint("run", i)), testManifest(), testObservations(), testOptions())
		}(i)
	}
	for i := 0; i < 3; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	ref := filepath.Join(parent, "run0")
	for _, other := range []string{"run1", "run2"} {
		for _, f := range listFiles(t, ref) {
			if mustRead(t, filepath.Join(ref, f)) != mustRead(t, filepath.Join(parent, other, f)) {
				t.Errorf("%s/%s differs from run0/%s", other, f, f)
			}
		}
	}
}
