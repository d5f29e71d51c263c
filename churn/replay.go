package churn

import (
	"fmt"
	"math"
	"slices"
	"time"

	"peerlab/engine"
)

// Window is a half-open span [From, To) of trace time, in the trace's own
// seconds (Unix seconds for the Failure Trace Archive). To == 0 means no upper
// bound; the zero Window keeps the whole trace.
type Window struct {
	From, To float64
}

// ReplayOptions say which part of a trace to replay and how to map its clock
// onto virtual time. The zero value replays the whole trace unscaled.
//
// A trace time t becomes the virtual time Offset + (t - origin) × Scale,
// rounded to the nanosecond, where origin is Window.From when it is > 0 and
// otherwise the format's natural origin: 0 for OverSim and PeerSim traces
// (whose times are already relative), the earliest kept online time for the
// Failure Trace Archive (whose times are Unix seconds).
type ReplayOptions struct {
	// Offset shifts the whole schedule later in virtual time (>= 0).
	Offset time.Duration
	// Scale multiplies trace durations: 0.001 replays a day of trace in 86.4
	// virtual seconds. 0 means 1; it must not be negative.
	Scale float64
	// Window keeps only online time inside [From, To) of trace time. A node
	// online at From joins at the window start; a node still online at To
	// gets no departure (it stays up at the end of the schedule).
	Window Window
	// MaxNodes, when > 0, keeps only the first MaxNodes nodes that are
	// online at some time in the window, in order of first appearance in the
	// file.
	MaxNodes int
	// Departure is the kind of event an online interval ends with: Leave or
	// Crash; 0 means the format's default (Leave for OverSim, whose LEAVE is
	// explicit, and for PeerSim; Crash for the Failure Trace Archive, whose
	// unavailability periods are failures).
	Departure Kind
}

// validate checks the options; errors name the option.
func (o ReplayOptions) validate() error {
	switch {
	case o.Offset < 0:
		return fmt.Errorf("churn: replay offset: must not be negative, got %v", o.Offset)
	case o.Scale < 0 || math.IsNaN(o.Scale) || math.IsInf(o.Scale, 0):
		return fmt.Errorf("churn: replay scale: must be a finite number >= 0 (0 means 1), got %v", o.Scale)
	case math.IsNaN(o.Window.From) || math.IsNaN(o.Window.To) || math.IsInf(o.Window.From, 0) || math.IsInf(o.Window.To, 0):
		return fmt.Errorf("churn: replay window: bounds must be finite, got [%v, %v)", o.Window.From, o.Window.To)
	case o.Window.From < 0 || o.Window.To < 0:
		return fmt.Errorf("churn: replay window: bounds must not be negative, got [%v, %v)", o.Window.From, o.Window.To)
	case o.Window.To != 0 && o.Window.To <= o.Window.From:
		return fmt.Errorf("churn: replay window: want from < to, got [%v, %v)", o.Window.From, o.Window.To)
	case o.MaxNodes < 0:
		return fmt.Errorf("churn: replay max_nodes: must not be negative, got %d", o.MaxNodes)
	case o.Departure != 0 && !o.Departure.Departure():
		return fmt.Errorf("churn: replay departure: want leave or crash, got %s", o.Departure)
	}
	return nil
}

// ReadStats reports what a trace reader saw and what it did about the
// trace's quirks. Fields that do not apply to a format stay 0. The JSON
// names (for a run's manifest) are the field names in snake_case.
type ReadStats struct {
	// Records is the number of data lines (headers, comments and blank lines
	// excluded).
	Records int `json:"records"`
	// Hosts is the number of distinct node identifiers in the file.
	Hosts int `json:"hosts"`
	// Nodes is the number of nodes in the schedule: hosts online at some time
	// in the window, at most MaxNodes.
	Nodes int `json:"nodes"`
	// Intervals is the number of online intervals in the schedule, after
	// merging and clipping.
	Intervals int `json:"intervals"`
	// Events is len(Schedule.Events).
	Events int `json:"events"`

	// Unavailable counts FTA records of event_type 0; they are ignored, since
	// a node is down whenever it is not in an available interval.
	Unavailable int `json:"unavailable"`
	// DroppedZeroStart counts FTA available intervals whose start time is 0
	// (unknown); they are dropped.
	DroppedZeroStart int `json:"dropped_zero_start"`
	// DroppedEmpty counts online intervals with end <= start; they are
	// dropped. For OverSim, a JOIN and a LEAVE of one node at the same time.
	DroppedEmpty int `json:"dropped_empty"`
	// MergedOverlap counts online intervals that overlapped an earlier one of
	// the same node and were merged into it (the union is kept).
	MergedOverlap int `json:"merged_overlap"`
	// MergedAdjacent counts online intervals that started exactly where an
	// earlier one of the same node ended and were merged into it, so the node
	// does not leave and rejoin at the same instant.
	MergedAdjacent int `json:"merged_adjacent"`
	// RepeatedIDs counts PeerSim lines whose id appeared on an earlier line;
	// their intervals are added to that node's.
	RepeatedIDs int `json:"repeated_ids"`
	// OutOfOrder counts OverSim lines whose time is earlier than the line
	// before; lines are sorted by time (stably) before they are interpreted.
	OutOfOrder int `json:"out_of_order"`
	// RedundantJoins and RedundantLeaves count OverSim JOINs of a node that is
	// already up and LEAVEs of a node that is down; they are ignored.
	RedundantJoins  int `json:"redundant_joins"`
	RedundantLeaves int `json:"redundant_leaves"`
	// OutsideWindow counts online intervals entirely outside the window.
	OutsideWindow int `json:"outside_window"`
	// Clipped counts online intervals cut at a window bound (an interval
	// still open at the end of the trace counts when the window has an end).
	// All counts above cover every host, including those MaxNodes leaves out.
	Clipped int `json:"clipped"`
	// NodesOutsideWindow counts hosts never online inside the window (or
	// never online at all).
	NodesOutsideWindow int `json:"nodes_outside_window"`
	// NodesOverMax counts hosts online in the window but left out by
	// MaxNodes.
	NodesOverMax int `json:"nodes_over_max"`
}

