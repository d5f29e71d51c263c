package engine

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
)

// rec is one delivered event as seen by a recording handler.
type rec struct {
	at   Time
	node NodeID
	p    int
}

// recorder builds a Sim[int] whose handler appends every delivery to *log.
func recorder() (*Sim[int], *[]rec) {
	var log []rec
	var s *Sim[int]
	s = New(func(node NodeID, p int) { log = append(log, rec{s.Now(), node, p}) })
	return s, &log
}

func payloads(log []rec) []int {
	out := make([]int, len(log))
	for i, r := range log {
		out[i] = r.p
	}
	return out
}

func mustPanic(t *testing.T, name, contains string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: did not panic", name)
			return
		}
		if contains != "" {
			msg, _ := r.(string)
			if !strings.Contains(msg, contains) {
				t.Errorf("%s: panic %v, want it to mention %q", name, r, contains)
			}
		}
	}()
	f()
}

func TestNewNilHandlerPanics(t *testing.T) {
	mustPanic(t, "New(nil)", "nil handler", func() { New[int](nil) })
}

func TestTimeOrderAndFIFO(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	random := func(n int, span int64) []Time {
		ts := make([]Time, n)
		for i := range ts {
			ts[i] = Time(r.Int64N(span))
		}
		return ts
	}
	cases := []struct {
		name  string
		times []Time
	}{
		{"single", []Time{5}},
		{"ascending", []Time{1, 2, 3, 4, 5, 6, 7}},
		{"descending", []Time{7, 6, 5, 4, 3, 2, 1}},
		{"all-equal", []Time{3, 3, 3, 3, 3, 3, 3, 3, 3, 3}},
		{"equal-at-zero", []Time{0, 0, 0, 0}},
		{"mixed-ties", []Time{5, 1, 5, 1, 3, 5, 1, 3, 3, 0}},
		{"random-many-ties", random(2000, 10)},
		{"random-wide", random(2000, 1<<50)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, log := recorder()
			for i, at := range c.times {
				s.Schedule(at, i)
			}
			if s.Pending() != len(c.times) {
				t.Fatalf("Pending = %d, want %d", s.Pending(), len(c.times))
			}
			s.RunUntil(Never)
			// Expected: stable sort of insertion indices by time.
			want := make([]int, len(c.times))
			for i := range want {
				want[i] = i
			}
			sort.SliceStable(want, func(a, b int) bool { return c.times[want[a]] < c.times[want[b]] })
			if got := payloads(*log); !slices.Equal(got, want) {
				t.Fatalf("delivery order = %v, want %v", head(got), head(want))
			}
			for i, e := range *log {
				if e.at != c.times[e.p] {
					t.Fatalf("event %d delivered at Now=%v, scheduled for %v", e.p, e.at, c.times[e.p])
				}
				if e.node != None {
					t.Fatalf("global event delivered with node %v, want none", e.node)
				}
				if i > 0 && e.at < (*log)[i-1].at {
					t.Fatalf("time went backwards: %v after %v", e.at, (*log)[i-1].at)
				}
			}
			if got := s.Stats().Events; got != uint64(len(c.times)) {
				t.Fatalf("Stats.Events = %d, want %d", got, len(c.times))
			}
			if s.Pending() != 0 {
				t.Fatalf("Pending after run = %d", s.Pending())
			}
		})
	}
}

func head(x []int) []int {
	if len(x) > 30 {
		return x[:30]
	}
	return x
}

func TestSchedulingInThePastPanics(t *testing.T) {
	s, log := recorder()
	s.AddNodes(1)
	s.Up(0)
	s.Schedule(100, 1)
	s.RunUntil(Never)
	if s.Now() != 100 {
		t.Fatalf("Now = %v, want 100", s.Now())
	}
	mustPanic(t, "Schedule(99)", "past", func() { s.Schedule(99, 0) })
	mustPanic(t, "Post(99)", "past", func() { s.Post(99, 0, 0) })
	mustPanic(t, "Timer(99)", "past", func() { s.Timer(99, 0, 0) })
	mustPanic(t, "Schedule(0)", "past", func() { s.Schedule(0, 0) })
	// Scheduling exactly at Now is allowed and delivered.
	s.Schedule(100, 2)
	s.Post(100, 0, 3)
	s.Timer(100, 0, 4)
	s.RunUntil(Never)
	if got, want := payloads(*log), []int{1, 2, 3, 4}; !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	// After RunUntil moved the clock past the last event, its deadline is "now".
	s.RunUntil(500)
	mustPanic(t, "Schedule(499) after RunUntil(500)", "past", func() { s.Schedule(499, 0) })
}

