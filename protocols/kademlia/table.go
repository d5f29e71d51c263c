package kademlia

import (
	"math/bits"
	"slices"

	"peerlab/engine"
)

// bucket is one k-bucket: the contacts at XOR distance [2^i, 2^(i+1)) from
// the node, least recently seen first.
type bucket struct {
	contacts []Contact     // at most k, least recently seen first
	seenAt   []engine.Time // when each contact was last heard from (0: unknown)
	repl     []Contact     // replacement cache, oldest first, at most Config.Replacements
	touched  engine.Time
	pinging  bool // a PING to contacts[0] is outstanding
}

// bucketIndex is the index of the bucket holding distance d > 0: the
// position of d's highest set bit.
func bucketIndex(d uint64) int { return bits.Len64(d) - 1 }

func indexOf(cs []Contact, id uint64) int {
	for i := range cs {
		if cs[i].ID == id {
			return i
		}
	}
	return -1
}

// bucket returns bucket i, or nil when the table does not reach that deep.
// Buckets are stored from the farthest (Bits-1) down to the deepest one
// that ever held a contact: a node of an N-node network keeps about log2 N
// of them, not Bits.
func (h *Host) bucket(i int) *bucket {
	j := h.cfg.Bits - 1 - i
	if i < 0 || j >= len(h.buckets) {
		return nil
	}
	return &h.buckets[j]
}

// bucketFor returns bucket i, creating it and the empty ones above it.
func (h *Host) bucketFor(now engine.Time, i int) *bucket {
	j := h.cfg.Bits - 1 - i
	for len(h.buckets) <= j {
		h.buckets = append(h.buckets, bucket{touched: now})
	}
	return &h.buckets[j]
}

// appendBounded appends c to s, growing s by doubling but never beyond limit.
func appendBounded[T any](s []T, c T, limit int) []T {
	if len(s) == cap(s) {
		n := max(2, 2*cap(s))
		n = min(n, limit)
		n = max(n, len(s)+1)
		t := make([]T, len(s), n)
		copy(t, s)
		s = t
	}
	return append(s, c)
}

// seen applies the paper's rule to a contact the node just heard from: move
// it to the tail of its bucket; insert it if there is room; if the bucket is
// full, keep it in the replacement cache and PING the least recently seen
// contact, which is evicted for the freshest replacement if it does not
// answer. With Config.PingAfter set, a head heard from more recently than
// that is not pinged.
func (h *Host) seen(env Env, c Contact) {
	if c.ID == h.self.ID || c.Host == h.self.Host {
		return
	}
	now := env.Now()
	i := bucketIndex(c.ID ^ h.self.ID)
	b := h.bucketFor(now, i)
	if p := indexOf(b.contacts, c.ID); p >= 0 {
		last := len(b.contacts) - 1
		copy(b.contacts[p:], b.contacts[p+1:])
		copy(b.seenAt[p:], b.seenAt[p+1:])
		b.contacts[last], b.seenAt[last] = c, now
		return
	}
	if len(b.contacts) < h.cfg.K {
		h.insert(env, b, c, now)
		return
	}
	h.addReplacement(b, c)
	if !b.pinging && (h.cfg.PingAfter == 0 || now.Sub(b.seenAt[0]) >= h.cfg.PingAfter) {
		b.pinging = true
		head := b.contacts[0]
		r := h.call(env, rpcPing, head, h.msg(OpPing))
		r.bucket, r.newcomer = int16(i), c
	}
}

// insert puts c, which is not in b, at the tail of b (which has room), and
// hands it the keys it should now hold (unless env is nil). seenAt is when c
// was last heard from, 0 if unknown.
func (h *Host) insert(env Env, b *bucket, c Contact, seenAt engine.Time) {
	if p := indexOf(b.repl, c.ID); p >= 0 {
		b.repl = slices.Delete(b.repl, p, p+1)
	}
	b.contacts = appendBounded(b.contacts, c, h.cfg.K)
	b.seenAt = appendBounded(b.seenAt, seenAt, h.cfg.K)
	h.size++
	if env != nil {
		h.transferTo(env, c)
	}
}

// addReplacement makes c the freshest entry of b's replacement cache.
func (h *Host) addReplacement(b *bucket, c Contact) {
	limit := h.cfg.Replacements
	if limit == 0 {
		return
	}
	if p := indexOf(b.repl, c.ID); p >= 0 {
		copy(b.repl[p:], b.repl[p+1:])
		b.repl[len(b.repl)-1] = c
		return
	}
	if len(b.repl) == limit {
		copy(b.repl, b.repl[1:])
		b.repl[limit-1] = c
		return
	}
	b.repl = appendBounded(b.repl, c, limit)
}

