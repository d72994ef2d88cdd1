package results

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/stat"
)

// Fixed columns that lead every row of a sweep's observations.csv and summary.csv, around the
// axis columns: point, <axes…>, replication, seed (observations only; summary.csv has point and
// the axes).
const (
	PointColumn       = "point"
	ReplicationColumn = "replication"
	SeedColumn        = "seed"
)

// sweepSummaryColumns follow summaryColumns in a sweep's summary.csv.
var sweepSummaryColumns = []string{"replications", "rep_mean", "rep_stddev", "ci95_low", "ci95_high"}

// SweepInfo describes a sweep in its manifest (Manifest.Sweep): what was swept, which points
// and jobs ran and with which seeds.
type SweepInfo struct {
	// Axes are the swept parameters with the values this sweep ran, in axis order. The first
	// axis is the x axis of the figures.
	Axes []SweepAxis `json:"axes"`
	// Replications is the number of replications run per point.
	Replications int `json:"replications"`
	// Quick is set when the quick variant of the sweep ran.
	Quick bool `json:"quick"`
	// SeedRule says in words how each job's seed was derived; it is quoted in report.md.
	SeedRule string `json:"seed_rule"`
	// Points are the parameter points; Points[i].Index is i.
	Points []SweepPoint `json:"points"`
	// Jobs are the runs, sorted by point, then replication. WriteSweep takes one slice of
	// observations per job, in this order.
	Jobs []SweepJob `json:"jobs"`
	// Series, when set, names an axis other than the first whose values are drawn as the
	// lines of comparison figures (compare_mean_*, compare_scaling_*), one per metric and group.
	Series string `json:"series,omitempty"`
}

// SweepAxis is one swept parameter and its values, as text.
type SweepAxis struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// SweepPoint is one parameter point: one value of each axis.
type SweepPoint struct {
	Index  int     `json:"index"`
	Params []Param `json:"params"` // one per axis, in axis order, with that axis' name
}

// SweepJob is one run of a sweep: one replication of one point.
type SweepJob struct {
	Point       int               `json:"point"`       // index into SweepInfo.Points
	Replication int               `json:"replication"` // 0 … Replications−1
	Seed        uint64            `json:"seed"`        // the run's seed
	Events      uint64            `json:"events"`      // simulated events of the run
	SimulatedNs int64             `json:"simulated_ns"`
	Extra       map[string]string `json:"extra,omitempty"` // further facts of the run; keys are written sorted
}

// SweepRow holds the statistics of one metric and group at one point of a sweep.
type SweepRow struct {
	Point  int     // index of the point
	Params []Param // the point's parameters
	// SummaryRow has the statistics of all the point's observations of the metric and group,
	// pooled over its replications, as Summarize defines them.
	SummaryRow
	// Replications counts the replications with at least one observation of the metric and
	// group; each gives one sample, its mean, to the statistics below.
	Replications int
	// RepMean is the mean of those replications' means.
	RepMean float64
	// RepStddev is the sample standard deviation of the replications' means; NaN with fewer
	// than two replications.
	RepStddev float64
	// CILow and CIHigh bound the CILevel confidence interval of RepMean (see MeanCI); NaN with
	// fewer than two replications.
	CILow, CIHigh float64
}

// SummarizeSweep computes the rows of a sweep's summary from obs, the observations of each of
// info.Jobs: for every point in order, the rows Summarize gives for the observations of all its
// jobs pooled (metrics sorted, groups sorted, then the group "all"), each with the mean of the
// replications' means and its confidence interval across replications.
//
// A replication's mean for the group "all" is the mean of all its observations of the metric.
// The replications' means are taken over sorted values and combined in replication order, so
// the rows do not depend on the order of observations within a job.
func SummarizeSweep(info *SweepInfo, obs [][]Observation) []SweepRow {
	type key struct{ metric, group string }
	var out []SweepRow
	for _, pt := range info.Points {
		var pooled []Observation
		var repMeans []map[key]float64 // per job of the point, in replication order
		for j, job := range info.Jobs {
			if job.Point != pt.Index || j >= len(obs) {
				continue
			}
			pooled = append(pooled, obs[j]...)
			vals := map[key][]float64{}
			for _, o := range obs[j] {
				vals[key{o.Metric, o.Group}] = append(vals[key{o.Metric, o.Group}], o.Value)
				vals[key{o.Metric, AllGroup}] = append(vals[key{o.Metric, AllGroup}], o.Value)
			}
			means := make(map[key]float64, len(vals))
			for k, v := range vals {
				sort.Float64s(v)
				means[k] = stat.Mean(v, nil)
			}
			repMeans = append(repMeans, means)
		}
		for _, r := range Summarize(pooled) {
			var samples []float64
			for _, m := range repMeans {
				if v, ok := m[key{r.Metric, r.Group}]; ok {
					samples = append(samples, v)
				}
			}
			row := SweepRow{Point: pt.Index, Params: pt.Params, SummaryRow: r, Replications: len(samples)}
			row.RepMean, row.CILow, row.CIHigh = MeanCI(samples, CILevel)
			row.RepStddev = math.NaN()
			if len(samples) > 1 {
				row.RepStddev = stat.StdDev(samples, nil)
			}
			out = append(out, row)
		}
	}
	return out
}

