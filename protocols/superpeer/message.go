package superpeer

import (
	"peerlab/engine"
	"peerlab/overlay"
	"peerlab/underlay"
)

// Op is a message's operation.
type Op uint8

// Operations. The first group keeps the overlay together (maintenance
// class); the second serves searches and the third sets up the sessions
// that follow them (both in the lookup class: they serve the workload).
const (
	// OpProbe asks a host-cache entry over UDP whether it is a superpeer
	// taking peers.
	OpProbe Op = iota
	// OpProbeAck answers OpProbe: OK when the sender is a superpeer.
	OpProbeAck
	// OpAttach: a peer attaches to the receiver (TCP), advertising its
	// connectivity Class, Capacity and Since (when it came up), and
	// uploading its Objects (KaZaA).
	OpAttach
	// OpAttachOK accepts an attachment and hands the peer List, a sample of
	// the superpeer's list.
	OpAttachOK
	// OpLogin: a peer logs in to the central server (TCP): Skype's
	// authentication, Napster's login with the Objects it shares.
	OpLogin
	// OpLoginOK accepts a login.
	OpLoginOK
	// OpKeepAlive is a peer's periodic refresh to its superpeer or server.
	OpKeepAlive
	// OpKeepAliveAck answers it: OK false when the peer is not attached
	// there (any more).
	OpKeepAliveAck
	// OpBye closes an attachment or a superpeer link.
	OpBye
	// OpPromote tells a peer to become a superpeer; List seeds its list.
	OpPromote
	// OpMove tells a peer to attach to superpeer Addr instead.
	OpMove
	// OpLink asks a superpeer for a link.
	OpLink
	// OpLinkOK answers OpLink (OK: accepted) with List, a sample of the
	// answering superpeer's list.
	OpLinkOK
	// OpSPList is the periodic superpeer-list exchange over a link.
	OpSPList

	// OpQuery: a peer asks its superpeer or the server for Key (QID). Flag
	// asks a Skype superpeer to search on the peer's behalf (the peer
	// cannot use UDP).
	OpQuery
	// OpNodes: a Skype superpeer hands the searcher N superpeers to ask
	// (Few); N = 0: no more to ask.
	OpNodes
	// OpMore: a Skype searcher found nothing in its last round and asks for
	// more superpeers, naming in Few (N of them) those that did not answer.
	OpMore
	// OpAsk: a Skype searcher asks a superpeer (UDP) whether it knows Key.
	OpAsk
	// OpAnswer answers OpAsk: Addr holds Key (engine.None: unknown) behind
	// superpeer Via, with connectivity Class.
	OpAnswer
	// OpFlood is a KaZaA query flooded among superpeers: TTL hops left,
	// Hops travelled, Addr the superpeer that started it.
	OpFlood
	// OpFound: a superpeer reached by a flood holds Key (Addr, Via, Class)
	// and tells the flood's origin superpeer.
	OpFound
	// OpHit is the answer to OpQuery: Addr holds Key (engine.None: not
	// found) behind Via with Class, Hops away; Napster adds a Relay to use.
	OpHit
	// OpReport: a Skype searcher tells its superpeer what it found, to be
	// cached.
	OpReport

	// OpPunchReq asks rendezvous Via to have Addr connect to the sender:
	// from the caller to the rendezvous, and from the rendezvous to the
	// callee (then Addr is the caller, Class its class).
	OpPunchReq
	// OpPunch is a hole-punching packet between the two ends of session
	// QID.
	OpPunch
	// OpPunchReady: the callee has punched; through the rendezvous back to
	// the caller (Addr), who punches again.
	OpPunchReady
	// OpConnect opens session QID directly.
	OpConnect
	// OpConnectOK answers OpConnect: the session is up.
	OpConnectOK
	// OpRelayReq asks the receiver to relay session QID to Addr, reachable
	// through rendezvous Via.
	OpRelayReq
	// OpRelayInvite: relay Relay invites callee Addr to join session QID,
	// through the rendezvous.
	OpRelayInvite
	// OpRelayJoin: the callee joins session QID at the relay.
	OpRelayJoin
	// OpRelayOK: the relay has both ends of session QID.
	OpRelayOK
	// NumOps is the number of operations.
	NumOps
)

