// Package sim is mimisim's discrete-event kernel: a virtual clock, an event queue and named,
// seeded random streams.
//
// Conventions:
//   - Time is virtual, in integer nanoseconds since the start of a run. Nothing in a simulation
//     reads the wall clock, starts goroutines or uses global randomness.
//   - Events are small values (a Handler, a Kind and a Data word). Handlers are long-lived
//     objects (a provider, a client, a link), so scheduling an event allocates nothing once the
//     queue has grown to its working size.
//   - Events due at the same instant run in the order they were scheduled (a sequence number
//     breaks ties), so a run is a pure function of its inputs and seed.
//   - Randomness comes from Kernel.Stream(name): one PCG stream per name, derived from the run's
//     seed and the name, so adding a new stream does not perturb the others.
package sim
