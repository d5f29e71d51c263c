package run

import (
	"math/rand/v2"

	"peerlab/content"
	"peerlab/engine"
	"peerlab/metrics"
	"peerlab/overlay"
	"peerlab/protocols/gnutella"
	"peerlab/results"
	"peerlab/scenario"
	"peerlab/topology"
)

// gnutellaBinding runs the Gnutella overlay: the initial topology, the
// objects each host shares, the Zipf query popularity, and the oracle —
// which hosts hold which object, and which of them are live.
//
// The topology is laid edge by edge as hosts first come up: an edge is
// wired (without handshake) when its second end arrives, so a scenario
// whose hosts all arrive at once starts from exactly the generated graph.
// A host that comes back after leaving or crashing is a new servent that
// knows only its bootstrap and finds neighbours by PING/PONG; it keeps its
// degree in the topology as its target degree. A host shares the same
// objects in every session: replicas leave and come back with their hosts.
type gnutellaBinding struct {
	cfg     gnutella.Config
	graph   *topology.Graph
	hosts   []*gnutella.Host
	held    [][]int // objects each host shares, sorted
	wired   []bool  // the host's topology edges have been laid
	alive   []bool
	liveRep []int // live replicas per object
	pick    *content.Sampler
	warmup  engine.Time

	log   *gnutella.QueryLog
	ended []uint64 // query identifiers in the order the lookups ended
	// unavailable counts the lookups after warm-up whose object had no
	// live replica when they ended.
	unavailable, measured int
}

func newGnutellaBinding(spec *scenario.Spec) (*gnutellaBinding, error) {
	streams := engine.NewStreams(spec.Seed)
	g, err := topology.Load(spec.Topology, spec.Nodes, streams.Stream("topology", 0))
	if err != nil {
		return nil, err
	}
	c := spec.Content
	q := content.Popularity(c.Objects, c.Zipf)
	budget := int(c.ReplicationRatio*float64(spec.Nodes)*float64(c.Objects) + 0.5)
	reps, err := content.Replicas(c.Replication, q, budget, spec.Nodes)
	if err != nil {
		return nil, err
	}
	b := &gnutellaBinding{
		cfg:     spec.Gnutella,
		graph:   g,
		hosts:   make([]*gnutella.Host, spec.Nodes),
		held:    content.Place(reps, spec.Nodes, streams.Stream("content", 0)),
		wired:   make([]bool, spec.Nodes),
		alive:   make([]bool, spec.Nodes),
		liveRep: make([]int, c.Objects),
		pick:    content.NewSampler(q),
		warmup:  engine.At(spec.Warmup),
		log:     gnutella.NewQueryLog(),
	}
	b.cfg.Observer = b
	return b, nil
}

func (b *gnutellaBinding) kinds() []overlay.KindInfo { return gnutella.Kinds }

func (b *gnutellaBinding) newNode(host engine.NodeID) overlay.Protocol[gnutella.Message, gnutella.Timer] {
	h := gnutella.NewHost(&b.cfg, host)
	h.SetDegree(b.graph.Degree(int(host)), 0)
	objs := make([]uint64, len(b.held[host]))
	for i, o := range b.held[host] {
		objs[i] = uint64(o)
	}
	h.SetObjects(objs)
	if !b.wired[host] && b.graph.Degree(int(host)) > 0 {
		h.AwaitWiring()
	}
	b.hosts[host] = h
	return h
}

func (b *gnutellaBinding) first(engine.NodeID) {}

// up lays the host's topology edges to the live hosts on its first
// arrival, and counts its replicas live.
func (b *gnutellaBinding) up(host engine.NodeID, now engine.Time) {
	b.alive[host] = true
	for _, o := range b.held[host] {
		b.liveRep[o]++
	}
	if b.wired[host] {
		return
	}
	b.wired[host] = true
	for _, nb := range b.graph.Neighbors(int(host)) {
		if b.alive[nb] && b.wired[nb] {
			b.hosts[host].Wire(engine.NodeID(nb), now)
			b.hosts[nb].Wire(host, now)
		}
	}
}

func (b *gnutellaBinding) down(host engine.NodeID) {
	b.alive[host] = false
	for _, o := range b.held[host] {
		b.liveRep[o]--
	}
}

// correct: the hit must come from a live host that shares the object.
func (b *gnutellaBinding) correct(res overlay.LookupResult) bool {
	h := res.Owner
	return h >= 0 && int(h) < len(b.hosts) && b.alive[h] && b.hosts[h].HasObject(res.Key)
}

// key draws an object by its Zipf popularity: the key is the object's
// rank, 0 the most popular.
func (b *gnutellaBinding) key(rng *rand.Rand) uint64 { return uint64(b.pick.Draw(rng)) }

func (b *gnutellaBinding) state(host engine.NodeID) metrics.NodeState {
	h := b.hosts[host]
	return metrics.NodeState{Keys: h.Objects(), TableSize: h.Degree()}
}

// finish fills in each lookup's message count, known only now (copies of
// a flood travel on after its first hit), and adds the search metrics.
func (b *gnutellaBinding) finish(rows []results.LookupRow) []results.Metric {
	var n, reached, dups, msgs float64
	for i := range rows {
		rec, ok := b.log.Get(b.ended[i])
		if !ok {
			continue
		}
		rows[i].Messages = rec.Messages
		if rec.Start < b.warmup {
			continue
		}
		n++
		reached += float64(rec.Reached)
		dups += float64(rec.Duplicates)
		msgs += float64(rec.Messages)
	}
	out := []results.Metric{
		{Key: "search.unavailable_rate", Value: ratio(b.unavailable, b.measured)},
	}
	if n > 0 {
		out = append(out,
			results.Metric{Key: "search.reached_per_query", Value: reached / n},
			results.Metric{Key: "search.duplicates_per_query", Value: dups / n},
		)
		if reached+dups > 0 {
			out = append(out, results.Metric{Key: "search.duplicate_ratio", Value: dups / (reached + dups)})
		}
	}
	return out
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// The binding observes every query (gnutella.Observer), keeping a
// QueryLog of their costs.

func (b *gnutellaBinding) QueryStarted(origin engine.NodeID, qid, key uint64, at engine.Time) {
	b.log.QueryStarted(origin, qid, key, at)
}

func (b *gnutellaBinding) QuerySent(host engine.NodeID, qid uint64, op gnutella.Op) {
	b.log.QuerySent(host, qid, op)
}

func (b *gnutellaBinding) QueryReached(host engine.NodeID, qid uint64, duplicate bool) {
	b.log.QueryReached(host, qid, duplicate)
}

func (b *gnutellaBinding) QueryHit(host engine.NodeID, qid uint64) { b.log.QueryHit(host, qid) }

// QueryEnded follows the origin's Env.LookupDone, so the order of the
// calls is the order of the lookup rows.
func (b *gnutellaBinding) QueryEnded(origin engine.NodeID, qid uint64, r overlay.LookupResult, at engine.Time) {
	b.log.QueryEnded(origin, qid, r, at)
	b.ended = append(b.ended, qid)
	if r.Start >= b.warmup {
		b.measured++
		if b.liveRep[r.Key] == 0 {
			b.unavailable++
		}
	}
}
