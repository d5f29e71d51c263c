package gnutella

import (
	"math/rand/v2"
	"testing"
	"time"

	"peerlab/topology"
)

func walkConfig(k, check, maxWalk int) Config {
	cfg := *testConfig()
	cfg.Strategy = RandomWalk
	cfg.Walkers, cfg.CheckEvery, cfg.MaxWalk = k, check, maxWalk
	return cfg
}

// TestWalkNoBacktrack: on a ring a walker never steps back where it came
// from, so each of the walkers from host 0 reaches host 5 in exactly 5
// steps, whichever way it goes; each checks back once, at step 4, and is
// told to go on (no hit yet); the hits go straight to the source.
func TestWalkNoBacktrack(t *testing.T) {
	n := newTestNet(walkConfig(3, 4, 100), topology.Ring(10), map[int][]uint64{5: {42}}, 1)
	n.lookup(0, 42)
	n.run(time.Second)
	if got := n.count(OpWalk); got != 15 {
		t.Errorf("%d WALK messages, want 3 walkers × 5 steps", got)
	}
	for _, s := range n.sentOf(OpWalk) {
		if s.to == 0 || (s.from != 0 && s.to == s.from) {
			t.Errorf("walker stepped %d→%d", s.from, s.to)
		}
	}
	checks, resps := n.sentOf(OpCheck), n.sentOf(OpCheckResp)
	if len(checks) != 3 || len(resps) != 3 {
		t.Fatalf("%d checks, %d answers; want 3, 3", len(checks), len(resps))
	}
	for i, c := range checks {
		if c.to != 0 || (c.from != 4 && c.from != 6) || !resps[i].m.OK || resps[i].from != 0 {
			t.Errorf("check %d→%d answered %v by %d", c.from, c.to, resps[i].m.OK, resps[i].from)
		}
	}
	for _, h := range n.sentOf(OpQueryHit) {
		if h.from != 5 || h.to != 0 || h.m.Hops != 5 {
			t.Errorf("hit %d→%d with %d hops, want 5→0 with 5", h.from, h.to, h.m.Hops)
		}
	}
	if len(n.done) != 1 || n.done[0].Owner != 5 || n.done[0].Hops != 5 || n.done[0].Failed {
		t.Errorf("results %+v, want owner 5 at 5 hops", n.done)
	}
	if r := n.log.Records()[0]; r.Hits != 3 || r.Messages != 15+3+3+3 {
		t.Errorf("observer: %d hits, %d messages; want 3, 24", r.Hits, r.Messages)
	}
}

// TestWalkMaxSteps: without check-backs and without a holder, every walker
// takes exactly MaxWalk steps; revisits are counted as duplicates.
func TestWalkMaxSteps(t *testing.T) {
	const k, steps = 4, 20
	n := newTestNet(walkConfig(k, 0, steps), topology.Ring(10), nil, 1)
	n.lookup(0, absent)
	n.run(time.Second)
	if got := n.count(OpWalk); got != k*steps {
		t.Errorf("%d WALK messages, want %d", got, k*steps)
	}
	if n.count(OpCheck) != 0 {
		t.Errorf("check-backs with CheckEvery = 0")
	}
	r := n.log.Records()[0]
	if r.Reached != 9 || r.Reached+r.Duplicates != k*steps {
		t.Errorf("observer: reached %d, duplicates %d; want 9 and %d receptions", r.Reached, r.Duplicates, k*steps)
	}
	n.run(time.Minute)
	if len(n.done) != 1 || !n.done[0].Failed {
		t.Errorf("results %+v, want a failure", n.done)
	}
}