func TestCancel(t *testing.T) {
	type setup struct {
		s   *Sim[int]
		log *[]rec
	}
	newSim := func() setup {
		s, log := recorder()
		s.AddNodes(2)
		s.Up(0)
		s.Up(1)
		return setup{s, log}
	}
	cases := []struct {
		name          string
		run           func(t *testing.T, x setup)
		want          []int
		wantCancelled uint64
	}{
		{
			name: "pending timer is skipped",
			run: func(t *testing.T, x setup) {
				x.s.Timer(10, 0, 1)
				id := x.s.Timer(20, 0, 2)
				x.s.Timer(30, 1, 3)
				x.s.Cancel(id)
			},
			want: []int{1, 3}, wantCancelled: 1,
		},
		{
			name: "pending global event is skipped",
			run: func(t *testing.T, x setup) {
				id := x.s.Schedule(10, 1)
				x.s.Schedule(10, 2)
				x.s.Cancel(id)
			},
			want: []int{2}, wantCancelled: 1,
		},
		{
			name: "double cancel counts once",
			run: func(t *testing.T, x setup) {
				id := x.s.Timer(10, 0, 1)
				x.s.Cancel(id)
				x.s.Cancel(id)
				x.s.Timer(11, 0, 2)
			},
			want: []int{2}, wantCancelled: 1,
		},
		{
			name: "NoTimer is a no-op",
			run: func(t *testing.T, x setup) {
				x.s.Timer(10, 0, 1)
				x.s.Schedule(10, 2)
				x.s.Cancel(NoTimer)
			},
			want: []int{1, 2}, wantCancelled: 0,
		},
		{
			name: "out-of-range id is a no-op",
			run: func(t *testing.T, x setup) {
				x.s.Timer(10, 0, 1)
				x.s.Cancel(TimerID(1<<32 | 9999))
				x.s.Cancel(TimerID(^uint64(0)))
			},
			want: []int{1}, wantCancelled: 0,
		},
		{
			name: "cancel after fire does not hit the slot's next event",
			run: func(t *testing.T, x setup) {
				old := x.s.Timer(10, 0, 1)
				x.s.RunUntil(10) // fires 1, frees its slot
				next := x.s.Timer(20, 1, 2)
				if uint32(next) != uint32(old) {
					t.Fatalf("slot not reused (old %#x, next %#x): test precondition", old, next)
				}
				if next == old {
					t.Fatalf("reused slot kept the same TimerID %#x: generation not bumped", old)
				}
				x.s.Cancel(old) // stale: must not cancel 2
			},
			want: []int{1, 2}, wantCancelled: 0,
		},
		{
			name: "stale id after cancel+reuse does not cancel the new event",
			run: func(t *testing.T, x setup) {
				old := x.s.Schedule(10, 1)
				x.s.Cancel(old)
				x.s.RunUntil(10) // pops the cancelled event, frees its slot
				next := x.s.Schedule(20, 2)
				if uint32(next) != uint32(old) {
					t.Fatalf("slot not reused: test precondition")
				}
				x.s.Cancel(old)
			},
			want: []int{2}, wantCancelled: 1,
		},
		{
			name: "cancel of a message slot id is ignored",
			run: func(t *testing.T, x setup) {
				id := x.s.Timer(5, 0, 0)
				x.s.RunUntil(5) // frees slot 1, gen 1
				*x.log = nil
				x.s.Post(10, 1, 1) // reuses slot 1 with gen 1
				// Forge the id the message would have if it were a timer.
				x.s.Cancel(TimerID(uint64(uint32(id>>32)+1)<<32 | uint64(uint32(id))))
			},
			want: []int{1}, wantCancelled: 0,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := newSim()
			c.run(t, x)
			x.s.RunUntil(Never)
			if got := payloads(*x.log); !slices.Equal(got, c.want) {
				t.Errorf("delivered %v, want %v", got, c.want)
			}
			if got := x.s.Stats().Cancelled; got != c.wantCancelled {
				t.Errorf("Stats.Cancelled = %d, want %d", got, c.wantCancelled)
			}
		})
	}
}

