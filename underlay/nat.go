package underlay

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"peerlab/engine"
)

// Class is a host's connectivity class: whether it sits behind a NAT or a
// firewall, and which kind, in the terms of RFC 4787 (the classic RFC 3489
// names in parentheses).
type Class uint8

// The connectivity classes.
const (
	// Public: a public address, reachable by anyone.
	Public Class = iota
	// FullCone: endpoint-independent mapping and filtering (full cone):
	// while its mapping is alive anyone may send to it.
	FullCone
	// RestrictedCone: endpoint-independent mapping, address-dependent
	// filtering (restricted cone): it accepts packets from a host it has
	// sent to, from any port of that host.
	RestrictedCone
	// PortRestricted: endpoint-independent mapping, address- and
	// port-dependent filtering (port-restricted cone): it accepts packets
	// only from the exact address and port it has sent to.
	PortRestricted
	// Symmetric: address- and port-dependent mapping and filtering
	// (symmetric NAT): a new external port for every destination, so the
	// port a third party saw is useless to anyone else.
	Symmetric
	// UDPBlocked: behind a firewall that blocks UDP; it can only open TCP
	// connections to public hosts, and receives only over connections it
	// opened.
	UDPBlocked
	// NumClasses is the number of classes.
	NumClasses
)

var classNames = [NumClasses]string{"public", "full_cone", "restricted_cone", "port_restricted", "symmetric", "udp_blocked"}

// String returns the class's scenario name, such as "port_restricted".
func (c Class) String() string {
	if c < NumClasses {
		return classNames[c]
	}
	return fmt.Sprintf("class(%d)", uint8(c))
}

// Method is how a host can open a session to another one.
type Method uint8

// The methods, from cheapest to dearest.
const (
	// Direct: the first message gets through unsolicited.
	Direct Method = iota
	// HolePunch: both hosts first talk to a rendezvous node that both can
	// reach, which has the callee connect back (connection reversal) or
	// both send at once so that each NAT sees outgoing traffic before the
	// other's packets arrive (UDP hole punching). Afterwards they talk
	// directly.
	HolePunch
	// Relay: no direct path can be made; every message goes through a
	// relay node both can reach (TURN).
	Relay
)

var methodNames = [...]string{"direct", "hole punch", "relay"}

// String returns "direct", "hole punch" or "relay".
func (m Method) String() string {
	if int(m) < len(methodNames) {
		return methodNames[m]
	}
	return fmt.Sprintf("method(%d)", uint8(m))
}

// Connect returns how a host of class a opens a session to a host of class
// b. It is the table the README prints, and NAT.Send's filtering agrees with
// it: a Direct pair's first message passes, a HolePunch pair's pass once
// both have sent to each other, a Relay pair's never pass in both
// directions.
func Connect(a, b Class) Method {
	switch {
	case b == Public:
		return Direct // UDP, or TCP from a UDP-blocked host
	case a == UDPBlocked:
		return Relay // TCP out to public hosts only
	case b == FullCone:
		return Direct
	case b == UDPBlocked:
		if a == Public {
			return HolePunch // b connects back over TCP
		}
		return Relay
	case a == Public || a == FullCone:
		return HolePunch // connection reversal: b sends first
	case a == Symmetric && b == Symmetric,
		a == Symmetric && b == PortRestricted,
		a == PortRestricted && b == Symmetric:
		return Relay // a port predicted from a third party's view is wrong
	}
	return HolePunch
}

// NATConfig is the `underlay.nat` block: the share of hosts in each class
// and the behaviour of the NATs. When Public is 1 (the default) there is no
// NAT at all: no filtering and no classification step.
type NATConfig struct {
	// Shares of the hosts in each class; they must add up to 1.
	Public         float64 `mapstructure:"public"`
	FullCone       float64 `mapstructure:"full_cone"`
	RestrictedCone float64 `mapstructure:"restricted_cone"`
	PortRestricted float64 `mapstructure:"port_restricted"`
	Symmetric      float64 `mapstructure:"symmetric"`
	UDPBlocked     float64 `mapstructure:"udp_blocked"`
	// MappingTimeout is how long a NAT keeps a mapping (and the filter
	// permission that goes with it) after the host last sent through it;
	// RFC 4787 asks for at least 2 minutes.
	MappingTimeout time.Duration `mapstructure:"mapping_timeout"`
	// STUNTimeout is how long the classification step waits for a STUN
	// response that does not come before it concludes (RFC 3489 clients
	// retransmit for up to 9.5 s).
	STUNTimeout time.Duration `mapstructure:"stun_timeout"`
}

