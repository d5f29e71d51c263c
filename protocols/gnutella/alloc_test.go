package gnutella

import (
	"math/rand/v2"
	"testing"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
)

// nopEnv discards everything: it lets allocation tests see the host's own
// allocations only.
type nopEnv struct {
	now engine.Time
	rng *rand.Rand
}

func (e *nopEnv) Now() engine.Time                              { return e.now }
func (e *nopEnv) Self() engine.NodeID                           { return selfHost }
func (e *nopEnv) Rand() *rand.Rand                              { return e.rng }
func (e *nopEnv) Send(to engine.NodeID, m Message)              {}
func (e *nopEnv) After(d time.Duration, t Timer) engine.TimerID { return 1 }
func (e *nopEnv) Cancel(id engine.TimerID)                      {}
func (e *nopEnv) LookupDone(r overlay.LookupResult)             {}

// TestNoAllocPerMessage: in steady state (identifiers expiring as fast as
// new ones arrive) forwarding a new query, dropping a duplicate, routing a
// hit back and passing a walker on allocate nothing, or next to nothing
// when the identifier table's map rehashes.
func TestNoAllocPerMessage(t *testing.T) {
	cfg := testConfig()
	cfg.QueryTimeout = time.Second
	cfg.CheckEvery = 0
	h := NewHost(cfg, selfHost)
	h.SetNeighbors([]engine.NodeID{1, 2, 3, 4, 5, 6})
	env := &nopEnv{rng: rand.New(rand.NewPCG(1, 1))}
	h.Join(env, engine.None)
	qid := uint64(0)
	step := func() {
		env.now = env.now.Add(10 * time.Millisecond)
		qid += 0x100
		h.Deliver(env, 1, Message{Op: OpQuery, QID: qid, Key: 9, TTL: 3, Hops: 1})
		h.Deliver(env, 2, Message{Op: OpQuery, QID: qid, Key: 9, TTL: 3, Hops: 1}) // duplicate
		h.Deliver(env, 3, Message{Op: OpQueryHit, QID: qid, Key: 9, Addr: 3, Hops: 2})
		h.Deliver(env, 4, Message{Op: OpWalk, QID: qid | 1<<40, Key: 9, Addr: 77, Hops: 3})
	}
	for range 1000 { // reach the steady state: 100 identifiers per second
		step()
	}
	a := testing.AllocsPerRun(2000, step)
	t.Logf("%.4f allocations per step", a)
	if a > 0.05 {
		t.Errorf("%.3f allocations per step of 4 messages", a)
	}
	if r := h.Remembered(); r > 201 {
		t.Errorf("%d identifiers remembered, want about 200", r)
	}
}