func TestPostDelivery(t *testing.T) {
	cases := []struct {
		name        string
		run         func(s *Sim[int])
		want        []rec
		wantDropped uint64
	}{
		{
			name: "to a live node",
			run:  func(s *Sim[int]) { s.Post(10, 1, 7) },
			want: []rec{{10, 1, 7}},
		},
		{
			name:        "to a node that is down",
			run:         func(s *Sim[int]) { s.Down(1); s.Post(10, 1, 7); s.Post(10, 0, 8) },
			want:        []rec{{10, 0, 8}},
			wantDropped: 1,
		},
		{
			name: "to a node that goes down before arrival",
			run: func(s *Sim[int]) {
				s.Post(10, 1, 7)
				s.Schedule(5, 0) // marker
				s.RunUntil(5)
				s.Down(1)
			},
			want:        []rec{{5, None, 0}},
			wantDropped: 1,
		},
		{
			name: "to a node down at send but up on arrival",
			run: func(s *Sim[int]) {
				s.Down(1)
				s.Post(10, 1, 7)
				s.RunUntil(5)
				s.Up(1)
			},
			want: []rec{{10, 1, 7}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, log := recorder()
			if first := s.AddNodes(2); first != 0 {
				t.Fatalf("AddNodes first = %v", first)
			}
			s.Up(0)
			s.Up(1)
			c.run(s)
			s.RunUntil(Never)
			if !slices.Equal(*log, c.want) {
				t.Errorf("delivered %v, want %v", *log, c.want)
			}
			if got := s.Stats().Dropped; got != c.wantDropped {
				t.Errorf("Stats.Dropped = %d, want %d", got, c.wantDropped)
			}
			if got := s.Stats().Events; got != uint64(len(c.want)) {
				t.Errorf("Stats.Events = %d, want %d", got, len(c.want))
			}
		})
	}
}

func TestTimerIncarnation(t *testing.T) {
	cases := []struct {
		name      string
		run       func(s *Sim[int])
		want      []rec
		wantStale uint64
	}{
		{
			name: "timer of a live node fires",
			run:  func(s *Sim[int]) { s.Timer(10, 0, 1) },
			want: []rec{{10, 0, 1}},
		},
		{
			name:      "timer is stale after Down",
			run:       func(s *Sim[int]) { s.Timer(10, 0, 1); s.Down(0) },
			wantStale: 1,
		},
		{
			name: "timer is stale after Down+Up; one set after Up fires",
			run: func(s *Sim[int]) {
				s.Timer(10, 0, 1)
				s.Timer(30, 0, 2)
				s.RunUntil(5)
				s.Down(0)
				s.Up(0)
				s.Timer(20, 0, 3)
			},
			want:      []rec{{20, 0, 3}},
			wantStale: 2,
		},
		{
			name: "timer set while down is stale after Up (new incarnation)",
			run: func(s *Sim[int]) {
				s.Down(0)
				s.Timer(10, 0, 1)
				s.Up(0)
				s.Timer(10, 0, 2)
			},
			want:      []rec{{10, 0, 2}},
			wantStale: 1,
		},
		{
			name: "other nodes' timers are unaffected",
			run: func(s *Sim[int]) {
				s.Timer(10, 0, 1)
				s.Timer(10, 1, 2)
				s.Down(0)
			},
			want:      []rec{{10, 1, 2}},
			wantStale: 1,
		},
		{
			name: "Down+Up twice, only the newest incarnation's timer fires",
			run: func(s *Sim[int]) {
				s.Timer(50, 0, 1)
				s.Down(0)
				s.Up(0)
				s.Timer(50, 0, 2)
				s.Down(0)
				s.Up(0)
				s.Timer(50, 0, 3)
			},
			want:      []rec{{50, 0, 3}},
			wantStale: 2,
		},
		{
			name: "a stale timer counts as Stale, a cancelled stale timer as Cancelled",
			run: func(s *Sim[int]) {
				id := s.Timer(10, 0, 1)
				s.Timer(10, 0, 2)
				s.Down(0)
				s.Cancel(id)
			},
			wantStale: 1,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, log := recorder()
			s.AddNodes(2)
			s.Up(0)
			s.Up(1)
			c.run(s)
			s.RunUntil(Never)
			if !slices.Equal(*log, c.want) {
				t.Errorf("delivered %v, want %v", *log, c.want)
			}
			if got := s.Stats().Stale; got != c.wantStale {
				t.Errorf("Stats.Stale = %d, want %d", got, c.wantStale)
			}
		})
	}
}

