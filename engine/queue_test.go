package engine

import (
	"math/rand/v2"
	"sort"
	"testing"
)

// refQueue is the reference the 4-ary heap is checked against: a slice kept
// sorted by (at, seq) with sort.Slice.
type refQueue struct{ items []entry }

func (r *refQueue) push(e entry) {
	r.items = append(r.items, e)
	sort.Slice(r.items, func(i, j int) bool { return r.items[i].before(r.items[j]) })
}

func (r *refQueue) pop() entry {
	e := r.items[0]
	r.items = r.items[1:]
	return e
}

func TestEntryBefore(t *testing.T) {
	cases := []struct {
		a, b entry
		want bool
	}{
		{entry{at: 1, seq: 9}, entry{at: 2, seq: 1}, true},
		{entry{at: 2, seq: 1}, entry{at: 1, seq: 9}, false},
		{entry{at: 5, seq: 1}, entry{at: 5, seq: 2}, true},
		{entry{at: 5, seq: 2}, entry{at: 5, seq: 1}, false},
		{entry{at: 5, seq: 3}, entry{at: 5, seq: 3}, false}, // strict
	}
	for _, c := range cases {
		if got := c.a.before(c.b); got != c.want {
			t.Errorf("%+v.before(%+v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestHeap4AgainstReference(t *testing.T) {
	cases := []struct {
		name     string
		ops      int
		timeSpan int64   // times are drawn from [0, timeSpan)
		pushProb float64 // probability that an op is a push (when non-empty)
	}{
		{"all-equal-times", 3000, 1, 0.6},
		{"few-distinct-times", 5000, 4, 0.55},
		{"many-equal-times", 5000, 50, 0.5},
		{"wide-times", 5000, 1 << 40, 0.5},
		{"grow-then-drain", 8000, 100, 0.75},
		{"mostly-pop", 5000, 20, 0.35},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 5; seed++ {
				r := rand.New(rand.NewPCG(seed, 42))
				var h heap4
				var ref refQueue
				var seq uint64
				maxLen := 0
				for op := 0; op < c.ops; op++ {
					if ref.items == nil || len(ref.items) == 0 || r.Float64() < c.pushProb {
						seq++
						e := entry{at: Time(r.Int64N(c.timeSpan)), seq: seq, slot: uint32(seq)}
						h.Push(e)
						ref.push(e)
					} else {
						if h.Peek() != ref.items[0] {
							t.Fatalf("seed %d op %d: Peek = %+v, want %+v", seed, op, h.Peek(), ref.items[0])
						}
						got, want := h.Pop(), ref.pop()
						if got != want {
							t.Fatalf("seed %d op %d: Pop = %+v, want %+v", seed, op, got, want)
						}
					}
					if h.Len() != len(ref.items) {
						t.Fatalf("seed %d op %d: Len = %d, want %d", seed, op, h.Len(), len(ref.items))
					}
					maxLen = max(maxLen, h.Len())
				}
				// Drain: everything must come out in (at, seq) order.
				for h.Len() > 0 {
					got, want := h.Pop(), ref.pop()
					if got != want {
						t.Fatalf("seed %d drain: Pop = %+v, want %+v", seed, got, want)
					}
				}
				if len(ref.items) != 0 {
					t.Fatalf("seed %d: reference still holds %d items", seed, len(ref.items))
				}
				if maxLen < 10 {
					t.Fatalf("seed %d: heap never grew beyond %d items; test is not exercising it", seed, maxLen)
				}
			}
		})
	}
}

// TestHeap4SmallSizes pushes every permutation-ish pattern of up to 9 items
// (enough to fill two levels of a 4-ary heap) and checks full ordering.
func TestHeap4SmallSizes(t *testing.T) {
	for n := 1; n <= 9; n++ {
		for trial := 0; trial < 200; trial++ {
			r := rand.New(rand.NewPCG(uint64(n), uint64(trial)))
			var h heap4
			want := make([]entry, n)
			for i := range want {
				want[i] = entry{at: Time(r.IntN(3)), seq: uint64(i + 1), slot: uint32(i)}
				h.Push(want[i])
			}
			sort.Slice(want, func(i, j int) bool { return want[i].before(want[j]) })
			for i := range want {
				if got := h.Pop(); got != want[i] {
					t.Fatalf("n=%d trial=%d pop %d: got %+v want %+v", n, trial, i, got, want[i])
				}
			}
			if h.Len() != 0 {
				t.Fatalf("n=%d: heap not empty", n)
			}
		}
	}
}
