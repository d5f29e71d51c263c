package run

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat"

	"peerlab/engine"
	"peerlab/protocols/superpeer"
	"peerlab/results"
	"peerlab/scenario"
	"peerlab/underlay"
)

// superpeerSpec is a static superpeer network: n hosts arriving over 2
// minutes, constant 25 ms one-way delays, every host searching every 2
// minutes, the given share of hosts public and the rest of class other.
func superpeerSpec(mode string, n int, public float64, other underlay.Class) scenario.Spec {
	s := testSpec(n, 30*time.Minute, 10*time.Minute)
	s.Protocol = "superpeer"
	s.Superpeer.Mode = mode
	s.Superpeer.Ratio = 0.1 // superpeers of 9 peers: promotions even in small networks
	s.Superpeer.MinUptime = time.Minute
	s.Superpeer.TTL = 7
	s.Underlay.Model = "constant"
	s.Underlay.Delay = 25 * time.Millisecond
	s.Churn.ArrivalWindow = 2 * time.Minute
	s.Workload.LookupInterval = 2 * time.Minute
	s.Content.Objects = 200
	s.Content.ReplicationRatio = 0.01
	if public < 1 {
		s.Underlay.NAT.Public = public
		switch other {
		case underlay.FullCone:
			s.Underlay.NAT.FullCone = 1 - public
		case underlay.RestrictedCone:
			s.Underlay.NAT.RestrictedCone = 1 - public
		case underlay.PortRestricted:
			s.Underlay.NAT.PortRestricted = 1 - public
		case underlay.Symmetric:
			s.Underlay.NAT.Symmetric = 1 - public
		case underlay.UDPBlocked:
			s.Underlay.NAT.UDPBlocked = 1 - public
		}
	}
	return s
}

// superpeerRun is a superpeer simulation a test can inspect.
type superpeerRun struct {
	r *runner[superpeer.Message, superpeer.Timer]
	b *superpeerBinding
}

