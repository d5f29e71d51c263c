package underlay

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"peerlab/engine"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

type namedModel struct {
	name string
	m    Model
}

// allModels returns one instance of every model, including a composed one,
// over n nodes (the non-euclidean models accept any IDs).
func allModels(n int) []namedModel {
	eu := NewEuclidean(n, 100*time.Millisecond, newRand(1))
	return []namedModel{
		{"constant", Constant{OneWay: 50 * time.Millisecond}},
		{"uniform", Uniform{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond}},
		{"euclidean", eu},
		{"jitter", Jitter{Inner: Constant{OneWay: 5 * time.Millisecond}, Max: 10 * time.Millisecond}},
		{"loss", Loss{Inner: Constant{OneWay: 5 * time.Millisecond}, P: 0.2}},
		{"composed", Loss{Inner: Jitter{Inner: eu, Max: 5 * time.Millisecond}, P: 0.01}},
	}
}

func TestSelfDelayIsZeroAndDrawsNothing(t *testing.T) {
	for _, tc := range allModels(50) {
		t.Run(tc.name, func(t *testing.T) {
			a, b := newRand(7), newRand(7)
			for n := engine.NodeID(0); n < 50; n++ {
				d, ok := tc.m.Delay(n, n, 100, a)
				if d != 0 || !ok {
					t.Fatalf("Delay(%v, %v) = (%v, %v), want (0, true)", n, n, d, ok)
				}
			}
			if a.Uint64() != b.Uint64() {
				t.Fatal("self-delivery consumed randomness")
			}
		})
	}
}

func TestConstant(t *testing.T) {
	for _, d := range []time.Duration{0, time.Nanosecond, 50 * time.Millisecond, time.Hour} {
		m := Constant{OneWay: d}
		rng := newRand(1)
		for i := range 100 {
			got, ok := m.Delay(engine.NodeID(i), engine.NodeID(i+1), 1, rng)
			if got != d || !ok {
				t.Fatalf("Constant{%v}.Delay = (%v, %v), want (%v, true)", d, got, ok, d)
			}
		}
	}
}

func TestUniformBoundsAndMean(t *testing.T) {
	for _, tc := range []struct{ min, max time.Duration }{
		{10 * time.Millisecond, 100 * time.Millisecond},
		{0, time.Millisecond},
		{5 * time.Millisecond, 5 * time.Millisecond},
		{0, 3}, // tiny range: every value 0..3 must appear
	} {
		m := Uniform{Min: tc.min, Max: tc.max}
		rng := newRand(2)
		const draws = 200_000
		var sum float64
		lo, hi := time.Duration(math.MaxInt64), time.Duration(math.MinInt64)
		for i := range draws {
			d, ok := m.Delay(0, engine.NodeID(1+i%9), 1, rng)
			if !ok {
				t.Fatalf("%+v lost a message", m)
			}
			if d < tc.min || d > tc.max {
				t.Fatalf("%+v gave %v, outside [min, max]", m, d)
			}
			lo, hi = min(lo, d), max(hi, d)
			sum += float64(d)
		}
		if tc.max-tc.min < 1000 && (lo != tc.min || hi != tc.max) {
			t.Errorf("%+v: observed range [%v, %v], want both ends reached", m, lo, hi)
		}
		width := float64(tc.max - tc.min)
		want := float64(tc.min+tc.max) / 2
		sigma := math.Sqrt(width*(width+2)/12) / math.Sqrt(draws) // discrete uniform
		if got := sum / draws; math.Abs(got-want) > 4*sigma+1e-9 {
			t.Errorf("%+v: mean %v, want %v ± %v", m, time.Duration(got), time.Duration(want), time.Duration(4*sigma))
		}
	}
}