// DefaultNATConfig returns every host public (no NAT), with a 2-minute
// mapping timeout and a 2 s STUN timeout for when shares are set.
func DefaultNATConfig() NATConfig {
	return NATConfig{Public: 1, MappingTimeout: 2 * time.Minute, STUNTimeout: 2 * time.Second}
}

// shares returns the class shares in Class order.
func (c NATConfig) shares() [NumClasses]float64 {
	return [NumClasses]float64{c.Public, c.FullCone, c.RestrictedCone, c.PortRestricted, c.Symmetric, c.UDPBlocked}
}

// Enabled reports whether any host is behind a NAT or firewall.
func (c NATConfig) Enabled() bool { return c.Public < 1 }

// Validate checks the shares and durations; errors name the key.
func (c NATConfig) Validate() error {
	var errs []error
	sum := 0.0
	for i, s := range c.shares() {
		if !(s >= 0 && s <= 1) {
			errs = append(errs, fmt.Errorf("underlay.nat.%s: must be a share in [0, 1], got %v", Class(i), s))
		}
		sum += s
	}
	if len(errs) == 0 && math.Abs(sum-1) > 1e-9 {
		errs = append(errs, fmt.Errorf("underlay.nat: the shares of public, full_cone, restricted_cone, port_restricted, symmetric and udp_blocked must add up to 1, got %v", sum))
	}
	if c.MappingTimeout <= 0 {
		errs = append(errs, fmt.Errorf("underlay.nat.mapping_timeout: must be a positive duration, got %v", c.MappingTimeout))
	}
	if c.STUNTimeout <= 0 {
		errs = append(errs, fmt.Errorf("underlay.nat.stun_timeout: must be a positive duration, got %v", c.STUNTimeout))
	}
	return errors.Join(errs...)
}

// pairState is what one host's NAT (or, for heardAt, the host itself)
// remembers about one peer.
type pairState struct {
	sentAt engine.Time // the host last sent to the peer (mapping, filter permission)
	// exactAt: the host last sent to the port the peer really uses towards
	// it. For a peer behind a symmetric NAT that port is known only from the
	// peer's own packets; the port a third party saw belongs to another
	// mapping.
	exactAt engine.Time
	heardAt engine.Time // a packet from the peer last reached the host
}

// never is a time long before any run.
const never = engine.Time(math.MinInt64 / 4)

// NAT is the per-host connectivity state of a run: every host's class, and
// the mappings and filter permissions its NAT holds. It answers whether a
// message gets through; the latency model is separate. Use one NAT per
// simulation, from its single goroutine.
//
// A message from s to r passes when
//   - r is public, or r is behind a full-cone NAT whose mapping is alive
//     (r sent anything within the mapping timeout);
//   - r is behind a restricted cone and sent to s within the timeout;
//   - r is behind a port-restricted or symmetric NAT and sent, within the
//     timeout, to the port s really uses towards r;
//   - r is UDP-blocked and s is public: only over a TCP connection r
//     opened to s (r sent to s within the timeout);
//
// and, when r is behind a symmetric NAT, s must also have heard from r (to
// know r's port for s), while a UDP-blocked s reaches public hosts only.
type NAT struct {
	class   []Class
	timeout time.Duration
	lastOut []engine.Time        // when each host last sent anything
	pairs   map[uint64]pairState // host<<32 | peer
	// Dropped counts the messages a NAT or firewall dropped.
	Dropped uint64
}

// NewNAT assigns classes to hosts 0..n-1: the count of each class is its
// share of n, rounded by largest remainder, and the hosts are shuffled with
// rng. cfg must be valid.
func NewNAT(cfg NATConfig, n int, rng *rand.Rand) *NAT {
	shares := cfg.shares()
	var counts [NumClasses]int
	var frac [NumClasses]float64
	given := 0
	for c, s := range shares {
		x := s * float64(n)
		counts[c] = int(x)
		given += counts[c]
		frac[c] = x - float64(counts[c])
	}
	for ; given < n; given++ { // largest remainders first, lower class on ties
		best := 0
		for c := range frac {
			if frac[c] > frac[best] {
				best = c
			}
		}
		counts[best]++
		frac[best] = -1
	}
	class := make([]Class, 0, n)
	for c, k := range counts {
		for range k {
			class = append(class, Class(c))
		}
	}
	rng.Shuffle(len(class), func(i, j int) { class[i], class[j] = class[j], class[i] })
	return NewNATClasses(class, cfg.MappingTimeout)
}

