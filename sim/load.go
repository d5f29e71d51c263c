package main

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"peerlab/churn"
	"peerlab/scenario"
	"peerlab/scenarios"
	"peerlab/underlay"
)

// source is a scenario's YAML text and where it came from.
type source struct {
	name string // as shown in messages: a path, or "embedded:NAME"
	data []byte
}

// findScenario resolves -scenario: an existing file path; else a bare NAME
// found as scenarios/NAME.yaml under the working directory; else the embedded
// scenario NAME. An empty arg means the embedded default.
func findScenario(arg string) (source, error) {
	if arg == "" {
		arg = "default"
	}
	// An existing file wins; a directory of the same name (such as the
	// churn package beside scenarios/) does not count.
	if fi, err := os.Stat(arg); err == nil && !fi.IsDir() {
		data, err := os.ReadFile(arg)
		if err != nil {
			return source{}, fmt.Errorf("scenario %s: %w", arg, err)
		}
		return source{name: arg, data: data}, nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return source{}, fmt.Errorf("scenario %s: %w", arg, err)
	}
	if !strings.ContainsAny(arg, `/\`) {
		name := strings.TrimSuffix(arg, ".yaml")
		local := filepath.Join("scenarios", name+".yaml")
		if data, err := os.ReadFile(local); err == nil {
			return source{name: local, data: data}, nil
		}
		if data, err := scenarios.Read(name); err == nil {
			return source{name: "embedded:" + name, data: data}, nil
		}
	}
	return source{}, fmt.Errorf("scenario %q: no such file, and no scenarios/%s.yaml here nor an embedded scenario of that name (embedded: %s)",
		arg, strings.TrimSuffix(arg, ".yaml"), strings.Join(scenarios.Names(), ", "))
}

// splitSweep separates a scenario's `sweep:` block from the rest: it
// returns the scenario without it, and the block decoded as plain YAML
// values (nil when there is none).
func splitSweep(src source) (source, any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src.data, &doc); err != nil {
		return src, nil, fmt.Errorf("%s: not valid YAML: %w", src.name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return src, nil, nil // not a mapping: viper will say what is wrong
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "sweep" {
			continue
		}
		var raw any
		if err := m.Content[i+1].Decode(&raw); err != nil {
			return src, nil, fmt.Errorf("%s:%d: sweep: %w", src.name, m.Content[i].Line, err)
		}
		m.Content = append(m.Content[:i:i], m.Content[i+2:]...)
		data, err := yaml.Marshal(&doc)
		if err != nil {
			return src, nil, fmt.Errorf("%s: %w", src.name, err)
		}
		if raw == nil {
			raw = map[string]any{}
		}
		return source{name: src.name, data: data}, raw, nil
	}
	return src, nil, nil
}

// loadSpec decodes a scenario strictly onto the defaults, applies -set
// overrides (key=value, value parsed as a YAML scalar) and validates it. A
// `sweep:` block is left out: only `sim sweep` reads it.
func loadSpec(src source, sets []string) (scenario.Spec, error) {
	src, _, err := splitSweep(src)
	if err != nil {
		return scenario.Spec{}, err
	}
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(src.data)); err != nil {
		return scenario.Spec{}, fmt.Errorf("%s: not valid YAML: %w", src.name, err)
	}
	known := knownKeys(reflect.TypeOf(scenario.Spec{}), "")
	if err := checkKeys(v.AllKeys(), known, src.name); err != nil {
		return scenario.Spec{}, err
	}
	var raw map[string]any
	if err := yaml.Unmarshal(src.data, &raw); err == nil {
		if key := emptyValue(raw, ""); key != "" {
			return scenario.Spec{}, fmt.Errorf("%s: %s: no value given; give one or remove the key to keep the default", src.name, key)
		}
	}
	for _, s := range sets {
		key, val, ok := strings.Cut(s, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return scenario.Spec{}, fmt.Errorf("%w: -set %q: want key=value, e.g. -set nodes=4096", errUsage, s)
		}
		if err := checkKeys([]string{key}, known, "-set"); err != nil {
			return scenario.Spec{}, err
		}
		var parsed any
		if err := yaml.Unmarshal([]byte(val), &parsed); err != nil {
			return scenario.Spec{}, fmt.Errorf("-set %s: cannot read value %q: %v", key, val, err)
		}
		if parsed == nil {
			parsed = ""
		}
		v.Set(key, parsed)
	}
	spec := scenario.Default()
	err = v.UnmarshalExact(&spec, func(c *mapstructure.DecoderConfig) {
		c.WeaklyTypedInput = false
		c.ErrorUnused = true
		c.DecodeHook = mapstructure.ComposeDecodeHookFunc(durationHook, integerHook)
	})
	if err != nil {
		return scenario.Spec{}, fmt.Errorf("%s: %s", src.name, tidyDecodeError(err))
	}
	// A weibull or pareto distribution given by its scale must not keep the
	// default mean it was decoded onto: only a mean the user set too is
	// "both" (which Validate rejects).
	for _, d := range []struct {
		key  string
		dist *churn.Dist
	}{{"churn.session", &spec.Churn.Session}, {"churn.downtime", &spec.Churn.Downtime}} {
		if (d.dist.Kind == "weibull" || d.dist.Kind == "pareto") && d.dist.Scale != 0 &&
			v.IsSet(d.key+".scale") && !v.IsSet(d.key+".mean") {
			d.dist.Mean = 0
		}
	}
	// A relative data file named in a scenario file is relative to that
	// file's folder, so the scenario runs from any working directory.
	if !strings.HasPrefix(src.name, "embedded:") {
		for _, f := range []*string{&spec.Underlay.MatrixFile, &spec.Churn.Trace.File, &spec.Topology.File} {
			if *f != "" && !filepath.IsAbs(*f) {
				*f = filepath.Join(filepath.Dir(src.name), *f)
			}
		}
	}
	if err := spec.Validate(); err != nil {
		return scenario.Spec{}, fmt.Errorf("%s: %w", src.name, err)
	}
	return spec, nil
}

// emptyValue returns the dotted key of the first (in sorted order) key
// written with no value (`nodes:` alone, which YAML reads as null), or "".
// Decoding would keep the default for it: a silent default the user did
// not ask for.
func emptyValue(settings map[string]any, prefix string) string {
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		switch val := settings[k].(type) {
		case nil:
			return prefix + k
		case map[string]any:
			if key := emptyValue(val, prefix+k+"."); key != "" {
				return key
			}
		}
	}
	return ""
}

// applyFallbacks switches a matrix underlay whose file is missing to the
// euclidean model when the scenario allows it (underlay.matrix_fallback),
// and returns a note for the manifest saying so ("" when nothing changed).
func applyFallbacks(spec *scenario.Spec) string {
	u := &spec.Underlay
	if u.Model != underlay.ModelMatrix || u.MatrixFallback != underlay.ModelEuclidean {
		return ""
	}
	if _, err := os.Stat(u.MatrixFile); err == nil {
		return ""
	}
	note := fmt.Sprintf("matrix file %s not found: ran on the euclidean model (median RTT %v) instead", u.MatrixFile, u.MedianRTT)
	u.Model = underlay.ModelEuclidean
	return note
}

var durationType = reflect.TypeOf(time.Duration(0))

// durationHook parses durations from strings such as "30s" or "1h30m" and
// rejects bare numbers, which would otherwise silently mean nanoseconds.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != durationType {
		return data, nil
	}
	s, ok := data.(string)
	if !ok {
		return nil, fmt.Errorf("want a duration with a unit such as \"30s\" or \"1h\", got %v", data)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return nil, fmt.Errorf("want a duration such as \"30s\" or \"1h\", got %q", s)
	}
	return d, nil
}

// integerHook rejects a number that an integer field cannot hold exactly,
// which mapstructure would otherwise truncate (2.5 becomes 2) or wrap around
// (1e20 becomes a negative number). Integral floats such as 4096.0 or 1e3
// are accepted. Durations are left to durationHook.
func integerHook(from, to reflect.Type, data any) (any, error) {
	if to == durationType || data == nil {
		return data, nil
	}
	var signed bool
	switch to.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		signed = true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
	default:
		return data, nil
	}
	zero := reflect.Zero(to)
	outOfRange := func() (any, error) {
		if signed {
			lo := int64(-1) << (to.Bits() - 1)
			return nil, fmt.Errorf("want an integer between %d and %d, got %v", lo, -(lo + 1), data)
		}
		return nil, fmt.Errorf("want an integer between 0 and %d, got %v", ^uint64(0)>>(64-to.Bits()), data)
	}
	v := reflect.ValueOf(data)
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) {
			return nil, fmt.Errorf("want an integer, got %v", data)
		}
		limit := math.Ldexp(1, to.Bits()) // 2^bits: the unsigned range's end
		if signed {
			limit /= 2
			if f < -limit || f >= limit {
				return outOfRange()
			}
			return int64(f), nil
		}
		if f < 0 || f >= limit {
			return outOfRange()
		}
		return uint64(f), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i := v.Int()
		if signed && zero.OverflowInt(i) || !signed && (i < 0 || zero.OverflowUint(uint64(i))) {
			return outOfRange()
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := v.Uint()
		if signed && (u > math.MaxInt64 || zero.OverflowInt(int64(u))) || !signed && zero.OverflowUint(u) {
			return outOfRange()
		}
	}
	return data, nil
}

// decodeErrorKey matches the start of a mapstructure error, "'chord.bits' ...".
var decodeErrorKey = regexp.MustCompile(`^'([^']*)' `)

