// Package metrics collects what a run measures — per-lookup outcomes, per-node
// and per-message-kind traffic, samples over time — and turns it into the
// tables and summary of package results.
//
// A Collector is called synchronously by the runner, in event order; it keeps
// plain counters and appends rows, and allocates nothing per message.
package metrics

import (
	"math"

	"peerlab/engine"
	"peerlab/overlay"
	"peerlab/results"
)

// Collector accumulates a run's measurements.
type Collector struct {
	kinds  []overlay.KindInfo
	warmup engine.Time

	// per node, whole run; one struct per node so that counting a message
	// touches one cache line
	perNode []nodeCounters

	// per kind, current sampling interval and since warm-up
	intMsgs, intBytes     []int64
	afterMsgs, afterBytes []int64

	// current interval lookups
	intLookups, intSuccess int

	// live-node time integral since warm-up, for per-node rates
	liveIntegral float64 // node-seconds
	lastLiveAt   engine.Time
	lastLive     int

	lookups []results.LookupRow
	starts  []engine.Time // exact issue time of each lookup row
	series  []results.SampleRow
	traffic []results.TrafficRow
}

// nodeCounters is one host's traffic over the whole run.
type nodeCounters struct {
	msgsSent, bytesSent, msgsRecv, bytesRecv int64
}

// NewCollector returns a collector for a run of `nodes` hosts whose messages
// are classified by kinds; measurements before warmup are kept out of the summary.
func NewCollector(nodes int, kinds []overlay.KindInfo, warmup engine.Time) *Collector {
	k := len(kinds)
	return &Collector{
		kinds: kinds, warmup: warmup,
		perNode: make([]nodeCounters, nodes),
		intMsgs: make([]int64, k), intBytes: make([]int64, k),
		afterMsgs: make([]int64, k), afterBytes: make([]int64, k),
	}
}

// Sent records a message of the given kind and size leaving from at time now.
func (c *Collector) Sent(now engine.Time, from engine.NodeID, kind uint8, size int) {
	n := &c.perNode[from]
	n.msgsSent++
	n.bytesSent += int64(size)
	c.intMsgs[kind]++
	c.intBytes[kind] += int64(size)
	if now >= c.warmup {
		c.afterMsgs[kind]++
		c.afterBytes[kind] += int64(size)
	}
}

// Received records a message delivered to node to.
func (c *Collector) Received(to engine.NodeID, size int) {
	n := &c.perNode[to]
	n.msgsRecv++
	n.bytesRecv += int64(size)
}

// Live records that the number of live nodes changed to n at time now.
func (c *Collector) Live(now engine.Time, n int) {
	c.advanceLive(now)
	c.lastLive = n
}

func (c *Collector) advanceLive(now engine.Time) {
	from := max(c.lastLiveAt, c.warmup)
	if now > from {
		c.liveIntegral += float64(c.lastLive) * now.Sub(from).Seconds()
	}
	if now > c.lastLiveAt {
		c.lastLiveAt = now
	}
}

// Lookup records a finished lookup. outcome is one of the results outcomes;
// messages is what the lookup caused, -1 when unknown.
func (c *Collector) Lookup(start, end engine.Time, source engine.NodeID, key uint64, outcome string, hops, messages int) {
	if outcome == results.Failed {
		hops = -1
	}
	c.lookups = append(c.lookups, results.LookupRow{
		TimeS:     start.Seconds(),
		Source:    int(source),
		Key:       key,
		Outcome:   outcome,
		Hops:      hops,
		LatencyMs: float64(end-start) / 1e6,
		Messages:  messages,
	})
	c.starts = append(c.starts, start)
	c.intLookups++
	if outcome == results.Success {
		c.intSuccess++
	}
}

// Sample closes the sampling interval that ends at now and of the given width.
func (c *Collector) Sample(now engine.Time, width engine.Time, live int) {
	row := results.SampleRow{TimeS: now.Seconds(), LiveNodes: live, Lookups: c.intLookups, SuccessRate: math.NaN()}
	if c.intLookups > 0 {
		row.SuccessRate = float64(c.intSuccess) / float64(c.intLookups)
	}
	var maint, look int64
	for k := range c.kinds {
		if c.intMsgs[k] == 0 {
			continue
		}
		if c.kinds[k].Class == overlay.Lookup {
			look += c.intBytes[k]
		} else {
			maint += c.intBytes[k]
		}
		c.traffic = append(c.traffic, results.TrafficRow{
			TimeS: now.Seconds(), Kind: c.kinds[k].Name, Class: c.kinds[k].Class.String(),
			Msgs: c.intMsgs[k], Bytes: c.intBytes[k],
		})
		c.intMsgs[k], c.intBytes[k] = 0, 0
	}
	if live > 0 && width > 0 {
		den := float64(live) * width.Seconds()
		row.MaintenanceBytesPerNodePerS = float64(maint) / den
		row.LookupBytesPerNodePerS = float64(look) / den
	}
	c.series = append(c.series, row)
	c.intLookups, c.intSuccess = 0, 0
}

// Lookups returns the lookup rows recorded so far.
func (c *Collector) Lookups() []results.LookupRow { return c.lookups }
