package results

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// cdfPoints caps the number of points drawn for a CDF.
const cdfPoints = 1000

// hopsPlot draws the distribution of hop counts of successful lookups.
func hopsPlot(r *Run) *plot.Plot {
	p := newPlot("Hop count of successful lookups", "hops", "fraction of lookups")
	counts := map[int]int{}
	n, sum := 0, 0
	for _, l := range r.Lookups {
		if l.Outcome == Success {
			counts[l.Hops]++
			n++
			sum += l.Hops
		}
	}
	if n == 0 {
		return noData(p)
	}
	hops := make([]int, 0, len(counts))
	for h := range counts {
		hops = append(hops, h)
	}
	sort.Ints(hops)
	var bins []plotter.HistogramBin
	top := 0.0
	for _, h := range hops {
		f := float64(counts[h]) / float64(n)
		top = math.Max(top, f)
		bins = append(bins, plotter.HistogramBin{Min: float64(h) - 0.4, Max: float64(h) + 0.4, Weight: f})
	}
	p.Add(bars(bins, 0.8))
	p.Title.Text = fmt.Sprintf("Hop count of successful lookups (n=%d, mean %s)", n, fmtNum(float64(sum)/float64(n)))
	p.X.Min, p.X.Max = float64(hops[0])-0.7, float64(hops[len(hops)-1])+0.7
	p.X.Tick.Marker = integerTicks{}
	p.Y.Min, p.Y.Max = 0, top*1.08
	return p
}

// bars returns a filled histogram plotter for precomputed bins.
func bars(bins []plotter.HistogramBin, width float64) *plotter.Histogram {
	return &plotter.Histogram{
		Bins:      bins,
		Width:     width,
		FillColor: colorBlue,
		LineStyle: draw.LineStyle{Color: colorBlue, Width: vg.Points(0.5)},
	}
}

// latencyCDFPlot draws the empirical CDF of the latency of successful lookups.
func latencyCDFPlot(r *Run) *plot.Plot {
	p := newPlot("Latency of successful lookups", "latency (ms)", "fraction of lookups")
	var lat []float64
	for _, l := range r.Lookups {
		if l.Outcome == Success && !math.IsNaN(l.LatencyMs) && !math.IsInf(l.LatencyMs, 0) {
			lat = append(lat, l.LatencyMs)
		}
	}
	if len(lat) == 0 {
		return noData(p)
	}
	sort.Float64s(lat)
	n := len(lat)
	pts := plotter.XYs{{X: lat[0], Y: 0}}
	step := 1
	if n > cdfPoints {
		step = n / cdfPoints
	}
	for i := 0; i < n; i += step {
		pts = append(pts, plotter.XY{X: lat[i], Y: float64(i+1) / float64(n)})
	}
	if last := pts[len(pts)-1]; last.Y != 1 {
		pts = append(pts, plotter.XY{X: lat[n-1], Y: 1})
	}
	line, err := plotter.NewLine(pts)
	if err != nil {
		return noData(p)
	}
	if step == 1 {
		line.StepStyle = plotter.PostStep
	}
	line.LineStyle = draw.LineStyle{Color: colorBlue, Width: vg.Points(1.5)}
	p.Add(line)
	p.Title.Text = fmt.Sprintf("Latency CDF of successful lookups\nn=%d   p50 %s ms   p99 %s ms",
		n, fmtNum(stat.Quantile(0.5, stat.Empirical, lat, nil)), fmtNum(stat.Quantile(0.99, stat.Empirical, lat, nil)))
	p.X.Min = math.Min(0, lat[0])
	p.X.Max = lat[n-1] + 0.03*(lat[n-1]-p.X.Min) // keep the last step off the frame
	fractionAxis(&p.Y)
	return p
}

// keysPerNodePlot draws a histogram of the keys held by each alive node.
func keysPerNodePlot(r *Run) *plot.Plot {
	return nodeHistogram(r, "Keys per alive node", "keys stored", func(n NodeRow) int { return n.Keys })
}

// tableSizePlot draws a histogram of the routing-table size of each alive
// node.
func tableSizePlot(r *Run) *plot.Plot {
	return nodeHistogram(r, "Routing table size per alive node", "distinct contacts", func(n NodeRow) int { return n.TableSize })
}

