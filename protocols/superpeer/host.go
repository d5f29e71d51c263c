// Package superpeer implements the superpeer overlays of Napster, KaZaA and
// Skype as one state machine driven through overlay.Env, after the course
// slides and Baset and Schulzrinne's analysis of Skype ("An Analysis of the
// Skype Peer-to-Peer Internet Telephony Protocol", INFOCOM 2006).
//
// # Roles
//
// A host is a Peer, a Super(peer) or the Server. Napster has the server
// (index) and peers only: a peer logs in to the server with its object
// list, keeps its login alive, and sends every query there. KaZaA has no
// server: peers attach to superpeers, to which they upload their object
// metadata. Skype is KaZaA's structure plus a login server that
// authenticates each peer after it has attached to a superpeer; its
// workload is user search followed by a call.
//
// # Joining (KaZaA, Skype)
//
// A host knows its connectivity class (from the runner's STUN step) and
// its capacity (HostInfo). It looks for a superpeer through its host cache
// (up to Config.HostCache entries, seeded with the bootstrap superpeers and
// kept across its sessions): it probes Config.ProbeFanout entries over UDP,
// then the next ones, on the UDP retransmission schedule (Config.UDPRTO,
// UDPTries, UDPFinal); it attaches over TCP to the first that answers.
// A host whose firewall drops UDP hears nothing, gives up on UDP after
// Config.UDPGiveUp and tries the entries one by one over TCP — Skype's
// long login behind a UDP-blocking firewall comes out of this, not out of
// a constant. A Skype peer then logs in to the server and probes
// Config.AlternateNodes cache entries (its alternate node table).
//
// # Keeping attached
//
// A peer sends a keep-alive to its superpeer every Config.KeepAlive; one
// unanswered within Config.Timeout means the superpeer is gone, and the
// peer looks for another through its host cache. A superpeer that leaves
// says goodbye, and its peers reconnect at once. A superpeer drops a peer
// silent for two keep-alive periods.
//
// # Superpeers
//
// Superpeers are the bootstrap hosts and those promoted: a superpeer
// serving more than Config.TargetChildren peers promotes, at most once per
// keep-alive period, its eligible peer (public, with at least
// Config.MinCapacity and Config.MinUptime) of the largest capacity (then
// the longest uptime), and moves half its excess peers to the new
// superpeer. A promoted superpeer left with fewer than
// Config.DemoteBelow peers for three sweeps in a row (after MinUptime as a
// superpeer) moves its peers to its linked superpeers and becomes a peer
// again; bootstrap superpeers never do. Superpeers keep Config.Degree
// links to others (accepting up to twice as many) and send each a sample
// of their superpeer list every Config.ExchangePeriod; a link silent for 2.5
// periods is dropped and replaced.
//
// # Searching
//
//   - Napster: the peer asks the server, which answers from its index.
//   - KaZaA: the peer asks its superpeer; one that does not know the object
//     floods the query to its linked superpeers with Config.TTL, and the
//     first superpeer that knows it answers the origin superpeer, which
//     answers the peer (a miss after Config.RoundTimeout).
//   - Skype: the peer asks its superpeer; one that does not know the user
//     (as one of its peers or in its cache) hands it Config.FirstNodes
//     superpeers to ask over UDP, then Config.MoreNodes per further round,
//     until one knows the user or the list is exhausted (the superpeer
//     hands out its list as it was when the search came, shuffled). A
//     fruitless round ends when all have answered or after
//     Config.RoundTimeout; the request for more names the superpeers that
//     stayed silent, and both ends drop them from their lists. The peer
//     reports what it found, and its superpeer caches it for
//     Config.CacheTTL. A peer that cannot use UDP has its superpeer search
//     on its behalf.
//
// # Sessions
//
// With Config.Calls, a successful search is followed by a session set-up
// with the host found (a call, a download): direct when underlay.Connect
// says so; by hole punching through a rendezvous (the callee's superpeer,
// or the Napster server), both ends sending to each other; or through a
// relay (a public host from the caller's host cache; in Napster, one the
// server names). Each attempt has Config.SetupTimeout; a failed one falls
// back to the next method. A relay counts the sessions it carries; media
// is not simulated, Config.MediaBytes gives the load per call.
//
// Like the other protocols, a Host never sees the event queue, owns no
// clock, goroutine or random source, and lets no map iteration reach what
// it sends or reports. Config.Observer sees everything worth measuring.
package superpeer

import (
	"slices"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
	"peerlab/underlay"
)

// Env is the environment a host runs in.
type Env = overlay.Env[Message, Timer]

