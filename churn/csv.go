package churn

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"peerlab/engine"
)

// csvHeader is the first line of the native format.
var csvHeader = []string{"time_s", "node", "event"}

// WriteCSV writes s in the native format: the header "time_s,node,event",
// then one line per event in slice order. time_s is the event time in
// seconds with at least three and at most nine decimals (exact to the
// nanosecond: trailing zeros beyond the third decimal are dropped, so 1.5 s
// is "1.500" and 1 ns is "0.000000001"); node is Names[node] when s has names,
// else the decimal NodeID; event is join, leave or crash. The schedule is
// validated first, and nothing is written if it is invalid.
func WriteCSV(w io.Writer, s Schedule) error {
	if err := s.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	rec := make([]string, 3)
	for _, e := range s.Events {
		rec[0] = FormatSeconds(e.At)
		if s.Names != nil {
			rec[1] = s.Names[e.Node]
		} else {
			rec[1] = strconv.Itoa(int(e.Node))
		}
		rec[2] = e.Kind.String()
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// ReadCSV reads a schedule in the native format written by WriteCSV. name is
// used in error messages only. Blank lines and lines starting with '#' are
// skipped; fields may be quoted as in RFC 4180. The node column may hold any
// non-empty identifier: identifiers are mapped to dense NodeIDs in order of
// first appearance and returned in Schedule.Names (a schedule written without
// names, whose nodes first appear in NodeID order, as every generated schedule
// does, reads back with the same IDs). time_s is a plain decimal number of
// seconds with at most nine decimals. Lines must be in time order, and a node
// must never join while up or leave or crash while down; such a line is an
// error, as is any malformed field, each reported with name, line and column.
func ReadCSV(r io.Reader, name string) (Schedule, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	wrap := func(err error) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return &ParseError{File: name, Line: pe.Line, Msg: pe.Err.Error()}
		}
		return &ParseError{File: name, Msg: "read: " + err.Error()}
	}
	rec, err := cr.Read()
	if err == io.EOF {
		return Schedule{}, &ParseError{File: name, Msg: `empty file: want the header "time_s,node,event"`}
	}
	if err != nil {
		return Schedule{}, wrap(err)
	}
	if line, _ := cr.FieldPos(0); !equalStrings(rec, csvHeader) {
		return Schedule{}, &ParseError{File: name, Line: line, Msg: fmt.Sprintf("want the header \"time_s,node,event\", got %q", strings.Join(rec, ","))}
	}

	var s Schedule
	ids := map[string]engine.NodeID{}
	var up []bool
	var lastJoin []int // line of each node's last join or departure, for messages
	var prev engine.Time
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Schedule{}, wrap(err)
		}
		line, _ := cr.FieldPos(0)
		perr := func(col int, format string, args ...any) error {
			return &ParseError{File: name, Line: line, Column: csvHeader[col], Msg: fmt.Sprintf(format, args...)}
		}
		if len(rec) != 3 {
			return Schedule{}, &ParseError{File: name, Line: line, Msg: fmt.Sprintf("want 3 fields (time_s,node,event), got %d", len(rec))}
		}
		at, err := parseSeconds(rec[0])
		if err != nil {
			return Schedule{}, perr(0, "%v", err)
		}
		if at < prev {
			return Schedule{}, perr(0, "%s is earlier than the previous line's %s: lines must be in time order", rec[0], FormatSeconds(prev))
		}
		if rec[1] == "" {
			return Schedule{}, perr(1, "empty node identifier")
		}
		kind, err := ParseKind(rec[2])
		if err != nil {
			return Schedule{}, perr(2, "%v", err)
		}
		id, ok := ids[rec[1]]
		if !ok {
			if len(s.Names) == math.MaxInt32 {
				return Schedule{}, perr(1, "too many nodes")
			}
			id = engine.NodeID(len(s.Names))
			ids[rec[1]] = id
			s.Names = append(s.Names, rec[1])
			up = append(up, false)
			lastJoin = append(lastJoin, 0)
		}
		switch {
		case kind == Join && up[id]:
			return Schedule{}, perr(2, "node %q joins while up (it joined on line %d)", rec[1], lastJoin[id])
		case kind != Join && !up[id] && lastJoin[id] == 0:
			return Schedule{}, perr(2, "node %q %s before it ever joined", rec[1], verb(kind))
		case kind != Join && !up[id]:
			return Schedule{}, perr(2, "node %q %s while down (it went down on line %d)", rec[1], verb(kind), lastJoin[id])
		}
		up[id] = kind == Join
		lastJoin[id] = line
		s.Events = append(s.Events, Event{At: at, Node: id, Kind: kind})
		prev = at
	}
	s.Nodes = len(s.Names)
	return s, nil
}

