package engine

import (
	"container/heap"
	"math/rand/v2"
	"testing"
	"time"
)

// ---------------------------------------------------------------------------
// The hold model: N events pending; each operation removes the earliest and
// schedules one new event at now + an exponential delay. Delays come from a
// pre-generated table so that RNG cost stays out of the measurement.

const holdTableSize = 1 << 16 // power of two

var holdDelays = func() []Time {
	r := rand.New(rand.NewPCG(2024, 11))
	d := make([]Time, holdTableSize)
	for i := range d {
		d[i] = Time(r.ExpFloat64() * float64(time.Millisecond)) // mean 1ms
	}
	return d
}()

var holdSizes = []struct {
	name string
	n    int
}{
	{"pending=1e3", 1e3},
	{"pending=1e4", 1e4},
	{"pending=1e5", 1e5},
	{"pending=1e6", 1e6},
}

// holdWarmup is how many hold operations run before timing starts, so the
// queue's time distribution reaches its steady state (capped for 1e6).
func holdWarmup(n int) int { return min(n, 200_000) }

func reportEventsPerSec(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "events/s")
	}
}

// newHoldSim returns a Sim pre-filled with n events whose trivial handler
// schedules one new event per delivered event.
func newHoldSim(n int) *Sim[uint32] {
	var s *Sim[uint32]
	k := uint32(0)
	s = New(func(_ NodeID, p uint32) {
		k++
		s.Schedule(s.Now()+holdDelays[k&(holdTableSize-1)], p)
	})
	for i := 0; i < n; i++ {
		s.Schedule(holdDelays[(i*7919)&(holdTableSize-1)], uint32(i))
	}
	for i := holdWarmup(n); i > 0; i-- {
		s.Step(Never)
	}
	return s
}

func BenchmarkHold(b *testing.B) {
	for _, sz := range holdSizes {
		b.Run(sz.name, func(b *testing.B) {
			s := newHoldSim(sz.n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.Step(Never)
			}
			b.StopTimer()
			reportEventsPerSec(b)
			if s.Pending() != sz.n {
				b.Fatalf("Pending = %d, want %d", s.Pending(), sz.n)
			}
		})
	}
}

// BenchmarkHoldHeap4 is the hold model on the bare 4-ary heap (no slab, no
// handler), to separate queue cost from engine overhead.
func BenchmarkHoldHeap4(b *testing.B) {
	for _, sz := range holdSizes {
		b.Run(sz.name, func(b *testing.B) {
			var h heap4
			var seq uint64
			for i := 0; i < sz.n; i++ {
				seq++
				h.Push(entry{at: holdDelays[(i*7919)&(holdTableSize-1)], seq: seq, slot: uint32(i)})
			}
			k := 0
			op := func() {
				e := h.Pop()
				k++
				seq++
				h.Push(entry{at: e.at + holdDelays[k&(holdTableSize-1)], seq: seq, slot: e.slot})
			}
			for i := holdWarmup(sz.n); i > 0; i-- {
				op()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				op()
			}
			b.StopTimer()
			reportEventsPerSec(b)
		})
	}
}

// --- container/heap of pointers ---------------------------------------------

type ptrEvent struct {
	at      Time
	seq     uint64
	payload uint32
}

type ptrQueue []*ptrEvent

func (q ptrQueue) Len() int { return len(q) }
func (q ptrQueue) Less(i, j int) bool {
	return q[i].at < q[j].at || (q[i].at == q[j].at && q[i].seq < q[j].seq)
}
func (q ptrQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *ptrQueue) Push(x any)   { *q = append(*q, x.(*ptrEvent)) }
func (q *ptrQueue) Pop() any {
	old := *q
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	*q = old[:n-1]
	return e
}

