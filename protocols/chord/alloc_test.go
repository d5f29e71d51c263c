package chord

import (
	"math/rand/v2"
	"testing"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
)

// lastEnv keeps only the last message sent and the last timer set, so that
// an allocation test sees the host's own allocations only.
type lastEnv struct {
	now   engine.Time
	rng   *rand.Rand
	sent  Message
	to    engine.NodeID
	timer Timer
	next  engine.TimerID
}

func (e *lastEnv) Now() engine.Time                 { return e.now }
func (e *lastEnv) Self() engine.NodeID              { return 100 }
func (e *lastEnv) Rand() *rand.Rand                 { return e.rng }
func (e *lastEnv) Send(to engine.NodeID, m Message) { e.to, e.sent = to, m }
func (e *lastEnv) After(d time.Duration, t Timer) engine.TimerID {
	e.timer = t
	e.next++
	return e.next
}
func (e *lastEnv) Cancel(id engine.TimerID)          {}
func (e *lastEnv) LookupDone(r overlay.LookupResult) {}

// TestSuspectPathsAllocateNothing: with a suspect host around, a stabilize
// round that asks the successor twice (its predecessor is the suspect), and
// an iterative lookup whose next hop times out and whose namer is asked
// again, allocate nothing once warm.
func TestSuspectPathsAllocateNothing(t *testing.T) {
	cfg := testConfig(8)
	h := NewHost(cfg, 100, []uint64{100})
	env := &lastEnv{rng: rand.New(rand.NewPCG(1, 1))}
	h.Join(env, engine.None)
	v := &h.vn[0]
	v.succ, v.pred, v.hasPred = []Peer{peer(150), peer(200), peer(250)}, peer(50), true
	list := []Peer{peer(200), peer(250), peer(30)}
	var reasked bool
	step := func() {
		env.now = env.now.Add(time.Second)
		h.suspect(env, peer(120))
		// Stabilize: 150 names the suspect 120, and is asked again.
		h.Fire(env, Timer{Kind: TimerStabilize})
		h.Deliver(env, 150, Message{Op: OpGetPredResp, From: peer(150), Req: env.sent.Req, Flag: true, A: peer(120), Peers: list})
		h.Deliver(env, 150, Message{Op: OpGetPredResp, From: peer(150), Req: env.sent.Req, Flag: true, A: peer(120), Peers: list})
		// A lookup for 230: 200 is asked, names 220 (suspect for a
		// moment), and is asked again.
		h.Lookup(env, 230)
		h.suspect(env, peer(220))
		h.Deliver(env, 200, Message{Op: OpFindResp, From: peer(200), Req: env.sent.Req, A: peer(220), Hops: 1})
		reasked = env.sent.Op == OpFindReq && env.sent.Flag && env.to == 200
		h.Deliver(env, 200, Message{Op: OpFindResp, From: peer(200), Req: env.sent.Req, Flag: true, A: peer(250)})
		h.sus.clear(220, env.now)
	}
	for range 100 {
		step()
	}
	if !reasked || v.succ[0] != peer(150) {
		t.Fatalf("the step does not exercise the paths: re-asked %v, successor %v", reasked, v.succ[0])
	}
	if a := testing.AllocsPerRun(1000, step); a != 0 {
		t.Errorf("%v allocations per step", a)
	}
}
