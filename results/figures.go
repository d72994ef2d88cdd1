package results

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure geometry. 7in × 4.5in at 144 dpi gives a 1008 × 648 pixel PNG.
const (
	figWidth  = 7 * vg.Inch
	figHeight = 4.5 * vg.Inch
	figDPI    = 144
)

// sansFont is the typeface of all figure text; gonum/plot embeds it, so no
// system font is used.
var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// xMargin is the fraction of the value range added on both sides of the x
// axis.
const xMargin = 0.03

// maxPlotSteps bounds the number of steps drawn per CDF line so that figures
// of runs with millions of observations stay small; below it the plotted
// steps are exactly those returned by CDF.
const maxPlotSteps = 2000

// lineColors are the colors of the lines in an overlay figure, in group order.
var lineColors = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
	color.RGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff},
	color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
}

// lineDashes cycle more slowly than lineColors so that up to
// len(lineColors)*len(lineDashes) groups get distinct styles.
var lineDashes = [][]vg.Length{
	nil,
	{vg.Points(6), vg.Points(3)},
	{vg.Points(2), vg.Points(2)},
	{vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)},
}

// cdfSeries is one line of a CDF figure.
type cdfSeries struct {
	name   string
	xs, ys []float64 // as returned by CDF, or thinned to at most maxPlotSteps steps
	n      int       // number of observations
	steps  int       // len(xs) before thinning: the number of distinct values
}

// newSortedCDFSeries returns the line of the CDF of sorted (sorted as sort.Float64s sorts),
// thinned as it will be drawn, so that a figure plan of millions of observations keeps only
// what it draws: it is thinSteps of CDF(sorted) without building the steps it drops.
func newSortedCDFSeries(name string, sorted []float64) cdfSeries {
	s := cdfSeries{name: name, n: len(sorted)}
	s.xs, s.ys, s.steps = cdfSteps(sorted, maxPlotSteps)
	return s
}

// cdfFigure describes one CDF figure.
type cdfFigure struct {
	title   string // first title line, may be empty
	heading string // what the figure shows
	caption string // what produced it
	xLabel  string
	series  []cdfSeries
	legend  bool
}

// thinSteps returns at most max points of the step function (xs, ys),
// always keeping the first and the last, at evenly spaced indices.
func thinSteps(xs, ys []float64, max int) ([]float64, []float64) {
	n := len(xs)
	if n <= max || max < 2 {
		return xs, ys
	}
	txs := make([]float64, max)
	tys := make([]float64, max)
	for k := 0; k < max; k++ {
		i := k * (n - 1) / (max - 1)
		txs[k], tys[k] = xs[i], ys[i]
	}
	return txs, tys
}

// stepPoints turns a CDF into the points of a post-step line that starts at
// fraction 0 at the smallest value.
func stepPoints(xs, ys []float64) plotter.XYs {
	xs, ys = thinSteps(xs, ys, maxPlotSteps)
	pts := make(plotter.XYs, 0, len(xs)+1)
	pts = append(pts, plotter.XY{X: xs[0], Y: 0})
	for i := range xs {
		pts = append(pts, plotter.XY{X: xs[i], Y: ys[i]})
	}
	return pts
}

// newCDFPlot builds the plot of f.
func newCDFPlot(f cdfFigure) (*plot.Plot, error) {
	p := plot.New()
	var title []string
	if f.title != "" {
		title = append(title, f.title)
	}
	title = append(title, f.heading, f.caption)
	p.Title.Text = strings.Join(title, "\n")
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = f.xLabel
	p.Y.Label.Text = "fraction of observations ≤ x"
	p.Title.TextStyle.Font = font.From(sansFont, 12)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sansFont, 11)
		a.Tick.Label.Font = font.From(sansFont, 10)
	}
	p.Legend.TextStyle.Font = font.From(sansFont, 10)
	// The upper left corner of a CDF plot is the one its curves avoid.
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(6)
	p.X.Tick.Marker = niceTicks{}
	p.Add(plotter.NewGrid())
	for i, s := range f.series {
		if len(s.xs) == 0 {
			continue
		}
		l, err := plotter.NewLine(stepPoints(s.xs, s.ys))
		if err != nil {
			return nil, fmt.Errorf("CDF of %s: %w", s.name, err)
		}
		l.StepStyle = plotter.PostStep
		l.Width = vg.Points(1.5)
		l.Color = lineColors[i%len(lineColors)]
		l.Dashes = lineDashes[(i/len(lineColors))%len(lineDashes)]
		p.Add(l)
		if f.legend {
			p.Legend.Add(fmt.Sprintf("%s (n=%d)", s.name, s.n), l)
		}
	}
	// Add widened the axes to the data; pin Y to the full [0, 1] and leave
	// a margin left and right so the first and last steps stay visible.
	p.Y.Min, p.Y.Max = 0, 1
	if span := p.X.Max - p.X.Min; span > 0 {
		p.X.Min -= xMargin * span
		p.X.Max += xMargin * span
	}
	return p, nil
}

// renderCDF draws f as PNG and SVG. gonum/plot reports some problems by
// panicking; those are turned into errors.
func renderCDF(f cdfFigure) (pngData, svgData []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing figure: %v", r)
		}
	}()
	p, err := newCDFPlot(f)
	if err != nil {
		return nil, nil, err
	}

	img := vgimg.NewWith(vgimg.UseWH(figWidth, figHeight), vgimg.UseDPI(figDPI))
	p.Draw(draw.New(img))
	var pb bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&pb); err != nil {
		return nil, nil, fmt.Errorf("encoding PNG: %w", err)
	}

	// Rebuild the plot: drawing may adjust axis state.
	if p, err = newCDFPlot(f); err != nil {
		return nil, nil, err
	}
	sv := vgsvg.New(figWidth, figHeight)
	p.Draw(draw.New(sv))
	var sb bytes.Buffer
	if _, err := sv.WriteTo(&sb); err != nil {
		return nil, nil, fmt.Errorf("encoding SVG: %w", err)
	}
	return pb.Bytes(), sb.Bytes(), nil
}

// niceTicks labels an axis every 1, 2 or 5 × 10^k units, choosing the step that gives between
// four and ten labels, so that latency axes read at a glance.
type niceTicks struct{}

// Ticks implements plot.Ticker.
func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	span := hi - lo
	step := math.Pow(10, math.Floor(math.Log10(span)))
	for _, m := range []float64{0.1, 0.2, 0.5, 1, 2, 5} {
		if n := span / (step * m); n <= 10 {
			step *= m
			break
		}
	}
	decimals := max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	first := math.Ceil(lo/step - 1e-9)
	var ticks []plot.Tick
	for i := 0.0; (first+i)*step <= hi+step*1e-9; i++ {
		v := (first + i) * step
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
	}
	return ticks
}