// tidyDecodeError drops mapstructure's preamble and writes each error as
// "key: message", several joined by "; ".
func tidyDecodeError(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "decoding failed due to the following error(s):")
	var out []string
	for _, line := range strings.Split(msg, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, decodeErrorKey.ReplaceAllString(line, "$1: "))
		}
	}
	return strings.Join(out, "; ")
}

// knownKeys lists the dotted keys of a struct type's mapstructure tags; a
// nested struct contributes both its own key and its fields.
func knownKeys(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("mapstructure")
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		key := prefix + tag
		out = append(out, key)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem() // an optional block, e.g. churn.mass_failure
		}
		if ft.Kind() == reflect.Struct && ft != durationType {
			out = append(out, knownKeys(ft, key+".")...)
		}
	}
	return out
}

// checkKeys reports the first key that the schema does not know, with the
// closest known key as a suggestion.
func checkKeys(keys, known []string, where string) error {
	slices.Sort(keys)
	for _, k := range keys {
		if slices.Contains(known, k) {
			continue
		}
		best, bestD := "", 4
		for _, c := range known {
			if d := editDistance(k, c); d < bestD {
				best, bestD = c, d
			}
		}
		if best != "" {
			return fmt.Errorf("%s: unknown key %q (did you mean %q?)", where, k, best)
		}
		return fmt.Errorf("%s: unknown key %q (known top-level keys: %s)", where, k, strings.Join(topLevel(known), ", "))
	}
	return nil
}

func topLevel(known []string) []string {
	var out []string
	for _, k := range known {
		if !strings.Contains(k, ".") {
			out = append(out, k)
		}
	}
	return out
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
