package sweep

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol || (math.IsNaN(a) && math.IsNaN(b))
}

// TestSummarize checks against values worked out by hand, with Student's t
// quantiles from a printed table: t(0.975, 2) = 4.302653, t(0.975, 7) =
// 2.364624.
func TestSummarize(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		xs   []float64
		want Stats
	}{
		{"three", []float64{1, 2, 3}, Stats{N: 3, Mean: 2, Std: 1,
			CILow: 2 - 4.302653/math.Sqrt(3), CIHigh: 2 + 4.302653/math.Sqrt(3)}},
		{"eight", []float64{2, 4, 4, 4, 5, 5, 7, 9}, Stats{N: 8, Mean: 5, Std: math.Sqrt(32.0 / 7),
			CILow: 5 - 2.364624*math.Sqrt(32.0/7)/math.Sqrt(8), CIHigh: 5 + 2.364624*math.Sqrt(32.0/7)/math.Sqrt(8)}},
		{"constant", []float64{5, 5, 5}, Stats{N: 3, Mean: 5, Std: 0, CILow: 5, CIHigh: 5}},
		{"one", []float64{7}, Stats{N: 1, Mean: 7, Std: nan, CILow: nan, CIHigh: nan}},
		{"none", nil, Stats{N: 0, Mean: nan, Std: nan, CILow: nan, CIHigh: nan}},
		{"non-finite left out", []float64{nan, 1, math.Inf(1), 2, 3}, Stats{N: 3, Mean: 2, Std: 1,
			CILow: 2 - 4.302653/math.Sqrt(3), CIHigh: 2 + 4.302653/math.Sqrt(3)}},
	}
	for _, tt := range tests {
		got := Summarize(tt.xs)
		if got.N != tt.want.N || !near(got.Mean, tt.want.Mean, 1e-12) || !near(got.Std, tt.want.Std, 1e-12) ||
			!near(got.CILow, tt.want.CILow, 1e-5) || !near(got.CIHigh, tt.want.CIHigh, 1e-5) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// handSim writes summaries with chosen values: metric "m.v" is rep+1 for
// x=1 and 5 for x=2; "z" is always null.
func handSim(r RunSpec, dir string) error {
	v := float64(r.Repetition + 1)
	if r.Params[0].Value == int64(2) {
		v = 5
	}
	body := fmt.Sprintf(`{"m": {"v": %s, "w": 1}, "z": null}`, strconv.FormatFloat(v, 'g', -1, 64))
	return os.WriteFile(filepath.Join(dir, SummaryFile), []byte(body), 0o644)
}

func handSweep(t *testing.T, reps int) (string, *Plan) {
	t.Helper()
	plan := mustPlan(t, Spec{
		Parameters: []Parameter{
			{Key: "x", Values: []any{1, 2}},
			{Key: "tag", Values: []any{"a,b"}},
		},
		Repetitions: reps,
		Metrics:     []string{"m.v", "z"},
	}, 1, "")
	dir := t.TempDir()
	if _, err := Execute(context.Background(), plan, Options{Dir: dir, Jobs: 2, RunOne: handSim}); err != nil {
		t.Fatal(err)
	}
	return dir, plan
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestAggregateCSV(t *testing.T) {
	dir, plan := handSweep(t, 3)
	rows, err := Aggregate(dir, plan, AggregateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0].Metric != "m.v" || rows[1].Metric != "z" || rows[2].Config != 1 {
		t.Fatalf("rows %+v", rows)
	}
	recs := readCSV(t, filepath.Join(dir, AggregateFile))
	want := [][]string{
		{"x", "tag", "metric", "n", "mean", "std", "ci95_low", "ci95_high"},
		{"1", "a,b", "m.v", "3", "2", "1", "*", "*"},
		{"1", "a,b", "z", "0", "", "", "", ""},
		{"2", "a,b", "m.v", "3", "5", "0", "5", "5"},
		{"2", "a,b", "z", "0", "", "", "", ""},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d: %v", len(recs), len(want), recs)
	}
	for i := range want {
		for j := range want[i] {
			if want[i][j] != "*" && recs[i][j] != want[i][j] {
				t.Errorf("record %d field %d (%s) = %q, want %q", i, j, want[0][j], recs[i][j], want[i][j])
			}
		}
	}
	lo, _ := strconv.ParseFloat(recs[1][6], 64)
	hi, _ := strconv.ParseFloat(recs[1][7], 64)
	if !near(lo, 2-4.302653/math.Sqrt(3), 1e-5) || !near(hi, 2+4.302653/math.Sqrt(3), 1e-5) {
		t.Errorf("CI [%v, %v]", lo, hi)
	}
	// The CI bounds are written in the shortest exact form.
	if strconv.FormatFloat(rows[0].CILow, 'g', -1, 64) != recs[1][6] {
		t.Errorf("ci95_low %q is not the shortest form of %v", recs[1][6], rows[0].CILow)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestAggregateOneRepetition(t *testing.T) {
	dir, plan := handSweep(t, 1)
	if _, err := Aggregate(dir, plan, AggregateOptions{}); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, filepath.Join(dir, AggregateFile))
	if got := recs[1]; !reflect.DeepEqual(got, []string{"1", "a,b", "m.v", "1", "1", "", "", ""}) {
		t.Errorf("n=1 row %q: want empty std and CI", got)
	}
}

func TestAggregateErrors(t *testing.T) {
	dir, plan := handSweep(t, 2)
	bad := mustPlan(t, Spec{
		Parameters:  []Parameter{{Key: "x", Values: []any{1, 2}}, {Key: "tag", Values: []any{"a,b"}}},
		Repetitions: 2, Metrics: []string{"m.v", "m.nope"},
	}, 1, "")
	if _, err := Collect(dir, bad, AggregateOptions{}); err == nil ||
		!strings.Contains(err.Error(), filepath.Join(RunDir(dir, 0), SummaryFile)) || !strings.Contains(err.Error(), `no metric "m.nope"`) {
		t.Errorf("missing metric: %v", err)
	}
	if err := os.WriteFile(filepath.Join(RunDir(dir, 3), SummaryFile), []byte(`{"m": {"v": "x"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Collect(dir, plan, AggregateOptions{}); err == nil ||
		!strings.Contains(err.Error(), filepath.Join(RunDir(dir, 3), SummaryFile)) || !strings.Contains(err.Error(), "m.v") {
		t.Errorf("malformed summary: %v", err)
	}
	// A run computed from another configuration does not count.
	other := mustPlan(t, Spec{
		Parameters:  []Parameter{{Key: "x", Values: []any{1, 2}}, {Key: "tag", Values: []any{"a,b"}}},
		Repetitions: 2, Metrics: []string{"m.v"},
	}, 2, "")
	if _, err := Collect(dir, other, AggregateOptions{}); err == nil || !strings.Contains(err.Error(), "4 of 4 runs") {
		t.Errorf("stale runs: %v", err)
	}
}

func TestReadSummary(t *testing.T) {
	dir := t.TempDir()
	body := `{"hops": {"mean": 3.5, "p50": 3}, "latency_ms": {"p50": null}, "traffic": {"by_kind": {"ping": {"msgs": 1e3}}}}`
	if err := os.WriteFile(filepath.Join(dir, SummaryFile), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSummary(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got["hops.mean"] != 3.5 || got["hops.p50"] != 3 || !math.IsNaN(got["latency_ms.p50"]) || got["traffic.by_kind.ping.msgs"] != 1000 {
		t.Errorf("got %v", got)
	}
	for _, bad := range []string{`{"a": 1} {}`, `[1]`, `{"a": true}`} {
		os.WriteFile(filepath.Join(dir, SummaryFile), []byte(bad), 0o644)
		if _, err := ReadSummary(dir); err == nil || !strings.Contains(err.Error(), SummaryFile) {
			t.Errorf("%s: error %v", bad, err)
		}
	}
}
