package run

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"gonum.org/v1/gonum/stat"

	"peerlab/churn"
	"peerlab/engine"
	"peerlab/results"
	"peerlab/scenario"
)

// Schedule returns the churn schedule a scenario runs: generated from its
// churn model (with "none", arrivals only), or read from its trace. The same
// scenario and seed always give the same schedule.
func Schedule(spec scenario.Spec) (churn.Schedule, error) {
	s, _, err := ScheduleStats(spec)
	return s, err
}

// ScheduleStats is Schedule that also returns, for a trace, what its reader
// saw and did (records, nodes and intervals kept, intervals dropped, merged,
// clipped or outside the replay window): the facts a run's manifest can
// record. The stats are nil for a generated schedule.
//
// Every format honours churn.trace offset, scale, from, to and departure. A
// csv trace keeps its own leave and crash events unless departure is leave
// or crash, and one with more nodes in the window than the scenario's nodes
// is an error; the other formats keep the first nodes that appear.
func ScheduleStats(spec scenario.Spec) (churn.Schedule, *churn.ReadStats, error) {
	if spec.Churn.Model != "trace" {
		s, err := spec.ChurnModel().Generate(spec.Duration, engine.NewStreams(spec.Seed))
		return s, nil, err
	}
	t := spec.Churn.Trace
	f, err := os.Open(t.File)
	if err != nil {
		return churn.Schedule{}, nil, fmt.Errorf("churn.trace.file: %w", err)
	}
	defer f.Close()
	opts := churn.ReplayOptions{
		Offset: t.Offset, Scale: t.Scale,
		Window:   churn.Window{From: t.From, To: t.To},
		MaxNodes: spec.Nodes,
	}
	switch t.Departure {
	case "leave":
		opts.Departure = churn.Leave
	case "crash":
		opts.Departure = churn.Crash
	}
	var s churn.Schedule
	var st churn.ReadStats
	switch t.Format {
	case "csv":
		opts.MaxNodes = 0 // too many nodes is an error, below
		s, st, err = churn.ReplayCSV(f, t.File, opts)
		if err == nil && s.Nodes > spec.Nodes {
			err = fmt.Errorf("%s: the trace has %d nodes online in the replay window, more than nodes=%d", t.File, s.Nodes, spec.Nodes)
		}
	case "oversim":
		s, st, err = churn.ReadOverSim(f, t.File, opts)
	case "peersim":
		s, st, err = churn.ReadPeerSim(f, t.File, opts)
	case "fta":
		s, st, err = churn.ReadFTA(f, t.File, opts)
	default:
		err = fmt.Errorf("churn.trace.format: unknown format %q", t.Format)
	}
	if err != nil {
		return churn.Schedule{}, nil, err
	}
	return s, &st, nil
}

// WriteSchedule writes the schedule of spec to w in peerlab's CSV format.
func WriteSchedule(w io.Writer, spec scenario.Spec) error {
	s, err := Schedule(spec)
	if err != nil {
		return err
	}
	return churn.WriteCSV(w, s)
}

// sessionStats returns the realised online sessions of a schedule, sorted,
// each with the configured session distribution's CDF at its length (NaN
// when there is no single model to compare with: a trace, or per-node
// means), and adds to the summary their count, the censored ones (still
// online at the end, left out), their mean, and the Kolmogorov–Smirnov
// distance between realised and configured distributions.
//
// Censoring biases the realised sample towards short sessions — a session
// is only seen whole if it ends before the run does — so a small KS
// distance remains even for a perfect sampler, larger for short runs.
func sessionStats(spec *scenario.Spec, s churn.Schedule, sum []results.Metric) ([]results.SessionRow, []results.Metric) {
	lengths, censored := churn.Sessions(s)
	xs := make([]float64, len(lengths))
	for i, l := range lengths {
		xs[i] = l.Seconds()
	}
	slices.Sort(xs)
	var cdf func(float64) float64
	if spec.Churn.Model == "sessions" && spec.Churn.HeterogeneousMeans == nil {
		cdf = spec.Churn.Session.CDF
	}
	rows := make([]results.SessionRow, len(xs))
	mean := math.NaN()
	if len(xs) > 0 {
		mean = stat.Mean(xs, nil)
	}
	for i, x := range xs {
		rows[i] = results.SessionRow{LengthS: x, ModelCDF: math.NaN()}
		if cdf != nil {
			rows[i].ModelCDF = cdf(x)
		}
	}
	ks := math.NaN()
	if cdf != nil && len(xs) > 0 {
		ks = churn.KS(xs, cdf)
	}
	var joins, leaves, crashes int
	for _, e := range s.Events {
		switch e.Kind {
		case churn.Join:
			joins++
		case churn.Leave:
			leaves++
		case churn.Crash:
			crashes++
		}
	}
	sum = append(sum,
		results.Metric{Key: "churn.joins", Value: float64(joins)},
		results.Metric{Key: "churn.leaves", Value: float64(leaves)},
		results.Metric{Key: "churn.crashes", Value: float64(crashes)},
		results.Metric{Key: "churn.sessions.count", Value: float64(len(xs))},
		results.Metric{Key: "churn.sessions.censored", Value: float64(censored)},
		results.Metric{Key: "churn.sessions.mean_s", Value: mean},
		results.Metric{Key: "churn.sessions.ks", Value: ks},
	)
	return rows, sum
}
