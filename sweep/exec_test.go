package sweep

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func execSpec() Spec {
	return Spec{
		Parameters: []Parameter{
			{Key: "protocol", Values: []any{"chord", "kademlia"}},
			{Key: "nodes", Log: &Range{From: 64, To: 1024, Steps: 5}},
		},
		Repetitions: 3,
	}
}

func execute(t *testing.T, plan *Plan, dir string, f *fakeSim, jobs int, shard Shard) Report {
	t.Helper()
	rep, err := Execute(context.Background(), plan, Options{Dir: dir, Jobs: jobs, Shard: shard, RunOne: f.runOne})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func seq(from, to, step int) []int {
	var out []int
	for i := from; i < to; i += step {
		out = append(out, i)
	}
	return out
}

func TestExecuteWritesEveryRun(t *testing.T) {
	plan := mustPlan(t, execSpec(), 1, "base")
	dir := t.TempDir()
	f := newFakeSim()
	var mu sync.Mutex
	var events []Event
	rep, err := Execute(context.Background(), plan, Options{Dir: dir, Jobs: 3, RunOne: f.runOne,
		Progress: func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.Ran, seq(0, 30, 1)) || len(rep.Skipped) != 0 || rep.Total != 30 {
		t.Fatalf("report %+v", rep)
	}
	for i := 0; i < plan.Len(); i++ {
		d, err := ReadDone(RunDir(dir, i))
		if err != nil {
			t.Fatal(err)
		}
		r := plan.Run(i)
		if d.ConfigHash != r.ConfigHash || d.Index != i || d.Seed != r.Seed || len(d.Params) != 2 {
			t.Errorf("run %d: done.json %+v", i, d)
		}
		if _, err := os.Stat(filepath.Join(RunDir(dir, i), "extra", "seed.txt")); err != nil {
			t.Errorf("run %d: RunOne's files missing: %v", i, err)
		}
	}
	started, finished := 0, 0
	for _, e := range events {
		switch e.Status {
		case Started:
			started++
			if e.Running < 1 || e.Running > 3 {
				t.Errorf("%d runs at once with Jobs 3", e.Running)
			}
		case Finished:
			finished++
		}
	}
	if started != 30 || finished != 30 || events[len(events)-1].Done != 30 {
		t.Errorf("%d started and %d finished events, last %+v", started, finished, events[len(events)-1])
	}
	ents, _ := os.ReadDir(filepath.Join(dir, RunsDir))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary entry left: %s", e.Name())
		}
	}
}

