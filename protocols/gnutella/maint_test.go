package gnutella

import (
	"slices"
	"testing"
	"time"

	"peerlab/engine"
	"peerlab/topology"
)

func maintConfig() Config {
	cfg := DefaultConfig()
	cfg.TargetDegree, cfg.MaxDegree = 2, 3
	cfg.PingPeriod, cfg.RPCTimeout, cfg.PingTTL = 10*time.Second, time.Second, 2
	return cfg
}

// checkOverlay verifies the live hosts' links: no link to a dead host,
// every link known at both ends, degrees within [minDegree, maxDegree], and
// one component.
func checkOverlay(t *testing.T, name string, n *testNet, minDegree, maxDegree int) {
	t.Helper()
	var live []int
	for v, h := range n.hosts {
		if !n.alive[v] {
			continue
		}
		live = append(live, v)
		for _, w := range h.Neighbors() {
			if !n.alive[w] {
				t.Errorf("%s: host %d still lists dead host %d", name, v, w)
			} else if !n.hosts[w].IsNeighbor(engine.NodeID(v)) {
				t.Errorf("%s: link %d-%d known at one end only", name, v, w)
			}
		}
		if d := h.Degree(); d < minDegree || d > maxDegree {
			t.Errorf("%s: host %d has degree %d, want %d..%d", name, v, d, minDegree, maxDegree)
		}
	}
	seen := map[int]bool{live[0]: true}
	stack := []int{live[0]}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, w := range n.hosts[v].Neighbors() {
			if !seen[int(w)] {
				seen[int(w)] = true
				stack = append(stack, int(w))
			}
		}
	}
	if len(seen) != len(live) {
		t.Errorf("%s: live overlay split: %d of %d hosts reachable from %d", name, len(seen), len(live), live[0])
	}
}

// TestCrashReplaced: a host of a ring crashes without a word. Its two
// neighbours notice at their next PING round, drop it, and, below the
// target degree, find a replacement through a PING with TTL 2 and the
// PONGs it brings back, then CONNECT to it.
func TestCrashReplaced(t *testing.T) {
	n := newTestNet(maintConfig(), topology.Ring(8), nil, 1)
	n.run(5 * time.Second)
	n.crash(3)
	n.run(time.Minute)
	for _, v := range []int{2, 4} {
		h := n.hosts[v]
		st := h.Stats()
		if st.Dropped != 1 {
			t.Errorf("host %d dropped %d neighbours, want 1 (host 3)", v, st.Dropped)
		}
		old := []engine.NodeID{engine.NodeID(v - 1), 3}
		fresh := slices.DeleteFunc(h.Neighbors(), func(w engine.NodeID) bool { return slices.Contains(old, w) })
		if len(fresh) == 0 || st.Connects == 0 || st.RecvOp[OpPong] == 0 {
			t.Errorf("host %d: neighbours %v, %d connects, %d PONGs: no replacement found", v, h.Neighbors(), st.Connects, st.RecvOp[OpPong])
		}
	}
	// Only 2 and 4 lost a neighbour: nobody else dropped anyone.
	for v, h := range n.hosts {
		if v != 2 && v != 4 && h.Stats().Dropped != 0 {
			t.Errorf("host %d dropped %d neighbours", v, h.Stats().Dropped)
		}
	}
	checkOverlay(t, "after the crash", n, 2, n.cfg.MaxDegree)
	// A flood still finds an object across the old gap.
	n.hosts[5].AddObject(42)
	n.lookup(2, 42)
	n.run(time.Second)
	if last := n.done[len(n.done)-1]; last.Failed || last.Owner != 5 {
		t.Errorf("lookup after repair: %+v", last.LookupResult)
	}
}

