package results

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legendInset is the gap between the legend and the frame.
const legendInset = 6

// placeLegend puts p's legend where it covers the fewest points of the
// lines drawn through series (in data coordinates): in a corner of the
// data area (top left, top right, bottom right, bottom left, in that order
// of preference), else along the bottom or top edge (in the middle of the
// widest clear stretch). When every place
// covers some, and grow is set, it raises the y axis's maximum to leave a
// band above the data for the legend, at the top left. Call it once the
// axes, ticks and title are set.
func placeLegend(p *plot.Plot, series []plotter.XYs, grow bool) {
	full := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: plotWidth, Y: plotHeight}}}
	dc := p.DataCanvas(full)
	lr := p.Legend.Rectangle(dc)
	dw, dh := float64(dc.Max.X-dc.Min.X), float64(dc.Max.Y-dc.Min.Y)
	if dw <= 0 || dh <= 0 {
		return
	}
	inset := float64(vg.Points(legendInset))
	fw := (float64(lr.Max.X-lr.Min.X) + 2*inset) / dw
	fh := (float64(lr.Max.Y-lr.Min.Y) + 2*inset) / dh
	pts := normPoints(p, series)
	// x0: the box's left edge, as a fraction of the data area's width
	type place struct {
		x0  float64
		top bool
	}
	// A box is clear when no point is in it or within clear of its sides
	// inside the data area (the sizes are estimates).
	const clear = 0.03
	covered := func(c place) int {
		y0, y1 := 0.0, fh+clear
		if c.top {
			y0, y1 = 1-fh-clear, 1
		}
		x0, x1 := c.x0-clear, c.x0+fw+clear
		if c.x0 == 0 {
			x0 = 0
		}
		n := 0
		for _, q := range pts {
			if q.X >= x0 && q.X <= x1 && q.Y >= y0 && q.Y <= y1 {
				n++
			}
		}
		return n
	}
	best, bestN := place{0, true}, math.MaxInt
	for _, c := range []place{{0, true}, {1 - fw, true}, {1 - fw, false}, {0, false}} {
		if n := covered(c); n < bestN {
			best, bestN = c, n
		}
	}
	// Along the bottom, then the top edge: the middle of the longest run
	// of clear places, as far from the data as the edge allows.
	for _, top := range []bool{false, true} {
		if bestN == 0 {
			break
		}
		var run, longest []float64
		for x0 := 0.05; x0+fw < 0.999; x0 += 0.05 {
			if covered(place{x0, top}) == 0 {
				run = append(run, x0)
				if len(run) > len(longest) {
					longest = run
				}
			} else {
				run = nil
			}
		}
		if len(longest) > 0 {
			best, bestN = place{longest[len(longest)/2], top}, 0
		}
	}
	if bestN > 0 && grow && fh < 0.6 {
		// A band above the data: the data's top, now at normalised 1
		// (at most), must end up at 1 - fh.
		if _, log := p.Y.Scale.(plot.LogScale); log {
			p.Y.Max = p.Y.Min * math.Exp(math.Log(p.Y.Max/p.Y.Min)/(1-fh))
		} else {
			p.Y.Max = p.Y.Min + (p.Y.Max-p.Y.Min)/(1-fh)
		}
		best = place{0, true}
	}
	// gonum aligns the legend to the left or right edge; a box elsewhere
	// is left-aligned and shifted.
	p.Legend.Top = best.top
	p.Legend.Left = best.x0 < 1-fw-1e-9
	switch {
	case p.Legend.Left:
		p.Legend.XOffs = vg.Length(best.x0*dw + inset)
	default:
		p.Legend.XOffs = -vg.Length(inset)
	}
	p.Legend.YOffs = -vg.Length(inset)
	if !best.top {
		p.Legend.YOffs = vg.Length(inset)
	}
}

// normPoints returns the points of the series in normalised axis
// coordinates (0 to 1 across the data area), with extra points along
// each segment so that a line crossing a box without a vertex in it is
// still seen. Points off the axes or not finite are left out.
func normPoints(p *plot.Plot, series []plotter.XYs) []plotter.XY {
	const step = 0.01
	var out []plotter.XY
	norm := func(q plotter.XY) (plotter.XY, bool) {
		if math.IsNaN(q.X) || math.IsNaN(q.Y) || math.IsInf(q.X, 0) || math.IsInf(q.Y, 0) {
			return plotter.XY{}, false
		}
		if _, log := p.X.Scale.(plot.LogScale); log && q.X <= 0 {
			return plotter.XY{}, false
		}
		if _, log := p.Y.Scale.(plot.LogScale); log && q.Y <= 0 {
			return plotter.XY{}, false
		}
		return plotter.XY{X: p.X.Norm(q.X), Y: p.Y.Norm(q.Y)}, true
	}
	for _, s := range series {
		var prev plotter.XY
		havePrev := false
		for _, q := range s {
			n, ok := norm(q)
			if !ok {
				havePrev = false
				continue
			}
			if havePrev {
				d := math.Hypot(n.X-prev.X, n.Y-prev.Y)
				for k := 1.0; k*step < d; k++ {
					f := k * step / d
					out = append(out, plotter.XY{X: prev.X + f*(n.X-prev.X), Y: prev.Y + f*(n.Y-prev.Y)})
				}
			}
			out = append(out, n)
			prev, havePrev = n, true
		}
	}
	return out
}
