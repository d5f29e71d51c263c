package run

import (
	"fmt"
	"io"
	"os"

	"peerlab/churn"
	"peerlab/engine"
	"peerlab/scenario"
)

// Schedule returns the churn schedule a scenario runs: generated from its
// churn model (with "none", arrivals only), or read from its trace. The same
// scenario and seed always give the same schedule.
func Schedule(spec scenario.Spec) (churn.Schedule, error) {
	if spec.Churn.Model != "trace" {
		return spec.ChurnModel().Generate(spec.Duration, engine.NewStreams(spec.Seed))
	}
	t := spec.Churn.Trace
	f, err := os.Open(t.File)
	if err != nil {
		return churn.Schedule{}, fmt.Errorf("churn.trace.file: %w", err)
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
	switch t.Format {
	case "csv":
		s, err = churn.ReadCSV(f, t.File)
		if err == nil && s.Nodes > spec.Nodes {
			err = fmt.Errorf("%s: the trace has %d nodes, more than nodes=%d", t.File, s.Nodes, spec.Nodes)
		}
	case "oversim":
		s, _, err = churn.ReadOverSim(f, t.File, opts)
	case "peersim":
		s, _, err = churn.ReadPeerSim(f, t.File, opts)
	case "fta":
		s, _, err = churn.ReadFTA(f, t.File, opts)
	default:
		err = fmt.Errorf("churn.trace.format: unknown format %q", t.Format)
	}
	if err != nil {
		return churn.Schedule{}, err
	}
	return s, nil
}

// WriteSchedule writes the schedule of spec to w in peerlab's CSV format.
func WriteSchedule(w io.Writer, spec scenario.Spec) error {
	s, err := Schedule(spec)
	if err != nil {
		return err
	}
	return churn.WriteCSV(w, s)
}
