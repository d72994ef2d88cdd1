package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/mimisim/mimisim/models/world"
	"github.com/mimisim/mimisim/results"
)

// resultOptions are the options run and sweep write their results with, and report rebuilds
// them with; they must agree for report to reproduce the files byte for byte.
func resultOptions() results.Options {
	return results.Options{CDFMetric: world.MetricDelivery}
}

// reportCmd is `mimisim report DIR`: it rebuilds the summaries, figures and report.md of a
// results directory (of run or sweep) from its manifest.json and observations.csv, without
// running anything.
func reportCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	quiet := fs.Bool("quiet", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError{"report: " + err.Error()}
	}
	if len(pos) != 1 {
		return usageError{fmt.Sprintf("report takes one results directory, got %d", len(pos))}
	}
	dir := pos[0]
	if err := results.Rebuild(dir, resultOptions()); err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(stdout, "rebuilt %s: %s, %s, %s, %s/ from %s and %s\n", dir, results.ReportFile,
			results.SummaryCSVFile, results.SummaryJSONFile, results.FiguresDir, results.ManifestFile, results.ObservationsFile)
	}
	return nil
}
