package churn

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"peerlab/engine"
)

// A hand-written trace with the real file's quirks: a header with irregular
// spacing, tab and space separated fields, an unavailable record of zero
// length, a start time of 0, stop <= start, overlapping and touching
// intervals, a node whose records are split and out of order, and a
// component_id other than 0.
const ftaSmall = "event_id  component_id node_id  platform_id   node_name     event_type   event_start_time     event_stop_time  event_end_reason\n" +
	"    0\t       0\t     655\t    3\t       10.000\t         0\t   \t\t1000\t   \t\t1100\t       \t8000\n" +
	"    1\t       0\t     655\t    3\t       10.000\t         1\t   \t\t1100\t   \t\t1500\t       \t4022\n" +
	"    2 0 656 3 10.000 1 0 1200 0\n" + // start 0: dropped
	"    3 0 656 3 10.000 1 1300 1300 0\n" + // empty: dropped
	"    4 0 656 3 10.000 0 1300 1300 8000\n" + // unavailable, zero length: ignored
	"    5 0 657 3 10.100 1 2000 2600 0\n" +
	"    6 1 657 3 10.100 1 2500 2700 0\n" + // overlaps the previous (another component)
	"    7 0 657 3 10.100 1 2700 2800 0\n" + // touches
	"    8 0 655 3 10.000 1 1800 1900 0\n" + // 655 again, after 657
	"    9 0 655 3 10.000 1 1600 1700 0\n" // out of order

func TestReadFTASmall(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  ReplayOptions
		want  Schedule
		stats ReadStats
	}{
		{
			name: "whole trace, origin at the earliest start",
			want: Schedule{Nodes: 2, Names: []string{"655", "657"}, Events: []Event{
				{0, 0, Join}, {sec(400), 0, Crash}, {sec(500), 0, Join}, {sec(600), 0, Crash},
				{sec(700), 0, Join}, {sec(800), 0, Crash}, {sec(900), 1, Join}, {sec(1700), 1, Crash},
			}},
			stats: ReadStats{Records: 10, Hosts: 3, Nodes: 2, Intervals: 4, Events: 8, Unavailable: 2,
				DroppedZeroStart: 1, DroppedEmpty: 1, MergedOverlap: 1, MergedAdjacent: 1, NodesOutsideWindow: 1},
		},
		{
			name: "window, scale, leave",
			opts: ReplayOptions{Window: Window{From: 1650, To: 2500}, Scale: 0.01, Departure: Leave},
			want: Schedule{Nodes: 2, Names: []string{"655", "657"}, Events: []Event{
				{0, 0, Join}, {sec(0.5), 0, Leave}, {sec(1.5), 0, Join}, {sec(2.5), 0, Leave}, {sec(3.5), 1, Join},
			}},
			stats: ReadStats{Records: 10, Hosts: 3, Nodes: 2, Intervals: 3, Events: 5, Unavailable: 2,
				DroppedZeroStart: 1, DroppedEmpty: 1, MergedOverlap: 1, MergedAdjacent: 1, NodesOutsideWindow: 1,
				OutsideWindow: 1, Clipped: 2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, st, err := ReadFTA(strings.NewReader(ftaSmall), "event_trace.tab", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s, tc.want) {
				t.Errorf("schedule\n%+v\nwant\n%+v", s, tc.want)
			}
			if st != tc.stats {
				t.Errorf("stats\n%+v\nwant\n%+v", st, tc.stats)
			}
		})
	}
}

