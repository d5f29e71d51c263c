package underlay

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"peerlab/engine"
)

// Formats accepted by ReadMatrix and LoadMatrix.
const (
	// MatrixFormatAuto detects the format from the first line that is
	// neither blank nor a comment: it is King if that line's first word is
	// "node", "topology", "failure_model" or "loss_rate", or if the word
	// contains a comma; otherwise it is square. The empty string means the
	// same.
	MatrixFormatAuto = "auto"
	// MatrixFormatSquare is a whitespace-separated square matrix, one row per
	// line: entry j of row i is the RTT from host i to host j.
	MatrixFormatSquare = "square"
	// MatrixFormatKing is the p2psim E2EGraph topology format used by the
	// published King data set: "node <id>" lines, then "i,j latency" lines
	// with 1-based host IDs.
	MatrixFormatKing = "king"
)

// MaxMatrixHosts is the largest number of hosts a matrix may have. The
// cleaned matrix is held densely (8 bytes per ordered pair, 800 MB at this
// limit), so a larger file is rejected rather than exhausting memory.
const MaxMatrixHosts = 10_000

// maxMatrixLine is the longest line ReadMatrix accepts, in bytes.
const maxMatrixLine = 4 << 20

// Matrix is a cleaned matrix of measured round-trip times between hosts,
// produced by ReadMatrix or LoadMatrix. It is immutable: its RTTs can only be
// read, and the exported fields are a record of how it was read and cleaned
// (changing them changes nothing else). One Matrix may back any number of
// MatrixModels, concurrently.
//
// RTT(i, j) is the measured entry (i, j), kept as measured even where it
// differs from (j, i): a message from host i to host j uses entry (i, j). The
// diagonal is 0. Every off-diagonal entry that was missing, zero, negative,
// NaN or infinite (or that rounds to 0ns) has been replaced by Median and is
// counted in Replaced.
type Matrix struct {
	// Name identifies the source in messages: the path for LoadMatrix, the
	// name passed to ReadMatrix otherwise.
	Name string
	// Format is the format that was read, MatrixFormatSquare or
	// MatrixFormatKing (never "auto").
	Format string
	// Unit is the duration of one unit of the file's numbers.
	Unit time.Duration
	// Replaced counts the ordered off-diagonal entries (i, j), i != j, that
	// were replaced by Median, out of Hosts()*(Hosts()-1).
	Replaced int
	// Median is the median of the valid off-diagonal entries, counting each
	// ordered entry once (an even count's median is the mean of the two
	// middle values, rounded to the nanosecond). It is 0 for a single host.
	Median time.Duration
	// MinRTT is the smallest valid off-diagonal entry; 0 for a single host.
	MinRTT time.Duration

	n   int             // hosts
	rtt []time.Duration // rtt[i*n+j], cleaned, diagonal 0
}

// Hosts returns the number of hosts; valid host indices are 0 .. Hosts()-1.
func (m *Matrix) Hosts() int { return m.n }

// RTT returns the cleaned round-trip time from host i to host j (0-based;
// for the King format, host i is the file's node i+1). It panics if i or j is
// not in [0, Hosts()).
func (m *Matrix) RTT(i, j int) time.Duration {
	if uint(i) >= uint(m.n) || uint(j) >= uint(m.n) {
		panic(fmt.Sprintf("underlay: Matrix.RTT(%d, %d): host out of range [0, %d)", i, j, m.n))
	}
	return m.rtt[i*m.n+j]
}

// Describe returns a one-line summary for logs, such as
// "PlanetLabData_1 (square, unit 1ms): 490 hosts, median RTT 135.01ms, min
// RTT 86µs, 0 of 239610 entries replaced by the median".
func (m *Matrix) Describe() string {
	return fmt.Sprintf("%s (%s, unit %v): %d hosts, median RTT %v, min RTT %v, %d of %d entries replaced by the median",
		m.Name, m.Format, m.Unit, m.n, m.Median, m.MinRTT, m.Replaced, m.n*(m.n-1))
}

