package topology

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/graph/graphs/gen"
	"gonum.org/v1/gonum/graph/simple"
)

// Graph models (Spec.Model).
const (
	// Random is the Erdős–Rényi graph G(n, m) with m = n·degree/2 edges
	// chosen uniformly: mean degree `degree`, Poisson-like degrees.
	Random = "random"
	// Regular is a uniformly random d-regular graph: every vertex has
	// exactly `degree` neighbours.
	Regular = "regular"
	// PowerLaw grows a Barabási–Albert graph by preferential attachment,
	// degree/2 edges per new vertex: mean degree about `degree`, a
	// heavy-tailed degree distribution (P(k) ~ k^-3), as measured on the
	// Gnutella overlay.
	PowerLaw = "power_law"
	// SmallWorld is a Watts–Strogatz graph: a ring lattice where every
	// vertex is linked to its `degree` nearest vertices, each edge then
	// rewired with probability `rewire`.
	SmallWorld = "small_world"
	// File reads the graph from an edge-list file (Spec.File, see
	// ReadEdgeList) instead of drawing one.
	File = "file"
)

// Spec describes a generated topology (a scenario's `topology:` block). The
// number of vertices is given separately, to Generate.
type Spec struct {
	// Model is Random, Regular, PowerLaw, SmallWorld or File.
	Model string `mapstructure:"model"`
	// File is the edge-list file of the File model; its vertices must be
	// exactly the simulated hosts 0..n-1.
	File string `mapstructure:"file"`
	// Degree is the (mean) degree: exact for Regular, the mean for Random,
	// PowerLaw and SmallWorld (which require it to be even).
	Degree int `mapstructure:"degree"`
	// Rewire is the Watts–Strogatz rewiring probability (SmallWorld only),
	// between 0 and 1.
	Rewire float64 `mapstructure:"rewire"`
	// Connected asks Generate to draw again, up to MaxAttempts times, until
	// the graph is connected, and to fail when it never is.
	Connected bool `mapstructure:"connected"`
}

// MaxAttempts bounds the draws Generate makes to obtain a connected graph.
const MaxAttempts = 100

// DefaultSpec returns a connected random 4-regular graph (rewire 0.1 should
// the model become SmallWorld).
func DefaultSpec() Spec {
	return Spec{Model: Regular, Degree: 4, Rewire: 0.1, Connected: true}
}

// Validate checks the fields that do not depend on the number of vertices;
// errors name the scenario key.
func (s Spec) Validate() error {
	switch s.Model {
	case Random, Regular, PowerLaw, SmallWorld:
	case File:
		if s.File == "" {
			return fmt.Errorf("topology.file: must name an edge-list file for topology.model %s", File)
		}
		return nil
	default:
		return fmt.Errorf("topology.model: want %q, %q, %q, %q or %q, got %q", Random, Regular, PowerLaw, SmallWorld, File, s.Model)
	}
	switch {
	case s.File != "":
		return fmt.Errorf("topology.file: only read with topology.model %s, not %s", File, s.Model)
	case s.Degree < 1:
		return fmt.Errorf("topology.degree: must be at least 1, got %d", s.Degree)
	case (s.Model == PowerLaw || s.Model == SmallWorld) && s.Degree%2 != 0:
		return fmt.Errorf("topology.degree: the %s model needs an even degree, got %d", s.Model, s.Degree)
	case s.Rewire < 0 || s.Rewire > 1:
		return fmt.Errorf("topology.rewire: must be between 0 and 1, got %v", s.Rewire)
	}
	return nil
}

