package results

import (
	"math"
	"math/rand/v2"
	"sort"
)

// fakeRun builds a realistic, deterministic Run: hop counts roughly binomial
// in 1..12, lognormal latencies, exponentially distributed keys per node and
// a time series with a gap (NaN success rate) where no lookup completed.
func fakeRun(lookups, nodes, samples int) *Run {
	rng := rand.New(rand.NewPCG(1, 2))
	r := &Run{}
	const duration = 3600.0
	for i := 0; i < lookups; i++ {
		l := LookupRow{
			TimeS:  float64(rng.IntN(int(duration*1000))) / 1000,
			Source: rng.IntN(nodes),
			Key:    rng.Uint64(),
		}
		switch u := rng.Float64(); {
		case u < 0.02:
			l.Outcome, l.Hops, l.LatencyMs = Failed, -1, 5000
		case u < 0.03:
			l.Outcome = Incorrect
		default:
			l.Outcome = Success
		}
		if l.Outcome != Failed {
			l.Hops = 1
			for k := 0; k < 11; k++ {
				if rng.Float64() < 0.45 {
					l.Hops++
				}
			}
			l.LatencyMs = math.Round(math.Exp(5+0.6*rng.NormFloat64())*1000) / 1000
			l.Messages = 2 * l.Hops
		} else {
			l.Messages = -1
		}
		r.Lookups = append(r.Lookups, l)
	}
	sort.SliceStable(r.Lookups, func(i, j int) bool { return r.Lookups[i].TimeS < r.Lookups[j].TimeS })
	for i := 0; i < nodes; i++ {
		n := NodeRow{Node: i, Alive: rng.Float64() < 0.95, Keys: int(rng.ExpFloat64() * 10)}
		if n.Alive {
			n.TableSize = 10 + rng.IntN(40)
			for b := 40; b < 64; b++ {
				if c := rng.IntN(21); c > 0 {
					r.Buckets = append(r.Buckets, BucketRow{Node: i, Bucket: b, Contacts: c})
				}
			}
		}
		n.MsgsSent = int64(rng.IntN(100000))
		n.BytesSent = n.MsgsSent * 64
		n.MsgsRecv = int64(rng.IntN(100000))
		n.BytesRecv = n.MsgsRecv * 64
		r.Nodes = append(r.Nodes, n)
	}
	for i := 1; i <= samples; i++ {
		s := SampleRow{
			TimeS:                       float64(i) * duration / float64(samples),
			LiveNodes:                   nodes - rng.IntN(nodes/10+1),
			Lookups:                     lookups / samples,
			SuccessRate:                 math.Min(1, 0.9+0.12*rng.Float64()),
			MaintenanceBytesPerNodePerS: 40 + 10*rng.Float64(),
			LookupBytesPerNodePerS:      15 + 8*rng.Float64(),
		}
		if i == samples/3 || i == samples/3+1 {
			s.Lookups, s.SuccessRate = 0, math.NaN()
		}
		r.Series = append(r.Series, s)
		for _, k := range []struct{ kind, class string }{{"stabilize", "maintenance"}, {"find_successor", "lookup"}, {"notify, \"quoted\"", "maintenance"}} {
			m := int64(rng.IntN(5000))
			r.Traffic = append(r.Traffic, TrafficRow{TimeS: s.TimeS, Kind: k.kind, Class: k.class, Msgs: m, Bytes: m * 48})
		}
	}
	r.Summary = []Metric{
		{"lookups.success_rate", 0.97},
		{"lookups.count", float64(lookups)},
		{"hops.mean", 5.5},
		{"hops.p50", 5},
		{"hops.p99", 10},
		{"latency_ms.p99", math.NaN()},
		{"keys.total", 4096},
	}
	r.Manifest = map[string]any{"seed": 42, "protocol": "chord", "nodes": nodes}
	r.Perf = map[string]any{"wall_s": 1.25}
	// Sessions: exponential with mean 1800 s, sorted, with the model CDF.
	for i := 0; i < samples*5; i++ {
		r.Sessions = append(r.Sessions, SessionRow{LengthS: rng.ExpFloat64() * 1800})
	}
	sort.Slice(r.Sessions, func(i, j int) bool { return r.Sessions[i].LengthS < r.Sessions[j].LengthS })
	for i := range r.Sessions {
		r.Sessions[i].ModelCDF = 1 - math.Exp(-r.Sessions[i].LengthS/1800)
	}
	return r
}
