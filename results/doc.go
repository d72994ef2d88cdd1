// Package results defines mimisim's result schema and writes a finished
// run's results to disk.
//
// A run hands the package a [Manifest] (what produced the numbers: tool,
// scenario, seed, engine, time mode, host, parameters) and its [Observation]
// values (one measured value each, e.g. one message's delivery latency), as a
// slice or, for runs with millions of them, a [Table]: interned strings in
// columnar chunks, 36 bytes an observation instead of about 100, from which
// [WriteTable] and [SummarizeTable] stream without materialising the rows.
// [Write] (or WriteTable) turns them into a results directory:
//
//	manifest.json                  the Manifest, indented, snake_case keys
//	observations.csv               tidy data: one row per observation
//	summary.csv, summary.json      per (metric, group) statistics, see Summarize
//	figures/cdf_<metric>_<group>.png/.svg
//	                               empirical CDFs of Options.CDFMetric, one per
//	                               group, plus cdf_<metric>_all overlaying them
//	report.md                      a short human-readable report
//
// The package never runs simulations and never looks at the clock: the same
// Manifest, observations and Options always give byte-identical files. Maps
// are only used for grouping and never iterated for output, and every number
// is formatted with strconv in a fixed format:
//
//   - exact values (observations.csv, summary.csv) use
//     strconv.FormatFloat(v, 'f', -1, 64): the shortest decimal string that
//     parses back to the same float64, never with an exponent;
//   - time_s is the observation's TimeNs written as seconds with exactly nine
//     decimals, computed with integer arithmetic (no rounding);
//   - summary.json uses encoding/json's float64 encoding, which also
//     round-trips exactly;
//   - human-facing text (report.md, FormatTable, figure labels) rounds to six
//     significant digits, see FormatValue.
//
// # Statistics
//
// [Summarize] groups observations by (Metric, Group) and adds one row per
// metric with Group "all" pooling every group. Quantiles are the empirical
// (inverse-CDF) quantiles of gonum's stat.Quantile with stat.Empirical: for
// n sorted values x[1] ≤ … ≤ x[n], the p-quantile is x[k] for the smallest k
// with k ≥ p·n, i.e. the smallest observed value v such that at least a
// fraction p of the observations are ≤ v. No interpolation is done, so every
// quantile is an observed value. Stddev is the sample standard deviation
// (n−1 denominator), and 0 for a single value.
//
// # Sweeps
//
// [WriteSweep] writes the results of a parameter sweep — many runs (jobs), one per point of the
// swept parameters and replication — into one directory of the same shape. The Manifest's
// [SweepInfo] lists the axes, points and jobs with their seeds; observations.csv and summary.csv
// lead with the columns point, one per axis (and, in observations.csv, replication and seed).
// [SummarizeSweep] gives, per point, metric and group, the statistics of Summarize over the
// point's pooled observations and, treating each replication's mean as one sample, the mean of
// the replications' means with a [CILevel] (95%) confidence interval from Student's t with
// r−1 degrees of freedom ([MeanCI]); with one replication the interval is undefined, written as
// empty CSV cells and JSON nulls, and report.md says so. Figures: per metric, the means with
// their intervals against the first axis (mean_*), the same on log–log axes with the power law
// log y = a + k·log x fitted by least squares to each group's means and k ± its standard error
// in the legend (scaling_*, when the first axis is positive numbers; [FitPowerLaw]), and the
// CDFs of Options.CDFMetric per value of the first axis (cdf_*); one of each per combination
// of the other axes' values. When SweepInfo.Series names a later axis, comparison figures draw
// each metric and group with one line per value of that axis (compare_mean_*, compare_scaling_*;
// per group, or the pooled group "all" when the metric has one group), and report.md gains a
// section whose sentences are generated from the summary: each line's mean at the first and last
// value of the first axis, its fitted exponent, and its ratio to the first line there. Points whose
// jobs ran in sampled fidelity (SweepJob.Extra["fidelity"]) form lines of their own, fitted apart.
//
// # Rebuilding
//
// [Rebuild] recomputes summary.csv, summary.json, figures/ and report.md of a results directory
// from its manifest.json and observations.csv ([ReadManifest], [ReadObservationsCSV],
// [ReadSweepObservationsCSV]), byte-identical to what Write or WriteSweep wrote with the same
// Options, and replaces the directory atomically.
//
// # Shards
//
// A sweep may run as shards on several machines (mimisim sweep --shard I/N). [WriteShard] writes
// a shard directory: shard.json ([Shard]: the shard's jobs with their seeds and run facts, the
// scenario's SHA-256, the build and the machine), scenario.yaml (the scenario file's bytes) and
// observations.csv (column job, then a run's columns). [ReadShard] reads one back, checking it.
// [WriteMergedSweep] writes the joined sweep: exactly WriteSweep's files plus shards.json
// ([ShardRecord] per shard), in one atomic step. docs/cluster.md describes the whole procedure.
//
// # Atomicity
//
// Write builds everything in a sibling temporary directory named
// "<dir>.partial-<random>" and renames it to dir only after every file was
// written and synced; on any error the temporary directory is removed, so a
// reader either sees a complete results directory or none. An existing
// non-empty dir is refused unless Options.Overwrite is set.
//
// # Determinism of figures
//
// Figures are drawn with gonum.org/v1/plot using its built-in Liberation
// fonts, so no system font is consulted. PNG and SVG output is byte-identical
// between calls and between processes on the same platform and Go version
// (checked on linux/amd64 and linux/386). SVG output was also identical on
// linux/arm64, but PNG rasterization uses floating point and there the
// compiler fuses multiply-adds: one golden PNG had 476 of 653184 pixels off
// by at most 5/255. The golden test therefore compares PNGs by decoded
// pixels within a small tolerance and SVGs byte for byte. A change of
// gonum/plot or Go may also change PNG bytes.
//
// CDF lines with more than 2000 distinct values are drawn through 2000
// evenly spaced steps of the exact CDF to keep figures small; report.md says
// when that happened.
package results
