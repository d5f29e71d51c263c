package churn

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"peerlab/engine"
)

func baseModel() Model {
	return Model{
		Session:          Dist{Kind: "exponential", Mean: 30 * time.Minute},
		Downtime:         Dist{Kind: "exponential", Mean: 10 * time.Minute},
		Population:       500,
		GracefulFraction: 0.5,
		Arrival:          "all",
	}
}

func generate(t *testing.T, m Model, d time.Duration, seed uint64) Schedule {
	t.Helper()
	s, err := m.Generate(d, engine.NewStreams(seed))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("generated schedule invalid: %v", err)
	}
	if s.Nodes != m.Population {
		t.Fatalf("%d nodes, want %d", s.Nodes, m.Population)
	}
	if n := len(s.Events); n > 0 && s.Events[n-1].At >= engine.At(d) {
		t.Fatalf("event at %v, after the end %v", s.Events[n-1].At, d)
	}
	return s
}

func TestGenerateDeterministic(t *testing.T) {
	m := baseModel()
	m.Session = Dist{Kind: "pareto", Shape: 2.2, Mean: 30 * time.Minute}
	m.HeterogeneousMeans = &Dist{Kind: "lognormal", Sigma: 1, Mean: 30 * time.Minute}
	m.MassFailure = &MassFailure{At: 3 * time.Hour, Fraction: 0.4}
	m.Arrival, m.ArrivalWindow = "poisson", 20*time.Minute
	a := generate(t, m, 6*time.Hour, 7)
	b := generate(t, m, 6*time.Hour, 7)
	c := generate(t, m, 6*time.Hour, 8)
	if len(a.Events) < 1000 {
		t.Fatalf("only %d events", len(a.Events))
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different schedules")
	}
	if reflect.DeepEqual(a.Events, c.Events) {
		t.Error("different seeds, same schedule")
	}
	// Node 3's draws do not depend on the population size.
	m2 := m
	m2.Population = 50
	m2.Arrival = "all"
	m.Arrival = "all"
	m.MassFailure, m2.MassFailure = nil, nil
	big, small := generate(t, m, 6*time.Hour, 7), generate(t, m2, 6*time.Hour, 7)
	if !reflect.DeepEqual(nodeEvents(big, 3), nodeEvents(small, 3)) {
		t.Error("node 3's events depend on the population")
	}
}

func nodeEvents(s Schedule, n engine.NodeID) []Event {
	var out []Event
	for _, e := range s.Events {
		if e.Node == n {
			out = append(out, e)
		}
	}
	return out
}

// Alternating renewal: in the long run a node is up a fraction
// E[session] / (E[session] + E[downtime]) of the time, whatever the
// distributions.
func TestLiveFraction(t *testing.T) {
	for _, tc := range []struct {
		name              string
		session, downtime Dist
	}{
		{"exponential", Dist{Kind: "exponential", Mean: 30 * time.Minute}, Dist{Kind: "exponential", Mean: 10 * time.Minute}},
		{"weibull/lognormal", Dist{Kind: "weibull", Shape: 0.5, Mean: 20 * time.Minute}, Dist{Kind: "lognormal", Sigma: 1, Mean: 20 * time.Minute}},
		{"pareto/fixed", Dist{Kind: "pareto", Shape: 3, Mean: 10 * time.Minute}, Dist{Kind: "fixed", Mean: 30 * time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := baseModel()
			m.Session, m.Downtime, m.Population = tc.session, tc.downtime, 1000
			const dur = 100 * time.Hour
			s := generate(t, m, dur, 11)
			curve := s.LiveCurve(time.Minute, engine.At(dur-1))
			sum := 0
			warm := 600 // skip the first 10 hours
			for _, v := range curve[warm:] {
				sum += v
			}
			got := float64(sum) / float64(len(curve)-warm) / float64(m.Population)
			S, D := tc.session.Expected().Seconds(), tc.downtime.Expected().Seconds()
			want := S / (S + D)
			t.Logf("live fraction %.4f, want %.4f", got, want)
			if math.Abs(got-want) > 0.03*want {
				t.Errorf("live fraction %.4f, want %.4f ±3%%", got, want)
			}
		})
	}
}

func TestGracefulFraction(t *testing.T) {
	for _, g := range []float64{0, 0.3, 0.75, 1} {
		m := baseModel()
		m.GracefulFraction = g
		s := generate(t, m, 24*time.Hour, 3)
		leaves, crashes := 0, 0
		for _, e := range s.Events {
			switch e.Kind {
			case Leave:
				leaves++
			case Crash:
				crashes++
			}
		}
		got := float64(leaves) / float64(leaves+crashes)
		if math.Abs(got-g) > 0.01 || (g == 0 || g == 1) && got != g {
			t.Errorf("graceful fraction %v: realised %.4f over %d departures", g, got, leaves+crashes)
		}
	}
}

