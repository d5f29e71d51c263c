package churn

import (
	"fmt"
	"math"
	"math/bits"
	"time"

	"peerlab/engine"
)

// MassFailure crashes a fraction of the live nodes at one instant.
type MassFailure struct {
	// At is when the failure strikes, since the start of the run.
	At time.Duration `mapstructure:"at"`
	// Fraction of the nodes online at At that crash, in [0, 1]; the count is
	// rounded to the nearest integer (halves away from zero).
	Fraction float64 `mapstructure:"fraction"`
}

// Model is a synthetic churn model: Population nodes arrive according to
// Arrival, then each alternates online sessions (lengths drawn from Session)
// and offline downtimes (drawn from Downtime) until the end of the run. A
// session ends with a Leave with probability GracefulFraction, else with a
// Crash.
//
// Randomness: node i draws everything from streams.Stream("churn", i), in
// this order: its session mean (only with HeterogeneousMeans), then per
// session the length, the graceful/crash coin (drawn even when
// GracefulFraction is 0 or 1, so changing it does not shift the other draws)
// and the following downtime. Poisson arrival gaps come from
// Stream("churn-arrival", 0) and the choice of mass-failure victims from
// Stream("churn-mass-failure", 0). A schedule thus depends only on the model,
// the duration and the master seed, and one node's draws do not depend on
// any other's.
type Model struct {
	// Session is the distribution of online session lengths.
	Session Dist `mapstructure:"session"`
	// Downtime is the distribution of offline periods between sessions.
	Downtime Dist `mapstructure:"downtime"`
	// Population is the number of nodes (NodeIDs 0..Population-1).
	Population int `mapstructure:"population"`
	// GracefulFraction is the probability in [0, 1] that a session ends with
	// a Leave rather than a Crash.
	GracefulFraction float64 `mapstructure:"graceful_fraction"`
	// HeterogeneousMeans, if not nil, makes nodes differ: each node draws its
	// own mean session length from it once, and its sessions follow Session
	// with that mean (Session's Kind, Shape and Sigma are kept; a Scale is
	// replaced by the drawn mean). Downtimes are not affected.
	HeterogeneousMeans *Dist `mapstructure:"heterogeneous_means"`
	// MassFailure, if not nil, crashes a fraction of the live nodes at one
	// instant; the victims, chosen uniformly among the nodes online at At,
	// never return.
	MassFailure *MassFailure `mapstructure:"mass_failure"`
	// Arrival is how nodes first join: "all" at time 0 (also ""), "ramp"
	// (node i at ArrivalWindow·i/Population, as the runner's static ramp), or
	// "poisson" (a Poisson process of rate Population/ArrivalWindow, node i
	// being the i-th arrival, so the last one arrives around ArrivalWindow).
	Arrival string `mapstructure:"arrival"`
	// ArrivalWindow is the span of a ramp or poisson arrival; it is ignored
	// by "all".
	ArrivalWindow time.Duration `mapstructure:"arrival_window"`
}

// Validate checks every field; errors name the key under "churn.", e.g.
// "churn.session.shape: must be > 0, got 0".
func (m Model) Validate() error {
	if err := m.Session.Validate("churn.session"); err != nil {
		return err
	}
	if err := m.Downtime.Validate("churn.downtime"); err != nil {
		return err
	}
	if m.HeterogeneousMeans != nil {
		if err := m.HeterogeneousMeans.Validate("churn.heterogeneous_means"); err != nil {
			return err
		}
	}
	switch {
	case m.Population < 1 || m.Population > math.MaxInt32:
		return fmt.Errorf("churn.population: must be between 1 and %d, got %d", math.MaxInt32, m.Population)
	case !(m.GracefulFraction >= 0 && m.GracefulFraction <= 1):
		return fmt.Errorf("churn.graceful_fraction: must be in [0, 1], got %v", m.GracefulFraction)
	case m.MassFailure != nil && m.MassFailure.At < 0:
		return fmt.Errorf("churn.mass_failure.at: must not be negative, got %v", m.MassFailure.At)
	case m.MassFailure != nil && !(m.MassFailure.Fraction >= 0 && m.MassFailure.Fraction <= 1):
		return fmt.Errorf("churn.mass_failure.fraction: must be in [0, 1], got %v", m.MassFailure.Fraction)
	}
	switch m.Arrival {
	case "", "all":
	case "ramp", "poisson":
		if m.ArrivalWindow <= 0 {
			return fmt.Errorf("churn.arrival_window: must be > 0 for %s arrival, got %v", m.Arrival, m.ArrivalWindow)
		}
	default:
		return fmt.Errorf("churn.arrival: want all, ramp or poisson, got %q", m.Arrival)
	}
	return nil
}

