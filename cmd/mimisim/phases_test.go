package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mimisim/mimisim/models/world"
)

// The dma-phases sweep: its phase figure exists for every combination of the other axes, its
// summary has every phase at every point, and the report's sentences quote the summary's numbers.
func TestDMAPhasesFigureAndReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "res")
	if _, _, err := cli(t, "sweep", "embedded:dma-phases", "--quick", "--jobs", "2", "--quiet", "--out", dir); err != nil {
		t.Fatal(err)
	}
	png, err := os.ReadFile(filepath.Join(dir, "figures", "mean_phase_latency_attachments.download-via_provider.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 10_000 {
		t.Fatalf("the phase figure is not a PNG of a plot (%d bytes)", len(png))
	}
	rows, col := readCSV(t, filepath.Join(dir, "summary.csv"))
	phases := map[string]map[string]float64{} // point → phase → rep_mean
	members := map[string]string{}
	for _, r := range rows[1:] {
		if r[col["metric"]] != world.MetricPhase {
			continue
		}
		p := r[col["point"]]
		if phases[p] == nil {
			phases[p] = map[string]float64{}
		}
		v, err := strconv.ParseFloat(r[col["rep_mean"]], 64)
		if err != nil {
			t.Fatal(err)
		}
		phases[p][r[col["group"]]] = v
		members[p] = r[col["room.members"]]
	}
	report, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(phases) != 2 {
		t.Fatalf("phase latency at %d points, want 2", len(phases))
	}
	for p, ph := range phases {
		for _, g := range []string{world.PhaseText, world.PhaseCall, "video"} {
			if _, ok := ph[g]; !ok {
				t.Errorf("point %s has no %s phase: %v", p, g, ph)
			}
		}
		// Text arrives before any attachment: an attachment is an upload, then a message
		// like a text, then a download.
		for g, v := range ph {
			if g != world.PhaseText && g != world.PhaseCall && g != "all" && v <= ph[world.PhaseText] {
				t.Errorf("point %s: %s %.1f ms ≤ text %.1f ms", p, g, v, ph[world.PhaseText])
			}
		}
		want := fmt.Sprintf("At room.members=%s, attachments.download=via_provider: text reached a recipient in %s ms on average",
			members[p], fmtMsForTest(ph[world.PhaseText]))
		if !strings.Contains(string(report), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	for _, s := range []string{"## Latency per phase", "## Call set-up against the ITU-T objective",
		"(figures/mean_phase_latency_attachments.download-via_provider.png)"} {
		if !strings.Contains(string(report), s) {
			t.Errorf("report.md lacks %q", s)
		}
	}
}

// fmtMsForTest formats like the report (results.fmtMs) for the values this test meets.
func fmtMsForTest(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// The fanout-load sweep: the hub saturates at the high rate and not at the low one, and the
// report's knee sentence quotes the summary's utilization.
func TestFanoutLoadKnee(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "res")
	if _, _, err := cli(t, "sweep", "embedded:fanout-load", "--quick", "--jobs", "2", "--quiet", "--out", dir); err != nil {
		t.Fatal(err)
	}
	rows, col := readCSV(t, filepath.Join(dir, "summary.csv"))
	util := map[string]float64{} // rate → the hub's utilization
	for _, r := range rows[1:] {
		if r[col["metric"]] == world.MetricUtilization && r[col["group"]] == "hub-eu" {
			v, err := strconv.ParseFloat(r[col["rep_mean"]], 64)
			if err != nil {
				t.Fatal(err)
			}
			util[r[col["workload.rate_per_member"]]] = v
		}
	}
	if !(util["1"] > 0 && util["1"] < 0.5 && util["16"] >= 0.9 && util["16"] <= 1) {
		t.Fatalf("hub utilization by rate: %v; want well below saturation at 1 and ≥ 90 %% at 16", util)
	}
	report, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("- Knee at providers[0].batch_window=0s at workload.rate_per_member=16: `hub-eu` was busy %.0f %% of the window", util["16"]*100)
	if !strings.Contains(string(report), want) {
		t.Errorf("report.md lacks %q", want)
	}
}

// The fanout-topology sweep: a room on one provider (every member in Ireland) delivers faster
// than one spread over four regions, and only the spread room has follower egress.
func TestFanoutTopology(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "res")
	if _, _, err := cli(t, "sweep", "embedded:fanout-topology", "--quick", "--jobs", "2", "--quiet", "--out", dir); err != nil {
		t.Fatal(err)
	}
	rows, col := readCSV(t, filepath.Join(dir, "summary.csv"))
	lat := map[string]float64{}
	egress := map[string][]string{} // providers.count → providers with egress rows
	for _, r := range rows[1:] {
		n := r[col["providers.count"]]
		switch {
		case r[col["metric"]] == world.MetricDelivery && r[col["group"]] == "all":
			lat[n], _ = strconv.ParseFloat(r[col["rep_mean"]], 64)
		case r[col["metric"]] == world.MetricEgress && r[col["group"]] != "all":
			egress[n] = append(egress[n], r[col["group"]])
		}
	}
	if !(lat["1"] > 0 && lat["1"] < lat["4"]) {
		t.Fatalf("mean delivery latency by providers: %v; want one provider faster than four", lat)
	}
	if len(egress["1"]) != 1 || len(egress["4"]) != 4 {
		t.Fatalf("providers with egress: %v", egress)
	}
}

// The contention-rtt sweep: a commit takes longer to be accepted when the follower's members
// are ten times farther from the hub.
func TestContentionRTT(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "res")
	if _, _, err := cli(t, "sweep", "embedded:contention-rtt", "--quick", "--jobs", "2", "--quiet", "--out", dir); err != nil {
		t.Fatal(err)
	}
	rows, col := readCSV(t, filepath.Join(dir, "summary.csv"))
	commit := map[string]float64{} // rtt → mean commit time
	for _, r := range rows[1:] {
		if r[col["metric"]] == world.MetricCommitTime && r[col["group"]] == "all" {
			commit[r[col["network.rtt[0].ms"]]], _ = strconv.ParseFloat(r[col["rep_mean"]], 64)
		}
	}
	if !(commit["20"] > 0 && commit["200"] > commit["20"]) {
		t.Fatalf("mean commit time by round trip to the hub: %v; want longer at 200 ms than at 20 ms", commit)
	}
}
