package metrics

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"

	"peerlab/engine"
	"peerlab/overlay"
	"peerlab/results"
)

// NodeState is what the runner knows about a host at the end of a run.
type NodeState struct {
	Alive     bool
	Keys      int // keys stored
	TableSize int // distinct contacts in the routing state
	// Buckets is the number of contacts in each k-bucket, index i holding
	// the contacts at XOR distance [2^i, 2^(i+1)); nil for protocols
	// without buckets.
	Buckets []int
}

// Finish closes the run at time end and returns its tables and summary.
// nodes gives each host's final state; events is the engine's event count.
func (c *Collector) Finish(end engine.Time, nodes []NodeState, events uint64) *results.Run {
	c.advanceLive(end)
	r := &results.Run{Lookups: c.lookups, Series: c.series, Traffic: c.traffic}
	var keys, tables []float64
	for i, n := range nodes {
		r.Nodes = append(r.Nodes, results.NodeRow{
			Node: i, Alive: n.Alive, Keys: n.Keys, TableSize: n.TableSize,
			MsgsSent: c.perNode[i].msgsSent, BytesSent: c.perNode[i].bytesSent,
			MsgsRecv: c.perNode[i].msgsRecv, BytesRecv: c.perNode[i].bytesRecv,
		})
		if !n.Alive {
			continue
		}
		keys = append(keys, float64(n.Keys))
		tables = append(tables, float64(n.TableSize))
		if n.Buckets != nil && r.Buckets == nil {
			r.Buckets = []results.BucketRow{}
		}
		for b, fill := range n.Buckets {
			if fill > 0 {
				r.Buckets = append(r.Buckets, results.BucketRow{Node: i, Bucket: b, Contacts: fill})
			}
		}
	}
	r.Summary = c.summary(keys, tables, events)
	return r
}

func (c *Collector) summary(keys, tables []float64, events uint64) []results.Metric {
	var out []results.Metric
	add := func(k string, v float64) { out = append(out, results.Metric{Key: k, Value: v}) }

	var n, succ, incorrect, failed int
	var hops, lat, msgs []float64
	for i, l := range c.lookups {
		if c.starts[i] < c.warmup {
			continue
		}
		n++
		if l.Messages >= 0 {
			msgs = append(msgs, float64(l.Messages))
		}
		switch l.Outcome {
		case results.Success:
			succ++
			hops = append(hops, float64(l.Hops))
			lat = append(lat, l.LatencyMs)
		case results.Incorrect:
			incorrect++
		default:
			failed++
		}
	}
	add("lookups.count", float64(n))
	add("lookups.success_rate", ratio(succ, n))
	add("lookups.incorrect_rate", ratio(incorrect, n))
	add("lookups.failed_rate", ratio(failed, n))
	describe(add, "hops", hops, false)
	describe(add, "latency_ms", lat, false)
	describe(add, "messages_per_lookup", msgs, false)
	describe(add, "keys_per_node", keys, true)
	describe(add, "table_size", tables, true)

	var maint, look, sent int64
	for k, info := range c.kinds {
		sent += c.afterMsgs[k]
		if info.Class == overlay.Lookup {
			look += c.afterBytes[k]
		} else {
			maint += c.afterBytes[k]
		}
	}
	per := func(x int64) float64 {
		if c.liveIntegral == 0 {
			return math.NaN()
		}
		return float64(x) / c.liveIntegral
	}
	add("traffic.bytes_per_node_per_s", per(maint+look))
	add("traffic.maintenance_bytes_per_node_per_s", per(maint))
	add("traffic.lookup_bytes_per_node_per_s", per(look))
	add("traffic.msgs_per_node_per_s", per(sent))
	for k, info := range c.kinds {
		if c.afterMsgs[k] > 0 {
			add("traffic.by_kind."+info.Name+".bytes_per_node_per_s", per(c.afterBytes[k]))
			add("traffic.by_kind."+info.Name+".msgs_per_node_per_s", per(c.afterMsgs[k]))
		}
	}
	add("events", float64(events))
	return out
}

// describe adds mean, p1, p50, p99 (and max) of xs under prefix; NaN when empty.
func describe(add func(string, float64), prefix string, xs []float64, withMax bool) {
	mean, p1, p50, p99, mx := math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
	if len(xs) > 0 {
		slices.Sort(xs)
		mean = stat.Mean(xs, nil)
		p1 = stat.Quantile(0.01, stat.Empirical, xs, nil)
		p50 = stat.Quantile(0.50, stat.Empirical, xs, nil)
		p99 = stat.Quantile(0.99, stat.Empirical, xs, nil)
		mx = xs[len(xs)-1]
	}
	add(prefix+".mean", mean)
	add(prefix+".p1", p1)
	add(prefix+".p50", p50)
	add(prefix+".p99", p99)
	if withMax {
		add(prefix+".max", mx)
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}
