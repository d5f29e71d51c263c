package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Size and resolution of every figure (those of a run's figures).
const (
	plotWidth  = 6 * vg.Inch
	plotHeight = 4 * vg.Inch
	plotDPI    = 150
)

// TrafficMetric is the summary.json key of the cost axis of a
// performance-versus-cost figure.
const TrafficMetric = "traffic.bytes_per_node_per_s"

// The house style of peerlab's figures (package results keeps its own
// helpers unexported; these follow them).
var (
	sansFont  = font.Font{Typeface: "Liberation", Variant: "Sans"}
	colorGrid = color.Gray{Y: 220}
	// palette is Okabe and Ito's colour-blind safe set, blue first.
	palette = []color.Color{
		color.RGBA{R: 0, G: 114, B: 178, A: 255},
		color.RGBA{R: 230, G: 159, B: 0, A: 255},
		color.RGBA{R: 0, G: 158, B: 115, A: 255},
		color.RGBA{R: 213, G: 94, B: 0, A: 255},
		color.RGBA{R: 204, G: 121, B: 167, A: 255},
		color.RGBA{R: 86, G: 180, B: 233, A: 255},
		color.RGBA{R: 100, G: 100, B: 100, A: 255},
		color.RGBA{R: 240, G: 228, B: 66, A: 255},
	}
	glyphs = []draw.GlyphDrawer{
		draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{},
		draw.PlusGlyph{}, draw.CrossGlyph{}, draw.RingGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{},
	}
)

// maxSeries is the most lines or groups a figure draws.
const maxSeries = 12

func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sansFont, 13)
	p.Title.Padding = vg.Points(8)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sansFont, 12)
		a.Tick.Label.Font = font.From(sansFont, 10)
		a.Label.Padding = vg.Points(4)
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Tick.Marker = tidyTicks{}
	p.Y.Tick.Marker = tidyTicks{}
	p.Legend.TextStyle.Font = font.From(sansFont, 10)
	p.Legend.Top = true
	g := plotter.NewGrid()
	g.Vertical = draw.LineStyle{Color: colorGrid, Width: vg.Points(0.5)}
	g.Horizontal = g.Vertical
	p.Add(g)
	return p
}

// tidyTicks are gonum's default ticks with labels in the shortest form
// ("50", not "50.00").
type tidyTicks struct{}

// Ticks implements plot.Ticker.
func (tidyTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = tickLabel(ticks[i].Value)
		}
	}
	return ticks
}

