package results_test

import (
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"

	"github.com/mimisim/mimisim/results"
)

func ExampleMeanCI() {
	// The mean delivery latency of each of five replications of one point.
	means := []float64{120.5, 118.2, 125.9, 121.3, 119.8}
	mean, lo, hi := results.MeanCI(means, results.CILevel)
	fmt.Printf("%.2f ms, 95%% CI [%.2f, %.2f]\n", mean, lo, hi)

	// One replication gives no interval.
	_, lo, hi = results.MeanCI(means[:1], results.CILevel)
	fmt.Println(lo, hi)
	// Output:
	// 121.14 ms, 95% CI [117.54, 124.74]
	// NaN NaN
}

func ExampleFitPowerLaw() {
	members := []float64{2, 4, 8, 16, 32}
	egress := []float64{12, 48, 192, 768, 3072} // 3 · members²
	fit, err := results.FitPowerLaw(members, egress)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("k = %.3f ± %.3f\n", fit.K, fit.KStdErr)
	// Output:
	// k = 2.000 ± 0.000
}

// sweepExample is a sweep over two room sizes, two replications each, with one delivery
// latency per job.
func sweepExample() (results.Manifest, [][]results.Observation) {
	m := results.Manifest{
		Tool: "mimisim", Scenario: "grow", Seed: 1, Deterministic: true,
		Sweep: &results.SweepInfo{
			Axes:         []results.SweepAxis{{Name: "room.members", Values: []string{"2", "4"}}},
			Replications: 2,
			Points: []results.SweepPoint{
				{Index: 0, Params: []results.Param{{Name: "room.members", Value: "2"}}},
				{Index: 1, Params: []results.Param{{Name: "room.members", Value: "4"}}},
			},
			Jobs: []results.SweepJob{
				{Point: 0, Replication: 0, Seed: 11}, {Point: 0, Replication: 1, Seed: 12},
				{Point: 1, Replication: 0, Seed: 21}, {Point: 1, Replication: 1, Seed: 22},
			},
		},
	}
	lat := func(v float64) []results.Observation {
		return []results.Observation{{Metric: "delivery_latency", Unit: "ms", Group: "hub", Value: v}}
	}
	return m, [][]results.Observation{lat(100), lat(110), lat(150), lat(170)}
}

func ExampleSummarizeSweep() {
	m, obs := sweepExample()
	for _, r := range results.SummarizeSweep(m.Sweep, obs) {
		if r.Group == results.AllGroup {
			fmt.Printf("%s=%s: mean %v over %d replications, 95%% CI [%.1f, %.1f]\n",
				r.Params[0].Name, r.Params[0].Value, r.RepMean, r.Replications, r.CILow, r.CIHigh)
		}
	}
	// Output:
	// room.members=2: mean 105 over 2 replications, 95% CI [41.5, 168.5]
	// room.members=4: mean 160 over 2 replications, 95% CI [32.9, 287.1]
}

func ExampleWriteSweep() {
	parent, err := os.MkdirTemp("", "results-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(parent)
	dir := filepath.Join(parent, "sweep")

	m, obs := sweepExample()
	if err := results.WriteSweep(dir, m, obs, results.Options{CDFMetric: "delivery_latency"}); err != nil {
		log.Fatal(err)
	}
	err = fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			fmt.Println(p)
		}
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// figures/cdf_delivery_latency.png
	// figures/cdf_delivery_latency.svg
	// figures/mean_delivery_latency.png
	// figures/mean_delivery_latency.svg
	// figures/scaling_delivery_latency.png
	// figures/scaling_delivery_latency.svg
	// manifest.json
	// observations.csv
	// report.md
	// summary.csv
	// summary.json
}

func ExampleRebuild() {
	parent, err := os.MkdirTemp("", "results-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(parent)
	dir := filepath.Join(parent, "sweep")
	m, obs := sweepExample()
	opts := results.Options{CDFMetric: "delivery_latency"}
	if err := results.WriteSweep(dir, m, obs, opts); err != nil {
		log.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, results.ReportFile))

	// Lose the report and figures, then rebuild them from manifest.json and observations.csv.
	os.Remove(filepath.Join(dir, results.ReportFile))
	os.RemoveAll(filepath.Join(dir, results.FiguresDir))
	if err := results.Rebuild(dir, opts); err != nil {
		log.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, results.ReportFile))
	fmt.Println(string(before) == string(after))
	// Output:
	// true
}

func ExampleTQuantile() {
	// The factor of a 95% confidence interval from 2, 5 and 31 replications.
	for _, n := range []int{2, 5, 31} {
		fmt.Printf("%d replications: %.3f\n", n, results.TQuantile(0.975, n-1))
	}
	// Output:
	// 2 replications: 12.706
	// 5 replications: 2.776
	// 31 replications: 2.042
}

func ExampleReadSweepObservationsCSV() {
	parent, err := os.MkdirTemp("", "results-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(parent)
	dir := filepath.Join(parent, "sweep")
	m, obs := sweepExample()
	if err := results.WriteSweep(dir, m, obs, results.Options{}); err != nil {
		log.Fatal(err)
	}

	back, err := results.ReadManifest(filepath.Join(dir, results.ManifestFile))
	if err != nil {
		log.Fatal(err)
	}
	jobs, err := results.ReadSweepObservationsCSV(filepath.Join(dir, results.ObservationsFile), back.Sweep)
	if err != nil {
		log.Fatal(err)
	}
	for i, j := range back.Sweep.Jobs {
		fmt.Printf("job %d: point %d, replication %d, seed %d: %v ms\n", i, j.Point, j.Replication, j.Seed, jobs[i][0].Value)
	}
	// Output:
	// job 0: point 0, replication 0, seed 11: 100 ms
	// job 1: point 0, replication 1, seed 12: 110 ms
	// job 2: point 1, replication 0, seed 21: 150 ms
	// job 3: point 1, replication 1, seed 22: 170 ms
}
