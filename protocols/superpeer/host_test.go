package superpeer

import (
	"slices"
	"testing"
	"time"

	"peerlab/engine"
	"peerlab/overlay"
	"peerlab/underlay"
)

const selfHost engine.NodeID = 100

// TestProbeScheduleAndFirewall: a joining peer whose host-cache entries
// never answer probes 4 entries per round at 0, 0.5, 1.5, ... 31.5 s and
// attaches over TCP at 39.5 s. Behind a UDP-blocking firewall the
// schedule is the same but not one probe leaves the host: the long login
// is the mechanism's, not a constant.
func TestProbeScheduleAndFirewall(t *testing.T) {
	for _, class := range []underlay.Class{underlay.Public, underlay.PortRestricted, underlay.UDPBlocked} {
		t.Run(class.String(), func(t *testing.T) {
			cfg := testConfig()
			cache := NewHostCache(cfg.HostCache, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
			h := NewHost(cfg, selfHost, HostInfo{Class: class, Capacity: 500, Cache: cache})
			env := newFakeEnv(selfHost)
			h.Join(env, engine.None)
			var rounds []time.Duration
			probes := 0
			for {
				sent := env.take()
				p := ofOp(sent, OpProbe)
				probes += len(p)
				if a := ofOp(sent, OpAttach); len(a) > 0 {
					if !a[0].m.TCP || len(a) != 1 {
						t.Fatalf("attach %v: want one, over TCP", ops(sent))
					}
					break
				}
				rounds = append(rounds, time.Duration(env.now))
				if len(rounds) > 20 {
					t.Fatal("never gave up on UDP")
				}
				env.fire(t, h, TimerProbe)
			}
			if got := time.Duration(env.now); got != cfg.UDPGiveUp() {
				t.Errorf("attached over TCP at %v, want %v", got, cfg.UDPGiveUp())
			}
			if len(rounds) != cfg.UDPTries {
				t.Errorf("%d probe rounds at %v, want %d", len(rounds), rounds, cfg.UDPTries)
			}
			want, dropped := cfg.UDPTries*cfg.ProbeFanout, 0
			if class == underlay.UDPBlocked {
				want, dropped = 0, cfg.UDPTries*cfg.ProbeFanout
			}
			if probes != want || h.Stats().FirewallDropped != dropped || h.Stats().Probes != cfg.UDPTries*cfg.ProbeFanout {
				t.Errorf("%d probes left the host, %d dropped by its firewall; want %d and %d", probes, h.Stats().FirewallDropped, want, dropped)
			}
		})
	}
}

// TestAttachAndLogin: the first probe answer is attached to over TCP; a
// Skype peer then logs in to the server and is online; a keep-alive goes
// out every period, and an unanswered one sends the peer back to its host
// cache without the silent superpeer.
func TestAttachAndLogin(t *testing.T) {
	cfg := testConfig()
	h := NewHost(cfg, selfHost, HostInfo{Class: underlay.PortRestricted, Capacity: 500})
	env := newFakeEnv(selfHost)
	h.Join(env, engine.None)
	if got := len(ofOp(env.take(), OpProbe)); got != 3 {
		t.Fatalf("%d probes to the 3 bootstrap superpeers", got)
	}
	env.now = engine.At(80 * time.Millisecond)
	h.Deliver(env, 2, Message{Op: OpProbeAck, OK: true})
	a := ofOp(env.take(), OpAttach)
	if len(a) != 1 || a[0].to != 2 || a[0].m.Class != underlay.PortRestricted {
		t.Fatalf("attach %+v: want one to 2 advertising port_restricted", a)
	}
	h.Deliver(env, 3, Message{Op: OpProbeAck, OK: true}) // a late answer: ignored
	if s := env.take(); len(s) != 0 {
		t.Fatalf("a second probe answer sent %v", ops(s))
	}
	h.Deliver(env, 2, Message{Op: OpAttachOK, TCP: true, OK: true, List: []engine.NodeID{5, 6, selfHost}})
	l := ofOp(env.take(), OpLogin)
	if len(l) != 1 || l[0].to != cfg.Server || h.Online() {
		t.Fatalf("after attaching: login %v, online %v; want a login to the server, not yet online", l, h.Online())
	}
	if h.Cache().Has(selfHost) || !h.Cache().Has(5) || h.Cache().At(0) != 2 {
		t.Errorf("host cache %v: want the superpeer first, the list merged, not itself", h.Cache().IDs())
	}
	h.Deliver(env, cfg.Server, Message{Op: OpLoginOK, TCP: true})
	if !h.Online() || h.Superpeer() != 2 {
		t.Fatalf("online %v with superpeer %v after the login", h.Online(), h.Superpeer())
	}
	alt := ofOp(env.take(), OpProbe)
	if len(alt) == 0 {
		t.Error("no alternate-node probes after the login")
	}
	env.fire(t, h, TimerKeepAlive)
	if k := ofOp(env.take(), OpKeepAlive); len(k) != 1 || k[0].to != 2 || !k[0].m.TCP {
		t.Fatalf("keep-alive %v", k)
	}
	env.fire(t, h, TimerKeepAliveAck) // unanswered
	if h.Superpeer() != engine.None || h.Cache().Has(2) {
		t.Errorf("after a silent keep-alive: superpeer %v, cache %v; want none, without 2", h.Superpeer(), h.Cache().IDs())
	}
	if p := ofOp(env.take(), OpProbe); len(p) == 0 || slices.ContainsFunc(p, func(s sentMsg) bool { return s.to == 2 }) {
		t.Errorf("reconnection probes %v: want some, none to the silent superpeer", ops(p))
	}
}

// newTestSuper returns a superpeer (a bootstrap one) whose list holds
// 20 other superpeers, 200 to 219; the timers and messages of Join are
// forgotten.
func newTestSuper(cfg *Config, self engine.NodeID) (*Host, *fakeEnv) {
	var list []engine.NodeID
	for i := range 20 {
		list = append(list, engine.NodeID(200+i))
	}
	cfg.BootstrapHosts = list
	h := NewHost(cfg, self, HostInfo{Class: underlay.Public, Capacity: 5000, Role: Super})
	env := newFakeEnv(self)
	h.Join(env, engine.None)
	env.take()
	env.timers = nil
	return h, env
}

// TestSkypeRounds: a superpeer that does not know the user hands the
// searcher 4 superpeers, then 8 per further round, all distinct, until
// its list is exhausted; the searcher asks each over UDP, asks for more
// when all said no, ends with the first that knows the user, and reports
// it to the superpeer, which caches it.
func TestSkypeRounds(t *testing.T) {
	cfg := testConfig()
	sp, spEnv := newTestSuper(cfg, 50)
	const peer engine.NodeID = 60
	sp.Deliver(spEnv, peer, Message{Op: OpQuery, TCP: true, QID: 7, Key: 999})
	var given []engine.NodeID
	for round, want := range []int{4, 8, 8, 0} {
		n := ofOp(spEnv.take(), OpNodes)
		if len(n) != 1 || n[0].to != peer || int(n[0].m.N) != want {
			t.Fatalf("round %d: nodes %+v, want %d to the peer", round, n, want)
		}
		given = append(given, n[0].m.Few[:n[0].m.N]...)
		sp.Deliver(spEnv, peer, Message{Op: OpMore, TCP: true, QID: 7})
	}
	slices.Sort(given)
	if len(slices.Compact(given)) != 20 {
		t.Errorf("handed out %v: want the 20 superpeers of the list, each once", given)
	}

	// the searcher's side
	h := NewHost(cfg, peer, HostInfo{Class: underlay.Public, Capacity: 100})
	env := newFakeEnv(peer)
	h.Join(env, engine.None)
	h.Deliver(env, 200, Message{Op: OpProbeAck, OK: true})
	h.Deliver(env, 200, Message{Op: OpAttachOK, TCP: true, OK: true})
	h.Deliver(env, cfg.Server, Message{Op: OpLoginOK, TCP: true})
	env.take()
	if !h.Lookup(env, 999) {
		t.Fatal("an online peer refused to search")
	}
	q := ofOp(env.take(), OpQuery)
	if len(q) != 1 || q[0].to != 200 || q[0].m.OK {
		t.Fatalf("query %+v: want one to the superpeer, not delegated", q)
	}
	qid := q[0].m.QID
	h.Deliver(env, 200, Message{Op: OpNodes, TCP: true, QID: qid, N: 2, Few: [MaxRoundNodes]engine.NodeID{201, 202}})
	asks := ofOp(env.take(), OpAsk)
	if len(asks) != 2 || asks[0].m.TCP {
		t.Fatalf("asks %v: want 2 over UDP", ops(asks))
	}
	// 201 is a superpeer that does not know the user; 202 was a
	// superpeer once and answers as a peer (OK false): the request for
	// more names it with the silent ones, so both ends drop it.
	for _, a := range asks {
		h.Deliver(env, a.to, Message{Op: OpAnswer, QID: qid, Addr: engine.None, TTL: a.m.TTL, OK: a.to == 201})
	}
	if m := ofOp(env.take(), OpMore); len(m) != 1 || m[0].to != 200 || m[0].m.N != 1 || m[0].m.Few[0] != 202 {
		t.Fatalf("after a fruitless round: %+v, want more nodes asked of the superpeer, naming 202 only", m)
	}

	// A host answers an ask as a superpeer only while it is one.
	for _, c := range []struct {
		host *Host
		env  *fakeEnv
		want bool
	}{{sp, spEnv, true}, {h, env, false}} {
		c.host.Deliver(c.env, 300, Message{Op: OpAsk, QID: 1, Key: 12345, TTL: 1})
		if a := ofOp(c.env.take(), OpAnswer); len(a) != 1 || a[0].m.OK != c.want || a[0].m.Addr != engine.None {
			t.Errorf("answer to an ask %+v, want one miss with OK %v", a, c.want)
		}
	}
	h.Deliver(env, 200, Message{Op: OpNodes, TCP: true, QID: qid, N: 1, Few: [MaxRoundNodes]engine.NodeID{205}})
	env.take()
	h.Deliver(env, 205, Message{Op: OpAnswer, QID: qid, Addr: 999, Via: 205, Class: underlay.Public, TTL: 2})
	if len(env.done) != 1 || env.done[0].Owner != 999 || env.done[0].Hops != 3 || env.done[0].Failed {
		t.Fatalf("lookup results %+v: want user 999 found in round 2", env.done)
	}
	sent := env.take()
	rep := ofOp(sent, OpReport)
	if len(rep) != 1 || rep[0].to != 200 || rep[0].m.Addr != 999 {
		t.Errorf("report %+v: want the result reported to the superpeer", rep)
	}
	if c := ofOp(sent, OpConnect); len(c) != 1 || c[0].to != 999 {
		t.Errorf("call set-up %v: want a direct connect to the public callee", ops(sent))
	}
	// the superpeer caches the report and answers the next search itself
	sp.Deliver(spEnv, peer, rep[0].m)
	sp.Deliver(spEnv, peer, Message{Op: OpQuery, TCP: true, QID: 8, Key: 999})
	if hit := ofOp(spEnv.take(), OpHit); len(hit) != 1 || hit[0].m.Addr != 999 || hit[0].m.Relay != engine.None {
		t.Errorf("after the report: %+v, want a hit from the cache naming no relay", hit)
	}
}

// TestDelegatedSearch: a peer behind a UDP-blocking firewall has its
// superpeer search for it; the superpeer asks over UDP and answers the
// peer with the result.
func TestDelegatedSearch(t *testing.T) {
	cfg := testConfig()
	sp, env := newTestSuper(cfg, 50)
	const peer engine.NodeID = 61
	sp.Deliver(env, peer, Message{Op: OpQuery, TCP: true, QID: 9, Key: 777, OK: true})
	asks := ofOp(env.take(), OpAsk)
	if len(asks) != cfg.FirstNodes {
		t.Fatalf("the superpeer asked %d superpeers, want %d", len(asks), cfg.FirstNodes)
	}
	for _, a := range asks[:len(asks)-1] {
		sp.Deliver(env, a.to, Message{Op: OpAnswer, QID: 9, Addr: engine.None, TTL: a.m.TTL})
	}
	last := asks[len(asks)-1]
	sp.Deliver(env, last.to, Message{Op: OpAnswer, QID: 9, Addr: 777, Via: last.to, TTL: last.m.TTL, Class: underlay.Symmetric})
	hit := ofOp(env.take(), OpHit)
	if len(hit) != 1 || hit[0].to != peer || hit[0].m.Addr != 777 || hit[0].m.Class != underlay.Symmetric || !hit[0].m.TCP {
		t.Fatalf("answer to the peer %+v: want the hit, over TCP", hit)
	}
	if len(env.done) != 0 {
		t.Error("the superpeer reported a lookup of its own")
	}
}

// TestPromotion: a superpeer over its target promotes its eligible peer of
// the largest capacity (public, capacity and uptime enough) and moves half
// its excess peers to it; with no eligible peer, nobody.
func TestPromotion(t *testing.T) {
	for _, tc := range []struct {
		name string
		// the candidate's class, capacity and uptime at the sweep
		class  underlay.Class
		cap    float32
		uptime time.Duration
		want   bool
	}{
		{"eligible", underlay.Public, 5000, time.Hour, true},
		{"behind a NAT", underlay.FullCone, 5000, time.Hour, false},
		{"too slow", underlay.Public, 500, time.Hour, false},
		{"too young", underlay.Public, 5000, time.Minute, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Ratio = 0.1 // target 9 peers
			sp, env := newTestSuper(cfg, 50)
			env.now = engine.At(2 * time.Hour)
			since := env.now - engine.At(tc.uptime)
			// 12 peers: the candidate (70) and 11 that are not eligible
			sp.Deliver(env, 70, Message{Op: OpAttach, TCP: true, Class: tc.class, Capacity: tc.cap, Since: since})
			sp.Deliver(env, 71, Message{Op: OpAttach, TCP: true, Class: underlay.Public, Capacity: 1500, Since: env.now})
			for p := engine.NodeID(72); p < 82; p++ {
				sp.Deliver(env, p, Message{Op: OpAttach, TCP: true, Class: underlay.Symmetric, Capacity: 9000, Since: 0})
			}
			env.take()
			sp.Fire(env, Timer{Kind: TimerSweep, Gen: sp.superGen})
			sent := env.take()
			pr := ofOp(sent, OpPromote)
			if !tc.want {
				if len(pr) != 0 {
					t.Fatalf("promoted %v", ops(pr))
				}
				return
			}
			if len(pr) != 1 || pr[0].to != 70 || !slices.Contains(pr[0].m.List, 50) {
				t.Fatalf("promotion %v: want 70, told of its promoter", ops(pr))
			}
			moves := ofOp(sent, OpMove)
			// 11 peers left for a target of 9: half the excess, 1, moves
			if len(moves) != 1 || sp.Children() != 10 {
				t.Errorf("%d peers moved, %d kept: want 1 moved (half of the excess over %d), 10 kept", len(moves), sp.Children(), cfg.TargetChildren())
			}
			for _, m := range moves {
				if m.m.Addr != 70 {
					t.Errorf("moved to %v, want the new superpeer 70", m.m.Addr)
				}
			}
			if sp.HasChild(70) {
				t.Error("the promoted peer is still a peer of its promoter")
			}
		})
	}
}

