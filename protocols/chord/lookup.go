package chord

import (
	"peerlab/engine"
	"peerlab/overlay"
	"peerlab/slots"
)

// rpcKind says what an outstanding request was for.
type rpcKind uint8

const (
	rpcFind    rpcKind = iota // iterative lookup step
	rpcForward                // recursive lookup hop, waiting for its ack
	rpcGetPred                // stabilize
	rpcPing                   // check_predecessor
)

// rpc is an outstanding request waiting for its answer or its timeout.
type rpc struct {
	id     uint64 // its own slots.ID in Host.rpcs
	kind   rpcKind
	v      uint16
	peer   Peer
	timer  engine.TimerID
	lookup uint64 // rpcFind: the lookup it serves
	depth  int    // rpcFind: hop number of the queried node
	via    Peer   // rpcFind: the node that named the queried one (if hasVia)
	hasVia bool
	again  bool    // rpcGetPred: asked again for another predecessor
	fwd    Message // rpcForward: the message to route again on timeout
}

// purpose says who started a lookup.
type purpose uint8

const (
	purposeWorkload purpose = iota
	purposeJoin
	purposeFinger
	purposeSelfCheck // our own identifier: does the ring know us? (stabilize)
	purposeSuccCheck // our identifier + 1: is our successor right? (fix_fingers)
)

// maxCands bounds the candidate set of an iterative lookup.
const maxCands = 8

// cand is a node an iterative lookup may ask next.
type cand struct {
	p Peer
	// via is the node whose answer named p (if hasVia): the one to ask
	// again, once, should p not answer (reask).
	via Peer
	// past is a peer this candidate named that did not answer (if hasPast):
	// asked again, it answers from its whole successor list, or names
	// somebody else.
	past      Peer
	depth     int  // its hop number: 1 for the origin's own contacts
	tried     bool // asked already (answered or timed out)
	unknownID bool // a bootstrap contact whose identifier is not known yet
	hasVia    bool
	hasPast   bool
	reasked   bool // asked again already
}

// lookup is a lookup in progress at its origin.
type lookup struct {
	id      uint64 // its own slots.ID in Host.looks
	purpose purpose
	v       uint16
	key     uint64
	start   engine.Time
	timer   engine.TimerID
	finger  int  // purposeFinger: which finger
	msgs    int  // messages the lookup caused: requests and answers
	by      Peer // the node that gave the answer, if hasBy
	hasBy   bool
	cands   [maxCands]cand
	n       int
}

// ---- request bookkeeping ----

// call sends m to p as a request of the given kind and arms its timeout.
func (h *Host) call(env Env, v *vnode, kind rpcKind, p Peer, m Message, lookupID uint64) *rpc {
	sid, r := h.rpcs.Alloc()
	id := uint64(sid)
	r.id, r.kind, r.v, r.peer, r.lookup = id, kind, v.self.V, p, lookupID
	if kind == rpcForward {
		m.Hop = id
		r.fwd = m
	} else {
		m.Req = id
	}
	r.timer = env.After(h.cfg.RPCTimeout, Timer{Kind: TimerRPC, V: v.self.V, Ref: id})
	env.Send(p.Host, m)
	return r
}

func (h *Host) rpcByID(id uint64) *rpc { return h.rpcs.Get(slots.ID(id)) }

// endRPC retires a request that was answered.
func (h *Host) endRPC(env Env, r *rpc) {
	env.Cancel(r.timer)
	h.freeRPC(r)
}

func (h *Host) freeRPC(r *rpc) { h.rpcs.Free(slots.ID(r.id)) }

// rpcTimeout handles a request that got no answer in time: the peer is
// presumed dead and forgotten, and the work it was part of moves on.
func (h *Host) rpcTimeout(env Env, id uint64) {
	r := h.rpcByID(id)
	if r == nil {
		return
	}
	kind, v, peer, lookupID, fwd := r.kind, &h.vn[r.v], r.peer, r.lookup, r.fwd
	via, hasVia, depth := r.via, r.hasVia, r.depth
	h.freeRPC(r)
	h.suspect(env, peer)
	h.forget(env, v, peer)
	switch kind {
	case rpcFind:
		if l := h.lookupByID(lookupID); l != nil {
			if hasVia {
				h.reask(l, via, peer, depth-1)
			}
			h.iterate(env, l)
		}
	case rpcForward:
		h.route(env, v, fwd)
	case rpcGetPred:
		h.stabilize(env, v)
	case rpcPing:
		v.pingingPred = false
		if !v.hasPred && v.hasPredCand && v.joined && !h.suspected(env, v.predCand) {
			h.setPred(env, v, v.predCand)
		}
	}
}

