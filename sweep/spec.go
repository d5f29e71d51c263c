package sweep

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Limits on the size of a sweep, to catch a typo before it schedules years
// of simulation.
const (
	// MaxSteps is the largest number of values a linear or log range may
	// expand to.
	MaxSteps = 10_000
	// MaxRepetitions is the largest repetition count.
	MaxRepetitions = 10_000
	// MaxRuns is the largest number of runs a sweep may have.
	MaxRuns = 1_000_000
)

// DefaultMetrics are the summary.json keys aggregated when Spec.Metrics is
// empty.
var DefaultMetrics = []string{
	"hops.mean",
	"latency_ms.p50",
	"lookups.success_rate",
	"traffic.bytes_per_node_per_s",
}

// Spec is the `sweep:` block of a scenario file. Field tags give the YAML
// keys. Decode it onto DefaultSpec so that an omitted repetitions means 1.
type Spec struct {
	// Parameters are the scenario keys varied, each with its values. The
	// first parameter varies slowest in the run numbering.
	Parameters []Parameter `mapstructure:"parameters"`
	// Repetitions is the number of runs of every configuration, each with
	// its own seed; at least 1.
	Repetitions int `mapstructure:"repetitions"`
	// Metrics are the summary.json keys (dotted, e.g. "latency_ms.p50")
	// aggregated over the repetitions; empty means DefaultMetrics.
	Metrics []string `mapstructure:"metrics"`
}

// DefaultSpec returns the spec a `sweep:` block is decoded on top of: one
// repetition, no parameters, the default metrics.
func DefaultSpec() Spec { return Spec{Repetitions: 1} }

// Parameter is one scenario key and the values it takes. Exactly one of
// Values, Linear and Log must be given.
type Parameter struct {
	// Key is the dotted scenario key, as in `-set`, e.g. "chord.stabilize".
	Key string `mapstructure:"key"`
	// Values lists the values in order: numbers, strings (durations are
	// written as strings, "30s") or booleans.
	Values []any `mapstructure:"values"`
	// Linear spaces Steps values evenly from From to To.
	Linear *Range `mapstructure:"linear"`
	// Log spaces Steps values evenly on a logarithmic scale from From to
	// To, which must both be positive: 64..16384 in 9 steps gives the
	// powers of two.
	Log *Range `mapstructure:"log"`
	// With lists linked parameters: further keys that move together with
	// Key instead of multiplying the sweep. Each gives as many values as
	// Key, and a run that sets Key to its i-th value sets each linked key
	// to its own i-th value, so that Key and its With entries form one
	// factor of the cartesian product (e.g. a NATed share x as
	// underlay.nat.symmetric, with underlay.nat.public at 1 - x).
	With []Linked `mapstructure:"with"`
}

// Linked is a key of a Parameter's With list: it takes, in every run, the
// value at the position of the parameter's value. Exactly one of Values,
// Linear and Log must be given, expanding to as many values as the
// parameter's; unlike a parameter's, they may repeat (the parameter's own
// values, which may not, tell the runs apart).
type Linked struct {
	// Key is the dotted scenario key, as in Parameter.Key.
	Key string `mapstructure:"key"`
	// Values lists the values in order, as in Parameter.Values.
	Values []any `mapstructure:"values"`
	// Linear is a linear range, as in Parameter.Linear.
	Linear *Range `mapstructure:"linear"`
	// Log is a logarithmic range, as in Parameter.Log.
	Log *Range `mapstructure:"log"`
}

// Range is a linear or logarithmic run of numbers, both ends included.
//
// From and To must be numbers. When both are integers (written without a
// decimal point, so that they decode as Go integers) every value is rounded
// to the nearest integer, and a range whose rounded values repeat is an
// error; otherwise values are float64 rounded to 12 significant digits, so
// that 0.1..0.5 in 5 steps gives 0.3 rather than 0.30000000000000004.
// From may be greater than To (a descending range); it may not equal it.
// Steps is the number of values, at least 2 and at most MaxSteps. Ranges
// are numbers only: list durations under Values.
type Range struct {
	From  any `mapstructure:"from"`
	To    any `mapstructure:"to"`
	Steps int `mapstructure:"steps"`
}

