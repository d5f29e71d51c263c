package topology

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 99)) }

// checkSimple verifies the invariants every Graph must hold: sorted
// neighbour lists without duplicates or self-loops, symmetry, and
// Σ degree = 2M = 2·len(Edges).
func checkSimple(t *testing.T, name string, g *Graph) {
	t.Helper()
	sum := 0
	for v := range g.N() {
		nb := g.Neighbors(v)
		sum += len(nb)
		if g.Degree(v) != len(nb) {
			t.Fatalf("%s: Degree(%d) = %d, %d neighbours", name, v, g.Degree(v), len(nb))
		}
		for i, w := range nb {
			if int(w) == v {
				t.Fatalf("%s: self-loop at %d", name, v)
			}
			if i > 0 && nb[i-1] >= w {
				t.Fatalf("%s: neighbours of %d not strictly increasing: %v", name, v, nb)
			}
			if !g.HasEdge(int(w), v) {
				t.Fatalf("%s: edge %d-%d not symmetric", name, v, w)
			}
		}
	}
	if sum != 2*g.M() || len(g.Edges()) != g.M() {
		t.Fatalf("%s: degree sum %d, M = %d, %d edges listed", name, sum, g.M(), len(g.Edges()))
	}
}

// TestGenerators checks every generator on several sizes: simplicity, the
// degree sum, exact degrees where the model fixes them, edge counts.
func TestGenerators(t *testing.T) {
	cases := []struct {
		name      string
		build     func(r *rand.Rand) (*Graph, error)
		n, m      int  // vertex count; edge count (-1: not fixed)
		regular   int  // every degree (-1: not fixed)
		connected bool // connected by construction
	}{
		{"G(n,m) 500/1000", func(r *rand.Rand) (*Graph, error) { return ErdosRenyiM(500, 1000, r) }, 500, 1000, -1, false},
		{"G(n,m) 10/45 complete", func(r *rand.Rand) (*Graph, error) { return ErdosRenyiM(10, 45, r) }, 10, 45, 9, true},
		{"G(n,p) 300/0.02", func(r *rand.Rand) (*Graph, error) { return ErdosRenyi(300, 0.02, r) }, 300, -1, -1, false},
		{"G(n,p) 12/1 complete", func(r *rand.Rand) (*Graph, error) { return ErdosRenyi(12, 1, r) }, 12, 66, 11, true},
		{"G(n,p) 12/0 empty", func(r *rand.Rand) (*Graph, error) { return ErdosRenyi(12, 0, r) }, 12, 0, 0, false},
		{"regular 1000/4", func(r *rand.Rand) (*Graph, error) { return RandomRegular(1000, 4, r) }, 1000, 2000, 4, false},
		{"regular 101/6", func(r *rand.Rand) (*Graph, error) { return RandomRegular(101, 6, r) }, 101, 303, 6, false},
		{"regular 20/19 complete", func(r *rand.Rand) (*Graph, error) { return RandomRegular(20, 19, r) }, 20, 190, 19, true},
		{"regular 50/30 dense", func(r *rand.Rand) (*Graph, error) { return RandomRegular(50, 30, r) }, 50, 750, 30, false},
		{"regular 7/0", func(r *rand.Rand) (*Graph, error) { return RandomRegular(7, 0, r) }, 7, 0, 0, false},
		{"BA 2000/m=2", func(r *rand.Rand) (*Graph, error) { return BarabasiAlbert(2000, 2, r) }, 2000, 3 + 2*1997, -1, true},
		{"BA 500/m=1 tree", func(r *rand.Rand) (*Graph, error) { return BarabasiAlbert(500, 1, r) }, 500, 499, -1, true},
		{"WS 400/6/0.1", func(r *rand.Rand) (*Graph, error) { return WattsStrogatz(400, 6, 0.1, r) }, 400, 1200, -1, false},
		{"WS 400/6/0 lattice", func(r *rand.Rand) (*Graph, error) { return WattsStrogatz(400, 6, 0, r) }, 400, 1200, 6, true},
		{"WS 50/4/1", func(r *rand.Rand) (*Graph, error) { return WattsStrogatz(50, 4, 1, r) }, 50, 100, -1, false},
	}
	for _, c := range cases {
		for seed := uint64(1); seed <= 3; seed++ {
			g, err := c.build(rng(seed))
			if err != nil {
				t.Fatalf("%s seed %d: %v", c.name, seed, err)
			}
			checkSimple(t, c.name, g)
			if g.N() != c.n {
				t.Errorf("%s: %d vertices, want %d", c.name, g.N(), c.n)
			}
			if c.m >= 0 && g.M() != c.m {
				t.Errorf("%s seed %d: %d edges, want %d", c.name, seed, g.M(), c.m)
			}
			if c.regular >= 0 && (g.MinDegree() != c.regular || g.MaxDegree() != c.regular) {
				t.Errorf("%s seed %d: degrees %d..%d, want all %d", c.name, seed, g.MinDegree(), g.MaxDegree(), c.regular)
			}
			if c.connected && !g.Connected() {
				t.Errorf("%s seed %d: not connected", c.name, seed)
			}
		}
	}
}

