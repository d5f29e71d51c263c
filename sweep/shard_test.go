package sweep

import (
	"strings"
	"testing"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in   string
		want Shard
		err  string
	}{
		{"0/1", Shard{0, 1}, ""},
		{"2/8", Shard{2, 8}, ""},
		{" 7 / 8 ", Shard{7, 8}, ""},
		{"8/8", Shard{}, "must be in [0, 8)"},
		{"-1/4", Shard{}, "must be in [0, 4)"},
		{"0/0", Shard{}, "at least 1"},
		{"1", Shard{}, "want i/n"},
		{"a/4", Shard{}, "whole numbers"},
		{"1/4/5", Shard{}, "whole numbers"},
		{"", Shard{}, "want i/n"},
	}
	for _, tt := range tests {
		got, err := ParseShard(tt.in)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseShard(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), tt.in)):
			t.Errorf("ParseShard(%q): error %v, want one naming the input and containing %q", tt.in, err, tt.err)
		}
	}
}

func TestShardPartition(t *testing.T) {
	for _, total := range []int{0, 1, 5, 12, 97} {
		for n := 1; n <= 8; n++ {
			owner := make([]int, total)
			for i := range owner {
				owner[i] = -1
			}
			for s := 0; s < n; s++ {
				sh := Shard{Index: s, Count: n}
				for i := 0; i < total; i++ {
					if sh.Contains(i) {
						if owner[i] >= 0 {
							t.Fatalf("%d runs, %d shards: index %d in shards %d and %d", total, n, i, owner[i], s)
						}
						owner[i] = s
					}
				}
			}
			for i, o := range owner {
				if o < 0 {
					t.Fatalf("%d runs, %d shards: index %d in no shard", total, n, i)
				}
				if o != i%n {
					t.Fatalf("index %d in shard %d, want %d", i, o, i%n)
				}
			}
		}
	}
	if !(Shard{}).Contains(5) || (Shard{}).String() != "0/1" {
		t.Error("the zero Shard must hold every index")
	}
}

func TestShardFromEnv(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		count int
		want  Shard
		ok    bool
		err   string
	}{
		{"nothing set", nil, 0, Shard{}, false, ""},
		{"nothing set, count given", nil, 4, Shard{}, false, ""},
		{"slurm 0-based", map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "8", "SLURM_ARRAY_TASK_MIN": "0"}, 0, Shard{3, 8}, true, ""},
		{"slurm 1-based", map[string]string{"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "16", "SLURM_ARRAY_TASK_MIN": "1"}, 0, Shard{0, 16}, true, ""},
		{"slurm last of 1-based", map[string]string{"SLURM_ARRAY_TASK_ID": "16", "SLURM_ARRAY_TASK_COUNT": "16", "SLURM_ARRAY_TASK_MIN": "1"}, 0, Shard{15, 16}, true, ""},
		{"slurm without min", map[string]string{"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"}, 0, Shard{2, 4}, true, ""},
		{"slurm with step", map[string]string{"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_STEP": "2"}, 0, Shard{3, 4}, true, ""},
		{"slurm count agrees", map[string]string{"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"}, 4, Shard{2, 4}, true, ""},
		{"slurm count from caller", map[string]string{"SLURM_ARRAY_TASK_ID": "2"}, 4, Shard{2, 4}, true, ""},
		{"slurm count disagrees", map[string]string{"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"}, 5, Shard{}, false, "SLURM_ARRAY_TASK_COUNT=4 but the shard count given is 5"},
		{"slurm no count", map[string]string{"SLURM_ARRAY_TASK_ID": "2"}, 0, Shard{}, false, "neither SLURM_ARRAY_TASK_COUNT"},
		{"slurm gap", map[string]string{"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "1"}, 0, Shard{}, false, "contiguous array"},
		{"slurm below min", map[string]string{"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "1"}, 0, Shard{}, false, "does not give a shard"},
		{"slurm garbage id", map[string]string{"SLURM_ARRAY_TASK_ID": "x1", "SLURM_ARRAY_TASK_COUNT": "3"}, 0, Shard{}, false, `SLURM_ARRAY_TASK_ID="x1"`},
		{"slurm garbage min", map[string]string{"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "-1"}, 0, Shard{}, false, `SLURM_ARRAY_TASK_MIN="-1"`},
		{"slurm zero count", map[string]string{"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "0"}, 0, Shard{}, false, "SLURM_ARRAY_TASK_COUNT=0"},
		{"k8s", map[string]string{"JOB_COMPLETION_INDEX": "4"}, 10, Shard{4, 10}, true, ""},
		{"k8s no count", map[string]string{"JOB_COMPLETION_INDEX": "4"}, 0, Shard{}, false, "no shard count"},
		{"k8s beyond count", map[string]string{"JOB_COMPLETION_INDEX": "10"}, 10, Shard{}, false, "not below the shard count 10"},
		{"k8s garbage", map[string]string{"JOB_COMPLETION_INDEX": "four"}, 10, Shard{}, false, `JOB_COMPLETION_INDEX="four"`},
		{"both", map[string]string{"JOB_COMPLETION_INDEX": "1", "SLURM_ARRAY_TASK_ID": "1"}, 4, Shard{}, false, "both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := ShardFromEnv(func(k string) string { return tt.env[k] }, tt.count)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil || ok != tt.ok || got != tt.want {
				t.Fatalf("got %v %v %v, want %v %v", got, ok, err, tt.want, tt.ok)
			}
		})
	}
}
