package chord

import (
	"slices"
	"testing"

	"peerlab/engine"
)

func succIDs(h *Host) []uint64 {
	var out []uint64
	for _, p := range h.Successors(0) {
		out = append(out, p.ID)
	}
	return out
}

func predID(h *Host) (uint64, bool) {
	p, ok := h.Predecessor(0)
	return p.ID, ok
}

func sorted(keys []uint64) []uint64 {
	k := slices.Clone(keys)
	slices.Sort(k)
	return k
}

// TestNotified checks the notify rules on an 8-bit ring: a notifier closer
// than the predecessor becomes the predecessor and receives the keys that are
// no longer in (predecessor, self], and the predecessor it displaces is told
// (pred_changed); a farther one is ignored; a notifier between the node and
// its successor becomes its successor.
func TestNotified(t *testing.T) {
	cases := []struct {
		name      string
		self      uint64
		pred      uint64 // 0: none
		succ      []uint64
		keys      []uint64
		from      uint64
		wantPred  uint64
		wantSucc  []uint64
		wantMoved []uint64 // keys transferred to the notifier; nil: no transfer
	}{
		{
			name: "closer predecessor adopted, keys handed over",
			self: 100, pred: 50, succ: []uint64{150, 200},
			keys: []uint64{60, 75, 76, 90, 100},
			from: 75, wantPred: 75, wantSucc: []uint64{150, 200},
			wantMoved: []uint64{60, 75},
		},
		{
			name: "farther predecessor ignored",
			self: 100, pred: 50, succ: []uint64{150},
			keys: []uint64{60, 100},
			from: 40, wantPred: 50, wantSucc: []uint64{150},
		},
		{
			name: "notifier equal to the predecessor changes nothing",
			self: 100, pred: 50, succ: []uint64{150},
			keys: []uint64{60, 100},
			from: 50, wantPred: 50, wantSucc: []uint64{150},
		},
		{
			name: "no predecessor: any notifier adopted",
			self: 100, succ: []uint64{150},
			keys: []uint64{10, 99, 100, 120},
			from: 30, wantPred: 30, wantSucc: []uint64{150},
			wantMoved: []uint64{10, 120}, // every key outside (30, 100]
		},
		{
			name: "wrap-around: keys of (old pred, new pred] across 0",
			self: 10, pred: 200, succ: []uint64{60},
			keys: []uint64{201, 230, 240, 250, 0, 5, 10},
			from: 240, wantPred: 240, wantSucc: []uint64{60},
			wantMoved: []uint64{201, 230, 240},
		},
		{
			name: "closer predecessor but nothing to move: no transfer",
			self: 100, pred: 50, succ: []uint64{150},
			keys: []uint64{80, 100},
			from: 70, wantPred: 70, wantSucc: []uint64{150},
		},
		{
			name: "notifier between node and successor becomes successor",
			self: 100, pred: 50, succ: []uint64{150, 200},
			keys: []uint64{60},
			from: 120, wantPred: 50, wantSucc: []uint64{120, 150, 200},
		},
		{
			name: "successor list stays r long",
			self: 100, pred: 50, succ: []uint64{150, 200, 220},
			from: 120, wantPred: 50, wantSucc: []uint64{120, 150, 200},
		},
		{
			name: "alone: notifier becomes successor and predecessor",
			self: 100, succ: nil,
			keys: []uint64{5, 100, 120, 130, 150},
			from: 130, wantPred: 130, wantSucc: []uint64{130},
			wantMoved: []uint64{120, 130}, // (100, 130] is the newcomer's
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, env := node(testConfig(8), c.self, c.pred, c.succ...)
			h.Store(0, c.keys...)
			h.Deliver(env, engine.NodeID(c.from), Message{Op: OpNotify, From: peer(c.from)})
			if p, ok := predID(h); !ok || p != c.wantPred {
				t.Errorf("predecessor %d (set %v), want %d", p, ok, c.wantPred)
			}
			if got := succIDs(h); !slices.Equal(got, c.wantSucc) {
				t.Errorf("successors %v, want %v", got, c.wantSucc)
			}
			sent := env.take()
			// A displaced predecessor, and only it, hears that its
			// successor pointer went stale.
			var hints []sentMsg
			sent = slices.DeleteFunc(sent, func(m sentMsg) bool {
				if m.m.Op == OpPredChanged {
					hints = append(hints, m)
					return true
				}
				return false
			})
			if displaced := c.pred != 0 && c.wantPred != c.pred; displaced {
				if len(hints) != 1 || hints[0].to != engine.NodeID(c.pred) || hints[0].m.From != peer(c.self) {
					t.Errorf("pred_changed sent %+v, want one from %d to the displaced predecessor %d", hints, c.self, c.pred)
				}
			} else if len(hints) != 0 {
				t.Errorf("pred_changed sent %+v, but no predecessor was displaced", hints)
			}
			var moved []uint64
			if c.wantMoved != nil {
				m := only(t, sent, OpTransfer)
				if m.to != engine.NodeID(c.from) || m.m.To != 0 || m.m.From != peer(c.self) {
					t.Errorf("transfer sent to host %d vnode %d from %+v", m.to, m.m.To, m.m.From)
				}
				moved = m.m.Keys
				if got := sorted(moved); !slices.Equal(got, sorted(c.wantMoved)) {
					t.Errorf("transferred %v, want %v", got, sorted(c.wantMoved))
				}
			} else if rejected := c.pred != 0 && c.wantPred == c.pred && c.from != c.pred; rejected {
				// A notifier outside (pred, self) makes the node check at
				// once whether its predecessor is still alive.
				m := only(t, sent, OpPing)
				if m.to != engine.NodeID(c.pred) {
					t.Errorf("ping sent to %d, want the predecessor %d", m.to, c.pred)
				}
			} else if len(sent) != 0 {
				t.Errorf("sent %v, want nothing", ops(sent))
			}
			// No key is lost or duplicated: kept + moved = stored.
			kept := h.StoredKeys(0)
			if got := sorted(append(slices.Clone(kept), moved...)); !slices.Equal(got, sorted(c.keys)) {
				t.Errorf("kept %v + moved %v, want the stored %v", kept, moved, c.keys)
			}
			for _, k := range kept {
				if !h.space.InHalfOpen(k, c.wantPred, c.self) {
					t.Errorf("kept key %d outside (%d, %d]", k, c.wantPred, c.self)
				}
			}
		})
	}
}

