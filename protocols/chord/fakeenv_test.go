package chord

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
)

// fakeEnv is an overlay.Env that records everything a host does. Nothing is
// delivered on its own: tests hand messages and timers to hosts themselves.
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

// ops lists the operations of msgs, for failure messages.
func ops(msgs []sentMsg) []string {
	out := make([]string, len(msgs))
	for i, s := range msgs {
		out[i] = opNames[s.m.Op]
	}
	return out
}

// only returns the single message of msgs, failing the test if there is not
// exactly one and it is not op.
func only(t *testing.T, msgs []sentMsg, op Op) sentMsg {
	t.Helper()
	if len(msgs) != 1 || msgs[0].m.Op != op {
		t.Fatalf("sent %v, want exactly one %s", ops(msgs), opNames[op])
	}
	return msgs[0]
}

func testConfig(bits int) *Config {
	c := DefaultConfig()
	c.Bits = bits
	c.Successors = 3
	return &c
}

// peer is the reference of the only virtual node of host h, whose identifier
// is id: tests give host h the identifier h's test value.
func peer(id uint64) Peer { return Peer{ID: id, Host: engine.NodeID(id)} }

// node builds a joined host of one virtual node at id, host number id, with
// the given predecessor (0 for none) and successor list, in a ring of
// cfg.Bits bits. Its fingers are unset.
func node(cfg *Config, id uint64, pred uint64, succ ...uint64) (*Host, *fakeEnv) {
	h := NewHost(cfg, engine.NodeID(id), []uint64{id})
	env := newFakeEnv(engine.NodeID(id))
	h.Join(env, engine.None) // a ring of one: joined, successor = self
	v := &h.vn[0]
	if len(succ) > 0 {
		list := make([]Peer, len(succ))
		for i, s := range succ {
			list[i] = peer(s)
		}
		v.succ = list
	}
	if pred != 0 {
		v.pred, v.hasPred = peer(pred), true
	}
	env.timers = nil
	return h, env
}

// fakeNet is a hand-driven network of hosts with fake environments: messages
// wait in one FIFO queue until the test delivers them.
type fakeNet struct {
	hosts map[engine.NodeID]*Host
	envs  map[engine.NodeID]*fakeEnv
	queue []sentMsg
}

func newNet() *fakeNet {
	return &fakeNet{hosts: map[engine.NodeID]*Host{}, envs: map[engine.NodeID]*fakeEnv{}}
}

func (n *fakeNet) add(h *Host, env *fakeEnv) {
	n.hosts[env.self], n.envs[env.self] = h, env
}

// collect moves every host's sent messages to the queue, in host order.
func (n *fakeNet) collect() {
	keys := make([]engine.NodeID, 0, len(n.envs))
	for k := range n.envs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		n.queue = append(n.queue, n.envs[k].take()...)
	}
}

// drain delivers queued messages (and those they cause) until none is left,
// dropping messages to unknown hosts; it gives up after max deliveries. It
// returns the number of messages delivered.
func (n *fakeNet) drain(t *testing.T, max int) int {
	t.Helper()
	n.collect()
	i := 0
	for ; len(n.queue) > 0; i++ {
		if i == max {
			t.Fatalf("network did not go quiet after %d messages", max)
		}
		s := n.queue[0]
		n.queue = n.queue[1:]
		if h, ok := n.hosts[s.to]; ok {
			h.Deliver(n.envs[s.to], s.from, s.m)
		}
		n.collect()
	}
	return i
}

// fire runs host id's pending timers of the given kind, once each.
func (n *fakeNet) fire(id engine.NodeID, kind TimerKind) {
	env := n.envs[id]
	var due []Timer
	kept := env.timers[:0]
	for _, tm := range env.timers {
		if tm.t.Kind == kind {
			due = append(due, tm.t)
		} else {
			kept = append(kept, tm)
		}
	}
	env.timers = kept
	for _, tm := range due {
		n.hosts[id].Fire(env, tm)
	}
}