// evict removes c, which failed to answer a request, from its bucket and its
// replacement cache, and promotes the freshest replacement into the freed
// place.
func (h *Host) evict(env Env, c Contact) {
	b := h.bucket(bucketIndex(c.ID ^ h.self.ID))
	if b == nil || c.ID == h.self.ID {
		return
	}
	if p := indexOf(b.repl, c.ID); p >= 0 && b.repl[p].Host == c.Host {
		b.repl = slices.Delete(b.repl, p, p+1)
	}
	p := indexOf(b.contacts, c.ID)
	if p < 0 || b.contacts[p].Host != c.Host {
		return
	}
	b.contacts = slices.Delete(b.contacts, p, p+1)
	b.seenAt = slices.Delete(b.seenAt, p, p+1)
	h.size--
	h.stats.Evictions++
	if n := len(b.repl); n > 0 {
		r := b.repl[n-1]
		b.repl = b.repl[:n-1]
		h.insert(env, b, r, 0)
	}
}

// has reports whether c is in the routing table.
func (h *Host) has(c Contact) bool {
	b := h.bucket(bucketIndex(c.ID ^ h.self.ID))
	return b != nil && indexOf(b.contacts, c.ID) >= 0
}

// closestInto appends to dst the n contacts of the table closest to target,
// in no particular order, leaving out skip (an identifier; pass the node's
// own to skip nothing). dst must have room for n more contacts so that
// nothing is allocated.
//
// The buckets are visited in XOR order: with i the bucket of target, every
// contact of bucket i is closer to target than any other; then come those
// of the buckets below i (distance in [2^i, 2^(i+1))), then bucket i+1,
// i+2, ... (distance [2^j, 2^(j+1)) for bucket j). A class that fits whole
// is copied; only the class that overflows is sorted (by bounded insertion)
// to keep its closest members.
func (h *Host) closestInto(dst []Contact, target uint64, n int, skip uint64) []Contact {
	start := len(dst)
	skipBucket := -1
	if skip != h.self.ID {
		skipBucket = bucketIndex(skip ^ h.self.ID)
	}
	class := func(lo, hi int) {
		lim := n - (len(dst) - start)
		count := 0
		for i := hi; i >= lo; i-- {
			b := h.bucket(i)
			if b == nil {
				break // deeper buckets do not exist either
			}
			count += len(b.contacts)
			if i == skipBucket && indexOf(b.contacts, skip) >= 0 {
				count--
			}
		}
		base := len(dst)
		for i := hi; i >= lo; i-- {
			b := h.bucket(i)
			if b == nil {
				break
			}
			for _, c := range b.contacts {
				switch {
				case c.ID == skip:
				case count <= lim:
					dst = append(dst, c)
				default:
					dst = insertSorted(dst, base, lim, c, target)
				}
			}
		}
	}
	d := h.self.ID ^ target
	lowest := max(h.cfg.Bits-len(h.buckets), 0) // deepest bucket held
	if d != 0 {
		i := bucketIndex(d)
		class(i, i)
		if len(dst)-start < n && i > 0 {
			class(lowest, i-1)
		}
		for j := i + 1; j < h.cfg.Bits && len(dst)-start < n; j++ {
			class(j, j)
		}
		return dst
	}
	for j := lowest; j < h.cfg.Bits && len(dst)-start < n; j++ {
		class(j, j)
	}
	return dst
}

// sortByDist sorts cs by XOR distance to target (insertion sort: cs holds at
// most k contacts).
func sortByDist(cs []Contact, target uint64) {
	for i := 1; i < len(cs); i++ {
		c := cs[i]
		d := c.ID ^ target
		j := i
		for j > 0 && cs[j-1].ID^target > d {
			cs[j] = cs[j-1]
			j--
		}
		cs[j] = c
	}
}

// insertSorted inserts c into s[base:], kept sorted by XOR distance to
// target and at most lim long.
func insertSorted(s []Contact, base, lim int, c Contact, target uint64) []Contact {
	if lim <= 0 {
		return s
	}
	d := c.ID ^ target
	if len(s)-base == lim {
		if s[len(s)-1].ID^target <= d {
			return s
		}
		s = s[:len(s)-1]
	}
	p := len(s)
	for p > base && s[p-1].ID^target > d {
		p--
	}
	s = append(s, Contact{})
	copy(s[p+1:], s[p:])
	s[p] = c
	return s
}