// WriteSweep writes the results of a sweep to dir, atomically and refusing or replacing an
// existing directory like Write:
//
//	manifest.json      m, with m.Sweep describing the sweep and its jobs
//	observations.csv   every job's observations; columns point, <axes…>, replication, seed,
//	                   then those of a run's observations.csv
//	summary.csv        SummarizeSweep's rows; columns point, <axes…>, then those of a run's
//	                   summary.csv, then replications, rep_mean, rep_stddev, ci95_low,
//	                   ci95_high (the last three empty where undefined, with one replication)
//	summary.json       the same rows (undefined values null)
//	figures/           per metric: mean_<metric>… (means with confidence intervals against the
//	                   first axis, a line per group), scaling_<metric>… (log–log with fitted
//	                   exponents, when the first axis is positive numbers); cdf_<CDFMetric>…
//	                   (empirical CDFs, a line per value of the first axis). "…" names the
//	                   values of the other axes when there are any.
//	report.md          what ran, the summary with confidence intervals, the fitted exponents
//	                   and the figures
//
// obs[i] are the observations of m.Sweep.Jobs[i]. WriteSweep checks its input first and writes
// nothing if m.Sweep is missing or inconsistent (points numbered in order, each with one value of
// every axis, jobs sorted by point and replication, one observation slice per job), if an axis
// is named like a fixed column, if m.Params is not empty (a sweep's parameters are its axes), or
// if an observation breaks one of Write's rules. The files depend only on its arguments.
func WriteSweep(dir string, m Manifest, obs [][]Observation, opts Options) error {
	return writeDir(dir, opts.Overwrite, func() (func(root string) error, error) {
		sp, err := prepareSweep(m, obs, opts)
		if err != nil {
			return nil, err
		}
		return func(root string) error { return sp.build(root, opts.failHook) }, nil
	})
}

// sweepReserved are the names an axis may not have.
var sweepReserved = func() map[string]bool {
	r := map[string]bool{PointColumn: true, ReplicationColumn: true, SeedColumn: true}
	for _, cs := range [][]string{observationColumns, summaryColumns, sweepSummaryColumns} {
		for _, c := range cs {
			r[c] = true
		}
	}
	return r
}()