// TestLeaveBye: a host leaving gracefully says BYE; its neighbours drop it
// at once, without waiting for a PING round, and replace it.
func TestLeaveBye(t *testing.T) {
	n := newTestNet(maintConfig(), topology.Ring(8), nil, 1)
	n.run(5 * time.Second)
	n.hosts[3].Leave(n.envs[3])
	n.crash(3) // goes down right after; its BYEs are on their way
	n.run(time.Millisecond)
	for _, v := range []int{2, 4} {
		if n.hosts[v].IsNeighbor(3) || n.hosts[v].Stats().Byes != 1 {
			t.Errorf("host %d: neighbours %v, %d BYEs, 1 ms after the leave", v, n.hosts[v].Neighbors(), n.hosts[v].Stats().Byes)
		}
	}
	n.run(time.Minute)
	for v, h := range n.hosts {
		if h.Stats().Dropped != 0 {
			t.Errorf("host %d dropped %d neighbours by timeout", v, h.Stats().Dropped)
		}
	}
	checkOverlay(t, "after the leave", n, 2, n.cfg.MaxDegree)
}

// TestJoinThroughBootstrap: hosts without a topology join one by one
// through host 0; refused when host 0 is full, they try the neighbour it
// names; PING/PONG discovery brings every host to the target degree, no
// host above the maximum, every link symmetric, one component.
func TestJoinThroughBootstrap(t *testing.T) {
	cfg := maintConfig()
	cfg.TargetDegree, cfg.MaxDegree = 3, 6
	cfg.Observer = nil
	n := &testNet{delay: time.Millisecond, cancelled: map[engine.TimerID]bool{}, log: NewQueryLog()}
	n.cfg = &cfg
	const hosts = 16
	for i := range hosts {
		v := n.addHost(3)
		boot := engine.NodeID(0)
		if i == 0 {
			boot = engine.None
		}
		n.hosts[v].Join(n.envs[v], boot)
		n.run(time.Second)
	}
	n.run(3 * time.Minute)
	checkOverlay(t, "after the joins", n, cfg.TargetDegree, cfg.MaxDegree)
	refused := 0
	for _, h := range n.hosts {
		refused += h.Stats().Refused
	}
	if refused == 0 {
		t.Errorf("no CONNECT was refused: host 0 never filled up")
	}
}

// TestStaleLink: QUERY, WALK and PING from a host that is not a neighbour
// (a link this host dropped, or knew before a restart) are answered with
// BYE and otherwise ignored.
func TestStaleLink(t *testing.T) {
	for _, m := range []Message{
		{Op: OpQuery, QID: 0x100, Key: 1, TTL: 3, Hops: 1},
		{Op: OpWalk, QID: 0x200, Key: 1, Addr: 5, Hops: 1},
		{Op: OpPing, QID: 0x3ff, TTL: 1, Hops: 1},
	} {
		h, env := newTestHost(testConfig(), 1, 2)
		h.Deliver(env, 5, m)
		if b := only(t, env.take(), OpBye); b.to != 5 {
			t.Errorf("%s: BYE to %d", m.Op, b.to)
		}
		if h.Stats().Stale != 1 || h.Remembered() != 0 {
			t.Errorf("%s: %d stale, %d remembered", m.Op, h.Stats().Stale, h.Remembered())
		}
	}
}

