package superpeer

import (
	"slices"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
	"peerlab/underlay"
)

// hit is a search result: holder has the key (engine.None: not found),
// reachable through superpeer via, with connectivity class; hops as in
// overlay.LookupResult; relay is a relay the Napster server names.
type hit struct {
	holder, via, relay engine.NodeID
	class              underlay.Class
	hops               int
}

// found returns a hit: holder behind via, of class, hops away, with no
// relay named. (The zero engine.NodeID is host 0: every field must be
// set.)
func found(holder, via engine.NodeID, class underlay.Class, hops int) hit {
	return hit{holder: holder, via: via, relay: engine.None, class: class, hops: hops}
}

// miss returns the result of a search that found nothing.
func miss() hit { return found(engine.None, engine.None, underlay.Public, 0) }

// cached is a search result a Skype superpeer remembers.
type cached struct {
	hit
	until engine.Time
}

// search is a search this host runs: its own lookup (client engine.None),
// or, at a Skype superpeer, one it runs on behalf of a peer that cannot
// use UDP.
type search struct {
	qid, key uint64
	start    engine.Time
	client   engine.NodeID
	timer    engine.TimerID               // the overall timeout (own lookups)
	round    uint32                       // Skype: rounds started
	waiting  int                          // Skype: answers outstanding in the round
	asking   bool                         // Skype: a round is on (else waiting for nodes)
	asked    [MaxRoundNodes]engine.NodeID // Skype: the round's superpeers; engine.None once answered
}

// served is a search a superpeer serves for one of its peers (or itself):
// the superpeers it hands out (Skype), or the flood it started (KaZaA).
type served struct {
	qid      uint64
	client   engine.NodeID
	list     []engine.NodeID // Skype: its superpeer list when the search came, shuffled
	given    int             // Skype: entries of list handed out
	answered bool            // KaZaA: a hit went to the client
}

// seenTable remembers flood identifiers for a while, to drop duplicates.
// The map is looked up and deleted from in insertion order, never
// iterated.
type seenTable struct {
	m     map[uint64]struct{}
	queue []seenKey
	head  int
	keep  time.Duration
}

type seenKey struct {
	qid uint64
	at  engine.Time
}

func newSeenTable(keep time.Duration) seenTable {
	return seenTable{m: map[uint64]struct{}{}, keep: keep}
}

func (s *seenTable) expire(now engine.Time) {
	for s.head < len(s.queue) && now.Sub(s.queue[s.head].at) >= s.keep {
		delete(s.m, s.queue[s.head].qid)
		s.head++
	}
	if s.head == len(s.queue) {
		s.queue, s.head = s.queue[:0], 0
	} else if s.head >= 64 && 2*s.head >= len(s.queue) {
		n := copy(s.queue, s.queue[s.head:])
		s.queue, s.head = s.queue[:n], 0
	}
}

// add remembers qid and reports whether it was new.
func (s *seenTable) add(qid uint64, now engine.Time) bool {
	if _, ok := s.m[qid]; ok {
		return false
	}
	s.expire(now)
	s.m[qid] = struct{}{}
	s.queue = append(s.queue, seenKey{qid: qid, at: now})
	return true
}

// holds reports whether this host is what key names: the user (Skype) or
// a holder of the object.
func (h *Host) holds(key uint64) bool {
	if h.cfg.Mode == Skype {
		return key == uint64(h.self)
	}
	return h.HasObject(key)
}

// Lookup starts a search for key: a user (Skype: the key is the user's
// host) or an object. It returns false, starting nothing, until the host
// is attached and logged in, and at the server.
func (h *Host) Lookup(env Env, key uint64) bool {
	if !h.Online() || h.role == Server {
		return false
	}
	now := env.Now()
	qid := env.Rand().Uint64()
	if o := h.cfg.Observer; o != nil {
		o.QueryStarted(h.self, qid, key, now)
	}
	s := search{qid: qid, key: key, start: now, client: engine.None}
	if h.holds(key) {
		h.searches = append(h.searches, s)
		h.endSearch(env, len(h.searches)-1, found(h.self, h.sp, h.info.Class, 0))
		return true
	}
	s.timer = env.After(h.cfg.QueryTimeout, Timer{Kind: TimerQuery, Ref: qid})
	h.searches = append(h.searches, s)
	delegate := h.cfg.Mode == Skype && h.info.Class == underlay.UDPBlocked
	h.post(env, h.sp, Message{Op: OpQuery, TCP: true, QID: qid, Key: key, OK: delegate})
	return true
}