// HostInfo is what a host knows about itself before it joins.
type HostInfo struct {
	// Class is the host's connectivity class, as its STUN step told it.
	Class underlay.Class
	// Capacity is its upstream capacity in kbit/s.
	Capacity float64
	// Role is Server for the central server, Super for a bootstrap
	// superpeer, Peer otherwise.
	Role Role
	// Objects are the objects it shares (Napster, KaZaA), sorted; shared
	// read-only.
	Objects []uint64
	// Cache is its host cache, kept across its sessions; nil gives a fresh
	// one seeded with Config.BootstrapHosts.
	Cache *HostCache
}

// Stats counts what a host did; see Host.Stats.
type Stats struct {
	// Sent and Handled count the messages sent and delivered;
	// FirewallDropped the UDP messages its firewall dropped.
	Sent, Handled, FirewallDropped int
	// Probes counts the UDP probes sent looking for a superpeer, Attaches
	// the attach requests, Reconnects the times it lost its superpeer.
	Probes, Attaches, Reconnects int
	// Queries counts the search requests served (as superpeer or server):
	// queries from its peers, asks, floods reaching it.
	Queries int
	// Promoted counts the peers it promoted, Moved those it moved;
	// Demoted the times it stopped being a superpeer.
	Promoted, Moved, Demoted int
	// Relayed counts the sessions it relayed; Rendezvous those it
	// forwarded a hole-punch or relay request for.
	Relayed, Rendezvous int
	// Lookups and LookupsFailed count the searches it originated that
	// ended, and those that failed.
	Lookups, LookupsFailed int
}

// phase is where a host is in getting and staying connected.
type phase uint8

const (
	phaseOff       phase = iota // not joined, or left
	phaseProbing                // UDP probes out to host-cache entries
	phaseAttaching              // attach request out
	phaseLogin                  // attached, login request out (Skype, Napster)
	phaseOnline                 // attached and logged in
)

// child is a peer attached to this superpeer (or logged in to the Napster
// server).
type child struct {
	id       engine.NodeID
	class    underlay.Class
	capacity float32
	since    engine.Time
	heard    engine.Time
	objects  []uint64
}

// link is a superpeer this superpeer exchanges lists with.
type link struct {
	id    engine.NodeID
	heard engine.Time
}

// Host is one simulated host. Create it with NewHost.
type Host struct {
	cfg   *Config
	self  engine.NodeID
	info  HostInfo
	role  Role
	phase phase
	up    bool
	since engine.Time // when it joined

	loggedIn  bool
	cache     *HostCache
	sp        engine.NodeID // its superpeer (itself when superpeer; the server in Napster)
	connGen   uint32        // generation of the current connection attempt
	target    engine.NodeID // the host it is attaching to
	cursor    int           // next host-cache entry to try
	tries     int           // entries tried over TCP in this attempt
	udpFailed bool          // UDP probing gave up once in this session
	kaGen     uint32        // generation of the current attachment's keep-alives
	kaAck     engine.TimerID
	kaPending bool
	loginGen  uint32

	// superpeer and server state
	superGen uint32      // generation of the superpeer role's periodic timers
	superAt  engine.Time // when it became a superpeer
	under    int         // consecutive sweeps with fewer peers than the demotion floor
	children []child
	childPos map[engine.NodeID]int // looked up, never iterated
	index    map[uint64][]engine.NodeID
	indexed  int // objects indexed
	links    []link
	seen     seenTable
	results  map[uint64]cached // Skype search results, looked up and expired only

	searches []search
	served   []served
	sessions []session
	relaying []relayed

	stats Stats
}

var _ overlay.Protocol[Message, Timer] = (*Host)(nil)

// NewHost returns host self. cfg must be valid and is shared, not copied.
func NewHost(cfg *Config, self engine.NodeID, info HostInfo) *Host {
	h := &Host{cfg: cfg, self: self, info: info, role: info.Role, sp: engine.None, target: engine.None}
	h.cache = info.Cache
	if h.cache == nil {
		h.cache = NewHostCache(cfg.HostCache, cfg.BootstrapHosts...)
	}
	h.cache.Remove(self)
	return h
}

// ---- inspection ----

// Role returns the host's current role.
func (h *Host) Role() Role { return h.role }

// Class returns the connectivity class the host advertises.
func (h *Host) Class() underlay.Class { return h.info.Class }

// Capacity returns the host's capacity in kbit/s.
func (h *Host) Capacity() float64 { return h.info.Capacity }

// Superpeer returns the superpeer the host is attached to (itself when a
// superpeer; the server in Napster), engine.None when it has none.
func (h *Host) Superpeer() engine.NodeID { return h.sp }

// Online reports whether the host is attached and logged in, ready to
// search.
func (h *Host) Online() bool { return h.up && h.phase == phaseOnline && h.loggedIn }

