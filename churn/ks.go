package churn

import (
	"math"
	"slices"
)

// KS returns the one-sample Kolmogorov–Smirnov statistic of sample against
// the continuous distribution function cdf: the largest distance between the
// sample's empirical CDF and cdf, sup |F_n(x) − F(x)|. (gonum's
// stat.KolmogorovSmirnov compares two samples; this compares a sample with a
// model.) sample is not modified. It returns 0 for an empty sample. As a
// rule of thumb, the hypothesis that sample was drawn from cdf is rejected
// at the 5% level when KS > 1.36/√n (1% level: 1.63/√n).
func KS(sample []float64, cdf func(float64) float64) float64 {
	x := slices.Clone(sample)
	slices.Sort(x)
	n := float64(len(x))
	d := 0.0
	for i, v := range x {
		f := cdf(v)
		d = math.Max(d, math.Max(f-float64(i)/n, float64(i+1)/n-f))
	}
	return d
}
