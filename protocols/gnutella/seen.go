package gnutella

import (
	"time"

	"peerlab/engine"
)

// seenTable remembers the descriptor identifiers (query rings, PINGs) a
// host has received, each with the neighbour it first came from, for a
// fixed time: long enough to suppress duplicates and to route hits and
// PONGs back, bounded so that a host's memory does not grow with the length
// of the run. The map is only looked up and deleted from, never iterated;
// expiry follows the insertion order kept in a queue.
type seenTable struct {
	m     map[uint64]seenEntry
	queue []seenKey // insertion (= time) order; queue[head:] are live
	head  int
	keep  time.Duration
}

type seenEntry struct {
	from engine.NodeID // the neighbour it came from; engine.None: sent by this host
}

type seenKey struct {
	key uint64
	at  engine.Time
}

func newSeenTable(keep time.Duration) seenTable {
	return seenTable{m: make(map[uint64]seenEntry), keep: keep}
}

// expire forgets the identifiers received keep or more ago.
func (s *seenTable) expire(now engine.Time) {
	for s.head < len(s.queue) && now.Sub(s.queue[s.head].at) >= s.keep {
		delete(s.m, s.queue[s.head].key)
		s.head++
	}
	if s.head == len(s.queue) {
		s.queue, s.head = s.queue[:0], 0
	} else if s.head >= 64 && s.head*2 >= len(s.queue) {
		n := copy(s.queue, s.queue[s.head:])
		s.queue, s.head = s.queue[:n], 0
	}
}

// get returns the entry of key, if remembered.
func (s *seenTable) get(key uint64) (seenEntry, bool) {
	e, ok := s.m[key]
	return e, ok
}

// add remembers key as first received from from at now. The caller has
// checked that key is not remembered.
func (s *seenTable) add(key uint64, from engine.NodeID, now engine.Time) {
	s.expire(now)
	s.m[key] = seenEntry{from: from}
	s.queue = append(s.queue, seenKey{key: key, at: now})
}

// len returns the number of identifiers remembered.
func (s *seenTable) len() int { return len(s.m) }
