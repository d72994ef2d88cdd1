package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mimisim/mimisim/models/cost"
	"github.com/mimisim/mimisim/models/mls"
)

func main() {
	engine := flag.String("engine", "gomls", "engine name of the table")
	command := flag.String("command", "", "the exact command that produced the benchmark output (required)")
	date := flag.String("date", time.Now().UTC().Format("2006-01-02"), "measurement date, YYYY-MM-DD")
	notes := flag.String("notes", "", "free-text notes stored in the table")
	out := flag.String("o", "", "output file (default stdout)")
	flag.Parse()
	if *command == "" {
		fatalf("-command is required")
	}
	if _, err := time.Parse("2006-01-02", *date); err != nil {
		fatalf("-date: %v", err)
	}
	res, err := parse(os.Stdin)
	if err != nil {
		fatalf("%v", err)
	}
	t := &cost.Table{
		Engine:    *engine,
		Machine:   machine(),
		CPUName:   res.cpu,
		GoVersion: runtime.Version(),
		Command:   *command,
		Date:      *date,
		Notes:     *notes,
		Points:    res.points(),
	}
	if t.CPUName == "" {
		t.CPUName = modelName()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		fatalf("%v", err)
	}
	data := buf.Bytes()
	if _, err := cost.Parse(data); err != nil {
		fatalf("the table is not valid: %v", err)
	}
	if *out == "" {
		os.Stdout.Write(data)
		return
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "costtable: "+format+"\n", args...)
	os.Exit(1)
}

type key struct {
	op      mls.Op
	members int
}

type result struct {
	cpu     string
	samples map[key][]float64
}

var benchLine = regexp.MustCompile(`^Benchmark\S*/op=([a-z_]+)/members=(\d+)(?:-\d+)?\s+\d+\s+([0-9.e+]+) ns/op`)

// parse reads go test -bench output.
func parse(r io.Reader) (*result, error) {
	res := &result{samples: map[key][]float64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if cpu, ok := strings.CutPrefix(line, "cpu: "); ok {
			res.cpu = strings.TrimSpace(cpu)
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, err := strconv.Atoi(m[2])
		if err != nil {
			return nil, fmt.Errorf("%q: %v", line, err)
		}
		ns, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", line, err)
		}
		k := key{mls.Op(m[1]), n}
		res.samples[k] = append(res.samples[k], ns)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(res.samples) == 0 {
		return nil, fmt.Errorf("no benchmark lines of the form Benchmark.../op=<op>/members=<n> on stdin")
	}
	return res, nil
}

// points returns one point per benchmark (the median of its samples), ordered by mls.Ops and size.
func (r *result) points() []cost.Point {
	var pts []cost.Point
	for k, s := range r.samples {
		pts = append(pts, cost.Point{Op: k.op, Members: k.members, NsPerOp: median(s)})
	}
	rank := func(op mls.Op) int {
		if i := slices.Index(mls.Ops, op); i >= 0 {
			return i
		}
		return len(mls.Ops)
	}
	slices.SortFunc(pts, func(a, b cost.Point) int {
		if d := rank(a.Op) - rank(b.Op); d != 0 {
			return d
		}
		if a.Op != b.Op {
			return strings.Compare(string(a.Op), string(b.Op))
		}
		return a.Members - b.Members
	})
	return pts
}

func median(s []float64) float64 {
	s = slices.Clone(s)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// modelName returns the first "model name" of /proc/cpuinfo, or "".
func modelName() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}

// machine describes the host: CPU model, logical CPUs and platform.
func machine() string {
	name := modelName()
	if name == "" {
		name = "unknown CPU"
	}
	return fmt.Sprintf("%s, %d logical CPUs, %s/%s", name, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
}
