package run

import (
	"cmp"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"

	"peerlab/engine"
	"peerlab/metrics"
	"peerlab/overlay"
	"peerlab/protocols/chord"
	"peerlab/results"
	"peerlab/scenario"
)

// chordBinding runs Chord: it assigns unique ring identifiers to virtual
// nodes and keys, and keeps the oracle, a sorted list of live virtual nodes.
type chordBinding struct {
	cfg   *chord.Config
	space chord.Space
	ids   [][]uint64 // per host, one identifier per virtual node
	keys  []uint64
	hosts []*chord.Host
	live  []chord.Peer // sorted by ID
}

func newChordBinding(spec *scenario.Spec) *chordBinding {
	cfg := spec.Chord
	b := &chordBinding{cfg: &cfg, space: chord.NewSpace(cfg.Bits), hosts: make([]*chord.Host, spec.Nodes)}
	streams := engine.NewStreams(spec.Seed)
	used := make(map[uint64]bool, spec.Nodes*cfg.VirtualNodes)
	nodeR := streams.Stream("chord-ids", 0)
	b.ids = make([][]uint64, spec.Nodes)
	for h := range b.ids {
		b.ids[h] = make([]uint64, cfg.VirtualNodes)
		for v := range b.ids[h] {
			name := fmt.Sprintf("node-%d-%d", h, v)
			b.ids[h][v] = b.unique(used, cfg.IDs, name, nodeR.Uint64)
		}
	}
	// Keys need not be distinct: in a small ring several items share a key.
	keyR := streams.Stream("chord-keys", 0)
	b.keys = make([]uint64, spec.Workload.Keys)
	for i := range b.keys {
		if cfg.IDs == "sha1" {
			b.keys[i] = b.space.Mask(sha1Prefix(fmt.Sprintf("key-%d", i)))
		} else {
			b.keys[i] = b.space.Mask(keyR.Uint64())
		}
	}
	return b
}

// unique draws an identifier not in used: at random, or as the SHA-1 of name
// (re-hashed with a counter on a collision), truncated to the ring width.
func (b *chordBinding) unique(used map[uint64]bool, how, name string, draw func() uint64) uint64 {
	for attempt := 0; ; attempt++ {
		var id uint64
		if how == "sha1" {
			n := name
			if attempt > 0 {
				n = fmt.Sprintf("%s#%d", name, attempt)
			}
			id = b.space.Mask(sha1Prefix(n))
		} else {
			id = b.space.Mask(draw())
		}
		if !used[id] {
			used[id] = true
			return id
		}
	}
}

func (b *chordBinding) kinds() []overlay.KindInfo { return chord.Kinds }

func (b *chordBinding) newNode(host engine.NodeID) overlay.Protocol[chord.Message, chord.Timer] {
	b.hosts[host] = chord.NewHost(b.cfg, host, b.ids[host])
	return b.hosts[host]
}

func (b *chordBinding) first(host engine.NodeID) { b.hosts[host].Store(0, b.keys...) }

func (b *chordBinding) up(host engine.NodeID, _ engine.Time) {
	for v, id := range b.ids[host] {
		p := chord.Peer{ID: id, Host: host, V: uint16(v)}
		i, _ := slices.BinarySearchFunc(b.live, id, func(q chord.Peer, id uint64) int { return cmp.Compare(q.ID, id) })
		b.live = slices.Insert(b.live, i, p)
	}
}

func (b *chordBinding) down(host engine.NodeID) {
	for _, id := range b.ids[host] {
		if i, ok := slices.BinarySearchFunc(b.live, id, func(q chord.Peer, id uint64) int { return cmp.Compare(q.ID, id) }); ok {
			b.live = slices.Delete(b.live, i, i+1)
		}
	}
}

// correct reports whether res returned the successor of its key among live
// virtual nodes.
func (b *chordBinding) correct(res overlay.LookupResult) bool {
	p := b.successor(res.Key)
	return res.Owner == p.Host && res.OwnerID == p.ID
}

func (b *chordBinding) successor(key uint64) chord.Peer {
	i, _ := slices.BinarySearchFunc(b.live, key, func(q chord.Peer, k uint64) int { return cmp.Compare(q.ID, k) })
	if i == len(b.live) {
		i = 0
	}
	return b.live[i]
}

func (b *chordBinding) key(rng *rand.Rand) uint64 { return b.keys[rng.IntN(len(b.keys))] }

func (b *chordBinding) finish([]results.LookupRow) []results.Metric { return nil }

func (b *chordBinding) state(host engine.NodeID) metrics.NodeState {
	h := b.hosts[host]
	return metrics.NodeState{Keys: h.Keys(), TableSize: h.TableSize()}
}

// sha1Prefix is the first 64 bits of the SHA-1 of name, as Chord derives
// identifiers from names (truncated further to the ring width by the caller).
func sha1Prefix(name string) uint64 {
	sum := sha1.Sum([]byte(name))
	return binary.BigEndian.Uint64(sum[:8])
}
