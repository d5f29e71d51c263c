package sweep

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Assignment is one parameter of a run set to one value.
type Assignment struct {
	// Key is the dotted scenario key.
	Key string
	// Value is an int64, float64, string or bool. Strings are passed on as
	// written (durations such as "30s" included).
	Value any
}

// Text returns the value as plain text, as aggregate.csv and the -list
// table show it: 64, 0.5, 30s, chord, true.
func (a Assignment) Text() string { return valueText(a.Value) }

// Literal returns the value as a YAML scalar: like Text, but strings are
// double-quoted ("chord"), so that it reads back as the same type.
func (a Assignment) Literal() string { return literal(a.Value) }

// SetArg returns "key=literal", the form of a `-set` override, which
// parses back (as YAML) to Value.
func (a Assignment) SetArg() string { return a.Key + "=" + a.Literal() }

// RunSpec is one run of a sweep.
type RunSpec struct {
	// Index numbers the run within the plan, 0..Len()-1; it names the run
	// directory runs/<Index>.
	Index int
	// Config numbers the parameter combination, 0..Configs()-1.
	Config int
	// Repetition numbers the run within its configuration, 0..Repetitions()-1.
	Repetition int
	// Params are the parameter values, in the order of Spec.Parameters,
	// each parameter followed by its linked keys (Parameter.With): the
	// order of Plan.Keys.
	Params []Assignment
	// Seed is the run's master seed (see RunSeed).
	Seed uint64
	// ConfigHash identifies what the run computes: the base scenario's hash,
	// the parameter values, the repetition and the seed (see ConfigHash). A
	// finished run records it in done.json; Execute redoes a run whose
	// recorded hash differs.
	ConfigHash string
}

// Label returns the parameter values as "key=text" pairs joined by ", ",
// or "(base)" for a sweep without parameters.
func (r RunSpec) Label() string { return tupleLabel(r.Params) }

func tupleLabel(as []Assignment) string {
	if len(as) == 0 {
		return "(base)"
	}
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.Key + "=" + a.Text()
	}
	return strings.Join(parts, ", ")
}

// canonicalTuple is the text the seed and config hash are computed from:
// one "key=literal" line per parameter, sorted by key, so that it depends
// neither on the order the parameters are listed in nor on the run index.
func canonicalTuple(as []Assignment) string {
	lines := make([]string, len(as))
	for i, a := range as {
		lines[i] = a.SetArg() + "\n"
	}
	slices.Sort(lines)
	return strings.Join(lines, "")
}

// RunSeed returns the seed of the run with the given parameter values and
// repetition, under the base seed. It is the first 8 bytes, big-endian, of
// the SHA-256 of
//
//	"peerlab sweep seed v1\n" +
//	"base=<base seed in decimal>\n" +
//	"<key>=<literal>\n" for every parameter, sorted +
//	"repetition=<repetition in decimal>\n"
//
// where <literal> is Assignment.Literal. This format is a contract: changing
// it changes the seed of every sweep run.
func RunSeed(base uint64, params []Assignment, repetition int) uint64 {
	var b strings.Builder
	b.WriteString("peerlab sweep seed v1\n")
	b.WriteString("base=" + strconv.FormatUint(base, 10) + "\n")
	b.WriteString(canonicalTuple(params))
	b.WriteString("repetition=" + strconv.Itoa(repetition) + "\n")
	sum := sha256.Sum256([]byte(b.String()))
	return binary.BigEndian.Uint64(sum[:8])
}

