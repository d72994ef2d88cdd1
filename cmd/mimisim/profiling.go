package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// profileFlags are the --cpuprofile and --memprofile flags shared by run, sweep and bench.
type profileFlags struct {
	cpu, mem string
}

// addProfileFlags registers the profiling flags on fs.
func addProfileFlags(fs *flag.FlagSet) *profileFlags {
	p := &profileFlags{}
	fs.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile (pprof format) to this file")
	fs.StringVar(&p.mem, "memprofile", "", "write a heap profile (pprof format) to this file at the end")
	return p
}

// start begins CPU profiling if asked and returns a function that stops it and writes the heap
// profile. The stop function must be called exactly once.
func (p *profileFlags) start() (stop func() error, err error) {
	var cpuFile *os.File
	if p.cpu != "" {
		cpuFile, err = os.Create(p.cpu)
		if err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(cpuFile); err != nil {
			cpuFile.Close()
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
	}
	return func() error {
		var errs []error
		if cpuFile != nil {
			pprof.StopCPUProfile()
			errs = append(errs, cpuFile.Close())
		}
		if p.mem != "" {
			f, err := os.Create(p.mem)
			if err != nil {
				return errors.Join(append(errs, fmt.Errorf("--memprofile: %w", err))...)
			}
			runtime.GC() // up-to-date statistics of live objects
			errs = append(errs, pprof.WriteHeapProfile(f), f.Close())
		}
		return errors.Join(errs...)
	}, nil
}