// TestTransferPassesOnStrays checks that keys received in a transfer that do
// not belong in (predecessor, self] go on to the predecessor: a transfer can
// be sent before its sender learns of a closer node, and without this the
// keys would stay at a node that is not their successor.
func TestTransferPassesOnStrays(t *testing.T) {
	h, env := node(testConfig(8), 100, 70, 150)
	h.Store(0, 90)
	h.Deliver(env, 150, Message{Op: OpTransfer, From: peer(150), Keys: []uint64{20, 60, 80, 100, 240}})
	if got := sorted(h.StoredKeys(0)); !slices.Equal(got, []uint64{80, 90, 100}) {
		t.Errorf("keeps %v, want [80 90 100]", got)
	}
	m := only(t, env.take(), OpTransfer)
	if m.to != 70 || !slices.Equal(sorted(m.m.Keys), []uint64{20, 60, 240}) {
		t.Errorf("passed on %v to %d, want [20 60 240] to 70", m.m.Keys, m.to)
	}
	// Without a predecessor the node keeps everything for now.
	h, env = node(testConfig(8), 100, 0, 150)
	h.Deliver(env, 150, Message{Op: OpTransfer, From: peer(150), Keys: []uint64{20, 100}})
	if got := sorted(h.StoredKeys(0)); !slices.Equal(got, []uint64{20, 100}) || len(env.sent) != 0 {
		t.Errorf("without a predecessor: keeps %v and sent %v", got, ops(env.sent))
	}
}

func TestNotifiedBySelfOrBeforeJoining(t *testing.T) {
	h, env := node(testConfig(8), 100, 50, 150)
	h.Deliver(env, 100, Message{Op: OpNotify, From: peer(100)})
	if p, _ := predID(h); p != 50 || !slices.Equal(succIDs(h), []uint64{150}) {
		t.Errorf("notified by itself: pred %d, successors %v", p, succIDs(h))
	}
	fresh := NewHost(testConfig(8), 100, []uint64{100})
	fresh.Deliver(env, 70, Message{Op: OpNotify, From: peer(70)})
	if _, ok := fresh.Predecessor(0); ok || fresh.Joined(0) {
		t.Errorf("a node that has not joined took a predecessor")
	}
}

