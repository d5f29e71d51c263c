// Package chord implements the Chord lookup protocol (Stoica et al., SIGCOMM
// 2001) as a state machine driven through overlay.Env: identifiers of 1 to 64
// bits, finger tables, successor lists, predecessor pointers, join through a
// bootstrap node, periodic stabilize/notify, fix_fingers and
// check_predecessor, graceful leave with key hand-over, iterative or recursive
// lookups with per-hop timeouts, and virtual nodes.
//
// A Host is one simulated machine; it runs Config.VirtualNodes ring positions
// (virtual nodes). The package never touches the event queue: it only sends
// messages and sets timers through its Env.
package chord

import (
	"cmp"
	"slices"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
	"peerlab/slots"
)

// Env is the environment a Chord host runs in.
type Env = overlay.Env[Message, Timer]

// joinRetry is how long a node waits before retrying a failed join.
const joinRetry = 10 * time.Second

// vnode is one position on the ring.
type vnode struct {
	self    Peer
	pred    Peer
	hasPred bool
	// succ is the successor list, succ[0] the successor. It is an immutable
	// snapshot, replaced (never modified) when it changes, so messages may
	// carry it without copying. Empty until the node has joined.
	succ []Peer
	// finger[i] is successor(self + 2^i) when bit i of fingerOK is set.
	finger   []Peer
	fingerOK uint64
	keys     []uint64
	joined   bool

	bootstrap engine.NodeID
	joinBoot  engine.NodeID // the bootstrap given to Join, to rejoin through when all else fails
	fixNext   int           // next finger of the running fix_fingers round, or -1 when idle

	// predCand is a node that notified us from outside (pred, self) while a
	// ping checks whether pred is still alive: if pred turns out dead,
	// predCand takes its place at once instead of at its next notify.
	predCand    Peer
	hasPredCand bool
	pingingPred bool

	// alt is the closest node that notified us from outside (pred, self)
	// lately (at altAt) while the predecessor stayed: the one to name to a
	// node that cannot reach our predecessor (see stabilizeResponse).
	alt    Peer
	altAt  engine.Time
	hasAlt bool
	// predAt is when the predecessor last notified us.
	predAt engine.Time
	// checking and succChecking say that a lookup of our own identifier
	// (stabilizeResponse), or of our successor (Fire), is running.
	checking, succChecking bool

	// lastHeard is the last other host's node that sent us anything: the
	// peer to rejoin through if every successor is lost.
	lastHeard    Peer
	hasLastHeard bool
	rejoining    bool // the current join is a rejoin after losing every successor
	joinSkips    int  // suspect successors the current join has stepped past
}

// Host is one simulated machine running Chord. Create it with NewHost.
type Host struct {
	cfg   *Config
	space Space
	host  engine.NodeID
	vn    []vnode

	scratch []Peer // reused to assemble candidate successor lists

	// sus lists the hosts that recently failed to answer (see suspect.go).
	sus suspects

	rpcs  slots.Table[rpc]    // outstanding requests
	looks slots.Table[lookup] // lookups in progress at this host
}

var _ overlay.Protocol[Message, Timer] = (*Host)(nil)

// NewHost returns a host that will run one virtual node per identifier in ids
// (len(ids) should be cfg.VirtualNodes). cfg must be valid and is shared, not copied.
func NewHost(cfg *Config, host engine.NodeID, ids []uint64) *Host {
	h := &Host{cfg: cfg, space: NewSpace(cfg.Bits), host: host, vn: make([]vnode, len(ids))}
	for i, id := range ids {
		h.vn[i] = vnode{
			self:    Peer{ID: id, Host: host, V: uint16(i)},
			finger:  make([]Peer, cfg.Bits),
			fixNext: -1,
		}
	}
	return h
}

// ---- inspection (for the runner's metrics and for tests) ----

// VirtualNodes returns the host's ring positions.
func (h *Host) VirtualNodes() []Peer {
	out := make([]Peer, len(h.vn))
	for i := range h.vn {
		out[i] = h.vn[i].self
	}
	return out
}

// Joined reports whether virtual node v has a successor.
func (h *Host) Joined(v int) bool { return h.vn[v].joined }

// Successors returns virtual node v's successor list. Do not modify it.
func (h *Host) Successors(v int) []Peer { return h.vn[v].succ }

