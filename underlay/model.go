package underlay

import (
	"fmt"
	"math/rand/v2"
	"time"

	"peerlab/engine"
)

// Model gives the one-way delay of a message of size bytes from → to, or
// ok=false if the message is lost. When ok is false, d is 0.
//
// Implementations must return (0, true) when from == to without drawing from
// rng, must draw randomness only from rng, and must not allocate.
type Model interface {
	Delay(from, to engine.NodeID, size int, rng *rand.Rand) (d time.Duration, ok bool)
}

// Constant delivers every message after the same one-way delay OneWay, which
// must be non-negative. It draws no randomness.
type Constant struct {
	// OneWay is the delay of every message between distinct nodes.
	OneWay time.Duration
}

// Delay returns (OneWay, true), or (0, true) when from == to. It panics if
// OneWay is negative.
func (c Constant) Delay(from, to engine.NodeID, _ int, _ *rand.Rand) (time.Duration, bool) {
	if c.OneWay < 0 {
		panic(fmt.Sprintf("underlay: Constant.OneWay must be non-negative, got %v", c.OneWay))
	}
	if from == to {
		return 0, true
	}
	return c.OneWay, true
}

// Uniform delivers each message after a one-way delay drawn uniformly, at
// nanosecond granularity, from the closed interval [Min, Max]. It requires
// 0 <= Min <= Max. Each message between distinct nodes consumes exactly one
// draw from rng; messages on the same link may therefore be reordered.
type Uniform struct {
	// Min is the smallest possible delay.
	Min time.Duration
	// Max is the largest possible delay.
	Max time.Duration
}

// Delay returns a delay uniform in [Min, Max], or (0, true) when from == to.
// It panics if Min < 0 or Min > Max.
func (u Uniform) Delay(from, to engine.NodeID, _ int, rng *rand.Rand) (time.Duration, bool) {
	if u.Min < 0 || u.Min > u.Max {
		panic(fmt.Sprintf("underlay: Uniform needs 0 <= Min <= Max, got Min=%v Max=%v", u.Min, u.Max))
	}
	if from == to {
		return 0, true
	}
	return u.Min + time.Duration(rng.Uint64N(uint64(u.Max-u.Min)+1)), true
}

// Jitter adds to Inner's delay an extra delay drawn uniformly, at nanosecond
// granularity, from [0, Max). Max == 0 adds nothing; a negative Max panics.
//
// Draw order: Inner is called first; only if Inner delivers the message (and
// Max > 0) is one more number drawn from rng for the jitter. Because every
// message gets its own jitter, messages on the same link may be reordered.
type Jitter struct {
	// Inner is the model whose delay is perturbed.
	Inner Model
	// Max is the exclusive upper bound of the extra delay.
	Max time.Duration
}

// Delay returns Inner's delay plus a uniform extra delay in [0, Max), or
// Inner's loss verdict unchanged. It returns (0, true) when from == to.
func (j Jitter) Delay(from, to engine.NodeID, size int, rng *rand.Rand) (time.Duration, bool) {
	if j.Max < 0 {
		panic(fmt.Sprintf("underlay: Jitter.Max must be non-negative, got %v", j.Max))
	}
	if from == to {
		return 0, true
	}
	d, ok := j.Inner.Delay(from, to, size, rng)
	if !ok || j.Max == 0 {
		return d, ok
	}
	return d + time.Duration(rng.Int64N(int64(j.Max))), true
}

// Loss drops each message between distinct nodes independently with
// probability P; messages that survive are delayed by Inner. P <= 0 (or NaN)
// never drops and P >= 1 always drops.
//
// Draw order: when P > 0, the loss decision is drawn first (one rng.Float64,
// dropped iff it is < P); a dropped message returns (0, false) without calling
// Inner, so Inner draws nothing for it. A surviving message is then passed to
// Inner, which makes its own draws. When P <= 0 no loss draw is made.
type Loss struct {
	// Inner is the model that delays the messages that are not dropped.
	Inner Model
	// P is the probability that a message is dropped.
	P float64
}

// Delay returns (0, false) with probability P, and otherwise Inner's answer.
// It returns (0, true) when from == to: a node never loses messages to itself.
func (l Loss) Delay(from, to engine.NodeID, size int, rng *rand.Rand) (time.Duration, bool) {
	if from == to {
		return 0, true
	}
	if l.P > 0 && rng.Float64() < l.P {
		return 0, false
	}
	return l.Inner.Delay(from, to, size, rng)
}
