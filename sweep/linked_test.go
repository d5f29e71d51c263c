package sweep

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// natSpec is the shape of scenarios/superpeer-nat-sweep.yaml: a NATed share
// x with public = 1 - x linked to it, times a cartesian factor.
func natSpec(reps int) Spec {
	return Spec{
		Parameters: []Parameter{
			{Key: "underlay.nat.symmetric", Values: []any{0, 0.2, 0.4, 0.6, 0.8},
				With: []Linked{{Key: "underlay.nat.public", Linear: &Range{From: 1, To: 0.2, Steps: 5}}}},
			{Key: "superpeer.relay", Values: []any{"needed", "any_nat"}},
		},
		Repetitions: reps,
	}
}

func natKnown(k string) error {
	switch {
	case strings.HasPrefix(k, "underlay.nat."), strings.HasPrefix(k, "superpeer."), k == "nodes", k == "protocol":
		return nil
	}
	return fmt.Errorf("unknown key %q", k)
}

func TestLinkedExpand(t *testing.T) {
	tests := []struct {
		name string
		l    Linked
		want []any
		log  bool
	}{
		{"values may repeat", Linked{Values: []any{0, 0, 0.5}}, []any{int64(0), int64(0), 0.5}, false},
		{"linear descending reals", Linked{Linear: &Range{From: 1, To: 0.2, Steps: 5}}, []any{1.0, 0.8, 0.6, 0.4, 0.2}, false},
		{"log", Linked{Log: &Range{From: 1, To: 100, Steps: 3}}, []any{int64(1), int64(10), int64(100)}, true},
		{"rounding may repeat", Linked{Linear: &Range{From: 1, To: 2, Steps: 3}}, []any{int64(1), int64(2), int64(2)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.l.Expand()
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
			if tt.l.IsLog() != tt.log {
				t.Errorf("IsLog = %v, want %v", tt.l.IsLog(), tt.log)
			}
		})
	}
}

