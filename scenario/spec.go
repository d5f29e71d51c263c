// Package scenario defines a simulation scenario as typed, validated Go
// structs: what a scenario YAML file decodes into. Decoding itself (YAML,
// -set overrides, strict key checking) is done by the sim command; this
// package holds the schema, the defaults and the rules.
package scenario

import (
	"fmt"
	"reflect"
	"time"

	"peerlab/churn"
	"peerlab/content"
	"peerlab/protocols/chord"
	"peerlab/protocols/gnutella"
	"peerlab/protocols/kademlia"
	"peerlab/protocols/superpeer"
	"peerlab/topology"
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
	// Protocol is the overlay protocol: "chord", "kademlia", "gnutella" or
	// "superpeer".
	Protocol string          `mapstructure:"protocol"`
	Chord    chord.Config    `mapstructure:"chord"`
	Kademlia kademlia.Config `mapstructure:"kademlia"`
	Gnutella gnutella.Config `mapstructure:"gnutella"`

	// Superpeer configures protocol superpeer: Napster, KaZaA or Skype.
	Superpeer superpeer.Config `mapstructure:"superpeer"`
	// Topology is the initial overlay graph of an unstructured protocol
	// (gnutella); structured protocols ignore it.
	Topology topology.Spec `mapstructure:"topology"`
	// Content is what an unstructured protocol searches for: objects,
	// their popularity and replication (gnutella; the DHTs store
	// workload.keys instead).
	Content  content.Config  `mapstructure:"content"`
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
	// Keys is the number of keys stored in a DHT (chord, kademlia); each
	// lookup asks for one of them, uniformly at random. Gnutella searches
	// for the objects of the content block instead, by Zipf popularity.
	Keys int `mapstructure:"keys"`
}

// Churn says how nodes arrive, leave and come back. A run first turns it
// into a schedule of joins, leaves and crashes (package churn); `sim churn`
// writes that schedule out.
type Churn struct {
	// Model is "none" (nodes only arrive), "sessions" (nodes alternate online
	// sessions and offline downtimes drawn from Session and Downtime) or
	// "trace" (replay Trace).
	Model string `mapstructure:"model"`
	// Arrival is how the initial population joins: "all" at time 0,
	// "ramp" (evenly spread over ArrivalWindow) or "poisson" (a Poisson
	// process ending around ArrivalWindow). Not used by "trace".
	Arrival string `mapstructure:"arrival"`
	// ArrivalWindow is the span of a "ramp" or "poisson" arrival.
	ArrivalWindow time.Duration `mapstructure:"arrival_window"`
	// Session and Downtime are the lifetime distributions of "sessions".
	Session  churn.Dist `mapstructure:"session"`
	Downtime churn.Dist `mapstructure:"downtime"`
	// GracefulFraction is the share of departures that are graceful leaves
	// rather than crashes.
	GracefulFraction float64 `mapstructure:"graceful_fraction"`
	// HeterogeneousMeans, when set, draws each node's own mean session
	// length from this distribution.
	HeterogeneousMeans *churn.Dist `mapstructure:"heterogeneous_means"`
	// MassFailure, when set, crashes a fraction of the live nodes at once.
	MassFailure *churn.MassFailure `mapstructure:"mass_failure"`
	// Trace is the file replayed by "trace".
	Trace Trace `mapstructure:"trace"`
}