// span is an online interval [start, end) in trace seconds; end is +Inf when
// the trace never says the node went down.
type span struct{ start, end float64 }

// traceNode is one host of a trace: its identifier and online intervals.
type traceNode struct {
	name  string
	spans []span
}

// hostTable maps trace identifiers to hosts in order of first appearance.
type hostTable struct {
	index map[string]int
	hosts []traceNode
}

func newHostTable() *hostTable { return &hostTable{index: map[string]int{}} }

// get returns the index of the host named name, adding it if new; seen
// reports whether it existed before.
func (h *hostTable) get(name string) (i int, seen bool) {
	i, seen = h.index[name]
	if !seen {
		i = len(h.hosts)
		h.index[name] = i
		h.hosts = append(h.hosts, traceNode{name: name})
	}
	return i, seen
}

// build turns hosts' online intervals into a schedule: per host it drops
// empty intervals, sorts and merges the rest, clips them to the window, then
// keeps at most MaxNodes hosts, maps times onto virtual time and sorts the
// events stably by time. defaultOrigin < 0 asks for the earliest kept start.
func build(hosts []traceNode, o ReplayOptions, defaultOrigin float64, defaultDeparture Kind, st *ReadStats) (Schedule, error) {
	st.Hosts = len(hosts)
	from, to := o.Window.From, o.Window.To
	if to == 0 {
		to = math.Inf(1)
	}
	var kept []traceNode
	earliest := math.Inf(1)
	for _, h := range hosts {
		sp := h.spans[:0:0]
		for _, s := range h.spans {
			if s.end <= s.start {
				st.DroppedEmpty++
				continue
			}
			sp = append(sp, s)
		}
		slices.SortStableFunc(sp, func(a, b span) int {
			switch {
			case a.start < b.start:
				return -1
			case a.start > b.start:
				return 1
			}
			return 0
		})
		merged := sp[:0]
		for _, s := range sp {
			if n := len(merged); n > 0 && s.start <= merged[n-1].end {
				if s.start < merged[n-1].end {
					st.MergedOverlap++
				} else {
					st.MergedAdjacent++
				}
				merged[n-1].end = max(merged[n-1].end, s.end)
				continue
			}
			merged = append(merged, s)
		}
		clipped := merged[:0]
		for _, s := range merged {
			if s.end <= from || s.start >= to {
				st.OutsideWindow++
				continue
			}
			if s.start < from || s.end > to {
				st.Clipped++
				s.start, s.end = max(s.start, from), min(s.end, to)
			}
			clipped = append(clipped, s)
		}
		if len(clipped) == 0 {
			st.NodesOutsideWindow++
			continue
		}
		if o.MaxNodes > 0 && len(kept) == o.MaxNodes {
			st.NodesOverMax++
			continue
		}
		kept = append(kept, traceNode{name: h.name, spans: clipped})
		earliest = min(earliest, clipped[0].start)
	}

	origin := defaultOrigin
	switch {
	case from > 0:
		origin = from
	case origin < 0 && len(kept) > 0:
		origin = earliest
	case origin < 0:
		origin = 0
	}
	scale := o.Scale
	if scale == 0 {
		scale = 1
	}
	dep := o.Departure
	if dep == 0 {
		dep = defaultDeparture
	}
	toSim := func(t float64) (engine.Time, error) {
		v := math.Round(float64(o.Offset) + (t-origin)*scale*1e9)
		if v < 0 || v >= math.MaxInt64 {
			return 0, fmt.Errorf("churn: trace time %v s maps outside virtual time (origin %v s, scale %v, offset %v)", t, origin, scale, o.Offset)
		}
		return engine.Time(v), nil
	}

	s := Schedule{Nodes: len(kept), Names: make([]string, len(kept))}
	for id, h := range kept {
		s.Names[id] = h.name
		for _, sp := range h.spans {
			at, err := toSim(sp.start)
			if err != nil {
				return Schedule{}, err
			}
			s.Events = append(s.Events, Event{At: at, Node: engine.NodeID(id), Kind: Join})
			if sp.end < to { // an interval reaching the window end (or open) never ends
				at, err := toSim(sp.end)
				if err != nil {
					return Schedule{}, err
				}
				s.Events = append(s.Events, Event{At: at, Node: engine.NodeID(id), Kind: dep})
			}
		}
		st.Intervals += len(h.spans)
	}
	s.Sort()
	st.Nodes, st.Events = s.Nodes, len(s.Events)
	return s, nil
}
