package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Names inside a sweep directory.
const (
	// RunsDir is the folder of the run directories, runs/<index>.
	RunsDir = "runs"
	// DoneFile is the marker written last into a finished run directory.
	DoneFile = "done.json"
)

// RunDir returns the directory of run index under the sweep directory dir.
func RunDir(dir string, index int) string {
	return filepath.Join(dir, RunsDir, strconv.Itoa(index))
}

// Done is the content of done.json. It holds nothing that varies between
// two executions of the same run (no times, no host names), so that a
// sweep's files are the same however and wherever it was executed.
type Done struct {
	Index      int         `json:"index"`
	Repetition int         `json:"repetition"`
	Seed       uint64      `json:"seed"`
	ConfigHash string      `json:"config_hash"`
	Params     []DoneParam `json:"parameters"`
}

// DoneParam is one parameter value in done.json.
type DoneParam struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

// doneFor returns the marker of run r.
func doneFor(r RunSpec) Done {
	d := Done{Index: r.Index, Repetition: r.Repetition, Seed: r.Seed, ConfigHash: r.ConfigHash, Params: []DoneParam{}}
	for _, a := range r.Params {
		d.Params = append(d.Params, DoneParam{Key: a.Key, Value: a.Value})
	}
	return d
}

// ReadDone reads the done.json of the run directory runDir. An error means
// the run is not finished (missing or unreadable marker).
func ReadDone(runDir string) (Done, error) {
	var d Done
	b, err := os.ReadFile(filepath.Join(runDir, DoneFile))
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("%s: %w", filepath.Join(runDir, DoneFile), err)
	}
	if d.ConfigHash == "" {
		return d, fmt.Errorf("%s: no config_hash", filepath.Join(runDir, DoneFile))
	}
	return d, nil
}

// Status is what happened to a run, as reported to Options.Progress.
type Status int

const (
	// Started: RunOne was called for the run.
	Started Status = iota
	// Finished: the run completed and its directory is in place.
	Finished
	// Skipped: the run was already finished with the same config hash.
	Skipped
	// Failed: RunOne, or moving its output into place, failed.
	Failed
)

