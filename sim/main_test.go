package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"peerlab/churn"
	"peerlab/results"
)

// TestBadInput checks that every kind of bad scenario input fails with a
// message naming the key (or file) and what was expected.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		args []string
		want []string // substrings of the error
	}{
		{"misspelled key", []string{"-scenario", write("a.yaml", "chord:\n  stabilise: 10s\n")}, []string{"a.yaml", `unknown key "chord.stabilise"`, `did you mean "chord.stabilize"`}},
		{"unknown top-level key", []string{"-scenario", write("b.yaml", "nodez: 10\n")}, []string{`unknown key "nodez"`, `"nodes"`}},
		{"wrong type", []string{"-scenario", write("c.yaml", "nodes: lots\n")}, []string{"c.yaml", "nodes"}},
		{"bare number duration", []string{"-scenario", write("d.yaml", "duration: 3600\n")}, []string{"duration", "unit"}},
		{"bad duration", []string{"-scenario", write("e.yaml", "warmup: 5 minutes\n")}, []string{"warmup", `"5 minutes"`}},
		{"out of range", []string{"-scenario", write("f.yaml", "chord:\n  successors: 0\n")}, []string{"f.yaml", "chord.successors", "between 1 and 64"}},
		{"warmup past duration", []string{"-set", "warmup=2h"}, []string{"warmup", "duration"}},
		{"bad lookup style", []string{"-set", "chord.lookup=sideways"}, []string{"chord.lookup", "sideways"}},
		{"set unknown key", []string{"-set", "workload.lookup_intervl=30s"}, []string{"-set", `"workload.lookup_intervl"`, `"workload.lookup_interval"`}},
		{"set without value", []string{"-set", "nodes"}, []string{"key=value"}},
		{"bad seed", []string{"-seed", "-3"}, []string{"-seed", "non-negative integer"}},
		{"missing scenario", []string{"-scenario", "no-such-scenario"}, []string{`"no-such-scenario"`, "embedded"}},
		{"invalid yaml", []string{"-scenario", write("g.yaml", "nodes: [1,\n")}, []string{"g.yaml", "YAML"}},
		{"bits too small", []string{"-set", "chord.bits=8", "-set", "nodes=1000"}, []string{"chord.bits", "too few"}},
		{"unknown underlay", []string{"-set", "underlay.model=euclidian"}, []string{"underlay.model", "euclidian"}},
		// A number that an integer key cannot hold exactly is an error, not
		// truncated or wrapped around.
		{"set fractional nodes", []string{"-set", "nodes=2.5"}, []string{"nodes: want an integer, got 2.5"}},
		{"set fractional nested int", []string{"-set", "chord.successors=8.9"}, []string{"chord.successors: want an integer, got 8.9"}},
		{"set fractional seed", []string{"-set", "seed=1.5"}, []string{"seed: want an integer, got 1.5"}},
		{"set huge nodes", []string{"-set", "nodes=1e20"}, []string{"nodes: want an integer between", "got 1e+20"}},
		{"set negative seed", []string{"-set", "seed=-1"}, []string{"seed: want an integer between 0 and 18446744073709551615, got -1"}},
		{"set infinite nodes", []string{"-set", "nodes=.inf"}, []string{"nodes: want an integer, got +Inf"}},
		{"file fractional nodes", []string{"-scenario", write("h.yaml", "nodes: 2.5\n")}, []string{"h.yaml", "nodes: want an integer, got 2.5"}},
		{"file fractional nested int", []string{"-scenario", write("i.yaml", "kademlia:\n  k: 19.5\n")}, []string{"i.yaml", "kademlia.k: want an integer, got 19.5"}},
		{"file huge seed", []string{"-scenario", write("j.yaml", "seed: 1e30\n")}, []string{"j.yaml", "seed: want an integer between 0 and", "got 1e+30"}},
		// A weibull or pareto distribution takes mean or scale, not both,
		// even though the default session has a mean.
		{"file mean and scale", []string{"-scenario", write("k.yaml", "churn:\n  model: sessions\n  session: {kind: weibull, shape: 0.5, mean: 1h, scale: 30m}\n")}, []string{"k.yaml", "churn.session.scale: set mean or scale, not both"}},
		{"set mean onto file scale", []string{"-scenario", write("l.yaml", "churn:\n  model: sessions\n  downtime: {kind: pareto, shape: 2, scale: 30m}\n"), "-set", "churn.downtime.mean=1h"}, []string{"l.yaml", "churn.downtime.scale: set mean or scale, not both"}},
		// A key written without a value would silently keep the default.
		{"file empty value", []string{"-scenario", write("m.yaml", "seed: 3\nnodes:\n")}, []string{"m.yaml", "nodes: no value given"}},
		{"file empty nested value", []string{"-scenario", write("n.yaml", "chord:\n  stabilize:\n")}, []string{"n.yaml", "chord.stabilize: no value given"}},
		{"scale of an exponential", []string{"-set", "churn.model=sessions", "-set", "churn.session.scale=30m"}, []string{"churn.session.scale: not used by exponential"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(tc.name, " ", "-"))
			var stdout, stderr bytes.Buffer
			err := mainErr(append([]string{"validate"}, tc.args...), &stdout, &stderr)
			if err == nil {
				t.Fatalf("validate %v: no error", tc.args)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			// run must fail the same way and leave nothing behind.
			if err := mainErr(append([]string{"run", "-quiet", "-out", out}, tc.args...), &stdout, &stderr); err == nil {
				t.Fatalf("run %v: no error", tc.args)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("run %v left %s behind", tc.args, out)
			}
		})
	}
}

