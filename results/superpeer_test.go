package results

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// fakeSuperpeerRun is fakeRun with superpeer tables: logins taking a few
// round trips, the STUN timeouts or the whole UDP schedule by class,
// reconnections after leaves and crashes, calls between every pair of
// classes, superpeers over time, their load and the traffic of each role;
// its manifest has the configuration the superpeer figures read.
func fakeSuperpeerRun() *Run {
	r := fakeRun(200, 60, 60)
	rng := rand.New(rand.NewPCG(3, 4))
	s := &Superpeer{}
	classes := classOrder
	for i := 0; i < 400; i++ {
		c := classes[rng.IntN(len(classes))]
		l := LoginRow{TimeS: float64(rng.IntN(3600000)) / 1000, Host: rng.IntN(60), Class: c, Method: LoginUDP}
		switch c {
		case "public", "full_cone":
			l.LoginS = 0.3 + 0.4*rng.Float64()
		case "udp_blocked":
			l.LoginS, l.Method = 41.5+10*rng.ExpFloat64(), LoginTCP
		default:
			l.LoginS = 4.3 + 0.5*rng.Float64()
		}
		s.Logins = append(s.Logins, l)
	}
	for i := 0; i < 150; i++ {
		rc := ReconnectRow{TimeS: float64(rng.IntN(3600000)) / 1000, Host: rng.IntN(60), Class: classes[rng.IntN(len(classes))], Superpeer: rng.IntN(8)}
		switch u := rng.Float64(); {
		case u < 0.5:
			rc.Cause, rc.ReconnectS = CauseLeave, 0.1+0.3*rng.Float64()
		case u < 0.95:
			rc.Cause, rc.ReconnectS = CauseCrash, 5+60*rng.Float64()
		default:
			rc.Cause, rc.ReconnectS = CauseRefused, 0.2
		}
		s.Reconnects = append(s.Reconnects, rc)
	}
	for i := 0; i < 600; i++ {
		c := CallRow{
			TimeS: float64(rng.IntN(3600000)) / 1000, Caller: rng.IntN(60), Callee: rng.IntN(60),
			CallerClass: classes[rng.IntN(len(classes))], CalleeClass: classes[rng.IntN(len(classes))],
			Planned: PlanDirect, Outcome: CallDirect, SetupMs: 80 + 40*rng.Float64(), Relay: -1, Attempts: 1,
		}
		switch {
		case rng.Float64() < 0.05:
			c.Outcome, c.SetupMs, c.Attempts = CallFailed, 15000, 4
		case c.CallerClass == "symmetric" && c.CalleeClass != "public":
			c.Planned, c.Outcome, c.Relay = PlanRelay, CallRelayed, rng.IntN(8)
		case c.CalleeClass != "public" && c.CalleeClass != "full_cone":
			c.Planned, c.Outcome = PlanHolePunch, CallHolePunched
		}
		s.Calls = append(s.Calls, c)
	}
	for i := 1; i <= 60; i++ {
		live := min(i*20, 500)
		s.Samples = append(s.Samples, SuperpeerSample{TimeS: float64(i * 60), LiveHosts: live, LoggedIn: live - rng.IntN(5), Superpeers: 7 + live/40})
	}
	s.Load = append(s.Load, SuperpeerLoadRow{Host: 0, Class: "public", Role: RoleServer, CapacityKbps: 300, Peers: 0})
	for h := 1; h < 20; h++ {
		row := SuperpeerLoadRow{Host: h, Class: "public", Role: RoleSuperpeer, CapacityKbps: 1000 + 10*float64(h),
			Peers: rng.IntN(70), Links: 6 + rng.IntN(6), Index: rng.IntN(400), Queries: rng.IntN(2000), Relayed: rng.IntN(20)}
		if h > 15 {
			row.Role, row.Peers, row.Links, row.Index = RoleDown, 0, 0, 0
		}
		s.Load = append(s.Load, row)
	}
	for _, role := range trafficRoles {
		for _, c := range classes {
			if role != RolePeer && c != "public" {
				continue
			}
			s.RoleTraffic = append(s.RoleTraffic, RoleTrafficRow{Role: role, Class: c, HostS: 1000 + 1e5*rng.Float64(), Bytes: int64(rng.IntN(1e8))})
		}
	}
	r.Superpeer = s
	r.Manifest = map[string]any{"config": map[string]any{
		"warmup": "20m0s", "duration": "1h0m0s", "superpeer": map[string]any{"ratio": 0.02},
	}}
	return r
}

