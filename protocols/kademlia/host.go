// Package kademlia implements Kademlia (Maymounkov and Mazières, "Kademlia:
// A Peer-to-peer Information System Based on the XOR Metric", IPTPS 2002) as
// a state machine driven through overlay.Env: identifiers of 1 to 64 bits,
// the XOR metric, k-buckets kept least recently seen first with the PING
// rule and replacement caches, the PING, FIND_NODE, FIND_VALUE and STORE
// RPCs with timeouts, iterative lookups with α requests in flight, joins
// through one bootstrap contact, bucket refresh, and keys stored on the k
// closest nodes, republished hourly and expired after a day.
//
// A Host is one simulated node. The package never touches the event queue:
// it only sends messages and sets timers through its Env.
package kademlia

import (
	"slices"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
)

// Env is the environment a Kademlia host runs in.
type Env = overlay.Env[Message, Timer]

// joinRetry is how long a node waits before retrying a join that reached
// nobody.
const joinRetry = 10 * time.Second

// maxLonelyJoins bounds the retries of joins that reached the bootstrap but
// learned of nobody else, so that a node in a network of two stops asking.
const maxLonelyJoins = 30

// republishParallel bounds the republishing lookups a node runs at once; the
// others wait their turn.
const republishParallel = 4

// record is a stored key.
type record struct {
	key     uint64
	expires engine.Time // dropped at or after this time
	stored  engine.Time // last STORE received (or republish done)
	queued  bool        // waiting in the republish queue
}

// Stats counts what a host did; see Host.Stats.
type Stats struct {
	// Lookups and LookupsFailed count the workload lookups that ended;
	// LookupRequests the find requests they sent.
	Lookups, LookupsFailed, LookupRequests int
	// MaintLookups counts the maintenance lookups that ended (join, refresh,
	// republish); MaintRequests the find requests they sent.
	MaintLookups, MaintRequests int
	// Evictions counts contacts evicted for not answering.
	Evictions int
	// ValuesFound counts FIND_VALUE workload lookups that found the value.
	ValuesFound int
}

// Host is one simulated node running Kademlia. Create it with NewHost.
type Host struct {
	cfg  *Config
	self Contact
	mask uint64

	joined    bool
	joining   bool
	lonely    int  // joins in a row that learned of nobody but the bootstrap
	timersOn  bool // the periodic tasks are running
	bootstrap engine.NodeID

	buckets []bucket // buckets[j] is bucket Bits-1-j; see Host.bucket
	size    int

	store    []record // sorted by key
	loaded   bool     // Store placed keys whose times are set at Join
	repubQ   []uint64
	repubAt  int // next entry of repubQ
	repubRun int // republishing lookups running

	scratch []Contact

	rpcs     []rpc
	freeRPCs []uint32
	looks    []lookup
	freeLook []uint32

	stats Stats

	// onLookup, when set (by tests), sees every lookup as it ends.
	onLookup func(l *lookup)
}

var _ overlay.Protocol[Message, Timer] = (*Host)(nil)

// NewHost returns a host with identifier id (masked to cfg.Bits). cfg must
// be valid and is shared, not copied.
func NewHost(cfg *Config, host engine.NodeID, id uint64) *Host {
	mask := idMask(cfg.Bits)
	return &Host{cfg: cfg, self: Contact{ID: id & mask, Host: host}, mask: mask, bootstrap: engine.None}
}

// Stats returns the host's counters.
func (h *Host) Stats() Stats { return h.stats }

// Keys returns the number of keys stored (expired ones are dropped at the
// next republish pass).
func (h *Host) Keys() int { return len(h.store) }

// StoredKeys returns a copy of the stored keys, in increasing order.
func (h *Host) StoredKeys() []uint64 {
	out := make([]uint64, len(h.store))
	for i, r := range h.store {
		out[i] = r.key
	}
	return out
}

// HasKey reports whether key is stored here.
func (h *Host) HasKey(key uint64) bool {
	_, ok := h.findRecord(key & h.mask)
	return ok
}