// TestExitStatus checks which mistakes count as command-line mistakes
// (exit status 2, errUsage) and which as scenario errors (exit status 1).
func TestExitStatus(t *testing.T) {
	tests := []struct {
		args  []string
		usage bool
	}{
		{[]string{"-set", "nodes"}, true},
		{[]string{"-set", "=3"}, true},
		{[]string{"-seed", "x"}, true},
		{[]string{"-bogus"}, true},
		{[]string{"extra"}, true},
		{[]string{"-set", "nodes=0"}, false},
		{[]string{"-set", "nodez=10"}, false},
	}
	for _, tc := range tests {
		err := mainErr(append([]string{"validate"}, tc.args...), io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%v: no error", tc.args)
			continue
		}
		if got := errors.Is(err, errUsage); got != tc.usage {
			t.Errorf("%v: command-line mistake %v, want %v (%v)", tc.args, got, tc.usage, err)
		}
	}
}

// TestSetOverrides checks that -set and -seed reach the resolved scenario.
func TestSetOverrides(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := mainErr([]string{"validate", "-scenario", "chord", "-seed", "7", "-set", "nodes=4096", "-set", "workload.lookup_interval=30s", "-set", "chord.lookup=iterative"}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"nodes: 4096", "seed: 7", "lookup_interval: 30s", "lookup: iterative", "name: chord"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("resolved scenario lacks %q:\n%s", want, stdout.String())
		}
	}
}

// TestIntegralFloats checks that a float with no fractional part is accepted
// for an integer key, from -set and from a file.
func TestIntegralFloats(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.yaml")
	if err := os.WriteFile(file, []byte("nodes: 4096.0\nchord:\n  successors: 1.6e1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string // lines of the resolved scenario
	}{
		{"set decimal point", []string{"-set", "nodes=4096.0"}, []string{"nodes: 4096"}},
		{"set exponent", []string{"-set", "nodes=1e3", "-set", "seed=1e19"}, []string{"nodes: 1000", "seed: 10000000000000000000"}},
		{"file", []string{"-scenario", file}, []string{"nodes: 4096", "successors: 16"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := mainErr(append([]string{"validate"}, tc.args...), &stdout, &stderr); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout.String(), "\n"+w+"\n") && !strings.Contains(stdout.String(), " "+w+"\n") {
					t.Errorf("resolved scenario lacks %q:\n%s", w, stdout.String())
				}
			}
		})
	}
}

// TestScaleOnlyDistribution checks that a weibull or pareto distribution
// given by its scale alone is usable from a scenario file and from -set: the
// default mean it is decoded onto is dropped.
func TestScaleOnlyDistribution(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "w.yaml")
	text := "nodes: 50\nduration: 2h\nchurn:\n  model: sessions\n  session: {kind: weibull, shape: 0.5, scale: 30m}\n"
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	src := source{name: file, data: []byte(text)}
	tests := []struct {
		name              string
		sets              []string
		session, downtime churn.Dist
	}{
		{"file session scale", nil,
			churn.Dist{Kind: "weibull", Shape: 0.5, Scale: 30 * time.Minute},
			churn.Dist{Kind: "exponential", Mean: time.Hour}},
		{"set downtime scale", []string{"churn.downtime.kind=pareto", "churn.downtime.shape=2.5", "churn.downtime.scale=10m"},
			churn.Dist{Kind: "weibull", Shape: 0.5, Scale: 30 * time.Minute},
			churn.Dist{Kind: "pareto", Shape: 2.5, Scale: 10 * time.Minute}},
		{"set mean instead", []string{"churn.downtime.kind=weibull", "churn.downtime.shape=2"},
			churn.Dist{Kind: "weibull", Shape: 0.5, Scale: 30 * time.Minute},
			churn.Dist{Kind: "weibull", Shape: 2, Mean: time.Hour}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := loadSpec(src, tc.sets)
			if err != nil {
				t.Fatal(err)
			}
			if spec.Churn.Session != tc.session || spec.Churn.Downtime != tc.downtime {
				t.Errorf("session %+v, downtime %+v; want %+v, %+v", spec.Churn.Session, spec.Churn.Downtime, tc.session, tc.downtime)
			}
		})
	}
	// The scenario runs through the command: its schedule has departures.
	var stdout, stderr bytes.Buffer
	if err := mainErr([]string{"churn", "-scenario", file}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), ",leave\n") && !strings.Contains(stdout.String(), ",crash\n") {
		t.Errorf("schedule of a scale-only weibull session has no departures:\n%.500s", stdout.String())
	}
}

