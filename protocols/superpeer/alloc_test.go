package superpeer

import (
	"testing"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
	"peerlab/underlay"
)

// TestSteadyStateAllocations: the messages a host handles all the time —
// keep-alives and their answers at both ends, a superpeer's answers to
// asks and probes, a callee's answer to a punch — allocate nothing.
func TestSteadyStateAllocations(t *testing.T) {
	cfg := testConfig()
	sp, _ := newTestSuper(cfg, 50)
	env := &countingEnv{fakeEnv: *newFakeEnv(50)}
	sp.Deliver(env, 70, Message{Op: OpAttach, TCP: true, Class: underlay.Public})
	peer := NewHost(cfg, 70, HostInfo{Class: underlay.PortRestricted})
	penv := &countingEnv{fakeEnv: *newFakeEnv(70)}
	peer.up, peer.phase, peer.loggedIn, peer.sp = true, phaseOnline, true, 50
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"superpeer: keep-alive", func() { sp.Deliver(env, 70, Message{Op: OpKeepAlive, TCP: true}) }},
		{"superpeer: ask", func() { sp.Deliver(env, 71, Message{Op: OpAsk, QID: 1, Key: 70}) }},
		{"superpeer: probe", func() { sp.Deliver(env, 72, Message{Op: OpProbe}) }},
		{"peer: keep-alive round", func() {
			peer.Fire(penv, Timer{Kind: TimerKeepAlive, Gen: peer.kaGen})
			peer.Deliver(penv, 50, Message{Op: OpKeepAliveAck, TCP: true, OK: true})
		}},
		{"callee: punch", func() { peer.Deliver(penv, 90, Message{Op: OpPunch, QID: 3}) }},
	} {
		if a := testing.AllocsPerRun(100, tc.f); a != 0 {
			t.Errorf("%s: %.1f allocations per call, want 0", tc.name, a)
		}
	}
}

// countingEnv keeps no record of what is sent or set, so that it does not
// allocate itself.
type countingEnv struct {
	fakeEnv
	sends, timers int
}

func (e *countingEnv) Send(engine.NodeID, Message) { e.sends++ }
func (e *countingEnv) After(_ time.Duration, _ Timer) engine.TimerID {
	e.timers++
	return engine.TimerID(e.timers)
}
func (e *countingEnv) Cancel(engine.TimerID)           {}
func (e *countingEnv) LookupDone(overlay.LookupResult) {}
