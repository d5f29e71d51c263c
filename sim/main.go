// Command sim runs peerlab simulations.
//
//	sim [run] [-scenario NAME|FILE] [-seed N] [-set key=value]... [-out DIR] [-quiet]
//	sim validate [-scenario NAME|FILE] [-set key=value]...   check and print the resolved scenario
//	sim churn [-scenario NAME|FILE] [-set key=value]... [-out FILE]  write the scenario's churn schedule as CSV
//	sim plot DIR                                              redraw a run's plots from its CSV files
//	sim sweep [-scenario NAME|FILE] [-list] [-index N] [-j N] [-shard i/n] [-out DIR]  run the scenario's sweep: block
//	sim sweep merge -out DIR SHARD_DIR...                     combine the shards of a sweep and aggregate them
//
// With no -scenario, sim runs the embedded default scenario. A bare NAME is
// looked up as scenarios/NAME.yaml, then among the embedded scenarios.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"go.yaml.in/yaml/v3"
	"golang.org/x/term"

	"peerlab/results"
	"peerlab/run"
	"peerlab/scenario"
)

// Version is the peerlab version recorded in every run's manifest.
const Version = "0.1.0"

// errUsage marks command-line mistakes (exit status 2).
var errUsage = errors.New("usage")

func main() {
	err := mainErr(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "sim:", strings.TrimPrefix(err.Error(), "usage: "))
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "sim:", err)
		os.Exit(1)
	}
}

func mainErr(args []string, stdout, stderr io.Writer) error {
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return cmdRun(args, stdout, stderr)
	case "validate":
		return cmdValidate(args, stdout, stderr)
	case "plot":
		return cmdPlot(args, stdout, stderr)
	case "churn":
		return cmdChurn(args, stdout, stderr)
	case "sweep":
		return cmdSweep(args, stdout, stderr)
	}
	return fmt.Errorf("%w: unknown command %q (want run, validate, churn, sweep or plot)", errUsage, cmd)
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// scenarioFlags are the flags shared by run and validate.
type scenarioFlags struct {
	scenario string
	seed     string
	sets     multiFlag
	notes    []string // what loading changed, e.g. an underlay fallback
}

func (f *scenarioFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.scenario, "scenario", "", "scenario `NAME` (scenarios/NAME.yaml or embedded) or YAML file; default: the embedded default scenario")
	fs.StringVar(&f.seed, "seed", "", "master `seed`, overriding the scenario's")
	fs.Var(&f.sets, "set", "override a scenario value, `key=value` with a dotted key (repeatable), e.g. -set chord.lookup=recursive")
}