// NewNATClasses returns the NAT state for hosts of the given classes (host i
// has class[i]), with the given mapping timeout and no mapping open yet.
func NewNATClasses(class []Class, timeout time.Duration) *NAT {
	lastOut := make([]engine.Time, len(class))
	for i := range lastOut {
		lastOut[i] = never
	}
	return &NAT{class: class, timeout: timeout, lastOut: lastOut, pairs: map[uint64]pairState{}}
}

// Class returns host h's class.
func (n *NAT) Class(h engine.NodeID) Class { return n.class[h] }

// Counts returns how many hosts are in each class.
func (n *NAT) Counts() [NumClasses]int {
	var out [NumClasses]int
	for _, c := range n.class {
		out[c]++
	}
	return out
}

func pairKey(host, peer engine.NodeID) uint64 { return uint64(uint32(host))<<32 | uint64(uint32(peer)) }

// alive reports whether a mapping last used at t is still kept at now.
func (n *NAT) alive(t, now engine.Time) bool { return now.Sub(t) < n.timeout }

func (n *NAT) pair(host, peer engine.NodeID) pairState {
	if p, ok := n.pairs[pairKey(host, peer)]; ok {
		return p
	}
	return pairState{sentAt: never, exactAt: never, heardAt: never}
}

// Open records that host sent to a server outside the overlay at now (the
// STUN server of the classification step, a keep-alive): its NAT's mapping
// is alive, which is what a full-cone host needs to be reachable.
func (n *NAT) Open(host engine.NodeID, now engine.Time) { n.lastOut[host] = now }

// Send records that from sends a message to to at now, and reports whether
// the message gets through; one that does not is counted in Dropped. A
// message between a host and itself always passes. The sender's NAT opens
// (or refreshes) its mapping and its permission for to either way.
func (n *NAT) Send(from, to engine.NodeID, now engine.Time) bool {
	if from == to {
		return true
	}
	ok := n.Reachable(from, to, now)
	if n.class[from] != Public {
		n.lastOut[from] = now
		p := n.pair(from, to)
		p.sentAt = now
		if n.class[to] != Symmetric || n.alive(p.heardAt, now) {
			p.exactAt = now
		}
		n.pairs[pairKey(from, to)] = p
	}
	if !ok {
		n.Dropped++
		return false
	}
	if n.class[from] == Symmetric {
		p := n.pair(to, from)
		p.heardAt = now
		n.pairs[pairKey(to, from)] = p
	}
	return true
}

// Reachable reports whether a message from → to sent at now would get
// through, without recording anything.
func (n *NAT) Reachable(from, to engine.NodeID, now engine.Time) bool {
	if from == to {
		return true
	}
	cs, cr := n.class[from], n.class[to]
	if cs == UDPBlocked && cr != Public {
		return false // TCP out to public hosts only
	}
	if cr == Symmetric && !n.alive(n.pair(from, to).heardAt, now) {
		return false // addressed to a port that maps to somebody else
	}
	r := n.pair(to, from)
	switch cr {
	case Public:
		return true
	case FullCone:
		return n.alive(n.lastOut[to], now)
	case RestrictedCone:
		return n.alive(r.sentAt, now)
	case UDPBlocked:
		return cs == Public && n.alive(r.sentAt, now)
	default: // PortRestricted, Symmetric
		return n.alive(r.exactAt, now)
	}
}

// STUN is the outcome of the classification step a host runs when it
// starts (the classic RFC 3489 sequence against a STUN server): the
// requests it sent, the responses it got, and how many requests went
// unanswered (each costing the STUN timeout).
type STUN struct {
	Requests, Responses, Timeouts int
}

// Classify returns the STUN exchange by which a host of class c learns it:
// test I (a binding request; none answered means UDP is blocked), test II
// (answer from another address and port; answered for public and
// full-cone hosts), test I to the server's second address (a different
// mapping means symmetric), test III (answer from another port; answered
// for a restricted cone, not a port-restricted one).
func Classify(c Class) STUN {
	switch c {
	case UDPBlocked:
		return STUN{Requests: 1, Timeouts: 1}
	case Public, FullCone:
		return STUN{Requests: 2, Responses: 2}
	case Symmetric:
		return STUN{Requests: 3, Responses: 2, Timeouts: 1}
	case RestrictedCone:
		return STUN{Requests: 4, Responses: 3, Timeouts: 1}
	default: // PortRestricted
		return STUN{Requests: 4, Responses: 2, Timeouts: 2}
	}
}

// Duration returns how long the exchange takes: a round trip per answered
// request and the timeout per unanswered one.
func (s STUN) Duration(rtt, timeout time.Duration) time.Duration {
	return time.Duration(s.Responses)*rtt + time.Duration(s.Timeouts)*timeout
}