// Predecessor returns virtual node v's predecessor, if it has one.
func (h *Host) Predecessor(v int) (Peer, bool) { return h.vn[v].pred, h.vn[v].hasPred }

// Finger returns finger i of virtual node v, if it is set.
func (h *Host) Finger(v, i int) (Peer, bool) {
	return h.vn[v].finger[i], h.vn[v].fingerOK&(1<<uint(i)) != 0
}

// Keys returns the number of keys stored on all the host's virtual nodes.
func (h *Host) Keys() int {
	n := 0
	for i := range h.vn {
		n += len(h.vn[i].keys)
	}
	return n
}

// TableSize returns the number of distinct peers in the host's routing
// state: the fingers, successor lists and predecessors of all its virtual
// nodes, its own virtual nodes left out.
func (h *Host) TableSize() int {
	var peers []Peer
	for i := range h.vn {
		v := &h.vn[i]
		for f := range v.finger {
			if v.fingerOK&(1<<uint(f)) != 0 {
				peers = append(peers, v.finger[f])
			}
		}
		peers = append(peers, v.succ...)
		if v.hasPred {
			peers = append(peers, v.pred)
		}
	}
	peers = slices.DeleteFunc(peers, func(p Peer) bool { return p.Host == h.host })
	slices.SortFunc(peers, func(a, b Peer) int {
		return cmp.Or(cmp.Compare(a.Host, b.Host), cmp.Compare(a.V, b.V))
	})
	return len(slices.Compact(peers))
}

// StoredKeys returns the keys stored at virtual node v. Do not modify it.
func (h *Host) StoredKeys(v int) []uint64 { return h.vn[v].keys }

// Store places keys at virtual node v directly, without messages: the runner
// uses it to load the initial data set into the first node.
func (h *Host) Store(v int, keys ...uint64) { h.vn[v].keys = append(h.vn[v].keys, keys...) }

// ---- overlay.Protocol ----

// Join starts every virtual node. With no bootstrap the first virtual node
// forms a ring of one and the others join through it.
func (h *Host) Join(env Env, bootstrap engine.NodeID) {
	for i := range h.vn {
		v := &h.vn[i]
		v.bootstrap, v.joinBoot = bootstrap, bootstrap
		switch {
		case bootstrap == engine.None && i == 0:
			h.becomeJoined(env, v, []Peer{v.self})
		case bootstrap == engine.None:
			v.bootstrap = h.host
			h.startJoin(env, v)
		default:
			h.startJoin(env, v)
		}
	}
}

// Leave hands every virtual node's keys and predecessor to its successor and
// its successor list to its predecessor.
func (h *Host) Leave(env Env) {
	for i := range h.vn {
		v := &h.vn[i]
		if !v.joined {
			continue
		}
		// The host's other virtual nodes are leaving too, and a goodbye to
		// one of them would be lost with its keys: hand over to the first
		// successor on another host, and do not name a predecessor of ours.
		s := v.self
		for _, p := range v.succ {
			if p.Host != h.host {
				s = p
				break
			}
		}
		if s != v.self {
			m := h.msg(v, OpLeaveToSucc, s)
			m.A, m.Flag, m.Keys = v.pred, v.hasPred && v.pred.Host != h.host, v.keys
			env.Send(s.Host, m)
		}
		if v.hasPred && v.pred != v.self && v.pred != s {
			m := h.msg(v, OpLeaveToPred, v.pred)
			m.Peers = v.succ
			env.Send(v.pred.Host, m)
		}
		v.keys = nil
	}
}

// Lookup starts a workload lookup for key from one of the host's virtual
// nodes (chosen at random when there are several).
func (h *Host) Lookup(env Env, key uint64) bool {
	vi := 0
	if len(h.vn) > 1 {
		vi = env.Rand().IntN(len(h.vn))
	}
	v := &h.vn[vi]
	if !v.joined {
		return false
	}
	h.startLookup(env, v, purposeWorkload, h.space.Mask(key), 0)
	return true
}

