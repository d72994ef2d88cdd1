package calib

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mimisim/mimisim/models/cost"
	"github.com/mimisim/mimisim/models/mls"
)

// FigureData is what the figure of one op plots, in microseconds on the reference machine
// (device factor 1) against the group size.
type FigureData struct {
	Op      mls.Op
	Formula string      // the fitted curve, ns
	Raw     plotter.XYs // every repetition
	Median  plotter.XYs // the median of each size (the points the curve was fitted to)
	Curve   plotter.XYs // the model at every whole size from the smallest to the largest measured
	Sizes   []int       // the measured sizes
}

// Figure returns the data of op's figure from a validated table. The curve is t.CPU itself, so
// for a fitted table it is the fit and for a point table its interpolation.
func Figure(t *cost.Table, op mls.Op) FigureData {
	us := func(n int) float64 { return float64(t.CPU(op, n, "server")) / 1e3 }
	d := FigureData{Op: op, Sizes: t.Sizes(op)}
	for _, f := range t.Fits {
		if f.Op == op {
			d.Formula = f.Formula
		}
	}
	for _, r := range t.Raw {
		if r.Op == op {
			d.Raw = append(d.Raw, plotter.XY{X: float64(r.Members), Y: r.NsPerOp / 1e3})
		}
	}
	for _, p := range t.Points {
		if p.Op == op {
			d.Median = append(d.Median, plotter.XY{X: float64(p.Members), Y: p.NsPerOp / 1e3})
		}
	}
	if len(d.Sizes) > 0 {
		for n := d.Sizes[0]; n <= d.Sizes[len(d.Sizes)-1]; n++ {
			d.Curve = append(d.Curve, plotter.XY{X: float64(n), Y: us(n)})
		}
	}
	return d
}

var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// pow2Ticks labels a log2 axis at the powers of two.
type pow2Ticks struct{}

func (pow2Ticks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log2(lo)); math.Exp2(e) <= hi*(1+1e-9); e++ {
		if v := math.Exp2(e); v >= lo*(1-1e-9) {
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
		}
	}
	return ticks
}

// Plot draws the figure: measured repetitions and medians as points, the model as a line, on a
// log2 size axis and a logarithmic time axis (so that a relative error, which the fit minimises,
// looks the same at every size).
func (d FigureData) Plot(engine string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: %s, measured and fitted\ncost(n) = %s ns", engine, d.Op, d.Formula)
	if d.Formula == "" {
		p.Title.Text = fmt.Sprintf("%s: %s, measured and interpolated", engine, d.Op)
	}
	p.Title.TextStyle.Font = font.From(sansFont, 11)
	p.X.Label.Text = "group size n (log2 scale)"
	p.Y.Label.Text = "CPU time per operation (µs)"
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sansFont, 10)
		a.Tick.Label.Font = font.From(sansFont, 9)
	}
	p.Legend.TextStyle.Font = font.From(sansFont, 9)
	p.Legend.Top, p.Legend.Left = true, true
	p.X.Scale = log2Scale{}
	p.X.Tick.Marker = pow2Ticks{}
	p.Y.Scale = log2Scale{}
	p.Y.Tick.Marker = niceLogTicks{}
	p.Add(plotter.NewGrid())
	if len(d.Curve) > 0 {
		l, err := plotter.NewLine(d.Curve)
		if err != nil {
			return nil, err
		}
		l.Width = vg.Points(1.5)
		l.Color = color.RGBA{R: 0xd5, G: 0x5e, B: 0x00, A: 0xff}
		p.Add(l)
		p.Legend.Add("model", l)
	}
	if len(d.Raw) > 0 {
		s, err := plotter.NewScatter(d.Raw)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: color.Gray{Y: 0x90}, Radius: vg.Points(1.5), Shape: draw.CircleGlyph{}}
		p.Add(s)
		p.Legend.Add("repetitions", s)
	}
	if len(d.Median) > 0 {
		s, err := plotter.NewScatter(d.Median)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: color.RGBA{B: 0xb2, G: 0x72, A: 0xff}, Radius: vg.Points(3), Shape: draw.CrossGlyph{}}
		p.Add(s)
		p.Legend.Add("median", s)
	}
	// Leave a little room above and below the data.
	p.Y.Min, p.Y.Max = p.Y.Min/1.1, p.Y.Max*1.1
	return p, nil
}

// niceLogTicks labels a logarithmic axis at 1, 2 and 5 × 10^k, or, where the axis spans too
// little for three of those, at evenly spaced round values.
type niceLogTicks struct{}

func (niceLogTicks) Ticks(lo, hi float64) []plot.Tick {
	label := func(v float64) plot.Tick { return plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 6, 64)} }
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		for _, m := range []float64{1, 2, 5} {
			if v := m * math.Pow(10, e); v >= lo && v <= hi {
				ticks = append(ticks, label(v))
			}
		}
	}
	if len(ticks) >= 3 {
		return ticks
	}
	step := math.Pow(10, math.Floor(math.Log10(hi-lo)))
	for _, m := range []float64{0.1, 0.2, 0.5, 1} {
		if (hi-lo)/(m*step) <= 6 {
			step *= m
			break
		}
	}
	ticks = ticks[:0]
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ticks = append(ticks, label(math.Round(v/step)*step))
	}
	return ticks
}

// log2Scale places values by their base-2 logarithm.
type log2Scale struct{}

func (log2Scale) Normalize(min, max, x float64) float64 {
	lo, hi := math.Log2(min), math.Log2(max)
	if hi == lo {
		return 0.5
	}
	return (math.Log2(x) - lo) / (hi - lo)
}

// WriteFigures writes one PNG per op of mls.Ops, prefix + "-" + op + ".png", and returns their
// paths.
func WriteFigures(t *cost.Table, prefix string) (paths []string, err error) {
	defer func() { // gonum/plot reports some problems by panicking
		if r := recover(); r != nil {
			err = fmt.Errorf("calib: drawing figure: %v", r)
		}
	}()
	if err := os.MkdirAll(filepath.Dir(prefix), 0o755); err != nil {
		return nil, err
	}
	for _, op := range mls.Ops {
		p, err := Figure(t, op).Plot(t.Engine)
		if err != nil {
			return paths, fmt.Errorf("calib: figure of %s: %w", op, err)
		}
		path := prefix + "-" + string(op) + ".png"
		if err := p.Save(6*vg.Inch, 4*vg.Inch, path); err != nil {
			return paths, fmt.Errorf("calib: figure of %s: %w", op, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}
