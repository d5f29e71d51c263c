package sweep

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// fakeSim is a deterministic stand-in for a simulation: it writes a
// summary.json whose figures depend only on the run's parameters and seed,
// plus a second file in a sub-folder, and counts its calls.
type fakeSim struct {
	mu    sync.Mutex
	calls map[int]int
	fail  map[int]bool // indices that fail
}

func newFakeSim() *fakeSim { return &fakeSim{calls: map[int]int{}, fail: map[int]bool{}} }

func (f *fakeSim) runOne(r RunSpec, dir string) error {
	f.mu.Lock()
	f.calls[r.Index]++
	fail := f.fail[r.Index]
	f.mu.Unlock()
	if fail {
		os.WriteFile(filepath.Join(dir, "partial.txt"), []byte("half"), 0o644)
		return fmt.Errorf("simulated failure")
	}
	return writeFakeRun(r, dir)
}

func (f *fakeSim) called() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int
	for i := range f.calls {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// param returns the numeric value of key in r, or def.
func param(r RunSpec, key string, def float64) float64 {
	for _, a := range r.Params {
		if a.Key == key {
			if v, ok := numeric(a.Value); ok {
				return v
			}
		}
	}
	return def
}

func paramText(r RunSpec, key string) string {
	for _, a := range r.Params {
		if a.Key == key {
			return a.Text()
		}
	}
	return ""
}

// writeFakeRun writes plausible-looking figures for a Chord/Kademlia-like
// sweep over nodes and chord.stabilize, with seeded noise.
func writeFakeRun(r RunSpec, dir string) error {
	rng := rand.New(rand.NewPCG(r.Seed, 7))
	nodes := param(r, "nodes", 1000)
	stab := param(r, "chord.stabilize", 20)
	kad := paramText(r, "protocol") == "kademlia"
	hops := 0.5*math.Log2(nodes) + 0.3*rng.NormFloat64()
	if kad {
		hops = 0.35*math.Log2(nodes) + 0.6 + 0.2*rng.NormFloat64()
	}
	lat := hops*90*(1+stab/200) + 8*rng.NormFloat64()
	traffic := 600/stab + 4*math.Log2(nodes) + rng.Float64()
	if kad {
		traffic = 300/stab + 6*math.Log2(nodes) + rng.Float64()
	}
	sum := map[string]any{
		"hops":       map[string]any{"mean": hops},
		"latency_ms": map[string]any{"p50": lat, "p99": nil},
		"lookups":    map[string]any{"success_rate": 1 - stab/1000*rng.Float64()},
		"traffic":    map[string]any{"bytes_per_node_per_s": traffic},
	}
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, SummaryFile), b, 0o644); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dir, "extra"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "extra", "seed.txt"), []byte(fmt.Sprintln(r.Seed, r.Label())), 0o644)
}

// tree returns every file under dir (relative path -> content) and every
// folder (relative path -> "<dir>").
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out[rel] = "<dir>"
			return nil
		}
		b, err := os.ReadFile(p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameTree fails the test when two directory trees differ.
func sameTree(t *testing.T, a, b string) {
	t.Helper()
	ta, tb := tree(t, a), tree(t, b)
	var diffs []string
	for k, v := range ta {
		if w, ok := tb[k]; !ok {
			diffs = append(diffs, "only in "+a+": "+k)
		} else if v != w {
			diffs = append(diffs, "differs: "+k)
		}
	}
	for k := range tb {
		if _, ok := ta[k]; !ok {
			diffs = append(diffs, "only in "+b+": "+k)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Fatalf("trees differ:\n%s", strings.Join(diffs, "\n"))
	}
}

func mustPlan(t *testing.T, s Spec, seed uint64, base string) *Plan {
	t.Helper()
	p, err := NewPlan(s, seed, base)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
