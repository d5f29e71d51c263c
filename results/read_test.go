package results

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadErrors(t *testing.T) {
	const (
		lookupsHead = "time_s,source,key,outcome,hops,latency_ms,messages\n"
		nodesHead   = "node,alive,keys,table_size,msgs_sent,bytes_sent,msgs_recv,bytes_recv\n"
		seriesHead  = "time_s,live_nodes,lookups,success_rate,maintenance_bytes_per_node_per_s,lookup_bytes_per_node_per_s\n"
		trafficHead = "time_s,kind,class,msgs,bytes\n"
		okLookup    = "1.000,2,3,success,4,5.000,12\n"
	)
	for _, c := range []struct {
		name, file, content string
		want                []string // substrings of the error
	}{
		{"bad hops", LookupsFile, lookupsHead + okLookup + "1.000,2,3,success,x,5.000,12\n",
			[]string{"lookups.csv:3:", `column "hops"`, "want an integer", `got "x"`}},
		{"bad key", LookupsFile, lookupsHead + "1.000,2,-3,success,4,5.000,12\n",
			[]string{"lookups.csv:2:", `column "key"`, "unsigned", `got "-3"`}},
		{"bad outcome", LookupsFile, lookupsHead + okLookup + okLookup + "1.000,2,3,ok,4,5.000,12\n",
			[]string{"lookups.csv:4:", `column "outcome"`, `"success", "incorrect", "failed"`, `got "ok"`}},
		{"bad latency", LookupsFile, lookupsHead + "1.000,2,3,success,4,fast,12\n",
			[]string{"lookups.csv:2:", `column "latency_ms"`, "want a number", `got "fast"`}},
		{"short row", LookupsFile, lookupsHead + "1.000,2,3\n",
			[]string{"lookups.csv:2:", "want 7 fields, got 3"}},
		{"wrong header", LookupsFile, "time,source,key,outcome,hops,latency_ms,messages\n" + okLookup,
			[]string{"lookups.csv:1:", "header", `want "time_s,source`, `got "time,source`}},
		{"missing column in header", NodesFile, "node,alive,keys\n",
			[]string{"nodes.csv:1:", "header"}},
		{"empty file", TrafficFile, "",
			[]string{"traffic.csv", "empty file", "time_s,kind,class,msgs,bytes"}},
		{"bad alive", NodesFile, nodesHead + "0,1,3,9,4,5,6,7\n1,yes,3,9,4,5,6,7\n",
			[]string{"nodes.csv:3:", `column "alive"`, "want 1 or 0", `got "yes"`}},
		{"bad int64", NodesFile, nodesHead + "0,1,3,9,4,99999999999999999999,6,7\n",
			[]string{"nodes.csv:2:", `column "bytes_sent"`, "integer"}},
		{"bad rate", TimeseriesFile, seriesHead + "60.000,10,5,0.5,1,2\n120.000,10,5,half,1,2\n",
			[]string{"timeseries.csv:3:", `column "success_rate"`, "want a number", `got "half"`}},
		{"bad quote", TrafficFile, trafficHead + "1.000,\"stab\"ilize,maintenance,1,2\n",
			[]string{"traffic.csv:2:", "quote"}},
		{"multi-line field keeps line numbers", TrafficFile, trafficHead + "1.000,\"a\nb\",maintenance,1,2\n2.000,k,lookup,x,2\n",
			[]string{"traffic.csv:4:", `column "msgs"`}},
		{"summary syntax", SummaryFile, "{\n  \"a\": 1,\n  \"b\": \n}\n",
			[]string{"summary.json:4:"}},
		{"summary string value", SummaryFile, "{\"a\": {\"b\": \"x\"}}\n",
			[]string{"summary.json", `"a.b"`, "want a number"}},
		{"summary not an object", SummaryFile, "[1, 2]\n",
			[]string{"summary.json", "want a JSON object", "array"}},
		{"summary dotted key", SummaryFile, "{\"a.b\": 1}\n",
			[]string{"summary.json", `"a.b"`}},
		{"manifest not JSON", ManifestFile, "{\n\"seed\": }\n",
			[]string{"manifest.json:2:"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			if err := Write(dir, fakeRun(20, 5, 4)); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, c.file), []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := Read(dir)
			if err == nil {
				t.Fatalf("Read succeeded: %+v", r)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestReadMissingFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := Write(dir, &Run{}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, NodesFile)); err != nil {
		t.Fatal(err)
	}
	_, err := Read(dir)
	if err == nil || !strings.Contains(err.Error(), NodesFile) {
		t.Errorf("got error %v, want one naming %s", err, NodesFile)
	}
}

func TestReadEmptyFieldsAreNaN(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := Write(dir, &Run{}); err != nil {
		t.Fatal(err)
	}
	content := strings.Join(timeseriesHeader, ",") + "\n60.000,10,0,,,\n"
	if err := os.WriteFile(filepath.Join(dir, TimeseriesFile), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := r.Series[0]
	if s.TimeS != 60 || s.LiveNodes != 10 || !math.IsNaN(s.SuccessRate) ||
		!math.IsNaN(s.MaintenanceBytesPerNodePerS) || !math.IsNaN(s.LookupBytesPerNodePerS) {
		t.Errorf("got %+v", s)
	}
}