func TestReadFTANoHeader(t *testing.T) {
	in := "0 0 7 3 n 1 100 200 0\n1 0 8 3 n 1 150 160 0\n"
	s, _, err := ReadFTA(strings.NewReader(in), "x.tab", ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := Schedule{Nodes: 2, Names: []string{"7", "8"}, Events: []Event{{0, 0, Join}, {sec(50), 1, Join}, {sec(60), 1, Crash}, {sec(100), 0, Crash}}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got %+v, want %+v", s, want)
	}
}

func TestReadFTAErrors(t *testing.T) {
	hdr := "event_id component_id node_id platform_id node_name event_type event_start_time event_stop_time event_end_reason\n"
	for _, tc := range []struct{ name, in, want string }{
		{"event type", hdr + "0 0 1 3 n 1 10 20 0\n1 0 1 3 n 2 20 30 0\n", `e.tab:3: column "event_type": want 1 (available) or 0 (unavailable), got "2"`},
		{"fields", hdr + "0 0 1 3 n 1 10 20\n", `e.tab:2: want 9 fields (event_id component_id node_id platform_id node_name event_type event_start_time event_stop_time event_end_reason), got 8`},
		{"start", hdr + "\n0 0 1 3 n 1 1e9x 20 0\n", `e.tab:3: column "event_start_time": want non-negative Unix seconds, got "1e9x"`},
		{"stop", hdr + "0 0 1 3 n 0 10 -20 0\n", `e.tab:2: column "event_stop_time": want non-negative Unix seconds, got "-20"`},
		{"header", "event_id node_id event_type\n", `e.tab:1: header lacks column "event_start_time" (got event_id node_id event_type)`},
		{"empty", "", `e.tab: empty file: want a header line naming the columns`},
	} {
		_, _, err := ReadFTA(strings.NewReader(tc.in), "e.tab", ReplayOptions{})
		var pe *ParseError
		if !errors.As(err, &pe) || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// ftaPath finds the real trace relative to the package directory; tests and
// benchmarks using it are skipped when it is absent.
func ftaPath(tb testing.TB) string {
	tb.Helper()
	for _, p := range []string{"../../shared/data/fta-availability/event_trace.tab", "/work/shared/data/fta-availability/event_trace.tab"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	tb.Skip("skipped: the Failure Trace Archive file ../../shared/data/fta-availability/event_trace.tab (relative to churn/) is absent")
	return ""
}

// ftaIndependent counts the file directly, with none of the reader's code:
// per node_id, the available intervals with start > 0 and stop > start.
type ftaIndependent struct {
	records, unavailable, emptyAvail, zeroStart int
	hosts                                       map[string]bool
	avail                                       map[string][][2]float64
}

func countFTA(t *testing.T, data []byte) ftaIndependent {
	c := ftaIndependent{hosts: map[string]bool{}, avail: map[string][][2]float64{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		c.records++
		c.hosts[f[2]] = true
		start, err1 := strconv.ParseFloat(f[6], 64)
		stop, err2 := strconv.ParseFloat(f[7], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("independent count: bad line %q", sc.Text())
		}
		switch {
		case f[5] == "0":
			c.unavailable++
		case start == 0:
			c.zeroStart++
		case stop <= start:
			c.emptyAvail++
		default:
			c.avail[f[2]] = append(c.avail[f[2]], [2]float64{start, stop})
		}
	}
	return c
}

// live returns the number of nodes with an available interval covering
// trace time T.
func (c ftaIndependent) live(T float64) int {
	n := 0
	for _, iv := range c.avail {
		for _, x := range iv {
			if x[0] <= T && T < x[1] {
				n++
				break
			}
		}
	}
	return n
}

// Replays the real trace with a scale and a window and compares the live
// curve with a count made directly from the file.
func TestReadFTAReal(t *testing.T) {
	path := ftaPath(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ind := countFTA(t, data)

	const from, to = 1_100_000_000.0, 1_125_000_000.0 // 2004-11-09 .. 2005-08-25
	const scale = 0.001                               // a trace day is 86.4 virtual seconds
	opts := ReplayOptions{Window: Window{From: from, To: to}, Scale: scale}
	s, st, err := ReadFTA(bytes.NewReader(data), "event_trace.tab", opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	t.Logf("stats: %+v", st)
	if st.Records != ind.records || st.Hosts != len(ind.hosts) || st.Unavailable != ind.unavailable ||
		st.DroppedZeroStart != ind.zeroStart || st.DroppedEmpty != ind.emptyAvail {
		t.Errorf("stats %+v disagree with the independent count: records %d, hosts %d, unavailable %d, zero start %d, empty %d",
			st, ind.records, len(ind.hosts), ind.unavailable, ind.zeroStart, ind.emptyAvail)
	}

	const day = 86400.0
	step := time.Duration(7 * day * scale * 1e9) // weekly samples
	end := engine.Time((to - from - 1) * scale * 1e9)
	curve := s.LiveCurve(step, end)
	if len(curve) < 40 {
		t.Fatalf("only %d samples", len(curve))
	}
	var log []string
	for k, got := range curve {
		T := from + float64(k)*7*day
		if want := ind.live(T); got != want {
			t.Errorf("trace time %.0f (virtual %v): %d nodes live in the schedule, %d in the file", T, time.Duration(k)*step, got, want)
		}
		if k%8 == 0 {
			log = append(log, strconv.Itoa(got))
		}
	}
	// Off-grid instants too, including ones just inside the window ends.
	for _, T := range []float64{from, from + 1, 1_104_537_600, 1_112_345_678, 1_120_000_003, to - 1} {
		at := engine.Time((T - from) * scale * 1e9)
		if got, want := s.LiveAt(at), ind.live(T); got != want {
			t.Errorf("trace time %.0f: %d nodes live in the schedule, %d in the file", T, got, want)
		}
	}
	t.Logf("live every 8 weeks from %.0f: %s (of %d nodes)", from, strings.Join(log, " "), s.Nodes)

	// Without a window the earliest online time maps to 0 and every
	// available interval survives as a join.
	whole, wst, err := ReadFTA(bytes.NewReader(data), "event_trace.tab", ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	joins, intervals := 0, 0
	for _, e := range whole.Events {
		if e.Kind == Join {
			joins++
		}
	}
	for _, iv := range ind.avail {
		intervals += len(iv)
	}
	if whole.Events[0].At != 0 || joins != wst.Intervals || intervals != wst.Intervals+wst.MergedOverlap+wst.MergedAdjacent {
		t.Errorf("whole trace: first event at %v, %d joins, %d intervals (%d in the file, merged %d+%d)",
			whole.Events[0].At, joins, wst.Intervals, intervals, wst.MergedOverlap, wst.MergedAdjacent)
	}
	t.Logf("whole trace: %+v; spans %v", wst, whole.Events[len(whole.Events)-1].At)
}

func BenchmarkReadFTA(b *testing.B) {
	data, err := os.ReadFile(ftaPath(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ReadFTA(bytes.NewReader(data), "event_trace.tab", ReplayOptions{Scale: 0.001}); err != nil {
			b.Fatal(err)
		}
	}
}