// Fire handles a timer.
func (h *Host) Fire(env Env, t Timer) {
	v := &h.vn[t.V]
	switch t.Kind {
	case TimerStabilize:
		env.After(h.cfg.Stabilize, Timer{Kind: TimerStabilize, V: t.V})
		h.stabilize(env, v)
	case TimerFixFingers:
		env.After(h.cfg.FixFingers, Timer{Kind: TimerFixFingers, V: t.V})
		if v.fixNext < 0 {
			v.fixNext = 0
			h.continueFix(env, v)
		}
		// While some peer is suspect the ring may be in disorder around
		// it; successor pointers can cross (a→b, c→d, a < c < b < d),
		// each confirmed by its successor's predecessor pointer, which is
		// all stabilize looks at. Ask the others for our successor once a
		// period (succCheck). Nothing is suspect in a healthy ring.
		if v.joined && !v.succChecking && h.sus.any(env.Now()) {
			v.succChecking = true
			h.startLookup(env, v, purposeSuccCheck, h.space.Add(v.self.ID, 1), 0)
		}
	case TimerCheckPred:
		env.After(h.cfg.CheckPredecessor, Timer{Kind: TimerCheckPred, V: t.V})
		h.checkPred(env, v)
	case TimerRPC:
		h.rpcTimeout(env, t.Ref)
	case TimerLookup:
		if l := h.lookupByID(t.Ref); l != nil {
			l.timer = engine.NoTimer
			h.finishLookup(env, l, Peer{}, false)
		}
	case TimerJoinRetry:
		if !v.joined {
			h.startJoin(env, v)
		}
	}
}

// Deliver handles a message.
func (h *Host) Deliver(env Env, from engine.NodeID, m Message) {
	if int(m.To) >= len(h.vn) {
		return
	}
	v := &h.vn[m.To]
	if from != h.host {
		// The sender is alive and, for now, reachable (suspect.go).
		h.sus.clear(from, env.Now())
	}
	if m.From.Host != h.host && inRing(m) {
		v.lastHeard, v.hasLastHeard = m.From, true
	}
	switch m.Op {
	case OpFindReq:
		h.answerFind(env, v, m)
	case OpFindResp:
		h.findResponse(env, m)
	case OpForward:
		ack := h.msg(v, OpForwardAck, m.From)
		ack.Req = m.Hop
		env.Send(m.From.Host, ack)
		m.Sent++ // the ack
		h.route(env, v, m)
	case OpForwardAck:
		if r := h.rpcByID(m.Req); r != nil {
			h.endRPC(env, r)
		}
	case OpResult:
		if l := h.lookupByID(m.Req); l != nil {
			l.msgs, l.by, l.hasBy = int(m.Sent), m.From, true
			h.finishLookupHops(env, l, m.A, true, int(m.Hops))
		}
	case OpGetPred:
		if !v.joined {
			return
		}
		r := h.msg(v, OpGetPredResp, m.From)
		r.Req, r.A, r.Flag, r.Peers = m.Req, v.pred, v.hasPred, v.succ
		if m.Flag && h.altFresh(env, v) {
			// Asked again: the sender cannot reach our predecessor.
			r.A, r.Flag = v.alt, true
		}
		env.Send(m.From.Host, r)
	case OpGetPredResp:
		if r := h.rpcByID(m.Req); r != nil {
			vi, again := r.v, r.again
			h.endRPC(env, r)
			h.stabilizeResponse(env, &h.vn[vi], m, again)
		}
	case OpNotify:
		if h.suspected(env, m.From) {
			// Still suspect although it just talked to us: others
			// reported it unreachable. Keep it out of the ring.
			return
		}
		if m.Flag {
			h.succHint(v, m.From)
		} else {
			h.notified(env, v, m.From)
		}
	case OpPredChanged:
		// Our successor has a closer predecessor, which may be our new
		// successor: the sender's setPred says why we ask at once. A hint
		// from a node that is no longer our successor is stale.
		if v.joined && v.succ[0] == m.From {
			h.stabilize(env, v)
		}
	case OpPing:
		p := h.msg(v, OpPong, m.From)
		p.Req = m.Req
		env.Send(m.From.Host, p)
	case OpPong:
		if r := h.rpcByID(m.Req); r != nil {
			h.vn[r.v].pingingPred = false
			h.vn[r.v].hasPredCand = false
			h.endRPC(env, r)
		}
	case OpTransfer:
		v.keys = append(v.keys, m.Keys...)
		// Keys that are not ours (they were sent before we learnt of a closer
		// predecessor) go on towards their owner instead of staying here.
		h.handOver(env, v)
	case OpLeaveToSucc:
		v.keys = append(v.keys, m.Keys...)
		if v.hasPred && v.pred == m.From {
			// The leaver's word: not a predecessor that is suspect.
			v.pred, v.hasPred = m.A, m.Flag && m.A != v.self && !h.suspected(env, m.A)
		}
		h.forget(env, v, m.From)
	case OpLeaveToPred:
		if v.joined && v.succ[0] == m.From {
			h.scratch = h.appendTrusted(env, h.scratch[:0], m.Peers)
			h.setSuccessors(v, h.scratch)
		}
		h.forget(env, v, m.From)
	}
}