// TestSessionFallback: a call whose direct attempt is not answered falls
// back to hole punching through the rendezvous, then to a relay; the
// relay's OK ends it relayed.
func TestSessionFallback(t *testing.T) {
	cfg := testConfig()
	h := NewHost(cfg, selfHost, HostInfo{Class: underlay.FullCone, Capacity: 100,
		Cache: NewHostCache(cfg.HostCache, 201, 202, 203)})
	env := newFakeEnv(selfHost)
	h.up, h.phase, h.loggedIn, h.sp = true, phaseOnline, true, 201
	var ended []SessionResult
	cfg.Observer = sessionSpy{&ended}
	h.startSession(env, 5, hit{holder: 300, via: 202, class: underlay.FullCone, relay: engine.None})
	if c := ofOp(env.take(), OpConnect); len(c) != 1 || c[0].to != 300 {
		t.Fatalf("full cone to full cone: want a direct connect, got %v", c)
	}
	env.fire(t, h, TimerSession)
	sent := env.take()
	if r := ofOp(sent, OpPunchReq); len(r) != 1 || r[0].to != 202 || len(ofOp(sent, OpPunch)) != 1 {
		t.Fatalf("after the direct attempt: %v, want a punch request to the rendezvous and a punch", ops(sent))
	}
	env.fire(t, h, TimerSession)
	rq := ofOp(env.take(), OpRelayReq)
	if len(rq) != 1 || rq[0].to == 300 || rq[0].m.Addr != 300 || rq[0].m.Via != 202 {
		t.Fatalf("after the hole punch: %+v, want a relay request for 300 through 202", rq)
	}
	h.Deliver(env, rq[0].to, Message{Op: OpRelayOK, QID: 5})
	if len(ended) != 1 || !ended[0].OK || ended[0].Method != underlay.Relay || ended[0].Relay != rq[0].to || ended[0].Attempts != 3 ||
		ended[0].Planned != underlay.Direct {
		t.Fatalf("session results %+v: want relayed through %v after 3 attempts, planned direct", ended, rq[0].to)
	}
}