func TestUpDownBookkeeping(t *testing.T) {
	s, _ := recorder()
	if s.Nodes() != 0 || s.Live() != 0 {
		t.Fatalf("fresh sim: Nodes=%d Live=%d", s.Nodes(), s.Live())
	}
	if first := s.AddNodes(3); first != 0 {
		t.Fatalf("first AddNodes = %v", first)
	}
	if first := s.AddNodes(2); first != 3 {
		t.Fatalf("second AddNodes = %v, want n3", first)
	}
	if s.Nodes() != 5 || s.Live() != 0 || s.Alive(4) {
		t.Fatalf("new nodes must start down: Nodes=%d Live=%d", s.Nodes(), s.Live())
	}
	s.Up(1)
	s.Up(4)
	if !s.Alive(1) || !s.Alive(4) || s.Alive(0) || s.Live() != 2 {
		t.Fatalf("after Up: Live=%d", s.Live())
	}
	mustPanic(t, "Up twice", "already up", func() { s.Up(1) })
	s.Down(1)
	if s.Alive(1) || s.Live() != 1 {
		t.Fatalf("after Down: Live=%d", s.Live())
	}
	mustPanic(t, "Down twice", "already down", func() { s.Down(1) })
	mustPanic(t, "Down never-up", "already down", func() { s.Down(0) })
}

func TestRunUntil(t *testing.T) {
	s, log := recorder()
	for _, at := range []Time{10, 20, 20, 30, 40} {
		s.Schedule(at, int(at))
	}
	steps := []struct {
		deadline    Time
		wantNow     Time
		wantLog     []int
		wantPending int
	}{
		{5, 5, nil, 5},                            // nothing due; clock moves to deadline
		{20, 20, []int{10, 20, 20}, 2},            // deadline inclusive
		{25, 25, []int{10, 20, 20}, 2},            // nothing new
		{25, 25, []int{10, 20, 20}, 2},            // idempotent
		{3, 25, []int{10, 20, 20}, 2},             // an earlier deadline does not move the clock back
		{30, 30, []int{10, 20, 20, 30}, 1},        // continues where it stopped
		{Never, 40, []int{10, 20, 20, 30, 40}, 0}, // Never: clock stays at the last event
		{Never, 40, []int{10, 20, 20, 30, 40}, 0},
	}
	for i, st := range steps {
		s.RunUntil(st.deadline)
		if s.Now() != st.wantNow {
			t.Fatalf("step %d RunUntil(%v): Now = %v, want %v", i, st.deadline, s.Now(), st.wantNow)
		}
		if got := payloads(*log); !slices.Equal(got, st.wantLog) {
			t.Fatalf("step %d RunUntil(%v): delivered %v, want %v", i, st.deadline, got, st.wantLog)
		}
		if s.Pending() != st.wantPending {
			t.Fatalf("step %d RunUntil(%v): Pending = %d, want %d", i, st.deadline, s.Pending(), st.wantPending)
		}
	}
}

func TestStep(t *testing.T) {
	s, log := recorder()
	if s.Step(Never) {
		t.Fatal("Step on an empty queue returned true")
	}
	id := s.Schedule(10, 1)
	s.Schedule(20, 2)
	if s.Step(9) {
		t.Fatal("Step(9) took an event due at 10")
	}
	s.Cancel(id)
	if !s.Step(10) {
		t.Fatal("Step(10) did not take the (cancelled) event at 10")
	}
	if len(*log) != 0 || s.Now() != 10 {
		t.Fatalf("cancelled event delivered (%v) or clock wrong (%v)", *log, s.Now())
	}
	if !s.Step(Never) || s.Now() != 20 || !slices.Equal(payloads(*log), []int{2}) {
		t.Fatalf("Step(Never): Now=%v log=%v", s.Now(), *log)
	}
}

func TestSameTimeEventsFromHandler(t *testing.T) {
	var s *Sim[int]
	var log []int
	s = New(func(_ NodeID, p int) {
		log = append(log, p)
		switch p {
		case 1: // schedules at the current time: must come after 2 and 3
			s.Schedule(s.Now(), 4)
		case 4: // and again: after 4, before the event at 11
			s.Schedule(s.Now(), 5)
		case 2:
			s.Schedule(s.Now()+1, 7) // later time: after 6 (queued earlier at 11)
		}
	})
	s.Schedule(10, 1)
	s.Schedule(10, 2)
	s.Schedule(10, 3)
	s.Schedule(11, 6)
	s.RunUntil(Never)
	if want := []int{1, 2, 3, 4, 5, 6, 7}; !slices.Equal(log, want) {
		t.Fatalf("order = %v, want %v", log, want)
	}
}

