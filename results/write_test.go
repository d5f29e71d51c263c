package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// allFiles lists every file Write produces for r (a Run with Perf and
// Buckets set, as fakeRun makes them).
func allFiles(r *Run) []string {
	files := []string{LookupsFile, NodesFile, TimeseriesFile, TrafficFile, SessionsFile, BucketsFile, SummaryFile, ManifestFile, PerfFile}
	if r.Superpeer != nil {
		files = append(files, superpeerFiles...)
	}
	for _, f := range figures {
		if f.when == nil || f.when(r) {
			files = append(files, f.name+".png", f.name+".svg")
		}
	}
	sort.Strings(files)
	return files
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// sameFloat treats two NaNs as equal.
func sameFloat(a, b float64) bool {
	return a == b || math.IsNaN(a) && math.IsNaN(b)
}

func TestRoundTrip(t *testing.T) {
	want := fakeRun(300, 50, 20)
	dir := filepath.Join(t.TempDir(), "nested", "run")
	if err := Write(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Lookups, want.Lookups) {
		t.Error("lookups differ after round trip")
	}
	if !reflect.DeepEqual(got.Nodes, want.Nodes) {
		t.Error("nodes differ after round trip")
	}
	if !reflect.DeepEqual(got.Traffic, want.Traffic) {
		t.Error("traffic differs after round trip")
	}
	if len(got.Series) != len(want.Series) {
		t.Fatalf("got %d samples, want %d", len(got.Series), len(want.Series))
	}
	nans := 0
	for i, g := range got.Series {
		w := want.Series[i]
		if math.IsNaN(w.SuccessRate) {
			nans++
		}
		if g.TimeS != w.TimeS || g.LiveNodes != w.LiveNodes || g.Lookups != w.Lookups ||
			!sameFloat(g.SuccessRate, w.SuccessRate) ||
			!sameFloat(g.MaintenanceBytesPerNodePerS, w.MaintenanceBytesPerNodePerS) ||
			!sameFloat(g.LookupBytesPerNodePerS, w.LookupBytesPerNodePerS) {
			t.Errorf("sample %d: got %+v, want %+v", i, g, w)
		}
	}
	if nans == 0 {
		t.Error("fake run has no NaN success rate; the test would not cover it")
	}
	wantSum := append([]Metric(nil), want.Summary...)
	sort.Slice(wantSum, func(i, j int) bool { return wantSum[i].Key < wantSum[j].Key })
	if len(got.Summary) != len(wantSum) {
		t.Fatalf("summary: got %v, want %v", got.Summary, wantSum)
	}
	for i := range wantSum {
		if got.Summary[i].Key != wantSum[i].Key || !sameFloat(got.Summary[i].Value, wantSum[i].Value) {
			t.Errorf("summary[%d]: got %v, want %v", i, got.Summary[i], wantSum[i])
		}
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{{"manifest", got.Manifest, want.Manifest}, {"perf", got.Perf, want.Perf}} {
		g, _ := json.Marshal(c.got)
		w, _ := json.Marshal(c.want)
		if !bytes.Equal(g, w) {
			t.Errorf("%s: got %s, want %s", c.name, g, w)
		}
	}
}

func TestRoundTripEmptyRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := Write(dir, &Run{}); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Lookups)+len(got.Nodes)+len(got.Series)+len(got.Traffic)+len(got.Summary) != 0 {
		t.Errorf("empty run read back non-empty: %+v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, PerfFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("perf.json written for nil Perf (stat: %v)", err)
	}
}

func TestWriteDeterministic(t *testing.T) {
	base := t.TempDir()
	a, b := filepath.Join(base, "a"), filepath.Join(base, "b")
	if err := Write(a, fakeRun(500, 100, 30)); err != nil {
		t.Fatal(err)
	}
	if err := Write(b, fakeRun(500, 100, 30)); err != nil {
		t.Fatal(err)
	}
	names := dirNames(t, a)
	if !reflect.DeepEqual(names, allFiles(fakeRun(500, 100, 30))) {
		t.Fatalf("files: got %v, want %v", names, allFiles(fakeRun(500, 100, 30)))
	}
	if !reflect.DeepEqual(dirNames(t, b), names) {
		t.Fatalf("second write has files %v, first %v", dirNames(t, b), names)
	}
	for _, n := range names {
		x, err := os.ReadFile(filepath.Join(a, n))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, n))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two writes of the same run", n)
		}
	}
}