// Validate checks the spec. knownKey is called with every parameter key,
// linked keys included, and returns an error when the scenario has no such
// key (it may be nil to skip that check). Errors name the parameter by its
// index and key, e.g. `sweep.parameters[1] (chord.stabilize): values: empty
// list`, and a linked key by its position too:
// `sweep.parameters[0] (underlay.nat.symmetric): with[0] (underlay.nat.public): 4 values, want 5 ...`.
// A key may be varied only once: by one parameter, or as one linked key.
func (s Spec) Validate(knownKey func(key string) error) error {
	if s.Repetitions < 1 || s.Repetitions > MaxRepetitions {
		return fmt.Errorf("sweep.repetitions: must be between 1 and %d, got %d", MaxRepetitions, s.Repetitions)
	}
	seen := map[string]string{} // key -> where it is varied
	for i, p := range s.Parameters {
		if err := p.validate(knownKey); err != nil {
			return paramError(i, p.Key, err)
		}
		if where, dup := seen[p.Key]; dup {
			return paramError(i, p.Key, fmt.Errorf("key: already varied by %s", where))
		}
		seen[p.Key] = fmt.Sprintf("sweep.parameters[%d]", i)
		for j, l := range p.With {
			if where, dup := seen[l.Key]; dup {
				if l.Key == p.Key {
					where = "the parameter itself"
				}
				return paramError(i, p.Key, linkedError(j, l.Key, fmt.Errorf("key: already varied by %s", where)))
			}
			seen[l.Key] = fmt.Sprintf("sweep.parameters[%d].with[%d] (linked to %s)", i, j, p.Key)
		}
	}
	seenM := map[string]bool{}
	for i, m := range s.Metrics {
		if m == "" || strings.HasPrefix(m, ".") || strings.HasSuffix(m, ".") || strings.Contains(m, "..") {
			return fmt.Errorf("sweep.metrics[%d]: want a dotted summary.json key such as \"hops.mean\", got %q", i, m)
		}
		if seenM[m] {
			return fmt.Errorf("sweep.metrics[%d]: %q listed twice", i, m)
		}
		seenM[m] = true
	}
	n := s.Repetitions
	for _, p := range s.Parameters {
		vs, _ := p.Expand() // checked above
		if n > MaxRuns/len(vs) {
			return fmt.Errorf("sweep: more than %d runs (%s)", MaxRuns, s.sizeText())
		}
		n *= len(vs)
	}
	return nil
}

// sizeText describes the size of the product, e.g. "3 x 9 values x 5 repetitions".
func (s Spec) sizeText() string {
	var parts []string
	for _, p := range s.Parameters {
		vs, _ := p.Expand()
		parts = append(parts, strconv.Itoa(len(vs)))
	}
	return strings.Join(parts, " x ") + fmt.Sprintf(" values x %d repetitions", s.Repetitions)
}

// metrics returns the metrics to aggregate: Metrics, or DefaultMetrics.
func (s Spec) metrics() []string {
	if len(s.Metrics) == 0 {
		return append([]string(nil), DefaultMetrics...)
	}
	return append([]string(nil), s.Metrics...)
}

func paramError(i int, key string, err error) error {
	if key == "" {
		return fmt.Errorf("sweep.parameters[%d]: %w", i, err)
	}
	return fmt.Errorf("sweep.parameters[%d] (%s): %w", i, key, err)
}

func linkedError(j int, key string, err error) error {
	if key == "" {
		return fmt.Errorf("with[%d]: %w", j, err)
	}
	return fmt.Errorf("with[%d] (%s): %w", j, key, err)
}

func checkKey(key string, knownKey func(string) error) error {
	if strings.TrimSpace(key) == "" {
		return errors.New("key: must name a scenario key, e.g. \"nodes\"")
	}
	if key == "seed" {
		return errors.New("key: seed cannot be swept: every run gets its own seed, derived from the base seed; use repetitions")
	}
	if knownKey != nil {
		if err := knownKey(key); err != nil {
			return err
		}
	}
	return nil
}

func (p Parameter) validate(knownKey func(string) error) error {
	if err := checkKey(p.Key, knownKey); err != nil {
		return err
	}
	vs, err := p.Expand()
	if err != nil {
		return err
	}
	if p.With != nil && len(p.With) == 0 {
		return errors.New("with: empty list (leave it out, or list the linked keys)")
	}
	for j, l := range p.With {
		if err := checkKey(l.Key, knownKey); err != nil {
			return linkedError(j, l.Key, err)
		}
		lv, err := l.Expand()
		if err != nil {
			return linkedError(j, l.Key, err)
		}
		if len(lv) != len(vs) {
			return linkedError(j, l.Key, fmt.Errorf("%d values, want %d: a linked key takes one value per value of %s, which has %d",
				len(lv), len(vs), p.Key, len(vs)))
		}
	}
	return nil
}

// IsLog reports whether the parameter's values come from a log range (its
// figures then use a logarithmic axis).
func (p Parameter) IsLog() bool { return isLog(p.Values, p.Linear, p.Log) }

// IsLog reports whether the linked key's values come from a log range.
func (l Linked) IsLog() bool { return isLog(l.Values, l.Linear, l.Log) }

func isLog(values []any, linear, log *Range) bool {
	return log != nil && values == nil && linear == nil
}

// Expand returns the parameter's values, each an int64, float64, string or
// bool, in the order given. A value may not appear twice. The linked keys
// (With) are left out: see Linked.Expand. Errors do not name the parameter
// (Validate adds that).
func (p Parameter) Expand() ([]any, error) {
	return expand(p.Values, p.Linear, p.Log, true)
}

// Expand returns the linked key's values, as Parameter.Expand does, except
// that a value may appear more than once. It does not check their number
// against the parameter's (Spec.Validate does).
func (l Linked) Expand() ([]any, error) {
	return expand(l.Values, l.Linear, l.Log, false)
}

