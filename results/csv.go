package results

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// Fixed columns of observations.csv, after the parameter columns.
var observationColumns = []string{"metric", "unit", "group", "time_s", "source", "target", "id", "value"}

// Fixed columns of summary.csv, after the parameter columns.
var summaryColumns = []string{"metric", "unit", "group", "n", "mean", "stddev", "min", "p50", "p95", "p99", "max"}

// formatExact formats v as the shortest decimal that parses back to v,
// without exponent.
func formatExact(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// formatSeconds writes ns as seconds with exactly nine decimals using
// integer arithmetic only.
func formatSeconds(ns int64) string {
	sign := ""
	u := uint64(ns)
	if ns < 0 {
		sign = "-"
		u = uint64(-(ns + 1)) + 1 // also right for math.MinInt64
	}
	return fmt.Sprintf("%s%d.%09d", sign, u/1e9, u%1e9)
}

func paramHeader(params []Param, fixed []string) []string {
	h := make([]string, 0, len(params)+len(fixed))
	for _, p := range params {
		h = append(h, p.Name)
	}
	return append(h, fixed...)
}

// writeObservationsCSV writes the tidy observations table.
func writeObservationsCSV(w io.Writer, params []Param, obs []Observation) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(paramHeader(params, observationColumns)); err != nil {
		return err
	}
	rec := make([]string, len(params)+len(observationColumns))
	for i, p := range params {
		rec[i] = p.Value
	}
	f := rec[len(params):]
	for _, o := range obs {
		f[0], f[1], f[2] = o.Metric, o.Unit, o.Group
		f[3] = formatSeconds(o.TimeNs)
		f[4], f[5] = o.Source, o.Target
		f[6] = strconv.FormatInt(o.ID, 10)
		f[7] = formatExact(o.Value)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeSummaryCSV writes the summary table.
func writeSummaryCSV(w io.Writer, params []Param, rows []SummaryRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(paramHeader(params, summaryColumns)); err != nil {
		return err
	}
	rec := make([]string, len(params)+len(summaryColumns))
	for i, p := range params {
		rec[i] = p.Value
	}
	f := rec[len(params):]
	for _, r := range rows {
		f[0], f[1], f[2] = r.Metric, r.Unit, r.Group
		f[3] = strconv.Itoa(r.N)
		f[4], f[5] = formatExact(r.Mean), formatExact(r.Stddev)
		f[6], f[7], f[8] = formatExact(r.Min), formatExact(r.P50), formatExact(r.P95)
		f[9], f[10] = formatExact(r.P99), formatExact(r.Max)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadSummaryCSV reads a summary.csv written by Write. The file's last
// columns must be metric,unit,group,n,mean,stddev,min,p50,p95,p99,max; any
// columns before them are parameter columns and are skipped. Values are read
// back exactly as written.
func ReadSummaryCSV(path string) ([]SummaryRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	defer f.Close()
	rows, err := readSummaryCSV(f)
	if err != nil {
		return nil, fmt.Errorf("results: %s: %w", path, err)
	}
	return rows, nil
}

func readSummaryCSV(r io.Reader) ([]SummaryRow, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty file, want a summary.csv header")
	}
	if err != nil {
		return nil, err
	}
	np := len(header) - len(summaryColumns)
	if np < 0 {
		return nil, fmt.Errorf("header has %d columns, want at least %d", len(header), len(summaryColumns))
	}
	for i, want := range summaryColumns {
		if got := header[np+i]; got != want {
			return nil, fmt.Errorf("header column %d is %q, want %q", np+i+1, got, want)
		}
	}
	var rows []SummaryRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		f := rec[np:]
		row := SummaryRow{Metric: f[0], Unit: f[1], Group: f[2]}
		if row.N, err = strconv.Atoi(f[3]); err != nil {
			return nil, fmt.Errorf("line %d: column n: %w", line, err)
		}
		for i, dst := range []*float64{&row.Mean, &row.Stddev, &row.Min, &row.P50, &row.P95, &row.P99, &row.Max} {
			if *dst, err = strconv.ParseFloat(f[4+i], 64); err != nil {
				return nil, fmt.Errorf("line %d: column %s: %w", line, summaryColumns[4+i], err)
			}
		}
		rows = append(rows, row)
	}
}
