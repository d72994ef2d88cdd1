package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/google/pprof/profile"
)

// profileCmd is `mimisim profile FILE [--top N] [--cum] [--sample TYPE]`: it prints the functions
// of a pprof profile (such as run --cpuprofile writes) with the most flat and cumulative value,
// as pprof's top does.
func profileCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("profile", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	top := fs.Int("top", 20, "")
	byCum := fs.Bool("cum", false, "")
	sample := fs.String("sample", "", "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError{"profile: " + err.Error()}
	}
	if len(pos) != 1 {
		return usageError{fmt.Sprintf("profile takes one profile file, got %d", len(pos))}
	}
	if *top < 1 {
		return usageError{fmt.Sprintf("profile --top: %d, want at least 1", *top)}
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return fmt.Errorf("profile %s: %w", pos[0], err)
	}
	tp, err := topFunctions(p, *sample)
	if err != nil {
		return fmt.Errorf("profile %s: %w", pos[0], err)
	}
	if *byCum {
		tp.sortByCum()
	}
	return tp.print(stdout, *top)
}

// funcValue is one function's share of a profile: Flat is the value of the samples whose
// innermost frame is the function, Cum of the samples with the function anywhere on the stack
// (counted once per sample, however often it recurses).
type funcValue struct {
	Name      string
	Flat, Cum int64
}

// topProfile is a profile aggregated by function name.
type topProfile struct {
	Type    profile.ValueType // the sample type aggregated
	Total   int64             // its sum over all samples
	Samples int
	Funcs   []funcValue // by Flat, descending (ties: by Cum, then name)
}

// topFunctions aggregates p's samples of one sample type by function: sampleType names it (e.g.
// "cpu", "alloc_space"); empty means the profile's default type, or its last one. Inlined calls
// count as their own functions, as in pprof; frames without symbols count by address.
func topFunctions(p *profile.Profile, sampleType string) (*topProfile, error) {
	if len(p.SampleType) == 0 {
		return nil, fmt.Errorf("the profile has no sample types")
	}
	idx := len(p.SampleType) - 1
	want := cmp.Or(sampleType, p.DefaultSampleType)
	if want != "" {
		idx = -1
		var names []string
		for i, st := range p.SampleType {
			names = append(names, st.Type)
			if st.Type == want {
				idx = i
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("no sample type %q (the profile has %v)", want, names)
		}
	}
	tp := &topProfile{Type: *p.SampleType[idx], Samples: len(p.Sample)}
	flat := map[string]int64{}
	cum := map[string]int64{}
	seen := map[string]bool{}
	for _, s := range p.Sample {
		v := s.Value[idx]
		tp.Total += v
		clear(seen)
		first := true
		count := func(name string) {
			if first {
				flat[name] += v
				first = false
			}
			if !seen[name] {
				seen[name] = true
				cum[name] += v
			}
		}
		for _, loc := range s.Location { // leaf first
			if len(loc.Line) == 0 {
				count(fmt.Sprintf("0x%x", loc.Address))
				continue
			}
			for _, line := range loc.Line { // innermost inlined call first
				name := fmt.Sprintf("0x%x", loc.Address)
				if line.Function != nil && line.Function.Name != "" {
					name = line.Function.Name
				}
				count(name)
			}
		}
	}
	for name, c := range cum {
		tp.Funcs = append(tp.Funcs, funcValue{Name: name, Flat: flat[name], Cum: c})
	}
	slices.SortFunc(tp.Funcs, func(a, b funcValue) int {
		return cmp.Or(cmp.Compare(b.Flat, a.Flat), cmp.Compare(b.Cum, a.Cum), cmp.Compare(a.Name, b.Name))
	})
	return tp, nil
}

// sortByCum orders the functions by cumulative value.
func (tp *topProfile) sortByCum() {
	slices.SortFunc(tp.Funcs, func(a, b funcValue) int {
		return cmp.Or(cmp.Compare(b.Cum, a.Cum), cmp.Compare(b.Flat, a.Flat), cmp.Compare(a.Name, b.Name))
	})
}

// print writes the first n functions as pprof's top does: flat, flat%, sum%, cum, cum%, name.
func (tp *topProfile) print(w io.Writer, n int) error {
	fmt.Fprintf(w, "sample type %s (%s): total %s in %d samples; %d functions, showing %d\n",
		tp.Type.Type, tp.Type.Unit, formatValue(tp.Total, tp.Type.Unit), tp.Samples, len(tp.Funcs), min(n, len(tp.Funcs)))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "flat\tflat%\tsum%\tcum\tcum%\t\t")
	pct := func(v int64) string {
		if tp.Total == 0 {
			return "0.00%"
		}
		return strconv.FormatFloat(100*float64(v)/float64(tp.Total), 'f', 2, 64) + "%"
	}
	var sum int64
	for _, f := range tp.Funcs[:min(n, len(tp.Funcs))] {
		sum += f.Flat
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\t%s\n", formatValue(f.Flat, tp.Type.Unit), pct(f.Flat), pct(sum),
			formatValue(f.Cum, tp.Type.Unit), pct(f.Cum), f.Name)
	}
	return tw.Flush()
}

// formatValue writes a sample value in its unit: durations for nanoseconds, B/kB/MB/GB for bytes.
func formatValue(v int64, unit string) string {
	switch unit {
	case "nanoseconds":
		return time.Duration(v).Round(time.Microsecond).String()
	case "bytes":
		f := float64(v)
		for _, u := range []string{"B", "kB", "MB"} {
			if f < 1000 {
				return fmt.Sprintf("%.4g%s", f, u)
			}
			f /= 1000
		}
		return fmt.Sprintf("%.2fGB", f)
	}
	return strconv.FormatInt(v, 10)
}