// BenchmarkHoldHeapPtr: container/heap of *ptrEvent, one new event allocated
// per operation (the usual way such a queue is written).
func BenchmarkHoldHeapPtr(b *testing.B) {
	for _, sz := range holdSizes {
		b.Run(sz.name, func(b *testing.B) {
			q := make(ptrQueue, 0, sz.n+1)
			var seq uint64
			for i := 0; i < sz.n; i++ {
				seq++
				q = append(q, &ptrEvent{at: holdDelays[(i*7919)&(holdTableSize-1)], seq: seq, payload: uint32(i)})
			}
			heap.Init(&q)
			k := 0
			op := func() {
				e := heap.Pop(&q).(*ptrEvent)
				k++
				seq++
				heap.Push(&q, &ptrEvent{at: e.at + holdDelays[k&(holdTableSize-1)], seq: seq, payload: e.payload})
			}
			for i := holdWarmup(sz.n); i > 0; i-- {
				op()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				op()
			}
			b.StopTimer()
			reportEventsPerSec(b)
		})
	}
}

// --- container/heap of values -----------------------------------------------

type valEvent struct {
	at      Time
	seq     uint64
	payload uint32
}

type valQueue []valEvent

func (q valQueue) Len() int { return len(q) }
func (q valQueue) Less(i, j int) bool {
	return q[i].at < q[j].at || (q[i].at == q[j].at && q[i].seq < q[j].seq)
}
func (q valQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *valQueue) Push(x any)   { *q = append(*q, x.(valEvent)) }
func (q *valQueue) Pop() any {
	old := *q
	n := len(old)
	e := old[n-1]
	*q = old[:n-1]
	return e
}

func newValQueue(n int) (valQueue, uint64) {
	q := make(valQueue, 0, n+1)
	var seq uint64
	for i := 0; i < n; i++ {
		seq++
		q = append(q, valEvent{at: holdDelays[(i*7919)&(holdTableSize-1)], seq: seq, payload: uint32(i)})
	}
	heap.Init(&q)
	return q, seq
}

// BenchmarkHoldHeapValue: container/heap of valEvent values, Pop then Push.
// Values pass through `any`, so each Pop and Push boxes a 24-byte struct.
func BenchmarkHoldHeapValue(b *testing.B) {
	for _, sz := range holdSizes {
		b.Run(sz.name, func(b *testing.B) {
			q, seq := newValQueue(sz.n)
			k := 0
			op := func() {
				e := heap.Pop(&q).(valEvent)
				k++
				seq++
				heap.Push(&q, valEvent{at: e.at + holdDelays[k&(holdTableSize-1)], seq: seq, payload: e.payload})
			}
			for i := holdWarmup(sz.n); i > 0; i-- {
				op()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				op()
			}
			b.StopTimer()
			reportEventsPerSec(b)
		})
	}
}

// BenchmarkHoldHeapValueFix: container/heap of values, but the hold operation
// is done as "replace the root, heap.Fix(0)", which avoids boxing entirely.
func BenchmarkHoldHeapValueFix(b *testing.B) {
	for _, sz := range holdSizes {
		b.Run(sz.name, func(b *testing.B) {
			q, seq := newValQueue(sz.n)
			k := 0
			op := func() {
				e := q[0]
				k++
				seq++
				q[0] = valEvent{at: e.at + holdDelays[k&(holdTableSize-1)], seq: seq, payload: e.payload}
				heap.Fix(&q, 0)
			}
			for i := holdWarmup(sz.n); i > 0; i-- {
				op()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				op()
			}
			b.StopTimer()
			reportEventsPerSec(b)
		})
	}
}

