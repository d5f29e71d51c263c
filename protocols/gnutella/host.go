// Package gnutella implements an unstructured overlay in the style of the
// Gnutella 0.4 protocol as a state machine driven through overlay.Env, with
// the three search strategies compared by Lv, Cao, Cohen, Li and Shenker
// ("Search and Replication in Unstructured Peer-to-Peer Networks", ICS
// 2002): flooding, expanding ring and random walks.
//
// # Model
//
// Hosts form an undirected overlay: each host has a list of neighbours, set
// from a generated or measured topology (package topology) through
// Host.SetNeighbors before Join, or grown at run time through CONNECT/ACCEPT
// handshakes with hosts learned from PONGs. Each host holds a set of
// objects (keys, Host.SetObjects); a lookup for a key succeeds when a
// QUERYHIT from any host holding it reaches the origin.
//
//   - Flooding: the origin sends a QUERY with a fresh identifier to every
//     neighbour; a host receiving it for the first time remembers which
//     neighbour it came from, answers with a QUERYHIT if it holds the key,
//     and, while the TTL allows, forwards it to all its other neighbours.
//     A copy of a query already seen is dropped (and counted). A QUERYHIT
//     travels back hop by hop along the reverse path. With TTL t a query
//     reaches the hosts within t hops of the origin (when copies along
//     shortest paths arrive first, as with equal link delays).
//   - Expanding ring: floods with TTL 1, 2, 4, ... up to Config.RingMaxTTL,
//     each ring under its own descriptor identifier (so that hosts reached
//     before forward it again), waiting Config.RingWait between rings and
//     stopping at the first ring that brings a hit.
//   - Random walks: the origin sends Config.Walkers walkers, each forwarded
//     to one random neighbour per step (not back where it came from when
//     there is another choice). Every Config.CheckEvery steps the host
//     holding a walker asks the origin whether the query is still on, and
//     drops the walker when it is not (or does not answer within
//     Config.RPCTimeout). A walker that finds the key stops and its hit
//     goes straight to the origin. Revisits are allowed and counted.
//
// The origin reports the first hit through Env.LookupDone (Owner: the host
// holding the key, OwnerID: the same host number, Hops: that host's
// distance along the query's path) or a failure at Config.QueryTimeout.
// LookupResult.Messages is -1: hits arrive while copies of the query are
// still spreading, so the origin cannot know the cost (the Observer can).
// A lookup for a key the origin holds ends at once with 0 hops and 0
// messages.
//
// # Maintenance
//
// Every Config.PingPeriod a host PINGs its neighbours; one that sends
// nothing within Config.RPCTimeout is dropped (and sent a BYE, in case it
// is alive but slow). A graceful Leave sends BYE to every neighbour. A host
// below Config.TargetDegree PINGs with Config.PingTTL instead of 1 (doubled
// for each further discovery PING it needs, up to 7): PINGs are flooded
// like queries and every host reached answers with a PONG
// routed back along the reverse path, carrying its address when it accepts
// connections. The host keeps those addresses in a small cache and sends
// CONNECTs to them; a host already at Config.MaxDegree refuses, naming one
// of its neighbours to try instead. A host left with no neighbour and no
// candidate reconnects through its bootstrap. Host.SetDegree replaces the
// two degree bounds for one host, so that a host wired from a topology
// keeps the degree it had there. Messages of the connection
// (QUERY, WALK, PING) from a host that is not a neighbour are answered
// with BYE, so that both ends agree on every link.
//
// # Measurement
//
// No single host knows what a flood cost. Config.Observer, when set, sees
// every query message sent, every reception (first or duplicate), every
// hit and every end, at whichever host; QueryLog adds them up per query.
// Host.Stats counts what each host handled, for load distributions.
//
// Like the other protocols, a Host never sees the event queue, owns no
// clock, goroutine or random source, and lets no map iteration reach what
// it sends or reports.
package gnutella

import (
	"slices"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
)

// Env is the environment a Gnutella host runs in.
type Env = overlay.Env[Message, Timer]

