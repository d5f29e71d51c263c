package run

import (
	"crypto/sha256"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"peerlab/engine"
	"peerlab/protocols/chord"
	"peerlab/results"
	"peerlab/scenario"
)

// ---- harness ----

// chordRun is a Chord simulation a test can stop, inspect and drive.
type chordRun struct {
	r *runner[chord.Message, chord.Timer]
	b *chordBinding
}

func newChordRun(t testing.TB, spec scenario.Spec) *chordRun {
	t.Helper()
	if err := spec.Validate(); err != nil {
		t.Fatalf("invalid test scenario: %v", err)
	}
	b := newChordBinding(&spec)
	r, err := newRunner(&spec, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &chordRun{r: r, b: b}
}

func (c *chordRun) runUntil(d time.Duration) { c.r.sim.RunUntil(engine.At(d)) }

// leave makes host leave gracefully, as a churn model would: the protocol's
// Leave (its goodbyes leave at the current virtual time), then down in the
// engine, the oracle, the collector and the bootstrap list.
func (c *chordRun) leave(host engine.NodeID) { c.r.depart(host, true) }

// crash takes host down without telling it.
func (c *chordRun) crash(host engine.NodeID) { c.r.depart(host, false) }

// liveHosts lists the hosts that are up.
func (c *chordRun) liveHosts() []engine.NodeID {
	var out []engine.NodeID
	for h := range c.b.hosts {
		if c.b.hosts[h] != nil && c.r.sim.Alive(engine.NodeID(h)) {
			out = append(out, engine.NodeID(h))
		}
	}
	return out
}

// livePeers lists the live virtual nodes as the hosts themselves report them
// (not from the binding's oracle).
func (c *chordRun) livePeers() []chord.Peer {
	var out []chord.Peer
	for _, h := range c.liveHosts() {
		out = append(out, c.b.hosts[h].VirtualNodes()...)
	}
	return out
}

// heldKeys returns the keys host stores on all its virtual nodes.
func (c *chordRun) heldKeys(host engine.NodeID) []uint64 {
	var out []uint64
	h := c.b.hosts[host]
	for v := range h.VirtualNodes() {
		out = append(out, h.StoredKeys(v)...)
	}
	return out
}

// lookupsAfter returns the lookups issued at or after from, by outcome.
func (c *chordRun) lookupsAfter(from time.Duration) map[string][]results.LookupRow {
	out := make(map[string][]results.LookupRow)
	for _, l := range c.r.col.Lookups() {
		if l.TimeS >= from.Seconds() {
			out[l.Outcome] = append(out[l.Outcome], l)
		}
	}
	return out
}

// checkLookups fails the test unless every lookup issued at or after from
// succeeded, and there were at least min of them.
func (c *chordRun) checkLookups(t testing.TB, from time.Duration, min int) {
	t.Helper()
	ls := c.lookupsAfter(from)
	if n := len(ls[results.Success]); n < min {
		t.Errorf("%d successful lookups after %v, want at least %d", n, from, min)
	}
	for _, o := range []string{results.Incorrect, results.Failed} {
		if n := len(ls[o]); n > 0 {
			t.Errorf("%d %s lookups after %v (first: %+v), want none", n, o, from, ls[o][0])
		}
	}
}

// testSpec is scenario.Default() resized for tests: n hosts, no plots.
func testSpec(n int, duration, warmup time.Duration) scenario.Spec {
	s := scenario.Default()
	s.Name = "test"
	s.Nodes = n
	s.Duration = duration
	s.Warmup = warmup
	s.Output.Plots = false
	return s
}

// ---- the test's own oracle ----

// scanRing answers every question by a linear scan over the live virtual
// nodes, independently of chordBinding.successor and its sorted list.
type scanRing struct {
	space chord.Space
	peers []chord.Peer
}

func (c *chordRun) scan() scanRing { return scanRing{space: c.b.space, peers: c.livePeers()} }

// successor is the first peer at or clockwise after key.
func (o scanRing) successor(key uint64) chord.Peer {
	best, bd := chord.Peer{}, uint64(0)
	for i, p := range o.peers {
		if d := o.space.Dist(key, p.ID); i == 0 || d < bd {
			best, bd = p, d
		}
	}
	return best
}

// predecessor is the first peer strictly counter-clockwise of id.
func (o scanRing) predecessor(id uint64) chord.Peer {
	best, bd, found := chord.Peer{}, uint64(0), false
	for _, p := range o.peers {
		if p.ID == id {
			continue
		}
		if d := o.space.Dist(p.ID, id); !found || d < bd {
			best, bd, found = p, d, true
		}
	}
	return best
}

// successors is the successor list of the peer at id: the next r peers
// clockwise, stopping before coming back to id; [self] in a ring of one.
func (o scanRing) successors(id uint64, r int) []chord.Peer {
	var out []chord.Peer
	for cur := id; len(out) < r; {
		s := o.successor(o.space.Add(cur, 1))
		if s.ID == id {
			break
		}
		out = append(out, s)
		cur = s.ID
	}
	if len(out) == 0 {
		out = append(out, o.successor(id))
	}
	return out
}

// checkRouting compares every live virtual node's successor list,
// predecessor and, if fingers is set, every finger with the linear-scan
// oracle. It reports the first few mismatches and returns their number.
func (c *chordRun) checkRouting(t testing.TB, fingers bool) int {
	t.Helper()
	o := c.scan()
	if got, want := len(c.b.live), len(o.peers); got != want {
		t.Errorf("the binding's oracle lists %d live virtual nodes, the hosts %d", got, want)
	}
	bad := 0
	report := func(format string, args ...any) {
		bad++
		if bad <= 8 {
			t.Errorf(format, args...)
		}
	}
	r := c.b.cfg.Successors
	for _, h := range c.liveHosts() {
		host := c.b.hosts[h]
		for v, self := range host.VirtualNodes() {
			if !host.Joined(v) {
				report("host %d vnode %d (id %d) has not joined", h, v, self.ID)
				continue
			}
			if got, want := host.Successors(v), o.successors(self.ID, r); !slices.Equal(got, want) {
				report("vnode %d: successors %v, want %v", self.ID, ids(got), ids(want))
			}
			if want := o.predecessor(self.ID); len(o.peers) > 1 {
				if p, ok := host.Predecessor(v); !ok || p != want {
					report("vnode %d: predecessor %d (set %v), want %d", self.ID, p.ID, ok, want.ID)
				}
			}
			if !fingers {
				continue
			}
			for i := range c.b.space.Bits() {
				want := o.successor(c.b.space.FingerStart(self.ID, i))
				if f, ok := host.Finger(v, i); !ok || f != want {
					report("vnode %d: finger %d = %d (set %v), want %d", self.ID, i, f.ID, ok, want.ID)
				}
			}
		}
	}
	if bad > 8 {
		t.Errorf("... %d routing mismatches in all", bad)
	}
	return bad
}

// checkKeys checks that the live virtual nodes store exactly the multiset
// keys, each key at its true successor (by linear scan), and returns the
// number of keys stored.
func (c *chordRun) checkKeys(t testing.TB, keys []uint64) int {
	t.Helper()
	o := c.scan()
	want := make(map[chord.Peer][]uint64)
	for _, k := range keys {
		p := o.successor(k)
		want[p] = append(want[p], k)
	}
	stored, bad := 0, 0
	for _, h := range c.liveHosts() {
		host := c.b.hosts[h]
		for v, self := range host.VirtualNodes() {
			got := slices.Sorted(slices.Values(host.StoredKeys(v)))
			stored += len(got)
			w := slices.Sorted(slices.Values(want[self]))
			if !slices.Equal(got, w) {
				if bad++; bad <= 5 {
					t.Errorf("vnode %d stores %d keys, want the %d keys it is the successor of", self.ID, len(got), len(w))
				}
			}
		}
	}
	if stored != len(keys) {
		t.Errorf("%d keys stored in all, want %d", stored, len(keys))
	}
	return stored
}

func ids(ps []chord.Peer) []uint64 {
	out := make([]uint64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// ---- 2a: a small 8-bit ring against the oracle ----

func TestChordSmallRingMatchesOracle(t *testing.T) {
	cases := []struct {
		name   string
		nodes  int
		lookup string
		ids    string
	}{
		{"iterative", 32, chord.Iterative, "random"},
		{"recursive", 32, chord.Recursive, "random"},
		{"iterative-sha1", 24, chord.Iterative, "sha1"},
		{"recursive-sha1", 24, chord.Recursive, "sha1"},
		// Fewer nodes than successors: the lists stop before wrapping to self.
		{"five-nodes", 5, chord.Iterative, "random"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := testSpec(c.nodes, 40*time.Minute, 20*time.Minute)
			s.Chord.Bits = 8
			s.Chord.Lookup = c.lookup
			s.Chord.IDs = c.ids
			s.Underlay.Model = "constant"
			s.Underlay.Delay = 20 * time.Millisecond
			s.Churn.ArrivalWindow = 5 * time.Minute
			s.Workload.LookupInterval = 20 * time.Second
			s.Workload.Keys = 300 // on 256 identifiers: many keys share one
			cr := newChordRun(t, s)
			for _, at := range []time.Duration{s.Warmup, s.Duration} {
				cr.runUntil(at)
				cr.checkRouting(t, true)
				cr.checkKeys(t, cr.b.keys)
			}
			// 20 minutes, a lookup per node every 20 s: about 60 per node.
			cr.checkLookups(t, s.Warmup, 40*c.nodes)
		})
	}
}

// ---- 2b: a static 64-bit network of 500 hosts ----

func TestChordStatic500(t *testing.T) {
	cases := []struct {
		name          string
		vnodes        int
		warmup, total time.Duration
	}{
		// Settled by 12.5 minutes (measured).
		{"one-vnode", 1, 20 * time.Minute, 25 * time.Minute},
		// 2,000 ring positions settle more slowly (measured: 22.5 minutes).
		{"four-vnodes", 4, 30 * time.Minute, 33 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Default scenario: euclidean underlay, 20 s / 120 s / 120 s
			// periods, arrivals over 10 minutes, 10,000 keys.
			s := testSpec(500, c.total, c.warmup)
			s.Chord.VirtualNodes = c.vnodes
			cr := newChordRun(t, s)
			cr.runUntil(s.Warmup)
			cr.checkRouting(t, true)
			cr.checkKeys(t, cr.b.keys)
			cr.runUntil(s.Duration)
			cr.checkKeys(t, cr.b.keys)
			// A lookup per host per minute.
			mins := int((s.Duration - s.Warmup) / time.Minute)
			cr.checkLookups(t, s.Warmup, 500*mins*8/10)
		})
	}
}

// ---- 2d: graceful leaves and crashes ----

// converged200 returns a ring of 200 hosts, default settings otherwise,
// after it settled.
func converged200(t *testing.T, seed uint64, vnodes int, warmup time.Duration) (*chordRun, scenario.Spec) {
	t.Helper()
	s := testSpec(200, time.Hour, warmup)
	s.Seed = seed
	s.Chord.VirtualNodes = vnodes
	cr := newChordRun(t, s)
	cr.runUntil(s.Warmup)
	if bad := cr.checkRouting(t, true); bad > 0 {
		t.Fatalf("the ring had not settled after %v", s.Warmup)
	}
	cr.checkKeys(t, cr.b.keys)
	return cr, s
}

// pick returns n distinct live hosts chosen at random, those in first first.
func pick(cr *chordRun, n int, seed uint64, first []engine.NodeID) []engine.NodeID {
	live := cr.liveHosts()
	rng := rand.New(rand.NewPCG(seed, 99))
	rng.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	out := slices.Clone(first)
	for _, h := range live {
		if len(out) < n && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// selfSucceeding lists up to n hosts one of whose virtual nodes has another
// of the host's virtual nodes as successor.
func selfSucceeding(cr *chordRun, n int) []engine.NodeID {
	var out []engine.NodeID
	for _, h := range cr.liveHosts() {
		host := cr.b.hosts[h]
		for v := range host.VirtualNodes() {
			if host.Successors(v)[0].Host == h && len(out) < n {
				out = append(out, h)
				break
			}
		}
	}
	return out
}

func TestChordGracefulLeave(t *testing.T) {
	cases := []struct {
		name   string
		vnodes int
		warmup time.Duration
	}{
		// Settled after 12.5 minutes (measured), 17 with four virtual nodes.
		{"one-vnode", 1, 18 * time.Minute},
		// Hosts whose virtual nodes follow one another on the ring must hand
		// their keys past themselves.
		{"four-vnodes", 4, 25 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cr, s := converged200(t, 3, c.vnodes, c.warmup)
			var first []engine.NodeID
			if c.vnodes > 1 {
				if first = selfSucceeding(cr, 5); len(first) == 0 {
					t.Fatalf("no host has two adjacent virtual nodes: the case is not exercised")
				}
			}
			// 20 hosts leave, 3 s apart: each goodbye has arrived before the
			// next host leaves, even when neighbours leave one after the other.
			at := s.Warmup
			for _, h := range pick(cr, 20, 1, first) {
				at += 3 * time.Second
				cr.runUntil(at)
				cr.leave(h)
			}
			cr.runUntil(at + 5*time.Second)
			// The leavers handed their keys over: none is lost, and each is
			// already at its new successor.
			cr.checkKeys(t, cr.b.keys)
			// After a few stabilize periods and a fix_fingers round, routing
			// state is exact again.
			settled := at + 5*time.Minute
			cr.runUntil(settled)
			cr.checkRouting(t, true)
			cr.checkKeys(t, cr.b.keys)
			cr.runUntil(settled + 5*time.Minute)
			cr.checkLookups(t, settled, 180*4)
		})
	}
}

func TestChordCrash(t *testing.T) {
	cr, s := converged200(t, 4, 1, 18*time.Minute)
	// 20 hosts crash, 3 s apart. Chord keeps no replicas: the keys they held
	// are lost, and only those.
	lost := map[uint64]int{}
	at := s.Warmup
	for _, h := range pick(cr, 20, 2, nil) {
		at += 3 * time.Second
		cr.runUntil(at)
		for _, k := range cr.heldKeys(h) {
			lost[k]++
		}
		cr.crash(h)
	}
	var kept []uint64
	for _, k := range cr.b.keys {
		if lost[k] > 0 {
			lost[k]--
			continue
		}
		kept = append(kept, k)
	}
	if len(kept) == len(cr.b.keys) {
		t.Fatalf("the crashed hosts held no keys: the test checks nothing")
	}
	// check_predecessor (120 s) must notice the dead predecessors, then
	// stabilize and a fix_fingers round repair the rest.
	settled := at + 8*time.Minute
	cr.runUntil(settled)
	cr.checkRouting(t, true)
	cr.checkKeys(t, kept)
	// Lookups for lost keys still succeed: they find the key's owner.
	cr.runUntil(settled + 5*time.Minute)
	cr.checkLookups(t, settled, 180*4)
}

// ---- 2c: Chord paper, Fig. 10 ----

// walk follows a lookup for key from origin over the hosts' current routing
// state and returns the number of nodes after the origin that it visits, up
// to the node that can answer. Each step goes to the known peer that most
// closely precedes key.
//
// succList lets the successor list serve as routing candidates besides the
// fingers (chord.successor_routing); predAnswer lets a node answer for keys in
// (predecessor, self] as our Chord does. With both off it is the paper's
// find_predecessor (Stoica et al., Fig. 5): a node answers only when key is in
// (self, successor], and only fingers are followed.
func (c *chordRun) walk(origin chord.Peer, key uint64, succList, predAnswer bool) (int, bool) {
	sp := c.b.space
	cur := origin
	for hops := 0; hops < 4*sp.Bits(); hops++ {
		h, v := c.b.hosts[cur.Host], int(cur.V)
		succ := h.Successors(v)
		if sp.InHalfOpen(key, cur.ID, succ[0].ID) {
			return hops, true
		}
		if p, ok := h.Predecessor(v); predAnswer && ok && sp.InHalfOpen(key, p.ID, cur.ID) {
			return hops, true
		}
		best, bd := cur, uint64(0)
		consider := func(p chord.Peer) {
			if d := sp.Dist(cur.ID, p.ID); p != cur && sp.InOpen(p.ID, cur.ID, key) && d > bd {
				best, bd = p, d
			}
		}
		for i := range sp.Bits() {
			if f, ok := h.Finger(v, i); ok {
				consider(f)
			}
		}
		if succList {
			for _, p := range succ {
				consider(p)
			}
		}
		if best == cur {
			return hops, false
		}
		cur = best
	}
	return 0, false
}

// TestChordPaperFig10 validates path lengths against Fig. 10 of Stoica et
// al., "Chord: A Scalable Peer-to-peer Lookup Protocol for Internet
// Applications", IEEE/ACM ToN 11(1), 2003, Sec. V: static networks of
// N = 2^k nodes, random keys, mean path length about ½·log2 N.
//
// Which path length. The paper explains the ½: "the number of fingers we need
// to follow will be the number of ones in the binary representation of the
// distance from node to query", about half of log2 N bits. That counts the
// fingers followed from the origin to the key's predecessor — the node that
// knows the answer is its successor — and neither the origin nor a final step
// to the successor. It is exactly our Hops (nodes queried after the origin
// up to the node that knew the answer; 0 when the origin answers), so Hops,
// not Hops+1, is the paper's path length.
//
// What differs is routing, not counting: the paper's find_predecessor
// follows fingers only, whereas our closest-preceding step also considers the
// successor list (r = 8), as the paper suggests once successor lists exist
// (Sec. IV-E). Near the key that list jumps straight to the predecessor,
// which saves about half a hop (measured: 0.55 to 0.65), so our mean Hops is
// 0.75 to 0.88 of ½·log2 N for k = 6..12 and misses "within 10%" at small k.
// Hops+1 happens to land within 10% (ratios 1.04 to 1.08), but only because
// that saving roughly cancels the extra step: with fingers only, the path
// plus one step is 1.13 to 1.30 of ½·log2 N on the same networks.
//
// So the test checks, for every k:
//   - no lookup after warm-up fails or returns a wrong owner;
//   - each lookup's Hops equals the greedy route over the nodes' own routing
//     state (fingers + successor list, answering at the predecessor), so Hops
//     counts what we claim;
//   - the paper's path length — fingers only, stop at the key's predecessor —
//     over the fingers our protocol built, for the same origins and keys, has
//     a mean within 10% of ½·log2 N;
//   - our mean Hops grows by ½ per doubling of N (least-squares slope over k
//     within 10% of 0.5), and never exceeds the paper's path length.
//
// Settings: stabilize 5 s and fix_fingers 60 s instead of 20 s / 120 s, and
// arrivals spread over 5 minutes, so that 4,096 nodes settle (by about 6
// minutes) and finish a full fix_fingers round within an 8-minute warm-up;
// 2 minutes are measured, with about 8,000 lookups per network. Path length
// does not depend on the periods once the ring has settled.
func TestChordPaperFig10(t *testing.T) {
	const (
		warmup   = 8 * time.Minute
		measured = 2 * time.Minute
		lookups  = 8000
	)
	type row struct {
		k           int
		n           int
		hops, paper float64
		half        float64
		fingersOnly float64 // measured mean Hops with chord.successor_routing=false
		nLookups    int
	}
	var rows []row
	for k := 6; k <= 12; k++ {
		n := 1 << k
		s := testSpec(n, warmup+measured, warmup)
		s.Seed = uint64(k)
		s.Chord.Stabilize = 5 * time.Second
		s.Chord.FixFingers = time.Minute
		s.Churn.ArrivalWindow = 5 * time.Minute
		s.Underlay.Model = "constant"
		s.Underlay.Delay = 25 * time.Millisecond
		s.Workload.LookupInterval = time.Duration(float64(measured) * float64(n) / lookups)
		cr := newChordRun(t, s)
		cr.runUntil(warmup)
		// The linear-scan finger check costs N²·64 steps: up to 2^10 nodes.
		if bad := cr.checkRouting(t, k <= 10); bad > 0 {
			t.Fatalf("k=%d: routing state not settled after %v", k, warmup)
		}
		cr.runUntil(s.Duration)

		ls := cr.lookupsAfter(warmup)
		for _, o := range []string{results.Incorrect, results.Failed} {
			if len(ls[o]) > 0 {
				t.Errorf("k=%d: %d %s lookups after warm-up", k, len(ls[o]), o)
			}
		}
		ok := ls[results.Success]
		if len(ok) < lookups*8/10 {
			t.Fatalf("k=%d: only %d lookups", k, len(ok))
		}
		var sum, paperSum float64
		mismatch := 0
		for _, l := range ok {
			origin := cr.b.hosts[l.Source].VirtualNodes()[0]
			want, done := cr.walk(origin, l.Key, true, true)
			paper, pdone := cr.walk(origin, l.Key, false, false)
			if !done || !pdone {
				t.Fatalf("k=%d: greedy walk from %d for key %d got stuck", k, origin.ID, l.Key)
			}
			if l.Hops != want {
				if mismatch++; mismatch <= 3 {
					t.Errorf("k=%d: lookup from %d for key %d took %d hops, the greedy route %d", k, origin.ID, l.Key, l.Hops, want)
				}
			}
			sum += float64(l.Hops)
			paperSum += float64(paper)
		}
		if mismatch > 0 {
			t.Errorf("k=%d: %d of %d lookups off the greedy route", k, mismatch, len(ok))
		}
		rows = append(rows, row{
			k: k, n: n, nLookups: len(ok),
			hops: sum / float64(len(ok)), paper: paperSum / float64(len(ok)),
			half: 0.5 * float64(k), fingersOnly: fingersOnlyHops(t, s, warmup),
		})
	}

	t.Logf("%3s %5s %8s %10s %7s %7s %9s %7s %12s %7s %12s %7s", "k", "N", "lookups", "mean Hops", "½log2N", "ratio", "Hops+1", "ratio", "paper path", "ratio", "fingers-only", "ratio")
	var sx, sy, sxx, sxy float64
	for _, r := range rows {
		t.Logf("%3d %5d %8d %10.3f %7.1f %7.3f %9.3f %7.3f %12.3f %7.3f %12.3f %7.3f", r.k, r.n, r.nLookups,
			r.hops, r.half, r.hops/r.half, r.hops+1, (r.hops+1)/r.half, r.paper, r.paper/r.half, r.fingersOnly, r.fingersOnly/r.half)
		if math.Abs(r.paper/r.half-1) > 0.10 {
			t.Errorf("k=%d: paper path length %.3f is not within 10%% of ½·log2 N = %.1f", r.k, r.paper, r.half)
		}
		if math.Abs(r.fingersOnly/r.half-1) > 0.10 {
			t.Errorf("k=%d: with successor_routing=false, measured mean path length %.3f is not within 10%% of ½·log2 N = %.1f", r.k, r.fingersOnly, r.half)
		}
		if r.hops > r.paper {
			t.Errorf("k=%d: mean Hops %.3f exceeds the fingers-only path %.3f", r.k, r.hops, r.paper)
		}
		x := float64(r.k)
		sx, sy, sxx, sxy = sx+x, sy+r.hops, sxx+x*x, sxy+x*r.hops
	}
	m := float64(len(rows))
	slope := (m*sxy - sx*sy) / (m*sxx - sx*sx)
	t.Logf("mean Hops grows by %.3f per doubling of N (paper: 0.5)", slope)
	if math.Abs(slope/0.5-1) > 0.10 {
		t.Errorf("mean Hops grows by %.3f per doubling of N, want 0.5 ± 10%%", slope)
	}
}

// fingersOnlyHops runs spec again with chord.successor_routing=false — the
// routing of the paper's simulations — and returns the mean Hops of the
// lookups after warm-up, checking each against the fingers-only greedy route
// (answering at the predecessor, or at the owner itself as our Chord does)
// and requiring every lookup to succeed.
func fingersOnlyHops(t *testing.T, spec scenario.Spec, warmup time.Duration) float64 {
	t.Helper()
	spec.Chord.SuccessorRouting = false
	cr := newChordRun(t, spec)
	cr.runUntil(spec.Duration)
	ls := cr.lookupsAfter(warmup)
	if bad := len(ls[results.Incorrect]) + len(ls[results.Failed]); bad > 0 {
		t.Errorf("successor_routing=false: %d lookups after warm-up did not succeed", bad)
	}
	ok := ls[results.Success]
	if len(ok) == 0 {
		t.Fatalf("successor_routing=false: no successful lookups")
	}
	sum, mismatch := 0.0, 0
	for _, l := range ok {
		origin := cr.b.hosts[l.Source].VirtualNodes()[0]
		if want, _ := cr.walk(origin, l.Key, false, true); l.Hops != want {
			mismatch++
		}
		sum += float64(l.Hops)
	}
	if mismatch > 0 {
		t.Errorf("successor_routing=false: %d of %d lookups off the fingers-only greedy route", mismatch, len(ok))
	}
	return sum / float64(len(ok))
}

// ---- 3: determinism ----

// runHash runs spec with GOMAXPROCS set to procs and hashes every row of
// every table and the summary.
func runHash(t *testing.T, spec scenario.Spec, procs int) (string, *results.Run) {
	t.Helper()
	prev := runtime.GOMAXPROCS(procs)
	defer runtime.GOMAXPROCS(prev)
	res, err := Run(spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, r := range res.Lookups {
		fmt.Fprintf(h, "L%+v\n", r)
	}
	for _, r := range res.Nodes {
		fmt.Fprintf(h, "N%+v\n", r)
	}
	for _, r := range res.Series {
		fmt.Fprintf(h, "S%+v\n", r)
	}
	for _, r := range res.Traffic {
		fmt.Fprintf(h, "T%+v\n", r)
	}
	for _, r := range res.Summary {
		fmt.Fprintf(h, "M%+v\n", r)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), res
}

// TestRunDeterministic runs the default scenario, shrunk, three times — twice
// with GOMAXPROCS 2 and once with 1 — and wants identical results.
func TestRunDeterministic(t *testing.T) {
	spec := scenario.Default()
	spec.Nodes = 300
	spec.Duration = 20 * time.Minute
	spec.Warmup = 10 * time.Minute
	spec.Output.Plots = false
	first, res := runHash(t, spec, 2)
	if len(res.Lookups) < 1000 || len(res.Traffic) == 0 || len(res.Series) != 20 || len(res.Nodes) != 300 {
		t.Fatalf("run too small to compare: %d lookups, %d traffic rows, %d samples, %d nodes",
			len(res.Lookups), len(res.Traffic), len(res.Series), len(res.Nodes))
	}
	if again, _ := runHash(t, spec, 2); again != first {
		t.Errorf("two runs of the same scenario differ: %s vs %s", first, again)
	}
	if single, _ := runHash(t, spec, 1); single != first {
		t.Errorf("GOMAXPROCS=1 changes the results: %s vs %s", first, single)
	}
	// The hash does see the results: another seed changes it.
	spec.Seed++
	if other, _ := runHash(t, spec, 2); other == first {
		t.Errorf("seeds %d and %d give the same results", spec.Seed-1, spec.Seed)
	}
}

// TestChordRejoin crashes 20 hosts and brings them back later, as churn
// does: each returns as a new incarnation with empty state, joins through a
// live host, and takes over the surviving keys of its arc.
func TestChordRejoin(t *testing.T) {
	cr, s := converged200(t, 5, 1, 18*time.Minute)
	hosts := pick(cr, 20, 3, nil)
	lost := map[uint64]int{}
	at := s.Warmup
	for _, h := range hosts {
		at += 3 * time.Second
		cr.runUntil(at)
		for _, k := range cr.heldKeys(h) {
			lost[k]++
		}
		cr.crash(h)
	}
	var kept []uint64
	for _, k := range cr.b.keys {
		if lost[k] > 0 {
			lost[k]--
			continue
		}
		kept = append(kept, k)
	}
	if len(kept) == len(cr.b.keys) {
		t.Fatalf("the crashed hosts held no keys: the test checks nothing")
	}
	at += 5 * time.Minute
	for _, h := range hosts {
		at += 3 * time.Second
		cr.runUntil(at)
		cr.r.join(h)
	}
	if live := cr.r.sim.Live(); live != s.Nodes {
		t.Fatalf("%d hosts live after the rejoins, want %d", live, s.Nodes)
	}
	settled := at + 8*time.Minute
	cr.runUntil(settled)
	cr.checkRouting(t, true)
	cr.checkKeys(t, kept)
	cr.runUntil(settled + 5*time.Minute)
	cr.checkLookups(t, settled, 180*4)
}

// successorCycles follows the first successor of every live, joined virtual
// node 0 and returns the sizes of the cycles that functional graph holds,
// sorted. A healthy ring is a single cycle through every joined node.
func (c *chordRun) successorCycles() []int {
	next := map[engine.NodeID]engine.NodeID{}
	var hosts []engine.NodeID
	for _, h := range c.liveHosts() {
		if host := c.b.hosts[h]; host.Joined(0) {
			next[h] = host.Successors(0)[0].Host
			hosts = append(hosts, h)
		}
	}
	visitedBy := map[engine.NodeID]int{}
	var sizes []int
	for i, h := range hosts {
		var path []engine.NodeID
		for cur := h; ; cur = next[cur] {
			if _, joined := next[cur]; !joined {
				break // the walk left the joined nodes (a stale pointer)
			}
			if by, seen := visitedBy[cur]; seen {
				if by == i {
					sizes = append(sizes, len(path)-slices.Index(path, cur))
				}
				break
			}
			visitedBy[cur] = i
			path = append(path, cur)
		}
	}
	slices.Sort(sizes)
	return sizes
}

// TestChordChurnKeepsOneRing drives 1,024 hosts through Li et al.'s churn
// (exponential 1 h sessions and downtimes, half of the departures crashes)
// with a slow 80 s stabilization, a seed under which a node whose rejoin
// found nobody used to declare itself a ring of one: peers that notified it
// became its successors and a second ring grew beside the first, taking a
// fifth of all lookups (77% success). The successor graph must stay one
// cycle holding nearly every joined node, and lookups must keep succeeding.
func TestChordChurnKeepsOneRing(t *testing.T) {
	if testing.Short() {
		t.Skip("six virtual hours of 1,024 hosts")
	}
	s := testSpec(1024, 6*time.Hour, 3*time.Hour)
	s.Seed = 12275724719490625550
	s.Chord.Successors = 16
	s.Chord.Stabilize = 80 * time.Second
	s.Workload.LookupInterval = 10 * time.Minute
	s.Churn.Model = "sessions"
	s.Churn.GracefulFraction = 0.5
	cr := newChordRun(t, s)
	for at := s.Warmup; at <= s.Duration; at += 10 * time.Minute {
		cr.runUntil(at)
		cycles := cr.successorCycles()
		joined := 0
		for _, h := range cr.liveHosts() {
			if cr.b.hosts[h].Joined(0) {
				joined++
			}
		}
		// A ring just broken by a crash has no cycle until stabilize
		// repairs it; two cycles are a partition.
		if len(cycles) > 1 {
			t.Fatalf("at %v the successor pointers form %d rings %v", at, len(cycles), cycles)
		}
		if len(cycles) == 1 && cycles[0] < joined*9/10 {
			t.Errorf("at %v the ring holds %d of %d joined hosts", at, cycles[0], joined)
		}
	}
	ls := cr.lookupsAfter(s.Warmup)
	total := len(ls[results.Success]) + len(ls[results.Incorrect]) + len(ls[results.Failed])
	if sr := float64(len(ls[results.Success])) / float64(total); total < 5000 || !(sr > 0.95) {
		t.Errorf("%d lookups after warm-up, success rate %.4f, want > 0.95", total, sr)
	}
}

// wrongNeighbours counts the live virtual nodes whose first successor or
// predecessor is not the linear-scan oracle's.
func (c *chordRun) wrongNeighbours() int {
	o := c.scan()
	bad := 0
	for _, h := range c.liveHosts() {
		host := c.b.hosts[h]
		for v, self := range host.VirtualNodes() {
			p, ok := host.Predecessor(v)
			if !host.Joined(v) || host.Successors(v)[0] != o.successor(c.b.space.Add(self.ID, 1)) || !ok || p != o.predecessor(self.ID) {
				bad++
			}
		}
	}
	return bad
}

// TestChordJoinBurstSettles builds a static ring from a burst of joins:
// 1,024 hosts arriving over 4 minutes, 4.3 a second, the rate at which
// scenarios/chord.yaml with nodes=4096 brings in its hosts (about 85 joins per
// 20 s stabilize period, the first of them while the ring is a handful of
// nodes). A node that took a closer predecessor used to leave the displaced
// one to find out at its next stabilize; meanwhile walks back along
// predecessor pointers stopped short, and nodes settled in crossing pairs
// a→b, c→d (a < c < b < d), each confirmed by its successor's predecessor.
// Stabilize never looks across such pairs: a sparse chain of a few hundred
// nodes lay beside the ring and merged from its end, one node per stabilize
// period — 45 to 248 wrong successors 5 minutes after the last arrival,
// 11 to more than 30 minutes to settle (seeds 1 to 7, iterative or recursive
// lookups) — and lookups for its keys were answered wrongly. Now, a minute after the last arrival (measured:
// 5 s, seeds 1 to 12) the successor pointers form one cycle through every
// node and predecessors are exact; the successor lists, copied at each
// periodic stabilize, follow within 2 minutes; and every lookup succeeds.
func TestChordJoinBurstSettles(t *testing.T) {
	cases := []struct {
		seed   uint64
		lookup string
	}{{7, chord.Recursive}, {1, chord.Iterative}}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s-seed-%d", c.lookup, c.seed), func(t *testing.T) {
			const window = 4 * time.Minute
			s := testSpec(1024, window+5*time.Minute, window+time.Minute)
			s.Seed = c.seed
			s.Chord.Lookup = c.lookup
			s.Churn.ArrivalWindow = window
			s.Workload.LookupInterval = 30 * time.Second
			cr := newChordRun(t, s)
			cr.runUntil(s.Warmup)
			if cycles := cr.successorCycles(); !slices.Equal(cycles, []int{s.Nodes}) {
				t.Errorf("at %v the successor pointers form cycles %v, want one of %d", s.Warmup, cycles, s.Nodes)
			}
			if bad := cr.wrongNeighbours(); bad > 0 {
				t.Errorf("at %v %d nodes have a wrong successor or predecessor", s.Warmup, bad)
			}
			cr.runUntil(window + 3*time.Minute)
			cr.checkRouting(t, false)
			cr.runUntil(s.Duration)
			// Two lookups per host per minute for 4 minutes.
			cr.checkLookups(t, s.Warmup, s.Nodes*8*8/10)
		})
	}
}

// TestChordAuditSeed7 is the audit's own run: `sim -scenario chord -seed 7
// -set nodes=4096 -set workload.lookup_interval=30s`, scenarios/chord.yaml
// built by hand, cut 10 minutes after its 30-minute warm-up. It gave 2,589
// incorrect lookups in those 10 minutes (see TestChordJoinBurstSettles for
// why); every lookup after the warm-up must succeed.
func TestChordAuditSeed7(t *testing.T) {
	if testing.Short() {
		t.Skip("40 virtual minutes of 4,096 hosts")
	}
	s := testSpec(4096, 40*time.Minute, 30*time.Minute)
	s.Seed = 7
	s.Chord.Lookup = chord.Recursive
	s.Churn.ArrivalWindow = 15 * time.Minute
	s.Workload.LookupInterval = 30 * time.Second
	s.Workload.Keys = 100000
	cr := newChordRun(t, s)
	cr.runUntil(s.Duration)
	cr.checkLookups(t, s.Warmup, 4096*20*8/10)
}
