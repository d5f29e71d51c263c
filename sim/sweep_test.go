package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
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

// TestSweepBadInput: a bad sweep block fails before any run starts, naming
// the parameter and what was expected.
func TestSweepBadInput(t *testing.T) {
	dir := t.TempDir()
	base := "name: b\nnodes: 64\nduration: 10m\nwarmup: 5m\n"
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
