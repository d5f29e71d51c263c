package kademlia

import (
	"peerlab/engine"
	"peerlab/overlay"
)

// rpcKind says what an outstanding request was for.
type rpcKind uint8

const (
	rpcPing  rpcKind = iota // the head of a full bucket, for a newcomer
	rpcFind                 // a lookup step
	rpcStore                // a STORE
)

// rpc is an outstanding request waiting for its answer or its timeout.
type rpc struct {
	idx    uint32 // own index in Host.rpcs
	gen    uint32
	active bool
	kind   rpcKind
	// idKnown is false for the join's request to the bootstrap host, whose
	// identifier the reply will tell.
	idKnown  bool
	bucket   int16 // rpcPing: the bucket
	depth    int32 // rpcFind: the queried node's depth
	peer     Contact
	timer    engine.TimerID
	lookup   uint64  // rpcFind: the lookup it serves
	newcomer Contact // rpcPing: the contact waiting for the head's place
}

// purpose says who started a lookup.
type purpose uint8

const (
	purposeWorkload purpose = iota
	purposeJoin
	purposeRefresh
	purposeRepublish
)

// Shortlist entry states.
const (
	fresh    uint8 = iota // not asked yet
	asked                 // request in flight
	answered              // answered
)

// entry is one node of a lookup's shortlist.
type entry struct {
	c     Contact
	depth int32 // rounds on the path that found it: 1 for the origin's own contacts
	state uint8
}

// lookup is an iterative lookup in progress at its origin.
type lookup struct {
	idx     uint32 // own index in Host.looks
	gen     uint32
	active  bool
	purpose purpose
	value   bool // FIND_VALUE
	found   bool // a node returned the value
	key     uint64
	start   engine.Time
	// list is the shortlist: the k closest nodes seen that have not
	// failed, closest first. Its storage stays with the slot.
	list     []entry
	failed   []uint64 // nodes that timed out: never asked again
	inflight int      // requests in flight, including to nodes pushed out of list
	msgs     int      // requests sent
	answers  int
	holder   entry // the node that returned the value
}

func packID(gen, idx uint32) uint64 { return uint64(gen)<<32 | uint64(idx) }

// ---- request bookkeeping ----

// call sends m to c as a request of the given kind and arms its timeout.
func (h *Host) call(env Env, kind rpcKind, c Contact, m Message) *rpc {
	var idx uint32
	if n := len(h.freeRPCs); n > 0 {
		idx = h.freeRPCs[n-1]
		h.freeRPCs = h.freeRPCs[:n-1]
	} else {
		h.rpcs = append(h.rpcs, rpc{})
		idx = uint32(len(h.rpcs) - 1)
	}
	r := &h.rpcs[idx]
	r.idx, r.active, r.kind, r.peer, r.idKnown = idx, true, kind, c, true
	id := packID(r.gen, idx)
	m.Req = id
	r.timer = env.After(h.cfg.RPCTimeout, Timer{Kind: TimerRPC, Ref: id})
	env.Send(c.Host, m)
	return r
}

func (h *Host) rpcByID(id uint64) *rpc {
	idx := uint32(id)
	if int(idx) >= len(h.rpcs) {
		return nil
	}
	r := &h.rpcs[idx]
	if !r.active || r.gen != uint32(id>>32) {
		return nil
	}
	return r
}

// endRPC retires a request that was answered.
func (h *Host) endRPC(env Env, r *rpc) {
	env.Cancel(r.timer)
	h.freeRPC(r)
}

func (h *Host) freeRPC(r *rpc) {
	*r = rpc{idx: r.idx, gen: r.gen + 1}
	h.freeRPCs = append(h.freeRPCs, r.idx)
}