// LoggedIn reports whether the host has logged in during this session.
func (h *Host) LoggedIn() bool { return h.loggedIn }

// Children returns the number of peers attached (superpeer, server).
func (h *Host) Children() int { return len(h.children) }

// HasChild reports whether peer id is attached to this host.
func (h *Host) HasChild(id engine.NodeID) bool {
	_, ok := h.childPos[id]
	return ok
}

// Indexed returns the number of objects this superpeer or server indexes
// (its peers' and, for a superpeer, its own).
func (h *Host) Indexed() int { return h.indexed }

// Links returns the superpeers this superpeer is linked to.
func (h *Host) Links() []engine.NodeID {
	out := make([]engine.NodeID, len(h.links))
	for i, l := range h.links {
		out[i] = l.id
	}
	return out
}

// Cache returns the host's host cache (a superpeer's superpeer list).
func (h *Host) Cache() *HostCache { return h.cache }

// Objects returns the objects the host shares.
func (h *Host) Objects() []uint64 { return h.info.Objects }

// HasObject reports whether the host shares key.
func (h *Host) HasObject(key uint64) bool {
	_, ok := slices.BinarySearch(h.info.Objects, key)
	return ok
}

// Stats returns the host's counters.
func (h *Host) Stats() Stats { return h.stats }

// ---- overlay.Protocol ----

// Join starts the host. The server and bootstrap superpeers are online at
// once; a Napster peer logs in to the server; a KaZaA or Skype peer looks
// for a superpeer through its host cache. The runner's bootstrap is not
// used: hosts find each other through the host cache.
func (h *Host) Join(env Env, _ engine.NodeID) {
	h.up = true
	h.since = env.Now()
	switch {
	case h.role == Server:
		h.phase, h.loggedIn, h.sp = phaseOnline, true, h.self
		h.childPos = map[engine.NodeID]int{}
		h.index = map[uint64][]engine.NodeID{}
		env.After(h.cfg.KeepAlive, Timer{Kind: TimerSweep})
	case h.role == Super:
		h.loggedIn = true
		h.becomeSuper(env, h.cfg.BootstrapHosts)
	case h.cfg.Mode == Napster:
		h.login(env)
	default:
		h.connect(env)
	}
}

// Leave says goodbye: a peer to its superpeer, a superpeer to its peers
// and links.
func (h *Host) Leave(env Env) {
	switch h.role {
	case Peer:
		if h.sp != engine.None && h.phase >= phaseLogin {
			h.send(env, h.sp, Message{Op: OpBye, TCP: true})
		}
	default:
		for _, c := range h.children {
			h.send(env, c.id, Message{Op: OpBye, TCP: true})
		}
		for _, l := range h.links {
			h.send(env, l.id, Message{Op: OpBye, TCP: true})
		}
	}
	h.up, h.phase = false, phaseOff
}

// Fire handles a timer.
func (h *Host) Fire(env Env, t Timer) {
	if !h.up {
		return
	}
	switch t.Kind {
	case TimerProbe:
		if t.Gen == h.connGen && h.phase == phaseProbing {
			if k := int(t.Ref) + 1; k < h.cfg.UDPTries {
				h.probeRound(env, k)
			} else {
				h.udpFailed = true
				h.tcpNext(env)
			}
		}
	case TimerAttach:
		if t.Gen == h.connGen && h.phase == phaseAttaching {
			h.cache.Remove(h.target)
			h.attachFailed(env)
		}
	case TimerRetry:
		if t.Gen == h.connGen && h.phase == phaseProbing {
			h.connect(env)
		}
	case TimerLogin:
		if t.Gen == h.loginGen && h.phase == phaseLogin {
			h.login(env)
		}
	case TimerKeepAlive:
		if t.Gen == h.kaGen && h.role == Peer && h.sp != engine.None {
			h.keepAlive(env)
		}
	case TimerKeepAliveAck:
		if t.Gen == h.kaGen && h.role == Peer && h.kaPending {
			h.lost(env, LostTimeout)
		}
	case TimerSweep:
		if t.Gen == h.superGen {
			h.sweep(env)
		}
	case TimerExchange:
		if t.Gen == h.superGen {
			h.exchange(env)
		}
	case TimerQuery:
		if i := h.searchIndex(t.Ref); i >= 0 {
			h.endSearch(env, i, miss())
		}
	case TimerRound:
		if i := h.searchIndex(t.Ref); i >= 0 && h.searches[i].round == t.Gen && h.searches[i].asking {
			h.nextRound(env, i)
		}
	case TimerServe:
		h.serveExpired(env, t.Ref)
	case TimerSession:
		h.sessionTimeout(env, t.Ref, t.Gen)
	case TimerRelay:
		if i := h.relayIndex(t.Ref); i >= 0 {
			h.relaying = slices.Delete(h.relaying, i, i+1)
		}
	}
}

