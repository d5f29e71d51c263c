// Package overlay is the contract between the simulation runner and the
// protocols: the environment a protocol node sees (Env), the life-cycle calls
// it answers (Protocol), what it reports about lookups, and the size model
// used to charge every message in bytes.
//
// A protocol is a state machine in the style of etcd-io/raft: it is driven only
// through these calls, owns no clock, no goroutine and no randomness of its
// own, and can be tested by calling its methods with a fake Env.
package overlay

import (
	"math/rand/v2"
	"time"

	"peerlab/engine"
)

// Message is what a protocol's message type must provide so the runner can
// charge and classify it.
type Message interface {
	// Kind is an index into the protocol's Kinds table.
	Kind() uint8
	// Size is the message's size on the wire in bytes (see the size model).
	Size() int
}

// Class separates the traffic a protocol needs to stay healthy from the
// traffic it spends answering the workload.
type Class uint8

const (
	// Maintenance traffic keeps routing state correct (stabilization, pings,
	// routing-table refreshes, joins, key hand-overs).
	Maintenance Class = iota
	// Lookup traffic serves the workload's lookups.
	Lookup
)

// String returns "maintenance" or "lookup".
func (c Class) String() string {
	if c == Lookup {
		return "lookup"
	}
	return "maintenance"
}

// KindInfo names a message kind and gives its traffic class.
type KindInfo struct {
	Name  string
	Class Class
}

// Env is everything a protocol node can do to the outside world. The runner
// gives a node its Env on every call; a node must not keep it across calls.
type Env[M Message, T any] interface {
	// Now is the current virtual time.
	Now() engine.Time
	// Self is this node's host ID.
	Self() engine.NodeID
	// Rand is this node's own random stream.
	Rand() *rand.Rand
	// Send hands m to the underlay; it arrives after the modelled delay, or
	// never if the underlay loses it or the receiver is down on arrival.
	Send(to engine.NodeID, m M)
	// After starts a timer that fires t at this node after d, unless
	// cancelled or the node goes down first.
	After(d time.Duration, t T) engine.TimerID
	// Cancel stops a timer; cancelling a fired or cancelled timer is a no-op.
	Cancel(id engine.TimerID)
	// LookupDone reports the end of a lookup started by Protocol.Lookup.
	LookupDone(r LookupResult)
}

// Protocol is one node of an overlay protocol, driven by the runner.
type Protocol[M Message, T any] interface {
	// Join starts the node. bootstrap is a live node to join through, or
	// engine.None for the very first node.
	Join(env Env[M, T], bootstrap engine.NodeID)
	// Leave is a graceful departure: the node may send goodbyes (hand over
	// keys and neighbours); it goes down right after. A crash calls nothing.
	Leave(env Env[M, T])
	// Deliver handles a message from another node.
	Deliver(env Env[M, T], from engine.NodeID, m M)
	// Fire handles one of the node's own timers.
	Fire(env Env[M, T], t T)
	// Lookup starts a workload lookup for key and reports its end through
	// Env.LookupDone. It returns false, starting nothing, when the node is not
	// ready to look anything up (it has not finished joining).
	Lookup(env Env[M, T], key uint64) bool
}

// LookupResult is what a protocol reports when a workload lookup ends. The
// runner classifies it against the oracle.
type LookupResult struct {
	Key   uint64
	Start engine.Time // when Protocol.Lookup was called
	// Owner is the host returned as responsible for Key, and OwnerID its
	// overlay identifier (a host may hold several with virtual nodes).
	// Owner is engine.None when the lookup failed.
	Owner   engine.NodeID
	OwnerID uint64
	// Hops counts routing steps: the nodes the lookup travelled through after
	// the origin until the node that knew the answer (Chord's path length).
	Hops int
	// Failed is true when the lookup gave up without an answer.
	Failed bool
	// Messages counts the messages the lookup caused, requests and answers
	// alike, by whichever node sent them; -1 when the origin cannot know
	// (a recursive lookup that failed somewhere down its path).
	Messages int
}