// expand returns the values of a list or range; with distinct, a repeated
// value is an error.
func expand(values []any, linear, log *Range, distinct bool) ([]any, error) {
	given := 0
	for _, set := range []bool{values != nil, linear != nil, log != nil} {
		if set {
			given++
		}
	}
	switch {
	case given == 0:
		return nil, errors.New("want one of values, linear or log")
	case given > 1:
		return nil, errors.New("want only one of values, linear and log, got more")
	}
	var out []any
	switch {
	case values != nil:
		if len(values) == 0 {
			return nil, errors.New("values: empty list")
		}
		for i, v := range values {
			nv, err := normalize(v)
			if err != nil {
				return nil, fmt.Errorf("values[%d]: %w", i, err)
			}
			out = append(out, nv)
		}
	case linear != nil:
		vs, err := linear.expand(false)
		if err != nil {
			return nil, fmt.Errorf("linear: %w", err)
		}
		out = vs
	default:
		vs, err := log.expand(true)
		if err != nil {
			return nil, fmt.Errorf("log: %w", err)
		}
		out = vs
	}
	if !distinct {
		return out, nil
	}
	seen := map[string]int{}
	for i, v := range out {
		lit := literal(v)
		if j, dup := seen[lit]; dup {
			what := "values"
			if values == nil {
				what = "range: rounded to integers, it repeats a value (use fewer steps, or write from/to with a decimal point for real values)"
			}
			return nil, fmt.Errorf("%s: %s appears at positions %d and %d", what, lit, j, i)
		}
		seen[lit] = i
	}
	return out, nil
}

// normalize turns a decoded scalar into an int64, float64, string or bool.
func normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, errors.New("want a number, string or boolean, got nothing (null)")
	case string, bool:
		return x, nil
	case time.Duration:
		return x.String(), nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := rv.Uint(); u <= math.MaxInt64 {
			return int64(u), nil
		}
		return nil, fmt.Errorf("%v is too large", v)
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("want a finite number, got %v", f)
		}
		return f, nil
	}
	return nil, fmt.Errorf("want a number, string or boolean, got %T", v)
}

// number reads a range end: its value and whether it is an integer.
func number(name string, v any) (float64, bool, error) {
	rv := reflect.ValueOf(v)
	if v != nil {
		switch rv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if i := rv.Int(); i > 1<<53 || i < -(1<<53) {
				return 0, false, fmt.Errorf("%s: %d is too large for a range (at most 2^53)", name, i)
			}
			return float64(rv.Int()), true, nil
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			if rv.Uint() > 1<<53 {
				return 0, false, fmt.Errorf("%s: %d is too large for a range (at most 2^53)", name, rv.Uint())
			}
			return float64(rv.Uint()), true, nil
		case reflect.Float32, reflect.Float64:
			f := rv.Float()
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return 0, false, fmt.Errorf("%s: want a finite number, got %v", name, f)
			}
			return f, false, nil
		}
	}
	if s, ok := v.(string); ok {
		return 0, false, fmt.Errorf("%s: want a number, got %q (ranges are numeric; list durations under values)", name, s)
	}
	if v == nil {
		return 0, false, fmt.Errorf("%s: missing", name)
	}
	return 0, false, fmt.Errorf("%s: want a number, got %T", name, v)
}

// expand returns the range's values: int64 when both ends are integers,
// else float64.
func (r Range) expand(log bool) ([]any, error) {
	from, fromInt, err := number("from", r.From)
	if err != nil {
		return nil, err
	}
	to, toInt, err := number("to", r.To)
	if err != nil {
		return nil, err
	}
	switch {
	case r.Steps < 2 || r.Steps > MaxSteps:
		return nil, fmt.Errorf("steps: must be between 2 and %d, got %d (for a single value use values: [x])", MaxSteps, r.Steps)
	case from == to:
		return nil, fmt.Errorf("from and to are both %v: a range needs two different ends", from)
	case log && (from <= 0 || to <= 0):
		return nil, fmt.Errorf("from and to must be positive for a log range, got %v and %v", from, to)
	}
	integer := fromInt && toInt
	out := make([]any, r.Steps)
	for i := range r.Steps {
		t := float64(i) / float64(r.Steps-1)
		var v float64
		switch {
		case i == 0:
			v = from
		case i == r.Steps-1:
			v = to
		case log:
			v = from * math.Pow(to/from, t)
		default:
			v = from + (to-from)*t
		}
		if integer {
			out[i] = int64(math.Round(v))
		} else {
			out[i] = round12(v)
		}
	}
	return out, nil
}

// round12 rounds v to 12 significant digits.
func round12(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	if err != nil {
		return v
	}
	return r
}

// valueText is the plain text of a value: what aggregate.csv and -list show.
func valueText(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// literal is a value as a YAML scalar: strings double-quoted, so that the
// string "64" and the number 64 differ.
func literal(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return valueText(v)
}