// Deliver handles a message from another host.
func (h *Host) Deliver(env Env, from engine.NodeID, m Message) {
	if !h.up {
		return
	}
	if h.firewalled(m, false) {
		return
	}
	h.stats.Handled++
	if o := h.cfg.Observer; o != nil {
		o.Received(h.self, h.role, m)
	}
	h.handle(env, from, m)
}

// handle dispatches a message, from the network or from this host itself
// (a superpeer serving its own searches).
func (h *Host) handle(env Env, from engine.NodeID, m Message) {
	switch m.Op {
	case OpProbe:
		h.send(env, from, Message{Op: OpProbeAck, OK: h.role == Super})
	case OpProbeAck:
		h.onProbeAck(env, from, m)
	case OpAttach:
		h.onAttach(env, from, m)
	case OpAttachOK:
		h.onAttachOK(env, from, m)
	case OpLogin:
		h.onLogin(env, from, m)
	case OpLoginOK:
		h.onLoginOK(env, from)
	case OpKeepAlive:
		ok := false
		if i, found := h.childPos[from]; found && h.role != Peer {
			h.children[i].heard = env.Now()
			ok = true
		}
		h.send(env, from, Message{Op: OpKeepAliveAck, TCP: true, OK: ok})
	case OpKeepAliveAck:
		if from == h.sp && h.role == Peer && h.kaPending {
			h.kaPending = false
			env.Cancel(h.kaAck)
			if m.OK {
				h.cache.Confirm(from)
			} else {
				h.lost(env, LostRefused)
			}
		}
	case OpBye:
		h.onBye(env, from)
	case OpPromote:
		if from == h.sp && h.role == Peer {
			h.detach(env, LostPromoted)
			h.becomeSuper(env, m.List)
		}
	case OpMove:
		if from == h.sp && h.role == Peer {
			h.detach(env, LostMoved)
			h.cache.Confirm(m.Addr)
			h.connGen++
			h.attach(env, m.Addr)
		}
	case OpLink:
		h.onLink(env, from)
	case OpLinkOK:
		h.onLinkOK(env, from, m)
	case OpSPList:
		h.onSPList(env, from, m)
	case OpQuery:
		h.onQuery(env, from, m)
	case OpNodes:
		h.onNodes(env, m)
	case OpMore:
		h.onMore(env, from, m)
	case OpAsk:
		h.onAsk(env, from, m)
	case OpAnswer:
		h.onAnswer(env, from, m)
	case OpFlood:
		h.onFlood(env, from, m)
	case OpFound:
		h.onFound(env, m)
	case OpHit:
		h.onHit(env, m)
	case OpReport:
		h.remember(env, m.Key, found(m.Addr, m.Via, m.Class, 0))
	default:
		h.onSession(env, from, m)
	}
}

// firewalled reports whether this host's firewall stops m (UDP, at a
// UDP-blocked host), going out or coming in, and counts it when it does.
func (h *Host) firewalled(m Message, outgoing bool) bool {
	if m.TCP || h.info.Class != underlay.UDPBlocked {
		return false
	}
	h.stats.FirewallDropped++
	if o := h.cfg.Observer; o != nil {
		o.FirewallDropped(h.self, m, outgoing)
	}
	return true
}

// send hands m to the network, unless it is UDP and this host's firewall
// blocks UDP.
func (h *Host) send(env Env, to engine.NodeID, m Message) {
	if to == engine.None {
		return
	}
	if h.firewalled(m, true) {
		return
	}
	h.stats.Sent++
	if o := h.cfg.Observer; o != nil {
		o.Sent(h.self, h.role, m)
	}
	env.Send(to, m)
}

// post sends m to to, or handles it at once when to is this host (a
// superpeer asking itself).
func (h *Host) post(env Env, to engine.NodeID, m Message) {
	if to == h.self {
		h.handle(env, h.self, m)
		return
	}
	h.send(env, to, m)
}

// ---- finding a superpeer ----

// connect starts looking for a superpeer: UDP probes to the host cache,
// or, once UDP has failed in this session, TCP attaches one by one.
func (h *Host) connect(env Env) {
	h.connGen++
	h.phase = phaseProbing
	h.sp = engine.None
	h.cursor, h.tries = 0, 0
	if h.cache.Len() == 0 {
		for _, b := range h.cfg.BootstrapHosts {
			h.cache.Add(b)
		}
		h.cache.Remove(h.self)
	}
	if h.udpFailed {
		h.tcpNext(env)
		return
	}
	h.probeRound(env, 0)
}