// TestValidateLinked: every bad linked parameter is rejected, and the
// message names the parameter (index and key) and the linked key.
func TestValidateLinked(t *testing.T) {
	x := func(with ...Linked) Parameter {
		return Parameter{Key: "underlay.nat.symmetric", Values: []any{0, 0.5, 1}, With: with}
	}
	pub := func(vs ...any) Linked { return Linked{Key: "underlay.nat.public", Values: vs} }
	relay := Parameter{Key: "superpeer.relay", Values: []any{"needed", "any_nat"}}
	tests := []struct {
		name   string
		params []Parameter
		want   []string // substrings of the error; none: valid
	}{
		{"valid", []Parameter{x(pub(1, 0.5, 0)), relay}, nil},
		{"valid, values repeat", []Parameter{relay, x(pub(1, 0.5, 0), Linked{Key: "underlay.nat.full_cone", Values: []any{0, 0, 0}})}, nil},
		{"valid, range", []Parameter{x(Linked{Key: "underlay.nat.public", Linear: &Range{From: 1, To: 0, Steps: 3}})}, nil},
		{"too few values", []Parameter{relay, x(pub(1, 0.5))},
			[]string{"sweep.parameters[1] (underlay.nat.symmetric): with[0] (underlay.nat.public): 2 values, want 3", "underlay.nat.symmetric, which has 3"}},
		{"too many values", []Parameter{x(pub(1, 0.5, 0.2, 0))},
			[]string{"sweep.parameters[0] (underlay.nat.symmetric): with[0] (underlay.nat.public): 4 values, want 3"}},
		{"range of another length", []Parameter{x(Linked{Key: "underlay.nat.public", Linear: &Range{From: 1, To: 0, Steps: 5}})},
			[]string{"sweep.parameters[0] (underlay.nat.symmetric): with[0] (underlay.nat.public): 5 values, want 3"}},
		{"unknown linked key", []Parameter{x(pub(1, 0.5, 0), Linked{Key: "underlay.natt.public", Values: []any{1, 2, 3}})},
			[]string{"sweep.parameters[0] (underlay.nat.symmetric): with[1] (underlay.natt.public): unknown key"}},
		{"linked key twice", []Parameter{x(pub(1, 0.5, 0), pub(1, 0.5, 0))},
			[]string{"sweep.parameters[0] (underlay.nat.symmetric): with[1] (underlay.nat.public): key: already varied by sweep.parameters[0].with[0]"}},
		{"linked to itself", []Parameter{x(Linked{Key: "underlay.nat.symmetric", Values: []any{1, 2, 3}})},
			[]string{"sweep.parameters[0] (underlay.nat.symmetric): with[0] (underlay.nat.symmetric): key: already varied by the parameter itself"}},
		{"linked key swept on its own, after", []Parameter{x(pub(1, 0.5, 0)), {Key: "underlay.nat.public", Values: []any{1}}},
			[]string{"sweep.parameters[1] (underlay.nat.public): key: already varied by sweep.parameters[0].with[0] (linked to underlay.nat.symmetric)"}},
		{"linked key swept on its own, before", []Parameter{{Key: "underlay.nat.public", Values: []any{1}}, x(pub(1, 0.5, 0))},
			[]string{"sweep.parameters[1] (underlay.nat.symmetric): with[0] (underlay.nat.public): key: already varied by sweep.parameters[0]"}},
		{"linked to two parameters", []Parameter{x(pub(1, 0.5, 0)), {Key: "nodes", Values: []any{1, 2, 3}, With: []Linked{pub(1, 0.5, 0)}}},
			[]string{"sweep.parameters[1] (nodes): with[0] (underlay.nat.public): key: already varied by sweep.parameters[0].with[0]"}},
		{"linked seed", []Parameter{x(Linked{Key: "seed", Values: []any{1, 2, 3}})},
			[]string{"sweep.parameters[0] (underlay.nat.symmetric): with[0] (seed): key: seed cannot be swept"}},
		{"linked key missing", []Parameter{x(Linked{Values: []any{1, 2, 3}})},
			[]string{"sweep.parameters[0] (underlay.nat.symmetric): with[0]: key: must name"}},
		{"linked values missing", []Parameter{x(Linked{Key: "underlay.nat.public"})},
			[]string{"sweep.parameters[0] (underlay.nat.symmetric): with[0] (underlay.nat.public): want one of values, linear or log"}},
		{"linked values empty", []Parameter{x(Linked{Key: "underlay.nat.public", Values: []any{}})},
			[]string{"with[0] (underlay.nat.public): values: empty list"}},
		{"linked null value", []Parameter{x(pub(1, nil, 0))},
			[]string{"with[0] (underlay.nat.public): values[1]", "null"}},
		{"linked bad range", []Parameter{x(Linked{Key: "underlay.nat.public", Log: &Range{From: 0, To: 1, Steps: 3}})},
			[]string{"with[0] (underlay.nat.public): log: from and to must be positive"}},
		{"empty with", []Parameter{x([]Linked{}...)}, []string{"sweep.parameters[0] (underlay.nat.symmetric): with: empty list"}},
		{"parameter values still distinct", []Parameter{{Key: "underlay.nat.symmetric", Values: []any{0, 0}, With: []Linked{pub(1, 0.5)}}},
			[]string{"sweep.parameters[0] (underlay.nat.symmetric): values: 0 appears at positions 0 and 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Spec{Parameters: tt.params, Repetitions: 1}.Validate(natKnown)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// The empty-with case needs a non-nil empty list: x() with no
	// arguments gives nil, which is no with at all.
	if err := (Spec{Parameters: []Parameter{x()}, Repetitions: 1}).Validate(natKnown); err != nil {
		t.Errorf("a parameter without with: %v", err)
	}
	// NewPlan rejects them too (without the key check).
	if _, err := NewPlan(Spec{Parameters: []Parameter{x(pub(1, 0))}, Repetitions: 1}, 1, ""); err == nil ||
		!strings.Contains(err.Error(), "with[0] (underlay.nat.public): 2 values, want 3") {
		t.Errorf("NewPlan: %v", err)
	}
}

// TestPlanLinked: a linked key is a column of its own that moves with its
// parameter: the plan has the product of the parameters' lengths as
// configurations, not of every key's.
func TestPlanLinked(t *testing.T) {
	p := mustPlan(t, natSpec(3), 1, "nat")
	if p.Configs() != 10 || p.Len() != 30 {
		t.Fatalf("Configs %d Len %d, want 10 and 30", p.Configs(), p.Len())
	}
	if got := strings.Join(p.Keys(), " "); got != "underlay.nat.symmetric underlay.nat.public superpeer.relay" {
		t.Errorf("Keys: %s", got)
	}
	for k, want := range []string{"", "underlay.nat.symmetric", ""} {
		if got := p.LinkedTo(k); got != want {
			t.Errorf("LinkedTo(%d) = %q, want %q", k, got, want)
		}
	}
	wantLabels := []string{}
	for _, x := range []string{"0", "0.2", "0.4", "0.6", "0.8"} {
		for _, relay := range []string{"needed", "any_nat"} {
			pub := map[string]string{"0": "1", "0.2": "0.8", "0.4": "0.6", "0.6": "0.4", "0.8": "0.2"}[x]
			wantLabels = append(wantLabels, fmt.Sprintf("underlay.nat.symmetric=%s, underlay.nat.public=%s, superpeer.relay=%s", x, pub, relay))
		}
	}
	seeds := map[uint64]bool{}
	for i := 0; i < p.Len(); i++ {
		r := p.Run(i)
		if r.Config != i/3 || r.Repetition != i%3 || p.Index(r.Config, r.Repetition) != i {
			t.Errorf("run %d: config %d repetition %d", i, r.Config, r.Repetition)
		}
		if r.Label() != wantLabels[r.Config] {
			t.Errorf("run %d: %s, want %s", i, r.Label(), wantLabels[r.Config])
		}
		// The shares add up to 1 in every run.
		x, _ := numeric(r.Params[0].Value)
		pub, _ := numeric(r.Params[1].Value)
		if d := x + pub - 1; d > 1e-12 || d < -1e-12 {
			t.Errorf("run %d: symmetric %v + public %v = %v", i, x, pub, x+pub)
		}
		// The seed covers every key, linked ones included.
		if r.Seed != RunSeed(1, r.Params, r.Repetition) {
			t.Errorf("run %d: seed %d is not RunSeed of its assignments", i, r.Seed)
		}
		seeds[r.Seed] = true
	}
	if len(seeds) != p.Len() {
		t.Errorf("%d distinct seeds for %d runs", len(seeds), p.Len())
	}
	// The linked key enters the seed: the same runs without it, or with
	// other linked values, get other seeds.
	bare := natSpec(3)
	bare.Parameters[0].With = nil
	b := mustPlan(t, bare, 1, "nat")
	other := natSpec(3)
	other.Parameters[0].With[0].Linear = &Range{From: 0.9, To: 0.1, Steps: 5}
	o := mustPlan(t, other, 1, "nat")
	for i := 0; i < p.Len(); i++ {
		if b.Run(i).Seed == p.Run(i).Seed || o.Run(i).Seed == p.Run(i).Seed {
			t.Errorf("run %d: the linked key does not change the seed", i)
		}
		if b.Run(i).Config != p.Run(i).Config {
			t.Errorf("run %d: configuration numbering differs without the linked key", i)
		}
	}

	var list bytes.Buffer
	if err := p.WriteTable(&list, Shard{Index: 1, Count: 4}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(list.String()), "\n")
	if f := strings.Join(strings.Fields(lines[0]), " "); f != "index rep seed underlay.nat.symmetric underlay.nat.public superpeer.relay" {
		t.Errorf("-list header %q", lines[0])
	}
	r := p.Run(21) // shard 1/4: runs 1, 5, 9, 13, 17, 21, 25, 29
	if f := strings.Join(strings.Fields(lines[6]), " "); f != fmt.Sprintf("21 0 %d 0.6 0.4 any_nat", r.Seed) {
		t.Errorf("-list line for run 21: %q", lines[6])
	}
	if len(lines) != 9 {
		t.Errorf("shard 1/4 lists %d runs, want 8", len(lines)-1)
	}
}

// TestSeedsOfCartesianSweepsUnchanged pins seeds and config hashes of
// sweeps without linked keys (the shapes of scenarios/pvc.yaml and
// scenarios/sweep-size.yaml, base seed 1) to the values the code computed
// before linked parameters existed: adding them must not move a run or
// change its seed, or every finished sweep would be redone.
func TestSeedsOfCartesianSweepsUnchanged(t *testing.T) {
	type golden struct {
		index int
		seed  uint64
		label string
		hash  string
	}
	tests := []struct {
		name string
		spec Spec
		want []golden
	}{
		{"pvc", Spec{Repetitions: 1, Parameters: []Parameter{
			{Key: "protocol", Values: []any{"chord", "kademlia"}},
			{Key: "chord.stabilize", Values: []any{"5s", "20s", "80s"}},
			{Key: "kademlia.k", Values: []any{4, 8, 20}},
		}}, []golden{
			{0, 17094287616108523728, "protocol=chord, chord.stabilize=5s, kademlia.k=4", "ff58c22948ffdbd40671d835b9e3ceb99a194cbce4beea39d71bc5be097bcadb"},
			{1, 11284245722614003427, "protocol=chord, chord.stabilize=5s, kademlia.k=8", "11ce76fe13e3f16a5da3f156e510c4d178af01760e657d96cc43c49ac0573147"},
			{7, 12275724719490625550, "protocol=chord, chord.stabilize=80s, kademlia.k=8", "264532d9e28bad45bb17571e6d9ead155704dff5a6302d13a9c2edfee8e14c03"},
			{17, 8693472796929657620, "protocol=kademlia, chord.stabilize=80s, kademlia.k=20", "b572e2edaaf2b5218d29ec99655e316976a4652039f66e800b8d851e49c07488"},
		}},
		{"sweep-size", Spec{Repetitions: 3, Parameters: []Parameter{
			{Key: "protocol", Values: []any{"chord", "kademlia"}},
			{Key: "nodes", Log: &Range{From: 64, To: 16384, Steps: 9}},
		}}, []golden{
			{0, 7327002138980115303, "protocol=chord, nodes=64", "2eaaa18c973451b1b395c8861afcde33535a756c2f72055aa58ca1db003dd7d8"},
			{1, 5051466170289629664, "protocol=chord, nodes=64", "70a1fbf049b16eb2f9b0ca03840f7978da79051863e72b5ab322987d64bfe16c"},
			{7, 16365515243004287921, "protocol=chord, nodes=256", "eae5a5e47f3de59d1d84e8ca5aee1905f962c7d61a3bea0830ccfc4516fce056"},
			{53, 18309150464336570797, "protocol=kademlia, nodes=16384", "7e7777189c5346f8985622600dc7e71e6c0921a7523b0c828949f569d691c36b"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlan(t, tt.spec, 1, "golden")
			if last := tt.want[len(tt.want)-1].index; p.Len() != last+1 {
				t.Errorf("Len %d, want %d", p.Len(), last+1)
			}
			for _, w := range tt.want {
				r := p.Run(w.index)
				if r.Seed != w.seed || r.Label() != w.label || r.ConfigHash != w.hash {
					t.Errorf("run %d: seed %d %q %s, want %d %q %s", w.index, r.Seed, r.Label(), r.ConfigHash, w.seed, w.label, w.hash)
				}
			}
		})
	}
}

// linkedSim writes a summary whose relayed fraction is x^2 for
// relay=needed and 2x - x^2 otherwise, plus 0.001 per repetition, and
// whose nat.public is the public share the run was given.
func linkedSim(r RunSpec, dir string) error {
	x := param(r, "underlay.nat.symmetric", -1)
	pub := param(r, "underlay.nat.public", -1)
	v := x * x
	if paramText(r, "superpeer.relay") == "any_nat" {
		v = 2*x - x*x
	}
	v += 0.001 * float64(r.Repetition)
	body := fmt.Sprintf(`{"superpeer": {"calls": {"relayed_fraction": %v}}, "nat": {"public": %v}}`, v, pub)
	return os.WriteFile(filepath.Join(dir, SummaryFile), []byte(body), 0o644)
}

// TestLinkedSweepEndToEnd executes, aggregates and plots a linked sweep:
// aggregate.csv has the linked key as a column, figures are drawn against
// the parameter only, with one line per value of the other factor.
func TestLinkedSweepEndToEnd(t *testing.T) {
	spec := natSpec(2)
	spec.Metrics = []string{"superpeer.calls.relayed_fraction", "nat.public"}
	plan := mustPlan(t, spec, 1, "nat")
	dir := t.TempDir()
	if _, err := Execute(context.Background(), plan, Options{Dir: dir, Jobs: 2, RunOne: linkedSim}); err != nil {
		t.Fatal(err)
	}
	d, err := ReadDone(RunDir(dir, 7))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Params) != 3 || d.Params[1].Key != "underlay.nat.public" || fmt.Sprint(d.Params[1].Value) != "0.8" {
		t.Errorf("done.json of run 7: %+v", d.Params)
	}
	rows, err := Aggregate(dir, plan, AggregateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, AggregateFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "underlay.nat.symmetric,underlay.nat.public,superpeer.relay,metric,n,mean,std,ci95_low,ci95_high" {
		t.Errorf("aggregate.csv header %s", got)
	}
	if len(recs) != 1+10*2 {
		t.Errorf("aggregate.csv has %d rows, want 20", len(recs)-1)
	}
	for _, rec := range recs[1:] {
		// the run saw the linked value its row names
		if rec[3] == "nat.public" && rec[5] != rec[1] {
			t.Errorf("row %v: the runs saw public=%s", rec, rec[5])
		}
	}
	want := map[string]string{"0.6,0.4,needed": "0.3605", "0.6,0.4,any_nat": "0.8405"} // mean over reps 0 and 1
	for _, rec := range recs[1:] {
		if w, ok := want[strings.Join(rec[:3], ",")]; ok && rec[3] == "superpeer.calls.relayed_fraction" && rec[5] != w {
			t.Errorf("row %v: mean %s, want %s", rec, rec[5], w)
		}
	}

	written, err := PlotAll(dir, plan, rows)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range written {
		names = append(names, filepath.Base(p))
		checkPNG(t, p)
	}
	sort.Strings(names)
	wantNames := []string{"nat.public-vs-underlay.nat.symmetric.png", "superpeer.calls.relayed_fraction-vs-underlay.nat.symmetric.png"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("wrote %v, want %v (no figure against the linked key)", names, wantNames)
	}

	// Two lines of five points each: the linked key does not split them.
	sel, err := selectRows(plan, rows, "superpeer.calls.relayed_fraction", nil)
	if err != nil {
		t.Fatal(err)
	}
	ser, err := groupRows(plan, sel, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ser) != 2 || ser[0].label != "superpeer.relay=needed" || len(ser[0].rows) != 5 || len(ser[1].rows) != 5 {
		t.Errorf("series %+v", ser)
	}
	// Drawn against the linked key, the parameter moves along too; the
	// axis label names the keys that move with x.
	mp := MetricPlot{Metric: "superpeer.calls.relayed_fraction", X: "underlay.nat.symmetric"}
	pl, err := buildMetricPlot(plan, rows, mp)
	if err != nil {
		t.Fatal(err)
	}
	if pl.X.Label.Text != "underlay.nat.symmetric (with underlay.nat.public)" {
		t.Errorf("x label %q", pl.X.Label.Text)
	}
	mp.X = "underlay.nat.public"
	if pl, err = buildMetricPlot(plan, rows, mp); err != nil || pl.X.Label.Text != "underlay.nat.public (with underlay.nat.symmetric)" {
		t.Errorf("against the linked key: %v, label %q", err, pl.X.Label.Text)
	}
	mp.Group = "underlay.nat.symmetric"
	if _, err := buildMetricPlot(plan, rows, mp); err == nil || !strings.Contains(err.Error(), "group") {
		t.Errorf("grouping by the key linked to x: %v", err)
	}
	// Grouped by the cartesian factor, filtered by a linked key.
	mp = MetricPlot{Metric: "superpeer.calls.relayed_fraction", X: "underlay.nat.symmetric", Group: "superpeer.relay"}
	if _, err := buildMetricPlot(plan, rows, mp); err != nil {
		t.Errorf("grouped: %v", err)
	}
	sel, err = selectRows(plan, rows, "superpeer.calls.relayed_fraction", map[string]string{"underlay.nat.public": "0.4"})
	if err != nil || len(sel) != 2 || sel[0].Params[0].Text() != "0.6" {
		t.Errorf("where on the linked key: %v, %d rows", err, len(sel))
	}
}
