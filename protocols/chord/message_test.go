package chord

import (
	"strings"
	"testing"
	"time"

	"peerlab/overlay"
)

// TestMessageSize checks every operation against the size model of
// overlay/size.go, written out by hand: header 36 bytes; every Chord message
// also carries the sender's identifier and the destination virtual node (a
// small integer); then the payload fields of the operation. The request
// identifier, the flags (done, has-predecessor, maintenance) and the length
// live in the header.
func TestMessageSize(t *testing.T) {
	const header, small = 36, 2
	for _, bits := range []int{64, 8, 20, 1} {
		id := (bits + 7) / 8 // 8, 1, 3, 1
		ref := id + 4 + 2    // identifier, IPv4 address, UDP port
		base := header + id + small
		peers := make([]Peer, 5)
		keys := make([]uint64, 7)
		cases := []struct {
			name string
			m    Message
			want int
		}{
			{"find_req: key", Message{Op: OpFindReq}, base + id},
			{"find_req repeated: key, the peer that did not answer", Message{Op: OpFindReq, Flag: true}, base + id + ref},
			{"get_pred repeated: flag in the header", Message{Op: OpGetPred, Flag: true}, base},
			{"notify as successor hint: flag in the header", Message{Op: OpNotify, Flag: true}, base},
			// A response has room for two node references (the answer, or
			// the two next hops), whether or not both are filled in.
			{"find_resp: two refs", Message{Op: OpFindResp}, base + 2*ref},
			{"find_resp done", Message{Op: OpFindResp, Flag: true}, base + 2*ref},
			{"forward: key, origin ref, hop count", Message{Op: OpForward}, base + id + ref + small},
			{"forward_ack: nothing", Message{Op: OpForwardAck}, base},
			{"result: answer ref, hop count", Message{Op: OpResult}, base + ref + small},
			{"get_pred: nothing", Message{Op: OpGetPred}, base},
			{"get_pred_resp: pred ref, count, list", Message{Op: OpGetPredResp, Peers: peers}, base + ref + small + 5*ref},
			{"get_pred_resp, empty list", Message{Op: OpGetPredResp}, base + ref + small},
			{"notify: nothing", Message{Op: OpNotify}, base},
			{"ping: nothing", Message{Op: OpPing}, base},
			{"pong: nothing", Message{Op: OpPong}, base},
			{"transfer: count, keys", Message{Op: OpTransfer, Keys: keys}, base + small + 7*id},
			{"leave_to_succ: pred ref, count, keys", Message{Op: OpLeaveToSucc, Keys: keys}, base + ref + small + 7*id},
			{"leave_to_pred: count, list", Message{Op: OpLeaveToPred, Peers: peers}, base + small + 5*ref},
			{"pred_changed: nothing", Message{Op: OpPredChanged}, base},
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
	// The constants the hand-written numbers above stand for.
	if overlay.HeaderBytes != 36 || overlay.SmallIntBytes != 2 || overlay.NodeRefBytes(64) != 14 || overlay.IDBytes(20) != 3 {
		t.Fatalf("overlay size model changed: header %d, small int %d, ref(64) %d, id(20) %d",
			overlay.HeaderBytes, overlay.SmallIntBytes, overlay.NodeRefBytes(64), overlay.IDBytes(20))
	}
}

// TestMessagesCarryWidth checks that the messages a host builds carry its
// identifier width, so that Size charges 1-byte identifiers on an 8-bit ring.
func TestMessagesCarryWidth(t *testing.T) {
	cfg := testConfig(8)
	h, env := node(cfg, 100, 50, 150)
	h.Fire(env, Timer{Kind: TimerStabilize})
	m := only(t, env.take(), OpGetPred).m
	if got, want := m.Size(), 36+1+2; got != want {
		t.Errorf("8-bit get_pred Size() = %d, want %d", got, want)
	}
}

func TestKinds(t *testing.T) {
	if len(Kinds) != int(numOps)+5 {
		t.Fatalf("len(Kinds) = %d, want %d", len(Kinds), numOps+5)
	}
	for o := Op(0); o < numOps; o++ {
		m := Message{Op: o}
		k := Kinds[m.Kind()]
		if k.Name != opNames[o] {
			t.Errorf("op %d: kind name %q, want %q", o, k.Name, opNames[o])
		}
		if want := o <= OpResult; (k.Class == overlay.Lookup) != want {
			t.Errorf("%s: class %v", k.Name, k.Class)
		}
		m.Maint = true
		mk := Kinds[m.Kind()]
		if o <= OpResult {
			if mk.Name != "maint_"+opNames[o] || mk.Class != overlay.Maintenance {
				t.Errorf("maintenance %s: kind %+v", opNames[o], mk)
			}
		} else if mk != k {
			t.Errorf("%s with Maint set: kind %+v, want %+v", opNames[o], mk, k)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
	cases := []struct {
		key string
		mod func(*Config)
	}{
		{"bits", func(c *Config) { c.Bits = 0 }},
		{"bits", func(c *Config) { c.Bits = 65 }},
		{"successors", func(c *Config) { c.Successors = 0 }},
		{"successors", func(c *Config) { c.Successors = 65 }},
		{"virtual_nodes", func(c *Config) { c.VirtualNodes = 0 }},
		{"virtual_nodes", func(c *Config) { c.VirtualNodes = 1025 }},
		{"lookup", func(c *Config) { c.Lookup = "" }},
		{"lookup", func(c *Config) { c.Lookup = "Iterative" }},
		{"stabilize", func(c *Config) { c.Stabilize = 0 }},
		{"stabilize", func(c *Config) { c.Stabilize = -time.Second }},
		{"fix_fingers", func(c *Config) { c.FixFingers = 0 }},
		{"check_predecessor", func(c *Config) { c.CheckPredecessor = -1 }},
		{"rpc_timeout", func(c *Config) { c.RPCTimeout = 0 }},
		{"lookup_timeout", func(c *Config) { c.LookupTimeout = c.RPCTimeout - 1 }},
		{"ids", func(c *Config) { c.IDs = "md5" }},
	}
	for _, c := range cases {
		cfg := DefaultConfig()
		c.mod(&cfg)
		err := cfg.Validate()
		if err == nil {
			t.Errorf("chord.%s: bad value accepted", c.key)
			continue
		}
		if !strings.HasPrefix(err.Error(), "chord."+c.key+": ") {
			t.Errorf("chord.%s: error %q does not start with %q", c.key, err, "chord."+c.key+": ")
		}
	}
	// Boundary values that are fine.
	for _, mod := range []func(*Config){
		func(c *Config) { c.Bits = 1 },
		func(c *Config) { c.Successors, c.VirtualNodes = 64, 1024 },
		func(c *Config) { c.Lookup = Recursive },
		func(c *Config) { c.LookupTimeout = c.RPCTimeout },
		func(c *Config) { c.IDs = "sha1" },
	} {
		cfg := DefaultConfig()
		mod(&cfg)
		if err := cfg.Validate(); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}