// genSpan is one generated online session [start, end) ending with dep.
type genSpan struct {
	start, end engine.Time
	dep        Kind
}

// Generate computes the schedule of a run of the given duration: every event
// in [0, duration). Sessions or downtimes running past the end are cut (a
// node online at the end has no departure). Nodes is Population; a node
// whose arrival falls after the end has no events. The result is the same
// for the same model, duration and master seed (see Model for the streams
// used), and its events are ordered as described on Schedule, which here
// makes each node's first join come in NodeID order.
func (m Model) Generate(duration time.Duration, streams engine.Streams) (Schedule, error) {
	if err := m.Validate(); err != nil {
		return Schedule{}, err
	}
	if duration <= 0 {
		return Schedule{}, fmt.Errorf("churn: duration: must be > 0, got %v", duration)
	}
	if m.MassFailure != nil && m.MassFailure.At >= duration {
		return Schedule{}, fmt.Errorf("churn.mass_failure.at: must be before the end of the run (%v), got %v", duration, m.MassFailure.At)
	}
	n := m.Population
	end := engine.At(duration)

	arrival := make([]engine.Time, n)
	switch m.Arrival {
	case "ramp":
		for i := range arrival {
			hi, lo := bits.Mul64(uint64(m.ArrivalWindow), uint64(i))
			q, _ := bits.Div64(hi, lo, uint64(n)) // i < n, so no overflow
			arrival[i] = engine.Time(q)
		}
	case "poisson":
		rng := streams.Stream("churn-arrival", 0)
		gap := m.ArrivalWindow.Seconds() / float64(n)
		var t engine.Time
		for i := range arrival {
			t = addSat(t, seconds(rng.ExpFloat64()*gap))
			arrival[i] = t
		}
	}

	spans := make([][]genSpan, n)
	for i := range spans {
		rng := streams.Stream("churn", uint64(i))
		sess := m.Session
		if m.HeterogeneousMeans != nil {
			sess.Mean = max(m.HeterogeneousMeans.Sampler(rng)(), 1)
			sess.Scale = 0
		}
		session, downtime := sess.Sampler(rng), m.Downtime.Sampler(rng)
		for t := arrival[i]; t < end; {
			e := addSat(t, session())
			dep := Crash
			if rng.Float64() < m.GracefulFraction {
				dep = Leave
			}
			spans[i] = append(spans[i], genSpan{t, e, dep})
			if e >= end {
				break
			}
			t = addSat(e, downtime())
		}
	}

	if mf := m.MassFailure; mf != nil {
		at := engine.At(mf.At)
		type victim struct{ node, span int }
		var cand []victim
		for i, sp := range spans {
			for j, s := range sp {
				if s.start <= at && at < s.end {
					cand = append(cand, victim{i, j})
					break
				}
			}
		}
		k := int(math.Round(mf.Fraction * float64(len(cand))))
		rng := streams.Stream("churn-mass-failure", 0)
		for x := 0; x < k; x++ { // partial Fisher–Yates: cand[:k] is a uniform sample
			y := x + rng.IntN(len(cand)-x)
			cand[x], cand[y] = cand[y], cand[x]
			v := cand[x]
			spans[v.node] = spans[v.node][:v.span+1]
			spans[v.node][v.span].end, spans[v.node][v.span].dep = at, Crash
		}
	}

	total := 0
	for _, sp := range spans {
		total += 2 * len(sp)
	}
	s := Schedule{Nodes: n, Events: make([]Event, 0, total)}
	for i, sp := range spans {
		for _, x := range sp {
			s.Events = append(s.Events, Event{At: x.start, Node: engine.NodeID(i), Kind: Join})
			if x.end < end {
				s.Events = append(s.Events, Event{At: x.end, Node: engine.NodeID(i), Kind: x.dep})
			}
		}
	}
	s.Sort()
	return s, nil
}

// addSat returns t+d, saturating at engine.Never.
func addSat(t engine.Time, d time.Duration) engine.Time {
	if d > 0 && t > engine.Never-engine.Time(d) {
		return engine.Never
	}
	return t + engine.Time(d)
}
