package gnutella

import (
	"fmt"
	"time"
)

// Search strategies (Config.Strategy).
const (
	// Flood sends every query to all neighbours, each host forwarding it to
	// all of its neighbours but the one it came from, until its TTL runs out
	// (Gnutella 0.4).
	Flood = "flood"
	// ExpandingRing floods with TTL 1, then 2, 4, ... up to RingMaxTTL,
	// waiting RingWait after each ring, and stops at the first ring that
	// brings a hit (Lv et al., ICS 2002).
	ExpandingRing = "expanding_ring"
	// RandomWalk sends Walkers walkers, each forwarded to one random
	// neighbour per step, checking back with the source every CheckEvery
	// steps (Lv et al., ICS 2002).
	RandomWalk = "random_walk"
)

// MaxTTL is the largest TTL a query or PING may carry (the field is a byte).
const MaxTTL = 255

// Config holds the Gnutella settings of a scenario's `gnutella:` block. One
// Config is shared by every host of a simulation.
type Config struct {
	// Strategy is Flood, ExpandingRing or RandomWalk.
	Strategy string `mapstructure:"strategy"`
	// TTL is the flooding radius: a query reaches the hosts within TTL hops
	// of its origin (Flood). Gnutella 0.4 clients used 7.
	TTL int `mapstructure:"ttl"`
	// RingMaxTTL is the TTL of the last ring of an expanding-ring search;
	// the rings use TTL 1, 2, 4, ... and then RingMaxTTL.
	RingMaxTTL int `mapstructure:"ring_max_ttl"`
	// RingWait is how long the origin waits for a hit after starting a ring
	// before it starts the next one.
	RingWait time.Duration `mapstructure:"ring_wait"`
	// Walkers is the number of random walkers per query (the paper's k).
	Walkers int `mapstructure:"walkers"`
	// CheckEvery: a walker asks its source whether to go on after every
	// CheckEvery steps; 0 never checks (walkers then stop only at a hit or
	// after MaxWalk steps).
	CheckEvery int `mapstructure:"check_every"`
	// MaxWalk is the most steps a walker takes.
	MaxWalk int `mapstructure:"max_walk"`
	// QueryTimeout: a query without a hit by then fails. Hosts remember a
	// query's identifier for as long (duplicate suppression, the reverse
	// path of its hits).
	QueryTimeout time.Duration `mapstructure:"query_timeout"`
	// TargetDegree is the number of neighbours a host tries to keep: below
	// it, the host looks for new ones through PING/PONG and connects.
	TargetDegree int `mapstructure:"target_degree"`
	// MaxDegree: a host with this many neighbours refuses new connections.
	MaxDegree int `mapstructure:"max_degree"`
	// PingPeriod is the interval between a host's rounds of PINGs to its
	// neighbours; a neighbour that does not answer within RPCTimeout is
	// dropped.
	PingPeriod time.Duration `mapstructure:"ping_period"`
	// PingTTL is the TTL of the PINGs a host below TargetDegree sends to
	// discover other hosts, doubled for each further discovery PING it
	// needs, up to 7 (a host with enough neighbours pings with TTL 1: a
	// keep-alive).
	PingTTL int `mapstructure:"ping_ttl"`
	// RPCTimeout is how long a host waits for a PONG, for the answer to a
	// CONNECT, or for its source's answer to a walker's check-back.
	RPCTimeout time.Duration `mapstructure:"rpc_timeout"`
	// HostCache is the number of addresses learned from PONGs that a host
	// keeps as connection candidates.
	HostCache int `mapstructure:"host_cache"`

	// Observer, when set, is told about every query event, for measurement
	// only (see Observer). It is not part of the scenario.
	Observer Observer `mapstructure:"-" json:"-" yaml:"-"`
}