// nextCandidate returns the next host-cache entry to try, cycling.
func (h *Host) nextCandidate() engine.NodeID {
	n := h.cache.Len()
	for range n {
		id := h.cache.At(h.cursor % n)
		h.cursor++
		if id != h.self {
			return id
		}
	}
	return engine.None
}

// probeRound probes the next ProbeFanout host-cache entries and waits for
// round k's share of the retransmission schedule.
func (h *Host) probeRound(env Env, k int) {
	for range min(h.cfg.ProbeFanout, h.cache.Len()) {
		if id := h.nextCandidate(); id != engine.None {
			h.stats.Probes++
			h.send(env, id, Message{Op: OpProbe})
		}
	}
	env.After(h.cfg.probeWait(k), Timer{Kind: TimerProbe, Gen: h.connGen, Ref: uint64(k)})
}

// tcpNext attaches over TCP to the next host-cache entry; when every
// entry has been tried, it reseeds the cache with the bootstrap
// superpeers and starts over after a keep-alive period.
func (h *Host) tcpNext(env Env) {
	if h.tries >= h.cache.Len() {
		for _, b := range h.cfg.BootstrapHosts {
			h.cache.Add(b)
		}
		h.cache.Remove(h.self)
		h.connGen++
		h.phase = phaseProbing
		env.After(h.cfg.KeepAlive, Timer{Kind: TimerRetry, Gen: h.connGen})
		return
	}
	h.tries++
	h.connGen++
	h.attach(env, h.nextCandidate())
}

func (h *Host) onProbeAck(env Env, from engine.NodeID, m Message) {
	if !m.OK {
		h.cache.Remove(from)
		return
	}
	h.cache.Confirm(from)
	if h.phase == phaseProbing && h.role == Peer {
		h.connGen++
		h.attach(env, from)
	}
}

// attach asks sp over TCP to take this host as a peer.
func (h *Host) attach(env Env, sp engine.NodeID) {
	if sp == engine.None {
		h.attachFailed(env)
		return
	}
	h.phase, h.target = phaseAttaching, sp
	h.stats.Attaches++
	h.send(env, sp, Message{
		Op: OpAttach, TCP: true, Class: h.info.Class, Capacity: float32(h.info.Capacity),
		Since: h.since, Objects: h.uploaded(),
	})
	env.After(h.cfg.Timeout, Timer{Kind: TimerAttach, Gen: h.connGen})
}

// uploaded is what a peer uploads to its superpeer: its object list in
// KaZaA (Skype peers upload nothing but their name).
func (h *Host) uploaded() []uint64 {
	if h.cfg.Mode == KaZaA {
		return h.info.Objects
	}
	return nil
}

func (h *Host) attachFailed(env Env) {
	if h.udpFailed {
		h.tcpNext(env)
	} else {
		h.connect(env)
	}
}

func (h *Host) onAttachOK(env Env, from engine.NodeID, m Message) {
	if h.role != Peer || h.phase != phaseAttaching || from != h.target {
		if m.OK && from != h.sp {
			h.send(env, from, Message{Op: OpBye, TCP: true}) // a late answer: undo it
		}
		return
	}
	if !m.OK {
		h.cache.Remove(from)
		h.attachFailed(env)
		return
	}
	h.connGen++
	h.sp = from
	h.cache.Confirm(from)
	for _, id := range m.List {
		if id != h.self {
			h.cache.Add(id)
		}
	}
	if o := h.cfg.Observer; o != nil {
		o.Attached(h.self, from, env.Now())
	}
	h.startKeepAlive(env)
	switch {
	case h.cfg.Mode == Skype && !h.loggedIn:
		h.login(env)
	default:
		h.phase = phaseOnline
		h.setLoggedIn(env)
	}
}

// login sends the login request to the server: Napster's with the object
// list, Skype's authentication.
func (h *Host) login(env Env) {
	h.phase = phaseLogin
	h.loginGen++
	m := Message{Op: OpLogin, TCP: true, Class: h.info.Class}
	if h.cfg.Mode == Napster {
		m.Objects = h.info.Objects
		m.Capacity, m.Since = float32(h.info.Capacity), h.since
	}
	h.send(env, h.cfg.Server, m)
	env.After(h.cfg.Timeout, Timer{Kind: TimerLogin, Gen: h.loginGen})
}

func (h *Host) onLoginOK(env Env, from engine.NodeID) {
	if h.phase != phaseLogin || from != h.cfg.Server {
		return
	}
	h.loginGen++
	h.phase = phaseOnline
	if h.cfg.Mode == Napster {
		h.sp = from
		if o := h.cfg.Observer; o != nil {
			o.Attached(h.self, from, env.Now())
		}
		h.startKeepAlive(env)
	}
	h.setLoggedIn(env)
	if h.cfg.Mode == Skype {
		// The alternate node table: probe further superpeers.
		for i := 0; i < min(h.cfg.AlternateNodes, h.cache.Len()); i++ {
			if id := h.cache.At(i); id != h.sp && id != h.self {
				h.send(env, id, Message{Op: OpProbe})
			}
		}
	}
}

