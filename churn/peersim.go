package churn

import (
	"fmt"
	"io"
	"math"
	"strconv"
)

// ReadPeerSim reads a PeerSim-style availability list: one line per node,
//
//	<id> <n> <start1> <end1> ... <startn> <endn>
//
// separated by spaces or tabs: the node identifier (any token without
// blanks), the number of online intervals, then n pairs of times in seconds;
// the node is online during each [start, end). Blank lines and lines starting
// with '#' are skipped. name is used in error messages.
//
// Quirks: a line whose field count is not 2+2n is malformed; an interval with
// end <= start is dropped and counted; intervals of a node out of order are
// sorted, and overlapping or touching ones merged and counted; a repeated id
// adds its intervals to the same node (counted in RepeatedIDs). Start times
// of 0 are legitimate (online from the start). Interval ends become Leave
// events unless opts.Departure says otherwise. Node IDs are assigned in order
// of first appearance. A malformed line is a *ParseError naming the file,
// line and column ("id", "n", "start3", "end3", ...).
func ReadPeerSim(r io.Reader, name string, opts ReplayOptions) (Schedule, ReadStats, error) {
	var st ReadStats
	if err := opts.validate(); err != nil {
		return Schedule{}, st, err
	}
	hosts := newHostTable()
	lr := newLineReader(r, name)
	for f := lr.next(); f != nil; f = lr.next() {
		if len(f) < 2 {
			return Schedule{}, st, lr.errorf("", "want <id> <n> followed by n start/end pairs, got %d field(s)", len(f))
		}
		n, err := strconv.Atoi(f[1])
		if err != nil || n < 0 {
			return Schedule{}, st, lr.errorf("n", "want a non-negative interval count, got %q", f[1])
		}
		if len(f) != 2+2*n {
			return Schedule{}, st, lr.errorf("", "n = %d intervals want %d fields, got %d", n, 2+2*n, len(f))
		}
		i, seen := hosts.get(f[0])
		if seen {
			st.RepeatedIDs++
		}
		h := &hosts.hosts[i]
		for k := 0; k < n; k++ {
			var ts [2]float64
			for j, col := range [2]string{"start", "end"} {
				v, err := strconv.ParseFloat(f[2+2*k+j], 64)
				if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
					return Schedule{}, st, lr.errorf(fmt.Sprintf("%s%d", col, k+1), "want non-negative seconds, got %q", f[2+2*k+j])
				}
				ts[j] = v
			}
			h.spans = append(h.spans, span{ts[0], ts[1]})
		}
		st.Records++
	}
	if lr.err != nil {
		return Schedule{}, st, lr.err
	}
	s, err := build(hosts.hosts, opts, 0, Leave, &st)
	return s, st, err
}
