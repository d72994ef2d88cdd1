package results

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ReadManifest reads a manifest.json written by Write or WriteSweep. Unknown fields and
// trailing data are errors.
func ReadManifest(path string) (Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Manifest{}, fmt.Errorf("results: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("results: %s: %w", path, err)
	}
	if dec.More() {
		return Manifest{}, fmt.Errorf("results: %s: data after the manifest", path)
	}
	return m, nil
}

// ReadObservationsCSV reads the observations.csv of a single run written by Write with the
// parameters params (the manifest's Params). The header must be the parameter columns followed
// by the fixed columns, and every row must carry the parameters' values. Values are read back
// exactly as written, so Summarize gives the summary Write wrote.
func ReadObservationsCSV(path string, params []Param) ([]Observation, error) {
	var obs []Observation
	err := readObservations(path, params, func(o Observation) { obs = append(obs, o) })
	return obs, err
}

// ReadObservationsTable is ReadObservationsCSV into a Table.
func ReadObservationsTable(path string, params []Param) (*Table, error) {
	t := new(Table)
	err := readObservations(path, params, func(o Observation) { t.Add(o) })
	return t, err
}

// readObservations hands each observation of a single run's observations.csv to add.
func readObservations(path string, params []Param, add func(Observation)) error {
	return readCSV(path, paramHeader(params, observationColumns), func(line int, rec []string) error {
		for i, p := range params {
			if rec[i] != p.Value {
				return fmt.Errorf("line %d: column %s is %q but the manifest says %q", line, p.Name, rec[i], p.Value)
			}
		}
		o, err := parseObservation(line, rec[len(params):])
		if err != nil {
			return err
		}
		add(o)
		return nil
	})
}

