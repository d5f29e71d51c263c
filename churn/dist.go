package churn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// Dist is a distribution of durations (session lengths, downtimes, per-node
// means), configured by its mean so that models are easy to compare.
//
//	kind          parameters                      distribution
//	exponential   Mean                            rate 1/Mean
//	weibull       Shape k > 0, Mean or Scale λ    Mean = λ·Γ(1+1/k)
//	pareto        Shape α > 1, Mean or Scale λ    shifted Pareto (Lomax) on [0, ∞):
//	                                              P(X > x) = (1 + x/λ)^-α, Mean = λ/(α-1)
//	lognormal     Mean, Sigma σ > 0               ln X ~ N(μ, σ²), μ = ln Mean − σ²/2
//	fixed         Mean                            always Mean
//
// Parameters a kind does not use must be left zero. Samples are drawn with
// gonum's stat/distuv from the generator passed to Sampler, rounded to the
// nanosecond and capped at about 146 years (2^62 ns), so heavy tails cannot
// overflow virtual time.
type Dist struct {
	// Kind is "exponential", "weibull", "pareto", "lognormal" or "fixed".
	Kind string `mapstructure:"kind"`
	// Mean is the distribution's mean (for weibull and pareto, alternatively
	// give Scale).
	Mean time.Duration `mapstructure:"mean"`
	// Shape is the Weibull shape k or the Pareto shape α.
	Shape float64 `mapstructure:"shape"`
	// Scale is the Weibull scale λ or the Pareto scale λ, instead of Mean.
	Scale time.Duration `mapstructure:"scale"`
	// Sigma is the standard deviation of ln X for lognormal.
	Sigma float64 `mapstructure:"sigma"`
}

// maxSample caps a sampled duration (2^62 ns, about 146 years) so that sums
// of a few samples cannot overflow.
const maxSample = time.Duration(1) << 62

