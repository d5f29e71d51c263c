package kademlia

import (
	"slices"
	"testing"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
)

// bruteClosest returns the n live identifiers closest to key, self left out.
func bruteClosest(ids []uint64, key, self uint64, n int) []uint64 {
	out := slices.DeleteFunc(slices.Clone(ids), func(x uint64) bool { return x == self })
	slices.SortFunc(out, func(a, b uint64) int { return cmpU(a^key, b^key) })
	return out[:min(n, len(out))]
}

// TestStaticLookups builds a 512-node network with real joins (one every
// 100 ms, each through a random earlier node) and checks 2,000 workload
// lookups: every one returns the true closest node, and the k closest nodes
// it ends with are exactly the k closest of a brute-force sort.
func TestStaticLookups(t *testing.T) {
	cfg := DefaultConfig()
	s := newSimNet(&cfg, 512, 1)
	s.joinAll(100*time.Millisecond, time.Minute)
	for i, h := range s.hosts {
		if !h.Joined() {
			t.Fatalf("host %d did not join", i)
		}
	}
	ids, _ := s.liveIDs()
	var checked, wrongSets int
	for _, h := range s.hosts {
		h.onLookup = func(l *lookup) {
			if l.purpose != purposeWorkload {
				return
			}
			checked++
			var got []uint64
			for _, e := range l.list {
				if e.state == answered {
					got = append(got, e.c.ID)
				}
			}
			if want := bruteClosest(ids, l.key, h.self.ID, cfg.K); !slices.Equal(got, want) {
				wrongSets++
				if wrongSets <= 3 {
					t.Errorf("lookup of %x from %x: k closest %x, want %x", l.key, h.self.ID, got, want)
				}
			}
		}
	}
	s.lookups(2000, 20*time.Millisecond)
	ok, incorrect, failed, hops := s.check()
	t.Logf("512 nodes, k=20: %d ok, %d incorrect, %d failed, mean hops %.2f, %d/%d wrong k-sets", ok, incorrect, failed, hops, wrongSets, checked)
	if ok != 2000 || checked != 2000 {
		t.Errorf("%d of 2000 lookups correct (%d incorrect, %d failed), %d seen by the hook", ok, incorrect, failed, checked)
	}
	// Every lookup-class message is a workload request or its answer; a
	// lookup counts its requests and the answers that came before it ended.
	var reported, requests int
	for _, r := range s.results {
		reported += r.Messages
	}
	var tables, fill int
	for _, h := range s.hosts {
		tables += h.TableSize()
		fill += h.Buckets()
		requests += h.Stats().LookupRequests
	}
	if carried := s.msgs[overlay.Lookup]; requests*2 != carried || reported <= requests || reported > carried {
		t.Errorf("lookups reported %d messages for %d requests; the network carried %d lookup messages", reported, requests, carried)
	}
	t.Logf("mean table size %.1f over %.1f buckets", float64(tables)/512, float64(fill)/512)
}

// hopsFor runs 1,000 lookups on a 1,024-node network with bucket size k and
// returns the success count and mean hop count.
func hopsFor(t *testing.T, k int) (int, float64, float64) {
	cfg := DefaultConfig()
	cfg.K = k
	s := newSimNet(&cfg, 1024, 2)
	s.joinAll(50*time.Millisecond, time.Minute)
	s.lookups(1000, 20*time.Millisecond)
	ok, _, _, hops := s.check()
	var reqs int
	for _, h := range s.hosts {
		reqs += h.Stats().LookupRequests
	}
	return ok, hops, float64(reqs) / 1000
}

// TestHopsFallWithK: with larger buckets each reply carries more and closer
// contacts, so lookups need fewer rounds (1,024 nodes; k = 4, 8, 20).
func TestHopsFallWithK(t *testing.T) {
	var mean []float64
	for _, k := range []int{4, 8, 20} {
		ok, hops, reqs := hopsFor(t, k)
		t.Logf("k=%2d: %d/1000 correct, mean hops %.2f, %.1f requests per lookup", k, ok, hops, reqs)
		if ok != 1000 {
			t.Errorf("k=%d: %d/1000 lookups correct", k, ok)
		}
		mean = append(mean, hops)
	}
	if !(mean[0] > mean[1] && mean[1] > mean[2]) {
		t.Errorf("mean hops %v for k = 4, 8, 20: want decreasing", mean)
	}
}