// Generate draws a graph on n vertices as s describes, from r only. With
// s.Connected it redraws until the graph is connected (MaxAttempts at most).
// The File model is read by Load, not drawn.
func Generate(s Spec, n int, r *rand.Rand) (*Graph, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.Model == File {
		return nil, fmt.Errorf("topology: the %s model is read with Load, not generated", File)
	}
	for attempt := 0; attempt < MaxAttempts; attempt++ {
		var g *Graph
		var err error
		switch s.Model {
		case Random:
			g, err = ErdosRenyiM(n, n*s.Degree/2, r)
		case Regular:
			g, err = RandomRegular(n, s.Degree, r)
		case PowerLaw:
			g, err = BarabasiAlbert(n, s.Degree/2, r)
		case SmallWorld:
			g, err = WattsStrogatz(n, s.Degree, s.Rewire, r)
		}
		if err != nil {
			return nil, err
		}
		if !s.Connected || g.Connected() {
			return g, nil
		}
	}
	return nil, fmt.Errorf("topology: no connected %s graph with %d vertices and degree %d in %d attempts (raise topology.degree or set topology.connected: false)",
		s.Model, n, s.Degree, MaxAttempts)
}

func checkN(n int) error {
	if n < 0 || n > MaxNodes {
		return fmt.Errorf("topology: %d vertices: must be between 0 and %d", n, MaxNodes)
	}
	return nil
}

// fromSimple converts a gonum graph on the vertices 0..n-1. Neighbour
// iteration there follows Go map order; finish sorts it away.
func fromSimple(g *simple.UndirectedGraph, n int) *Graph {
	adj := make([][]int32, n)
	for u := range n {
		it := g.From(int64(u))
		adj[u] = make([]int32, 0, it.Len())
		for it.Next() {
			adj[u] = append(adj[u], int32(it.Node().ID()))
		}
	}
	return finish(adj)
}

// ErdosRenyi returns Gilbert's G(n, p): every pair of vertices is linked
// independently with probability p. It uses gonum's gen.Gnp, which draws
// geometric gaps between edges (O(n + m) time) from r.
func ErdosRenyi(n int, p float64, r *rand.Rand) (*Graph, error) {
	if err := checkN(n); err != nil {
		return nil, err
	}
	if p < 0 || p > 1 {
		return nil, fmt.Errorf("topology: G(n,p): p must be between 0 and 1, got %v", p)
	}
	g := simple.NewUndirectedGraph()
	if err := gen.Gnp(g, n, p, r); err != nil {
		return nil, fmt.Errorf("topology: G(n,p): %w", err)
	}
	return fromSimple(g, n), nil
}

// ErdosRenyiM returns G(n, m): m distinct edges chosen uniformly among the
// n(n-1)/2 possible ones. It uses gonum's gen.Gnm with r.
func ErdosRenyiM(n, m int, r *rand.Rand) (*Graph, error) {
	if err := checkN(n); err != nil {
		return nil, err
	}
	if m < 0 || m > n*(n-1)/2 {
		return nil, fmt.Errorf("topology: G(n,m): %d edges on %d vertices: must be between 0 and %d", m, n, n*(n-1)/2)
	}
	g := simple.NewUndirectedGraph()
	if err := gen.Gnm(g, n, m, r); err != nil {
		return nil, fmt.Errorf("topology: G(n,m): %w", err)
	}
	return fromSimple(g, n), nil
}

// regularAttempts bounds the restarts of RandomRegular's pairing.
const regularAttempts = 1000

