package superpeer

import (
	"fmt"
	"time"

	"peerlab/engine"
)

// Modes (Config.Mode).
const (
	// Napster: one central index server; peers log in to it with their
	// object lists, query it, and download from each other.
	Napster = "napster"
	// KaZaA: peers attach to superpeers elected among public hosts and
	// upload their object metadata there; superpeers flood queries among
	// themselves with a TTL.
	KaZaA = "kazaa"
	// Skype: the KaZaA structure plus a central login server, user search
	// by rounds of 4 then 8 superpeers to ask, and call set-up (direct,
	// hole punched or relayed).
	Skype = "skype"
)

// What a superpeer sends in its periodic list exchange (Config.Exchange).
const (
	// ExchangeSample sends a random sample of the superpeer list: hearsay,
	// which may name superpeers that have left or stepped down, as the
	// slides' "superpeers exchange superpeer lists".
	ExchangeSample = "sample"
	// ExchangeLinks sends only the superpeers it is linked to, which it
	// has heard from within 2.5 exchange periods.
	ExchangeLinks = "links"
)

// Relay policies (Config.Relay).
const (
	// RelayNeeded relays a call or download only when underlay.Connect
	// says no direct path can be made (or hole punching failed).
	RelayNeeded = "needed"
	// RelayAnyNAT relays every call with an end behind a NAT or firewall,
	// as Baset and Schulzrinne saw Skype 0.97 do even when the caller was
	// behind a port-restricted NAT and the callee public.
	RelayAnyNAT = "any_nat"
)

