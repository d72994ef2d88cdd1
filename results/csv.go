package results

import (
	"bytes"
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

// appendSeconds appends formatSeconds(ns) to b.
func appendSeconds(b []byte, ns int64) []byte {
	u := uint64(ns)
	if ns < 0 {
		b = append(b, '-')
		u = uint64(-(ns + 1)) + 1
	}
	b = strconv.AppendUint(b, u/1e9, 10)
	b = append(b, '.')
	frac := u % 1e9
	for d := uint64(1e8); d > 0; d /= 10 {
		b = append(b, byte('0'+frac/d%10))
	}
	return b
}

func paramHeader(params []Param, fixed []string) []string {
	h := make([]string, 0, len(params)+len(fixed))
	for _, p := range params {
		h = append(h, p.Name)
	}
	return append(h, fixed...)
}

// formatObservation fills f, the observation columns of a row, with o; parseObservation reads
// them back. Shard and sweep observation files use it after their own leading columns.
func formatObservation(f []string, o Observation) {
	f[0], f[1], f[2] = o.Metric, o.Unit, o.Group
	f[3] = formatSeconds(o.TimeNs)
	f[4], f[5] = o.Source, o.Target
	f[6] = strconv.FormatInt(o.ID, 10)
	f[7] = formatExact(o.Value)
}

// writeObservationsCSV writes the tidy observations table. It writes exactly what
// encoding/csv writes for the same records, but encodes each interned string (and the
// parameter columns) once with a csv.Writer and the numbers with strconv, so that a row costs no
// allocation.
func writeObservationsCSV(w io.Writer, params []Param, t *Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(paramHeader(params, observationColumns)); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	// prefix is the parameter cells of every row, each followed by a comma.
	var prefix []byte
	for _, p := range params {
		prefix = append(append(prefix, csvField(p.Value)...), ',')
	}
	enc := make([][]byte, len(t.strs))
	for i, s := range t.strs {
		enc[i] = csvField(s)
	}
	buf := make([]byte, 0, 64<<10)
	var err error
	t.rows(func(series, source, target []uint32, timeNs, id []int64, value []float64) {
		for j, s := range series {
			k := t.series[s]
			buf = append(buf, prefix...)
			buf = append(append(buf, enc[k.metric]...), ',')
			buf = append(append(buf, enc[k.unit]...), ',')
			buf = append(append(buf, enc[k.group]...), ',')
			buf = append(appendSeconds(buf, timeNs[j]), ',')
			buf = append(append(buf, enc[source[j]]...), ',')
			buf = append(append(buf, enc[target[j]]...), ',')
			buf = append(strconv.AppendInt(buf, id[j], 10), ',')
			buf = append(strconv.AppendFloat(buf, value[j], 'f', -1, 64), '\n')
			if len(buf) > 60<<10 {
				if err == nil {
					_, err = w.Write(buf)
				}
				buf = buf[:0]
			}
		}
	})
	if err == nil {
		_, err = w.Write(buf)
	}
	return err
}

// csvField returns s as encoding/csv writes it as one field of a record.
func csvField(s string) []byte {
	if s == "" {
		return nil
	}
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write([]string{s}) // a bytes.Buffer does not fail
	cw.Flush()
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
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
