package underlay

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"peerlab/engine"
)

var _ Model = (*MatrixModel)(nil)

const ms = time.Millisecond

// planetLabPath is the 490-host PlanetLab RTT matrix, relative to the package
// directory.
const planetLabPath = "../../shared/data/planetlab-490/PlanetLabData_1"

func mustRead(t testing.TB, text, format string) *Matrix {
	t.Helper()
	m, err := ReadMatrix(strings.NewReader(text), "test", format)
	if err != nil {
		t.Fatalf("ReadMatrix: %v", err)
	}
	return m
}

// checkRTTs compares every entry of m with want (in ms).
func checkRTTs(t *testing.T, m *Matrix, want [][]float64) {
	t.Helper()
	if m.Hosts() != len(want) {
		t.Fatalf("Hosts() = %d, want %d", m.Hosts(), len(want))
	}
	for i, row := range want {
		for j, w := range row {
			if got, w := m.RTT(i, j), time.Duration(w*float64(ms)); got != w {
				t.Errorf("RTT(%d, %d) = %v, want %v", i, j, got, w)
			}
		}
	}
}

func TestReadSquareExact(t *testing.T) {
	want := [][]float64{
		{0, 10, 30},
		{10, 0, 20.5},
		{32, 20.5, 0},
	}
	for _, format := range []string{"", "auto", "square"} {
		m, err := LoadMatrix("testdata/square3.txt", format)
		if err != nil {
			t.Fatalf("format %q: %v", format, err)
		}
		checkRTTs(t, m, want)
		if m.Name != "testdata/square3.txt" || m.Format != "square" || m.Unit != ms {
			t.Errorf("format %q: Name, Format, Unit = %q, %q, %v", format, m.Name, m.Format, m.Unit)
		}
		// Valid entries 10 10 20.5 20.5 30 32: median 20.5, min 10.
		if m.Replaced != 0 || m.Median != 20500*time.Microsecond || m.MinRTT != 10*ms {
			t.Errorf("Replaced, Median, MinRTT = %d, %v, %v; want 0, 20.5ms, 10ms", m.Replaced, m.Median, m.MinRTT)
		}
	}
	// CRLF line endings, a non-zero diagonal (ignored), blank and comment lines.
	m := mustRead(t, "\r\n# c\r\n7 1.5\r\n\r\n  2.25\t9 \r\n# end\r\n", "auto")
	checkRTTs(t, m, [][]float64{{0, 1.5}, {2.25, 0}})
	if m.Replaced != 0 {
		t.Errorf("a non-zero diagonal was counted as replaced (%d)", m.Replaced)
	}
	// A single host.
	m = mustRead(t, "0\n", "square")
	if m.Hosts() != 1 || m.Median != 0 || m.MinRTT != 0 || m.Replaced != 0 {
		t.Errorf("1x1 matrix: %s", m.Describe())
	}
}

func TestReadKingExact(t *testing.T) {
	// testdata/king4.txt: 1,2 10; 1,3 20; 3,1 24; 2,3 30; 1,4 -1; 2,4 40;
	// 3,4 absent. Missing: (1,4), (4,1), (3,4), (4,3). Valid: 10 10 20 24
	// 30 30 40 40, median (24+30)/2 = 27.
	want := [][]float64{
		{0, 10, 20, 27},
		{10, 0, 30, 40},
		{24, 30, 0, 27},
		{27, 40, 27, 0},
	}
	for _, format := range []string{"", "king"} {
		m, err := LoadMatrix("testdata/king4.txt", format)
		if err != nil {
			t.Fatalf("format %q: %v", format, err)
		}
		if m.Format != "king" {
			t.Errorf("Format = %q, want king", m.Format)
		}
		checkRTTs(t, m, want)
		if m.Replaced != 4 || m.Median != 27*ms || m.MinRTT != 10*ms {
			t.Errorf("Replaced, Median, MinRTT = %d, %v, %v; want 4, 27ms, 10ms", m.Replaced, m.Median, m.MinRTT)
		}
	}
	// No header, spaces around the comma, an ignored i,i line, a float
	// latency, a node line with extra words.
	m := mustRead(t, "node 1 Chord x\nnode 2\n1 , 2 3.5\n2,2 99\n", "auto")
	checkRTTs(t, m, [][]float64{{0, 3.5}, {3.5, 0}})
}

