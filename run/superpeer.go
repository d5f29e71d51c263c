package run

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"

	"peerlab/content"
	"peerlab/engine"
	"peerlab/metrics"
	"peerlab/overlay"
	"peerlab/protocols/superpeer"
	"peerlab/results"
	"peerlab/scenario"
	"peerlab/underlay"
)

// superpeerBinding runs the superpeer overlays (Napster, KaZaA, Skype):
// each host's connectivity class (from the NAT model, as its STUN step
// told it) and capacity, its host cache kept across its sessions, the
// central server and the bootstrap superpeers (kept up), the objects
// shared (Napster, KaZaA: the content block) or the users (Skype: a user
// is a host, searched for uniformly), and the oracle: a search must
// return a live host holding the object, or the user's own host.
//
// The central server is the lowest-numbered public host; the bootstrap
// superpeers the next Config.Bootstrap public hosts (KaZaA has no server).
// They are pinned: the churn schedule's departures of those hosts are
// skipped, as their operators keep them up.
//
// It observes every host (superpeer.Observer) to measure login times,
// reconnections, search costs, sessions and relays, and the traffic of
// each role and connectivity class; finish turns that into the
// superpeer.* summary keys, tables into the run's superpeer tables
// (logins.csv, calls.csv and the others the superpeer figures are drawn
// from).
type superpeerBinding struct {
	cfg      superpeer.Config
	n        int
	warmup   engine.Time
	now      func() engine.Time
	classes  []underlay.Class
	capacity []float64
	held     [][]uint64 // objects per host (Napster, KaZaA), sorted
	caches   []*superpeer.HostCache
	hosts    []*superpeer.Host
	pins     []bool
	alive    []bool
	online   []bool // logged in, in this session
	liveRep  []int  // logged-in holders per object
	upRep    []int  // holders up per object, logged in or not
	pick     *content.Sampler
	upAt     []engine.Time
	role     []superpeer.Role
	roleAt   []engine.Time // since when the host has had its role (counted from warm-up)
	downAt   []engine.Time // when each host last went down
	// pending reconnection: the superpeer lost and when (its departure
	// when it is down, else when the peer noticed)
	lostSP   []engine.NodeID
	lostAt   []engine.Time
	lostWhy  []superpeer.Lost
	reconn   []reconnection
	logins   []login
	queries  map[uint64]*spQuery // looked up, never iterated
	ended    []uint64            // query identifiers in the order the lookups ended
	sessions []superpeer.SessionResult
	relayed  []int // sessions relayed per host, after warm-up
	served   []int // search requests served per host, after warm-up
	promoted int
	demoted  int
	fwDrops  int
	// traffic after warm-up by role and class: bytes sent and received,
	// and host-seconds spent
	bytes [superpeer.NumRoles][underlay.NumClasses]float64
	secs  [superpeer.NumRoles][underlay.NumClasses]float64
	// the overlay over time: hosts up, logged in and superpeers now, and
	// their values at every sample time passed (superpeers.csv)
	nLive, nOnline, nSuper int
	every                  time.Duration
	nextSample, end        engine.Time
	samples                []results.SuperpeerSample
}

type reconnection struct {
	peer  engine.NodeID
	sp    engine.NodeID // the superpeer lost
	why   superpeer.Lost
	after float64 // seconds from the superpeer's departure (or loss) to the new attachment
	at    engine.Time
}

type login struct {
	host  engine.NodeID
	class underlay.Class
	start engine.Time
	secs  float64
	tcp   bool // attached over TCP (UDP given up; Napster: always)
}

type spQuery struct {
	origin    engine.NodeID
	start     engine.Time
	msgs      int
	availFrom bool // the object or user was logged in when the search started
	availTo   bool // ... and when it ended
	upFrom    bool // a host holding it, or the user's host, was up when the search started
	upTo      bool // ... and when it ended
}