// checkSweep checks a sweep's manifest and observations.
func checkSweep(m Manifest, obs [][]Observation) error {
	info := m.Sweep
	if info == nil {
		return errors.New("the manifest describes no sweep (Manifest.Sweep is nil)")
	}
	if len(m.Params) > 0 {
		return errors.New("a sweep's manifest has no Params: its parameters are its axes")
	}
	if info.Replications < 1 {
		return fmt.Errorf("a sweep needs at least one replication, got %d", info.Replications)
	}
	names := map[string]bool{}
	for i, a := range info.Axes {
		switch {
		case a.Name == "":
			return fmt.Errorf("axis %d has an empty name", i)
		case sweepReserved[a.Name]:
			return fmt.Errorf("axis name %q is also a fixed column name", a.Name)
		case names[a.Name]:
			return fmt.Errorf("axis %q given twice", a.Name)
		case len(a.Values) == 0:
			return fmt.Errorf("axis %q has no values", a.Name)
		}
		names[a.Name] = true
	}
	if info.Series != "" && (len(info.Axes) < 2 || info.Series == info.Axes[0].Name || !names[info.Series]) {
		return fmt.Errorf("series %q is not an axis after the first", info.Series)
	}
	seen := map[string]int{}
	for i, p := range info.Points {
		if p.Index != i {
			return fmt.Errorf("point %d has index %d; points are numbered 0, 1, … in order", i, p.Index)
		}
		if len(p.Params) != len(info.Axes) {
			return fmt.Errorf("point %d has %d parameters for %d axes", i, len(p.Params), len(info.Axes))
		}
		for k, prm := range p.Params {
			a := info.Axes[k]
			if prm.Name != a.Name || !slices.Contains(a.Values, prm.Value) {
				return fmt.Errorf("point %d: parameter %d is %s=%s, not a value of axis %q", i, k, prm.Name, prm.Value, a.Name)
			}
		}
		k := fmt.Sprint(p.Params)
		if j, dup := seen[k]; dup {
			return fmt.Errorf("points %d and %d have the same parameters", j, i)
		}
		seen[k] = i
	}
	if len(obs) != len(info.Jobs) {
		return fmt.Errorf("%d observation slices for %d jobs", len(obs), len(info.Jobs))
	}
	for i, j := range info.Jobs {
		switch {
		case j.Point < 0 || j.Point >= len(info.Points):
			return fmt.Errorf("job %d: point %d does not exist", i, j.Point)
		case j.Replication < 0 || j.Replication >= info.Replications:
			return fmt.Errorf("job %d: replication %d is not between 0 and %d", i, j.Replication, info.Replications-1)
		case i > 0 && !jobBefore(info.Jobs[i-1], j):
			return fmt.Errorf("job %d (point %d, replication %d) is out of order or repeated; jobs are sorted by point, then replication", i, j.Point, j.Replication)
		}
	}
	var all []Observation
	for _, o := range obs {
		all = append(all, o...)
	}
	return checkObservations(all)
}

func jobBefore(a, b SweepJob) bool {
	return a.Point < b.Point || a.Point == b.Point && a.Replication < b.Replication
}

// sweepPlan is everything WriteSweep computes before touching the file system.
type sweepPlan struct {
	manifest Manifest
	info     *SweepInfo
	obs      [][]Observation
	nobs     int
	rows     []SweepRow
	opts     Options
	figs     []sweepFigure
}

func prepareSweep(m Manifest, obs [][]Observation, opts Options) (*sweepPlan, error) {
	if err := checkSweep(m, obs); err != nil {
		return nil, err
	}
	sp := &sweepPlan{manifest: m, info: m.Sweep, obs: obs, opts: opts}
	for _, o := range obs {
		sp.nobs += len(o)
	}
	sp.rows = SummarizeSweep(sp.info, obs)
	sp.figs = planSweepFigures(sp)
	return sp, nil
}

// build writes every file of a sweep's results into root.
func (sp *sweepPlan) build(root string, hook func(string) error) error {
	fw := fileWriter{root: root, hook: hook}
	if err := fw.write(ManifestFile, func(w io.Writer) error {
		return writeJSON(w, normalizeSweepManifest(sp.manifest))
	}); err != nil {
		return err
	}
	if err := fw.write(ObservationsFile, func(w io.Writer) error {
		return writeSweepObservationsCSV(w, sp.info, sp.obs)
	}); err != nil {
		return err
	}
	return sp.buildDerived(root, hook)
}

// buildDerived writes the files computed from the manifest and observations.
func (sp *sweepPlan) buildDerived(root string, hook func(string) error) error {
	fw := fileWriter{root: root, hook: hook}
	if err := fw.write(SummaryCSVFile, func(w io.Writer) error {
		return writeSweepSummaryCSV(w, sp.info, sp.rows)
	}); err != nil {
		return err
	}
	if err := fw.write(SummaryJSONFile, func(w io.Writer) error {
		return writeJSON(w, sweepSummaryJSON(sp.info, sp.rows))
	}); err != nil {
		return err
	}
	if err := fw.figures(root, len(sp.figs), func(i int) (string, []byte, []byte, error) {
		png, svg, err := renderPlot(sp.figs[i].plot)
		return sp.figs[i].stem, png, svg, err
	}); err != nil {
		return err
	}
	return fw.write(ReportFile, func(w io.Writer) error {
		return writeSweepReport(w, sp)
	})
}

