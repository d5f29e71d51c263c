package sweep

import (
	"math"
	"reflect"
	"testing"
)

func TestFrontier(t *testing.T) {
	// The hand-laid set: the frontier runs (1,10) -> (2,5) -> (4,2) -> (6,1),
	// slopes -5, -1.5, -0.5.
	laid := []Point{
		0:  {1, 10},         // leftmost: on the frontier
		1:  {2, 5},          // frontier
		2:  {3, 4.5},        // above the edge (2,5)-(4,2), which is 3.5 at x=3
		3:  {4, 2},          // frontier
		4:  {6, 1},          // frontier: the lowest
		5:  {8, 1},          // as low, but costlier: dominated
		6:  {5, 8},          // interior
		7:  {1, 12},         // as cheap as point 0 but worse
		8:  {3, 3.5},        // exactly on the edge (2,5)-(4,2): not a vertex
		9:  {math.NaN(), 0}, // ignored
		10: {4, 2},          // a copy of point 3: the lower index is kept
		11: {9, 3},          // on the rising part of the lower hull: dominated
	}
	tests := []struct {
		name string
		pts  []Point
		want []int
	}{
		{"hand-laid", laid, []int{0, 1, 3, 4}},
		{"none", nil, nil},
		{"only NaN", []Point{{math.NaN(), 1}}, nil},
		{"one", []Point{{3, 3}}, []int{0}},
		{"one dominates", []Point{{3, 3}, {1, 1}, {2, 5}}, []int{1}},
		{"same cost", []Point{{1, 3}, {1, 2}, {1, 4}}, []int{1}},
		{"flat", []Point{{1, 1}, {2, 1}, {3, 1}}, []int{0}},
		{"concave tradeoff keeps only the hull", []Point{{0, 10}, {9, 9}, {10, 0}}, []int{0, 2}},
		{"convex tradeoff keeps all", []Point{{0, 10}, {1, 4}, {4, 1}, {10, 0}}, []int{0, 1, 2, 3}},
		{"identical", []Point{{2, 2}, {2, 2}}, []int{0}},
	}
	for _, tt := range tests {
		if got := Frontier(tt.pts); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	// Whatever the input order, the same points are chosen.
	perm := []int{11, 4, 9, 0, 7, 2, 10, 5, 3, 8, 1, 6}
	shuffled := make([]Point, len(perm))
	for i, k := range perm {
		shuffled[i] = laid[k]
	}
	var got []Point
	for _, i := range Frontier(shuffled) {
		got = append(got, shuffled[i])
	}
	if want := []Point{{1, 10}, {2, 5}, {4, 2}, {6, 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("shuffled: %v, want %v", got, want)
	}
}
