package results

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func testInvariants(passed bool) *Invariants {
	v := &Invariants{Seed: 42, Passed: passed, Invariants: []Invariant{
		{Name: "convergence", Title: "all agree", Method: "compare", Passed: true, Checked: 3, Unit: "members",
			Counts: []Count{{Name: "hub_epoch", Value: 2}}},
		{Name: "nothing_lost", Title: "nothing lost", Method: "count", Passed: passed, Checked: 10, Unit: "deliveries", Counts: []Count{}},
	}, Refusals: []Refusal{{Member: "c001@f", Kind: "decrypt", Count: 2}, {Member: "c002@f", Kind: "wrong_epoch", Count: 1}}}
	if !passed {
		v.Invariants[1].Violations = 1
		v.Invariants[1].Counter = &CounterExample{TimeNs: 1500000000, Actors: []string{"c001@f"}, MessageID: 4, Epoch: 1, Detail: "lost"}
	}
	return v
}

// TestWriteInvariants: invariants.json round-trips, report.md has its section, and Rebuild
// keeps both.
func TestWriteInvariants(t *testing.T) {
	for _, passed := range []bool{true, false} {
		dir := filepath.Join(t.TempDir(), "run")
		opts := testOptions()
		opts.Invariants = testInvariants(passed)
		if err := Write(dir, testManifest(), testObservations(), opts); err != nil {
			t.Fatal(err)
		}
		got, err := ReadInvariants(filepath.Join(dir, InvariantsFile))
		if err != nil || !reflect.DeepEqual(got, opts.Invariants) {
			t.Fatalf("read back %+v, %v", got, err)
		}
		want := "Every invariant held."
		if !passed {
			want = "first counter-example at virtual 1.5s: lost"
		}
		for _, rebuilt := range []bool{false, true} {
			if rebuilt {
				if err := Rebuild(dir, testOptions()); err != nil {
					t.Fatal(err)
				}
			}
			report, _ := os.ReadFile(filepath.Join(dir, ReportFile))
			for _, w := range []string{"## Invariants", want, "`decrypt` 2, `wrong_epoch` 1", "[invariants.json](invariants.json)"} {
				if !strings.Contains(string(report), w) {
					t.Errorf("passed=%v rebuilt=%v: report.md lacks %q", passed, rebuilt, w)
				}
			}
		}
	}
	if missing, err := ReadInvariants(filepath.Join(t.TempDir(), InvariantsFile)); missing != nil || err != nil {
		t.Errorf("a missing file gave %v, %v", missing, err)
	}
}

func TestInvariantError(t *testing.T) {
	v := testInvariants(false)
	f := v.Failed()
	if f == nil || f.Name != "nothing_lost" {
		t.Fatalf("Failed() = %+v", f)
	}
	got := f.Error(v.Seed)
	want := "invariant nothing_lost violated (1 of 10 deliveries): nothing lost; first counter-example at virtual 1.5s, epoch 1, message 4, actors c001@f: lost; replay with --seed 42"
	if got != want {
		t.Errorf("Error:\n got %s\nwant %s", got, want)
	}
	if n := testInvariants(true).Note(); n != "invariants checked in this run (convergence, nothing_lost): all hold; see invariants.json" {
		t.Errorf("Note: %s", n)
	}
}