func newSuperpeerRun(t testing.TB, spec scenario.Spec) *superpeerRun {
	t.Helper()
	if err := spec.Validate(); err != nil {
		t.Fatalf("invalid test scenario: %v", err)
	}
	b, err := newSuperpeerBinding(&spec)
	if err != nil {
		t.Fatal(err)
	}
	r, err := newRunner(&spec, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &superpeerRun{r: r, b: b}
}

func (s *superpeerRun) runUntil(d time.Duration) { s.r.sim.RunUntil(engine.At(d)) }

// liveSuper reports whether host is up and a superpeer.
func (s *superpeerRun) liveSuper(host engine.NodeID) bool {
	return host >= 0 && s.r.sim.Alive(host) && s.b.hosts[host].Role() == superpeer.Super
}

// TestSuperpeerReattach: a superpeer with peers crashes, or leaves. Each
// of its peers must be attached to another live superpeer within what its
// keep-alive and host cache allow: after a crash, one keep-alive period
// and a timeout to notice, then the UDP probe rounds up to the first live
// superpeer in its host cache (plus round trips); after a leave, the
// goodbye arrives at once, so only the probing counts.
func TestSuperpeerReattach(t *testing.T) {
	for _, tc := range []struct {
		name     string
		graceful bool
	}{{"crash", false}, {"leave", true}} {
		t.Run(tc.name, func(t *testing.T) {
			spec := superpeerSpec(superpeer.Skype, 300, 0.5, underlay.PortRestricted)
			sr := newSuperpeerRun(t, spec)
			at := 15 * time.Minute
			sr.runUntil(at)
			// the promoted (not pinned) superpeer with the most peers
			victim := engine.None
			for h, host := range sr.b.hosts {
				if host != nil && sr.liveSuper(engine.NodeID(h)) && !sr.b.pins[h] &&
					(victim == engine.None || host.Children() > sr.b.hosts[victim].Children()) {
					victim = engine.NodeID(h)
				}
			}
			if victim == engine.None || sr.b.hosts[victim].Children() < 3 {
				t.Fatalf("no promoted superpeer with peers at %v", at)
			}
			cfg := &sr.b.cfg
			// each peer's bound, from its host cache now
			bound := map[engine.NodeID]time.Duration{}
			for h, host := range sr.b.hosts {
				if host == nil || !sr.r.sim.Alive(engine.NodeID(h)) || host.Role() != superpeer.Peer || host.Superpeer() != victim {
					continue
				}
				d := time.Second // round trips and slack
				if !tc.graceful {
					d += cfg.KeepAlive + cfg.Timeout
				}
				pos := 0
				for _, id := range host.Cache().IDs() {
					if id == victim {
						continue
					}
					if sr.liveSuper(id) {
						break
					}
					pos++
				}
				for k := 0; k < pos/cfg.ProbeFanout; k++ {
					d += cfg.UDPRTO << k
				}
				bound[engine.NodeID(h)] = d
			}
			if len(bound) < 3 {
				t.Fatalf("superpeer %d has only %d peers", victim, len(bound))
			}
			sr.r.depart(victim, tc.graceful)
			downAt := sr.r.sim.Now()
			nReconn := len(sr.b.reconn)
			sr.runUntil(at + cfg.KeepAlive + cfg.Timeout + cfg.UDPGiveUp())
			for p := range bound {
				if sp := sr.b.hosts[p].Superpeer(); sr.r.sim.Alive(p) && (sp == victim || !sr.liveSuper(sp)) {
					t.Errorf("peer %d is attached to %v, not to a live superpeer", p, sp)
				}
			}
			// the reconnection records: one per peer of the victim, each
			// within its bound
			got := 0
			for _, rc := range sr.b.reconn[nReconn:] {
				if rc.at != downAt {
					continue
				}
				got++
				if rc.after < 0 {
					t.Errorf("reconnection before the departure: %+v", rc)
				}
			}
			if got != len(bound) {
				t.Errorf("%d reconnections counted from the departure, want %d (one per peer)", got, len(bound))
			}
			worst := 0.0
			for p, d := range bound {
				after, ok := sr.reattachedAfter(p, downAt)
				if !ok {
					t.Errorf("peer %d: no reconnection recorded", p)
					continue
				}
				if after > d.Seconds() {
					t.Errorf("peer %d reattached %.2f s after its superpeer's departure, its keep-alive and host cache allow %.2f s", p, after, d.Seconds())
				}
				worst = max(worst, after)
			}
			t.Logf("%s of superpeer %d with %d peers: all reattached, the last after %.2f s", tc.name, victim, len(bound), worst)
		})
	}
}

// reattachedAfter returns how long after from peer p reattached, from the
// binding's reconnection records.
func (s *superpeerRun) reattachedAfter(p engine.NodeID, from engine.Time) (float64, bool) {
	for _, rc := range s.b.reconn {
		if rc.peer == p && rc.at == from {
			return rc.after, true
		}
	}
	return 0, false
}

// TestSuperpeerCallsByNATMix: with only public hosts no call is relayed
// (every one goes direct); with both ends behind symmetric NATs every
// call is relayed (planned so, and carried by a relay); in Napster the
// downloads between symmetric hosts are relayed too, through the relay the
// server names.
func TestSuperpeerCallsByNATMix(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mode   string
		public float64
		check  func(t *testing.T, s superpeer.SessionResult)
	}{
		{"skype all public", superpeer.Skype, 1, func(t *testing.T, s superpeer.SessionResult) {
			if s.Planned != underlay.Direct || s.OK && s.Method != underlay.Direct || s.Relay != engine.None {
				t.Errorf("call between public hosts %+v: want direct, never relayed", s)
			}
		}},
		{"skype symmetric", superpeer.Skype, 0.3, func(t *testing.T, s superpeer.SessionResult) {
			if s.CallerClass == underlay.Symmetric && s.CalleeClass == underlay.Symmetric &&
				(s.Planned != underlay.Relay || s.OK && (s.Method != underlay.Relay || s.Relay == engine.None)) {
				t.Errorf("call between symmetric NATs %+v: want relayed", s)
			}
		}},
		{"napster all public", superpeer.Napster, 1, func(t *testing.T, s superpeer.SessionResult) {
			if s.OK && s.Method != underlay.Direct {
				t.Errorf("download between public hosts %+v: want direct", s)
			}
		}},
		{"napster symmetric", superpeer.Napster, 0.3, func(t *testing.T, s superpeer.SessionResult) {
			if s.CallerClass == underlay.Symmetric && s.CalleeClass == underlay.Symmetric && s.OK && s.Method != underlay.Relay {
				t.Errorf("download between symmetric NATs %+v: want relayed", s)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := superpeerSpec(tc.mode, 200, tc.public, underlay.Symmetric)
			res, err := Run(spec, Options{})
			if err != nil {
				t.Fatal(err)
			}
			sr := newSuperpeerRun(t, spec) // the same run again, to see the sessions
			sr.runUntil(spec.Duration)
			var n, ok, symPairs, relayed, firstRelay int
			for _, s := range sr.b.sessions {
				n++
				if s.OK {
					ok++
				}
				if s.OK && s.Method == underlay.Relay {
					relayed++
					if s.Attempts == 1 {
						firstRelay++
					}
				}
				if s.CallerClass == underlay.Symmetric && s.CalleeClass == underlay.Symmetric {
					symPairs++
				}
				tc.check(t, s)
			}
			if n < 200 || float64(ok) < 0.97*float64(n) {
				t.Errorf("%d sessions, %d set up: want at least 200, 97%% of them set up", n, ok)
			}
			if float64(firstRelay) < 0.9*float64(relayed) {
				t.Errorf("only %d of %d relayed sessions worked through the first relay tried", firstRelay, relayed)
			}
			if tc.public < 1 && symPairs < 50 {
				t.Errorf("only %d sessions between symmetric hosts", symPairs)
			}
			sum := summaryMap(res)
			if tc.public == 1 && sum["superpeer.calls.relayed_fraction"] != 0 {
				t.Errorf("relayed fraction %v with only public hosts", sum["superpeer.calls.relayed_fraction"])
			}
			if tc.public < 1 && sum["superpeer.calls.pair.symmetric.symmetric.relayed_fraction"] != 1 {
				t.Errorf("symmetric-symmetric relayed fraction %v, want 1", sum["superpeer.calls.pair.symmetric.symmetric.relayed_fraction"])
			}
			t.Logf("%d sessions, %d set up, %d between symmetric hosts; relayed fraction %.3f", n, ok, symPairs, sum["superpeer.calls.relayed_fraction"])
		})
	}
}

// TestSuperpeerSearchOracle: under churn (graceful leaves, so indexes are
// updated at once), a search succeeds if and only if the object or user
// is online somewhere: every search for something that was logged in at
// its start and end succeeds (but for the few caught while a holder moves
// between superpeers), and none for something whose every host was down
// at its start and end. (A host up but still logging in may be found
// through a cached result from its previous session: that is right.) Searches of
// every mode are checked against the oracle (live host, right object or
// user) by the runner. Peers behind a UDP-blocking firewall have their
// superpeer search for them.
func TestSuperpeerSearchOracle(t *testing.T) {
	for _, tc := range []struct {
		mode  string
		other underlay.Class
	}{
		{superpeer.Napster, underlay.PortRestricted},
		{superpeer.KaZaA, underlay.PortRestricted},
		{superpeer.Skype, underlay.PortRestricted},
		{superpeer.Skype, underlay.UDPBlocked},
	} {
		mode := tc.mode
		t.Run(mode+"/"+tc.other.String(), func(t *testing.T) {
			spec := superpeerSpec(mode, 300, 0.6, tc.other)
			spec.Duration = 40 * time.Minute
			spec.Churn.Model = "sessions"
			spec.Churn.Session.Mean = 20 * time.Minute
			spec.Churn.Downtime.Mean = 10 * time.Minute
			spec.Churn.GracefulFraction = 1
			sr := newSuperpeerRun(t, spec)
			sr.runUntil(spec.Duration)
			metric := map[string]float64{}
			for _, m := range sr.b.finish(sr.r.col.Lookups()) {
				metric[m.Key] = m.Value
			}
			// Searches after the warm-up, split by whether what they looked
			// for was online (logged in at start and end) or offline (every
			// host holding it down at both).
			avail := int(metric["superpeer.search.available"])
			unavail := int(metric["superpeer.search.offline"])
			availOK := int(math.Round(metric["superpeer.search.success_when_available"] * float64(avail)))
			unavailOK := int(math.Round(metric["superpeer.search.success_when_offline"] * float64(unavail)))
			if avail < 1000 {
				t.Fatalf("only %d searches for something online", avail)
			}
			if mode == superpeer.Skype && unavail < 100 {
				t.Fatalf("only %d searches for users offline", unavail)
			}
			if unavailOK > 0 {
				t.Errorf("%d of %d searches for something offline succeeded", unavailOK, unavail)
			}
			if miss := avail - availOK; float64(miss) > 0.01*float64(avail) {
				t.Errorf("%d of %d searches for something online failed: want at most 1%%", miss, avail)
			}
			t.Logf("%s: %d/%d searches for something online succeeded, %d for something offline", mode, availOK, avail, unavail)
		})
	}
}

// TestSuperpeerLoginTimes: the login time comes out of the mechanism. A
// public host logs in within a few round trips; a port-restricted one
// pays the STUN step's two timeouts first; a host behind a UDP-blocking
// firewall hears nothing for the STUN timeout and the whole UDP probe
// schedule before it attaches over TCP.
func TestSuperpeerLoginTimes(t *testing.T) {
	spec := superpeerSpec(superpeer.Skype, 300, 0.5, underlay.PortRestricted)
	spec.Underlay.NAT.PortRestricted = 0.3
	spec.Underlay.NAT.UDPBlocked = 0.2
	spec.Warmup = 0
	spec.Duration = 15 * time.Minute
	spec.Churn.ArrivalWindow = 10 * time.Minute
	sr := newSuperpeerRun(t, spec)
	sr.runUntil(spec.Duration)
	stun := spec.Underlay.NAT.STUNTimeout.Seconds()
	giveUp := sr.b.cfg.UDPGiveUp().Seconds()
	rtt := 0.05
	for _, tc := range []struct {
		class  underlay.Class
		lo, hi float64
	}{
		{underlay.Public, 0, 12 * rtt},
		{underlay.PortRestricted, 2 * stun, 2*stun + 12*rtt},
		{underlay.UDPBlocked, stun + giveUp, stun + giveUp + 12*rtt},
	} {
		var n, inside int
		for _, l := range sr.b.logins {
			if l.class != tc.class || l.start < engine.At(time.Minute) { // once the bootstrap superpeers are up
				continue
			}
			n++
			if l.secs >= tc.lo && l.secs <= tc.hi {
				inside++
			}
		}
		if n < 20 || float64(inside) < 0.95*float64(n) {
			t.Errorf("%v: %d of %d logins took between %.2f and %.2f s, want at least 20 and 95%%", tc.class, inside, n, tc.lo, tc.hi)
		}
	}
}

// TestSuperpeerPinnedServer: the central server and the bootstrap
// superpeers stay up under churn; every other host comes and goes.
func TestSuperpeerPinnedServer(t *testing.T) {
	spec := superpeerSpec(superpeer.Skype, 200, 0.5, underlay.PortRestricted)
	spec.Churn.Model = "sessions"
	spec.Churn.Session.Mean = 5 * time.Minute
	spec.Churn.Downtime.Mean = 5 * time.Minute
	sr := newSuperpeerRun(t, spec)
	sr.runUntil(spec.Duration)
	pinned := 0
	for h, p := range sr.b.pins {
		if p {
			pinned++
			if !sr.r.sim.Alive(engine.NodeID(h)) {
				t.Errorf("pinned host %d is down", h)
			}
			if sr.b.classes[h] != underlay.Public {
				t.Errorf("pinned host %d is %v, not public", h, sr.b.classes[h])
			}
		}
	}
	if pinned != 1+sr.b.cfg.Bootstrap {
		t.Errorf("%d hosts pinned, want the server and %d bootstrap superpeers", pinned, sr.b.cfg.Bootstrap)
	}
	if s := sr.b.cfg.Server; sr.b.hosts[s].Role() != superpeer.Server {
		t.Errorf("server %d has role %v", s, sr.b.hosts[s].Role())
	}
}

// TestSuperpeerDeterministic: one seed, one result, in every mode, with
// NATs and churn.
func TestSuperpeerDeterministic(t *testing.T) {
	for _, mode := range []string{superpeer.Napster, superpeer.KaZaA, superpeer.Skype} {
		var prev *results.Run
		for range 2 {
			s := superpeerSpec(mode, 200, 0.5, underlay.Symmetric)
			s.Churn.Model = "sessions"
			s.Churn.Session.Mean = 10 * time.Minute
			res, err := Run(s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if prev != nil && (!reflect.DeepEqual(prev.Lookups, res.Lookups) || !reflect.DeepEqual(prev.Summary, res.Summary) ||
				!reflect.DeepEqual(prev.Nodes, res.Nodes) || !reflect.DeepEqual(prev.Traffic, res.Traffic)) {
				t.Fatalf("%s: two runs of one scenario and seed differ", mode)
			}
			prev = res
		}
	}
}

// TestSuperpeerTables: the superpeer tables a run writes agree with its
// summary.json: the logins, reconnections and calls after the warm-up are
// the ones summarised (counts, means, fractions), the last superpeer
// sample is the end's superpeer count, the load rows are the superpeers
// and relays summarised, and the role traffic gives the bytes per
// host-second of each role. Napster logs in over TCP; so does a host
// behind a UDP-blocking firewall.
func TestSuperpeerTables(t *testing.T) {
	for _, tc := range []struct {
		mode  string
		other underlay.Class
	}{
		{superpeer.Napster, underlay.Symmetric},
		{superpeer.KaZaA, underlay.UDPBlocked},
		{superpeer.Skype, underlay.UDPBlocked},
		{superpeer.Skype, underlay.Symmetric},
	} {
		t.Run(tc.mode+"/"+tc.other.String(), func(t *testing.T) {
			spec := superpeerSpec(tc.mode, 200, 0.5, tc.other)
			spec.Churn.Model = "sessions"
			spec.Churn.Session.Mean = 10 * time.Minute
			spec.Churn.Downtime.Mean = 5 * time.Minute
			res, err := Run(spec, Options{})
			if err != nil {
				t.Fatal(err)
			}
			tb := res.Superpeer
			if tb == nil {
				t.Fatal("no superpeer tables")
			}
			sum := summaryMap(res)
			w := spec.Warmup.Seconds()
			near := func(what string, got, want float64) {
				t.Helper()
				if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Errorf("%s: %v from the tables, %v in the summary", what, got, want)
				}
			}

			// logins
			var logins []float64
			byClass := map[string]int{}
			for _, l := range tb.Logins {
				if l.TimeS >= w {
					logins = append(logins, l.LoginS)
					byClass[l.Class]++
				}
				if (tc.mode == superpeer.Napster || l.Class == underlay.UDPBlocked.String()) && l.Method != results.LoginTCP {
					t.Errorf("login %+v: want over TCP", l)
				}
			}
			if len(logins) < 50 {
				t.Fatalf("only %d logins after the warm-up", len(logins))
			}
			near("logins", float64(len(logins)), sum["superpeer.login_s.count"])
			near("mean login time", stat.Mean(logins, nil), sum["superpeer.login_s.mean"])
			for c, n := range byClass {
				near("logins of "+c, float64(n), sum["superpeer.login_s."+c+".count"])
			}

			// reconnections
			causes := map[string]int{}
			for _, r := range tb.Reconnects {
				if r.TimeS >= w {
					causes[r.Cause]++
					causes["all"]++
				}
				if r.ReconnectS < 0 {
					t.Errorf("reconnection %+v before the loss", r)
				}
			}
			if tc.mode != superpeer.Napster && causes[results.CauseCrash] == 0 {
				t.Error("no reconnection after a crash")
			}
			near("reconnections", float64(causes["all"]), sum["superpeer.reconnect_s.count"])
			near("reconnections after a crash", float64(causes[results.CauseCrash]), sum["superpeer.reconnect_s.after_crash.count"])
			near("reconnections after a leave", float64(causes[results.CauseLeave]), sum["superpeer.reconnect_s.after_leave.count"])

			// calls
			outcomes := map[string]int{}
			for _, c := range tb.Calls {
				if c.TimeS < w {
					continue
				}
				outcomes[c.Outcome]++
				outcomes["all"]++
				if (c.Outcome == results.CallRelayed) != (c.Relay >= 0) {
					t.Errorf("call %+v: a relay exactly when relayed", c)
				}
			}
			set := outcomes["all"] - outcomes[results.CallFailed]
			if set < 100 {
				t.Fatalf("only %d calls set up after the warm-up", set)
			}
			near("calls", float64(outcomes["all"]), sum["superpeer.calls.count"])
			for _, o := range []struct{ outcome, key string }{
				{results.CallDirect, "direct_fraction"}, {results.CallHolePunched, "hole_punched_fraction"}, {results.CallRelayed, "relayed_fraction"},
			} {
				near(o.key, float64(outcomes[o.outcome])/float64(set), sum["superpeer.calls."+o.key])
			}
			if tc.other == underlay.Symmetric && outcomes[results.CallRelayed] == 0 {
				t.Error("no call relayed with symmetric NATs")
			}

			// superpeers over time: one sample per interval, the last at the end
			if got, want := len(tb.Samples), int(spec.Duration/spec.Output.SampleInterval); got != want {
				t.Fatalf("%d superpeer samples, want %d", got, want)
			}
			for i, s := range tb.Samples {
				if s.TimeS != res.Series[i].TimeS || s.LiveHosts != res.Series[i].LiveNodes {
					t.Errorf("sample %d: %d hosts up at %v s; timeseries.csv says %d at %v s", i, s.LiveHosts, s.TimeS, res.Series[i].LiveNodes, res.Series[i].TimeS)
				}
				if s.Superpeers > s.LoggedIn || s.LoggedIn > s.LiveHosts {
					t.Errorf("sample %+v: want superpeers <= logged in <= up", s)
				}
			}
			last := tb.Samples[len(tb.Samples)-1]
			near("superpeers at the end", float64(last.Superpeers), sum["superpeer.superpeers.at_end"])
			near("hosts up at the end", float64(last.LiveHosts), sum["nodes.live_at_end"])

			// load at the end
			var peers []float64
			relays, serverQueries := 0, -1
			for _, l := range tb.Load {
				switch l.Role {
				case results.RoleSuperpeer:
					peers = append(peers, float64(l.Peers))
				case results.RoleServer:
					serverQueries = l.Queries
				}
				if l.Relayed > 0 {
					relays++
				}
			}
			near("superpeers in the load table", float64(len(peers)), sum["superpeer.superpeers.at_end"])
			if len(peers) > 0 {
				near("peers per superpeer", stat.Mean(peers, nil), sum["superpeer.load.peers.mean"])
			}
			near("relays", float64(relays), sum["superpeer.relay.hosts"])
			if tc.mode != superpeer.KaZaA {
				near("server queries", float64(serverQueries), sum["superpeer.server.queries"])
			}

			// traffic per role
			for _, role := range []string{results.RolePeer, results.RoleSuperpeer, results.RoleServer} {
				var by, secs float64
				for _, rt := range tb.RoleTraffic {
					if rt.Role == role {
						by += float64(rt.Bytes)
						secs += rt.HostS
					}
				}
				key := "superpeer.traffic." + role + ".bytes_per_node_per_s"
				if want, ok := sum[key]; ok {
					near(key, by/secs, want)
				} else if secs > 0 {
					t.Errorf("%s missing from the summary, %v host-seconds in the table", key, secs)
				}
			}

			// and the directory round-trips
			dir := filepath.Join(t.TempDir(), "run")
			res.SkipPlots = true
			if err := results.Write(dir, res); err != nil {
				t.Fatal(err)
			}
			back, err := results.Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back.Superpeer, res.Superpeer) {
				t.Error("superpeer tables differ after writing and reading back")
			}
		})
	}
}

