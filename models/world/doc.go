// Package world builds a simulated world from a scenario — network, providers, clients with real
// MLS states — and runs it on one sim.Kernel, returning the observations.
//
// A run has two phases, both in virtual time. Set-up: every client publishes a KeyPackage at its
// provider; the room's creator (the first client of the hub) creates the group, claims every
// other member's KeyPackage through keyMaterial, commits to add them all with one Welcome, and
// the hub fans the Welcome out; set-up ends when the last member has joined. Measurement: each
// member sends on its workload for the scenario's duration; the run then drains until every
// accepted message has been decrypted by every other member. Only the measurement phase yields
// latency observations; set-up time is reported on its own.
package world
