package run

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"peerlab/churn"
	"peerlab/engine"
	"peerlab/scenario"
)

// TestScheduleCSVReplayOptions checks that a csv trace honours
// churn.trace scale, offset, from, to and departure, as the other formats
// do, and that the reader's stats are returned.
func TestScheduleCSVReplayOptions(t *testing.T) {
	file := filepath.Join(t.TempDir(), "t.csv")
	trace := "time_s,node,event\n0.000,a,join\n1.500,b,join\n10.000,a,leave\n12.000,a,join\n20.000,b,crash\n30.000,c,join\n"
	if err := os.WriteFile(file, []byte(trace), 0o644); err != nil {
		t.Fatal(err)
	}
	s := func(x float64) engine.Time { return engine.Time(x * 1e9) }
	ev := func(at engine.Time, n engine.NodeID, k churn.Kind) churn.Event {
		return churn.Event{At: at, Node: n, Kind: k}
	}
	tests := []struct {
		name  string
		set   func(*scenario.Trace)
		want  []churn.Event
		nodes int // of the schedule and its stats
	}{
		{"as written", func(*scenario.Trace) {},
			[]churn.Event{ev(0, 0, churn.Join), ev(s(1.5), 1, churn.Join), ev(s(10), 0, churn.Leave), ev(s(12), 0, churn.Join), ev(s(20), 1, churn.Crash), ev(s(30), 2, churn.Join)}, 3},
		{"scale 2 doubles the times", func(tr *scenario.Trace) { tr.Scale = 2 },
			[]churn.Event{ev(0, 0, churn.Join), ev(s(3), 1, churn.Join), ev(s(20), 0, churn.Leave), ev(s(24), 0, churn.Join), ev(s(40), 1, churn.Crash), ev(s(60), 2, churn.Join)}, 3},
		{"offset", func(tr *scenario.Trace) { tr.Offset = time.Minute },
			[]churn.Event{ev(s(60), 0, churn.Join), ev(s(61.5), 1, churn.Join), ev(s(70), 0, churn.Leave), ev(s(72), 0, churn.Join), ev(s(80), 1, churn.Crash), ev(s(90), 2, churn.Join)}, 3},
		// [5, 20) from trace second 5: a and b are up at 5 and join at 0;
		// b's crash at 20 and c's join at 30 are outside, so c is left out.
		{"from and to window it", func(tr *scenario.Trace) { tr.From, tr.To = 5, 20 },
			[]churn.Event{ev(0, 0, churn.Join), ev(0, 1, churn.Join), ev(s(5), 0, churn.Leave), ev(s(7), 0, churn.Join)}, 2},
		{"window, scale 2 and crash", func(tr *scenario.Trace) { tr.From, tr.To, tr.Scale, tr.Departure = 5, 20, 2, "crash" },
			[]churn.Event{ev(0, 0, churn.Join), ev(0, 1, churn.Join), ev(s(10), 0, churn.Crash), ev(s(14), 0, churn.Join)}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := scenario.Default()
			spec.Nodes = 3
			spec.Churn.Model = "trace"
			spec.Churn.Trace.File = file
			tc.set(&spec.Churn.Trace)
			if err := spec.Validate(); err != nil {
				t.Fatal(err)
			}
			sched, st, err := ScheduleStats(spec)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(sched.Events, tc.want) || sched.Nodes != tc.nodes {
				t.Errorf("%d nodes, events\n%v\nwant %d nodes,\n%v", sched.Nodes, sched.Events, tc.nodes, tc.want)
			}
			if st == nil || st.Records != 6 || st.Hosts != 3 || st.Nodes != tc.nodes || st.Events != len(tc.want) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestScheduleStats checks that the trace readers' counts of dropped and
// merged intervals are returned, and that a generated schedule has none.
func TestScheduleStats(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, format, file string
		want               churn.ReadStats
	}{
		{"oversim", "oversim", write("o.trace", "0 a JOIN\n5 a LEAVE\n5 a JOIN\n8 b JOIN\n8 b LEAVE\n"),
			churn.ReadStats{Records: 5, Hosts: 2, Nodes: 1, Intervals: 1, Events: 1, DroppedEmpty: 1, MergedAdjacent: 1, NodesOutsideWindow: 1}},
		{"peersim", "peersim", write("p.txt", "a 2 0 10 5 20\n"),
			churn.ReadStats{Records: 1, Hosts: 1, Nodes: 1, Intervals: 1, Events: 2, MergedOverlap: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := scenario.Default()
			spec.Churn.Model, spec.Churn.Trace.Format, spec.Churn.Trace.File = "trace", tc.format, tc.file
			_, st, err := ScheduleStats(spec)
			if err != nil {
				t.Fatal(err)
			}
			if st == nil || *st != tc.want {
				t.Errorf("stats %+v, want %+v", st, tc.want)
			}
		})
	}
	if _, st, err := ScheduleStats(scenario.Default()); err != nil || st != nil {
		t.Errorf("generated schedule: stats %+v, error %v; want nil, nil", st, err)
	}
}

// TestScheduleCSVTooManyNodes checks that a csv trace with more nodes in the
// replay window than the scenario's nodes is an error, and that a window
// leaving enough nodes out makes it fit.
func TestScheduleCSVTooManyNodes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(file, []byte("time_s,node,event\n0,a,join\n1,a,leave\n2,b,join\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		from float64
		want string // "" for no error
	}{
		{"whole trace", 0, "t.csv: the trace has 2 nodes online in the replay window, more than nodes=1"},
		{"window", 1.5, ""},
	} {
		spec := scenario.Default()
		spec.Nodes = 1
		spec.Churn.Model, spec.Churn.Trace.File, spec.Churn.Trace.From = "trace", file, tc.from
		_, err := Schedule(spec)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestTraceCapInManifest checks that a trace replay records its reader's
// stats in the run's manifest, and that hosts left out by the nodes cap
// are said in a note rather than dropped silently.
func TestTraceCapInManifest(t *testing.T) {
	file := filepath.Join(t.TempDir(), "o.trace")
	if err := os.WriteFile(file, []byte("0 a JOIN\n1 b JOIN\n2 c JOIN\n30 a LEAVE\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		nodes, overMax int
	}{{3, 0}, {2, 1}}
	for _, tc := range tests {
		spec := testSpec(tc.nodes, 2*time.Minute, time.Minute)
		spec.Churn.ArrivalWindow = time.Minute
		spec.Churn.Model, spec.Churn.Trace.Format, spec.Churn.Trace.File = "trace", "oversim", file
		res, err := Run(spec, Options{})
		if err != nil {
			t.Fatal(err)
		}
		m := res.Manifest.(map[string]any)
		st, ok := m["trace"].(*churn.ReadStats)
		if !ok || st.Hosts != 3 || st.Nodes != tc.nodes || st.NodesOverMax != tc.overMax {
			t.Errorf("nodes=%d: manifest trace stats %+v, want 3 hosts, %d nodes, %d over the cap", tc.nodes, m["trace"], tc.nodes, tc.overMax)
		}
		notes, _ := m["notes"].([]string)
		if said := len(notes) == 1 && strings.Contains(notes[0], "1 of its hosts") && strings.Contains(notes[0], "nodes=2"); said != (tc.overMax > 0) {
			t.Errorf("nodes=%d: notes %q", tc.nodes, notes)
		}
	}
}
