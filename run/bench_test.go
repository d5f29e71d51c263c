package run

import (
	"runtime"
	"testing"
	"time"

	"peerlab/scenario"
)

// BenchmarkChord10k runs a 10,000-node Chord network for one virtual hour
// (nodes arriving over 10 minutes, a lookup per node per minute) and reports
// engine events per wall second and heap bytes per node after the run.
func BenchmarkChord10k(b *testing.B) {
	spec := scenario.Default()
	spec.Nodes = 10000
	spec.Duration = time.Hour
	spec.Warmup = 30 * time.Minute
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		r, err := newRunner(&spec, newChordBinding(&spec), Options{})
		if err != nil {
			b.Fatal(err)
		}
		res := r.run()
		wall := time.Since(start)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		events := float64(r.sim.Stats().Events)
		b.ReportMetric(events/wall.Seconds(), "events/s")
		b.ReportMetric(events, "events")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(spec.Nodes), "heapB/node")
		runtime.KeepAlive(r)
		runtime.KeepAlive(res)
	}
}
