package run

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"peerlab/churn"
	"peerlab/engine"
	"peerlab/protocols/gnutella"
	"peerlab/results"
	"peerlab/scenario"
	"peerlab/topology"
)

// gnutellaSpec is a static Gnutella network: n hosts all arriving at time
// 0 on the given topology, a constant 20 ms one-way delay, one query per
// host every 2 minutes.
func gnutellaSpec(n int, topo topology.Spec, strategy string) scenario.Spec {
	s := testSpec(n, 12*time.Minute, 2*time.Minute)
	s.Protocol = "gnutella"
	s.Topology = topo
	s.Gnutella.Strategy = strategy
	s.Churn.Arrival, s.Churn.ArrivalWindow = "all", 0
	s.Underlay.Model = "constant"
	s.Underlay.Delay = 20 * time.Millisecond
	s.Workload.LookupInterval = 2 * time.Minute
	return s
}

// gnutellaRun is a Gnutella simulation a test can inspect.
type gnutellaRun struct {
	r *runner[gnutella.Message, gnutella.Timer]
	b *gnutellaBinding
}

func newGnutellaRun(t testing.TB, spec scenario.Spec) *gnutellaRun {
	t.Helper()
	if err := spec.Validate(); err != nil {
		t.Fatalf("invalid test scenario: %v", err)
	}
	b, err := newGnutellaBinding(&spec)
	if err != nil {
		t.Fatal(err)
	}
	r, err := newRunner(&spec, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &gnutellaRun{r: r, b: b}
}

// TestGnutellaTopologyAndFirstHit runs flooding with a TTL above the
// graph's diameter over equal link delays. The overlay must be exactly the
// generated graph, every query must succeed, and — since the first hit to
// come back is the one from the nearest holder — its hop count must equal
// the breadth-first distance from the origin to the nearest host holding
// the object, computed here from the graph.
func TestGnutellaTopologyAndFirstHit(t *testing.T) {
	for _, topo := range []topology.Spec{
		{Model: topology.Regular, Degree: 4, Connected: true},
		{Model: topology.PowerLaw, Degree: 4, Connected: true},
		{Model: topology.SmallWorld, Degree: 4, Rewire: 0.1, Connected: true},
	} {
		t.Run(topo.Model, func(t *testing.T) {
			s := gnutellaSpec(400, topo, gnutella.Flood)
			s.Gnutella.TTL = 30
			s.Content.ReplicationRatio = 0.02
			g := newGnutellaRun(t, s)
			g.r.sim.RunUntil(engine.At(s.Duration))
			for h, host := range g.b.hosts {
				want := slices.Clone(g.b.graph.Neighbors(h))
				got := host.Neighbors()
				slices.Sort(got)
				if !slices.EqualFunc(want, got, func(a int32, b engine.NodeID) bool { return engine.NodeID(a) == b }) {
					t.Fatalf("host %d has neighbours %v, the topology %v", h, got, want)
				}
			}
			dist := make(map[int][]int32)
			rows := g.r.col.Lookups()
			if len(rows) < 1500 {
				t.Fatalf("only %d lookups", len(rows))
			}
			for _, l := range rows {
				if l.Outcome != results.Success {
					t.Fatalf("lookup %+v did not succeed", l)
				}
				d, ok := dist[l.Source]
				if !ok {
					d = g.b.graph.Distances(l.Source)
					dist[l.Source] = d
				}
				nearest := int32(-1)
				for h := range g.b.hosts {
					if g.b.hosts[h].HasObject(l.Key) && (nearest < 0 || d[h] < nearest) {
						nearest = d[h]
					}
				}
				if int32(l.Hops) != nearest {
					t.Fatalf("lookup %+v took %d hops, the nearest holder is %d away", l, l.Hops, nearest)
				}
			}
		})
	}
}

// TestGnutellaStrategies compares the three searches on a 2,000-host
// power-law overlay with square-root replication, as Lv et al. did: all
// find nearly everything, and per query flooding sends the most messages,
// the expanding ring fewer, the random walkers by far the fewest.
func TestGnutellaStrategies(t *testing.T) {
	if testing.Short() {
		t.Skip("three 2,000-host runs")
	}
	msgs := map[string]float64{}
	for _, st := range []string{gnutella.Flood, gnutella.ExpandingRing, gnutella.RandomWalk} {
		s := gnutellaSpec(2000, topology.Spec{Model: topology.PowerLaw, Degree: 4, Connected: true}, st)
		s.Duration = 7 * time.Minute
		s.Workload.LookupInterval = 10 * time.Minute
		res, err := Run(s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		sum := summaryMap(res)
		if sr := sum["lookups.success_rate"]; !(sr >= 0.99) || sum["lookups.count"] < 500 {
			t.Errorf("%s: %v lookups, success %.4f, want at least 500 and 99%%", st, sum["lookups.count"], sr)
		}
		for _, l := range res.Lookups {
			if l.Messages < 0 {
				t.Fatalf("%s: lookup %+v has no message count", st, l)
			}
		}
		msgs[st] = sum["messages_per_lookup.mean"]
	}
	if !(msgs[gnutella.Flood] > 3*msgs[gnutella.ExpandingRing] && msgs[gnutella.ExpandingRing] > 2*msgs[gnutella.RandomWalk]) {
		t.Errorf("messages per query %v: want flood > 3 x expanding ring > 6 x random walk", msgs)
	}
	if !(msgs[gnutella.Flood] > 20*msgs[gnutella.RandomWalk]) {
		t.Errorf("messages per query %v: random walks should cut flooding's traffic more than 20-fold on 2,000 hosts (142-fold on 10,000)", msgs)
	}
}

// TestGnutellaDeterministic: one seed, one result.
func TestGnutellaDeterministic(t *testing.T) {
	var prev *results.Run
	for range 2 {
		s := gnutellaSpec(300, topology.Spec{Model: topology.PowerLaw, Degree: 4, Connected: true}, gnutella.RandomWalk)
		s.Churn.Model = "sessions"
		s.Churn.Session.Mean = 10 * time.Minute
		res, err := Run(s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if prev != nil && (!reflect.DeepEqual(prev.Lookups, res.Lookups) || !reflect.DeepEqual(prev.Summary, res.Summary) || !reflect.DeepEqual(prev.Nodes, res.Nodes)) {
			t.Fatal("two runs of one scenario and seed differ")
		}
		prev = res
	}
}

// TestGnutellaUnderChurn: hosts come and go (sessions and downtimes of 30
// minutes on average, half of the departures crashes). Hosts must keep
// their degree through PING/PONG discovery, hold no link to a host dead
// for longer than a PING period, and queries must find what is still
// online: failures are explained by objects without a live replica and
// by the few hosts caught without neighbours.
func TestGnutellaUnderChurn(t *testing.T) {
	s := gnutellaSpec(600, topology.Spec{Model: topology.Random, Degree: 6, Connected: true}, gnutella.Flood)
	s.Duration, s.Warmup = time.Hour, 20*time.Minute
	s.Churn.Model = "sessions"
	s.Churn.Session.Mean = 30 * time.Minute
	s.Churn.Downtime.Mean = 30 * time.Minute
	s.Churn.Arrival, s.Churn.ArrivalWindow = "ramp", 5*time.Minute
	s.Content.ReplicationRatio = 0.03
	g := newGnutellaRun(t, s)
	var degrees, live float64
	for at := s.Warmup; at <= s.Duration; at += 5 * time.Minute {
		g.r.sim.RunUntil(engine.At(at))
		for h, host := range g.b.hosts {
			if host == nil || !g.r.sim.Alive(engine.NodeID(h)) {
				continue
			}
			live++
			degrees += float64(host.Degree())
			for _, nb := range host.Neighbors() {
				if !g.r.sim.Alive(nb) && g.r.sim.Now()-g.downSince(nb) > engine.At(s.Gnutella.PingPeriod+s.Gnutella.RPCTimeout) {
					t.Errorf("at %v host %d still links to %d, down for %v", at, h, nb, time.Duration(g.r.sim.Now()-g.downSince(nb)))
				}
			}
		}
	}
	if mean := degrees / live; mean < 0.8*6 {
		t.Errorf("mean degree of live hosts %.2f under churn, want near the topology's 6", mean)
	}
	extra := g.b.finish(g.r.col.Lookups())
	unavailable := 0.0
	for _, m := range extra {
		if m.Key == "search.unavailable_rate" {
			unavailable = m.Value
		}
	}
	ls := 0
	succ := 0
	for _, l := range g.r.col.Lookups() {
		if l.TimeS >= s.Warmup.Seconds() {
			ls++
			if l.Outcome == results.Success {
				succ++
			}
		}
	}
	sr := float64(succ) / float64(ls)
	if ls < 1000 || sr < 1-unavailable-0.03 {
		t.Errorf("%d lookups, success %.4f with %.4f of them for objects no live host held: want success within 3 points of 1 - that", ls, sr, unavailable)
	}
	t.Logf("mean degree %.2f, %d lookups, success %.4f, unavailable %.4f", degrees/live, ls, sr, unavailable)
}

// downSince returns when host last went down (the engine keeps no such
// record; the churn schedule does).
func (g *gnutellaRun) downSince(host engine.NodeID) engine.Time {
	last := engine.Time(0)
	for _, e := range g.r.churn[:g.r.next] {
		if e.Node == host && e.Kind != churn.Join {
			last = e.At
		}
	}
	return last
}