// superpeerFigureNames are the figures of a superpeer run.
var superpeerFigureNames = []string{"login_cdf", "reconnect_cdf", "superpeers_over_time", "superpeer_load", "call_setup_pairs", "role_traffic"}

func TestSuperpeerRoundTrip(t *testing.T) {
	want := fakeSuperpeerRun()
	dir := filepath.Join(t.TempDir(), "run")
	if err := Write(dir, want); err != nil {
		t.Fatal(err)
	}
	for _, f := range superpeerFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Superpeer == nil {
		t.Fatal("Read: no superpeer tables")
	}
	g, w := got.Superpeer, want.Superpeer
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{LoginsFile, g.Logins, w.Logins}, {ReconnectsFile, g.Reconnects, w.Reconnects}, {CallsFile, g.Calls, w.Calls},
		{SuperpeersFile, g.Samples, w.Samples}, {SuperpeerLoadFile, g.Load, w.Load}, {RoleTrafficFile, g.RoleTraffic, w.RoleTraffic},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s differs after the round trip", c.name)
		}
	}
	// The other tables are untouched by the superpeer ones.
	if !reflect.DeepEqual(got.Lookups, want.Lookups) || !reflect.DeepEqual(got.Nodes, want.Nodes) {
		t.Error("lookups or nodes differ after the round trip")
	}
}

// TestSuperpeerEmptyTables: a superpeer run with nothing to report still
// has its six tables (headers only), reads back as a superpeer run, and
// draws every superpeer figure titled "no data".
func TestSuperpeerEmptyTables(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r := &Run{Superpeer: &Superpeer{}}
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Superpeer == nil {
		t.Fatal("empty superpeer tables read back as no superpeer run")
	}
	noData := map[string]bool{}
	for _, f := range figures {
		noData[f.name] = true
	}
	checkPlots(t, dir, r, noData)
}

// TestSuperpeerFilesOnlyForSuperpeerRuns: a run without superpeer tables
// gets none of their files or figures, and reads back without them.
func TestSuperpeerFilesOnlyForSuperpeerRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := Write(dir, fakeRun(50, 10, 5)); err != nil {
		t.Fatal(err)
	}
	names := superpeerFiles
	for _, f := range superpeerFigureNames {
		names = append(names, f+".png", f+".svg")
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s written for a run without superpeer tables", n)
		}
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Superpeer != nil {
		t.Error("a run without superpeer tables read back with some")
	}
}

func TestSuperpeerPlots(t *testing.T) {
	napster := fakeSuperpeerRun() // no superpeers, no reconnections
	napster.Superpeer.Reconnects = nil
	for i := range napster.Superpeer.Samples {
		napster.Superpeer.Samples[i].Superpeers = 0
	}
	var load []SuperpeerLoadRow
	for _, l := range napster.Superpeer.Load {
		if l.Role != RoleSuperpeer {
			load = append(load, l)
		}
	}
	napster.Superpeer.Load = load
	noWarmup := fakeSuperpeerRun()
	noWarmup.Manifest = nil
	for _, c := range []struct {
		name   string
		run    *Run
		noData map[string]bool
	}{
		{"full", fakeSuperpeerRun(), nil},
		{"without a manifest", noWarmup, nil},
		{"napster-like", napster, map[string]bool{"reconnect_cdf": true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "plots")
			if err := Plot(dir, c.run); err != nil {
				t.Fatal(err)
			}
			checkPlots(t, dir, c.run, c.noData)
			for _, f := range superpeerFigureNames {
				if fi, err := os.Stat(filepath.Join(dir, f+".png")); err != nil || fi.Size() < 10000 {
					t.Errorf("%s.png: %v (want a drawn figure)", f, err)
				}
			}
		})
	}
}