// ringBits: the low bits of a query identifier hold the ring number, so
// that each ring of an expanding-ring search has its own descriptor
// identifier. PING identifiers have them all set, which no ring uses.
const (
	ringBits = 0xff
	pingMark = 0xff
)

// Stats counts what a host did; see Host.Stats.
type Stats struct {
	// Handled counts the messages delivered to this host, Sent those it
	// sent; RecvOp and SentOp split them by operation.
	Handled, Sent  int
	RecvOp, SentOp [NumOps]int
	// Forwarded counts the query descriptors (flood copies) and walkers
	// this host passed on: a flood counts once per host however many
	// neighbours it goes to.
	Forwarded int
	// Duplicates counts receptions of a query descriptor this host had seen
	// (and walkers revisiting it).
	Duplicates int
	// Hits counts the queries this host answered from its own objects.
	Hits int
	// Lookups and LookupsFailed count the lookups this host originated
	// that ended, and those that failed.
	Lookups, LookupsFailed int
	// WalkersStopped counts walkers dropped here on their source's word
	// (or silence) at a check-back, and, at a source, walkers that came
	// back to it after their query ended.
	WalkersStopped int
	// Dropped counts neighbours dropped for not answering PINGs; Byes the
	// neighbours that said BYE; Stale the messages from non-neighbours
	// answered with BYE.
	Dropped, Byes, Stale int
	// Connects counts the CONNECTs sent; Accepted and Refused the CONNECTs
	// received and accepted or refused.
	Connects, Accepted, Refused int
}

// neighbor is a connected host.
type neighbor struct {
	id        engine.NodeID
	lastHeard engine.Time // last message received from it
}

// pendingConn is a CONNECT waiting for its ACCEPT.
type pendingConn struct {
	peer  engine.NodeID
	timer engine.TimerID
}

// lookup is a query this host originated, until it ends.
type lookup struct {
	qid, key  uint64
	start     engine.Time
	timer     engine.TimerID // the query timeout
	ringTimer engine.TimerID // the next ring (ExpandingRing)
	ring      int
}

// heldWalker is a walker waiting for its source's answer to a check-back.
type heldWalker struct {
	ref   uint32
	m     Message
	from  engine.NodeID
	timer engine.TimerID
}

// Host is one simulated Gnutella servent. Create it with NewHost.
type Host struct {
	cfg       *Config
	self      engine.NodeID
	joined    bool
	bootstrap engine.NodeID

	nbrs    []neighbor      // connection order
	pending []pendingConn   // CONNECTs sent, not answered
	cache   []engine.NodeID // addresses learned from PONGs, oldest first
	objects []uint64        // sorted

	seen    seenTable
	looks   []lookup
	walkers []heldWalker
	nextRef uint32

	lastDiscovery engine.Time // last discovery PING (TTL > 1) sent
	discTTL       int         // TTL of the next discovery PING; 0: Config.PingTTL
	target, most  int         // degree bounds; 0: Config.TargetDegree, Config.MaxDegree
	awaitWiring   bool        // Join leaves the first connection to Wire
	stats         Stats
}

var _ overlay.Protocol[Message, Timer] = (*Host)(nil)

// NewHost returns a host for simulated node self. cfg must be valid and is
// shared, not copied.
func NewHost(cfg *Config, self engine.NodeID) *Host {
	return &Host{
		cfg:           cfg,
		self:          self,
		bootstrap:     engine.None,
		seen:          newSeenTable(cfg.QueryTimeout),
		lastDiscovery: -1 << 62,
	}
}

// ---- set-up and inspection ----

// SetNeighbors makes ids the host's neighbours, without any handshake: the
// runner uses it before Join to build the initial overlay from a topology,
// and must give both ends of every edge (an edge known at one end only is
// closed with BYE on first use). Duplicates and the host itself are left
// out.
func (h *Host) SetNeighbors(ids []engine.NodeID) {
	h.nbrs = h.nbrs[:0]
	for _, id := range ids {
		if id != h.self && id != engine.None && h.nbrIndex(id) < 0 {
			h.nbrs = append(h.nbrs, neighbor{id: id})
		}
	}
}

