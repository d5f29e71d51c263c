package underlay

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"time"

	"peerlab/engine"
)

// Above exactMedianMaxNodes nodes, NewEuclidean estimates the median pairwise
// distance from medianSamplePairs random pairs instead of all n(n-1)/2.
const (
	exactMedianMaxNodes = 2000
	medianSamplePairs   = 1_000_000
)

// Euclidean places nodes uniformly at random in the unit square and delays a
// message by a time proportional to the distance between its endpoints:
//
//	one-way delay = RTT/2 = scale * distance / 2   (rounded to the nanosecond)
//
// The scale is fixed at construction so that the median RTT over all node
// pairs equals the requested value. The delay is symmetric, draws no
// randomness per call, and has no minimum: two nodes may sit arbitrarily close
// and see a delay near (or exactly) 0.
//
// The model covers node IDs 0 .. Nodes()-1; any other ID is a programming
// error and makes Delay and Position panic rather than wrap around.
type Euclidean struct {
	pts           [][2]float64 // pts[n] = (x, y) of node n, each in [0, 1)
	oneWayPerUnit float64      // nanoseconds of one-way delay per unit of distance
}

// NewEuclidean places nodes nodes uniformly at random in the unit square,
// drawing 2*nodes numbers from rng (x then y, node by node), and chooses the
// scale so that the median RTT over all pairs i<j equals medianRTT (up to 1ns
// of rounding in the delay of the median pair).
//
// For nodes <= 2000 the median pairwise distance is computed exactly (by
// selection over all n(n-1)/2 distances, an even count's median being the mean
// of the two middle values). Above that it is the median of a sample of
// 1,000,000 pairs drawn uniformly, with replacement, from rng after the
// positions; its relative error is typically below 0.1%.
//
// With fewer than two nodes there are no pairs and the scale is irrelevant.
// medianRTT == 0 gives a model in which every delay is 0. NewEuclidean panics
// if nodes or medianRTT is negative or nodes exceeds the NodeID range.
func NewEuclidean(nodes int, medianRTT time.Duration, rng *rand.Rand) *Euclidean {
	if nodes < 0 || nodes > math.MaxInt32 {
		panic(fmt.Sprintf("underlay: NewEuclidean: node count must be in [0, %d], got %d", math.MaxInt32, nodes))
	}
	if medianRTT < 0 {
		panic(fmt.Sprintf("underlay: NewEuclidean: median RTT must be non-negative, got %v", medianRTT))
	}
	e := &Euclidean{pts: make([][2]float64, nodes)}
	for i := range e.pts {
		e.pts[i] = [2]float64{rng.Float64(), rng.Float64()}
	}
	if nodes < 2 {
		return e
	}
	if m := e.medianDistance(rng); m > 0 {
		e.oneWayPerUnit = float64(medianRTT) / m / 2
	}
	return e
}

// medianDistance returns the median distance over all pairs i<j, exactly for
// small models and from a sample drawn from rng for large ones.
func (e *Euclidean) medianDistance(rng *rand.Rand) float64 {
	n := len(e.pts)
	var ds []float64
	if n <= exactMedianMaxNodes {
		ds = make([]float64, 0, n*(n-1)/2)
		for i := range n {
			for j := i + 1; j < n; j++ {
				ds = append(ds, e.dist(i, j))
			}
		}
	} else {
		ds = make([]float64, medianSamplePairs)
		for k := range ds {
			i := rng.IntN(n)
			j := rng.IntN(n - 1)
			if j >= i {
				j++
			}
			ds[k] = e.dist(i, j)
		}
	}
	return median(ds)
}

func (e *Euclidean) dist(i, j int) float64 {
	dx := e.pts[i][0] - e.pts[j][0]
	dy := e.pts[i][1] - e.pts[j][1]
	return math.Sqrt(dx*dx + dy*dy)
}

// Delay returns scale*distance/2 rounded to the nanosecond, or (0, true) when
// from == to. It ignores size and rng. It panics if from or to is not in
// [0, Nodes()).
func (e *Euclidean) Delay(from, to engine.NodeID, _ int, _ *rand.Rand) (time.Duration, bool) {
	n := len(e.pts)
	if uint32(from) >= uint32(n) || uint32(to) >= uint32(n) {
		e.badPair(from, to)
	}
	if from == to {
		return 0, true
	}
	a, b := &e.pts[from], &e.pts[to]
	dx, dy := a[0]-b[0], a[1]-b[1]
	return time.Duration(math.Round(e.oneWayPerUnit * math.Sqrt(dx*dx+dy*dy))), true
}

// Position returns node n's coordinates in the unit square. It panics if n is
// not in [0, Nodes()).
func (e *Euclidean) Position(n engine.NodeID) (x, y float64) {
	if uint32(n) >= uint32(len(e.pts)) {
		e.badNode("Position", n)
	}
	return e.pts[n][0], e.pts[n][1]
}

// Nodes returns how many nodes the model places; valid IDs are 0 .. Nodes()-1.
func (e *Euclidean) Nodes() int { return len(e.pts) }

func (e *Euclidean) badPair(from, to engine.NodeID) {
	if uint32(from) >= uint32(len(e.pts)) {
		e.badNode("Delay", from)
	}
	e.badNode("Delay", to)
}

//go:noinline
func (e *Euclidean) badNode(method string, n engine.NodeID) {
	panic(fmt.Sprintf("underlay: Euclidean.%s: node %d out of range [0, %d): the model was built for %d nodes",
		method, int32(n), len(e.pts), len(e.pts)))
}

// median returns the median of a non-empty slice, reordering it. For an even
// length it is the mean of the two middle values.
func median(a []float64) float64 {
	k := len(a) / 2
	hi := selectKth(a, k)
	if len(a)%2 == 1 {
		return hi
	}
	// After selection a[:k] holds the k smallest values; the largest of them
	// is the other middle value.
	return (slices.Max(a[:k]) + hi) / 2
}

// selectKth reorders a so that a[k] is its k-th smallest value (from 0), every
// value before it is <= a[k] and every value after it is >= a[k], and returns
// a[k]. It is a deterministic quickselect (median-of-three pivot) that falls
// back to sorting the remaining range if partitioning goes badly.
func selectKth(a []float64, k int) float64 {
	lo, hi := 0, len(a)-1
	budget := 2*bits.Len(uint(len(a))) + 8
	for hi > lo {
		if budget == 0 {
			slices.Sort(a[lo : hi+1])
			return a[k]
		}
		budget--
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		p := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < p {
				i++
			}
			for a[j] > p {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		// Now a[lo..j] <= p, a[i..hi] >= p, and a[j+1..i-1] == p.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}