func TestReadUnit(t *testing.T) {
	m, err := ReadMatrixUnit(strings.NewReader("0 1500\n2500 0\n"), "us", "square", time.Microsecond)
	if err != nil {
		t.Fatal(err)
	}
	if m.RTT(0, 1) != 1500*time.Microsecond || m.RTT(1, 0) != 2500*time.Microsecond || m.Unit != time.Microsecond {
		t.Errorf("µs matrix read as %v, %v (unit %v)", m.RTT(0, 1), m.RTT(1, 0), m.Unit)
	}
	m, err = ReadMatrixUnit(strings.NewReader("node 1\nnode 2\n1,2 2\n"), "s", "king", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if m.RTT(1, 0) != 2*time.Second {
		t.Errorf("King matrix in seconds: RTT = %v, want 2s", m.RTT(1, 0))
	}
	for _, unit := range []time.Duration{0, -ms} {
		if _, err := ReadMatrixUnit(strings.NewReader("0 1\n1 0\n"), "u", "square", unit); err == nil ||
			!strings.Contains(err.Error(), "unit must be a positive duration") {
			t.Errorf("unit %v: error %v", unit, err)
		}
	}
}

func TestCleaning(t *testing.T) {
	// Missing: (0,1)=0 (0,2)=-1 (0,3)=NaN (1,2)=Inf (2,1)=-0 (3,2)=1e-9ms
	// (rounds to 0ns) = 6. Valid: 2 4 6 10 1 3 -> 1 2 3 4 6 10, median 3.5.
	// The diagonal (99, -5, 0, 1e9) is ignored.
	text := "99 0 -1 NaN\n" +
		"2 -5 +Inf 4\n" +
		"6 -0 0 10\n" +
		"1 3 1e-9 1e9\n"
	m := mustRead(t, text, "square")
	const med = 3500 * time.Microsecond
	if m.Replaced != 6 || m.Median != med || m.MinRTT != ms {
		t.Errorf("Replaced, Median, MinRTT = %d, %v, %v; want 6, 3.5ms, 1ms", m.Replaced, m.Median, m.MinRTT)
	}
	checkRTTs(t, m, [][]float64{
		{0, 3.5, 3.5, 3.5},
		{2, 0, 3.5, 4},
		{6, 3.5, 0, 10},
		{1, 3, 3.5, 0},
	})
	if !strings.Contains(m.Describe(), "4 hosts, median RTT 3.5ms, min RTT 1ms, 6 of 12 entries replaced") {
		t.Errorf("Describe() = %q", m.Describe())
	}
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, format, in, want string
	}{
		// Square format.
		{"non-numeric", "auto", "0 1\n1 abc\n", `bad.txt:2:3: row 2, entry 2: "abc" is not a number (want an RTT in units of 1ms)`},
		{"non-numeric after tab", "square", "0\t1\n1\tx\n", `bad.txt:2:3: row 2, entry 2: "x"`},
		{"non-numeric first", "auto", "abc 1\n1 0\n", `bad.txt:1:1: row 1, entry 1: "abc" is not a number`},
		{"line numbers count comments", "auto", "# c\n\n0 1\n1 y\n", "bad.txt:4:3: row 2, entry 2"},
		{"row too short", "auto", "0 1 2\n1 0\n2 1 0\n", "bad.txt:2: row 2 has 2 entries, want 3 like row 1 (line 1)"},
		{"row too long", "auto", "0 1\n1 0 3\n", "bad.txt:2: row 2 has 3 entries, want 2"},
		{"too many rows", "auto", "0 1\n1 0\n2 2\n", "bad.txt:3: row 3 is one too many: the matrix is not square (row 1, line 1, has 2 entries, so want 2 rows)"},
		{"too few rows", "auto", "0 1 2\n1 0 2\n", "bad.txt:2: end of input after 2 rows: the matrix is not square (row 1, line 1, has 3 entries, so want 3 rows)"},
		{"float range", "auto", "0 1e999\n1 0\n", `bad.txt:1:3: row 1, entry 2: number "1e999" is out of the float64 range`},
		{"duration range", "auto", "0 1e300\n1 0\n", "bad.txt:1:3: row 1, entry 2: RTT 1e300 × 1ms exceeds the largest duration"},
		{"all missing", "auto", "0 -1\n0 0\n", "bad.txt: no valid off-diagonal RTT"},
		{"empty", "auto", "", "bad.txt: no data"},
		{"only comments", "", "# x\n\n   \n", "bad.txt: no data"},
		{"empty square", "square", "", "bad.txt: no matrix rows"},
		{"unknown format", "csv", "0\n", `RTT matrix bad.txt: unknown format "csv" (want auto, square or king)`},
		{"king file read as square", "square", "node 1\n", `bad.txt:1:1: row 1, entry 1: "node" is not a number`},
		// King format.
		{"first index out of range", "auto", "node 1\nnode 2\n3,1 5\n", "bad.txt:3: first index 3 out of range [1, 2] (the file declares 2 nodes, numbered from 1)"},
		{"second index out of range", "king", "node 1\nnode 2\n1,0 5\n", "bad.txt:3: second index 0 out of range [1, 2]"},
		{"negative index", "king", "node 1\nnode 2\n-1,2 5\n", "bad.txt:3: first index -1 out of range"},
		{"non-integer index", "king", "node 1\nnode 2\n1,b 5\n", `bad.txt:3: second index "b" is not an integer: want "i,j latency" with i, j in [1, 2]`},
		{"float index", "king", "node 1\nnode 2\n1.0,2 5\n", `bad.txt:3: first index "1.0" is not an integer`},
		{"bad latency", "king", "node 1\nnode 2\n1,2 fast\n", `bad.txt:3: latency of 1,2: "fast" is not a number (want an RTT in units of 1ms)`},
		{"no comma", "king", "node 1\nnode 2\n1 2 5\n", `bad.txt:3: want "i,j latency", got "1 2 5"`},
		{"no latency", "king", "node 1\nnode 2\n1,2\n", `bad.txt:3: want "i,j latency" (one comma, then the second index and the latency), got "1,2"`},
		{"extra field", "king", "node 1\nnode 2\n1,2 5 7\n", `bad.txt:3: want "i,j latency" (one comma`},
		{"two commas", "king", "node 1\nnode 2\n1,2,5\n", `bad.txt:3: want "i,j latency" (one comma`},
		{"node out of sequence", "auto", "node 1\nnode 3\n", `bad.txt:2: node id "3" out of sequence: want "node 2"`},
		{"node starts at 0", "auto", "node 0\n", `bad.txt:1: node id "0" out of sequence: want "node 1"`},
		{"node without id", "auto", "node\n", `bad.txt:1: node line without an id: want "node 1"`},
		{"node after data", "auto", "node 1\nnode 2\n1,2 5\n\nnode 3\n", `bad.txt:5: node line after the latency lines: want every "node <id>" line before them (the last one is line 2)`},
		{"no node lines", "king", "topology E2EGraph 2\n", `bad.txt: no "node <id>" lines`},
		{"no node lines auto", "auto", "topology E2EGraph 2\nfailure_model Null\n", `bad.txt: no "node <id>" lines`},
		{"data before nodes", "auto", "topology E2EGraph 2\n1,2 5\nnode 1\n", `bad.txt:2: latency line before any "node <id>" line`},
		{"duplicate pair", "king", "node 1\nnode 2\n1,2 5\n2,1 5\n1,2 6\n", "bad.txt:5: pair 1,2 listed twice"},
		{"king all missing", "king", "node 1\nnode 2\n1,2 -1\n", "bad.txt: no valid off-diagonal RTT"},
		{"king latency range", "king", "node 1\nnode 2\n1,2 1e400\n", `bad.txt:3: latency of 1,2: number "1e400" is out of the float64 range`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadMatrix(strings.NewReader(tc.in), "bad.txt", tc.format)
			if err == nil {
				t.Fatalf("no error; read %s", m.Describe())
			}
			if m != nil {
				t.Error("a matrix was returned with the error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n\t%v\nwant it to contain\n\t%s", err, tc.want)
			}
		})
	}
}