// Config holds the settings of a scenario's `superpeer:` block. One Config
// is shared by every host of a simulation.
type Config struct {
	// Mode is Napster, KaZaA or Skype.
	Mode string `mapstructure:"mode"`

	// Ratio is the target number of superpeers per host: a superpeer with
	// more than 1/Ratio − 1 peers attached promotes one of them.
	Ratio float64 `mapstructure:"ratio"`
	// CapacityMin and CapacityShape give each host's upstream capacity in
	// kbit/s, drawn from a Pareto distribution with this minimum and shape
	// (capped at 1 Gbit/s).
	CapacityMin   float64 `mapstructure:"capacity_min"`
	CapacityShape float64 `mapstructure:"capacity_shape"`
	// MinCapacity (kbit/s) and MinUptime make a public peer eligible for
	// promotion; among the eligible, the largest capacity is promoted
	// first, then the longest uptime.
	MinCapacity float64       `mapstructure:"min_capacity"`
	MinUptime   time.Duration `mapstructure:"min_uptime"`
	// Bootstrap is the number of bootstrap superpeers: public hosts that
	// are superpeers from the start, stay up, and seed every new host
	// cache (Skype 0.97 shipped 7).
	Bootstrap int `mapstructure:"bootstrap"`
	// HostCache is the number of superpeers a peer remembers (200 in
	// KaZaA and Skype); it survives the peer's restarts, like Skype's
	// registry entry.
	HostCache int `mapstructure:"host_cache"`
	// ListMax is the number of superpeers a superpeer remembers.
	ListMax int `mapstructure:"list_max"`
	// ExchangeSize is the number of superpeers in one list exchange (and in
	// the list a superpeer hands a peer that attaches).
	ExchangeSize int `mapstructure:"exchange_size"`
	// Exchange is ExchangeSample or ExchangeLinks.
	Exchange string `mapstructure:"exchange"`
	// ExchangePeriod: every period a superpeer sends a superpeer list to
	// each superpeer it is linked to; a link silent for 2.5 periods is
	// dropped.
	ExchangePeriod time.Duration `mapstructure:"exchange_period"`
	// Degree is the number of links a superpeer keeps to other superpeers
	// (it accepts up to twice as many).
	Degree int `mapstructure:"degree"`
	// KeepAlive is the period of a peer's keep-alive to its superpeer (or
	// the Napster server); Skype's was 60 s. A superpeer drops a peer
	// silent for 2 periods and Timeout.
	KeepAlive time.Duration `mapstructure:"keepalive"`
	// Timeout is how long a host waits for the answer to a TCP request
	// (attach, login, keep-alive, query to its superpeer).
	Timeout time.Duration `mapstructure:"timeout"`

	// ProbeFanout is the number of host-cache entries probed over UDP per
	// round when looking for a superpeer.
	ProbeFanout int `mapstructure:"probe_fanout"`
	// UDPRTO, UDPTries and UDPFinal are the UDP retransmission schedule of
	// the probes (RFC 5389's RTO, Rc and Rm): rounds at 0, RTO, 3 RTO, 7
	// RTO, ..., UDPTries rounds, then UDPFinal × RTO after the last before
	// giving up on UDP and connecting over TCP.
	UDPRTO   time.Duration `mapstructure:"udp_rto"`
	UDPTries int           `mapstructure:"udp_tries"`
	UDPFinal int           `mapstructure:"udp_final"`
	// AlternateNodes: after logging in, a Skype client probes this many
	// host-cache entries over UDP (its alternate node table).
	AlternateNodes int `mapstructure:"alternate_nodes"`

	// QueryTimeout: a search without an answer by then fails.
	QueryTimeout time.Duration `mapstructure:"query_timeout"`
	// TTL is the radius of a KaZaA query flooded among superpeers.
	TTL int `mapstructure:"ttl"`
	// FirstNodes and MoreNodes: a Skype superpeer that does not know a user
	// hands the searcher FirstNodes superpeers to ask, then MoreNodes per
	// further round, until the user is found or its list is exhausted.
	FirstNodes int `mapstructure:"first_nodes"`
	MoreNodes  int `mapstructure:"more_nodes"`
	// RoundTimeout ends a search round whose superpeers have not all
	// answered.
	RoundTimeout time.Duration `mapstructure:"round_timeout"`
	// CacheTTL is how long a Skype superpeer keeps a search result; 0
	// caches nothing.
	CacheTTL time.Duration `mapstructure:"cache_ttl"`

	// Calls: after every successful search the searcher sets up a session
	// with the host found (a Skype call, a Napster or KaZaA download).
	Calls bool `mapstructure:"calls"`
	// Relay is RelayNeeded or RelayAnyNAT.
	Relay string `mapstructure:"relay"`
	// SetupTimeout bounds each attempt to set up a session (direct, hole
	// punch, each relay); after it the next method is tried.
	SetupTimeout time.Duration `mapstructure:"setup_timeout"`
	// RelayTries is the number of relays tried before a session fails.
	RelayTries int `mapstructure:"relay_tries"`
	// CallDuration and MediaKbps give the media a relay carries per call
	// (both directions at MediaKbps for CallDuration), counted, not
	// simulated packet by packet.
	CallDuration time.Duration `mapstructure:"call_duration"`
	MediaKbps    float64       `mapstructure:"media_kbps"`

	// Server is the central server (Napster index, Skype login server);
	// engine.None in KaZaA. Set by the runner, not part of the scenario.
	Server engine.NodeID `mapstructure:"-" json:"-" yaml:"-"`
	// BootstrapHosts are the bootstrap superpeers; set by the runner.
	BootstrapHosts []engine.NodeID `mapstructure:"-" json:"-" yaml:"-"`
	// Observer, when set, is told about every event worth measuring (see
	// Observer). It is not part of the scenario.
	Observer Observer `mapstructure:"-" json:"-" yaml:"-"`
}