// tickLabel formats a tick value without trailing zeros or float noise.
func tickLabel(v float64) string {
	v = round12(v)
	if v == 0 {
		return "0"
	}
	if a := math.Abs(v); a >= 1e7 || a < 1e-4 {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func seriesStyle(k int) (draw.LineStyle, draw.GlyphStyle) {
	c := palette[k%len(palette)]
	return draw.LineStyle{Color: c, Width: vg.Points(1.5)},
		draw.GlyphStyle{Color: c, Radius: vg.Points(2.8), Shape: glyphs[k%len(glyphs)]}
}

// numeric returns a parameter value as a number for an axis: numbers as
// they are, durations ("30s") in seconds.
func numeric(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case string:
		if d, err := time.ParseDuration(x); err == nil {
			return d.Seconds(), true
		}
	}
	return 0, false
}

// axisValues returns the numeric values of parameter k, and whether they
// are durations; ok is false when a value is not numeric.
func axisValues(plan *Plan, k int) (xs []float64, durations, ok bool) {
	for _, v := range plan.params[k].values {
		x, isNum := numeric(v)
		if !isNum {
			return nil, false, false
		}
		_, durations = v.(string)
		xs = append(xs, x)
	}
	return xs, durations, true
}

// MetricPlot describes a figure of one metric against one parameter.
type MetricPlot struct {
	// Metric is the summary key on the y axis; it must be among the plan's
	// metrics.
	Metric string
	// X is the parameter on the x axis; its values must be numbers or
	// durations (drawn in seconds). The axis is logarithmic when the
	// parameter was given as a log range. It may be a linked key
	// (Parameter.With), drawn against its own values; the axis label names
	// the keys that move with X.
	X string
	// Group is the parameter drawn as one line per value, e.g. "protocol".
	// Empty: one line per combination of all parameters other than X that
	// vary. With Group set, every other parameter must be fixed by Where
	// or take a single value. Keys linked to X or to Group (Parameter.With)
	// move with them and do not count as other parameters.
	Group string
	// Where keeps only configurations whose parameters have these values
	// (as plain text, e.g. {"chord.lookup": "recursive"}).
	Where map[string]string
	// Title replaces the default title.
	Title string
}

// series is one line or group of a figure: the rows of configurations
// sharing the values of the non-x parameters.
type series struct {
	label string
	rows  []Row
}

// selectRows returns the rows of metric that pass where, checking that
// every key of where is a parameter and every value one it takes.
func selectRows(plan *Plan, rows []Row, metric string, where map[string]string) ([]Row, error) {
	if !slices.Contains(plan.metrics, metric) {
		return nil, fmt.Errorf("metric %q was not aggregated (sweep.metrics: %s)", metric, strings.Join(plan.metrics, ", "))
	}
	keys := make([]string, 0, len(where))
	for k := range where {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		i := plan.keyIndex(k)
		if i < 0 {
			return nil, fmt.Errorf("where: %q is not a swept parameter (parameters: %s)", k, strings.Join(plan.Keys(), ", "))
		}
		found := false
		for _, v := range plan.params[i].values {
			found = found || valueText(v) == where[k]
		}
		if !found {
			return nil, fmt.Errorf("where: %s never takes the value %q", k, where[k])
		}
	}
	var out []Row
	for _, r := range rows {
		if r.Metric != metric {
			continue
		}
		keep := true
		for _, a := range r.Params {
			if w, ok := where[a.Key]; ok && w != a.Text() {
				keep = false
			}
		}
		if keep {
			out = append(out, r)
		}
	}
	return out, nil
}

// groupRows splits rows into series by the values of the parameters other
// than skip (an index, or -1) that vary among them; with group >= 0, only
// group may vary. A linked key goes with its parameter: skipping or grouping
// by one of them skips or groups by both, and series are told apart by the
// parameters' values only. Series are in order of first appearance.
func groupRows(plan *Plan, rows []Row, skip, group int) ([]series, error) {
	dimOf := func(k int) int {
		if k < 0 {
			return -1
		}
		return plan.params[k].dim
	}
	skipDim, groupDim := dimOf(skip), dimOf(group)
	varies := make([]bool, len(plan.params))
	for _, r := range rows {
		for k, a := range r.Params {
			varies[k] = varies[k] || a.Text() != rows[0].Params[k].Text()
		}
	}
	var byKey []int
	for k, pp := range plan.params {
		// A parameter's values are distinct, so it varies whenever one of
		// its linked keys does: the linked keys need no looking at.
		if pp.linked || pp.dim == skipDim || !varies[k] {
			continue
		}
		if group >= 0 && pp.dim != groupDim {
			return nil, fmt.Errorf("parameter %s varies too: fix it with a where filter, or group by no parameter", pp.key)
		}
		if group >= 0 {
			k = group // lines named by the group's own values, be it a linked key
		}
		byKey = append(byKey, k)
	}
	var out []series
	pos := map[string]int{}
	for _, r := range rows {
		var as []Assignment
		for _, k := range byKey {
			as = append(as, r.Params[k])
		}
		label := tupleLabel(as)
		if group >= 0 && len(as) == 1 {
			label = as[0].Text()
		}
		i, ok := pos[label]
		if !ok {
			i = len(out)
			pos[label] = i
			out = append(out, series{label: label})
		}
		out[i].rows = append(out[i].rows, r)
	}
	if len(out) > maxSeries {
		return nil, fmt.Errorf("%d lines is too many for one figure (at most %d): fix some parameters with a where filter", len(out), maxSeries)
	}
	return out, nil
}

// errXY is a series of points with asymmetric y errors.
type errXY struct {
	plotter.XYs
	plotter.YErrors
}

// PlotMetric draws mp as a PNG file at path: the mean of the metric over
// the repetitions against parameter mp.X, with 95% confidence intervals as
// error bars (none where a configuration has fewer than two finite values),
// one line per series. The file is replaced atomically.
func PlotMetric(path string, plan *Plan, rows []Row, mp MetricPlot) error {
	p, err := buildMetricPlot(plan, rows, mp)
	if err != nil {
		return fmt.Errorf("sweep: plot %s: %w", path, err)
	}
	if err := savePNG(path, p); err != nil {
		return fmt.Errorf("sweep: plot %s: %w", path, err)
	}
	return nil
}

func buildMetricPlot(plan *Plan, rows []Row, mp MetricPlot) (p *plot.Plot, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("drawing: %v", v)
		}
	}()
	kx := plan.keyIndex(mp.X)
	if kx < 0 {
		return nil, fmt.Errorf("x: %q is not a swept parameter (parameters: %s)", mp.X, strings.Join(plan.Keys(), ", "))
	}
	xvals, durations, ok := axisValues(plan, kx)
	if !ok {
		return nil, fmt.Errorf("x: parameter %s has values that are not numbers or durations", mp.X)
	}
	kg := -1
	if mp.Group != "" {
		if kg = plan.keyIndex(mp.Group); kg < 0 || plan.params[kg].dim == plan.params[kx].dim {
			return nil, fmt.Errorf("group: %q is not a swept parameter other than %s and the keys linked to it", mp.Group, mp.X)
		}
	}
	sel, err := selectRows(plan, rows, mp.Metric, mp.Where)
	if err != nil {
		return nil, err
	}
	ser, err := groupRows(plan, sel, kx, kg)
	if err != nil {
		return nil, err
	}
	logX := plan.IsLog(kx)
	xLabel := mp.X
	if durations {
		xLabel += " (s)"
	}
	if with := plan.together(kx); len(with) > 0 {
		xLabel += " (with " + strings.Join(with, ", ") + ")"
	}
	title := mp.Title
	if title == "" {
		title = fmt.Sprintf("%s vs %s\nmean and 95%% CI over %d runs", mp.Metric, mp.X, plan.Repetitions())
		if plan.Repetitions() == 1 {
			title = fmt.Sprintf("%s vs %s (1 run each)", mp.Metric, mp.X)
		}
		if len(mp.Where) > 0 {
			title += ", " + whereText(mp.Where)
		}
	}
	p = newPlot(title, xLabel, mp.Metric)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	drawn, entries := false, 0
	for s, se := range ser {
		var pts plotter.XYs
		var bars errXY
		for _, r := range se.rows {
			x, _ := numeric(r.Params[kx].Value)
			if !finite(r.Mean) || (logX && x <= 0) {
				continue
			}
			pts = append(pts, plotter.XY{X: x, Y: r.Mean})
			ylo, yhi = math.Min(ylo, r.Mean), math.Max(yhi, r.Mean)
			if finite(r.CILow) && finite(r.CIHigh) {
				bars.XYs = append(bars.XYs, plotter.XY{X: x, Y: r.Mean})
				bars.YErrors = append(bars.YErrors, struct{ Low, High float64 }{r.Mean - r.CILow, r.CIHigh - r.Mean})
				ylo, yhi = math.Min(ylo, r.CILow), math.Max(yhi, r.CIHigh)
			}
		}
		if len(pts) == 0 {
			continue
		}
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
		ls, gs := seriesStyle(s)
		var thumb []plot.Thumbnailer
		if len(pts) > 1 {
			l, err := plotter.NewLine(pts)
			if err != nil {
				return nil, err
			}
			l.LineStyle = ls
			p.Add(l)
			thumb = append(thumb, l)
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = gs
		p.Add(sc)
		thumb = append(thumb, sc)
		if len(bars.XYs) > 0 {
			eb, err := plotter.NewYErrorBars(bars)
			if err != nil {
				return nil, err
			}
			eb.LineStyle = draw.LineStyle{Color: ls.Color, Width: vg.Points(1)}
			eb.CapWidth = vg.Points(5)
			p.Add(eb)
		}
		if len(ser) > 1 || se.label != "(base)" {
			p.Legend.Add(se.label, thumb...)
			entries++
		}
		drawn = true
	}
	if !drawn {
		p.Title.Text += ": no data"
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		return p, nil
	}
	setXAxis(p, xvals, logX)
	fitAxis(&p.Y, ylo, yhi, false, 0.06, legendRoom(entries))
	return p, nil
}

