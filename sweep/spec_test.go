package sweep

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestExpand(t *testing.T) {
	tests := []struct {
		name string
		p    Parameter
		want []any
		log  bool
	}{
		{"list of scalars", Parameter{Values: []any{64, 1.5, "chord", true, uint8(3), 30 * time.Second}},
			[]any{int64(64), 1.5, "chord", true, int64(3), "30s"}, false},
		{"list of duration strings", Parameter{Values: []any{"10s", "1m"}}, []any{"10s", "1m"}, false},
		{"linear integers", Parameter{Linear: &Range{From: 0, To: 100, Steps: 5}},
			[]any{int64(0), int64(25), int64(50), int64(75), int64(100)}, false},
		{"linear integers rounded", Parameter{Linear: &Range{From: 1, To: 10, Steps: 4}},
			[]any{int64(1), int64(4), int64(7), int64(10)}, false},
		{"linear reals without float noise", Parameter{Linear: &Range{From: 0.1, To: 0.5, Steps: 5}},
			[]any{0.1, 0.2, 0.3, 0.4, 0.5}, false},
		{"linear with a real end", Parameter{Linear: &Range{From: 0, To: 1.0, Steps: 3}},
			[]any{0.0, 0.5, 1.0}, false},
		{"linear descending", Parameter{Linear: &Range{From: 10, To: 0, Steps: 3}},
			[]any{int64(10), int64(5), int64(0)}, false},
		{"log powers of two", Parameter{Log: &Range{From: 64, To: 16384, Steps: 9}},
			[]any{int64(64), int64(128), int64(256), int64(512), int64(1024), int64(2048), int64(4096), int64(8192), int64(16384)}, true},
		{"log decades", Parameter{Log: &Range{From: 0.001, To: 1.0, Steps: 4}},
			[]any{0.001, 0.01, 0.1, 1.0}, true},
		{"log rounded", Parameter{Log: &Range{From: 10, To: 1000, Steps: 5}},
			[]any{int64(10), int64(32), int64(100), int64(316), int64(1000)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.Expand()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
			if tt.p.IsLog() != tt.log {
				t.Errorf("IsLog = %v, want %v", tt.p.IsLog(), tt.log)
			}
		})
	}
}

