// Package run builds one simulation from a scenario and runs it: it wires the
// engine, the underlay, the protocol's nodes, the workload and the metrics
// collector together, and classifies every lookup against an oracle that
// knows the true owner of each key.
package run

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"peerlab/churn"
	"peerlab/engine"
	"peerlab/metrics"
	"peerlab/overlay"
	"peerlab/results"
	"peerlab/scenario"
	"peerlab/underlay"
)

// Options tune a run without changing its results.
type Options struct {
	// Progress, if set, is called now and then with the fraction of virtual
	// time done, from the simulating goroutine.
	Progress func(done float64)
}

// Run simulates spec and returns its tables and summary. The spec must be valid.
func Run(spec scenario.Spec, opts Options) (*results.Run, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	switch spec.Protocol {
	case "chord":
		return simulate(&spec, newChordBinding(&spec), nil, opts)
	case "kademlia":
		return simulate(&spec, newKademliaBinding(&spec), nil, opts)
	case "gnutella":
		b, err := newGnutellaBinding(&spec)
		return simulate(&spec, b, err, opts)
	case "superpeer":
		b, err := newSuperpeerBinding(&spec)
		res, err := simulate(&spec, b, err, opts)
		if err == nil {
			res.Superpeer = b.tables()
		}
		return res, err
	}
	return nil, fmt.Errorf("protocol: unknown protocol %q", spec.Protocol)
}

// simulate runs one simulation of spec with binding b, unless making the
// binding failed (bindErr).
func simulate[M overlay.Message, T any](spec *scenario.Spec, b binding[M, T], bindErr error, opts Options) (*results.Run, error) {
	if bindErr != nil {
		return nil, bindErr
	}
	r, err := newRunner(spec, b, opts)
	if err != nil {
		return nil, err
	}
	return r.run(), nil
}

// binding is what the runner needs from a protocol beyond overlay.Protocol:
// how to make nodes, and the oracle.
type binding[M overlay.Message, T any] interface {
	kinds() []overlay.KindInfo
	// newNode returns fresh state for a host that is about to join.
	newNode(host engine.NodeID) overlay.Protocol[M, T]
	// first is called for the first node to join, before its Join: the
	// place to load the initial data set.
	first(host engine.NodeID)
	// up and down keep the oracle's view of live nodes; up is called at
	// time now, after newNode and before the node's Join.
	up(host engine.NodeID, now engine.Time)
	down(host engine.NodeID)
	// correct is the oracle: whether a finished lookup returned the live
	// node responsible for its key.
	correct(res overlay.LookupResult) bool
	// key draws the key of a workload lookup from rng (the issuing node's
	// workload stream).
	key(rng *rand.Rand) uint64
	// finish is called once at the end of the run with the lookup rows (in
	// the order the lookups ended), which it may complete (a message count
	// known only at the end), and returns protocol-specific summary
	// metrics.
	finish(lookups []results.LookupRow) []results.Metric
	// state describes a live host at the end of the run: its stored keys,
	// routing table size and (Kademlia) bucket fill; Alive is set by the
	// runner.
	state(host engine.NodeID) metrics.NodeState
}

// natAware is a binding that must know every host's connectivity class
// and the clock: newRunner calls setNAT once, after drawing the classes
// (nat is nil when every host is public), before any host joins.
type natAware interface {
	setNAT(nat *underlay.NAT, now func() engine.Time)
}

// pinner is a binding with hosts that must stay up (a central server):
// the churn schedule's leaves and crashes of a pinned host are skipped.
type pinner interface {
	pinned(host engine.NodeID) bool
}

type evKind uint8

const (
	evMessage evKind = iota
	evTimer
	evLookup
	evSample
	evJoin
	evLeave // graceful departure: the protocol says goodbye, then the node goes down
	evCrash // the node goes down without a word
	evChurn // apply the churn schedule's events due now, then wait for the next
	// evJoinReady: a host behind the NAT model has finished classifying its
	// connectivity and joins the overlay through the bootstrap in from.
	evJoinReady
)