// inRing reports whether m shows that its sender is part of the ring, so
// that it may serve as the peer to rejoin through. Any message would not
// do: two neighbours that lost their successors together would rejoin
// through each other's join requests, fail, and start a ring of their own.
func inRing(m Message) bool {
	switch m.Op {
	case OpNotify:
		return !m.Flag // a successor hint may come from a node still joining
	case OpGetPred, OpPing, OpPong, OpForwardAck, OpResult, OpPredChanged:
		return true
	case OpFindResp:
		return m.Flag || m.Hops > 0
	case OpGetPredResp:
		return len(m.Peers) > 0
	}
	return false
}

// ---- joining ----

func (h *Host) startJoin(env Env, v *vnode) {
	h.startLookup(env, v, purposeJoin, v.self.ID, 0)
}

func (h *Host) becomeJoined(env Env, v *vnode, succ []Peer) {
	v.succ = succ
	v.joined = true
	if v.rejoining {
		// A rejoin: the periodic timers of the first join are still running.
		v.rejoining = false
		h.stabilize(env, v)
		return
	}
	r := env.Rand()
	// Spread the periodic tasks so that nodes do not act in lock step.
	env.After(0, Timer{Kind: TimerStabilize, V: v.self.V})
	env.After(time.Duration(r.Int64N(int64(h.cfg.Stabilize)))+h.cfg.Stabilize/2, Timer{Kind: TimerFixFingers, V: v.self.V})
	env.After(time.Duration(r.Int64N(int64(h.cfg.CheckPredecessor))), Timer{Kind: TimerCheckPred, V: v.self.V})
}

// ---- stabilization ----

func (h *Host) stabilize(env Env, v *vnode) {
	if !v.joined {
		return
	}
	s := v.succ[0]
	if s == v.self {
		// A ring of one: our predecessor, if any, is our successor too.
		if v.hasPred && v.pred != v.self {
			h.setSuccessors(v, []Peer{v.pred})
			h.notify(env, v)
		}
		return
	}
	h.call(env, v, rpcGetPred, s, h.msg(v, OpGetPred, s), 0)
}

// stabilizeResponse takes the successor's answer to get_pred; again says
// that it answers a repeated request, made because the predecessor it named
// first is suspect.
func (h *Host) stabilizeResponse(env Env, v *vnode, m Message, again bool) {
	s := m.From
	if !v.joined || v.succ[0] != s {
		return // the successor changed meanwhile
	}
	closer := m.Flag && m.A != v.self && h.space.InOpen(m.A.ID, v.self.ID, s.ID)
	askAgain := false
	if closer && h.suspected(env, m.A) {
		// The successor's predecessor failed to answer us lately, such as
		// a host behind a NAT that only its ring neighbours reach: taking
		// it again at once is the loop suspect.go describes. Nodes between
		// it and us are then hidden behind it, since the successor's
		// predecessor pointer is the only way stabilize finds them, and
		// they all point past one another at the successor. Ask the
		// successor again, once, for the closest other node that notified
		// it lately (OpGetPred with Flag, answered with alt); and if no
		// predecessor has notified us for a while we are hidden ourselves:
		// look up our own identifier, and hint the node that answers.
		closer, askAgain = false, !again
		if !v.checking && env.Now().Sub(v.predAt) > 2*h.cfg.Stabilize {
			v.checking = true
			h.startLookup(env, v, purposeSelfCheck, v.self.ID, 0)
		}
	}
	list := h.scratch[:0]
	if closer {
		list = append(list, m.A)
	}
	list = append(list, s)
	list = h.appendTrusted(env, list, m.Peers)
	h.scratch = list
	h.setSuccessors(v, list)
	if closer {
		// The successor moved closer: ask the new one straight away rather
		// than one stabilize period later. Each repetition moves strictly
		// closer, so this ends; it turns the O(n) periods that a burst of
		// concurrent joins needs to settle into O(n) round trips.
		h.stabilize(env, v)
		return
	}
	if askAgain {
		m := h.msg(v, OpGetPred, s)
		m.Flag = true
		h.call(env, v, rpcGetPred, s, m, 0).again = true
		return // notify once it answers
	}
	h.notify(env, v)
}

