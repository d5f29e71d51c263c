package churn

import (
	"io"
	"math"
	"strconv"
	"strings"
)

// ftaColumns are the columns of a Failure Trace Archive event trace, in the
// order assumed when a file has no header.
var ftaColumns = []string{"event_id", "component_id", "node_id", "platform_id", "node_name",
	"event_type", "event_start_time", "event_stop_time", "event_end_reason"}

// ReadFTA reads a Failure Trace Archive event trace (event_trace.tab): a
// header line naming the columns
//
//	event_id component_id node_id platform_id node_name event_type event_start_time event_stop_time event_end_reason
//
// then one record per line, fields separated by any mix of tabs and spaces.
// Columns are found by their header names (a file whose first line is
// numeric is read with the order above); every line must have as many
// fields as the header. Times are Unix seconds. event_type 1 is an available
// interval: the node is online during [event_start_time, event_stop_time);
// event_type 0 is an unavailable interval and is ignored (a node is offline
// whenever no available interval covers it). Hosts are identified by
// node_id — node_name is not unique in real traces and component_id is
// ignored, so the components of a node are merged — and mapped to NodeIDs in
// order of first appearance among the hosts kept. name is used in error
// messages.
//
// Quirks, each counted in ReadStats: an available interval starting at 0
// (unknown start) is dropped; one with stop <= start is dropped; overlapping
// or touching intervals of a node are merged (the union is kept); records of
// a node need not be contiguous or ordered. Without a window, the earliest
// kept start maps to virtual time opts.Offset. Interval ends become Crash
// events unless opts.Departure says otherwise. A malformed line (wrong field
// count, an event_type other than 0 or 1, a time that is not a non-negative
// number) is a *ParseError naming the file, line and column.
func ReadFTA(r io.Reader, name string, opts ReplayOptions) (Schedule, ReadStats, error) {
	var st ReadStats
	if err := opts.validate(); err != nil {
		return Schedule{}, st, err
	}
	lr := newLineReader(r, name)
	f := lr.next()
	if f == nil {
		if lr.err != nil {
			return Schedule{}, st, lr.err
		}
		return Schedule{}, st, &ParseError{File: name, Msg: "empty file: want a header line naming the columns"}
	}
	cols := ftaColumns
	header := true
	if _, err := strconv.ParseInt(f[0], 10, 64); err == nil {
		header = false
	} else {
		cols = make([]string, len(f))
		for i, c := range f {
			cols[i] = strings.ToLower(c)
		}
	}
	idx := map[string]int{}
	for i, c := range cols {
		if _, dup := idx[c]; dup {
			return Schedule{}, st, lr.errorf("", "header names column %q twice", c)
		}
		idx[c] = i
	}
	need := map[string]int{}
	for _, c := range []string{"node_id", "event_type", "event_start_time", "event_stop_time"} {
		i, ok := idx[c]
		if !ok {
			return Schedule{}, st, lr.errorf("", "header lacks column %q (got %s)", c, strings.Join(f, " "))
		}
		need[c] = i
	}
	iNode, iType, iStart, iStop := need["node_id"], need["event_type"], need["event_start_time"], need["event_stop_time"]

	hosts := newHostTable()
	parseTime := func(f []string, i int) (float64, error) {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return 0, lr.errorf(cols[i], "want non-negative Unix seconds, got %q", f[i])
		}
		return v, nil
	}
	if header {
		f = lr.next()
	}
	for ; f != nil; f = lr.next() {
		if len(f) != len(cols) {
			return Schedule{}, st, lr.errorf("", "want %d fields (%s), got %d", len(cols), strings.Join(cols, " "), len(f))
		}
		st.Records++
		hi, _ := hosts.get(f[iNode])
		start, err := parseTime(f, iStart)
		if err != nil {
			return Schedule{}, st, err
		}
		stop, err := parseTime(f, iStop)
		if err != nil {
			return Schedule{}, st, err
		}
		switch f[iType] {
		case "0":
			st.Unavailable++
		case "1":
			if start == 0 {
				st.DroppedZeroStart++
				continue
			}
			h := &hosts.hosts[hi]
			h.spans = append(h.spans, span{start, stop})
		default:
			return Schedule{}, st, lr.errorf(cols[iType], "want 1 (available) or 0 (unavailable), got %q", f[iType])
		}
	}
	if lr.err != nil {
		return Schedule{}, st, lr.err
	}
	s, err := build(hosts.hosts, opts, -1, Crash, &st)
	return s, st, err
}
