package kademlia

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"peerlab/engine"
)

func ids(cs []Contact) []uint64 {
	out := make([]uint64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// TestBucketPlacement checks, on an 8-bit space around 1010_0000 (0xA0),
// that a contact at XOR distance d lands in bucket floor(log2 d), that the
// table keeps only the buckets from the farthest down to the deepest used,
// and that a node never stores itself.
func TestBucketPlacement(t *testing.T) {
	h, env := newTestHost(testConfig(8, 3), 0xA0)
	cases := []struct {
		id     uint64
		bucket int // distance 0xA0^id
	}{
		{0xA1, 0}, // 0000_0001
		{0xA2, 1}, // 0000_0010
		{0xA3, 1}, // 0000_0011
		{0xA4, 2}, // 0000_0100
		{0xB0, 4}, // 0001_0000
		{0xBF, 4}, // 0001_1111
		{0xFF, 6}, // 0101_1111
		{0x20, 7}, // 1000_0000
		{0x00, 7}, // 1010_0000
	}
	for _, c := range cases {
		from(h, env, c.id, Message{Op: OpStoreResp})
	}
	from(h, env, 0xA0, Message{Op: OpStoreResp}) // ourselves, by identifier
	want := map[int][]uint64{0: {0xA1}, 1: {0xA2, 0xA3}, 2: {0xA4}, 4: {0xB0, 0xBF}, 6: {0xFF}, 7: {0x20, 0x00}}
	for i := range 8 {
		if got := ids(h.Contacts(i)); !slices.Equal(got, want[i]) {
			t.Errorf("bucket %d holds %v, want %v", i, got, want[i])
		}
	}
	if h.TableSize() != 9 || h.Buckets() != 8 {
		t.Errorf("table size %d over %d buckets, want 9 over 8", h.TableSize(), h.Buckets())
	}
	if got := h.BucketFill(); !slices.Equal(got, []int{1, 2, 1, 0, 2, 0, 1, 2}) {
		t.Errorf("bucket fill %v", got)
	}
	if sent := env.take(); len(sent) != 0 {
		t.Errorf("inserting into buckets with room sent %v", ops(sent))
	}

	// Only as deep as needed: a node that heard only from far nodes keeps
	// the top buckets.
	g, genv := newTestHost(testConfig(8, 3), 0xA0)
	from(g, genv, 0x20, Message{Op: OpStoreResp})
	from(g, genv, 0xE0, Message{Op: OpStoreResp}) // 0100_0000: bucket 6
	if g.Buckets() != 2 {
		t.Errorf("%d buckets for contacts in buckets 7 and 6, want 2", g.Buckets())
	}
}

// fullBucket returns a host at 0 whose bucket 7 (identifiers 128..255) holds
// 128, 129, 130 in that order (k = 3).
func fullBucket(t *testing.T, replacements int) (*Host, *fakeEnv) {
	t.Helper()
	cfg := testConfig(8, 3)
	cfg.Replacements = replacements
	h, env := newTestHost(cfg, 0)
	for _, id := range []uint64{128, 129, 130} {
		from(h, env, id, Message{Op: OpStoreResp})
	}
	if got := ids(h.Contacts(7)); !slices.Equal(got, []uint64{128, 129, 130}) {
		t.Fatalf("bucket 7 holds %v", got)
	}
	return h, env
}

// TestLeastRecentlySeenOrder checks that any message moves its sender to
// the tail of its bucket.
func TestLeastRecentlySeenOrder(t *testing.T) {
	h, env := fullBucket(t, 8)
	from(h, env, 128, Message{Op: OpPing})
	if got := ids(h.Contacts(7)); !slices.Equal(got, []uint64{129, 130, 128}) {
		t.Errorf("after a ping from 128: %v, want [129 130 128]", got)
	}
	pong := only(t, env.take(), OpPong) // and the ping was answered
	if pong.to != 128 || pong.m.From != 0 {
		t.Errorf("pong to %d from %d", pong.to, pong.m.From)
	}
	from(h, env, 130, Message{Op: OpFindNode, Target: 5})
	if got := ids(h.Contacts(7)); !slices.Equal(got, []uint64{129, 128, 130}) {
		t.Errorf("after a request from 130: %v, want [129 128 130]", got)
	}
}

// TestFullBucketHeadAnswers: a newcomer to a full bucket goes to the
// replacement cache and the least recently seen contact is pinged, once;
// when it answers it moves to the tail and the newcomers stay cached.
func TestFullBucketHeadAnswers(t *testing.T) {
	h, env := fullBucket(t, 8)
	from(h, env, 200, Message{Op: OpStoreResp})
	ping := only(t, env.take(), OpPing)
	if ping.to != 128 {
		t.Fatalf("pinged %d, want the head 128", ping.to)
	}
	from(h, env, 201, Message{Op: OpStoreResp})
	if sent := env.take(); len(sent) != 0 {
		t.Errorf("second newcomer sent %v while a ping is pending", ops(sent))
	}
	if got := ids(h.Replacements(7)); !slices.Equal(got, []uint64{200, 201}) {
		t.Errorf("replacement cache %v, want [200 201]", got)
	}
	from(h, env, 128, Message{Op: OpPong, Req: ping.m.Req})
	if got := ids(h.Contacts(7)); !slices.Equal(got, []uint64{129, 130, 128}) {
		t.Errorf("after the pong: %v, want [129 130 128]", got)
	}
	if got := ids(h.Replacements(7)); !slices.Equal(got, []uint64{200, 201}) {
		t.Errorf("after the pong the cache is %v, want [200 201]", got)
	}
	if len(env.pending(TimerRPC)) != 0 {
		t.Errorf("the ping's timeout is still armed")
	}
	// The ping is over: the next newcomer pings the new head.
	from(h, env, 202, Message{Op: OpStoreResp})
	if p := only(t, env.take(), OpPing); p.to != 129 {
		t.Errorf("pinged %d, want the new head 129", p.to)
	}
	// A contact seen again while cached moves to the cache's tail.
	from(h, env, 200, Message{Op: OpStoreResp})
	if got := ids(h.Replacements(7)); !slices.Equal(got, []uint64{201, 202, 200}) {
		t.Errorf("cache %v, want [201 202 200]", got)
	}
}

// TestFullBucketHeadTimesOut: the silent head is evicted and the freshest
// replacement takes its place at the tail.
func TestFullBucketHeadTimesOut(t *testing.T) {
	h, env := fullBucket(t, 8)
	from(h, env, 200, Message{Op: OpStoreResp})
	only(t, env.take(), OpPing)
	from(h, env, 201, Message{Op: OpStoreResp})
	tm := env.pending(TimerRPC)
	if len(tm) != 1 {
		t.Fatalf("%d rpc timers, want 1", len(tm))
	}
	h.Fire(env, tm[0].t)
	if got := ids(h.Contacts(7)); !slices.Equal(got, []uint64{129, 130, 201}) {
		t.Errorf("after the timeout: %v, want [129 130 201]", got)
	}
	if got := ids(h.Replacements(7)); !slices.Equal(got, []uint64{200}) {
		t.Errorf("cache %v, want [200]", got)
	}
	if h.Stats().Evictions != 1 || h.TableSize() != 3 {
		t.Errorf("evictions %d, table size %d", h.Stats().Evictions, h.TableSize())
	}
	// A late pong from the evicted node is only a message from a newcomer.
	from(h, env, 128, Message{Op: OpPong, Req: tm[0].t.Ref})
	if got := ids(h.Contacts(7)); !slices.Equal(got, []uint64{129, 130, 201}) {
		t.Errorf("after a late pong: %v", got)
	}
	if p := only(t, env.take(), OpPing); p.to != 129 {
		t.Errorf("the late pong's sender made us ping %d, want 129", p.to)
	}
}

// TestReplacementCache checks the cache bound (oldest dropped) and the
// paper's basic rule without a cache: the newcomer takes the silent head's
// place, and is dropped if the head answers.
func TestReplacementCache(t *testing.T) {
	h, env := fullBucket(t, 2)
	for _, id := range []uint64{200, 201, 202} {
		from(h, env, id, Message{Op: OpStoreResp})
	}
	if got := ids(h.Replacements(7)); !slices.Equal(got, []uint64{201, 202}) {
		t.Errorf("cache of 2: %v, want [201 202]", got)
	}

	h, env = fullBucket(t, 0)
	from(h, env, 200, Message{Op: OpStoreResp})
	only(t, env.take(), OpPing)
	from(h, env, 201, Message{Op: OpStoreResp}) // dropped: no cache, ping pending
	if len(h.Replacements(7)) != 0 {
		t.Errorf("cache of 0 holds %v", ids(h.Replacements(7)))
	}
	h.Fire(env, env.pending(TimerRPC)[0].t)
	if got := ids(h.Contacts(7)); !slices.Equal(got, []uint64{129, 130, 200}) {
		t.Errorf("without a cache, after the timeout: %v, want [129 130 200]", got)
	}

	h, env = fullBucket(t, 0)
	from(h, env, 200, Message{Op: OpStoreResp})
	ping := only(t, env.take(), OpPing)
	from(h, env, 128, Message{Op: OpPong, Req: ping.m.Req})
	if got := ids(h.Contacts(7)); !slices.Equal(got, []uint64{129, 130, 128}) {
		t.Errorf("without a cache, after the pong: %v, want [129 130 128]", got)
	}
}

// TestEvictPromotes: a contact that fails a lookup request is evicted and the
// freshest replacement promoted.
func TestEvictPromotes(t *testing.T) {
	h, env := fullBucket(t, 8)
	from(h, env, 200, Message{Op: OpStoreResp})
	from(h, env, 201, Message{Op: OpStoreResp})
	env.take()
	h.evict(env, ct(129))
	if got := ids(h.Contacts(7)); !slices.Equal(got, []uint64{128, 130, 201}) {
		t.Errorf("after evicting 129: %v, want [128 130 201]", got)
	}
	h.evict(env, Contact{ID: 130, Host: 77}) // same identifier, another host: not ours
	if got := ids(h.Contacts(7)); !slices.Equal(got, []uint64{128, 130, 201}) {
		t.Errorf("after evicting a stranger: %v", got)
	}
}

// TestClosest compares Closest with a brute-force sort of the table for
// targets all over a 16-bit space, with tables of every size.
func TestClosest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 5, 40, 300} {
		cfg := testConfig(16, 8)
		h, _ := newTestHost(cfg, uint64(rng.IntN(1<<16)))
		var all []Contact
		for range n {
			id := uint64(rng.IntN(1 << 16))
			all = append(all, Contact{ID: id, Host: engine.NodeID(id)})
		}
		h.Prefill(all)
		var table []Contact
		for i := range 16 {
			table = append(table, h.Contacts(i)...)
		}
		for range 200 {
			key := uint64(rng.IntN(1 << 16))
			if rng.IntN(10) == 0 {
				key = h.Self().ID
			}
			for _, want := range []int{1, 3, 8, 20} {
				b := slices.Clone(table)
				slices.SortFunc(b, func(x, y Contact) int { return cmpU(x.ID^key, y.ID^key) })
				b = b[:min(want, len(b))]
				if got := h.Closest(key, want); !slices.Equal(ids(got), ids(b)) {
					t.Fatalf("table of %d, Closest(%d, %d) = %v, want %v", len(table), key, want, ids(got), ids(b))
				}
			}
		}
	}
}

