package results

import (
	"bytes"
	"math"
	"testing"
)

func TestWriteSummary(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []Metric
		want string
	}{
		{"empty", nil, "{}\n"},
		{"nested and sorted", []Metric{{"hops.p50", 5}, {"hops.mean", 5.5}},
			"{\n  \"hops\": {\n    \"mean\": 5.5,\n    \"p50\": 5\n  }\n}\n"},
		{"top-level keys sorted", []Metric{{"z", 1}, {"a.b.c", 2}, {"m", 3}},
			"{\n  \"a\": {\n    \"b\": {\n      \"c\": 2\n    }\n  },\n  \"m\": 3,\n  \"z\": 1\n}\n"},
		{"non-finite is null", []Metric{{"a", math.NaN()}, {"b", math.Inf(1)}, {"c", math.Inf(-1)}},
			"{\n  \"a\": null,\n  \"b\": null,\n  \"c\": null\n}\n"},
		{"integers without fraction", []Metric{{"big", 4096}, {"huge", 1e15}, {"neg", -3}},
			"{\n  \"big\": 4096,\n  \"huge\": 1000000000000000,\n  \"neg\": -3\n}\n"},
		{"fractions shortest", []Metric{{"a", 0.1}, {"b", 1.0 / 3}, {"c", 1e-9}},
			"{\n  \"a\": 0.1,\n  \"b\": 0.3333333333333333,\n  \"c\": 1e-9\n}\n"},
		{"key escaping", []Metric{{`q"x`, 1}}, "{\n  \"q\\\"x\": 1\n}\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := writeSummary(&b, c.in); err != nil {
				t.Fatal(err)
			}
			if b.String() != c.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), c.want)
			}
		})
	}
}

func TestParseSummary(t *testing.T) {
	ms, err := parseSummary([]byte(`{"lookups":{"success_rate":0.5,"count":10},"hops":{"p99":null},"x":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Metric{{"hops.p99", math.NaN()}, {"lookups.count", 10}, {"lookups.success_rate", 0.5}}
	if len(ms) != len(want) {
		t.Fatalf("got %v, want %v", ms, want)
	}
	for i := range want {
		if ms[i].Key != want[i].Key || !sameFloat(ms[i].Value, want[i].Value) {
			t.Errorf("[%d]: got %v, want %v", i, ms[i], want[i])
		}
	}
	for _, bad := range []string{``, `{"a":1} {"b":2}`, `{"a":true}`, `{"a":[1]}`, `"x"`, `{"":1}`, `{"a":1e999}`} {
		if _, err := parseSummary([]byte(bad)); err == nil {
			t.Errorf("parseSummary(%q) succeeded", bad)
		}
	}
}