var opNames = [NumOps]string{
	"probe", "probe_ack", "attach", "attach_ok", "login", "login_ok",
	"keepalive", "keepalive_ack", "bye", "promote", "move", "link", "link_ok", "splist",
	"query", "nodes", "more", "ask", "answer", "flood", "found", "hit", "report",
	"punch_req", "punch", "punch_ready", "connect", "connect_ok",
	"relay_req", "relay_invite", "relay_join", "relay_ok",
}

// String returns the operation's name as in the Kinds table.
func (o Op) String() string {
	if o < NumOps {
		return opNames[o]
	}
	return "op?"
}

// IsSearch reports whether o serves a search.
func (o Op) IsSearch() bool { return o >= OpQuery && o <= OpReport }

// IsSession reports whether o sets up a session (call or download).
func (o Op) IsSession() bool { return o >= OpPunchReq && o < NumOps }

// Kinds is the message kind table indexed by Message.Kind (= Op): searches
// and session set-up in the lookup class, the rest maintenance.
var Kinds = func() []overlay.KindInfo {
	k := make([]overlay.KindInfo, NumOps)
	for o := range NumOps {
		k[o] = overlay.KindInfo{Name: opNames[o], Class: overlay.Maintenance}
		if o.IsSearch() || o.IsSession() {
			k[o].Class = overlay.Lookup
		}
	}
	return k
}()

// MaxRoundNodes is the most superpeers one OpNodes carries.
const MaxRoundNodes = 8

// Message is every superpeer message; fields an operation does not use
// are zero. Only List and Objects are slices, and both are shared
// read-only: a list sample is built once per exchange, an object list is
// the host's own, never changed.
type Message struct {
	Op  Op
	TCP bool // carried over TCP (else UDP, which a UDP-blocked host's firewall drops)
	OK  bool // OpProbeAck, OpKeepAliveAck, OpLinkOK: yes; OpAnswer: sent by a superpeer; OpQuery: search on my behalf
	// Class is the connectivity class the sender advertises (OpAttach,
	// OpPunchReq) or that of Addr (hits and answers).
	Class underlay.Class
	TTL   uint8  // OpFlood
	Hops  uint8  // OpFlood, OpFound, OpHit
	N     uint8  // OpNodes, OpMore: entries of Few in use
	QID   uint64 // search or session identifier
	Key   uint64 // object or user searched for
	// Addr, Via and Relay are hosts whose meaning depends on Op (see the
	// operations).
	Addr, Via, Relay engine.NodeID
	// Capacity (kbit/s) and Since (when the peer came up): OpAttach.
	Capacity float32
	Since    engine.Time
	Few      [MaxRoundNodes]engine.NodeID // OpNodes, OpMore
	List     []engine.NodeID              // superpeer lists
	Objects  []uint64                     // OpAttach, OpLogin: the objects shared
}

// Wire sizes beyond the overlay size model's fields.
const (
	// TCPExtraBytes is a TCP header's excess over a UDP header (20 − 8).
	TCPExtraBytes = 12
	// QIDBytes is a search or session identifier.
	QIDBytes = 8
	// KeyBytes is an object key or a user name's hash.
	KeyBytes = 8
	// ObjectMetaBytes is one object's metadata in an upload: its key, a
	// 20-byte content hash, its size and a 32-byte name (KaZaA's file
	// name, size, hash and descriptors).
	ObjectMetaBytes = KeyBytes + 20 + 4 + 32
	// CredentialBytes is a Skype login's user name and signed credential.
	CredentialBytes = 32 + 128
	// AttachInfoBytes: class, capacity and uptime in an OpAttach.
	AttachInfoBytes = 1 + 4 + 4
	// HostRefBytes is a host's address with its connectivity class.
	HostRefBytes = overlay.AddrBytes + 1
)