// ConfigHash returns the hex SHA-256 of
//
//	"peerlab sweep config v1\n" +
//	"base=<baseHash>\n" +
//	"seed=<seed>\n" +
//	"repetition=<repetition>\n" +
//	"<key>=<literal>\n" for every parameter, sorted
//
// Two runs with the same config hash compute the same thing, given that
// baseHash identifies the base scenario.
func ConfigHash(baseHash string, params []Assignment, repetition int, seed uint64) string {
	var b strings.Builder
	b.WriteString("peerlab sweep config v1\n")
	b.WriteString("base=" + baseHash + "\n")
	b.WriteString("seed=" + strconv.FormatUint(seed, 10) + "\n")
	b.WriteString("repetition=" + strconv.Itoa(repetition) + "\n")
	b.WriteString(canonicalTuple(params))
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// HashBase returns the hex SHA-256 of v encoded as JSON (maps with sorted
// keys): a convenient base hash, e.g. of the resolved base scenario
// (scenario.Spec.Resolved()) without its output directory.
func HashBase(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("sweep: hashing the base scenario: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// planParam is one parameter or linked key with its values expanded: a
// column of the plan.
type planParam struct {
	key     string
	values  []any
	log     bool
	dim     int // the factor of the cartesian product: the index of its Spec.Parameters entry
	linked  bool
	primary int // the column of the factor's parameter (itself, for a parameter)
}

// Plan is a validated sweep: every run's parameters, repetition and seed.
// It is immutable and safe for concurrent use.
type Plan struct {
	// params are the columns: every parameter followed by its linked keys.
	params []planParam
	// dims holds the number of values of each factor of the cartesian
	// product (one per Spec.Parameters entry).
	dims     []int
	reps     int
	configs  int
	metrics  []string
	baseSeed uint64
	baseHash string
}

// NewPlan expands spec into its runs. baseSeed is the base scenario's seed;
// baseHash identifies the base scenario (e.g. HashBase of its resolved
// form), so that a change to it makes Execute redo every run. The spec is
// validated, without a key check (Spec.Validate with nil): the caller
// validates the keys first.
func NewPlan(spec Spec, baseSeed uint64, baseHash string) (*Plan, error) {
	if err := spec.Validate(nil); err != nil {
		return nil, err
	}
	p := &Plan{reps: spec.Repetitions, configs: 1, metrics: spec.metrics(), baseSeed: baseSeed, baseHash: baseHash}
	for d, sp := range spec.Parameters {
		vs, err := sp.Expand()
		if err != nil { // unreachable after Validate
			return nil, err
		}
		primary := len(p.params)
		p.params = append(p.params, planParam{key: sp.Key, values: vs, log: sp.IsLog(), dim: d, primary: primary})
		for _, l := range sp.With {
			lv, err := l.Expand()
			if err != nil { // unreachable after Validate
				return nil, err
			}
			p.params = append(p.params, planParam{key: l.Key, values: lv, log: l.IsLog(), dim: d, linked: true, primary: primary})
		}
		p.dims = append(p.dims, len(vs))
		p.configs *= len(vs)
	}
	return p, nil
}

// Len returns the number of runs: Configs() * Repetitions().
func (p *Plan) Len() int { return p.configs * p.reps }

// Configs returns the number of parameter combinations.
func (p *Plan) Configs() int { return p.configs }

// Repetitions returns the number of runs per configuration.
func (p *Plan) Repetitions() int { return p.reps }

// Metrics returns the summary.json keys to aggregate, in spec order.
func (p *Plan) Metrics() []string { return slices.Clone(p.metrics) }

// BaseSeed returns the base seed the run seeds are derived from.
func (p *Plan) BaseSeed() uint64 { return p.baseSeed }

// Keys returns the parameter keys in spec order, each parameter followed
// by its linked keys: the columns of -list and aggregate.csv, and the
// order of RunSpec.Params. The indices taken by Values, IsLog and LinkedTo
// are positions in this list.
func (p *Plan) Keys() []string {
	out := make([]string, len(p.params))
	for i, pp := range p.params {
		out[i] = pp.key
	}
	return out
}

// Values returns the values of parameter k (an index into Keys), in order.
func (p *Plan) Values(k int) []any { return slices.Clone(p.params[k].values) }

// IsLog reports whether parameter k came from a log range.
func (p *Plan) IsLog(k int) bool { return p.params[k].log }

// LinkedTo returns, for a linked key k (an index into Keys), the key of the
// parameter it moves with; for a parameter of its own it returns "".
func (p *Plan) LinkedTo(k int) string {
	if !p.params[k].linked {
		return ""
	}
	return p.params[p.params[k].primary].key
}

// together returns the other keys of column k's factor: a parameter's
// linked keys, or a linked key's parameter and fellow linked keys.
func (p *Plan) together(k int) []string {
	var out []string
	for j, pp := range p.params {
		if j != k && pp.dim == p.params[k].dim {
			out = append(out, pp.key)
		}
	}
	return out
}

// keyIndex returns the position of key among the parameters, or -1.
func (p *Plan) keyIndex(key string) int {
	for i, pp := range p.params {
		if pp.key == key {
			return i
		}
	}
	return -1
}

// Tuple returns the parameter values of configuration c: the cartesian
// product's element c, with the first parameter varying slowest, each
// linked key at the position of its parameter's value. The assignments are
// in the order of Keys.
func (p *Plan) Tuple(c int) []Assignment {
	if c < 0 || c >= p.configs {
		panic(fmt.Sprintf("sweep: configuration %d out of range [0, %d)", c, p.configs))
	}
	pos := make([]int, len(p.dims))
	for d := len(p.dims) - 1; d >= 0; d-- {
		pos[d] = c % p.dims[d]
		c /= p.dims[d]
	}
	as := make([]Assignment, len(p.params))
	for k, pp := range p.params {
		as[k] = Assignment{Key: pp.key, Value: pp.values[pos[pp.dim]]}
	}
	return as
}

// Index returns the run index of repetition rep of configuration c.
func (p *Plan) Index(c, rep int) int { return c*p.reps + rep }

// Run returns run i, 0 <= i < Len(): configuration i / Repetitions(),
// repetition i % Repetitions(). It panics when i is out of range.
func (p *Plan) Run(i int) RunSpec {
	if i < 0 || i >= p.Len() {
		panic(fmt.Sprintf("sweep: run %d out of range [0, %d)", i, p.Len()))
	}
	c, rep := i/p.reps, i%p.reps
	as := p.Tuple(c)
	seed := RunSeed(p.baseSeed, as, rep)
	return RunSpec{
		Index: i, Config: c, Repetition: rep, Params: as, Seed: seed,
		ConfigHash: ConfigHash(p.baseHash, as, rep, seed),
	}
}

// WriteTable writes the runs of shard s (the zero Shard: all runs) as an
// aligned table: index, repetition, seed, then one column per key of Keys
// (linked keys included).
func (p *Plan) WriteTable(w io.Writer, s Shard) error {
	s = s.norm()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := append([]string{"index", "rep", "seed"}, p.Keys()...)
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for i := 0; i < p.Len(); i++ {
		if !s.Contains(i) {
			continue
		}
		r := p.Run(i)
		row := []string{strconv.Itoa(i), strconv.Itoa(r.Repetition), strconv.FormatUint(r.Seed, 10)}
		for _, a := range r.Params {
			row = append(row, a.Text())
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}