// event is the engine payload: a message, a protocol timer or a runner action.
type event[M overlay.Message, T any] struct {
	kind  evKind
	from  engine.NodeID
	size  int32
	msg   M
	timer T
}

type runner[M overlay.Message, T any] struct {
	spec *scenario.Spec
	b    binding[M, T]
	opts Options
	sim  *engine.Sim[event[M, T]]
	net  underlay.Model
	netR *rand.Rand
	nat  *underlay.NAT // nil when every host is public
	pin  pinner        // nil when churn may take any host down
	// stunKind is the traffic kind of the classification step's messages
	// (after the protocol's own kinds); stunR draws its server's latency.
	stunKind uint8
	stunR    *rand.Rand
	bootR    *rand.Rand
	nodes    []overlay.Protocol[M, T]
	rngs     []*rand.Rand // per node protocol streams
	wl       []*rand.Rand // per node workload streams
	col      *metrics.Collector
	env      env[M, T]

	upList []engine.NodeID // live nodes, for bootstrap choice
	upPos  []int           // index of each node in upList, -1 when down

	sched churn.Schedule
	// traceStats is what the trace reader saw and did, for the manifest
	// (nil for a generated schedule).
	traceStats *churn.ReadStats
	churn      []churn.Event // the schedule, replayed in order by evChurn
	next       int           // next schedule event to apply
	end        engine.Time
	lost       uint64
	started    bool
}

func newRunner[M overlay.Message, T any](spec *scenario.Spec, b binding[M, T], opts Options) (*runner[M, T], error) {
	streams := engine.NewStreams(spec.Seed)
	n := spec.Nodes
	net, err := spec.Underlay.Build(n, streams.Stream("underlay-build", 0))
	if err != nil {
		return nil, err
	}
	kinds := b.kinds()
	r := &runner[M, T]{
		spec: spec, b: b, opts: opts, net: net,
		netR:  streams.Stream("underlay", 0),
		bootR: streams.Stream("bootstrap", 0),
		nodes: make([]overlay.Protocol[M, T], n),
		rngs:  make([]*rand.Rand, n),
		wl:    make([]*rand.Rand, n),
		upPos: make([]int, n),
		end:   engine.At(spec.Duration),
	}
	if nc := spec.Underlay.NAT; nc.Enabled() {
		r.nat = underlay.NewNAT(nc, n, streams.Stream("nat", 0))
		r.stunR = streams.Stream("stun", 0)
		r.stunKind = uint8(len(kinds))
		kinds = append(slices.Clip(kinds), overlay.KindInfo{Name: "stun", Class: overlay.Maintenance})
	}
	r.col = metrics.NewCollector(n, kinds, engine.At(spec.Warmup))
	r.env.r = r
	r.sim = engine.New(r.handle)
	r.sim.AddNodes(n)
	if na, ok := b.(natAware); ok {
		na.setNAT(r.nat, r.sim.Now)
	}
	if p, ok := b.(pinner); ok {
		r.pin = p
	}
	for i := range n {
		r.rngs[i] = streams.Stream("node", uint64(i))
		r.wl[i] = streams.Stream("workload", uint64(i))
		r.upPos[i] = -1
	}
	sched, traceStats, err := ScheduleStats(*spec)
	if err != nil {
		return nil, err
	}
	r.sched, r.traceStats = sched, traceStats
	r.churn = sched.Events
	if len(r.churn) > 0 {
		r.sim.Schedule(r.churn[0].At, event[M, T]{kind: evChurn})
	}
	r.sim.Schedule(engine.At(spec.Output.SampleInterval), event[M, T]{kind: evSample})
	if opts.Progress != nil {
		r.sim.OnProgress(1<<16, func(now engine.Time, _ uint64) {
			opts.Progress(float64(now) / float64(r.end))
		})
	}
	return r, nil
}