func TestExecuteResume(t *testing.T) {
	plan := mustPlan(t, execSpec(), 1, "base")
	dir := t.TempDir()
	execute(t, plan, dir, newFakeSim(), 2, Shard{})

	// A second execution does nothing.
	f := newFakeSim()
	rep := execute(t, plan, dir, f, 2, Shard{})
	if len(f.called()) != 0 || len(rep.Skipped) != 30 {
		t.Fatalf("resume of a finished sweep ran %v, skipped %d", f.called(), len(rep.Skipped))
	}

	// Damage some runs: 3 lost its marker, 5 is gone, 8 was computed from
	// another configuration, 11 is a stray file; 7 and 20 left temporary
	// directories behind (20 finished nonetheless).
	runs := filepath.Join(dir, RunsDir)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Remove(filepath.Join(RunDir(dir, 3), DoneFile)))
	must(os.RemoveAll(RunDir(dir, 5)))
	d, err := ReadDone(RunDir(dir, 8))
	must(err)
	d.ConfigHash = "0123"
	must(writeDone(RunDir(dir, 8), d))
	must(os.RemoveAll(RunDir(dir, 11)))
	must(os.WriteFile(RunDir(dir, 11), []byte("junk"), 0o644))
	for _, tmp := range []string{".7.tmp-123", ".20.tmp-9", "..7.tmp-1.tmp-2", ".7.tmp-4.old"} {
		must(os.MkdirAll(filepath.Join(runs, tmp, "sub"), 0o755))
	}
	must(os.WriteFile(filepath.Join(runs, "notes.txt"), []byte("keep me"), 0o644))

	f = newFakeSim()
	rep = execute(t, plan, dir, f, 2, Shard{})
	if want := []int{3, 5, 8, 11}; !reflect.DeepEqual(f.called(), want) || !reflect.DeepEqual(rep.Ran, want) {
		t.Fatalf("resume ran %v (report %v), want %v", f.called(), rep.Ran, want)
	}
	ents, err := os.ReadDir(runs)
	must(err)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("stale temporary entry left: %s", e.Name())
		}
	}
	if _, err := os.Stat(filepath.Join(runs, "notes.txt")); err != nil {
		t.Error("a file that is not the sweep's was removed")
	}
	for _, i := range []int{3, 5, 8, 11} {
		if d, err := ReadDone(RunDir(dir, i)); err != nil || d.ConfigHash != plan.Run(i).ConfigHash {
			t.Errorf("run %d not redone properly: %v %v", i, d, err)
		}
	}

	// Another base scenario redoes everything.
	other := mustPlan(t, execSpec(), 1, "changed base")
	f = newFakeSim()
	execute(t, other, dir, f, 2, Shard{})
	if len(f.called()) != 30 {
		t.Fatalf("a new base hash reran %d runs, want 30", len(f.called()))
	}
}

func TestExecuteIndependentOfJobs(t *testing.T) {
	plan := mustPlan(t, execSpec(), 3, "base")
	a, b := t.TempDir(), t.TempDir()
	execute(t, plan, a, newFakeSim(), 1, Shard{})
	execute(t, plan, b, newFakeSim(), 7, Shard{})
	sameTree(t, a, b)
}

func TestExecuteFailures(t *testing.T) {
	plan := mustPlan(t, execSpec(), 1, "base")
	for _, keepGoing := range []bool{false, true} {
		dir := t.TempDir()
		f := newFakeSim()
		f.fail[2], f.fail[9] = true, true
		rep, err := Execute(context.Background(), plan, Options{Dir: dir, Jobs: 1, RunOne: f.runOne, KeepGoing: keepGoing})
		if err == nil || !strings.Contains(err.Error(), "run 2 (protocol=chord, nodes=64): simulated failure") {
			t.Fatalf("keepGoing=%v: error %v", keepGoing, err)
		}
		var re *RunError
		if !errors.As(err, &re) || re.Index != 2 {
			t.Errorf("error is not a *RunError for run 2: %v", err)
		}
		if _, err := os.Stat(RunDir(dir, 2)); !os.IsNotExist(err) {
			t.Errorf("a failed run left its directory: %v", err)
		}
		ents, _ := os.ReadDir(filepath.Join(dir, RunsDir))
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") {
				t.Errorf("a failed run left %s", e.Name())
			}
		}
		if keepGoing {
			if !reflect.DeepEqual(rep.Failed, []int{2, 9}) || len(rep.Ran) != 28 || rep.NotStarted != 0 {
				t.Errorf("keep going: report %+v", rep)
			}
			if !strings.Contains(err.Error(), "run 9 ") {
				t.Errorf("error does not list run 9: %v", err)
			}
		} else if !reflect.DeepEqual(rep.Failed, []int{2}) || !reflect.DeepEqual(rep.Ran, []int{0, 1}) || rep.NotStarted != 27 {
			t.Errorf("stop at first failure: report %+v", rep)
		}
		// The next execution redoes exactly what is missing.
		g := newFakeSim()
		execute(t, plan, dir, g, 2, Shard{})
		want := []int{2, 9}
		if !keepGoing {
			want = seq(2, 30, 1)
		}
		if !reflect.DeepEqual(g.called(), want) {
			t.Errorf("keepGoing=%v: rerun ran %v, want %v", keepGoing, g.called(), want)
		}
	}
}