// nodeHistogram draws a histogram of an integer property of the alive nodes.
func nodeHistogram(r *Run, title, xLabel string, value func(NodeRow) int) *plot.Plot {
	p := newPlot(title, xLabel, "nodes")
	var keys []float64
	for _, nd := range r.Nodes {
		if nd.Alive {
			keys = append(keys, float64(value(nd)))
		}
	}
	if len(keys) == 0 {
		return noData(p)
	}
	sort.Float64s(keys)
	lo, hi := keys[0], keys[len(keys)-1]
	width := math.Max(1, math.Ceil((hi-lo+1)/40))
	bins := make([]plotter.HistogramBin, int((hi-lo)/width)+1)
	for i := range bins {
		bins[i].Min = lo + float64(i)*width - 0.5
		bins[i].Max = bins[i].Min + width
	}
	top := 0.0
	for _, k := range keys {
		b := &bins[int((k-lo)/width)]
		b.Weight++
		top = math.Max(top, b.Weight)
	}
	h := bars(bins, width)
	h.LineStyle.Color = colorGrid
	p.Add(h)
	p.Title.Text = fmt.Sprintf("%s\nn=%d   mean %s   p1 %s   p99 %s", title, len(keys),
		fmtNum(stat.Mean(keys, nil)), fmtNum(stat.Quantile(0.01, stat.Empirical, keys, nil)),
		fmtNum(stat.Quantile(0.99, stat.Empirical, keys, nil)))
	p.X.Min, p.X.Max = bins[0].Min-width/2, bins[len(bins)-1].Max+width/2
	p.X.Tick.Marker = niceTicks{n: 7, integer: true}
	p.Y.Tick.Marker = niceTicks{n: 6, integer: true}
	p.Y.Min, p.Y.Max = 0, top*1.08
	return p
}

// successPlot draws the lookup success rate per sampling interval over time;
// intervals without lookups (NaN) are left as gaps.
func successPlot(r *Run) *plot.Plot {
	div, unit := timeUnit(maxTime(r.Series))
	p := newPlot("Lookup success rate over time", "time ("+unit+")", "success rate")
	fractionAxis(&p.Y)
	ts, ys := seriesXY(r.Series, div, func(s SampleRow) float64 { return s.SuccessRate })
	if !addSeries(p, ts, ys, colorBlue, "", true) {
		return noData(p)
	}
	p.X.Min = math.Min(p.X.Min, 0)
	if w, ok := warmupSeconds(r); ok {
		markWarmup(p, w/div, 0, 1)
		p.Legend.Top = false
		p.Legend.Left = false
	}
	return p
}

// trafficPlot draws maintenance and lookup bytes per live node per second
// over time.
func trafficPlot(r *Run) *plot.Plot {
	div, unit := timeUnit(maxTime(r.Series))
	p := newPlot("Traffic per live node", "time ("+unit+")", "bytes per node per second")
	ts, ym := seriesXY(r.Series, div, func(s SampleRow) float64 { return s.MaintenanceBytesPerNodePerS })
	_, yl := seriesXY(r.Series, div, func(s SampleRow) float64 { return s.LookupBytesPerNodePerS })
	okM := addSeries(p, ts, ym, colorBlue, "maintenance", false)
	okL := addSeries(p, ts, yl, colorOrange, "lookup", false)
	if !okM && !okL {
		return noData(p)
	}
	p.Y.Min = 0
	p.X.Min = math.Min(p.X.Min, 0)
	if p.Y.Max *= 1.25; p.Y.Max <= 0 { // headroom for the legend
		p.Y.Max = 1
	}
	if w, ok := warmupSeconds(r); ok {
		markWarmup(p, w/div, 0, p.Y.Max/1.25)
	}
	p.Legend.Top = true
	return p
}

func maxTime(ss []SampleRow) float64 {
	m := 0.0
	for _, s := range ss {
		if !math.IsNaN(s.TimeS) && !math.IsInf(s.TimeS, 0) {
			m = math.Max(m, math.Abs(s.TimeS))
		}
	}
	return m
}

// seriesXY returns the sample times divided by div and the values picked by y.
func seriesXY(ss []SampleRow, div float64, y func(SampleRow) float64) (xs, ys []float64) {
	for _, s := range ss {
		xs = append(xs, s.TimeS/div)
		ys = append(ys, y(s))
	}
	return xs, ys
}