func (r *runner[M, T]) run() *results.Run {
	r.sim.RunUntil(r.end)
	states := make([]metrics.NodeState, len(r.nodes))
	for i := range r.nodes {
		if r.sim.Alive(engine.NodeID(i)) {
			states[i] = r.b.state(engine.NodeID(i))
			states[i].Alive = true
		}
	}
	extra := r.b.finish(r.col.Lookups())
	st := r.sim.Stats()
	res := r.col.Finish(r.end, states, st.Events)
	res.Summary = append(res.Summary, extra...)
	res.Summary = append(res.Summary,
		results.Metric{Key: "messages.lost", Value: float64(r.lost)},
		results.Metric{Key: "messages.dropped", Value: float64(st.Dropped)},
		results.Metric{Key: "nodes.total", Value: float64(len(r.nodes))},
		results.Metric{Key: "nodes.live_at_end", Value: float64(r.sim.Live())},
	)
	if r.nat != nil {
		res.Summary = append(res.Summary, results.Metric{Key: "messages.nat_dropped", Value: float64(r.nat.Dropped)})
		counts := r.nat.Counts()
		for c, k := range counts {
			res.Summary = append(res.Summary, results.Metric{Key: "nat.hosts." + underlay.Class(c).String(), Value: float64(k)})
		}
	}
	res.Sessions, res.Summary = sessionStats(r.spec, r.sched, res.Summary)
	facts := underlayFacts(r.net, len(r.nodes))
	if r.nat != nil {
		classes := make([]string, len(r.nodes))
		for i := range classes {
			classes[i] = r.nat.Class(engine.NodeID(i)).String()
		}
		facts["node_nat_classes"] = classes
	}
	manifest := map[string]any{"underlay": facts}
	if st := r.traceStats; st != nil {
		manifest["trace"] = st
		if st.NodesOverMax > 0 {
			manifest["notes"] = []string{fmt.Sprintf("churn trace %s: %d of its hosts online in the replay window were left out, "+
				"as nodes=%d caps the hosts replayed (the first %d to appear are kept); raise nodes to replay them all",
				r.spec.Churn.Trace.File, st.NodesOverMax, r.spec.Nodes, st.Nodes)}
		}
	}
	res.Manifest = manifest
	return res
}

// handle is the engine's handler: one call per event, in order.
func (r *runner[M, T]) handle(node engine.NodeID, ev event[M, T]) {
	switch ev.kind {
	case evMessage:
		if ev.from != node {
			r.col.Received(node, int(ev.size))
		}
		r.nodes[node].Deliver(r.envFor(node), ev.from, ev.msg)
	case evTimer:
		r.nodes[node].Fire(r.envFor(node), ev.timer)
	case evLookup:
		rng := r.wl[node]
		key := r.b.key(rng)
		r.nodes[node].Lookup(r.envFor(node), key)
		r.scheduleLookup(node)
	case evSample:
		now := r.sim.Now()
		r.col.Sample(now, engine.At(r.spec.Output.SampleInterval), r.sim.Live())
		if next := now.Add(r.spec.Output.SampleInterval); next <= r.end {
			r.sim.Schedule(next, ev)
		}
	case evJoin:
		if !r.sim.Alive(ev.from) {
			r.join(ev.from)
		}
	case evLeave, evCrash:
		if r.sim.Alive(ev.from) {
			r.depart(ev.from, ev.kind == evLeave)
		}
	case evChurn:
		r.applyChurn()
	case evJoinReady:
		r.nodes[node].Join(r.envFor(node), ev.from)
	}
}