func newSuperpeerBinding(spec *scenario.Spec) (*superpeerBinding, error) {
	n := spec.Nodes
	streams := engine.NewStreams(spec.Seed)
	b := &superpeerBinding{
		cfg: spec.Superpeer, n: n, warmup: engine.At(spec.Warmup),
		classes: make([]underlay.Class, n), capacity: make([]float64, n),
		held: make([][]uint64, n), caches: make([]*superpeer.HostCache, n),
		hosts: make([]*superpeer.Host, n), pins: make([]bool, n),
		alive: make([]bool, n), online: make([]bool, n),
		upAt: make([]engine.Time, n), role: make([]superpeer.Role, n), roleAt: make([]engine.Time, n),
		downAt: make([]engine.Time, n),
		lostSP: make([]engine.NodeID, n), lostAt: make([]engine.Time, n), lostWhy: make([]superpeer.Lost, n),
		queries: map[uint64]*spQuery{},
		relayed: make([]int, n), served: make([]int, n),
		now:   func() engine.Time { return 0 },
		every: spec.Output.SampleInterval, end: engine.At(spec.Duration),
	}
	if b.every > 0 {
		b.nextSample = engine.At(b.every)
		b.samples = make([]results.SuperpeerSample, 0, int(spec.Duration/b.every))
	}
	for i := range b.lostSP {
		b.lostSP[i] = engine.None
	}
	capR := streams.Stream("superpeer-capacity", 0)
	for i := range b.capacity {
		// Pareto(min, shape) by inversion, capped at 1 Gbit/s.
		u := 1 - capR.Float64() // (0, 1]
		b.capacity[i] = math.Min(b.cfg.CapacityMin*math.Pow(u, -1/b.cfg.CapacityShape), 1e6)
	}
	if b.cfg.Mode != superpeer.Skype {
		c := spec.Content
		q := content.Popularity(c.Objects, c.Zipf)
		budget := int(c.ReplicationRatio*float64(n)*float64(c.Objects) + 0.5)
		reps, err := content.Replicas(c.Replication, q, budget, n)
		if err != nil {
			return nil, err
		}
		for h, objs := range content.Place(reps, n, streams.Stream("content", 0)) {
			b.held[h] = make([]uint64, len(objs))
			for i, o := range objs {
				b.held[h][i] = uint64(o)
			}
			slices.Sort(b.held[h])
		}
		b.liveRep = make([]int, c.Objects)
		b.upRep = make([]int, c.Objects)
		b.pick = content.NewSampler(q)
	}
	b.cfg.Observer = b
	b.setNAT(nil, b.now)
	return b, nil
}

// setNAT learns every host's class and picks the server and the bootstrap
// superpeers among the public hosts.
func (b *superpeerBinding) setNAT(nat *underlay.NAT, now func() engine.Time) {
	b.now = now
	for i := range b.classes {
		b.classes[i] = underlay.Public
		if nat != nil {
			b.classes[i] = nat.Class(engine.NodeID(i))
		}
	}
	clear(b.pins)
	b.cfg.Server = engine.None
	b.cfg.BootstrapHosts = nil
	wantServer := b.cfg.Mode != superpeer.KaZaA
	wantBoot := 0
	if b.cfg.Mode != superpeer.Napster {
		wantBoot = b.cfg.Bootstrap
	}
	for i, c := range b.classes {
		if c != underlay.Public {
			continue
		}
		h := engine.NodeID(i)
		switch {
		case wantServer && b.cfg.Server == engine.None:
			b.cfg.Server = h
		case len(b.cfg.BootstrapHosts) < wantBoot:
			b.cfg.BootstrapHosts = append(b.cfg.BootstrapHosts, h)
		default:
			continue
		}
		b.pins[i] = true
	}
	if wantServer && b.cfg.Server == engine.None {
		b.cfg.Server = 0 // no public host: the server is unreachable behind its NAT
		b.pins[0] = true
	}
	if b.cfg.Server != engine.None && b.held[b.cfg.Server] != nil {
		b.held[b.cfg.Server] = nil // the server shares nothing
	}
}

