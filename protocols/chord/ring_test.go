package chord

import (
	"math"
	"testing"
)

func TestSpace8Bit(t *testing.T) {
	s := NewSpace(8)
	if s.Bits() != 8 || s.Mask(0x1ff) != 0xff || s.Mask(256) != 0 {
		t.Fatalf("NewSpace(8): bits %d, Mask(0x1ff) = %d, Mask(256) = %d", s.Bits(), s.Mask(0x1ff), s.Mask(256))
	}
	intervals := []struct {
		x, a, b        uint64
		open, halfOpen bool
	}{
		// plain intervals
		{x: 15, a: 10, b: 20, open: true, halfOpen: true},
		{x: 10, a: 10, b: 20, open: false, halfOpen: false}, // a is excluded
		{x: 20, a: 10, b: 20, open: false, halfOpen: true},  // b only in (a, b]
		{x: 21, a: 10, b: 20, open: false, halfOpen: false},
		{x: 5, a: 10, b: 20, open: false, halfOpen: false},
		{x: 11, a: 10, b: 11, open: false, halfOpen: true}, // adjacent ends: (a, b) is empty
		// wrap-around past 255
		{x: 255, a: 250, b: 5, open: true, halfOpen: true},
		{x: 0, a: 250, b: 5, open: true, halfOpen: true},
		{x: 5, a: 250, b: 5, open: false, halfOpen: true},
		{x: 250, a: 250, b: 5, open: false, halfOpen: false},
		{x: 100, a: 250, b: 5, open: false, halfOpen: false},
		{x: 249, a: 250, b: 5, open: false, halfOpen: false},
		{x: 0, a: 255, b: 0, open: false, halfOpen: true},
		{x: 128, a: 0, b: 255, open: true, halfOpen: true},
		{x: 255, a: 0, b: 255, open: false, halfOpen: true},
		// a == b: (a, a) is the ring but a; (a, a] is the whole ring
		{x: 7, a: 7, b: 7, open: false, halfOpen: true},
		{x: 8, a: 7, b: 7, open: true, halfOpen: true},
		{x: 6, a: 7, b: 7, open: true, halfOpen: true},
		{x: 0, a: 0, b: 0, open: false, halfOpen: true},
		{x: 255, a: 0, b: 0, open: true, halfOpen: true},
	}
	for _, c := range intervals {
		if got := s.InOpen(c.x, c.a, c.b); got != c.open {
			t.Errorf("InOpen(%d, %d, %d) = %v, want %v", c.x, c.a, c.b, got, c.open)
		}
		if got := s.InHalfOpen(c.x, c.a, c.b); got != c.halfOpen {
			t.Errorf("InHalfOpen(%d, %d, %d) = %v, want %v", c.x, c.a, c.b, got, c.halfOpen)
		}
	}

	dists := []struct{ a, b, want uint64 }{
		{10, 20, 10}, {20, 10, 246}, {250, 5, 11}, {5, 250, 245}, {7, 7, 0}, {0, 255, 255}, {255, 0, 1},
	}
	for _, c := range dists {
		if got := s.Dist(c.a, c.b); got != c.want {
			t.Errorf("Dist(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := s.Add(c.a, c.want); got != c.b {
			t.Errorf("Add(%d, %d) = %d, want %d", c.a, c.want, got, c.b)
		}
	}

	starts := []struct {
		n    uint64
		i    int
		want uint64
	}{
		{0, 0, 1}, {0, 7, 128}, {10, 3, 18}, {200, 6, 8}, {255, 0, 0}, {128, 7, 0}, {129, 7, 1}, {255, 7, 127},
	}
	for _, c := range starts {
		if got := s.FingerStart(c.n, c.i); got != c.want {
			t.Errorf("FingerStart(%d, %d) = %d, want %d", c.n, c.i, got, c.want)
		}
	}
}

func TestSpace64Bit(t *testing.T) {
	s := NewSpace(64)
	const top = math.MaxUint64
	if s.Mask(top) != top {
		t.Errorf("Mask(max) = %d, want max", s.Mask(top))
	}
	if got := s.Dist(top, 0); got != 1 {
		t.Errorf("Dist(max, 0) = %d, want 1", got)
	}
	if got := s.Dist(0, top); got != top {
		t.Errorf("Dist(0, max) = %d, want max", got)
	}
	if got := s.Add(top, 2); got != 1 {
		t.Errorf("Add(max, 2) = %d, want 1", got)
	}
	if got := s.FingerStart(top, 0); got != 0 {
		t.Errorf("FingerStart(max, 0) = %d, want 0", got)
	}
	if got := s.FingerStart(0, 63); got != 1<<63 {
		t.Errorf("FingerStart(0, 63) = %d, want 2^63", got)
	}
	if got := s.FingerStart(1<<63, 63); got != 0 {
		t.Errorf("FingerStart(2^63, 63) = %d, want 0", got)
	}
	for _, c := range []struct {
		x, a, b        uint64
		open, halfOpen bool
	}{
		{x: 0, a: top, b: 1, open: true, halfOpen: true},
		{x: top, a: top - 1, b: 0, open: true, halfOpen: true},
		{x: 0, a: top - 1, b: 0, open: false, halfOpen: true},
		{x: top, a: 0, b: top, open: false, halfOpen: true},
		{x: 1 << 63, a: 0, b: top, open: true, halfOpen: true},
		{x: 1 << 63, a: 1 << 63, b: 1 << 63, open: false, halfOpen: true},
		{x: 0, a: 1 << 63, b: 1 << 63, open: true, halfOpen: true},
		{x: 5, a: 10, b: 3, open: false, halfOpen: false},
	} {
		if got := s.InOpen(c.x, c.a, c.b); got != c.open {
			t.Errorf("InOpen(%d, %d, %d) = %v, want %v", c.x, c.a, c.b, got, c.open)
		}
		if got := s.InHalfOpen(c.x, c.a, c.b); got != c.halfOpen {
			t.Errorf("InHalfOpen(%d, %d, %d) = %v, want %v", c.x, c.a, c.b, got, c.halfOpen)
		}
	}
}

// TestSpaceIntervalsExhaustive checks InOpen and InHalfOpen on a 4-bit ring
// against walking the ring one step at a time.
func TestSpaceIntervalsExhaustive(t *testing.T) {
	s := NewSpace(4)
	for a := uint64(0); a < 16; a++ {
		for b := uint64(0); b < 16; b++ {
			in := map[uint64]bool{}
			for x := s.Add(a, 1); ; x = s.Add(x, 1) {
				if x == b {
					break
				}
				in[x] = true
				if x == s.Add(a, 15) {
					break // a == b: everything but a
				}
			}
			for x := uint64(0); x < 16; x++ {
				if got := s.InOpen(x, a, b); got != in[x] {
					t.Fatalf("InOpen(%d, %d, %d) = %v, want %v", x, a, b, got, in[x])
				}
				if got, want := s.InHalfOpen(x, a, b), in[x] || x == b; got != want {
					t.Fatalf("InHalfOpen(%d, %d, %d) = %v, want %v", x, a, b, got, want)
				}
			}
		}
	}
}

func TestNewSpaceRejectsBadWidths(t *testing.T) {
	for _, bits := range []int{0, -1, 65} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewSpace(%d) did not panic", bits)
				}
			}()
			NewSpace(bits)
		}()
	}
	if s := NewSpace(1); s.Mask(3) != 1 || s.FingerStart(1, 0) != 0 {
		t.Errorf("1-bit ring: Mask(3) = %d, FingerStart(1, 0) = %d", s.Mask(3), s.FingerStart(1, 0))
	}
}