// ReadSweepObservationsCSV reads the observations.csv of a sweep written by WriteSweep with
// info (the manifest's Sweep), and returns the observations of each of info.Jobs, in file
// order. Every row must name an existing job by point and replication and carry that point's
// parameters and that job's seed.
func ReadSweepObservationsCSV(path string, info *SweepInfo) ([][]Observation, error) {
	header := append([]string{PointColumn}, info.axisNames()...)
	header = append(header, ReplicationColumn, SeedColumn)
	lead := len(header)
	type jobKey struct{ point, rep int }
	jobAt := make(map[jobKey]int, len(info.Jobs))
	for j, job := range info.Jobs {
		jobAt[jobKey{job.Point, job.Replication}] = j
	}
	obs := make([][]Observation, len(info.Jobs))
	err := readCSV(path, append(header, observationColumns...), func(line int, rec []string) error {
		point, err1 := strconv.Atoi(rec[0])
		rep, err2 := strconv.Atoi(rec[lead-2])
		j, ok := jobAt[jobKey{point, rep}]
		if err1 != nil || err2 != nil || !ok {
			return fmt.Errorf("line %d: point %q, replication %q is not a job of the manifest", line, rec[0], rec[lead-2])
		}
		for k, p := range info.Points[point].Params {
			if rec[1+k] != p.Value {
				return fmt.Errorf("line %d: column %s is %q but point %d has %q", line, p.Name, rec[1+k], point, p.Value)
			}
		}
		if want := strconv.FormatUint(info.Jobs[j].Seed, 10); rec[lead-1] != want {
			return fmt.Errorf("line %d: seed %s, but the manifest gives job %d seed %s", line, rec[lead-1], j, want)
		}
		o, err := parseObservation(line, rec[lead:])
		if err != nil {
			return err
		}
		obs[j] = append(obs[j], o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return obs, nil
}

// readCSV reads a CSV file whose header must be want, handing each row to row.
func readCSV(path string, want []string, row func(line int, rec []string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.ReuseRecord = true
	header, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("results: %s: empty file, want a header", path)
	case err != nil:
		return fmt.Errorf("results: %s: %w", path, err)
	case !slices.Equal(header, want):
		return fmt.Errorf("results: %s: header is %s, want %s", path, strings.Join(header, ","), strings.Join(want, ","))
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("results: %s: %w", path, err)
		}
		line, _ := cr.FieldPos(0)
		if err := row(line, rec); err != nil {
			return fmt.Errorf("results: %s: %w", path, err)
		}
	}
}

// parseObservation reads the fixed columns of an observation row.
func parseObservation(line int, f []string) (Observation, error) {
	o := Observation{Metric: f[0], Unit: f[1], Group: f[2], Source: f[4], Target: f[5]}
	var err error
	if o.TimeNs, err = parseSeconds(f[3]); err != nil {
		return o, fmt.Errorf("line %d: column time_s: %w", line, err)
	}
	if o.ID, err = strconv.ParseInt(f[6], 10, 64); err != nil {
		return o, fmt.Errorf("line %d: column id: %w", line, err)
	}
	if o.Value, err = strconv.ParseFloat(f[7], 64); err != nil {
		return o, fmt.Errorf("line %d: column value: %w", line, err)
	}
	return o, nil
}

// parseSeconds reads what formatSeconds writes: an optional "-", whole seconds, ".", exactly
// nine digits.
func parseSeconds(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	whole, frac, ok := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if !ok || len(frac) != 9 || whole == "" || strings.HasPrefix(whole, "+") {
		return 0, fmt.Errorf("%q is not seconds with nine decimals", s)
	}
	w, err1 := strconv.ParseUint(whole, 10, 64)
	n, err2 := strconv.ParseUint(frac, 10, 64)
	if err1 != nil || err2 != nil || strings.HasPrefix(frac, "+") || w > math.MaxInt64/1_000_000_000+1 {
		return 0, fmt.Errorf("%q is not seconds with nine decimals", s)
	}
	u := w*1e9 + n
	switch {
	case !neg && u <= math.MaxInt64:
		return int64(u), nil
	case neg && u <= math.MaxInt64+1:
		return int64(-u), nil // two's complement: right for MinInt64 too
	}
	return 0, fmt.Errorf("%q is out of range", s)
}

// derivedFiles are the entries of a results directory that Rebuild replaces.
var derivedFiles = []string{SummaryCSVFile, SummaryJSONFile, ReportFile, FiguresDir}

// Rebuild recomputes the files of a results directory that derive from its manifest.json and
// observations.csv — summary.csv, summary.json, figures/ and report.md — without running
// anything. With the Options the directory was written with (CDFMetric and Title), they come
// out byte-identical to what Write or WriteSweep wrote; a manifest with a Sweep is rebuilt as a
// sweep.
//
// The directory is replaced atomically: the new one is built in a sibling temporary directory
// holding the new derived files and every other entry of the old one (hard-linked where
// possible, else copied), then renamed into place; on any error the old directory stays as it
// was. The old derived files are not read, so they may be missing; anything else inside
// figures/ is dropped. opts.Overwrite is ignored.
func Rebuild(dir string, opts Options) error {
	if dir == "" {
		return errors.New("results: no results directory given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if fi, err := os.Lstat(abs); err != nil {
		return fmt.Errorf("results: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("results: %s is not a directory", dir)
	}
	m, err := ReadManifest(filepath.Join(abs, ManifestFile))
	if err != nil {
		return err
	}
	var derive func(root string) error
	if m.Sweep != nil {
		obs, err := ReadSweepObservationsCSV(filepath.Join(abs, ObservationsFile), m.Sweep)
		if err != nil {
			return err
		}
		sp, err := prepareSweep(m, obs, opts)
		if err != nil {
			return fmt.Errorf("results: %s: %w", dir, err)
		}
		derive = func(root string) error { return sp.buildDerived(root, opts.failHook) }
	} else {
		obs, err := ReadObservationsTable(filepath.Join(abs, ObservationsFile), m.Params)
		if err != nil {
			return err
		}
		if opts.Invariants, err = ReadInvariants(filepath.Join(abs, InvariantsFile)); err != nil {
			return err
		}
		p, err := prepare(m, obs, opts)
		if err != nil {
			return fmt.Errorf("results: %s: %w", dir, err)
		}
		derive = func(root string) error { return p.buildDerived(root, opts.failHook) }
	}

	parent, base := filepath.Dir(abs), filepath.Base(abs)
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
	if err := carryOver(abs, tmp); err != nil {
		return fmt.Errorf("results: rebuilding %s: %w", dir, err)
	}
	if err := derive(tmp); err != nil {
		return fmt.Errorf("results: rebuilding %s: %w", dir, err)
	}
	installed, err = install(tmp, abs, dir, targetReplace)
	if installed {
		syncDir(parent)
	}
	return err
}

// carryOver puts every entry of src except the derived files into dst.
func carryOver(src, dst string) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if slices.Contains(derivedFiles, e.Name()) {
			continue
		}
		from, to := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		switch t := e.Type(); {
		case t.IsDir():
			if err := os.CopyFS(to, os.DirFS(from)); err != nil {
				return err
			}
		case t&os.ModeSymlink != 0:
			target, err := os.Readlink(from)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, to); err != nil {
				return err
			}
		case t.IsRegular():
			if err := os.Link(from, to); err != nil {
				if err := copyFile(from, to); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("%s is neither a file nor a directory", from)
		}
	}
	return nil
}

func copyFile(from, to string) (err error) {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	return out.Sync()
}