// TestEmbeddedScenariosAreValid validates every shipped scenario.
func TestEmbeddedScenariosAreValid(t *testing.T) {
	entries, err := filepath.Glob("../scenarios/*.yaml")
	if err != nil || len(entries) == 0 {
		t.Fatalf("no scenarios found: %v", err)
	}
	for _, p := range entries {
		var stdout, stderr bytes.Buffer
		if err := mainErr([]string{"validate", "-scenario", p}, &stdout, &stderr); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestDefaultScenarioDeterministic runs the embedded default scenario three
// times — twice with GOMAXPROCS=1 and once with 2 — and requires every file
// but perf.json to be byte-identical.
func TestDefaultScenarioDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the default scenario three times")
	}
	base := t.TempDir()
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	var hashes []map[string]string
	for i, procs := range []int{1, 1, 2} {
		runtime.GOMAXPROCS(procs)
		dir := filepath.Join(base, string(rune('a'+i)))
		var stdout, stderr bytes.Buffer
		if err := mainErr([]string{"-quiet", "-out", dir}, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hashDir(t, dir))
	}
	want := []string{"hops.png", "hops.svg", "keys_per_node.png", "latency_cdf.png", "lookups.csv", "maintenance_over_time.png",
		"manifest.json", "nodes.csv", "perf.json", "success_over_time.png", "summary.json", "timeseries.csv", "traffic.csv"}
	for _, f := range want {
		if _, ok := hashes[0][f]; !ok {
			t.Errorf("run directory lacks %s", f)
		}
	}
	for f, h := range hashes[0] {
		if f == "perf.json" {
			continue
		}
		for i := 1; i < len(hashes); i++ {
			if hashes[i][f] != h {
				t.Errorf("%s differs between run 1 and run %d", f, i+1)
			}
		}
	}
	if !slices.Equal(sortedKeys(hashes[0]), sortedKeys(hashes[2])) {
		t.Errorf("runs wrote different file sets")
	}
}

func hashDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		out[e.Name()] = hex.EncodeToString(sum[:])
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	slices.Sort(k)
	return k
}

// TestPlotCommand redraws the plots of a finished run.
func TestPlotCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	var stdout, stderr bytes.Buffer
	args := []string{"-quiet", "-out", dir, "-set", "nodes=50", "-set", "duration=10m", "-set", "warmup=5m", "-set", "churn.arrival_window=2m", "-set", "output.plots=false"}
	if err := mainErr(args, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "hops.png")); !os.IsNotExist(err) {
		t.Fatalf("output.plots=false still drew hops.png")
	}
	if err := mainErr([]string{"plot", dir}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"hops.png", "latency_cdf.svg", "keys_per_node.png", "success_over_time.png", "maintenance_over_time.svg"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("sim plot did not draw %s: %v", f, err)
		}
	}
	if err := mainErr([]string{"plot", filepath.Join(dir, "missing")}, &stdout, &stderr); err == nil {
		t.Errorf("sim plot of a missing directory succeeded")
	}
}

