package engine

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// pingMsg is the payload of the ping-pong simulation.
type pingMsg struct {
	kind uint8 // 0 message, 1 node timer, 2 churn (global)
	from NodeID
	hop  uint32
	data uint64
}

type pingResult struct {
	hash   uint64
	events uint64
	stats  Stats
	now    Time
}

// runPingPong runs a small randomized overlay: nodes bounce payloads to random
// nodes with random delays drawn from per-node streams, set timers (some of
// which are cancelled), and a churn process takes nodes down and up. Every
// delivered event is folded into an order-sensitive hash.
func runPingPong(seed uint64, nodes int, until Time) pingResult {
	streams := NewStreams(seed)
	rngs := make([]*rand.Rand, nodes)
	for i := range rngs {
		rngs[i] = streams.Stream("node", uint64(i))
	}
	churn := streams.Stream("churn", 0)
	timers := make([]TimerID, nodes)

	h := uint64(14695981039346656037)
	fold := func(v uint64) {
		h ^= v
		h *= 1099511628211
		h = mix64(h)
	}

	var s *Sim[pingMsg]
	send := func(from NodeID, hop uint32) {
		r := rngs[from]
		to := NodeID(r.IntN(nodes))
		delay := Time(1+r.IntN(50)) * Time(time.Millisecond)
		s.Post(s.Now()+delay, to, pingMsg{kind: 0, from: from, hop: hop, data: r.Uint64()})
	}
	s = New(func(node NodeID, m pingMsg) {
		fold(uint64(s.Now()))
		fold(uint64(uint32(node)))
		fold(uint64(m.kind)<<40 | uint64(uint32(m.from))<<8 | uint64(m.hop&0xff))
		fold(m.data)
		switch m.kind {
		case 0: // message: reply to someone, maybe arm or cancel a timer
			r := rngs[node]
			send(node, m.hop+1)
			switch x := r.IntN(10); {
			case x < 3 && timers[node] == NoTimer: // at most one armed timer per node keeps the load bounded
				timers[node] = s.Timer(s.Now()+Time(r.IntN(200))*Time(time.Millisecond), node,
					pingMsg{kind: 1, from: node, data: r.Uint64()})
			case x < 5:
				s.Cancel(timers[node])
				timers[node] = NoTimer
			}
		case 1: // timer: inject a fresh message
			timers[node] = NoTimer
			send(node, 0)
		case 2: // churn: flip a random node, reschedule
			n := NodeID(churn.IntN(nodes))
			if s.Alive(n) {
				if churn.IntN(3) == 0 { // mostly up: about one node in four is down
					s.Down(n)
				}
			} else {
				s.Up(n)
				timers[n] = s.Timer(s.Now()+Time(churn.IntN(10))*Time(time.Millisecond), n,
					pingMsg{kind: 1, from: n})
			}
			s.Schedule(s.Now()+Time(1+churn.IntN(100))*Time(time.Millisecond), pingMsg{kind: 2, from: None})
		}
	})
	s.AddNodes(nodes)
	for i := 0; i < nodes; i++ {
		s.Up(NodeID(i))
	}
	for i := 0; i < nodes; i++ {
		send(NodeID(i), 0)
	}
	s.Schedule(0, pingMsg{kind: 2, from: None})
	// Run in slices to exercise RunUntil continuation too.
	for t := Time(0); t < until; t += until / 7 {
		s.RunUntil(t)
	}
	s.RunUntil(until)
	st := s.Stats()
	fold(st.Events)
	fold(st.Cancelled)
	fold(st.Dropped)
	fold(st.Stale)
	fold(uint64(st.MaxQueue))
	fold(uint64(s.Pending()))
	return pingResult{hash: h, events: st.Events, stats: st, now: s.Now()}
}

func TestDeterminism(t *testing.T) {
	const nodes = 60
	until := At(100 * time.Second)
	a := runPingPong(1, nodes, until)
	b := runPingPong(1, nodes, until)
	if a != b {
		t.Fatalf("same seed, different results:\n%+v\n%+v", a, b)
	}
	// The run must actually exercise the features it is meant to check.
	st := a.stats
	if st.Events < 10000 || st.Cancelled == 0 || st.Dropped == 0 || st.Stale == 0 {
		t.Fatalf("ping-pong run too weak to be a useful check: %+v", st)
	}
	if a.now != until {
		t.Fatalf("Now = %v, want %v", a.now, until)
	}
	c := runPingPong(2, nodes, until)
	if c.hash == a.hash {
		t.Fatalf("different seeds gave the same trace hash %#x: hash is not sensitive", a.hash)
	}
	t.Logf("seed 1: %+v", a)
}

// TestDeterminismAcrossGOMAXPROCS runs several copies of the simulation
// concurrently under GOMAXPROCS=1 and GOMAXPROCS=2 and checks that every copy
// produces the trace of a sequential reference run.
func TestDeterminismAcrossGOMAXPROCS(t *testing.T) {
	const nodes = 40
	until := At(60 * time.Second)
	seeds := []uint64{1, 2, 3, 4}
	ref := make(map[uint64]pingResult)
	for _, seed := range seeds {
		ref[seed] = runPingPong(seed, nodes, until)
	}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		const copies = 3
		results := make([]pingResult, len(seeds)*copies)
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				results[i] = runPingPong(seeds[i%len(seeds)], nodes, until)
			}(i)
		}
		wg.Wait()
		for i, r := range results {
			seed := seeds[i%len(seeds)]
			if r != ref[seed] {
				t.Errorf("GOMAXPROCS=%d copy %d seed %d: hash %#x, reference %#x", procs, i, seed, r.hash, ref[seed].hash)
			}
		}
	}
}
