// Package phold is the PHOLD benchmark model on mimisim's kernel (package sim).
//
// PHOLD is the classic benchmark for discrete-event kernels: LPs logical processes start with Pop
// events each; handling an event schedules exactly one new event at a uniformly random LP after
// an exponentially distributed delay of mean 1.0. The number of pending events therefore stays
// at LPs*Pop for the whole run, and what is measured is the cost of the event loop: one pop,
// one handler call, two random draws and one push per event.
//
// Units: one virtual time unit is one second, so the mean delay is 1 s of virtual time and the
// kernel's integer-nanosecond clock keeps nine decimal digits of it. The ns-3 and SimPy
// versions under bench/peers use the same unit (ns-3: Seconds(x), SimPy: float seconds).
//
// Run is deterministic: all randomness comes from the kernel's "phold" stream, so the same Config
// (seed included) gives the same final virtual time and the same per-LP event counts. Only the
// wall-clock figures differ between runs.
//
// The command-line front end is "mimisim bench phold"; BenchmarkPHOLD in this package reports
// events/s and allocations for benchstat.
package phold
