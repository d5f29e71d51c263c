package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/schollz/progressbar/v3"

	"peerlab/results"
	"peerlab/run"
	"peerlab/scenario"
	"peerlab/sweep"
)

// Files a sweep directory holds beside runs/ and the aggregated outputs:
// the scenario text and how it was loaded, so that `sim sweep merge` and a
// resumed sweep rebuild the same plan without being told the scenario.
const (
	sweepScenarioFile = "scenario.yaml"
	sweepInfoFile     = "sweep.json"
)

// sweepInfo is sweep.json: what, besides scenario.yaml, defines the plan.
type sweepInfo struct {
	Scenario string   `json:"scenario"` // where scenario.yaml came from, for messages and relative data files
	Sets     []string `json:"sets"`     // -set overrides (and -seed) applied to every run
	BaseSeed uint64   `json:"base_seed"`
	BaseHash string   `json:"base_hash"`
}

// sweepSetup is a loaded sweep: the base scenario, its plan and the
// overrides every run starts from.
type sweepSetup struct {
	src  source
	sets []string
	base scenario.Spec
	plan *sweep.Plan
	info sweepInfo
}

// loadSweep reads the scenario's sweep block, checks it (parameters name
// scenario keys; every configuration of the product loads and validates)
// and builds the plan. No run starts before this succeeds.
func loadSweep(src source, sets []string) (*sweepSetup, error) {
	_, raw, err := splitSweep(src)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, fmt.Errorf("%s: no sweep: block (see README, \"Parameter sweeps\")", src.name)
	}
	spec := sweep.DefaultSpec()
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result: &spec, ErrorUnused: true, WeaklyTypedInput: false,
		DecodeHook: integerHook, // repetitions: 2.5 is an error, not 2
	})
	if err != nil {
		return nil, err
	}
	if err := dec.Decode(raw); err != nil {
		return nil, fmt.Errorf("%s: sweep: %s", src.name, tidyDecodeError(err))
	}
	known := knownKeys(reflect.TypeOf(scenario.Spec{}), "")
	if err := spec.Validate(func(k string) error { return checkKeys([]string{k}, known, "key") }); err != nil {
		return nil, fmt.Errorf("%s: %w", src.name, err)
	}
	base, err := loadSpec(src, sets)
	if err != nil {
		return nil, err
	}
	resolved := base.Resolved()
	hash, err := sweep.HashBase(struct {
		Version string
		Config  any
	}{Version, resolved})
	if err != nil {
		return nil, err
	}
	plan, err := sweep.NewPlan(spec, base.Seed, hash)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.name, err)
	}
	s := &sweepSetup{src: src, sets: sets, base: base, plan: plan,
		info: sweepInfo{Scenario: src.name, Sets: append([]string{}, sets...), BaseSeed: base.Seed, BaseHash: hash}}
	// Every configuration must load: a value of the wrong type or out of
	// range is reported now, naming the parameters, not after hours of
	// runs.
	for c := 0; c < plan.Configs(); c++ {
		r := plan.Run(plan.Index(c, 0))
		if _, err := s.runSpec(r); err != nil {
			return nil, fmt.Errorf("sweep configuration %s: %w", r.Label(), err)
		}
	}
	return s, nil
}

// runSpec is the scenario of run r: the base with r's parameter values and
// seed.
func (s *sweepSetup) runSpec(r sweep.RunSpec) (scenario.Spec, error) {
	sets := append([]string{}, s.sets...)
	for _, a := range r.Params {
		sets = append(sets, a.SetArg())
	}
	sets = append(sets, "seed="+strconv.FormatUint(r.Seed, 10))
	return loadSpec(s.src, sets)
}

// runOne performs run r and writes its results into dir. Runs of a sweep
// write no perf.json (wall time differs between executions) and, unless
// plots is set, no per-run plots.
func (s *sweepSetup) runOne(r sweep.RunSpec, dir string, plots bool) error {
	spec, err := s.runSpec(r)
	if err != nil {
		return err
	}
	note := applyFallbacks(&spec)
	res, err := run.Run(spec, run.Options{})
	if err != nil {
		return err
	}
	var notes []string
	if note != "" {
		notes = append(notes, note)
	}
	completeManifest(res, spec, notes)
	res.SkipPlots = !plots
	return results.Write(dir, res)
}

// writeSweepFiles records the scenario and sweep.json in dir.
func (s *sweepSetup) writeSweepFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, sweepScenarioFile), s.src.data); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s.info, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, sweepInfoFile), append(b, '\n'))
}

// readSweepDir rebuilds the plan of a sweep directory from its
// scenario.yaml and sweep.json.
func readSweepDir(dir string) (*sweep.Plan, sweepInfo, []byte, error) {
	var info sweepInfo
	b, err := os.ReadFile(filepath.Join(dir, sweepInfoFile))
	if err != nil {
		return nil, info, nil, fmt.Errorf("%s: not a sweep directory: %w", dir, err)
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, info, nil, fmt.Errorf("%s: %w", filepath.Join(dir, sweepInfoFile), err)
	}
	data, err := os.ReadFile(filepath.Join(dir, sweepScenarioFile))
	if err != nil {
		return nil, info, nil, fmt.Errorf("%s: %w", dir, err)
	}
	_, raw, err := splitSweep(source{name: filepath.Join(dir, sweepScenarioFile), data: data})
	if err != nil {
		return nil, info, nil, err
	}
	spec := sweep.DefaultSpec()
	if err := mapstructure.Decode(raw, &spec); err != nil {
		return nil, info, nil, fmt.Errorf("%s: sweep: %w", filepath.Join(dir, sweepScenarioFile), err)
	}
	plan, err := sweep.NewPlan(spec, info.BaseSeed, info.BaseHash)
	return plan, info, data, err
}