// RandomRegular returns a random d-regular graph on n vertices (n·d even,
// d < n). gonum has no such generator. This one pairs the n·d "half-edges"
// as Steger and Wormald (1999) do: it repeatedly joins two random remaining
// half-edges when they would form neither a self-loop nor a multi-edge, and
// starts over when no such pair remains. The result is simple by
// construction and close to uniform for d small against n; unlike the plain
// configuration model (reject any multigraph), it stays fast for large d.
func RandomRegular(n, d int, r *rand.Rand) (*Graph, error) {
	switch {
	case checkN(n) != nil:
		return nil, checkN(n)
	case d < 0 || (n > 0 && d >= n):
		return nil, fmt.Errorf("topology: random regular graph: degree %d on %d vertices: must be between 0 and %d", d, n, n-1)
	case n*d%2 != 0:
		return nil, fmt.Errorf("topology: random regular graph: n·d must be even, got %d·%d", n, d)
	}
	adj := make([][]int32, n)
	if d == 0 {
		return finish(adj), nil
	}
	buf := make([]int32, n*d)
	points := make([]int32, n*d)
	for attempt := 0; attempt < regularAttempts; attempt++ {
		for v := range adj {
			adj[v] = buf[v*d : v*d : v*d+d] // capacity d: a vertex never gets more
		}
		if pairUp(points, adj, d, r) {
			// finish clips every list to its length, so no later append
			// can spill into the next vertex's part of buf.
			return finish(adj), nil
		}
	}
	return nil, fmt.Errorf("topology: random regular graph: no simple pairing for n=%d, d=%d after %d restarts", n, d, regularAttempts)
}

// pairUp tries one pairing; false means it got stuck.
func pairUp(points []int32, adj [][]int32, d int, r *rand.Rand) bool {
	for v := range adj {
		for i := range d {
			points[v*d+i] = int32(v)
		}
	}
	live, fails := len(points), 0
	for live > 0 {
		i := r.IntN(live)
		j := r.IntN(live - 1)
		if j >= i {
			j++
		}
		u, v := points[i], points[j]
		if u != v && !slices.Contains(adj[u], v) {
			adj[u] = append(adj[u], v)
			adj[v] = append(adj[v], u)
			lo, hi := min(i, j), max(i, j)
			live--
			points[hi] = points[live]
			live--
			points[lo] = points[live]
			fails = 0
			continue
		}
		fails++
		if fails >= 64+live {
			if !suitablePair(points[:live], adj) {
				return false
			}
			fails = 0
		}
	}
	return true
}

// suitablePair reports whether two remaining half-edges could still be
// joined.
func suitablePair(points []int32, adj [][]int32) bool {
	vs := slices.Compact(slices.Sorted(slices.Values(points)))
	for a := range vs {
		for b := a + 1; b < len(vs); b++ {
			if !slices.Contains(adj[vs[a]], vs[b]) {
				return true
			}
		}
	}
	return false
}

// BarabasiAlbert returns a Barabási–Albert graph: a clique on m+1 vertices,
// then every further vertex linked to m distinct existing vertices chosen
// with probability proportional to their degree. The graph is connected and
// its mean degree is close to 2m. gonum's gen.PreferentialAttachment does
// the same but re-weights its whole sampler after every vertex, O(n²)
// overall; here a list holding each vertex once per incident edge makes
// each draw O(1).
func BarabasiAlbert(n, m int, r *rand.Rand) (*Graph, error) {
	if err := checkN(n); err != nil {
		return nil, err
	}
	if m < 1 || n <= m {
		return nil, fmt.Errorf("topology: Barabási–Albert graph: %d edges per vertex on %d vertices: need 1 <= m < n", m, n)
	}
	adj := make([][]int32, n)
	ends := make([]int32, 0, m*(m+1)+2*m*(n-m-1))
	for u := 0; u <= m; u++ {
		for v := u + 1; v <= m; v++ {
			adj[u] = append(adj[u], int32(v))
			adj[v] = append(adj[v], int32(u))
			ends = append(ends, int32(u), int32(v))
		}
	}
	chosen := make([]int32, 0, m)
	for v := m + 1; v < n; v++ {
		chosen = chosen[:0]
		for len(chosen) < m {
			t := ends[r.IntN(len(ends))]
			if !slices.Contains(chosen, t) {
				chosen = append(chosen, t)
			}
		}
		for _, t := range chosen {
			adj[v] = append(adj[v], t)
			adj[t] = append(adj[t], int32(v))
			ends = append(ends, t, int32(v))
		}
	}
	return finish(adj), nil
}