func (b *superpeerBinding) pinned(host engine.NodeID) bool { return b.pins[host] }

func (b *superpeerBinding) kinds() []overlay.KindInfo { return superpeer.Kinds }

func (b *superpeerBinding) newNode(host engine.NodeID) overlay.Protocol[superpeer.Message, superpeer.Timer] {
	info := superpeer.HostInfo{
		Class: b.classes[host], Capacity: b.capacity[host], Role: superpeer.Peer, Objects: b.held[host],
	}
	switch {
	case host == b.cfg.Server:
		info.Role = superpeer.Server
	case b.pins[host]:
		info.Role = superpeer.Super
	}
	if b.caches[host] == nil {
		b.caches[host] = superpeer.NewHostCache(b.cfg.HostCache, b.cfg.BootstrapHosts...)
	}
	b.caches[host].SetMax(b.cfg.HostCache)
	info.Cache = b.caches[host]
	h := superpeer.NewHost(&b.cfg, host, info)
	b.hosts[host] = h
	return h
}

func (b *superpeerBinding) first(engine.NodeID) {}

func (b *superpeerBinding) up(host engine.NodeID, now engine.Time) {
	b.sampleBefore(now)
	b.alive[host] = true
	b.nLive++
	for _, o := range b.held[host] {
		b.upRep[o]++
	}
	b.upAt[host] = now
	b.lostSP[host] = engine.None
	b.role[host] = b.hosts[host].Role()
	b.roleAt[host] = now
	if b.role[host] == superpeer.Super {
		b.nSuper++
	}
	if b.role[host] != superpeer.Peer {
		b.setOnline(host, true) // the server and bootstrap superpeers need no login
	}
}

func (b *superpeerBinding) down(host engine.NodeID) {
	now := b.now()
	b.sampleBefore(now)
	b.countRoleTime(host, now)
	b.alive[host] = false
	b.nLive--
	if b.role[host] == superpeer.Super {
		b.nSuper--
	}
	for _, o := range b.held[host] {
		b.upRep[o]--
	}
	b.downAt[host] = now
	b.lostSP[host] = engine.None
	b.setOnline(host, false)
}

// setOnline marks host logged in or not, keeping the count of logged-in
// holders of each object.
func (b *superpeerBinding) setOnline(host engine.NodeID, on bool) {
	if b.online[host] == on {
		return
	}
	b.online[host] = on
	d := -1
	if on {
		d = 1
	}
	b.nOnline += d
	if b.liveRep != nil {
		for _, o := range b.held[host] {
			b.liveRep[o] += d
		}
	}
}

// available reports whether key is findable: the user is logged in, or a
// logged-in host shares the object.
func (b *superpeerBinding) available(key uint64) bool {
	if b.cfg.Mode == superpeer.Skype {
		return key < uint64(b.n) && b.online[key]
	}
	return key < uint64(len(b.liveRep)) && b.liveRep[key] > 0
}

// hostUp reports whether the user's host (Skype) is up, or any host
// sharing the object, logged in or not.
func (b *superpeerBinding) hostUp(key uint64) bool {
	if b.cfg.Mode == superpeer.Skype {
		return key < uint64(b.n) && b.alive[key]
	}
	return key < uint64(len(b.upRep)) && b.upRep[key] > 0
}

// countRoleTime adds the host's time in its role since roleAt (after
// warm-up) to its role and class.
func (b *superpeerBinding) countRoleTime(host engine.NodeID, now engine.Time) {
	if !b.alive[host] {
		return
	}
	from := max(b.roleAt[host], b.warmup)
	if now > from {
		b.secs[b.role[host]][b.classes[host]] += now.Sub(from).Seconds()
	}
	b.roleAt[host] = now
}

