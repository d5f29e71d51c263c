package main

import (
	"testing"
	"time"

	"peerlab/run"
)

// BenchmarkScenario runs shipped scenarios end to end as `go run ./sim
// -scenario NAME -set ...` would (without writing files), and reports
// engine events per wall second and the run's traffic; -benchmem adds the
// run's allocations. The whole-run figures in BENCHMARKS.md come from here.
func BenchmarkScenario(b *testing.B) {
	cases := []struct {
		name     string
		scenario string
		sets     []string
	}{
		{"gnutella-10k-flood", "gnutella", []string{"nodes=10000", "duration=15m"}},
		{"gnutella-10k-random_walk", "gnutella", []string{"nodes=10000", "duration=15m", "gnutella.strategy=random_walk"}},
		{"superpeer-skype-10k", "superpeer", []string{"nodes=10000"}},
		{"superpeer-kazaa-10k", "superpeer", []string{"nodes=10000", "superpeer.mode=kazaa"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			src, err := findScenario(c.scenario)
			if err != nil {
				b.Fatal(err)
			}
			spec, err := loadSpec(src, append(c.sets, "output.plots=false"))
			if err != nil {
				b.Fatal(err)
			}
			applyFallbacks(&spec)
			for range b.N {
				start := time.Now()
				res, err := run.Run(spec, run.Options{})
				if err != nil {
					b.Fatal(err)
				}
				wall := time.Since(start)
				events := summaryValue(res, "events")
				b.ReportMetric(events/wall.Seconds(), "events/s")
				b.ReportMetric(events, "events")
				b.ReportMetric(summaryValue(res, "traffic.bytes_per_node_per_s"), "B/node/s")
			}
		})
	}
}
