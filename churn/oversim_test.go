package churn

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestReadOverSim(t *testing.T) {
	const trace = `# OverSim churn trace
0.0 nodeA JOIN
0.5	nodeB	JOIN
10 nodeA LEAVE

12.25 nodeA join
11 nodeC JOIN
20 nodeB LEAVE
20 nodeB LEAVE
25 nodeC JOIN
30 nodeD JOIN
30 nodeD LEAVE
`
	for _, tc := range []struct {
		name  string
		opts  ReplayOptions
		want  Schedule
		stats ReadStats
	}{
		{
			name: "whole trace",
			want: Schedule{Nodes: 3, Names: []string{"nodeA", "nodeB", "nodeC"}, Events: []Event{
				{0, 0, Join}, {sec(0.5), 1, Join}, {sec(10), 0, Leave}, {sec(11), 2, Join}, {sec(12.25), 0, Join}, {sec(20), 1, Leave},
			}},
			stats: ReadStats{Records: 10, Hosts: 4, Nodes: 3, Intervals: 4, Events: 6, OutOfOrder: 1,
				RedundantJoins: 1, RedundantLeaves: 1, DroppedEmpty: 1, NodesOutsideWindow: 1},
		},
		{
			name: "window, scale, offset, crash, max nodes",
			opts: ReplayOptions{Window: Window{From: 5, To: 20}, Scale: 0.5, Offset: time.Minute, Departure: Crash, MaxNodes: 2},
			// [5,20): A up at 5 (clipped), leaves 10, rejoins 12.25; B up at 5 (clipped), its
			// leave at 20 is outside; C (third) is left out by MaxNodes. Clipped counts
			// A's two intervals, B's and C's (all hosts, before MaxNodes).
			want: Schedule{Nodes: 2, Names: []string{"nodeA", "nodeB"}, Events: []Event{
				{sec(60), 0, Join}, {sec(60), 1, Join}, {sec(62.5), 0, Crash}, {sec(63.625), 0, Join},
			}},
			stats: ReadStats{Records: 10, Hosts: 4, Nodes: 2, Intervals: 3, Events: 4, OutOfOrder: 1,
				RedundantJoins: 1, RedundantLeaves: 1, DroppedEmpty: 1, Clipped: 4, NodesOverMax: 1, NodesOutsideWindow: 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, st, err := ReadOverSim(strings.NewReader(trace), "churn.trace", tc.opts)
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

func TestReadOverSimErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"keyword", "0 a JOIN\n1 a QUIT\n", `o.trace:2: column "event": want JOIN or LEAVE, got "QUIT"`},
		{"time", "0 a JOIN\n\nx a LEAVE\n", `o.trace:3: column "time": want non-negative seconds, got "x"`},
		{"negative time", "-1 a JOIN\n", `o.trace:1: column "time": want non-negative seconds, got "-1"`},
		{"fields", "# c\n0 a JOIN extra\n", `o.trace:2: want 3 fields (time nodeId JOIN|LEAVE), got 4`},
	} {
		_, _, err := ReadOverSim(strings.NewReader(tc.in), "o.trace", ReplayOptions{})
		var pe *ParseError
		if !errors.As(err, &pe) || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestReplayOptionsErrors(t *testing.T) {
	for _, tc := range []struct {
		o    ReplayOptions
		want string
	}{
		{ReplayOptions{Scale: -1}, "scale"},
		{ReplayOptions{Offset: -time.Second}, "offset"},
		{ReplayOptions{Window: Window{From: 5, To: 5}}, "want from < to"},
		{ReplayOptions{Window: Window{From: -1}}, "must not be negative"},
		{ReplayOptions{MaxNodes: -1}, "max_nodes"},
		{ReplayOptions{Departure: Join}, "departure: want leave or crash, got join"},
	} {
		for name, read := range map[string]func() error{
			"oversim": func() error { _, _, err := ReadOverSim(strings.NewReader(""), "x", tc.o); return err },
			"peersim": func() error { _, _, err := ReadPeerSim(strings.NewReader(""), "x", tc.o); return err },
			"fta":     func() error { _, _, err := ReadFTA(strings.NewReader(""), "x", tc.o); return err },
			"csv":     func() error { _, _, err := ReplayCSV(strings.NewReader(""), "x", tc.o); return err },
		} {
			if err := read(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s %+v: error %v, want one containing %q", name, tc.o, err, tc.want)
			}
		}
	}
}
