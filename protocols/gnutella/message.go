package gnutella

import (
	"peerlab/engine"
	"peerlab/overlay"
)

// Op is a message's operation.
type Op uint8

// Operations. The first five serve queries (the lookup class), the others
// keep the overlay together (the maintenance class).
const (
	// OpQuery is a flooded query: QID and Ring (its descriptor identifier),
	// Key, TTL (further hops allowed after the receiver) and Hops (hops
	// travelled, the receiver included).
	OpQuery Op = iota
	// OpQueryHit answers a query: Addr holds Key and was Hops hops from the
	// origin. It travels back along the query's path, hop by hop (a
	// random walk's hit goes straight to the source).
	OpQueryHit
	// OpWalk is a random walker of query QID for Key from source Addr,
	// having taken Hops steps.
	OpWalk
	// OpCheck is a walker's check-back: "is query QID still on?", from the
	// host holding the walker to the source; Ref names the walker there.
	OpCheck
	// OpCheckResp is the source's answer to OpCheck: OK to go on.
	OpCheckResp
	// OpPing asks for PONGs: QID is its descriptor identifier, TTL and Hops
	// as for OpQuery.
	OpPing
	// OpPong answers a PING with the address Addr of a host accepting
	// connections, routed back along the PING's path.
	OpPong
	// OpConnect asks the receiver to become a neighbour.
	OpConnect
	// OpAccept answers OpConnect: OK when accepted; a refusal may name
	// another host to try in Addr (engine.None if none).
	OpAccept
	// OpBye closes the connection: the receiver drops the sender from its
	// neighbours.
	OpBye
	// NumOps is the number of operations.
	NumOps
)

var opNames = [NumOps]string{
	"query", "queryhit", "walk", "check", "check_resp",
	"ping", "pong", "connect", "accept", "bye",
}

// String returns the operation's name as in the Kinds table.
func (o Op) String() string {
	if o < NumOps {
		return opNames[o]
	}
	return "op?"
}

// IsQuery reports whether o belongs to a query (the lookup class): QUERY,
// QUERYHIT, WALK, CHECK and CHECK_RESP.
func (o Op) IsQuery() bool { return o <= OpCheckResp }

// Kinds is the message kind table indexed by Message.Kind (= Op): the query
// operations in the lookup class, PING, PONG, CONNECT, ACCEPT and BYE in the
// maintenance class.
var Kinds = func() []overlay.KindInfo {
	k := make([]overlay.KindInfo, NumOps)
	for o := range NumOps {
		k[o] = overlay.KindInfo{Name: opNames[o], Class: overlay.Maintenance}
		if o.IsQuery() {
			k[o].Class = overlay.Lookup
		}
	}
	return k
}()

// Message is every Gnutella message; fields an operation does not use are
// zero. It holds no pointer or slice: sending one never allocates.
type Message struct {
	Op   Op
	TTL  uint8  // OpQuery, OpPing: hops still allowed after the receiver
	Ring uint8  // OpQuery, OpQueryHit: expanding-ring number (0 otherwise)
	OK   bool   // OpAccept: accepted; OpCheckResp: go on
	Hops uint16 // hops travelled (OpQuery, OpPing), steps taken (OpWalk), hops to the hit (OpQueryHit)
	Ref  uint32 // OpCheck, OpCheckResp: the walker's token at the asking host
	// QID identifies a query (every message of one lookup carries it) or a
	// PING.
	QID uint64
	// Key is the object searched for.
	Key uint64
	// Addr is a host: the one holding the object (OpQueryHit), the walk's
	// source (OpWalk), the host answering a PING (OpPong), another host to
	// try (a refusing OpAccept).
	Addr engine.NodeID
}

// GUIDBytes is the size of a Gnutella descriptor identifier: 128 bits,
// overlay.IDBytes(128).
const GUIDBytes = 16

// KeyBits is the width of an object key on the wire.
const KeyBits = 64

// Kind implements overlay.Message.
func (m Message) Kind() uint8 { return uint8(m.Op) }

// Size implements overlay.Message with the overlay package's size model.
// Routed messages (QUERY, QUERYHIT, WALK, PING, PONG) carry a descriptor
// identifier (GUIDBytes) and TTL and hops (one small integer); a query, hit
// or walker adds the key; a hit the responder's address, a walker its
// source's, a PONG the answering host's. A check-back carries the query's
// identifier, its answer that and a flag. CONNECT is the bare header (the
// request identifier is in it); ACCEPT a status and an address to try; BYE
// a status code.
func (m Message) Size() int {
	routed := overlay.HeaderBytes + GUIDBytes + overlay.SmallIntBytes
	key := overlay.IDBytes(KeyBits)
	switch m.Op {
	case OpQuery:
		return routed + key
	case OpQueryHit, OpWalk:
		return routed + key + overlay.AddrBytes
	case OpCheck:
		return overlay.HeaderBytes + GUIDBytes
	case OpCheckResp:
		return overlay.HeaderBytes + GUIDBytes + overlay.SmallIntBytes
	case OpPing:
		return routed
	case OpPong:
		return routed + overlay.AddrBytes
	case OpAccept:
		return overlay.HeaderBytes + overlay.SmallIntBytes + overlay.AddrBytes
	case OpBye:
		return overlay.HeaderBytes + overlay.SmallIntBytes
	}
	return overlay.HeaderBytes // OpConnect
}

// TimerKind says what a timer is for.
type TimerKind uint8

// Timer kinds.
const (
	// TimerQuery: query Ref timed out at its origin.
	TimerQuery TimerKind = iota
	// TimerRing: start the next ring of expanding-ring query Ref.
	TimerRing
	// TimerPing: the periodic round of PINGs.
	TimerPing
	// TimerPingCheck: drop the neighbours that did not answer the PINGs of
	// the round started at time Ref.
	TimerPingCheck
	// TimerConnect: the CONNECT to host Ref went unanswered.
	TimerConnect
	// TimerCheck: the check-back of the walker with token Ref went
	// unanswered.
	TimerCheck
)

// Timer is every Gnutella timer.
type Timer struct {
	Kind TimerKind
	Ref  uint64
}