// setXAxis scales the x axis (logarithmic or not) with a margin, and puts
// ticks at the parameter's values when there are few of them.
func setXAxis(p *plot.Plot, xvals []float64, logX bool) {
	var vals []float64
	for _, x := range xvals {
		if !logX || x > 0 {
			vals = append(vals, x)
		}
	}
	if len(vals) == 0 {
		return
	}
	lo, hi := slices.Min(vals), slices.Max(vals)
	if logX {
		p.X.Scale = plot.LogScale{}
		r := math.Pow(hi/lo, 0.04)
		if hi == lo {
			r = 1.5
		}
		p.X.Min, p.X.Max = lo/r, hi*r
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	} else {
		m := 0.04 * (hi - lo)
		if m == 0 {
			m = math.Max(0.5, math.Abs(lo)*0.1)
		}
		p.X.Min, p.X.Max = lo-m, hi+m
	}
	if len(vals) <= 12 {
		var ticks plot.ConstantTicks
		for _, v := range vals {
			ticks = append(ticks, plot.Tick{Value: v, Label: tickLabel(v)})
		}
		p.X.Tick.Marker = ticks
	}
}

func whereText(where map[string]string) string {
	keys := make([]string, 0, len(where))
	for k := range where {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+where[k])
	}
	return strings.Join(parts, ", ")
}

