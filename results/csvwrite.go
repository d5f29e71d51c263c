package results

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// writeTable writes header and then one record per row, as produced by rec.
func writeTable(w io.Writer, header []string, n int, rec func(i int) ([]string, error)) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		r, err := rec(i)
		if err != nil {
			return err
		}
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeLookups(w io.Writer, rows []LookupRow) error {
	return writeTable(w, lookupsHeader, len(rows), func(i int) ([]string, error) {
		l := rows[i]
		if !validOutcome(l.Outcome) {
			return nil, fmt.Errorf("row %d: outcome %q: want one of %s", i, l.Outcome, outcomesList)
		}
		return []string{
			fmtFixed3(l.TimeS),
			strconv.Itoa(l.Source),
			strconv.FormatUint(l.Key, 10),
			l.Outcome,
			strconv.Itoa(l.Hops),
			fmtFixed3(l.LatencyMs),
			strconv.Itoa(l.Messages),
		}, nil
	})
}

func writeNodes(w io.Writer, rows []NodeRow) error {
	return writeTable(w, nodesHeader, len(rows), func(i int) ([]string, error) {
		n := rows[i]
		return []string{
			strconv.Itoa(n.Node),
			fmtBool01(n.Alive),
			strconv.Itoa(n.Keys),
			strconv.Itoa(n.TableSize),
			strconv.FormatInt(n.MsgsSent, 10),
			strconv.FormatInt(n.BytesSent, 10),
			strconv.FormatInt(n.MsgsRecv, 10),
			strconv.FormatInt(n.BytesRecv, 10),
		}, nil
	})
}

func writeSeries(w io.Writer, rows []SampleRow) error {
	return writeTable(w, timeseriesHeader, len(rows), func(i int) ([]string, error) {
		s := rows[i]
		return []string{
			fmtFixed3(s.TimeS),
			strconv.Itoa(s.LiveNodes),
			strconv.Itoa(s.Lookups),
			fmtShortest(s.SuccessRate),
			fmtShortest(s.MaintenanceBytesPerNodePerS),
			fmtShortest(s.LookupBytesPerNodePerS),
		}, nil
	})
}

func writeTraffic(w io.Writer, rows []TrafficRow) error {
	return writeTable(w, trafficHeader, len(rows), func(i int) ([]string, error) {
		t := rows[i]
		return []string{
			fmtFixed3(t.TimeS),
			t.Kind,
			t.Class,
			strconv.FormatInt(t.Msgs, 10),
			strconv.FormatInt(t.Bytes, 10),
		}, nil
	})
}

func writeBuckets(w io.Writer, rows []BucketRow) error {
	return writeTable(w, bucketsHeader, len(rows), func(i int) ([]string, error) {
		b := rows[i]
		return []string{strconv.Itoa(b.Node), strconv.Itoa(b.Bucket), strconv.Itoa(b.Contacts)}, nil
	})
}

func writeSessions(w io.Writer, rows []SessionRow) error {
	return writeTable(w, sessionsHeader, len(rows), func(i int) ([]string, error) {
		return []string{fmtShortest(rows[i].LengthS), fmtShortest(rows[i].ModelCDF)}, nil
	})
}
