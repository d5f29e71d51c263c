package chord

import (
	"slices"
	"testing"
	"time"

	"peerlab/engine"
)

// TestSuspects checks the suspect list on its own: entries hold until they
// expire; hearing from a host clears it unless it was reported (sticky); a
// new entry takes the place of the one that expires first when the list is
// full; an expired entry leaves nothing behind.
func TestSuspects(t *testing.T) {
	const a, b, c = engine.NodeID(1), engine.NodeID(2), engine.NodeID(3)
	type step struct {
		op     string // add, sticky, clear, has, not
		h      engine.NodeID
		at     engine.Time
		until  engine.Time // add, sticky
		reason string      // has, not: what the check is about
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"holds until it expires", []step{
			{op: "not", h: a, at: 0, reason: "empty list"},
			{op: "add", h: a, at: 0, until: 10},
			{op: "has", h: a, at: 9, reason: "before its expiry"},
			{op: "not", h: a, at: 10, reason: "at its expiry"},
			{op: "not", h: b, at: 5, reason: "another host"},
		}},
		{"hearing from it clears it", []step{
			{op: "add", h: a, at: 0, until: 10},
			{op: "add", h: b, at: 0, until: 10},
			{op: "clear", h: a, at: 3},
			{op: "not", h: a, at: 4, reason: "cleared"},
			{op: "has", h: b, at: 4, reason: "another host is not cleared"},
		}},
		{"a reported host is not cleared by its messages", []step{
			{op: "sticky", h: a, at: 0, until: 10},
			{op: "clear", h: a, at: 3},
			{op: "has", h: a, at: 4, reason: "reported"},
			{op: "not", h: a, at: 10, reason: "a report expires too"},
		}},
		{"a timeout after a report keeps it sticky", []step{
			{op: "sticky", h: a, at: 0, until: 10},
			{op: "add", h: a, at: 5, until: 15},
			{op: "clear", h: a, at: 6},
			{op: "has", h: a, at: 12, reason: "extended, still reported"},
		}},
		{"an expired report leaves nothing behind", []step{
			{op: "sticky", h: a, at: 0, until: 10},
			{op: "add", h: a, at: 20, until: 30},
			{op: "clear", h: a, at: 21},
			{op: "not", h: a, at: 22, reason: "the new, unreported entry is cleared"},
		}},
		{"adding again extends, never shortens", []step{
			{op: "add", h: a, at: 0, until: 10},
			{op: "add", h: a, at: 1, until: 5},
			{op: "has", h: a, at: 7, reason: "the later expiry holds"},
			{op: "add", h: a, at: 8, until: 20},
			{op: "has", h: a, at: 15, reason: "extended"},
		}},
		{"cleared hosts can be suspected again", []step{
			{op: "add", h: a, at: 0, until: 10},
			{op: "clear", h: a, at: 1},
			{op: "add", h: a, at: 2, until: 12},
			{op: "has", h: a, at: 11, reason: "suspected again"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s suspects
			for i, st := range tc.steps {
				switch st.op {
				case "add", "sticky":
					s.add(st.h, st.at, st.until, st.op == "sticky")
				case "clear":
					s.clear(st.h, st.at)
				case "has", "not":
					if got := s.has(st.h, st.at); got != (st.op == "has") {
						t.Errorf("step %d: has(%d, %d) = %v (%s)", i, st.h, st.at, got, st.reason)
					}
				}
			}
		})
	}
	t.Run("full list drops the entry that expires first", func(t *testing.T) {
		var s suspects
		for i := range suspectSlots {
			s.add(engine.NodeID(100+i), 0, engine.Time(100+i), false)
		}
		s.add(c, 0, 50, false)
		if s.has(100, 1) {
			t.Errorf("the entry expiring first is still there")
		}
		for i := 1; i < suspectSlots; i++ {
			if !s.has(engine.NodeID(100+i), 1) {
				t.Errorf("entry %d was dropped", 100+i)
			}
		}
		if !s.has(c, 1) {
			t.Errorf("the new entry is missing")
		}
		if !s.any(49) || s.any(200) {
			t.Errorf("any(49) = %v, any(200) = %v, want true, false", s.any(49), s.any(200))
		}
	})
}