// Store places keys directly, without messages: the runner uses it to load
// the initial data set into the first node. Their lifetime starts when the
// host joins; from there they spread to the closest nodes as those join
// (hand-over to new contacts) and by republishing.
func (h *Host) Store(keys ...uint64) {
	for _, k := range keys {
		h.upsert(k&h.mask, 0, 0)
	}
	h.loaded = true
}

// ---- overlay.Protocol ----

// Join starts the node. The first node (no bootstrap) is alone and ready at
// once. Any other inserts the bootstrap contact (whose identifier it learns
// from its reply), looks up its own identifier, then refreshes every bucket
// farther away than its closest neighbour.
func (h *Host) Join(env Env, bootstrap engine.NodeID) {
	now := env.Now()
	for j := range h.buckets {
		h.buckets[j].touched = now // prefilled buckets count as fresh
	}
	if h.loaded {
		for i := range h.store {
			h.store[i].expires, h.store[i].stored = now.Add(h.cfg.Expire), now
		}
		h.loaded = false
	}
	h.bootstrap, h.lonely = bootstrap, 0
	if bootstrap == engine.None || bootstrap == h.self.Host {
		h.becomeJoined(env)
		return
	}
	h.startJoin(env)
}

func (h *Host) startJoin(env Env) {
	h.joining = true
	h.startLookup(env, purposeJoin, h.self.ID, h.bootstrap)
}

// becomeJoined marks the node ready and starts its periodic tasks (once).
func (h *Host) becomeJoined(env Env) {
	h.joined = true
	if !h.timersOn {
		h.timersOn = true
		env.After(h.cfg.Refresh, Timer{Kind: TimerRefresh})
		// Spread republishing so that nodes do not act in lock step.
		env.After(time.Duration(env.Rand().Int64N(int64(h.cfg.Republish)))+1, Timer{Kind: TimerRepublish})
	}
}

// Leave does nothing: Kademlia has no departure protocol. The others notice
// the node's absence by timeouts and replace it from their caches.
func (h *Host) Leave(env Env) {}

// Lookup starts a workload lookup for key: a node lookup, or a value lookup
// with Config.Lookup = FindValue. It returns false before the node has
// joined.
func (h *Host) Lookup(env Env, key uint64) bool {
	if !h.joined {
		return false
	}
	h.startLookup(env, purposeWorkload, key&h.mask, engine.None)
	return true
}

// Fire handles a timer.
func (h *Host) Fire(env Env, t Timer) {
	switch t.Kind {
	case TimerRPC:
		h.rpcTimeout(env, t.Ref)
	case TimerRefresh:
		h.refresh(env)
	case TimerRepublish:
		env.After(h.cfg.Republish, Timer{Kind: TimerRepublish})
		h.republish(env)
	case TimerJoinRetry:
		if !h.joining {
			h.startJoin(env)
		}
	}
}

// Deliver handles a message. Whatever it is, the sender's contact is
// updated first (the paper's rule for every message received).
func (h *Host) Deliver(env Env, from engine.NodeID, m Message) {
	h.seen(env, Contact{ID: m.From & h.mask, Host: from})
	switch m.Op {
	case OpPing:
		r := h.msg(OpPong)
		r.Req = m.Req
		env.Send(from, r)
	case OpPong:
		if r := h.rpcByID(m.Req); r != nil && r.kind == rpcPing && r.peer.Host == from {
			if b := h.bucket(int(r.bucket)); b != nil {
				b.pinging = false
			}
			h.endRPC(env, r)
		}
	case OpFindNode, OpFindValue:
		h.answerFind(env, from, m)
	case OpFindNodeResp, OpFindValueResp:
		h.findResponse(env, from, m)
	case OpStore:
		now := env.Now()
		if len(m.Keys) == 0 {
			h.upsert(m.Target&h.mask, now.Add(h.cfg.Expire), now)
		}
		for _, k := range m.Keys {
			h.upsert(k&h.mask, now.Add(h.cfg.Expire), now)
		}
		r := h.msg(OpStoreResp)
		r.Req = m.Req
		env.Send(from, r)
	case OpStoreResp:
		if r := h.rpcByID(m.Req); r != nil && r.kind == rpcStore && r.peer.Host == from {
			h.endRPC(env, r)
		}
	}
	putBuf(m.buf)
}