func (h *Host) setLoggedIn(env Env) {
	if h.loggedIn {
		return
	}
	h.loggedIn = true
	if o := h.cfg.Observer; o != nil {
		o.LoggedIn(h.self, env.Now())
	}
}

func (h *Host) startKeepAlive(env Env) {
	h.kaGen++
	h.kaPending = false
	env.After(h.cfg.KeepAlive, Timer{Kind: TimerKeepAlive, Gen: h.kaGen})
}

func (h *Host) keepAlive(env Env) {
	h.send(env, h.sp, Message{Op: OpKeepAlive, TCP: true})
	h.kaPending = true
	h.kaAck = env.After(h.cfg.Timeout, Timer{Kind: TimerKeepAliveAck, Gen: h.kaGen})
	env.After(h.cfg.KeepAlive, Timer{Kind: TimerKeepAlive, Gen: h.kaGen})
}

// detach forgets the superpeer (reporting why) and stops the keep-alives.
func (h *Host) detach(env Env, why Lost) {
	if o := h.cfg.Observer; o != nil && h.sp != engine.None {
		o.Detached(h.self, h.sp, why, env.Now())
	}
	h.kaGen++
	h.kaPending = false
	h.sp = engine.None
}

// lost reacts to the loss of the superpeer (or the Napster server): find
// another, or log in again.
func (h *Host) lost(env Env, why Lost) {
	old := h.sp
	h.detach(env, why)
	h.stats.Reconnects++
	if why != LostRefused {
		h.cache.Remove(old)
	}
	if h.cfg.Mode == Napster {
		h.login(env)
		return
	}
	h.connect(env)
}

func (h *Host) onBye(env Env, from engine.NodeID) {
	if h.role == Peer && from == h.sp && h.phase >= phaseLogin {
		h.lost(env, LostBye)
		return
	}
	if _, ok := h.childPos[from]; ok {
		h.removeChild(from)
	}
	if i := h.linkIndex(from); i >= 0 {
		h.links = slices.Delete(h.links, i, i+1)
		h.cache.Remove(from)
	}
}

// ---- superpeer and server duties ----

// becomeSuper makes the host a superpeer, its list seeded with seed: it
// indexes its own objects, links to other superpeers, and starts its
// periodic exchange and sweep.
func (h *Host) becomeSuper(env Env, seed []engine.NodeID) {
	h.role = Super
	h.phase = phaseOnline
	h.sp = h.self
	if o := h.cfg.Observer; o != nil {
		o.RoleChanged(h.self, Super, env.Now())
	}
	h.cache.SetMax(h.cfg.ListMax)
	for _, id := range seed {
		h.cache.Add(id)
	}
	h.cache.Remove(h.self)
	h.childPos = map[engine.NodeID]int{}
	h.index = map[uint64][]engine.NodeID{}
	h.seen = newSeenTable(h.cfg.QueryTimeout)
	if h.cfg.Mode == Skype && h.cfg.CacheTTL > 0 {
		h.results = map[uint64]cached{}
	}
	for _, k := range h.info.Objects {
		h.addIndex(k, h.self)
	}
	h.linkUp(env)
	// Spread the periodic work over the period so superpeers do not act in
	// lock step.
	h.superGen++
	h.superAt, h.under = env.Now(), 0
	env.After(time.Duration(env.Rand().Int64N(int64(h.cfg.ExchangePeriod)))+1, Timer{Kind: TimerExchange, Gen: h.superGen})
	env.After(h.cfg.KeepAlive, Timer{Kind: TimerSweep, Gen: h.superGen})
}

// demoteSweeps is the number of consecutive sweeps a promoted superpeer
// must serve fewer than DemoteBelow peers before it demotes itself.
const demoteSweeps = 3

// DemoteBelow is the number of peers under which a promoted superpeer
// counts as underused: a quarter of the target.
func (c *Config) DemoteBelow() int { return max(1, c.TargetChildren()/4) }

// demote makes a promoted superpeer an ordinary peer again: its peers are
// moved to its linked superpeers in turn, its links are closed, and it
// looks for a superpeer of its own.
func (h *Host) demote(env Env) {
	for i, c := range h.children {
		h.send(env, c.id, Message{Op: OpMove, TCP: true, Addr: h.links[i%len(h.links)].id})
		h.stats.Moved++
	}
	for _, l := range h.links {
		h.send(env, l.id, Message{Op: OpBye, TCP: true})
	}
	h.children, h.links, h.served = nil, nil, nil
	h.childPos, h.index, h.results = nil, nil, nil
	h.indexed = 0
	h.superGen++
	h.role = Peer
	h.stats.Demoted++
	if o := h.cfg.Observer; o != nil {
		o.RoleChanged(h.self, Peer, env.Now())
	}
	h.cache.SetMax(h.cfg.HostCache)
	h.connect(env)
}