// correct: the host returned must be live and hold the object, or be the
// user searched for.
func (b *superpeerBinding) correct(res overlay.LookupResult) bool {
	h := res.Owner
	if h < 0 || int(h) >= b.n || !b.alive[h] {
		return false
	}
	if b.cfg.Mode == superpeer.Skype {
		return uint64(h) == res.Key
	}
	_, ok := slices.BinarySearch(b.held[h], res.Key)
	return ok
}

// key draws an object by Zipf popularity (its rank, 0 the most popular),
// or, in Skype, a user uniformly among the hosts other than the server.
func (b *superpeerBinding) key(rng *rand.Rand) uint64 {
	if b.cfg.Mode != superpeer.Skype {
		return uint64(b.pick.Draw(rng))
	}
	if s := b.cfg.Server; s != engine.None && b.n > 1 {
		k := engine.NodeID(rng.IntN(b.n - 1))
		if k >= s {
			k++
		}
		return uint64(k)
	}
	return uint64(rng.IntN(b.n))
}

// state: a superpeer's or server's keys are the objects it indexes, its
// table its peers and links; a peer's keys are its objects, its table its
// host cache.
func (b *superpeerBinding) state(host engine.NodeID) metrics.NodeState {
	h := b.hosts[host]
	if h.Role() == superpeer.Peer {
		return metrics.NodeState{Keys: len(h.Objects()), TableSize: h.Cache().Len()}
	}
	return metrics.NodeState{Keys: h.Indexed(), TableSize: h.Children() + len(h.Links())}
}

// ---- superpeer.Observer ----
//
// The binding sees what every host does: the bytes of each role and class
// (after the warm-up), search messages per query, logins, attachments and
// losses (for reconnection times), role changes, sessions and relays.

func (b *superpeerBinding) traffic(host engine.NodeID, role superpeer.Role, m superpeer.Message) {
	if b.now() >= b.warmup {
		b.bytes[role][b.classes[host]] += float64(m.Size())
	}
}

func (b *superpeerBinding) Sent(host engine.NodeID, role superpeer.Role, m superpeer.Message) {
	b.traffic(host, role, m)
	if m.Op.IsSearch() {
		if q := b.queries[m.QID]; q != nil {
			q.msgs++
		}
	}
}

func (b *superpeerBinding) Received(host engine.NodeID, role superpeer.Role, m superpeer.Message) {
	b.traffic(host, role, m)
}

func (b *superpeerBinding) FirewallDropped(engine.NodeID, superpeer.Message, bool) { b.fwDrops++ }

func (b *superpeerBinding) RoleChanged(host engine.NodeID, role superpeer.Role, at engine.Time) {
	if role == b.role[host] {
		return
	}
	b.sampleBefore(at)
	b.countRoleTime(host, at)
	if b.alive[host] {
		b.nSuper += spDelta(role == superpeer.Super) - spDelta(b.role[host] == superpeer.Super)
	}
	b.role[host] = role
	switch role {
	case superpeer.Super:
		b.promoted++
	case superpeer.Peer:
		b.demoted++
	}
}

func (b *superpeerBinding) LoggedIn(host engine.NodeID, at engine.Time) {
	b.sampleBefore(at)
	b.setOnline(host, true)
	b.logins = append(b.logins, login{
		host: host, class: b.classes[host], start: b.upAt[host], secs: at.Sub(b.upAt[host]).Seconds(),
		tcp: b.cfg.Mode == superpeer.Napster || b.hosts[host].UDPGaveUp(),
	})
}

func (b *superpeerBinding) Attached(host, sp engine.NodeID, at engine.Time) {
	if old := b.lostSP[host]; old != engine.None {
		b.reconn = append(b.reconn, reconnection{peer: host, sp: old, why: b.lostWhy[host], after: at.Sub(b.lostAt[host]).Seconds(), at: b.lostAt[host]})
		b.lostSP[host] = engine.None
	}
}