// TestSuperpeerPlotFromDir: the superpeer figures redrawn from the tables
// are the figures first drawn.
func TestSuperpeerPlotFromDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := Write(dir, fakeSuperpeerRun()); err != nil {
		t.Fatal(err)
	}
	orig := map[string][]byte{}
	for _, f := range superpeerFigureNames {
		for _, ext := range []string{".png", ".svg"} {
			p := filepath.Join(dir, f+ext)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			orig[p] = data
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := PlotFromDir(dir); err != nil {
		t.Fatal(err)
	}
	for p, want := range orig {
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s redrawn from the tables differs from the original", filepath.Base(p))
		}
	}
}

func TestSuperpeerWriteDeterministic(t *testing.T) {
	base := t.TempDir()
	a, b := filepath.Join(base, "a"), filepath.Join(base, "b")
	if err := Write(a, fakeSuperpeerRun()); err != nil {
		t.Fatal(err)
	}
	if err := Write(b, fakeSuperpeerRun()); err != nil {
		t.Fatal(err)
	}
	names := dirNames(t, a)
	if want := allFiles(fakeSuperpeerRun()); !reflect.DeepEqual(names, want) {
		t.Fatalf("files: got %v, want %v", names, want)
	}
	for _, n := range names {
		x, _ := os.ReadFile(filepath.Join(a, n))
		y, _ := os.ReadFile(filepath.Join(b, n))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two writes of the same run", n)
		}
	}
}

