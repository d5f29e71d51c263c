package sweep

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Files written into a sweep directory.
const (
	// AggregateFile is the table written by Aggregate.
	AggregateFile = "aggregate.csv"
	// SummaryFile is the file of a run directory Aggregate reads.
	SummaryFile = "summary.json"
)

// Stats summarises one metric over the repetitions of one configuration.
type Stats struct {
	// N is the number of finite values (runs whose summary has the metric
	// as null, e.g. a latency without successful lookups, are left out).
	N int
	// Mean is NaN when N is 0.
	Mean float64
	// Std is the sample standard deviation (divisor N-1); NaN when N < 2.
	Std float64
	// CILow and CIHigh bound the 95% confidence interval of the mean,
	// Mean -/+ t(0.975, N-1) * Std / sqrt(N) with Student's t; NaN when
	// N < 2.
	CILow, CIHigh float64
}

// Summarize returns the statistics of the finite values among xs.
func Summarize(xs []float64) Stats {
	var fin []float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			fin = append(fin, x)
		}
	}
	s := Stats{N: len(fin), Mean: math.NaN(), Std: math.NaN(), CILow: math.NaN(), CIHigh: math.NaN()}
	switch len(fin) {
	case 0:
		return s
	case 1:
		s.Mean = fin[0]
		return s
	}
	s.Mean, s.Std = stat.MeanStdDev(fin, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(fin) - 1)}.Quantile(0.975)
	half := t * s.Std / math.Sqrt(float64(len(fin)))
	s.CILow, s.CIHigh = s.Mean-half, s.Mean+half
	return s
}

// Row is one line of aggregate.csv: one metric of one configuration.
type Row struct {
	// Config numbers the configuration (see Plan.Tuple).
	Config int
	// Params are its parameter values, in spec order.
	Params []Assignment
	// Metric is the summary.json key.
	Metric string
	Stats
}

// ReadSummary reads the summary.json of a run directory into dotted keys
// ("latency_ms.p50"); null reads as NaN.
func ReadSummary(runDir string) (map[string]float64, error) {
	path := filepath.Join(runDir, SummaryFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: unexpected data after the top-level object", path)
	}
	out := map[string]float64{}
	if err := flatten("", top, out); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// flatten adds obj's leaves to out under dotted keys.
func flatten(prefix string, obj map[string]any, out map[string]float64) error {
	for k, v := range obj {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch x := v.(type) {
		case nil:
			out[key] = math.NaN()
		case json.Number:
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil {
				return fmt.Errorf("%s: bad number %s", key, x)
			}
			out[key] = f
		case map[string]any:
			if err := flatten(key, x, out); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: want a number, null or object, got %T", key, v)
		}
	}
	return nil
}

// AggregateOptions tune Collect and Aggregate.
type AggregateOptions struct {
	// Partial aggregates whatever runs are finished. Without it, a run that
	// is missing, unfinished or computed from another configuration (its
	// done.json records another config hash) is an error.
	Partial bool
}

// Collect reads the summaries of the plan's runs under the sweep directory
// dir and summarises every metric of every configuration: one Row per
// (configuration, metric), configurations in plan order, metrics in spec
// order. A metric missing from a finished run's summary.json is an error
// naming the file.
func Collect(dir string, plan *Plan, opts AggregateOptions) ([]Row, error) {
	metrics := plan.Metrics()
	var missing []int
	var rows []Row
	vals := make([][]float64, len(metrics))
	for c := 0; c < plan.Configs(); c++ {
		for m := range vals {
			vals[m] = vals[m][:0]
		}
		for rep := 0; rep < plan.Repetitions(); rep++ {
			r := plan.Run(plan.Index(c, rep))
			rd := RunDir(dir, r.Index)
			if d, err := ReadDone(rd); err != nil || d.ConfigHash != r.ConfigHash {
				missing = append(missing, r.Index)
				continue
			}
			sum, err := ReadSummary(rd)
			if err != nil {
				return nil, fmt.Errorf("sweep: aggregate: %w", err)
			}
			for m, key := range metrics {
				v, ok := sum[key]
				if !ok {
					return nil, fmt.Errorf("sweep: aggregate: %s: no metric %q", filepath.Join(rd, SummaryFile), key)
				}
				vals[m] = append(vals[m], v)
			}
		}
		as := plan.Tuple(c)
		for m, key := range metrics {
			rows = append(rows, Row{Config: c, Params: as, Metric: key, Stats: Summarize(vals[m])})
		}
	}
	if len(missing) > 0 && !opts.Partial {
		return nil, fmt.Errorf("sweep: aggregate: %d of %d runs in %s are not finished, or were computed from another configuration: %s (run the sweep again, merge the shards, or aggregate partially)",
			len(missing), plan.Len(), dir, indexList(missing, 20))
	}
	return rows, nil
}

// indexList writes up to max indices, then "and K more".
func indexList(idx []int, max int) string {
	var parts []string
	for i, n := range idx {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(idx)-max))
			break
		}
		parts = append(parts, strconv.Itoa(n))
	}
	return strings.Join(parts, ", ")
}

// Aggregate collects the plan's runs under the sweep directory dir (see
// Collect) and writes dir/aggregate.csv (see WriteAggregate).
func Aggregate(dir string, plan *Plan, opts AggregateOptions) ([]Row, error) {
	rows, err := Collect(dir, plan, opts)
	if err != nil {
		return nil, err
	}
	if err := WriteAggregate(filepath.Join(dir, AggregateFile), plan, rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// WriteAggregate writes rows as a tidy CSV table at path: one column per
// parameter key (the value's plain text), then
// metric,n,mean,std,ci95_low,ci95_high. Numbers are written in the shortest
// form that reads back exactly; a NaN (no value, or a standard deviation or
// interval from fewer than two values) is an empty field. The file is
// replaced atomically.
func WriteAggregate(path string, plan *Plan, rows []Row) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := append(plan.Keys(), "metric", "n", "mean", "std", "ci95_low", "ci95_high")
	if err := w.Write(head); err != nil {
		return err
	}
	for _, r := range rows {
		rec := make([]string, 0, len(head))
		for _, a := range r.Params {
			rec = append(rec, a.Text())
		}
		rec = append(rec, r.Metric, strconv.Itoa(r.N),
			fmtFloat(r.Mean), fmtFloat(r.Std), fmtFloat(r.CILow), fmtFloat(r.CIHigh))
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := writeFileAtomic(path, func(w io.Writer) error { _, err := w.Write(b.Bytes()); return err }); err != nil {
		return fmt.Errorf("sweep: write %s: %w", path, err)
	}
	return nil
}

// fmtFloat formats v in the shortest form that reads back exactly; NaN is
// the empty field.
func fmtFloat(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// writeFileAtomic writes path through a temporary file in the same folder
// renamed into place, so that path is never seen half-written.
func writeFileAtomic(path string, fill func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return errors.New("no file name")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriter(f)
	err = fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
