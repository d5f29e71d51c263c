package engine

import "fmt"

// TimerID names a scheduled timer so it can be cancelled. The zero TimerID
// names no timer; cancelling it is a no-op.
type TimerID uint64

// NoTimer is the zero TimerID.
const NoTimer TimerID = 0

// Event kinds, as kept in a slab slot.
const (
	kindFree      uint8 = iota // slot is on the free list
	kindGlobal                 // always delivered (unless cancelled)
	kindMessage                // delivered only if the node is alive on arrival
	kindTimer                  // delivered only if the node kept its incarnation
	kindCancelled              // cancelled: skipped when popped
)

type slot[P any] struct {
	gen     uint32 // bumped each time the slot is freed, so stale TimerIDs miss
	kind    uint8
	node    NodeID
	inc     uint32 // node incarnation a timer belongs to
	payload P
}

// Handler receives each event in (time, sequence) order. node is the event's
// node, or None for a global event. The payload is passed by value: the handler
// may schedule new events freely.
type Handler[P any] func(node NodeID, p P)

// Stats counts what a Sim has done.
type Stats struct {
	Events    uint64 // events handed to the handler
	Cancelled uint64 // cancelled timers skipped
	Dropped   uint64 // messages addressed to a node that was down on arrival
	Stale     uint64 // timers of a node that crashed, left or rejoined since
	MaxQueue  int    // largest number of pending events seen
}

// Sim is one discrete-event simulation. Events carry a payload of type P.
// The zero value is not usable; call New.
type Sim[P any] struct {
	now     Time
	seq     uint64
	queue   heap4
	slots   []slot[P]
	free    []uint32
	handler Handler[P]

	alive []bool
	inc   []uint32
	live  int

	stats Stats

	progressEvery uint64
	progress      func(now Time, events uint64)
}

// New returns a simulation at time 0 with no nodes that hands events to h.
func New[P any](h Handler[P]) *Sim[P] {
	if h == nil {
		panic("engine.New: nil handler")
	}
	return &Sim[P]{handler: h, slots: make([]slot[P], 1)} // slot 0 is never used, so TimerID 0 is "none"
}

// Now returns the current virtual time.
func (s *Sim[P]) Now() Time { return s.now }

// Stats returns the counters so far.
func (s *Sim[P]) Stats() Stats { return s.stats }

// Pending returns the number of scheduled events, cancelled ones included.
func (s *Sim[P]) Pending() int { return s.queue.Len() }

// OnProgress asks for f to be called every `every` handled events (and once
// more when a run ends). f must not schedule events.
func (s *Sim[P]) OnProgress(every uint64, f func(now Time, events uint64)) {
	if every == 0 {
		panic("engine: OnProgress: every must be at least 1")
	}
	s.progressEvery, s.progress = every, f
}

func (s *Sim[P]) schedule(at Time, kind uint8, node NodeID, p P) TimerID {
	if at < s.now {
		panic(fmt.Sprintf("engine: event scheduled in the past (%v < now %v)", at, s.now))
	}
	var i uint32
	if n := len(s.free); n > 0 {
		i = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		s.slots = append(s.slots, slot[P]{})
		i = uint32(len(s.slots) - 1)
	}
	sl := &s.slots[i]
	sl.kind, sl.node, sl.payload = kind, node, p
	if kind == kindTimer {
		sl.inc = s.inc[node]
	}
	s.seq++
	s.queue.Push(entry{at: at, seq: s.seq, slot: i})
	if l := s.queue.Len(); l > s.stats.MaxQueue {
		s.stats.MaxQueue = l
	}
	return TimerID(uint64(sl.gen)<<32 | uint64(i))
}

// Schedule queues a global event (node None) at time at. It is delivered
// unless cancelled.
func (s *Sim[P]) Schedule(at Time, p P) TimerID { return s.schedule(at, kindGlobal, None, p) }