// timeOut fires the RPC timer of the request msg, as if no answer came.
func timeOut(t *testing.T, h *Host, env *fakeEnv, req sentMsg) {
	t.Helper()
	ref := req.m.Req
	if req.m.Op == OpForward {
		ref = req.m.Hop
	}
	for i, tm := range env.timers {
		if tm.t.Kind == TimerRPC && tm.t.Ref == ref {
			env.timers = slices.Delete(env.timers, i, i+1)
			if env.now < tm.at {
				env.now = tm.at
			}
			h.Fire(env, tm.t)
			return
		}
	}
	t.Fatalf("no RPC timer for the %s to %d", opNames[req.m.Op], req.to)
}

// answerGetPred delivers the answer of succ to the get_pred req: its
// predecessor pred (0: none) and successor list.
func answerGetPred(h *Host, env *fakeEnv, req sentMsg, pred uint64, list ...uint64) {
	resp := Message{Op: OpGetPredResp, From: peer(uint64(req.to)), Req: req.m.Req, Flag: pred != 0}
	if pred != 0 {
		resp.A = peer(pred)
	}
	for _, p := range list {
		resp.Peers = append(resp.Peers, peer(p))
	}
	h.Deliver(env, req.to, resp)
}

// TestStabilizeLoopBroken is the loop of the NAT issue, on an 8-bit ring:
// node 100's successor 120 cannot be reached (a host behind a NAT that
// talks to its own successor 150 only). 100 times out on 120, falls back on
// 150, and 150 names 120 as its predecessor. 100 used to adopt 120 again at
// once and time out again, one get_pred per rpc_timeout for ever; now it
// keeps 150, and asks 150 again (Flag) for another predecessor instead.
func TestStabilizeLoopBroken(t *testing.T) {
	h, env := node(testConfig(8), 100, 50, 120, 150, 200)
	req := stabilizeOnce(t, h, env)
	if req.to != 120 {
		t.Fatalf("get_pred to %d, want 120", req.to)
	}
	timeOut(t, h, env, req)
	req = only(t, env.take(), OpGetPred)
	if req.to != 150 || req.m.Flag {
		t.Fatalf("after the timeout: get_pred to %d (flag %v), want a plain one to 150", req.to, req.m.Flag)
	}
	answerGetPred(h, env, req, 120, 200, 250)
	if got := succIDs(h); !slices.Equal(got, []uint64{150, 200, 250}) {
		t.Errorf("successors %v, want [150 200 250]: 120 timed out a moment ago", got)
	}
	again := only(t, env.take(), OpGetPred)
	if again.to != 150 || !again.m.Flag {
		t.Fatalf("sent a get_pred to %d with flag %v, want one to 150 asking again", again.to, again.m.Flag)
	}
	// 150 knows nobody else: notify it and stay.
	answerGetPred(h, env, again, 120, 200, 250)
	if m := only(t, env.take(), OpNotify); m.to != 150 {
		t.Errorf("notify sent to %d, want 150", m.to)
	}
	// Every stabilize period for the next minute goes to 150 alone.
	sent := 0
	for range 3 {
		env.now = env.now.Add(15 * time.Second)
		req := stabilizeOnce(t, h, env)
		sent++
		if req.to != 150 {
			t.Fatalf("at %v: get_pred to %d, want 150", env.now, req.to)
		}
		answerGetPred(h, env, req, 120, 200, 250)
		for _, m := range env.take() {
			if m.m.Op == OpGetPred {
				sent++
				if m.to != 150 {
					t.Fatalf("at %v: get_pred to %d, want 150", env.now, m.to)
				}
				answerGetPred(h, env, m, 120, 200, 250)
				env.take()
			}
		}
	}
	if sent > 6 {
		t.Errorf("%d get_preds in three stabilize periods, want at most two each", sent)
	}
	// Past the suspicion (three periods) 120 is tried again.
	env.now = env.now.Add(h.suspectFor())
	req = stabilizeOnce(t, h, env)
	answerGetPred(h, env, req, 120, 200, 250)
	if m := only(t, env.take(), OpGetPred); m.to != 120 {
		t.Errorf("after the suspicion expired: get_pred to %d, want 120", m.to)
	}
}

