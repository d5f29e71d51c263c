// Package engine is peerlab's discrete-event kernel: virtual time, an event
// queue ordered by (time, insertion sequence), cancellable timers, node
// liveness and seeded random streams.
//
// The engine knows nothing about any protocol. It carries events whose payload
// type P is chosen by the caller, and hands each one, in order, to a single
// handler function. One Sim is driven by one goroutine; parallelism lives above
// it, in independent simulations.
package engine

import (
	"fmt"
	"time"
)

// Time is a point in virtual time: nanoseconds since the start of a run.
// It is never derived from the wall clock.
type Time int64

// Never is a time later than any event; it marks "no deadline".
const Never Time = 1<<63 - 1

// Add returns t shifted by d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns the duration t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// Seconds returns t in seconds since the start of the run.
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

// Duration returns t as a duration since the start of the run.
func (t Time) Duration() time.Duration { return time.Duration(t) }

// String formats t as a duration since the start, e.g. "1h2m3.5s".
func (t Time) String() string { return time.Duration(t).String() }

// At converts a duration since the start of the run into a Time.
func At(d time.Duration) Time { return Time(d) }

// NodeID names a simulated host. IDs are dense, starting at 0, so that
// per-node state can live in slices indexed by NodeID.
type NodeID int32

// None is the NodeID of "no node": a global event, or a missing bootstrap.
const None NodeID = -1

// String formats the ID as "n17", or "none".
func (n NodeID) String() string {
	if n == None {
		return "none"
	}
	return fmt.Sprintf("n%d", int32(n))
}
