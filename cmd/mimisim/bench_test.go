package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

var pholdLine = regexp.MustCompile(`^phold lps=(\d+) pop=(\d+) events=(\d+) wall_s=(\d+\.\d{3}) events_per_s=(\d+)\n$`)

func TestBenchPHOLD(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := mimisim([]string{"bench", "phold", "--events", "100000"}, &out, &errOut); err != nil {
		t.Fatalf("bench phold: %v (stderr %q)", err, errOut.String())
	}
	m := pholdLine.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("output %q does not match %v", out.String(), pholdLine)
	}
	if m[1] != "1024" || m[2] != "16" || m[3] != "100000" {
		t.Errorf("lps=%s pop=%s events=%s, want 1024, 16 and 100000", m[1], m[2], m[3])
	}
	if rate, _ := strconv.ParseFloat(m[5], 64); rate <= 0 {
		t.Errorf("events_per_s=%s", m[5])
	}
}

func TestBenchPHOLDFlags(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	var out bytes.Buffer
	args := []string{"bench", "phold", "--lps", "8", "--pop", "2", "--events", "5000", "--seed", "3",
		"--cpuprofile", cpu, "--memprofile", mem}
	if err := mimisim(args, &out, &out); err != nil {
		t.Fatal(err)
	}
	if m := pholdLine.FindStringSubmatch(out.String()); m == nil || m[1] != "8" || m[2] != "2" || m[3] != "5000" {
		t.Fatalf("output %q", out.String())
	}
	for _, f := range []string{cpu, mem} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("profile %s not written: %v", f, err)
		}
	}
}

func TestBenchBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"bench"},
		{"bench", "nbody"},
		{"bench", "phold", "--lps", "0"},
		{"bench", "phold", "--events", "0"},
		{"bench", "phold", "--events", "many"},
		{"bench", "phold", "extra"},
		{"bench", "run"},
		{"bench", "run", "a.yaml", "b.yaml"},
		{"bench", "run", "embedded:default", "--frobnicate"},
	} {
		var out bytes.Buffer
		err := mimisim(args, &out, &out)
		var u usageError
		if !errors.As(err, &u) {
			t.Errorf("%q: error %v, want a usage error", args, err)
		}
		if out.Len() != 0 {
			t.Errorf("%q printed %q", args, out.String())
		}
	}
}

var runLine = regexp.MustCompile(`^run scenario=default members=32 events=(\d+) gomaxprocs=\d+ wall_s=\d+\.\d\d cpu_s=\d+\.\d\d events_per_s=(\d+) peak_rss_mib=(\d+) rss_b_per_member=(\d+)\n$`)

// TestBenchRun: bench run prints the events of the run (the manifest's count) and positive
// rates and sizes, and leaves no results directory behind.
func TestBenchRun(t *testing.T) {
	cwd, _ := os.Getwd()
	var out, errOut bytes.Buffer
	if err := mimisim([]string{"bench", "run", "embedded:default", "--seed", "2"}, &out, &errOut); err != nil {
		t.Fatalf("bench run: %v (stderr %q)", err, errOut.String())
	}
	m := runLine.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("output %q does not match %v", out.String(), runLine)
	}
	for i, name := range []string{"events", "events_per_s", "peak_rss_mib", "rss_b_per_member"} {
		if v, _ := strconv.ParseFloat(m[i+1], 64); v <= 0 {
			t.Errorf("%s=%s, want > 0", name, m[i+1])
		}
	}
	if _, err := os.Stat(filepath.Join(cwd, "results", "default", "seed-2")); err == nil {
		t.Error("bench run wrote results/default/seed-2; its results belong in a temporary directory")
	}
}
