// Package underlay models the physical network beneath an overlay: for every
// message it answers "when, if ever, does this arrive?".
//
// A Model maps (from, to, size, rng) to a one-way delay, or reports the
// message lost. Models are pure values: they keep no per-message state, draw
// randomness only from the *rand.Rand they are handed (never from a global
// source), and do not allocate per call, so the same seed always yields the
// same delays.
//
// Base models:
//
//   - Constant: every message takes the same one-way delay.
//   - Uniform: each message's delay is drawn uniformly from [Min, Max],
//     independently per message (no per-link memory, so messages on one link
//     can be reordered).
//   - Euclidean: each node is placed uniformly at random in the unit square
//     once, at construction; the delay between two nodes is proportional to
//     their distance, with the scale chosen so that the median round-trip
//     time over all node pairs equals a configured value. It is
//     deterministic per call and symmetric, and it obeys the triangle
//     inequality (up to 1ns of rounding).
//
// Decorators, which wrap another Model:
//
//   - Jitter adds an independent uniform extra delay in [0, Max).
//   - Loss drops each message independently with probability P.
//
// Common rules: a message from a node to itself always arrives after 0, is
// never lost and consumes no randomness, in every model. The size argument is
// accepted so that bandwidth-aware models can be added later; none of the
// present models uses it. Every model may return a delay of 0 between two
// distinct nodes (for example Constant{0}, or two Euclidean nodes at almost
// the same position); callers must not assume a positive minimum.
//
// Config is the YAML-facing description of a model (the "underlay" section of
// a run configuration); Config.Build assembles the base model and its
// decorators.
package underlay