func TestJitterBoundsAndMean(t *testing.T) {
	for _, tc := range []struct {
		base, max time.Duration
	}{
		{20 * time.Millisecond, 10 * time.Millisecond},
		{0, time.Millisecond},
		{time.Millisecond, 1}, // Max 1ns: jitter always 0
	} {
		m := Jitter{Inner: Constant{OneWay: tc.base}, Max: tc.max}
		rng := newRand(3)
		const draws = 100_000
		var sum float64
		for i := range draws {
			d, ok := m.Delay(1, engine.NodeID(2+i%5), 1, rng)
			if !ok {
				t.Fatal("jitter lost a message")
			}
			if d < tc.base || d >= tc.base+tc.max {
				t.Fatalf("%+v gave %v, outside [base, base+Max)", m, d)
			}
			sum += float64(d - tc.base)
		}
		w := float64(tc.max)
		want := (w - 1) / 2 // mean of the integers 0 .. Max-1
		sigma := math.Sqrt((w*w-1)/12) / math.Sqrt(draws)
		if got := sum / draws; math.Abs(got-want) > 4*sigma+1e-9 {
			t.Errorf("%+v: mean jitter %v, want %v (≈ Max/2)", m, time.Duration(got), time.Duration(want))
		}
	}
	// Max == 0 adds nothing and draws nothing.
	a, b := newRand(4), newRand(4)
	if d, ok := (Jitter{Inner: Constant{OneWay: 7}, Max: 0}).Delay(0, 1, 1, a); d != 7 || !ok {
		t.Errorf("Jitter{Max: 0} = (%v, %v), want (7ns, true)", d, ok)
	}
	if a.Uint64() != b.Uint64() {
		t.Error("Jitter{Max: 0} consumed randomness")
	}
}

func TestJitterPassesLossThrough(t *testing.T) {
	m := Jitter{Inner: Loss{Inner: Constant{OneWay: 1}, P: 1}, Max: time.Second}
	if d, ok := m.Delay(0, 1, 1, newRand(1)); ok || d != 0 {
		t.Errorf("Jitter over a lost message = (%v, %v), want (0, false)", d, ok)
	}
}

// countingModel counts its calls; it is used to check that Loss does not
// consult its inner model for dropped messages.
type countingModel struct{ calls *int }

func (c countingModel) Delay(_, _ engine.NodeID, _ int, _ *rand.Rand) (time.Duration, bool) {
	*c.calls++
	return time.Millisecond, true
}

func TestLossRate(t *testing.T) {
	for _, p := range []float64{0, 0.01, 0.1, 0.5, 0.9} {
		calls := 0
		m := Loss{Inner: countingModel{&calls}, P: p}
		rng := newRand(5)
		const draws = 100_000
		lost := 0
		for i := range draws {
			d, ok := m.Delay(engine.NodeID(i%7), 7, 1, rng)
			if !ok {
				lost++
				if d != 0 {
					t.Fatalf("lost message has delay %v, want 0", d)
				}
			} else if d != time.Millisecond {
				t.Fatalf("delivered message has delay %v, want inner's 1ms", d)
			}
		}
		sigma := math.Sqrt(p * (1 - p) / draws)
		if rate := float64(lost) / draws; math.Abs(rate-p) > 3*sigma {
			t.Errorf("P=%v: loss rate %v, want within 3σ (%v)", p, rate, 3*sigma)
		}
		if calls != draws-lost {
			t.Errorf("P=%v: inner called %d times for %d delivered messages", p, calls, draws-lost)
		}
	}
}

// TestLossDrawOrder checks the documented draw order: one Float64 for the loss
// decision, then the inner model's draws for survivors only.
func TestLossDrawOrder(t *testing.T) {
	u := Uniform{Min: 0, Max: time.Second}
	m := Loss{Inner: u, P: 0.3}
	got, replay := newRand(6), newRand(6)
	for i := range 1000 {
		d, ok := m.Delay(0, 1, 1, got)
		wantOK := !(replay.Float64() < 0.3)
		var wantD time.Duration
		if wantOK {
			wantD, _ = u.Delay(0, 1, 1, replay)
		}
		if d != wantD || ok != wantOK {
			t.Fatalf("draw %d: (%v, %v), replay expects (%v, %v)", i, d, ok, wantD, wantOK)
		}
	}
}

