package engine

// entry is what the event queue orders: the event's time, its insertion
// sequence number (ties are first-in-first-out) and the slab slot holding the
// event's payload. Payloads stay put in the slab while entries move in the heap.
type entry struct {
	at   Time
	seq  uint64
	slot uint32
}

func (a entry) before(b entry) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// heap4 is a 4-ary min-heap of entries stored by value. A 4-ary heap halves
// the depth of a binary heap and keeps a node's children in one cache line.
// See BENCHMARKS.md for how it compares with container/heap.
type heap4 struct {
	items []entry
}

func (h *heap4) Len() int { return len(h.items) }

func (h *heap4) Push(e entry) {
	h.items = append(h.items, e)
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 4
		if !e.before(h.items[p]) {
			break
		}
		h.items[i] = h.items[p]
		i = p
	}
	h.items[i] = e
}

// Peek returns the earliest entry; the heap must not be empty.
func (h *heap4) Peek() entry { return h.items[0] }

// Pop removes and returns the earliest entry; the heap must not be empty.
func (h *heap4) Pop() entry {
	items := h.items
	top := items[0]
	n := len(items) - 1
	last := items[n]
	h.items = items[:n]
	if n == 0 {
		return top
	}
	items = h.items
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		best := c
		end := c + 4
		if end > n {
			end = n
		}
		for j := c + 1; j < end; j++ {
			if items[j].before(items[best]) {
				best = j
			}
		}
		if !items[best].before(last) {
			break
		}
		items[i] = items[best]
		i = best
	}
	items[i] = last
	return top
}
