package kademlia

import (
	"runtime"
	"testing"
	"time"

	"peerlab/engine"
)

// BenchmarkLookupSteadyState measures one workload lookup in a 512-node
// network (k = 20, α = 3) built with real joins and warmed up: each
// operation issues a lookup from a random node for a random key and runs
// the simulation for a second of virtual time, which finishes it along with
// everything else that falls due (pings of full buckets, stores, refreshes).
// Besides allocs/op it reports engine events and allocations per event.
// It runs with the paper's ping rule and with ping_after = 15m.
func BenchmarkLookupSteadyState(b *testing.B) {
	for _, pa := range []time.Duration{0, 15 * time.Minute} {
		b.Run("ping_after="+pa.String(), func(b *testing.B) { benchLookups(b, pa) })
	}
}

func benchLookups(b *testing.B, pingAfter time.Duration) {
	cfg := DefaultConfig()
	cfg.PingAfter = pingAfter
	s := newSimNet(&cfg, 512, 9)
	s.joinAll(100*time.Millisecond, time.Minute)
	s.lookups(5000, 10*time.Millisecond) // warm the slots, buffers and pools
	s.results = make([]simResult, 0, 1024)
	ev0 := s.sim.Stats().Events
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		node := engine.NodeID(s.pick.IntN(len(s.hosts)))
		s.sim.Timer(s.sim.Now(), node, simEvent{kind: 3, key: s.pick.Uint64()})
		s.sim.RunUntil(s.sim.Now().Add(time.Second))
		if len(s.results) == cap(s.results) {
			s.results = s.results[:0]
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	events := float64(s.sim.Stats().Events - ev0)
	b.ReportMetric(events/float64(b.N), "events/op")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/events, "allocs/event")
}

// TestSteadyStateAllocs asserts that a warmed-up network allocates nothing
// per lookup (up to the rare refill of the reply-buffer pool after a garbage
// collection).
func TestSteadyStateAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a network")
	}
	cfg := DefaultConfig()
	s := newSimNet(&cfg, 256, 10)
	s.joinAll(100*time.Millisecond, time.Minute)
	s.lookups(3000, 10*time.Millisecond)
	s.results = make([]simResult, 0, 4096)
	allocs := testing.AllocsPerRun(2000, func() {
		node := engine.NodeID(s.pick.IntN(len(s.hosts)))
		s.sim.Timer(s.sim.Now(), node, simEvent{kind: 3, key: s.pick.Uint64()})
		s.sim.RunUntil(s.sim.Now().Add(time.Second))
	})
	if allocs > 0.05 {
		t.Errorf("%.3f allocations per lookup in steady state, want 0", allocs)
	}
}