// TestMatrixUnderlayScenario runs a small scenario over the PlanetLab RTT
// matrix, named relative to the scenario file's folder.
func TestMatrixUnderlayScenario(t *testing.T) {
	abs, err := filepath.Abs("../../shared/data/planetlab-490/PlanetLabData_1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Skipf("PlanetLab matrix not available (%v): ../shared is absent", err)
	}
	dir := t.TempDir()
	rel, err := filepath.Rel(dir, abs)
	if err != nil {
		t.Fatal(err)
	}
	scen := filepath.Join(dir, "pl.yaml")
	text := "name: pl\nnodes: 100\nduration: 20m\nwarmup: 10m\nchurn:\n  arrival_window: 3m\nunderlay:\n  model: matrix\n  matrix_file: " + rel + "\n"
	if err := os.WriteFile(scen, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if err := mainErr([]string{"-quiet", "-scenario", scen, "-out", out, "-set", "output.plots=false"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"success_rate": 1`) {
		t.Errorf("lookups over the PlanetLab matrix did not all succeed:\n%s", b)
	}
	// The manifest records the matrix, its cleaning and the node-to-host map.
	mb, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var man struct {
		Underlay struct {
			Model       string `json:"model"`
			MatrixHosts int    `json:"matrix_hosts"`
			Replaced    *int   `json:"replaced_entries"`
			NodeHosts   []int  `json:"node_hosts"`
		} `json:"underlay"`
	}
	if err := json.Unmarshal(mb, &man); err != nil {
		t.Fatal(err)
	}
	u := man.Underlay
	if u.Model != "matrix" || u.MatrixHosts != 490 || u.Replaced == nil || len(u.NodeHosts) != 100 {
		t.Errorf("manifest underlay = %+v, want the matrix model, 490 hosts, a replaced count and 100 node hosts", u)
	}
	seen := map[int]bool{}
	for _, h := range u.NodeHosts {
		if h < 0 || h >= 490 || seen[h] {
			t.Errorf("node host %d out of range or used twice while hosts last", h)
		}
		seen[h] = true
	}
	// A missing matrix file is an error naming the file.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("underlay:\n  model: matrix\n  matrix_file: nothere.txt\n"), 0o644)
	err = mainErr([]string{"-quiet", "-scenario", bad, "-out", filepath.Join(dir, "o2")}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "nothere.txt") {
		t.Errorf("missing matrix file: %v, want an error naming it", err)
	}
}

// TestChurnScenario runs scenarios/churn.yaml (Li et al.'s workload: 1,024
// nodes, exponential 1 h sessions and downtimes, 16 successors) and requires
// Chord to keep more than 95% of lookups successful; then it writes the
// schedule with `sim churn`, replays it as a trace, and requires the replay
// to reproduce the run's lookups byte for byte.
func TestChurnScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 6 virtual hours twice")
	}
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	gen := filepath.Join(dir, "gen")
	if err := mainErr([]string{"-quiet", "-scenario", "../scenarios/churn.yaml", "-out", gen, "-set", "output.plots=false"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	sum := readSummary(t, gen)
	if sr := sum["lookups.success_rate"]; !(sr > 0.95) {
		t.Errorf("success rate under churn %.4f, want > 0.95", sr)
	}
	if sum["lookups.count"] < 5000 {
		t.Errorf("only %v lookups after warm-up", sum["lookups.count"])
	}
	if live := sum["nodes.live_at_end"]; live < 400 || live > 624 {
		t.Errorf("%v nodes live at the end, want about half of 1024", live)
	}

	sched := filepath.Join(dir, "schedule.csv")
	for i := 0; i < 2; i++ {
		if err := mainErr([]string{"churn", "-scenario", "../scenarios/churn.yaml", "-out", sched + string(rune('a'+i))}, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := os.ReadFile(sched + "a")
	b, _ := os.ReadFile(sched + "b")
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("sim churn wrote %d and %d bytes, or different schedules for one seed", len(a), len(b))
	}
	for _, kind := range []string{",join\n", ",leave\n", ",crash\n"} {
		if !bytes.Contains(a, []byte(kind)) {
			t.Errorf("schedule has no %q events", strings.TrimSpace(kind))
		}
	}

	replay := filepath.Join(dir, "replay")
	args := []string{"-quiet", "-scenario", "../scenarios/churn.yaml", "-out", replay, "-set", "output.plots=false",
		"-set", "churn.model=trace", "-set", "churn.trace.format=csv", "-set", "churn.trace.file=" + sched + "a"}
	if err := mainErr(args, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"lookups.csv", "nodes.csv", "timeseries.csv"} {
		x, _ := os.ReadFile(filepath.Join(gen, f))
		y, _ := os.ReadFile(filepath.Join(replay, f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s of the replayed schedule differs from the generated run", f)
		}
	}
}

// TestBadTrace checks that a malformed trace stops the run with file and line.
func TestBadTrace(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "t.csv")
	os.WriteFile(trace, []byte("time_s,node,event\n0,0,join\n5,1,jion\n"), 0o644)
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	err := mainErr([]string{"-quiet", "-out", out, "-set", "churn.model=trace", "-set", "churn.trace.file=" + trace}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "t.csv:3") || !strings.Contains(err.Error(), "jion") {
		t.Fatalf("malformed trace: %v, want an error naming t.csv:3 and the bad value", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s behind", out)
	}
}

func readSummary(t *testing.T, dir string) map[string]float64 {
	t.Helper()
	r, err := results.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]float64{}
	for _, x := range r.Summary {
		m[x.Key] = x.Value
	}
	return m
}
