package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/mimisim/mimisim/bench/phold"
)

// benchCmd runs one of the benchmarks: "mimisim bench phold [flags]" (the kernel) or
// "mimisim bench run FILE [flags]" (a whole run).
func benchCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"bench: which benchmark? (benchmarks: phold, run)"}
	}
	switch args[0] {
	case "phold":
		return benchPHOLD(args[1:], stdout)
	case "run":
		return benchRun(args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("bench: unknown benchmark %q (benchmarks: phold, run)", args[0])}
}

// benchPHOLD runs PHOLD (package bench/phold) on the kernel and prints its one-line result,
// "phold lps=… pop=… events=… wall_s=… events_per_s=…"; bench/peers prints the same line for
// ns-3 and SimPy.
func benchPHOLD(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench phold", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	lps := fs.Int("lps", phold.DefaultLPs, "")
	pop := fs.Int("pop", phold.DefaultPop, "")
	events := fs.Uint64("events", phold.DefaultEvents, "")
	seed := fs.Uint64("seed", phold.DefaultSeed, "")
	prof := addProfileFlags(fs)
	if err := fs.Parse(args); err != nil {
		return usageError{"bench phold: " + err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("bench phold: unexpected argument %q", fs.Arg(0))}
	}
	cfg := phold.Config{LPs: *lps, Pop: *pop, Events: *events, Seed: *seed}
	if err := cfg.Validate(); err != nil {
		return usageError{"bench " + err.Error()}
	}
	stop, err := prof.start()
	if err != nil {
		return err
	}
	res := phold.Run(cfg)
	if err := stop(); err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, res.Line())
	return err
}
