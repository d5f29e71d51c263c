package kademlia

import (
	"fmt"
	"time"
)

// Workload lookup styles (Config.Lookup).
const (
	// FindNode runs every workload lookup as a node lookup to completion: it
	// ends when the k closest nodes seen have all answered or failed, and
	// reports the closest of them.
	FindNode = "find_node"
	// FindValue runs workload lookups with FIND_VALUE: a lookup ends as soon
	// as a node returns the key's value, and reports that node.
	FindValue = "find_value"
)

// Config holds the Kademlia settings of a scenario's `kademlia:` block.
type Config struct {
	// Bits is the identifier width, 1..64.
	Bits int `mapstructure:"bits"`
	// K is the bucket size and the replication factor (the paper's k).
	K int `mapstructure:"k"`
	// Alpha is the number of requests a lookup keeps in flight (the paper's α).
	Alpha int `mapstructure:"alpha"`
	// RPCTimeout is how long a node waits for the answer to any request
	// before it presumes the peer dead and evicts it from its buckets.
	RPCTimeout time.Duration `mapstructure:"rpc_timeout"`
	// Refresh: a bucket that saw no node lookup for this long is refreshed
	// by a lookup for a random identifier in its range.
	Refresh time.Duration `mapstructure:"refresh"`
	// Republish is the period at which a node republishes the keys it holds
	// (skipping those it received a STORE for within the period).
	Republish time.Duration `mapstructure:"republish"`
	// Expire is how long a stored key lives without being stored again.
	Expire time.Duration `mapstructure:"expire"`
	// Replacements is the size of each bucket's replacement cache: recently
	// seen contacts that did not fit in the full bucket, promoted when a
	// bucket entry is evicted. 0 keeps none.
	Replacements int `mapstructure:"replacements"`
	// PingAfter: when a newcomer finds its bucket full, the least recently
	// seen contact is pinged only if it was last heard from at least this
	// long ago (BEP 5's "good node" rule: 15m there). 0, the default, pings
	// it every time, the paper's rule.
	PingAfter time.Duration `mapstructure:"ping_after"`
	// Lookup is FindNode or FindValue: how workload lookups run.
	// Maintenance lookups (join, refresh, republish) are always node lookups.
	Lookup string `mapstructure:"lookup"`
	// Prefill asks the runner to fill each joining node's routing table from
	// its oracle (Host.Prefill, IdealContacts) before the node's real join.
	// The Host itself never reads this field. Off by default.
	Prefill bool `mapstructure:"prefill"`
}

// DefaultConfig returns the paper's parameters: 64-bit identifiers (the
// paper uses 160), k = 20, α = 3, hourly refresh and republish, expiry after
// 24 hours, a full bucket's head pinged for every newcomer; a 1 s RPC
// timeout, replacement caches of 8 contacts, node lookups for the workload,
// no prefill.
func DefaultConfig() Config {
	return Config{
		Bits:         64,
		K:            20,
		Alpha:        3,
		RPCTimeout:   time.Second,
		Refresh:      time.Hour,
		Republish:    time.Hour,
		Expire:       24 * time.Hour,
		Replacements: 8,
		Lookup:       FindNode,
	}
}

// Validate checks every field; errors name the scenario key.
func (c Config) Validate() error {
	switch {
	case c.Bits < 1 || c.Bits > 64:
		return fmt.Errorf("kademlia.bits: must be between 1 and 64, got %d", c.Bits)
	case c.K < 1 || c.K > 256:
		return fmt.Errorf("kademlia.k: must be between 1 and 256, got %d", c.K)
	case c.Alpha < 1 || c.Alpha > c.K:
		return fmt.Errorf("kademlia.alpha: must be between 1 and kademlia.k (%d), got %d", c.K, c.Alpha)
	case c.RPCTimeout <= 0:
		return fmt.Errorf("kademlia.rpc_timeout: must be a positive duration, got %v", c.RPCTimeout)
	case c.Refresh <= 0:
		return fmt.Errorf("kademlia.refresh: must be a positive duration, got %v", c.Refresh)
	case c.Republish <= 0:
		return fmt.Errorf("kademlia.republish: must be a positive duration, got %v", c.Republish)
	case c.Expire < c.Republish:
		return fmt.Errorf("kademlia.expire: must be at least kademlia.republish (%v), got %v", c.Republish, c.Expire)
	case c.Replacements < 0 || c.Replacements > 1024:
		return fmt.Errorf("kademlia.replacements: must be between 0 and 1024, got %d", c.Replacements)
	case c.PingAfter < 0:
		return fmt.Errorf("kademlia.ping_after: must be a duration of 0 or more, got %v", c.PingAfter)
	case c.Lookup != FindNode && c.Lookup != FindValue:
		return fmt.Errorf("kademlia.lookup: want %q or %q, got %q", FindNode, FindValue, c.Lookup)
	}
	return nil
}