// answerFind answers FIND_NODE and FIND_VALUE: the value if stored (for
// FIND_VALUE), else the k closest contacts known, the requester left out.
func (h *Host) answerFind(env Env, from engine.NodeID, m Message) {
	r := h.msg(m.Op + 1)
	r.Req, r.Maint, r.Target = m.Req, m.Maint, m.Target
	if m.Op == OpFindValue && h.hasLive(env.Now(), m.Target&h.mask) {
		r.Found = true
	} else {
		buf := getBuf(h.cfg.K)
		buf.c = h.closestInto(buf.c, m.Target&h.mask, h.cfg.K, m.From&h.mask)
		r.Contacts, r.buf = buf.c, buf
	}
	env.Send(from, r)
}

// msg returns a message of op from this node.
func (h *Host) msg(op Op) Message {
	return Message{Op: op, From: h.self.ID, bits: uint8(h.cfg.Bits)}
}

// ---- bucket refresh ----

// refresh starts a lookup for a random identifier in every bucket that saw
// no node lookup for Config.Refresh, and sets the next check for when the
// least recently looked-up bucket comes due.
func (h *Host) refresh(env Env) {
	now := env.Now()
	for j := range h.buckets {
		if now.Sub(h.buckets[j].touched) >= h.cfg.Refresh {
			h.refreshBucket(env, h.cfg.Bits-1-j)
		}
	}
	next := now.Add(h.cfg.Refresh)
	for j := range h.buckets {
		next = min(next, h.buckets[j].touched.Add(h.cfg.Refresh))
	}
	env.After(max(next.Sub(now), time.Millisecond), Timer{Kind: TimerRefresh})
}

// refreshBucket looks up a random identifier in bucket i's range.
func (h *Host) refreshBucket(env Env, i int) {
	low := uint64(1)<<uint(i) - 1
	target := h.self.ID ^ (uint64(1)<<uint(i) | env.Rand().Uint64()&low)
	h.startLookup(env, purposeRefresh, target&h.mask, engine.None)
}

// touch records a node lookup for target in the bucket of its range.
func (h *Host) touch(now engine.Time, target uint64) {
	if d := target ^ h.self.ID; d != 0 {
		if b := h.bucket(bucketIndex(d)); b != nil {
			b.touched = now
		}
	}
}

// joinDone finishes a join: refresh every bucket farther away than the
// closest neighbour. A join whose lookup learned of no node but the
// bootstrap (a bootstrap still joining itself has an empty table) is
// retried: without it the node would never look up its own identifier
// through the network, and neither learn its closest neighbours nor be
// learned by them.
func (h *Host) joinDone(env Env, answered, learned bool) {
	h.joining = false
	if !answered && h.size == 0 {
		env.After(joinRetry, Timer{Kind: TimerJoinRetry})
		return
	}
	h.becomeJoined(env)
	if learned {
		h.lonely = 0
	} else if h.lonely < maxLonelyJoins {
		h.lonely++
		env.After(joinRetry, Timer{Kind: TimerJoinRetry})
	}
	closest := -1
	for j := len(h.buckets) - 1; j >= 0; j-- {
		if len(h.buckets[j].contacts) > 0 {
			closest = h.cfg.Bits - 1 - j
			break
		}
	}
	if closest < 0 {
		return
	}
	for i := closest + 1; i < h.cfg.Bits; i++ {
		h.refreshBucket(env, i)
	}
}

// ---- stored keys ----

func (h *Host) findRecord(key uint64) (int, bool) {
	return slices.BinarySearchFunc(h.store, key, func(r record, k uint64) int {
		switch {
		case r.key < k:
			return -1
		case r.key > k:
			return 1
		}
		return 0
	})
}

