// Package sweep runs parameter sweeps: a scenario run once for every
// combination of a few parameter values, several times each, with the
// summaries of all runs aggregated into one table and drawn as figures.
//
// The package knows nothing about scenarios or simulations. The caller (the
// `sim sweep` command) decodes the `sweep:` block of a scenario file into a
// Spec, checks it with Spec.Validate (passing a function that knows the
// scenario's keys), builds a Plan, and hands Execute a RunOne function that
// applies a RunSpec's parameter values and seed to the base scenario,
// simulates it and writes the run's files into the directory it is given.
//
// # Layout of a sweep directory
//
//	<dir>/runs/<N>/            run N: the files RunOne wrote, plus done.json
//	<dir>/runs/.<N>.tmp-*      a run in progress (or left by a crash)
//	<dir>/aggregate.csv        written by Aggregate
//	<dir>/*.png                written by PlotAll
//
// A run directory appears only when the run is complete: it is filled under
// a temporary name, done.json (the run's index, parameters, seed and config
// hash) is written last, and the directory is renamed into place. Execute
// skips a run whose directory holds a done.json with the expected config
// hash, so an interrupted sweep is resumed by running the same command
// again, and a change to the base scenario or to a run's parameters redoes
// exactly the runs it affects.
//
// # Run numbering and seeds
//
// Runs are numbered 0..Len()-1: the cartesian product of the parameter
// values with the first parameter varying slowest and the last fastest, and
// within one combination (a "configuration") the repetitions 0..R-1
// innermost. Run N is configuration N/R, repetition N%R.
//
// A parameter may carry linked keys (Parameter.With): keys that take the
// value at the same position in their own lists, so that a parameter and
// its linked keys are one factor of the product. A NATed share x swept as
// underlay.nat.symmetric = x with underlay.nat.public = 1 - x, which must
// add up to 1, is such a pair. Linked keys are columns like the
// parameters' in RunSpec.Params (right after their parameter), the -list
// table, done.json and aggregate.csv, and enter the seeds like them;
// figures are drawn against the parameter, with its linked keys named in
// the axis label.
//
// The seed of a run is derived from the base seed, the canonical text of its
// parameter values (which names keys and values, not positions) and its
// repetition number, so it does not depend on the run's index, the order
// runs execute in, the number of parallel jobs or the shard that runs it;
// adding a value to a parameter leaves the seeds of the existing
// configurations unchanged. See RunSeed for the exact format. A sweep
// without linked keys has the runs and seeds it had before they existed.
//
// # Sharding
//
// A sweep can be split over machines: shard i of n runs the indices N with
// N % n == i (ParseShard, ShardFromEnv for Slurm job arrays and Kubernetes
// Indexed Jobs). Shards write to separate directories, combined afterwards
// by Merge, or to one directory on a shared file system.
package sweep