// SetDegree gives this host its own degree bounds instead of
// Config.TargetDegree and Config.MaxDegree: a host wired from a topology
// keeps the degree it had there (a hub of a power-law graph stays a hub).
// Zero keeps the configured value; most is raised to target if below it.
func (h *Host) SetDegree(target, most int) {
	h.target, h.most = target, most
	if h.target > 0 && h.maxDegree() < h.target {
		h.most = h.target
	}
}

// Wire adds id as a neighbour heard from at now, without any handshake:
// the runner's way to lay a topology edge whose other end has just come up
// (it wires both ends). It does nothing for the host itself or a present
// neighbour.
func (h *Host) Wire(id engine.NodeID, now engine.Time) {
	if id != h.self && id != engine.None && h.nbrIndex(id) < 0 {
		h.nbrs = append(h.nbrs, neighbor{id: id, lastHeard: now})
	}
}

// AwaitWiring tells a host about to Join that the runner will Wire its
// topology edges as their other ends come up: Join then does not connect
// to the bootstrap at once, which would add an edge the topology does not
// have. A host still without neighbours at its first PING round connects
// through the bootstrap as usual.
func (h *Host) AwaitWiring() { h.awaitWiring = true }

func (h *Host) targetDegree() int {
	if h.target > 0 {
		return h.target
	}
	return h.cfg.TargetDegree
}

func (h *Host) maxDegree() int {
	if h.most > 0 {
		return h.most
	}
	return h.cfg.MaxDegree
}

// Neighbors returns a copy of the current neighbours, in the order they
// were connected.
func (h *Host) Neighbors() []engine.NodeID {
	out := make([]engine.NodeID, len(h.nbrs))
	for i, n := range h.nbrs {
		out[i] = n.id
	}
	return out
}

// Degree returns the number of neighbours.
func (h *Host) Degree() int { return len(h.nbrs) }

// IsNeighbor reports whether id is a neighbour.
func (h *Host) IsNeighbor(id engine.NodeID) bool { return h.nbrIndex(id) >= 0 }

// SetObjects replaces the objects the host holds by keys (copied).
func (h *Host) SetObjects(keys []uint64) {
	h.objects = slices.Compact(slices.Sorted(slices.Values(keys)))
}

// AddObject adds key to the objects the host holds.
func (h *Host) AddObject(key uint64) {
	if i, ok := slices.BinarySearch(h.objects, key); !ok {
		h.objects = slices.Insert(h.objects, i, key)
	}
}

// HasObject reports whether the host holds key.
func (h *Host) HasObject(key uint64) bool {
	_, ok := slices.BinarySearch(h.objects, key)
	return ok
}

// Objects returns the number of objects the host holds.
func (h *Host) Objects() int { return len(h.objects) }

// Joined reports whether the host has joined and not left.
func (h *Host) Joined() bool { return h.joined }

// Stats returns the host's counters.
func (h *Host) Stats() Stats { return h.stats }

// Remembered returns the number of descriptor identifiers (queries, PINGs)
// the host currently remembers; it stays bounded by what arrives within
// Config.QueryTimeout.
func (h *Host) Remembered() int { return h.seen.len() }

// ---- overlay.Protocol ----

// Join starts the host: neighbours set by SetNeighbors count as connected
// and heard from now; a host without any connects to bootstrap (engine.None
// for the first host). The periodic PING rounds start at a random offset
// within the first period.
func (h *Host) Join(env Env, bootstrap engine.NodeID) {
	now := env.Now()
	h.joined, h.bootstrap = true, bootstrap
	for i := range h.nbrs {
		h.nbrs[i].lastHeard = now
	}
	env.After(time.Duration(env.Rand().Int64N(int64(h.cfg.PingPeriod)))+1, Timer{Kind: TimerPing})
	if len(h.nbrs) == 0 && !h.awaitWiring && h.validPeer(bootstrap) {
		h.connect(env, bootstrap)
	}
}

// Leave says BYE to every neighbour.
func (h *Host) Leave(env Env) {
	for _, n := range h.nbrs {
		h.send(env, n.id, Message{Op: OpBye})
	}
	h.joined = false
}

