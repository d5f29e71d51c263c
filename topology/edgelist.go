package topology

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

// ParseError is a malformed edge-list line.
type ParseError struct {
	Name string // the file name given to ReadEdgeList
	Line int    // 1-based line number
	Msg  string // what was wrong and what was expected
}

// Error returns "name:line: msg".
func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg) }

// maxLine is the longest line ReadEdgeList accepts.
const maxLine = 1 << 20

// ReadEdgeList reads an undirected graph in edge-list form: one edge per
// line as two non-negative integer vertex identifiers separated by spaces or
// tabs ("u v"). A '#' starts a comment that runs to the end of the line;
// blank lines are skipped. The graph has max identifier + 1 vertices
// (identifiers below MaxNodes); identifiers that appear on no line are
// isolated vertices.
//
// Duplicate edges, in either orientation, are merged silently. A self-loop
// ("v v") is an error: an overlay host is never its own neighbour, so such a
// line is taken for a mistake in the file. Every error is a *ParseError
// naming the file (name) and line; a file without any edge is an error too.
func ReadEdgeList(r io.Reader, name string) (*Graph, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	var (
		adj  [][]int32
		line int
		ids  [2]int32
	)
	edges := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		f1, rest, ok := cutField(text)
		if !ok {
			continue // blank or comment
		}
		f2, rest, ok2 := cutField(rest)
		if _, _, more := cutField(rest); !ok2 || more {
			return nil, &ParseError{name, line, fmt.Sprintf("want two vertex identifiers \"u v\", got %q", strings.TrimSpace(text))}
		}
		for i, f := range [2]string{f1, f2} {
			v, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				return nil, &ParseError{name, line, fmt.Sprintf("vertex identifier %q: want a non-negative integer", f)}
			}
			if v >= MaxNodes {
				return nil, &ParseError{name, line, fmt.Sprintf("vertex identifier %d: must be below %d", v, MaxNodes)}
			}
			ids[i] = int32(v)
		}
		u, v := ids[0], ids[1]
		if u == v {
			return nil, &ParseError{name, line, fmt.Sprintf("self-loop %d-%d: an edge needs two distinct vertices", u, v)}
		}
		if n := int(max(u, v)) + 1; n > len(adj) {
			adj = append(adj, make([][]int32, n-len(adj))...)
		}
		adj[u] = append(adj[u], v)
		adj[v] = append(adj[v], u)
		edges++
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return nil, &ParseError{name, line + 1, fmt.Sprintf("line longer than %d bytes", maxLine)}
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if edges == 0 {
		return nil, &ParseError{name, line, "no edges: want one \"u v\" line per edge"}
	}
	return finish(adj), nil
}

// cutField splits the first whitespace-separated field off s.
func cutField(s string) (field, rest string, ok bool) {
	s = strings.TrimLeft(s, " \t\r\v\f")
	if s == "" {
		return "", "", false
	}
	i := strings.IndexAny(s, " \t\r\v\f")
	if i < 0 {
		return s, "", true
	}
	return s[:i], s[i:], true
}

// WriteEdgeList writes g in the form ReadEdgeList reads: a comment line with
// the vertex and edge counts, then one "u v" line per edge (u < v, sorted).
// Isolated vertices above the largest endpoint are not preserved.
func WriteEdgeList(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# %d vertices, %d edges\n", g.N(), g.M())
	var b []byte
	for u, nb := range g.adj {
		for _, v := range nb {
			if int32(u) < v {
				b = strconv.AppendInt(b[:0], int64(u), 10)
				b = append(b, ' ')
				b = strconv.AppendInt(b, int64(v), 10)
				b = append(b, '\n')
				bw.Write(b)
			}
		}
	}
	return bw.Flush()
}

// Load returns the graph s describes on n vertices: read from s.File for
// the File model (which must have exactly n vertices, and be connected when
// s.Connected asks for it), drawn by Generate from r otherwise.
func Load(s Spec, n int, r *rand.Rand) (*Graph, error) {
	if s.Model != File {
		return Generate(s, n, r)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.File)
	if err != nil {
		return nil, fmt.Errorf("topology.file: %w", err)
	}
	defer f.Close()
	g, err := ReadEdgeList(f, s.File)
	if err != nil {
		return nil, err
	}
	if g.N() != n {
		return nil, fmt.Errorf("%s: the graph has %d vertices (0..%d), the scenario %d nodes: they must match", s.File, g.N(), g.N()-1, n)
	}
	if s.Connected && !g.Connected() {
		c, _ := g.Components()
		return nil, fmt.Errorf("%s: the graph has %d components and topology.connected is true", s.File, c)
	}
	return g, nil
}