// LoadMatrix reads the RTT matrix in the file at path, in milliseconds; see
// ReadMatrix.
func LoadMatrix(path, format string) (*Matrix, error) {
	return LoadMatrixUnit(path, format, time.Millisecond)
}

// LoadMatrixUnit reads the RTT matrix in the file at path, whose numbers are
// in units of unit; see ReadMatrixUnit. The matrix is named after path.
func LoadMatrixUnit(path, format string, unit time.Duration) (*Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("underlay: RTT matrix: %w", err)
	}
	defer f.Close()
	return ReadMatrixUnit(f, path, format, unit)
}

// ReadMatrix reads an RTT matrix whose numbers are milliseconds. It is
// ReadMatrixUnit(r, name, format, time.Millisecond).
func ReadMatrix(r io.Reader, name, format string) (*Matrix, error) {
	return ReadMatrixUnit(r, name, format, time.Millisecond)
}

// ReadMatrixUnit reads an RTT matrix from r, whose numbers are in units of
// unit (time.Millisecond for RTTs in ms, time.Microsecond for µs), and
// cleans it. name is used in error messages and as Matrix.Name. format is
// MatrixFormatSquare, MatrixFormatKing, or MatrixFormatAuto (or "") to detect
// it.
//
// Common rules: lines may end in LF or CRLF; blank lines and lines whose
// first non-blank character is '#' are skipped everywhere (they still count
// for line numbers); numbers are parsed by strconv.ParseFloat, so "NaN" and
// "Inf" are numbers (and count as missing) while anything else that is not a
// number is an error. The diagonal is ignored (set to 0) and off-diagonal
// entries that are zero, negative, NaN or infinite are missing: they are
// replaced by the median of the valid off-diagonal entries and counted in
// Matrix.Replaced.
//
// Square format: row i (the i-th row line) holds the RTTs from host i to hosts
// 0 .. n-1, separated by spaces or tabs. The first row fixes n; every row must
// have n entries and there must be n rows.
//
// King format (p2psim's E2EGraph topology files, such as the King data set's
// mking-t): every line before the first "node" line is a header and skipped
// (p2psim writes "topology E2EGraph <n>", "failure_model ..." there), except
// that a latency line there is an error. Then come the lines "node <id> ...",
// with ids 1, 2, 3, ... in order, one per host (host index id-1; words after
// the id are ignored). Then the latency lines "i,j latency" (spaces around
// the comma allowed), 1-based, in any order: entry (i, j) is set from it, and
// so is (j, i) unless the file also has a "j,i" line, so a file listing each
// pair once (as p2psim's do) gives a symmetric matrix and one listing both
// directions keeps its asymmetry. A pair listed in neither direction is
// missing, as is a negative latency (p2psim's -1). A pair may not be listed
// twice in the same direction, and "i,i" lines are accepted and ignored.
//
// Units: the numbers are RTTs (the model halves them for the one-way delay).
// The square files in circulation (the PlanetLab matrices) are in ms. For the
// King format, p2psim's simulated time is in milliseconds and its E2EGraph
// passes a file's latencies through unscaled, so p2psim topology files are in
// ms; the King raw measurements (measurements.gz) are in µs, so a file
// derived from them without conversion needs time.Microsecond.
//
// Every error names the source and the line ("name:line: ..." or
// "name:line:column: ..." for a bad number of the square format), says what
// was expected, and never panics, whatever the input.
func ReadMatrixUnit(r io.Reader, name, format string, unit time.Duration) (*Matrix, error) {
	if unit <= 0 {
		return nil, fmt.Errorf("underlay: RTT matrix %s: unit must be a positive duration, got %v", name, unit)
	}
	lr := newLineReader(r, name)
	switch format {
	case "", MatrixFormatAuto:
		line, ok := lr.peekSignificant()
		if !ok {
			if err := lr.err(); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%s: no data: want a square RTT matrix or a King (p2psim) topology", name)
		}
		format = MatrixFormatSquare
		if f := firstWord(line); f == "node" || f == "topology" || f == "failure_model" || f == "loss_rate" ||
			strings.Contains(f, ",") {
			format = MatrixFormatKing
		}
	case MatrixFormatSquare, MatrixFormatKing:
	default:
		return nil, fmt.Errorf("underlay: RTT matrix %s: unknown format %q (want %s, %s or %s)",
			name, format, MatrixFormatAuto, MatrixFormatSquare, MatrixFormatKing)
	}
	var (
		raw []float64
		n   int
		err error
	)
	if format == MatrixFormatSquare {
		raw, n, err = readSquare(lr, unit)
	} else {
		raw, n, err = readKing(lr, unit)
	}
	if err != nil {
		return nil, err
	}
	m, err := cleanMatrix(raw, n, unit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m.Name, m.Format = name, format
	return m, nil
}

// lineReader yields the lines of a matrix file with their 1-based numbers.
type lineReader struct {
	sc      *bufio.Scanner
	name    string
	line    int    // number of the line last returned
	pending bool   // the last line was pushed back by peekSignificant
	text    string // the last line, without its line ending
}

func newLineReader(r io.Reader, name string) *lineReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxMatrixLine)
	return &lineReader{sc: sc, name: name}
}