// linkUp asks superpeers from the list for links until Degree are asked
// for or linked.
func (h *Host) linkUp(env Env) {
	want := h.cfg.Degree - len(h.links)
	for i := 0; i < h.cache.Len() && want > 0; i++ {
		id := h.cache.At(i)
		if id != h.self && h.linkIndex(id) < 0 {
			h.send(env, id, Message{Op: OpLink, TCP: true})
			want--
		}
	}
}

func (h *Host) linkIndex(id engine.NodeID) int {
	for i, l := range h.links {
		if l.id == id {
			return i
		}
	}
	return -1
}

func (h *Host) onLink(env Env, from engine.NodeID) {
	ok := h.role == Super && (h.linkIndex(from) >= 0 || len(h.links) < 2*h.cfg.Degree)
	if ok && h.linkIndex(from) < 0 {
		h.links = append(h.links, link{id: from, heard: env.Now()})
		h.cache.Confirm(from)
	}
	m := Message{Op: OpLinkOK, TCP: true, OK: ok}
	if ok {
		m.List = h.cache.Sample(env.Rand(), h.cfg.ExchangeSize, from)
	}
	h.send(env, from, m)
}

func (h *Host) onLinkOK(env Env, from engine.NodeID, m Message) {
	if !m.OK {
		if h.linkIndex(from) < 0 {
			h.cache.Remove(from)
		}
		return
	}
	if h.role != Super {
		h.send(env, from, Message{Op: OpBye, TCP: true})
		return
	}
	h.cache.Confirm(from)
	h.merge(m.List)
	if i := h.linkIndex(from); i >= 0 {
		h.links[i].heard = env.Now()
	} else if len(h.links) < 2*h.cfg.Degree {
		h.links = append(h.links, link{id: from, heard: env.Now()})
	} else {
		h.send(env, from, Message{Op: OpBye, TCP: true})
	}
}

func (h *Host) onSPList(env Env, from engine.NodeID, m Message) {
	if h.role != Super {
		h.send(env, from, Message{Op: OpBye, TCP: true})
		return
	}
	h.merge(m.List)
	if i := h.linkIndex(from); i >= 0 {
		h.links[i].heard = env.Now()
		h.cache.Confirm(from)
	} else if len(h.links) < 2*h.cfg.Degree {
		h.links = append(h.links, link{id: from, heard: env.Now()})
		h.cache.Confirm(from)
	} else {
		h.send(env, from, Message{Op: OpBye, TCP: true})
	}
}

// merge adds the superpeers of list to the host's list.
func (h *Host) merge(list []engine.NodeID) {
	for _, id := range list {
		if id != h.self {
			h.cache.Add(id)
		}
	}
}

// exchange is a superpeer's periodic work: drop silent links, send each
// link a list sample, top the links up, forget old flood identifiers and
// expired cached results.
func (h *Host) exchange(env Env) {
	if h.role != Super {
		return
	}
	now := env.Now()
	silent := time.Duration(2.5 * float64(h.cfg.ExchangePeriod))
	h.links = slices.DeleteFunc(h.links, func(l link) bool {
		if now.Sub(l.heard) > silent {
			h.cache.Remove(l.id)
			return true
		}
		return false
	})
	if len(h.links) > 0 {
		var sample []engine.NodeID
		if h.cfg.Exchange == ExchangeLinks {
			sample = h.Links()
		} else {
			sample = h.cache.Sample(env.Rand(), h.cfg.ExchangeSize, engine.None)
		}
		sample = append(sample, h.self)
		for _, l := range h.links {
			h.send(env, l.id, Message{Op: OpSPList, TCP: true, List: sample})
		}
	}
	if len(h.links) < h.cfg.Degree {
		h.linkUp(env)
	}
	h.seen.expire(now)
	for k, c := range h.results {
		if c.until <= now { // deleting expired entries: the order does not matter
			delete(h.results, k)
		}
	}
	env.After(h.cfg.ExchangePeriod, Timer{Kind: TimerExchange, Gen: h.superGen})
}

func (h *Host) onAttach(env Env, from engine.NodeID, m Message) {
	if h.role != Super {
		h.send(env, from, Message{Op: OpAttachOK, TCP: true})
		return
	}
	h.addChild(env, from, m)
	list := h.cache.Sample(env.Rand(), h.cfg.ExchangeSize, from)
	h.send(env, from, Message{Op: OpAttachOK, TCP: true, OK: true, List: list})
}

