package kademlia

import (
	"slices"
	"testing"
	"time"

	"peerlab/engine"
)

// TestStoreLifecycle loads 400 keys into the first node of a 128-node
// network (k = 8) and follows them: the keys move to closer nodes as those
// join, republishing places them on the k closest nodes, and once a day has
// passed the copies left elsewhere have expired. FIND_VALUE lookups then
// find every key.
func TestStoreLifecycle(t *testing.T) {
	cfg := DefaultConfig()
	cfg.K = 8
	cfg.Lookup = FindValue
	s := newSimNet(&cfg, 128, 4)
	keys := make([]uint64, 400)
	for i := range keys {
		keys[i] = s.pick.Uint64()
	}
	s.hosts[0].Store(keys...)
	s.joinAll(100*time.Millisecond, time.Minute)
	ids, hosts := s.liveIDs()
	byID := map[uint64]*Host{}
	for i, id := range ids {
		byID[id] = s.hosts[hosts[i]]
	}
	// After the joins, each key is at least at the closest node: hand-over
	// to new contacts moved it there.
	atClosest := 0
	for _, k := range keys {
		if byID[ids[ClosestIndex(ids, k)]].HasKey(k) {
			atClosest++
		}
	}
	if atClosest != len(keys) {
		t.Errorf("after the joins, %d/%d keys at their closest node", atClosest, len(keys))
	}

	check := func(when string, strict bool) {
		t.Helper()
		missing, extra, total := 0, 0, 0
		for _, k := range keys {
			near := bruteClosest(ids, k, ^k, cfg.K+1) // ^k: an identifier no node has
			for i, id := range near {
				if i < cfg.K && !byID[id].HasKey(k) {
					missing++
				}
			}
			for _, id := range ids {
				if byID[id].HasKey(k) && !slices.Contains(near, id) {
					extra++
				}
			}
		}
		for _, h := range s.hosts {
			total += h.Keys()
		}
		t.Logf("%s: %d copies missing on the k closest, %d copies beyond the k+1 closest, %.1f keys per node (k*keys/N = %.1f)",
			when, missing, extra, float64(total)/128, float64(cfg.K*len(keys))/128)
		if missing != 0 || (strict && extra != 0) {
			t.Errorf("%s: %d missing, %d extra copies", when, missing, extra)
		}
	}
	s.sim.RunUntil(s.sim.Now().Add(2 * time.Hour))
	check("after 2 h", false)
	s.sim.RunUntil(s.sim.Now().Add(26 * time.Hour))
	check("after 28 h", true)

	s.lookupsOf(500, 50*time.Millisecond, keys)
	found := 0
	for _, h := range s.hosts {
		found += h.Stats().ValuesFound
	}
	if found != 500 {
		t.Errorf("FIND_VALUE found %d of 500 values", found)
	}
	hops := 0
	for _, r := range s.results {
		hops += r.Hops
		if r.Failed || !byID[r.OwnerID].HasKey(r.Key) {
			t.Fatalf("FIND_VALUE result %+v: not a holder", r.LookupResult)
		}
	}
	t.Logf("FIND_VALUE: %d/500 found, mean hops %.2f", found, float64(hops)/500)
}

// TestStoreAndExpire: a STORE is acknowledged and kept; a key that nobody
// stores again is dropped at the first republish pass after it expired.
func TestStoreAndExpire(t *testing.T) {
	cfg := testConfig(8, 3)
	h, env := newTestHost(cfg, 0x10)
	from(h, env, 0x20, Message{Op: OpStore, Target: 0x11, Req: 42})
	ack := only(t, env.take(), OpStoreResp)
	if ack.to != 0x20 || ack.m.Req != 42 || !h.HasKey(0x11) {
		t.Fatalf("ack %+v, stored %v", ack.m, h.HasKey(0x11))
	}
	from(h, env, 0x20, Message{Op: OpStore, Keys: []uint64{0x12, 0x11}})
	env.take()
	if got := h.StoredKeys(); !slices.Equal(got, []uint64{0x11, 0x12}) {
		t.Errorf("stored %x", got)
	}
	// FIND_VALUE finds it; FIND_NODE does not return values.
	from(h, env, 0x20, Message{Op: OpFindValue, Target: 0x12, Req: 1})
	if m := only(t, env.take(), OpFindValueResp); !m.m.Found || len(m.m.Contacts) != 0 {
		t.Errorf("find_value answer %+v", m.m)
	}
	from(h, env, 0x20, Message{Op: OpFindValue, Target: 0x13, Req: 2})
	if m := only(t, env.take(), OpFindValueResp); m.m.Found || !slices.Equal(ids(m.m.Contacts), nil) {
		t.Errorf("find_value of a missing key: %+v", m.m)
	}
	env.now = engine.At(cfg.Expire - time.Minute)
	h.Fire(env, Timer{Kind: TimerRepublish})
	if h.Keys() != 2 {
		t.Errorf("%d keys before expiry", h.Keys())
	}
	env.now = engine.At(cfg.Expire)
	h.Fire(env, Timer{Kind: TimerRepublish})
	if h.Keys() != 0 {
		t.Errorf("%d keys after expiry", h.Keys())
	}
}

// TestHandOver: a node that learns of a new node closer than itself to some
// of its keys, with no other contact closer, stores those keys on it.
func TestHandOver(t *testing.T) {
	cfg := testConfig(8, 3)
	h, env := newTestHost(cfg, 0x10)
	h.Store(0x11, 0x30, 0x31, 0x90)
	h.Join(env, engine.None)
	from(h, env, 0x38, Message{Op: OpStoreResp}) // closer to 0x30, 0x31 than 0x10
	m := only(t, env.take(), OpStore)
	if m.to != 0x38 || !slices.Equal(m.m.Keys, []uint64{0x30, 0x31}) {
		t.Errorf("handed %x to %d, want [30 31] to 0x38", m.m.Keys, m.to)
	}
	// 0x39 is closer to 0x31 still, but 0x38 is closer than us already.
	from(h, env, 0x39, Message{Op: OpStoreResp})
	if sent := env.take(); len(sent) != 0 {
		t.Errorf("second newcomer got %v", ops(sent))
	}
}