// TradeoffPlot describes a performance-versus-cost figure after Li et al.
// (INFOCOM 2005): every configuration is a point at (mean cost, mean
// performance), and the lower-left convex frontier of each group (see
// Frontier) is drawn as a line: the best performance each group achieves
// for a given cost.
type TradeoffPlot struct {
	// X is the cost metric; empty means TrafficMetric.
	X string
	// Y is the performance metric, where lower is better, e.g.
	// "latency_ms.p50".
	Y string
	// Maximize says that higher Y is better (e.g. "lookups.success_rate"):
	// the frontier is then the upper-left one.
	Maximize bool
	// Group is the parameter whose values get their own points and
	// frontier, e.g. "protocol"; empty puts all configurations in one group.
	Group string
	// Where keeps only configurations whose parameters have these values.
	Where map[string]string
	// Labels writes next to each frontier point the values of the
	// parameters that vary within its group (Group and parameters fixed by
	// Where are left out, and so are those of another group's block, such
	// as kademlia.k beside a Chord point: a cartesian sweep varies them in
	// every group, but only the group they name reads them). A label equal
	// to the previous one along the frontier is not repeated.
	Labels bool
	// LogX and LogY draw the axes on logarithmic scales.
	LogX, LogY bool
	// Title replaces the default title.
	Title string
}

// PlotTradeoff draws tp as a PNG file at path, replaced atomically.
// Configurations whose X or Y mean is NaN are left out.
func PlotTradeoff(path string, plan *Plan, rows []Row, tp TradeoffPlot) error {
	p, err := buildTradeoffPlot(plan, rows, tp)
	if err != nil {
		return fmt.Errorf("sweep: plot %s: %w", path, err)
	}
	if err := savePNG(path, p); err != nil {
		return fmt.Errorf("sweep: plot %s: %w", path, err)
	}
	return nil
}

