package underlay

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"peerlab/engine"
)

// punch plays out a session set-up between host 0 (class a) and host 1
// (class b), both with fresh mappings: 0 sends to 1 (an unsolicited first
// message), then 1 to 0, then each once more, as a rendezvous would have
// them do. It returns whether the first message passed and whether the two
// last ones did.
func punch(a, b Class) (first, after bool) {
	n := NewNATClasses([]Class{a, b}, 2*time.Minute)
	t := engine.At(time.Second)
	n.Open(0, 0) // both ran the classification step
	n.Open(1, 0)
	first = n.Send(0, 1, t)
	n.Send(1, 0, t+1)
	after = n.Send(0, 1, t+2)
	after = n.Send(1, 0, t+3) && after
	return first, after
}

// TestConnectTableAgreesWithFiltering checks the README's table rule by
// rule against the message filter: a Direct pair's first message passes; a
// HolePunch pair's first message does not, but once both have sent to each
// other both directions pass; a Relay pair never gets both directions.
func TestConnectTableAgreesWithFiltering(t *testing.T) {
	want := map[[2]Class]Method{}
	// The expected table, written out by hand (caller row, callee column).
	rows := []struct {
		a    Class
		cols [NumClasses]Method
	}{ //            public  full    restr.     port-r.    symm.      udp-bl.
		{Public, [NumClasses]Method{Direct, Direct, HolePunch, HolePunch, HolePunch, HolePunch}},
		{FullCone, [NumClasses]Method{Direct, Direct, HolePunch, HolePunch, HolePunch, Relay}},
		{RestrictedCone, [NumClasses]Method{Direct, Direct, HolePunch, HolePunch, HolePunch, Relay}},
		{PortRestricted, [NumClasses]Method{Direct, Direct, HolePunch, HolePunch, Relay, Relay}},
		{Symmetric, [NumClasses]Method{Direct, Direct, HolePunch, Relay, Relay, Relay}},
		{UDPBlocked, [NumClasses]Method{Direct, Relay, Relay, Relay, Relay, Relay}},
	}
	for _, r := range rows {
		for b, m := range r.cols {
			want[[2]Class{r.a, Class(b)}] = m
		}
	}
	for a := Class(0); a < NumClasses; a++ {
		for b := Class(0); b < NumClasses; b++ {
			m := Connect(a, b)
			if m != want[[2]Class{a, b}] {
				t.Errorf("Connect(%v, %v) = %v, want %v", a, b, m, want[[2]Class{a, b}])
			}
			first, after := punch(a, b)
			switch m {
			case Direct:
				if !first || !after {
					t.Errorf("%v -> %v is direct, but the first message passed: %v, the exchange after: %v", a, b, first, after)
				}
			case HolePunch:
				if first || !after {
					t.Errorf("%v -> %v needs hole punching, but the first message passed: %v, the exchange after: %v", a, b, first, after)
				}
			case Relay:
				if first || after {
					t.Errorf("%v -> %v needs a relay, but the first message passed: %v, the exchange after: %v", a, b, first, after)
				}
			}
		}
	}
}

