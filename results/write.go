package results

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
)

// Names of the files Write produces, relative to the results directory.
const (
	ManifestFile     = "manifest.json"
	ObservationsFile = "observations.csv"
	SummaryCSVFile   = "summary.csv"
	SummaryJSONFile  = "summary.json"
	ReportFile       = "report.md"
	FiguresDir       = "figures"
)

// ErrExists is returned (wrapped) by Write when the output directory exists,
// is not empty and Options.Overwrite is not set.
var ErrExists = errors.New("results directory already exists and is not empty")

// Write writes the results of one run to the directory dir: manifest.json,
// observations.csv, summary.csv, summary.json, report.md and, if
// opts.CDFMetric has observations, figures/cdf_<metric>_<group>.png and .svg
// for every group plus figures/cdf_<metric>_all.png and .svg overlaying them.
// Metric and group names are reduced to the characters [A-Za-z0-9._-] in
// file names, every other byte becoming '_'.
//
// Write first checks its input and returns an error, writing nothing, if a
// Param name is empty, repeated or equal to a fixed column name, if an
// observation has an empty Metric, an empty Group, the reserved Group "all"
// or a non-finite Value, if one metric is given in two units, or if two
// groups of the CDF metric would get the same figure file name (compared
// case-insensitively).
//
// The directory is written atomically: everything is built in a sibling
// directory "<dir>.partial-<random>" that is renamed to dir only when
// complete, and removed on any error. If dir exists and is empty it is
// replaced; if it is not empty Write refuses with an error wrapping ErrExists unless opts.Overwrite is set, in
// which case the old directory is moved aside, the new one renamed into
// place, and the old one then deleted. A dir that exists but is not a
// directory (including a symbolic link) is always refused.
//
// The files depend only on m, obs and opts: the same input gives
// byte-identical files. Write(dir, m, obs, opts) is WriteTable(dir, m, TableOf(obs), opts).
func Write(dir string, m Manifest, obs []Observation, opts Options) (err error) {
	return WriteTable(dir, m, TableOf(obs), opts)
}

// WriteTable is Write for observations held in a Table: it writes the same files, streaming
// observations.csv, the summaries and the figures from the table's columns.
func WriteTable(dir string, m Manifest, t *Table, opts Options) error {
	return writeDir(dir, opts.Overwrite, func() (func(root string) error, error) {
		pl, err := prepare(m, t, opts)
		if err != nil {
			return nil, err
		}
		return func(root string) error { return pl.build(root, opts.failHook) }, nil
	})
}