// String returns the status in lower case.
func (s Status) String() string {
	switch s {
	case Started:
		return "started"
	case Finished:
		return "finished"
	case Skipped:
		return "skipped"
	case Failed:
		return "failed"
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// Event reports progress to Options.Progress.
type Event struct {
	Run    RunSpec
	Status Status
	// Err is the failure, for Failed.
	Err error
	// Elapsed is the run's wall time, for Finished and Failed.
	Elapsed time.Duration
	// Done counts the runs of the shard that are finished, skipped or
	// failed so far; Running those started and not yet done; Total all of
	// the shard's runs.
	Done, Running, Total int
}

// Options configure Execute.
type Options struct {
	// Dir is the sweep directory; runs go to Dir/runs/<index>.
	Dir string
	// Jobs is the number of runs simulated at once; 0 means
	// runtime.NumCPU(). Results do not depend on it.
	Jobs int
	// Shard restricts the execution to the indices of one shard; the zero
	// Shard means all runs.
	Shard Shard
	// Only, if not nil, restricts the execution further to these indices
	// (e.g. the one run of `sim sweep -index N`).
	Only []int
	// RunOne performs run r and writes its files into dir, an empty
	// directory that is renamed to Dir/runs/<index> once RunOne returns
	// nil. dir exists already; a function that writes a whole directory
	// atomically (results.Write) may replace it. RunOne is called from
	// several goroutines at once when Jobs > 1.
	RunOne func(r RunSpec, dir string) error
	// Progress, if set, is called as runs start and end. Calls are
	// serialised; a slow Progress delays the next run's start.
	Progress func(Event)
	// KeepGoing runs every run even after one has failed. Without it, no
	// new run is started after a failure (the runs in flight complete).
	KeepGoing bool
}

// Report says what Execute did.
type Report struct {
	// Total is the number of runs in the shard.
	Total int
	// Ran, Skipped and Failed list run indices, in increasing order.
	Ran, Skipped, Failed []int
	// NotStarted counts the runs left out after a failure or cancellation.
	NotStarted int
}

// Execute performs the runs of opts.Shard that are not finished yet, at most
// opts.Jobs at a time, one goroutine per run.
//
// A run is finished when Dir/runs/<index>/done.json records the run's config
// hash; such a run is skipped. A run whose directory is missing, lacks
// done.json or records another hash is (re)done: RunOne fills a new
// temporary directory Dir/runs/.<index>.tmp-*, done.json is written, and the
// directory is renamed to Dir/runs/<index>, replacing a stale one. Temporary
// directories of the shard's indices left by an earlier, interrupted
// execution are removed first. Two processes must not execute the same
// shard into the same directory at once; different shards may share one.
//
// On a failure, or when ctx is cancelled, no further run is started, unless
// opts.KeepGoing (failures only); runs in flight complete and are kept. The
// error joins every run's failure, each naming the run's index and
// parameters, or is ctx.Err().
func Execute(ctx context.Context, plan *Plan, opts Options) (Report, error) {
	var rep Report
	if plan == nil {
		return rep, errors.New("sweep: Execute: nil plan")
	}
	if opts.RunOne == nil {
		return rep, errors.New("sweep: Execute: no RunOne function")
	}
	if opts.Dir == "" {
		return rep, errors.New("sweep: Execute: no directory")
	}
	if err := opts.Shard.Valid(); err != nil {
		return rep, err
	}
	shard := opts.Shard.norm()
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	runs := filepath.Join(opts.Dir, RunsDir)
	if err := os.MkdirAll(runs, 0o755); err != nil {
		return rep, fmt.Errorf("sweep: %w", err)
	}
	want := func(i int) bool {
		return shard.Contains(i) && (opts.Only == nil || slices.Contains(opts.Only, i))
	}
	if err := removeTemps(runs, want); err != nil {
		return rep, err
	}

	var todo []RunSpec
	for i := shard.Index; i < plan.Len(); i += shard.Count {
		if !want(i) {
			continue
		}
		r := plan.Run(i)
		rep.Total++
		if d, err := ReadDone(RunDir(opts.Dir, i)); err == nil && d.ConfigHash == r.ConfigHash {
			rep.Skipped = append(rep.Skipped, i)
			continue
		}
		todo = append(todo, r)
	}

	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		errs    []error
		stop    bool
		done    = len(rep.Skipped)
		running int
		results = map[int]bool{}
	)
	report := func(e Event) { // with mu held
		if opts.Progress != nil {
			e.Done, e.Running, e.Total = done, running, rep.Total
			opts.Progress(e)
		}
	}
	mu.Lock()
	for _, i := range rep.Skipped {
		report(Event{Run: plan.Run(i), Status: Skipped})
	}
	mu.Unlock()

	sem := make(chan struct{}, jobs)
	started := 0
	for _, r := range todo {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		mu.Lock()
		if ctx.Err() != nil || stop {
			mu.Unlock()
			break
		}
		running++
		started++
		report(Event{Run: r, Status: Started})
		mu.Unlock()
		wg.Add(1)
		go func(r RunSpec) {
			defer wg.Done()
			defer func() { <-sem }()
			t0 := time.Now()
			err := executeOne(opts.Dir, r, opts.RunOne)
			mu.Lock()
			defer mu.Unlock()
			running--
			done++
			e := Event{Run: r, Status: Finished, Elapsed: time.Since(t0)}
			if err != nil {
				e.Status, e.Err = Failed, err
				errs = append(errs, err)
				if !opts.KeepGoing {
					stop = true
				}
			}
			results[r.Index] = err == nil
			report(e)
		}(r)
	}
	wg.Wait()
	rep.NotStarted = len(todo) - started
	for _, r := range todo[:started] {
		if results[r.Index] {
			rep.Ran = append(rep.Ran, r.Index)
		} else {
			rep.Failed = append(rep.Failed, r.Index)
		}
	}
	if len(errs) > 0 {
		sortErrors(errs)
		return rep, errors.Join(errs...)
	}
	if rep.NotStarted > 0 {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// RunError is the failure of one run.
type RunError struct {
	Index int
	Label string
	Err   error
}

// Error names the run and its parameters.
func (e *RunError) Error() string {
	return fmt.Sprintf("run %d (%s): %v", e.Index, e.Label, e.Err)
}

// Unwrap returns the underlying error.
func (e *RunError) Unwrap() error { return e.Err }

// sortErrors orders run errors by index, so that the joined message does not
// depend on which run failed first.
func sortErrors(errs []error) {
	idx := func(e error) int {
		var re *RunError
		if errors.As(e, &re) {
			return re.Index
		}
		return -1
	}
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && idx(errs[j]) < idx(errs[j-1]); j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
}

// executeOne performs run r into a temporary directory and renames it to
// its final place.
func executeOne(dir string, r RunSpec, runOne func(RunSpec, string) error) (err error) {
	runs := filepath.Join(dir, RunsDir)
	fail := func(err error) error { return &RunError{Index: r.Index, Label: r.Label(), Err: err} }
	tmp, err := os.MkdirTemp(runs, "."+strconv.Itoa(r.Index)+".tmp-*")
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := callRunOne(runOne, r, tmp); err != nil {
		return fail(err)
	}
	if fi, err := os.Stat(tmp); err != nil || !fi.IsDir() {
		return fail(fmt.Errorf("RunOne left no directory at %s", tmp))
	}
	if err := writeDone(tmp, doneFor(r)); err != nil {
		return fail(err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fail(err)
	}
	if err := replaceDir(tmp, RunDir(dir, r.Index)); err != nil {
		return fail(err)
	}
	return nil
}

// callRunOne calls f, turning a panic into an error so that one bad run
// does not take down a whole sweep.
func callRunOne(f func(RunSpec, string) error, r RunSpec, dir string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return f(r, dir)
}

// writeDone writes done.json into dir.
func writeDone(dir string, d Done) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	return os.WriteFile(filepath.Join(dir, DoneFile), b, 0o644)
}

// replaceDir renames the complete directory tmp to dir, moving an existing
// dir aside first and removing it afterwards (its name, tmp+".old", is one
// removeTemps recognises).
func replaceDir(tmp, dir string) error {
	old := tmp + ".old"
	hadOld := true
	if err := os.Rename(dir, old); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("moving the stale %s aside: %w", dir, err)
		}
		hadOld = false
	}
	if err := os.Rename(tmp, dir); err != nil {
		if hadOld {
			os.Rename(old, dir)
		}
		return err
	}
	if hadOld {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("%s written, but removing its previous version at %s: %w", dir, old, err)
		}
	}
	return nil
}

// tempIndex returns the run index of a temporary entry of runs/ such as
// ".12.tmp-345" or "..12.tmp-345.tmp-678" (results.Write's own temporary
// sibling of a RunOne directory), and whether name is one.
func tempIndex(name string) (int, bool) {
	if !strings.HasPrefix(name, ".") || !strings.Contains(name, ".tmp-") {
		return 0, false
	}
	num, _, _ := strings.Cut(strings.TrimLeft(name, "."), ".")
	i, err := strconv.Atoi(num)
	if err != nil || i < 0 {
		return 0, false
	}
	return i, true
}

// removeTemps removes the temporary entries of runs whose index is wanted.
func removeTemps(runs string, want func(int) bool) error {
	ents, err := os.ReadDir(runs)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	for _, e := range ents {
		if i, ok := tempIndex(e.Name()); ok && want(i) {
			if err := os.RemoveAll(filepath.Join(runs, e.Name())); err != nil {
				return fmt.Errorf("sweep: removing a stale temporary directory: %w", err)
			}
		}
	}
	return nil
}
