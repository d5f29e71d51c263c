package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// OnProgress(0, f) would divide by zero on the first event; it is rejected
// up front with a message instead.
func TestOnProgressZeroIsRejected(t *testing.T) {
	s := New(func(NodeID, int) {})
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "every must be at least 1") {
			t.Fatalf("OnProgress(0, f): recovered %v, want a panic naming the bad argument", r)
		}
	}()
	s.OnProgress(0, func(Time, uint64) {})
}

// A timer set while its node is down must not reach the node while it is
// still down, just as a message to a down node is dropped.
func TestTimerOfDownNodeIsNotDelivered(t *testing.T) {
	var s *Sim[int]
	var deliveredWhileDown int
	s = New(func(node NodeID, _ int) {
		if node != None && !s.Alive(node) {
			deliveredWhileDown++
		}
	})
	s.AddNodes(1) // node 0 starts down and stays down
	s.Timer(10, 0, 1)
	s.Post(10, 0, 2)
	s.RunUntil(Never)
	if deliveredWhileDown != 0 {
		t.Fatalf("%d event(s) delivered to a node that is down (Stats %+v)", deliveredWhileDown, s.Stats())
	}
}

// Two (seed, subsystem) pairs whose seed XOR subsystem-hash agree must still
// give different streams (the seed is mixed before the subsystem is added).
func TestStreamsSeedSubsystemDoNotAlias(t *testing.T) {
	seed1 := uint64(1)
	seed2 := seed1 ^ fnv64("net") ^ fnv64("churn")
	a := draw(NewStreams(seed1).Stream("net", 0), 4)
	b := draw(NewStreams(seed2).Stream("churn", 0), 4)
	if slices.Equal(a, b) {
		t.Fatalf("Stream(seed=%#x, net, 0) == Stream(seed=%#x, churn, 0): %#x", seed1, seed2, a)
	}
}