// ---- lookups ----

func (h *Host) lookupByID(id uint64) *lookup { return h.looks.Get(slots.ID(id)) }

func (h *Host) lookupID(l *lookup) uint64 { return l.id }

// startLookup begins a lookup for key at v. Lookups that v can answer from
// its own state end at once with zero hops.
func (h *Host) startLookup(env Env, v *vnode, p purpose, key uint64, finger int) {
	sid, l := h.looks.Alloc()
	id := uint64(sid)
	l.id, l.purpose, l.v, l.key, l.start, l.finger = id, p, v.self.V, key, env.Now(), finger
	// A recursive lookup waits for a result that may never come, so it needs
	// a timer. An iterative one is driven by its own steps' answers and
	// timeouts; it checks its deadline at each step instead, which keeps a
	// 30-second timer per lookup out of the event queue.
	if h.cfg.Lookup == Recursive {
		l.timer = env.After(h.cfg.LookupTimeout, Timer{Kind: TimerLookup, V: v.self.V, Ref: id})
	}

	if p == purposeJoin {
		boot := Peer{Host: v.bootstrap}
		if h.cfg.Lookup == Recursive {
			m := h.msg(v, OpForward, boot)
			m.Req, m.Key, m.A, m.Hops, m.Sent, m.Maint = id, key, v.self, 1, 1, true
			h.call(env, v, rpcForward, boot, m, 0)
			return
		}
		l.cands[0] = cand{p: boot, depth: 1, unknownID: true}
		l.n = 1
		h.iterate(env, l)
		return
	}
	// The ring checks (purposeSelfCheck from stabilizeResponse,
	// purposeSuccCheck from fix_fingers) ask what the others know about our
	// own place on the ring: they do not answer from our state, and start
	// from our peers farthest round the ring.
	check := p == purposeSelfCheck || p == purposeSuccCheck
	if ans, ok := h.owner(v, key); ok && !check {
		h.finishLookupHops(env, l, ans, true, 0)
		return
	}
	from := key
	if check {
		from = v.self.ID
	}
	if h.cfg.Lookup == Recursive {
		m := Message{Op: OpForward, Req: id, Key: key, A: v.self, Maint: p != purposeWorkload}
		if !check {
			h.route(env, v, m)
		} else if next, _, n := h.closestPreceding(v, from, engine.None); n > 0 {
			h.forward(env, v, m, next)
		} // else nobody to ask: the lookup timer ends it
		return
	}
	a, b, n := h.closestPreceding(v, from, engine.None)
	if n > 0 {
		h.addCand(l, a, 1)
	}
	if n > 1 {
		h.addCand(l, b, 1)
	}
	h.iterate(env, l)
}

// reask has an iterative lookup ask x again, once, because the peer past
// that x named does not answer (it timed out, or did lately). A Chord
// lookup must reach the key's predecessor, and only that node's own
// predecessor may be able to reach it: a node behind a NAT is reachable by
// the nodes it talks to — its ring neighbours — and by nobody else. Asked
// again, x answers from its whole successor list when the key falls within
// it, and otherwise names its closest preceding peers other than past.
func (h *Host) reask(l *lookup, x, past Peer, depth int) {
	for i := 0; i < l.n; i++ {
		if c := &l.cands[i]; c.p == x {
			if c.reasked {
				return
			}
			c.tried, c.past, c.hasPast, c.reasked = false, past, true, true
			return
		}
	}
	// x has left the candidate set: bring it back.
	h.addCand(l, x, depth)
	for i := 0; i < l.n; i++ {
		if c := &l.cands[i]; c.p == x && !c.tried {
			c.past, c.hasPast, c.reasked = past, true, true
		}
	}
}

// addCand adds p to an iterative lookup's candidates, dropping the one
// furthest from the key when the set is full.
func (h *Host) addCand(l *lookup, p Peer, depth int) { h.addCandVia(l, p, depth, Peer{}, false) }

// addCandVia is addCand for a candidate named by via's answer.
func (h *Host) addCandVia(l *lookup, p Peer, depth int, via Peer, hasVia bool) {
	for i := 0; i < l.n; i++ {
		if l.cands[i].p == p {
			return
		}
	}
	if l.n < maxCands {
		l.cands[l.n] = cand{p: p, depth: depth, via: via, hasVia: hasVia}
		l.n++
		return
	}
	worst, wd := -1, uint64(0)
	for i := 0; i < l.n; i++ {
		if d := h.space.Dist(l.cands[i].p.ID, l.key); l.cands[i].tried || d > wd {
			if l.cands[i].tried {
				worst = i
				break
			}
			worst, wd = i, d
		}
	}
	if worst >= 0 && (l.cands[worst].tried || h.space.Dist(p.ID, l.key) < wd) {
		l.cands[worst] = cand{p: p, depth: depth, via: via, hasVia: hasVia}
	}
}