// addSeries draws (xs, ys) as lines broken wherever a value is not finite;
// isolated points, or all points when marks is set, get a dot. It reports
// whether anything was drawn.
func addSeries(p *plot.Plot, xs, ys []float64, c color.Color, legend string, marks bool) bool {
	style := draw.LineStyle{Color: c, Width: vg.Points(1.5)}
	dot := draw.GlyphStyle{Color: c, Radius: vg.Points(1.8), Shape: draw.CircleGlyph{}}
	var thumb plot.Thumbnailer
	drawn := false
	for _, seg := range finiteRuns(xs, ys) {
		if len(seg) > 1 {
			l, err := plotter.NewLine(seg)
			if err != nil {
				continue
			}
			l.LineStyle = style
			p.Add(l)
			thumb = l
			drawn = true
		}
		if len(seg) == 1 || marks {
			s, err := plotter.NewScatter(seg)
			if err != nil {
				continue
			}
			s.GlyphStyle = dot
			p.Add(s)
			if thumb == nil {
				thumb = s
			}
			drawn = true
		}
	}
	if drawn && legend != "" {
		p.Legend.Add(legend, thumb)
	}
	return drawn
}

// finiteRuns splits the points into maximal runs where x and y are finite.
func finiteRuns(xs, ys []float64) []plotter.XYs {
	var runs []plotter.XYs
	var cur plotter.XYs
	for i := range xs {
		x, y := xs[i], ys[i]
		if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) {
			if len(cur) > 0 {
				runs = append(runs, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: x, Y: y})
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

// liveNodesPlot draws the number of live nodes at each sample time.
func liveNodesPlot(r *Run) *plot.Plot {
	div, unit := timeUnit(maxTime(r.Series))
	p := newPlot("Live nodes over time", "time ("+unit+")", "live nodes")
	ts, ys := seriesXY(r.Series, div, func(s SampleRow) float64 { return float64(s.LiveNodes) })
	if !addSeries(p, ts, ys, colorBlue, "", false) {
		return noData(p)
	}
	p.X.Min = math.Min(p.X.Min, 0)
	p.Y.Min = 0
	p.Y.Max *= 1.1
	if w, ok := warmupSeconds(r); ok {
		markWarmup(p, w/div, 0, p.Y.Max/1.1)
		p.Legend.Top = false
	}
	return p
}

// sessionsPlot draws the empirical CDF of realised session lengths and, when
// the run had a session model, the model's CDF at the same lengths.
func sessionsPlot(r *Run) *plot.Plot {
	n := len(r.Sessions)
	maxS := 0.0
	if n > 0 {
		maxS = r.Sessions[n-1].LengthS
	}
	div, unit := timeUnit(maxS)
	p := newPlot("Session lengths: realised vs model", "session length ("+unit+")", "fraction of sessions")
	fractionAxis(&p.Y)
	if n == 0 {
		return noData(p)
	}
	xs := make([]float64, n)
	emp := make([]float64, n)
	model := make([]float64, n)
	hasModel := false
	for i, s := range r.Sessions {
		xs[i] = s.LengthS / div
		emp[i] = float64(i+1) / float64(n)
		model[i] = s.ModelCDF
		if !math.IsNaN(s.ModelCDF) {
			hasModel = true
		}
	}
	addSeries(p, xs, emp, colorBlue, "realised", false)
	title := fmt.Sprintf("Session lengths (n=%d)", n)
	if hasModel {
		addSeries(p, xs, model, colorOrange, "model", false)
		for _, m := range r.Summary {
			if m.Key == "churn.sessions.ks" && !math.IsNaN(m.Value) {
				title += fmt.Sprintf("   KS distance %.3f", m.Value)
			}
		}
	}
	p.Title.Text = title
	p.X.Min = 0
	p.Legend.Top = false
	p.Legend.Left = false
	return p
}

// bucketFillPlot draws the mean number of contacts in each k-bucket over the
// alive nodes: the far buckets are full, and the fill falls off by half per
// bucket below log2(N) as fewer nodes exist at that distance.
func bucketFillPlot(r *Run) *plot.Plot {
	p := newPlot("k-bucket fill", "bucket i (XOR distance 2^i to 2^(i+1))", "mean contacts per node")
	alive := 0
	for _, nd := range r.Nodes {
		if nd.Alive {
			alive++
		}
	}
	if alive == 0 || len(r.Buckets) == 0 {
		return noData(p)
	}
	lo, hi := r.Buckets[0].Bucket, r.Buckets[0].Bucket
	for _, b := range r.Buckets {
		lo, hi = min(lo, b.Bucket), max(hi, b.Bucket)
	}
	sums := make([]float64, hi-lo+1)
	for _, b := range r.Buckets {
		sums[b.Bucket-lo] += float64(b.Contacts)
	}
	bins := make([]plotter.HistogramBin, len(sums))
	top := 0.0
	for i, s := range sums {
		mean := s / float64(alive)
		top = math.Max(top, mean)
		bins[i] = plotter.HistogramBin{Min: float64(lo+i) - 0.4, Max: float64(lo+i) + 0.4, Weight: mean}
	}
	p.Add(bars(bins, 0.8))
	p.Title.Text = fmt.Sprintf("k-bucket fill, mean over %d alive nodes\nbuckets %d to %d hold contacts", alive, lo, hi)
	p.X.Min, p.X.Max = float64(lo)-0.7, float64(hi)+0.7
	p.X.Tick.Marker = niceTicks{n: 8, integer: true}
	p.Y.Min, p.Y.Max = 0, top*1.08
	return p
}

// loadPlot draws, on log-log axes, the complementary CDF of the messages
// each alive node received over the run: the fraction of nodes that
// handled at least x messages. A balanced overlay drops off in a narrow
// band; the hubs of a power-law overlay stretch a long straight tail.
func loadPlot(r *Run) *plot.Plot {
	p := newPlot("Message load per alive node", "messages received, x", "share of nodes ≥ x")
	var load []float64
	for _, nd := range r.Nodes {
		if nd.Alive && nd.MsgsRecv > 0 {
			load = append(load, float64(nd.MsgsRecv))
		}
	}
	n := len(load)
	if n == 0 {
		return noData(p)
	}
	sort.Float64s(load)
	// One point per distinct value, thinned to cdfPoints.
	var pts plotter.XYs
	step := max(1, n/cdfPoints)
	for i := 0; i < n; i++ {
		if i > 0 && load[i] == load[i-1] {
			continue
		}
		if len(pts) > 0 && i%step != 0 && i != n-1 {
			continue
		}
		pts = append(pts, plotter.XY{X: load[i], Y: float64(n-i) / float64(n)})
	}
	line, err := plotter.NewLine(pts)
	if err != nil {
		return noData(p)
	}
	line.LineStyle = draw.LineStyle{Color: colorBlue, Width: vg.Points(1.5)}
	sc, _ := plotter.NewScatter(pts)
	sc.GlyphStyle = draw.GlyphStyle{Color: colorBlue, Radius: vg.Points(1.5), Shape: draw.CircleGlyph{}}
	p.Add(line, sc)
	mean := stat.Mean(load, nil)
	// No y label: gonum centres it at the arithmetic mid-range, which on
	// a log axis lies near the top and squeezes the plot; the title says it.
	p.Y.Label.Text = " " // keeps a margin for the tick labels
	p.Title.Text = fmt.Sprintf("Share of alive nodes that received at least x messages\nn=%d   median %s   mean %s   max %s (%s × mean)", n,
		fmtNum(load[n/2]), fmtNum(mean), fmtNum(load[n-1]), fmtNum(load[n-1]/mean))
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Min, p.X.Max = load[0]/1.3, load[n-1]*1.3
	p.Y.Min, p.Y.Max = 0.5/float64(n), 1.3
	p.X.Tick.Marker, p.Y.Tick.Marker = decadeTicks(p.X.Min, p.X.Max), decadeTicks(p.Y.Min, p.Y.Max)
	return p
}

// decadeTicks returns ticks for a log axis over [lo, hi]: a labelled tick at
// every power of ten and unlabelled ones at its multiples 2..9, all inside
// the range (gonum's LogTicks also returns ticks outside it, whose labels
// then take room from the plot).
func decadeTicks(lo, hi float64) plot.ConstantTicks {
	var ticks plot.ConstantTicks
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1.0; m <= 9; m++ {
			v := m * base
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