// TestPredChangedHint drives a join between two settled nodes message by
// message, with no timer firing: 120 notifies its successor 150, which
// displaces its predecessor 100 and tells it; 100 stabilizes at once, adopts
// 120 and notifies it. A hint from a node that is not the receiver's
// successor, or to a node that has not joined, does nothing.
func TestPredChangedHint(t *testing.T) {
	cfg := testConfig(8)
	n := newNet()
	q, qenv := node(cfg, 100, 50, 150, 200)
	s, senv := node(cfg, 150, 100, 200, 50)
	p, penv := node(cfg, 120, 0, 150, 200)
	n.add(q, qenv)
	n.add(s, senv)
	n.add(p, penv)
	p.notify(penv, &p.vn[0])
	n.drain(t, 20)
	if got := succIDs(q); !slices.Equal(got, []uint64{120, 150, 200}) {
		t.Errorf("100's successors %v, want [120 150 200] without waiting for its stabilize timer", got)
	}
	if id, ok := predID(p); !ok || id != 100 {
		t.Errorf("120's predecessor %d (set %v), want 100", id, ok)
	}
	if id, ok := predID(s); !ok || id != 120 {
		t.Errorf("150's predecessor %d (set %v), want 120", id, ok)
	}

	// Stale or misdirected hints.
	h, env := node(cfg, 100, 50, 150)
	h.Deliver(env, 200, Message{Op: OpPredChanged, From: peer(200)})
	if sent := env.take(); len(sent) != 0 {
		t.Errorf("a hint from 200, not the successor, made 100 send %v", ops(sent))
	}
	h.Deliver(env, 150, Message{Op: OpPredChanged, From: peer(150)})
	if m := only(t, env.take(), OpGetPred); m.to != 150 {
		t.Errorf("get_pred sent to %d, want the successor 150", m.to)
	}
	fresh := NewHost(cfg, 100, []uint64{100})
	fresh.Deliver(env, 150, Message{Op: OpPredChanged, From: peer(150)})
	if sent := env.take(); len(sent) != 0 {
		t.Errorf("a node that has not joined sent %v on a hint", ops(sent))
	}
}

// stabilizeOnce fires h's stabilize timer and returns the get_pred it sent.
func stabilizeOnce(t *testing.T, h *Host, env *fakeEnv) sentMsg {
	t.Helper()
	h.Fire(env, Timer{Kind: TimerStabilize})
	return only(t, env.take(), OpGetPred)
}

// TestStabilize checks what a node does with its successor's answer to
// get_pred: adopt the successor's predecessor if it lies between them (and ask
// it at once), otherwise notify the successor; and rebuild the successor list
// from the successor's.
func TestStabilize(t *testing.T) {
	cases := []struct {
		name     string
		succ     []uint64
		pred     uint64 // the successor's predecessor; 0: none
		list     []uint64
		wantSucc []uint64
		wantNext Op // what the node sends next
		wantTo   uint64
	}{
		{"successor's predecessor is us: notify", []uint64{150}, 100, []uint64{200, 250}, []uint64{150, 200, 250}, OpNotify, 150},
		{"successor has no predecessor: notify", []uint64{150}, 0, []uint64{200}, []uint64{150, 200}, OpNotify, 150},
		{"successor's predecessor before us: notify", []uint64{150}, 60, []uint64{200}, []uint64{150, 200}, OpNotify, 150},
		{"closer successor: adopt and ask it", []uint64{150}, 120, []uint64{200, 250}, []uint64{120, 150, 200}, OpGetPred, 120},
		{"list cut at r", []uint64{150}, 100, []uint64{160, 170, 180, 190}, []uint64{150, 160, 170}, OpNotify, 150},
		{"list cut before self", []uint64{150}, 100, []uint64{30, 100, 150}, []uint64{150, 30}, OpNotify, 150},
		{"wrap-around: closer successor across 0", []uint64{20}, 5, []uint64{30}, []uint64{5, 20, 30}, OpGetPred, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			self := uint64(100)
			if c.name == "wrap-around: closer successor across 0" {
				self = 250
			}
			h, env := node(testConfig(8), self, 50, c.succ...)
			req := stabilizeOnce(t, h, env)
			if req.to != engine.NodeID(c.succ[0]) {
				t.Fatalf("get_pred sent to %d, want the successor %d", req.to, c.succ[0])
			}
			resp := Message{Op: OpGetPredResp, From: peer(c.succ[0]), Req: req.m.Req, Flag: c.pred != 0}
			if c.pred != 0 {
				resp.A = peer(c.pred)
			}
			for _, p := range c.list {
				resp.Peers = append(resp.Peers, peer(p))
			}
			h.Deliver(env, engine.NodeID(c.succ[0]), resp)
			if got := succIDs(h); !slices.Equal(got, c.wantSucc) {
				t.Errorf("successors %v, want %v", got, c.wantSucc)
			}
			m := only(t, env.take(), c.wantNext)
			if m.to != engine.NodeID(c.wantTo) {
				t.Errorf("%s sent to %d, want %d", opNames[c.wantNext], m.to, c.wantTo)
			}
			if len(env.cancelled) == 0 {
				t.Errorf("the answered get_pred's timeout was not cancelled")
			}
		})
	}
}

