// Package bench holds the benchmarks that produce the CPU cost tables of models/cost. It has no
// code of its own: BenchmarkGoMLS (in the package's tests) times every mls.Op of the gomls engine
// at group sizes 2 to 128, and bench/cmd/costtable turns the `go test -bench` output into
// models/cost/tables/gomls.json. The command used for the committed table is recorded in the
// table and in the models/cost package documentation.
package bench