// Lookup starts a query for key with the configured strategy. It returns
// false, starting nothing, before Join or when the host has no neighbour
// and does not hold key itself.
func (h *Host) Lookup(env Env, key uint64) bool {
	if !h.joined || (len(h.nbrs) == 0 && !h.HasObject(key)) {
		return false
	}
	now := env.Now()
	qid := env.Rand().Uint64() &^ ringBits
	if o := h.cfg.Observer; o != nil {
		o.QueryStarted(h.self, qid, key, now)
	}
	if h.HasObject(key) {
		h.end(env, lookup{qid: qid, key: key, start: now}, overlay.LookupResult{Owner: h.self, OwnerID: uint64(h.self), Messages: 0})
		return true
	}
	l := lookup{qid: qid, key: key, start: now}
	l.timer = env.After(h.cfg.QueryTimeout, Timer{Kind: TimerQuery, Ref: qid})
	switch h.cfg.Strategy {
	case Flood:
		h.flood(env, &l, h.cfg.TTL)
	case ExpandingRing:
		ttl := h.cfg.ringTTL(0)
		h.flood(env, &l, ttl)
		if ttl < h.cfg.RingMaxTTL {
			l.ringTimer = env.After(h.cfg.RingWait, Timer{Kind: TimerRing, Ref: qid})
		}
	case RandomWalk:
		h.seen.add(qid, engine.None, now)
		w := Message{Op: OpWalk, QID: qid, Key: key, Addr: h.self, Hops: 1}
		for range h.cfg.Walkers {
			h.sendQuery(env, h.randomNeighbor(env, engine.None), w)
		}
	}
	h.looks = append(h.looks, l)
	return true
}

// Fire handles a timer.
func (h *Host) Fire(env Env, t Timer) {
	switch t.Kind {
	case TimerQuery:
		if i := h.lookupIndex(t.Ref); i >= 0 {
			h.finish(env, i, overlay.LookupResult{Owner: engine.None, Failed: true, Messages: -1})
		}
	case TimerRing:
		if i := h.lookupIndex(t.Ref); i >= 0 {
			l := &h.looks[i]
			l.ring++
			ttl := h.cfg.ringTTL(l.ring)
			h.flood(env, l, ttl)
			if ttl < h.cfg.RingMaxTTL {
				l.ringTimer = env.After(h.cfg.RingWait, Timer{Kind: TimerRing, Ref: t.Ref})
			}
		}
	case TimerPing:
		h.pingRound(env)
	case TimerPingCheck:
		h.pingCheck(env, engine.Time(t.Ref))
	case TimerConnect:
		if i := h.pendingIndex(engine.NodeID(t.Ref)); i >= 0 {
			h.pending = slices.Delete(h.pending, i, i+1)
			h.maintain(env)
		}
	case TimerCheck:
		if i := h.walkerIndex(uint32(t.Ref)); i >= 0 {
			h.walkers = slices.Delete(h.walkers, i, i+1)
			h.stats.WalkersStopped++
		}
	}
}

// Deliver handles a message.
func (h *Host) Deliver(env Env, from engine.NodeID, m Message) {
	h.stats.Handled++
	if m.Op < NumOps {
		h.stats.RecvOp[m.Op]++
	}
	nb := h.nbrIndex(from)
	if nb >= 0 {
		h.nbrs[nb].lastHeard = env.Now()
	}
	switch m.Op {
	case OpQuery, OpWalk, OpPing:
		if nb < 0 && h.pendingIndex(from) < 0 {
			// A link the sender believes in and this host does not (it
			// dropped the sender, or restarted): close it at both ends.
			h.stats.Stale++
			h.send(env, from, Message{Op: OpBye})
			return
		}
	}
	switch m.Op {
	case OpQuery:
		h.onQuery(env, from, m)
	case OpQueryHit:
		h.onQueryHit(env, m)
	case OpWalk:
		h.onWalk(env, from, m)
	case OpCheck:
		r := Message{Op: OpCheckResp, QID: m.QID, Ref: m.Ref, OK: h.lookupIndex(m.QID) >= 0}
		h.sendQuery(env, from, r)
	case OpCheckResp:
		h.onCheckResp(env, from, m)
	case OpPing:
		h.onPing(env, from, m)
	case OpPong:
		h.onPong(env, m)
	case OpConnect:
		h.onConnect(env, from)
	case OpAccept:
		h.onAccept(env, from, m)
	case OpBye:
		h.onBye(env, from)
	}
}

