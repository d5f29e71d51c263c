package churn

import (
	"math"
	"strings"
	"testing"
	"time"

	"peerlab/engine"
)

func sampleSeconds(d Dist, n int, seed uint64) []float64 {
	next := d.Sampler(engine.NewStreams(seed).Stream("test", 0))
	out := make([]float64, n)
	for i := range out {
		out[i] = next().Seconds()
	}
	return out
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

var testDists = []struct {
	name string
	d    Dist
}{
	{"exponential", Dist{Kind: "exponential", Mean: 30 * time.Minute}},
	{"weibull k=0.5 by mean", Dist{Kind: "weibull", Shape: 0.5, Mean: time.Hour}},
	{"weibull k=2 by mean", Dist{Kind: "weibull", Shape: 2, Mean: 10 * time.Minute}},
	{"weibull k=0.7 by scale", Dist{Kind: "weibull", Shape: 0.7, Scale: time.Hour}},
	{"pareto a=2.5", Dist{Kind: "pareto", Shape: 2.5, Mean: time.Hour}},
	{"pareto a=3", Dist{Kind: "pareto", Shape: 3, Mean: 20 * time.Minute}},
	{"pareto by scale", Dist{Kind: "pareto", Shape: 3, Scale: 2 * time.Hour}},
	{"lognormal s=1", Dist{Kind: "lognormal", Sigma: 1, Mean: time.Hour}},
	{"lognormal s=0.3", Dist{Kind: "lognormal", Sigma: 0.3, Mean: 5 * time.Minute}},
	{"fixed", Dist{Kind: "fixed", Mean: 90 * time.Second}},
}

// Each distribution's realised mean over 200k samples is within 3% of the
// configured mean, and the samples pass a KS test against Dist.CDF.
func TestDistMeanAndShape(t *testing.T) {
	const n = 200_000
	for i, tc := range testDists {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.d.Validate("d"); err != nil {
				t.Fatal(err)
			}
			x := sampleSeconds(tc.d, n, uint64(i+1))
			want := tc.d.Expected().Seconds()
			got := mean(x)
			t.Logf("mean %.2f s, configured %.2f s (%+.2f%%)", got, want, 100*(got-want)/want)
			if rel := math.Abs(got-want) / want; rel > 0.03 {
				t.Errorf("mean %.2f s, want %.2f s ±3%% (off by %.1f%%)", got, want, 100*rel)
			}
			if tc.d.Kind == "fixed" {
				for _, v := range x {
					if v != want {
						t.Fatalf("fixed sample %v, want %v", v, want)
					}
				}
				return
			}
			if d, lim := KS(x, tc.d.CDF), 1.95/math.Sqrt(n); d > lim {
				t.Errorf("KS statistic %.5f > %.5f (0.1%% level): samples do not follow the CDF", d, lim)
			}
		})
	}
}

// The Weibull scale λ and mean are related by mean = λ·Γ(1+1/k), whichever is
// given, and sampling agrees.
func TestWeibullScaleMean(t *testing.T) {
	for _, tc := range []struct {
		shape     float64
		scale     time.Duration
		wantMeanS float64
	}{
		{1, time.Hour, 3600},                          // exponential
		{2, time.Hour, 3600 * math.Sqrt(math.Pi) / 2}, // Γ(1.5) = √π/2
		{0.5, time.Hour, 3600 * 2},                    // Γ(3) = 2
	} {
		byScale := Dist{Kind: "weibull", Shape: tc.shape, Scale: tc.scale}
		if got := byScale.Expected().Seconds(); math.Abs(got-tc.wantMeanS) > 1e-6 {
			t.Errorf("k=%v λ=%v: Expected %v s, want %v s", tc.shape, tc.scale, got, tc.wantMeanS)
		}
		byMean := Dist{Kind: "weibull", Shape: tc.shape, Mean: byScale.Expected()}
		if got := byMean.scaleSeconds(); math.Abs(got-tc.scale.Seconds()) > 1e-3 {
			t.Errorf("k=%v mean=%v: scale %v s, want %v s", tc.shape, byMean.Mean, got, tc.scale.Seconds())
		}
		// Same λ, so same CDF and (same source) same samples up to rounding.
		a, b := sampleSeconds(byScale, 1000, 9), sampleSeconds(byMean, 1000, 9)
		for i := range a {
			if math.Abs(a[i]-b[i]) > 1e-6*math.Max(1, a[i]) {
				t.Fatalf("sample %d: by scale %v s, by mean %v s", i, a[i], b[i])
			}
		}
	}
}

