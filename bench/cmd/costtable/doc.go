// Command costtable turns the output of `go test -bench BenchmarkGoMLS` (read on stdin) into a
// cost table of models/cost (JSON on stdout or in -o).
//
// Lines named Benchmark<anything>/op=<op>/members=<n>[-<procs>] give points; with -count > 1 the
// median ns/op of each point is kept. The machine is described from /proc/cpuinfo and the CPU from
// the "cpu:" line go test prints; the Go version is the converter's runtime.Version(), so run it
// with the toolchain that ran the benchmark (go run). The table is validated before it is written.
//
// Usage:
//
//	go test -run '^$' -bench BenchmarkGoMLS -cpu 1 ./bench | \
//	    go run ./bench/cmd/costtable -engine gomls -command '...' -o models/cost/tables/gomls.json
package main
