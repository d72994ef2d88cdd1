package results

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
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
	frac := uint32(u % 1e9)
	return append8Digits(append(b, '.', byte('0'+frac/1e8)), frac%1e8)
}

// digitPairs holds "00", "01", … "99".
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// append8Digits appends v (< 10^8) as exactly eight decimal digits.
func append8Digits(b []byte, v uint32) []byte {
	hi, lo := v/10000, v%10000
	p, q, r, s := 2*(hi/100), 2*(hi%100), 2*(lo/100), 2*(lo%100)
	return append(b, digitPairs[p], digitPairs[p+1], digitPairs[q], digitPairs[q+1],
		digitPairs[r], digitPairs[r+1], digitPairs[s], digitPairs[s+1])
}

// appendExact appends formatExact(v) to b: strconv's shortest decimal that parses back to v,
// in 'f' notation. It formats the values a run records most, whole numbers and whole
// nanoseconds given in milliseconds, with integer arithmetic, and leaves the others to strconv.
//
// That is exact because a decimal of at most 15 significant digits is the only decimal of at
// most that many digits that rounds to its float64 (float64 carries 15.95 decimal digits), so
// it is the shortest decimal of that float64. A whole v below 10^15 is such a decimal. If
// |v| < 10^9, the integer ns nearest to v·10^6 has |ns| ≤ 10^15 (at most 15 significant
// digits); if also float64(ns)/1e6 == v, then v is the correctly rounded quotient ns/10^6 (ns
// and 10^6 are exact in float64, IEEE 754 division rounds correctly), so the decimal ns·10^-6
// is v's shortest decimal. Zero goes to strconv, which writes -0 as "-0".
func appendExact(b []byte, v float64) []byte {
	if v != 0 && v > -1e15 && v < 1e15 {
		if i := int64(v); float64(i) == v {
			return strconv.AppendInt(b, i, 10)
		}
		// Any integer near v·10^6 will do: the test that follows is what makes it exact.
		if ns := int64(v*1e6 + math.Copysign(0.5, v)); v > -1e9 && v < 1e9 && float64(ns)/1e6 == v {
			u := uint64(ns)
			if ns < 0 {
				b = append(b, '-')
				u = uint64(-ns)
			}
			b = strconv.AppendUint(b, u/1e6, 10)
			frac := uint32(u % 1e6) // not 0: v is not whole
			zeros := 0
			for f := frac; f%10 == 0; f /= 10 {
				zeros++
			}
			p, q, r := 2*(frac/10000), 2*(frac/100%100), 2*(frac%100)
			b = append(b, '.', digitPairs[p], digitPairs[p+1], digitPairs[q], digitPairs[q+1], digitPairs[r], digitPairs[r+1])
			return b[:len(b)-zeros]
		}
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
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

// obsWriteBuffer is how many bytes of rows writeObservationsCSV formats before it writes
// them: large enough that the file's bufio.Writer, empty, passes them straight to the file.
const obsWriteBuffer = 256 << 10

// writeObservationsCSV writes the tidy observations table. It writes exactly what
// encoding/csv writes for the same records, but encodes each interned string (and the
// parameter columns) once as encoding/csv encodes a field, the cells that are the same for
// all rows of a series (parameters, metric, unit, group) once per series, and the numbers with
// integer arithmetic where that is exact (appendSeconds, appendExact), so that a row costs no
// allocation.
func writeObservationsCSV(w io.Writer, params []Param, t *Table) error {
	var fe fieldEncoder
	buf := make([]byte, 0, obsWriteBuffer+4<<10)
	for i, c := range paramHeader(params, observationColumns) {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, fe.field(c)...)
	}
	buf = append(buf, '\n')
	// Cells, each followed by its comma: cell i < len(t.strs) is string i; cell len(t.strs)+s
	// is the first cells of every row of series s (parameters, metric, unit, group).
	var cells cellArena
	for _, s := range t.strs {
		if err := cells.add(append(fe.field(s), ',')); err != nil {
			return err
		}
	}
	var prefix []byte
	for _, p := range params {
		prefix = append(append(prefix, fe.field(p.Value)...), ',')
	}
	lead := uint32(len(t.strs))
	for _, k := range t.series {
		l := append([]byte(nil), prefix...)
		for _, id := range []uint32{k.metric, k.unit, k.group} {
			l = append(append(l, fe.field(t.strs[id])...), ',')
		}
		if err := cells.add(l); err != nil {
			return err
		}
	}
	// formatChunk appends the rows of chunk k of t to buf.
	formatChunk := func(buf []byte, k int) []byte {
		series, source, target, timeNs, id, value := t.chunkRows(k)
		for j, s := range series {
			buf = cells.appendTo(buf, lead+s)
			buf = append(appendSeconds(buf, timeNs[j]), ',')
			buf = cells.appendTo(buf, source[j])
			buf = cells.appendTo(buf, target[j])
			buf = append(strconv.AppendInt(buf, id[j], 10), ',')
			buf = append(appendExact(buf, value[j]), '\n')
		}
		return buf
	}
	if workers := runtime.GOMAXPROCS(0); workers > 1 && len(t.chunks) > csvBlockChunks {
		if _, err := w.Write(buf); err != nil {
			return err
		}
		return writeBlocks(w, workers, (len(t.chunks)+csvBlockChunks-1)/csvBlockChunks, func(buf []byte, b int) []byte {
			for k := b * csvBlockChunks; k < min((b+1)*csvBlockChunks, len(t.chunks)); k++ {
				buf = formatChunk(buf, k)
			}
			return buf
		})
	}
	for k := range t.chunks {
		buf = formatChunk(buf, k)
		if len(buf) >= obsWriteBuffer {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

// csvBlockChunks is how many table chunks (of 8,192 rows, ≈ 0.7 MB of text) writeBlocks
// formats as one block.
const csvBlockChunks = 4

// writeBlocks writes blocks 0 … n−1, formatted by format on workers goroutines, to w in
// order: the same bytes as formatting them one after the other. At most 2·workers blocks are
// formatted or waiting at a time, and their buffers are reused. After a write error the
// blocks still being formatted are dropped and the error returned.
func writeBlocks(w io.Writer, workers, n int, format func(buf []byte, b int) []byte) error {
	type job struct {
		b   int
		out chan []byte
	}
	window := 2 * workers
	jobs := make(chan job)
	order := make(chan chan []byte, window) // the blocks' results in block order
	free := make(chan []byte, window+workers+1)
	var size atomic.Int64 // the largest block so far: new buffers get room for one more
	go func() {
		for b := range n {
			out := make(chan []byte, 1)
			order <- out // waits while window blocks are in flight
			jobs <- job{b, out}
		}
		close(jobs)
		close(order)
	}()
	for range workers {
		go func() {
			for j := range jobs {
				var buf []byte
				select {
				case buf = <-free:
				default:
					buf = make([]byte, 0, size.Load()*9/8)
				}
				buf = format(buf[:0], j.b)
				for n := int64(len(buf)); n > size.Load(); {
					if size.CompareAndSwap(size.Load(), n) {
						break
					}
				}
				j.out <- buf
			}
		}()
	}
	var err error
	for out := range order {
		buf := <-out
		if err == nil {
			_, err = w.Write(buf)
		}
		select {
		case free <- buf:
		default:
		}
	}
	return err
}

// cellArena holds byte strings back to back.
type cellArena struct {
	data []byte
	off  []uint32 // string i is data[off[i]:off[i+1]]
}

// add appends b as the next string; it fails if the strings get too long for 32-bit offsets.
func (a *cellArena) add(b []byte) error {
	if a.off == nil {
		a.off = []uint32{0}
	}
	if uint64(len(a.data))+uint64(len(b)) > math.MaxUint32 {
		return errors.New("interned strings too long")
	}
	a.data = append(a.data, b...)
	a.off = append(a.off, uint32(len(a.data)))
	return nil
}

// appendTo appends string i to b.
func (a *cellArena) appendTo(b []byte, i uint32) []byte {
	return append(b, a.data[a.off[i]:a.off[i+1]]...)
}

// csvField returns s as encoding/csv writes it as one field of a record.
func csvField(s string) []byte {
	var e fieldEncoder
	return e.field(s)
}

// fieldEncoder encodes fields as csvField does, sharing one csv.Writer (and its buffer) among
// all the fields it encodes.
type fieldEncoder struct {
	b  bytes.Buffer
	cw *csv.Writer
}

// field returns s as encoding/csv writes it as one field of a record, in a new slice.
func (e *fieldEncoder) field(s string) []byte {
	if s == "" {
		return nil
	}
	if e.cw == nil {
		e.cw = csv.NewWriter(&e.b)
	}
	e.b.Reset()
	e.cw.Write([]string{s}) // a bytes.Buffer does not fail
	e.cw.Flush()
	return bytes.Clone(bytes.TrimSuffix(e.b.Bytes(), []byte("\n")))
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
