package gnutella

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"peerlab/engine"
	"peerlab/topology"
)

const absent = 999 // a key no host holds

type namedGraph struct {
	name    string
	g       *topology.Graph
	origins []int
}

func testGraphs(t *testing.T) []namedGraph {
	t.Helper()
	rr, err := topology.RandomRegular(60, 4, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	ba, err := topology.BarabasiAlbert(80, 2, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	return []namedGraph{
		{"path 9", topology.Path(9), []int{0, 4}},
		{"star 10", topology.Star(10), []int{0, 3}},
		{"grid 6x5", topology.Grid(6, 5), []int{0, 14}},
		{"ring 11", topology.Ring(11), []int{0}},
		{"regular 60/4", rr, []int{0, 17}},
		{"power law 80", ba, []int{0, 79}},
	}
}

// TestFloodReach: a flood with TTL t reaches exactly the hosts within t hops
// of the origin (a breadth-first ball computed by the test), sends exactly
// deg(origin) + Σ (deg(v) - 1) QUERY messages over the hosts v at 1..t-1
// hops, every host forwards it at most once, and every reception beyond
// the first at a host is counted as a duplicate, by the hosts and by the
// observer alike. Without a holder, the lookup fails at the timeout.
func TestFloodReach(t *testing.T) {
	for _, ng := range testGraphs(t) {
		for _, src := range ng.origins {
			for _, ttl := range []int{1, 2, 3, 7} {
				name := fmt.Sprintf("%s from %d, TTL %d", ng.name, src, ttl)
				cfg := *testConfig()
				cfg.TTL = ttl
				n := newTestNet(cfg, ng.g, nil, 1)
				if !n.lookup(src, absent) {
					t.Fatalf("%s: lookup not started", name)
				}
				n.run(time.Second)

				dist := bfs(ng.g, src)
				var ball []int
				for v, d := range dist {
					if d >= 1 && d <= ttl {
						ball = append(ball, v)
					}
				}
				var reached []int
				perHost := make([]int, ng.g.N())
				for _, s := range n.sentOf(OpQuery) {
					if int(s.to) != src {
						reached = append(reached, int(s.to))
					}
					perHost[s.from]++
				}
				slices.Sort(reached)
				reached = slices.Compact(reached)
				if !slices.Equal(reached, ball) {
					t.Errorf("%s: reached %v, want the ball %v", name, reached, ball)
				}

				want := floodCount(ng.g, src, ttl)
				msgs := n.count(OpQuery)
				if msgs != want {
					t.Errorf("%s: %d QUERY messages, want %d", name, msgs, want)
				}
				for v, c := range perHost {
					exp := 0
					switch d := dist[v]; {
					case v == src:
						exp = ng.g.Degree(v)
					case d >= 1 && d < ttl:
						exp = ng.g.Degree(v) - 1
					}
					if c != exp {
						t.Errorf("%s: host %d (distance %d) sent %d QUERY copies, want %d", name, v, dist[v], c, exp)
					}
					if f := n.hosts[v].Stats().Forwarded; f > 1 {
						t.Errorf("%s: host %d forwarded the query %d times", name, v, f)
					}
				}

				recs := n.log.Records()
				if len(recs) != 1 {
					t.Fatalf("%s: %d query records", name, len(recs))
				}
				r := recs[0]
				dups := 0
				for _, h := range n.hosts {
					dups += h.Stats().Duplicates
				}
				if r.Reached != len(ball) || r.Messages != want || r.ByOp[OpQuery] != want ||
					r.Duplicates != want-len(ball) || dups != r.Duplicates {
					t.Errorf("%s: observer: reached %d, messages %d, duplicates %d (hosts: %d); want %d, %d, %d",
						name, r.Reached, r.Messages, r.Duplicates, dups, len(ball), want, want-len(ball))
				}

				if len(n.done) != 0 {
					t.Fatalf("%s: lookup ended early: %+v", name, n.done)
				}
				n.run(cfg.QueryTimeout)
				if len(n.done) != 1 || !n.done[0].Failed || n.done[0].Owner != engine.None || n.done[0].at != engine.At(cfg.QueryTimeout) {
					t.Errorf("%s: want one failure at %v, got %+v", name, cfg.QueryTimeout, n.done)
				}
				if end := n.log.Records()[0]; !end.Ended || !end.Result.Failed || end.Latency() != cfg.QueryTimeout {
					t.Errorf("%s: observer saw end %v (failed %v) after %v", name, end.Ended, end.Result.Failed, end.Latency())
				}
			}
		}
	}
}

// TestDuplicatesByHand: on a triangle, the origin's two copies cross: each
// neighbour forwards to the other, which drops the copy as a duplicate.
func TestDuplicatesByHand(t *testing.T) {
	g, _ := topology.FromEdges(3, []topology.Edge{{U: 0, V: 1}, {U: 1, V: 2}, {U: 0, V: 2}})
	cfg := *testConfig()
	cfg.TTL = 3
	n := newTestNet(cfg, g, nil, 1)
	n.lookup(0, absent)
	n.run(time.Second)
	// 0→1, 0→2; 1→2, 2→1 (duplicates); nothing further.
	if got := n.count(OpQuery); got != 4 {
		t.Errorf("%d QUERY messages, want 4", got)
	}
	if d1, d2 := n.hosts[1].Stats().Duplicates, n.hosts[2].Stats().Duplicates; d1 != 1 || d2 != 1 {
		t.Errorf("duplicates at 1 and 2: %d, %d; want 1, 1", d1, d2)
	}
	if r := n.log.Records()[0]; r.Reached != 2 || r.Duplicates != 2 {
		t.Errorf("observer: reached %d, duplicates %d; want 2, 2", r.Reached, r.Duplicates)
	}
}

// TestQueryHitReversePath: a QUERYHIT goes back hop by hop along the path
// the query took (with equal delays a shortest path), one hop closer to the
// origin each time, and the origin reports the holder and its distance at
// 2 × distance delays. The nearest of two holders answers first; the later
// hit still travels back and is ignored.
func TestQueryHitReversePath(t *testing.T) {
	cases := []struct {
		name    string
		g       *topology.Graph
		src     int
		holders []int
		ttl     int
		owner   int // -1: the lookup fails
		hops    int
		hits    int // QUERYHIT messages
	}{
		{"path to 5", topology.Path(7), 0, []int{5}, 7, 5, 5, 5},
		{"path from the middle", topology.Path(7), 3, []int{0}, 7, 0, 3, 3},
		{"grid corner to corner", topology.Grid(5, 5), 0, []int{24}, 8, 24, 8, 8},
		{"star leaf to leaf", topology.Star(8), 1, []int{5}, 7, 5, 2, 2},
		{"two holders", topology.Path(9), 0, []int{6, 3}, 7, 3, 3, 9},
		{"beyond the TTL", topology.Path(9), 0, []int{5}, 4, -1, 0, 0},
		{"neighbour", topology.Ring(6), 0, []int{5}, 7, 5, 1, 1},
	}
	for _, c := range cases {
		cfg := *testConfig()
		cfg.TTL = c.ttl
		objects := map[int][]uint64{}
		for _, v := range c.holders {
			objects[v] = []uint64{42, 7}
		}
		n := newTestNet(cfg, c.g, objects, 1)
		n.lookup(c.src, 42)
		n.run(time.Second)
		dist := bfs(c.g, c.src)
		hits := n.sentOf(OpQueryHit)
		if len(hits) != c.hits {
			t.Errorf("%s: %d QUERYHIT messages, want %d", c.name, len(hits), c.hits)
		}
		for _, s := range hits {
			if dist[s.to] != dist[s.from]-1 || !c.g.HasEdge(int(s.from), int(s.to)) {
				t.Errorf("%s: QUERYHIT %d→%d (distances %d→%d) is not a step back toward the origin", c.name, s.from, s.to, dist[s.from], dist[s.to])
			}
		}
		if c.owner < 0 {
			if len(n.done) != 0 {
				t.Errorf("%s: lookup ended %+v before the timeout", c.name, n.done)
			}
			continue
		}
		if len(n.done) != 1 {
			t.Fatalf("%s: %d lookups ended", c.name, len(n.done))
		}
		d := n.done[0]
		if d.Failed || int(d.Owner) != c.owner || d.OwnerID != uint64(c.owner) || d.Hops != c.hops || d.Key != 42 {
			t.Errorf("%s: result %+v, want owner %d at %d hops", c.name, d.LookupResult, c.owner, c.hops)
		}
		if want := engine.At(time.Duration(2*c.hops) * time.Millisecond); d.at != want {
			t.Errorf("%s: ended at %v, want %v", c.name, d.at, want)
		}
		r := n.log.Records()[0]
		if r.Hits != len(c.holders) || r.Latency() != time.Duration(2*c.hops)*time.Millisecond || r.Result.Owner != d.Owner {
			t.Errorf("%s: observer: %d hits, latency %v, owner %v", c.name, r.Hits, r.Latency(), r.Result.Owner)
		}
		// The hit's path, followed from the origin's side, is one chain.
		if len(c.holders) == 1 {
			for i := 1; i < len(hits); i++ {
				if hits[i].from != hits[i-1].to {
					t.Errorf("%s: QUERYHIT path broken between %v and %v", c.name, hits[i-1], hits[i])
				}
			}
		}
	}
}

// TestRegularBound: on random d-regular graphs a flood with TTL t sends at
// most d·Σ_{i<t} (d-1)^i QUERY messages (the count on a tree), exactly the
// count the forwarding rule implies, and exactly d for t = 1.
func TestRegularBound(t *testing.T) {
	for _, d := range []int{3, 4, 6} {
		g, err := topology.RandomRegular(100, d, rand.New(rand.NewPCG(uint64(d), 5)))
		if err != nil {
			t.Fatal(err)
		}
		for ttl := 1; ttl <= 6; ttl++ {
			cfg := *testConfig()
			cfg.TTL = ttl
			n := newTestNet(cfg, g, nil, 2)
			n.lookup(7, absent)
			n.run(time.Second)
			bound, pow := 0, 1
			for range ttl {
				bound += d * pow
				pow *= d - 1
			}
			got := n.count(OpQuery)
			if got > bound || got != floodCount(g, 7, ttl) || (ttl == 1 && got != d) {
				t.Errorf("d=%d TTL %d: %d QUERY messages, bound %d, rule %d", d, ttl, got, bound, floodCount(g, 7, ttl))
			}
		}
	}
}

// TestRingTTLs: the expanding ring's TTLs double up to the maximum.
func TestRingTTLs(t *testing.T) {
	cases := []struct {
		max  int
		want []int
	}{
		{7, []int{1, 2, 4, 7, 7}},
		{8, []int{1, 2, 4, 8, 8}},
		{1, []int{1, 1}},
		{3, []int{1, 2, 3}},
	}
	for _, c := range cases {
		cfg := DefaultConfig()
		cfg.RingMaxTTL = c.max
		var got []int
		for r := range c.want {
			got = append(got, cfg.ringTTL(r))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("max %d: rings %v, want %v", c.max, got, c.want)
		}
	}
}

// TestExpandingRing: the rings grow 1, 2, 4, 7 and stop at the first that
// finds the object; each ring costs a full flood of its TTL; a host reached
// again by a later ring counts as a duplicate, not as a new host.
func TestExpandingRing(t *testing.T) {
	g := topology.Path(10)
	cases := []struct {
		name   string
		holder int // -1: none
		rings  []int
		hops   int
	}{
		{"object 1 hop away", 1, []int{1}, 1},
		{"object 3 hops away", 3, []int{1, 2, 4}, 3},
		{"object 6 hops away", 6, []int{1, 2, 4, 7}, 6},
		{"object 8 hops away: beyond the last ring", 8, []int{1, 2, 4, 7}, -1},
		{"no object", -1, []int{1, 2, 4, 7}, -1},
	}
	for _, c := range cases {
		cfg := *testConfig()
		cfg.Strategy = ExpandingRing
		cfg.RingWait = 100 * time.Millisecond
		objects := map[int][]uint64{}
		if c.holder >= 0 {
			objects[c.holder] = []uint64{42}
		}
		n := newTestNet(cfg, g, objects, 1)
		n.lookup(0, 42)
		n.run(time.Minute)
		var rings []int
		for _, s := range n.sentOf(OpQuery) {
			if s.from == 0 {
				rings = append(rings, int(s.m.Ring))
			}
		}
		rings = slices.Compact(rings)
		wantRings := make([]int, len(c.rings))
		want := 0
		for i, ttl := range c.rings {
			wantRings[i] = i
			want += floodCount(g, 0, ttl)
		}
		if !slices.Equal(rings, wantRings) {
			t.Errorf("%s: rings %v, want %v", c.name, rings, wantRings)
		}
		if got := n.count(OpQuery); got != want {
			t.Errorf("%s: %d QUERY messages, want %d", c.name, got, want)
		}
		if len(n.done) != 1 {
			t.Fatalf("%s: %d results", c.name, len(n.done))
		}
		d := n.done[0]
		if c.hops < 0 {
			if !d.Failed || d.at != engine.At(cfg.QueryTimeout) {
				t.Errorf("%s: result %+v at %v, want a failure at the timeout", c.name, d.LookupResult, d.at)
			}
		} else {
			last := len(c.rings) - 1
			at := engine.At(time.Duration(last)*cfg.RingWait + time.Duration(2*c.hops)*time.Millisecond)
			if d.Failed || d.Hops != c.hops || int(d.Owner) != c.holder || d.at != at {
				t.Errorf("%s: result %+v at %v, want owner %d at %d hops at %v", c.name, d.LookupResult, d.at, c.holder, c.hops, at)
			}
		}
		r := n.log.Records()[0]
		last := c.rings[len(c.rings)-1]
		if r.Reached != min(last, 9) || r.Reached+r.Duplicates != want {
			t.Errorf("%s: observer: reached %d, duplicates %d; want %d distinct of %d", c.name, r.Reached, r.Duplicates, min(last, 9), want)
		}
	}
}
