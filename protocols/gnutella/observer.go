package gnutella

import (
	"time"

	"peerlab/engine"
	"peerlab/overlay"
)

// Observer is told about every event of every query, by whichever host it
// happens at. It exists for measurement only: a flood touches many hosts,
// and no single one of them knows what the query cost, so the runner (or a
// test) sets one Observer on Config.Observer and adds up per query. Hosts
// never read anything back from it; an Observer must not call into a Host
// nor change what the simulation sees. All calls come from the simulation's
// single goroutine.
type Observer interface {
	// QueryStarted: origin started query qid for key at time at (once per
	// Protocol.Lookup that returned true; every ring of an expanding-ring
	// search and every walker share the qid).
	QueryStarted(origin engine.NodeID, qid, key uint64, at engine.Time)
	// QuerySent: host sent one message of query qid: an OpQuery, OpQueryHit,
	// OpWalk, OpCheck or OpCheckResp.
	QuerySent(host engine.NodeID, qid uint64, op Op)
	// QueryReached: host received an OpQuery or OpWalk of qid from a
	// neighbour. duplicate is true when the host had received this query
	// before (an earlier copy of the flood, an earlier ring, another or the
	// same walker); the origin's own query coming back to it is a
	// duplicate too. So the non-duplicate calls count the distinct hosts
	// the query reached, the origin excluded, and the others the redundant
	// receptions.
	QueryReached(host engine.NodeID, qid uint64, duplicate bool)
	// QueryHit: host holds the key of query qid and answers it.
	QueryHit(host engine.NodeID, qid uint64)
	// QueryEnded: origin ended query qid at time at with result r (the
	// first hit, or a failure at the timeout): the same result it reports
	// through overlay.Env.LookupDone.
	QueryEnded(origin engine.NodeID, qid uint64, r overlay.LookupResult, at engine.Time)
}

// QueryRecord is what a QueryLog knows about one query.
type QueryRecord struct {
	QID, Key uint64
	Origin   engine.NodeID
	Start    engine.Time
	// Messages counts every query message any host sent for it (OpQuery,
	// OpQueryHit, OpWalk, OpCheck, OpCheckResp), including those sent after
	// the query ended; ByOp splits the count by operation.
	Messages int
	ByOp     [OpCheckResp + 1]int
	// Reached counts the distinct hosts that received it (origin excluded),
	// Duplicates the receptions by a host that had it already.
	Reached, Duplicates int
	// Hits counts the hosts that answered it.
	Hits int
	// Ended is set when the origin reported its end; End is when, and
	// Result what it reported.
	Ended  bool
	End    engine.Time
	Result overlay.LookupResult
}

// Latency is the time from the start to the end: the time to the first hit
// of a successful query, the timeout of a failed one; 0 before the end.
func (r *QueryRecord) Latency() time.Duration {
	if !r.Ended {
		return 0
	}
	return r.End.Sub(r.Start)
}

// QueryLog is an Observer that keeps a QueryRecord per query, in the order
// the queries started. It is measurement state: it grows by one record per
// query and is never read by the hosts.
type QueryLog struct {
	recs  []QueryRecord
	index map[uint64]int // qid -> position in recs (looked up, never iterated)
}

var _ Observer = (*QueryLog)(nil)

// NewQueryLog returns an empty log.
func NewQueryLog() *QueryLog { return &QueryLog{index: map[uint64]int{}} }

// Records returns the records in the order the queries started. The slice
// belongs to the log.
func (l *QueryLog) Records() []QueryRecord { return l.recs }

// Get returns the record of query qid.
func (l *QueryLog) Get(qid uint64) (*QueryRecord, bool) {
	i, ok := l.index[qid]
	if !ok {
		return nil, false
	}
	return &l.recs[i], true
}

// QueryStarted implements Observer.
func (l *QueryLog) QueryStarted(origin engine.NodeID, qid, key uint64, at engine.Time) {
	l.index[qid] = len(l.recs)
	l.recs = append(l.recs, QueryRecord{QID: qid, Key: key, Origin: origin, Start: at})
}

// QuerySent implements Observer.
func (l *QueryLog) QuerySent(host engine.NodeID, qid uint64, op Op) {
	if r, ok := l.Get(qid); ok {
		r.Messages++
		if op.IsQuery() {
			r.ByOp[op]++
		}
	}
}

// QueryReached implements Observer.
func (l *QueryLog) QueryReached(host engine.NodeID, qid uint64, duplicate bool) {
	if r, ok := l.Get(qid); ok {
		if duplicate {
			r.Duplicates++
		} else {
			r.Reached++
		}
	}
}

// QueryHit implements Observer.
func (l *QueryLog) QueryHit(host engine.NodeID, qid uint64) {
	if r, ok := l.Get(qid); ok {
		r.Hits++
	}
}

// QueryEnded implements Observer.
func (l *QueryLog) QueryEnded(origin engine.NodeID, qid uint64, res overlay.LookupResult, at engine.Time) {
	if r, ok := l.Get(qid); ok {
		r.Ended, r.End, r.Result = true, at, res
	}
}
