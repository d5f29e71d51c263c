// Package content models what an unstructured overlay searches for: a
// catalogue of objects whose query popularity follows a Zipf law, and the
// number and placement of each object's replicas under the replication
// strategies compared by Lv, Cao, Cohen, Li and Shenker ("Search and
// Replication in Unstructured Peer-to-Peer Networks", ICS 2002):
//
//   - Uniform: every object gets the same number of replicas.
//   - Proportional: replicas proportional to query popularity q_i.
//   - SquareRoot: replicas proportional to √q_i, which minimises the
//     expected search size of random probing for a fixed replica budget.
//
// Everything is drawn from a caller's random stream, so a placement is a
// pure function of the configuration and the seed.
package content

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// Replication strategies (Config.Replication).
const (
	Uniform      = "uniform"
	Proportional = "proportional"
	SquareRoot   = "square_root"
)

// Config is a scenario's `content:` block.
type Config struct {
	// Objects is the number of distinct objects (the paper's m).
	Objects int `mapstructure:"objects"`
	// Zipf is the exponent α of the query popularity: object i (from 1) is
	// asked for with probability proportional to 1/i^α; 0 makes every
	// object equally popular.
	Zipf float64 `mapstructure:"zipf"`
	// Replication is Uniform, Proportional or SquareRoot.
	Replication string `mapstructure:"replication"`
	// ReplicationRatio is the replica budget as a fraction of the hosts:
	// R = ReplicationRatio · hosts · Objects replicas in all, that is, an
	// object has ReplicationRatio · hosts replicas on average.
	ReplicationRatio float64 `mapstructure:"replication_ratio"`
}

// DefaultConfig returns the setting of Lv et al.'s replication study: 100
// objects, Zipf popularity with α = 1.2, square-root replication, each
// object on 1% of the hosts on average.
func DefaultConfig() Config {
	return Config{Objects: 100, Zipf: 1.2, Replication: SquareRoot, ReplicationRatio: 0.01}
}

// Validate checks every field; errors name the scenario key.
func (c Config) Validate() error {
	switch {
	case c.Objects < 1 || c.Objects > 10_000_000:
		return fmt.Errorf("content.objects: must be between 1 and 10000000, got %d", c.Objects)
	case !(c.Zipf >= 0) || c.Zipf > 10:
		return fmt.Errorf("content.zipf: must be between 0 and 10, got %v", c.Zipf)
	case c.Replication != Uniform && c.Replication != Proportional && c.Replication != SquareRoot:
		return fmt.Errorf("content.replication: want %q, %q or %q, got %q", Uniform, Proportional, SquareRoot, c.Replication)
	case !(c.ReplicationRatio > 0) || c.ReplicationRatio > 1:
		return fmt.Errorf("content.replication_ratio: must be in (0, 1], got %v", c.ReplicationRatio)
	}
	return nil
}

// Popularity returns the query probabilities q_1..q_m of m objects under a
// Zipf law with exponent alpha, most popular first; they sum to 1.
func Popularity(m int, alpha float64) []float64 {
	q := make([]float64, m)
	sum := 0.0
	for i := range q {
		q[i] = math.Pow(float64(i+1), -alpha)
		sum += q[i]
	}
	for i := range q {
		q[i] /= sum
	}
	return q
}

// Sampler draws object indices with given probabilities by inverting their
// cumulative distribution: O(log m) per draw, no allocation.
type Sampler struct {
	cdf []float64
}

// NewSampler returns a sampler over probabilities p (which need not be
// normalised, but must be non-negative with a positive sum).
func NewSampler(p []float64) *Sampler {
	cdf := make([]float64, len(p))
	sum := 0.0
	for i, x := range p {
		sum += x
		cdf[i] = sum
	}
	for i := range cdf {
		cdf[i] /= sum
	}
	cdf[len(cdf)-1] = 1
	return &Sampler{cdf: cdf}
}

// Draw returns an index i with probability p[i], using one Float64 of r.
func (s *Sampler) Draw(r *rand.Rand) int {
	u := r.Float64()
	return sort.Search(len(s.cdf)-1, func(i int) bool { return s.cdf[i] > u })
}

// Replicas returns how many replicas each object gets under strategy for
// popularities q and a budget of total replicas over hosts hosts. Every
// object gets at least one replica and at most hosts; the counts are the
// strategy's shares of the budget rounded by largest remainder, so they add
// up to total whenever the bounds allow.
func Replicas(strategy string, q []float64, total, hosts int) ([]int, error) {
	m := len(q)
	if m == 0 || hosts < 1 {
		return nil, fmt.Errorf("content: no objects or no hosts")
	}
	total = min(max(total, m), m*hosts)
	w := make([]float64, m)
	for i, x := range q {
		switch strategy {
		case Uniform:
			w[i] = 1
		case Proportional:
			w[i] = x
		case SquareRoot:
			w[i] = math.Sqrt(x)
		default:
			return nil, fmt.Errorf("content.replication: unknown strategy %q", strategy)
		}
	}
	// Objects pinned at a bound take their bound; the rest share what is
	// left in proportion to their weights. Repeat until nothing moves.
	r := make([]int, m)
	fixed := make([]bool, m)
	for {
		left, wsum := total, 0.0
		for i := range w {
			if fixed[i] {
				left -= r[i]
			} else {
				wsum += w[i]
			}
		}
		moved := false
		for i := range w {
			if fixed[i] {
				continue
			}
			share := float64(left) * w[i] / wsum
			switch {
			case share < 1:
				r[i], fixed[i], moved = 1, true, true
			case share > float64(hosts):
				r[i], fixed[i], moved = hosts, true, true
			}
		}
		if moved {
			continue
		}
		// Largest remainder over the free objects.
		type rem struct {
			i    int
			frac float64
		}
		var rems []rem
		given := 0
		for i := range w {
			if fixed[i] {
				continue
			}
			share := float64(left) * w[i] / wsum
			r[i] = int(share)
			given += r[i]
			rems = append(rems, rem{i, share - float64(r[i])})
		}
		slices.SortStableFunc(rems, func(a, b rem) int {
			switch {
			case a.frac > b.frac:
				return -1
			case a.frac < b.frac:
				return 1
			}
			return a.i - b.i
		})
		for k := 0; given < left && k < len(rems); k++ {
			if r[rems[k].i] < hosts {
				r[rems[k].i]++
				given++
			}
		}
		return r, nil
	}
}

// Place puts replicas[i] copies of object i on distinct hosts drawn
// uniformly at random from r, and returns each host's objects as sorted
// object indices.
func Place(replicas []int, hosts int, r *rand.Rand) [][]int {
	held := make([][]int, hosts)
	perm := make([]int, hosts)
	for i := range perm {
		perm[i] = i
	}
	for obj, n := range replicas {
		// A partial Fisher–Yates shuffle draws n distinct hosts.
		for k := 0; k < n && k < hosts; k++ {
			j := k + r.IntN(hosts-k)
			perm[k], perm[j] = perm[j], perm[k]
			held[perm[k]] = append(held[perm[k]], obj)
		}
	}
	return held
}
