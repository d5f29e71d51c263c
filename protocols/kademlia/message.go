package kademlia

import (
	"sync"

	"peerlab/engine"
	"peerlab/overlay"
)

// Contact is a reference to a node: its overlay identifier and its host.
type Contact struct {
	ID   uint64
	Host engine.NodeID
}

// Op is a message's operation. Every request has a reply (the paper's four
// RPCs); every message carries the sender's identifier, so that the receiver
// can update the sender's contact.
type Op uint8

// Operations. The lookup operations exist twice in the Kinds table: once for
// the workload's lookups and once for maintenance lookups (join, bucket
// refresh, republish).
const (
	OpPing          Op = iota // "are you alive?"
	OpPong                    // answer to OpPing
	OpFindNode                // "which k nodes do you know closest to Target?"
	OpFindNodeResp            // Contacts: up to k contacts closest to Target
	OpFindValue               // like OpFindNode, but return the value of Target if stored
	OpFindValueResp           // Found, or Contacts as for OpFindNodeResp
	OpStore                   // store Target (or every key of Keys)
	OpStoreResp               // acknowledgement of OpStore
	numOps
)

var opNames = [numOps]string{
	"ping", "pong", "find_node", "find_node_resp", "find_value", "find_value_resp",
	"store", "store_resp",
}

// String returns the operation's name as in the Kinds table.
func (o Op) String() string {
	if o < numOps {
		return opNames[o]
	}
	return "op?"
}

func (o Op) isLookup() bool { return o >= OpFindNode && o <= OpFindValueResp }

// Kinds is the message kind table indexed by Message.Kind: the eight
// operations (FIND_NODE and FIND_VALUE and their replies in the lookup
// class, the others maintenance), then maint_find_node, maint_find_node_resp,
// maint_find_value and maint_find_value_resp for the lookups that joins,
// refreshes and republishing run.
var Kinds = func() []overlay.KindInfo {
	k := make([]overlay.KindInfo, 0, numOps+4)
	for o := Op(0); o < numOps; o++ {
		class := overlay.Maintenance
		if o.isLookup() {
			class = overlay.Lookup
		}
		k = append(k, overlay.KindInfo{Name: opNames[o], Class: class})
	}
	for o := OpFindNode; o <= OpFindValueResp; o++ {
		k = append(k, overlay.KindInfo{Name: "maint_" + opNames[o], Class: overlay.Maintenance})
	}
	return k
}()

// Message is every Kademlia message. Fields not used by an operation are zero.
type Message struct {
	Op    Op
	Maint bool // a lookup operation on behalf of maintenance
	Found bool // OpFindValueResp: the value of Target is stored at the sender
	bits  uint8
	// From is the sender's identifier.
	From uint64
	// Req is the request id; replies echo it.
	Req uint64
	// Target is the identifier or key looked up, or the key stored.
	Target uint64
	// Contacts are the contacts of a find reply. The slice is borrowed from a
	// pool shared by all hosts and returned when the receiving host's Deliver
	// returns: receivers must not keep it.
	Contacts []Contact
	// Keys, when set, are the keys an OpStore hands over (a new node taking
	// over keys it is now closest to); otherwise OpStore stores Target.
	Keys []uint64
	buf  *contactBuf
}

// Kind implements overlay.Message.
func (m Message) Kind() uint8 {
	if m.Maint && m.Op.isLookup() {
		return uint8(numOps + m.Op - OpFindNode)
	}
	return uint8(m.Op)
}

// Size implements overlay.Message with the overlay package's size model.
// Every message carries the sender's identifier; a find request adds the
// target; a find reply a count and one node reference per contact (a
// FIND_VALUE reply that found the value: the key and the value's length, the
// value itself being abstract); a STORE a count and, per key, the key and a
// time to live (a small integer). Pong and store_resp carry nothing more.
func (m Message) Size() int {
	bits := int(m.bits)
	if bits == 0 {
		bits = 64
	}
	id := overlay.IDBytes(bits)
	n := overlay.HeaderBytes + id
	switch m.Op {
	case OpFindNode, OpFindValue:
		n += id
	case OpFindNodeResp:
		n += overlay.SmallIntBytes + len(m.Contacts)*overlay.NodeRefBytes(bits)
	case OpFindValueResp:
		if m.Found {
			n += id + overlay.SmallIntBytes
		} else {
			n += overlay.SmallIntBytes + len(m.Contacts)*overlay.NodeRefBytes(bits)
		}
	case OpStore:
		keys := len(m.Keys)
		if keys == 0 {
			keys = 1
		}
		n += overlay.SmallIntBytes + keys*(id+overlay.SmallIntBytes)
	}
	return n
}

// TimerKind says what a timer is for.
type TimerKind uint8

// Timer kinds.
const (
	TimerRPC       TimerKind = iota // Ref = request id: the request timed out
	TimerRefresh                    // check the buckets for one to refresh
	TimerRepublish                  // expire old keys, republish the others
	TimerJoinRetry                  // the join found nobody: try again
)

// Timer is every Kademlia timer.
type Timer struct {
	Kind TimerKind
	Ref  uint64
}

// contactBuf carries the contacts of a find reply from sender to receiver.
// Buffers come from a sync.Pool shared by all hosts (and all simulations:
// the pool only recycles memory, it never carries state from one message to
// the next), so that a steady stream of replies allocates nothing. A buffer
// whose message is lost or dropped is left to the garbage collector.
type contactBuf struct{ c []Contact }

var bufPool = sync.Pool{New: func() any { return new(contactBuf) }}

func getBuf(n int) *contactBuf {
	b := bufPool.Get().(*contactBuf)
	if cap(b.c) < n {
		b.c = make([]Contact, 0, n)
	}
	b.c = b.c[:0]
	return b
}

func putBuf(b *contactBuf) {
	if b != nil {
		b.c = b.c[:0]
		bufPool.Put(b)
	}
}
