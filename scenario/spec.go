// Package scenario defines a simulation scenario as typed, validated Go
// structs: what a scenario YAML file decodes into. Decoding itself (YAML,
// -set overrides, strict key checking) is done by the sim command; this
// package holds the schema, the defaults and the rules.
package scenario

import (
	"fmt"
	"reflect"
	"time"

	"peerlab/protocols/chord"
	"peerlab/underlay"
)

// Spec is one scenario. Field tags give the YAML keys.
type Spec struct {
	// Name names the scenario; the default output directory is runs/<name>-<seed>.
	Name string `mapstructure:"name"`
	// Seed is the master seed every random stream is derived from.
	Seed uint64 `mapstructure:"seed"`
	// Nodes is the number of hosts.
	Nodes int `mapstructure:"nodes"`
	// Duration is the virtual time simulated.
	Duration time.Duration `mapstructure:"duration"`
	// Warmup is excluded from summary.json (lookups issued before it are
	// written to lookups.csv but not summarised).
	Warmup time.Duration `mapstructure:"warmup"`
	// Protocol is the overlay protocol: "chord".
	Protocol string          `mapstructure:"protocol"`
	Chord    chord.Config    `mapstructure:"chord"`
	Underlay underlay.Config `mapstructure:"underlay"`
	Workload Workload        `mapstructure:"workload"`
	Churn    Churn           `mapstructure:"churn"`
	Output   Output          `mapstructure:"output"`
}

// Workload is the lookup traffic the nodes generate.
type Workload struct {
	// LookupInterval is the mean gap between two lookups of one node; gaps
	// are exponentially distributed. 0 disables lookups.
	LookupInterval time.Duration `mapstructure:"lookup_interval"`
	// Keys is the number of keys stored in the overlay; each lookup asks for
	// one of them, uniformly at random.
	Keys int `mapstructure:"keys"`
}

// Churn says how nodes arrive and, later, come and go.
type Churn struct {
	// Model is the churn model; only "none" (no departures) so far.
	Model string `mapstructure:"model"`
	// Arrival is how the initial population joins: "all" at time 0 or
	// "ramp" (evenly spread over ArrivalWindow).
	Arrival string `mapstructure:"arrival"`
	// ArrivalWindow is the span of a "ramp" arrival.
	ArrivalWindow time.Duration `mapstructure:"arrival_window"`
}

// Output says what a run writes.
type Output struct {
	// Dir is the run directory; empty means runs/<name>-<seed>.
	Dir string `mapstructure:"dir"`
	// SampleInterval is the width of a timeseries.csv row.
	SampleInterval time.Duration `mapstructure:"sample_interval"`
	// Plots turns the PNG and SVG figures on or off.
	Plots bool `mapstructure:"plots"`
}

// Default returns the scenario every file is decoded on top of: a 1,000-node
// Chord ring over a Euclidean underlay with a 100 ms median RTT, nodes
// arriving over 5 minutes, 40 minutes measured after a 20-minute warm-up.
func Default() Spec {
	return Spec{
		Name:     "default",
		Seed:     1,
		Nodes:    1000,
		Duration: time.Hour,
		Warmup:   20 * time.Minute,
		Protocol: "chord",
		Chord:    chord.DefaultConfig(),
		Underlay: underlay.DefaultConfig(),
		Workload: Workload{LookupInterval: time.Minute, Keys: 10000},
		Churn:    Churn{Model: "none", Arrival: "ramp", ArrivalWindow: 10 * time.Minute},
		Output:   Output{SampleInterval: time.Minute, Plots: true},
	}
}

// Validate checks every value; an error names the key and what was expected.
func (s Spec) Validate() error {
	switch {
	case s.Name == "":
		return fmt.Errorf("name: must not be empty")
	case s.Nodes < 1 || s.Nodes > 10_000_000:
		return fmt.Errorf("nodes: must be between 1 and 10000000, got %d", s.Nodes)
	case s.Duration <= 0:
		return fmt.Errorf("duration: must be a positive duration, got %v", s.Duration)
	case s.Warmup < 0 || s.Warmup >= s.Duration:
		return fmt.Errorf("warmup: must be in [0, duration=%v), got %v", s.Duration, s.Warmup)
	case s.Protocol != "chord":
		return fmt.Errorf("protocol: unknown protocol %q (want chord)", s.Protocol)
	case s.Workload.LookupInterval < 0:
		return fmt.Errorf("workload.lookup_interval: must not be negative, got %v", s.Workload.LookupInterval)
	case s.Workload.Keys < 1 || s.Workload.Keys > 100_000_000:
		return fmt.Errorf("workload.keys: must be between 1 and 100000000, got %d", s.Workload.Keys)
	case s.Churn.Model != "none":
		return fmt.Errorf("churn.model: unknown model %q (want none)", s.Churn.Model)
	case s.Churn.Arrival != "all" && s.Churn.Arrival != "ramp":
		return fmt.Errorf("churn.arrival: want \"all\" or \"ramp\", got %q", s.Churn.Arrival)
	case s.Churn.ArrivalWindow < 0 || s.Churn.ArrivalWindow > s.Duration:
		return fmt.Errorf("churn.arrival_window: must be in [0, duration=%v], got %v", s.Duration, s.Churn.ArrivalWindow)
	case s.Output.SampleInterval <= 0 || s.Output.SampleInterval > s.Duration:
		return fmt.Errorf("output.sample_interval: must be in (0, duration=%v], got %v", s.Duration, s.Output.SampleInterval)
	}
	if err := s.Chord.Validate(); err != nil {
		return err
	}
	if s.Protocol == "chord" && s.Chord.Bits < 64 {
		if need := float64(s.Nodes*s.Chord.VirtualNodes) * 2; need > float64(uint64(1)<<uint(s.Chord.Bits)) {
			return fmt.Errorf("chord.bits: %d bits give %d identifiers, too few for %d nodes x %d virtual nodes (at most half the ring may be used)",
				s.Chord.Bits, uint64(1)<<uint(s.Chord.Bits), s.Nodes, s.Chord.VirtualNodes)
		}
	}
	return s.Underlay.Validate()
}

// Resolved returns the spec as nested maps keyed like the YAML file, with
// durations written as strings ("20s"): the resolved configuration recorded in
// a run's manifest.
func (s Spec) Resolved() map[string]any {
	return resolve(reflect.ValueOf(s)).(map[string]any)
}

var durationType = reflect.TypeOf(time.Duration(0))

func resolve(v reflect.Value) any {
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	if v.Kind() != reflect.Struct {
		return v.Interface()
	}
	m := make(map[string]any, v.NumField())
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		tag := f.Tag.Get("mapstructure")
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		m[tag] = resolve(v.Field(i))
	}
	return m
}