// TestDeterminism: the same seed gives the same trace (every message sent
// and every lookup result), another seed another one.
func TestDeterminism(t *testing.T) {
	run := func(seed uint64) (uint64, int) {
		cfg := DefaultConfig()
		cfg.K = 8
		s := newSimNet(&cfg, 128, seed)
		s.tracing = true
		s.joinAll(100*time.Millisecond, time.Minute)
		s.lookups(300, 50*time.Millisecond)
		s.sim.RunUntil(s.sim.Now().Add(2 * time.Hour)) // refreshes, republishing
		return s.trace, s.msgs[0] + s.msgs[1]
	}
	a, na := run(7)
	b, nb := run(7)
	c, _ := run(8)
	if a != b || na != nb {
		t.Errorf("same seed: traces %x (%d msgs) and %x (%d msgs)", a, na, b, nb)
	}
	if a == c {
		t.Errorf("seeds 7 and 8 gave the same trace %x", a)
	}
}

// TestCrashes: after a fifth of a 256-node network crashes, lookups still
// find the closest live node: the dead are evicted on timeout and replaced
// from the caches.
func TestCrashes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.K = 8
	s := newSimNet(&cfg, 256, 3)
	s.joinAll(100*time.Millisecond, time.Minute)
	for i := 1; i < 256; i += 5 {
		s.sim.Down(engine.NodeID(i))
	}
	s.lookups(1000, 50*time.Millisecond)
	ok, incorrect, failed, hops := s.check()
	var ev int
	for _, h := range s.hosts {
		ev += h.Stats().Evictions
	}
	t.Logf("after 20%% crashed: %d ok, %d incorrect, %d failed, mean hops %.2f, %d evictions", ok, incorrect, failed, hops, ev)
	if ok < 990 || ev == 0 {
		t.Errorf("%d/1000 correct, %d evictions", ok, ev)
	}
	// Once the dead have been noticed, lookups are as good as before.
	s.lookups(500, 50*time.Millisecond)
	if ok, incorrect, failed, _ := s.check(); ok != 500 {
		t.Errorf("second round: %d/500 correct (%d incorrect, %d failed)", ok, incorrect, failed)
	}
}

// TestJoinByHand drives a join message by message: the newcomer asks its
// bootstrap host for its own identifier, learns the bootstrap's identifier
// from the reply, and then refreshes the buckets farther than its closest
// neighbour.
func TestJoinByHand(t *testing.T) {
	cfg := testConfig(8, 3)
	a, aenv := newTestHost(cfg, 0x10)
	from(a, aenv, 0x90, Message{Op: OpStoreResp}) // a knows 0x90
	aenv.take()

	b := NewHost(cfg, 1, 0x13)
	benv := newFakeEnv(1)
	if b.Lookup(benv, 5) {
		t.Fatalf("lookup accepted before joining")
	}
	b.Join(benv, selfHost)
	req := only(t, benv.take(), OpFindNode)
	if req.to != selfHost || req.m.Target != 0x13 || !req.m.Maint || req.m.From != 0x13 {
		t.Fatalf("join request %+v to %d", req.m, req.to)
	}
	a.Deliver(aenv, 1, req.m)
	if !slices.Equal(ids(a.Contacts(bucketIndex(0x10^0x13))), []uint64{0x13}) {
		t.Errorf("the bootstrap did not add the newcomer: %v", ids(a.Contacts(1)))
	}
	resp := only(t, aenv.take(), OpFindNodeResp)
	if got := ids(resp.m.Contacts); !slices.Equal(got, []uint64{0x90}) {
		t.Errorf("bootstrap answered %x, want [90] (the requester left out)", got)
	}
	b.Deliver(benv, selfHost, resp.m)
	if got := ids(b.Contacts(1)); !slices.Equal(got, []uint64{0x10}) {
		t.Errorf("newcomer's bucket 1: %x, want the bootstrap 0x10", got)
	}
	// The lookup goes on with 0x90, then the newcomer is joined.
	q := only(t, benv.take(), OpFindNode)
	if q.to != 0x90 {
		t.Fatalf("second step asks %d", q.to)
	}
	b.Deliver(benv, 0x90, Message{Op: OpFindNodeResp, From: 0x90, Req: q.m.Req, Maint: true})
	if !b.Joined() {
		t.Fatalf("not joined after the own-id lookup")
	}
	// Closest neighbour 0x10 is in bucket 1: buckets 2..7 are refreshed,
	// each by a lookup for an identifier in its range.
	var refreshed []int
	for _, m := range benv.take() {
		if m.m.Op == OpFindNode && m.m.Maint {
			refreshed = append(refreshed, bucketIndex(m.m.Target^0x13))
		}
	}
	slices.Sort(refreshed)
	refreshed = slices.Compact(refreshed)
	if !slices.Equal(refreshed, []int{2, 3, 4, 5, 6, 7}) {
		t.Errorf("refreshed buckets %v, want 2..7", refreshed)
	}
	if len(benv.pending(TimerRefresh)) != 1 || len(benv.pending(TimerRepublish)) != 1 {
		t.Errorf("periodic timers: %d refresh, %d republish", len(benv.pending(TimerRefresh)), len(benv.pending(TimerRepublish)))
	}
}