func buildTradeoffPlot(plan *Plan, rows []Row, tp TradeoffPlot) (p *plot.Plot, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("drawing: %v", v)
		}
	}()
	if tp.X == "" {
		tp.X = TrafficMetric
	}
	if tp.Y == "" {
		return nil, errors.New("y: no metric given")
	}
	kg := -1
	if tp.Group != "" {
		if kg = plan.keyIndex(tp.Group); kg < 0 {
			return nil, fmt.Errorf("group: %q is not a swept parameter (parameters: %s)", tp.Group, strings.Join(plan.Keys(), ", "))
		}
	}
	xs, err := selectRows(plan, rows, tp.X, tp.Where)
	if err != nil {
		return nil, err
	}
	ys, err := selectRows(plan, rows, tp.Y, tp.Where)
	if err != nil {
		return nil, err
	}
	yOf := map[int]float64{}
	for _, r := range ys {
		yOf[r.Config] = r.Mean
	}
	// Group on the x rows; any parameter may vary within a group.
	var groups []series
	pos := map[string]int{}
	for _, r := range xs {
		label := "all configurations"
		if kg >= 0 {
			label = r.Params[kg].Text()
		}
		i, ok := pos[label]
		if !ok {
			i = len(groups)
			pos[label] = i
			groups = append(groups, series{label: label})
		}
		groups[i].rows = append(groups[i].rows, r)
	}
	if len(groups) > maxSeries {
		return nil, fmt.Errorf("%d groups is too many for one figure (at most %d)", len(groups), maxSeries)
	}
	title := tp.Title
	if title == "" {
		title = fmt.Sprintf("%s vs %s\nmean of %d runs per configuration; lines: convex frontier", tp.Y, tp.X, plan.Repetitions())
		if plan.Repetitions() == 1 {
			title = fmt.Sprintf("%s vs %s\n1 run per configuration; lines: convex frontier", tp.Y, tp.X)
		}
		if len(tp.Where) > 0 {
			title += "\n" + whereText(tp.Where)
		}
	}
	yLabel := tp.Y + " (lower is better)"
	if tp.Maximize {
		yLabel = tp.Y + " (higher is better)"
	}
	p = newPlot(title, tp.X, yLabel)
	p.Legend.Left = false
	drawn := false
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for g, grp := range groups {
		var pts []Point
		var cfg []Row
		for _, r := range grp.rows {
			x, y := r.Mean, yOf[r.Config]
			if !finite(x) || !finite(y) || (tp.LogX && x <= 0) || (tp.LogY && y <= 0) {
				continue
			}
			pts = append(pts, Point{X: x, Y: y})
			cfg = append(cfg, r)
			xlo, xhi, ylo, yhi = math.Min(xlo, x), math.Max(xhi, x), math.Min(ylo, y), math.Max(yhi, y)
		}
		if len(pts) == 0 {
			continue
		}
		ls, gs := seriesStyle(g)
		all := make(plotter.XYs, len(pts))
		for i, q := range pts {
			all[i] = plotter.XY{X: q.X, Y: q.Y}
		}
		sc, err := plotter.NewScatter(all)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = gs
		sc.GlyphStyle.Radius = vg.Points(2.4)
		p.Add(sc)
		thumbs := []plot.Thumbnailer{sc}
		fpts := pts
		if tp.Maximize {
			fpts = make([]Point, len(pts))
			for i, q := range pts {
				fpts[i] = Point{X: q.X, Y: -q.Y}
			}
		}
		front := Frontier(fpts)
		fxy := make(plotter.XYs, len(front))
		for i, k := range front {
			fxy[i] = plotter.XY{X: pts[k].X, Y: pts[k].Y}
		}
		if len(fxy) > 1 {
			l, err := plotter.NewLine(fxy)
			if err != nil {
				return nil, err
			}
			l.LineStyle = ls
			p.Add(l)
			thumbs = append([]plot.Thumbnailer{l}, thumbs...)
		}
		if tp.Labels {
			vary := make([]bool, len(plan.params))
			for _, r := range cfg {
				for j, a := range r.Params {
					// linked keys are left out: their parameter's value names the point
					vary[j] = vary[j] || (!sameFactor(plan, j, kg) && !plan.params[j].linked && a.Text() != cfg[0].Params[j].Text() && !otherBlock(a.Key, g, groups))
				}
			}
			var lab plotter.XYLabels
			prev := ""
			for _, k := range front {
				var as []Assignment
				for j, a := range cfg[k].Params {
					if vary[j] {
						as = append(as, a)
					}
				}
				if len(as) == 0 || tupleLabel(as) == prev {
					continue // nothing to tell the point from its neighbour
				}
				prev = tupleLabel(as)
				lab.XYs = append(lab.XYs, plotter.XY{X: pts[k].X, Y: pts[k].Y})
				lab.Labels = append(lab.Labels, prev)
			}
			if len(lab.Labels) > 0 {
				l, err := plotter.NewLabels(lab)
				if err != nil {
					return nil, err
				}
				for i := range l.TextStyle {
					l.TextStyle[i] = text.Style{Color: ls.Color, Font: font.From(sansFont, 7), Handler: l.TextStyle[i].Handler}
				}
				l.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(3)}
				p.Add(l)
			}
		}
		p.Legend.Add(grp.label, thumbs...)
		drawn = true
	}
	if !drawn {
		p.Title.Text += ": no data"
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		return p, nil
	}
	fitAxis(&p.X, xlo, xhi, tp.LogX, 0.05, 0.05)
	fitAxis(&p.Y, ylo, yhi, tp.LogY, 0.06, legendRoom(len(groups)))
	return p, nil
}

// sameFactor reports whether columns j and k (k may be -1) belong to the
// same factor: a parameter and its linked keys.
func sameFactor(plan *Plan, j, k int) bool {
	return k >= 0 && plan.params[j].dim == plan.params[k].dim
}

// otherBlock reports whether key belongs to the block of another group
// than groups[g]: its first segment is another group's label, as
// "kademlia.k" is for the "chord" group of a sweep grouped by protocol.
func otherBlock(key string, g int, groups []series) bool {
	block, _, dotted := strings.Cut(key, ".")
	if !dotted {
		return false
	}
	for i, o := range groups {
		if i != g && o.label == block {
			return true
		}
	}
	return false
}