func TestLoadMatrixMissingFile(t *testing.T) {
	_, err := LoadMatrix("testdata/no-such-file", "auto")
	if err == nil || !strings.Contains(err.Error(), "testdata/no-such-file") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadMatrix of a missing file: %v", err)
	}
}

func TestReadLineTooLong(t *testing.T) {
	long := "0 " + strings.Repeat("1", maxMatrixLine) + "\n"
	_, err := ReadMatrix(strings.NewReader("# x\n"+long), "long.txt", "square")
	if err == nil || !strings.Contains(err.Error(), "long.txt:2: line longer than") {
		t.Errorf("over-long line: %v", err)
	}
}

// synthMatrix returns an h-host matrix with distinct asymmetric RTTs
// RTT(i, j) = 1ms + i*h + j µs (so that RTT/2 identifies the pair).
func synthMatrix(t testing.TB, h int) *Matrix {
	t.Helper()
	var b strings.Builder
	for i := range h {
		for j := range h {
			v := 0.0
			if i != j {
				v = 1 + float64(i*h+j)/1000
			}
			b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
			b.WriteByte(' ')
		}
		b.WriteByte('\n')
	}
	return mustRead(t, b.String(), "square")
}

func TestMatrixModelDelayExact(t *testing.T) {
	m, err := LoadMatrix("testdata/square3.txt", "auto")
	if err != nil {
		t.Fatal(err)
	}
	oneWay := [][]time.Duration{ // RTT/2 by host
		{0, 5 * ms, 15 * ms},
		{5 * ms, 0, 10250 * time.Microsecond},
		{16 * ms, 10250 * time.Microsecond, 0},
	}
	mm := NewMatrixModel(m, 3, newRand(7))
	for a := range engine.NodeID(3) {
		for b := range engine.NodeID(3) {
			d, ok := mm.Delay(a, b, 100, nil)
			if want := oneWay[mm.Host(a)][mm.Host(b)]; d != want || !ok {
				t.Errorf("Delay(%d, %d) on hosts %d→%d = (%v, %v), want (%v, true)", a, b, mm.Host(a), mm.Host(b), d, ok, want)
			}
		}
	}
	// Rounding: an odd number of nanoseconds is halved downwards.
	odd := mustRead(t, "0 0.000003\n0.000001 0\n", "square") // 3ns and 1ns
	om := NewMatrixModel(odd, 2, newRand(1))
	a, b := engine.NodeID(0), engine.NodeID(1)
	if om.Host(a) != 0 {
		a, b = b, a
	}
	if d, _ := om.Delay(a, b, 1, nil); d != 1 {
		t.Errorf("RTT 3ns gives one-way %v, want 1ns", d)
	}
	if d, _ := om.Delay(b, a, 1, nil); d != 0 {
		t.Errorf("RTT 1ns gives one-way %v, want 0ns", d)
	}
}

