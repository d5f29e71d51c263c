package results

import (
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// hasSuperpeer says whether r is a superpeer run: the figures of this
// file (listed in figures) are drawn from Run.Superpeer only, and from the
// manifest's configuration for the warm-up and the superpeer target.
func hasSuperpeer(r *Run) bool { return r.Superpeer != nil }

// More colours for figures with several series (after colorBlue and
// colorOrange), and the light tints of the call set-up grid.
var (
	colorGreen  = color.RGBA{R: 44, G: 160, B: 44, A: 255}
	colorRed    = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	colorPurple = color.RGBA{R: 148, G: 103, B: 189, A: 255}
	colorBrown  = color.RGBA{R: 140, G: 86, B: 75, A: 255}
	colorGray   = color.Gray{Y: 110}
	colorTeal   = color.RGBA{R: 23, G: 190, B: 207, A: 255}

	palette = []color.Color{colorBlue, colorOrange, colorGreen, colorRed, colorPurple, colorBrown, colorTeal, colorGray}

	tintDirect  = color.RGBA{R: 158, G: 202, B: 225, A: 255}
	tintPunched = color.RGBA{R: 161, G: 217, B: 155, A: 255}
	tintRelayed = color.RGBA{R: 253, G: 174, B: 97, A: 255}
	tintFailed  = color.Gray{Y: 190}
)

// classOrder is the order of the connectivity classes in the figures:
// from the most to the least reachable. Classes not listed follow,
// sorted by name.
var classOrder = []string{"public", "full_cone", "restricted_cone", "port_restricted", "symmetric", "udp_blocked"}

var classLabels = map[string]string{
	"public": "public", "full_cone": "full cone", "restricted_cone": "restricted cone",
	"port_restricted": "port-restricted", "symmetric": "symmetric", "udp_blocked": "UDP-blocked",
}

// classLabel is a class's name for a figure.
func classLabel(c string) string {
	if l, ok := classLabels[c]; ok {
		return l
	}
	return strings.ReplaceAll(c, "_", " ")
}

// sortClasses returns the distinct classes of cs in figure order.
func sortClasses(cs []string) []string {
	rank := func(c string) int {
		if i := slices.Index(classOrder, c); i >= 0 {
			return i
		}
		return len(classOrder)
	}
	out := slices.Clone(cs)
	sort.Strings(out)
	out = slices.Compact(out)
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

// manifestConfig returns the manifest's resolved configuration as generic
// JSON (nil when there is none).
func manifestConfig(r *Run) map[string]any {
	if r == nil || r.Manifest == nil {
		return nil
	}
	raw, ok := r.Manifest.(json.RawMessage)
	if !ok {
		b, err := json.Marshal(r.Manifest)
		if err != nil {
			return nil
		}
		raw = b
	}
	var m struct {
		Config map[string]any `json:"config"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m.Config
}

// configNumber reads the number config.<section>.<key>.
func configNumber(r *Run, section, key string) (float64, bool) {
	sec, _ := manifestConfig(r)[section].(map[string]any)
	v, ok := sec[key].(float64)
	return v, ok
}

// afterWarmup reports whether an event at t counts in summary.json, and
// the title suffix saying so.
func afterWarmup(r *Run) (func(t float64) bool, string) {
	if w, ok := warmupSeconds(r); ok {
		return func(t float64) bool { return t >= w }, " (after warm-up)"
	}
	return func(float64) bool { return true }, ""
}

// fmtSig formats v with three significant digits at most (whole numbers
// from 100 up), without trailing zeros.
func fmtSig(v float64) string {
	var t string
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "n/a"
	case a >= 99.95 || a == 0:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 9.995:
		t = strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		t = strconv.FormatFloat(v, 'f', 2, 64)
	default:
		t = strconv.FormatFloat(v, 'g', 3, 64)
	}
	if strings.Contains(t, ".") && !strings.Contains(t, "e") {
		t = strings.TrimRight(strings.TrimRight(t, "0"), ".")
	}
	return t
}

// fmtSeconds formats a duration in seconds for a legend or title.
func fmtSeconds(s float64) string {
	switch {
	case s >= 10:
		return strconv.FormatFloat(s, 'f', 0, 64) + " s"
	case s >= 1:
		return strconv.FormatFloat(s, 'f', 1, 64) + " s"
	}
	return strconv.FormatFloat(s, 'f', 2, 64) + " s"
}

// ecdf returns the points of the empirical CDF of the sorted xs, thinned
// to about cdfPoints, starting at (xs[0], 0) and ending at (max, 1).
func ecdf(xs []float64) plotter.XYs {
	n := len(xs)
	pts := plotter.XYs{{X: xs[0], Y: 0}}
	step := max(1, n/cdfPoints)
	for i := 0; i < n; i += step {
		pts = append(pts, plotter.XY{X: xs[i], Y: float64(i+1) / float64(n)})
	}
	if pts[len(pts)-1].Y != 1 {
		pts = append(pts, plotter.XY{X: xs[n-1], Y: 1})
	}
	return pts
}

// log125Ticks returns ticks for a log axis over [lo, hi]: labelled at 1, 2
// and 5 times the powers of ten, unlabelled at the other multiples (only
// the powers of ten labelled when the range spans more than maxDecades:
// about 3.5 for a horizontal axis, 4.5 for a vertical one).
func log125Ticks(lo, hi, maxDecades float64) plot.ConstantTicks {
	var ticks plot.ConstantTicks
	wide := math.Log10(hi/lo) > maxDecades
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1.0; m <= 9; m++ {
			v := m * base
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || !wide && (m == 2 || m == 5) {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// logRange returns a log axis range around [lo, hi] (both > 0) with a
// margin, at least one decade wide.
func logRange(lo, hi float64) (float64, float64) {
	lo, hi = lo/1.4, hi*1.4
	if hi/lo < 10 {
		mid := math.Sqrt(lo * hi)
		lo, hi = mid/math.Sqrt(10), mid*math.Sqrt(10)
	}
	return lo, hi
}

// cdfLine draws the step CDF of xs (sorted, all > 0 on a log axis), adds
// its legend entry and returns the corners of the steps as drawn.
func cdfLine(p *plot.Plot, xs []float64, c color.Color, legend string) plotter.XYs {
	pts := ecdf(xs)
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil
	}
	l.StepStyle = plotter.PostStep
	l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.8)}
	p.Add(l)
	p.Legend.Add(legend, l)
	steps := make(plotter.XYs, 0, 2*len(pts))
	for i, q := range pts {
		if i > 0 {
			steps = append(steps, plotter.XY{X: q.X, Y: pts[i-1].Y})
		}
		steps = append(steps, q)
	}
	return steps
}

// logCDFPlot draws one CDF per group on a log time axis (keep its label
// short: gonum reserves room for a log axis's label around the arithmetic
// mid-range, near the axis's far end, and squeezes the plot for a long
// one); groups without
// values are left out. It returns the lines drawn (for placeLegend), none
// when there was nothing to draw.
func logCDFPlot(p *plot.Plot, groups [][]float64, legends []string) []plotter.XYs {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, xs := range groups {
		for _, x := range xs {
			if x > 0 && !math.IsInf(x, 0) {
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
	}
	if math.IsInf(lo, 1) {
		return nil
	}
	p.X.Min, p.X.Max = logRange(lo, hi)
	var lines []plotter.XYs
	k := 0
	for i, xs := range groups {
		if len(xs) == 0 {
			continue
		}
		ys := make([]float64, len(xs))
		for j, x := range xs {
			ys[j] = math.Max(x, p.X.Min) // zero or below the axis: at its start
		}
		slices.Sort(ys)
		lines = append(lines, cdfLine(p, ys, palette[k%len(palette)], legends[i]))
		k++
	}
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = log125Ticks(p.X.Min, p.X.Max, 3.5)
	fractionAxis(&p.Y)
	return lines
}

// loginCDFPlot draws the CDF of login times per connectivity class (from
// the host coming up, STUN step included, to its login), on a log axis:
// a few round trips for public hosts, the STUN timeouts for NATed ones,
// the whole UDP schedule for UDP-blocked ones.
func loginCDFPlot(r *Run) *plot.Plot {
	keep, when := afterWarmup(r)
	p := newPlot("Login time by connectivity class"+when, "login time (s)", "fraction of logins")
	byClass := map[string][]float64{}
	tcp := map[string]int{}
	var classes []string
	var all []float64
	for _, l := range r.Superpeer.Logins {
		if !keep(l.TimeS) || math.IsNaN(l.LoginS) {
			continue
		}
		byClass[l.Class] = append(byClass[l.Class], l.LoginS)
		classes = append(classes, l.Class)
		all = append(all, l.LoginS)
		if l.Method == LoginTCP {
			tcp[l.Class]++
		}
	}
	classes = sortClasses(classes)
	groups := make([][]float64, len(classes))
	legends := make([]string, len(classes))
	for i, c := range classes {
		xs := byClass[c]
		slices.Sort(xs)
		groups[i] = xs
		legends[i] = fmt.Sprintf("%s: median %s, n=%d", classLabel(c), fmtSeconds(stat.Quantile(0.5, stat.Empirical, xs, nil)), len(xs))
		switch k := tcp[c]; {
		case k == len(xs):
			legends[i] += ", all over TCP"
		case k > 0:
			legends[i] += fmt.Sprintf(", %.0f%% over TCP", 100*float64(k)/float64(len(xs)))
		}
	}
	lines := logCDFPlot(p, groups, legends)
	if lines == nil {
		return noData(p)
	}
	slices.Sort(all)
	p.Title.Text = fmt.Sprintf("Login time by connectivity class%s\nn=%d   median %s   p99 %s   max %s", when, len(all),
		fmtSeconds(stat.Quantile(0.5, stat.Empirical, all, nil)), fmtSeconds(stat.Quantile(0.99, stat.Empirical, all, nil)), fmtSeconds(all[len(all)-1]))
	placeLegend(p, lines, true)
	return p
}

// reconnectCDFPlot draws the CDF of the time from a superpeer's departure
// to its peers' new attachments, after a goodbye and after a crash
// (noticed by an unanswered keep-alive).
func reconnectCDFPlot(r *Run) *plot.Plot {
	keep, when := afterWarmup(r)
	p := newPlot("Reconnection after losing the superpeer"+when, "time to reattach (s)", "fraction of reconnections")
	by := map[string][]float64{}
	for _, rc := range r.Superpeer.Reconnects {
		if keep(rc.TimeS) && !math.IsNaN(rc.ReconnectS) {
			by[rc.Cause] = append(by[rc.Cause], rc.ReconnectS)
		}
	}
	names := map[string]string{
		CauseLeave: "superpeer left (goodbye)", CauseCrash: "superpeer crashed (keep-alive timeout)", CauseRefused: "superpeer had dropped the peer",
	}
	var groups [][]float64
	var legends []string
	n := 0
	for _, c := range causes {
		xs := by[c]
		if len(xs) == 0 {
			continue
		}
		slices.Sort(xs)
		n += len(xs)
		groups = append(groups, xs)
		legends = append(legends, fmt.Sprintf("%s: mean %s, n=%d", names[c], fmtSeconds(stat.Mean(xs, nil)), len(xs)))
	}
	lines := logCDFPlot(p, groups, legends)
	if lines == nil {
		return noData(p)
	}
	p.Title.Text = fmt.Sprintf("Reconnection after losing the superpeer%s\nn=%d, from the superpeer's departure to the peer's new attachment", when, n)
	placeLegend(p, lines, true)
	return p
}

// superpeersOverTimePlot draws, on a log axis, the hosts up, those logged
// in, the superpeers and (when the manifest gives the ratio) the target
// number of superpeers, over time.
func superpeersOverTimePlot(r *Run) *plot.Plot {
	ss := r.Superpeer.Samples
	maxT := 0.0
	for _, s := range ss {
		maxT = math.Max(maxT, s.TimeS)
	}
	div, unit := timeUnit(maxT)
	p := newPlot("Superpeers and hosts over time", "time ("+unit+")", "hosts")
	if len(ss) == 0 {
		return noData(p)
	}
	ratio, hasRatio := configNumber(r, "superpeer", "ratio")
	xs := make([]float64, len(ss))
	live, online, supers, target := make([]float64, len(ss)), make([]float64, len(ss)), make([]float64, len(ss)), make([]float64, len(ss))
	hi, lo := 1.0, math.Inf(1)
	anySuper := false
	pos := func(v float64) float64 { // log axis: no zero
		if v <= 0 {
			return math.NaN()
		}
		hi, lo = math.Max(hi, v), math.Min(lo, v)
		return v
	}
	for i, s := range ss {
		xs[i] = s.TimeS / div
		live[i] = pos(float64(s.LiveHosts))
		online[i] = pos(float64(s.LoggedIn))
		supers[i] = pos(float64(s.Superpeers))
		anySuper = anySuper || s.Superpeers > 0
		target[i] = math.NaN()
		if hasRatio && ratio > 0 && anySuper {
			target[i] = pos(ratio * float64(s.LiveHosts))
		}
	}
	// hosts up as a broad light band under the hosts logged in, which
	// mostly coincide with them
	styledSeries(p, xs, live, draw.LineStyle{Color: color.Gray{Y: 200}, Width: vg.Points(6)}, "hosts up")
	addSeries(p, xs, online, colorBlue, "hosts logged in", false)
	if anySuper {
		addSeries(p, xs, supers, colorOrange, "superpeers", false)
		if hasRatio && ratio > 0 {
			styledSeries(p, xs, target, draw.LineStyle{Color: colorOrange, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}},
				fmt.Sprintf("target: %s × hosts up", fmtNum(ratio)))
		}
	}
	if math.IsInf(lo, 1) {
		return noData(p)
	}
	p.Y.Scale = plot.LogScale{}
	p.Y.Min, p.Y.Max = math.Max(0.7, lo/1.6), hi*1.6
	p.X.Min = math.Min(p.X.Min, 0)
	if w, ok := warmupSeconds(r); ok {
		markWarmup(p, w/div, p.Y.Min, hi*1.6)
	}
	last := ss[len(ss)-1]
	title := fmt.Sprintf("Superpeers and hosts over time\nat the end: %d hosts up, %d logged in, %d superpeers", last.LiveHosts, last.LoggedIn, last.Superpeers)
	if last.LiveHosts > 0 && anySuper {
		title += fmt.Sprintf(" (%.1f%%)", 100*float64(last.Superpeers)/float64(last.LiveHosts))
	}
	if !anySuper {
		title = fmt.Sprintf("Hosts over time (no superpeers)\nat the end: %d hosts up, %d logged in", last.LiveHosts, last.LoggedIn)
	}
	p.Title.Text = title
	var lines []plotter.XYs
	for _, ys := range [][]float64{live, online, supers, target} {
		lines = append(lines, finiteRuns(xs, ys)...)
	}
	placeLegend(p, lines, true)
	p.Y.Tick.Marker = log125Ticks(p.Y.Min, p.Y.Max, 4.5)
	return p
}

// styledSeries draws (xs, ys) in style as a line broken where a value is
// not finite, with one legend entry.
func styledSeries(p *plot.Plot, xs, ys []float64, style draw.LineStyle, legend string) {
	var first *plotter.Line
	for _, seg := range finiteRuns(xs, ys) {
		l, err := plotter.NewLine(seg)
		if err != nil {
			continue
		}
		l.LineStyle = style
		p.Add(l)
		if first == nil {
			first = l
		}
	}
	if first != nil {
		p.Legend.Add(legend, first)
	}
}

// superpeerLoadPlot draws how evenly the load is spread: for each measure
// (peers attached, objects indexed, search requests served, per superpeer
// at the end; relayed calls, per relay), the hosts sorted from the busiest,
// each one's load relative to the mean. The legend gives the means and
// maxima, the title the server's load.
func superpeerLoadPlot(r *Run) *plot.Plot {
	p := newPlot("Load per superpeer, busiest first", "rank (1 = the busiest)", "load ÷ mean load")
	if len(r.Superpeer.Load) == 0 {
		return noData(p)
	}
	var peers, index, queries, relays []float64
	var server *SuperpeerLoadRow
	for i, l := range r.Superpeer.Load {
		switch {
		case l.Role == RoleSuperpeer:
			peers = append(peers, float64(l.Peers))
			index = append(index, float64(l.Index))
			queries = append(queries, float64(l.Queries))
		case l.Role == RoleServer && server == nil:
			server = &r.Superpeer.Load[i]
		}
		if l.Relayed > 0 {
			relays = append(relays, float64(l.Relayed))
		}
	}
	type measure struct {
		xs    []float64
		name  string
		color color.Color
	}
	ms := []measure{
		{peers, "peers attached", colorBlue},
		{index, "objects indexed", colorGreen},
		{queries, "search requests served", colorOrange},
		{relays, "calls relayed (per relay)", colorPurple},
	}
	top, n := 0.0, 0
	var lines []plotter.XYs
	for _, m := range ms {
		if len(m.xs) == 0 || slices.Max(m.xs) == 0 {
			continue // nothing of this kind (a Skype superpeer indexes no objects)
		}
		xs := slices.Clone(m.xs)
		slices.SortFunc(xs, func(a, b float64) int { return -cmpFloat(a, b) })
		mean := stat.Mean(xs, nil)
		pts := make(plotter.XYs, len(xs))
		for i, x := range xs {
			pts[i] = plotter.XY{X: float64(i + 1), Y: x / mean}
			top = math.Max(top, x/mean)
		}
		n = max(n, len(xs))
		l, err := plotter.NewLine(pts)
		if err != nil {
			continue
		}
		l.LineStyle = draw.LineStyle{Color: m.color, Width: vg.Points(1.5)}
		sc, _ := plotter.NewScatter(pts)
		sc.GlyphStyle = draw.GlyphStyle{Color: m.color, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
		p.Add(l, sc)
		lines = append(lines, pts)
		p.Legend.Add(fmt.Sprintf("%s: n=%d, mean %s, max %s", m.name, len(xs), fmtSig(mean), fmtSig(xs[0])), l, sc)
	}
	title := "Load per superpeer, busiest first"
	if len(peers) == 0 {
		title = "Load per relay, busiest first"
	}
	if server != nil && server.Peers+server.Index+server.Queries > 0 {
		title += fmt.Sprintf("\nserver: %d peers, %d objects indexed, %d search requests", server.Peers, server.Index, server.Queries)
	} else {
		title += "\npeers and objects at the end; requests and calls after warm-up"
	}
	p.Title.Text = title
	if n == 0 {
		return noData(p)
	}
	mean, err := plotter.NewLine(plotter.XYs{{X: 0.5, Y: 1}, {X: float64(n) + 0.5, Y: 1}})
	if err == nil {
		mean.LineStyle = draw.LineStyle{Color: colorGray, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
		p.Add(mean)
		p.Legend.Add("the mean", mean)
	}
	p.X.Min, p.X.Max = 0.5, float64(n)+0.5
	p.X.Tick.Marker = integerTicks{}
	p.Y.Min, p.Y.Max = 0, math.Max(1.2, top)*1.08
	placeLegend(p, lines, true)
	return p
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// callOutcomeColors, in the order of callOutcomes.
var callOutcomeColors = []color.Color{tintDirect, tintPunched, tintRelayed, tintFailed}

var callOutcomeNames = []string{"direct", "hole punched", "relayed", "failed"}

// callPairsPlot draws a grid, caller class by callee class, each cell a
// bar split by how the calls between the two classes were set up: direct,
// hole punched, relayed, or failed; the number in the cell is the calls.
func callPairsPlot(r *Run) *plot.Plot {
	keep, when := afterWarmup(r)
	p := newBarePlot("Call set-up by caller and callee class"+when, "callee class", "caller class")
	type key struct{ a, b string }
	counts := map[key][]int{}
	var callers, callees []string
	total := make([]int, len(callOutcomes))
	for _, c := range r.Superpeer.Calls {
		if !keep(c.TimeS) {
			continue
		}
		k := key{c.CallerClass, c.CalleeClass}
		if counts[k] == nil {
			counts[k] = make([]int, len(callOutcomes))
			callers, callees = append(callers, c.CallerClass), append(callees, c.CalleeClass)
		}
		i := slices.Index(callOutcomes, c.Outcome)
		counts[k][i]++
		total[i]++
	}
	if len(counts) == 0 {
		return noData(p)
	}
	callers, callees = sortClasses(callers), sortClasses(callees)
	// Callers from the top down, callees left to right.
	cells := &stackedCells{half: 0.44}
	var labels plotter.XYLabels
	for i, a := range callers {
		y := float64(len(callers) - 1 - i)
		for j, b := range callees {
			cs := counts[key{a, b}]
			if cs == nil {
				continue
			}
			n := 0
			for _, k := range cs {
				n += k
			}
			fr := make([]float64, len(cs))
			for o, k := range cs {
				fr[o] = float64(k) / float64(n)
			}
			cells.cells = append(cells.cells, stackedCell{x: float64(j), y: y, fractions: fr})
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(j), Y: y})
			labels.Labels = append(labels.Labels, strconv.Itoa(n))
		}
	}
	cells.colors = callOutcomeColors
	p.Add(cells)
	if lb, err := plotter.NewLabels(labels); err == nil {
		for i := range lb.TextStyle {
			lb.TextStyle[i].Font = font.From(sansFont, 8)
			lb.TextStyle[i].XAlign, lb.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
		}
		p.Add(lb)
	}
	set := total[0] + total[1] + total[2]
	all := set + total[3]
	for i, name := range callOutcomeNames {
		share := float64(total[i]) / float64(max(set, 1)) // of the calls set up, as in summary.json
		if i == 3 {
			share = float64(total[i]) / float64(all)
		}
		p.Legend.Add(fmt.Sprintf("%s %.1f%%", name, 100*share), swatch{callOutcomeColors[i]})
	}
	p.X.Min, p.X.Max = -0.5, float64(len(callees))-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(len(callers))-0.5
	var xt, yt plot.ConstantTicks
	for j, b := range callees {
		xt = append(xt, plot.Tick{Value: float64(j), Label: classLabel(b)})
	}
	for i, a := range callers {
		yt = append(yt, plot.Tick{Value: float64(len(callers) - 1 - i), Label: classLabel(a)})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = xt, yt
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YTop
	p.X.Tick.Length, p.Y.Tick.Length = 0, 0
	p.Title.Text = fmt.Sprintf("Call set-up by caller and callee class%s\n%d calls (the number in each cell); shares of the %d set up",
		when, all, set)
	// The legend goes right of the grid, in a blank band of the x axis
	// as wide as the legend.
	full := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: plotWidth, Y: plotHeight}}}
	dc := p.DataCanvas(full)
	lr := p.Legend.Rectangle(dc)
	if dw := float64(dc.Max.X - dc.Min.X); dw > 0 {
		f := math.Min(0.5, (float64(lr.Max.X-lr.Min.X)+float64(vg.Points(12)))/dw)
		p.X.Max += (p.X.Max - p.X.Min) * f / (1 - f)
	}
	p.Legend.Top = true
	return p
}

// stackedCell is one cell of a stackedCells grid: a bar split into
// fractions (summing to 1) left to right.
type stackedCell struct {
	x, y      float64
	fractions []float64
}

// stackedCells draws cells centred on (x, y), 2×half wide and high in
// data units, each split by its fractions in colors.
type stackedCells struct {
	cells  []stackedCell
	colors []color.Color
	half   float64
}

// Plot implements plot.Plotter.
func (s *stackedCells) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, cell := range s.cells {
		y0, y1 := trY(cell.y-s.half), trY(cell.y+s.half)
		left := cell.x - s.half
		for i, f := range cell.fractions {
			if f <= 0 {
				continue
			}
			right := left + 2*s.half*f
			x0, x1 := trX(left), trX(right)
			c.FillPolygon(s.colors[i%len(s.colors)], []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
			left = right
		}
		x0, x1 := trX(cell.x-s.half), trX(cell.x+s.half)
		c.StrokeLines(draw.LineStyle{Color: color.White, Width: vg.Points(0.5)},
			[]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}})
	}
}

// swatch is a legend thumbnail: a filled square.
type swatch struct{ c color.Color }

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	c.FillPolygon(s.c, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
}

// roleTrafficPlot draws the traffic (bytes sent and received per
// host-second) of each role and, for peers, of each connectivity class, as
// horizontal bars on a log axis.
func roleTrafficPlot(r *Run) *plot.Plot {
	p := newPlot("Traffic per host by role and class", "bytes/s per host", "")
	type agg struct{ bytes, secs float64 }
	roles := map[string]*agg{}
	peerClass := map[string]*agg{}
	var classes []string
	for _, t := range r.Superpeer.RoleTraffic {
		if roles[t.Role] == nil {
			roles[t.Role] = &agg{}
		}
		roles[t.Role].bytes += float64(t.Bytes)
		roles[t.Role].secs += t.HostS
		if t.Role == RolePeer {
			if peerClass[t.Class] == nil {
				peerClass[t.Class] = &agg{}
				classes = append(classes, t.Class)
			}
			peerClass[t.Class].bytes += float64(t.Bytes)
			peerClass[t.Class].secs += t.HostS
		}
	}
	span := 0.0
	if w, ok := warmupSeconds(r); ok {
		if ds, ok := manifestConfig(r)["duration"].(string); ok {
			if d, err := time.ParseDuration(ds); err == nil && d.Seconds() > w {
				span = d.Seconds() - w
			}
		}
	}
	type bar struct {
		label string
		value float64
		color color.Color
	}
	var bars []bar
	add := func(label string, a *agg, c color.Color) {
		if a == nil || a.secs <= 0 {
			return
		}
		if span > 0 {
			label += " (" + fmtSig(a.secs/span) + ")"
		}
		bars = append(bars, bar{label, a.bytes / a.secs, c})
	}
	add("server", roles[RoleServer], colorPurple)
	add("superpeers", roles[RoleSuperpeer], colorOrange)
	add("peers", roles[RolePeer], colorBlue)
	if len(classes) > 1 {
		for _, c := range sortClasses(classes) {
			add(classLabel(c)+" peers", peerClass[c], tintDirect)
		}
	}
	if len(bars) == 0 {
		return noData(p)
	}
	lo, hi := math.Inf(1), 0.0
	for _, b := range bars {
		if b.value > 0 {
			lo, hi = math.Min(lo, b.value), math.Max(hi, b.value)
		}
	}
	if hi == 0 {
		return noData(p)
	}
	p.X.Scale = plot.LogScale{}
	p.X.Min = math.Pow(10, math.Floor(math.Log10(lo/1.5)))
	p.X.Max = hi * 6 // room for the value labels
	p.X.Tick.Marker = log125Ticks(p.X.Min, p.X.Max, 3.5)
	cells := &hBars{base: p.X.Min, half: 0.34}
	var labels plotter.XYLabels
	var yt plot.ConstantTicks
	for i, b := range bars {
		y := float64(len(bars) - 1 - i)
		v := math.Max(b.value, p.X.Min)
		cells.bars = append(cells.bars, hBar{y: y, value: v, color: b.color})
		labels.XYs = append(labels.XYs, plotter.XY{X: v, Y: y})
		labels.Labels = append(labels.Labels, fmtSig(b.value)+" B/s")
		yt = append(yt, plot.Tick{Value: y, Label: b.label})
	}
	p.Add(cells)
	if lb, err := plotter.NewLabels(labels); err == nil {
		for i := range lb.TextStyle {
			lb.TextStyle[i].Font = font.From(sansFont, 9)
			lb.TextStyle[i].YAlign = draw.YCenter
		}
		lb.Offset = vg.Point{X: vg.Points(4)}
		p.Add(lb)
	}
	p.Y.Min, p.Y.Max = -0.6, float64(len(bars))-0.4
	p.Y.Tick.Marker = yt
	p.Y.Label.Text = " " // a margin: gonum lays the tick labels out a little too tight
	p.Y.Tick.Length = 0
	title := "Traffic per host by role and connectivity class (after warm-up)"
	if span > 0 {
		title += "\nbytes sent and received; in brackets: hosts in the role, on average"
	} else {
		title += "\nbytes sent and received"
	}
	p.Title.Text = title
	return p
}

// hBar is one horizontal bar of an hBars plotter.
type hBar struct {
	y, value float64
	color    color.Color
}

// hBars draws horizontal bars from base to each value, 2×half high.
type hBars struct {
	bars []hBar
	base float64
	half float64
}

// Plot implements plot.Plotter.
func (h *hBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, b := range h.bars {
		x0, x1 := trX(h.base), trX(b.value)
		y0, y1 := trY(b.y-h.half), trY(b.y+h.half)
		c.FillPolygon(b.color, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
	}
}