// rpcTimeout handles a request that got no answer in time: the peer is
// presumed dead and evicted, and the work it was part of moves on.
func (h *Host) rpcTimeout(env Env, id uint64) {
	r := h.rpcByID(id)
	if r == nil {
		return
	}
	kind, peer, idKnown, lookupID, bi, newcomer := r.kind, r.peer, r.idKnown, r.lookup, int(r.bucket), r.newcomer
	h.freeRPC(r)
	if idKnown {
		h.evict(env, peer)
	}
	switch kind {
	case rpcPing:
		b := h.bucket(bi)
		if b == nil {
			return
		}
		b.pinging = false
		// The freshest replacement took the place already if there was
		// one; without a cache the newcomer the PING was for takes it.
		if len(b.contacts) < h.cfg.K && indexOf(b.contacts, newcomer.ID) < 0 {
			h.insert(env, b, newcomer, 0)
		}
	case rpcFind:
		l := h.lookupByID(lookupID)
		if l == nil {
			return
		}
		l.inflight--
		if idKnown {
			if p := l.indexOf(peer.ID); p >= 0 {
				l.list = append(l.list[:p], l.list[p+1:]...)
			}
			l.failed = append(l.failed, peer.ID)
		}
		h.iterate(env, l)
	}
}

// ---- lookups ----

func (h *Host) lookupByID(id uint64) *lookup {
	idx := uint32(id)
	if int(idx) >= len(h.looks) {
		return nil
	}
	l := &h.looks[idx]
	if !l.active || l.gen != uint32(id>>32) {
		return nil
	}
	return l
}

func (l *lookup) id() uint64 { return packID(l.gen, l.idx) }

func (l *lookup) indexOf(id uint64) int {
	for i := range l.list {
		if l.list[i].c.ID == id {
			return i
		}
	}
	return -1
}

// startLookup begins a lookup for key: the shortlist starts with the k
// closest contacts of the routing table, and, for a join, a request to the
// bootstrap host.
func (h *Host) startLookup(env Env, p purpose, key uint64, bootstrap engine.NodeID) {
	var idx uint32
	if n := len(h.freeLook); n > 0 {
		idx = h.freeLook[n-1]
		h.freeLook = h.freeLook[:n-1]
	} else {
		h.looks = append(h.looks, lookup{})
		idx = uint32(len(h.looks) - 1)
	}
	l := &h.looks[idx]
	l.idx, l.active, l.purpose, l.key, l.start = idx, true, p, key, env.Now()
	l.value = p == purposeWorkload && h.cfg.Lookup == FindValue
	if cap(l.list) < h.cfg.K {
		l.list = make([]entry, 0, h.cfg.K)
	}
	h.touch(env.Now(), key)

	h.scratch = h.closestInto(h.scratch[:0], key, h.cfg.K, h.self.ID)
	sortByDist(h.scratch, key)
	for _, c := range h.scratch {
		l.list = append(l.list, entry{c: c, depth: 1})
	}
	if bootstrap != engine.None {
		h.ask(env, l, Contact{Host: bootstrap}, false, 1)
	}
	h.iterate(env, l)
}

// ask sends a find request of lookup l to c.
func (h *Host) ask(env Env, l *lookup, c Contact, idKnown bool, depth int32) {
	op := OpFindNode
	if l.value {
		op = OpFindValue
	}
	m := h.msg(op)
	m.Target, m.Maint = l.key, l.purpose != purposeWorkload
	r := h.call(env, rpcFind, c, m)
	r.idKnown, r.lookup, r.depth = idKnown, l.id(), depth
	l.inflight++
	l.msgs++
}

// iterate keeps α requests in flight to the closest nodes not asked yet,
// and ends the lookup once every node of the shortlist (the k closest seen
// that did not fail) has answered.
func (h *Host) iterate(env Env, l *lookup) {
	done := len(l.list) > 0 || l.inflight == 0
	for i := range l.list {
		e := &l.list[i]
		if e.state == fresh && l.inflight < h.cfg.Alpha {
			e.state = asked
			h.ask(env, l, e.c, true, e.depth)
		}
		if e.state != answered {
			done = false
		}
	}
	if done {
		h.finish(env, l)
	}
}