func (h *Host) searchIndex(qid uint64) int {
	for i := range h.searches {
		if h.searches[i].qid == qid {
			return i
		}
	}
	return -1
}

func (h *Host) servedIndex(qid uint64, client engine.NodeID) int {
	for i := range h.served {
		if h.served[i].qid == qid && h.served[i].client == client {
			return i
		}
	}
	return -1
}

// local answers from this superpeer's or server's own knowledge: itself,
// its peers, its cache of results.
func (h *Host) local(env Env, key uint64) (hit, bool) {
	if h.role == Peer {
		return miss(), false
	}
	if h.cfg.Mode == Skype {
		if h.role != Super {
			return miss(), false // the login server does not search
		}
		if key == uint64(h.self) {
			return found(h.self, h.self, h.info.Class, 1), true
		}
		if i, ok := h.childPos[engine.NodeID(key)]; ok {
			return found(h.children[i].id, h.self, h.children[i].class, 1), true
		}
		if c, ok := h.results[key]; ok && c.until > env.Now() {
			r := c.hit
			r.hops = 1
			return r, true
		}
		return miss(), false
	}
	hs := h.index[key]
	if len(hs) == 0 {
		return miss(), false
	}
	holder := hs[0]
	if len(hs) > 1 {
		holder = hs[env.Rand().IntN(len(hs))]
	}
	r := found(holder, h.self, h.info.Class, 1)
	if holder != h.self {
		r.class = h.children[h.childPos[holder]].class
	}
	if h.role == Server {
		r.relay = h.suggestRelay(env, holder)
	}
	return r, true
}

// suggestRelay names a public peer other than holder to relay a Napster
// download, engine.None when a few draws find none.
func (h *Host) suggestRelay(env Env, holder engine.NodeID) engine.NodeID {
	if len(h.children) == 0 {
		return engine.None
	}
	for range 16 {
		c := &h.children[env.Rand().IntN(len(h.children))]
		if c.class == underlay.Public && c.id != holder {
			return c.id
		}
	}
	return engine.None
}

func hitMessage(op Op, qid, key uint64, r hit) Message {
	return Message{Op: op, TCP: true, QID: qid, Key: key, Addr: r.holder, Via: r.via, Relay: r.relay,
		Class: r.class, Hops: uint8(min(r.hops, 255))}
}

// onQuery serves a search request from a peer (or from this superpeer
// itself).
func (h *Host) onQuery(env Env, from engine.NodeID, m Message) {
	if h.role == Peer {
		return
	}
	h.stats.Queries++
	if o := h.cfg.Observer; o != nil {
		o.Served(h.self, OpQuery)
	}
	if r, ok := h.local(env, m.Key); ok {
		h.post(env, from, hitMessage(OpHit, m.QID, m.Key, r))
		return
	}
	switch h.cfg.Mode {
	case Napster:
		h.post(env, from, hitMessage(OpHit, m.QID, m.Key, miss()))
	case KaZaA:
		if h.cfg.TTL == 0 || len(h.links) == 0 {
			h.post(env, from, hitMessage(OpHit, m.QID, m.Key, miss()))
			return
		}
		h.seen.add(m.QID, env.Now())
		h.served = append(h.served, served{qid: m.QID, client: from})
		fl := Message{Op: OpFlood, TCP: true, QID: m.QID, Key: m.Key, TTL: uint8(h.cfg.TTL - 1), Hops: 1, Addr: h.self}
		for _, l := range h.links {
			h.send(env, l.id, fl)
		}
		env.After(h.cfg.RoundTimeout, Timer{Kind: TimerServe, Ref: m.QID})
	case Skype:
		list := h.cache.IDs()
		list = slices.DeleteFunc(list, func(id engine.NodeID) bool { return id == from || id == h.self })
		env.Rand().Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
		h.served = append(h.served, served{qid: m.QID, client: from, list: list})
		env.After(h.cfg.QueryTimeout, Timer{Kind: TimerServe, Ref: m.QID})
		to := from
		if m.OK && from != h.self {
			// The peer cannot use UDP: search on its behalf.
			h.searches = append(h.searches, search{qid: m.QID, key: m.Key, start: env.Now(), client: from})
			to = h.self
		}
		h.giveNodes(env, len(h.served)-1, h.cfg.FirstNodes, to)
	}
}

