// Package results writes and reads a run's output directory: per-lookup,
// per-node and over-time CSV tables, summary.json, manifest.json, perf.json and
// the plots drawn from those tables.
//
// Plots are drawn only from what the tables hold, so `sim plot DIR` can redraw
// them from a finished run without re-running the simulation.
package results

// Lookup outcomes as written in lookups.csv.
const (
	Success   = "success"   // the lookup returned the true owner of the key
	Incorrect = "incorrect" // the lookup returned a node that is not the owner
	Failed    = "failed"    // the lookup ended without an answer (timed out)
)

// LookupRow is one line of lookups.csv: one lookup issued by the workload.
type LookupRow struct {
	TimeS     float64 // virtual time the lookup was issued, in seconds
	Source    int     // node that issued it
	Key       uint64  // the key looked up
	Outcome   string  // Success, Incorrect or Failed
	Hops      int     // routing steps (Chord paper's path length); -1 when failed
	LatencyMs float64 // from issue to answer, in milliseconds; for failed lookups, time until given up
	Messages  int     // messages the lookup caused (requests and answers, by any node); -1 when unknown
}

// NodeRow is one line of nodes.csv: one simulated host at the end of the run.
type NodeRow struct {
	Node      int   // host ID
	Alive     bool  // up at the end of the run
	Keys      int   // keys stored at the end of the run
	TableSize int   // distinct contacts in its routing state at the end of the run (0 when down)
	MsgsSent  int64 // over the whole run, warm-up included
	BytesSent int64
	MsgsRecv  int64
	BytesRecv int64
}

// BucketRow is one line of buckets.csv: how many contacts one live node
// holds in one k-bucket at the end of the run (Kademlia; empty buckets are
// left out).
type BucketRow struct {
	Node     int // host ID
	Bucket   int // bucket i holds contacts at XOR distance [2^i, 2^(i+1))
	Contacts int
}

// SampleRow is one line of timeseries.csv: one sampling interval ending at TimeS.
type SampleRow struct {
	TimeS       float64 // end of the interval, in seconds
	LiveNodes   int     // nodes up at TimeS
	Lookups     int     // lookups completed in the interval
	SuccessRate float64 // fraction of those that succeeded; NaN when Lookups is 0
	// Bytes sent per live node per second during the interval, by traffic class.
	MaintenanceBytesPerNodePerS float64
	LookupBytesPerNodePerS      float64
}

// TrafficRow is one line of traffic.csv: what one message kind cost in one
// sampling interval.
type TrafficRow struct {
	TimeS float64 // end of the interval, in seconds
	Kind  string  // message kind, e.g. "stabilize"
	Class string  // "maintenance" or "lookup"
	Msgs  int64
	Bytes int64
}

// SessionRow is one line of sessions.csv: one realised online session (a
// join followed by a leave or crash within the run), sorted by length.
type SessionRow struct {
	LengthS float64 // session length in seconds
	// ModelCDF is the configured session distribution's CDF at LengthS, or
	// NaN when the sessions come from a trace (no model to compare with).
	ModelCDF float64
}

// Metric is one entry of summary.json. Key is a dotted path such as
// "lookups.success_rate"; summary.json nests the path into JSON objects.
type Metric struct {
	Key   string
	Value float64
}

// Run is everything a run directory holds.
type Run struct {
	Lookups  []LookupRow
	Nodes    []NodeRow
	Series   []SampleRow
	Traffic  []TrafficRow
	Sessions []SessionRow
	Buckets  []BucketRow // nil for protocols without k-buckets
	// Superpeer holds the tables of a superpeer run: logins,
	// reconnections, calls, superpeers over time, their load and the
	// traffic of each role; nil for the other protocols.
	Superpeer *Superpeer
	Summary   []Metric
	// Manifest is written as manifest.json: the resolved configuration, seed,
	// peerlab and Go versions. It must not hold anything that changes between
	// two runs of the same scenario and seed.
	Manifest any
	// Perf is written as perf.json: wall-clock figures, the one file allowed
	// to differ between two runs of the same scenario and seed. May be nil.
	Perf any
	// SkipPlots makes Write leave out the figures (they can be drawn later
	// with PlotFromDir).
	SkipPlots bool
}
