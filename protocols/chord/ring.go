package chord

// Space is an identifier ring of 2^Bits points, 1 <= Bits <= 64.
type Space struct {
	bits int
	mask uint64
}

// NewSpace returns the ring of 2^bits identifiers.
func NewSpace(bits int) Space {
	if bits < 1 || bits > 64 {
		panic("chord: identifier width must be 1..64 bits")
	}
	mask := ^uint64(0)
	if bits < 64 {
		mask = 1<<bits - 1
	}
	return Space{bits: bits, mask: mask}
}

// Bits is the identifier width.
func (s Space) Bits() int { return s.bits }

// Mask keeps the low Bits bits of x.
func (s Space) Mask(x uint64) uint64 { return x & s.mask }

// Dist is the clockwise distance from a to b.
func (s Space) Dist(a, b uint64) uint64 { return (b - a) & s.mask }

// Add returns a + d on the ring.
func (s Space) Add(a, d uint64) uint64 { return (a + d) & s.mask }

// FingerStart is the start of finger i of n: n + 2^i.
func (s Space) FingerStart(n uint64, i int) uint64 { return (n + 1<<uint(i)) & s.mask }

// InOpen reports whether x lies in the open interval (a, b) going clockwise.
// When a == b the interval is the whole ring but a.
func (s Space) InOpen(x, a, b uint64) bool {
	if a == b {
		return x != a
	}
	d := s.Dist(a, x)
	return d > 0 && d < s.Dist(a, b)
}

// InHalfOpen reports whether x lies in (a, b] going clockwise. When a == b the
// interval is the whole ring.
func (s Space) InHalfOpen(x, a, b uint64) bool {
	if a == b {
		return true
	}
	d := s.Dist(a, x)
	return d > 0 && d <= s.Dist(a, b)
}