func (f *scenarioFlags) load() (scenario.Spec, string, error) {
	src, err := findScenario(f.scenario)
	if err != nil {
		return scenario.Spec{}, "", err
	}
	sets := f.sets
	if f.seed != "" {
		if _, err := strconv.ParseUint(f.seed, 10, 64); err != nil {
			return scenario.Spec{}, "", fmt.Errorf("%w: -seed: want a non-negative integer, got %q", errUsage, f.seed)
		}
		sets = append(sets, "seed="+f.seed)
	}
	spec, err := loadSpec(src, sets)
	if err == nil {
		if note := applyFallbacks(&spec); note != "" {
			f.notes = append(f.notes, note)
		}
	}
	return spec, src.name, err
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf scenarioFlags
	sf.register(fs)
	out := fs.String("out", "", "output `dir`ectory (default: output.dir, else runs/<name>-<seed>)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	spec, srcName, err := sf.load()
	if err != nil {
		return err
	}
	dir := *out
	if dir == "" {
		dir = spec.Output.Dir
	}
	if dir == "" {
		dir = filepath.Join("runs", fmt.Sprintf("%s-%d", spec.Name, spec.Seed))
	}

	var bar *progressbar.ProgressBar
	opts := run.Options{}
	if !*quiet && isTerminal(stderr) {
		bar = progressbar.NewOptions(1000,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription(fmt.Sprintf("%s (%v virtual)", spec.Name, spec.Duration)),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetPredictTime(true),
		)
		opts.Progress = func(done float64) { _ = bar.Set(int(done * 1000)) }
	}

	start := time.Now()
	res, err := run.Run(spec, opts)
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return err
	}
	wall := time.Since(start)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	events := summaryValue(res, "events")
	completeManifest(res, spec, sf.notes)
	for _, n := range manifestNotes(res) {
		fmt.Fprintln(stderr, "sim: note:", n)
	}
	res.Perf = map[string]any{
		"wall_seconds":           wall.Seconds(),
		"events":                 events,
		"events_per_wall_second": events / wall.Seconds(),
		"heap_alloc_bytes":       ms.HeapAlloc,
		"sys_bytes":              ms.Sys,
		"gomaxprocs":             runtime.GOMAXPROCS(0),
	}
	res.SkipPlots = !spec.Output.Plots
	if err := results.Write(dir, res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s (from %s, seed %d): %d nodes, %v virtual in %.1fs wall (%.2gM events/s)\n",
		spec.Name, srcName, spec.Seed, spec.Nodes, spec.Duration, wall.Seconds(), events/wall.Seconds()/1e6)
	fmt.Fprintf(stdout, "  lookups after warm-up: %.0f, success %.2f%%, incorrect %.2f%%, failed %.2f%%\n",
		summaryValue(res, "lookups.count"), 100*summaryValue(res, "lookups.success_rate"),
		100*summaryValue(res, "lookups.incorrect_rate"), 100*summaryValue(res, "lookups.failed_rate"))
	fmt.Fprintf(stdout, "  hops mean %.2f (p99 %.0f), latency p50 %.0f ms (p99 %.0f ms), traffic %.1f B/node/s\n",
		summaryValue(res, "hops.mean"), summaryValue(res, "hops.p99"),
		summaryValue(res, "latency_ms.p50"), summaryValue(res, "latency_ms.p99"),
		summaryValue(res, "traffic.bytes_per_node_per_s"))
	fmt.Fprintf(stdout, "  results in %s\n", dir)
	return nil
}

// completeManifest adds to what the run itself recorded in its manifest
// (the underlay used) the versions, the scenario, the seed, the resolved
// configuration and the notes of loading.
func completeManifest(res *results.Run, spec scenario.Spec, notes []string) {
	manifest, _ := res.Manifest.(map[string]any)
	if manifest == nil {
		manifest = map[string]any{}
	}
	manifest["peerlab_version"] = Version
	manifest["go_version"] = runtime.Version()
	manifest["scenario"] = spec.Name
	manifest["seed"] = spec.Seed
	manifest["config"] = spec.Resolved()
	runNotes, _ := manifest["notes"].([]string)
	if all := append(slices.Clone(notes), runNotes...); len(all) > 0 {
		manifest["notes"] = all
	}
	res.Manifest = manifest
}

// manifestNotes returns the notes completeManifest gathered.
func manifestNotes(res *results.Run) []string {
	manifest, _ := res.Manifest.(map[string]any)
	notes, _ := manifest["notes"].([]string)
	return notes
}

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf scenarioFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	spec, srcName, err := sf.load()
	if err != nil {
		return err
	}
	text, err := yaml.Marshal(spec.Resolved())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# %s: valid; resolved configuration:\n%s", srcName, text)
	return nil
}

func cmdChurn(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim churn", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf scenarioFlags
	sf.register(fs)
	out := fs.String("out", "", "write the schedule to `file` (default: standard output)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	spec, _, err := sf.load()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := run.WriteSchedule(&buf, spec); err != nil {
		return err
	}
	if *out == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	return writeFileAtomic(*out, buf.Bytes())
}

// writeFileAtomic writes data to a temporary file beside path, then renames
// it into place, so path is never left half-written.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

func cmdPlot(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim plot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: sim plot DIR: want exactly one run directory", errUsage)
	}
	dir := fs.Arg(0)
	if err := results.PlotFromDir(dir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "plots redrawn in %s\n", dir)
	return nil
}

func summaryValue(r *results.Run, key string) float64 {
	for _, m := range r.Summary {
		if m.Key == key {
			return m.Value
		}
	}
	return 0
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