// altFresh reports whether v has an alternative predecessor to name: one
// that notified v within the last two stabilize periods (a node that takes
// v for its successor notifies it every period).
func (h *Host) altFresh(env Env, v *vnode) bool {
	return v.hasAlt && (!v.hasPred || v.alt != v.pred) && env.Now().Sub(v.altAt) < 2*h.cfg.Stabilize
}

func (h *Host) notify(env Env, v *vnode) {
	if s := v.succ[0]; s != v.self {
		env.Send(s.Host, h.msg(v, OpNotify, s))
	}
}

// hint tells p that we might be its successor.
func (h *Host) hint(env Env, v *vnode, p Peer) {
	if p.Host == h.host {
		return
	}
	m := h.msg(v, OpNotify, p)
	m.Flag = true
	env.Send(p.Host, m)
}

// succHint handles "p might be our successor" (OpNotify with Flag): p cannot
// reach our successor, which will then never name p as its predecessor, so
// stabilize would not find p. Adopt it if it lies before our successor, as
// notified does. It comes from a joiner that stepped past its unreachable
// successor, or from a node that found itself hidden (stabilizeResponse).
func (h *Host) succHint(v *vnode, p Peer) {
	if !v.joined || p == v.self {
		return
	}
	if s := v.succ[0]; s == v.self || h.space.InOpen(p.ID, v.self.ID, s.ID) {
		h.setSuccessors(v, append([]Peer{p}, v.succ...))
	}
}

// notified handles "p thinks it might be our predecessor".
func (h *Host) notified(env Env, v *vnode, p Peer) {
	if !v.joined || p == v.self {
		return
	}
	// A notifier between us and our successor is a closer successor: adopt
	// it now rather than at our next stabilize (the rule stabilize applies to
	// successor.predecessor). Without this a node that is alone answers
	// every lookup with itself until its next stabilize, and then takes its
	// predecessor — the farthest node clockwise — as successor.
	if s := v.succ[0]; s == v.self || h.space.InOpen(p.ID, v.self.ID, s.ID) {
		h.setSuccessors(v, append([]Peer{p}, v.succ...))
	}
	if v.hasPred && !h.space.InOpen(p.ID, v.pred.ID, v.self.ID) {
		// p believes it precedes us but our predecessor is in the way. If
		// that predecessor has crashed, p is right: check now rather than at
		// the next check_predecessor, which may be minutes away.
		if p != v.pred {
			if !v.hasPredCand || h.space.InOpen(p.ID, v.predCand.ID, v.self.ID) {
				v.predCand, v.hasPredCand = p, true
			}
			if !h.altFresh(env, v) || p == v.alt || h.space.InOpen(p.ID, v.alt.ID, v.self.ID) {
				v.alt, v.altAt, v.hasAlt = p, env.Now(), true
			}
			h.checkPred(env, v)
		} else {
			v.predAt = env.Now()
		}
		return
	}
	h.setPred(env, v, p)
	v.predAt = env.Now()
}

// setPred installs p as predecessor and hands over the keys it now owns.
//
// When p displaces a live predecessor q, p lies between q and us, so q's
// successor pointer (us) has just gone stale; q is told at once, and
// stabilizes now instead of up to a stabilize period later. The paper's
// stabilize would get there too, but at one period per step, and a burst of
// joins needs many steps in a row: with nodes arriving several times per
// second, a walk back along predecessors (stabilizeResponse) stops at nodes
// whose predecessor is still a far notifier, and nodes end up in crossing
// pairs a→b, c→d (a < c < b < d) each confirmed by its successor's
// predecessor pointer. Stabilize never looks across such pairs: they form a
// second, sparse chain beside the ring that merges only from its end, one
// node per stabilize period (4,096 nodes over 15 minutes left a chain of 125
// nodes that took about 45 minutes to merge, and lookups for its keys were
// wrong).
// With the hint, predecessor pointers stay exact during the burst and the
// ring is whole within a minute of the last arrival.
func (h *Host) setPred(env Env, v *vnode, p Peer) {
	old, had := v.pred, v.hasPred
	v.pred, v.hasPred = p, true
	v.hasPredCand = false
	if had && old != p && old != v.self {
		env.Send(old.Host, h.msg(v, OpPredChanged, old))
	}
	h.handOver(env, v)
}