// TestConnectHandshake: a host accepts below MaxDegree and refuses at it,
// naming one of its neighbours; the refused host tries that one.
func TestConnectHandshake(t *testing.T) {
	cfg := testConfig()
	cfg.TargetDegree, cfg.MaxDegree = 2, 2
	h, env := newTestHost(cfg, 1)
	h.Deliver(env, 7, Message{Op: OpConnect})
	if a := only(t, env.take(), OpAccept); !a.m.OK || a.to != 7 || !h.IsNeighbor(7) {
		t.Fatalf("accept %+v to %d; neighbours %v", a.m, a.to, h.Neighbors())
	}
	h.Deliver(env, 8, Message{Op: OpConnect})
	a := only(t, env.take(), OpAccept)
	if a.m.OK || a.to != 8 || (a.m.Addr != 1 && a.m.Addr != 7) || h.IsNeighbor(8) || h.Stats().Refused != 1 {
		t.Fatalf("refusal %+v to %d; neighbours %v", a.m, a.to, h.Neighbors())
	}

	// The other side: a host with one neighbour connects to a stranger,
	// is refused with an alternative, and tries it.
	j, jenv := newTestHost(cfg, 1)
	j.Deliver(jenv, 1, Message{Op: OpPong, QID: 0}) // no PING of its own: ignored
	j.Fire(jenv, Timer{Kind: TimerPing})
	ping := jenv.take()
	if len(ping) != 1 || ping[0].m.Op != OpPing || ping[0].m.TTL != uint8(cfg.PingTTL-1) {
		t.Fatalf("below target: want one discovery PING with TTL %d, sent %v", cfg.PingTTL, ops(ping))
	}
	j.Deliver(jenv, 1, Message{Op: OpPong, QID: ping[0].m.QID, Addr: 9, OK: true, Hops: 2})
	if c := only(t, jenv.take(), OpConnect); c.to != 9 {
		t.Fatalf("CONNECT to %d, want 9 (from the PONG)", c.to)
	}
	j.Deliver(jenv, 9, Message{Op: OpAccept, Addr: 11})
	if c := only(t, jenv.take(), OpConnect); c.to != 11 {
		t.Fatalf("after the refusal: CONNECT to %d, want 11", c.to)
	}
	j.Deliver(jenv, 11, Message{Op: OpAccept, OK: true, Addr: engine.None})
	if !j.IsNeighbor(11) || j.IsNeighbor(9) || len(jenv.take()) != 0 {
		t.Errorf("neighbours %v, want 1 and 11", j.Neighbors())
	}
}

// TestPongRouting: a PING is answered and flooded on; a PONG for a PING
// this host forwarded goes back to the neighbour the PING came from.
func TestPongRouting(t *testing.T) {
	h, env := newTestHost(testConfig(), 1, 2, 3)
	h.Deliver(env, 1, Message{Op: OpPing, QID: 0x7ff, TTL: 1, Hops: 1})
	sent := env.take()
	if len(sent) != 3 || sent[0].m.Op != OpPong || sent[0].to != 1 || sent[0].m.Addr != selfHost {
		t.Fatalf("sent %v, want a PONG to 1 and the PING to 2 and 3", ops(sent))
	}
	for _, s := range sent[1:] {
		if s.m.Op != OpPing || s.m.TTL != 0 || s.m.Hops != 2 || s.to == 1 {
			t.Errorf("forwarded %+v to %d", s.m, s.to)
		}
	}
	h.Deliver(env, 2, Message{Op: OpPong, QID: 0x7ff, Addr: 2, OK: true, Hops: 2})
	if p := only(t, env.take(), OpPong); p.to != 1 || p.m.Addr != 2 {
		t.Errorf("PONG routed to %d with address %d", p.to, p.m.Addr)
	}
	// A duplicate PING is neither answered nor forwarded.
	h.Deliver(env, 3, Message{Op: OpPing, QID: 0x7ff, TTL: 1, Hops: 1})
	if s := env.take(); len(s) != 0 {
		t.Errorf("duplicate PING: sent %v", ops(s))
	}
}

// TestSeenBounded: a host remembers query identifiers for QueryTimeout
// only, so its memory is bounded by the query rate, not the run length.
func TestSeenBounded(t *testing.T) {
	cfg := testConfig()
	h, env := newTestHost(cfg, 1, 2)
	most := 0
	for i := range 900 { // one query every 100 ms for 90 s
		env.now = engine.At(time.Duration(i) * 100 * time.Millisecond)
		h.Deliver(env, 1, Message{Op: OpQuery, QID: uint64(i+1) << 8, Key: 1, TTL: 0, Hops: 1})
		most = max(most, h.Remembered())
	}
	if most > 301 || most < 299 {
		t.Errorf("remembered up to %d identifiers, want about 300 (30 s at 10/s)", most)
	}
	env.now = env.now.Add(cfg.QueryTimeout)
	h.Deliver(env, 1, Message{Op: OpQuery, QID: 1 << 8, Key: 1, TTL: 0, Hops: 1})
	if h.Remembered() != 1 || h.Stats().Duplicates != 0 {
		t.Errorf("after a quiet QueryTimeout: %d remembered, %d duplicates", h.Remembered(), h.Stats().Duplicates)
	}
	if cap(h.seen.queue) > 4096 {
		t.Errorf("expiry queue grew to capacity %d", cap(h.seen.queue))
	}
}

