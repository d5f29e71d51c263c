package churn

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"peerlab/engine"
)

func sec(s float64) engine.Time { return engine.Time(s * 1e9) }

func TestKindStringParse(t *testing.T) {
	for _, k := range []Kind{Join, Leave, Crash} {
		got, err := ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v; want %v", k.String(), got, err, k)
		}
	}
	for _, s := range []string{"", "Join", "jion", "kind(0)"} {
		if _, err := ParseKind(s); err == nil {
			t.Errorf("ParseKind(%q) accepted", s)
		}
	}
	if Kind(0).String() != "kind(0)" || Kind(9).String() != "kind(9)" {
		t.Errorf("invalid kinds print as %q, %q", Kind(0), Kind(9))
	}
	if Join.Departure() || !Leave.Departure() || !Crash.Departure() {
		t.Error("Departure wrong")
	}
}

func TestScheduleValidate(t *testing.T) {
	ev := func(at float64, n engine.NodeID, k Kind) Event { return Event{sec(at), n, k} }
	for _, tc := range []struct {
		name string
		s    Schedule
		want string // "" = valid
	}{
		{"empty", Schedule{}, ""},
		{"ok", Schedule{Nodes: 2, Events: []Event{ev(0, 0, Join), ev(0, 1, Join), ev(1, 0, Leave), ev(1, 0, Join), ev(2, 1, Crash)}}, ""},
		{"names ok", Schedule{Nodes: 1, Names: []string{"a"}, Events: []Event{ev(0, 0, Join)}}, ""},
		{"join while up", Schedule{Nodes: 1, Events: []Event{ev(0, 0, Join), ev(1, 0, Join)}}, "event 1 (n0 join at 1s): node is already up"},
		{"leave while down", Schedule{Nodes: 1, Events: []Event{ev(1, 0, Leave)}}, "event 0 (n0 leave at 1s): node is down"},
		{"crash after leave", Schedule{Nodes: 1, Events: []Event{ev(0, 0, Join), ev(1, 0, Leave), ev(2, 0, Crash)}}, "event 2 (n0 crash at 2s): node is down"},
		{"time goes back", Schedule{Nodes: 2, Events: []Event{ev(5, 0, Join), ev(4, 1, Join)}}, "event 1 (n1 join at 4s): earlier than event 0 at 5s"},
		{"negative time", Schedule{Nodes: 1, Events: []Event{ev(-1, 0, Join)}}, "negative time"},
		{"node out of range", Schedule{Nodes: 1, Events: []Event{ev(0, 1, Join)}}, "node outside [0, 1)"},
		{"negative node", Schedule{Nodes: 1, Events: []Event{ev(0, -1, Join)}}, "node outside [0, 1)"},
		{"zero kind", Schedule{Nodes: 1, Events: []Event{ev(0, 0, 0)}}, "invalid kind kind(0)"},
		{"names count", Schedule{Nodes: 2, Names: []string{"a"}}, "2 nodes but 1 names"},
		{"duplicate names", Schedule{Nodes: 2, Names: []string{"a", "a"}}, `nodes 0 and 1 are both named "a"`},
		{"empty name", Schedule{Nodes: 1, Names: []string{""}}, "node 0 has an empty name"},
	} {
		err := tc.s.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestLiveAtAndCurve(t *testing.T) {
	s := Schedule{Nodes: 3, Events: []Event{
		{sec(0), 0, Join}, {sec(0), 1, Join}, {sec(1.5), 2, Join}, {sec(2), 0, Crash},
		{sec(3), 1, Leave}, {sec(3), 1, Join}, {sec(4), 2, Leave},
	}}
	for _, tc := range []struct {
		t    engine.Time
		want int
	}{{-1, 0}, {0, 2}, {sec(1.5) - 1, 2}, {sec(1.5), 3}, {sec(2), 2}, {sec(3), 2}, {sec(4), 1}, {sec(100), 1}} {
		if got := s.LiveAt(tc.t); got != tc.want {
			t.Errorf("LiveAt(%v) = %d, want %d", tc.t, got, tc.want)
		}
	}
	if got, want := s.LiveCurve(time.Second, sec(5)), []int{2, 2, 2, 2, 1, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("LiveCurve(1s, 5s) = %v, want %v", got, want)
	}
	if got, want := s.LiveCurve(1500*time.Millisecond, sec(4)), []int{2, 3, 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("LiveCurve(1.5s, 4s) = %v, want %v", got, want)
	}
	// The one-pass curve agrees with LiveAt everywhere.
	curve := s.LiveCurve(100*time.Millisecond, sec(5))
	for k, v := range curve {
		if at := engine.Time(k) * sec(0.1); s.LiveAt(at) != v {
			t.Fatalf("curve[%d] = %d, LiveAt(%v) = %d", k, v, at, s.LiveAt(at))
		}
	}
	if s.LiveCurve(0, sec(1)) != nil || s.LiveCurve(time.Second, -1) != nil {
		t.Error("LiveCurve with step 0 or negative end not nil")
	}
}

func TestSessions(t *testing.T) {
	s := Schedule{Nodes: 3, Events: []Event{
		{sec(0), 0, Join}, {sec(1), 1, Join}, {sec(2), 0, Leave}, {sec(3), 2, Join},
		{sec(4), 0, Join}, {sec(7), 1, Crash}, {sec(9), 0, Crash},
	}}
	got, censored := Sessions(s)
	if want := []time.Duration{2 * time.Second, 6 * time.Second, 5 * time.Second}; !reflect.DeepEqual(got, want) {
		t.Errorf("sessions %v, want %v", got, want)
	}
	if censored != 1 {
		t.Errorf("censored %d, want 1 (node 2)", censored)
	}
}

func TestSortStable(t *testing.T) {
	s := Schedule{Nodes: 3, Events: []Event{
		{sec(2), 2, Join}, {sec(1), 1, Join}, {sec(2), 0, Join}, {sec(1), 0, Join},
	}}
	s.Sort()
	want := []Event{{sec(1), 1, Join}, {sec(1), 0, Join}, {sec(2), 2, Join}, {sec(2), 0, Join}}
	if !reflect.DeepEqual(s.Events, want) {
		t.Errorf("Sort gave %v, want %v", s.Events, want)
	}
}