func TestStabilizeIgnoresStaleAnswer(t *testing.T) {
	h, env := node(testConfig(8), 100, 50, 150)
	req := stabilizeOnce(t, h, env)
	// The successor changes before the answer arrives.
	h.Deliver(env, 120, Message{Op: OpNotify, From: peer(120)})
	h.Deliver(env, 150, Message{Op: OpGetPredResp, From: peer(150), Req: req.m.Req, Peers: []Peer{peer(10)}})
	if got := succIDs(h); !slices.Equal(got, []uint64{120, 150}) {
		t.Errorf("successors %v after a stale answer, want [120 150]", got)
	}
	// The notify from 120 (outside (50, 100]) pinged the predecessor; the
	// stale answer itself must send nothing.
	if sent := env.take(); len(sent) != 1 || sent[0].m.Op != OpPing || sent[0].to != 50 {
		t.Errorf("sent %v for a notify from outside (pred, self) and a stale answer, want one ping to the predecessor 50", ops(sent))
	}
	// An answer to no outstanding request is ignored too.
	h.Deliver(env, 120, Message{Op: OpGetPredResp, From: peer(120), Req: 12345, Flag: true, A: peer(110)})
	if got := succIDs(h); !slices.Equal(got, []uint64{120, 150}) {
		t.Errorf("successors %v after an unsolicited answer", got)
	}
}

// TestStabilizeTimeout checks that a successor that does not answer is
// dropped and the next one asked.
func TestStabilizeTimeout(t *testing.T) {
	h, env := node(testConfig(8), 100, 50, 150, 200)
	req := stabilizeOnce(t, h, env)
	var rpcTimer Timer
	for _, tm := range env.timers {
		if tm.t.Kind == TimerRPC && tm.t.Ref == req.m.Req {
			rpcTimer = tm.t
		}
	}
	if rpcTimer.Kind != TimerRPC {
		t.Fatalf("no rpc timer armed for the get_pred")
	}
	h.Fire(env, rpcTimer)
	if got := succIDs(h); !slices.Equal(got, []uint64{200}) {
		t.Errorf("successors %v after 150 timed out, want [200]", got)
	}
	if m := only(t, env.take(), OpGetPred); m.to != 200 {
		t.Errorf("get_pred sent to %d, want 200", m.to)
	}
}

