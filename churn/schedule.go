package churn

import (
	"fmt"
	"slices"
	"time"

	"peerlab/engine"
)

// Kind is what happens to a node in an Event. The zero Kind is invalid, so an
// Event left uninitialised is caught by Validate.
type Kind uint8

// The kinds of churn events.
const (
	// Join brings a node that is down up (its first arrival or a return).
	Join Kind = iota + 1
	// Leave takes a node that is up down gracefully: it may tell its
	// neighbours and hand over state first.
	Leave
	// Crash takes a node that is up down silently.
	Crash
)

// String returns "join", "leave" or "crash" (the spelling of the CSV format),
// or "kind(N)" for an invalid Kind.
func (k Kind) String() string {
	switch k {
	case Join:
		return "join"
	case Leave:
		return "leave"
	case Crash:
		return "crash"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ParseKind is the inverse of Kind.String: it accepts exactly "join",
// "leave" and "crash".
func ParseKind(s string) (Kind, error) {
	switch s {
	case "join":
		return Join, nil
	case "leave":
		return Leave, nil
	case "crash":
		return Crash, nil
	}
	return 0, fmt.Errorf("want join, leave or crash, got %q", s)
}

// Departure reports whether k takes a node down (Leave or Crash).
func (k Kind) Departure() bool { return k == Leave || k == Crash }

// Event is one membership change: node Node joins, leaves or crashes at
// virtual time At.
type Event struct {
	At   engine.Time
	Node engine.NodeID
	Kind Kind
}

// Schedule is a complete churn plan for a run, computed before the run starts.
//
// Nodes is the number of hosts the plan uses; every Event.Node is in
// [0, Nodes). Every node starts down, so its first event is a Join.
//
// Ordering rule: Events are sorted by At; events with equal At stay in the
// order they were produced in (a stable sort), and a runner must apply them
// in slice order. Producers in this package emit events node by node (in
// NodeID order, each node's events chronologically) and then sort stably by
// time, so ties are broken by NodeID and then by the node's own sequence — a
// node that leaves and rejoins at the same instant leaves first. ReadCSV keeps
// the file's line order.
//
// Names, when not nil, maps each NodeID to the identifier a trace used for it
// (len(Names) == Nodes); IDs are assigned in order of first appearance. A
// generated schedule has no Names.
type Schedule struct {
	Nodes  int
	Events []Event
	Names  []string
}

// Sort restores the ordering rule after Events were edited: a stable sort by
// At, so events with equal times keep their relative order.
func (s *Schedule) Sort() {
	// Sorting by (At, position) with pdqsort is much faster than the in-place
	// stable merge sort on large schedules, and gives the same order.
	type keyed struct {
		e   Event
		pos int
	}
	k := make([]keyed, len(s.Events))
	for i, e := range s.Events {
		k[i] = keyed{e, i}
	}
	slices.SortFunc(k, func(a, b keyed) int {
		switch {
		case a.e.At < b.e.At:
			return -1
		case a.e.At > b.e.At:
			return 1
		}
		return a.pos - b.pos
	})
	for i := range k {
		s.Events[i] = k[i].e
	}
}

// Validate checks that the schedule can be replayed: Nodes >= 0, times are
// non-negative and non-decreasing, every node is in [0, Nodes) and every kind
// is valid, a node never joins while up and never leaves or crashes while
// down (all nodes start down), and Names, if present, has one unique
// non-empty entry per node. The error names the offending event by index.
func (s Schedule) Validate() error {
	if s.Nodes < 0 {
		return fmt.Errorf("churn: schedule has %d nodes", s.Nodes)
	}
	if s.Names != nil {
		if len(s.Names) != s.Nodes {
			return fmt.Errorf("churn: schedule has %d nodes but %d names", s.Nodes, len(s.Names))
		}
		seen := make(map[string]int, len(s.Names))
		for i, n := range s.Names {
			if n == "" {
				return fmt.Errorf("churn: node %d has an empty name", i)
			}
			if j, dup := seen[n]; dup {
				return fmt.Errorf("churn: nodes %d and %d are both named %q", j, i, n)
			}
			seen[n] = i
		}
	}
	up := make([]bool, s.Nodes)
	var prev engine.Time
	for i, e := range s.Events {
		switch {
		case e.At < 0:
			return fmt.Errorf("churn: event %d (%s %s at %v): negative time", i, e.Node, e.Kind, e.At)
		case e.At < prev:
			return fmt.Errorf("churn: event %d (%s %s at %v): earlier than event %d at %v", i, e.Node, e.Kind, e.At, i-1, prev)
		case e.Node < 0 || int(e.Node) >= s.Nodes:
			return fmt.Errorf("churn: event %d (%s %s at %v): node outside [0, %d)", i, e.Node, e.Kind, e.At, s.Nodes)
		case e.Kind == Join && up[e.Node]:
			return fmt.Errorf("churn: event %d (%s join at %v): node is already up", i, e.Node, e.At)
		case e.Kind.Departure() && !up[e.Node]:
			return fmt.Errorf("churn: event %d (%s %s at %v): node is down", i, e.Node, e.Kind, e.At)
		case e.Kind != Join && !e.Kind.Departure():
			return fmt.Errorf("churn: event %d (%s at %v): invalid kind %s", i, e.Node, e.At, e.Kind)
		}
		up[e.Node] = e.Kind == Join
		prev = e.At
	}
	return nil
}

// LiveAt returns the number of nodes up at time t, counting every event with
// At <= t. The schedule is assumed valid.
func (s Schedule) LiveAt(t engine.Time) int {
	live := 0
	for _, e := range s.Events {
		if e.At > t {
			break
		}
		live += delta(e.Kind)
	}
	return live
}

// LiveCurve returns LiveAt(k*step) for k = 0, 1, ... while k*step <= end, in
// one pass over the events. It returns nil when step <= 0 or end < 0.
func (s Schedule) LiveCurve(step time.Duration, end engine.Time) []int {
	if step <= 0 || end < 0 {
		return nil
	}
	n := int64(end)/int64(step) + 1
	out := make([]int, 0, n)
	live, i := 0, 0
	for k := int64(0); k < n; k++ {
		t := engine.Time(k * int64(step))
		for i < len(s.Events) && s.Events[i].At <= t {
			live += delta(s.Events[i].Kind)
			i++
		}
		out = append(out, live)
	}
	return out
}

func delta(k Kind) int {
	switch k {
	case Join:
		return 1
	case Leave, Crash:
		return -1
	}
	return 0
}

// Sessions returns the lengths of the completed online sessions of a valid
// schedule (from a Join to the node's next Leave or Crash), in the order the
// sessions end, and the number of censored sessions: those still open at the
// last event, whose length is unknown and which are therefore excluded.
// A schedule cut from a trace window may also contain left-censored sessions
// (nodes online when the window opens); they cannot be told apart and are
// included.
func Sessions(s Schedule) (lengths []time.Duration, censored int) {
	since := make([]engine.Time, s.Nodes)
	up := make([]bool, s.Nodes)
	for _, e := range s.Events {
		if e.Node < 0 || int(e.Node) >= s.Nodes {
			continue
		}
		switch {
		case e.Kind == Join:
			since[e.Node], up[e.Node] = e.At, true
		case e.Kind.Departure() && up[e.Node]:
			lengths = append(lengths, e.At.Sub(since[e.Node]))
			up[e.Node] = false
		}
	}
	for _, u := range up {
		if u {
			censored++
		}
	}
	return lengths, censored
}