// applyChurn carries out every schedule event due now and schedules itself
// for the next one: one pending event stands for the whole schedule, so a
// long trace does not swell the event queue.
func (r *runner[M, T]) applyChurn() {
	now := r.sim.Now()
	for ; r.next < len(r.churn) && r.churn[r.next].At <= now; r.next++ {
		e := r.churn[r.next]
		if int(e.Node) >= len(r.nodes) {
			continue
		}
		switch alive := r.sim.Alive(e.Node); {
		case e.Kind != churn.Join && r.pin != nil && r.pin.pinned(e.Node):
			// kept up by the binding
		case e.Kind == churn.Join && !alive:
			r.join(e.Node)
		case e.Kind == churn.Leave && alive:
			r.depart(e.Node, true)
		case e.Kind == churn.Crash && alive:
			r.depart(e.Node, false)
		}
	}
	if r.next < len(r.churn) && r.churn[r.next].At <= r.end {
		r.sim.Schedule(r.churn[r.next].At, event[M, T]{kind: evChurn})
	}
}

// depart takes node down: after the protocol's goodbyes (sent at the current
// time) when graceful, silently otherwise. Its pending timers go stale, and
// messages that reach it while it is down are dropped.
func (r *runner[M, T]) depart(node engine.NodeID, graceful bool) {
	if graceful {
		r.nodes[node].Leave(r.envFor(node))
	}
	r.sim.Down(node)
	r.b.down(node)
	r.col.Live(r.sim.Now(), r.sim.Live())
	i, last := r.upPos[node], r.upList[len(r.upList)-1]
	r.upList[i] = last
	r.upPos[last] = i
	r.upList = r.upList[:len(r.upList)-1]
	r.upPos[node] = -1
}

// join brings node up with fresh protocol state (a node that left or crashed
// comes back as a new incarnation, remembering nothing) and joins it through
// a random live node.
func (r *runner[M, T]) join(node engine.NodeID) {
	boot := r.pickBootstrap(node)
	r.sim.Up(node)
	r.upPos[node] = len(r.upList)
	r.upList = append(r.upList, node)
	r.nodes[node] = r.b.newNode(node)
	if !r.started {
		r.started = true
		r.b.first(node)
	}
	r.b.up(node, r.sim.Now())
	r.col.Live(r.sim.Now(), r.sim.Live())
	if r.nat != nil {
		// The host first learns its connectivity class with the STUN
		// exchange, against a server as far away as its bootstrap.
		ready := r.classify(node, boot)
		r.sim.Timer(ready, node, event[M, T]{kind: evJoinReady, from: boot})
	} else {
		r.nodes[node].Join(r.envFor(node), boot)
	}
	r.scheduleLookup(node)
}

// bootstrapTries bounds the draws pickBootstrap makes for a reachable host.
const bootstrapTries = 64

// pickBootstrap returns a random live host for node to join through
// (engine.None when there is none). With NATs, the bootstrap is one that
// node can reach directly, as real deployments hand out public bootstrap
// hosts; when none is found in bootstrapTries draws, any live host.
func (r *runner[M, T]) pickBootstrap(node engine.NodeID) engine.NodeID {
	if len(r.upList) == 0 {
		return engine.None
	}
	boot := r.upList[r.bootR.IntN(len(r.upList))]
	if r.nat == nil {
		return boot
	}
	c := r.nat.Class(node)
	for try := 0; try < bootstrapTries && underlay.Connect(c, r.nat.Class(boot)) != underlay.Direct; try++ {
		boot = r.upList[r.bootR.IntN(len(r.upList))]
	}
	return boot
}

// STUN message sizes: a binding request carries a change-request flag, a
// response the mapped, source and changed addresses.
const (
	stunRequestBytes  = overlay.HeaderBytes + 4
	stunResponseBytes = overlay.HeaderBytes + 3*6
)

// classify charges node the classification step of its NAT class and
// returns when it ends. The server's round trip is taken as the one to the
// bootstrap host (none for the first host).
func (r *runner[M, T]) classify(node, boot engine.NodeID) engine.Time {
	now := r.sim.Now()
	st := underlay.Classify(r.nat.Class(node))
	var rtt time.Duration
	if boot != engine.None {
		there, _ := r.net.Delay(node, boot, stunRequestBytes, r.stunR)
		back, _ := r.net.Delay(boot, node, stunResponseBytes, r.stunR)
		rtt = there + back
	}
	for range st.Requests {
		r.col.Sent(now, node, r.stunKind, stunRequestBytes)
	}
	for range st.Responses {
		r.col.Received(node, stunResponseBytes)
	}
	r.nat.Open(node, now)
	return now.Add(st.Duration(rtt, r.spec.Underlay.NAT.STUNTimeout))
}