// sessionSpy is an Observer that keeps the session results only.
type sessionSpy struct{ out *[]SessionResult }

func (sessionSpy) Sent(engine.NodeID, Role, Message)                                   {}
func (sessionSpy) Received(engine.NodeID, Role, Message)                               {}
func (sessionSpy) FirewallDropped(engine.NodeID, Message, bool)                        {}
func (sessionSpy) RoleChanged(engine.NodeID, Role, engine.Time)                        {}
func (sessionSpy) LoggedIn(engine.NodeID, engine.Time)                                 {}
func (sessionSpy) Attached(_, _ engine.NodeID, _ engine.Time)                          {}
func (sessionSpy) Detached(_, _ engine.NodeID, _ Lost, _ engine.Time)                  {}
func (sessionSpy) Served(engine.NodeID, Op)                                            {}
func (sessionSpy) QueryStarted(engine.NodeID, uint64, uint64, engine.Time)             {}
func (sessionSpy) QueryEnded(engine.NodeID, uint64, overlay.LookupResult, engine.Time) {}
func (s sessionSpy) SessionEnded(r SessionResult)                                      { *s.out = append(*s.out, r) }
func (sessionSpy) Relayed(engine.NodeID, uint64, engine.NodeID, engine.NodeID)         {}

// TestDemotion: a promoted superpeer with fewer peers than DemoteBelow for
// three sweeps in a row moves them to its links, closes the links and
// looks for a superpeer of its own; one with enough peers, or a bootstrap
// superpeer, stays.
func TestDemotion(t *testing.T) {
	for _, tc := range []struct {
		name      string
		bootstrap bool
		peers     int
		want      bool
	}{
		{"underused", false, 1, true},
		{"busy enough", false, 20, false},
		{"bootstrap", true, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			role := Peer
			if tc.bootstrap {
				role = Super
			}
			h := NewHost(cfg, selfHost, HostInfo{Class: underlay.Public, Capacity: 5000, Role: role,
				Cache: NewHostCache(cfg.HostCache, 201, 202, 203)})
			env := newFakeEnv(selfHost)
			h.up = true
			h.becomeSuper(env, nil)
			for _, l := range []engine.NodeID{201, 202} {
				h.Deliver(env, l, Message{Op: OpLinkOK, TCP: true, OK: true})
			}
			for p := range tc.peers {
				h.Deliver(env, engine.NodeID(300+p), Message{Op: OpAttach, TCP: true, Class: underlay.Symmetric})
			}
			env.take()
			for range 3 {
				env.now += engine.At(cfg.KeepAlive)
				for p := range tc.peers { // the peers keep alive
					h.Deliver(env, engine.NodeID(300+p), Message{Op: OpKeepAlive, TCP: true})
				}
				h.Fire(env, Timer{Kind: TimerSweep, Gen: h.superGen})
			}
			env.now += engine.At(cfg.MinUptime)
			for p := range tc.peers {
				h.Deliver(env, engine.NodeID(300+p), Message{Op: OpKeepAlive, TCP: true})
			}
			h.Fire(env, Timer{Kind: TimerSweep, Gen: h.superGen})
			sent := env.take()
			if got := h.Role() == Peer; got != tc.want {
				t.Fatalf("demoted %v, want %v (sent %v)", got, tc.want, ops(sent))
			}
			if !tc.want {
				return
			}
			moves := ofOp(sent, OpMove)
			if len(moves) != tc.peers || (moves[0].m.Addr != 201 && moves[0].m.Addr != 202) {
				t.Errorf("moves %+v: want each peer moved to a link", moves)
			}
			if len(ofOp(sent, OpBye)) != 2 || len(ofOp(sent, OpProbe)) == 0 || h.Children() != 0 || len(h.Links()) != 0 {
				t.Errorf("after demoting: sent %v, %d peers, %d links; want byes to both links, probes, nothing kept",
					ops(sent), h.Children(), len(h.Links()))
			}
		})
	}
}

