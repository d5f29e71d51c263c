package run

import (
	"math"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"peerlab/results"
	"peerlab/scenario"
)

// kademliaStatic is a static 4,096-node Kademlia network built by real
// joins (arrivals over 5 minutes), measured from 10 to 15 minutes.
func kademliaStatic(k, alpha int) scenario.Spec {
	s := scenario.Default()
	s.Protocol, s.Nodes = "kademlia", 4096
	s.Duration, s.Warmup = 15*time.Minute, 10*time.Minute
	s.Churn.ArrivalWindow = 5 * time.Minute
	s.Workload.LookupInterval = 5 * time.Minute
	s.Kademlia.K, s.Kademlia.Alpha = k, alpha
	s.Output.Plots = false
	return s
}

// TestKademliaStatic4096 runs the grid (alpha in {1, 3}, k in {8,
// 20}) on 4,096 nodes: lookups must end at the live node XOR-closest to the
// key, and the mean hop count must fall as k grows. (Every lookup, not
// nearly every: a node that joined through a bootstrap still joining itself
// once stayed unknown to its neighbours, and keys next to it went astray
// one time in 4,000; see TestJoinViaEmptyBootstrap.)
func TestKademliaStatic4096(t *testing.T) {
	if testing.Short() {
		t.Skip("four 4,096-node runs")
	}
	hops := map[[2]int]float64{}
	for _, k := range []int{8, 20} {
		for _, alpha := range []int{1, 3} {
			res, err := Run(kademliaStatic(k, alpha), Options{})
			if err != nil {
				t.Fatal(err)
			}
			sum := summaryMap(res)
			n := sum["lookups.count"]
			if n < 3000 {
				t.Fatalf("k=%d alpha=%d: only %v lookups", k, alpha, n)
			}
			if f := sum["lookups.failed_rate"]; f != 0 {
				t.Errorf("k=%d alpha=%d: %.4f of lookups failed in a static network", k, alpha, f)
			}
			if inc := sum["lookups.incorrect_rate"]; inc != 0 {
				t.Errorf("k=%d alpha=%d: %.4f of lookups returned a node that is not the closest", k, alpha, inc)
			}
			hops[[2]int{k, alpha}] = sum["hops.mean"]
			checkBucketFill(t, res, k)
			t.Logf("k=%2d alpha=%d: %v lookups, success %.4f, mean hops %.3f, %.1f messages per lookup, p50 latency %.0f ms, %.1f B/node/s, %.0f contacts per node",
				k, alpha, n, sum["lookups.success_rate"], sum["hops.mean"], sum["messages_per_lookup.mean"], sum["latency_ms.p50"], sum["traffic.bytes_per_node_per_s"], sum["table_size.mean"])
		}
	}
	for _, alpha := range []int{1, 3} {
		if hops[[2]int{20, alpha}] >= hops[[2]int{8, alpha}] {
			t.Errorf("alpha=%d: mean hops %.3f with k=20, not below %.3f with k=8", alpha, hops[[2]int{20, alpha}], hops[[2]int{8, alpha}])
		}
	}
}

// TestKademliaDeterministic runs a small Kademlia scenario twice.
func TestKademliaDeterministic(t *testing.T) {
	s := kademliaStatic(8, 3)
	s.Nodes = 300
	a, _ := runHash(t, s, 1)
	b, _ := runHash(t, s, 2)
	if a != b {
		t.Fatalf("two runs of one Kademlia scenario differ")
	}
}

func summaryMap(r *results.Run) map[string]float64 {
	m := map[string]float64{}
	for _, x := range r.Summary {
		m[x.Key] = x.Value
	}
	return m
}

// TestKademliaUnderChurn drives Kademlia with a churn model (exponential
// 1 h sessions and downtimes, half of departures crashes): joins, silent
// crashes and rejoins as the schedule says; lookups must still find the
// live node closest to the key.
func TestKademliaUnderChurn(t *testing.T) {
	s := kademliaStatic(20, 3)
	s.Nodes, s.Duration, s.Warmup = 512, 2*time.Hour, time.Hour
	s.Churn.Model = "sessions"
	s.Workload.LookupInterval = 10 * time.Minute
	res, err := Run(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sum := summaryMap(res)
	if sum["churn.crashes"] == 0 || sum["churn.leaves"] == 0 {
		t.Fatalf("the schedule had %v crashes and %v leaves: no churn tested", sum["churn.crashes"], sum["churn.leaves"])
	}
	if sr := sum["lookups.success_rate"]; !(sr > 0.95) {
		t.Errorf("success rate under churn %.4f, want > 0.95", sr)
	}
	t.Logf("%v lookups, success %.4f, p50 latency %.0f ms", sum["lookups.count"], sum["lookups.success_rate"], sum["latency_ms.p50"])
}

// checkBucketFill compares the mean fill of each k-bucket with what random
// identifiers predict: the number X of the other N−1 nodes at XOR distance
// [2^i, 2^(i+1)) from a node is binomial with p = 2^i/2^64, and a bucket
// that knows every one of them while it has room holds E[min(k, X)] — the
// far buckets full, the fill halving per bucket below.
func checkBucketFill(t *testing.T, res *results.Run, k int) {
	t.Helper()
	alive := 0
	for _, n := range res.Nodes {
		if n.Alive {
			alive++
		}
	}
	fill := make([]float64, 64)
	for _, b := range res.Buckets {
		fill[b.Bucket] += float64(b.Contacts) / float64(alive)
	}
	for i := range fill {
		x := distuv.Binomial{N: float64(alive - 1), P: math.Pow(2, float64(i-64))}
		want := 0.0
		for n := 0; n < k; n++ {
			want += float64(n) * x.Prob(float64(n))
		}
		want += float64(k) * x.Survival(float64(k)-0.5)
		if want < 2 {
			continue // too few nodes at that distance to compare means
		}
		// full buckets must be (nearly) full; partly filled ones hold what
		// exists, within 10%
		if math.Abs(fill[i]-want) > 0.1*want {
			t.Errorf("k=%d: bucket %d holds %.2f contacts on average, want about %.2f", k, i, fill[i], want)
		}
	}
}
