package topology

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestReadEdgeList: comments, blank lines, tabs, duplicates in both
// orientations, isolated identifiers in between.
func TestReadEdgeList(t *testing.T) {
	in := "# a small overlay\n" +
		"0 1\n" +
		"\n" +
		"1\t2   # trailing comment\n" +
		"  2 0\n" +
		"1 0\n" + // duplicate, reversed
		"0 1\n" + // duplicate
		"5 2\r\n" +
		"   # indented comment\n"
	g, err := ReadEdgeList(strings.NewReader(in), "small.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []Edge{{0, 1}, {0, 2}, {1, 2}, {2, 5}}
	if g.N() != 6 || !slices.Equal(g.Edges(), want) {
		t.Errorf("got %d vertices, edges %v; want 6, %v", g.N(), g.Edges(), want)
	}
	if g.Degree(3) != 0 || g.Degree(4) != 0 {
		t.Errorf("vertices 3 and 4 should be isolated")
	}
	checkSimple(t, "small.txt", g)
}

// TestReadEdgeListErrors: every malformed line is reported with the file
// name, the line number and what was expected.
func TestReadEdgeListErrors(t *testing.T) {
	cases := []struct {
		name, in string
		line     int
		want     string
	}{
		{"one field", "0 1\n# c\n2\n", 3, `want two vertex identifiers "u v", got "2"`},
		{"three fields", "0 1 2\n", 1, `want two vertex identifiers "u v", got "0 1 2"`},
		{"negative", "0 1\n1 -2\n", 2, `vertex identifier "-2": want a non-negative integer`},
		{"not a number", "\n\na b\n", 3, `vertex identifier "a": want a non-negative integer`},
		{"float", "0 1.5\n", 1, `vertex identifier "1.5": want a non-negative integer`},
		{"too large", "0 99999999999\n", 1, "vertex identifier 99999999999: must be below 16777216"},
		{"self-loop", "0 1\n1 2\n3 3\n", 3, "self-loop 3-3"},
		{"empty", "# nothing\n\n", 2, "no edges"},
		{"comma", "0,1\n", 1, `want two vertex identifiers "u v", got "0,1"`},
	}
	for _, c := range cases {
		_, err := ReadEdgeList(strings.NewReader(c.in), "g.edges")
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: got %v, want a *ParseError", c.name, err)
			continue
		}
		if pe.Name != "g.edges" || pe.Line != c.line || !strings.Contains(pe.Msg, c.want) {
			t.Errorf("%s: got %q, want line %d and %q", c.name, err, c.line, c.want)
		}
		if !strings.HasPrefix(err.Error(), "g.edges:") {
			t.Errorf("%s: error %q does not start with the file name", c.name, err)
		}
	}
}

// TestEdgeListRoundTrip: WriteEdgeList then ReadEdgeList gives the same
// graph.
func TestEdgeListRoundTrip(t *testing.T) {
	g, _ := BarabasiAlbert(300, 3, rng(4))
	var buf bytes.Buffer
	if err := WriteEdgeList(&buf, g); err != nil {
		t.Fatal(err)
	}
	h, err := ReadEdgeList(&buf, "roundtrip")
	if err != nil {
		t.Fatal(err)
	}
	if h.N() != g.N() || !slices.Equal(h.Edges(), g.Edges()) {
		t.Errorf("round trip changed the graph: %d/%d vertices, %d/%d edges", h.N(), g.N(), h.M(), g.M())
	}
}

// TestLoad reads a topology file for a scenario: the vertex count must
// match the hosts, connectivity is checked on request, and generated
// models still go through Generate.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "g.txt")
	if err := os.WriteFile(path, []byte("# two triangles\n0 1\n1 2\n2 0\n3 4\n4 5\n5 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := Spec{Model: File, File: path}
	g, err := Load(s, 6, nil)
	if err != nil || g.M() != 6 {
		t.Fatalf("Load: %v, %v", g, err)
	}
	cases := []struct {
		s    Spec
		n    int
		want string
	}{
		{s, 7, "6 vertices"},
		{Spec{Model: File, File: path, Connected: true}, 6, "2 components"},
		{Spec{Model: File, File: filepath.Join(dir, "none")}, 6, "topology.file"},
		{Spec{Model: File}, 6, "topology.file: must name"},
		{Spec{Model: Regular, Degree: 4, File: path}, 6, "only read with"},
	}
	for _, c := range cases {
		if _, err := Load(c.s, c.n, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%+v, %d): %v, want an error with %q", c.s, c.n, err, c.want)
		}
	}
	if g, err := Load(Spec{Model: Regular, Degree: 4}, 10, rand.New(rand.NewPCG(1, 1))); err != nil || g.MinDegree() != 4 {
		t.Errorf("Load of a generated model: %v", err)
	}
}
