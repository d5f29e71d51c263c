package churn

import (
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ReadOverSim reads an OverSim-style churn trace: one record per line,
//
//	<time> <nodeId> JOIN|LEAVE
//
// separated by spaces or tabs, time in seconds (any float syntax), nodeId any
// token without blanks, the keyword case-insensitive. Blank lines and lines
// starting with '#' are skipped. name is used in error messages.
//
// Quirks: lines out of time order are sorted by time, stably (so lines with
// equal times keep their file order), and counted in OutOfOrder; a JOIN of a
// node that is already up and a LEAVE of a node that is down are ignored and
// counted; a JOIN and LEAVE at the same time make an empty interval, dropped
// and counted; a node still up at the end of the trace stays up. Interval
// ends become Leave events unless opts.Departure says otherwise. Node IDs
// are assigned in order of first appearance in the file. A malformed line is
// a *ParseError naming the file, line and column.
func ReadOverSim(r io.Reader, name string, opts ReplayOptions) (Schedule, ReadStats, error) {
	var st ReadStats
	if err := opts.validate(); err != nil {
		return Schedule{}, st, err
	}
	type record struct {
		t    float64
		host int
		join bool
	}
	hosts := newHostTable()
	var recs []record
	lr := newLineReader(r, name)
	prev := math.Inf(-1)
	for f := lr.next(); f != nil; f = lr.next() {
		if len(f) != 3 {
			return Schedule{}, st, lr.errorf("", "want 3 fields (time nodeId JOIN|LEAVE), got %d", len(f))
		}
		t, err := strconv.ParseFloat(f[0], 64)
		if err != nil || t < 0 || math.IsInf(t, 0) || math.IsNaN(t) {
			return Schedule{}, st, lr.errorf("time", "want non-negative seconds, got %q", f[0])
		}
		var join bool
		switch strings.ToUpper(f[2]) {
		case "JOIN":
			join = true
		case "LEAVE":
		default:
			return Schedule{}, st, lr.errorf("event", "want JOIN or LEAVE, got %q", f[2])
		}
		host, _ := hosts.get(f[1])
		if t < prev {
			st.OutOfOrder++
		}
		prev = t
		recs = append(recs, record{t: t, host: host, join: join})
		st.Records++
	}
	if lr.err != nil {
		return Schedule{}, st, lr.err
	}
	slices.SortStableFunc(recs, func(a, b record) int {
		switch {
		case a.t < b.t:
			return -1
		case a.t > b.t:
			return 1
		}
		return 0
	})
	upSince := make([]float64, len(hosts.hosts))
	up := make([]bool, len(hosts.hosts))
	for _, rc := range recs {
		switch {
		case rc.join && up[rc.host]:
			st.RedundantJoins++
		case rc.join:
			up[rc.host], upSince[rc.host] = true, rc.t
		case !up[rc.host]:
			st.RedundantLeaves++
		default:
			h := &hosts.hosts[rc.host]
			h.spans = append(h.spans, span{upSince[rc.host], rc.t})
			up[rc.host] = false
		}
	}
	for i, u := range up {
		if u {
			h := &hosts.hosts[i]
			h.spans = append(h.spans, span{upSince[i], math.Inf(1)})
		}
	}
	s, err := build(hosts.hosts, opts, 0, Leave, &st)
	return s, st, err
}