func cmdSweep(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "merge" {
		return cmdSweepMerge(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("sim sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf scenarioFlags
	sf.register(fs)
	out := fs.String("out", "", "sweep `dir`ectory (default sweeps/<scenario>-<seed>)")
	list := fs.Bool("list", false, "print the table of runs and exit")
	index := fs.Int("index", -1, "run only the run with this `index`")
	jobs := fs.Int("j", 0, "runs simulated at once (default: number of CPUs)")
	shardFlag := fs.String("shard", "", "run every n-th run only, `i/n` (default: from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX)")
	shards := fs.Int("shards", 0, "shard `count` for JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs)")
	runPlots := fs.Bool("run-plots", false, "also draw every run's own plots")
	keepGoing := fs.Bool("keep-going", false, "carry on after a run fails")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	src, err := findScenario(sf.scenario)
	if err != nil {
		return err
	}
	sets := append([]string{}, sf.sets...)
	if sf.seed != "" {
		if _, err := strconv.ParseUint(sf.seed, 10, 64); err != nil {
			return fmt.Errorf("%w: -seed: want a non-negative integer, got %q", errUsage, sf.seed)
		}
		sets = append(sets, "seed="+sf.seed)
	}
	setup, err := loadSweep(src, sets)
	if err != nil {
		return err
	}
	plan := setup.plan

	var shard sweep.Shard
	if *shardFlag != "" {
		if shard, err = sweep.ParseShard(*shardFlag); err != nil {
			return fmt.Errorf("%w: -shard: %v", errUsage, err)
		}
	} else if s, ok, err := sweep.ShardFromEnv(os.Getenv, *shards); err != nil {
		return err
	} else if ok {
		shard = s
	}
	if *list {
		return plan.WriteTable(stdout, shard)
	}
	var only []int
	if *index >= 0 {
		if *index >= plan.Len() {
			return fmt.Errorf("%w: -index %d: the sweep has runs 0 to %d", errUsage, *index, plan.Len()-1)
		}
		only = []int{*index}
	}

	dir := *out
	if dir == "" {
		dir = filepath.Join("sweeps", fmt.Sprintf("%s-%d", setup.base.Name, setup.base.Seed))
	}
	if err := setup.writeSweepFiles(dir); err != nil {
		return err
	}

	var bar *progressbar.ProgressBar
	progress := func(sweep.Event) {}
	if !*quiet && isTerminal(stderr) {
		bar = progressbar.NewOptions(plan.Len(),
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription(fmt.Sprintf("sweep %s", setup.base.Name)),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
		)
		progress = func(e sweep.Event) {
			bar.ChangeMax(e.Total)
			_ = bar.Set(e.Done)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	rep, err := sweep.Execute(ctx, plan, sweep.Options{
		Dir: dir, Jobs: *jobs, Shard: shard, Only: only, KeepGoing: *keepGoing,
		RunOne:   func(r sweep.RunSpec, d string) error { return setup.runOne(r, d, *runPlots) },
		Progress: progress,
	})
	if bar != nil {
		_ = bar.Finish()
	}
	fmt.Fprintf(stdout, "sweep %s: %d runs in %s: %d ran, %d already done, %d failed, %d not started (%.1fs wall)\n",
		setup.base.Name, rep.Total, dir, len(rep.Ran), len(rep.Skipped), len(rep.Failed), rep.NotStarted, time.Since(start).Seconds())
	if err != nil {
		return err
	}
	if shard.Count > 1 || only != nil {
		fmt.Fprintf(stdout, "  partial sweep: combine the parts with `sim sweep merge -out DIR %s ...`\n", dir)
		return nil
	}
	return aggregateSweep(dir, plan, stdout)
}

// aggregateSweep writes aggregate.csv and the sweep's plots.
func aggregateSweep(dir string, plan *sweep.Plan, stdout io.Writer) error {
	rows, err := sweep.Aggregate(dir, plan, sweep.AggregateOptions{})
	if err != nil {
		return err
	}
	figs, err := sweep.PlotAll(dir, plan, rows)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  %s: %d rows; plots: %s\n", filepath.Join(dir, sweep.AggregateFile), len(rows), strings.Join(figs, ", "))
	return nil
}

func cmdSweepMerge(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim sweep merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "merged sweep `dir`ectory (required)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *out == "" || fs.NArg() == 0 {
		return fmt.Errorf("%w: sim sweep merge -out DIR SHARD_DIR...", errUsage)
	}
	dirs := fs.Args()
	plan, info, data, err := readSweepDir(dirs[0])
	if err != nil {
		return err
	}
	for _, d := range dirs[1:] {
		_, other, odata, err := readSweepDir(d)
		if err != nil {
			return err
		}
		if other.BaseHash != info.BaseHash || string(odata) != string(data) {
			return fmt.Errorf("%s and %s hold different sweeps (scenario or base configuration differ)", dirs[0], d)
		}
	}
	n, err := sweep.Merge(*out, dirs...)
	if err != nil {
		return err
	}
	setup := &sweepSetup{src: source{name: info.Scenario, data: data}, info: info}
	if err := setup.writeSweepFiles(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "merged %d runs into %s\n", n, *out)
	return aggregateSweep(*out, plan, stdout)
}