// Validate checks d; key is the dotted configuration key of d (such as
// "churn.session") and prefixes every error, e.g.
// "churn.session.shape: must be > 0, got 0".
func (d Dist) Validate(key string) error {
	unused := func(field string, set bool, usedBy string) error {
		if set {
			return fmt.Errorf("%s.%s: not used by %s (only by %s)", key, field, d.Kind, usedBy)
		}
		return nil
	}
	positiveMean := func() error {
		if d.Mean <= 0 {
			return fmt.Errorf("%s.mean: must be > 0, got %v", key, d.Mean)
		}
		return nil
	}
	var errs []error
	switch d.Kind {
	case "exponential", "fixed":
		errs = []error{positiveMean(),
			unused("shape", d.Shape != 0, "weibull and pareto"),
			unused("scale", d.Scale != 0, "weibull and pareto"),
			unused("sigma", d.Sigma != 0, "lognormal")}
	case "lognormal":
		errs = []error{positiveMean()}
		if !(d.Sigma > 0) || math.IsInf(d.Sigma, 0) {
			errs = append(errs, fmt.Errorf("%s.sigma: must be > 0, got %v", key, d.Sigma))
		}
		errs = append(errs, unused("shape", d.Shape != 0, "weibull and pareto"),
			unused("scale", d.Scale != 0, "weibull and pareto"))
	case "weibull", "pareto":
		switch {
		case d.Kind == "weibull" && (!(d.Shape > 0) || math.IsInf(d.Shape, 0)):
			errs = append(errs, fmt.Errorf("%s.shape: must be > 0, got %v", key, d.Shape))
		case d.Kind == "pareto" && (!(d.Shape > 1) || math.IsInf(d.Shape, 0)):
			errs = append(errs, fmt.Errorf("%s.shape: must be > 1 (the mean is infinite otherwise), got %v", key, d.Shape))
		}
		switch {
		case d.Mean != 0 && d.Scale != 0:
			errs = append(errs, fmt.Errorf("%s.scale: set mean or scale, not both", key))
		case d.Scale < 0:
			errs = append(errs, fmt.Errorf("%s.scale: must be > 0, got %v", key, d.Scale))
		case d.Scale == 0 && d.Mean <= 0:
			errs = append(errs, fmt.Errorf("%s.mean: must be > 0 (or set scale), got %v", key, d.Mean))
		}
		errs = append(errs, unused("sigma", d.Sigma != 0, "lognormal"))
	default:
		return fmt.Errorf("%s.kind: want exponential, weibull, pareto, lognormal or fixed, got %q", key, d.Kind)
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// scaleSeconds returns λ in seconds for weibull and pareto, derived from
// Mean when Scale is not given.
func (d Dist) scaleSeconds() float64 {
	if d.Scale != 0 {
		return d.Scale.Seconds()
	}
	switch d.Kind {
	case "weibull":
		return d.Mean.Seconds() / math.Gamma(1+1/d.Shape)
	case "pareto":
		return d.Mean.Seconds() * (d.Shape - 1)
	}
	return math.NaN()
}

// Expected returns the mean of d (for weibull and pareto given by Scale,
// computed from it), rounded to the nanosecond. d must be valid.
func (d Dist) Expected() time.Duration {
	switch {
	case d.Kind == "weibull" && d.Scale != 0:
		return seconds(d.Scale.Seconds() * math.Gamma(1+1/d.Shape))
	case d.Kind == "pareto" && d.Scale != 0:
		return seconds(d.Scale.Seconds() / (d.Shape - 1))
	}
	return d.Mean
}

// CDF returns P(X <= x) for x in seconds. d must be valid.
func (d Dist) CDF(x float64) float64 {
	if x < 0 {
		return 0
	}
	switch d.Kind {
	case "exponential":
		return distuv.Exponential{Rate: 1 / d.Mean.Seconds()}.CDF(x)
	case "weibull":
		return distuv.Weibull{K: d.Shape, Lambda: d.scaleSeconds()}.CDF(x)
	case "pareto":
		l := d.scaleSeconds()
		return distuv.Pareto{Xm: l, Alpha: d.Shape}.CDF(x + l)
	case "lognormal":
		return d.lognormal(nil).CDF(x)
	case "fixed":
		if x >= d.Mean.Seconds() {
			return 1
		}
		return 0
	}
	return math.NaN()
}

func (d Dist) lognormal(src rand.Source) distuv.LogNormal {
	return distuv.LogNormal{Mu: math.Log(d.Mean.Seconds()) - d.Sigma*d.Sigma/2, Sigma: d.Sigma, Src: src}
}

// Sampler returns a function drawing independent samples of d from rng, and
// nothing else: the sequence depends only on d and rng's state. It panics if
// d is invalid (call Validate first; Model.Generate does).
func (d Dist) Sampler(rng *rand.Rand) func() time.Duration {
	if err := d.Validate("dist"); err != nil {
		panic("churn: Sampler of an invalid Dist: " + err.Error())
	}
	switch d.Kind {
	case "exponential":
		e := distuv.Exponential{Rate: 1 / d.Mean.Seconds(), Src: rng}
		return func() time.Duration { return seconds(e.Rand()) }
	case "weibull":
		w := distuv.Weibull{K: d.Shape, Lambda: d.scaleSeconds(), Src: rng}
		return func() time.Duration { return seconds(w.Rand()) }
	case "pareto":
		l := d.scaleSeconds()
		p := distuv.Pareto{Xm: l, Alpha: d.Shape, Src: rng}
		return func() time.Duration { return seconds(p.Rand() - l) }
	case "lognormal":
		ln := d.lognormal(rng)
		return func() time.Duration { return seconds(ln.Rand()) }
	default: // fixed
		m := d.Mean
		return func() time.Duration { return m }
	}
}

// seconds converts a sample in seconds to a duration in [0, maxSample].
func seconds(x float64) time.Duration {
	v := math.Round(x * 1e9)
	switch {
	case !(v > 0): // also NaN
		return 0
	case v >= float64(maxSample):
		return maxSample
	}
	return time.Duration(v)
}