func TestSameSeedSameDelays(t *testing.T) {
	build := func() Model {
		c := DefaultConfig()
		c.Jitter = 3 * time.Millisecond
		c.Loss = 0.05
		m, err := c.Build(300, newRand(42))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m1, m2 := build(), build()
	r1, r2 := newRand(9), newRand(9)
	r3 := newRand(10)
	differs := false
	for i := range 10_000 {
		from, to := engine.NodeID(i%300), engine.NodeID((i*7+3)%300)
		d1, ok1 := m1.Delay(from, to, 100, r1)
		d2, ok2 := m2.Delay(from, to, 100, r2)
		if d1 != d2 || ok1 != ok2 {
			t.Fatalf("message %d: (%v, %v) vs (%v, %v) with the same seeds", i, d1, ok1, d2, ok2)
		}
		if d3, ok3 := m1.Delay(from, to, 100, r3); d3 != d1 || ok3 != ok1 {
			differs = true
		}
	}
	if !differs {
		t.Error("a different per-message seed produced identical delays; the rng is not being used")
	}
}

func TestPanicsOnMisuse(t *testing.T) {
	eu := NewEuclidean(10, 100*time.Millisecond, newRand(1))
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"euclidean from = n", func() { eu.Delay(10, 0, 1, nil) }, "node 10 out of range [0, 10)"},
		{"euclidean to = n", func() { eu.Delay(0, 10, 1, nil) }, "node 10 out of range [0, 10)"},
		{"euclidean self = n", func() { eu.Delay(10, 10, 1, nil) }, "out of range"},
		{"euclidean negative", func() { eu.Delay(-1, 3, 1, nil) }, "node -1 out of range"},
		{"euclidean none", func() { eu.Delay(3, engine.None, 1, nil) }, "node -1 out of range"},
		{"position", func() { eu.Position(11) }, "Euclidean.Position: node 11 out of range"},
		{"composed", func() { Loss{Inner: Jitter{Inner: eu, Max: 1}, P: 0.1}.Delay(0, 99, 1, newRand(1)) }, "out of range"},
		{"new negative nodes", func() { NewEuclidean(-1, time.Second, newRand(1)) }, "node count"},
		{"new negative rtt", func() { NewEuclidean(3, -time.Second, newRand(1)) }, "median RTT"},
		{"uniform min>max", func() { Uniform{Min: 2, Max: 1}.Delay(0, 1, 1, newRand(1)) }, "Min <= Max"},
		{"constant negative", func() { Constant{OneWay: -1}.Delay(0, 1, 1, nil) }, "non-negative"},
		{"jitter negative", func() { Jitter{Inner: Constant{}, Max: -1}.Delay(0, 1, 1, newRand(1)) }, "non-negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				s, _ := r.(string)
				if r == nil || !strings.Contains(s, tc.want) {
					t.Errorf("panic = %v, want one containing %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
}

func TestZeroAllocs(t *testing.T) {
	for _, tc := range allModels(100) {
		t.Run(tc.name, func(t *testing.T) {
			rng := newRand(1)
			var i int
			allocs := testing.AllocsPerRun(1000, func() {
				i++
				tc.m.Delay(engine.NodeID(i%100), engine.NodeID((i*31+1)%100), 512, rng)
			})
			if allocs != 0 {
				t.Errorf("%v allocations per Delay call, want 0", allocs)
			}
		})
	}
}

func BenchmarkDelay(b *testing.B) {
	for _, tc := range allModels(1000) {
		b.Run(tc.name, func(b *testing.B) {
			rng := newRand(1)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				tc.m.Delay(engine.NodeID(i%1000), engine.NodeID((i*31+1)%1000), 512, rng)
			}
		})
	}
}