func (b *superpeerBinding) Detached(host, sp engine.NodeID, why superpeer.Lost, at engine.Time) {
	if why != superpeer.LostBye && why != superpeer.LostTimeout && why != superpeer.LostRefused {
		return // moved or promoted: not a loss
	}
	b.lostSP[host], b.lostWhy[host], b.lostAt[host] = sp, why, at
	if !b.alive[sp] {
		b.lostAt[host] = b.downAt[sp] // counted from the superpeer's departure
	}
}

func (b *superpeerBinding) Served(host engine.NodeID, _ superpeer.Op) {
	if b.now() >= b.warmup {
		b.served[host]++
	}
}

func (b *superpeerBinding) QueryStarted(origin engine.NodeID, qid, key uint64, at engine.Time) {
	b.queries[qid] = &spQuery{origin: origin, start: at, availFrom: b.available(key), upFrom: b.hostUp(key)}
}

// QueryEnded follows the origin's Env.LookupDone, so the order of the
// calls is the order of the lookup rows.
func (b *superpeerBinding) QueryEnded(_ engine.NodeID, qid uint64, r overlay.LookupResult, _ engine.Time) {
	b.ended = append(b.ended, qid)
	if q := b.queries[qid]; q != nil {
		q.availTo, q.upTo = b.available(r.Key), b.hostUp(r.Key)
	}
}

func (b *superpeerBinding) SessionEnded(r superpeer.SessionResult) {
	b.sessions = append(b.sessions, r)
}

func (b *superpeerBinding) Relayed(host engine.NodeID, _ uint64, _, _ engine.NodeID) {
	if b.now() >= b.warmup {
		b.relayed[host]++
	}
}

// ---- summary ----

