package superpeer

import (
	"slices"

	"peerlab/engine"
	"peerlab/underlay"
)

// session is a session (call, download) this host is setting up as the
// caller.
type session struct {
	sid         uint64
	peer, via   engine.NodeID // the callee, and its superpeer (the rendezvous)
	peerClass   underlay.Class
	relay       engine.NodeID // the relay of the current attempt
	suggested   engine.NodeID // a relay the Napster server named
	start       engine.Time
	planned     Method
	method      Method // the current attempt's
	attempts    int
	relays      int
	gen         uint32
	tcp         bool // an end cannot use UDP
	triedRelays [4]engine.NodeID
}

// relayed is a session this host was asked to relay and whose callee has
// not joined yet.
type relayed struct {
	sid            uint64
	caller, callee engine.NodeID
	tcp            bool
}

func (h *Host) sessionIndex(sid uint64) int {
	for i := range h.sessions {
		if h.sessions[i].sid == sid {
			return i
		}
	}
	return -1
}

func (h *Host) relayIndex(sid uint64) int {
	for i := range h.relaying {
		if h.relaying[i].sid == sid {
			return i
		}
	}
	return -1
}

// startSession sets up a session with the host r found: the method is
// underlay.Connect's for the two advertised classes (a relay for any end
// behind a NAT under RelayAnyNAT).
func (h *Host) startSession(env Env, sid uint64, r hit) {
	s := session{
		sid: sid, peer: r.holder, via: r.via, peerClass: r.class, relay: engine.None, suggested: r.relay,
		start: env.Now(),
		tcp:   h.info.Class == underlay.UDPBlocked || r.class == underlay.UDPBlocked,
	}
	for i := range s.triedRelays {
		s.triedRelays[i] = engine.None
	}
	s.planned = underlay.Connect(h.info.Class, r.class)
	if h.cfg.Relay == RelayAnyNAT && (h.info.Class != underlay.Public || r.class != underlay.Public) {
		s.planned = underlay.Relay
	}
	if s.planned == underlay.HolePunch && (s.via == engine.None || s.via == s.peer) {
		s.planned = underlay.Relay // no rendezvous known
	}
	h.sessions = append(h.sessions, s)
	h.attempt(env, len(h.sessions)-1, s.planned)
}

// attempt tries method for session i, or ends it failed when no relay is
// left to try.
func (h *Host) attempt(env Env, i int, method Method) {
	s := &h.sessions[i]
	s.gen++
	s.method = method
	switch method {
	case underlay.Direct:
		h.send(env, s.peer, Message{Op: OpConnect, TCP: s.tcp, QID: s.sid, Class: h.info.Class})
	case underlay.HolePunch:
		h.post(env, s.via, Message{Op: OpPunchReq, TCP: true, QID: s.sid, Addr: s.peer, Via: engine.None, Class: h.info.Class})
		h.send(env, s.peer, Message{Op: OpPunch, TCP: s.tcp, QID: s.sid})
	default:
		relay := h.pickRelay(env, s)
		if relay == engine.None || s.relays >= h.cfg.RelayTries {
			h.endSession(env, i, false)
			return
		}
		if s.relays < len(s.triedRelays) {
			s.triedRelays[s.relays] = relay
		}
		s.relays++
		s.relay = relay
		h.send(env, relay, Message{Op: OpRelayReq, TCP: s.tcp, QID: s.sid, Addr: s.peer, Via: s.via, Class: s.peerClass})
	}
	s.attempts++
	env.After(h.cfg.SetupTimeout, Timer{Kind: TimerSession, Ref: s.sid, Gen: s.gen})
}

// relayPool is how many of the front host-cache entries (the most
// recently confirmed superpeers) a caller draws its relay from.
const relayPool = 8

// pickRelay chooses a relay for session s: the one the Napster server
// named (first), else a random entry among the relayPool front entries of
// the host cache (superpeers, so public, recently heard from) other than
// the two ends and the relays tried; failing that, the first such entry
// further back.
func (h *Host) pickRelay(env Env, s *session) engine.NodeID {
	if s.suggested != engine.None && s.relays == 0 {
		return s.suggested
	}
	ok := func(id engine.NodeID) bool {
		return id != h.self && id != s.peer && !slices.Contains(s.triedRelays[:], id)
	}
	if n := min(h.cache.Len(), relayPool); n > 0 {
		for range 2 * relayPool {
			if id := h.cache.At(env.Rand().IntN(n)); ok(id) {
				return id
			}
		}
	}
	for i := range h.cache.Len() {
		if id := h.cache.At(i); ok(id) {
			return id
		}
	}
	return engine.None
}

// sessionTimeout falls back to the next method when attempt gen of
// session sid has not succeeded: direct, then hole punching (with a
// rendezvous), then relays.
func (h *Host) sessionTimeout(env Env, sid uint64, gen uint32) {
	i := h.sessionIndex(sid)
	if i < 0 || h.sessions[i].gen != gen {
		return
	}
	s := &h.sessions[i]
	if s.method == underlay.Relay && s.relay != engine.None {
		h.cache.Remove(s.relay) // it did not answer: perhaps gone
	}
	next := underlay.Relay
	if s.method == underlay.Direct && s.via != engine.None && s.via != s.peer {
		next = underlay.HolePunch
	}
	h.attempt(env, i, next)
}