// normalizeSweepManifest returns a copy of m with nil slices made empty, so that they are
// written as [] and read back the same.
func normalizeSweepManifest(m Manifest) Manifest {
	m = normalizeManifest(m)
	info := *m.Sweep
	info.Axes = slices.Clone(info.Axes)
	for i := range info.Axes {
		if info.Axes[i].Values == nil {
			info.Axes[i].Values = []string{}
		}
	}
	if info.Axes == nil {
		info.Axes = []SweepAxis{}
	}
	info.Points = slices.Clone(info.Points)
	for i := range info.Points {
		info.Points[i].Params = nonNilParams(info.Points[i].Params)
	}
	if info.Points == nil {
		info.Points = []SweepPoint{}
	}
	if info.Jobs == nil {
		info.Jobs = []SweepJob{}
	}
	m.Sweep = &info
	return m
}

// axisNames returns the names of the axes.
func (info *SweepInfo) axisNames() []string {
	out := make([]string, len(info.Axes))
	for i, a := range info.Axes {
		out[i] = a.Name
	}
	return out
}

// writeSweepObservationsCSV writes a sweep's tidy observations table.
func writeSweepObservationsCSV(w io.Writer, info *SweepInfo, obs [][]Observation) error {
	cw := csv.NewWriter(w)
	header := append([]string{PointColumn}, info.axisNames()...)
	header = append(header, ReplicationColumn, SeedColumn)
	if err := cw.Write(append(header, observationColumns...)); err != nil {
		return err
	}
	lead := len(header)
	rec := make([]string, lead+len(observationColumns))
	for j, job := range info.Jobs {
		rec[0] = strconv.Itoa(job.Point)
		for k, p := range info.Points[job.Point].Params {
			rec[1+k] = p.Value
		}
		rec[lead-2] = strconv.Itoa(job.Replication)
		rec[lead-1] = strconv.FormatUint(job.Seed, 10)
		f := rec[lead:]
		for _, o := range obs[j] {
			formatObservation(f, o)
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// formatOptional formats v exactly, or as an empty cell when it is NaN.
func formatOptional(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return formatExact(v)
}

// writeSweepSummaryCSV writes a sweep's summary table.
func writeSweepSummaryCSV(w io.Writer, info *SweepInfo, rows []SweepRow) error {
	cw := csv.NewWriter(w)
	header := append([]string{PointColumn}, info.axisNames()...)
	header = append(header, summaryColumns...)
	if err := cw.Write(append(header, sweepSummaryColumns...)); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{strconv.Itoa(r.Point)}
		for _, p := range r.Params {
			rec = append(rec, p.Value)
		}
		rec = append(rec, r.Metric, r.Unit, r.Group, strconv.Itoa(r.N),
			formatExact(r.Mean), formatExact(r.Stddev), formatExact(r.Min), formatExact(r.P50),
			formatExact(r.P95), formatExact(r.P99), formatExact(r.Max),
			strconv.Itoa(r.Replications), formatExact(r.RepMean), formatOptional(r.RepStddev),
			formatOptional(r.CILow), formatOptional(r.CIHigh))
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// sweepRowJSON is one row of a sweep's summary.json.
type sweepRowJSON struct {
	Point  int     `json:"point"`
	Params []Param `json:"params"`
	SummaryRow
	Replications int      `json:"replications"`
	RepMean      float64  `json:"rep_mean"`
	RepStddev    *float64 `json:"rep_stddev"`
	CI95Low      *float64 `json:"ci95_low"`
	CI95High     *float64 `json:"ci95_high"`
}

type sweepSummaryFile struct {
	Axes []string       `json:"axes"`
	Rows []sweepRowJSON `json:"rows"`
}

func optional(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

func sweepSummaryJSON(info *SweepInfo, rows []SweepRow) sweepSummaryFile {
	f := sweepSummaryFile{Axes: info.axisNames(), Rows: make([]sweepRowJSON, len(rows))}
	for i, r := range rows {
		f.Rows[i] = sweepRowJSON{Point: r.Point, Params: nonNilParams(r.Params), SummaryRow: r.SummaryRow,
			Replications: r.Replications, RepMean: r.RepMean, RepStddev: optional(r.RepStddev),
			CI95Low: optional(r.CILow), CI95High: optional(r.CIHigh)}
	}
	return f
}