// TestLeave checks the goodbyes of a leaving node: keys and predecessor to
// the successor, successor list to the predecessor.
func TestLeave(t *testing.T) {
	t.Run("usual", func(t *testing.T) {
		h, env := node(testConfig(8), 100, 50, 150, 200, 250)
		h.Store(0, 60, 70, 100)
		h.Leave(env)
		sent := env.take()
		if len(sent) != 2 {
			t.Fatalf("sent %v, want leave_to_succ and leave_to_pred", ops(sent))
		}
		var toSucc, toPred *sentMsg
		for i := range sent {
			switch sent[i].m.Op {
			case OpLeaveToSucc:
				toSucc = &sent[i]
			case OpLeaveToPred:
				toPred = &sent[i]
			}
		}
		if toSucc == nil || toPred == nil {
			t.Fatalf("sent %v, want leave_to_succ and leave_to_pred", ops(sent))
		}
		if toSucc.to != 150 || toSucc.m.From != peer(100) || !toSucc.m.Flag || toSucc.m.A != peer(50) ||
			!slices.Equal(sorted(toSucc.m.Keys), []uint64{60, 70, 100}) {
			t.Errorf("leave_to_succ to %d: %+v", toSucc.to, toSucc.m)
		}
		if toPred.to != 50 || toPred.m.From != peer(100) ||
			!slices.Equal(toPred.m.Peers, []Peer{peer(150), peer(200), peer(250)}) {
			t.Errorf("leave_to_pred to %d: %+v", toPred.to, toPred.m)
		}
		if h.Keys() != 0 {
			t.Errorf("the leaver still holds %d keys", h.Keys())
		}
	})
	t.Run("no predecessor", func(t *testing.T) {
		h, env := node(testConfig(8), 100, 0, 150)
		h.Store(0, 90)
		h.Leave(env)
		m := only(t, env.take(), OpLeaveToSucc)
		if m.to != 150 || m.m.Flag || !slices.Equal(m.m.Keys, []uint64{90}) {
			t.Errorf("leave_to_succ to %d: %+v", m.to, m.m)
		}
	})
	t.Run("ring of two", func(t *testing.T) {
		h, env := node(testConfig(8), 100, 150, 150)
		h.Leave(env)
		only(t, env.take(), OpLeaveToSucc)
	})
	t.Run("alone", func(t *testing.T) {
		h, env := node(testConfig(8), 100, 0)
		h.Store(0, 1, 2)
		h.Leave(env)
		if sent := env.take(); len(sent) != 0 {
			t.Errorf("a node alone sent %v", ops(sent))
		}
	})
	t.Run("adjacent virtual nodes", func(t *testing.T) {
		// Host 7 runs 100 and 120, neighbours on the ring 50, 100, 120, 150.
		cfg := testConfig(8)
		h := NewHost(cfg, 7, []uint64{100, 120})
		env := newFakeEnv(7)
		h.Join(env, engine.None)
		a, b := Peer{ID: 100, Host: 7, V: 0}, Peer{ID: 120, Host: 7, V: 1}
		h.vn[0].joined, h.vn[0].pred, h.vn[0].hasPred, h.vn[0].succ = true, peer(50), true, []Peer{b, peer(150), peer(200)}
		h.vn[1].joined, h.vn[1].pred, h.vn[1].hasPred, h.vn[1].succ = true, a, true, []Peer{peer(150), peer(200)}
		h.Store(0, 60, 100)
		h.Store(1, 110, 120)
		env.take()
		h.Leave(env)
		sent := env.take()
		s, senv := node(cfg, 150, 0, 200)
		s.vn[0].pred, s.vn[0].hasPred = b, true
		s.Store(0, 130)
		for _, m := range sent {
			if m.m.Op == OpLeaveToSucc {
				if m.to != 150 {
					t.Errorf("keys %v handed to host %d, want 150 (the first successor on another host)", m.m.Keys, m.to)
					continue
				}
				if m.m.From == b && m.m.Flag {
					t.Errorf("120 named its predecessor %d, a virtual node of the leaving host", m.m.A.ID)
				}
				s.Deliver(senv, 7, m.m)
			}
		}
		if got := sorted(s.StoredKeys(0)); !slices.Equal(got, []uint64{60, 100, 110, 120, 130}) {
			t.Errorf("150 stores %v, want every key of the leaving host and its own", got)
		}
		if p, ok := s.Predecessor(0); ok && p.Host == 7 {
			t.Errorf("150 keeps the leaving host's %d as predecessor", p.ID)
		}
	})
	t.Run("not joined", func(t *testing.T) {
		h := NewHost(testConfig(8), 100, []uint64{100})
		env := newFakeEnv(100)
		h.Leave(env)
		if len(env.sent) != 0 {
			t.Errorf("a node that never joined sent %v", ops(env.sent))
		}
	})
}