// TestHoldReferenceQueuesAgree checks that the reference queues used by the
// benchmarks order events exactly as heap4 and Sim do, so the comparison is
// between equivalent queues.
func TestHoldReferenceQueuesAgree(t *testing.T) {
	const n, ops = 500, 20000
	// Sim.
	var s *Sim[uint32]
	var simOut []Time
	var simPay []uint32
	k := 0
	s = New(func(_ NodeID, p uint32) {
		simOut, simPay = append(simOut, s.Now()), append(simPay, p)
		k++
		s.Schedule(s.Now()+holdDelays[k&(holdTableSize-1)]/1000*1000, p) // coarse times: many ties
	})
	// pointer heap and value heap with the same inputs.
	pq := ptrQueue{}
	vq := valQueue{}
	var seq uint64
	for i := 0; i < n; i++ {
		at := holdDelays[(i*7919)&(holdTableSize-1)] / 1000 * 1000
		s.Schedule(at, uint32(i))
		seq++
		heap.Push(&pq, &ptrEvent{at: at, seq: seq, payload: uint32(i)})
		heap.Push(&vq, valEvent{at: at, seq: seq, payload: uint32(i)})
	}
	var ptrOut, valOut []Time
	var ptrPay, valPay []uint32
	for j := 1; j <= ops; j++ {
		s.Step(Never)
		pe := heap.Pop(&pq).(*ptrEvent)
		ve := heap.Pop(&vq).(valEvent)
		ptrOut, valOut = append(ptrOut, pe.at), append(valOut, ve.at)
		ptrPay, valPay = append(ptrPay, pe.payload), append(valPay, ve.payload)
		seq++
		d := holdDelays[j&(holdTableSize-1)] / 1000 * 1000
		heap.Push(&pq, &ptrEvent{at: pe.at + d, seq: seq, payload: pe.payload})
		heap.Push(&vq, valEvent{at: ve.at + d, seq: seq, payload: ve.payload})
	}
	if len(simOut) != ops {
		t.Fatalf("sim delivered %d events, want %d", len(simOut), ops)
	}
	for i := range simOut {
		if simOut[i] != ptrOut[i] || simOut[i] != valOut[i] || simPay[i] != ptrPay[i] || ptrPay[i] != valPay[i] {
			t.Fatalf("op %d: sim %v (p%d), ptr %v (p%d), val %v (p%d)", i, simOut[i], simPay[i], ptrOut[i], ptrPay[i], valOut[i], valPay[i])
		}
	}
}

// ---------------------------------------------------------------------------
// A trivial protocol: 1000 live nodes; every event is a message from a node to
// a random other node, delivered after a constant delay.

const trivialNodes = 1000

type trivialMsg struct {
	from NodeID
	hops uint32
}

func newTrivialProtocol() *Sim[trivialMsg] {
	const delay = Time(10 * time.Millisecond)
	streams := NewStreams(1)
	rngs := make([]*rand.Rand, trivialNodes)
	for i := range rngs {
		rngs[i] = streams.Stream("trivial", uint64(i))
	}
	var s *Sim[trivialMsg]
	s = New(func(node NodeID, m trivialMsg) {
		to := NodeID(rngs[node].IntN(trivialNodes - 1))
		if to >= node {
			to++
		}
		s.Post(s.Now()+delay, to, trivialMsg{from: node, hops: m.hops + 1})
	})
	s.AddNodes(trivialNodes)
	for i := 0; i < trivialNodes; i++ {
		s.Up(NodeID(i))
	}
	start := streams.Stream("trivial-start", 0)
	for i := 0; i < trivialNodes; i++ {
		s.Post(Time(start.Int64N(int64(delay))), NodeID(i), trivialMsg{from: None})
	}
	for i := 0; i < 20*trivialNodes; i++ { // reach steady state: slab and heap at full size
		s.Step(Never)
	}
	return s
}

func BenchmarkTrivialProtocol(b *testing.B) {
	s := newTrivialProtocol()
	before := s.Stats()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Step(Never)
	}
	b.StopTimer()
	reportEventsPerSec(b)
	st := s.Stats()
	if st.Events-before.Events != uint64(b.N) || st.Dropped != 0 || s.Pending() != trivialNodes {
		b.Fatalf("unexpected state: %+v, pending %d", st, s.Pending())
	}
}

// TestSteadyStateZeroAllocs asserts what the benchmarks report: in steady
// state the engine allocates nothing per event.
func TestSteadyStateZeroAllocs(t *testing.T) {
	trivial := newTrivialProtocol()
	hold := newHoldSim(10000)
	cases := []struct {
		name string
		step func()
	}{
		{"trivial-protocol", func() { trivial.Step(Never) }},
		{"hold-1e4", func() { hold.Step(Never) }},
	}
	for _, c := range cases {
		if a := testing.AllocsPerRun(5000, c.step); a != 0 {
			t.Errorf("%s: %v allocs per event, want 0", c.name, a)
		}
	}
}
