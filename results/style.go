package results

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Fonts and colours shared by all figures.
var (
	sansFont    = font.Font{Typeface: "Liberation", Variant: "Sans"}
	colorBlue   = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	colorOrange = color.RGBA{R: 230, G: 120, B: 20, A: 255}
	colorGrid   = color.Gray{Y: 220}
)

// newPlot returns a plot with the house style: sans-serif text at readable
// sizes, a light grid, and the given title and axis labels.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := newBarePlot(title, xLabel, yLabel)
	g := plotter.NewGrid()
	g.Vertical = draw.LineStyle{Color: colorGrid, Width: vg.Points(0.5)}
	g.Horizontal = g.Vertical
	p.Add(g)
	return p
}

// newBarePlot is newPlot without the grid.
func newBarePlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sansFont, 13)
	p.Title.Padding = vg.Points(8)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sansFont, 12)
		a.Tick.Label.Font = font.From(sansFont, 10)
		a.Label.Padding = vg.Points(4)
	}
	p.X.Tick.Marker = niceTicks{n: 7}
	p.Y.Tick.Marker = niceTicks{n: 6}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.TextStyle.Font = font.From(sansFont, 10)
	return p
}

// noData turns p into the placeholder figure for empty data.
func noData(p *plot.Plot) *plot.Plot {
	p.Title.Text += ": no data"
	p.X.Min, p.X.Max = 0, 1
	p.Y.Min, p.Y.Max = 0, 1
	return p
}

// fractionAxis fixes a to 0..1 with a little headroom so that a value of
// exactly 1 is visible, with ticks every 0.2.
func fractionAxis(a *plot.Axis) {
	a.Min, a.Max = 0, 1.04
	var ticks plot.ConstantTicks
	for i := 0; i <= 10; i++ {
		v := float64(i) / 10
		t := plot.Tick{Value: v}
		if i%2 == 0 {
			t.Label = strconv.FormatFloat(v, 'f', 1, 64)
		}
		ticks = append(ticks, t)
	}
	a.Tick.Marker = ticks
}

// timeUnit picks seconds, minutes or hours for an axis spanning maxS
// seconds, returning the divisor and the unit's label.
func timeUnit(maxS float64) (div float64, unit string) {
	switch {
	case maxS >= 3*3600:
		return 3600, "h"
	case maxS >= 3*60:
		return 60, "min"
	}
	return 1, "s"
}

// fmtNum formats a summary figure for a title: up to three significant
// decimals, no exponent for everyday magnitudes.
func fmtNum(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case v == math.Trunc(v) && math.Abs(v) < 1e9:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return fmt.Sprintf("%.3g", v)
}