// next returns the next line without its line ending (LF or CRLF).
func (lr *lineReader) next() (string, bool) {
	if lr.pending {
		lr.pending = false
		return lr.text, true
	}
	if !lr.sc.Scan() {
		return "", false
	}
	lr.line++
	lr.text = strings.TrimSuffix(lr.sc.Text(), "\r")
	return lr.text, true
}

// nextSignificant returns the next line that is neither blank nor a comment.
func (lr *lineReader) nextSignificant() (string, bool) {
	for {
		s, ok := lr.next()
		if !ok {
			return "", false
		}
		if t := strings.TrimSpace(s); t != "" && t[0] != '#' {
			return s, true
		}
	}
}

// peekSignificant returns the next significant line and pushes it back.
func (lr *lineReader) peekSignificant() (string, bool) {
	s, ok := lr.nextSignificant()
	lr.pending = ok
	return s, ok
}

// err reports a read error (including an over-long line), or nil at a clean
// end of input.
func (lr *lineReader) err() error {
	err := lr.sc.Err()
	if err == nil {
		return nil
	}
	if errors.Is(err, bufio.ErrTooLong) {
		return fmt.Errorf("%s:%d: line longer than %d bytes", lr.name, lr.line+1, maxMatrixLine)
	}
	return fmt.Errorf("%s: after line %d: %w", lr.name, lr.line, err)
}

// errorf returns an error located at the current line.
func (lr *lineReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: "+format, append([]any{lr.name, lr.line}, args...)...)
}

// field is one whitespace-separated word of a line with its 1-based byte
// column.
type field struct {
	s   string
	col int
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' }

// splitFields appends the words of line to buf[:0] and returns it.
func splitFields(line string, buf []field) []field {
	buf = buf[:0]
	for i := 0; i < len(line); {
		for i < len(line) && isBlank(line[i]) {
			i++
		}
		start := i
		for i < len(line) && !isBlank(line[i]) {
			i++
		}
		if i > start {
			buf = append(buf, field{line[start:i], start + 1})
		}
	}
	return buf
}

func firstWord(line string) string {
	if fs := splitFields(line, nil); len(fs) > 0 {
		return fs[0].s
	}
	return ""
}

// parseRTT parses one RTT number in file units. NaN and ±Inf are accepted
// (as missing values); a finite positive value too large to be a
// time.Duration is an error.
func parseRTT(s string, unit time.Duration) (float64, string) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Sprintf("number %q is out of the float64 range", s)
		}
		return 0, fmt.Sprintf("%q is not a number", s)
	}
	if v > 0 && !math.IsInf(v, 1) && v*float64(unit) >= math.MaxInt64 {
		return 0, fmt.Sprintf("RTT %s × %v exceeds the largest duration (%v)", s, unit, time.Duration(math.MaxInt64))
	}
	return v, ""
}