func TestValidateNamesTheParameter(t *testing.T) {
	ok := Parameter{Key: "nodes", Values: []any{10, 20}}
	known := func(k string) error {
		if strings.HasPrefix(k, "chord.") || k == "nodes" || k == "protocol" {
			return nil
		}
		return fmt.Errorf("unknown key %q", k)
	}
	tests := []struct {
		name string
		p    Parameter
		want []string // substrings of the error
	}{
		{"empty list", Parameter{Key: "chord.stabilize", Values: []any{}}, []string{"sweep.parameters[1] (chord.stabilize)", "values: empty list"}},
		{"nothing given", Parameter{Key: "chord.stabilize"}, []string{"sweep.parameters[1] (chord.stabilize)", "one of values, linear or log"}},
		{"values and linear", Parameter{Key: "chord.bits", Values: []any{1}, Linear: &Range{From: 1, To: 2, Steps: 2}}, []string{"[1] (chord.bits)", "only one of"}},
		{"linear and log", Parameter{Key: "chord.bits", Linear: &Range{From: 1, To: 2, Steps: 2}, Log: &Range{From: 1, To: 2, Steps: 2}}, []string{"[1] (chord.bits)", "only one of"}},
		{"one step", Parameter{Key: "chord.bits", Linear: &Range{From: 1, To: 8, Steps: 1}}, []string{"[1] (chord.bits)", "linear: steps"}},
		{"zero steps", Parameter{Key: "chord.bits", Log: &Range{From: 1, To: 8}}, []string{"[1] (chord.bits)", "log: steps"}},
		{"log from zero", Parameter{Key: "nodes", Log: &Range{From: 0, To: 64, Steps: 3}}, []string{"[1] (nodes)", "log: from and to must be positive"}},
		{"equal ends", Parameter{Key: "nodes", Linear: &Range{From: 5, To: 5, Steps: 3}}, []string{"[1] (nodes)", "two different ends"}},
		{"duration range", Parameter{Key: "chord.stabilize", Linear: &Range{From: "10s", To: "1m", Steps: 3}}, []string{"[1] (chord.stabilize)", "linear: from: want a number", "values"}},
		{"missing end", Parameter{Key: "nodes", Linear: &Range{From: 5, Steps: 3}}, []string{"[1] (nodes)", "to: missing"}},
		{"rounding repeats", Parameter{Key: "nodes", Log: &Range{From: 1, To: 4, Steps: 9}}, []string{"[1] (nodes)", "repeats a value"}},
		{"repeated value", Parameter{Key: "protocol", Values: []any{"chord", "kademlia", "chord"}}, []string{"[1] (protocol)", `"chord" appears at positions 0 and 2`}},
		{"null value", Parameter{Key: "protocol", Values: []any{"chord", nil}}, []string{"[1] (protocol)", "values[1]", "null"}},
		{"list value", Parameter{Key: "protocol", Values: []any{[]any{1}}}, []string{"[1] (protocol)", "values[0]"}},
		{"NaN", Parameter{Key: "chord.bits", Values: []any{1.0, math.NaN()}}, []string{"[1] (chord.bits)", "values[1]: want a finite number"}},
		{"unknown key", Parameter{Key: "nodez", Values: []any{1}}, []string{"[1] (nodez)", `unknown key "nodez"`}},
		{"empty key", Parameter{Values: []any{1}}, []string{"sweep.parameters[1]: key"}},
		{"seed", Parameter{Key: "seed", Values: []any{1, 2}}, []string{"[1] (seed)", "repetitions"}},
		{"duplicate key", Parameter{Key: "nodes", Values: []any{5}}, []string{"[1] (nodes)", "already varied by sweep.parameters[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Spec{Parameters: []Parameter{ok, tt.p}, Repetitions: 1}
			err := s.Validate(known)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestValidateSpecLevel(t *testing.T) {
	p := []Parameter{{Key: "nodes", Values: []any{1, 2}}}
	tests := []struct {
		name string
		s    Spec
		want string
	}{
		{"zero repetitions", Spec{Parameters: p}, "sweep.repetitions"},
		{"empty metric", Spec{Parameters: p, Repetitions: 1, Metrics: []string{"hops.mean", ""}}, "sweep.metrics[1]"},
		{"malformed metric", Spec{Parameters: p, Repetitions: 1, Metrics: []string{"hops..mean"}}, "sweep.metrics[0]"},
		{"duplicate metric", Spec{Parameters: p, Repetitions: 1, Metrics: []string{"hops.mean", "hops.mean"}}, "listed twice"},
		{"too many runs", Spec{Repetitions: 1000, Parameters: []Parameter{
			{Key: "a", Linear: &Range{From: 1, To: 1000, Steps: 1000}},
			{Key: "b", Linear: &Range{From: 1, To: 1000, Steps: 1000}}}}, "more than 1000000 runs (1000 x 1000 values x 1000 repetitions)"},
		{"fine", Spec{Parameters: p, Repetitions: 3}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Validate(nil)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestValidateKeyCheckError(t *testing.T) {
	sentinel := errors.New(`unknown key "chord.stabilise" (did you mean "chord.stabilize"?)`)
	s := Spec{Repetitions: 1, Parameters: []Parameter{{Key: "chord.stabilise", Values: []any{"10s"}}}}
	err := s.Validate(func(string) error { return sentinel })
	if !errors.Is(err, sentinel) || !strings.HasPrefix(err.Error(), "sweep.parameters[0] (chord.stabilise): unknown key") {
		t.Fatalf("got %v", err)
	}
}