// Shifted Pareto: support starts at 0, and P(X > x) = (1 + x/λ)^-α.
func TestParetoShifted(t *testing.T) {
	d := Dist{Kind: "pareto", Shape: 2, Mean: time.Hour} // λ = mean·(α−1) = 1 h
	if got := d.scaleSeconds(); got != 3600 {
		t.Fatalf("λ = %v s, want 3600", got)
	}
	if got, want := 1-d.CDF(3600), math.Pow(2, -2); math.Abs(got-want) > 1e-12 {
		t.Errorf("P(X > λ) = %v, want %v", got, want)
	}
	x := sampleSeconds(d, 100_000, 3)
	below := 0
	for _, v := range x {
		if v < 0 {
			t.Fatalf("negative sample %v", v)
		}
		if v < 60 {
			below++
		}
	}
	// P(X < 60 s) = 1 − (1+1/60)^-2 ≈ 3.28%: an unshifted Pareto would give 0.
	if frac := float64(below) / float64(len(x)); math.Abs(frac-d.CDF(60)) > 0.003 {
		t.Errorf("P(X < 60 s) realised %.4f, want %.4f", frac, d.CDF(60))
	}
}

func TestDistValidate(t *testing.T) {
	for _, tc := range []struct {
		d    Dist
		want string // "" = valid
	}{
		{Dist{Kind: "exponential", Mean: time.Second}, ""},
		{Dist{Kind: "weibull", Shape: 0.5, Scale: time.Second}, ""},
		{Dist{Kind: "pareto", Shape: 1.01, Mean: time.Second}, ""},
		{Dist{Kind: "lognormal", Sigma: 2, Mean: time.Second}, ""},
		{Dist{Kind: "fixed", Mean: time.Second}, ""},
		{Dist{Kind: "pareto", Shape: 1, Mean: time.Second}, "churn.session.shape: must be > 1 (the mean is infinite otherwise), got 1"},
		{Dist{Kind: "pareto", Shape: 0.5, Mean: time.Second}, "churn.session.shape: must be > 1 (the mean is infinite otherwise), got 0.5"},
		{Dist{Kind: "pareto", Shape: math.NaN(), Mean: time.Second}, "churn.session.shape: must be > 1"},
		{Dist{Kind: "weibull", Mean: time.Second}, "churn.session.shape: must be > 0, got 0"},
		{Dist{Kind: "weibull", Shape: 1, Mean: time.Second, Scale: time.Second}, "churn.session.scale: set mean or scale, not both"},
		{Dist{Kind: "weibull", Shape: 1}, "churn.session.mean: must be > 0 (or set scale), got 0s"},
		{Dist{Kind: "weibull", Shape: 1, Scale: -time.Second}, "churn.session.scale: must be > 0, got -1s"},
		{Dist{Kind: "exponential"}, "churn.session.mean: must be > 0, got 0s"},
		{Dist{Kind: "exponential", Mean: time.Second, Shape: 2}, "churn.session.shape: not used by exponential (only by weibull and pareto)"},
		{Dist{Kind: "fixed", Mean: time.Second, Sigma: 1}, "churn.session.sigma: not used by fixed (only by lognormal)"},
		{Dist{Kind: "lognormal", Mean: time.Second}, "churn.session.sigma: must be > 0, got 0"},
		{Dist{Kind: "weibull", Shape: 1, Mean: time.Second, Sigma: 1}, "churn.session.sigma: not used by weibull (only by lognormal)"},
		{Dist{Kind: "exp", Mean: time.Second}, `churn.session.kind: want exponential, weibull, pareto, lognormal or fixed, got "exp"`},
		{Dist{}, `churn.session.kind: want exponential, weibull, pareto, lognormal or fixed, got ""`},
	} {
		err := tc.d.Validate("churn.session")
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: unexpected error %v", tc.d, err)
		case tc.want != "" && err == nil:
			t.Errorf("%+v: no error, want %q", tc.d, tc.want)
		case tc.want != "" && !strings.HasPrefix(err.Error(), tc.want):
			t.Errorf("%+v: error %q, want %q", tc.d, err, tc.want)
		}
	}
}

func TestSamplerPanicsOnInvalid(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Sampler of a Pareto with shape 1 did not panic")
		}
	}()
	Dist{Kind: "pareto", Shape: 1, Mean: time.Second}.Sampler(engine.NewStreams(1).Stream("x", 0))
}

// A Pareto tail cannot overflow a duration.
func TestSampleCap(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want time.Duration
	}{{1.5, 1500 * time.Millisecond}, {-1, 0}, {math.NaN(), 0}, {1e300, maxSample}, {math.Inf(1), maxSample}} {
		if got := seconds(tc.x); got != tc.want {
			t.Errorf("seconds(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
}
