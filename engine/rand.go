package engine

import (
	"math/rand/v2"
)

// Streams derives independent random streams from one master seed. A stream is
// named by a subsystem label and an index (a node ID, a run number), so the
// numbers a component draws do not depend on how many numbers any other
// component drew, nor on the order in which components were created.
type Streams struct {
	seed uint64
}

// NewStreams returns the stream factory for a master seed.
func NewStreams(seed uint64) Streams { return Streams{seed: seed} }

// Seed returns the master seed.
func (s Streams) Seed() uint64 { return s.seed }

// Stream returns a new PCG-backed generator for (subsystem, index). Two calls
// with the same arguments return generators that produce the same sequence.
func (s Streams) Stream(subsystem string, index uint64) *rand.Rand {
	h := fnv64(subsystem)
	a := mix64(mix64(s.seed) + h) // mixing the seed first keeps (seed, subsystem) pairs from aliasing
	b := mix64(a ^ mix64(index+0x9e3779b97f4a7c15))
	return rand.New(rand.NewPCG(a, b))
}

// fnv64 is the 64-bit FNV-1a hash of a string.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix64 is the SplitMix64 finaliser: a bijection that spreads every input bit
// over the whole output word.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