// Trace names a churn trace to replay and how to map it onto the run.
type Trace struct {
	// File is the trace; a relative path is relative to the scenario file.
	File string `mapstructure:"file"`
	// Format is "csv" (peerlab's time_s,node,event), "oversim"
	// (<time> <node> JOIN|LEAVE), "peersim" (availability lists) or "fta"
	// (Failure Trace Archive event trace).
	Format string `mapstructure:"format"`
	// Offset shifts the replay later; Scale multiplies trace durations
	// (0.001 plays a trace day in 86.4 s).
	Offset time.Duration `mapstructure:"offset"`
	Scale  float64       `mapstructure:"scale"`
	// From and To keep only trace times in [From, To), in the trace's own
	// seconds (Unix seconds for FTA); 0 means unbounded.
	From float64 `mapstructure:"from"`
	To   float64 `mapstructure:"to"`
	// Departure is how an online interval ends: "leave", "crash", or
	// "default" (the format's own: crash for FTA, leave otherwise).
	Departure string `mapstructure:"departure"`
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
		Kademlia: kademlia.DefaultConfig(),
		Gnutella: gnutella.DefaultConfig(),
		Topology: topology.DefaultSpec(),
		Content:  content.DefaultConfig(),
		Underlay: underlay.DefaultConfig(),
		Workload: Workload{LookupInterval: time.Minute, Keys: 10000},

		Superpeer: superpeer.DefaultConfig(),
		Churn: Churn{
			Model: "none", Arrival: "ramp", ArrivalWindow: 10 * time.Minute,
			Session:          churn.Dist{Kind: "exponential", Mean: time.Hour},
			Downtime:         churn.Dist{Kind: "exponential", Mean: time.Hour},
			GracefulFraction: 0.5,
			Trace:            Trace{Format: "csv", Scale: 1, Departure: "default"},
		},
		Output: Output{SampleInterval: time.Minute, Plots: true},
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
	case s.Protocol != "chord" && s.Protocol != "kademlia" && s.Protocol != "gnutella" && s.Protocol != "superpeer":
		return fmt.Errorf("protocol: unknown protocol %q (want chord, kademlia, gnutella or superpeer)", s.Protocol)
	case s.Workload.LookupInterval < 0:
		return fmt.Errorf("workload.lookup_interval: must not be negative, got %v", s.Workload.LookupInterval)
	case s.Workload.Keys < 1 || s.Workload.Keys > 100_000_000:
		return fmt.Errorf("workload.keys: must be between 1 and 100000000, got %d", s.Workload.Keys)
	case s.Churn.Model != "none" && s.Churn.Model != "sessions" && s.Churn.Model != "trace":
		return fmt.Errorf("churn.model: unknown model %q (want none, sessions or trace)", s.Churn.Model)
	case s.Churn.Arrival != "all" && s.Churn.Arrival != "ramp" && s.Churn.Arrival != "poisson":
		return fmt.Errorf("churn.arrival: want \"all\", \"ramp\" or \"poisson\", got %q", s.Churn.Arrival)
	case s.Churn.ArrivalWindow < 0 || s.Churn.ArrivalWindow > s.Duration:
		return fmt.Errorf("churn.arrival_window: must be in [0, duration=%v], got %v", s.Duration, s.Churn.ArrivalWindow)
	case s.Churn.Arrival != "all" && s.Churn.ArrivalWindow == 0:
		return fmt.Errorf("churn.arrival_window: must be positive for %s arrival", s.Churn.Arrival)
	case s.Output.SampleInterval <= 0 || s.Output.SampleInterval > s.Duration:
		return fmt.Errorf("output.sample_interval: must be in (0, duration=%v], got %v", s.Duration, s.Output.SampleInterval)
	}
	if err := s.validateChurn(); err != nil {
		return err
	}
	if err := s.Chord.Validate(); err != nil {
		return err
	}
	if err := s.Kademlia.Validate(); err != nil {
		return err
	}
	if err := s.Gnutella.Validate(); err != nil {
		return err
	}
	if err := s.Superpeer.Validate(); err != nil {
		return err
	}
	if err := s.Topology.Validate(); err != nil {
		return err
	}
	if err := s.Content.Validate(); err != nil {
		return err
	}
	if s.Protocol == "kademlia" && s.Kademlia.Bits < 64 && float64(s.Nodes)*2 > float64(uint64(1)<<uint(s.Kademlia.Bits)) {
		return fmt.Errorf("kademlia.bits: %d bits give too few identifiers for %d nodes (at most half the space may be used)", s.Kademlia.Bits, s.Nodes)
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

// validateChurn checks the keys the chosen churn model uses.
func (s Spec) validateChurn() error {
	switch s.Churn.Model {
	case "sessions":
		return s.ChurnModel().Validate()
	case "trace":
		t := s.Churn.Trace
		switch {
		case t.File == "":
			return fmt.Errorf("churn.trace.file: must name a trace file for churn.model trace")
		case t.Format != "csv" && t.Format != "oversim" && t.Format != "peersim" && t.Format != "fta":
			return fmt.Errorf("churn.trace.format: want csv, oversim, peersim or fta, got %q", t.Format)
		case t.Offset < 0:
			return fmt.Errorf("churn.trace.offset: must not be negative, got %v", t.Offset)
		case !(t.Scale > 0):
			return fmt.Errorf("churn.trace.scale: must be positive, got %v", t.Scale)
		case t.To != 0 && t.To <= t.From:
			return fmt.Errorf("churn.trace.to: must be after churn.trace.from (%v), got %v", t.From, t.To)
		case t.Departure != "default" && t.Departure != "leave" && t.Departure != "crash":
			return fmt.Errorf("churn.trace.departure: want default, leave or crash, got %q", t.Departure)
		}
	}
	return nil
}

// ChurnModel returns the churn model of a "sessions" (or "none") scenario
// over the scenario's population. With "none", sessions outlast the run, so
// nodes only arrive.
func (s Spec) ChurnModel() churn.Model {
	m := churn.Model{
		Session: s.Churn.Session, Downtime: s.Churn.Downtime,
		Population: s.Nodes, GracefulFraction: s.Churn.GracefulFraction,
		HeterogeneousMeans: s.Churn.HeterogeneousMeans, MassFailure: s.Churn.MassFailure,
		Arrival: s.Churn.Arrival, ArrivalWindow: s.Churn.ArrivalWindow,
	}
	if s.Churn.Model == "none" {
		forever := churn.Dist{Kind: "fixed", Mean: 2*s.Duration + time.Second}
		m.Session, m.Downtime, m.HeterogeneousMeans, m.MassFailure = forever, forever, nil, nil
	}
	return m
}

var durationType = reflect.TypeOf(time.Duration(0))

func resolve(v reflect.Value) any {
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		return resolve(v.Elem())
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