// writeDir writes a results directory atomically, as Write documents: plan checks the input and
// returns the function that fills a directory, which runs on a temporary sibling of dir that is
// then renamed into place. Nothing touches the file system before plan succeeds.
func writeDir(dir string, overwrite bool, plan func() (func(root string) error, error)) error {
	if dir == "" {
		return errors.New("results: no output directory given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	parent, base := filepath.Dir(abs), filepath.Base(abs)
	if abs == parent {
		return fmt.Errorf("results: cannot write results to the root directory %q", dir)
	}

	build, err := plan()
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	state, err := checkTarget(abs, dir, overwrite)
	if err != nil {
		return err
	}

	tmp, err := os.MkdirTemp(parent, base+".partial-")
	if err != nil {
		return fmt.Errorf("results: creating temporary directory: %w", err)
	}
	installed := false
	defer func() {
		if !installed {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if err := build(tmp); err != nil {
		return fmt.Errorf("results: writing %s: %w", dir, err)
	}
	installed, err = install(tmp, abs, dir, state)
	if installed {
		syncDir(parent)
	}
	return err
}

// targetState is what Write found at the output path.
type targetState int

const (
	targetAbsent targetState = iota
	targetEmptyDir
	targetReplace // non-empty directory, Overwrite set
)

func checkTarget(abs, display string, overwrite bool) (targetState, error) {
	fi, err := os.Lstat(abs)
	if errors.Is(err, os.ErrNotExist) {
		return targetAbsent, nil
	}
	if err != nil {
		return 0, fmt.Errorf("results: %w", err)
	}
	if !fi.IsDir() {
		return 0, fmt.Errorf("results: %s exists and is not a directory", display)
	}
	f, err := os.Open(abs)
	if err != nil {
		return 0, fmt.Errorf("results: %w", err)
	}
	names, err := f.Readdirnames(1)
	f.Close()
	if errors.Is(err, io.EOF) || (err == nil && len(names) == 0) {
		return targetEmptyDir, nil
	}
	if err != nil {
		return 0, fmt.Errorf("results: reading %s: %w", display, err)
	}
	if !overwrite {
		return 0, fmt.Errorf("results: %s: %w", display, ErrExists)
	}
	return targetReplace, nil
}

// install renames the finished tmp directory to abs. It reports whether tmp
// is now in place (and so must not be removed).
func install(tmp, abs, display string, state targetState) (bool, error) {
	switch state {
	case targetEmptyDir:
		if err := os.Remove(abs); err != nil {
			return false, fmt.Errorf("results: replacing empty directory %s: %w", display, err)
		}
	case targetReplace:
		parent, base := filepath.Dir(abs), filepath.Base(abs)
		old, err := os.MkdirTemp(parent, base+".old-")
		if err != nil {
			return false, fmt.Errorf("results: moving previous %s aside: %w", display, err)
		}
		if err := os.Remove(old); err != nil {
			return false, fmt.Errorf("results: moving previous %s aside: %w", display, err)
		}
		if err := os.Rename(abs, old); err != nil {
			return false, fmt.Errorf("results: moving previous %s aside: %w", display, err)
		}
		if err := os.Rename(tmp, abs); err != nil {
			if rerr := os.Rename(old, abs); rerr != nil {
				return false, fmt.Errorf("results: installing %s: %w (and restoring the previous results from %s failed: %v)", display, err, old, rerr)
			}
			return false, fmt.Errorf("results: installing %s: %w", display, err)
		}
		if err := os.RemoveAll(old); err != nil {
			return true, fmt.Errorf("results: wrote %s, but removing the previous results moved to %s failed: %w", display, old, err)
		}
		return true, nil
	}
	if err := os.Rename(tmp, abs); err != nil {
		return false, fmt.Errorf("results: installing %s: %w", display, err)
	}
	return true, nil
}

// syncDir makes a rename in dir durable where the platform allows it.
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync() // best effort: not every platform can sync a directory
		f.Close()
	}
}

// plan is everything Write computes before touching the file system.
type plan struct {
	manifest Manifest
	obs      *Table
	rows     []SummaryRow
	opts     Options
	figures  []figurePlan // in file order: the groups, then the overlay
	// render draws figure i for buildDerived; nil means renderFigure.
	render func(i int) (stem string, png, svg []byte, err error)
}

// figurePlan is one figure: files stem+".png" and stem+".svg".
type figurePlan struct {
	group string // AllGroup for the overlay
	stem  string // slash-separated, relative to the results directory
	fig   cdfFigure
}

// reservedColumns are the names a Param may not have.
var reservedColumns = func() map[string]bool {
	r := make(map[string]bool)
	for _, c := range observationColumns {
		r[c] = true
	}
	for _, c := range summaryColumns {
		r[c] = true
	}
	return r
}()

func prepare(m Manifest, obs *Table, opts Options) (*plan, error) {
	seen := make(map[string]bool)
	for i, p := range m.Params {
		switch {
		case p.Name == "":
			return nil, fmt.Errorf("param %d has an empty name", i)
		case reservedColumns[p.Name]:
			return nil, fmt.Errorf("param name %q is also a fixed column name", p.Name)
		case seen[p.Name]:
			return nil, fmt.Errorf("param %q given twice", p.Name)
		}
		seen[p.Name] = true
	}
	if err := checkTable(obs); err != nil {
		return nil, err
	}
	rows, sorted := summarizeTable(obs, opts.CDFMetric)
	p := &plan{manifest: m, obs: obs, rows: rows, opts: opts}
	figs, err := planFigures(m, obs, opts, sorted)
	if err != nil {
		return nil, err
	}
	p.figures = figs
	return p, nil
}

// checkObservations applies Write's rules for observations: a metric and a group (not "all")
// each, finite values, one unit per metric.
func checkObservations(obs []Observation) error { return checkTable(TableOf(obs)) }

// checkTable is checkObservations for a Table: it reports the first observation, in order,
// that breaks a rule.
func checkTable(t *Table) error {
	// What is wrong with each series whatever its values, "" if nothing.
	bad := make([]string, len(t.series))
	for i, k := range t.series {
		metric := t.strs[k.metric]
		switch {
		case metric == "":
			bad[i] = "has an empty metric"
		case k.group == 0:
			bad[i] = fmt.Sprintf("(metric %q) has an empty group", metric)
		case t.strs[k.group] == AllGroup:
			bad[i] = fmt.Sprintf("(metric %q) uses the reserved group %q", metric, AllGroup)
		}
	}
	seen := make([]bool, len(t.series))
	units := make(map[uint32]uint32) // metric -> unit of its first observation
	var err error
	base := 0
	t.rows(func(series, _, _ []uint32, _, _ []int64, value []float64) {
		if err != nil {
			return
		}
		for j, s := range series {
			i := base + j
			if bad[s] != "" {
				err = fmt.Errorf("observation %d %s", i, bad[s])
				return
			}
			k := t.series[s]
			if v := value[j]; math.IsNaN(v) || math.IsInf(v, 0) {
				err = fmt.Errorf("observation %d (metric %q) has the non-finite value %v", i, t.strs[k.metric], v)
				return
			}
			if seen[s] {
				continue
			}
			seen[s] = true
			if u, ok := units[k.metric]; !ok {
				units[k.metric] = k.unit
			} else if u != k.unit {
				err = fmt.Errorf("observation %d: metric %q has unit %q, earlier observations have %q", i, t.strs[k.metric], t.strs[k.unit], t.strs[u])
				return
			}
		}
		base += len(series)
	})
	return err
}

// fileStem returns the slash-separated stem of the CDF figure of metric and
// group.
func fileStem(metric, group string) string {
	return path.Join(FiguresDir, "cdf_"+sanitize(metric)+"_"+sanitize(group))
}

// sanitize keeps [A-Za-z0-9._-] and replaces every other byte with '_'.
func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			b[i] = '_'
		}
	}
	return string(b)
}

