package results

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// Files a superpeer run (protocol: superpeer) adds to its directory.
const (
	LoginsFile        = "logins.csv"
	ReconnectsFile    = "reconnects.csv"
	CallsFile         = "calls.csv"
	SuperpeersFile    = "superpeers.csv"
	SuperpeerLoadFile = "superpeer_load.csv"
	RoleTrafficFile   = "role_traffic.csv"
)

// superpeerFiles lists them in the order Write writes them.
var superpeerFiles = []string{LoginsFile, ReconnectsFile, CallsFile, SuperpeersFile, SuperpeerLoadFile, RoleTrafficFile}

var (
	loginsHeader        = []string{"time_s", "host", "class", "login_s", "method"}
	reconnectsHeader    = []string{"time_s", "host", "class", "superpeer", "cause", "reconnect_s"}
	callsHeader         = []string{"time_s", "caller", "callee", "caller_class", "callee_class", "planned", "outcome", "setup_ms", "relay", "attempts"}
	superpeersHeader    = []string{"time_s", "live_hosts", "logged_in", "superpeers"}
	superpeerLoadHeader = []string{"host", "class", "role", "capacity_kbps", "peers", "links", "index", "queries", "relayed"}
	roleTrafficHeader   = []string{"role", "class", "host_s", "bytes"}
)

// Login methods (logins.csv).
const (
	LoginUDP = "udp" // attached to the first superpeer that answered a UDP probe
	LoginTCP = "tcp" // UDP given up (or Napster: straight to the server), attached over TCP
)

// Reconnection causes (reconnects.csv).
const (
	CauseLeave   = "leave"   // the superpeer said goodbye
	CauseCrash   = "crash"   // a keep-alive went unanswered
	CauseRefused = "refused" // the superpeer no longer knew the peer
)

// Call set-up methods and outcomes (calls.csv).
const (
	PlanDirect    = "direct"
	PlanHolePunch = "hole_punch"
	PlanRelay     = "relay"

	CallDirect      = "direct"
	CallHolePunched = "hole_punched"
	CallRelayed     = "relayed"
	CallFailed      = "failed"
)

// Host roles (superpeer_load.csv, role_traffic.csv).
const (
	RolePeer      = "peer"
	RoleSuperpeer = "superpeer"
	RoleServer    = "server"
	RoleDown      = "down" // superpeer_load.csv: the host was down at the end
)

// LoginRow is one line of logins.csv: one host's login in one session.
type LoginRow struct {
	TimeS  float64 // when the host came up: the login's start (STUN step included)
	Host   int
	Class  string  // connectivity class, as in the scenario ("port_restricted")
	LoginS float64 // from coming up to being logged in, in seconds
	Method string  // LoginUDP or LoginTCP
}

// ReconnectRow is one line of reconnects.csv: a peer that lost its
// superpeer (or the Napster server) and attached to another.
type ReconnectRow struct {
	TimeS      float64 // the superpeer's departure; when it was still up, the moment the peer gave up on it
	Host       int     // the peer
	Class      string
	Superpeer  int     // the superpeer lost
	Cause      string  // CauseLeave, CauseCrash or CauseRefused
	ReconnectS float64 // from TimeS to the new attachment, in seconds
}

// CallRow is one line of calls.csv: one session set-up (a call after a
// Skype search, a download after a Napster or KaZaA search).
type CallRow struct {
	TimeS                    float64 // set-up start (the search's end)
	Caller, Callee           int
	CallerClass, CalleeClass string  // the classes the two advertised
	Planned                  string  // first method tried: PlanDirect, PlanHolePunch or PlanRelay
	Outcome                  string  // CallDirect, CallHolePunched, CallRelayed or CallFailed
	SetupMs                  float64 // to the session being up, or to giving up
	Relay                    int     // the relay that carried it; -1 when none
	Attempts                 int     // direct, hole punch and each relay tried
}

// SuperpeerSample is one line of superpeers.csv: the overlay at one
// sample time (every output.sample_interval).
type SuperpeerSample struct {
	TimeS      float64
	LiveHosts  int // hosts up
	LoggedIn   int // hosts up and logged in (the server and superpeers included)
	Superpeers int // hosts up in the superpeer role (not the server)
}

// SuperpeerLoadRow is one line of superpeer_load.csv: one host that was a
// superpeer or the server at the end, or that served search requests or
// relayed sessions after the warm-up.
type SuperpeerLoadRow struct {
	Host         int
	Class        string
	Role         string  // at the end: RoleServer, RoleSuperpeer, RolePeer or RoleDown
	CapacityKbps float64 // upstream capacity
	Peers        int     // peers attached at the end
	Links        int     // superpeers linked at the end
	Index        int     // objects indexed at the end (Napster, KaZaA)
	Queries      int     // search requests served after the warm-up
	Relayed      int     // sessions relayed after the warm-up
}

// RoleTrafficRow is one line of role_traffic.csv: what hosts of one role
// and class sent and received after the warm-up.
type RoleTrafficRow struct {
	Role  string  // RolePeer, RoleSuperpeer or RoleServer
	Class string  // connectivity class
	HostS float64 // host-seconds spent up in the role
	Bytes int64   // bytes sent and received in the role
}

