package churn

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"peerlab/engine"
)

func TestFormatSeconds(t *testing.T) {
	for _, tc := range []struct {
		t    engine.Time
		want string
	}{
		{0, "0.000"},
		{1, "0.000000001"},
		{sec(1.5), "1.500"},
		{engine.Time(10*time.Second + 100*time.Microsecond), "10.0001"},
		{123456789012, "123.456789012"},
		{engine.Time(time.Hour), "3600.000"},
		{-1500 * 1e6, "-1.500"},
		{engine.Never, "9223372036.854775807"},
	} {
		if got := FormatSeconds(tc.t); got != tc.want {
			t.Errorf("FormatSeconds(%d) = %q, want %q", int64(tc.t), got, tc.want)
		}
	}
}

func TestParseSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want engine.Time
		ok   bool
	}{
		{"0.000", 0, true},
		{"12", sec(12), true},
		{"12.5", sec(12.5), true},
		{".25", sec(0.25), true},
		{"0.000000001", 1, true},
		{"9223372035.999999999", 9223372035999999999, true},
		{"0.0000000001", 0, false}, // ten decimals
		{"-1.000", 0, false},
		{"+1", 0, false},
		{"1e3", 0, false},
		{"1,5", 0, false},
		{"", 0, false},
		{".", 0, false},
		{"9223372037.000", 0, false}, // overflows int64 nanoseconds
		{" 1.0", 0, false},
	} {
		got, err := parseSeconds(tc.in)
		if (err == nil) != tc.ok || tc.ok && got != tc.want {
			t.Errorf("parseSeconds(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func genSchedule(t testing.TB, seed uint64) Schedule {
	t.Helper()
	m := Model{
		Session:          Dist{Kind: "weibull", Shape: 0.6, Mean: 20 * time.Minute},
		Downtime:         Dist{Kind: "lognormal", Sigma: 1, Mean: 10 * time.Minute},
		Population:       300,
		GracefulFraction: 0.5,
		Arrival:          "poisson",
		ArrivalWindow:    10 * time.Minute,
	}
	s, err := m.Generate(6*time.Hour, engine.NewStreams(seed))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Write, read, write: the two files are byte-identical and the events equal.
func TestCSVRoundTrip(t *testing.T) {
	named := Schedule{Nodes: 3, Names: []string{"peer,7", `q"x`, "10.0.0.1:4000"}, Events: []Event{
		{0, 2, Join}, {1, 0, Join}, {sec(1.25), 1, Join}, {sec(3600), 2, Crash}, {sec(3600), 2, Join}, {sec(7200.000000001), 0, Leave},
	}}
	for _, tc := range []struct {
		name string
		s    Schedule
	}{
		{"generated", genSchedule(t, 42)},
		{"named with quoting", named},
		{"empty", Schedule{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a, b bytes.Buffer
			if err := WriteCSV(&a, tc.s); err != nil {
				t.Fatal(err)
			}
			back, err := ReadCSV(bytes.NewReader(a.Bytes()), "a.csv")
			if err != nil {
				t.Fatal(err)
			}
			if err := WriteCSV(&b, back); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatalf("second write differs from the first:\n%.300s\nvs\n%.300s", a.String(), b.String())
			}
			// Events come back identical: generated nodes first appear in ID
			// order, so the first-appearance mapping is the identity.
			want := tc.s.Events
			if tc.s.Names != nil { // remap the expected IDs by first appearance
				want = nil
				ids := map[engine.NodeID]engine.NodeID{}
				for _, e := range tc.s.Events {
					if _, ok := ids[e.Node]; !ok {
						ids[e.Node] = engine.NodeID(len(ids))
					}
					want = append(want, Event{e.At, ids[e.Node], e.Kind})
				}
			}
			if !reflect.DeepEqual(back.Events, want) && len(want)+len(back.Events) > 0 {
				t.Errorf("events differ after the round trip")
			}
			if tc.s.Names != nil && back.Names[0] != tc.s.Names[2] {
				t.Errorf("names %q, want %q first", back.Names, tc.s.Names[2])
			}
			if tc.s.Names == nil {
				if back.Nodes != tc.s.Nodes {
					t.Errorf("read %d nodes, wrote %d", back.Nodes, tc.s.Nodes)
				}
				for i, n := range back.Names {
					if n != strconv.Itoa(i) {
						t.Fatalf("node %d is named %q", i, n)
					}
				}
			}
			if err := back.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
	var out bytes.Buffer
	if err := WriteCSV(&out, named); err != nil {
		t.Fatal(err)
	}
	want := "time_s,node,event\n0.000,10.0.0.1:4000,join\n0.000000001,\"peer,7\",join\n1.250,\"q\"\"x\",join\n" +
		"3600.000,10.0.0.1:4000,crash\n3600.000,10.0.0.1:4000,join\n7200.000000001,\"peer,7\",leave\n"
	if out.String() != want {
		t.Errorf("WriteCSV wrote\n%s\nwant\n%s", out.String(), want)
	}
}

func TestWriteCSVRejectsInvalid(t *testing.T) {
	var b bytes.Buffer
	err := WriteCSV(&b, Schedule{Nodes: 1, Events: []Event{{0, 0, Leave}}})
	if err == nil || b.Len() != 0 {
		t.Errorf("invalid schedule: err %v, wrote %d bytes", err, b.Len())
	}
}

func TestReadCSVErrors(t *testing.T) {
	const h = "time_s,node,event\n"
	for _, tc := range []struct {
		name, in, want string
	}{
		{"misspelt event", h + "0.000,a,join\n1.000,a,jion\n", `trace.csv:3: column "event": want join, leave or crash, got "jion"`},
		{"bad time", h + "0.000,a,join\n1.0s,a,leave\n", `trace.csv:3: column "time_s": want non-negative seconds such as 12.500 (at most 9 decimals), got "1.0s"`},
		{"negative time", h + "-1,a,join\n", `trace.csv:2: column "time_s": want non-negative seconds`},
		{"out of order", h + "5.000,a,join\n4.000,b,join\n", `trace.csv:3: column "time_s": 4.000 is earlier than the previous line's 5.000: lines must be in time order`},
		{"join while up", h + "0.000,a,join\n\n1.000,a,join\n", `trace.csv:4: column "event": node "a" joins while up (it joined on line 2)`},
		{"leave never joined", h + "0.000,a,leave\n", `trace.csv:2: column "event": node "a" leaves before it ever joined`},
		{"crash while down", h + "0.000,a,join\n1.000,a,leave\n2.000,a,crash\n", `trace.csv:4: column "event": node "a" crashes while down (it went down on line 3)`},
		{"empty node", h + "0.000,,join\n", `trace.csv:2: column "node": empty node identifier`},
		{"field count", h + "0.000,a,join,x\n", `trace.csv:2: want 3 fields (time_s,node,event), got 4`},
		{"bad quote", h + "0.000,\"a,join\n", `trace.csv:2: extraneous or missing " in quoted-field`},
		{"header", "time,node,event\n", `trace.csv:1: want the header "time_s,node,event", got "time,node,event"`},
		{"empty", "", `trace.csv: empty file: want the header "time_s,node,event"`},
	} {
		_, err := ReadCSV(strings.NewReader(tc.in), "trace.csv")
		var pe *ParseError
		if err == nil || !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want a *ParseError starting %q", tc.name, err, tc.want)
		}
	}
}

func TestReadCSVComments(t *testing.T) {
	in := "time_s,node,event\n# a comment\n\n0.5,x,join\n2,x,leave\n"
	s, err := ReadCSV(strings.NewReader(in), "c.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := Schedule{Nodes: 1, Names: []string{"x"}, Events: []Event{{sec(0.5), 0, Join}, {sec(2), 0, Leave}}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got %+v, want %+v", s, want)
	}
}

// TestReplayCSV checks that the native format honours the replay options as
// the trace readers do: offset, scale, window, departure and max nodes.
func TestReplayCSV(t *testing.T) {
	const trace = `time_s,node,event
0.000,a,join
1.000,b,join
10.000,a,leave
12.250,a,join
15.000,c,join
15.000,c,crash
20.000,b,crash
25.000,c,join
30.000,d,join
`
	names := []string{"a", "b", "c", "d"}
	for _, tc := range []struct {
		name  string
		opts  ReplayOptions
		want  Schedule
		stats ReadStats
	}{
		{
			name: "whole trace",
			opts: ReplayOptions{},
			want: Schedule{Nodes: 4, Names: names, Events: []Event{
				{0, 0, Join}, {sec(1), 1, Join}, {sec(10), 0, Leave}, {sec(12.25), 0, Join}, {sec(15), 2, Join},
				{sec(15), 2, Crash}, {sec(20), 1, Crash}, {sec(25), 2, Join}, {sec(30), 3, Join},
			}},
			stats: ReadStats{Records: 9, Hosts: 4, Nodes: 4, Intervals: 6, Events: 9},
		},
		{
			name: "scale 2 doubles every time",
			opts: ReplayOptions{Scale: 2},
			want: Schedule{Nodes: 4, Names: names, Events: []Event{
				{0, 0, Join}, {sec(2), 1, Join}, {sec(20), 0, Leave}, {sec(24.5), 0, Join}, {sec(30), 2, Join},
				{sec(30), 2, Crash}, {sec(40), 1, Crash}, {sec(50), 2, Join}, {sec(60), 3, Join},
			}},
			stats: ReadStats{Records: 9, Hosts: 4, Nodes: 4, Intervals: 6, Events: 9},
		},
		{
			name: "offset and scale",
			opts: ReplayOptions{Offset: time.Minute, Scale: 0.5},
			want: Schedule{Nodes: 4, Names: names, Events: []Event{
				{sec(60), 0, Join}, {sec(60.5), 1, Join}, {sec(65), 0, Leave}, {sec(66.125), 0, Join}, {sec(67.5), 2, Join},
				{sec(67.5), 2, Crash}, {sec(70), 1, Crash}, {sec(72.5), 2, Join}, {sec(75), 3, Join},
			}},
			stats: ReadStats{Records: 9, Hosts: 4, Nodes: 4, Intervals: 6, Events: 9},
		},
		{
			// [5,20): a and b are up at 5 and join there; a's rejoin stays
			// up (open, clipped at 20); b's crash at 20 is outside; c's
			// second join and d are outside.
			name: "window",
			opts: ReplayOptions{Window: Window{From: 5, To: 20}},
			want: Schedule{Nodes: 3, Names: names[:3], Events: []Event{
				{0, 0, Join}, {0, 1, Join}, {sec(5), 0, Leave}, {sec(7.25), 0, Join}, {sec(10), 2, Join}, {sec(10), 2, Crash},
			}},
			stats: ReadStats{Records: 9, Hosts: 4, Nodes: 3, Intervals: 4, Events: 6, OutsideWindow: 2, Clipped: 3, NodesOutsideWindow: 1},
		},
		{
			name: "window start only",
			opts: ReplayOptions{Window: Window{From: 12}},
			want: Schedule{Nodes: 4, Names: names, Events: []Event{
				{0, 1, Join}, {sec(0.25), 0, Join}, {sec(3), 2, Join}, {sec(3), 2, Crash}, {sec(8), 1, Crash},
				{sec(13), 2, Join}, {sec(18), 3, Join},
			}},
			stats: ReadStats{Records: 9, Hosts: 4, Nodes: 4, Intervals: 5, Events: 7, OutsideWindow: 1, Clipped: 1},
		},
		{
			name: "window, scale 2, crash, max nodes",
			opts: ReplayOptions{Window: Window{From: 5, To: 20}, Scale: 2, Departure: Crash, MaxNodes: 2},
			want: Schedule{Nodes: 2, Names: names[:2], Events: []Event{
				{0, 0, Join}, {0, 1, Join}, {sec(10), 0, Crash}, {sec(14.5), 0, Join},
			}},
			stats: ReadStats{Records: 9, Hosts: 4, Nodes: 2, Intervals: 3, Events: 4, OutsideWindow: 2, Clipped: 3,
				NodesOutsideWindow: 1, NodesOverMax: 1},
		},
		{
			// Nodes up at the window start join in the file order of
			// their joins: b (line 3) before a (line 5).
			name: "leave",
			opts: ReplayOptions{Window: Window{From: 14, To: 16}, Departure: Leave},
			want: Schedule{Nodes: 3, Names: names[:3], Events: []Event{
				{0, 1, Join}, {0, 0, Join}, {sec(1), 2, Join}, {sec(1), 2, Leave},
			}},
			stats: ReadStats{Records: 9, Hosts: 4, Nodes: 3, Intervals: 3, Events: 4, OutsideWindow: 3, Clipped: 2, NodesOutsideWindow: 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, st, err := ReplayCSV(strings.NewReader(trace), "t.csv", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s, tc.want) {
				t.Errorf("schedule\n%+v\nwant\n%+v", s, tc.want)
			}
			if st != tc.stats {
				t.Errorf("stats\n%+v\nwant\n%+v", st, tc.stats)
			}
			if err := s.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestReplayCSVIdentity checks that the zero options, and scale 1 spelt
// out, give exactly the schedule ReadCSV reads, to the nanosecond.
func TestReplayCSVIdentity(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, genSchedule(t, 7)); err != nil {
		t.Fatal(err)
	}
	want, err := ReadCSV(bytes.NewReader(b.Bytes()), "g.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []ReplayOptions{{}, {Scale: 1}} {
		got, st, err := ReplayCSV(bytes.NewReader(b.Bytes()), "g.csv", o)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: ReplayCSV differs from ReadCSV", o)
		}
		if st.Records != len(want.Events) || st.Events != len(want.Events) || st.Nodes != want.Nodes || st.Hosts != want.Nodes {
			t.Errorf("%+v: stats %+v", o, st)
		}
	}
}

// TestReplayCSVErrors checks that a malformed file and a time mapped past
// virtual time are errors.
func TestReplayCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		opts     ReplayOptions
		want     string
	}{
		{"malformed", "time_s,node,event\n0,a,jion\n", ReplayOptions{Scale: 2}, `t.csv:2: column "event"`},
		{"scale overflows", "time_s,node,event\n0,a,join\n3600,a,leave\n", ReplayOptions{Scale: 1e10}, "3600.000 s maps outside virtual time"},
		{"offset overflows", "time_s,node,event\n9223372035.000,a,join\n", ReplayOptions{Offset: 2 * time.Second}, "maps outside virtual time"},
	} {
		_, _, err := ReplayCSV(strings.NewReader(tc.in), "t.csv", tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
