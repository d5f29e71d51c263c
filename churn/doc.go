// Package churn computes who joins, leaves and crashes when — from a
// synthetic model or a real trace — as data, before a run starts, so that a
// schedule can be written out, inspected, edited and replayed.
//
// # Schedules
//
// A Schedule is a node count and a list of Events (time, node, Join, Leave or
// Crash), sorted by time with ties kept in production order (see Schedule).
// Every node starts down. Validate checks that a schedule is replayable;
// LiveAt and LiveCurve count the nodes up; Sessions extracts realised
// session lengths; KS compares a sample with a distribution.
//
// # Native format
//
// WriteCSV and ReadCSV use a three-column CSV file:
//
//	time_s,node,event
//	0.000,0,join
//	12.500,0,leave
//	13.000000001,peer-7,crash
//
// time_s has at least three and at most nine decimals and is exact to the
// nanosecond, so writing, reading and writing again gives identical bytes;
// node is a trace's node name or a NodeID; event is join, leave or crash.
// Errors name the file, line and column:
//
//	trace.csv:17: column "event": want join, leave or crash, got "jion"
//
// # Traces
//
// Three trace formats are read, and the native one replayed; each reader
// maps node identifiers to dense NodeIDs in order of first appearance
// (returned in Schedule.Names), takes ReplayOptions and returns ReadStats
// counting what it dropped and merged:
//
//	ReplayCSV    the native format above              events, exact; nothing merged
//	ReadOverSim  <time> <nodeId> JOIN|LEAVE           events, times in seconds
//	ReadPeerSim  <id> <n> <start1> <end1> ... <endn>  online intervals, seconds
//	ReadFTA      Failure Trace Archive event_trace.tab: available (event_type 1)
//	             intervals [start, stop) per node_id, Unix seconds
//
// Every reader reduces a trace to online intervals per node: empty intervals
// (end <= start) are dropped, overlapping and touching ones merged; FTA
// intervals starting at 0 (unknown start) are dropped (ReplayCSV keeps the
// file's intervals exactly as written). The intervals are clipped to
// ReplayOptions.Window, at most MaxNodes nodes are kept, and trace time t
// becomes virtual time Offset + (t − origin)·Scale, origin being Window.From
// if set, else 0 (native, OverSim, PeerSim) or the earliest kept online time
// (FTA). A node online at the window start joins there; one online at the
// window end simply stays up. Each interval start is a Join, each end a Leave
// (OverSim, PeerSim), a Crash (FTA) or the file's leave or crash (native),
// unless ReplayOptions.Departure says otherwise. Blank lines and '#' comments are skipped; a malformed line
// is a *ParseError with file:line.
//
// # Models
//
// A Model draws sessions and downtimes for each node from Dists
// (exponential, weibull, pareto — shifted, with finite mean — lognormal,
// fixed), sampled with gonum's stat/distuv from per-node random streams of
// engine.Streams, so Generate gives the same schedule for the same seed.
// Options add per-node heterogeneous means, a mass failure, and three
// arrival patterns (all, ramp, poisson).
package churn
