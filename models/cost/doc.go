// Package cost is the CPU cost model: it gives the virtual CPU time an MLS operation takes, from
// tables measured by running the real engine, so that simulated time charges what the protocol
// code really costs.
//
// A Table holds, for one engine on one machine, the measured nanoseconds per operation for every
// mls.Op at a few group sizes. Table.CPU interpolates linearly in log2(group size) between the
// measured sizes; below the first size it returns the first point; beyond the last size it
// extends the last segment with its slope, a negative slope counting as flat so that costs never
// fall below the last measurement. Linear-in-log2 fits the O(log n) parts of MLS; the O(n) parts
// (tree hashing, encrypting a path to blank subtrees, Welcome trees) are underestimated when
// extrapolating far beyond the last size, which for gomls does not happen because its MaxMembers
// (128) is the last measured size. Zero is the model of time_mode "zero" for exact tests.
//
// Load validates a table: a table that lacks any op of mls.Ops is rejected, so an unknown op can
// never be charged zero by accident; CPU panics for an op or device it does not know (programmer
// errors, since Load validated the table and scenarios should check devices with DeviceFactor).
// LoadFile reads any table from a file (run --calibration); Engines lists the embedded defaults,
// tables/<engine>.json, and skips other files there such as fitted calibrations.
//
// # Fitted tables
//
// `mimisim calibrate` (bench/calib) times every op in-process at a range of sizes, several
// repetitions each, and writes a fitted table: Raw holds every repetition, Points the median of
// each size, and Fits one cost curve per op. A table with Fits evaluates them in CPU instead of
// interpolating. Each curve is one of the Forms — a, a + b·log2 n, a + c·n, a + b·log2 n + c·n,
// a + c·n·log2 n, a + c·n² — fitted by least squares on relative residuals (each row weighted by
// 1/measured, so every size counts alike however much it costs; the solver is gonum's QR on a
// column-scaled design matrix). A form with a negative coefficient is rejected; the others are
// scored by AICc = m·ln(RSS/m) + 2k + 2k(k+1)/(m−k−1) for m sizes and k coefficients (a form
// needs m ≥ k+2), and the one with the fewest coefficients among those within 2 of the best
// score is chosen (FitRule). Each Fit records its residuals and every candidate's score or
// reason for rejection. Unlike the point table's log2 extrapolation, a fitted curve keeps its
// O(n) growth beyond the last measured size, which matters where the cost model is asked for
// rooms larger than the engine holds (sampled fidelity). tables/gomls-fit.json is such a
// calibration, shipped beside the default; its figures (tables/gomls-fit-<op>.png, not
// embedded) plot the repetitions, medians and curve of each op.
//
// # Measured time
//
// Wall is the model of time_mode "measured": it implements Measured, and a client whose model
// is Measured times each real MLS call and charges Charge(op, n, device, elapsed), the
// wall-clock time times the device factor. Ops that were not executed are charged the
// Fallback table's cost. Tables and Zero are never shown a wall-clock time, so runs with them
// stay deterministic; measured runs are not.
//
// # The gomls table
//
// tables/gomls.json was measured on 2026-11-25 on a 2-vCPU "AMD EPYC" virtual machine (the model
// name /proc/cpuinfo gives), go1.26.8, one core (-cpu 1), by
//
//	go test -run '^$' -bench '^BenchmarkGoMLS$' -benchtime=200ms -count=3 -cpu 1 ./bench > /tmp/gomls-bench.txt
//	go run ./bench/cmd/costtable -engine gomls -date 2026-11-25 -command "$CMD" -notes "$NOTES" \
//	    -o models/cost/tables/gomls.json < /tmp/gomls-bench.txt
//
// where $CMD is the first line and $NOTES the notes stored in the table. Each point is the median
// of the three runs. The benchmark (bench/gomls_test.go) defines the sizes: members is the group
// size before the operation, so commit_add at n adds an (n+1)-th member and join at n enters a
// group of n members. Its groups are filled by one Add commit, which leaves every parent node
// blank: a commit's UpdatePath is then encrypted to each other member separately, the worst case
// for a group of that size; groups whose tree has been filled by earlier commits commit faster.
// Ciphertext sizes are reported by the benchmark as bytes/op but not stored in the table.
//
// # Devices
//
// DeviceFactor scales the reference machine's costs: "server" and "desktop" are 1.0, "phone" is
// 3.0. The phone factor is an assumption, standing for a budget or mid-range Android phone rather
// than a flagship. It rests on published Geekbench 5 single-core scores: Geekbench 5 is calibrated
// so that an Intel Core i3-8100 desktop scores 1000 (Primate Labs, "Interpreting Geekbench 5
// Scores", support.primatelabs.com/kb/geekbench/interpreting-geekbench-5-scores); a Samsung Galaxy
// A14 5G (MediaTek Dimensity 700) was listed at 522 (mpcgtimes.com, Geekbench listing of
// SM-A146P) and a Snapdragon 888 flagship at 1,135 (ilounge.com, Qualcomm's published figures).
// Current desktop and server cores score roughly 1,300 to 1,900 in the same test (our estimate,
// not a cited figure), which puts a budget phone core at about 2.5 to 3.6 times slower, and a
// flagship phone near 1.2 to 1.7. Flagship iPhones are as fast as desktops in this test. The
// factor ignores thermal throttling and the phone's efficiency cores.
package cost