// giveNodes hands the searcher of served search i (to: the peer, or this
// superpeer) the next n superpeers of the list taken when the search came;
// none when the list is exhausted.
func (h *Host) giveNodes(env Env, i, n int, to engine.NodeID) {
	sv := &h.served[i]
	out := Message{Op: OpNodes, TCP: true, QID: sv.qid}
	for sv.given < len(sv.list) && int(out.N) < n {
		out.Few[out.N] = sv.list[sv.given]
		out.N++
		sv.given++
	}
	h.post(env, to, out)
}

// onMore: a Skype searcher found nothing in its last round. m.Addr is the
// peer a superpeer searches for on its behalf (engine.None otherwise).
func (h *Host) onMore(env Env, from engine.NodeID, m Message) {
	if h.role == Super {
		for _, id := range m.Few[:m.N] {
			h.cache.Remove(id) // silent when asked
		}
	}
	client := from
	if from == h.self && m.Addr != engine.None {
		client = m.Addr
	}
	if i := h.servedIndex(m.QID, client); i >= 0 {
		h.giveNodes(env, i, h.cfg.MoreNodes, from)
		return
	}
	// The superpeer forgot the search (or is no superpeer any more): no
	// more nodes.
	h.post(env, from, Message{Op: OpNodes, TCP: true, QID: m.QID})
}

// onNodes runs a Skype search round: ask each superpeer handed out.
func (h *Host) onNodes(env Env, m Message) {
	i := h.searchIndex(m.QID)
	if i < 0 || h.searches[i].asking {
		return
	}
	s := &h.searches[i]
	if m.N == 0 {
		h.endSearch(env, i, miss())
		return
	}
	s.round++
	s.asking, s.waiting = true, 0
	for i := range s.asked {
		s.asked[i] = engine.None
	}
	for _, id := range m.Few[:m.N] {
		if id != h.self {
			h.send(env, id, Message{Op: OpAsk, QID: m.QID, Key: s.key, TTL: uint8(s.round)})
			s.asked[s.waiting] = id
			s.waiting++
		}
	}
	if s.waiting == 0 {
		h.nextRound(env, i)
		return
	}
	env.After(h.cfg.RoundTimeout, Timer{Kind: TimerRound, Ref: m.QID, Gen: s.round})
}

// nextRound asks the superpeer for more nodes after a fruitless round,
// naming the superpeers that did not answer: both drop them from their
// lists.
func (h *Host) nextRound(env Env, i int) {
	s := &h.searches[i]
	if !s.asking {
		return
	}
	s.asking = false
	m := Message{Op: OpMore, TCP: true, QID: s.qid, Addr: s.client}
	for _, id := range s.asked {
		if id != engine.None {
			m.Few[m.N] = id
			m.N++
			h.cache.Remove(id)
		}
	}
	h.post(env, h.sp, m)
}

// onAsk answers a Skype searcher from this superpeer's knowledge.
func (h *Host) onAsk(env Env, from engine.NodeID, m Message) {
	r, ok := miss(), false
	if h.role == Super {
		h.stats.Queries++
		if o := h.cfg.Observer; o != nil {
			o.Served(h.self, OpAsk)
		}
		r, ok = h.local(env, m.Key)
	}
	if !ok {
		r = miss()
	}
	a := hitMessage(OpAnswer, m.QID, m.Key, r)
	// OK false: this host is no superpeer (any more), and the searcher
	// must drop it as it drops one that stays silent.
	a.TCP, a.TTL, a.OK = false, m.TTL, h.role == Super
	h.send(env, from, a)
}

