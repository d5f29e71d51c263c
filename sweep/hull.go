package sweep

import (
	"math"
	"sort"
)

// Point is one configuration in a performance-versus-cost plane: X the cost
// (e.g. bytes per node per second), Y the performance figure where lower is
// better (e.g. median lookup latency).
type Point struct {
	X, Y float64
}

// Frontier returns the indices into pts of the configurations on the
// lower-left convex frontier, ordered by increasing X (and so decreasing Y):
// the vertices of the lower convex hull of the points that no other point
// dominates (no other point has both X and Y at most as large, one of them
// smaller). This is the "convex hull" of Li et al., "A performance vs. cost
// framework for evaluating DHT design tradeoffs under churn" (INFOCOM 2005):
// the best performance any mix of the configurations achieves at each cost.
//
// Points with a non-finite coordinate are ignored. Points lying on a hull
// edge between two vertices are not vertices and are left out; of identical
// points, the one with the lowest index is kept. A single point is its own
// frontier; no points give none.
func Frontier(pts []Point) []int {
	var idx []int
	for i, p := range pts {
		if finite(p.X) && finite(p.Y) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool {
		pa, pb := pts[idx[a]], pts[idx[b]]
		if pa.X != pb.X {
			return pa.X < pb.X
		}
		return pa.Y < pb.Y
	})
	// Lower hull (Andrew's monotone chain): keep only left turns.
	var hull []int
	for _, i := range idx {
		if len(hull) > 0 && pts[hull[len(hull)-1]] == pts[i] {
			continue // identical points are adjacent: keep the first
		}
		for len(hull) >= 2 && cross(pts[hull[len(hull)-2]], pts[hull[len(hull)-1]], pts[i]) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, i)
	}
	// The lower hull falls to its lowest vertex and rises after it; the
	// rising part (and a flat stretch at the minimum) is dominated.
	best := 0
	for k, i := range hull {
		if pts[i].Y < pts[hull[best]].Y {
			best = k
		}
	}
	if len(hull) == 0 {
		return nil
	}
	return hull[:best+1]
}

// cross is the z component of (a-o) x (b-o): positive when o, a, b turn
// left (counter-clockwise).
func cross(o, a, b Point) float64 {
	return (a.X-o.X)*(b.Y-o.Y) - (a.Y-o.Y)*(b.X-o.X)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
