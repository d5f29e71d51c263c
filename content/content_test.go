package content

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestPopularity(t *testing.T) {
	q := Popularity(100, 1.2)
	sum := 0.0
	for i, x := range q {
		sum += x
		if i > 0 && !(x < q[i-1]) {
			t.Fatalf("q[%d]=%v not below q[%d]=%v", i, x, i-1, q[i-1])
		}
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("probabilities sum to %v", sum)
	}
	if r := q[0] / q[9]; math.Abs(r-math.Pow(10, 1.2)) > 1e-9 {
		t.Errorf("q1/q10 = %v, want 10^1.2", r)
	}
	for _, x := range Popularity(5, 0) {
		if math.Abs(x-0.2) > 1e-15 {
			t.Fatalf("alpha 0 gives %v, want 0.2 each", x)
		}
	}
}

// TestSamplerFrequencies draws a million indices and compares their
// frequencies with the probabilities (within 4 standard deviations).
func TestSamplerFrequencies(t *testing.T) {
	q := Popularity(20, 1.0)
	s := NewSampler(q)
	r := rand.New(rand.NewPCG(1, 2))
	const n = 1_000_000
	counts := make([]int, len(q))
	for range n {
		counts[s.Draw(r)]++
	}
	for i, p := range q {
		sd := math.Sqrt(n * p * (1 - p))
		if d := math.Abs(float64(counts[i]) - n*p); d > 4*sd {
			t.Errorf("object %d drawn %d times, want %.0f ± %.0f", i, counts[i], n*p, 4*sd)
		}
	}
}

func TestReplicas(t *testing.T) {
	q := Popularity(100, 1.2)
	cases := []struct {
		strategy string
		total    int
		hosts    int
	}{
		{Uniform, 10000, 10000},
		{Proportional, 10000, 10000},
		{SquareRoot, 10000, 10000},
		{SquareRoot, 150, 1000},  // budget close to one per object: floors bind
		{Proportional, 5000, 60}, // caps bind: no object on more than every host
	}
	for _, c := range cases {
		r, err := Replicas(c.strategy, q, c.total, c.hosts)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for i, n := range r {
			sum += n
			if n < 1 || n > c.hosts {
				t.Errorf("%s: object %d has %d replicas, want 1..%d", c.strategy, i, n, c.hosts)
			}
			if i > 0 && n > r[i-1] {
				t.Errorf("%s: object %d has more replicas (%d) than the more popular %d (%d)", c.strategy, i, n, i-1, r[i-1])
			}
		}
		if sum != c.total {
			t.Errorf("%s total %d hosts %d: %d replicas placed, want %d", c.strategy, c.total, c.hosts, sum, c.total)
		}
		// Free (unbounded) objects follow the strategy's weights within
		// rounding: compare the two most popular, which are never at the floor.
		if c.hosts == 10000 {
			var want float64
			switch c.strategy {
			case Uniform:
				want = 1
			case Proportional:
				want = q[0] / q[1]
			case SquareRoot:
				want = math.Sqrt(q[0] / q[1])
			}
			if got := float64(r[0]) / float64(r[1]); math.Abs(got-want) > 0.05*want {
				t.Errorf("%s: r1/r2 = %.3f, want %.3f", c.strategy, got, want)
			}
		}
	}
	if _, err := Replicas("sqrt", q, 100, 10); err == nil {
		t.Error("unknown strategy accepted")
	}
}

func TestPlace(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	replicas := []int{50, 10, 1, 50}
	held := Place(replicas, 50, r)
	got := make([]int, len(replicas))
	for h, objs := range held {
		for i, o := range objs {
			if i > 0 && o <= objs[i-1] {
				t.Fatalf("host %d holds %v: not sorted or duplicated", h, objs)
			}
			got[o]++
		}
	}
	for o := range replicas {
		if got[o] != replicas[o] {
			t.Errorf("object %d on %d hosts, want %d", o, got[o], replicas[o])
		}
	}
}

func TestValidate(t *testing.T) {
	bad := []func(*Config){
		func(c *Config) { c.Objects = 0 },
		func(c *Config) { c.Zipf = -1 },
		func(c *Config) { c.Zipf = math.NaN() },
		func(c *Config) { c.Replication = "sqrt" },
		func(c *Config) { c.ReplicationRatio = 0 },
		func(c *Config) { c.ReplicationRatio = 1.5 },
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	for i, f := range bad {
		c := DefaultConfig()
		f(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("case %d: %+v accepted", i, c)
		}
	}
}