func (h *Host) onAnswer(env Env, from engine.NodeID, m Message) {
	i := h.searchIndex(m.QID)
	if i < 0 {
		return
	}
	s := &h.searches[i]
	if m.Addr != engine.None {
		r := found(m.Addr, m.Via, m.Class, 1+int(s.round))
		if h.role == Super {
			h.remember(env, s.key, r)
		} else {
			h.send(env, h.sp, hitMessage(OpReport, m.QID, s.key, r))
		}
		h.endSearch(env, i, r)
		return
	}
	if s.asking && uint8(s.round) == m.TTL {
		// An answer from a host that is no superpeer leaves it in asked:
		// the request for more superpeers names it with the silent ones,
		// and both ends drop it from their lists. (It used to count as a
		// real miss, so demoted superpeers stayed in every list, drew 44%
		// of all asks and doubled the traffic of public peers.)
		if j := slices.Index(s.asked[:], from); j >= 0 && m.OK {
			s.asked[j] = engine.None
		}
		s.waiting--
		if s.waiting == 0 {
			h.nextRound(env, i)
		}
	}
}

// remember caches a Skype search result.
func (h *Host) remember(env Env, key uint64, r hit) {
	if h.results == nil || h.role != Super || r.holder == engine.None {
		return
	}
	r.hops, r.relay = 0, engine.None
	h.results[key] = cached{hit: r, until: env.Now().Add(h.cfg.CacheTTL)}
}

// onFlood handles a KaZaA query flooded among superpeers.
func (h *Host) onFlood(env Env, from engine.NodeID, m Message) {
	if h.role != Super || !h.seen.add(m.QID, env.Now()) {
		return
	}
	h.stats.Queries++
	if o := h.cfg.Observer; o != nil {
		o.Served(h.self, OpFlood)
	}
	if r, ok := h.local(env, m.Key); ok {
		r.hops = int(m.Hops)
		h.send(env, m.Addr, hitMessage(OpFound, m.QID, m.Key, r))
		return
	}
	if m.TTL == 0 {
		return
	}
	fw := m
	fw.TTL--
	fw.Hops++
	for _, l := range h.links {
		if l.id != from && l.id != m.Addr {
			h.send(env, l.id, fw)
		}
	}
}

// onFound: a superpeer reached by this superpeer's flood knows the key.
func (h *Host) onFound(env Env, m Message) {
	for i := range h.served {
		sv := &h.served[i]
		if sv.qid == m.QID && !sv.answered {
			sv.answered = true
			r := found(m.Addr, m.Via, m.Class, int(m.Hops)+1)
			h.post(env, sv.client, hitMessage(OpHit, m.QID, m.Key, r))
			return
		}
	}
}

// serveExpired forgets a served search; a KaZaA flood that found nothing
// is answered with a miss.
func (h *Host) serveExpired(env Env, qid uint64) {
	for i := range h.served {
		sv := h.served[i]
		if sv.qid != qid {
			continue
		}
		h.served = slices.Delete(h.served, i, i+1)
		if h.cfg.Mode == KaZaA && !sv.answered {
			h.post(env, sv.client, hitMessage(OpHit, qid, 0, miss()))
		}
		return
	}
}

// onHit ends a search with its superpeer's or server's answer.
func (h *Host) onHit(env Env, m Message) {
	if i := h.searchIndex(m.QID); i >= 0 && h.searches[i].client == engine.None {
		h.endSearch(env, i, hit{holder: m.Addr, via: m.Via, relay: m.Relay, class: m.Class, hops: int(m.Hops)})
	}
}

// endSearch ends search i with r (r.holder engine.None: not found): a
// lookup of this host's own is reported, and followed by a session set-up
// when it found another host; a delegated one is answered to its peer.
func (h *Host) endSearch(env Env, i int, r hit) {
	s := h.searches[i]
	h.searches = slices.Delete(h.searches, i, i+1)
	if s.client != engine.None {
		h.send(env, s.client, hitMessage(OpHit, s.qid, s.key, r))
		return
	}
	env.Cancel(s.timer)
	res := overlay.LookupResult{Key: s.key, Start: s.start, Owner: r.holder, OwnerID: uint64(r.holder), Hops: r.hops, Messages: -1}
	if r.holder == engine.None {
		res.Failed, res.Hops = true, 0
		h.stats.LookupsFailed++
	}
	if r.holder == h.self {
		res.Messages = 0
	}
	h.stats.Lookups++
	env.LookupDone(res)
	if o := h.cfg.Observer; o != nil {
		o.QueryEnded(h.self, s.qid, res, env.Now())
	}
	if h.cfg.Calls && r.holder != engine.None && r.holder != h.self {
		h.startSession(env, s.qid, r)
	}
}
