package churn

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ParseError is a problem in an input file. It prints as
//
//	trace.csv:17: column "event": want join, leave or crash, got "jion"
//
// or, when no single column is at fault, as "trace.csv:17: message"; Line is
// 0 for a problem with the file as a whole ("trace.csv: message").
type ParseError struct {
	File   string // the name passed to the reader
	Line   int    // 1-based line number, 0 for the whole file
	Column string // column name, empty when the whole line is at fault
	Msg    string
}

// Error formats the error as described on ParseError.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Column != "" {
		fmt.Fprintf(&b, "column %q: ", e.Column)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// maxLine bounds one line of a trace (a PeerSim line lists every interval of
// a node, so it can be long).
const maxLine = 64 << 20

// lineReader reads whitespace-separated text traces line by line, skipping
// blank lines and lines whose first non-blank character is '#', and builds
// ParseErrors that carry the file name and current line number.
type lineReader struct {
	sc   *bufio.Scanner
	name string
	line int
	err  error
}

func newLineReader(r io.Reader, name string) *lineReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	return &lineReader{sc: sc, name: name}
}

// next returns the fields of the next data line, or nil at the end of the
// input or on a read error (then lr.err is set).
func (lr *lineReader) next() []string {
	for lr.sc.Scan() {
		lr.line++
		text := strings.TrimSpace(lr.sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		return strings.Fields(text)
	}
	if err := lr.sc.Err(); err != nil {
		lr.err = &ParseError{File: lr.name, Line: lr.line + 1, Msg: "read: " + err.Error()}
	}
	return nil
}

// errorf returns a ParseError at the current line.
func (lr *lineReader) errorf(column, format string, args ...any) error {
	return &ParseError{File: lr.name, Line: lr.line, Column: column, Msg: fmt.Sprintf(format, args...)}
}