// The same sessions come out whatever GracefulFraction is: only the kinds of
// departures change.
func TestGracefulFractionKeepsTimes(t *testing.T) {
	m := baseModel()
	a := generate(t, m, 5*time.Hour, 3)
	m.GracefulFraction = 0.9
	b := generate(t, m, 5*time.Hour, 3)
	if len(a.Events) != len(b.Events) {
		t.Fatalf("%d vs %d events", len(a.Events), len(b.Events))
	}
	for i := range a.Events {
		if a.Events[i].At != b.Events[i].At || a.Events[i].Node != b.Events[i].Node {
			t.Fatalf("event %d: %+v vs %+v", i, a.Events[i], b.Events[i])
		}
	}
}

func TestMassFailure(t *testing.T) {
	for _, f := range []float64{0, 0.25, 0.5, 1} {
		m := baseModel()
		m.Population = 2000
		at := 5 * time.Hour
		m.MassFailure = &MassFailure{At: at, Fraction: f}
		s := generate(t, m, 10*time.Hour, 5)
		A := engine.At(at)
		before := s.LiveAt(A - 1)
		after := s.LiveAt(A)
		want := before - int(math.Round(f*float64(before)))
		if after != want {
			t.Errorf("fraction %v: %d live just before, %d at the failure, want %d", f, before, after, want)
		}
		victims := map[engine.NodeID]bool{}
		for _, e := range s.Events {
			if e.At == A && e.Kind == Crash {
				victims[e.Node] = true
			}
			if e.At > A && victims[e.Node] {
				t.Fatalf("fraction %v: victim %v has an event at %v", f, e.Node, e.At)
			}
		}
		if len(victims) != before-after {
			t.Errorf("fraction %v: %d crashes at %v, want %d", f, len(victims), at, before-after)
		}
		// Without the failure, the same nodes would have had the same history
		// up to At.
		m.MassFailure = nil
		plain := generate(t, m, 10*time.Hour, 5)
		if plain.LiveAt(A-1) != before {
			t.Errorf("fraction %v: history before the failure changed", f)
		}
		if f == 1 && after != 0 {
			t.Errorf("everyone online failed, yet %d nodes are up at %v", after, at)
		}
	}
}

func firstJoins(s Schedule) []engine.Time {
	out := make([]engine.Time, s.Nodes)
	seen := make([]bool, s.Nodes)
	order := 0
	for _, e := range s.Events {
		if !seen[e.Node] {
			seen[e.Node], out[e.Node] = true, e.At
			if int(e.Node) != order {
				return nil // not in NodeID order
			}
			order++
		}
	}
	return out
}

func TestArrival(t *testing.T) {
	const n, w = 1000, 20 * time.Minute
	for _, arrival := range []string{"all", "", "ramp", "poisson"} {
		m := baseModel()
		m.Session = Dist{Kind: "fixed", Mean: 100 * time.Hour} // nobody leaves
		m.Population, m.Arrival, m.ArrivalWindow = n, arrival, w
		s := generate(t, m, time.Hour, 9)
		fj := firstJoins(s)
		if fj == nil || len(s.Events) != n {
			t.Fatalf("%q: first joins not in NodeID order, or %d events", arrival, len(s.Events))
		}
		switch arrival {
		case "all", "":
			for i, at := range fj {
				if at != 0 {
					t.Fatalf("all: node %d joins at %v", i, at)
				}
			}
		case "ramp":
			for i, at := range fj {
				if want := engine.Time(int64(w) * int64(i) / n); at != want {
					t.Fatalf("ramp: node %d joins at %v, want %v", i, at, want)
				}
			}
		case "poisson":
			gaps := make([]float64, n)
			prev := engine.Time(0)
			for i, at := range fj {
				gaps[i] = at.Sub(prev).Seconds()
				prev = at
			}
			gapMean := (w / n).Seconds()
			if got := mean(gaps); math.Abs(got-gapMean) > 0.1*gapMean {
				t.Errorf("poisson: mean gap %.3f s, want %.3f s", got, gapMean)
			}
			exp := Dist{Kind: "exponential", Mean: w / n}
			if d, lim := KS(gaps, exp.CDF), 1.63/math.Sqrt(n); d > lim {
				t.Errorf("poisson: gaps not exponential (KS %.4f > %.4f)", d, lim)
			}
			if last := fj[n-1]; last < engine.At(w*8/10) || last > engine.At(w*12/10) {
				t.Errorf("poisson: last arrival at %v, want about %v", last, w)
			}
		}
	}
}

