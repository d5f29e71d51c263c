package gnutella

import (
	"math/rand/v2"
	"testing"
	"time"

	"peerlab/topology"
)

// churnRun builds a 300-host power-law overlay, places 40 keys on 6 random
// hosts each, crashes 10% of the hosts and lets 5% leave, then runs 200
// lookups of keys that still have a live holder. It returns a hash of every
// message sent and every result, the successes, the network and the graph.
func churnRun(t *testing.T, strategy string, seed uint64) (uint64, int, *testNet, *topology.Graph) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	g, err := topology.BarabasiAlbert(300, 2, r)
	if err != nil {
		t.Fatal(err)
	}
	objects := map[int][]uint64{}
	holders := make([][]int, 40)
	for k := range holders {
		for range 6 {
			v := r.IntN(300)
			objects[v] = append(objects[v], uint64(k+1))
			holders[k] = append(holders[k], v)
		}
	}
	cfg := DefaultConfig()
	cfg.Strategy = strategy
	n := newTestNet(cfg, g, objects, seed)
	n.run(time.Minute)
	for _, v := range r.Perm(300)[:45] {
		if v%3 == 0 {
			n.hosts[v].Leave(n.envs[v])
		}
		n.crash(v)
	}
	n.run(2 * time.Minute)
	for range 200 {
		src := r.IntN(300)
		if !n.alive[src] {
			continue
		}
		var key uint64
		for key == 0 {
			k := r.IntN(40)
			for _, h := range holders[k] {
				if n.alive[h] {
					key = uint64(k + 1)
				}
			}
		}
		n.lookup(src, key)
		n.run(50 * time.Millisecond)
	}
	n.run(time.Minute)
	hash := uint64(14695981039346656037)
	mix := func(v uint64) { hash = (hash ^ v) * 1099511628211 }
	for _, s := range n.sent {
		mix(uint64(s.at))
		mix(uint64(s.from)<<32 | uint64(uint32(s.to)))
		mix(uint64(s.m.Op) | uint64(s.m.TTL)<<8 | uint64(s.m.Hops)<<16 | uint64(s.m.Ring)<<32)
		mix(s.m.QID ^ s.m.Key ^ uint64(s.m.Addr))
	}
	ok := 0
	for _, d := range n.done {
		mix(uint64(d.at) ^ uint64(d.Owner) ^ uint64(d.Hops))
		if !d.Failed {
			ok++
			if !n.hosts[d.Owner].HasObject(d.Key) {
				t.Errorf("%s: lookup of %d answered by %d, which does not hold it", strategy, d.Key, d.Owner)
			}
		}
	}
	return hash, ok, n, g
}

// TestChurn: after 15% of a 300-host power-law overlay crashed or left,
// no live host keeps a dead neighbour, links are symmetric, and lookups
// for keys with a live holder still succeed with each strategy. The same
// seed gives the same trace, another seed another one.
func TestChurn(t *testing.T) {
	for _, s := range []string{Flood, ExpandingRing, RandomWalk} {
		h1, ok, n, g := churnRun(t, s, 1)
		h2, _, _, _ := churnRun(t, s, 1)
		h3, _, _, _ := churnRun(t, s, 2)
		if h1 != h2 {
			t.Errorf("%s: same seed, traces %x and %x", s, h1, h2)
		}
		if h1 == h3 {
			t.Errorf("%s: seeds 1 and 2 gave the same trace", s)
		}
		var min, dropped, byes int = 1 << 30, 0, 0
		for v, h := range n.hosts {
			if !n.alive[v] {
				continue
			}
			min = minInt(min, h.Degree())
			dropped += h.Stats().Dropped
			byes += h.Stats().Byes
		}
		t.Logf("%s: %d/%d lookups succeeded; live min degree %d; %d neighbours dropped by timeout, %d by BYE",
			s, ok, len(n.done), min, dropped, byes)
		if len(n.done) < 150 || ok < len(n.done)*95/100 {
			t.Errorf("%s: %d of %d lookups succeeded", s, ok, len(n.done))
		}
		if dropped == 0 || byes == 0 {
			t.Errorf("%s: %d drops, %d BYEs: churn went unnoticed", s, dropped, byes)
		}
		// Hosts may keep the initial topology's high degrees (MaxDegree
		// only gates new connections).
		checkOverlay(t, s, n, 1, max(g.MaxDegree(), n.cfg.MaxDegree))
	}
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}
