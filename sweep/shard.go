package sweep

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is one part of a sweep split over Count machines: it holds the run
// indices N with N % Count == Index. The zero Shard means the whole sweep
// (it behaves as 0/1).
type Shard struct {
	Index int
	Count int
}

// norm turns the zero Shard into 0/1.
func (s Shard) norm() Shard {
	if s.Count == 0 && s.Index == 0 {
		return Shard{0, 1}
	}
	return s
}

// Valid reports an error when the shard is not the zero Shard nor an Index
// in [0, Count).
func (s Shard) Valid() error {
	s = s.norm()
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("sweep: bad shard %d/%d: want i/n with 0 <= i < n", s.Index, s.Count)
	}
	return nil
}

// Contains reports whether run index i belongs to the shard.
func (s Shard) Contains(i int) bool {
	s = s.norm()
	return s.Count > 0 && i%s.Count == s.Index
}

// String returns "i/n".
func (s Shard) String() string {
	s = s.norm()
	return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count)
}

// ParseShard reads "i/n" (0 <= i < n), e.g. "2/8" for the third of eight
// shards.
func ParseShard(text string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(text), "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want i/n, e.g. 0/4", text)
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	switch {
	case err1 != nil || err2 != nil:
		return Shard{}, fmt.Errorf("shard %q: want i/n with whole numbers, e.g. 0/4", text)
	case n < 1:
		return Shard{}, fmt.Errorf("shard %q: the shard count must be at least 1", text)
	case i < 0 || i >= n:
		return Shard{}, fmt.Errorf("shard %q: the shard index must be in [0, %d)", text, n)
	}
	return Shard{Index: i, Count: n}, nil
}

// Environment variables read by ShardFromEnv.
const (
	EnvSlurmTaskID    = "SLURM_ARRAY_TASK_ID"
	EnvSlurmTaskCount = "SLURM_ARRAY_TASK_COUNT"
	EnvSlurmTaskMin   = "SLURM_ARRAY_TASK_MIN"
	EnvSlurmTaskStep  = "SLURM_ARRAY_TASK_STEP"
	EnvK8sIndex       = "JOB_COMPLETION_INDEX"
)

// ShardFromEnv finds this process's shard in the environment of a batch
// system, reading variables through getenv (os.Getenv in production). ok is
// false, with no error, when none of the variables is set.
//
// Slurm job arrays: the shard index is
// (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP (MIN
// 0 and STEP 1 when unset), so --array=1-16 and --array=0-15 both give
// shards 0..15; the count is SLURM_ARRAY_TASK_COUNT, or count when Slurm
// does not set it. Arrays with gaps (--array=1,3,7) are not supported: an
// index outside [0, count) is an error.
//
// Kubernetes Indexed Jobs: the shard index is JOB_COMPLETION_INDEX and the
// count must be given as count (the Job's completions), since Kubernetes
// does not export it.
//
// count <= 0 means "not given"; when given and Slurm's count differs, that
// is an error. Both Slurm's and Kubernetes' variables being set is an error.
func ShardFromEnv(getenv func(string) string, count int) (s Shard, ok bool, err error) {
	slurm := strings.TrimSpace(getenv(EnvSlurmTaskID))
	k8s := strings.TrimSpace(getenv(EnvK8sIndex))
	switch {
	case slurm != "" && k8s != "":
		return Shard{}, false, fmt.Errorf("both %s and %s are set: cannot tell which batch system this is", EnvSlurmTaskID, EnvK8sIndex)
	case slurm != "":
		s, err := slurmShard(getenv, slurm, count)
		return s, err == nil, err
	case k8s != "":
		idx, err := envInt(EnvK8sIndex, k8s)
		if err != nil {
			return Shard{}, false, err
		}
		if count <= 0 {
			return Shard{}, false, fmt.Errorf("%s=%d is set but no shard count is given (pass the Job's completions)", EnvK8sIndex, idx)
		}
		if idx >= count {
			return Shard{}, false, fmt.Errorf("%s=%d is not below the shard count %d", EnvK8sIndex, idx, count)
		}
		return Shard{Index: idx, Count: count}, true, nil
	}
	return Shard{}, false, nil
}

func slurmShard(getenv func(string) string, idText string, count int) (Shard, error) {
	id, err := envInt(EnvSlurmTaskID, idText)
	if err != nil {
		return Shard{}, err
	}
	lo, step := 0, 1
	if v := strings.TrimSpace(getenv(EnvSlurmTaskMin)); v != "" {
		if lo, err = envInt(EnvSlurmTaskMin, v); err != nil {
			return Shard{}, err
		}
	}
	if v := strings.TrimSpace(getenv(EnvSlurmTaskStep)); v != "" {
		if step, err = envInt(EnvSlurmTaskStep, v); err != nil {
			return Shard{}, err
		}
		if step < 1 {
			return Shard{}, fmt.Errorf("%s=%d: want a positive step", EnvSlurmTaskStep, step)
		}
	}
	n := count
	if v := strings.TrimSpace(getenv(EnvSlurmTaskCount)); v != "" {
		sn, err := envInt(EnvSlurmTaskCount, v)
		if err != nil {
			return Shard{}, err
		}
		if sn < 1 {
			return Shard{}, fmt.Errorf("%s=%d: want at least 1", EnvSlurmTaskCount, sn)
		}
		if count > 0 && count != sn {
			return Shard{}, fmt.Errorf("%s=%d but the shard count given is %d", EnvSlurmTaskCount, sn, count)
		}
		n = sn
	}
	if n <= 0 {
		return Shard{}, fmt.Errorf("%s=%d is set but neither %s nor a shard count is", EnvSlurmTaskID, id, EnvSlurmTaskCount)
	}
	off := id - lo
	if off < 0 || off%step != 0 || off/step >= n {
		return Shard{}, fmt.Errorf("%s=%d with %s=%d and %s=%d does not give a shard in [0, %d): use a contiguous array such as --array=0-%d",
			EnvSlurmTaskID, id, EnvSlurmTaskMin, lo, EnvSlurmTaskStep, step, n, n-1)
	}
	return Shard{Index: off / step, Count: n}, nil
}

// envInt parses a non-negative integer environment value.
func envInt(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q: want a non-negative whole number", name, v)
	}
	return n, nil
}