// TestNATRules checks single rules: mappings expire, a full-cone host is
// reachable only while its mapping lives, replies to a request pass, and
// drops are counted.
func TestNATRules(t *testing.T) {
	const timeout = 2 * time.Minute
	at := func(d time.Duration) engine.Time { return engine.At(d) }
	n := NewNATClasses([]Class{Public, FullCone, PortRestricted, Symmetric, UDPBlocked}, timeout)
	cases := []struct {
		name     string
		from, to engine.NodeID
		when     time.Duration
		want     bool
	}{
		{"full cone without a mapping", 0, 1, 0, false},
		{"port-restricted, unsolicited", 0, 2, 0, false},
		{"NATed host to public", 2, 0, time.Second, true},
		{"public replies to the port-restricted host", 0, 2, 2 * time.Second, true},
		{"the permission has expired", 0, 2, time.Second + timeout, false},
		{"full cone after sending", 1, 0, 10 * time.Minute, true},
		{"full cone reachable by anyone meanwhile", 2, 1, 11 * time.Minute, true},
		{"full cone mapping expired", 0, 1, 10*time.Minute + timeout + time.Second, false},
		{"symmetric to public", 3, 0, 20 * time.Minute, true},
		{"public replies to symmetric", 0, 3, 20*time.Minute + time.Second, true},
		{"port-restricted to symmetric, port learned from a third party", 2, 3, 20*time.Minute + 2*time.Second, false},
		{"UDP-blocked to public (TCP)", 4, 0, 30 * time.Minute, true},
		{"public answers over that connection", 0, 4, 30*time.Minute + time.Second, true},
		{"UDP-blocked to a NATed host", 4, 2, 30*time.Minute + 2*time.Second, false},
	}
	drops := uint64(0)
	for _, c := range cases {
		if got := n.Send(c.from, c.to, at(c.when)); got != c.want {
			t.Errorf("%s: %d -> %d at %v passed %v, want %v", c.name, c.from, c.to, c.when, got, c.want)
		}
		if !c.want {
			drops++
		}
	}
	if n.Dropped != drops {
		t.Errorf("Dropped = %d, want %d", n.Dropped, drops)
	}
}

func TestNewNATShares(t *testing.T) {
	cfg := DefaultNATConfig()
	cfg.Public, cfg.FullCone, cfg.PortRestricted, cfg.Symmetric = 0.5, 0.1, 0.3, 0.1
	n := NewNAT(cfg, 1001, rand.New(rand.NewPCG(1, 2)))
	got := n.Counts()
	want := [NumClasses]int{501, 100, 0, 300, 100, 0} // largest remainder: 500.5 -> 501
	if got != want {
		t.Errorf("class counts %v, want %v", got, want)
	}
	// The classes are shuffled over the hosts, not laid out in order.
	if n.Class(0) == n.Class(1) && n.Class(1) == n.Class(2) && n.Class(2) == n.Class(3) && n.Class(3) == n.Class(4) {
		t.Errorf("the first five hosts are all %v: not shuffled", n.Class(0))
	}
}

func TestNATConfigValidate(t *testing.T) {
	for _, c := range []struct {
		f    func(*NATConfig)
		want string
	}{
		{func(c *NATConfig) { c.Public = 0.5 }, "add up to 1"},
		{func(c *NATConfig) { c.Public, c.Symmetric = 1.5, -0.5 }, "underlay.nat.public"},
		{func(c *NATConfig) { c.MappingTimeout = 0 }, "underlay.nat.mapping_timeout"},
		{func(c *NATConfig) { c.STUNTimeout = -1 }, "underlay.nat.stun_timeout"},
	} {
		cfg := DefaultNATConfig()
		c.f(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error with %q", cfg, err, c.want)
		}
	}
	if err := DefaultNATConfig().Validate(); err != nil || DefaultNATConfig().Enabled() {
		t.Errorf("default: %v, enabled %v; want valid and disabled", err, DefaultNATConfig().Enabled())
	}
}

func TestClassify(t *testing.T) {
	rtt, timeout := 100*time.Millisecond, 2*time.Second
	for _, c := range []struct {
		class Class
		want  time.Duration
	}{
		{Public, 200 * time.Millisecond},
		{FullCone, 200 * time.Millisecond},
		{Symmetric, 2200 * time.Millisecond},
		{RestrictedCone, 2300 * time.Millisecond},
		{PortRestricted, 4200 * time.Millisecond},
		{UDPBlocked, 2 * time.Second},
	} {
		s := Classify(c.class)
		if got := s.Duration(rtt, timeout); got != c.want || s.Requests != s.Responses+s.Timeouts {
			t.Errorf("%v: %+v takes %v, want %v, and every request answered or timed out", c.class, s, got, c.want)
		}
	}
}
