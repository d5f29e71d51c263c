package results

import (
	"math"
	"strconv"
	"strings"
)

// Names of the files in a run directory.
const (
	LookupsFile    = "lookups.csv"
	NodesFile      = "nodes.csv"
	TimeseriesFile = "timeseries.csv"
	TrafficFile    = "traffic.csv"
	SessionsFile   = "sessions.csv"
	BucketsFile    = "buckets.csv"
	SummaryFile    = "summary.json"
	ManifestFile   = "manifest.json"
	PerfFile       = "perf.json"
)

// CSV headers, one slice per table, in column order.
var (
	lookupsHeader    = []string{"time_s", "source", "key", "outcome", "hops", "latency_ms", "messages"}
	nodesHeader      = []string{"node", "alive", "keys", "table_size", "msgs_sent", "bytes_sent", "msgs_recv", "bytes_recv"}
	timeseriesHeader = []string{"time_s", "live_nodes", "lookups", "success_rate", "maintenance_bytes_per_node_per_s", "lookup_bytes_per_node_per_s"}
	trafficHeader    = []string{"time_s", "kind", "class", "msgs", "bytes"}
	sessionsHeader   = []string{"length_s", "model_cdf"}
	bucketsHeader    = []string{"node", "bucket", "contacts"}
)

// validOutcome reports whether s is one of the lookup outcome constants.
func validOutcome(s string) bool {
	return s == Success || s == Incorrect || s == Failed
}

// outcomesList is the expected-value text used in error messages.
var outcomesList = strings.Join([]string{strconv.Quote(Success), strconv.Quote(Incorrect), strconv.Quote(Failed)}, ", ")

// fmtFixed3 formats v with three decimals; NaN becomes the empty field.
func fmtFixed3(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// fmtShortest formats v in the shortest form that reads back exactly; NaN
// becomes the empty field.
func fmtShortest(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func fmtBool01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