// TestLeaveReceived checks the neighbours' side of a graceful leave.
func TestLeaveReceived(t *testing.T) {
	cfg := testConfig(8)
	leaver, lenv := node(cfg, 100, 50, 150, 200, 250)
	leaver.Store(0, 60, 70, 100)
	succ, senv := node(cfg, 150, 100, 200, 250, 10)
	succ.Store(0, 120, 150)
	pred, penv := node(cfg, 50, 10, 100, 150, 200)
	// pred's fingers point at the leaver too.
	pred.vn[0].finger[5], pred.vn[0].fingerOK = peer(100), 1<<5

	leaver.Leave(lenv)
	for _, s := range lenv.take() {
		switch s.to {
		case 150:
			succ.Deliver(senv, 100, s.m)
		case 50:
			pred.Deliver(penv, 100, s.m)
		default:
			t.Fatalf("goodbye sent to %d", s.to)
		}
	}
	if p, ok := predID(succ); !ok || p != 50 {
		t.Errorf("successor's predecessor %d (set %v), want 50", p, ok)
	}
	if got := sorted(succ.StoredKeys(0)); !slices.Equal(got, []uint64{60, 70, 100, 120, 150}) {
		t.Errorf("successor stores %v, want its keys and the leaver's", got)
	}
	if got := succIDs(pred); !slices.Equal(got, []uint64{150, 200, 250}) {
		t.Errorf("predecessor's successors %v, want [150 200 250]", got)
	}
	if _, ok := pred.Finger(0, 5); ok {
		t.Errorf("predecessor still has the leaver as finger 5")
	}
	// A leave_to_pred from a node that is not our successor changes nothing.
	pred.Deliver(penv, 77, Message{Op: OpLeaveToPred, From: peer(77), Peers: []Peer{peer(90)}})
	if got := succIDs(pred); !slices.Equal(got, []uint64{150, 200, 250}) {
		t.Errorf("predecessor's successors %v after a stranger's goodbye", got)
	}
}

// TestJoinByHand drives the join of two nodes message by message: the second
// finds its successor through the first, then stabilize and notify close the
// ring of two in both directions, and the keys of the newcomer move to it.
func TestJoinByHand(t *testing.T) {
	for _, style := range []string{Iterative, Recursive} {
		t.Run(style, func(t *testing.T) {
			cfg := testConfig(8)
			cfg.Lookup = style
			n := newNet()
			a := NewHost(cfg, 1, []uint64{200})
			aenv := newFakeEnv(1)
			b := NewHost(cfg, 2, []uint64{100})
			benv := newFakeEnv(2)
			n.add(a, aenv)
			n.add(b, benv)
			a.Join(aenv, engine.None)
			a.Store(0, 50, 100, 150, 200, 250)
			if !a.Joined(0) || a.Successors(0)[0] != a.VirtualNodes()[0] {
				t.Fatalf("first node: joined %v, successors %v", a.Joined(0), a.Successors(0))
			}
			b.Join(benv, 1)
			n.drain(t, 10)
			if !b.Joined(0) || b.Successors(0)[0].ID != 200 {
				t.Fatalf("second node: joined %v, successors %v, want [200]", b.Joined(0), succIDs(b))
			}
			for range 2 {
				n.fire(2, TimerStabilize)
				n.drain(t, 20)
				n.fire(1, TimerStabilize)
				n.drain(t, 20)
			}
			if got := succIDs(a); !slices.Equal(got, []uint64{100}) {
				t.Errorf("first node's successors %v, want [100]", got)
			}
			if p, ok := predID(a); !ok || p != 100 {
				t.Errorf("first node's predecessor %d (%v), want 100", p, ok)
			}
			if p, ok := predID(b); !ok || p != 200 {
				t.Errorf("second node's predecessor %d (%v), want 200", p, ok)
			}
			if got := sorted(b.StoredKeys(0)); !slices.Equal(got, []uint64{50, 100, 250}) {
				t.Errorf("second node stores %v, want the keys of (200, 100]: [50 100 250]", got)
			}
			if got := sorted(a.StoredKeys(0)); !slices.Equal(got, []uint64{150, 200}) {
				t.Errorf("first node stores %v, want [150 200]", got)
			}
		})
	}
}

