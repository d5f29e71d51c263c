package churn

import (
	"math"
	"testing"
)

func TestKS(t *testing.T) {
	uniform := func(x float64) float64 { return math.Max(0, math.Min(1, x)) }
	for _, tc := range []struct {
		name   string
		sample []float64
		want   float64
	}{
		{"empty", nil, 0},
		{"one point at the median", []float64{0.5}, 0.5},
		{"evenly spaced midpoints", []float64{0.125, 0.375, 0.625, 0.875}, 0.125},
		{"unsorted input", []float64{0.875, 0.125, 0.625, 0.375}, 0.125},
		{"all at zero", []float64{0, 0, 0}, 1},
		{"shifted", []float64{0.5, 0.6, 0.7, 0.8}, 0.5},
	} {
		if got := KS(tc.sample, uniform); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: KS = %v, want %v", tc.name, got, tc.want)
		}
	}
	s := []float64{3, 1, 2}
	KS(s, uniform)
	if s[0] != 3 || s[1] != 1 {
		t.Error("KS modified its input")
	}
}

// KS tells a distribution from a slightly different one at this sample size,
// so the KS checks elsewhere can fail.
func TestKSDetectsWrongModel(t *testing.T) {
	d := Dist{Kind: "exponential", Mean: 3600e9}
	x := sampleSeconds(d, 50_000, 5)
	wrong := Dist{Kind: "exponential", Mean: 3960e9} // 10% longer
	lim := 1.95 / math.Sqrt(float64(len(x)))
	if got := KS(x, d.CDF); got > lim {
		t.Errorf("KS against the true CDF %v > %v", got, lim)
	}
	if got := KS(x, wrong.CDF); got < 3*lim {
		t.Errorf("KS against a 10%%-off CDF only %v (< %v)", got, 3*lim)
	}
}
