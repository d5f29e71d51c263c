package gnutella

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
)

// fakeEnv is an overlay.Env that records everything a host does. Nothing is
// delivered on its own: tests hand messages and timers to the host.
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
	from, to engine.NodeID
	m        Message
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

func (e *fakeEnv) Now() engine.Time    { return e.now }
func (e *fakeEnv) Self() engine.NodeID { return e.self }
func (e *fakeEnv) Rand() *rand.Rand    { return e.rng }
func (e *fakeEnv) Send(to engine.NodeID, m Message) {
	e.sent = append(e.sent, sentMsg{from: e.self, to: to, m: m})
}
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

// ops lists the operations of msgs, for failure messages.
func ops(msgs []sentMsg) []string {
	out := make([]string, len(msgs))
	for i, s := range msgs {
		out[i] = s.m.Op.String() + "→" + s.to.String()
	}
	return out
}

// only returns the single message of msgs, failing the test if there is not
// exactly one and it is not op.
func only(t *testing.T, msgs []sentMsg, op Op) sentMsg {
	t.Helper()
	if len(msgs) != 1 || msgs[0].m.Op != op {
		t.Fatalf("sent %v, want exactly one %s", ops(msgs), op)
	}
	return msgs[0]
}

// testConfig is the default configuration with PINGs so rare that they
// never interfere with a test about queries.
func testConfig() *Config {
	c := DefaultConfig()
	c.PingPeriod = 24 * time.Hour
	return &c
}

const selfHost engine.NodeID = 100

// newTestHost returns a joined host with the given neighbours; the timers
// set by Join are forgotten.
func newTestHost(cfg *Config, nbrs ...engine.NodeID) (*Host, *fakeEnv) {
	h := NewHost(cfg, selfHost)
	h.SetNeighbors(nbrs)
	env := newFakeEnv(selfHost)
	h.Join(env, engine.None)
	env.timers = nil
	return h, env
}