// ReplayCSV reads a schedule in the native format, as ReadCSV does, and
// replays it with opts like the trace readers: trace time is the file's
// time_s, intervals are clipped to opts.Window, at most opts.MaxNodes nodes
// are kept, and a time t becomes Offset + (t − origin)·Scale, origin being
// Window.From if set, else 0. Departures keep the kind written in the file
// (leave or crash) unless opts.Departure says otherwise. Unlike the other
// formats the native one is exact: its intervals are neither merged nor
// dropped (a node may leave and rejoin at one instant, or join and leave at
// one instant), so with the zero options the schedule is the one ReadCSV
// returns, event for event, and the DroppedEmpty and Merged counts of the
// stats stay 0. Kept nodes are renumbered densely in order of first
// appearance; events keep the file's order, except that the joins of nodes
// online at the window start come first.
func ReplayCSV(r io.Reader, name string, opts ReplayOptions) (Schedule, ReadStats, error) {
	var st ReadStats
	if err := opts.validate(); err != nil {
		return Schedule{}, st, err
	}
	s, err := ReadCSV(r, name)
	if err != nil {
		return Schedule{}, st, err
	}
	st.Records = len(s.Events)
	s, err = replay(s, opts, &st)
	return s, st, err
}

// replay applies opts to a schedule read from the native format (events in
// time order, each node's first event a join), counting into st as build
// does. Comparisons and the mapping are done in whole nanoseconds, so the
// zero options change nothing.
func replay(s Schedule, o ReplayOptions, st *ReadStats) (Schedule, error) {
	st.Hosts = s.Nodes
	// Window bounds in nanoseconds; a bound beyond virtual time is clamped
	// (every time of the file is below math.MaxInt64).
	toNs := func(sec float64) engine.Time {
		v := math.Round(sec * 1e9)
		if v >= math.MaxInt64 {
			return engine.Time(math.MaxInt64)
		}
		return engine.Time(v)
	}
	hasFrom, hasTo := o.Window.From > 0, o.Window.To != 0
	from, to := engine.Time(0), engine.Time(math.MaxInt64)
	if hasFrom {
		from = toNs(o.Window.From)
	}
	if hasTo {
		to = toNs(o.Window.To)
	}

	// end[i] is, for a join, the index of the departure that ends its
	// interval, or -1 if the node is still up at the end of the file.
	ev := s.Events
	end := make([]int, len(ev))
	open := make([]int, s.Nodes)
	for i, e := range ev {
		if e.Kind == Join {
			open[e.Node], end[i] = i, -1
		} else {
			end[open[e.Node]] = i
		}
	}
	// Decide which intervals are kept, and which nodes.
	keep := make([]bool, len(ev)) // joins: interval kept; departures: emitted
	online := make([]bool, s.Nodes)
	for i, e := range ev {
		if e.Kind != Join {
			continue
		}
		stop, isOpen := engine.Time(math.MaxInt64), end[i] < 0
		if !isOpen {
			stop = ev[end[i]].At
		}
		if hasFrom && stop <= from || e.At >= to {
			st.OutsideWindow++
			continue
		}
		if hasFrom && e.At < from || hasTo && (isOpen || stop > to) {
			st.Clipped++
		}
		keep[i] = true
		if !isOpen && stop < to {
			keep[end[i]] = true
		}
		online[e.Node] = true
	}
	id := make([]engine.NodeID, s.Nodes)
	out := Schedule{}
	for n, on := range online {
		switch {
		case !on:
			st.NodesOutsideWindow++
			id[n] = -1
		case o.MaxNodes > 0 && out.Nodes == o.MaxNodes:
			st.NodesOverMax++
			id[n] = -1
		default:
			id[n] = engine.NodeID(out.Nodes)
			out.Nodes++
			if s.Names != nil {
				out.Names = append(out.Names, s.Names[n])
			}
		}
	}

	origin := from // 0 without a window start
	scale := o.Scale
	if scale == 0 {
		scale = 1
	}
	toSim := func(t engine.Time) (engine.Time, error) {
		d := t - origin // >= 0: no kept event precedes the window start
		if scale == 1 && d <= math.MaxInt64-engine.Time(o.Offset) {
			return engine.Time(o.Offset) + d, nil
		}
		v := math.Round(float64(o.Offset) + float64(d)*scale)
		if scale == 1 || v < 0 || v >= math.MaxInt64 {
			return 0, fmt.Errorf("churn: trace time %s s maps outside virtual time (origin %s s, scale %v, offset %v)",
				FormatSeconds(t), FormatSeconds(origin), scale, o.Offset)
		}
		return engine.Time(v), nil
	}
	emit := func(at engine.Time, e Event) error {
		if id[e.Node] < 0 {
			return nil
		}
		t, err := toSim(at)
		if err != nil {
			return err
		}
		if e.Kind != Join && o.Departure != 0 {
			e.Kind = o.Departure
		}
		if e.Kind == Join {
			st.Intervals++
		}
		out.Events = append(out.Events, Event{At: t, Node: id[e.Node], Kind: e.Kind})
		return nil
	}
	// Nodes online at the window start join there, first; then the kept
	// events in file order, all at or after the window start.
	for i, e := range ev {
		if keep[i] && e.Kind == Join && e.At < from {
			if err := emit(from, e); err != nil {
				return Schedule{}, err
			}
		}
	}
	for i, e := range ev {
		if keep[i] && (e.Kind != Join || e.At >= from) {
			if err := emit(e.At, e); err != nil {
				return Schedule{}, err
			}
		}
	}
	st.Nodes, st.Events = out.Nodes, len(out.Events)
	return out, nil
}