// TestClosestIndex compares the oracle helper with a linear scan.
func TestClosestIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	if ClosestIndex(nil, 5) != -1 {
		t.Errorf("empty: want -1")
	}
	for _, n := range []int{1, 2, 3, 17, 1000} {
		set := map[uint64]bool{}
		var ids []uint64
		for len(ids) < n {
			x := rng.Uint64()
			if n < 20 {
				x >>= 56 // small values: long shared prefixes
			}
			if !set[x] {
				set[x] = true
				ids = append(ids, x)
			}
		}
		slices.Sort(ids)
		for range 500 {
			key := rng.Uint64()
			if n < 20 {
				key >>= 56
			}
			best := 0
			for i := range ids {
				if ids[i]^key < ids[best]^key {
					best = i
				}
			}
			if got := ClosestIndex(ids, key); got != best {
				t.Fatalf("n=%d key %x: index %d, want %d", n, key, got, best)
			}
		}
	}
}

// TestIdealContacts checks the oracle table: at most k per bucket, in the
// order given, self left out.
func TestIdealContacts(t *testing.T) {
	cfg := testConfig(8, 2)
	live := []Contact{ct(0), ct(128), ct(200), ct(129), ct(64), ct(1), ct(65), ct(66)}
	got := IdealContacts(cfg, 0, live)
	if want := []uint64{128, 200, 64, 1, 65}; !slices.Equal(ids(got), want) {
		t.Errorf("ideal contacts %v, want %v", ids(got), want)
	}
	h, _ := newTestHost(cfg, 0)
	h.Prefill(got)
	if !h.Joined() || h.TableSize() != 5 {
		t.Errorf("prefilled: joined %v, %d contacts", h.Joined(), h.TableSize())
	}
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestPingAfter: with Config.PingAfter, a full bucket's head heard from
// recently is not pinged for a newcomer (which is only cached); a head heard
// from long enough ago is.
func TestPingAfter(t *testing.T) {
	cfg := testConfig(8, 3)
	cfg.PingAfter = 15 * time.Minute
	h, env := newTestHost(cfg, 0)
	for _, id := range []uint64{128, 129, 130} {
		from(h, env, id, Message{Op: OpStoreResp})
	}
	env.now = engine.At(10 * time.Minute)
	from(h, env, 200, Message{Op: OpStoreResp})
	if sent := env.take(); len(sent) != 0 {
		t.Errorf("head seen 10 min ago: sent %v", ops(sent))
	}
	if got := ids(h.Replacements(7)); !slices.Equal(got, []uint64{200}) {
		t.Errorf("cache %v, want [200]", got)
	}
	env.now = engine.At(15 * time.Minute)
	from(h, env, 201, Message{Op: OpStoreResp})
	if p := only(t, env.take(), OpPing); p.to != 128 {
		t.Errorf("pinged %d, want the head 128", p.to)
	}
}