// ---- sending ----

func (h *Host) send(env Env, to engine.NodeID, m Message) {
	h.stats.Sent++
	h.stats.SentOp[m.Op]++
	env.Send(to, m)
}

// sendQuery sends a message of a query and tells the observer.
func (h *Host) sendQuery(env Env, to engine.NodeID, m Message) {
	if to == engine.None {
		return
	}
	h.send(env, to, m)
	if o := h.cfg.Observer; o != nil {
		o.QuerySent(h.self, m.QID, m.Op)
	}
}

func (h *Host) reached(qid uint64, duplicate bool) {
	if duplicate {
		h.stats.Duplicates++
	}
	if o := h.cfg.Observer; o != nil {
		o.QueryReached(h.self, qid, duplicate)
	}
}

func (h *Host) hit(qid uint64) {
	h.stats.Hits++
	if o := h.cfg.Observer; o != nil {
		o.QueryHit(h.self, qid)
	}
}

// ---- queries ----

// flood starts ring l.ring of query l with the given TTL: a QUERY under
// descriptor identifier qid|ring to every neighbour.
func (h *Host) flood(env Env, l *lookup, ttl int) {
	key := l.qid | uint64(l.ring)
	h.seen.add(key, engine.None, env.Now())
	m := Message{Op: OpQuery, QID: l.qid, Ring: uint8(l.ring), Key: l.key, TTL: uint8(ttl - 1), Hops: 1}
	for i := range h.nbrs {
		h.sendQuery(env, h.nbrs[i].id, m)
	}
}

// onQuery handles a flooded QUERY from neighbour from.
func (h *Host) onQuery(env Env, from engine.NodeID, m Message) {
	key := m.QID | uint64(m.Ring)
	if _, ok := h.seen.get(key); ok {
		h.reached(m.QID, true)
		return
	}
	// A host reached by an earlier ring has seen the query before.
	dup := false
	for r := uint64(0); r < uint64(m.Ring); r++ {
		if _, ok := h.seen.get(m.QID | r); ok {
			dup = true
			break
		}
	}
	h.seen.add(key, from, env.Now())
	h.reached(m.QID, dup)
	if h.HasObject(m.Key) {
		h.hit(m.QID)
		h.sendQuery(env, from, Message{Op: OpQueryHit, QID: m.QID, Ring: m.Ring, Key: m.Key, Addr: h.self, Hops: m.Hops})
	}
	if m.TTL == 0 {
		return
	}
	fwd := m
	fwd.TTL--
	fwd.Hops++
	h.stats.Forwarded++
	for i := range h.nbrs {
		if id := h.nbrs[i].id; id != from {
			h.sendQuery(env, id, fwd)
		}
	}
}

// onQueryHit passes a hit one hop back along its query's path, or ends the
// lookup at the origin. A hit for a descriptor no longer remembered is
// dropped.
func (h *Host) onQueryHit(env Env, m Message) {
	e, ok := h.seen.get(m.QID | uint64(m.Ring))
	if !ok {
		return
	}
	if e.from != engine.None {
		h.sendQuery(env, e.from, m)
		return
	}
	if i := h.lookupIndex(m.QID); i >= 0 {
		h.finish(env, i, overlay.LookupResult{Owner: m.Addr, OwnerID: uint64(m.Addr), Hops: int(m.Hops), Messages: -1})
	}
}

