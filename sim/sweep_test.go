package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tinySweep is a 12-run sweep (protocol x nodes x 2 repetitions) of small,
// short simulations.
const tinySweep = `name: tiny
nodes: 64
duration: 10m
warmup: 5m
workload:
  lookup_interval: 1m
output:
  plots: false
sweep:
  parameters:
    - key: protocol
      values: [chord, kademlia]
    - key: nodes
      log: {from: 32, to: 128, steps: 3}
  repetitions: 2
  metrics: [hops.mean, latency_ms.p50, traffic.bytes_per_node_per_s]
`

// hashTree maps every file under dir (relative path) to its SHA-256.
func hashTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sim(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := mainErr(args, &stdout, &stderr); err != nil {
		t.Fatalf("sim %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// TestSweepShardsMergeToTheUnshardedSweep runs the tiny sweep whole, and as
// three shards merged: every file must be byte-identical. It also checks
// -list, -index and that a second execution redoes nothing.
func TestSweepShardsMergeToTheUnshardedSweep(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "tiny.yaml")
	if err := os.WriteFile(scen, []byte(tinySweep), 0o644); err != nil {
		t.Fatal(err)
	}
	list := sim(t, "sweep", "-scenario", scen, "-list")
	if lines := strings.Split(strings.TrimSpace(list), "\n"); len(lines) != 13 ||
		!strings.Contains(lines[0], "protocol") || !strings.Contains(lines[12], "kademlia") || !strings.Contains(lines[12], "128") {
		t.Fatalf("-list:\n%s", list)
	}

	whole := filepath.Join(dir, "whole")
	sim(t, "sweep", "-quiet", "-scenario", scen, "-out", whole, "-j", "2")
	agg, err := os.ReadFile(filepath.Join(whole, "aggregate.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// 6 configurations x 3 metrics, plus the header
	if n := strings.Count(string(agg), "\n"); n != 19 {
		t.Errorf("aggregate.csv has %d lines, want 19:\n%s", n, agg)
	}
	if out := sim(t, "sweep", "-quiet", "-scenario", scen, "-out", whole); !strings.Contains(out, "0 ran, 12 already done") {
		t.Errorf("second execution: %s", out)
	}

	// shards 0 and 1 by -shard, as on a laptop or CI; shard 2 as a
	// Kubernetes Indexed Job pod sees it
	var shards []string
	for i := range 3 {
		d := filepath.Join(dir, "shard"+string(rune('0'+i)))
		shards = append(shards, d)
		if i < 2 {
			sim(t, "sweep", "-quiet", "-scenario", scen, "-out", d, "-shard", string(rune('0'+i))+"/3", "-j", "1")
			continue
		}
		t.Setenv("JOB_COMPLETION_INDEX", "2")
		sim(t, "sweep", "-quiet", "-scenario", scen, "-out", d, "-shards", "3")
		os.Unsetenv("JOB_COMPLETION_INDEX")
	}
	merged := filepath.Join(dir, "merged")
	sim(t, append([]string{"sweep", "merge", "-out", merged}, shards...)...)
	want, got := hashTree(t, whole), hashTree(t, merged)
	if len(want) != len(got) {
		t.Errorf("merged sweep has %d files, unsharded %d", len(got), len(want))
	}
	for f, h := range want {
		if got[f] != h {
			t.Errorf("%s differs between the merged and the unsharded sweep", f)
		}
	}

	one := filepath.Join(dir, "one")
	sim(t, "sweep", "-quiet", "-scenario", scen, "-out", one, "-index", "7")
	runs, err := os.ReadDir(filepath.Join(one, "runs"))
	if err != nil || len(runs) != 1 || runs[0].Name() != "7" {
		t.Fatalf("-index 7 wrote %v (%v)", runs, err)
	}
	if hashTree(t, filepath.Join(one, "runs", "7"))["summary.json"] != want[filepath.Join("runs", "7", "summary.json")] {
		t.Errorf("run 7 alone differs from run 7 of the whole sweep")
	}
}

// linked returns the parameters of a sweep block whose first parameter
// is underlay.nat.symmetric over 0, 0.5 and 1, followed by rest (its
// with: list, and more parameters).
func linked(rest string) string {
	return "  parameters:\n    - key: underlay.nat.symmetric\n      values: [0, 0.5, 1]\n" + rest
}

// TestSweepBadInput: a bad sweep block fails before any run starts, naming
// the parameter and what was expected.
func TestSweepBadInput(t *testing.T) {
	dir := t.TempDir()
	base := "name: b\nnodes: 64\nduration: 10m\nwarmup: 5m\nunderlay:\n  nat:\n    public: 1\n"
	tests := []struct {
		name, sweep string
		want        []string
	}{
		{"unknown key", "  parameters:\n    - key: chord.stabilise\n      values: [10s]\n", []string{"parameters[0]", `"chord.stabilise"`, `did you mean "chord.stabilize"`}},
		{"empty list", "  parameters:\n    - key: nodes\n      values: []\n", []string{"parameters[0] (nodes)", "empty"}},
		{"log range from zero", "  parameters:\n    - key: nodes\n      log: {from: 0, to: 100, steps: 3}\n", []string{"parameters[0] (nodes)", "positive"}},
		{"range without steps", "  parameters:\n    - key: nodes\n      linear: {from: 1, to: 100}\n", []string{"parameters[0] (nodes)", "steps"}},
		{"two forms", "  parameters:\n    - key: nodes\n      values: [1]\n      linear: {from: 1, to: 100, steps: 3}\n", []string{"parameters[0] (nodes)"}},
		{"unknown sweep key", "  parameterz: []\n", []string{"sweep", "parameterz"}},
		{"value of the wrong type", "  parameters:\n    - key: chord.stabilize\n      values: [10s, fast]\n", []string{"chord.stabilize=fast", "duration"}},
		{"value out of range", "  parameters:\n    - key: nodes\n      values: [64, -3]\n", []string{"nodes=-3", "between"}},
		{"no sweep block", "", []string{"no sweep: block"}},
		{"fractional repetitions", "  parameters:\n    - key: nodes\n      values: [64]\n  repetitions: 2.5\n", []string{"repetitions", "want an integer, got 2.5"}},
		{"linked lists of different lengths", linked("      with:\n        - key: underlay.nat.public\n          values: [1, 0.5]\n"),
			[]string{"sweep.parameters[0] (underlay.nat.symmetric): with[0] (underlay.nat.public): 2 values, want 3"}},
		{"unknown linked key", linked("      with:\n        - key: underlay.nat.publc\n          values: [1, 0.5, 0]\n"),
			[]string{"sweep.parameters[0] (underlay.nat.symmetric): with[0] (underlay.nat.publc)", `did you mean "underlay.nat.public"`}},
		{"linked key twice", linked("      with:\n        - key: underlay.nat.public\n          values: [1, 0.5, 0]\n        - key: underlay.nat.public\n          values: [1, 0.5, 0]\n"),
			[]string{"sweep.parameters[0] (underlay.nat.symmetric): with[1] (underlay.nat.public): key: already varied by sweep.parameters[0].with[0]"}},
		{"linked key swept on its own", linked("      with:\n        - key: underlay.nat.public\n          values: [1, 0.5, 0]\n    - key: underlay.nat.public\n      values: [1]\n"),
			[]string{"sweep.parameters[1] (underlay.nat.public): key: already varied by sweep.parameters[0].with[0] (linked to underlay.nat.symmetric)"}},
		{"with inside with", linked("      with:\n        - key: underlay.nat.public\n          values: [1, 0.5, 0]\n          with: []\n"),
			[]string{"sweep: parameters[0].with[0]: has invalid keys: with"}},
		{"linked shares do not add up", linked("      with:\n        - key: underlay.nat.public\n          values: [1, 0.4, 0]\n"),
			[]string{"underlay.nat.symmetric=0.5, underlay.nat.public=0.4", "must add up to 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := base
			if tc.sweep != "" {
				text += "sweep:\n" + tc.sweep
			}
			scen := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".yaml")
			if err := os.WriteFile(scen, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(tc.name, " ", "-"))
			var stdout, stderr bytes.Buffer
			err := mainErr([]string{"sweep", "-quiet", "-scenario", scen, "-out", out}, &stdout, &stderr)
			if err == nil {
				t.Fatalf("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a failed sweep left %s behind", out)
			}
		})
	}
}

// linkedSweep is a 12-run sweep of tiny simulations with a linked
// parameter: the NATed share as port_restricted with public = 1 - share,
// times two protocols, two repetitions.
const linkedSweep = `name: tinynat
nodes: 48
duration: 10m
warmup: 5m
workload:
  lookup_interval: 1m
underlay:
  nat:
    public: 1
output:
  plots: false
sweep:
  parameters:
    - key: underlay.nat.port_restricted
      values: [0, 0.25, 0.5]
      with:
        - key: underlay.nat.public
          linear: {from: 1, to: 0.5, steps: 3}
    - key: protocol
      values: [chord, kademlia]
  repetitions: 2
  metrics: [lookups.success_rate, traffic.bytes_per_node_per_s]
`

// TestLinkedSweep runs a sweep with a linked parameter whole, and as two
// shards merged (byte-identical), resumes it, and checks -list and the
// columns of aggregate.csv.
func TestLinkedSweep(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "tinynat.yaml")
	if err := os.WriteFile(scen, []byte(linkedSweep), 0o644); err != nil {
		t.Fatal(err)
	}
	list := strings.Split(strings.TrimSpace(sim(t, "sweep", "-scenario", scen, "-list")), "\n")
	if len(list) != 13 || strings.Join(strings.Fields(list[0]), " ") != "index rep seed underlay.nat.port_restricted underlay.nat.public protocol" {
		t.Fatalf("-list:\n%s", strings.Join(list, "\n"))
	}
	for i, l := range list[1:] {
		f := strings.Fields(l)
		want := map[string]string{"0": "1", "0.25": "0.75", "0.5": "0.5"}[f[3]]
		if f[0] != strconv.Itoa(i) || f[4] != want || f[5] != []string{"chord", "kademlia"}[i/2%2] {
			t.Errorf("-list line %d: %q", i, l)
		}
	}

	whole := filepath.Join(dir, "whole")
	sim(t, "sweep", "-quiet", "-scenario", scen, "-out", whole, "-j", "2")
	agg, err := os.ReadFile(filepath.Join(whole, "aggregate.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(agg)), "\n")
	if len(lines) != 1+6*2 || lines[0] != "underlay.nat.port_restricted,underlay.nat.public,protocol,metric,n,mean,std,ci95_low,ci95_high" ||
		!strings.HasPrefix(lines[9], "0.5,0.5,chord,lookups.success_rate,2,") {
		t.Errorf("aggregate.csv:\n%s", agg)
	}
	if _, err := os.Stat(filepath.Join(whole, "lookups.success_rate-vs-underlay.nat.port_restricted.png")); err != nil {
		t.Errorf("no figure against the parameter: %v", err)
	}
	if _, err := os.Stat(filepath.Join(whole, "lookups.success_rate-vs-underlay.nat.public.png")); err == nil {
		t.Errorf("a figure against the linked key")
	}
	var man struct {
		Config struct {
			Underlay struct {
				NAT map[string]any `json:"nat"`
			} `json:"underlay"`
		} `json:"config"`
	}
	if b, err := os.ReadFile(filepath.Join(whole, "runs", "9", "manifest.json")); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	if n := man.Config.Underlay.NAT; n != nil && (fmt.Sprint(n["public"]) != "0.5" || fmt.Sprint(n["port_restricted"]) != "0.5") {
		t.Errorf("run 9 ran with NAT shares %v, want public and port_restricted 0.5", n)
	}
	if out := sim(t, "sweep", "-quiet", "-scenario", scen, "-out", whole); !strings.Contains(out, "0 ran, 12 already done") {
		t.Errorf("second execution: %s", out)
	}
	var shards []string
	for i := range 2 {
		d := filepath.Join(dir, "shard"+strconv.Itoa(i))
		shards = append(shards, d)
		sim(t, "sweep", "-quiet", "-scenario", scen, "-out", d, "-shard", strconv.Itoa(i)+"/2", "-j", "1")
	}
	merged := filepath.Join(dir, "merged")
	sim(t, append([]string{"sweep", "merge", "-out", merged}, shards...)...)
	want, got := hashTree(t, whole), hashTree(t, merged)
	if len(want) != len(got) {
		t.Errorf("merged sweep has %d files, unsharded %d", len(got), len(want))
	}
	for f, h := range want {
		if got[f] != h {
			t.Errorf("%s differs between the merged and the unsharded sweep", f)
		}
	}
}

// TestShippedSweepsAreValid loads the sweep block of every shipped scenario
// that has one, as `sim sweep` does before it starts a run: its keys,
// linked keys included, are known and every configuration loads and
// validates (TestEmbeddedScenariosAreValid, through `sim validate`, sees
// the scenarios without their sweep blocks).
func TestShippedSweepsAreValid(t *testing.T) {
	entries, err := filepath.Glob("../scenarios/*.yaml")
	if err != nil || len(entries) == 0 {
		t.Fatalf("no scenarios found: %v", err)
	}
	sweeps := map[string]int{} // name -> runs
	for _, p := range entries {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		src := source{name: p, data: data}
		if _, raw, err := splitSweep(src); err != nil || raw == nil {
			continue
		}
		s, err := loadSweep(src, nil)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		sweeps[strings.TrimSuffix(filepath.Base(p), ".yaml")] = s.plan.Len()
	}
	for name, runs := range map[string]int{"pvc": 18, "sweep-size": 54, "gnutella-sweep": 63, "superpeer-nat-sweep": 30} {
		if sweeps[name] != runs {
			t.Errorf("%s: %d runs, want %d", name, sweeps[name], runs)
		}
	}
	// The NAT sweep: public = 1 - symmetric in every configuration.
	data, err := os.ReadFile("../scenarios/superpeer-nat-sweep.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := loadSweep(source{name: "superpeer-nat-sweep.yaml", data: data}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < s.plan.Configs(); c++ {
		r := s.plan.Run(s.plan.Index(c, 0))
		spec, err := s.runSpec(r)
		if err != nil {
			t.Fatal(err)
		}
		n := spec.Underlay.NAT
		if d := n.Public + n.Symmetric - 1; d > 1e-9 || d < -1e-9 || n.FullCone+n.RestrictedCone+n.PortRestricted+n.UDPBlocked != 0 {
			t.Errorf("%s: NAT shares %+v", r.Label(), n)
		}
	}
}