func TestSuperpeerReadErrors(t *testing.T) {
	const (
		loginsHead = "time_s,host,class,login_s,method\n"
		callsHead  = "time_s,caller,callee,caller_class,callee_class,planned,outcome,setup_ms,relay,attempts\n"
	)
	for _, c := range []struct {
		name, file, content string // content "" with remove: the file is deleted
		remove              bool
		want                []string
	}{
		{"bad method", LoginsFile, loginsHead + "1,2,public,0.5,udp\n3,4,public,0.5,quic\n", false,
			[]string{"logins.csv:3:", `column "method"`, `"udp", "tcp"`, `got "quic"`}},
		{"bad login time", LoginsFile, loginsHead + "1,2,public,slow,udp\n", false,
			[]string{"logins.csv:2:", `column "login_s"`, "want a number"}},
		{"bad cause", ReconnectsFile, "time_s,host,class,superpeer,cause,reconnect_s\n1,2,public,3,gone,4\n", false,
			[]string{"reconnects.csv:2:", `column "cause"`, `"leave", "crash", "refused"`}},
		{"bad outcome", CallsFile, callsHead + "1,2,3,public,public,direct,ok,80,-1,1\n", false,
			[]string{"calls.csv:2:", `column "outcome"`, `"direct", "hole_punched", "relayed", "failed"`}},
		{"bad planned", CallsFile, callsHead + "1,2,3,public,public,punch,direct,80,-1,1\n", false,
			[]string{"calls.csv:2:", `column "planned"`, `"direct", "hole_punch", "relay"`}},
		{"bad relay", CallsFile, callsHead + "1,2,3,public,public,direct,direct,80,none,1\n", false,
			[]string{"calls.csv:2:", `column "relay"`, "want an integer"}},
		{"short sample", SuperpeersFile, "time_s,live_hosts,logged_in,superpeers\n60.000,10,9\n", false,
			[]string{"superpeers.csv:2:", "want 4 fields, got 3"}},
		{"bad role", SuperpeerLoadFile, "host,class,role,capacity_kbps,peers,links,index,queries,relayed\n1,public,boss,1,2,3,4,5,6\n", false,
			[]string{"superpeer_load.csv:2:", `column "role"`, `"server", "superpeer", "peer", "down"`}},
		{"down is no traffic role", RoleTrafficFile, "role,class,host_s,bytes\ndown,public,1,2\n", false,
			[]string{"role_traffic.csv:2:", `column "role"`}},
		{"wrong header", RoleTrafficFile, "role,class,seconds,bytes\n", false,
			[]string{"role_traffic.csv:1:", "header"}},
		{"one table missing", CallsFile, "", true,
			[]string{"calls.csv"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			r := fakeSuperpeerRun()
			r.SkipPlots = true
			if err := Write(dir, r); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, c.file)
			var err error
			if c.remove {
				err = os.Remove(p)
			} else {
				err = os.WriteFile(p, []byte(c.content), 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := Read(dir)
			if err == nil {
				t.Fatalf("Read succeeded: %+v", got.Superpeer)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestSuperpeerWriteRejectsBadRows: a row with a value outside its column's
// vocabulary is an error naming the file, and leaves no directory.
func TestSuperpeerWriteRejectsBadRows(t *testing.T) {
	for _, c := range []struct {
		name  string
		spoil func(s *Superpeer)
		want  string
	}{
		{"method", func(s *Superpeer) { s.Logins[3].Method = "carrier pigeon" }, LoginsFile},
		{"cause", func(s *Superpeer) { s.Reconnects[0].Cause = "" }, ReconnectsFile},
		{"outcome", func(s *Superpeer) { s.Calls[1].Outcome = "hole punch" }, CallsFile},
		{"role", func(s *Superpeer) { s.RoleTraffic[0].Role = RoleDown }, RoleTrafficFile},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := fakeSuperpeerRun()
			c.spoil(r.Superpeer)
			dir := filepath.Join(t.TempDir(), "run")
			err := Write(dir, r)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Write: %v, want an error naming %s", err, c.want)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Error("a failed Write left the directory behind")
			}
		})
	}
}

// TestPlaceLegend: the legend goes to the first corner clear of the data,
// else along an edge, else into a band above the data.
func TestPlaceLegend(t *testing.T) {
	line := func(pts ...float64) plotter.XYs {
		var xy plotter.XYs
		for i := 0; i+1 < len(pts); i += 2 {
			xy = append(xy, plotter.XY{X: pts[i], Y: pts[i+1]})
		}
		return xy
	}
	for _, c := range []struct {
		name      string
		series    []plotter.XYs
		top, left bool
		grown     bool
	}{
		{"rising diagonal: top left is clear", []plotter.XYs{line(0, 0, 1, 1)}, true, true, false},
		{"across the top: bottom right", []plotter.XYs{line(0, 0.97, 1, 0.97), line(0, 0.03, 0.5, 0.03)}, false, false, false},
		{"falling diagonal: top right", []plotter.XYs{line(0, 1, 1, 0)}, true, false, false},
		{"everywhere: a band on top", []plotter.XYs{line(0, 0.02, 1, 0.02), line(0, 0.98, 1, 0.98), line(0.5, 0, 0.5, 1),
			line(0.03, 0, 0.03, 1), line(0.97, 0, 0.97, 1), line(0.25, 0, 0.25, 1), line(0.75, 0, 0.75, 1)}, true, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPlot("title", "x", "y")
			for _, s := range []string{"first series", "second series", "third series"} {
				l, _ := plotter.NewLine(line(0, 0, 1, 1))
				p.Legend.Add(s, l)
			}
			p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
			placeLegend(p, c.series, true)
			if p.Legend.Top != c.top || p.Legend.Left != c.left || (p.Y.Max > 1) != c.grown {
				t.Errorf("legend top=%v left=%v, y max %v; want top=%v left=%v, grown %v", p.Legend.Top, p.Legend.Left, p.Y.Max, c.top, c.left, c.grown)
			}
		})
	}
}

func TestLog125Ticks(t *testing.T) {
	labels := func(ts plot.ConstantTicks) []string {
		var out []string
		for _, tk := range ts {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	if got, want := labels(log125Ticks(0.3, 90, 3.5)), []string{"0.5", "1", "2", "5", "10", "20", "50"}; !reflect.DeepEqual(got, want) {
		t.Errorf("0.3..90: labels %v, want %v", got, want)
	}
	if got, want := labels(log125Ticks(0.02, 90, 3.5)), []string{"0.1", "1", "10"}; !reflect.DeepEqual(got, want) {
		t.Errorf("0.02..90: labels %v, want %v", got, want)
	}
	for _, tk := range log125Ticks(0.3, 90, 3.5) {
		if tk.Value < 0.3 || tk.Value > 90 || math.IsNaN(tk.Value) {
			t.Errorf("tick %v outside the range", tk.Value)
		}
	}
}