// onWalk handles a random walker arriving from neighbour from.
func (h *Host) onWalk(env Env, from engine.NodeID, m Message) {
	_, dup := h.seen.get(m.QID)
	if !dup {
		h.seen.add(m.QID, from, env.Now())
	}
	h.reached(m.QID, dup)
	atSource := m.Addr == h.self
	switch {
	case atSource:
		// Back at its source, which needs no check-back: the walker goes
		// on while the query is on.
		if h.lookupIndex(m.QID) < 0 {
			h.stats.WalkersStopped++
			return
		}
	case h.HasObject(m.Key):
		h.hit(m.QID)
		h.sendQuery(env, m.Addr, Message{Op: OpQueryHit, QID: m.QID, Key: m.Key, Addr: h.self, Hops: m.Hops})
		return
	}
	if int(m.Hops) >= h.cfg.MaxWalk {
		return
	}
	if c := h.cfg.CheckEvery; !atSource && c > 0 && int(m.Hops)%c == 0 {
		h.nextRef++
		w := heldWalker{ref: h.nextRef, m: m, from: from}
		w.timer = env.After(h.cfg.RPCTimeout, Timer{Kind: TimerCheck, Ref: uint64(w.ref)})
		h.walkers = append(h.walkers, w)
		h.sendQuery(env, m.Addr, Message{Op: OpCheck, QID: m.QID, Ref: w.ref})
		return
	}
	h.forwardWalk(env, from, m)
}

// forwardWalk takes the walker one step further.
func (h *Host) forwardWalk(env Env, from engine.NodeID, m Message) {
	next := h.randomNeighbor(env, from)
	if next == engine.None {
		return
	}
	m.Hops++
	h.stats.Forwarded++
	h.sendQuery(env, next, m)
}

// onCheckResp releases or drops the walker the source answered about.
func (h *Host) onCheckResp(env Env, from engine.NodeID, m Message) {
	i := h.walkerIndex(m.Ref)
	if i < 0 || h.walkers[i].m.Addr != from {
		return
	}
	w := h.walkers[i]
	h.walkers = slices.Delete(h.walkers, i, i+1)
	env.Cancel(w.timer)
	if !m.OK {
		h.stats.WalkersStopped++
		return
	}
	h.forwardWalk(env, w.from, w.m)
}

// randomNeighbor returns a random neighbour other than except when there
// is one, except itself when it is the only neighbour, engine.None when
// there is none.
func (h *Host) randomNeighbor(env Env, except engine.NodeID) engine.NodeID {
	n := len(h.nbrs)
	switch n {
	case 0:
		return engine.None
	case 1:
		return h.nbrs[0].id
	}
	x := h.nbrIndex(except)
	if x < 0 {
		return h.nbrs[env.Rand().IntN(n)].id
	}
	i := env.Rand().IntN(n - 1)
	if i >= x {
		i++
	}
	return h.nbrs[i].id
}

// finish ends lookup i with r (Key and Start are filled in here).
func (h *Host) finish(env Env, i int, r overlay.LookupResult) {
	l := h.looks[i]
	h.looks = slices.Delete(h.looks, i, i+1)
	env.Cancel(l.timer)
	if l.ringTimer != 0 {
		env.Cancel(l.ringTimer)
	}
	h.end(env, l, r)
}

// end reports the end of lookup l.
func (h *Host) end(env Env, l lookup, r overlay.LookupResult) {
	r.Key, r.Start = l.key, l.start
	h.stats.Lookups++
	if r.Failed {
		h.stats.LookupsFailed++
	}
	env.LookupDone(r)
	if o := h.cfg.Observer; o != nil {
		o.QueryEnded(h.self, l.qid, r, env.Now())
	}
}

func (h *Host) lookupIndex(qid uint64) int {
	for i := range h.looks {
		if h.looks[i].qid == qid {
			return i
		}
	}
	return -1
}

func (h *Host) walkerIndex(ref uint32) int {
	for i := range h.walkers {
		if h.walkers[i].ref == ref {
			return i
		}
	}
	return -1
}

// ---- neighbours ----

func (h *Host) nbrIndex(id engine.NodeID) int {
	for i := range h.nbrs {
		if h.nbrs[i].id == id {
			return i
		}
	}
	return -1
}

func (h *Host) pendingIndex(id engine.NodeID) int {
	for i := range h.pending {
		if h.pending[i].peer == id {
			return i
		}
	}
	return -1
}