// TestSuperpeerDirectoryIdentical: two runs of one superpeer scenario and
// seed write byte-identical directories, the superpeer tables and
// figures included; every superpeer figure is drawn with data.
func TestSuperpeerDirectoryIdentical(t *testing.T) {
	spec := superpeerSpec(superpeer.Skype, 150, 0.5, underlay.PortRestricted)
	spec.Churn.Model = "sessions"
	spec.Churn.Session.Mean = 10 * time.Minute
	spec.Duration = 20 * time.Minute
	spec.Warmup = 5 * time.Minute
	base := t.TempDir()
	var dirs []string
	for i := range 2 {
		res, err := Run(spec, Options{})
		if err != nil {
			t.Fatal(err)
		}
		res.Manifest = map[string]any{"config": spec.Resolved()}
		dir := filepath.Join(base, fmt.Sprint(i))
		if err := results.Write(dir, res); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	es, err := os.ReadDir(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range es {
		names[e.Name()] = true
		a, _ := os.ReadFile(filepath.Join(dirs[0], e.Name()))
		b, err := os.ReadFile(filepath.Join(dirs[1], e.Name()))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs of one scenario and seed (%v)", e.Name(), err)
		}
	}
	for _, f := range []string{results.LoginsFile, results.ReconnectsFile, results.CallsFile, results.SuperpeersFile, results.SuperpeerLoadFile, results.RoleTrafficFile} {
		if !names[f] {
			t.Errorf("%s not written", f)
		}
	}
	for _, f := range []string{"login_cdf", "reconnect_cdf", "superpeers_over_time", "superpeer_load", "call_setup_pairs", "role_traffic"} {
		png, err := os.ReadFile(filepath.Join(dirs[0], f+".png"))
		if err != nil || len(png) < 10000 {
			t.Errorf("%s.png: %d bytes (%v)", f, len(png), err)
		}
		svg, err := os.ReadFile(filepath.Join(dirs[0], f+".svg"))
		if err != nil || bytes.Contains(svg, []byte("no data")) {
			t.Errorf("%s.svg: no data (%v)", f, err)
		}
	}
}

// TestNoSuperpeerTablesForOtherProtocols: a Chord or Gnutella run has no
// superpeer tables, so its directory gets none of their files.
func TestNoSuperpeerTablesForOtherProtocols(t *testing.T) {
	for _, proto := range []string{"chord", "gnutella"} {
		spec := testSpec(60, 5*time.Minute, time.Minute)
		spec.Churn.ArrivalWindow = time.Minute
		spec.Protocol = proto
		res, err := Run(spec, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Superpeer != nil {
			t.Errorf("%s run with superpeer tables", proto)
		}
	}
}
