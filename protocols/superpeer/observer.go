package superpeer

import (
	"peerlab/engine"
	"peerlab/overlay"
	"peerlab/underlay"
)

// Role is what a host is in the overlay.
type Role uint8

// Roles.
const (
	// Peer is an ordinary peer, attached to one superpeer (or, in Napster,
	// logged in to the server).
	Peer Role = iota
	// Super is a superpeer.
	Super
	// Server is the central server: Napster's index, Skype's login server.
	Server
	// NumRoles is the number of roles.
	NumRoles
)

var roleNames = [NumRoles]string{"peer", "superpeer", "server"}

// String returns "peer", "superpeer" or "server".
func (r Role) String() string {
	if r < NumRoles {
		return roleNames[r]
	}
	return "role?"
}

// Lost says why a peer lost its superpeer.
type Lost uint8

// Reasons a peer loses its superpeer.
const (
	// LostBye: the superpeer said goodbye (it left).
	LostBye Lost = iota
	// LostTimeout: the superpeer did not answer a keep-alive.
	LostTimeout
	// LostRefused: the superpeer no longer knew the peer.
	LostRefused
	// LostMoved: the superpeer asked the peer to move to another one.
	LostMoved
	// LostPromoted: the peer became a superpeer itself.
	LostPromoted
)

// Method is how a session (call or download) was set up.
type Method = underlay.Method

// SessionResult is how one session set-up ended, as the caller saw it.
type SessionResult struct {
	SID            uint64
	Caller, Callee engine.NodeID
	// CallerClass and CalleeClass are the connectivity classes the two
	// advertised.
	CallerClass, CalleeClass underlay.Class
	// Planned is the first method tried (underlay.Connect's, or relay under
	// RelayAnyNAT); Method the one that worked (when OK).
	Planned, Method Method
	// Relay is the relay that carried the session, engine.None if none.
	Relay engine.NodeID
	// Start is when the set-up began (the search's end), End when it
	// succeeded or was given up.
	Start, End engine.Time
	OK         bool
	// Attempts counts the attempts made (direct, hole punch, each relay).
	Attempts int
}

// Observer is told about what hosts do, for measurement only: the traffic
// of each role, logins and attachments, searches and sessions. Hosts never
// read anything back from it; an Observer must not call into a Host nor
// change what the simulation sees. All calls come from the simulation's
// single goroutine.
type Observer interface {
	// Sent: host, in role, handed m to Env.Send. FirewallDropped: host's
	// own firewall dropped m (UDP to or from a UDP-blocked host); out says
	// whether m was leaving (not sent at all) or arriving.
	Sent(host engine.NodeID, role Role, m Message)
	Received(host engine.NodeID, role Role, m Message)
	FirewallDropped(host engine.NodeID, m Message, out bool)
	// RoleChanged: host became role at time at (a promotion).
	RoleChanged(host engine.NodeID, role Role, at engine.Time)
	// LoggedIn: host finished logging in at at (attached to a superpeer,
	// and, in Skype, accepted by the login server; in Napster, logged in
	// to the server).
	LoggedIn(host engine.NodeID, at engine.Time)
	// Attached: host attached to superpeer sp (or the Napster server) at
	// at; Detached: it lost sp for the given reason.
	Attached(host, sp engine.NodeID, at engine.Time)
	Detached(host, sp engine.NodeID, why Lost, at engine.Time)
	// Served: a superpeer or server handled a search request (a query from
	// one of its peers, an ask, a flood reaching it).
	Served(host engine.NodeID, op Op)
	// QueryStarted and QueryEnded frame each search (one per
	// Protocol.Lookup that returned true); QueryEnded reports what
	// overlay.Env.LookupDone got.
	QueryStarted(origin engine.NodeID, qid, key uint64, at engine.Time)
	QueryEnded(origin engine.NodeID, qid uint64, r overlay.LookupResult, at engine.Time)
	// SessionEnded: the caller's session set-up ended.
	SessionEnded(r SessionResult)
	// Relayed: host started relaying session sid between caller and
	// callee.
	Relayed(host engine.NodeID, sid uint64, caller, callee engine.NodeID)
}

// UDPGaveUp reports whether the host has given up on UDP in its current
// session (its probes went unanswered for the whole retransmission
// schedule), so that it attaches over TCP. It only reads the host's state:
// an Observer may call it, for instance from LoggedIn to tell how the host
// got in.
func (h *Host) UDPGaveUp() bool { return h.udpFailed }