// Kind implements overlay.Message.
func (m Message) Kind() uint8 { return uint8(m.Op) }

// Size implements overlay.Message with the overlay package's size model:
// a header (plus TCPExtraBytes over TCP), a small integer of status or
// count where the operation has one, QIDBytes and KeyBytes for searches,
// overlay.AddrBytes per superpeer address in a list, HostRefBytes per host
// found (address and class), ObjectMetaBytes per object uploaded.
func (m Message) Size() int {
	s := overlay.HeaderBytes
	if m.TCP {
		s += TCPExtraBytes
	}
	small := overlay.SmallIntBytes
	list := small + len(m.List)*overlay.AddrBytes
	found := QIDBytes + KeyBytes + 2*HostRefBytes + small // holder, its superpeer, hops
	switch m.Op {
	case OpProbe, OpProbeAck, OpKeepAlive, OpKeepAliveAck, OpBye, OpLink:
		return s + small
	case OpAttach:
		return s + AttachInfoBytes + CredentialBytes + small + len(m.Objects)*ObjectMetaBytes
	case OpLogin:
		return s + CredentialBytes + small + len(m.Objects)*ObjectMetaBytes
	case OpLoginOK:
		return s + small + CredentialBytes
	case OpAttachOK, OpPromote, OpLinkOK, OpSPList:
		return s + list
	case OpMove:
		return s + overlay.AddrBytes
	case OpQuery, OpAsk:
		return s + QIDBytes + KeyBytes + small
	case OpNodes:
		return s + QIDBytes + small + int(m.N)*overlay.AddrBytes
	case OpMore:
		return s + QIDBytes + small + int(m.N)*overlay.AddrBytes
	case OpAnswer, OpFound, OpReport:
		return s + found
	case OpHit:
		return s + found + overlay.AddrBytes // and a relay to use
	case OpFlood:
		return s + QIDBytes + KeyBytes + small + overlay.AddrBytes
	case OpPunchReq, OpRelayReq, OpRelayInvite:
		return s + QIDBytes + 2*HostRefBytes
	case OpPunchReady:
		return s + QIDBytes + overlay.AddrBytes
	}
	return s + QIDBytes // OpPunch, OpConnect, OpConnectOK, OpRelayJoin, OpRelayOK
}

// TimerKind says what a timer is for.
type TimerKind uint8

// Timer kinds.
const (
	// TimerProbe ends probe round Ref of connection attempt Gen.
	TimerProbe TimerKind = iota
	// TimerAttach: the attach of connection attempt Gen went unanswered.
	TimerAttach
	// TimerLogin: the login (attempt Gen) went unanswered.
	TimerLogin
	// TimerRetry restarts the search for a superpeer (attempt Gen) after
	// a pause.
	TimerRetry
	// TimerKeepAlive: time for the next keep-alive (attachment Gen).
	TimerKeepAlive
	// TimerKeepAliveAck: the keep-alive of attachment Gen went unanswered.
	TimerKeepAliveAck
	// TimerSweep: a superpeer's or server's periodic check of its peers
	// (and, for a superpeer, the promotion decision).
	TimerSweep
	// TimerExchange: a superpeer's periodic list exchange and link check.
	TimerExchange
	// TimerQuery: search Ref timed out at its origin.
	TimerQuery
	// TimerRound: the round Gen of search Ref is over.
	TimerRound
	// TimerServe: a superpeer forgets the search Ref it was serving.
	TimerServe
	// TimerSession: attempt Gen to set up session Ref is over.
	TimerSession
	// TimerRelay: a relay forgets session Ref whose callee did not join.
	TimerRelay
)

// Timer is every superpeer timer.
type Timer struct {
	Kind TimerKind
	Gen  uint32
	Ref  uint64
}