// TestJoinRetry: a join whose bootstrap never answers is retried.
func TestJoinRetry(t *testing.T) {
	b := NewHost(testConfig(8, 3), 1, 0x13)
	env := newFakeEnv(1)
	b.Join(env, 5)
	only(t, env.take(), OpFindNode)
	b.Fire(env, env.pending(TimerRPC)[0].t)
	if b.Joined() {
		t.Fatalf("joined without an answer")
	}
	retry := env.pending(TimerJoinRetry)
	if len(retry) != 1 {
		t.Fatalf("%d join retries", len(retry))
	}
	b.Fire(env, retry[0].t)
	if m := only(t, env.take(), OpFindNode); m.to != 5 {
		t.Errorf("retry sent to %d", m.to)
	}
}

// TestRefreshTimer: a bucket that saw no lookup for Config.Refresh is
// refreshed; one looked up recently is not.
func TestRefreshTimer(t *testing.T) {
	cfg := testConfig(8, 3)
	h, env := newTestHost(cfg, 0)
	from(h, env, 0x80, Message{Op: OpStoreResp}) // bucket 7
	from(h, env, 0x40, Message{Op: OpStoreResp}) // bucket 6
	env.now = env.now.Add(50 * time.Minute)
	h.Lookup(env, 0x41) // touches bucket 6
	env.take()
	env.now = env.now.Add(20 * time.Minute)
	h.Fire(env, Timer{Kind: TimerRefresh})
	var refreshed []int
	for _, m := range env.take() {
		if m.m.Maint {
			refreshed = append(refreshed, bucketIndex(m.m.Target))
		}
	}
	if !slices.Equal(slices.Compact(refreshed), []int{7}) {
		t.Errorf("refreshed buckets %v, want [7]", refreshed)
	}
	next := env.pending(TimerRefresh)
	if len(next) != 1 || next[0].at != engine.At(110*time.Minute) {
		t.Errorf("next refresh check %v, want at 1h50m (bucket 6 looked up at 50m)", next)
	}
}

// TestJoinViaEmptyBootstrap: a bootstrap that is still joining itself
// answers the newcomer's own-id lookup with no contact. The newcomer is
// joined (it knows the bootstrap) but must retry the join, or it would never
// learn its closest neighbours nor be learned by them. In a network of two
// the bootstrap never learns of anyone else, so the retries must stop after
// maxLonelyJoins.
func TestJoinViaEmptyBootstrap(t *testing.T) {
	cfg := testConfig(8, 3)
	a, aenv := newTestHost(cfg, 0x90) // empty table
	b := NewHost(cfg, 1, 0x13)
	benv := newFakeEnv(1)
	b.Join(benv, selfHost)
	for i := 1; ; i++ {
		var req *sentMsg
		for _, m := range benv.take() {
			if m.m.Op == OpFindNode && m.m.Target == 0x13 && m.to == selfHost {
				req = &m
			}
		}
		if req == nil {
			t.Fatalf("join %d did not look up the own identifier through the bootstrap", i)
		}
		a.Deliver(aenv, 1, req.m)
		resp := only(t, aenv.take(), OpFindNodeResp)
		if len(resp.m.Contacts) != 0 {
			t.Fatalf("bootstrap answered %x", ids(resp.m.Contacts))
		}
		benv.timers = nil
		b.Deliver(benv, selfHost, resp.m)
		if !b.Joined() {
			t.Fatalf("not joined although the bootstrap answered")
		}
		retry := benv.pending(TimerJoinRetry)
		if want := i <= maxLonelyJoins; (len(retry) == 1) != want {
			t.Fatalf("lonely join %d: %d retries set, want retry=%v", i, len(retry), want)
		}
		if len(retry) == 0 {
			break
		}
		benv.take()
		b.Fire(benv, retry[0].t)
	}
}