// checkPred pings the predecessor unless a ping is already out.
func (h *Host) checkPred(env Env, v *vnode) {
	if !v.hasPred || v.pred == v.self || v.pingingPred {
		return
	}
	v.pingingPred = true
	h.call(env, v, rpcPing, v.pred, h.msg(v, OpPing, v.pred), 0)
}

// handOver sends the predecessor the keys outside (predecessor, self]: they
// are its own or, passed on in turn, those of the nodes before it.
func (h *Host) handOver(env Env, v *vnode) {
	if !v.hasPred || v.pred == v.self {
		return
	}
	p := v.pred
	var moving []uint64
	kept := v.keys[:0]
	for _, k := range v.keys {
		if h.space.InHalfOpen(k, p.ID, v.self.ID) {
			kept = append(kept, k)
		} else {
			moving = append(moving, k)
		}
	}
	v.keys = kept
	if len(moving) > 0 {
		m := h.msg(v, OpTransfer, p)
		m.Keys = moving
		env.Send(p.Host, m)
	}
}

// setSuccessors installs a new successor list built from candidates: entries
// up to the first occurrence of self, without duplicates, at most r long. The
// current list is kept (not reallocated) when nothing changed.
func (h *Host) setSuccessors(v *vnode, cands []Peer) {
	r := h.cfg.Successors
	n := 0
	same := true
	for i, p := range cands {
		if p == v.self || n == r {
			break
		}
		if slices.Contains(cands[:i], p) {
			continue
		}
		if n >= len(v.succ) || v.succ[n] != p {
			same = false
		}
		n++
	}
	if same && n == len(v.succ) {
		return
	}
	list := make([]Peer, 0, n)
	for i, p := range cands {
		if p == v.self || len(list) == r {
			break
		}
		if !slices.Contains(cands[:i], p) {
			list = append(list, p)
		}
	}
	if len(list) == 0 {
		list = append(list, v.self)
	}
	v.succ = list
}

// forget removes p from v's successor list, fingers and predecessor, after p
// timed out or left. A node left with no successor, finger or predecessor
// rejoins through the last peer it heard from rather than become a ring of
// one that nobody can reach.
func (h *Host) forget(env Env, v *vnode, p Peer) {
	if v.hasPred && v.pred == p {
		v.hasPred = false
	}
	if v.hasAlt && v.alt == p {
		v.hasAlt = false
	}
	for i := range v.finger {
		if v.fingerOK&(1<<uint(i)) != 0 && v.finger[i] == p {
			v.fingerOK &^= 1 << uint(i)
		}
	}
	if !v.joined || !slices.Contains(v.succ, p) {
		return
	}
	rest := make([]Peer, 0, len(v.succ))
	for _, q := range v.succ {
		if q != p {
			rest = append(rest, q)
		}
	}
	if len(rest) == 0 {
		// Every successor is gone: fall back on the nearest finger, then the
		// predecessor, then a rejoin.
		for i := range v.finger {
			if v.fingerOK&(1<<uint(i)) != 0 && v.finger[i] != v.self {
				rest = append(rest, v.finger[i])
				break
			}
		}
		if len(rest) == 0 && v.hasPred {
			rest = append(rest, v.pred)
		}
		if len(rest) == 0 {
			h.rejoin(env, v, p)
			return
		}
	}
	v.succ = rest
}

// rejoin drops v's routing state and joins again through the last peer it
// heard from (other than dead), or its original bootstrap. Stored keys are
// kept and handed over as usual once a predecessor notifies.
func (h *Host) rejoin(env Env, v *vnode, dead Peer) {
	v.joined, v.succ, v.hasPred, v.fingerOK, v.fixNext = false, nil, false, 0, -1
	v.hasPredCand, v.pingingPred, v.hasAlt = false, false, false
	if v.hasLastHeard && v.lastHeard != dead {
		v.bootstrap = v.lastHeard.Host
	}
	v.rejoining = true
	h.startJoin(env, v)
}

