package results_test

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"

	"github.com/mimisim/mimisim/results"
)

// latencies returns a few delivery latencies to two providers.
func latencies() []results.Observation {
	var obs []results.Observation
	for i, v := range []float64{12, 15, 11, 40, 13, 14, 42, 45} {
		group := "alpha.example"
		if v > 30 {
			group = "beta.example"
		}
		obs = append(obs, results.Observation{
			Metric: "delivery_latency", Unit: "ms", Group: group,
			TimeNs: int64(i) * 1_000_000_000, Source: "alice", Target: fmt.Sprintf("bob%d", i),
			ID: int64(i), Value: v,
		})
	}
	return obs
}

func ExampleSummarize() {
	for _, r := range results.Summarize(latencies()) {
		fmt.Printf("%s %s: n=%d min=%v p50=%v p99=%v max=%v\n", r.Metric, r.Group, r.N, r.Min, r.P50, r.P99, r.Max)
	}
	// Output:
	// delivery_latency alpha.example: n=5 min=11 p50=13 p99=15 max=15
	// delivery_latency beta.example: n=3 min=40 p50=42 p99=45 max=45
	// delivery_latency all: n=8 min=11 p50=14 p99=45 max=45
}

func ExampleFormatTable() {
	if err := results.FormatTable(os.Stdout, results.Summarize(latencies())); err != nil {
		log.Fatal(err)
	}
	// Output:
	// metric            unit  group          n  mean     stddev   min  p50  p95  p99  max
	// delivery_latency  ms    alpha.example  5  13       1.58114  11   13   15   15   15
	// delivery_latency  ms    beta.example   3  42.3333  2.51661  40   42   45   45   45
	// delivery_latency  ms    all            8  24       15.2877  11   14   45   45   45
}

func ExampleCDF() {
	xs, ys := results.CDF([]float64{30, 10, 20, 10})
	for i := range xs {
		fmt.Printf("F(%v) = %v\n", xs[i], ys[i])
	}
	// Output:
	// F(10) = 0.5
	// F(20) = 0.75
	// F(30) = 1
}

func ExampleFormatValue() {
	for _, v := range []float64{12.3456789, 1500, 0.25, 1e-7, 2.5e16} {
		fmt.Println(results.FormatValue(v))
	}
	// Output:
	// 12.3457
	// 1500
	// 0.25
	// 1e-07
	// 2.5e+16
}

func ExampleWrite() {
	parent, err := os.MkdirTemp("", "results-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(parent)
	dir := filepath.Join(parent, "run-1")

	m := results.Manifest{
		Tool: "mimisim", ToolVersion: "devel", Scenario: "two-providers",
		Seed: 7, Engine: "des", TimeMode: "virtual", Deterministic: true,
		Params: []results.Param{{Name: "members", Value: "8"}},
	}
	opts := results.Options{CDFMetric: "delivery_latency"}
	if err := results.Write(dir, m, latencies(), opts); err != nil {
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

	// A second Write to the same non-empty directory is refused.
	err = results.Write(dir, m, latencies(), opts)
	fmt.Println(errors.Is(err, results.ErrExists))
	// Output:
	// figures/cdf_delivery_latency_all.png
	// figures/cdf_delivery_latency_all.svg
	// figures/cdf_delivery_latency_alpha.example.png
	// figures/cdf_delivery_latency_alpha.example.svg
	// figures/cdf_delivery_latency_beta.example.png
	// figures/cdf_delivery_latency_beta.example.svg
	// manifest.json
	// observations.csv
	// report.md
	// summary.csv
	// summary.json
	// true
}

func ExampleReadSummaryCSV() {
	parent, err := os.MkdirTemp("", "results-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(parent)
	dir := filepath.Join(parent, "run-1")
	m := results.Manifest{Tool: "mimisim", Params: []results.Param{{Name: "members", Value: "8"}}}
	if err := results.Write(dir, m, latencies(), results.Options{}); err != nil {
		log.Fatal(err)
	}

	rows, err := results.ReadSummaryCSV(filepath.Join(dir, results.SummaryCSVFile))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rows {
		fmt.Printf("%s: p50 %v %s\n", r.Group, r.P50, r.Unit)
	}
	// Output:
	// alpha.example: p50 13 ms
	// beta.example: p50 42 ms
	// all: p50 14 ms
}

// A Table collects observations as a simulation produces them, 36 bytes each, and
// WriteTable writes the same files as Write would from a slice.
func ExampleTable() {
	var t results.Table
	for i, v := range []float64{12, 15, 11, 40} {
		t.Add(results.Observation{Metric: "delivery_latency", Unit: "ms", Group: "alpha.example",
			TimeNs: int64(i) * 1_000_000_000, Source: "alice", Target: fmt.Sprintf("bob%d", i), ID: 1, Value: v})
	}
	fmt.Println(t.Len(), t.At(3).Target)
	for _, r := range results.SummarizeTable(&t) {
		fmt.Printf("%s %s: n=%d p50=%v max=%v\n", r.Metric, r.Group, r.N, r.P50, r.Max)
	}

	dir, err := os.MkdirTemp("", "results-table-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	m := results.Manifest{Tool: "mimisim", Scenario: "one-provider", Seed: 1, Deterministic: true}
	if err := results.WriteTable(filepath.Join(dir, "run"), m, &t, results.Options{}); err != nil {
		log.Fatal(err)
	}
	csv, err := os.ReadFile(filepath.Join(dir, "run", results.ObservationsFile))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(csv))
	// Output:
	// 4 bob3
	// delivery_latency alpha.example: n=4 p50=12 max=40
	// delivery_latency all: n=4 p50=12 max=40
	// metric,unit,group,time_s,source,target,id,value
	// delivery_latency,ms,alpha.example,0.000000000,alice,bob0,1,12
	// delivery_latency,ms,alpha.example,1.000000000,alice,bob1,1,15
	// delivery_latency,ms,alpha.example,2.000000000,alice,bob2,1,11
	// delivery_latency,ms,alpha.example,3.000000000,alice,bob3,1,40
}

// A hot path keeps the ids of its series and strings and adds observations by id, without a
// lookup per observation; the table is the same as one filled with Add.
func ExampleTable_AddIDs() {
	var t results.Table
	delivery := t.Series("delivery_latency", "ms", "alpha.example")
	alice := t.Intern("alice")
	bobs := []uint32{t.Intern("bob0"), t.Intern("bob1")}
	for i, v := range []float64{12, 15, 11, 40} {
		t.AddIDs(delivery, alice, bobs[i%2], int64(i)*1_000_000_000, 1, v)
	}
	fmt.Println(t.Len(), t.At(3))
	// Output:
	// 4 {delivery_latency ms alpha.example 3000000000 alice bob1 1 40}
}
