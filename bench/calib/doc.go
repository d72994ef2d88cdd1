// Package calib measures the CPU cost of MLS operations on the host: it is the set-up and timing
// code shared by the go-mls benchmarks (bench/gomls_test.go) and `mimisim calibrate`.
//
// A Fixture builds real groups of an engine through the public mls API (one per size, filled by
// one Add commit, so their parent nodes are blank and commits encrypt their UpdatePath to every
// other member: the worst case for a group of that size) and prepares any number of iterations
// of an op, separating what must not be timed (KeyPackages to add, commits to process, Welcomes
// to join) from the call that is. Measure times every op of mls.Ops at a list of sizes, several
// repetitions each; Calibrate turns the repetitions into a fitted cost table of models/cost (the
// median of each size, one cost curve per op chosen by the rule cost.FitRule), and WriteFigures
// draws each op's measurements against its curve.
package calib