// finish fills in each lookup's message count (the search messages any
// host sent for it) and adds the superpeer.* metrics; a key whose value
// is undefined (a rate over nothing) is left out rather than NaN.
func (b *superpeerBinding) finish(rows []results.LookupRow) []results.Metric {
	end := b.now()
	for h := range b.hosts {
		b.countRoleTime(engine.NodeID(h), end)
	}
	var out []results.Metric
	add := func(k string, v float64) {
		if !math.IsNaN(v) { // a rate with nothing to count is left out
			out = append(out, results.Metric{Key: "superpeer." + k, Value: v})
		}
	}

	// searches
	var avail, availOK, unavailOK, unavail int
	for i := range rows {
		if i >= len(b.ended) {
			break
		}
		q := b.queries[b.ended[i]]
		if q == nil {
			continue
		}
		rows[i].Messages = q.msgs
		if q.start < b.warmup {
			continue
		}
		ok := rows[i].Outcome == results.Success
		switch {
		case q.availFrom && q.availTo:
			avail++
			if ok {
				availOK++
			}
		case !q.upFrom && !q.upTo:
			unavail++
			if ok {
				unavailOK++
			}
		}
	}
	add("search.available", float64(avail))
	add("search.success_when_available", spRatio(availOK, avail))
	add("search.offline", float64(unavail))
	add("search.success_when_offline", spRatio(unavailOK, unavail))
	b.searchByClass(rows, add)

	// logins, after warm-up
	var all []float64
	var byClass [underlay.NumClasses][]float64
	for _, l := range b.logins {
		if l.start >= b.warmup {
			all = append(all, l.secs)
			byClass[l.class] = append(byClass[l.class], l.secs)
		}
	}
	spDescribe(add, "login_s", all)
	for c, xs := range byClass {
		if len(xs) > 0 {
			spDescribe(add, "login_s."+underlay.Class(c).String(), xs)
		}
	}

	// reconnections after losing a superpeer
	var rc, rcBye, rcTimeout []float64
	for _, r := range b.reconn {
		if r.at < b.warmup {
			continue
		}
		rc = append(rc, r.after)
		switch r.why {
		case superpeer.LostBye:
			rcBye = append(rcBye, r.after)
		case superpeer.LostTimeout:
			rcTimeout = append(rcTimeout, r.after)
		}
	}
	spDescribe(add, "reconnect_s", rc)
	spDescribe(add, "reconnect_s.after_leave", rcBye)
	spDescribe(add, "reconnect_s.after_crash", rcTimeout)

	// superpeers and their load
	var sps, live int
	var children, indexed, queries []float64
	for h, host := range b.hosts {
		if host == nil || !b.alive[h] {
			continue
		}
		live++
		if host.Role() != superpeer.Super {
			continue
		}
		sps++
		children = append(children, float64(host.Children()))
		indexed = append(indexed, float64(host.Indexed()))
		queries = append(queries, float64(b.served[h]))
	}
	add("superpeers.at_end", float64(sps))
	add("superpeers.ratio_at_end", spRatio(sps, live))
	var spSecs, allSecs float64
	for c := range underlay.NumClasses {
		spSecs += b.secs[superpeer.Super][c]
		for r := range superpeer.NumRoles {
			allSecs += b.secs[r][c]
		}
	}
	if span := (end - b.warmup).Seconds(); span > 0 {
		add("superpeers.mean", spSecs/span)
	}
	add("superpeers.ratio_mean", spFrac(spSecs, allSecs))
	add("superpeers.promoted", float64(b.promoted))
	add("superpeers.demoted", float64(b.demoted))
	spLoad(add, "load.peers", children)
	if b.cfg.Mode != superpeer.Skype { // a Skype superpeer indexes its peers, not objects
		spLoad(add, "load.index", indexed)
	}
	spLoad(add, "load.queries", queries)
	if s := b.cfg.Server; s != engine.None {
		add("server.queries", float64(b.served[s]))
		if h := b.hosts[s]; h != nil {
			add("server.peers_at_end", float64(h.Children()))
			add("server.index_at_end", float64(h.Indexed()))
		}
	}

	// sessions (calls, downloads) and relays
	b.sessionMetrics(add, end)

	// traffic per role and class, bytes sent and received per host-second
	for r := range superpeer.NumRoles {
		var by, s float64
		for c := range underlay.NumClasses {
			by += b.bytes[r][c]
			s += b.secs[r][c]
		}
		if s == 0 {
			continue
		}
		name := "traffic." + r.String()
		add(name+".bytes_per_node_per_s", by/s)
		for c := range underlay.NumClasses {
			if b.secs[r][c] > 0 && r == superpeer.Peer {
				add(name+"."+underlay.Class(c).String()+".bytes_per_node_per_s", b.bytes[r][c]/b.secs[r][c])
			}
		}
	}
	add("firewall_dropped", float64(b.fwDrops))
	return out
}

// searchByClass reports the searches after warm-up by the searcher's
// class: count, success rate, median time to the answer.
func (b *superpeerBinding) searchByClass(rows []results.LookupRow, add func(string, float64)) {
	var n, ok [underlay.NumClasses]int
	var lat [underlay.NumClasses][]float64
	for i := range rows {
		if i >= len(b.ended) {
			break
		}
		q := b.queries[b.ended[i]]
		if q == nil || q.start < b.warmup {
			continue
		}
		c := b.classes[rows[i].Source]
		n[c]++
		if rows[i].Outcome == results.Success {
			ok[c]++
			lat[c] = append(lat[c], rows[i].LatencyMs)
		}
	}
	for c := range underlay.NumClasses {
		if n[c] == 0 {
			continue
		}
		name := "search." + underlay.Class(c).String()
		add(name+".count", float64(n[c]))
		add(name+".success_rate", spRatio(ok[c], n[c]))
		if len(lat[c]) > 0 {
			slices.Sort(lat[c])
			add(name+".latency_ms.mean", stat.Mean(lat[c], nil))
			add(name+".latency_ms.p50", stat.Quantile(0.5, stat.Empirical, lat[c], nil))
		}
	}
}

