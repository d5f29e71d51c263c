package superpeer

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultConfigValid(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := c.UDPGiveUp(); got != 39500*time.Millisecond {
		t.Errorf("UDP given up after %v with RFC 5389's defaults, want 39.5s", got)
	}
	if got := c.TargetChildren(); got != 49 {
		t.Errorf("target peers per superpeer %d at ratio 0.02, want 49", got)
	}
	if got := c.MediaBytes(); got != 2*4000*180 {
		t.Errorf("media per call %v bytes, want 1.44 MB (2 x 32 kbit/s x 3 min)", got)
	}
}

// TestProbeWaits: the probe rounds follow RFC 5389's schedule: sends at 0,
// RTO, 3 RTO, 7 RTO, ..., then Rm x RTO after the last.
func TestProbeWaits(t *testing.T) {
	c := DefaultConfig()
	var at time.Duration
	var sends []time.Duration
	for k := range c.UDPTries {
		sends = append(sends, at)
		at += c.probeWait(k)
	}
	want := []time.Duration{0, 500, 1500, 3500, 7500, 15500, 31500}
	for i := range want {
		if sends[i] != want[i]*time.Millisecond {
			t.Fatalf("probe rounds at %v, want %v ms", sends, want)
		}
	}
	if at != c.UDPGiveUp() {
		t.Errorf("rounds end at %v, UDPGiveUp says %v", at, c.UDPGiveUp())
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		key string
		mod func(*Config)
	}{
		{"superpeer.mode", func(c *Config) { c.Mode = "gnutella" }},
		{"superpeer.ratio", func(c *Config) { c.Ratio = 0 }},
		{"superpeer.ratio", func(c *Config) { c.Ratio = 0.6 }},
		{"superpeer.capacity_min", func(c *Config) { c.CapacityMin = 0 }},
		{"superpeer.capacity_shape", func(c *Config) { c.CapacityShape = -1 }},
		{"superpeer.min_capacity", func(c *Config) { c.MinCapacity = -1 }},
		{"superpeer.min_uptime", func(c *Config) { c.MinUptime = -time.Second }},
		{"superpeer.bootstrap", func(c *Config) { c.Bootstrap = 0 }},
		{"superpeer.host_cache", func(c *Config) { c.HostCache = 0 }},
		{"superpeer.list_max", func(c *Config) { c.ListMax = 100 }},
		{"superpeer.exchange_size", func(c *Config) { c.ExchangeSize = 201 }},
		{"superpeer.exchange", func(c *Config) { c.Exchange = "gossip" }},
		{"superpeer.exchange_period", func(c *Config) { c.ExchangePeriod = 0 }},
		{"superpeer.degree", func(c *Config) { c.Degree = 0 }},
		{"superpeer.timeout", func(c *Config) { c.Timeout = 0 }},
		{"superpeer.keepalive", func(c *Config) { c.KeepAlive = 5 * time.Second }},
		{"superpeer.probe_fanout", func(c *Config) { c.ProbeFanout = 0 }},
		{"superpeer.udp_rto", func(c *Config) { c.UDPRTO = 0 }},
		{"superpeer.udp_tries", func(c *Config) { c.UDPTries = 0 }},
		{"superpeer.udp_final", func(c *Config) { c.UDPFinal = 0 }},
		{"superpeer.alternate_nodes", func(c *Config) { c.AlternateNodes = 201 }},
		{"superpeer.query_timeout", func(c *Config) { c.QueryTimeout = 0 }},
		{"superpeer.ttl", func(c *Config) { c.TTL = 256 }},
		{"superpeer.first_nodes", func(c *Config) { c.FirstNodes = 9 }},
		{"superpeer.more_nodes", func(c *Config) { c.MoreNodes = 0 }},
		{"superpeer.round_timeout", func(c *Config) { c.RoundTimeout = time.Minute }},
		{"superpeer.cache_ttl", func(c *Config) { c.CacheTTL = -time.Second }},
		{"superpeer.relay", func(c *Config) { c.Relay = "always" }},
		{"superpeer.setup_timeout", func(c *Config) { c.SetupTimeout = 0 }},
		{"superpeer.relay_tries", func(c *Config) { c.RelayTries = 0 }},
		{"superpeer.call_duration", func(c *Config) { c.CallDuration = -time.Second }},
		{"superpeer.media_kbps", func(c *Config) { c.MediaKbps = -1 }},
	} {
		c := DefaultConfig()
		tc.mod(&c)
		err := c.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tc.key+":") {
			t.Errorf("%s: got error %v, want one naming the key", tc.key, err)
		}
	}
}
