// Command mimisim runs MIMI/MLS scenarios on the simulator and writes their results.
//
// Usage:
//
//	mimisim run [FILE] [--seed N] [--out DIR] [--quiet] [--cpuprofile F] [--memprofile F] [--wall-clock]
//	mimisim scenarios
//	mimisim help
//
// "mimisim run" with no FILE runs the embedded default scenario: one room of 32 go-mls members
// over three providers in three regions, exchanging messages for a simulated minute. It prints a
// summary table and writes a results directory (manifest.json, observations.csv, summary.csv,
// summary.json, figures/, report.md). See README.md for what each file means. After the summary
// it prints what the run cost on this machine: wall-clock set-up and run time, CPU time and peak
// resident memory (--wall-clock also writes them to the manifest; they are not deterministic).
package main