// TestLookupHops checks the hop count on a hand-built, correct 8-bit ring of
// eight nodes 0, 32, ..., 224 with one successor each: Hops counts the nodes
// queried after the origin, up to the one that knew the answer (the key's
// predecessor, or the key's successor itself), and is 0 when the origin
// answers itself. Messages must equal what the network carried: a request
// and an answer per iterative step; a forward and its ack per recursive hop,
// plus the result.
func TestLookupHops(t *testing.T) {
	cases := []struct {
		origin, key uint64
		owner       uint64
		hops        int
	}{
		{0, 20, 32, 0},     // in (origin, successor]
		{32, 10, 32, 0},    // in (predecessor, origin]
		{0, 230, 0, 0},     // in (predecessor, origin], across 0
		{0, 100, 128, 2},   // 0 -> 64 (finger 6) -> 96 (finger 5 of 64), which knows its successor
		{0, 200, 224, 2},   // 0 -> 128 -> 192
		{32, 255, 0, 2},    // 32 -> 160 -> 224
		{96, 60, 64, 2},    // 96 -> 224 -> 32
		{224, 150, 160, 2}, // 224 -> 96 -> 128
	}
	for _, style := range []string{Iterative, Recursive} {
		t.Run(style, func(t *testing.T) {
			cfg := testConfig(8)
			cfg.Successors = 1
			cfg.Lookup = style
			n := newNet()
			for id := uint64(0); id < 256; id += 32 {
				h, env := node(cfg, id, 0, (id+32)%256)
				h.vn[0].pred, h.vn[0].hasPred = peer((id+224)%256), true
				for f := range 8 {
					// successor(id + 2^f) on this evenly spaced ring
					start := h.space.FingerStart(id, f)
					h.vn[0].finger[f] = peer(h.space.Mask((start + 31) / 32 * 32))
					h.vn[0].fingerOK |= 1 << f
				}
				// fingers 32 (five times), 64, 128; successor 32;
				// predecessor id-32
				if got := h.TableSize(); got != 4 {
					t.Errorf("node %d: table size %d, want 4 distinct peers", id, got)
				}
				n.add(h, env)
			}
			for _, c := range cases {
				env := n.envs[engine.NodeID(c.origin)]
				env.done = nil
				if !n.hosts[engine.NodeID(c.origin)].Lookup(env, c.key) {
					t.Fatalf("lookup refused")
				}
				carried := n.drain(t, 50)
				if len(env.done) != 1 {
					t.Fatalf("%d -> key %d: %d results", c.origin, c.key, len(env.done))
				}
				r := env.done[0]
				if r.Failed || r.OwnerID != c.owner || r.Owner != engine.NodeID(c.owner) || r.Hops != c.hops || r.Key != c.key {
					t.Errorf("%d -> key %d: %+v, want owner %d after %d hops", c.origin, c.key, r, c.owner, c.hops)
				}
				want := 2 * c.hops
				if style == Recursive && c.hops > 0 {
					want++
				}
				if r.Messages != carried || r.Messages != want {
					t.Errorf("%d -> key %d: %d messages reported, network carried %d, want %d", c.origin, c.key, r.Messages, carried, want)
				}
			}
		})
	}
}

// TestRejectedNotifyReplacesDeadPredecessor: a notify from outside
// (pred, self) pings the predecessor; if the ping times out the notifier
// becomes the predecessor at once, and if it is answered nothing changes.
func TestRejectedNotifyReplacesDeadPredecessor(t *testing.T) {
	for _, dead := range []bool{true, false} {
		h, env := node(testConfig(8), 100, 50, 150)
		h.Deliver(env, 30, Message{Op: OpNotify, From: peer(30)})
		ping := only(t, env.take(), OpPing)
		if dead {
			h.Fire(env, Timer{Kind: TimerRPC, Ref: ping.m.Req})
		} else {
			h.Deliver(env, 50, Message{Op: OpPong, From: peer(50), Req: ping.m.Req})
		}
		want := uint64(50)
		if dead {
			want = 30
		}
		if p, ok := predID(h); !ok || p != want {
			t.Errorf("dead=%v: predecessor %d (set %v), want %d", dead, p, ok, want)
		}
	}
}

// TestLosingEverySuccessorRejoins: a node whose only successor times out,
// with no finger and no predecessor left, rejoins through the last peer it
// heard from instead of becoming a ring of one.
func TestLosingEverySuccessorRejoins(t *testing.T) {
	h, env := node(testConfig(8), 100, 0, 150)
	h.Deliver(env, 77, Message{Op: OpPing, From: peer(77)}) // last heard from 77
	env.take()
	req := stabilizeOnce(t, h, env)
	h.Fire(env, Timer{Kind: TimerRPC, Ref: req.m.Req})
	if h.Joined(0) {
		t.Fatalf("still joined with successors %v after losing its only successor", succIDs(h))
	}
	m := only(t, env.take(), OpFindReq)
	if m.to != 77 || m.m.Key != 100 {
		t.Errorf("rejoin lookup for %d sent to %d, want a lookup for 100 through 77", m.m.Key, m.to)
	}
}
