// Package slots keeps reusable records addressed by generation-checked IDs:
// a free list over a slice, so that a protocol can track outstanding requests
// and lookups without allocating per request, and so that an ID kept past its
// record's release (a late reply, a stale timer) finds nothing instead of a
// newer record that reused the place.
package slots

// ID names a record: its index in the table and the generation of that index
// when the record was allocated. The zero ID is valid (index 0, generation 0);
// callers that need a "none" value keep a separate flag.
type ID uint64

func makeID(gen, idx uint32) ID { return ID(uint64(gen)<<32 | uint64(idx)) }

// Index returns the record's place in the table.
func (id ID) Index() uint32 { return uint32(id) }

type entry[T any] struct {
	gen  uint32
	live bool
	v    T
}

// Table holds records of type T. The zero value is an empty table.
//
// Pointers returned by Alloc and Get stay valid until the next Alloc (which
// may grow the underlying slice) or the record's Free.
type Table[T any] struct {
	items []entry[T]
	free  []uint32
}

// Alloc returns a zeroed record and its ID.
func (t *Table[T]) Alloc() (ID, *T) {
	var idx uint32
	if n := len(t.free); n > 0 {
		idx = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		t.items = append(t.items, entry[T]{})
		idx = uint32(len(t.items) - 1)
	}
	e := &t.items[idx]
	e.live = true
	return makeID(e.gen, idx), &e.v
}

// Get returns the record named by id, or nil if it was freed (whether or not
// its place has been reused since).
func (t *Table[T]) Get(id ID) *T {
	idx := id.Index()
	if int(idx) >= len(t.items) {
		return nil
	}
	e := &t.items[idx]
	if !e.live || e.gen != uint32(id>>32) {
		return nil
	}
	return &e.v
}

// Free releases the record named by id; freeing a stale ID does nothing.
func (t *Table[T]) Free(id ID) {
	if t.Get(id) == nil {
		return
	}
	idx := id.Index()
	e := &t.items[idx]
	var zero T
	e.v, e.live = zero, false
	e.gen++
	t.free = append(t.free, idx)
}

// Live returns the number of allocated records.
func (t *Table[T]) Live() int { return len(t.items) - len(t.free) }
