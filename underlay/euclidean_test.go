package underlay

import (
	"math"
	"slices"
	"testing"
	"time"

	"peerlab/engine"
)

func TestEuclideanPositions(t *testing.T) {
	e := NewEuclidean(1000, 100*time.Millisecond, newRand(1))
	if e.Nodes() != 1000 {
		t.Fatalf("Nodes() = %d, want 1000", e.Nodes())
	}
	var sx, sy float64
	for n := range engine.NodeID(1000) {
		x, y := e.Position(n)
		if x < 0 || x >= 1 || y < 0 || y >= 1 {
			t.Fatalf("node %v at (%v, %v), outside the unit square", n, x, y)
		}
		sx, sy = sx+x, sy+y
	}
	// Uniform placement: mean coordinate 0.5, σ of the mean ≈ 0.29/√1000 ≈ 0.009.
	if math.Abs(sx/1000-0.5) > 0.04 || math.Abs(sy/1000-0.5) > 0.04 {
		t.Errorf("mean position (%v, %v), want ≈ (0.5, 0.5)", sx/1000, sy/1000)
	}
}

func TestEuclideanDelayMatchesDistance(t *testing.T) {
	const rtt = 80 * time.Millisecond
	e := NewEuclidean(200, rtt, newRand(2))
	rng := newRand(3)
	var ratios []float64
	for range 2000 {
		a, b := engine.NodeID(rng.IntN(200)), engine.NodeID(rng.IntN(200))
		if a == b {
			continue
		}
		ax, ay := e.Position(a)
		bx, by := e.Position(b)
		d, _ := e.Delay(a, b, 1, nil)
		ratios = append(ratios, float64(d)/math.Hypot(ax-bx, ay-by))
	}
	slices.Sort(ratios)
	if spread := ratios[len(ratios)-1] / ratios[0]; spread > 1.0001 {
		t.Errorf("delay/distance varies by a factor %v; delay is not proportional to distance", spread)
	}
}

func TestEuclideanSymmetricAndTriangle(t *testing.T) {
	for _, n := range []int{2, 3, 50, 2500} {
		e := NewEuclidean(n, 100*time.Millisecond, newRand(uint64(n)))
		rng := newRand(4)
		d := func(a, b engine.NodeID) time.Duration {
			v, ok := e.Delay(a, b, 1, nil)
			if !ok {
				t.Fatal("euclidean lost a message")
			}
			return v
		}
		for range 20_000 {
			a, b, c := engine.NodeID(rng.IntN(n)), engine.NodeID(rng.IntN(n)), engine.NodeID(rng.IntN(n))
			if d(a, b) != d(b, a) {
				t.Fatalf("n=%d: d(%v,%v)=%v but d(%v,%v)=%v", n, a, b, d(a, b), b, a, d(b, a))
			}
			// Each delay is rounded to the nanosecond, hence the 1ns slack.
			if d(a, c) > d(a, b)+d(b, c)+time.Nanosecond {
				t.Fatalf("n=%d: triangle violated: d(%v,%v)=%v > d(%v,%v)+d(%v,%v)=%v",
					n, a, c, d(a, c), a, b, b, c, d(a, b)+d(b, c))
			}
		}
	}
}

// pairMedianWithin reports whether the median RTT over all pairs i<j (for an
// even count, both middle values) lies in [lo, hi], by counting, so that it
// needs no memory for large n.
func pairMedianWithin(e *Euclidean, lo, hi time.Duration) (below, atMost, pairs int) {
	n := e.Nodes()
	for i := range engine.NodeID(n) {
		for j := i + 1; j < engine.NodeID(n); j++ {
			d, _ := e.Delay(i, j, 0, nil)
			rtt := 2 * d
			if rtt < lo {
				below++
			}
			if rtt <= hi {
				atMost++
			}
		}
	}
	return below, atMost, n * (n - 1) / 2
}