// Superpeer holds the tables of a superpeer run. Write writes them, and
// the figures drawn from them, only when Run.Superpeer is not nil.
type Superpeer struct {
	Logins      []LoginRow
	Reconnects  []ReconnectRow
	Calls       []CallRow
	Samples     []SuperpeerSample
	Load        []SuperpeerLoadRow
	RoleTraffic []RoleTrafficRow
}

func oneOf(s string, valid ...string) bool {
	for _, v := range valid {
		if s == v {
			return true
		}
	}
	return false
}

func quoteAll(valid ...string) string {
	q := make([]string, len(valid))
	for i, v := range valid {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

var (
	loginMethods = []string{LoginUDP, LoginTCP}
	causes       = []string{CauseLeave, CauseCrash, CauseRefused}
	plans        = []string{PlanDirect, PlanHolePunch, PlanRelay}
	callOutcomes = []string{CallDirect, CallHolePunched, CallRelayed, CallFailed}
	loadRoles    = []string{RoleServer, RoleSuperpeer, RolePeer, RoleDown}
	trafficRoles = []string{RolePeer, RoleSuperpeer, RoleServer}
)

// superpeerWriters returns the files of s with their writers, in order.
func superpeerWriters(s *Superpeer) []struct {
	name string
	fill func(io.Writer) error
} {
	return []struct {
		name string
		fill func(io.Writer) error
	}{
		{LoginsFile, func(w io.Writer) error { return writeLogins(w, s.Logins) }},
		{ReconnectsFile, func(w io.Writer) error { return writeReconnects(w, s.Reconnects) }},
		{CallsFile, func(w io.Writer) error { return writeCalls(w, s.Calls) }},
		{SuperpeersFile, func(w io.Writer) error { return writeSuperpeerSamples(w, s.Samples) }},
		{SuperpeerLoadFile, func(w io.Writer) error { return writeSuperpeerLoad(w, s.Load) }},
		{RoleTrafficFile, func(w io.Writer) error { return writeRoleTraffic(w, s.RoleTraffic) }},
	}
}

func writeLogins(w io.Writer, rows []LoginRow) error {
	return writeTable(w, loginsHeader, len(rows), func(i int) ([]string, error) {
		l := rows[i]
		if !oneOf(l.Method, loginMethods...) {
			return nil, fmt.Errorf("row %d: method %q: want one of %s", i, l.Method, quoteAll(loginMethods...))
		}
		return []string{fmtShortest(l.TimeS), strconv.Itoa(l.Host), l.Class, fmtShortest(l.LoginS), l.Method}, nil
	})
}

func writeReconnects(w io.Writer, rows []ReconnectRow) error {
	return writeTable(w, reconnectsHeader, len(rows), func(i int) ([]string, error) {
		r := rows[i]
		if !oneOf(r.Cause, causes...) {
			return nil, fmt.Errorf("row %d: cause %q: want one of %s", i, r.Cause, quoteAll(causes...))
		}
		return []string{fmtShortest(r.TimeS), strconv.Itoa(r.Host), r.Class, strconv.Itoa(r.Superpeer), r.Cause, fmtShortest(r.ReconnectS)}, nil
	})
}

func writeCalls(w io.Writer, rows []CallRow) error {
	return writeTable(w, callsHeader, len(rows), func(i int) ([]string, error) {
		c := rows[i]
		if !oneOf(c.Planned, plans...) {
			return nil, fmt.Errorf("row %d: planned %q: want one of %s", i, c.Planned, quoteAll(plans...))
		}
		if !oneOf(c.Outcome, callOutcomes...) {
			return nil, fmt.Errorf("row %d: outcome %q: want one of %s", i, c.Outcome, quoteAll(callOutcomes...))
		}
		return []string{
			fmtShortest(c.TimeS), strconv.Itoa(c.Caller), strconv.Itoa(c.Callee), c.CallerClass, c.CalleeClass,
			c.Planned, c.Outcome, fmtShortest(c.SetupMs), strconv.Itoa(c.Relay), strconv.Itoa(c.Attempts),
		}, nil
	})
}

func writeSuperpeerSamples(w io.Writer, rows []SuperpeerSample) error {
	return writeTable(w, superpeersHeader, len(rows), func(i int) ([]string, error) {
		s := rows[i]
		return []string{fmtFixed3(s.TimeS), strconv.Itoa(s.LiveHosts), strconv.Itoa(s.LoggedIn), strconv.Itoa(s.Superpeers)}, nil
	})
}

func writeSuperpeerLoad(w io.Writer, rows []SuperpeerLoadRow) error {
	return writeTable(w, superpeerLoadHeader, len(rows), func(i int) ([]string, error) {
		l := rows[i]
		if !oneOf(l.Role, loadRoles...) {
			return nil, fmt.Errorf("row %d: role %q: want one of %s", i, l.Role, quoteAll(loadRoles...))
		}
		return []string{
			strconv.Itoa(l.Host), l.Class, l.Role, fmtShortest(l.CapacityKbps),
			strconv.Itoa(l.Peers), strconv.Itoa(l.Links), strconv.Itoa(l.Index), strconv.Itoa(l.Queries), strconv.Itoa(l.Relayed),
		}, nil
	})
}

func writeRoleTraffic(w io.Writer, rows []RoleTrafficRow) error {
	return writeTable(w, roleTrafficHeader, len(rows), func(i int) ([]string, error) {
		t := rows[i]
		if !oneOf(t.Role, trafficRoles...) {
			return nil, fmt.Errorf("row %d: role %q: want one of %s", i, t.Role, quoteAll(trafficRoles...))
		}
		return []string{t.Role, t.Class, fmtShortest(t.HostS), strconv.FormatInt(t.Bytes, 10)}, nil
	})
}

// readSuperpeer reads the superpeer tables of dir, or returns nil when dir
// has none (another protocol's run). A directory with some of them must
// have all.
func readSuperpeer(dir string) (*Superpeer, error) {
	found := false
	for _, f := range superpeerFiles {
		if fileExists(filepath.Join(dir, f)) {
			found = true
		}
	}
	if !found {
		return nil, nil
	}
	s := &Superpeer{}
	var err error
	if s.Logins, err = readLogins(filepath.Join(dir, LoginsFile)); err != nil {
		return nil, err
	}
	if s.Reconnects, err = readReconnects(filepath.Join(dir, ReconnectsFile)); err != nil {
		return nil, err
	}
	if s.Calls, err = readCalls(filepath.Join(dir, CallsFile)); err != nil {
		return nil, err
	}
	if s.Samples, err = readSuperpeerSamples(filepath.Join(dir, SuperpeersFile)); err != nil {
		return nil, err
	}
	if s.Load, err = readSuperpeerLoad(filepath.Join(dir, SuperpeerLoadFile)); err != nil {
		return nil, err
	}
	if s.RoleTraffic, err = readRoleTraffic(filepath.Join(dir, RoleTrafficFile)); err != nil {
		return nil, err
	}
	return s, nil
}

// choice returns field i, failing unless it is one of valid.
func (p *rowParser) choice(i int, valid ...string) string {
	s := p.rec[i]
	if !oneOf(s, valid...) {
		p.fail(i, "one of "+quoteAll(valid...))
	}
	return s
}

func readLogins(path string) ([]LoginRow, error) {
	var rows []LoginRow
	err := readTable(path, loginsHeader, func(p *rowParser) {
		rows = append(rows, LoginRow{
			TimeS: p.float(0), Host: p.int(1), Class: p.str(2), LoginS: p.float(3), Method: p.choice(4, loginMethods...),
		})
	})
	return rows, err
}

func readReconnects(path string) ([]ReconnectRow, error) {
	var rows []ReconnectRow
	err := readTable(path, reconnectsHeader, func(p *rowParser) {
		rows = append(rows, ReconnectRow{
			TimeS: p.float(0), Host: p.int(1), Class: p.str(2), Superpeer: p.int(3), Cause: p.choice(4, causes...), ReconnectS: p.float(5),
		})
	})
	return rows, err
}

func readCalls(path string) ([]CallRow, error) {
	var rows []CallRow
	err := readTable(path, callsHeader, func(p *rowParser) {
		rows = append(rows, CallRow{
			TimeS: p.float(0), Caller: p.int(1), Callee: p.int(2), CallerClass: p.str(3), CalleeClass: p.str(4),
			Planned: p.choice(5, plans...), Outcome: p.choice(6, callOutcomes...), SetupMs: p.float(7),
			Relay: p.int(8), Attempts: p.int(9),
		})
	})
	return rows, err
}

func readSuperpeerSamples(path string) ([]SuperpeerSample, error) {
	var rows []SuperpeerSample
	err := readTable(path, superpeersHeader, func(p *rowParser) {
		rows = append(rows, SuperpeerSample{TimeS: p.float(0), LiveHosts: p.int(1), LoggedIn: p.int(2), Superpeers: p.int(3)})
	})
	return rows, err
}

func readSuperpeerLoad(path string) ([]SuperpeerLoadRow, error) {
	var rows []SuperpeerLoadRow
	err := readTable(path, superpeerLoadHeader, func(p *rowParser) {
		rows = append(rows, SuperpeerLoadRow{
			Host: p.int(0), Class: p.str(1), Role: p.choice(2, loadRoles...), CapacityKbps: p.float(3),
			Peers: p.int(4), Links: p.int(5), Index: p.int(6), Queries: p.int(7), Relayed: p.int(8),
		})
	})
	return rows, err
}

func readRoleTraffic(path string) ([]RoleTrafficRow, error) {
	var rows []RoleTrafficRow
	err := readTable(path, roleTrafficHeader, func(p *rowParser) {
		rows = append(rows, RoleTrafficRow{Role: p.choice(0, trafficRoles...), Class: p.str(1), HostS: p.float(2), Bytes: p.int64(3)})
	})
	return rows, err
}
