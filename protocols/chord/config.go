package chord

import (
	"fmt"
	"time"
)

// Lookup styles.
const (
	Iterative = "iterative" // the origin asks each hop in turn
	Recursive = "recursive" // each hop forwards the query; the last answers the origin
)

// Config holds the Chord settings of a scenario's `chord:` block.
type Config struct {
	// Bits is the identifier width, 1..64.
	Bits int `mapstructure:"bits"`
	// Successors is r, the length of the successor list.
	Successors int `mapstructure:"successors"`
	// VirtualNodes is the number of ring positions each host runs.
	VirtualNodes int `mapstructure:"virtual_nodes"`
	// Lookup is Iterative or Recursive.
	Lookup string `mapstructure:"lookup"`
	// Stabilize, FixFingers and CheckPredecessor are the periods of the three
	// maintenance tasks.
	Stabilize        time.Duration `mapstructure:"stabilize"`
	FixFingers       time.Duration `mapstructure:"fix_fingers"`
	CheckPredecessor time.Duration `mapstructure:"check_predecessor"`
	// RPCTimeout is how long a node waits for an answer from one hop before
	// it tries the next candidate.
	RPCTimeout time.Duration `mapstructure:"rpc_timeout"`
	// LookupTimeout bounds a whole lookup; past it the lookup fails.
	LookupTimeout time.Duration `mapstructure:"lookup_timeout"`
	// SuccessorRouting lets a lookup step choose its next hop among the
	// successor list as well as the fingers (the ToN version of Chord's
	// closest_preceding_node). Off, only the fingers and the first successor
	// are used: the routing of the paper's Fig. 10 simulations.
	SuccessorRouting bool `mapstructure:"successor_routing"`
	// IDs is how identifiers are chosen: "random" (from the run's random
	// stream) or "sha1" (SHA-1 of the host or key name, as in the Chord paper).
	IDs string `mapstructure:"ids"`
}

// DefaultConfig returns the defaults: 64-bit identifiers, 8 successors, one
// virtual node, iterative lookups, and the periods of the issue (20 s, 120 s,
// 120 s).
func DefaultConfig() Config {
	return Config{
		Bits:             64,
		Successors:       8,
		VirtualNodes:     1,
		Lookup:           Iterative,
		Stabilize:        20 * time.Second,
		FixFingers:       120 * time.Second,
		CheckPredecessor: 120 * time.Second,
		RPCTimeout:       time.Second,
		LookupTimeout:    30 * time.Second,
		SuccessorRouting: true,
		IDs:              "random",
	}
}

// Validate checks every field; errors name the scenario key.
func (c Config) Validate() error {
	switch {
	case c.Bits < 1 || c.Bits > 64:
		return fmt.Errorf("chord.bits: must be between 1 and 64, got %d", c.Bits)
	case c.Successors < 1 || c.Successors > 64:
		return fmt.Errorf("chord.successors: must be between 1 and 64, got %d", c.Successors)
	case c.VirtualNodes < 1 || c.VirtualNodes > 1024:
		return fmt.Errorf("chord.virtual_nodes: must be between 1 and 1024, got %d", c.VirtualNodes)
	case c.Lookup != Iterative && c.Lookup != Recursive:
		return fmt.Errorf("chord.lookup: want %q or %q, got %q", Iterative, Recursive, c.Lookup)
	case c.Stabilize <= 0:
		return fmt.Errorf("chord.stabilize: must be a positive duration, got %v", c.Stabilize)
	case c.FixFingers <= 0:
		return fmt.Errorf("chord.fix_fingers: must be a positive duration, got %v", c.FixFingers)
	case c.CheckPredecessor <= 0:
		return fmt.Errorf("chord.check_predecessor: must be a positive duration, got %v", c.CheckPredecessor)
	case c.RPCTimeout <= 0:
		return fmt.Errorf("chord.rpc_timeout: must be a positive duration, got %v", c.RPCTimeout)
	case c.LookupTimeout < c.RPCTimeout:
		return fmt.Errorf("chord.lookup_timeout: must be at least chord.rpc_timeout (%v), got %v", c.RPCTimeout, c.LookupTimeout)
	case c.IDs != "random" && c.IDs != "sha1":
		return fmt.Errorf("chord.ids: want \"random\" or \"sha1\", got %q", c.IDs)
	}
	return nil
}