// Post queues a message-like event for node to at time at. It is delivered
// only if the node is alive at that time, and cannot be cancelled.
func (s *Sim[P]) Post(at Time, to NodeID, p P) { s.schedule(at, kindMessage, to, p) }

// Timer queues a timer event for node at time at. It is delivered only if it
// was not cancelled, the node is alive when it fires, and the node has not
// gone down (or come back up) since the timer was set.
func (s *Sim[P]) Timer(at Time, node NodeID, p P) TimerID {
	return s.schedule(at, kindTimer, node, p)
}

// Cancel cancels a timer or global event. Cancelling one that already fired,
// was already cancelled, or NoTimer, does nothing.
func (s *Sim[P]) Cancel(id TimerID) {
	i := uint32(id)
	if i == 0 || int(i) >= len(s.slots) {
		return
	}
	sl := &s.slots[i]
	if sl.gen != uint32(id>>32) || sl.kind == kindFree {
		return
	}
	if sl.kind == kindTimer || sl.kind == kindGlobal {
		sl.kind = kindCancelled
		var zero P
		sl.payload = zero // let the payload's references go now
	}
}

// AddNodes grows the node table by n nodes, all down, and returns the first new ID.
func (s *Sim[P]) AddNodes(n int) NodeID {
	first := NodeID(len(s.alive))
	s.alive = append(s.alive, make([]bool, n)...)
	s.inc = append(s.inc, make([]uint32, n)...)
	return first
}

// Nodes returns the size of the node table.
func (s *Sim[P]) Nodes() int { return len(s.alive) }

// Alive reports whether node is up.
func (s *Sim[P]) Alive(node NodeID) bool { return s.alive[node] }

// Live returns the number of nodes up.
func (s *Sim[P]) Live() int { return s.live }

// Up marks node as alive in a new incarnation.
func (s *Sim[P]) Up(node NodeID) {
	if s.alive[node] {
		panic(fmt.Sprintf("engine: Up(%v): node is already up", node))
	}
	s.alive[node] = true
	s.inc[node]++
	s.live++
}

// Down marks node as down: its pending timers become stale and messages that
// arrive while it is down are dropped.
func (s *Sim[P]) Down(node NodeID) {
	if !s.alive[node] {
		panic(fmt.Sprintf("engine: Down(%v): node is already down", node))
	}
	s.alive[node] = false
	s.inc[node]++
	s.live--
}

// Step handles the earliest pending event if it is due no later than
// deadline. It reports whether an event was taken off the queue (handled or
// skipped).
func (s *Sim[P]) Step(deadline Time) bool {
	if s.queue.Len() == 0 || s.queue.Peek().at > deadline {
		return false
	}
	e := s.queue.Pop()
	sl := &s.slots[e.slot]
	kind, node, p := sl.kind, sl.node, sl.payload
	deliver := true
	switch kind {
	case kindCancelled:
		s.stats.Cancelled++
		deliver = false
	case kindMessage:
		if !s.alive[node] {
			s.stats.Dropped++
			deliver = false
		}
	case kindTimer:
		if sl.inc != s.inc[node] || !s.alive[node] {
			s.stats.Stale++
			deliver = false
		}
	}
	var zero P
	sl.payload = zero
	sl.kind = kindFree
	sl.gen++
	s.free = append(s.free, e.slot)
	s.now = e.at
	if deliver {
		s.stats.Events++
		s.handler(node, p)
		if s.progress != nil && s.stats.Events%s.progressEvery == 0 {
			s.progress(s.now, s.stats.Events)
		}
	}
	return true
}

// RunUntil handles events in order until none is due at or before deadline,
// then sets the clock to deadline (if it is not Never).
func (s *Sim[P]) RunUntil(deadline Time) {
	for s.Step(deadline) {
	}
	if deadline != Never && deadline > s.now {
		s.now = deadline
	}
	if s.progress != nil {
		s.progress(s.now, s.stats.Events)
	}
}
