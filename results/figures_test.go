package results

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"
)

func TestThinSteps(t *testing.T) {
	tests := []struct {
		name   string
		n, max int
		want   []int // indices kept
	}{
		{"fewer than max", 3, 5, []int{0, 1, 2}},
		{"exactly max", 5, 5, []int{0, 1, 2, 3, 4}},
		{"thinned", 10, 4, []int{0, 3, 6, 9}},
		{"thinned unevenly", 7, 3, []int{0, 3, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xs := make([]float64, tt.n)
			ys := make([]float64, tt.n)
			for i := range xs {
				xs[i] = float64(i) * 10
				ys[i] = float64(i+1) / float64(tt.n)
			}
			gx, gy := thinSteps(xs, ys, tt.max)
			var wx, wy []float64
			for _, i := range tt.want {
				wx = append(wx, xs[i])
				wy = append(wy, ys[i])
			}
			if !reflect.DeepEqual(gx, wx) || !reflect.DeepEqual(gy, wy) {
				t.Errorf("thinSteps kept %v, %v; want %v, %v", gx, gy, wx, wy)
			}
		})
	}
}

// TestStepPoints checks the points handed to the plotter: the CDF's steps,
// preceded by a point at fraction 0 so the line rises from the axis.
func TestStepPoints(t *testing.T) {
	xs, ys := CDF([]float64{3, 1, 3, 2})
	got := stepPoints(xs, ys)
	want := plotter.XYs{{X: 1, Y: 0}, {X: 1, Y: 0.25}, {X: 2, Y: 0.5}, {X: 3, Y: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stepPoints = %v, want %v", got, want)
	}
}

// TestRenderDeterministic renders the same figure twice in one process and
// requires identical bytes.
func TestRenderDeterministic(t *testing.T) {
	figs, err := preparedFigures(testManifest(), TableOf(testObservations()), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 4 {
		t.Fatalf("planned %d figures, want 3 groups + 1 overlay", len(figs))
	}
	for _, f := range figs {
		p1, s1, err := renderCDF(f.fig)
		if err != nil {
			t.Fatal(err)
		}
		p2, s2, err := renderCDF(f.fig)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p1, p2) {
			t.Errorf("%s.png: two renderings differ", f.stem)
		}
		if !bytes.Equal(s1, s2) {
			t.Errorf("%s.svg: two renderings differ", f.stem)
		}
		if !bytes.HasPrefix(p1, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("%s.png is not a PNG", f.stem)
		}
	}
}

// TestFigureLabels checks that every figure says what it shows and what
// produced it.
func TestFigureLabels(t *testing.T) {
	figs, err := preparedFigures(testManifest(), TableOf(testObservations()), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range figs {
		p, err := newCDFPlot(f.fig)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Delivery latency, three providers", "delivery_latency (ms)", "engine des ·", "time mode virtual", "seed 42"} {
			if !bytes.Contains([]byte(p.Title.Text), []byte(want)) {
				t.Errorf("%s: title %q lacks %q", f.stem, p.Title.Text, want)
			}
		}
		if p.X.Label.Text != "delivery_latency (ms)" {
			t.Errorf("%s: x label %q", f.stem, p.X.Label.Text)
		}
		if p.Y.Min != 0 || p.Y.Max != 1 {
			t.Errorf("%s: y range [%v, %v], want [0, 1]", f.stem, p.Y.Min, p.Y.Max)
		}
	}
}

// TestComparePNGDetectsChanges makes sure the tolerant golden comparison
// still fails on a different figure.
func TestComparePNGDetectsChanges(t *testing.T) {
	figs, err := preparedFigures(testManifest(), TableOf(testObservations()), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := renderCDF(figs[0].fig)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := renderCDF(figs[1].fig)
	if err != nil {
		t.Fatal(err)
	}
	if msg := comparePNG(a, a); msg != "" {
		t.Errorf("identical images reported different: %s", msg)
	}
	if msg := comparePNG(a, b); msg == "" {
		t.Error("figures of two different groups compared equal")
	}
	if msg := comparePNG(a, []byte("not a png")); msg == "" {
		t.Error("garbage compared equal")
	}
}

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		min, max float64
		want     string
	}{
		{0, 281, "0 50 100 150 200 250"},
		{5, 9, "5.0 5.5 6.0 6.5 7.0 7.5 8.0 8.5 9.0"},
		{0, 1, "0.0 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9 1.0"},
		{120, 980, "200 300 400 500 600 700 800 900"},
	}
	for _, tc := range tests {
		var got []string
		for _, tk := range (niceTicks{}).Ticks(tc.min, tc.max) {
			got = append(got, tk.Label)
		}
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("Ticks(%v, %v) = %q, want %q", tc.min, tc.max, s, tc.want)
		}
	}
}

// preparedFigures returns the figures Write would draw for m, t and opts.
func preparedFigures(m Manifest, t *Table, opts Options) ([]figurePlan, error) {
	p, err := prepare(m, t, opts)
	if err != nil {
		return nil, err
	}
	return p.figures, nil
}