func TestMatrixModelSameHost(t *testing.T) {
	m, err := LoadMatrix("testdata/king4.txt", "king")
	if err != nil {
		t.Fatal(err)
	}
	mm := NewMatrixModel(m, 9, newRand(3))
	if mm.SameHost != 5*ms {
		t.Errorf("default SameHost = %v, want MinRTT/2 = 5ms", mm.SameHost)
	}
	// Nodes 0, 4, 8 share a host; so do 1 and 5.
	for _, p := range [][2]engine.NodeID{{0, 4}, {4, 0}, {8, 0}, {1, 5}} {
		if d, ok := mm.Delay(p[0], p[1], 1, nil); d != 5*ms || !ok {
			t.Errorf("Delay(%d, %d) between co-located nodes = (%v, %v), want (5ms, true)", p[0], p[1], d, ok)
		}
	}
	if d, _ := mm.Delay(4, 4, 1, nil); d != 0 {
		t.Errorf("self delay %v, want 0", d)
	}
	// Different hosts still use the matrix.
	if d, _ := mm.Delay(0, 1, 1, nil); d != m.RTT(mm.Host(0), mm.Host(1))/2 {
		t.Errorf("Delay(0, 1) = %v, want RTT/2 = %v", d, m.RTT(mm.Host(0), mm.Host(1))/2)
	}
	mm.SameHost = 0
	if d, _ := mm.Delay(0, 4, 1, nil); d != 0 {
		t.Errorf("SameHost 0: Delay = %v", d)
	}
	mm.SameHost = 123 * time.Microsecond
	if d, _ := mm.Delay(0, 8, 1, nil); d != 123*time.Microsecond {
		t.Errorf("SameHost 123µs: Delay = %v", d)
	}
	// A single-host matrix: every pair is co-located, at 0.
	one := NewMatrixModel(mustRead(t, "0\n", "square"), 3, newRand(1))
	if d, ok := one.Delay(0, 2, 1, nil); d != 0 || !ok {
		t.Errorf("single host: (%v, %v)", d, ok)
	}
}

