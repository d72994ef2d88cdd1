// Package sim is mimisim's discrete-event kernel: a virtual clock, an event queue and named,
// seeded random streams.
//
// Conventions:
//   - Time is virtual, in integer nanoseconds since the start of a run. Nothing in a simulation
//     reads the wall clock, starts goroutines or uses global randomness.
//   - Events are small values (a Handler, a Kind and a Data word). Handlers are long-lived
//     objects (a provider, a client, a link), so scheduling an event allocates nothing once the
//     queue has grown to its working size.
//   - Events due at the same instant run in the order they were scheduled, so a run is a pure
//     function of its inputs and seed.
//   - The event queue is a ladder queue whose first rung turns like a timing wheel (queue.go):
//     scheduling appends to an unsorted bucket and events are sorted a few dozen at a time just
//     before they run, so an event costs O(1) amortized instead of a heap's O(log n). BenchmarkHold here and BenchmarkPHOLD in
//     bench/phold measure it; "make bench-peers" compares it with ns-3 and SimPy.
//   - Randomness comes from Kernel.Stream(name): one PCG stream per name, derived from the run's
//     seed and the name, so adding a new stream does not perturb the others.
package sim