// ---- fingers ----

// continueFix advances the running fix_fingers round: fingers whose start
// falls before an already known finger are copied from it; the first that is
// not starts a lookup, whose answer resumes the round.
func (h *Host) continueFix(env Env, v *vnode) {
	if !v.joined {
		v.fixNext = -1
		return
	}
	s := v.succ[0]
	for ; v.fixNext < h.space.Bits(); v.fixNext++ {
		i := v.fixNext
		start := h.space.FingerStart(v.self.ID, i)
		if s != v.self && h.space.InHalfOpen(start, v.self.ID, s.ID) {
			v.finger[i] = s
			v.fingerOK |= 1 << uint(i)
			continue
		}
		if i > 0 && v.fingerOK&(1<<uint(i-1)) != 0 {
			prev := v.finger[i-1]
			if prev != v.self && h.space.InHalfOpen(start, v.self.ID, prev.ID) {
				v.finger[i] = prev
				v.fingerOK |= 1 << uint(i)
				continue
			}
		}
		if s == v.self {
			v.finger[i] = v.self
			v.fingerOK |= 1 << uint(i)
			continue
		}
		h.startLookup(env, v, purposeFinger, start, i)
		return
	}
	v.fixNext = -1
}

// closestPreceding returns the two known peers that most closely precede key
// (a is the closest); n says how many were found.
//
// Fingers are scanned from the farthest down, skipping runs of equal entries
// (most low fingers all point at the successor), and the scan stops at the
// second distinct finger inside (self, key): in a finger table the first hits
// going down are the closest. The successor list is always considered.
//
// Peers on host skip are left out (engine.None: none is).
func (h *Host) closestPreceding(v *vnode, key uint64, skip engine.NodeID) (a, b Peer, n int) {
	var da, db uint64
	consider := func(p Peer) {
		if p == v.self || p.Host == skip || !h.space.InOpen(p.ID, v.self.ID, key) {
			return
		}
		d := h.space.Dist(v.self.ID, p.ID)
		switch {
		case n == 0:
			a, da, n = p, d, 1
		case p == a || (n == 2 && p == b):
		case d > da:
			b, db = a, da
			a, da = p, d
			n = 2
		case n == 1 || d > db:
			b, db, n = p, d, 2
		}
	}
	found := 0
	var last Peer
	for i := len(v.finger) - 1; i >= 0 && found < 2; i-- {
		if v.fingerOK&(1<<uint(i)) == 0 || v.finger[i] == last {
			continue
		}
		last = v.finger[i]
		if last != v.self && last.Host != skip && h.space.InOpen(last.ID, v.self.ID, key) {
			consider(last)
			found++
		}
	}
	succ := v.succ
	if !h.cfg.SuccessorRouting && len(succ) > 1 {
		succ = succ[:1] // the successor is the paper's first finger
	}
	for _, p := range succ {
		consider(p)
	}
	return a, b, n
}

// owner reports whether v can answer for key locally: the key is between v
// and its successor (answer: the successor) or between its predecessor and v
// (answer: v itself).
func (h *Host) owner(v *vnode, key uint64) (Peer, bool) {
	if !v.joined {
		return Peer{}, false
	}
	if s := v.succ[0]; h.space.InHalfOpen(key, v.self.ID, s.ID) {
		return s, true
	}
	if v.hasPred && h.space.InHalfOpen(key, v.pred.ID, v.self.ID) {
		return v.self, true
	}
	return Peer{}, false
}

// ownerFromList extends owner to the whole successor list: the key's
// successor is the first entry at or past it. It answers a repeated
// iterative step (see answerFind).
func (h *Host) ownerFromList(v *vnode, key uint64) (Peer, bool) {
	if !v.joined {
		return Peer{}, false
	}
	prev := v.self.ID
	for _, p := range v.succ {
		if p == v.self {
			break
		}
		if h.space.InHalfOpen(key, prev, p.ID) {
			return p, true
		}
		prev = p.ID
	}
	return Peer{}, false
}

// msg returns a message of op from v to p.
func (h *Host) msg(v *vnode, op Op, to Peer) Message {
	return Message{Op: op, To: to.V, From: v.self, bits: uint8(h.cfg.Bits)}
}