// WattsStrogatz returns a Watts–Strogatz small world: the ring lattice where
// each vertex is linked to the k/2 nearest vertices on either side, then,
// for j = 1..k/2 and every vertex i in turn, the edge from i to i+j rewired
// with probability beta to a uniformly chosen vertex that is neither i nor
// already one of its neighbours. Rewiring keeps the number of edges (mean
// degree k) but may disconnect the graph at large beta.
//
// gonum's gen.SmallWorldsBB is not used: its probability parameter does not
// mean rewiring (at 0 it returns a graph without edges, not the lattice).
func WattsStrogatz(n, k int, beta float64, r *rand.Rand) (*Graph, error) {
	switch {
	case checkN(n) != nil:
		return nil, checkN(n)
	case k < 2 || k%2 != 0 || k >= n:
		return nil, fmt.Errorf("topology: Watts–Strogatz graph: degree %d on %d vertices: need an even degree with 2 <= k < n", k, n)
	case beta < 0 || beta > 1:
		return nil, fmt.Errorf("topology: Watts–Strogatz graph: rewiring probability must be between 0 and 1, got %v", beta)
	}
	adj := make([][]int32, n)
	for i := range n {
		for j := 1; j <= k/2; j++ {
			v := (i + j) % n
			adj[i] = append(adj[i], int32(v))
			adj[v] = append(adj[v], int32(i))
		}
	}
	for j := 1; j <= k/2; j++ {
		for i := range n {
			if r.Float64() >= beta {
				continue
			}
			v := int32((i + j) % n)
			if !slices.Contains(adj[i], v) || len(adj[i]) >= n-1 {
				continue
			}
			var w int32
			for {
				w = int32(r.IntN(n))
				if w != int32(i) && !slices.Contains(adj[i], w) {
					break
				}
			}
			adj[i] = removeValue(adj[i], v)
			adj[v] = removeValue(adj[v], int32(i))
			adj[i] = append(adj[i], w)
			adj[w] = append(adj[w], int32(i))
		}
	}
	return finish(adj), nil
}

// removeValue deletes the first x from s (order not kept).
func removeValue(s []int32, x int32) []int32 {
	i := slices.Index(s, x)
	if i < 0 {
		return s
	}
	s[i] = s[len(s)-1]
	return s[:len(s)-1]
}

// Path returns the path 0-1-...-(n-1).
func Path(n int) *Graph {
	edges := make([]Edge, 0, max(n-1, 0))
	for v := 1; v < n; v++ {
		edges = append(edges, Edge{U: int32(v - 1), V: int32(v)})
	}
	return must(FromEdges(n, edges))
}

// Ring returns the cycle 0-1-...-(n-1)-0 (a path for n < 3).
func Ring(n int) *Graph {
	if n < 3 {
		return Path(n)
	}
	edges := make([]Edge, 0, n)
	for v := range n {
		edges = append(edges, Edge{U: int32(v), V: int32((v + 1) % n)})
	}
	return must(FromEdges(n, edges))
}

// Star returns the star with centre 0 and leaves 1..n-1.
func Star(n int) *Graph {
	edges := make([]Edge, 0, max(n-1, 0))
	for v := 1; v < n; v++ {
		edges = append(edges, Edge{U: 0, V: int32(v)})
	}
	return must(FromEdges(n, edges))
}

// Grid returns the w×h grid: vertex x + w·y is linked to its horizontal and
// vertical neighbours.
func Grid(w, h int) *Graph {
	var edges []Edge
	for y := range h {
		for x := range w {
			v := int32(x + w*y)
			if x+1 < w {
				edges = append(edges, Edge{U: v, V: v + 1})
			}
			if y+1 < h {
				edges = append(edges, Edge{U: v, V: v + int32(w)})
			}
		}
	}
	return must(FromEdges(w*h, edges))
}

// must panics on an error of FromEdges: the fixed shapes only fail for a
// vertex count outside 0..MaxNodes.
func must(g *Graph, err error) *Graph {
	if err != nil {
		panic(err)
	}
	return g
}