// readSquare reads the square format into raw (row-major, file units).
func readSquare(lr *lineReader, unit time.Duration) ([]float64, int, error) {
	var (
		raw      []float64
		n        int // entries in row 1; 0 before it is read
		rows     int
		firstRow int // line of row 1
		fs       []field
	)
	for {
		line, ok := lr.nextSignificant()
		if !ok {
			break
		}
		fs = splitFields(line, fs)
		if n == 0 {
			n, firstRow = len(fs), lr.line
			if n > MaxMatrixHosts {
				return nil, 0, lr.errorf("row 1 has %d entries: more than %d hosts is not supported", n, MaxMatrixHosts)
			}
		}
		if rows == n {
			return nil, 0, lr.errorf("row %d is one too many: the matrix is not square (row 1, line %d, has %d entries, so want %d rows)",
				rows+1, firstRow, n, n)
		}
		if len(fs) != n {
			return nil, 0, lr.errorf("row %d has %d entries, want %d like row 1 (line %d)", rows+1, len(fs), n, firstRow)
		}
		for j, f := range fs {
			v, msg := parseRTT(f.s, unit)
			if msg != "" {
				return nil, 0, fmt.Errorf("%s:%d:%d: row %d, entry %d: %s (want an RTT in units of %v)",
					lr.name, lr.line, f.col, rows+1, j+1, msg, unit)
			}
			raw = append(raw, v)
		}
		rows++
	}
	if err := lr.err(); err != nil {
		return nil, 0, err
	}
	if n == 0 {
		return nil, 0, fmt.Errorf("%s: no matrix rows: want %s lines of whitespace-separated RTTs", lr.name, MatrixFormatSquare)
	}
	if rows != n {
		return nil, 0, fmt.Errorf("%s:%d: end of input after %d rows: the matrix is not square (row 1, line %d, has %d entries, so want %d rows)",
			lr.name, lr.line, rows, firstRow, n, n)
	}
	return raw, n, nil
}

