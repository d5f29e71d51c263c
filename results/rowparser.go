package results

import (
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
)

// rowParser converts the fields of one CSV record, keeping the first error,
// which names the file, line and column.
type rowParser struct {
	path   string
	cr     *csv.Reader
	header []string
	rec    []string
	err    error
}

// fail records that field i is not what was wanted.
func (p *rowParser) fail(i int, want string) {
	if p.err != nil {
		return
	}
	line, _ := p.cr.FieldPos(i)
	p.err = fmt.Errorf("%s:%d: column %q: want %s, got %q", p.path, line, p.header[i], want, p.rec[i])
}

func (p *rowParser) str(i int) string {
	return p.rec[i]
}

func (p *rowParser) int(i int) int {
	v, err := strconv.Atoi(p.rec[i])
	if err != nil {
		p.fail(i, "an integer")
	}
	return v
}

func (p *rowParser) int64(i int) int64 {
	v, err := strconv.ParseInt(p.rec[i], 10, 64)
	if err != nil {
		p.fail(i, "a 64-bit integer")
	}
	return v
}

func (p *rowParser) uint64(i int) uint64 {
	v, err := strconv.ParseUint(p.rec[i], 10, 64)
	if err != nil {
		p.fail(i, "an unsigned 64-bit integer")
	}
	return v
}

// float parses a number; the empty field is NaN.
func (p *rowParser) float(i int) float64 {
	if p.rec[i] == "" {
		return math.NaN()
	}
	v, err := strconv.ParseFloat(p.rec[i], 64)
	if err != nil {
		p.fail(i, "a number")
	}
	return v
}

func (p *rowParser) bool01(i int) bool {
	switch p.rec[i] {
	case "1":
		return true
	case "0":
		return false
	}
	p.fail(i, "1 or 0")
	return false
}
