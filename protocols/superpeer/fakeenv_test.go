package superpeer

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
)

// fakeEnv is an overlay.Env that records everything a host does. Nothing
// is delivered on its own: tests hand messages and timers to the host.
type fakeEnv struct {
	now       engine.Time
	self      engine.NodeID
	rng       *rand.Rand
	sent      []sentMsg
	timers    []setTimer
	cancelled []engine.TimerID
	done      []overlay.LookupResult
	nextTimer engine.TimerID
}

type sentMsg struct {
	to engine.NodeID
	m  Message
}

type setTimer struct {
	id engine.TimerID
	at engine.Time
	t  Timer
}

var _ Env = (*fakeEnv)(nil)

func newFakeEnv(self engine.NodeID) *fakeEnv {
	return &fakeEnv{self: self, rng: rand.New(rand.NewPCG(uint64(self), 7))}
}

func (e *fakeEnv) Now() engine.Time                 { return e.now }
func (e *fakeEnv) Self() engine.NodeID              { return e.self }
func (e *fakeEnv) Rand() *rand.Rand                 { return e.rng }
func (e *fakeEnv) Send(to engine.NodeID, m Message) { e.sent = append(e.sent, sentMsg{to: to, m: m}) }
func (e *fakeEnv) After(d time.Duration, t Timer) engine.TimerID {
	e.nextTimer++
	e.timers = append(e.timers, setTimer{id: e.nextTimer, at: e.now.Add(d), t: t})
	return e.nextTimer
}
func (e *fakeEnv) Cancel(id engine.TimerID)          { e.cancelled = append(e.cancelled, id) }
func (e *fakeEnv) LookupDone(r overlay.LookupResult) { e.done = append(e.done, r) }

// take returns the messages sent so far and forgets them.
func (e *fakeEnv) take() []sentMsg {
	s := e.sent
	e.sent = nil
	return s
}

// pending returns the timers set and not cancelled, of the given kind.
func (e *fakeEnv) pending(kind TimerKind) []setTimer {
	var out []setTimer
	for _, t := range e.timers {
		if t.t.Kind == kind && !slices.Contains(e.cancelled, t.id) {
			out = append(out, t)
		}
	}
	return out
}

// fire advances the clock to the last pending timer of kind and fires it
// (forgetting it), failing the test when there is none.
func (e *fakeEnv) fire(t *testing.T, h *Host, kind TimerKind) {
	t.Helper()
	ps := e.pending(kind)
	if len(ps) == 0 {
		t.Fatalf("no pending %v timer", kind)
	}
	p := ps[len(ps)-1]
	e.cancelled = append(e.cancelled, p.id)
	e.now = p.at
	h.Fire(e, p.t)
}

// ops lists the operations of msgs, for failure messages.
func ops(msgs []sentMsg) []string {
	out := make([]string, len(msgs))
	for i, s := range msgs {
		out[i] = s.m.Op.String() + "→" + s.to.String()
	}
	return out
}

// ofOp returns the messages of msgs with operation op.
func ofOp(msgs []sentMsg, op Op) []sentMsg {
	var out []sentMsg
	for _, s := range msgs {
		if s.m.Op == op {
			out = append(out, s)
		}
	}
	return out
}

// testConfig is the Skype default with bootstrap superpeers 1 to 3.
func testConfig() *Config {
	c := DefaultConfig()
	c.BootstrapHosts = []engine.NodeID{1, 2, 3}
	c.Server = 0
	return &c
}