// Realised sessions of a long run follow the configured distribution, and
// heterogeneous means spread the nodes' own averages out.
func TestSessionsRealised(t *testing.T) {
	m := baseModel()
	m.Session = Dist{Kind: "weibull", Shape: 0.6, Mean: 20 * time.Minute}
	s := generate(t, m, 200*time.Hour, 13)
	lengths, censored := Sessions(s)
	x := make([]float64, len(lengths))
	for i, l := range lengths {
		x[i] = l.Seconds()
	}
	if censored > m.Population || len(x) < 100_000 {
		t.Fatalf("%d sessions, %d censored", len(x), censored)
	}
	if d, lim := KS(x, m.Session.CDF), 1.95/math.Sqrt(float64(len(x))); d > lim {
		t.Errorf("realised sessions: KS %.4f > %.4f", d, lim)
	}
	if got, want := mean(x), m.Session.Expected().Seconds(); math.Abs(got-want) > 0.03*want {
		t.Errorf("realised session mean %.1f s, want %.1f s", got, want)
	}

	perNodeSpread := func(s Schedule) float64 { // coefficient of variation of the nodes' mean sessions
		sum, cnt := make([]float64, s.Nodes), make([]float64, s.Nodes)
		since := make([]engine.Time, s.Nodes)
		for _, e := range s.Events {
			if e.Kind == Join {
				since[e.Node] = e.At
			} else {
				sum[e.Node] += e.At.Sub(since[e.Node]).Seconds()
				cnt[e.Node]++
			}
		}
		var means []float64
		for i := range sum {
			if cnt[i] > 0 {
				means = append(means, sum[i]/cnt[i])
			}
		}
		mu, v := mean(means), 0.0
		for _, x := range means {
			v += (x - mu) * (x - mu)
		}
		return math.Sqrt(v/float64(len(means))) / mu
	}
	m.Session = Dist{Kind: "exponential", Mean: 20 * time.Minute}
	homo := perNodeSpread(generate(t, m, 100*time.Hour, 13))
	m.HeterogeneousMeans = &Dist{Kind: "lognormal", Sigma: 1, Mean: 20 * time.Minute}
	het := generate(t, m, 100*time.Hour, 13)
	hetero := perNodeSpread(het)
	t.Logf("per-node mean session CV: homogeneous %.3f, heterogeneous %.3f", homo, hetero)
	if homo > 0.2 || hetero < 0.6 {
		t.Errorf("per-node mean session CV: homogeneous %.3f (want < 0.2), heterogeneous %.3f (want > 0.6)", homo, hetero)
	}
}

func TestModelValidate(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Model)
		want string
	}{
		{func(m *Model) { m.Session.Shape = 2 }, "churn.session.shape: not used by exponential"},
		{func(m *Model) { m.Downtime = Dist{Kind: "pareto", Shape: 0.9, Mean: time.Second} }, "churn.downtime.shape: must be > 1"},
		{func(m *Model) { m.HeterogeneousMeans = &Dist{Kind: "weibull", Mean: time.Second} }, "churn.heterogeneous_means.shape: must be > 0, got 0"},
		{func(m *Model) { m.Population = 0 }, "churn.population: must be between 1 and 2147483647, got 0"},
		{func(m *Model) { m.GracefulFraction = 1.5 }, "churn.graceful_fraction: must be in [0, 1], got 1.5"},
		{func(m *Model) { m.GracefulFraction = math.NaN() }, "churn.graceful_fraction: must be in [0, 1], got NaN"},
		{func(m *Model) { m.MassFailure = &MassFailure{At: time.Hour, Fraction: -0.1} }, "churn.mass_failure.fraction: must be in [0, 1], got -0.1"},
		{func(m *Model) { m.MassFailure = &MassFailure{At: -time.Hour} }, "churn.mass_failure.at: must not be negative, got -1h0m0s"},
		{func(m *Model) { m.Arrival = "burst" }, `churn.arrival: want all, ramp or poisson, got "burst"`},
		{func(m *Model) { m.Arrival = "ramp" }, "churn.arrival_window: must be > 0 for ramp arrival, got 0s"},
	} {
		m := baseModel()
		tc.edit(&m)
		_, err := m.Generate(time.Hour, engine.NewStreams(1))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
	m := baseModel()
	m.MassFailure = &MassFailure{At: time.Hour, Fraction: 0.5}
	if _, err := m.Generate(time.Hour, engine.NewStreams(1)); err == nil || !strings.Contains(err.Error(), "churn.mass_failure.at: must be before the end of the run") {
		t.Errorf("mass failure at the end: error %v", err)
	}
	if _, err := baseModel().Generate(0, engine.NewStreams(1)); err == nil {
		t.Error("zero duration accepted")
	}
	if err := baseModel().Validate(); err != nil {
		t.Errorf("base model: %v", err)
	}
}

func BenchmarkGenerate(b *testing.B) {
	m := baseModel()
	m.Population = 10_000
	m.Session = Dist{Kind: "weibull", Shape: 0.5, Mean: 30 * time.Minute}
	b.ReportAllocs()
	var events int
	for b.Loop() {
		s, err := m.Generate(24*time.Hour, engine.NewStreams(1))
		if err != nil {
			b.Fatal(err)
		}
		events = len(s.Events)
	}
	b.ReportMetric(float64(events), "events")
}
