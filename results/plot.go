package results

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Size of every figure, and the resolution of the PNG versions.
const (
	plotWidth  = 6 * vg.Inch
	plotHeight = 4 * vg.Inch
	plotDPI    = 150
)

// figure is one plot drawn from a Run, saved as name.png and name.svg.
type figure struct {
	name string
	draw func(r *Run) *plot.Plot
	// when, if set, says whether the run has this figure at all.
	when func(r *Run) bool
}

var figures = []figure{
	{"hops", hopsPlot, nil},
	{"latency_cdf", latencyCDFPlot, nil},
	{"keys_per_node", keysPerNodePlot, nil},
	{"table_size", tableSizePlot, nil},
	{"bucket_fill", bucketFillPlot, func(r *Run) bool { return r.Buckets != nil }},
	{"success_over_time", successPlot, nil},
	{"maintenance_over_time", trafficPlot, nil},
	{"live_nodes", liveNodesPlot, nil},
	{"load_ccdf", loadPlot, nil},
	{"sessions_cdf", sessionsPlot, nil},
	// superpeer runs (superpeer_figures.go)
	{"login_cdf", loginCDFPlot, hasSuperpeer},
	{"reconnect_cdf", reconnectCDFPlot, hasSuperpeer},
	{"superpeers_over_time", superpeersOverTimePlot, hasSuperpeer},
	{"superpeer_load", superpeerLoadPlot, hasSuperpeer},
	{"call_setup_pairs", callPairsPlot, hasSuperpeer},
	{"role_traffic", roleTrafficPlot, hasSuperpeer},
}

// Plot draws the run's figures into dir, each as a PNG and an SVG file:
// hops, latency_cdf, keys_per_node, table_size, success_over_time,
// maintenance_over_time, live_nodes, load_ccdf, sessions_cdf, bucket_fill for runs
// with k-buckets, and for superpeer runs login_cdf, reconnect_cdf,
// superpeers_over_time, superpeer_load, call_setup_pairs and role_traffic.
// A figure without data is still written, titled "no data". Each file is
// replaced atomically.
func Plot(dir string, r *Run) error {
	if r == nil {
		r = &Run{}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return plotInto(dir, dir, r)
}

// PlotFromDir reads the run directory dir and redraws its plots in place.
func PlotFromDir(dir string) error {
	r, err := Read(dir)
	if err != nil {
		return err
	}
	return Plot(dir, r)
}

// plotInto draws every figure into dir; errors name the file under final.
func plotInto(dir, final string, r *Run) error {
	for _, f := range figures {
		if f.when != nil && !f.when(r) {
			continue
		}
		p, err := build(f, r)
		if err != nil {
			return fmt.Errorf("results: plot %s: %w", filepath.Join(final, f.name), err)
		}
		for _, ext := range []string{".png", ".svg"} {
			name := f.name + ext
			if err := savePlot(dir, name, p); err != nil {
				return fmt.Errorf("results: plot %s: %w", filepath.Join(final, name), err)
			}
		}
	}
	return nil
}

// build draws one figure, turning a panic inside gonum/plot into an error.
func build(f figure, r *Run) (p *plot.Plot, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("drawing: %v", v)
		}
	}()
	return f.draw(r), nil
}

// render draws p on a canvas of the format given by the extension of name.
func render(p *plot.Plot, name string) (wt io.WriterTo, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("rendering: %v", v)
		}
	}()
	switch filepath.Ext(name) {
	case ".png":
		c := vgimg.NewWith(vgimg.UseWH(plotWidth, plotHeight), vgimg.UseDPI(plotDPI))
		p.Draw(draw.New(c))
		return vgimg.PngCanvas{Canvas: c}, nil
	case ".svg":
		c := vgsvg.New(plotWidth, plotHeight)
		p.Draw(draw.New(c))
		return c, nil
	}
	return nil, fmt.Errorf("unsupported plot format %q", name)
}

// savePlot writes p to dir/name through a temporary file in dir renamed
// into place, so that name is never seen half-written.
func savePlot(dir, name string, p *plot.Plot) error {
	if err := writeHook(name); err != nil {
		return err
	}
	wt, err := render(p, name)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	w := bufio.NewWriter(f)
	_, err = wt.WriteTo(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