func TestWriteReplacesExisting(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "run")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stale.txt"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, fakeRun(50, 10, 5)); err != nil {
		t.Fatal(err)
	}
	if want := allFiles(fakeRun(50, 10, 5)); !reflect.DeepEqual(dirNames(t, dir), want) {
		t.Errorf("after replace: got %v, want %v", dirNames(t, dir), want)
	}
	if got := dirNames(t, base); !reflect.DeepEqual(got, []string{"run"}) {
		t.Errorf("parent holds %v, want only run", got)
	}
}

func TestWriteRejectsFileInTheWay(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.WriteFile(dir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, &Run{}); err == nil {
		t.Error("Write over a regular file succeeded")
	}
}

// TestWriteAtomic makes the write of one file fail and checks that neither
// the target nor a temporary directory is left, and that an existing target
// is untouched.
func TestWriteAtomic(t *testing.T) {
	for _, failing := range []string{LookupsFile, TimeseriesFile, SummaryFile, PerfFile, "hops.png", "maintenance_over_time.svg"} {
		for _, existing := range []bool{false, true} {
			name := failing
			if existing {
				name += "/existing"
			}
			t.Run(name, func(t *testing.T) {
				base := t.TempDir()
				dir := filepath.Join(base, "run")
				if existing {
					if err := os.Mkdir(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, "old.txt"), []byte("old"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				injected := errors.New("injected failure")
				writeHook = func(n string) error {
					if n == failing {
						return injected
					}
					return nil
				}
				defer func() { writeHook = func(string) error { return nil } }()

				err := Write(dir, fakeRun(50, 10, 5))
				if !errors.Is(err, injected) {
					t.Fatalf("got error %v, want the injected one", err)
				}
				if !strings.Contains(err.Error(), filepath.Join(dir, failing)) {
					t.Errorf("error %q does not name %s", err, failing)
				}
				want := []string(nil)
				if existing {
					want = []string{"run"}
				}
				if got := dirNames(t, base); !reflect.DeepEqual(got, want) {
					t.Errorf("parent holds %v, want %v", got, want)
				}
				if existing {
					if got := dirNames(t, dir); !reflect.DeepEqual(got, []string{"old.txt"}) {
						t.Errorf("existing dir now holds %v", got)
					}
				}
			})
		}
	}
}

func TestWriteRejectsBadInput(t *testing.T) {
	for _, c := range []struct {
		name string
		run  *Run
		file string
	}{
		{"nil run", nil, ""},
		{"unknown outcome", &Run{Lookups: []LookupRow{{Outcome: "maybe"}}}, LookupsFile},
		{"value and object", &Run{Summary: []Metric{{"a", 1}, {"a.b", 2}}}, SummaryFile},
		{"object and value", &Run{Summary: []Metric{{"a.b", 1}, {"a", 2}}}, SummaryFile},
		{"duplicate key", &Run{Summary: []Metric{{"a.b", 1}, {"a.b", 2}}}, SummaryFile},
		{"empty segment", &Run{Summary: []Metric{{"a..b", 1}}}, SummaryFile},
		{"unmarshalable manifest", &Run{Manifest: func() {}}, ManifestFile},
	} {
		t.Run(c.name, func(t *testing.T) {
			base := t.TempDir()
			err := Write(filepath.Join(base, "run"), c.run)
			if err == nil {
				t.Fatal("Write succeeded")
			}
			if !strings.Contains(err.Error(), c.file) {
				t.Errorf("error %q does not name %s", err, c.file)
			}
			if got := dirNames(t, base); len(got) != 0 {
				t.Errorf("parent holds %v after a failed write", got)
			}
		})
	}
}