// endSession reports how session i ended and forgets it.
func (h *Host) endSession(env Env, i int, ok bool) {
	s := h.sessions[i]
	h.sessions = slices.Delete(h.sessions, i, i+1)
	if o := h.cfg.Observer; o != nil {
		relay := engine.None
		if ok && s.method == underlay.Relay {
			relay = s.relay
		}
		o.SessionEnded(SessionResult{
			SID: s.sid, Caller: h.self, Callee: s.peer,
			CallerClass: h.info.Class, CalleeClass: s.peerClass,
			Planned: s.planned, Method: s.method, Relay: relay,
			Start: s.start, End: env.Now(), OK: ok, Attempts: s.attempts,
		})
	}
}

// isChild reports whether id is attached to this superpeer or logged in to
// this server: whether this host can pass a request on to it.
func (h *Host) isChild(id engine.NodeID) bool {
	_, ok := h.childPos[id]
	return ok && h.role != Peer
}

// onSession handles the session set-up messages, at whichever end:
// caller, callee, rendezvous or relay.
func (h *Host) onSession(env Env, from engine.NodeID, m Message) {
	tcp := m.TCP || h.info.Class == underlay.UDPBlocked
	switch m.Op {
	case OpConnect:
		h.send(env, from, Message{Op: OpConnectOK, TCP: tcp, QID: m.QID})
		// A caller hearing the callee's CONNECT after punching knows both
		// directions work: the callee got its punch, and it got this.
		if i := h.sessionIndex(m.QID); i >= 0 && h.sessions[i].peer == from && h.sessions[i].method == underlay.HolePunch {
			h.endSession(env, i, true)
		}
	case OpConnectOK:
		if i := h.sessionIndex(m.QID); i >= 0 && h.sessions[i].peer == from && h.sessions[i].method != underlay.Relay {
			h.endSession(env, i, true)
		}
	case OpPunch:
		// Either end: a punch got through, so connect back over it.
		h.send(env, from, Message{Op: OpConnect, TCP: tcp, QID: m.QID})
	case OpPunchReq:
		switch {
		case m.Via != engine.None || m.Addr == h.self:
			// This host is the callee: punch towards the caller and tell
			// it, through the rendezvous, to punch again.
			caller := m.Addr
			if m.Addr == h.self {
				caller = from
			}
			ctcp := m.Class == underlay.UDPBlocked || h.info.Class == underlay.UDPBlocked
			h.send(env, caller, Message{Op: OpPunch, TCP: ctcp, QID: m.QID})
			if m.Via != engine.None {
				h.send(env, m.Via, Message{Op: OpPunchReady, TCP: true, QID: m.QID, Addr: caller})
			}
		case h.isChild(m.Addr):
			h.stats.Rendezvous++
			h.send(env, m.Addr, Message{Op: OpPunchReq, TCP: true, QID: m.QID, Addr: from, Via: h.self, Class: m.Class})
		}
	case OpPunchReady:
		if m.Addr == h.self {
			if i := h.sessionIndex(m.QID); i >= 0 && h.sessions[i].method == underlay.HolePunch {
				s := &h.sessions[i]
				h.send(env, s.peer, Message{Op: OpPunch, TCP: s.tcp, QID: s.sid})
			}
			return
		}
		h.send(env, m.Addr, Message{Op: OpPunchReady, TCP: true, QID: m.QID, Addr: m.Addr})
	case OpRelayReq:
		if h.relayIndex(m.QID) < 0 {
			h.relaying = append(h.relaying, relayed{sid: m.QID, caller: from, callee: m.Addr, tcp: m.TCP})
			env.After(h.cfg.SetupTimeout, Timer{Kind: TimerRelay, Ref: m.QID})
		}
		inv := Message{Op: OpRelayInvite, TCP: true, QID: m.QID, Addr: m.Addr, Relay: h.self}
		if m.Via != engine.None && m.Via != h.self {
			h.send(env, m.Via, inv)
		} else {
			h.post(env, m.Addr, inv)
		}
	case OpRelayInvite:
		switch {
		case m.Addr == h.self:
			h.send(env, m.Relay, Message{Op: OpRelayJoin, TCP: tcp, QID: m.QID})
		case h.isChild(m.Addr):
			h.stats.Rendezvous++
			h.send(env, m.Addr, m)
		}
	case OpRelayJoin:
		if i := h.relayIndex(m.QID); i >= 0 && h.relaying[i].callee == from {
			r := h.relaying[i]
			h.relaying = slices.Delete(h.relaying, i, i+1)
			h.stats.Relayed++
			h.send(env, from, Message{Op: OpRelayOK, TCP: tcp, QID: m.QID})
			h.send(env, r.caller, Message{Op: OpRelayOK, TCP: r.tcp, QID: m.QID})
			if o := h.cfg.Observer; o != nil {
				o.Relayed(h.self, m.QID, r.caller, r.callee)
			}
		}
	case OpRelayOK:
		if i := h.sessionIndex(m.QID); i >= 0 && h.sessions[i].method == underlay.Relay && h.sessions[i].relay == from {
			h.endSession(env, i, true)
		}
	}
}