// validPeer reports whether id is a host this one could connect to.
func (h *Host) validPeer(id engine.NodeID) bool {
	return id != engine.None && id != h.self && h.nbrIndex(id) < 0 && h.pendingIndex(id) < 0
}

func (h *Host) addNeighbor(env Env, id engine.NodeID) {
	if h.nbrIndex(id) < 0 {
		h.nbrs = append(h.nbrs, neighbor{id: id, lastHeard: env.Now()})
	}
	if len(h.nbrs) >= h.targetDegree() {
		h.discTTL = 0
	}
}

// maxDiscoveryTTL caps the TTL of discovery PINGs (Gnutella's usual TTL),
// unless Config.PingTTL is larger.
const maxDiscoveryTTL = 7

// discoveryTTL returns the TTL for a discovery PING: Config.PingTTL at
// first, doubled for every further discovery PING the host needs before it
// reaches the target degree (up to maxDiscoveryTTL), so that a host whose
// surroundings are all full looks farther out.
func (h *Host) discoveryTTL() int {
	t := max(h.discTTL, h.cfg.PingTTL)
	h.discTTL = max(min(2*t, maxDiscoveryTTL), h.cfg.PingTTL)
	return t
}

func (h *Host) removeNeighbor(id engine.NodeID) bool {
	if i := h.nbrIndex(id); i >= 0 {
		h.nbrs = slices.Delete(h.nbrs, i, i+1)
		return true
	}
	return false
}

// pingRound sends the periodic PINGs (TTL 1 as a keep-alive, PingTTL when
// below the target degree) and schedules the check of the answers.
func (h *Host) pingRound(env Env) {
	env.After(h.cfg.PingPeriod, Timer{Kind: TimerPing})
	if len(h.nbrs) > 0 {
		ttl := 1
		if len(h.nbrs) < h.targetDegree() {
			ttl = h.discoveryTTL()
		}
		h.ping(env, ttl)
		env.After(h.cfg.RPCTimeout, Timer{Kind: TimerPingCheck, Ref: uint64(env.Now())})
	}
	h.maintain(env)
}

// ping sends a PING with the given TTL to every neighbour.
func (h *Host) ping(env Env, ttl int) {
	now := env.Now()
	guid := env.Rand().Uint64() | pingMark
	if _, ok := h.seen.get(guid); ok {
		return
	}
	h.seen.add(guid, engine.None, now)
	if ttl > 1 {
		h.lastDiscovery = now
	}
	m := Message{Op: OpPing, QID: guid, TTL: uint8(ttl - 1), Hops: 1}
	for i := range h.nbrs {
		h.send(env, h.nbrs[i].id, m)
	}
}

// pingCheck drops the neighbours not heard from since the PING round of
// time at, says BYE to them, and looks for replacements.
func (h *Host) pingCheck(env Env, at engine.Time) {
	kept := h.nbrs[:0]
	for _, n := range h.nbrs {
		if n.lastHeard >= at {
			kept = append(kept, n)
			continue
		}
		h.stats.Dropped++
		h.send(env, n.id, Message{Op: OpBye})
	}
	clear(h.nbrs[len(kept):])
	h.nbrs = kept
	h.maintain(env)
}

// maintain keeps the degree up: below TargetDegree it sends CONNECTs to
// cached addresses; with no candidate left it sends a discovery PING (at
// most one per RPCTimeout), or, with no neighbour either, reconnects
// through the bootstrap host.
func (h *Host) maintain(env Env) {
	if !h.joined {
		return
	}
	need := h.targetDegree() - len(h.nbrs) - len(h.pending)
	for need > 0 && len(h.cache) > 0 {
		i := env.Rand().IntN(len(h.cache))
		c := h.cache[i]
		h.cache = slices.Delete(h.cache, i, i+1)
		if h.validPeer(c) {
			h.connect(env, c)
			need--
		}
	}
	if need <= 0 {
		return
	}
	switch {
	case len(h.nbrs) > 0:
		if env.Now().Sub(h.lastDiscovery) >= h.cfg.RPCTimeout {
			h.ping(env, h.discoveryTTL())
		}
	case len(h.pending) == 0 && h.validPeer(h.bootstrap):
		h.connect(env, h.bootstrap)
	}
}

