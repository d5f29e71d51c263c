package results

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

// checkPlots asserts that every figure exists as a decodable PNG of the
// expected size and as a non-empty SVG, and that the SVG says "no data"
// exactly when wantNoData lists the figure.
func checkPlots(t *testing.T, dir string, r *Run, wantNoData map[string]bool) {
	t.Helper()
	wantW, wantH := int(plotWidth/vg.Inch*plotDPI), int(plotHeight/vg.Inch*plotDPI)
	if r == nil {
		r = &Run{}
	}
	for _, f := range figures {
		if f.when != nil && !f.when(r) {
			if _, err := os.Stat(filepath.Join(dir, f.name+".png")); err == nil {
				t.Errorf("%s.png drawn for a run without its data", f.name)
			}
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, f.name+".png"))
		if err != nil {
			t.Error(err)
			continue
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s.png: %v", f.name, err)
		} else if b := img.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
			t.Errorf("%s.png is %dx%d, want %dx%d", f.name, b.Dx(), b.Dy(), wantW, wantH)
		}
		svg, err := os.ReadFile(filepath.Join(dir, f.name+".svg"))
		if err != nil {
			t.Error(err)
			continue
		}
		if !bytes.Contains(svg, []byte("<svg")) || !bytes.HasSuffix(bytes.TrimSpace(svg), []byte("</svg>")) {
			t.Errorf("%s.svg is not a complete SVG document (%d bytes)", f.name, len(svg))
		}
		if got := bytes.Contains(svg, []byte("no data")); got != wantNoData[f.name] {
			t.Errorf("%s.svg: says \"no data\" = %v, want %v", f.name, got, wantNoData[f.name])
		}
	}
	// No temporary plot files may be left behind.
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("leftover file %s", e.Name())
		}
	}
}

func TestPlot(t *testing.T) {
	noSuccess := fakeRun(30, 10, 6)
	for i := range noSuccess.Lookups {
		noSuccess.Lookups[i].Outcome = Failed
	}
	allNaN := fakeRun(30, 10, 6)
	for i := range allNaN.Series {
		allNaN.Series[i].SuccessRate = math.NaN()
	}
	deadNodes := fakeRun(30, 10, 6)
	for i := range deadNodes.Nodes {
		deadNodes.Nodes[i].Alive = false
	}
	all := map[string]bool{"hops": true, "latency_cdf": true, "keys_per_node": true, "table_size": true, "success_over_time": true,
		"maintenance_over_time": true, "live_nodes": true, "sessions_cdf": true, "load_ccdf": true}
	for _, c := range []struct {
		name   string
		run    *Run
		noData map[string]bool
	}{
		{"full", fakeRun(500, 100, 30), nil},
		{"empty run", &Run{}, all},
		{"nil run", nil, all},
		{"no successful lookups", noSuccess, map[string]bool{"hops": true, "latency_cdf": true}},
		{"no success rate", allNaN, map[string]bool{"success_over_time": true}},
		{"no alive node", deadNodes, map[string]bool{"keys_per_node": true, "table_size": true, "bucket_fill": true, "load_ccdf": true}},
		{"single sample", &Run{Series: []SampleRow{{TimeS: 60, SuccessRate: 1, MaintenanceBytesPerNodePerS: 3}},
			Nodes: []NodeRow{{Alive: true, Keys: 7}}, Lookups: []LookupRow{{Outcome: Success, Hops: 3, LatencyMs: 12}}},
			map[string]bool{"sessions_cdf": true, "load_ccdf": true}},
		{"sessions without a model", &Run{Sessions: []SessionRow{{LengthS: 10, ModelCDF: math.NaN()}, {LengthS: 20, ModelCDF: math.NaN()}}},
			map[string]bool{"hops": true, "latency_cdf": true, "keys_per_node": true, "table_size": true, "success_over_time": true,
				"maintenance_over_time": true, "live_nodes": true, "load_ccdf": true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "plots")
			if err := Plot(dir, c.run); err != nil {
				t.Fatal(err)
			}
			checkPlots(t, dir, c.run, c.noData)
		})
	}
}

func TestPlotFromDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := Write(dir, fakeRun(200, 40, 12)); err != nil {
		t.Fatal(err)
	}
	orig := map[string][]byte{}
	for _, f := range figures {
		if f.when != nil && !f.when(fakeRun(200, 40, 12)) {
			continue
		}
		for _, ext := range []string{".png", ".svg"} {
			p := filepath.Join(dir, f.name+ext)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			orig[p] = data
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := PlotFromDir(dir); err != nil {
		t.Fatal(err)
	}
	checkPlots(t, dir, fakeRun(200, 40, 12), nil)
	for p, want := range orig {
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s redrawn from the tables differs from the original", filepath.Base(p))
		}
	}
}

func TestPlotFromDirBadInput(t *testing.T) {
	if err := PlotFromDir(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("PlotFromDir on a missing directory succeeded")
	}
}

// A hop axis starting just below zero must not label its first tick "-0".
func TestIntegerTicksNoNegativeZero(t *testing.T) {
	for _, tk := range (integerTicks{}).Ticks(-0.5, 8.5) {
		if tk.Label == "-0" {
			t.Fatalf("tick at %v labelled %q", tk.Value, tk.Label)
		}
	}
}