// readKing reads the p2psim E2EGraph format into raw (row-major, file units,
// NaN where a pair is given in neither direction).
func readKing(lr *lineReader, unit time.Duration) ([]float64, int, error) {
	var (
		fs       []field
		n        int
		nodeLine int // line of the last node line
	)
	// Header, then the node lines.
	for {
		line, ok := lr.nextSignificant()
		if !ok {
			break
		}
		fs = splitFields(line, fs)
		if fs[0].s != "node" {
			if n > 0 {
				lr.pending = true // the first latency line
				break
			}
			if strings.Contains(fs[0].s, ",") {
				return nil, 0, lr.errorf("latency line before any \"node <id>\" line: want the node lines first")
			}
			continue // header
		}
		if len(fs) < 2 {
			return nil, 0, lr.errorf("node line without an id: want \"node %d\"", n+1)
		}
		id, err := strconv.Atoi(fs[1].s)
		if err != nil || id != n+1 {
			return nil, 0, lr.errorf("node id %q out of sequence: want \"node %d\" (ids run 1, 2, 3, ...)", fs[1].s, n+1)
		}
		if id > MaxMatrixHosts {
			return nil, 0, lr.errorf("node %d: more than %d hosts is not supported", id, MaxMatrixHosts)
		}
		n, nodeLine = id, lr.line
	}
	if err := lr.err(); err != nil {
		return nil, 0, err
	}
	if n == 0 {
		return nil, 0, fmt.Errorf("%s: no \"node <id>\" lines: want a King (p2psim E2EGraph) topology", lr.name)
	}
	raw := make([]float64, n*n)
	given := make([]bool, n*n)
	index := func(s, which string) (int, error) {
		s = strings.TrimSpace(s)
		k, err := strconv.Atoi(s)
		if err != nil {
			return 0, lr.errorf("%s index %q is not an integer: want \"i,j latency\" with i, j in [1, %d]", which, s, n)
		}
		if k < 1 || k > n {
			return 0, lr.errorf("%s index %d out of range [1, %d] (the file declares %d nodes, numbered from 1)", which, k, n, n)
		}
		return k - 1, nil
	}
	for {
		line, ok := lr.nextSignificant()
		if !ok {
			break
		}
		left, right, hasComma := strings.Cut(line, ",")
		if !hasComma {
			if firstWord(line) == "node" {
				return nil, 0, lr.errorf("node line after the latency lines: want every \"node <id>\" line before them (the last one is line %d)", nodeLine)
			}
			return nil, 0, lr.errorf("want \"i,j latency\", got %q", strings.TrimSpace(line))
		}
		fs = splitFields(right, fs)
		if len(fs) != 2 {
			return nil, 0, lr.errorf("want \"i,j latency\" (one comma, then the second index and the latency), got %q", strings.TrimSpace(line))
		}
		i, err := index(left, "first")
		if err != nil {
			return nil, 0, err
		}
		j, err := index(fs[0].s, "second")
		if err != nil {
			return nil, 0, err
		}
		v, msg := parseRTT(fs[1].s, unit)
		if msg != "" {
			return nil, 0, lr.errorf("latency of %d,%d: %s (want an RTT in units of %v)", i+1, j+1, msg, unit)
		}
		if i == j {
			continue
		}
		if given[i*n+j] {
			return nil, 0, lr.errorf("pair %d,%d listed twice", i+1, j+1)
		}
		given[i*n+j], raw[i*n+j] = true, v
	}
	if err := lr.err(); err != nil {
		return nil, 0, err
	}
	for i := range n {
		for j := range n {
			switch {
			case i == j || given[i*n+j]:
			case given[j*n+i]:
				raw[i*n+j] = raw[j*n+i]
			default:
				raw[i*n+j] = math.NaN()
			}
		}
	}
	return raw, n, nil
}

// cleanMatrix converts raw (file units) to durations, zeroes the diagonal and
// replaces the invalid off-diagonal entries by the median of the valid ones.
func cleanMatrix(raw []float64, n int, unit time.Duration) (*Matrix, error) {
	m := &Matrix{Unit: unit, n: n, rtt: make([]time.Duration, n*n)}
	valid := make([]float64, 0, n*(n-1))
	for i := range n {
		for j := range n {
			if i == j {
				continue
			}
			v := raw[i*n+j]
			var d time.Duration
			if v > 0 && !math.IsInf(v, 1) { // false for NaN
				d = time.Duration(math.Round(v * float64(unit)))
			}
			if d > 0 {
				valid = append(valid, float64(d))
				if m.MinRTT == 0 || d < m.MinRTT {
					m.MinRTT = d
				}
			} else {
				d = -1 // replaced below
			}
			m.rtt[i*n+j] = d
		}
	}
	if n > 1 && len(valid) == 0 {
		return nil, fmt.Errorf("no valid off-diagonal RTT (every one is missing, zero, negative, NaN or infinite)")
	}
	if len(valid) > 0 {
		m.Median = time.Duration(math.Round(median(valid)))
	}
	for k, d := range m.rtt {
		if d < 0 {
			m.rtt[k] = m.Median
			m.Replaced++
		}
	}
	return m, nil
}