// sessionMetrics reports the sessions set up after warm-up: how many
// worked, by which method, the relayed fraction overall and per pair of
// classes, set-up times, and the relays' load.
func (b *superpeerBinding) sessionMetrics(add func(string, float64), end engine.Time) {
	type pairStats struct {
		n, ok, relayed, punched int
		setup                   []float64
	}
	var pairs [underlay.NumClasses][underlay.NumClasses]pairStats
	var n, ok, direct, punched, relayed int
	var setup []float64
	for _, s := range b.sessions {
		if s.Start < b.warmup {
			continue
		}
		p := &pairs[s.CallerClass][s.CalleeClass]
		n++
		p.n++
		if !s.OK {
			continue
		}
		ok++
		p.ok++
		ms := float64(s.End-s.Start) / 1e6
		setup = append(setup, ms)
		p.setup = append(p.setup, ms)
		switch s.Method {
		case underlay.Direct:
			direct++
		case underlay.HolePunch:
			punched++
			p.punched++
		default:
			relayed++
			p.relayed++
		}
	}
	add("calls.count", float64(n))
	add("calls.success_rate", spRatio(ok, n))
	add("calls.direct_fraction", spRatio(direct, ok))
	add("calls.hole_punched_fraction", spRatio(punched, ok))
	add("calls.relayed_fraction", spRatio(relayed, ok))
	spDescribe(add, "calls.setup_ms", setup)
	for a := range underlay.NumClasses {
		for c := range underlay.NumClasses {
			p := &pairs[a][c]
			if p.n == 0 {
				continue
			}
			name := fmt.Sprintf("calls.pair.%s.%s", underlay.Class(a), underlay.Class(c))
			add(name+".count", float64(p.n))
			add(name+".success_rate", spRatio(p.ok, p.n))
			add(name+".hole_punched_fraction", spRatio(p.punched, p.ok))
			add(name+".relayed_fraction", spRatio(p.relayed, p.ok))
			if len(p.setup) > 0 {
				slices.Sort(p.setup)
				add(name+".setup_ms.p50", stat.Quantile(0.5, stat.Empirical, p.setup, nil))
			}
		}
	}
	var loads []float64
	for _, k := range b.relayed {
		if k > 0 {
			loads = append(loads, float64(k))
		}
	}
	add("relay.hosts", float64(len(loads)))
	spLoad(add, "relay.calls_per_relay", loads)
	if span := (end - b.warmup).Seconds(); span > 0 && len(loads) > 0 {
		add("relay.max_media_bytes_per_s", slices.Max(loads)*b.cfg.MediaBytes()/span)
	}
}

func spRatio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

