package kademlia

import (
	"math/rand/v2"
	"slices"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
)

// simNet is a small deterministic network on engine.Sim for tests: every
// message takes the same delay, hosts are created with random distinct
// identifiers and join one by one through a random live node.
type simNet struct {
	cfg   *Config
	sim   *engine.Sim[simEvent]
	delay time.Duration
	hosts []*Host
	rngs  []*rand.Rand
	env   simEnv
	pick  *rand.Rand // the harness's own choices: bootstraps, lookups

	results []simResult
	msgs    [2]int // by class
	bytes   [2]int
	trace   uint64 // FNV-1a over every send and every result

	kindCount map[string]int
	tracing   bool
}

// mix folds vals into the trace (FNV-1a, byte by byte; no allocation) when
// tracing is on.
func (s *simNet) mix(vals [7]uint64) {
	if !s.tracing {
		return
	}
	for _, v := range vals {
		for i := range 8 {
			s.trace ^= uint64(byte(v >> (8 * i)))
			s.trace *= 1099511628211
		}
	}
}

type simEvent struct {
	kind  uint8 // 0 message, 1 timer, 2 join, 3 lookup
	from  engine.NodeID
	key   uint64
	msg   Message
	timer Timer
}

type simResult struct {
	node engine.NodeID
	at   engine.Time
	overlay.LookupResult
}

type simEnv struct {
	n    *simNet
	self engine.NodeID
}

func (e *simEnv) Now() engine.Time    { return e.n.sim.Now() }
func (e *simEnv) Self() engine.NodeID { return e.self }
func (e *simEnv) Rand() *rand.Rand    { return e.n.rngs[e.self] }
func (e *simEnv) Send(to engine.NodeID, m Message) {
	n := e.n
	c := Kinds[m.Kind()].Class
	n.msgs[c]++
	if n.kindCount != nil {
		n.kindCount[Kinds[m.Kind()].Name]++
	}
	n.bytes[c] += m.Size()
	n.mix([7]uint64{uint64(n.sim.Now()), uint64(e.self), uint64(to), uint64(m.Op), m.Req, m.Target, uint64(len(m.Contacts))})
	n.sim.Post(n.sim.Now().Add(n.delay), to, simEvent{kind: 0, from: e.self, msg: m})
}
func (e *simEnv) After(d time.Duration, t Timer) engine.TimerID {
	return e.n.sim.Timer(e.n.sim.Now().Add(d), e.self, simEvent{kind: 1, timer: t})
}
func (e *simEnv) Cancel(id engine.TimerID) { e.n.sim.Cancel(id) }
func (e *simEnv) LookupDone(r overlay.LookupResult) {
	n := e.n
	n.results = append(n.results, simResult{node: e.self, at: n.sim.Now(), LookupResult: r})
	n.mix([7]uint64{uint64(n.sim.Now()), uint64(e.self), r.Key, uint64(r.Owner), r.OwnerID, uint64(r.Hops)})
}

// newSimNet builds n hosts with random identifiers drawn from seed.
func newSimNet(cfg *Config, n int, seed uint64) *simNet {
	s := &simNet{cfg: cfg, delay: 10 * time.Millisecond, hosts: make([]*Host, n), rngs: make([]*rand.Rand, n)}
	s.env.n = s
	s.trace = 14695981039346656037
	s.sim = engine.New(s.handle)
	s.sim.AddNodes(n)
	streams := engine.NewStreams(seed)
	idr := streams.Stream("ids", 0)
	s.pick = streams.Stream("pick", 0)
	used := map[uint64]bool{}
	mask := idMask(cfg.Bits)
	for i := range n {
		id := idr.Uint64() & mask
		for used[id] {
			id = idr.Uint64() & mask
		}
		used[id] = true
		s.hosts[i] = NewHost(cfg, engine.NodeID(i), id)
		s.rngs[i] = streams.Stream("node", uint64(i))
	}
	return s
}

func (s *simNet) handle(node engine.NodeID, ev simEvent) {
	s.env.self = node
	switch ev.kind {
	case 0:
		s.hosts[node].Deliver(&s.env, ev.from, ev.msg)
	case 1:
		s.hosts[node].Fire(&s.env, ev.timer)
	case 2: // a global event: the joining node is ev.from
		node = ev.from
		s.env.self = node
		boot := engine.None
		if node > 0 {
			for {
				b := engine.NodeID(s.pick.IntN(int(node)))
				if s.sim.Alive(b) {
					boot = b
					break
				}
			}
		}
		s.sim.Up(node)
		s.hosts[node].Join(&s.env, boot)
	case 3:
		s.hosts[node].Lookup(&s.env, ev.key)
	}
}

// joinAll joins every host, one every gap, then runs until settle after the
// last. Node i joins through a random node among 0..i-1.
func (s *simNet) joinAll(gap, settle time.Duration) {
	for i := range s.hosts {
		s.sim.Schedule(engine.Time(int64(gap)*int64(i)), simEvent{kind: 2, from: engine.NodeID(i)})
	}
	s.sim.RunUntil(s.sim.Now().Add(gap*time.Duration(len(s.hosts)) + settle))
}

// lookups issues count lookups from random live nodes for random keys, one
// every gap, and runs until they are over.
func (s *simNet) lookups(count int, gap time.Duration) { s.lookupsOf(count, gap, nil) }

// lookupsOf is lookups for keys drawn from keys (random ones if keys is nil).
func (s *simNet) lookupsOf(count int, gap time.Duration, keys []uint64) {
	s.results = s.results[:0]
	start := s.sim.Now()
	mask := idMask(s.cfg.Bits)
	for i := range count {
		node := engine.NodeID(s.pick.IntN(len(s.hosts)))
		for !s.sim.Alive(node) {
			node = engine.NodeID(s.pick.IntN(len(s.hosts)))
		}
		key := s.pick.Uint64() & mask
		if keys != nil {
			key = keys[s.pick.IntN(len(keys))]
		}
		s.sim.Timer(start.Add(gap*time.Duration(i)), node, simEvent{kind: 3, key: key})
	}
	s.sim.RunUntil(start.Add(gap*time.Duration(count) + time.Minute))
}

// liveIDs returns the identifiers of the live hosts, sorted, and the host of
// each.
func (s *simNet) liveIDs() ([]uint64, []engine.NodeID) {
	var all []Contact
	for i, h := range s.hosts {
		if s.sim.Alive(engine.NodeID(i)) {
			all = append(all, h.Self())
		}
	}
	slices.SortFunc(all, func(a, b Contact) int { return cmpU(a.ID, b.ID) })
	ids := make([]uint64, len(all))
	hosts := make([]engine.NodeID, len(all))
	for i, c := range all {
		ids[i], hosts[i] = c.ID, c.Host
	}
	return ids, hosts
}

// check classifies the results against the true closest live node.
func (s *simNet) check() (ok, incorrect, failed int, meanHops float64) {
	ids, hosts := s.liveIDs()
	hops := 0
	for _, r := range s.results {
		switch i := ClosestIndex(ids, r.Key); {
		case r.Failed:
			failed++
		case r.OwnerID == ids[i] && r.Owner == hosts[i]:
			ok++
			hops += r.Hops
		default:
			incorrect++
		}
	}
	if ok > 0 {
		meanHops = float64(hops) / float64(ok)
	}
	return
}