// DefaultConfig returns flooding with TTL 7 as in Gnutella 0.4; expanding
// rings 1, 2, 4, 7 with 2 s per ring; 16 walkers checking back every 4 steps
// and walking at most 1,024 steps (Lv et al.); a 30 s query timeout; 4
// neighbours kept, up to 8 accepted; PINGs every 30 s, TTL 2 for discovery;
// 2 s RPC timeout; 32 cached addresses.
func DefaultConfig() Config {
	return Config{
		Strategy:     Flood,
		TTL:          7,
		RingMaxTTL:   7,
		RingWait:     2 * time.Second,
		Walkers:      16,
		CheckEvery:   4,
		MaxWalk:      1024,
		QueryTimeout: 30 * time.Second,
		TargetDegree: 4,
		MaxDegree:    8,
		PingPeriod:   30 * time.Second,
		PingTTL:      2,
		RPCTimeout:   2 * time.Second,
		HostCache:    32,
	}
}

// Validate checks every field; errors name the scenario key.
func (c Config) Validate() error {
	switch {
	case c.Strategy != Flood && c.Strategy != ExpandingRing && c.Strategy != RandomWalk:
		return fmt.Errorf("gnutella.strategy: want %q, %q or %q, got %q", Flood, ExpandingRing, RandomWalk, c.Strategy)
	case c.TTL < 1 || c.TTL > MaxTTL:
		return fmt.Errorf("gnutella.ttl: must be between 1 and %d, got %d", MaxTTL, c.TTL)
	case c.RingMaxTTL < 1 || c.RingMaxTTL > MaxTTL:
		return fmt.Errorf("gnutella.ring_max_ttl: must be between 1 and %d, got %d", MaxTTL, c.RingMaxTTL)
	case c.RingWait <= 0:
		return fmt.Errorf("gnutella.ring_wait: must be a positive duration, got %v", c.RingWait)
	case c.Walkers < 1 || c.Walkers > 1024:
		return fmt.Errorf("gnutella.walkers: must be between 1 and 1024, got %d", c.Walkers)
	case c.CheckEvery < 0 || c.CheckEvery > 65535:
		return fmt.Errorf("gnutella.check_every: must be between 0 and 65535, got %d", c.CheckEvery)
	case c.MaxWalk < 1 || c.MaxWalk > 65535:
		return fmt.Errorf("gnutella.max_walk: must be between 1 and 65535, got %d", c.MaxWalk)
	case c.QueryTimeout <= 0:
		return fmt.Errorf("gnutella.query_timeout: must be a positive duration, got %v", c.QueryTimeout)
	case c.TargetDegree < 1 || c.TargetDegree > 1024:
		return fmt.Errorf("gnutella.target_degree: must be between 1 and 1024, got %d", c.TargetDegree)
	case c.MaxDegree < c.TargetDegree || c.MaxDegree > 65535:
		return fmt.Errorf("gnutella.max_degree: must be between gnutella.target_degree (%d) and 65535, got %d", c.TargetDegree, c.MaxDegree)
	case c.PingPeriod <= 0:
		return fmt.Errorf("gnutella.ping_period: must be a positive duration, got %v", c.PingPeriod)
	case c.PingTTL < 1 || c.PingTTL > MaxTTL:
		return fmt.Errorf("gnutella.ping_ttl: must be between 1 and %d, got %d", MaxTTL, c.PingTTL)
	case c.RPCTimeout <= 0:
		return fmt.Errorf("gnutella.rpc_timeout: must be a positive duration, got %v", c.RPCTimeout)
	case c.RPCTimeout >= c.PingPeriod:
		return fmt.Errorf("gnutella.rpc_timeout: must be shorter than gnutella.ping_period (%v), got %v", c.PingPeriod, c.RPCTimeout)
	case c.HostCache < 1 || c.HostCache > 4096:
		return fmt.Errorf("gnutella.host_cache: must be between 1 and 4096, got %d", c.HostCache)
	}
	return nil
}

// ringTTL returns the TTL of ring number ring (from 0) of an expanding-ring
// search: 1, 2, 4, ... while below RingMaxTTL, then RingMaxTTL.
func (c *Config) ringTTL(ring int) int {
	t := 1
	for range ring {
		t *= 2
		if t >= c.RingMaxTTL {
			return c.RingMaxTTL
		}
	}
	return min(t, c.RingMaxTTL)
}
