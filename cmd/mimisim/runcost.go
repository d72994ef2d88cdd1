package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mimisim/mimisim/results"
)

// runCost is what a run cost on this machine: wall-clock time of set-up and of the rest, CPU
// time and peak resident memory. None of it is deterministic; it is printed, and written to the
// manifest only with --wall-clock.
type runCost struct {
	setup, total time.Duration
	cpu          time.Duration // user + system CPU time of the process
	peakRSS      int64         // bytes, VmHWM (0: unknown)
	events       uint64
	procs        int // GOMAXPROCS: the workers members decrypt on ahead of delivery (models/world/prefetch.go)
}

// measureCost reads the clocks and the process's resource usage at the end of a run.
func measureCost(start time.Time, setup time.Duration, events uint64) runCost {
	c := runCost{setup: setup, total: time.Since(start), events: events, peakRSS: peakRSS(), procs: runtime.GOMAXPROCS(0)}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		c.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return c
}

// peakRSS returns the process's peak resident set size (VmHWM of /proc/self/status), 0 if
// unknown.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				n, err := strconv.ParseInt(f[0], 10, 64)
				if err == nil {
					return n << 10
				}
			}
		}
	}
	return 0
}

func (c runCost) String() string {
	rss := "unknown"
	if c.peakRSS > 0 {
		rss = fmt.Sprintf("%.2f GB", float64(c.peakRSS)/1e9)
	}
	after := c.total - c.setup
	return fmt.Sprintf("wall clock (machine-dependent): set-up %.1fs, after set-up %.1fs (%.0f events/s overall); CPU %.1fs; peak RSS %s; GOMAXPROCS %d",
		c.setup.Seconds(), after.Seconds(), float64(c.events)/c.total.Seconds(), c.cpu.Seconds(), rss, c.procs)
}

// addTo writes the figures to the manifest's extra facts, marked as machine-dependent.
func (c runCost) addTo(m *results.Manifest) {
	m.Extra["wall_setup_s (non-deterministic, machine-dependent)"] = fmt.Sprintf("%.2f", c.setup.Seconds())
	m.Extra["wall_after_setup_s (non-deterministic, machine-dependent)"] = fmt.Sprintf("%.2f", (c.total - c.setup).Seconds())
	m.Extra["cpu_s (non-deterministic, machine-dependent)"] = fmt.Sprintf("%.2f", c.cpu.Seconds())
	m.Extra["peak_rss_bytes (non-deterministic, machine-dependent)"] = strconv.FormatInt(c.peakRSS, 10)
	m.Extra["gomaxprocs (machine-dependent; results do not depend on it)"] = strconv.Itoa(c.procs)
	m.Notes = append(m.Notes, "--wall-clock: the manifest holds this run's wall-clock times, CPU time and peak memory, "+
		"which differ between runs and machines; the observations are still deterministic.")
}
