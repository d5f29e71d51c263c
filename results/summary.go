package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// summaryNode is one level of the nested summary.json object: either a leaf
// holding a value or an object holding children.
type summaryNode struct {
	leaf  bool
	value float64
	kids  map[string]*summaryNode
}

// nestMetrics turns dotted keys into a tree, rejecting empty path segments,
// duplicates, and keys that are both a value and an object.
func nestMetrics(ms []Metric) (*summaryNode, error) {
	root := &summaryNode{kids: map[string]*summaryNode{}}
	for _, m := range ms {
		parts := strings.Split(m.Key, ".")
		n := root
		for i, p := range parts {
			if p == "" {
				return nil, fmt.Errorf("metric key %q: empty path segment", m.Key)
			}
			k, ok := n.kids[p]
			last := i == len(parts)-1
			switch {
			case !ok && last:
				n.kids[p] = &summaryNode{leaf: true, value: m.Value}
			case !ok:
				k = &summaryNode{kids: map[string]*summaryNode{}}
				n.kids[p] = k
			case last && k.leaf:
				return nil, fmt.Errorf("metric key %q: duplicate", m.Key)
			case last || k.leaf:
				return nil, fmt.Errorf("metric key %q: %q is both a value and an object", m.Key, strings.Join(parts[:i+1], "."))
			}
			n = k
		}
	}
	return root, nil
}

// writeSummary writes ms as nested JSON objects with sorted keys, two-space
// indentation and a trailing newline. NaN and ±Inf are written as null.
func writeSummary(w io.Writer, ms []Metric) error {
	root, err := nestMetrics(ms)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := encodeNode(&b, root, 0); err != nil {
		return err
	}
	b.WriteByte('\n')
	_, err = w.Write(b.Bytes())
	return err
}

func encodeNode(b *bytes.Buffer, n *summaryNode, depth int) error {
	if n.leaf {
		b.WriteString(jsonNumber(n.value))
		return nil
	}
	if len(n.kids) == 0 {
		b.WriteString("{}")
		return nil
	}
	keys := make([]string, 0, len(n.kids))
	for k := range n.kids {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteString("{\n")
	for i, k := range keys {
		b.WriteString(strings.Repeat("  ", depth+1))
		q, err := json.Marshal(k)
		if err != nil {
			return err
		}
		b.Write(q)
		b.WriteString(": ")
		if err := encodeNode(b, n.kids[k], depth+1); err != nil {
			return err
		}
		if i < len(keys)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString(strings.Repeat("  ", depth))
	b.WriteByte('}')
	return nil
}

// jsonNumber formats v as encoding/json does (integers without a fractional
// part, exponents only for very small or large magnitudes), or null when v
// is not finite.
func jsonNumber(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil { // unreachable for finite values
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return string(b)
}

// parseSummary reads summary.json back into metrics with dotted keys, sorted
// by key. null reads back as NaN.
func parseSummary(data []byte) ([]Metric, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the top-level object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object at the top level, got %s", jsonKind(v))
	}
	var ms []Metric
	if err := flatten("", obj, &ms); err != nil {
		return nil, err
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Key < ms[j].Key })
	return ms, nil
}

func flatten(prefix string, obj map[string]any, out *[]Metric) error {
	for k, v := range obj {
		if k == "" || strings.Contains(k, ".") {
			return fmt.Errorf("key %q in %q: want a non-empty name without '.'", k, prefix)
		}
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		switch x := v.(type) {
		case nil:
			*out = append(*out, Metric{Key: path, Value: math.NaN()})
		case json.Number:
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil {
				return fmt.Errorf("key %q: want a number, got %s", path, x)
			}
			*out = append(*out, Metric{Key: path, Value: f})
		case map[string]any:
			if err := flatten(path, x, out); err != nil {
				return err
			}
		default:
			return fmt.Errorf("key %q: want a number, null or object, got %s", path, jsonKind(v))
		}
	}
	return nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	case json.Number:
		return "a number"
	}
	return "an object"
}

// jsonError adds the line number to a JSON syntax error where it is known.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var off int64
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	default:
		return err
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return &lineError{line: 1 + bytes.Count(data[:off], []byte("\n")), err: err}
}

// lineError is an error at a known line of a file.
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *lineError) Unwrap() error { return e.err }
