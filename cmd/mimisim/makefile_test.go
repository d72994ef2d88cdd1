package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mimisim/mimisim/scenarios"
)

// make results runs every embedded sweep: the Makefile's RESULTS_SWEEPS lists exactly the
// embedded scenarios that have a sweep section.
func TestMakeResultsListsEverySweep(t *testing.T) {
	data, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "RESULTS_SWEEPS = "); ok {
			listed = strings.Fields(v)
		}
	}
	if len(listed) == 0 {
		t.Fatal("the Makefile has no RESULTS_SWEEPS line")
	}
	var sweeps []string
	for _, name := range scenarios.Embedded() {
		sc, _, err := scenarios.LoadEmbedded(name, limits())
		if err != nil {
			t.Fatal(err)
		}
		if sc.Sweep != nil {
			sweeps = append(sweeps, name)
		}
	}
	slices.Sort(listed)
	if !slices.Equal(listed, sweeps) {
		t.Errorf("RESULTS_SWEEPS (sorted) = %q, the embedded sweeps are %q", listed, sweeps)
	}
}
