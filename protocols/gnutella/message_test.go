package gnutella

import (
	"strings"
	"testing"
	"time"

	"peerlab/overlay"
)

// TestMessageSize checks every operation against the size model of
// overlay/size.go, written out by hand: a 36-byte header; routed messages
// add a 16-byte descriptor identifier and TTL/hops (2); keys are 8 bytes,
// addresses 6.
func TestMessageSize(t *testing.T) {
	const header, guid, small, key, addr = 36, 16, 2, 8, 6
	routed := header + guid + small
	cases := []struct {
		op   Op
		want int
	}{
		{OpQuery, routed + key},
		{OpQueryHit, routed + key + addr},
		{OpWalk, routed + key + addr},
		{OpCheck, header + guid},
		{OpCheckResp, header + guid + small},
		{OpPing, routed},
		{OpPong, routed + addr},
		{OpConnect, header},
		{OpAccept, header + small + addr},
		{OpBye, header + small},
	}
	if len(cases) != int(NumOps) {
		t.Fatalf("%d cases for %d operations", len(cases), NumOps)
	}
	for _, c := range cases {
		if got := (Message{Op: c.op, TTL: 3, Hops: 9, QID: 1, Key: 2}).Size(); got != c.want {
			t.Errorf("%s: Size() = %d, want %d", c.op, got, c.want)
		}
	}
	if GUIDBytes != overlay.IDBytes(128) {
		t.Errorf("GUIDBytes %d, want overlay.IDBytes(128) = %d", GUIDBytes, overlay.IDBytes(128))
	}
}

// TestKinds: one kind per operation, named as the operation; the query
// operations in the lookup class, the others maintenance.
func TestKinds(t *testing.T) {
	if len(Kinds) != int(NumOps) {
		t.Fatalf("%d kinds for %d operations", len(Kinds), NumOps)
	}
	lookup := map[Op]bool{OpQuery: true, OpQueryHit: true, OpWalk: true, OpCheck: true, OpCheckResp: true}
	for o := range NumOps {
		k := Kinds[Message{Op: o}.Kind()]
		want := overlay.Maintenance
		if lookup[o] {
			want = overlay.Lookup
		}
		if k.Name != o.String() || k.Class != want || o.IsQuery() != lookup[o] {
			t.Errorf("%s: kind %+v", o, k)
		}
	}
	if Op(200).String() != "op?" {
		t.Errorf("unknown op named %q", Op(200).String())
	}
}

// TestConfigValidate: the defaults pass; each bad field is named by its
// scenario key.
func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	cases := []struct {
		key string
		set func(c *Config)
	}{
		{"gnutella.strategy", func(c *Config) { c.Strategy = "gossip" }},
		{"gnutella.ttl", func(c *Config) { c.TTL = 0 }},
		{"gnutella.ttl", func(c *Config) { c.TTL = 256 }},
		{"gnutella.ring_max_ttl", func(c *Config) { c.RingMaxTTL = 0 }},
		{"gnutella.ring_wait", func(c *Config) { c.RingWait = 0 }},
		{"gnutella.walkers", func(c *Config) { c.Walkers = 0 }},
		{"gnutella.check_every", func(c *Config) { c.CheckEvery = -1 }},
		{"gnutella.max_walk", func(c *Config) { c.MaxWalk = 0 }},
		{"gnutella.query_timeout", func(c *Config) { c.QueryTimeout = -time.Second }},
		{"gnutella.target_degree", func(c *Config) { c.TargetDegree = 0 }},
		{"gnutella.max_degree", func(c *Config) { c.MaxDegree = c.TargetDegree - 1 }},
		{"gnutella.ping_period", func(c *Config) { c.PingPeriod = 0 }},
		{"gnutella.ping_ttl", func(c *Config) { c.PingTTL = 0 }},
		{"gnutella.rpc_timeout", func(c *Config) { c.RPCTimeout = 0 }},
		{"gnutella.rpc_timeout", func(c *Config) { c.RPCTimeout = c.PingPeriod }},
		{"gnutella.host_cache", func(c *Config) { c.HostCache = 0 }},
	}
	for _, c := range cases {
		cfg := DefaultConfig()
		c.set(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), c.key+":") {
			t.Errorf("want an error naming %s, got %v", c.key, err)
		}
	}
}
