package slots

import "testing"

func TestTableReuseAndStaleIDs(t *testing.T) {
	var tb Table[int]
	a, pa := tb.Alloc()
	*pa = 1
	b, pb := tb.Alloc()
	*pb = 2
	if got := *tb.Get(a); got != 1 {
		t.Fatalf("Get(a) = %d, want 1", got)
	}
	tb.Free(a)
	if tb.Get(a) != nil {
		t.Fatal("Get of a freed ID returned a record")
	}
	c, pc := tb.Alloc() // reuses a's place
	if c.Index() != a.Index() {
		t.Fatalf("Alloc did not reuse the freed place: %d vs %d", c.Index(), a.Index())
	}
	if *pc != 0 {
		t.Fatalf("reused record not zeroed: %d", *pc)
	}
	*pc = 3
	if tb.Get(a) != nil {
		t.Fatal("a stale ID found the record that reused its place")
	}
	tb.Free(a) // stale: must not free c
	if p := tb.Get(c); p == nil || *p != 3 {
		t.Fatal("freeing a stale ID released a live record")
	}
	if tb.Live() != 2 {
		t.Fatalf("Live = %d, want 2", tb.Live())
	}
	tb.Free(b)
	tb.Free(b)
	if tb.Live() != 1 {
		t.Fatalf("double Free changed Live to %d, want 1", tb.Live())
	}
	if tb.Get(ID(1<<40|99)) != nil {
		t.Fatal("Get of an out-of-range ID returned a record")
	}
}

func TestTableAllocFreeNoAllocs(t *testing.T) {
	var tb Table[[4]uint64]
	id, _ := tb.Alloc()
	tb.Free(id)
	if n := testing.AllocsPerRun(1000, func() {
		id, p := tb.Alloc()
		p[0] = 1
		tb.Free(id)
	}); n != 0 {
		t.Fatalf("Alloc+Free allocated %v times per call in steady state", n)
	}
}