// TestGnpMeanDegree: G(n,p) has about p(n-1) neighbours per vertex.
func TestGnpMeanDegree(t *testing.T) {
	g, err := ErdosRenyi(2000, 0.004, rng(5))
	if err != nil {
		t.Fatal(err)
	}
	want := 0.004 * 1999
	if md := g.MeanDegree(); md < want*0.9 || md > want*1.1 {
		t.Errorf("mean degree %.2f, want about %.2f", md, want)
	}
}

// TestBAHeavyTail: preferential attachment gives hubs far above the mean
// degree, which a random regular or G(n,m) graph of the same mean does not.
func TestBAHeavyTail(t *testing.T) {
	ba, _ := BarabasiAlbert(5000, 2, rng(1))
	er, _ := ErdosRenyiM(5000, ba.M(), rng(1))
	t.Logf("BA: mean %.2f, max %d; G(n,m): mean %.2f, max %d", ba.MeanDegree(), ba.MaxDegree(), er.MeanDegree(), er.MaxDegree())
	if md := ba.MeanDegree(); md < 3.9 || md > 4.1 {
		t.Errorf("BA mean degree %.2f, want about 4", md)
	}
	if float64(ba.MaxDegree()) < 15*ba.MeanDegree() {
		t.Errorf("BA max degree %d, want >> mean %.2f", ba.MaxDegree(), ba.MeanDegree())
	}
	if ba.MaxDegree() < 3*er.MaxDegree() {
		t.Errorf("BA max degree %d not well above G(n,m)'s %d", ba.MaxDegree(), er.MaxDegree())
	}
	// Heavy tail: the share of vertices with degree >= 4·mean is far larger
	// than in G(n,m) (where it is practically 0).
	tail := func(g *Graph) int {
		n := 0
		for v := range g.N() {
			if float64(g.Degree(v)) >= 4*g.MeanDegree() {
				n++
			}
		}
		return n
	}
	if tb, te := tail(ba), tail(er); tb < 50 || te > 0 {
		t.Errorf("vertices with degree >= 4x mean: BA %d (want >= 50), G(n,m) %d (want 0)", tb, te)
	}
	// Minimum degree of BA is m.
	if ba.MinDegree() != 2 {
		t.Errorf("BA min degree %d, want m = 2", ba.MinDegree())
	}
}

// TestWSClustering: a Watts–Strogatz graph with little rewiring keeps most
// of the lattice's clustering (3(k-2)/(4(k-1)) = 0.6 for k = 6), far above a
// random graph with the same mean degree (about k/n).
func TestWSClustering(t *testing.T) {
	const n, k = 1000, 6
	lattice, _ := WattsStrogatz(n, k, 0, rng(1))
	ws, _ := WattsStrogatz(n, k, 0.05, rng(1))
	er, _ := ErdosRenyiM(n, n*k/2, rng(1))
	rr, _ := RandomRegular(n, k, rng(1))
	cl, cw, ce, cr := lattice.Clustering(), ws.Clustering(), er.Clustering(), rr.Clustering()
	t.Logf("clustering: lattice %.3f, WS(0.05) %.3f, G(n,m) %.4f, regular %.4f", cl, cw, ce, cr)
	if cl < 0.5999 || cl > 0.6001 {
		t.Errorf("lattice clustering %.4f, want 0.6", cl)
	}
	if cw < 0.4 || cw > cl {
		t.Errorf("WS clustering %.3f, want between 0.4 and the lattice's %.3f", cw, cl)
	}
	if ce > 0.05 || cr > 0.05 || cw < 10*ce {
		t.Errorf("WS clustering %.3f vs random %.4f / %.4f: want far higher", cw, ce, cr)
	}
	// Rewiring shortens paths: the mean distance from vertex 0 falls.
	mean := func(g *Graph) float64 {
		s := 0
		for _, d := range g.Distances(0) {
			s += int(d)
		}
		return float64(s) / float64(g.N()-1)
	}
	if ml, mw := mean(lattice), mean(ws); mw > ml/3 {
		t.Errorf("mean distance from 0: lattice %.1f, WS %.1f: want much shorter", ml, mw)
	}
}

// TestDeterminism: one seed, one graph; another seed, another graph.
func TestDeterminism(t *testing.T) {
	for _, model := range []string{Random, Regular, PowerLaw, SmallWorld} {
		s := Spec{Model: model, Degree: 6, Rewire: 0.2}
		a, err := Generate(s, 300, rng(7))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Generate(s, 300, rng(7))
		c, _ := Generate(s, 300, rng(8))
		if !slices.Equal(a.Edges(), b.Edges()) {
			t.Errorf("%s: same seed, different graphs", model)
		}
		if slices.Equal(a.Edges(), c.Edges()) {
			t.Errorf("%s: seeds 7 and 8 gave the same graph", model)
		}
	}
}

