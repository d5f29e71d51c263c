package results

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// niceTicks places about n labelled ticks at round steps (1, 2 or 5 times a
// power of ten) with unlabelled minor ticks between them. Labels carry just
// the decimals the step needs. With integer set, steps are whole numbers.
type niceTicks struct {
	n       int
	integer bool
}

// Ticks implements plot.Ticker.
func (t niceTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) || math.IsInf(max-min, 0) || t.n < 1 {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	raw := (max - min) / float64(t.n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	mult := 10.0
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			mult = m
			break
		}
	}
	step := mult * mag
	perStep := 5 // minor ticks per labelled step
	if mult == 2 {
		perStep = 4
	}
	if t.integer && step < 1 {
		step, perStep = 1, 1
	}
	if t.integer && step/float64(perStep) < 1 {
		perStep = int(step)
	}
	minor := step / float64(perStep)
	decimals := 0
	if step < 1 {
		decimals = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	first, last := math.Ceil(min/minor-1e-9), math.Floor(max/minor+1e-9)
	var ticks []plot.Tick
	for i := first; i <= last; i++ {
		v := i * minor
		tk := plot.Tick{Value: v}
		if math.Mod(i, float64(perStep)) == 0 {
			tk.Label = fmtTick(v, decimals)
		}
		ticks = append(ticks, tk)
	}
	return ticks
}

// fmtTick formats a tick value with the given number of decimals, falling
// back to exponent notation for very large magnitudes.
func fmtTick(v float64, decimals int) string {
	if math.Abs(v) >= 1e7 {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	if math.Abs(v) < 0.5*math.Pow(10, -float64(decimals)) {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// integerTicks labels whole numbers only, thinned so that at most about a
// dozen carry a label; every whole number gets a minor tick when there are
// not too many.
type integerTicks struct{}

// Ticks implements plot.Ticker.
func (integerTicks) Ticks(min, max float64) []plot.Tick {
	lo, hi := math.Ceil(min), math.Floor(max)
	if hi < lo || hi-lo > 60 {
		return niceTicks{n: 8, integer: true}.Ticks(min, max)
	}
	step := 1.0
	for (hi-lo)/step > 12 {
		if step == 2 {
			step = 5
		} else {
			step *= 2
		}
	}
	var ticks []plot.Tick
	for v := lo; v <= hi; v++ {
		t := plot.Tick{Value: v}
		if math.Mod(v, step) == 0 {
			t.Label = fmtTick(v, 0)
		}
		ticks = append(ticks, t)
	}
	return ticks
}
