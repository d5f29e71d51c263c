package results

import (
	"encoding/json"
	"image/color"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// warmupSeconds reads the warm-up from the manifest's resolved configuration
// (config.warmup, a Go duration string). It reports false when the manifest
// has none, so plots of runs without it simply carry no marker.
func warmupSeconds(r *Run) (float64, bool) {
	if r == nil || r.Manifest == nil {
		return 0, false
	}
	raw, ok := r.Manifest.(json.RawMessage)
	if !ok {
		b, err := json.Marshal(r.Manifest)
		if err != nil {
			return 0, false
		}
		raw = b
	}
	var m struct {
		Config struct {
			Warmup string `json:"warmup"`
		} `json:"config"`
	}
	if json.Unmarshal(raw, &m) != nil || m.Config.Warmup == "" {
		return 0, false
	}
	d, err := time.ParseDuration(m.Config.Warmup)
	if err != nil || d <= 0 {
		return 0, false
	}
	return d.Seconds(), true
}

// markWarmup draws a dashed vertical line at x from yMin to yMax, with a
// legend entry: measurements left of it are not in summary.json.
func markWarmup(p *plot.Plot, x, yMin, yMax float64) {
	l, err := plotter.NewLine(plotter.XYs{{X: x, Y: yMin}, {X: x, Y: yMax}})
	if err != nil {
		return
	}
	l.LineStyle.Color = color.Gray{Y: 110}
	l.LineStyle.Width = vg.Points(1)
	l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(l)
	p.Legend.Add("end of warm-up", l)
}