func (h *Host) connect(env Env, peer engine.NodeID) {
	h.stats.Connects++
	t := env.After(h.cfg.RPCTimeout, Timer{Kind: TimerConnect, Ref: uint64(peer)})
	h.pending = append(h.pending, pendingConn{peer: peer, timer: t})
	h.send(env, peer, Message{Op: OpConnect})
}

// cacheAdd remembers a connection candidate, forgetting the oldest when
// the cache is full.
func (h *Host) cacheAdd(id engine.NodeID) {
	if !h.validPeer(id) || slices.Contains(h.cache, id) {
		return
	}
	if len(h.cache) >= h.cfg.HostCache {
		h.cache = slices.Delete(h.cache, 0, 1)
	}
	h.cache = append(h.cache, id)
}

// onPing answers a PING with a PONG and floods it on while its TTL allows.
func (h *Host) onPing(env Env, from engine.NodeID, m Message) {
	if _, ok := h.seen.get(m.QID); ok {
		return
	}
	h.seen.add(m.QID, from, env.Now())
	h.send(env, from, Message{Op: OpPong, QID: m.QID, Hops: m.Hops, Addr: h.self, OK: len(h.nbrs) < h.maxDegree()})
	if m.TTL == 0 {
		return
	}
	fwd := m
	fwd.TTL--
	fwd.Hops++
	for i := range h.nbrs {
		if id := h.nbrs[i].id; id != from {
			h.send(env, id, fwd)
		}
	}
}

// onPong routes a PONG back toward its PING's origin or, at the origin,
// caches the address when the host accepts connections.
func (h *Host) onPong(env Env, m Message) {
	e, ok := h.seen.get(m.QID)
	if !ok {
		return
	}
	if e.from != engine.None {
		h.send(env, e.from, m)
		return
	}
	if m.OK {
		h.cacheAdd(m.Addr)
		h.maintain(env)
	}
}

// onConnect accepts a new neighbour, or refuses when full, naming one of
// its neighbours to try instead.
func (h *Host) onConnect(env Env, from engine.NodeID) {
	if h.nbrIndex(from) >= 0 {
		h.send(env, from, Message{Op: OpAccept, OK: true, Addr: engine.None})
		return
	}
	if i := h.pendingIndex(from); i >= 0 { // both asked at once: one link
		env.Cancel(h.pending[i].timer)
		h.pending = slices.Delete(h.pending, i, i+1)
	}
	if !h.joined || len(h.nbrs) >= h.maxDegree() {
		h.stats.Refused++
		h.send(env, from, Message{Op: OpAccept, Addr: h.randomNeighbor(env, from)})
		return
	}
	h.stats.Accepted++
	h.addNeighbor(env, from)
	h.send(env, from, Message{Op: OpAccept, OK: true, Addr: engine.None})
}

// onAccept completes or abandons a CONNECT.
func (h *Host) onAccept(env Env, from engine.NodeID, m Message) {
	if i := h.pendingIndex(from); i >= 0 {
		env.Cancel(h.pending[i].timer)
		h.pending = slices.Delete(h.pending, i, i+1)
	}
	if m.OK {
		if h.nbrIndex(from) >= 0 {
			return
		}
		if len(h.nbrs) >= h.maxDegree() { // filled up meanwhile
			h.send(env, from, Message{Op: OpBye})
			return
		}
		h.addNeighbor(env, from)
		h.maintain(env)
		return
	}
	if m.Addr != from {
		h.cacheAdd(m.Addr)
	}
	h.maintain(env)
}

// onBye drops the sender.
func (h *Host) onBye(env Env, from engine.NodeID) {
	if i := h.pendingIndex(from); i >= 0 {
		env.Cancel(h.pending[i].timer)
		h.pending = slices.Delete(h.pending, i, i+1)
	}
	if h.removeNeighbor(from) {
		h.stats.Byes++
		h.maintain(env)
	}
}