// MatrixModel delays messages by measured RTTs: each simulated node is mapped
// onto a host of a Matrix, and a message from node a to node b takes
//
//	one-way delay = RTT(host(a), host(b)) / 2   (rounded down to the nanosecond)
//
// using the matrix entry in the direction of the message, so a measured
// asymmetry is kept. A node sends to itself in 0. Two distinct nodes mapped
// onto the same host (possible only when there are more nodes than hosts)
// are SameHost apart.
//
// Mapping: NewMatrixModel draws one random permutation perm of the hosts and
// gives node i the host perm[i mod Hosts]. The first Hosts nodes thus get
// distinct hosts, and beyond that hosts are reused round-robin in the same
// order, so host loads differ by at most one. Host exposes the mapping.
//
// Delay draws no randomness, does not allocate, and panics for a node ID
// outside [0, Nodes()).
type MatrixModel struct {
	// SameHost is the one-way delay between two distinct nodes mapped onto
	// the same host; it must be non-negative. NewMatrixModel sets it to
	// MinRTT/2 of the matrix, the delay of the closest pair of distinct
	// measured hosts: co-located nodes are taken to be at least that close,
	// but not at exactly zero distance. Set it after construction to change
	// it.
	SameHost time.Duration

	m    *Matrix
	host []int32 // host[node]
}

// NewMatrixModel maps nodes simulated nodes (IDs 0 .. nodes-1) onto the hosts
// of m: it draws rng.Perm(m.Hosts()) once, whatever nodes is, and gives node i
// the host perm[i mod m.Hosts()]. For a given seed the mapping of node i is
// therefore the same whatever the node count. The model shares m, which it
// does not modify, and does not retain rng. NewMatrixModel panics if m is nil
// or empty, or nodes is negative or exceeds the NodeID range.
func NewMatrixModel(m *Matrix, nodes int, rng *rand.Rand) *MatrixModel {
	if m == nil || m.n == 0 {
		panic("underlay: NewMatrixModel: nil or empty matrix")
	}
	if nodes < 0 || nodes > math.MaxInt32 {
		panic(fmt.Sprintf("underlay: NewMatrixModel: node count must be in [0, %d], got %d", math.MaxInt32, nodes))
	}
	perm := rng.Perm(m.n)
	mm := &MatrixModel{SameHost: m.MinRTT / 2, m: m, host: make([]int32, nodes)}
	for i := range mm.host {
		mm.host[i] = int32(perm[i%m.n])
	}
	return mm
}

// Delay returns the one-way delay from → to: 0 when from == to, SameHost when
// both are on the same host, and half the RTT of their hosts otherwise. It
// never loses a message and ignores size and rng. It panics if from or to is
// not in [0, Nodes()) or if SameHost is needed and negative.
func (mm *MatrixModel) Delay(from, to engine.NodeID, _ int, _ *rand.Rand) (time.Duration, bool) {
	n := len(mm.host)
	if uint32(from) >= uint32(n) || uint32(to) >= uint32(n) {
		mm.badPair(from, to)
	}
	if from == to {
		return 0, true
	}
	a, b := mm.host[from], mm.host[to]
	if a == b {
		if mm.SameHost < 0 {
			panic(fmt.Sprintf("underlay: MatrixModel.SameHost must be non-negative, got %v", mm.SameHost))
		}
		return mm.SameHost, true
	}
	return mm.m.rtt[int(a)*mm.m.n+int(b)] / 2, true
}

// Host returns the matrix host (0-based row index; for the King format the
// file's node Host(n)+1) that node n is mapped onto. It panics if n is not in
// [0, Nodes()).
func (mm *MatrixModel) Host(n engine.NodeID) int {
	if uint32(n) >= uint32(len(mm.host)) {
		mm.badNode("Host", n)
	}
	return int(mm.host[n])
}

// Nodes returns how many nodes the model maps; valid IDs are 0 .. Nodes()-1.
func (mm *MatrixModel) Nodes() int { return len(mm.host) }

// Matrix returns the matrix the model reads.
func (mm *MatrixModel) Matrix() *Matrix { return mm.m }

func (mm *MatrixModel) badPair(from, to engine.NodeID) {
	if uint32(from) >= uint32(len(mm.host)) {
		mm.badNode("Delay", from)
	}
	mm.badNode("Delay", to)
}

//go:noinline
func (mm *MatrixModel) badNode(method string, n engine.NodeID) {
	panic(fmt.Sprintf("underlay: MatrixModel.%s: node %d out of range [0, %d): the model was built for %d nodes",
		method, int32(n), len(mm.host), len(mm.host)))
}
