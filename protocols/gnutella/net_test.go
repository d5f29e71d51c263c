package gnutella

import (
	"container/heap"
	"math/rand/v2"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
	"peerlab/topology"
)

// testNet is a tiny network driver for tests: hosts on a topology, every
// message delivered after the same delay, events in (time, sequence) order,
// so that messages between two hosts arrive in the order they were sent
// and a flood advances one hop per delay. Crashed hosts receive nothing and
// their timers die with them.
type testNet struct {
	cfg   *Config
	delay time.Duration
	now   engine.Time
	seq   uint64
	q     eventQueue
	hosts []*Host
	envs  []*netEnv
	rngs  []*rand.Rand
	alive []bool

	nextTimer engine.TimerID
	cancelled map[engine.TimerID]bool

	sent []netSent
	done []netDone
	log  *QueryLog
}

type netSent struct {
	at       engine.Time
	from, to engine.NodeID
	m        Message
}

type netDone struct {
	node engine.NodeID
	at   engine.Time
	overlay.LookupResult
}

type netEvent struct {
	at       engine.Time
	seq      uint64
	timer    bool
	from, to engine.NodeID
	m        Message
	t        Timer
	id       engine.TimerID
}

type eventQueue []netEvent

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(netEvent)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

type netEnv struct {
	n    *testNet
	self engine.NodeID
}

func (e *netEnv) Now() engine.Time    { return e.n.now }
func (e *netEnv) Self() engine.NodeID { return e.self }
func (e *netEnv) Rand() *rand.Rand    { return e.n.rngs[e.self] }
func (e *netEnv) Send(to engine.NodeID, m Message) {
	n := e.n
	n.sent = append(n.sent, netSent{at: n.now, from: e.self, to: to, m: m})
	n.push(netEvent{at: n.now.Add(n.delay), from: e.self, to: to, m: m})
}
func (e *netEnv) After(d time.Duration, t Timer) engine.TimerID {
	n := e.n
	n.nextTimer++
	n.push(netEvent{at: n.now.Add(d), timer: true, to: e.self, t: t, id: n.nextTimer})
	return n.nextTimer
}
func (e *netEnv) Cancel(id engine.TimerID) { e.n.cancelled[id] = true }
func (e *netEnv) LookupDone(r overlay.LookupResult) {
	e.n.done = append(e.n.done, netDone{node: e.self, at: e.n.now, LookupResult: r})
}

func (n *testNet) push(ev netEvent) {
	n.seq++
	ev.seq = n.seq
	heap.Push(&n.q, ev)
}

// newTestNet builds one host per vertex of g, with g's edges as
// neighbours, a QueryLog as observer, and joins them all at time 0.
// objects[v] are the keys host v holds.
func newTestNet(cfg Config, g *topology.Graph, objects map[int][]uint64, seed uint64) *testNet {
	n := &testNet{delay: time.Millisecond, cancelled: map[engine.TimerID]bool{}, log: NewQueryLog()}
	cfg.Observer = n.log
	n.cfg = &cfg
	for v := range g.N() {
		n.addHost(seed)
		nb := make([]engine.NodeID, 0, g.Degree(v))
		for _, w := range g.Neighbors(v) {
			nb = append(nb, engine.NodeID(w))
		}
		n.hosts[v].SetNeighbors(nb)
		n.hosts[v].SetObjects(objects[v])
	}
	for v := range n.hosts {
		n.hosts[v].Join(n.envs[v], engine.None)
	}
	return n
}

// addHost adds a host that has not joined.
func (n *testNet) addHost(seed uint64) engine.NodeID {
	id := engine.NodeID(len(n.hosts))
	n.hosts = append(n.hosts, NewHost(n.cfg, id))
	n.envs = append(n.envs, &netEnv{n: n, self: id})
	n.rngs = append(n.rngs, rand.New(rand.NewPCG(seed, uint64(id))))
	n.alive = append(n.alive, true)
	return id
}

// runUntil handles every event up to time t.
func (n *testNet) runUntil(t engine.Time) {
	for n.q.Len() > 0 && n.q[0].at <= t {
		ev := heap.Pop(&n.q).(netEvent)
		n.now = ev.at
		if !n.alive[ev.to] {
			continue
		}
		if ev.timer {
			if n.cancelled[ev.id] {
				continue
			}
			n.hosts[ev.to].Fire(n.envs[ev.to], ev.t)
			continue
		}
		n.hosts[ev.to].Deliver(n.envs[ev.to], ev.from, ev.m)
	}
	n.now = t
}

// run handles every event in the next d.
func (n *testNet) run(d time.Duration) { n.runUntil(n.now.Add(d)) }

// lookup starts a lookup at host v and returns whether it started.
func (n *testNet) lookup(v int, key uint64) bool {
	return n.hosts[v].Lookup(n.envs[v], key)
}

// crash takes host v down without a word.
func (n *testNet) crash(v int) { n.alive[v] = false }

// pendingMessages counts the messages in flight.
func (n *testNet) pendingMessages() int {
	c := 0
	for _, ev := range n.q {
		if !ev.timer {
			c++
		}
	}
	return c
}

// count returns the messages of op sent so far.
func (n *testNet) count(op Op) int {
	c := 0
	for _, s := range n.sent {
		if s.m.Op == op {
			c++
		}
	}
	return c
}

// sentOf returns the messages of op sent so far.
func (n *testNet) sentOf(op Op) []netSent {
	var out []netSent
	for _, s := range n.sent {
		if s.m.Op == op {
			out = append(out, s)
		}
	}
	return out
}

// bfs returns the hop distances from src in g, -1 when unreachable: the
// tests' own breadth-first search, independent of the code under test.
func bfs(g *topology.Graph, src int) []int {
	dist := make([]int, g.N())
	for i := range dist {
		dist[i] = -1
	}
	dist[src] = 0
	frontier := []int{src}
	for len(frontier) > 0 {
		var next []int
		for _, u := range frontier {
			for _, w := range g.Neighbors(u) {
				if dist[w] < 0 {
					dist[w] = dist[u] + 1
					next = append(next, int(w))
				}
			}
		}
		frontier = next
	}
	return dist
}

// floodCount is the number of QUERY messages a flood from src with the
// given TTL sends when copies along shortest paths arrive first: the origin
// sends one per neighbour, every other host within TTL-1 hops one per
// neighbour but the one it got the query from.
func floodCount(g *topology.Graph, src, ttl int) int {
	dist := bfs(g, src)
	c := g.Degree(src)
	for v, d := range dist {
		if d >= 1 && d < ttl {
			c += g.Degree(v) - 1
		}
	}
	return c
}
