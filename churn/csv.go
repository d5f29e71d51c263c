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
