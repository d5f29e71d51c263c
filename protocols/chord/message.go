package chord

import (
	"peerlab/engine"
	"peerlab/overlay"
)

// Peer is a reference to one virtual node: its ring identifier, its host, and
// which of the host's virtual nodes it is.
type Peer struct {
	ID   uint64
	Host engine.NodeID
	V    uint16
}

// Op is a message's operation.
type Op uint8

// Operations. Lookup operations exist twice in the Kinds table: once for the
// workload's lookups and once for maintenance lookups (joins, fingers).
const (
	OpFindReq     Op = iota // iterative: "what is the successor of Key, or who is closer?" (Flag: again, your A did not answer)
	OpFindResp              // iterative answer: Done with A = successor, or A, B = next hops
	OpForward               // recursive: route Key onwards; A = origin
	OpForwardAck            // recursive: hop-by-hop acknowledgement
	OpResult                // recursive: the answer A, sent to the origin
	OpGetPred               // stabilize: "who is your predecessor and what are your successors?" (Flag: again, it did not answer)
	OpGetPredResp           // A = predecessor (if Flag), Peers = successor list
	OpNotify                // "I might be your predecessor" (Flag: "I might be your successor")
	OpPing                  // check_predecessor
	OpPong                  // answer to OpPing
	OpTransfer              // keys handed to their new owner
	OpLeaveToSucc           // graceful leave: A = leaver's predecessor (if Flag), Keys
	OpLeaveToPred           // graceful leave: Peers = leaver's successor list
	OpPredChanged           // "I took a predecessor between us: stabilize now"
	numOps
)

var opNames = [numOps]string{
	"find_req", "find_resp", "forward", "forward_ack", "result",
	"get_pred", "get_pred_resp", "notify", "ping", "pong", "transfer",
	"leave_to_succ", "leave_to_pred", "pred_changed",
}

func (o Op) isLookup() bool { return o <= OpResult }

// Kinds is the message kind table indexed by Message.Kind.
var Kinds = func() []overlay.KindInfo {
	k := make([]overlay.KindInfo, 0, 2*numOps)
	for o := Op(0); o < numOps; o++ {
		class := overlay.Maintenance
		if o.isLookup() {
			class = overlay.Lookup
		}
		k = append(k, overlay.KindInfo{Name: opNames[o], Class: class})
	}
	for o := OpFindReq; o <= OpResult; o++ {
		k = append(k, overlay.KindInfo{Name: "maint_" + opNames[o], Class: overlay.Maintenance})
	}
	return k
}()

// Message is every Chord message. Fields not used by an operation are zero.
type Message struct {
	Op    Op
	Maint bool   // a lookup operation on behalf of maintenance (join, fingers)
	Flag  bool   // OpFindResp: done; OpGetPredResp/OpLeaveToSucc: A is set; requests: see Op
	To    uint16 // destination virtual node on the receiving host
	From  Peer   // sending virtual node
	Req   uint64 // request id (replies echo it); for recursive lookups, the origin's lookup id
	Hop   uint64 // OpForward/OpForwardAck: the forwarding hop's own request id
	Key   uint64
	Hops  int32
	// Sent counts the messages a recursive lookup has caused so far
	// (forwards and their acks), for the per-lookup message count. It is
	// measurement only and not charged in Size.
	Sent int32
	A, B Peer
	// Peers is a successor list. It aliases the sender's immutable snapshot:
	// receivers must not modify it.
	Peers []Peer
	// Keys are stored keys being handed over.
	Keys []uint64
	// bits is the identifier width, for Size.
	bits uint8
}

// Kind implements overlay.Message.
func (m Message) Kind() uint8 {
	if m.Maint && m.Op.isLookup() {
		return uint8(numOps + m.Op)
	}
	return uint8(m.Op)
}

// Size implements overlay.Message with the overlay package's size model.
// Every Chord message carries the sender's identifier and the destination
// virtual node index (a small integer).
func (m Message) Size() int {
	bits := int(m.bits)
	if bits == 0 {
		bits = 64
	}
	id := overlay.IDBytes(bits)
	ref := overlay.NodeRefBytes(bits)
	n := overlay.HeaderBytes + id + overlay.SmallIntBytes
	switch m.Op {
	case OpFindReq:
		n += id
		if m.Flag { // the peer that did not answer
			n += ref
		}
	case OpFindResp:
		n += 2 * ref
	case OpForward:
		n += id + ref + overlay.SmallIntBytes
	case OpResult:
		n += ref + overlay.SmallIntBytes
	case OpGetPredResp:
		n += ref + overlay.SmallIntBytes + len(m.Peers)*ref
	case OpLeaveToPred: // the successor list only: no predecessor field
		n += overlay.SmallIntBytes + len(m.Peers)*ref
	case OpLeaveToSucc:
		n += ref + overlay.SmallIntBytes + len(m.Keys)*id
	case OpTransfer:
		n += overlay.SmallIntBytes + len(m.Keys)*id
	}
	return n
}

// TimerKind says what a timer is for.
type TimerKind uint8

// Timer kinds.
const (
	TimerStabilize TimerKind = iota
	TimerFixFingers
	TimerCheckPred
	TimerRPC    // Ref = request id
	TimerLookup // Ref = lookup id; the whole lookup timed out
	TimerJoinRetry
)

// Timer is every Chord timer.
type Timer struct {
	Kind TimerKind
	V    uint16 // virtual node
	Ref  uint64
}