func TestMatrixModelMapping(t *testing.T) {
	const h = 50
	m := synthMatrix(t, h)
	for _, nodes := range []int{0, 1, 10, 49, 50} {
		mm := NewMatrixModel(m, nodes, newRand(11))
		if mm.Nodes() != nodes || mm.Matrix() != m {
			t.Fatalf("Nodes() = %d, want %d", mm.Nodes(), nodes)
		}
		seen := make(map[int]bool)
		for n := range engine.NodeID(nodes) {
			hst := mm.Host(n)
			if hst < 0 || hst >= h || seen[hst] {
				t.Fatalf("%d nodes: node %d on host %d (out of range or already used): not a permutation", nodes, n, hst)
			}
			seen[hst] = true
		}
	}
	// Beyond the hosts: node i is on the host of node i mod h; loads differ
	// by at most one.
	const nodes = 137
	big := NewMatrixModel(m, nodes, newRand(11))
	small := NewMatrixModel(m, 10, newRand(11))
	load := make([]int, h)
	for n := range engine.NodeID(nodes) {
		if big.Host(n) != big.Host(n%h) {
			t.Fatalf("node %d on host %d, node %d on host %d: reuse is not perm[i mod H]", n, big.Host(n), n%h, big.Host(n%h))
		}
		if n < 10 && big.Host(n) != small.Host(n) {
			t.Errorf("node %d: host %d with 137 nodes, %d with 10: the mapping depends on the node count", n, big.Host(n), small.Host(n))
		}
		load[big.Host(n)]++
	}
	if lo, hi := slices.Min(load), slices.Max(load); lo != 2 || hi != 3 {
		t.Errorf("host loads in [%d, %d], want [2, 3] for 137 nodes on 50 hosts", lo, hi)
	}
	// Delay agrees with the mapping.
	for a := range engine.NodeID(nodes) {
		b := engine.NodeID((int(a)*31 + 7) % nodes)
		d, _ := big.Delay(a, b, 1, nil)
		want := m.RTT(big.Host(a), big.Host(b)) / 2
		if a == b {
			want = 0
		} else if big.Host(a) == big.Host(b) {
			want = big.SameHost
		}
		if d != want {
			t.Errorf("Delay(%d, %d) = %v, want %v", a, b, d, want)
		}
	}
	// Same seed, same mapping; another seed, another mapping.
	again, other := NewMatrixModel(m, nodes, newRand(11)), NewMatrixModel(m, nodes, newRand(12))
	differs := false
	for n := range engine.NodeID(nodes) {
		if again.Host(n) != big.Host(n) {
			t.Fatalf("node %d: host %d then %d with the same seed", n, big.Host(n), again.Host(n))
		}
		differs = differs || other.Host(n) != big.Host(n)
	}
	if !differs {
		t.Error("seeds 11 and 12 gave the same mapping")
	}
}