// iterate asks the untried candidate closest to the key, or fails the lookup
// when none is left.
func (h *Host) iterate(env Env, l *lookup) {
	best := -1
	for i := 0; i < l.n; i++ {
		c := &l.cands[i]
		if c.tried {
			continue
		}
		if c.unknownID {
			best = i
			break
		}
		if best < 0 || h.space.Dist(c.p.ID, l.key) < h.space.Dist(l.cands[best].p.ID, l.key) {
			best = i
		}
	}
	if best < 0 || env.Now().Sub(l.start) >= h.cfg.LookupTimeout {
		h.finishLookupHops(env, l, Peer{}, false, 0)
		return
	}
	c := &l.cands[best]
	c.tried = true
	v := &h.vn[l.v]
	m := h.msg(v, OpFindReq, c.p)
	m.Key, m.Maint = l.key, l.purpose != purposeWorkload
	if c.hasPast {
		m.Flag, m.A = true, c.past
	}
	r := h.call(env, v, rpcFind, c.p, m, h.lookupID(l))
	r.depth, r.via, r.hasVia = c.depth, c.via, c.hasVia
	l.msgs++
}

// answerFind answers an iterative lookup step. A repeated step (Flag) says
// that m.A, a peer we named, did not answer the origin: we drop it as a
// reported peer (suspect.go), answer from the whole successor list when the
// key falls within it, and otherwise name peers other than m.A.
func (h *Host) answerFind(env Env, v *vnode, m Message) {
	r := h.msg(v, OpFindResp, m.From)
	r.Req, r.Maint = m.Req, m.Maint
	skip := engine.None
	if m.Flag {
		skip = m.A.Host
		if m.A.Host != m.From.Host {
			h.reported(env, v, m.A)
		}
	}
	ans, ok := h.owner(v, m.Key)
	if !ok && m.Flag {
		ans, ok = h.ownerFromList(v, m.Key)
	}
	if ok {
		r.Flag, r.A = true, ans
	} else if v.joined {
		a, b, n := h.closestPreceding(v, m.Key, skip)
		r.A, r.B, r.Hops = a, b, int32(n)
	}
	env.Send(m.From.Host, r)
}

// findResponse takes an iterative step's answer at the origin.
func (h *Host) findResponse(env Env, m Message) {
	r := h.rpcByID(m.Req)
	if r == nil {
		return // the step had timed out already
	}
	depth, lookupID, asked := r.depth, r.lookup, r.peer
	h.endRPC(env, r)
	l := h.lookupByID(lookupID)
	if l == nil {
		return // the lookup ended meanwhile
	}
	l.msgs++
	if m.Flag {
		l.by, l.hasBy = m.From, true
		h.finishLookupHops(env, l, m.A, true, depth)
		return
	}
	// Next hops that failed to answer us lately are not asked again; the
	// node that named one is asked again instead, as if it had timed out
	// now (reask).
	if m.Hops > 0 {
		if h.suspected(env, m.A) {
			h.reask(l, asked, m.A, depth)
		} else {
			h.addCandVia(l, m.A, depth+1, asked, true)
		}
	}
	if m.Hops > 1 && !h.suspected(env, m.B) {
		h.addCandVia(l, m.B, depth+1, asked, true)
	}
	h.iterate(env, l)
}

// route moves a recursive lookup one step: answer the origin if v knows the
// owner, else forward to the closest preceding peer and wait for its ack.
// m.Hops is the number of hops the query has made so far; m.A is the origin.
func (h *Host) route(env Env, v *vnode, m Message) {
	if !v.joined {
		return
	}
	if ans, ok := h.owner(v, m.Key); ok {
		if m.A == v.self {
			if l := h.lookupByID(m.Req); l != nil {
				l.msgs = int(m.Sent)
				h.finishLookupHops(env, l, ans, true, int(m.Hops))
			}
			return
		}
		res := h.msg(v, OpResult, m.A)
		res.Req, res.A, res.Hops, res.Sent, res.Maint = m.Req, ans, m.Hops, m.Sent+1, m.Maint
		env.Send(m.A.Host, res)
		return
	}
	next, _, n := h.closestPreceding(v, m.Key, engine.None)
	if n == 0 {
		return // nowhere to go: the origin's lookup timer will fail it
	}
	h.forward(env, v, m, next)
}