func (h *Host) onLogin(env Env, from engine.NodeID, m Message) {
	if h.role != Server {
		return
	}
	if h.cfg.Mode == Napster {
		h.addChild(env, from, m)
	}
	h.send(env, from, Message{Op: OpLoginOK, TCP: true})
}

// addChild takes from as a peer (again), indexing its objects.
func (h *Host) addChild(env Env, from engine.NodeID, m Message) {
	if _, ok := h.childPos[from]; ok {
		h.removeChild(from)
	}
	h.childPos[from] = len(h.children)
	h.children = append(h.children, child{
		id: from, class: m.Class, capacity: m.Capacity, since: m.Since, heard: env.Now(), objects: m.Objects,
	})
	for _, k := range m.Objects {
		h.addIndex(k, from)
	}
}

// removeChild forgets peer id and unindexes its objects.
func (h *Host) removeChild(id engine.NodeID) {
	i, ok := h.childPos[id]
	if !ok {
		return
	}
	for _, k := range h.children[i].objects {
		h.dropIndex(k, id)
	}
	last := len(h.children) - 1
	if i != last {
		h.children[i] = h.children[last]
		h.childPos[h.children[i].id] = i
	}
	h.children[last] = child{}
	h.children = h.children[:last]
	delete(h.childPos, id)
}

func (h *Host) addIndex(k uint64, holder engine.NodeID) {
	h.index[k] = append(h.index[k], holder)
	h.indexed++
}

func (h *Host) dropIndex(k uint64, holder engine.NodeID) {
	hs := h.index[k]
	if i := slices.Index(hs, holder); i >= 0 {
		hs = slices.Delete(hs, i, i+1)
		h.indexed--
		if len(hs) == 0 {
			delete(h.index, k)
		} else {
			h.index[k] = hs
		}
	}
}

// sweep drops peers silent for two keep-alive periods (and a timeout)
// and, at a superpeer serving more than its target, promotes one.
func (h *Host) sweep(env Env) {
	if h.role == Peer {
		return
	}
	now := env.Now()
	silent := 2*h.cfg.KeepAlive + h.cfg.Timeout
	for i := 0; i < len(h.children); {
		if c := h.children[i]; now.Sub(c.heard) > silent {
			h.removeChild(c.id) // moves the last child to i
			continue
		}
		i++
	}
	if h.role == Super && h.info.Role == Peer {
		// A promoted superpeer with too few peers for long enough steps
		// down (bootstrap superpeers never do).
		if len(h.children) < h.cfg.DemoteBelow() {
			h.under++
		} else {
			h.under = 0
		}
		if h.under >= demoteSweeps && now.Sub(h.superAt) >= h.cfg.MinUptime && len(h.links) > 0 {
			h.demote(env)
			return
		}
	}
	if h.role == Super && len(h.children) > h.cfg.TargetChildren() {
		h.promote(env)
	}
	env.After(h.cfg.KeepAlive, Timer{Kind: TimerSweep, Gen: h.superGen})
}

// eligible reports whether peer c may become a superpeer at now.
func (h *Host) eligible(c *child, now engine.Time) bool {
	return c.class == underlay.Public && float64(c.capacity) >= h.cfg.MinCapacity && now.Sub(c.since) >= h.cfg.MinUptime
}

// promote makes the best eligible peer a superpeer and moves the excess
// peers to it.
func (h *Host) promote(env Env) {
	now := env.Now()
	best := -1
	for i := range h.children {
		c := &h.children[i]
		if !h.eligible(c, now) {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		b := &h.children[best]
		if c.capacity > b.capacity || c.capacity == b.capacity && (c.since < b.since || c.since == b.since && c.id < b.id) {
			best = i
		}
	}
	if best < 0 {
		return
	}
	np := h.children[best].id
	list := h.cache.Sample(env.Rand(), h.cfg.ExchangeSize, np)
	list = append(list, h.self)
	h.send(env, np, Message{Op: OpPromote, TCP: true, List: list})
	h.removeChild(np)
	h.cache.Confirm(np)
	h.stats.Promoted++
	// Half the excess goes to the new superpeer: an overloaded superpeer
	// splits in halves sweep after sweep instead of shedding a few peers
	// at a time.
	move := (len(h.children) - h.cfg.TargetChildren() + 1) / 2
	for ; move > 0; move-- {
		c := h.children[len(h.children)-1]
		h.send(env, c.id, Message{Op: OpMove, TCP: true, Addr: np})
		h.removeChild(c.id)
		h.stats.Moved++
	}
}