// legendRoom returns the margin above the data, as a fraction of the data's
// span, that keeps a legend of n entries in the top corner clear of it.
func legendRoom(n int) float64 {
	f := 0.1 + 0.055*float64(n) // share of the axis height to keep free
	return f / (1 - f) * 1.06   // 1.06: the margin below the data

}

// fitAxis sets a's range to [lo, hi] with margins (fractions of the span,
// in log space for a log axis), starting a linear axis of non-negative data
// at 0 when the margin would cross it.
func fitAxis(a *plot.Axis, lo, hi float64, log bool, below, above float64) {
	if log {
		a.Scale = plot.LogScale{}
		a.Tick.Marker = plot.LogTicks{Prec: -1}
		span := math.Log(hi / lo)
		if span == 0 {
			span = 1
		}
		a.Min, a.Max = lo*math.Exp(-below*span), hi*math.Exp(above*span)
		return
	}
	span := hi - lo
	if span == 0 {
		span = math.Max(0.1*math.Abs(hi), 0.5)
	}
	a.Min, a.Max = lo-below*span, hi+above*span
	if lo >= 0 && a.Min < 0 {
		a.Min = 0
	}
}

// savePNG renders p and writes it to path atomically.
func savePNG(path string, p *plot.Plot) (err error) {
	var buf bytes.Buffer
	func() {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("rendering: %v", v)
			}
		}()
		c := vgimg.NewWith(vgimg.UseWH(plotWidth, plotHeight), vgimg.UseDPI(plotDPI))
		p.Draw(draw.New(c))
		_, err = vgimg.PngCanvas{Canvas: c}.WriteTo(&buf)
	}()
	if err != nil {
		return err
	}
	return writeFileAtomic(path, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err })
}

// fileName turns a metric or key into a safe file name part.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
}

// HigherIsBetter reports whether a larger value of the summary metric is
// better: true for success rates (a last key segment ending in
// "success_rate"), false for everything else (hops, latencies, failure
// rates, traffic).
func HigherIsBetter(metric string) bool {
	last := metric[strings.LastIndex(metric, ".")+1:]
	return strings.HasSuffix(last, "success_rate")
}

// PlotAll draws the default figures of a sweep into dir and returns the
// paths written:
//
//   - <metric>-vs-<key>.png for every metric and every parameter whose
//     values are numbers or durations and that takes at least two values,
//     one line per combination of the other parameters (see PlotMetric);
//     skipped when that makes more than 12 lines; linked keys
//     (Parameter.With) get no figure of their own: they move with the
//     parameter on the x axis, which the axis label names them beside;
//   - tradeoff-<metric>.png for every metric other than TrafficMetric, when
//     TrafficMetric is among the plan's metrics: the performance-versus-cost
//     figure (see PlotTradeoff), grouped by the first parameter (not a
//     linked key) whose values are not numeric (e.g. protocol), with frontier points labelled when
//     the sweep has at most 40 configurations, and the frontier on the
//     upper left for metrics where HigherIsBetter.
func PlotAll(dir string, plan *Plan, rows []Row) ([]string, error) {
	var written []string
	for k, pp := range plan.params {
		if _, _, ok := axisValues(plan, k); !ok || len(pp.values) < 2 || pp.linked {
			continue
		}
		for _, m := range plan.metrics {
			mp := MetricPlot{Metric: m, X: pp.key}
			sel, err := selectRows(plan, rows, m, nil)
			if err != nil {
				return written, err
			}
			if ser, err := groupRows(plan, sel, k, -1); err != nil || len(ser) == 0 {
				continue // too many lines
			}
			path := filepath.Join(dir, fileName(m)+"-vs-"+fileName(pp.key)+".png")
			if err := PlotMetric(path, plan, rows, mp); err != nil {
				return written, err
			}
			written = append(written, path)
		}
	}
	if !slices.Contains(plan.metrics, TrafficMetric) {
		return written, nil
	}
	group := ""
	for k, pp := range plan.params {
		if _, _, ok := axisValues(plan, k); !ok && !pp.linked {
			group = pp.key
			break
		}
	}
	for _, m := range plan.metrics {
		if m == TrafficMetric {
			continue
		}
		path := filepath.Join(dir, "tradeoff-"+fileName(m)+".png")
		tp := TradeoffPlot{Y: m, Group: group, Labels: plan.Configs() <= 40, Maximize: HigherIsBetter(m)}
		if err := PlotTradeoff(path, plan, rows, tp); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
}