// verb is the third-person verb of a kind: "joins", "leaves", "crashes".
func verb(k Kind) string {
	if k == Crash {
		return "crashes"
	}
	return k.String() + "s"
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FormatSeconds formats t as seconds with at least three and at most nine
// decimals, exactly: 0 is "0.000", 1.5 s is "1.500", 10.0001 s is "10.0001"
// and 1 ns is "0.000000001". Negative times get a leading '-'.
func FormatSeconds(t engine.Time) string {
	neg := t < 0
	u := uint64(t)
	if neg {
		u = -u
	}
	sec, ns := u/1e9, u%1e9
	frac := strconv.FormatUint(ns+1e9, 10)[1:] // nine digits, zero-padded
	for len(frac) > 3 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	out := strconv.FormatUint(sec, 10) + "." + frac
	if neg {
		return "-" + out
	}
	return out
}

// parseSeconds parses a non-negative plain decimal number of seconds with at
// most nine decimals ("12", "12.5", "0.000000001") exactly into a Time.
func parseSeconds(s string) (engine.Time, error) {
	bad := func() (engine.Time, error) {
		return 0, fmt.Errorf("want non-negative seconds such as 12.500 (at most 9 decimals), got %q", s)
	}
	ip, fp, _ := strings.Cut(s, ".")
	if ip == "" && fp == "" || len(fp) > 9 {
		return bad()
	}
	for _, part := range []string{ip, fp} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return bad()
			}
		}
	}
	var sec uint64
	if ip != "" {
		v, err := strconv.ParseUint(ip, 10, 64)
		if err != nil || v > math.MaxInt64/1_000_000_000-1 {
			return 0, fmt.Errorf("%q seconds is out of range", s)
		}
		sec = v
	}
	var ns uint64
	if fp != "" {
		v, _ := strconv.ParseUint(fp, 10, 64)
		for i := len(fp); i < 9; i++ {
			v *= 10
		}
		ns = v
	}
	return engine.Time(sec*1e9 + ns), nil
}
