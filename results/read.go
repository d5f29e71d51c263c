package results

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Read reads the run directory dir written by Write: the CSV tables (the
// superpeer tables, when dir has them, into Run.Superpeer) and
// summary.json (as metrics with dotted keys, sorted by key; null reads back
// as NaN). manifest.json and perf.json, when present, are returned as
// json.RawMessage; otherwise Manifest and Perf are nil.
//
// Malformed input gives an error naming the file, the line and the column,
// and saying what was expected.
func Read(dir string) (*Run, error) {
	r := &Run{}
	var err error
	if r.Lookups, err = readLookups(filepath.Join(dir, LookupsFile)); err != nil {
		return nil, err
	}
	if r.Nodes, err = readNodes(filepath.Join(dir, NodesFile)); err != nil {
		return nil, err
	}
	if r.Series, err = readSeries(filepath.Join(dir, TimeseriesFile)); err != nil {
		return nil, err
	}
	if r.Traffic, err = readTraffic(filepath.Join(dir, TrafficFile)); err != nil {
		return nil, err
	}
	// sessions.csv is newer than the other tables: a run directory
	// without it reads as having no sessions.
	if p := filepath.Join(dir, SessionsFile); fileExists(p) {
		if r.Sessions, err = readSessions(p); err != nil {
			return nil, err
		}
	}
	// buckets.csv exists only for protocols with k-buckets.
	if p := filepath.Join(dir, BucketsFile); fileExists(p) {
		if r.Buckets, err = readBuckets(p); err != nil {
			return nil, err
		}
	}
	// The superpeer tables exist only for superpeer runs.
	if r.Superpeer, err = readSuperpeer(dir); err != nil {
		return nil, err
	}
	if r.Summary, err = readSummary(filepath.Join(dir, SummaryFile)); err != nil {
		return nil, err
	}
	if r.Manifest, err = readRawJSON(filepath.Join(dir, ManifestFile)); err != nil {
		return nil, err
	}
	if r.Perf, err = readRawJSON(filepath.Join(dir, PerfFile)); err != nil {
		return nil, err
	}
	return r, nil
}

func readSummary(path string) ([]Metric, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	ms, err := parseSummary(data)
	if err != nil {
		return nil, fileError(path, err)
	}
	return ms, nil
}

// fileError prefixes err with path, and with the line when err knows it.
func fileError(path string, err error) error {
	var le *lineError
	if errors.As(err, &le) {
		return fmt.Errorf("%s:%d: %w", path, le.line, le.err)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// readRawJSON returns the file's JSON as a json.RawMessage, or nil (an
// untyped nil, so that Run.Manifest == nil holds) when the file is missing.
func readRawJSON(path string) (any, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	if !json.Valid(data) {
		var v any
		return nil, fileError(path, jsonError(data, json.Unmarshal(data, &v)))
	}
	return json.RawMessage(strings.TrimSpace(string(data))), nil
}

// readTable opens the CSV file at path, checks its header and calls row for
// every following record.
func readTable(path string, header []string, row func(p *rowParser)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	p := &rowParser{path: path, cr: cr, header: header}
	rec, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("%s: empty file, want the header %q", path, strings.Join(header, ","))
	}
	if err != nil {
		return csvError(path, err)
	}
	if !equalStrings(rec, header) {
		return fmt.Errorf("%s:1: header: want %q, got %q", path, strings.Join(header, ","), strings.Join(rec, ","))
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvError(path, err)
		}
		if len(rec) != len(header) {
			line, _ := cr.FieldPos(0)
			return fmt.Errorf("%s:%d: want %d fields, got %d", path, line, len(header), len(rec))
		}
		p.rec = rec
		row(p)
		if p.err != nil {
			return p.err
		}
	}
}

func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d:%d: %v", path, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("%s: %w", path, err)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func readLookups(path string) ([]LookupRow, error) {
	var rows []LookupRow
	err := readTable(path, lookupsHeader, func(p *rowParser) {
		l := LookupRow{
			TimeS:     p.float(0),
			Source:    p.int(1),
			Key:       p.uint64(2),
			Outcome:   p.str(3),
			Hops:      p.int(4),
			LatencyMs: p.float(5),
			Messages:  p.int(6),
		}
		if p.err == nil && !validOutcome(l.Outcome) {
			p.fail(3, "one of "+outcomesList)
		}
		rows = append(rows, l)
	})
	return rows, err
}

func readNodes(path string) ([]NodeRow, error) {
	var rows []NodeRow
	err := readTable(path, nodesHeader, func(p *rowParser) {
		rows = append(rows, NodeRow{
			Node:      p.int(0),
			Alive:     p.bool01(1),
			Keys:      p.int(2),
			TableSize: p.int(3),
			MsgsSent:  p.int64(4),
			BytesSent: p.int64(5),
			MsgsRecv:  p.int64(6),
			BytesRecv: p.int64(7),
		})
	})
	return rows, err
}

func readSeries(path string) ([]SampleRow, error) {
	var rows []SampleRow
	err := readTable(path, timeseriesHeader, func(p *rowParser) {
		rows = append(rows, SampleRow{
			TimeS:                       p.float(0),
			LiveNodes:                   p.int(1),
			Lookups:                     p.int(2),
			SuccessRate:                 p.float(3),
			MaintenanceBytesPerNodePerS: p.float(4),
			LookupBytesPerNodePerS:      p.float(5),
		})
	})
	return rows, err
}

func readTraffic(path string) ([]TrafficRow, error) {
	var rows []TrafficRow
	err := readTable(path, trafficHeader, func(p *rowParser) {
		rows = append(rows, TrafficRow{
			TimeS: p.float(0),
			Kind:  p.str(1),
			Class: p.str(2),
			Msgs:  p.int64(3),
			Bytes: p.int64(4),
		})
	})
	return rows, err
}

func readSessions(path string) ([]SessionRow, error) {
	var rows []SessionRow
	err := readTable(path, sessionsHeader, func(p *rowParser) {
		rows = append(rows, SessionRow{LengthS: p.float(0), ModelCDF: p.float(1)})
	})
	return rows, err
}

func readBuckets(path string) ([]BucketRow, error) {
	rows := []BucketRow{}
	err := readTable(path, bucketsHeader, func(p *rowParser) {
		rows = append(rows, BucketRow{Node: p.int(0), Bucket: p.int(1), Contacts: p.int(2)})
	})
	return rows, err
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
