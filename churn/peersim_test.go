package churn

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestReadPeerSim(t *testing.T) {
	const trace = `# id n start end ...
17 2 0 100 200 300
5  3 50 60  55 70  40 50
17 1 300 400
9  1 10 10
-3 0
`
	// 17: [0,100) [200,300) + [300,400) adjacent → [200,400); repeated id.
	// 5: [40,50) [50,60) [55,70) → adjacent then overlap → [40,70).
	// 9: empty interval dropped; -3: no intervals.
	s, st, err := ReadPeerSim(strings.NewReader(trace), "avail.txt", ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := Schedule{Nodes: 2, Names: []string{"17", "5"}, Events: []Event{
		{0, 0, Join}, {sec(40), 1, Join}, {sec(70), 1, Leave}, {sec(100), 0, Leave}, {sec(200), 0, Join}, {sec(400), 0, Leave},
	}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("schedule\n%+v\nwant\n%+v", s, want)
	}
	wantSt := ReadStats{Records: 5, Hosts: 4, Nodes: 2, Intervals: 3, Events: 6, DroppedEmpty: 1,
		MergedOverlap: 1, MergedAdjacent: 2, RepeatedIDs: 1, NodesOutsideWindow: 2}
	if st != wantSt {
		t.Errorf("stats\n%+v\nwant\n%+v", st, wantSt)
	}

	// A window [50, 250) and a scale of 10: origin 50.
	s, _, err = ReadPeerSim(strings.NewReader(trace), "avail.txt", ReplayOptions{Window: Window{From: 50, To: 250}, Scale: 10})
	if err != nil {
		t.Fatal(err)
	}
	want = Schedule{Nodes: 2, Names: []string{"17", "5"}, Events: []Event{
		{0, 0, Join}, {0, 1, Join}, {sec(200), 1, Leave}, {sec(500), 0, Leave}, {sec(1500), 0, Join},
	}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("windowed schedule\n%+v\nwant\n%+v", s, want)
	}
}

func TestReadPeerSimErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"count mismatch", "1 2 0 10 20\n", `p.txt:1: n = 2 intervals want 6 fields, got 5`},
		{"bad n", "1 0\n2 x 0 1\n", `p.txt:2: column "n": want a non-negative interval count, got "x"`},
		{"negative n", "1 -1\n", `p.txt:1: column "n": want a non-negative interval count, got "-1"`},
		{"bad end", "\n\n1 2 0 10 20 2O\n", `p.txt:3: column "end2": want non-negative seconds, got "2O"`},
		{"bad start", "1 1 -5 10\n", `p.txt:1: column "start1": want non-negative seconds, got "-5"`},
		{"id only", "1\n", `p.txt:1: want <id> <n> followed by n start/end pairs, got 1 field(s)`},
	} {
		_, _, err := ReadPeerSim(strings.NewReader(tc.in), "p.txt", ReplayOptions{})
		var pe *ParseError
		if !errors.As(err, &pe) || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}