func spFrac(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// spDescribe adds count, mean, p50, p99 and max of xs under prefix.
func spDescribe(add func(string, float64), prefix string, xs []float64) {
	add(prefix+".count", float64(len(xs)))
	if len(xs) == 0 {
		return
	}
	slices.Sort(xs)
	add(prefix+".mean", stat.Mean(xs, nil))
	add(prefix+".p50", stat.Quantile(0.5, stat.Empirical, xs, nil))
	add(prefix+".p99", stat.Quantile(0.99, stat.Empirical, xs, nil))
	add(prefix+".max", xs[len(xs)-1])
}

// spLoad adds mean, p50 and max of a load distribution.
func spLoad(add func(string, float64), prefix string, xs []float64) {
	if len(xs) == 0 {
		return
	}
	slices.Sort(xs)
	add(prefix+".mean", stat.Mean(xs, nil))
	add(prefix+".p50", stat.Quantile(0.5, stat.Empirical, xs, nil))
	add(prefix+".max", xs[len(xs)-1])
}

// ---- tables ----

// sampleBefore records the overlay's state at every sample time up to
// now, before an event at now changes it: a sample at t holds the state
// after the events before t, as the runner's own sample at t (which comes
// before the churn events at t) sees it.
func (b *superpeerBinding) sampleBefore(now engine.Time) {
	for b.every > 0 && b.nextSample <= now && b.nextSample <= b.end {
		b.samples = append(b.samples, results.SuperpeerSample{
			TimeS: b.nextSample.Seconds(), LiveHosts: b.nLive, LoggedIn: b.nOnline, Superpeers: b.nSuper,
		})
		b.nextSample = b.nextSample.Add(b.every)
	}
}

func spDelta(b bool) int {
	if b {
		return 1
	}
	return 0
}

var (
	spCauses = [...]string{
		superpeer.LostBye: results.CauseLeave, superpeer.LostTimeout: results.CauseCrash, superpeer.LostRefused: results.CauseRefused,
	}
	spPlans    = [...]string{underlay.Direct: results.PlanDirect, underlay.HolePunch: results.PlanHolePunch, underlay.Relay: results.PlanRelay}
	spOutcomes = [...]string{underlay.Direct: results.CallDirect, underlay.HolePunch: results.CallHolePunched, underlay.Relay: results.CallRelayed}
	spRoles    = [...]string{superpeer.Peer: results.RolePeer, superpeer.Super: results.RoleSuperpeer, superpeer.Server: results.RoleServer}
)

// tables returns the run's superpeer tables, every row in the order it
// was recorded (logins and reconnections as they completed, calls as
// their set-up ended), hosts and roles in index order; a table without
// rows is nil, as results.Read returns it. It is called once, after
// finish, at the end of the run.
func (b *superpeerBinding) tables() *results.Superpeer {
	b.sampleBefore(b.end) // the samples up to the end, inclusive
	t := &results.Superpeer{}
	if len(b.samples) > 0 {
		t.Samples = b.samples
	}
	for _, l := range b.logins {
		m := results.LoginUDP
		if l.tcp {
			m = results.LoginTCP
		}
		t.Logins = append(t.Logins, results.LoginRow{TimeS: l.start.Seconds(), Host: int(l.host), Class: l.class.String(), LoginS: l.secs, Method: m})
	}
	for _, r := range b.reconn {
		t.Reconnects = append(t.Reconnects, results.ReconnectRow{
			TimeS: r.at.Seconds(), Host: int(r.peer), Class: b.classes[r.peer].String(), Superpeer: int(r.sp),
			Cause: spCauses[r.why], ReconnectS: r.after,
		})
	}
	for _, s := range b.sessions {
		out := results.CallFailed
		if s.OK {
			out = spOutcomes[s.Method]
		}
		t.Calls = append(t.Calls, results.CallRow{
			TimeS: s.Start.Seconds(), Caller: int(s.Caller), Callee: int(s.Callee),
			CallerClass: s.CallerClass.String(), CalleeClass: s.CalleeClass.String(),
			Planned: spPlans[s.Planned], Outcome: out, SetupMs: float64(s.End-s.Start) / 1e6,
			Relay: int(s.Relay), Attempts: s.Attempts,
		})
	}
	for h, host := range b.hosts {
		if host == nil {
			continue
		}
		row := results.SuperpeerLoadRow{
			Host: h, Class: b.classes[h].String(), Role: results.RoleDown, CapacityKbps: b.capacity[h],
			Queries: b.served[h], Relayed: b.relayed[h],
		}
		if b.alive[h] {
			row.Role = spRoles[host.Role()]
			if host.Role() != superpeer.Peer {
				row.Peers, row.Links, row.Index = host.Children(), len(host.Links()), host.Indexed()
			}
		}
		if row.Role == results.RoleSuperpeer || row.Role == results.RoleServer || row.Queries > 0 || row.Relayed > 0 {
			t.Load = append(t.Load, row)
		}
	}
	for r := range superpeer.NumRoles {
		for c := range underlay.NumClasses {
			if b.secs[r][c] > 0 || b.bytes[r][c] > 0 {
				t.RoleTraffic = append(t.RoleTraffic, results.RoleTrafficRow{
					Role: spRoles[r], Class: underlay.Class(c).String(), HostS: b.secs[r][c], Bytes: int64(b.bytes[r][c]),
				})
			}
		}
	}
	return t
}