// DefaultConfig returns Skype as Baset and Schulzrinne describe it: one
// superpeer per 50 hosts, 7 bootstrap superpeers, a 200-entry host cache,
// a keep-alive every 60 s, searches of 4 then 8 superpeers per round, and
// calls relayed only when needed; superpeers exchange 50-entry lists with
// 6 others every minute; capacities Pareto(256 kbit/s, 1.2), eligibility
// from 1 Mbit/s and 5 minutes of uptime; UDP probes to 4 cache entries per
// round on RFC 5389's schedule (500 ms, 7 tries, 16 × RTO after the last:
// 39.5 s in all); 5 s TCP timeouts; 30 s searches with 2 s rounds; results
// cached 5 minutes; 3-minute calls at 32 kbit/s each way.
func DefaultConfig() Config {
	return Config{
		Mode:           Skype,
		Ratio:          0.02,
		CapacityMin:    256,
		CapacityShape:  1.2,
		MinCapacity:    1000,
		MinUptime:      5 * time.Minute,
		Bootstrap:      7,
		HostCache:      200,
		ListMax:        1000,
		ExchangeSize:   50,
		Exchange:       ExchangeSample,
		ExchangePeriod: time.Minute,
		Degree:         6,
		KeepAlive:      time.Minute,
		Timeout:        5 * time.Second,
		ProbeFanout:    4,
		UDPRTO:         500 * time.Millisecond,
		UDPTries:       7,
		UDPFinal:       16,
		AlternateNodes: 20,
		QueryTimeout:   30 * time.Second,
		TTL:            4,
		FirstNodes:     4,
		MoreNodes:      8,
		RoundTimeout:   2 * time.Second,
		CacheTTL:       5 * time.Minute,
		Calls:          true,
		Relay:          RelayNeeded,
		SetupTimeout:   5 * time.Second,
		RelayTries:     3,
		CallDuration:   3 * time.Minute,
		MediaKbps:      32,
		Server:         engine.None,
	}
}

