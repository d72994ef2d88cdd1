package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mimisim/mimisim/models/world"
)

// mimisim run embedded:faults completes (every accepted message decrypted by everyone despite
// the faults), lists its faults in the manifest and writes the fault observations; a second run
// writes the same observations.
func TestRunEmbeddedFaults(t *testing.T) {
	root := t.TempDir()
	var obs [2][]byte
	for i, name := range []string{"a", "b"} {
		dir := filepath.Join(root, name)
		if _, _, err := cli(t, "run", "embedded:faults", "--quiet", "--out", dir); err != nil {
			t.Fatal(err)
		}
		m := readManifest(t, dir)
		notes := strings.Join(m.Notes, "\n")
		for _, want := range []string{"Partition (scheduled): prov-us cut off from everyone", "Crash (scheduled): hub-eu down", "Recovery on:"} {
			if !strings.Contains(notes, want) {
				t.Errorf("manifest notes lack %q:\n%s", want, notes)
			}
		}
		if m.Extra["messages_sent"] != m.Extra["messages_accepted"] {
			t.Errorf("sent %s, accepted %s: recovery lost messages", m.Extra["messages_sent"], m.Extra["messages_accepted"])
		}
		var err error
		if obs[i], err = os.ReadFile(filepath.Join(dir, "observations.csv")); err != nil {
			t.Fatal(err)
		}
		for _, metric := range []string{world.MetricFaultRetries, world.MetricFaultDownTime, world.MetricFaultDuplicates} {
			if !strings.Contains(string(obs[i]), ","+metric+",") {
				t.Errorf("observations.csv has no %s", metric)
			}
		}
	}
	if string(obs[0]) != string(obs[1]) {
		t.Error("two runs of embedded:faults wrote different observations")
	}
}