// planFigures plans the CDF figures of opts.CDFMetric, whose values by group, sorted as
// sort.Float64s sorts, are values (from summarizeTable).
func planFigures(m Manifest, obs *Table, opts Options, values map[string][]float64) ([]figurePlan, error) {
	if opts.CDFMetric == "" || len(values) == 0 {
		return nil, nil
	}
	groups := make([]string, 0, len(values))
	for g := range values {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	unit := obs.unitOf(opts.CDFMetric)

	metric := opts.CDFMetric
	xLabel := metric
	if unit != "" {
		xLabel += " (" + unit + ")"
	}
	caption := figureCaption(m)
	stems := map[string]string{strings.ToLower(fileStem(metric, AllGroup)): AllGroup}
	var figs []figurePlan
	var all []cdfSeries
	for _, g := range groups {
		stem := fileStem(metric, g)
		if other, dup := stems[strings.ToLower(stem)]; dup {
			return nil, fmt.Errorf("groups %q and %q of metric %q would share the figure file %s.png", other, g, metric, stem)
		}
		stems[strings.ToLower(stem)] = g
		s := newSortedCDFSeries(g, values[g])
		values[g] = nil // only the thinned steps are kept
		all = append(all, s)
		figs = append(figs, figurePlan{group: g, stem: stem, fig: cdfFigure{
			title:   opts.Title,
			heading: fmt.Sprintf("Empirical CDF of %s, group %s (n=%d)", xLabel, g, s.n),
			caption: caption,
			xLabel:  xLabel,
			series:  []cdfSeries{s},
		}})
	}
	figs = append(figs, figurePlan{group: AllGroup, stem: fileStem(metric, AllGroup), fig: cdfFigure{
		title:   opts.Title,
		heading: fmt.Sprintf("Empirical CDF of %s, %d groups overlaid", xLabel, len(groups)),
		caption: caption,
		xLabel:  xLabel,
		series:  all,
		legend:  true,
	}})
	return figs, nil
}

// figureCaption says what produced a figure.
func figureCaption(m Manifest) string {
	// The engine's short name only: its version string is in manifest.json and report.md, and
	// would not fit on the figure.
	return fmt.Sprintf("engine %s · time mode %s · seed %d · scenario %s",
		orUnset(m.Engine), orUnset(m.TimeMode), m.Seed, orUnset(m.Scenario))
}

func orUnset(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}

// build writes every file into root. The files written first, observations.csv above all,
// are synced in the background while the summaries and figures are written (waiting for the
// disk needs no processor), and all of them before build returns.
func (p *plan) build(root string, hook func(string) error) (err error) {
	var syncs syncGroup
	defer func() {
		if werr := syncs.wait(); err == nil {
			err = werr
		}
	}()
	p.render = p.renderAhead()
	fw := fileWriter{root: root, hook: hook, syncs: &syncs}
	if err := fw.write(ManifestFile, func(w io.Writer) error {
		return writeJSON(w, normalizeManifest(p.manifest))
	}); err != nil {
		return err
	}
	if err := fw.write(ObservationsFile, func(w io.Writer) error {
		return writeObservationsCSV(w, p.manifest.Params, p.obs)
	}); err != nil {
		return err
	}
	if v := p.opts.Invariants; v != nil {
		if err := fw.write(InvariantsFile, func(w io.Writer) error { return writeInvariants(w, v) }); err != nil {
			return err
		}
	}
	return p.buildDerived(root, hook)
}

// buildDerived writes the files computed from the manifest and the observations (summaries,
// figures, report) into root.
func (p *plan) buildDerived(root string, hook func(string) error) error {
	fw := fileWriter{root: root, hook: hook}
	params := p.manifest.Params
	if err := fw.write(SummaryCSVFile, func(w io.Writer) error {
		return writeSummaryCSV(w, params, p.rows)
	}); err != nil {
		return err
	}
	if err := fw.write(SummaryJSONFile, func(w io.Writer) error {
		return writeJSON(w, summaryJSON{Params: nonNilParams(params), Rows: nonNilRows(p.rows)})
	}); err != nil {
		return err
	}
	render := p.render
	if render == nil {
		render = p.renderFigure
	}
	if err := fw.figures(root, len(p.figures), render); err != nil {
		return err
	}
	return fw.write(ReportFile, func(w io.Writer) error {
		return writeReport(w, p)
	})
}

// renderFigure draws figure i of p.
func (p *plan) renderFigure(i int) (stem string, png, svg []byte, err error) {
	png, svg, err = renderCDF(p.figures[i].fig)
	return p.figures[i].stem, png, svg, err
}

// renderAhead returns renderFigure, or, if more than one goroutine may run at once, a function
// that waits for figure i drawn by one of up to GOMAXPROCS−1 goroutines that start drawing
// every figure now, in order, while observations.csv is written. The figures are the same
// either way: drawing one depends only on its plan.
func (p *plan) renderAhead() func(i int) (string, []byte, []byte, error) {
	workers := min(runtime.GOMAXPROCS(0)-1, len(p.figures))
	if workers < 1 {
		return p.renderFigure
	}
	type drawn struct {
		png, svg []byte
		err      error
	}
	done := make([]chan drawn, len(p.figures))
	for i := range done {
		done[i] = make(chan drawn, 1)
	}
	var next atomic.Int64
	for range workers {
		go func() {
			for i := int(next.Add(1) - 1); i < len(done); i = int(next.Add(1) - 1) {
				png, svg, err := renderCDF(p.figures[i].fig)
				done[i] <- drawn{png, svg, err}
			}
		}()
	}
	return func(i int) (string, []byte, []byte, error) {
		d := <-done[i]
		return p.figures[i].stem, d.png, d.svg, d.err
	}
}

// summaryJSON is the layout of summary.json.
type summaryJSON struct {
	Params []Param      `json:"params"`
	Rows   []SummaryRow `json:"rows"`
}

func nonNilParams(p []Param) []Param {
	if p == nil {
		return []Param{}
	}
	return p
}

func nonNilRows(r []SummaryRow) []SummaryRow {
	if r == nil {
		return []SummaryRow{}
	}
	return r
}

// normalizeManifest returns a copy of m with nil slices made empty so that
// they are written as [] rather than null.
func normalizeManifest(m Manifest) Manifest {
	m.Params = nonNilParams(m.Params)
	if m.Notes == nil {
		m.Notes = []string{}
	}
	return m
}

// writeJSON writes v indented by two spaces, without HTML escaping, with a
// trailing newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// fileWriter creates files below root.
type fileWriter struct {
	root  string
	hook  func(string) error
	syncs *syncGroup // if not nil, files are synced and closed there instead of in write
}

// syncGroup syncs and closes files in the background.
type syncGroup struct {
	done []chan error
}

// add syncs and closes f in a new goroutine.
func (g *syncGroup) add(f *os.File) {
	ch := make(chan error, 1)
	g.done = append(g.done, ch)
	go func() {
		err := f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		ch <- err
	}()
}

// wait waits for every file added and returns the first error, in the order they were added.
func (g *syncGroup) wait() error {
	var first error
	for _, ch := range g.done {
		if err := <-ch; first == nil {
			first = err
		}
	}
	g.done = nil
	return first
}

func (fw fileWriter) writeBytes(name string, data []byte) error {
	return fw.write(name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// write creates the new file name (slash-separated, relative to root),
// fills it with fill, and syncs it (or has fw.syncs sync it).
func (fw fileWriter) write(name string, fill func(io.Writer) error) (err error) {
	if fw.hook != nil {
		if err := fw.hook(name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	f, err := os.OpenFile(filepath.Join(fw.root, filepath.FromSlash(name)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := fill(bw); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if fw.syncs != nil {
		fw.syncs.add(f)
		return nil
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// figures renders n figures with render and writes each as PNG and SVG under figures/.
func (fw fileWriter) figures(root string, n int, render func(i int) (stem string, png, svg []byte, err error)) error {
	if n == 0 {
		return nil
	}
	if err := os.Mkdir(filepath.Join(root, FiguresDir), 0o755); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		stem, pngData, svgData, err := render(i)
		if err != nil {
			return fmt.Errorf("%s: %w", stem, err)
		}
		if err := fw.writeBytes(stem+".png", pngData); err != nil {
			return err
		}
		if err := fw.writeBytes(stem+".svg", svgData); err != nil {
			return err
		}
	}
	return nil
}