// Validate checks every scenario field; errors name the scenario key.
func (c Config) Validate() error {
	switch {
	case c.Mode != Napster && c.Mode != KaZaA && c.Mode != Skype:
		return fmt.Errorf("superpeer.mode: want %q, %q or %q, got %q", Napster, KaZaA, Skype, c.Mode)
	case !(c.Ratio > 0 && c.Ratio <= 0.5):
		return fmt.Errorf("superpeer.ratio: must be in (0, 0.5], got %v", c.Ratio)
	case !(c.CapacityMin > 0 && c.CapacityMin <= 1e6):
		return fmt.Errorf("superpeer.capacity_min: must be in (0, 1000000] kbit/s, got %v", c.CapacityMin)
	case !(c.CapacityShape > 0 && c.CapacityShape <= 100):
		return fmt.Errorf("superpeer.capacity_shape: must be in (0, 100], got %v", c.CapacityShape)
	case !(c.MinCapacity >= 0 && c.MinCapacity <= 1e6):
		return fmt.Errorf("superpeer.min_capacity: must be in [0, 1000000] kbit/s, got %v", c.MinCapacity)
	case c.MinUptime < 0:
		return fmt.Errorf("superpeer.min_uptime: must not be negative, got %v", c.MinUptime)
	case c.Bootstrap < 1 || c.Bootstrap > 1000:
		return fmt.Errorf("superpeer.bootstrap: must be between 1 and 1000, got %d", c.Bootstrap)
	case c.HostCache < 1 || c.HostCache > 100000:
		return fmt.Errorf("superpeer.host_cache: must be between 1 and 100000, got %d", c.HostCache)
	case c.ListMax < c.HostCache || c.ListMax > 100000:
		return fmt.Errorf("superpeer.list_max: must be between superpeer.host_cache (%d) and 100000, got %d", c.HostCache, c.ListMax)
	case c.ExchangeSize < 1 || c.ExchangeSize > c.HostCache:
		return fmt.Errorf("superpeer.exchange_size: must be between 1 and superpeer.host_cache (%d), got %d", c.HostCache, c.ExchangeSize)
	case c.ExchangePeriod <= 0:
		return fmt.Errorf("superpeer.exchange_period: must be a positive duration, got %v", c.ExchangePeriod)
	case c.Degree < 1 || c.Degree > 1000:
		return fmt.Errorf("superpeer.degree: must be between 1 and 1000, got %d", c.Degree)
	case c.Timeout <= 0:
		return fmt.Errorf("superpeer.timeout: must be a positive duration, got %v", c.Timeout)
	case c.KeepAlive <= c.Timeout:
		return fmt.Errorf("superpeer.keepalive: must be longer than superpeer.timeout (%v), got %v", c.Timeout, c.KeepAlive)
	case c.ProbeFanout < 1 || c.ProbeFanout > 1000:
		return fmt.Errorf("superpeer.probe_fanout: must be between 1 and 1000, got %d", c.ProbeFanout)
	case c.UDPRTO <= 0:
		return fmt.Errorf("superpeer.udp_rto: must be a positive duration, got %v", c.UDPRTO)
	case c.UDPTries < 1 || c.UDPTries > 20:
		return fmt.Errorf("superpeer.udp_tries: must be between 1 and 20, got %d", c.UDPTries)
	case c.UDPFinal < 1 || c.UDPFinal > 1000:
		return fmt.Errorf("superpeer.udp_final: must be between 1 and 1000, got %d", c.UDPFinal)
	case c.AlternateNodes < 0 || c.AlternateNodes > c.HostCache:
		return fmt.Errorf("superpeer.alternate_nodes: must be between 0 and superpeer.host_cache (%d), got %d", c.HostCache, c.AlternateNodes)
	case c.QueryTimeout <= 0:
		return fmt.Errorf("superpeer.query_timeout: must be a positive duration, got %v", c.QueryTimeout)
	case c.TTL < 0 || c.TTL > 255:
		return fmt.Errorf("superpeer.ttl: must be between 0 and 255, got %d", c.TTL)
	case c.FirstNodes < 1 || c.FirstNodes > MaxRoundNodes:
		return fmt.Errorf("superpeer.first_nodes: must be between 1 and %d, got %d", MaxRoundNodes, c.FirstNodes)
	case c.MoreNodes < 1 || c.MoreNodes > MaxRoundNodes:
		return fmt.Errorf("superpeer.more_nodes: must be between 1 and %d, got %d", MaxRoundNodes, c.MoreNodes)
	case c.RoundTimeout <= 0 || c.RoundTimeout >= c.QueryTimeout:
		return fmt.Errorf("superpeer.round_timeout: must be positive and shorter than superpeer.query_timeout (%v), got %v", c.QueryTimeout, c.RoundTimeout)
	case c.CacheTTL < 0:
		return fmt.Errorf("superpeer.cache_ttl: must not be negative, got %v", c.CacheTTL)
	case c.Exchange != ExchangeSample && c.Exchange != ExchangeLinks:
		return fmt.Errorf("superpeer.exchange: want %q or %q, got %q", ExchangeSample, ExchangeLinks, c.Exchange)
	case c.Relay != RelayNeeded && c.Relay != RelayAnyNAT:
		return fmt.Errorf("superpeer.relay: want %q or %q, got %q", RelayNeeded, RelayAnyNAT, c.Relay)
	case c.SetupTimeout <= 0:
		return fmt.Errorf("superpeer.setup_timeout: must be a positive duration, got %v", c.SetupTimeout)
	case c.RelayTries < 1 || c.RelayTries > 100:
		return fmt.Errorf("superpeer.relay_tries: must be between 1 and 100, got %d", c.RelayTries)
	case c.CallDuration < 0:
		return fmt.Errorf("superpeer.call_duration: must not be negative, got %v", c.CallDuration)
	case !(c.MediaKbps >= 0 && c.MediaKbps <= 1e6):
		return fmt.Errorf("superpeer.media_kbps: must be in [0, 1000000], got %v", c.MediaKbps)
	}
	return nil
}

// TargetChildren is the number of peers a superpeer serves before it
// promotes one: 1/Ratio − 1 (at least 1).
func (c *Config) TargetChildren() int {
	return max(1, int(1/c.Ratio+0.5)-1)
}

// UDPGiveUp is how long the UDP probing lasts before a host falls back to
// TCP: RTO × (2^(UDPTries−1) − 1) + UDPFinal × RTO.
func (c *Config) UDPGiveUp() time.Duration {
	var d time.Duration
	for k := 0; k < c.UDPTries-1; k++ {
		d += c.UDPRTO << k
	}
	return d + time.Duration(c.UDPFinal)*c.UDPRTO
}

// probeWait is how long a host waits after probe round k (from 0).
func (c *Config) probeWait(k int) time.Duration {
	if k >= c.UDPTries-1 {
		return time.Duration(c.UDPFinal) * c.UDPRTO
	}
	return c.UDPRTO << k
}

// MediaBytes is the media a relay carries for one call: both directions
// at MediaKbps for CallDuration.
func (c *Config) MediaBytes() float64 {
	return 2 * c.MediaKbps * 1000 / 8 * c.CallDuration.Seconds()
}
