package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mimisim/mimisim/models/world"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/scenarios"
)

// TestRunHostileWritesInvariants runs the embedded hostile scenario (churn and a hostile
// follower) and checks invariants.json, the report section and the manifest note.
func TestRunHostileWritesInvariants(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if err := mimisim([]string{"run", "embedded:hostile", "--out", filepath.Join(dir, "res")}, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "invariants: convergence ok") || strings.Contains(out.String(), "VIOLATED") {
		t.Errorf("output:\n%s", out.String())
	}
	v, err := results.ReadInvariants(filepath.Join(dir, "res", results.InvariantsFile))
	if err != nil || v == nil {
		t.Fatalf("invariants.json: %v", err)
	}
	if !v.Passed || len(v.Invariants) != 5 || v.Seed != 1 {
		t.Errorf("invariants: %+v", v)
	}
	for _, inv := range v.Invariants {
		if inv.Checked == 0 {
			t.Errorf("%s checked nothing", inv.Name)
		}
	}
	if len(v.Refusals) == 0 {
		t.Error("no refusals under a hostile follower")
	}
	report, _ := os.ReadFile(filepath.Join(dir, "res", "report.md"))
	if !bytes.Contains(report, []byte("## Invariants")) || !bytes.Contains(report, []byte("Every invariant held.")) {
		t.Errorf("report.md lacks the invariants section")
	}
	var m results.Manifest
	raw, _ := os.ReadFile(filepath.Join(dir, "res", "manifest.json"))
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(m.Notes, "\n"), "invariants checked in this run") {
		t.Errorf("manifest notes: %q", m.Notes)
	}
}

// TestViolatedInvariantFailsRun: a run whose invariant fails exits with an error naming the
// invariant, its counter-example and the seed, and writes no results directory.
func TestViolatedInvariantFailsRun(t *testing.T) {
	defer func(f func(*scenarios.Scenario, world.Options) (*world.Result, error)) { runWorld = f }(runWorld)
	runWorld = func(sc *scenarios.Scenario, opts world.Options) (*world.Result, error) {
		res, err := world.Run(sc, opts)
		if err != nil {
			return res, err
		}
		inv := results.Invariant{Name: world.InvNothingLost, Title: "t", Checked: 10, Unit: "deliveries", Violations: 1,
			Counter: &results.CounterExample{TimeNs: 5e9, Actors: []string{"c001@prov-us"}, MessageID: 7, Epoch: 1, Detail: "never decrypted"}}
		return res, &world.InvariantError{Invariant: inv, Seed: sc.Seed}
	}
	dir := t.TempDir()
	small, _ := filepath.Abs("testdata/small.yaml")
	var out, errOut bytes.Buffer
	err := mimisim([]string{"run", small, "--out", filepath.Join(dir, "res"), "--quiet"}, &out, &errOut)
	if err == nil {
		t.Fatal("the run succeeded")
	}
	for _, want := range []string{"invariant nothing_lost violated", "virtual 5s", "message 7", "c001@prov-us", "replay with --seed 7"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed run left %d entries in the output's parent", len(entries))
	}
}