// TestExchangeContent: with exchange "sample" a superpeer sends its links
// a sample of its whole list (hearsay: superpeers it never heard from
// too); with "links", only the superpeers it is linked to, and itself.
func TestExchangeContent(t *testing.T) {
	for _, c := range []struct {
		exchange string
		hearsay  bool
	}{{ExchangeSample, true}, {ExchangeLinks, false}} {
		t.Run(c.exchange, func(t *testing.T) {
			cfg := testConfig()
			cfg.Exchange = c.exchange
			cfg.ExchangeSize = 10
			sp, env := newTestSuper(cfg, 50)
			for _, id := range []engine.NodeID{201, 202} {
				sp.Deliver(env, id, Message{Op: OpLink, TCP: true})
			}
			env.take()
			sp.Fire(env, Timer{Kind: TimerExchange, Gen: sp.superGen})
			lists := ofOp(env.take(), OpSPList)
			if len(lists) != 2 {
				t.Fatalf("sent %d lists, want one per link (2)", len(lists))
			}
			list := lists[0].m.List
			if !slices.Contains(list, 50) {
				t.Errorf("list %v does not name the sender", list)
			}
			others := slices.DeleteFunc(slices.Clone(list), func(id engine.NodeID) bool { return id == 50 || id == 201 || id == 202 })
			if got := len(others) > 0; got != c.hearsay {
				t.Errorf("list %v: superpeers beyond the links %v, want %v", list, others, c.hearsay)
			}
			if !c.hearsay && len(list) != 3 {
				t.Errorf("list %v, want the two links and the sender", list)
			}
		})
	}
}
