package run

import (
	"runtime"
	"testing"
	"time"

	"peerlab/engine"
	"peerlab/scenario"
)

// BenchmarkChord10k runs a 10,000-node Chord network for one virtual hour
// (nodes arriving over 10 minutes, a lookup per node per minute) and reports
// engine events per wall second, heap bytes per node after the run, and the
// allocations per event in the second half of the run (steady state: what
// remains is lookups.csv rows and successor-list snapshots, not the hot path).
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
		// Steady state: count allocations over the second half only.
		half := engine.At(spec.Duration / 2)
		r.sim.RunUntil(half)
		var mid runtime.MemStats
		runtime.ReadMemStats(&mid)
		eventsMid := r.sim.Stats().Events
		r.sim.RunUntil(engine.At(spec.Duration))
		var end runtime.MemStats
		runtime.ReadMemStats(&end)
		eventsEnd := r.sim.Stats().Events
		res := r.run()
		wall := time.Since(start)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		events := float64(r.sim.Stats().Events)
		b.ReportMetric(events/wall.Seconds(), "events/s")
		b.ReportMetric(events, "events")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(spec.Nodes), "heapB/node")
		b.ReportMetric(float64(end.Mallocs-mid.Mallocs)/float64(eventsEnd-eventsMid), "steady-allocs/event")
		runtime.KeepAlive(r)
		runtime.KeepAlive(res)
	}
}

// BenchmarkKademlia10k runs a 10,000-node Kademlia network (k = 20, alpha =
// 3) for one virtual hour with the default workload, and reports events per
// wall second and heap bytes per node after the run. Routing tables hold the
// contacts actually met, so memory follows the table, not 64 x k.
func BenchmarkKademlia10k(b *testing.B) {
	spec := scenario.Default()
	spec.Protocol = "kademlia"
	spec.Nodes = 10000
	spec.Duration = time.Hour
	spec.Warmup = 30 * time.Minute
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		bind := newKademliaBinding(&spec)
		r, err := newRunner(&spec, bind, Options{})
		if err != nil {
			b.Fatal(err)
		}
		res := r.run()
		wall := time.Since(start)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		events := float64(r.sim.Stats().Events)
		contacts := 0
		for _, h := range bind.hosts {
			if h != nil {
				contacts += h.TableSize()
			}
		}
		b.ReportMetric(events/wall.Seconds(), "events/s")
		b.ReportMetric(events, "events")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(spec.Nodes), "heapB/node")
		b.ReportMetric(float64(contacts)/float64(spec.Nodes), "contacts/node")
		for _, m := range res.Summary {
			if m.Key == "traffic.bytes_per_node_per_s" {
				b.ReportMetric(m.Value, "B/node/s")
			}
		}
		runtime.KeepAlive(r)
	}
}