// TestWalkersStopAfterCheck: once the source has its hit, every walker
// still out stops at its next check-back: each walker ends either at a hit
// or on the source's "stop", none walks more than CheckEvery steps after
// the lookup ended, and the network falls quiet.
func TestWalkersStopAfterCheck(t *testing.T) {
	graphs := []struct {
		name string
		g    *topology.Graph
	}{
		{"grid 7x7", topology.Grid(7, 7)},
		{"regular 50/4", must(topology.RandomRegular(50, 4, rand.New(rand.NewPCG(9, 9))))},
	}
	const k, c = 8, 3
	for _, gr := range graphs {
		stoppedSome := false
		for seed := uint64(1); seed <= 5; seed++ {
			n := newTestNet(walkConfig(k, c, 10000), gr.g, map[int][]uint64{gr.g.N() - 1: {42}}, seed)
			n.lookup(0, 42)
			n.run(time.Minute)
			if len(n.done) != 1 || n.done[0].Failed {
				t.Fatalf("%s seed %d: results %+v", gr.name, seed, n.done)
			}
			end := n.done[0].at
			stopped := 0
			for _, h := range n.hosts {
				stopped += h.Stats().WalkersStopped
				if len(h.walkers) != 0 {
					t.Errorf("%s seed %d: host still holds %d walkers", gr.name, seed, len(h.walkers))
				}
			}
			refusals := 0
			for _, s := range n.sentOf(OpCheckResp) {
				if !s.m.OK {
					refusals++
					if s.at < end {
						t.Errorf("%s seed %d: stop sent at %v, before the hit at %v", gr.name, seed, s.at, end)
					}
				}
			}
			late := 0
			for _, s := range n.sentOf(OpWalk) {
				if s.at > end {
					late++
				}
			}
			hits := n.log.Records()[0].Hits
			// A walker ends at a hit, at a check-back answered "stop", or
			// back at its source after the query ended (the source drops it
			// without asking itself).
			if hits+stopped != k || refusals > stopped {
				t.Errorf("%s seed %d: %d hits + %d stopped (%d stop answers), want %d walkers", gr.name, seed, hits, stopped, refusals, k)
			}
			if late > k*c {
				t.Errorf("%s seed %d: %d walker steps after the hit, want at most %d", gr.name, seed, late, k*c)
			}
			if p := n.pendingMessages(); p != 0 {
				t.Errorf("%s seed %d: %d messages still in flight", gr.name, seed, p)
			}
			stoppedSome = stoppedSome || stopped > 0
		}
		if !stoppedSome {
			t.Errorf("%s: no walker was ever stopped by a check-back", gr.name)
		}
	}
}

// TestCheckBackTimeout: a walker whose source does not answer its
// check-back is dropped; a late answer changes nothing.
func TestCheckBackTimeout(t *testing.T) {
	cfg := walkConfig(1, 2, 100)
	h, env := newTestHost(&cfg, 1, 2)
	h.Deliver(env, 1, Message{Op: OpWalk, QID: 0x500, Key: 42, Addr: 50, Hops: 2})
	chk := only(t, env.take(), OpCheck)
	if chk.to != 50 || chk.m.QID != 0x500 {
		t.Fatalf("check %+v to %d", chk.m, chk.to)
	}
	timers := env.pending(TimerCheck)
	if len(timers) != 1 || timers[0].at != env.now.Add(cfg.RPCTimeout) {
		t.Fatalf("check timers %+v", timers)
	}
	h.Fire(env, timers[0].t)
	h.Deliver(env, 50, Message{Op: OpCheckResp, QID: 0x500, Ref: chk.m.Ref, OK: true})
	if s := env.take(); len(s) != 0 || h.Stats().WalkersStopped != 1 {
		t.Errorf("after the timeout: sent %v, %d stopped", ops(s), h.Stats().WalkersStopped)
	}
	// An answer from the right source in time releases the walker, to the
	// neighbour it did not come from.
	h.Deliver(env, 1, Message{Op: OpWalk, QID: 0x600, Key: 42, Addr: 50, Hops: 4})
	chk = only(t, env.take(), OpCheck)
	h.Deliver(env, 51, Message{Op: OpCheckResp, QID: 0x600, Ref: chk.m.Ref, OK: true}) // not the source
	if s := env.take(); len(s) != 0 {
		t.Errorf("answer from a stranger released the walker: %v", ops(s))
	}
	h.Deliver(env, 50, Message{Op: OpCheckResp, QID: 0x600, Ref: chk.m.Ref, OK: true})
	if w := only(t, env.take(), OpWalk); w.to != 2 || w.m.Hops != 5 {
		t.Errorf("walker went to %d with %d hops, want 2 with 5", w.to, w.m.Hops)
	}
}

func must(g *topology.Graph, err error) *topology.Graph {
	if err != nil {
		panic(err)
	}
	return g
}
