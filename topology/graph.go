// Package topology builds the undirected graphs that unstructured overlays
// (protocols/gnutella) start from: Erdős–Rényi random graphs, random
// d-regular graphs, power-law graphs grown by preferential attachment
// (Barabási–Albert), small worlds (Watts–Strogatz), a few fixed shapes for
// tests (path, ring, star, grid), and graphs read from edge-list files.
//
// A Graph is immutable once built: vertices are 0..N()-1 and each vertex's
// neighbours are kept as a sorted slice of int32. Every generator draws only
// from the *rand.Rand it is given (math/rand/v2), in a fixed order, so one
// seed always gives the same graph. Graphs are simple: no self-loops, no
// multi-edges. Generators do not promise connectivity on their own;
// Components and Connected report it, and Generate with Spec.Connected
// retries until the graph is connected.
package topology

import (
	"fmt"
	"slices"
)

// Graph is a simple undirected graph on the vertices 0..N()-1.
type Graph struct {
	adj [][]int32 // adj[v]: the neighbours of v, increasing, no duplicates
	m   int       // number of edges
}

// Edge is an undirected edge; Edges returns them with U < V.
type Edge struct {
	U, V int32
}

// MaxNodes is the largest number of vertices a Graph may have (vertex
// identifiers are int32, and edge-list files are read into dense arrays).
const MaxNodes = 1 << 24

// FromEdges returns the graph on n vertices with the given edges. Duplicate
// edges (in either orientation) are merged; a self-loop or an endpoint
// outside 0..n-1 is an error.
func FromEdges(n int, edges []Edge) (*Graph, error) {
	if n < 0 || n > MaxNodes {
		return nil, fmt.Errorf("topology: %d vertices: must be between 0 and %d", n, MaxNodes)
	}
	adj := make([][]int32, n)
	for _, e := range edges {
		if e.U < 0 || int(e.U) >= n || e.V < 0 || int(e.V) >= n {
			return nil, fmt.Errorf("topology: edge %d-%d: endpoint outside 0..%d", e.U, e.V, n-1)
		}
		if e.U == e.V {
			return nil, fmt.Errorf("topology: edge %d-%d is a self-loop", e.U, e.V)
		}
		adj[e.U] = append(adj[e.U], e.V)
		adj[e.V] = append(adj[e.V], e.U)
	}
	return finish(adj), nil
}

// finish sorts every adjacency list, merges duplicates and counts the edges.
// The lists must hold no self-loops and be symmetric.
func finish(adj [][]int32) *Graph {
	sum := 0
	for v := range adj {
		slices.Sort(adj[v])
		adj[v] = slices.Clip(slices.Compact(adj[v]))
		sum += len(adj[v])
	}
	return &Graph{adj: adj, m: sum / 2}
}

// N returns the number of vertices.
func (g *Graph) N() int { return len(g.adj) }

// M returns the number of edges.
func (g *Graph) M() int { return g.m }

// Neighbors returns v's neighbours in increasing order. The slice belongs
// to the graph: callers must not modify it.
func (g *Graph) Neighbors(v int) []int32 { return g.adj[v] }

// Degree returns the number of neighbours of v.
func (g *Graph) Degree(v int) int { return len(g.adj[v]) }

// HasEdge reports whether u and v are adjacent.
func (g *Graph) HasEdge(u, v int) bool {
	if u < 0 || u >= len(g.adj) || v < 0 || v >= len(g.adj) {
		return false
	}
	a, b := g.adj[u], int32(v)
	if len(g.adj[v]) < len(a) {
		a, b = g.adj[v], int32(u)
	}
	_, ok := slices.BinarySearch(a, b)
	return ok
}

// Edges returns every edge once, with U < V, sorted by (U, V).
func (g *Graph) Edges() []Edge {
	out := make([]Edge, 0, g.m)
	for u, nb := range g.adj {
		for _, v := range nb {
			if int32(u) < v {
				out = append(out, Edge{U: int32(u), V: v})
			}
		}
	}
	return out
}

// MeanDegree returns 2M/N (0 for the empty graph).
func (g *Graph) MeanDegree() float64 {
	if len(g.adj) == 0 {
		return 0
	}
	return 2 * float64(g.m) / float64(len(g.adj))
}

// MaxDegree returns the largest degree (0 for the empty graph).
func (g *Graph) MaxDegree() int {
	d := 0
	for _, nb := range g.adj {
		d = max(d, len(nb))
	}
	return d
}

// MinDegree returns the smallest degree (0 for the empty graph).
func (g *Graph) MinDegree() int {
	if len(g.adj) == 0 {
		return 0
	}
	d := len(g.adj[0])
	for _, nb := range g.adj {
		d = min(d, len(nb))
	}
	return d
}

// Components returns the number of connected components and, for every
// vertex, the index of its component (components are numbered 0, 1, ... in
// the order of their smallest vertex). An isolated vertex is a component.
func (g *Graph) Components() (count int, comp []int32) {
	comp = make([]int32, len(g.adj))
	for i := range comp {
		comp[i] = -1
	}
	queue := make([]int32, 0, len(g.adj))
	for s := range g.adj {
		if comp[s] >= 0 {
			continue
		}
		c := int32(count)
		count++
		comp[s] = c
		queue = append(queue[:0], int32(s))
		for i := 0; i < len(queue); i++ {
			for _, w := range g.adj[queue[i]] {
				if comp[w] < 0 {
					comp[w] = c
					queue = append(queue, w)
				}
			}
		}
	}
	return count, comp
}

// Connected reports whether the graph has exactly one component (the empty
// graph is not connected).
func (g *Graph) Connected() bool {
	n, _ := g.Components()
	return n == 1
}

// Distances returns the hop distance from src to every vertex by breadth-first
// search; -1 for vertices src cannot reach.
func (g *Graph) Distances(src int) []int32 {
	dist := make([]int32, len(g.adj))
	for i := range dist {
		dist[i] = -1
	}
	dist[src] = 0
	queue := []int32{int32(src)}
	for i := 0; i < len(queue); i++ {
		u := queue[i]
		for _, w := range g.adj[u] {
			if dist[w] < 0 {
				dist[w] = dist[u] + 1
				queue = append(queue, w)
			}
		}
	}
	return dist
}

// Clustering returns the average local clustering coefficient (Watts and
// Strogatz 1998): for each vertex, the fraction of pairs of its neighbours
// that are adjacent, averaged over all vertices; a vertex of degree 0 or 1
// counts as 0.
func (g *Graph) Clustering() float64 {
	if len(g.adj) == 0 {
		return 0
	}
	sum := 0.0
	for _, nb := range g.adj {
		k := len(nb)
		if k < 2 {
			continue
		}
		links := 0 // ordered (u, w) pairs of adjacent neighbours
		for _, u := range nb {
			links += intersect(nb, g.adj[u])
		}
		sum += float64(links) / float64(k*(k-1))
	}
	return sum / float64(len(g.adj))
}

// intersect counts the common elements of two increasing slices.
func intersect(a, b []int32) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// DegreeHistogram returns h with h[d] the number of vertices of degree d,
// for d = 0..MaxDegree().
func (g *Graph) DegreeHistogram() []int {
	h := make([]int, g.MaxDegree()+1)
	for _, nb := range g.adj {
		h[len(nb)]++
	}
	return h
}