func TestOnProgress(t *testing.T) {
	cases := []struct {
		name   string
		every  uint64
		events int
		want   []uint64 // events counts passed to the callback
	}{
		{"every-3-of-10", 3, 10, []uint64{3, 6, 9, 10}},
		{"every-5-of-10", 5, 10, []uint64{5, 10, 10}}, // the end call is made even if it repeats
		{"every-1-of-3", 1, 3, []uint64{1, 2, 3, 3}},
		{"every-100-of-10", 100, 10, []uint64{10}},
		{"no-events", 4, 0, []uint64{0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New(func(NodeID, int) {})
			s.AddNodes(1)
			var gotEvents []uint64
			var gotNow []Time
			s.OnProgress(c.every, func(now Time, events uint64) {
				gotEvents = append(gotEvents, events)
				gotNow = append(gotNow, now)
			})
			for i := 0; i < c.events; i++ {
				s.Schedule(Time(10*(i+1)), i)
				// Skipped events must not count: a cancelled one, and a
				// message to a down node.
				s.Cancel(s.Schedule(Time(10*(i+1)), -1))
				s.Post(Time(10*(i+1)), 0, -2)
			}
			s.RunUntil(Never)
			if !slices.Equal(gotEvents, c.want) {
				t.Fatalf("progress calls = %v, want %v", gotEvents, c.want)
			}
			for i, ev := range gotEvents[:len(gotEvents)-1] {
				// A periodic call happens right after the ev-th event, at its time.
				if gotNow[i] != Time(10*ev) {
					t.Errorf("progress call %d at %v, want %v", i, gotNow[i], Time(10*ev))
				}
			}
			if last := gotNow[len(gotNow)-1]; last != s.Now() {
				t.Errorf("final progress call at %v, want Now %v", last, s.Now())
			}
		})
	}
}

func TestMaxQueue(t *testing.T) {
	s, _ := recorder()
	for i := 0; i < 5; i++ {
		s.Schedule(Time(i), i)
	}
	if got := s.Stats().MaxQueue; got != 5 {
		t.Fatalf("MaxQueue = %d, want 5", got)
	}
	s.RunUntil(Never)
	for i := 0; i < 3; i++ {
		s.Schedule(Time(10+i), i)
	}
	if got := s.Stats().MaxQueue; got != 5 {
		t.Fatalf("MaxQueue after drain+3 = %d, want 5 (a high-water mark)", got)
	}
	for i := 0; i < 4; i++ {
		s.Cancel(s.Schedule(Time(20+i), i)) // cancelled events still occupy the queue
	}
	if got := s.Stats().MaxQueue; got != 7 {
		t.Fatalf("MaxQueue = %d, want 7", got)
	}
	s.RunUntil(Never)
	if st := s.Stats(); st.MaxQueue != 7 || st.Events != 8 || st.Cancelled != 4 {
		t.Fatalf("final stats %+v", st)
	}
}

// TestSlabReuse checks that a steady stream of events does not grow the slab:
// freed slots are reused.
func TestSlabReuse(t *testing.T) {
	var s *Sim[int]
	n := 0
	s = New(func(_ NodeID, p int) {
		n++
		if n < 10000 {
			s.Schedule(s.Now()+Time(p), p)
		}
	})
	for i := 1; i <= 8; i++ {
		s.Schedule(Time(i), i)
	}
	s.RunUntil(Never)
	if len(s.slots) != 1+8 {
		t.Fatalf("slab grew to %d slots for at most 8 pending events", len(s.slots))
	}
	if s.Stats().MaxQueue != 8 {
		t.Fatalf("MaxQueue = %d, want 8", s.Stats().MaxQueue)
	}
}

// TestCancelOwnIDInHandler: a handler that cancels the id of the very event
// it is handling, after scheduling a new event that reuses that slot, must not
// cancel the new event.
func TestCancelOwnIDInHandler(t *testing.T) {
	var s *Sim[int]
	var self TimerID
	var log []int
	s = New(func(node NodeID, p int) {
		log = append(log, p)
		if p == 1 {
			next := s.Timer(s.Now()+5, 0, 2)
			if uint32(next) != uint32(self) {
				t.Errorf("slot not reused: test precondition")
			}
			s.Cancel(self)
		}
	})
	s.AddNodes(1)
	s.Up(0)
	self = s.Timer(10, 0, 1)
	s.RunUntil(Never)
	if !slices.Equal(log, []int{1, 2}) || s.Stats().Cancelled != 0 {
		t.Fatalf("delivered %v, Cancelled=%d; want [1 2], 0", log, s.Stats().Cancelled)
	}
}
