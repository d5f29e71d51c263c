package superpeer

import (
	"math/rand/v2"
	"slices"
	"testing"

	"peerlab/engine"
)

func TestHostCache(t *testing.T) {
	ids := func(xs ...engine.NodeID) []engine.NodeID { return xs }
	for _, tc := range []struct {
		name string
		do   func(c *HostCache)
		want []engine.NodeID
	}{
		{"seeded in order", func(c *HostCache) {}, ids(1, 2, 3)},
		{"add appends", func(c *HostCache) { c.Add(4) }, ids(1, 2, 3, 4)},
		{"no duplicates", func(c *HostCache) { c.Add(2); c.Add(engine.None) }, ids(1, 2, 3)},
		{"full: the last is replaced", func(c *HostCache) { c.Add(4); c.Add(5); c.Add(6) }, ids(1, 2, 3, 4, 6)},
		{"confirm moves to the front", func(c *HostCache) { c.Confirm(3) }, ids(3, 1, 2)},
		{"confirm adds at the front", func(c *HostCache) { c.Confirm(9) }, ids(9, 1, 2, 3)},
		{"confirm when full drops the last", func(c *HostCache) { c.Add(4); c.Add(5); c.Confirm(9) }, ids(9, 1, 2, 3, 4)},
		{"remove", func(c *HostCache) { c.Remove(2); c.Remove(7) }, ids(1, 3)},
		{"shrink", func(c *HostCache) { c.SetMax(2) }, ids(1, 2)},
	} {
		c := NewHostCache(5, 1, 2, 3)
		tc.do(c)
		if got := c.IDs(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestHostCacheSample(t *testing.T) {
	c := NewHostCache(200)
	for i := range 200 {
		c.Add(engine.NodeID(i))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		s := c.Sample(rng, 10, 3)
		if len(s) != 10 {
			t.Fatalf("sample of %d, want 10", len(s))
		}
		seen := map[engine.NodeID]bool{}
		for _, id := range s {
			if id == 3 || id >= 40 || seen[id] {
				t.Fatalf("sample %v: want 10 distinct entries from the front 40, without 3", s)
			}
			seen[id] = true
		}
	}
	if s := NewHostCache(5, 1).Sample(rng, 10, 1); len(s) != 0 {
		t.Errorf("sample %v of a cache holding only the skipped host", s)
	}
}