// TestLookupReadiness: no lookup before Join or without neighbours; a key
// held locally answers at once, with no message.
func TestLookupReadiness(t *testing.T) {
	cfg := testConfig()
	h := NewHost(cfg, 1)
	env := newFakeEnv(1)
	h.SetObjects([]uint64{5, 3, 5})
	if h.Lookup(env, 3) {
		t.Errorf("lookup before Join")
	}
	h.Join(env, engine.None)
	if h.Lookup(env, 4) {
		t.Errorf("lookup without neighbours")
	}
	if !h.Lookup(env, 5) || len(env.done) != 1 || env.done[0].Owner != 1 || env.done[0].Hops != 0 || env.done[0].Failed || env.done[0].Messages != 0 {
		t.Errorf("local lookup: %+v", env.done)
	}
	if len(env.sent) != 0 || h.Objects() != 2 {
		t.Errorf("sent %v; %d objects", ops(env.sent), h.Objects())
	}
	// With a neighbour: a flood, failing at the timeout.
	h.SetNeighbors([]engine.NodeID{2, 1, 2})
	if h.Degree() != 1 {
		t.Errorf("SetNeighbors kept %v", h.Neighbors())
	}
	if !h.Lookup(env, 4) {
		t.Fatalf("lookup refused")
	}
	q := only(t, env.take(), OpQuery)
	if q.to != 2 || q.m.TTL != uint8(cfg.TTL-1) || q.m.Hops != 1 || q.m.Key != 4 {
		t.Errorf("query %+v to %d", q.m, q.to)
	}
	tm := env.pending(TimerQuery)
	if len(tm) != 1 || tm[0].at != engine.At(cfg.QueryTimeout) {
		t.Fatalf("query timers %+v", tm)
	}
	h.Fire(env, tm[0].t)
	if len(env.done) != 2 || !env.done[1].Failed || env.done[1].Owner != engine.None || env.done[1].Key != 4 || h.Stats().LookupsFailed != 1 {
		t.Errorf("timeout: %+v", env.done)
	}
	// A hit arriving after the timeout is dropped.
	h.Deliver(env, 2, Message{Op: OpQueryHit, QID: q.m.QID, Key: 4, Addr: 2, Hops: 1})
	if len(env.done) != 2 || len(env.sent) != 0 {
		t.Errorf("late hit: %d results, sent %v", len(env.done), ops(env.sent))
	}
}

// TestSetDegree: a host's own bounds replace the configured ones, the
// maximum never below the target; Wire adds neighbours without handshake.
func TestSetDegree(t *testing.T) {
	cfg := DefaultConfig() // target 4, max 8
	h := NewHost(&cfg, 0)
	h.SetDegree(2, 0)
	if h.targetDegree() != 2 || h.maxDegree() != 8 {
		t.Fatalf("SetDegree(2, 0): bounds %d, %d, want 2, 8", h.targetDegree(), h.maxDegree())
	}
	h.SetDegree(12, 0)
	if h.targetDegree() != 12 || h.maxDegree() != 12 {
		t.Fatalf("SetDegree(12, 0): bounds %d, %d, want 12, 12 (max raised to target)", h.targetDegree(), h.maxDegree())
	}
	h.SetDegree(1, 2)
	for _, id := range []engine.NodeID{0, 1, 1, engine.None, 2} {
		h.Wire(id, 5)
	}
	if got := h.Neighbors(); !slices.Equal(got, []engine.NodeID{1, 2}) {
		t.Fatalf("after Wire: neighbours %v, want [1 2] (self, duplicates and None left out)", got)
	}
}