// forward sends a recursive lookup on to next and waits for its ack.
func (h *Host) forward(env Env, v *vnode, m Message, next Peer) {
	fwd := m
	fwd.To, fwd.From, fwd.Hops, fwd.Sent, fwd.bits = next.V, v.self, m.Hops+1, m.Sent+1, uint8(h.cfg.Bits)
	h.call(env, v, rpcForward, next, fwd, 0)
}

// finishLookup ends a lookup without a hop count (a failure).
func (h *Host) finishLookup(env Env, l *lookup, res Peer, ok bool) {
	h.finishLookupHops(env, l, res, ok, 0)
}

// finishLookupHops ends a lookup and hands its result to whoever started it.
func (h *Host) finishLookupHops(env Env, l *lookup, res Peer, ok bool, hops int) {
	env.Cancel(l.timer)
	p, vi, key, start, finger, msgs, by, hasBy := l.purpose, l.v, l.key, l.start, l.finger, l.msgs, l.by, l.hasBy
	if !ok && h.cfg.Lookup == Recursive {
		msgs = -1 // the messages went on past the origin, which cannot count them
	}
	h.looks.Free(slots.ID(l.id))
	v := &h.vn[vi]
	switch p {
	case purposeWorkload:
		r := overlay.LookupResult{Key: key, Start: start, Owner: engine.None, Hops: hops, Failed: !ok, Messages: msgs}
		if ok {
			r.Owner, r.OwnerID = res.Host, res.ID
		}
		env.LookupDone(r)
	case purposeJoin:
		if v.joined {
			return
		}
		if ok && res != v.self && h.suspected(env, res) && v.joinSkips < suspectSlots {
			// Our successor-to-be failed to answer us lately: a crashed
			// host not forgotten yet, or one behind a NAT that only its
			// ring neighbours reach. Join at the node after it instead, as
			// a lost successor is replaced by the next in the list. The
			// node that named it will not learn of us through it: hint.
			if hasBy && by.Host != res.Host {
				h.hint(env, v, by)
			}
			v.joinSkips++
			h.startLookup(env, v, purposeJoin, h.space.Add(res.ID, 1), 0)
			return
		}
		v.joinSkips = 0
		if ok && res != v.self {
			h.becomeJoined(env, v, []Peer{res})
			return
		}
		if v.rejoining {
			// Nobody answered the rejoin. Carrying on as a ring of one
			// would be wrong in a large network: nodes that notify it get
			// adopted as its successor, and a second ring grows that never
			// merges with the first (seen under churn, where it took 20% of
			// lookups). Stay out of the ring and retry, alternating between
			// the last ring member heard from and the original bootstrap;
			// the periodic timers keep running and wait for the join.
			switch {
			case v.bootstrap != v.joinBoot && v.joinBoot != engine.None && v.joinBoot != h.host:
				v.bootstrap = v.joinBoot
			case v.hasLastHeard:
				v.bootstrap = v.lastHeard.Host
			}
			if v.bootstrap == engine.None || v.bootstrap == h.host {
				// Nobody to ask: the first node, alone again.
				v.rejoining = false
				v.joined, v.succ = true, []Peer{v.self}
				return
			}
			env.After(joinRetry, Timer{Kind: TimerJoinRetry, V: vi})
			return
		}
		env.After(joinRetry, Timer{Kind: TimerJoinRetry, V: vi})
	case purposeSuccCheck:
		v.succChecking = false
		// The ring knows a successor closer than ours (see Fire).
		if ok && v.joined && res != v.self && h.space.InOpen(res.ID, v.self.ID, v.succ[0].ID) && !h.suspected(env, res) {
			h.setSuccessors(v, append([]Peer{res}, v.succ...))
			h.stabilize(env, v)
		}
	case purposeSelfCheck:
		v.checking = false
		// by answered for our own identifier with somebody else: it does
		// not know us, and may have to point at us (see stabilizeResponse).
		if ok && v.joined && res != v.self && hasBy {
			h.hint(env, v, by)
		}
	case purposeFinger:
		// A finger that failed to answer us lately would only cost the
		// next lookup that uses it a timeout.
		if ok && !h.suspected(env, res) {
			v.finger[finger] = res
			v.fingerOK |= 1 << uint(finger)
		}
		v.fixNext = finger + 1
		h.continueFix(env, v)
	}
}
