package run

import (
	"math/rand/v2"
	"slices"

	"peerlab/engine"
	"peerlab/metrics"
	"peerlab/overlay"
	"peerlab/protocols/kademlia"
	"peerlab/results"
	"peerlab/scenario"
)

// kademliaBinding runs Kademlia: unique random identifiers per host, keys,
// and the oracle — the live identifiers, sorted, in which the XOR-closest to
// a key is found by kademlia.ClosestIndex.
type kademliaBinding struct {
	cfg     *kademlia.Config
	ids     []uint64 // per host
	keys    []uint64
	hosts   []*kademlia.Host
	liveIDs []uint64                 // sorted
	byID    map[uint64]engine.NodeID // identifier -> host, for live hosts
	all     []kademlia.Contact       // every host, for the prefill option
}

func newKademliaBinding(spec *scenario.Spec) *kademliaBinding {
	cfg := spec.Kademlia
	b := &kademliaBinding{cfg: &cfg, hosts: make([]*kademlia.Host, spec.Nodes), byID: map[uint64]engine.NodeID{}}
	streams := engine.NewStreams(spec.Seed)
	mask := idMask(cfg.Bits)
	idR := streams.Stream("kademlia-ids", 0)
	used := make(map[uint64]bool, spec.Nodes)
	b.ids = make([]uint64, spec.Nodes)
	for h := range b.ids {
		for {
			id := idR.Uint64() & mask
			if !used[id] {
				used[id], b.ids[h] = true, id
				break
			}
		}
	}
	keyR := streams.Stream("kademlia-keys", 0)
	b.keys = make([]uint64, spec.Workload.Keys)
	for i := range b.keys {
		b.keys[i] = keyR.Uint64() & mask
	}
	if cfg.Prefill {
		b.all = make([]kademlia.Contact, spec.Nodes)
		for h, id := range b.ids {
			b.all[h] = kademlia.Contact{ID: id, Host: engine.NodeID(h)}
		}
	}
	return b
}

// idMask keeps the low bits of an identifier.
func idMask(bits int) uint64 {
	if bits >= 64 {
		return ^uint64(0)
	}
	return 1<<uint(bits) - 1
}

func (b *kademliaBinding) kinds() []overlay.KindInfo { return kademlia.Kinds }

// newNode creates the host; with kademlia.prefill its routing table starts
// as the ideal one over the whole (static) population, as large static
// studies do to skip the join phase.
func (b *kademliaBinding) newNode(host engine.NodeID) overlay.Protocol[kademlia.Message, kademlia.Timer] {
	h := kademlia.NewHost(b.cfg, host, b.ids[host])
	if b.cfg.Prefill {
		h.Prefill(kademlia.IdealContacts(b.cfg, b.ids[host], b.all))
	}
	b.hosts[host] = h
	return h
}

func (b *kademliaBinding) first(host engine.NodeID) { b.hosts[host].Store(b.keys...) }

func (b *kademliaBinding) up(host engine.NodeID, _ engine.Time) {
	id := b.ids[host]
	i, _ := slices.BinarySearch(b.liveIDs, id)
	b.liveIDs = slices.Insert(b.liveIDs, i, id)
	b.byID[id] = host
}

func (b *kademliaBinding) down(host engine.NodeID) {
	id := b.ids[host]
	if i, ok := slices.BinarySearch(b.liveIDs, id); ok {
		b.liveIDs = slices.Delete(b.liveIDs, i, i+1)
	}
	delete(b.byID, id)
}

// correct: a lookup must return the live node XOR-closest to the key; in
// find_value mode a live node that holds the key is correct too, since any
// of its k replicas may answer.
func (b *kademliaBinding) correct(res overlay.LookupResult) bool {
	if len(b.liveIDs) == 0 {
		return false
	}
	closest := b.liveIDs[kademlia.ClosestIndex(b.liveIDs, res.Key)]
	if res.OwnerID == closest && res.Owner == b.byID[closest] {
		return true
	}
	if b.cfg.Lookup == "find_value" {
		if h, ok := b.byID[res.OwnerID]; ok && h == res.Owner {
			return b.hosts[h].HasKey(res.Key)
		}
	}
	return false
}

func (b *kademliaBinding) key(rng *rand.Rand) uint64 { return b.keys[rng.IntN(len(b.keys))] }

func (b *kademliaBinding) finish([]results.LookupRow) []results.Metric { return nil }

func (b *kademliaBinding) state(host engine.NodeID) metrics.NodeState {
	h := b.hosts[host]
	return metrics.NodeState{Keys: h.Keys(), TableSize: h.TableSize(), Buckets: h.BucketFill()}
}