// TestSuspectRules checks, rule by rule, that a host that timed out lately
// is not taken back from another node's word, and what readmits it.
func TestSuspectRules(t *testing.T) {
	// Each case starts from node 100 (predecessor 50, successors 150, 200)
	// that has just timed out on host 120.
	setup := func(t *testing.T) (*Host, *fakeEnv) {
		h, env := node(testConfig(8), 100, 50, 150, 200)
		h.Fire(env, Timer{Kind: TimerCheckPred}) // ping the predecessor 50 ...
		env.take()
		h.vn[0].pred = peer(120) // ... which is 120 by now
		h.vn[0].pingingPred = false
		h.checkPred(env, &h.vn[0])
		timeOut(t, h, env, only(t, env.take(), OpPing))
		if !h.suspected(env, peer(120)) {
			t.Fatalf("120 is not suspect after its ping timed out")
		}
		env.now = env.now.Add(time.Second)
		return h, env
	}
	cases := []struct {
		name  string
		drive func(t *testing.T, h *Host, env *fakeEnv)
		check func(t *testing.T, h *Host, env *fakeEnv)
	}{
		{
			name: "not from a successor list",
			drive: func(t *testing.T, h *Host, env *fakeEnv) {
				answerGetPred(h, env, stabilizeOnce(t, h, env), 100, 120, 200)
			},
			check: func(t *testing.T, h *Host, env *fakeEnv) {
				if got := succIDs(h); !slices.Equal(got, []uint64{150, 200}) {
					t.Errorf("successors %v, want [150 200]", got)
				}
			},
		},
		{
			name: "not as predecessor from a leaving node's goodbye",
			drive: func(t *testing.T, h *Host, env *fakeEnv) {
				h.vn[0].pred = peer(80)
				h.Deliver(env, 80, Message{Op: OpLeaveToSucc, From: peer(80), A: peer(120), Flag: true})
			},
			check: func(t *testing.T, h *Host, env *fakeEnv) {
				if p, ok := predID(h); ok {
					t.Errorf("predecessor %d after the leaver named 120, want none", p)
				}
			},
		},
		{
			name: "not from a leaving successor's list",
			drive: func(t *testing.T, h *Host, env *fakeEnv) {
				h.Deliver(env, 150, Message{Op: OpLeaveToPred, From: peer(150), Peers: []Peer{peer(120), peer(200)}})
			},
			check: func(t *testing.T, h *Host, env *fakeEnv) {
				if got := succIDs(h); !slices.Equal(got, []uint64{200}) {
					t.Errorf("successors %v, want [200]", got)
				}
			},
		},
		{
			name: "not as finger",
			drive: func(t *testing.T, h *Host, env *fakeEnv) {
				h.Fire(env, Timer{Kind: TimerFixFingers})
				// Fingers 0..5 (starts 101..132) lie before 150 and are
				// copied; finger 6 (start 164) is looked up, at 150. (The
				// other request is the successor check, 120 being suspect.)
				var req sentMsg
				for _, s := range env.take() {
					if s.m.Key == 164 {
						req = s
					}
				}
				if req.m.Op != OpFindReq {
					t.Fatalf("no lookup of finger 6 (164)")
				}
				h.Deliver(env, req.to, Message{Op: OpFindResp, From: peer(uint64(req.to)), Req: req.m.Req, Flag: true, A: peer(120), Maint: true})
			},
			check: func(t *testing.T, h *Host, env *fakeEnv) {
				for i := range 8 {
					if f, ok := h.Finger(0, i); ok && f.Host == 120 {
						t.Errorf("finger %d is 120", i)
					}
				}
				if _, ok := h.Finger(0, 5); !ok {
					t.Errorf("finger 5 unset: the round did not run")
				}
			},
		},
		{
			name: "hearing from it readmits it",
			drive: func(t *testing.T, h *Host, env *fakeEnv) {
				h.Deliver(env, 120, Message{Op: OpPing, From: peer(120)})
				env.take()
				answerGetPred(h, env, stabilizeOnce(t, h, env), 120, 200)
			},
			check: func(t *testing.T, h *Host, env *fakeEnv) {
				if got := succIDs(h); !slices.Equal(got, []uint64{120, 150, 200}) {
					t.Errorf("successors %v, want 120 adopted again: [120 150 200]", got)
				}
			},
		},
		{
			name: "a report keeps it out although it talks to us",
			drive: func(t *testing.T, h *Host, env *fakeEnv) {
				// A lookup's origin (host 30) could not reach 120.
				h.Deliver(env, 30, Message{Op: OpFindReq, From: peer(30), Req: 7, Key: 130, Flag: true, A: peer(120)})
				env.take()
				h.Deliver(env, 120, Message{Op: OpNotify, From: peer(120)})
				answerGetPred(h, env, stabilizeOnce(t, h, env), 120, 200)
			},
			check: func(t *testing.T, h *Host, env *fakeEnv) {
				if got := succIDs(h); !slices.Equal(got, []uint64{150, 200}) {
					t.Errorf("successors %v, want [150 200]", got)
				}
			},
		},
		{
			name: "the suspicion expires",
			drive: func(t *testing.T, h *Host, env *fakeEnv) {
				env.now = env.now.Add(h.suspectFor())
				answerGetPred(h, env, stabilizeOnce(t, h, env), 120, 200)
			},
			check: func(t *testing.T, h *Host, env *fakeEnv) {
				if got := succIDs(h); !slices.Equal(got, []uint64{120, 150, 200}) {
					t.Errorf("successors %v, want [120 150 200]", got)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, env := setup(t)
			c.drive(t, h, env)
			c.check(t, h, env)
		})
	}
}

// TestRepeatedFindStep: an iterative lookup that cannot reach the next hop a
// node named asks that node again (Flag, A = the silent peer); asked again,
// the node answers from its whole successor list, and drops the silent peer
// as a reported one.
func TestRepeatedFindStep(t *testing.T) {
	cfg := testConfig(8)
	t.Run("origin", func(t *testing.T) {
		// Origin 10 looks up key 130; its successor 60 names 120 and 100.
		h, env := node(cfg, 10, 250, 60)
		h.Lookup(env, 130)
		req := only(t, env.take(), OpFindReq)
		if req.to != 60 {
			t.Fatalf("first step to %d, want 60", req.to)
		}
		h.Deliver(env, 60, Message{Op: OpFindResp, From: peer(60), Req: req.m.Req, A: peer(120), B: peer(100), Hops: 2})
		req = only(t, env.take(), OpFindReq)
		if req.to != 120 {
			t.Fatalf("second step to %d, want 120", req.to)
		}
		timeOut(t, h, env, req)
		// 100 is closer to the key than 60: asked first, it names 120 again,
		// which is suspect now: 100 is asked again.
		req = only(t, env.take(), OpFindReq)
		if req.to != 100 || req.m.Flag {
			t.Fatalf("third step to %d (flag %v), want a plain one to 100", req.to, req.m.Flag)
		}
		h.Deliver(env, 100, Message{Op: OpFindResp, From: peer(100), Req: req.m.Req, A: peer(120), Hops: 1})
		req = only(t, env.take(), OpFindReq)
		if req.to != 100 || !req.m.Flag || req.m.A != peer(120) {
			t.Fatalf("fourth step to %d (flag %v, A %d), want 100 asked again past 120", req.to, req.m.Flag, req.m.A.ID)
		}
		h.Deliver(env, 100, Message{Op: OpFindResp, From: peer(100), Req: req.m.Req, Flag: true, A: peer(150)})
		if len(env.done) != 1 || env.done[0].Failed || env.done[0].OwnerID != 150 || env.done[0].Hops != 2 {
			t.Fatalf("lookup ended with %+v, want owner 150 after 2 hops", env.done)
		}
		// And 60, which named 120 first, is asked again only if 100 fails.
		if sent := env.take(); len(sent) != 0 {
			t.Errorf("sent %v after the answer", ops(sent))
		}
	})
	t.Run("asked again", func(t *testing.T) {
		// 100's successors are 120 (unreachable for the origin), 150, 200.
		cases := []struct {
			key      uint64
			done     bool
			owner    uint64 // done: the answer
			next     uint64 // not done: the first next hop
			wantSucc []uint64
		}{
			{key: 110, done: true, owner: 150}, // in (100, 120]: 120 is dropped, 150 takes its place
			{key: 130, done: true, owner: 150}, // in (120, 150]: from the list
			{key: 180, done: true, owner: 200}, // further down the list
			{key: 250, done: false, next: 200}, // past the list: closest preceding, 120 left out
		}
		for _, c := range cases {
			h, env := node(cfg, 100, 50, 120, 150, 200)
			h.Deliver(env, 30, Message{Op: OpFindReq, From: peer(30), Req: 9, Key: c.key, Flag: true, A: peer(120)})
			m := only(t, env.take(), OpFindResp).m
			switch {
			case c.done && (!m.Flag || m.A.ID != c.owner):
				t.Errorf("key %d: answer done %v, %d; want done, %d", c.key, m.Flag, m.A.ID, c.owner)
			case !c.done && (m.Flag || m.Hops == 0 || m.A.ID != c.next):
				t.Errorf("key %d: answer done %v, next %d (%d hops); want next hop %d", c.key, m.Flag, m.A.ID, m.Hops, c.next)
			}
			if got := succIDs(h); !slices.Equal(got, []uint64{150, 200}) {
				t.Errorf("key %d: successors %v after the report, want [150 200]", c.key, got)
			}
			if !h.suspected(env, peer(120)) {
				t.Errorf("key %d: 120 not suspect after the report", c.key)
			}
		}
		// A plain step is answered from the first successor only, as always.
		h, env := node(cfg, 100, 50, 120, 150, 200)
		h.Deliver(env, 30, Message{Op: OpFindReq, From: peer(30), Req: 9, Key: 130})
		if m := only(t, env.take(), OpFindResp).m; m.Flag || m.A.ID != 120 {
			t.Errorf("plain step for 130: done %v, %d; want next hop 120", m.Flag, m.A.ID)
		}
	})
}

// TestJoinPastSuspect: a join whose answer is a successor that failed to
// answer lately hints the node that gave it, and looks up the node after it.
func TestJoinPastSuspect(t *testing.T) {
	cfg := testConfig(8)
	h := NewHost(cfg, 110, []uint64{110})
	env := newFakeEnv(110)
	h.Join(env, 100)
	req := only(t, env.take(), OpFindReq)
	h.Deliver(env, 100, Message{Op: OpFindResp, From: peer(100), Req: req.m.Req, Flag: true, A: peer(120), Maint: true})
	if !h.Joined(0) || h.Successors(0)[0].ID != 120 {
		t.Fatalf("joined %v with %v, want successor 120", h.Joined(0), succIDs(h))
	}
	// 120 does not answer: every successor lost, rejoin through 100.
	env.take()
	h.Fire(env, Timer{Kind: TimerStabilize})
	timeOut(t, h, env, only(t, env.take(), OpGetPred))
	req = only(t, env.take(), OpFindReq)
	if h.Joined(0) || req.to != 100 {
		t.Fatalf("after the timeout: joined %v, join request to %d, want a rejoin through 100", h.Joined(0), req.to)
	}
	h.Deliver(env, 100, Message{Op: OpFindResp, From: peer(100), Req: req.m.Req, Flag: true, A: peer(120), Maint: true})
	sent := env.take()
	if len(sent) != 2 || sent[0].m.Op != OpNotify || !sent[0].m.Flag || sent[0].to != 100 || sent[1].m.Op != OpFindReq || sent[1].m.Key != 121 {
		t.Fatalf("sent %v, want a successor hint to 100 and a lookup of 121", ops(sent))
	}
	h.Deliver(env, 100, Message{Op: OpFindResp, From: peer(100), Req: sent[1].m.Req, Flag: true, A: peer(150), Maint: true})
	if !h.Joined(0) || h.Successors(0)[0].ID != 150 {
		t.Fatalf("joined %v with %v, want successor 150", h.Joined(0), succIDs(h))
	}
	// The hint, at 100: a node between it and its successor 120 is adopted.
	p, penv := node(cfg, 100, 50, 120, 150)
	p.Deliver(penv, 110, sent[0].m)
	if got := succIDs(p); !slices.Equal(got, []uint64{110, 120, 150}) {
		t.Errorf("100's successors %v after the hint, want [110 120 150]", got)
	}
	// One that does not lie before its successor is not.
	p.Deliver(penv, 130, Message{Op: OpNotify, Flag: true, From: peer(130)})
	if got := succIDs(p); !slices.Equal(got, []uint64{110, 120, 150}) {
		t.Errorf("100's successors %v after a hint from 130, want them unchanged", got)
	}
}

// TestAlternativePredecessor: asked again (get_pred with Flag), a node names
// the closest node that notified it lately instead of its predecessor.
func TestAlternativePredecessor(t *testing.T) {
	h, env := node(testConfig(8), 150, 120, 200)
	// 100 and 110 notify: neither is closer than the predecessor 120.
	h.Deliver(env, 100, Message{Op: OpNotify, From: peer(100)})
	h.Deliver(env, 110, Message{Op: OpNotify, From: peer(110)})
	env.take() // the pings of the predecessor
	ask := func(flag bool) Message {
		h.Deliver(env, 100, Message{Op: OpGetPred, From: peer(100), Req: 3, Flag: flag})
		return only(t, env.take(), OpGetPredResp).m
	}
	if m := ask(false); m.A.ID != 120 {
		t.Errorf("plain get_pred answered %d, want the predecessor 120", m.A.ID)
	}
	if m := ask(true); !m.Flag || m.A.ID != 110 {
		t.Errorf("repeated get_pred answered %d (flag %v), want 110", m.A.ID, m.Flag)
	}
	// Two periods later without a new notify, 110 is stale.
	env.now = env.now.Add(2 * h.cfg.Stabilize)
	if m := ask(true); m.A.ID != 120 {
		t.Errorf("repeated get_pred answered %d, want the predecessor 120 once 110 went quiet", m.A.ID)
	}
}

// TestHealthyRingChecksNothing: with nothing suspect, fix_fingers starts no
// successor check, and a get_pred answer naming a closer predecessor is
// followed at once, as before.
func TestHealthyRingChecksNothing(t *testing.T) {
	h, env := node(testConfig(8), 100, 50, 150)
	h.Fire(env, Timer{Kind: TimerFixFingers})
	if sent := env.take(); len(sent) != 1 || sent[0].m.Key != 164 {
		t.Errorf("fix_fingers sent %v, want only the lookup of finger 6 (164)", ops(sent))
	}
	// With a suspect host, the successor is checked too: a lookup of 101.
	h2, env2 := node(testConfig(8), 100, 50, 150)
	h2.suspect(env2, peer(120))
	h2.Fire(env2, Timer{Kind: TimerFixFingers})
	keys := []uint64{}
	for _, s := range env2.take() {
		keys = append(keys, s.m.Key)
	}
	if !slices.Contains(keys, 101) {
		t.Errorf("with a suspect, fix_fingers looked up %v, want 101 among them", keys)
	}
}

// TestRingChecks covers the two lookups of a node's own neighbourhood. A
// node whose successor names an unreachable predecessor, and that no
// predecessor has notified for two periods, looks up its own identifier and
// hints the node that answers with somebody else. While some host is
// suspect, fix_fingers also looks up the successor (identifier + 1), and a
// closer answer is adopted.
func TestRingChecks(t *testing.T) {
	cfg := testConfig(8)
	t.Run("self check", func(t *testing.T) {
		h, env := node(cfg, 110, 0, 150)
		h.suspect(env, peer(120))
		env.now = env.now.Add(45 * time.Second)
		answerGetPred(h, env, stabilizeOnce(t, h, env), 120, 200)
		var check sentMsg
		for _, s := range env.take() {
			if s.m.Op == OpFindReq {
				check = s
			}
		}
		if check.m.Op != OpFindReq || check.m.Key != 110 || !check.m.Maint {
			t.Fatalf("no lookup of the node's own identifier 110")
		}
		// 100, whose successor is 120, answers: it does not know 110.
		h.Deliver(env, 100, Message{Op: OpFindResp, From: peer(100), Req: check.m.Req, Flag: true, A: peer(120), Maint: true})
		if m := only(t, env.take(), OpNotify); m.to != 100 || !m.m.Flag {
			t.Errorf("sent a notify to %d with flag %v, want a successor hint to 100", m.to, m.m.Flag)
		}
		// A node its predecessor keeps notifying does not check.
		h2, env2 := node(cfg, 110, 0, 150)
		h2.suspect(env2, peer(120))
		env2.now = env2.now.Add(45 * time.Second)
		h2.Deliver(env2, 100, Message{Op: OpNotify, From: peer(100)})
		answerGetPred(h2, env2, stabilizeOnce(t, h2, env2), 120, 200)
		for _, s := range env2.take() {
			if s.m.Op == OpFindReq {
				t.Errorf("a node notified by its predecessor looked up %d", s.m.Key)
			}
		}
	})
	t.Run("successor check", func(t *testing.T) {
		h, env := node(cfg, 100, 50, 150)
		h.suspect(env, peer(130))
		h.Fire(env, Timer{Kind: TimerFixFingers})
		var check sentMsg
		for _, s := range env.take() {
			if s.m.Key == 101 {
				check = s
			}
		}
		if check.m.Op != OpFindReq {
			t.Fatalf("no lookup of 101")
		}
		h.Deliver(env, 60, Message{Op: OpFindResp, From: peer(60), Req: check.m.Req, Flag: true, A: peer(120), Maint: true})
		if got := succIDs(h); !slices.Equal(got, []uint64{120, 150}) {
			t.Errorf("successors %v, want 120 adopted: [120 150]", got)
		}
		if m := only(t, env.take(), OpGetPred); m.to != 120 {
			t.Errorf("get_pred to %d, want 120", m.to)
		}
	})
}
