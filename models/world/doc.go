// Package world builds a simulated world from a scenario — network, providers, clients with real
// MLS states — and runs it on one sim.Kernel, returning the observations.
//
// A run has two phases, both in virtual time. Set-up: every client publishes a KeyPackage at its
// provider; the room's creator (the first client of the hub) creates the group, claims every
// other member's KeyPackage through keyMaterial, commits to add them all with one Welcome, and
// the hub fans the Welcome out; set-up ends when the last member has joined. Measurement: each
// member sends on its workload for the scenario's duration; the run then drains until no event
// is left (or DrainLimit passes) and checks its invariants. Only the measurement phase yields
// latency observations; set-up time is reported on its own.
//
// Optional workloads of the window: commit contention (Options.Commits), members offline
// (Options.Offline), one call (call.go), a hostile follower that tampers with, replays and
// reorders deliveries to its clients (hostile.go), and churn: members removed and added by real
// Remove and Add commits (churn.go).
//
// Every run checks five invariants of its own (invariants.go) and returns them in
// Result.Invariants: convergence, nothing_lost (per-epoch membership from the hub's fan-out
// lists), e2e_encryption (every body on the Wire scanned for every plaintext, plaintext.go),
// post_removal_secrecy (removed members' last states try to decrypt later messages) and
// hostile_rejected. A violated invariant fails the run with an *InvariantError carrying the
// first counter-example and the seed.
//
// With workload kind ops the measurement phase is a script instead (ops.go): the creator performs
// each operation (an empty commit with path, or one message) alone in a slot of the scenario's
// gap, and the operation's costs are read as differences of counters over its slot — the sender's
// uplink bytes, each client's virtual CPU, the hub's core time and egress — with the time until
// every member reached the new epoch or decrypted the message. An operation that has not reached
// everyone when its slot closes fails the run.
package world