func (r *runner[M, T]) scheduleLookup(node engine.NodeID) {
	mean := r.spec.Workload.LookupInterval
	if mean <= 0 {
		return
	}
	gap := time.Duration(r.wl[node].ExpFloat64() * float64(mean))
	r.sim.Timer(r.sim.Now().Add(gap), node, event[M, T]{kind: evLookup})
}

func (r *runner[M, T]) envFor(node engine.NodeID) *env[M, T] {
	r.env.self = node
	return &r.env
}

func (r *runner[M, T]) send(from, to engine.NodeID, m M) {
	size := m.Size()
	if from != to {
		r.col.Sent(r.sim.Now(), from, m.Kind(), size)
	}
	if r.nat != nil && !r.nat.Send(from, to, r.sim.Now()) {
		return // dropped by the receiver's NAT or firewall (counted there)
	}
	d, ok := r.net.Delay(from, to, size, r.netR)
	if !ok {
		r.lost++
		return
	}
	r.sim.Post(r.sim.Now().Add(d), to, event[M, T]{kind: evMessage, from: from, size: int32(size), msg: m})
}

func (r *runner[M, T]) lookupDone(node engine.NodeID, res overlay.LookupResult) {
	outcome := results.Failed
	if !res.Failed {
		if r.b.correct(res) {
			outcome = results.Success
		} else {
			outcome = results.Incorrect
		}
	}
	r.col.Lookup(res.Start, r.sim.Now(), node, res.Key, outcome, res.Hops, res.Messages)
}

// env is the overlay.Env the runner hands to protocol nodes. One value is
// reused for every call, with self set to the node being called.
type env[M overlay.Message, T any] struct {
	r    *runner[M, T]
	self engine.NodeID
}

func (e *env[M, T]) Now() engine.Time           { return e.r.sim.Now() }
func (e *env[M, T]) Self() engine.NodeID        { return e.self }
func (e *env[M, T]) Rand() *rand.Rand           { return e.r.rngs[e.self] }
func (e *env[M, T]) Send(to engine.NodeID, m M) { e.r.send(e.self, to, m) }
func (e *env[M, T]) After(d time.Duration, t T) engine.TimerID {
	return e.r.sim.Timer(e.r.sim.Now().Add(d), e.self, event[M, T]{kind: evTimer, timer: t})
}
func (e *env[M, T]) Cancel(id engine.TimerID)            { e.r.sim.Cancel(id) }
func (e *env[M, T]) LookupDone(res overlay.LookupResult) { e.r.lookupDone(e.self, res) }

// underlayFacts describes the latency model a run actually used, for the
// manifest; for a measured matrix it records the matrix, how many entries
// were replaced, and which matrix host each simulated node was mapped onto.
func underlayFacts(m underlay.Model, nodes int) map[string]any {
	for {
		switch w := m.(type) {
		case underlay.Jitter:
			m = w.Inner
			continue
		case underlay.Loss:
			m = w.Inner
			continue
		case *underlay.MatrixModel:
			mx := w.Matrix()
			hosts := make([]int, nodes)
			for i := range hosts {
				hosts[i] = w.Host(engine.NodeID(i))
			}
			return map[string]any{
				"model":            "matrix",
				"matrix":           mx.Name,
				"matrix_hosts":     mx.Hosts(),
				"replaced_entries": mx.Replaced,
				"median_rtt":       mx.Median.String(),
				"same_host_delay":  w.SameHost.String(),
				"node_hosts":       hosts,
			}
		}
		name := strings.TrimPrefix(fmt.Sprintf("%T", m), "*")
		return map[string]any{"model": strings.ToLower(strings.TrimPrefix(name, "underlay."))}
	}
}
