package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the tests run the real binary: the test executable re-executes itself as
// mimisim when MIMISIM_RUN_MAIN is set.
func TestMain(m *testing.M) {
	if os.Getenv("MIMISIM_RUN_MAIN") == "1" {
		os.Args = append([]string{"mimisim"}, strings.Fields(os.Getenv("MIMISIM_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// exe runs the CLI as a separate process and returns its output and exit code.
func exe(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MIMISIM_RUN_MAIN=1", "MIMISIM_ARGS="+strings.Join(args, " "))
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func TestHelpAndScenarios(t *testing.T) {
	out, _, code := exe(t, ".", "help")
	if code != 0 || !strings.Contains(out, "mimisim run [FILE]") {
		t.Fatalf("help: code %d, output %q", code, out)
	}
	out, _, code = exe(t, ".", "scenarios")
	if code != 0 || !strings.HasPrefix(out, "default ") && !strings.Contains(out, "\ndefault ") {
		t.Fatalf("scenarios: code %d, output %q", code, out)
	}
	_, errOut, code := exe(t, ".", "frobnicate")
	if code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: code %d, stderr %q", code, errOut)
	}
}

func TestRunWritesResults(t *testing.T) {
	dir := t.TempDir()
	small, _ := filepath.Abs("testdata/small.yaml")
	out, errOut, code := exe(t, dir, "run", small, "--out", "res")
	if code != 0 {
		t.Fatalf("run failed with %d: %s", code, errOut)
	}
	for _, want := range []string{"scenario small", "seed 7", "engine gomls", "delivery_latency", "accept_latency", "p99", "results: res"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"manifest.json", "observations.csv", "summary.csv", "summary.json", "report.md",
		"figures/cdf_delivery_latency_all.png", "figures/cdf_delivery_latency_all.svg",
		"figures/cdf_delivery_latency_hub-eu.png", "figures/cdf_delivery_latency_prov-us.png"} {
		if _, err := os.Stat(filepath.Join(dir, "res", f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	m, _ := os.ReadFile(filepath.Join(dir, "res", "manifest.json"))
	for _, want := range []string{`"engine": "gomls"`, `"time_mode": "calibrated"`, `"seed": 7`, `"calibration": "gomls@`, `"cpu_model"`} {
		if !bytes.Contains(m, []byte(want)) {
			t.Errorf("manifest lacks %s", want)
		}
	}
	// --seed overrides, and the same seed reproduces observations byte for byte.
	exe(t, dir, "run", small, "--out", "again", "--quiet")
	exe(t, dir, "run", small, "--out", "other", "--seed", "8", "--quiet")
	a, _ := os.ReadFile(filepath.Join(dir, "res", "observations.csv"))
	b, _ := os.ReadFile(filepath.Join(dir, "again", "observations.csv"))
	c, _ := os.ReadFile(filepath.Join(dir, "other", "observations.csv"))
	if len(a) == 0 || !bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Fatalf("observations: same seed equal=%v, other seed equal=%v", bytes.Equal(a, b), bytes.Equal(a, c))
	}
}

func TestBadInput(t *testing.T) {
	base, err := os.ReadFile("testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edit  func(s string) string
		wants []string // each must appear in stderr
	}{
		{"unknown field", func(s string) string { return s + "colour: blue\n" },
			[]string{"bad.yaml:", "colour"}},
		{"wrong type", func(s string) string { return strings.Replace(s, "members: 6", "members: six", 1) },
			[]string{"bad.yaml:", "room.members"}},
		{"negative latency", func(s string) string {
			return s + "network:\n  access:\n    wifi: {latency: {kind: constant, value: -3ms}}\n"
		}, []string{"bad.yaml:", "network.access.wifi.latency.value"}},
		{"zero providers", func(s string) string {
			i := strings.Index(s, "providers:")
			j := strings.Index(s, "room:")
			return s[:i] + "providers: []\n" + s[j:]
		}, []string{"bad.yaml:", "providers"}},
		{"too many members for the engine", func(s string) string { return strings.Replace(s, "members: 6", "members: 500", 1) },
			[]string{"bad.yaml:", "room.members", "gomls", "128"}},
		{"unknown region", func(s string) string { return strings.Replace(s, "us-east-1", "mars-1", 1) },
			[]string{"bad.yaml:", "region", "eu-west-1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(tc.edit(string(base))), 0o644); err != nil {
				t.Fatal(err)
			}
			_, errOut, code := exe(t, dir, "run", "bad.yaml", "--out", "res")
			if code == 0 {
				t.Fatal("bad input exited 0")
			}
			for _, w := range tc.wants {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("bad input left files behind: %v", entries)
			}
		})
	}
}
