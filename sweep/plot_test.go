package sweep

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// plotSweep runs a synthetic sweep: two protocols, nodes on a log range,
// three stabilize periods, four repetitions.
func plotSweep(t *testing.T) (string, *Plan, []Row) {
	t.Helper()
	plan := mustPlan(t, Spec{
		Parameters: []Parameter{
			{Key: "protocol", Values: []any{"chord", "kademlia"}},
			{Key: "nodes", Log: &Range{From: 64, To: 16384, Steps: 9}},
			{Key: "chord.stabilize", Values: []any{"10s", "30s", "90s"}},
		},
		Repetitions: 4,
	}, 1, "plots")
	dir := t.TempDir()
	if keep := os.Getenv("SWEEP_PLOT_DIR"); keep != "" { // to look at the figures
		dir = keep
	}
	if _, err := Execute(context.Background(), plan, Options{Dir: dir, Jobs: 2, RunOne: writeFakeRun}); err != nil {
		t.Fatal(err)
	}
	rows, err := Aggregate(dir, plan, AggregateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return dir, plan, rows
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != 900 || b.Dy() != 600 {
		t.Errorf("%s: %dx%d, want 900x600", path, b.Dx(), b.Dy())
	}
}

func TestPlotAll(t *testing.T) {
	dir, plan, rows := plotSweep(t)
	written, err := PlotAll(dir, plan, rows)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range written {
		names = append(names, filepath.Base(p))
		checkPNG(t, p)
	}
	sort.Strings(names)
	// chord.stabilize on x would need 2 x 9 = 18 lines: skipped.
	want := []string{
		"hops.mean-vs-nodes.png", "latency_ms.p50-vs-nodes.png", "lookups.success_rate-vs-nodes.png",
		"tradeoff-hops.mean.png", "tradeoff-latency_ms.p50.png", "tradeoff-lookups.success_rate.png",
		"traffic.bytes_per_node_per_s-vs-nodes.png",
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("wrote %v, want %v", names, want)
	}
	// A grouped, filtered figure and a log-log trade-off with labels.
	mp := MetricPlot{Metric: "hops.mean", X: "nodes", Group: "protocol", Where: map[string]string{"chord.stabilize": "30s"}}
	p := filepath.Join(dir, "grouped.png")
	if err := PlotMetric(p, plan, rows, mp); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)
	p = filepath.Join(dir, "stabilize.png")
	if err := PlotMetric(p, plan, rows, MetricPlot{Metric: "latency_ms.p50", X: "chord.stabilize", Group: "protocol", Where: map[string]string{"nodes": "1024"}}); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)
	p = filepath.Join(dir, "tradeoff-1024.png")
	tp := TradeoffPlot{Y: "latency_ms.p50", Group: "protocol", Where: map[string]string{"nodes": "1024"}, Labels: true}
	if err := PlotTradeoff(p, plan, rows, tp); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)
}

func TestPlotErrors(t *testing.T) {
	dir, plan, rows := plotSweep(t)
	tests := []struct {
		name string
		mp   *MetricPlot
		tp   *TradeoffPlot
		want string
	}{
		{"metric not aggregated", &MetricPlot{Metric: "hops.p99", X: "nodes"}, nil, `metric "hops.p99" was not aggregated`},
		{"x not a parameter", &MetricPlot{Metric: "hops.mean", X: "bits"}, nil, `x: "bits" is not a swept parameter`},
		{"x not numeric", &MetricPlot{Metric: "hops.mean", X: "protocol"}, nil, "not numbers or durations"},
		{"group varies with another", &MetricPlot{Metric: "hops.mean", X: "nodes", Group: "protocol"}, nil, "parameter chord.stabilize varies too"},
		{"where unknown key", &MetricPlot{Metric: "hops.mean", X: "nodes", Where: map[string]string{"bits": "8"}}, nil, `where: "bits" is not a swept parameter`},
		{"where unknown value", &MetricPlot{Metric: "hops.mean", X: "nodes", Where: map[string]string{"protocol": "pastry"}}, nil, `never takes the value "pastry"`},
		{"too many lines", &MetricPlot{Metric: "hops.mean", X: "chord.stabilize"}, nil, "18 lines is too many"},
		{"tradeoff without y", nil, &TradeoffPlot{}, "y: no metric"},
		{"tradeoff bad group", nil, &TradeoffPlot{Y: "hops.mean", Group: "bits"}, `group: "bits"`},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, "bad.png")
		var err error
		if tt.mp != nil {
			err = PlotMetric(path, plan, rows, *tt.mp)
		} else {
			err = PlotTradeoff(path, plan, rows, *tt.tp)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s: a failed plot left a file", tt.name)
		}
	}
}

// TestPlotDegenerate draws figures from a sweep with one repetition, a
// metric that is always null and a parameter with a single value, and
// from a sweep without parameters.
func TestPlotDegenerate(t *testing.T) {
	dir, plan := handSweep(t, 1)
	rows, err := Aggregate(dir, plan, AggregateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	written, err := PlotAll(dir, plan, rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 2 { // m.v and z against x; no traffic metric, no trade-off
		t.Fatalf("wrote %v", written)
	}
	for _, p := range written {
		checkPNG(t, p)
	}

	bare := mustPlan(t, Spec{Repetitions: 2}, 1, "")
	bdir := t.TempDir()
	if _, err := Execute(context.Background(), bare, Options{Dir: bdir, Jobs: 1, RunOne: writeFakeRun}); err != nil {
		t.Fatal(err)
	}
	brows, err := Aggregate(bdir, bare, AggregateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	written, err = PlotAll(bdir, bare, brows)
	if err != nil || len(written) != 3 { // the three trade-offs, one point each
		t.Fatalf("wrote %v, %v", written, err)
	}
	for _, p := range written {
		checkPNG(t, p)
	}
}
