package kademlia

import (
	"strings"
	"testing"
	"time"

	"peerlab/overlay"
)

// TestMessageSize checks every operation against the size model of
// overlay/size.go, written out by hand: a 36-byte header (which holds the
// request id and the flags), the sender's identifier, then the payload.
func TestMessageSize(t *testing.T) {
	const header, small = 36, 2
	for _, bits := range []int{64, 8, 20, 1} {
		id := (bits + 7) / 8
		ref := id + 4 + 2 // identifier, IPv4 address, UDP port
		base := header + id
		five := make([]Contact, 5)
		cases := []struct {
			name string
			m    Message
			want int
		}{
			{"ping", Message{Op: OpPing}, base},
			{"pong", Message{Op: OpPong}, base},
			{"find_node: target", Message{Op: OpFindNode}, base + id},
			{"find_value: key", Message{Op: OpFindValue}, base + id},
			{"find_node_resp: count, 5 refs", Message{Op: OpFindNodeResp, Contacts: five}, base + small + 5*ref},
			{"find_node_resp: empty", Message{Op: OpFindNodeResp}, base + small},
			{"find_value_resp: count, 5 refs", Message{Op: OpFindValueResp, Contacts: five}, base + small + 5*ref},
			{"find_value_resp found: key, value length", Message{Op: OpFindValueResp, Found: true}, base + id + small},
			{"store: count, key, ttl", Message{Op: OpStore}, base + small + id + small},
			{"store of 7 keys", Message{Op: OpStore, Keys: make([]uint64, 7)}, base + small + 7*(id+small)},
			{"store_resp", Message{Op: OpStoreResp}, base},
		}
		for _, c := range cases {
			c.m.bits = uint8(bits)
			if bits == 64 {
				c.m.bits = 0 // the zero value means 64 bits
			}
			if got := c.m.Size(); got != c.want {
				t.Errorf("%d bits, %s: Size() = %d, want %d", bits, c.name, got, c.want)
			}
		}
	}
	// With 64-bit identifiers and k = 20: a full find_node_resp.
	if got := (Message{Op: OpFindNodeResp, Contacts: make([]Contact, 20)}).Size(); got != 36+8+2+20*14 {
		t.Errorf("full find_node_resp: %d bytes", got)
	}
}

// TestKinds checks the kinds table and Message.Kind.
func TestKinds(t *testing.T) {
	if len(Kinds) != int(numOps)+4 {
		t.Fatalf("%d kinds", len(Kinds))
	}
	for o := Op(0); o < numOps; o++ {
		for _, maint := range []bool{false, true} {
			k := Kinds[Message{Op: o, Maint: maint}.Kind()]
			wantLookup := o.isLookup() && !maint
			if (k.Class == overlay.Lookup) != wantLookup {
				t.Errorf("%s maint=%v: class %v", o, maint, k.Class)
			}
			if !strings.HasSuffix(k.Name, o.String()) || strings.HasPrefix(k.Name, "maint_") != (maint && o.isLookup()) {
				t.Errorf("%s maint=%v: kind %q", o, maint, k.Name)
			}
		}
	}
	seen := map[string]bool{}
	for _, k := range Kinds {
		if seen[k.Name] {
			t.Errorf("duplicate kind %q", k.Name)
		}
		seen[k.Name] = true
	}
}

// TestValidate checks that DefaultConfig is valid and that every bad field
// is reported under its scenario key.
func TestValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	cases := []struct {
		key string
		set func(*Config)
	}{
		{"kademlia.bits", func(c *Config) { c.Bits = 0 }},
		{"kademlia.bits", func(c *Config) { c.Bits = 65 }},
		{"kademlia.k", func(c *Config) { c.K = 0 }},
		{"kademlia.alpha", func(c *Config) { c.Alpha = 0 }},
		{"kademlia.alpha", func(c *Config) { c.K, c.Alpha = 2, 3 }},
		{"kademlia.rpc_timeout", func(c *Config) { c.RPCTimeout = 0 }},
		{"kademlia.refresh", func(c *Config) { c.Refresh = -time.Second }},
		{"kademlia.republish", func(c *Config) { c.Republish = 0 }},
		{"kademlia.expire", func(c *Config) { c.Expire = time.Minute }},
		{"kademlia.replacements", func(c *Config) { c.Replacements = -1 }},
		{"kademlia.ping_after", func(c *Config) { c.PingAfter = -time.Second }},
		{"kademlia.lookup", func(c *Config) { c.Lookup = "recursive" }},
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
