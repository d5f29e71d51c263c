package engine

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"testing"
)

func draw(r *rand.Rand, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = r.Uint64()
	}
	return out
}

func TestStreamsSameArgumentsSameSequence(t *testing.T) {
	cases := []struct {
		seed  uint64
		sub   string
		index uint64
	}{
		{0, "", 0},
		{1, "net", 0},
		{1, "net", 17},
		{42, "churn", 1 << 40},
		{^uint64(0), "a-long-subsystem-name/with/slashes", ^uint64(0)},
	}
	for _, c := range cases {
		a := draw(NewStreams(c.seed).Stream(c.sub, c.index), 200)
		b := draw(NewStreams(c.seed).Stream(c.sub, c.index), 200)
		if !slices.Equal(a, b) {
			t.Errorf("Stream(%d,%q,%d): two generators differ", c.seed, c.sub, c.index)
		}
		if NewStreams(c.seed).Seed() != c.seed {
			t.Errorf("Seed() = %d, want %d", NewStreams(c.seed).Seed(), c.seed)
		}
	}
}

// A golden value pins the derivation: changing it silently would change every
// recorded experiment.
func TestStreamsGolden(t *testing.T) {
	got := draw(NewStreams(1).Stream("net", 2), 3)
	want := goldenNet12
	if !slices.Equal(got, want) {
		t.Fatalf("Stream(1,net,2) first values = %#x, want %#x (derivation changed?)", got, want)
	}
}

func TestStreamsDifferentArgumentsDiffer(t *testing.T) {
	type key struct {
		seed  uint64
		sub   string
		index uint64
	}
	base := key{7, "net", 3}
	cases := []struct {
		name  string
		other key
	}{
		{"index+1", key{7, "net", 4}},
		{"index 0", key{7, "net", 0}},
		{"index high bit", key{7, "net", 3 | 1<<63}},
		{"subsystem", key{7, "churn", 3}},
		{"subsystem case", key{7, "Net", 3}},
		{"subsystem empty", key{7, "", 3}},
		{"subsystem prefix", key{7, "ne", 3}},
		{"seed+1", key{8, "net", 3}},
		{"seed 0", key{0, "net", 3}},
		{"seed/index swapped", key{3, "net", 7}},
	}
	b := draw(NewStreams(base.seed).Stream(base.sub, base.index), 16)
	for _, c := range cases {
		o := draw(NewStreams(c.other.seed).Stream(c.other.sub, c.other.index), 16)
		same := 0
		for i := range b {
			if b[i] == o[i] {
				same++
			}
		}
		if same > 0 {
			t.Errorf("%s: %+v and %+v share %d of 16 values", c.name, base, c.other, same)
		}
	}

	// Many indices and seeds: all first values distinct.
	seen := map[uint64]key{}
	for seed := uint64(0); seed < 8; seed++ {
		for _, sub := range []string{"net", "churn", "app"} {
			for idx := uint64(0); idx < 500; idx++ {
				k := key{seed, sub, idx}
				v := NewStreams(seed).Stream(sub, idx).Uint64()
				if prev, dup := seen[v]; dup {
					t.Fatalf("%+v and %+v start with the same value %#x", prev, k, v)
				}
				seen[v] = k
			}
		}
	}
}

// A stream's sequence must not depend on how many numbers other streams drew,
// nor on the order in which streams were created.
func TestStreamsIndependentOfOtherDraws(t *testing.T) {
	st := NewStreams(99)
	alone := draw(st.Stream("node", 5), 100)

	for _, otherDraws := range []int{0, 1, 7, 1000} {
		other := st.Stream("node", 6) // created first
		a := st.Stream("node", 5)
		var got []uint64
		for i := 0; i < 100; i++ {
			for j := 0; j < otherDraws; j++ {
				other.Uint64()
			}
			other.IntN(10)
			got = append(got, a.Uint64())
		}
		if !slices.Equal(got, alone) {
			t.Fatalf("stream (node,5) changed when (node,6) drew %d values per step", otherDraws)
		}
	}
}

// Sanity check of quality: bits of the first value of consecutive indices are
// roughly balanced (a broken mix would give near-identical streams).
func TestStreamsFirstValuesLookRandom(t *testing.T) {
	st := NewStreams(0)
	const n = 4096
	var ones [64]int
	for i := uint64(0); i < n; i++ {
		v := st.Stream("x", i).Uint64()
		for b := 0; b < 64; b++ {
			ones[b] += int(v >> b & 1)
		}
	}
	for b, c := range ones {
		// Binomial(4096, 1/2): sd = 32; allow 6 sd.
		if c < n/2-192 || c > n/2+192 {
			t.Errorf("bit %d set in %d of %d first values", b, c, n)
		}
	}
}

// goldenNet12 is the first three values of NewStreams(1).Stream("net", 2).
var goldenNet12 = []uint64{0xa3780d835e62f237, 0x90aca2ad9d907aac, 0xb3a7c6087d15760a}

func TestHashHelpers(t *testing.T) {
	for _, s := range []string{"", "a", "net", "churn", "peerlab/engine"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := fnv64(s), h.Sum64(); got != want {
			t.Errorf("fnv64(%q) = %#x, want %#x (hash/fnv)", s, got, want)
		}
	}
	// SplitMix64 reference outputs for state 0 (first three next() values).
	state := uint64(0)
	for i, want := range []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f} {
		if got := mix64(state); got != want {
			t.Errorf("splitmix64 output %d = %#x, want %#x", i, got, want)
		}
		state += 0x9e3779b97f4a7c15
	}
}