// upsert stores key, or extends its life.
func (h *Host) upsert(key uint64, expires, stored engine.Time) {
	i, ok := h.findRecord(key)
	if ok {
		r := &h.store[i]
		r.expires = max(r.expires, expires)
		r.stored = max(r.stored, stored)
		return
	}
	h.store = slices.Insert(h.store, i, record{key: key, expires: expires, stored: stored})
}

// hasLive reports whether key is stored and not expired.
func (h *Host) hasLive(now engine.Time, key uint64) bool {
	i, ok := h.findRecord(key)
	return ok && (h.loaded || h.store[i].expires > now)
}

// transferTo hands a newly inserted contact c the keys it is now closest
// to: those c is closer to than this node is, when no other contact is
// (the paper: a node learning of a new node stores on it the keys it should
// hold). Replicas farther out are placed by republishing.
func (h *Host) transferTo(env Env, c Contact) {
	if len(h.store) == 0 {
		return
	}
	now := env.Now()
	var keys []uint64
	for i := range h.store {
		r := &h.store[i]
		if (!h.loaded && r.expires <= now) || c.ID^r.key >= h.self.ID^r.key {
			continue
		}
		if h.closerContact(r.key, c.ID) {
			continue
		}
		keys = append(keys, r.key)
	}
	if len(keys) == 0 {
		return
	}
	m := h.msg(OpStore)
	m.Keys = keys
	if len(keys) == 1 {
		m.Target, m.Keys = keys[0], nil
	}
	h.call(env, rpcStore, c, m)
}

// closerContact reports whether a contact other than except is closer to key
// than this node.
func (h *Host) closerContact(key, except uint64) bool {
	d := h.self.ID ^ key
	if d == 0 {
		return false
	}
	i := bucketIndex(d)
	// Every contact of bucket i is closer; those of deeper buckets may be.
	for j := i; j >= 0; j-- {
		b := h.bucket(j)
		if b == nil {
			break
		}
		for _, c := range b.contacts {
			if c.ID != except && (j == i || c.ID^key < d) {
				return true
			}
		}
	}
	return false
}

// republish drops expired keys and queues for republishing those that no
// STORE refreshed during the last period (the paper's optimisation: the
// first of the k holders to republish spares the others).
func (h *Host) republish(env Env) {
	now := env.Now()
	kept := h.store[:0]
	for _, r := range h.store {
		if r.expires > now {
			kept = append(kept, r)
		}
	}
	clear(h.store[len(kept):])
	h.store = kept
	for i := range h.store {
		r := &h.store[i]
		if !r.queued && now.Sub(r.stored) >= h.cfg.Republish {
			r.queued = true
			h.repubQ = append(h.repubQ, r.key)
		}
	}
	h.pumpRepublish(env)
}

// pumpRepublish starts queued republishing lookups, a few at a time.
func (h *Host) pumpRepublish(env Env) {
	for h.repubRun < republishParallel && h.repubAt < len(h.repubQ) {
		key := h.repubQ[h.repubAt]
		h.repubAt++
		if i, ok := h.findRecord(key); ok {
			h.store[i].queued = false
			h.repubRun++
			h.startLookup(env, purposeRepublish, key, engine.None)
		}
	}
	if h.repubAt == len(h.repubQ) {
		h.repubQ, h.repubAt = h.repubQ[:0], 0
	}
}

// republishDone stores key on the k closest nodes the lookup found, and
// renews this node's own copy when it is one of them.
func (h *Host) republishDone(env Env, key uint64, closest []entry) {
	now := env.Now()
	selfD := h.self.ID ^ key
	closer := 0
	for _, e := range closest {
		if e.state != answered {
			continue
		}
		if e.c.ID^key < selfD {
			closer++
		}
		m := h.msg(OpStore)
		m.Target = key
		h.call(env, rpcStore, e.c, m)
	}
	if i, ok := h.findRecord(key); ok {
		r := &h.store[i]
		r.stored = now
		if closer < h.cfg.K {
			r.expires = now.Add(h.cfg.Expire)
		}
	}
}
