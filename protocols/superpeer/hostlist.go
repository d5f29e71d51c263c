package superpeer

import (
	"math/rand/v2"
	"slices"

	"peerlab/engine"
)

// HostCache is an ordered list of superpeer addresses without duplicates:
// a peer's host cache, a superpeer's superpeer list. The front holds the
// entries most recently confirmed alive; new, unconfirmed entries go to
// the back, and when the list is full they replace the last entry. The
// order is all a host iterates: no map is involved.
//
// A host's cache outlives the host's sessions (Skype keeps it in the
// registry): the runner creates one per host and hands it to every
// incarnation.
type HostCache struct {
	ids []engine.NodeID
	max int
}

// NewHostCache returns an empty cache of at most max entries, seeded with
// the given hosts in order.
func NewHostCache(max int, seed ...engine.NodeID) *HostCache {
	c := &HostCache{max: max}
	for _, id := range seed {
		c.Add(id)
	}
	return c
}

// Len returns the number of entries.
func (c *HostCache) Len() int { return len(c.ids) }

// Max returns the capacity.
func (c *HostCache) Max() int { return c.max }

// At returns entry i (0 is the front).
func (c *HostCache) At(i int) engine.NodeID { return c.ids[i] }

// IDs returns a copy of the entries, front first.
func (c *HostCache) IDs() []engine.NodeID { return slices.Clone(c.ids) }

// Has reports whether id is in the cache.
func (c *HostCache) Has(id engine.NodeID) bool { return slices.Contains(c.ids, id) }

// Add appends id at the back if it is absent, replacing the last entry
// when the cache is full. It reports whether id was added.
func (c *HostCache) Add(id engine.NodeID) bool {
	if id == engine.None || c.max == 0 || c.Has(id) {
		return false
	}
	if len(c.ids) >= c.max {
		c.ids[len(c.ids)-1] = id
		return true
	}
	c.ids = append(c.ids, id)
	return true
}

// Confirm moves id to the front (adding it if absent): it was just heard
// from.
func (c *HostCache) Confirm(id engine.NodeID) {
	if id == engine.None || c.max == 0 {
		return
	}
	if i := slices.Index(c.ids, id); i >= 0 {
		copy(c.ids[1:i+1], c.ids[:i])
		c.ids[0] = id
		return
	}
	if len(c.ids) >= c.max {
		c.ids = c.ids[:len(c.ids)-1]
	}
	c.ids = slices.Insert(c.ids, 0, id)
}

// Remove deletes id (it failed to answer, or is no superpeer).
func (c *HostCache) Remove(id engine.NodeID) {
	if i := slices.Index(c.ids, id); i >= 0 {
		c.ids = slices.Delete(c.ids, i, i+1)
	}
}

// SetMax changes the capacity, dropping entries from the back if needed.
func (c *HostCache) SetMax(max int) {
	c.max = max
	if len(c.ids) > max {
		c.ids = c.ids[:max]
	}
}

// Sample returns up to n entries drawn at random from the front 4n of the
// cache (the most recently confirmed), skipping skip, in a new slice.
func (c *HostCache) Sample(rng *rand.Rand, n int, skip engine.NodeID) []engine.NodeID {
	pool := min(len(c.ids), 4*n)
	out := make([]engine.NodeID, 0, min(n, pool))
	// a partial Fisher–Yates over the pool, on indices
	idx := make([]int32, pool)
	for i := range idx {
		idx[i] = int32(i)
	}
	for i := 0; i < pool && len(out) < n; i++ {
		j := i + rng.IntN(pool-i)
		idx[i], idx[j] = idx[j], idx[i]
		if id := c.ids[idx[i]]; id != skip {
			out = append(out, id)
		}
	}
	return out
}