// ---- oracle helpers for the runner ----

// Prefill puts contacts into the routing table without any message, as if
// each had just been seen, in order: up to k per bucket, the rest into the
// replacement caches. A host with at least one contact is ready for
// lookups at once; its Join still runs the real join, which makes it known
// to the others. For the runner's `prefill` option; call it before Join.
func (h *Host) Prefill(contacts []Contact) {
	for _, c := range contacts {
		c.ID &= h.mask
		if c.ID == h.self.ID || c.Host == h.self.Host {
			continue
		}
		b := h.bucketFor(0, bucketIndex(c.ID^h.self.ID))
		switch {
		case indexOf(b.contacts, c.ID) >= 0:
		case len(b.contacts) < h.cfg.K:
			h.insert(nil, b, c, 0)
		default:
			h.addReplacement(b, c)
		}
	}
	if h.size > 0 {
		h.joined = true
	}
}

// IdealContacts picks a routing table for self from all the live nodes, as
// an oracle would: for each bucket, the first k nodes of live (in the order
// given, self left out) whose distance from self falls in the bucket's
// range. Pass live in a random order for random tables, sorted by distance
// from self for the closest ones.
func IdealContacts(cfg *Config, self uint64, live []Contact) []Contact {
	mask := idMask(cfg.Bits)
	self &= mask
	count := make([]int, cfg.Bits)
	var out []Contact
	for _, c := range live {
		c.ID &= mask
		if c.ID == self {
			continue
		}
		i := bucketIndex(c.ID ^ self)
		if count[i] < cfg.K {
			count[i]++
			out = append(out, c)
		}
	}
	return out
}

// ClosestIndex returns the index in ids (sorted ascending, distinct) of the
// identifier closest to key in XOR distance, or -1 when ids is empty. It takes
// O(64 log n) steps: the runner's oracle for "the true closest live node".
func ClosestIndex(ids []uint64, key uint64) int {
	lo, hi := 0, len(ids)
	if hi == 0 {
		return -1
	}
	for b := 63; b >= 0 && hi-lo > 1; b-- {
		// ids[lo:hi] agree on every bit above b; those with bit b clear
		// come first.
		a, z := lo, hi
		for a < z {
			m := int(uint(a+z) >> 1)
			if ids[m]>>uint(b)&1 == 0 {
				a = m + 1
			} else {
				z = m
			}
		}
		if key>>uint(b)&1 == 0 {
			if a > lo {
				hi = a
			}
		} else if a < hi {
			lo = a
		}
	}
	return lo
}

func idMask(b int) uint64 {
	if b >= 64 {
		return ^uint64(0)
	}
	return 1<<uint(b) - 1
}

// ---- inspection (for the runner's metrics and for tests) ----

// Self returns the host's own contact.
func (h *Host) Self() Contact { return h.self }

// Joined reports whether the host has finished joining (or was prefilled)
// and accepts lookups.
func (h *Host) Joined() bool { return h.joined }

// Contacts returns bucket i (contacts at distance [2^i, 2^(i+1))), least
// recently seen first. Do not modify it.
func (h *Host) Contacts(i int) []Contact {
	if b := h.bucket(i); b != nil {
		return b.contacts
	}
	return nil
}

// Replacements returns bucket i's replacement cache, oldest first. Do not
// modify it.
func (h *Host) Replacements(i int) []Contact {
	if b := h.bucket(i); b != nil {
		return b.repl
	}
	return nil
}

// TableSize returns the number of contacts in the routing table
// (replacement caches excluded).
func (h *Host) TableSize() int { return h.size }

// BucketFill returns the number of contacts of every bucket, index i for
// bucket i (Bits entries).
func (h *Host) BucketFill() []int {
	out := make([]int, h.cfg.Bits)
	for j := range h.buckets {
		out[h.cfg.Bits-1-j] = len(h.buckets[j].contacts)
	}
	return out
}

// Buckets returns how many buckets the host holds: from the farthest down
// to the deepest that ever held a contact.
func (h *Host) Buckets() int { return len(h.buckets) }

// Closest returns the n contacts of the routing table closest to key, closest
// first (the host itself is not included).
func (h *Host) Closest(key uint64, n int) []Contact {
	if n <= 0 {
		return nil
	}
	out := h.closestInto(make([]Contact, 0, n), key&h.mask, n, h.self.ID)
	sortByDist(out, key&h.mask)
	return out
}