// addEntry adds a contact learned from a reply at depth-1 to the shortlist
// when it is among the k closest seen.
func (h *Host) addEntry(l *lookup, c Contact, depth int32, state uint8) {
	if p := l.indexOf(c.ID); p >= 0 {
		e := &l.list[p]
		e.depth = min(e.depth, depth)
		if state == answered {
			e.state = answered
		}
		return
	}
	if state != answered {
		for _, f := range l.failed {
			if f == c.ID {
				return
			}
		}
	}
	d := c.ID ^ l.key
	if len(l.list) == h.cfg.K {
		if l.list[len(l.list)-1].c.ID^l.key <= d {
			return
		}
		l.list = l.list[:len(l.list)-1]
	}
	p := len(l.list)
	for p > 0 && l.list[p-1].c.ID^l.key > d {
		p--
	}
	l.list = append(l.list, entry{})
	copy(l.list[p+1:], l.list[p:])
	l.list[p] = entry{c: c, depth: depth, state: state}
}

// findResponse takes a find reply at the origin.
func (h *Host) findResponse(env Env, from engine.NodeID, m Message) {
	r := h.rpcByID(m.Req)
	if r == nil || r.kind != rpcFind || r.peer.Host != from {
		return // the request had timed out already
	}
	depth, lookupID := r.depth, r.lookup
	h.endRPC(env, r)
	l := h.lookupByID(lookupID)
	if l == nil {
		return // the lookup ended meanwhile
	}
	l.inflight--
	l.answers++
	resp := Contact{ID: m.From & h.mask, Host: from}
	if resp.ID != h.self.ID {
		h.addEntry(l, resp, depth, answered)
	}
	if m.Op == OpFindValueResp && m.Found && l.value {
		l.found = true
		l.holder = entry{c: resp, depth: depth, state: answered}
		h.finish(env, l)
		return
	}
	for _, c := range m.Contacts {
		c.ID &= h.mask
		if c.ID != h.self.ID && c.Host != h.self.Host {
			h.addEntry(l, c, depth+1, fresh)
		}
	}
	h.iterate(env, l)
}

// finish ends a lookup and hands its result to whoever started it.
func (h *Host) finish(env Env, l *lookup) {
	if h.onLookup != nil {
		h.onLookup(l)
	}
	p, key := l.purpose, l.key
	answeredAny := l.answers > 0
	// A join learned nothing when its shortlist holds no node but the
	// bootstrap: that one was still joining itself and knew nobody else.
	learned := len(l.list) > 1
	switch p {
	case purposeWorkload:
		h.stats.Lookups++
		h.stats.LookupRequests += l.msgs
		res := overlay.LookupResult{Key: key, Start: l.start, Owner: h.self.Host, OwnerID: h.self.ID, Messages: l.msgs + l.answers}
		switch {
		case l.found:
			h.stats.ValuesFound++
			res.Owner, res.OwnerID, res.Hops = l.holder.c.Host, l.holder.c.ID, int(l.holder.depth)
		case l.msgs > 0 && !answeredAny:
			h.stats.LookupsFailed++
			res.Owner, res.OwnerID, res.Failed = engine.None, 0, true
		default:
			// The list is sorted: its first answered entry is the closest
			// live node found; the origin itself may be closer still.
			for _, e := range l.list {
				if e.state == answered {
					if e.c.ID^key < h.self.ID^key {
						res.Owner, res.OwnerID, res.Hops = e.c.Host, e.c.ID, int(e.depth)
					}
					break
				}
			}
		}
		env.LookupDone(res)
	case purposeRepublish:
		h.repubRun--
		if answeredAny {
			h.republishDone(env, key, l.list)
		}
	}
	if p != purposeWorkload {
		h.stats.MaintLookups++
		h.stats.MaintRequests += l.msgs
	}
	// Free the slot before anything that may start other lookups.
	list, failed := l.list[:0], l.failed[:0]
	*l = lookup{idx: l.idx, gen: l.gen + 1, list: list, failed: failed}
	h.freeLook = append(h.freeLook, l.idx)
	switch p {
	case purposeJoin:
		h.joinDone(env, answeredAny, learned)
	case purposeRepublish:
		h.pumpRepublish(env)
	}
}