func TestExecutePanicIsAnError(t *testing.T) {
	plan := mustPlan(t, execSpec(), 1, "base")
	_, err := Execute(context.Background(), plan, Options{Dir: t.TempDir(), Jobs: 2, RunOne: func(r RunSpec, dir string) error {
		if r.Index == 4 {
			panic("boom")
		}
		return nil
	}})
	if err == nil || !strings.Contains(err.Error(), "run 4") || !strings.Contains(err.Error(), "panic: boom") {
		t.Fatalf("error %v", err)
	}
}

func TestExecuteCancel(t *testing.T) {
	plan := mustPlan(t, execSpec(), 1, "base")
	ctx, cancel := context.WithCancel(context.Background())
	f := newFakeSim()
	rep, err := Execute(ctx, plan, Options{Dir: t.TempDir(), Jobs: 1, RunOne: func(r RunSpec, dir string) error {
		if r.Index == 4 {
			cancel()
		}
		return f.runOne(r, dir)
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
	if !reflect.DeepEqual(rep.Ran, seq(0, 5, 1)) || rep.NotStarted != 25 {
		t.Errorf("report %+v", rep)
	}
}

func TestExecuteBadOptions(t *testing.T) {
	plan := mustPlan(t, execSpec(), 1, "base")
	f := newFakeSim()
	tests := []struct {
		opts Options
		want string
	}{
		{Options{Dir: t.TempDir()}, "no RunOne"},
		{Options{RunOne: f.runOne}, "no directory"},
		{Options{Dir: t.TempDir(), RunOne: f.runOne, Shard: Shard{Index: 3, Count: 3}}, "bad shard 3/3"},
	}
	for _, tt := range tests {
		if _, err := Execute(context.Background(), plan, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want %q", err, tt.want)
		}
	}
}

// TestShardsMergedEqualUnsharded runs a sweep whole and in three shards,
// merges the shards and aggregates both: the two directories must be
// identical, byte for byte.
func TestShardsMergedEqualUnsharded(t *testing.T) {
	plan := mustPlan(t, execSpec(), 11, "base")
	root := t.TempDir()
	whole := filepath.Join(root, "whole")
	execute(t, plan, whole, newFakeSim(), 2, Shard{})
	if _, err := Aggregate(whole, plan, AggregateOptions{}); err != nil {
		t.Fatal(err)
	}

	var shards []string
	covered := map[int]int{}
	for i := 0; i < 3; i++ {
		d := filepath.Join(root, "shard"+string(rune('0'+i)))
		f := newFakeSim()
		rep := execute(t, plan, d, f, 2, Shard{Index: i, Count: 3})
		if rep.Total != 10 {
			t.Errorf("shard %d has %d runs, want 10", i, rep.Total)
		}
		for _, n := range f.called() {
			if n%3 != i {
				t.Errorf("shard %d/3 ran index %d", i, n)
			}
			covered[n]++
		}
		shards = append(shards, d)
	}
	if len(covered) != plan.Len() {
		t.Fatalf("shards ran %d distinct runs of %d", len(covered), plan.Len())
	}
	merged := filepath.Join(root, "merged")
	n, err := Merge(merged, shards...)
	if err != nil || n != plan.Len() {
		t.Fatalf("Merge: %d, %v", n, err)
	}
	if _, err := Aggregate(merged, plan, AggregateOptions{}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, whole, merged)

	// Merging again adds nothing and changes nothing; merging out into
	// itself is harmless.
	if n, err := Merge(merged, append(shards, merged)...); err != nil || n != 0 {
		t.Fatalf("second Merge: %d, %v", n, err)
	}
	sameTree(t, whole, merged)

	// A partial merge aggregates only with Partial.
	part := filepath.Join(root, "part")
	if _, err := Merge(part, shards[0], shards[2]); err != nil {
		t.Fatal(err)
	}
	if _, err := Aggregate(part, plan, AggregateOptions{}); err == nil || !strings.Contains(err.Error(), "10 of 30 runs") || !strings.Contains(err.Error(), "1, 4, 7") {
		t.Errorf("aggregating a partial merge: %v", err)
	}
	rows, err := Aggregate(part, plan, AggregateOptions{Partial: true})
	if err != nil || rows[0].N != 2 {
		t.Errorf("partial aggregate: %v, first row %+v", err, rows)
	}
}

func TestMergeConflicts(t *testing.T) {
	plan := mustPlan(t, execSpec(), 1, "base")
	other := mustPlan(t, execSpec(), 1, "another base")
	root := t.TempDir()
	a, b, out := filepath.Join(root, "a"), filepath.Join(root, "b"), filepath.Join(root, "out")
	execute(t, plan, a, newFakeSim(), 2, Shard{Index: 0, Count: 2})
	execute(t, other, b, newFakeSim(), 2, Shard{Index: 0, Count: 4}) // indices 0, 4, 8, ... clash
	_, err := Merge(out, a, b)
	if err == nil {
		t.Fatal("no conflict reported")
	}
	msg := err.Error()
	for _, w := range []string{"8 conflicting runs", "run 0:", "run 4:", "run 28:", filepath.Join(b, RunsDir, "4"), filepath.Join(a, RunsDir, "4"),
		short(plan.Run(4).ConfigHash), short(other.Run(4).ConfigHash)} {
		if !strings.Contains(msg, w) {
			t.Errorf("conflict message lacks %q:\n%s", w, msg)
		}
	}
	if strings.Index(msg, "run 4:") > strings.Index(msg, "run 28:") {
		t.Error("conflicts not listed in index order")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("a conflicting merge wrote something")
	}
	// An unfinished run does not conflict; a missing sweep directory is an error.
	if err := os.Remove(filepath.Join(RunDir(b, 0), DoneFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(out, a, b); err == nil || !strings.Contains(err.Error(), "7 conflicting runs") || strings.Contains(err.Error(), "run 0:") {
		t.Errorf("an unfinished run must not conflict: %v", err)
	}
	if _, err := Merge(out, a, filepath.Join(root, "nope")); err == nil || !strings.Contains(err.Error(), "not a sweep directory") {
		t.Errorf("missing input: %v", err)
	}
}

// TestExecuteRunOneReplacingItsDir: a RunOne that writes a whole directory
// atomically (as results.Write does: a temporary sibling renamed over the
// directory it is given) works, and its leftovers are cleaned up.
func TestExecuteRunOneReplacingItsDir(t *testing.T) {
	plan := mustPlan(t, execSpec(), 1, "base")
	dir := t.TempDir()
	atomicWrite := func(r RunSpec, d string) error {
		parent, base := filepath.Split(d)
		tmp, err := os.MkdirTemp(parent, "."+base+".tmp-*")
		if err != nil {
			return err
		}
		if err := writeFakeRun(r, tmp); err != nil {
			return err
		}
		if r.Index == 1 { // a crash would leave such a sibling behind
			os.MkdirAll(tmp+"-crashed", 0o755)
		}
		if err := os.Rename(d, tmp+".old"); err != nil {
			return err
		}
		if err := os.Rename(tmp, d); err != nil {
			return err
		}
		return os.RemoveAll(tmp + ".old")
	}
	if _, err := Execute(context.Background(), plan, Options{Dir: dir, Jobs: 2, RunOne: atomicWrite}); err != nil {
		t.Fatal(err)
	}
	ref := t.TempDir()
	execute(t, plan, ref, newFakeSim(), 2, Shard{})
	f := newFakeSim()
	execute(t, plan, dir, f, 2, Shard{}) // removes the crashed sibling, reruns nothing
	if len(f.called()) != 0 {
		t.Fatalf("reran %v", f.called())
	}
	sameTree(t, ref, dir)
}