func TestMatrixModelPanics(t *testing.T) {
	m := synthMatrix(t, 4)
	mm := NewMatrixModel(m, 6, newRand(1))
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"from = n", func() { mm.Delay(6, 0, 1, nil) }, "MatrixModel.Delay: node 6 out of range [0, 6)"},
		{"to negative", func() { mm.Delay(0, engine.None, 1, nil) }, "node -1 out of range"},
		{"self out of range", func() { mm.Delay(6, 6, 1, nil) }, "out of range"},
		{"host", func() { mm.Host(6) }, "MatrixModel.Host: node 6 out of range"},
		{"nil matrix", func() { NewMatrixModel(nil, 3, newRand(1)) }, "nil or empty matrix"},
		{"empty matrix", func() { NewMatrixModel(&Matrix{}, 3, newRand(1)) }, "nil or empty matrix"},
		{"negative nodes", func() { NewMatrixModel(m, -1, newRand(1)) }, "node count"},
		{"negative same host", func() {
			neg := NewMatrixModel(m, 6, newRand(1))
			neg.SameHost = -1
			neg.Delay(0, 4, 1, nil)
		}, "SameHost must be non-negative"},
		{"rtt out of range", func() { m.RTT(0, 4) }, "Matrix.RTT(0, 4): host out of range [0, 4)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				s, _ := r.(string)
				if r == nil || !strings.Contains(s, tc.want) {
					t.Errorf("panic = %v, want one containing %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
}

func TestMatrixModelZeroAllocs(t *testing.T) {
	mm := NewMatrixModel(synthMatrix(t, 40), 100, newRand(1))
	rng := newRand(1)
	var i int
	allocs := testing.AllocsPerRun(1000, func() {
		i++
		mm.Delay(engine.NodeID(i%100), engine.NodeID((i*31+1)%100), 512, rng)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per Delay call, want 0", allocs)
	}
}

// TestPlanetLab loads the 490-host PlanetLab matrix and checks it against an
// independent reading of the file.
func TestPlanetLab(t *testing.T) {
	data, err := os.ReadFile(planetLabPath)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("PlanetLab matrix %s not present; skipping", planetLabPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	m, err := LoadMatrix(planetLabPath, "auto")
	if err != nil {
		t.Fatal(err)
	}
	t.Log(m.Describe())
	if m.Hosts() != 490 || m.Format != "square" {
		t.Fatalf("%d hosts in format %s, want 490 in square", m.Hosts(), m.Format)
	}
	if m.Median < 10*ms || m.Median > 500*ms {
		t.Errorf("median RTT %v, not plausible for PlanetLab (want 10ms .. 500ms)", m.Median)
	}

	// Independent reading: plain Fields and ParseFloat, no cleaning code.
	var rows [][]float64
	for line := range strings.Lines(string(data)) {
		fs := strings.Fields(line)
		if len(fs) == 0 {
			continue
		}
		row := make([]float64, len(fs))
		for j, f := range fs {
			if row[j], err = strconv.ParseFloat(f, 64); err != nil {
				t.Fatalf("row %d: %v", len(rows)+1, err)
			}
		}
		rows = append(rows, row)
	}
	bad := 0
	var valid []float64
	for i, row := range rows {
		for j, v := range row {
			if i == j {
				continue
			}
			if v > 0 && !math.IsInf(v, 0) { // false for NaN
				valid = append(valid, v)
				if got, want := m.RTT(i, j), time.Duration(math.Round(v*1e6)); got != want {
					t.Fatalf("RTT(%d, %d) = %v, file says %v ms", i, j, got, v)
				}
			} else {
				bad++
			}
		}
	}
	if m.Replaced != bad {
		t.Errorf("Replaced = %d, an independent count of missing, zero or negative entries gives %d", m.Replaced, bad)
	}
	slices.Sort(valid)
	k := len(valid) / 2
	med := valid[k]
	if len(valid)%2 == 0 {
		med = (valid[k-1] + valid[k]) / 2
	}
	if d := m.Median - time.Duration(math.Round(med*1e6)); d < -1 || d > 1 {
		t.Errorf("Median = %v, independent median %v ms", m.Median, med)
	}
	if m.MinRTT != time.Duration(math.Round(valid[0]*1e6)) {
		t.Errorf("MinRTT = %v, independent minimum %v ms", m.MinRTT, valid[0])
	}
	t.Logf("PlanetLab: %d hosts, %d of %d off-diagonal entries replaced, median RTT %v, min RTT %v",
		m.Hosts(), m.Replaced, len(valid)+bad, m.Median, m.MinRTT)

	// A model over more nodes than hosts works and reuses hosts.
	mm := NewMatrixModel(m, 1000, newRand(5))
	if mm.Host(700) != mm.Host(210) {
		t.Error("node 700 is not on the host of node 700 mod 490")
	}
}

// FuzzReadMatrix checks that no input makes ReadMatrix panic, that errors
// name the source, and that every matrix it returns is clean.
func FuzzReadMatrix(f *testing.F) {
	for _, p := range []string{"testdata/square3.txt", "testdata/king4.txt"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{"", "0 1\n1 0\n", "0 -1 NaN\n1 0 2\n3 Inf 0\n", "node 1\nnode 2\n1,2 5\n",
		"node 1\nnode 2\n2,1 -1\n", "0 1\n1\n", "node 1\n1,1 1\n", "topology E2EGraph 2\n1,2 3\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, format := range []string{"auto", "square", "king"} {
			m, err := ReadMatrix(strings.NewReader(in), "fuzz", format)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "fuzz:") {
					t.Fatalf("format %s: error %q does not start with the source name", format, err)
				}
				continue
			}
			n := m.Hosts()
			if n < 1 || m.Replaced < 0 || m.Replaced > n*(n-1) {
				t.Fatalf("format %s: %s", format, m.Describe())
			}
			for i := range n {
				for j := range n {
					if d := m.RTT(i, j); (i == j) != (d == 0) || d < 0 {
						t.Fatalf("format %s: RTT(%d, %d) = %v", format, i, j, d)
					}
				}
			}
		}
	})
}

func BenchmarkMatrixDelay(b *testing.B) {
	for _, nodes := range []int{490, 1000} {
		b.Run(fmt.Sprintf("490hosts/%dnodes", nodes), func(b *testing.B) {
			mm := NewMatrixModel(synthMatrix(b, 490), nodes, newRand(1))
			rng := newRand(1)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				mm.Delay(engine.NodeID(i%nodes), engine.NodeID((i*31+1)%nodes), 512, rng)
			}
		})
	}
}