// TestGenerateConnected: with Connected set, Generate returns a connected
// graph or an error; without, it may return several components and
// Components says how many.
func TestGenerateConnected(t *testing.T) {
	for _, model := range []string{Random, Regular, PowerLaw, SmallWorld} {
		g, err := Generate(Spec{Model: model, Degree: 8, Rewire: 0.3, Connected: true}, 500, rng(3))
		if err != nil {
			t.Fatalf("%s: %v", model, err)
		}
		if !g.Connected() {
			t.Errorf("%s: not connected", model)
		}
	}
	// G(n,m) with mean degree 1 is never connected at this size.
	s := Spec{Model: Random, Degree: 1}
	g, err := Generate(s, 1000, rng(1))
	if err != nil {
		t.Fatal(err)
	}
	n, comp := g.Components()
	if n < 100 || len(comp) != 1000 {
		t.Errorf("G(1000, 500): %d components", n)
	}
	s.Connected = true
	if _, err := Generate(s, 1000, rng(1)); err == nil || !strings.Contains(err.Error(), "no connected random graph") {
		t.Errorf("want a 'no connected' error, got %v", err)
	}
}

// TestComponents on a hand-built graph: labels follow the smallest vertex.
func TestComponents(t *testing.T) {
	g, err := FromEdges(7, []Edge{{0, 2}, {2, 4}, {1, 3}, {5, 3}})
	if err != nil {
		t.Fatal(err)
	}
	n, comp := g.Components()
	if n != 3 || !slices.Equal(comp, []int32{0, 1, 0, 1, 0, 1, 2}) {
		t.Errorf("components %d %v", n, comp)
	}
	if g.Connected() {
		t.Errorf("connected")
	}
	if d := g.Distances(0); !slices.Equal(d, []int32{0, -1, 1, -1, 2, -1, -1}) {
		t.Errorf("distances %v", d)
	}
}

// TestShapes checks the fixed shapes.
func TestShapes(t *testing.T) {
	cases := []struct {
		name     string
		g        *Graph
		n, m     int
		min, max int
		diameter int // max distance from vertex 0
	}{
		{"path 5", Path(5), 5, 4, 1, 2, 4},
		{"ring 6", Ring(6), 6, 6, 2, 2, 3},
		{"star 9", Star(9), 9, 8, 1, 8, 1},
		{"grid 4x3", Grid(4, 3), 12, 17, 2, 4, 5},
		{"path 1", Path(1), 1, 0, 0, 0, 0},
	}
	for _, c := range cases {
		checkSimple(t, c.name, c.g)
		far := int32(0)
		for _, d := range c.g.Distances(0) {
			far = max(far, d)
		}
		if c.g.N() != c.n || c.g.M() != c.m || c.g.MinDegree() != c.min || c.g.MaxDegree() != c.max || int(far) != c.diameter {
			t.Errorf("%s: n %d m %d degrees %d..%d eccentricity %d", c.name, c.g.N(), c.g.M(), c.g.MinDegree(), c.g.MaxDegree(), far)
		}
	}
}

// TestBadParameters: every generator rejects impossible parameters with an
// error, never a panic; Spec.Validate names the key.
func TestBadParameters(t *testing.T) {
	r := rng(1)
	errs := []struct {
		name string
		err  error
	}{
		{"regular odd n·d", second(RandomRegular(5, 3, r))},
		{"regular d >= n", second(RandomRegular(5, 5, r))},
		{"BA m >= n", second(BarabasiAlbert(3, 3, r))},
		{"BA m = 0", second(BarabasiAlbert(10, 0, r))},
		{"WS odd k", second(WattsStrogatz(10, 3, 0.1, r))},
		{"WS k >= n", second(WattsStrogatz(4, 4, 0.1, r))},
		{"WS beta", second(WattsStrogatz(10, 2, 1.5, r))},
		{"G(n,p) p", second(ErdosRenyi(10, -0.1, r))},
		{"G(n,m) m", second(ErdosRenyiM(10, 46, r))},
		{"negative n", second(ErdosRenyiM(-1, 0, r))},
		{"self-loop", second(FromEdges(3, []Edge{{1, 1}}))},
		{"out of range", second(FromEdges(3, []Edge{{1, 3}}))},
	}
	for _, e := range errs {
		if e.err == nil {
			t.Errorf("%s: no error", e.name)
		}
	}
	specs := []struct {
		s   Spec
		key string
	}{
		{Spec{Model: "mesh", Degree: 4}, "topology.model"},
		{Spec{Model: Regular, Degree: 0}, "topology.degree"},
		{Spec{Model: PowerLaw, Degree: 3}, "topology.degree"},
		{Spec{Model: SmallWorld, Degree: 4, Rewire: 2}, "topology.rewire"},
	}
	for _, c := range specs {
		if err := c.s.Validate(); err == nil || !strings.HasPrefix(err.Error(), c.key+":") {
			t.Errorf("%+v: got %v, want an error about %s", c.s, err, c.key)
		}
	}
	if err := DefaultSpec().Validate(); err != nil {
		t.Errorf("default spec: %v", err)
	}
}

func second(_ *Graph, err error) error { return err }