func TestEuclideanMedianRTT(t *testing.T) {
	for _, tc := range []struct {
		nodes int
		rtt   time.Duration
	}{
		{2, 100 * time.Millisecond},
		{3, 100 * time.Millisecond},
		{500, 100 * time.Millisecond},  // exact median
		{2000, 250 * time.Millisecond}, // largest exact
		{5000, 100 * time.Millisecond}, // sampled median
		{2001, 40 * time.Millisecond},  // smallest sampled
	} {
		e := NewEuclidean(tc.nodes, tc.rtt, newRand(uint64(tc.nodes)))
		lo := time.Duration(float64(tc.rtt) * 0.99)
		hi := time.Duration(float64(tc.rtt) * 1.01)
		below, atMost, pairs := pairMedianWithin(e, lo, hi)
		// Middle elements (0-based, sorted) are (pairs-1)/2 and pairs/2.
		if below > (pairs-1)/2 || atMost < pairs/2+1 {
			t.Errorf("n=%d: median RTT outside [%v, %v]: %d of %d pairs below, %d at most",
				tc.nodes, lo, hi, below, pairs, atMost)
		}
	}
}

// TestEuclideanMedianExact checks the exact path to the nanosecond on a model
// small enough to sort every RTT.
func TestEuclideanMedianExact(t *testing.T) {
	for _, n := range []int{2, 3, 4, 101, 500} {
		const want = 100 * time.Millisecond
		e := NewEuclidean(n, want, newRand(uint64(n)))
		var rtts []time.Duration
		for i := range engine.NodeID(n) {
			for j := i + 1; j < engine.NodeID(n); j++ {
				d, _ := e.Delay(i, j, 0, nil)
				rtts = append(rtts, 2*d)
			}
		}
		slices.Sort(rtts)
		m := len(rtts)
		got := (rtts[(m-1)/2] + rtts[m/2]) / 2
		if diff := got - want; diff < -2 || diff > 2 {
			t.Errorf("n=%d: exact median RTT %v, want %v (±2ns rounding)", n, got, want)
		}
	}
}

func TestEuclideanSmall(t *testing.T) {
	for _, n := range []int{0, 1} {
		e := NewEuclidean(n, time.Second, newRand(1))
		if e.Nodes() != n {
			t.Errorf("Nodes() = %d, want %d", e.Nodes(), n)
		}
		if n == 1 {
			if d, ok := e.Delay(0, 0, 1, nil); d != 0 || !ok {
				t.Errorf("single node self-delay (%v, %v)", d, ok)
			}
		}
	}
	e := NewEuclidean(10, 0, newRand(1))
	if d, _ := e.Delay(1, 2, 1, nil); d != 0 {
		t.Errorf("median RTT 0 gave delay %v, want 0", d)
	}
}

func TestEuclideanSameSeedSamePlacement(t *testing.T) {
	for _, n := range []int{100, 3000} {
		a := NewEuclidean(n, time.Second, newRand(8))
		b := NewEuclidean(n, time.Second, newRand(8))
		c := NewEuclidean(n, time.Second, newRand(9))
		if a.oneWayPerUnit != b.oneWayPerUnit {
			t.Errorf("n=%d: same seed, scales %v vs %v", n, a.oneWayPerUnit, b.oneWayPerUnit)
		}
		if !slices.Equal(a.pts, b.pts) {
			t.Errorf("n=%d: same seed, different positions", n)
		}
		if slices.Equal(a.pts, c.pts) {
			t.Errorf("n=%d: different seeds, same positions", n)
		}
	}
}

func TestMedianSelection(t *testing.T) {
	rng := newRand(11)
	for _, n := range []int{1, 2, 3, 4, 5, 10, 11, 100, 1001, 10_000} {
		for _, kind := range []string{"random", "sorted", "reversed", "constant", "few"} {
			a := make([]float64, n)
			for i := range a {
				switch kind {
				case "random":
					a[i] = rng.Float64()
				case "sorted":
					a[i] = float64(i)
				case "reversed":
					a[i] = float64(n - i)
				case "constant":
					a[i] = 3
				case "few":
					a[i] = float64(rng.IntN(3))
				}
			}
			s := slices.Clone(a)
			slices.Sort(s)
			want := (s[(n-1)/2] + s[n/2]) / 2
			if got := median(a); got != want {
				t.Errorf("median of %d %s values = %v, want %v", n, kind, got, want)
			}
		}
	}
}

func BenchmarkNewEuclidean(b *testing.B) {
	for _, n := range []int{500, 2000, 5000} {
		b.Run(engine.NodeID(n).String(), func(b *testing.B) {
			for b.Loop() {
				NewEuclidean(n, 100*time.Millisecond, newRand(1))
			}
		})
	}
}
