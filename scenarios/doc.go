// Package scenarios reads, checks and completes mimisim scenario files: the YAML documents that
// say which providers take part, how the network between them and their clients behaves, how
// large the room is and how much its members send.
//
// # Reading
//
// Parse (and Load, which reads a file first, and LoadEmbedded, for the scenarios built into
// the binary, see Embedded) is strict: it never guesses. An unknown field, a value of the wrong
// type (1.5 or "3" where an integer belongs, 123 where a string belongs), a duration without a
// unit, a negative duration, an explicit null, a duplicate key, YAML tags, merge keys, a second
// YAML document and truncated YAML are all errors. Anchors and aliases work. Files are limited
// to MaxFileBytes and to 32 levels of nesting, which keeps the YAML parser fast.
//
// Fields left out take the defaults listed at Scenario.Defaults; a field written with the zero
// value that stands for "default" (seed: 0, cores: 0, engine: "", payload_bytes: 0, …) is an
// error rather than silently replaced. The value checks (Scenario.Validate) then compare the
// scenario against Limits, which the caller supplies from the model packages: the engines and
// their full-fidelity room sizes, the regions, the access types and the device classes.
//
// # Errors
//
// Every problem is an *Error whose text has the form
//
//	FILE:LINE:COL: FIELD: MSG
//
// for example
//
//	s.yaml:14:40: network.access.wifi.latency.value: negative duration "-1ms" is not allowed
//	s.yaml:2:11: duration: bare number 60 is not a duration; add a unit, e.g. "60ms" or "60s"
//	s.yaml:5:22: providers[1].role: unknown role "leaf"; allowed: hub, follower
//	s.yaml:8:3: room.access: shares sum to 0.9; they must sum to 1 (±1e-09)
//	s.yaml: duration: required: the simulated measurement window after set-up, e.g. "60s"
//
// FIELD is the YAML path of the field; LINE:COL is where it was written (for a missing field,
// where its nearest enclosing field was written; left out if there is none). Parse reports all
// problems of a kind at once, sorted into document order: one *Error alone, several joined with
// errors.Join, at most 20 and then a count of the rest. Problems that stop the file from being
// read (syntax, unknown fields, types) are reported first and alone; the value checks run only
// on a file that reads cleanly.
//
// # Workloads
//
// Besides the room's chat (Workload), three optional sections add workloads to the measurement
// window; each is off when left out (a nil pointer): Commits (commit contention, with a retry
// policy whose parameters follow the rules of a Dist's), Offline (a share of the members offline
// when the window opens, back after a delay drawn from a Dist) and Call (one call, under one
// of three key designs). Provider.BatchWindow and BatchMax turn on the hub's notify batching.
// Commit policies and call designs are listed by CommitPolicies and CallDesigns.
//
// # Sweeps
//
// A scenario with a sweep section (Sweep) is a parameter sweep: Expand lists its jobs, one Point
// per combination of the axes' values and replication, each with its own copy of the scenario
// and a seed that JobSeed derives from the scenario's seed, the point's values and the
// replication. Validate (and so Parse) checks every point of the sweep and of its quick variant
// with all the rules above; a problem names the point and is placed at the value that causes
// it. SweepFields lists the fields an axis may sweep.
//
// The format is documented field by field in docs/scenario-format.md.
package scenarios
