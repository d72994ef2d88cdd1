package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/mimisim/mimisim/results"
)

// benchRun runs a scenario as "mimisim run --quiet" does, writing its results to a temporary
// directory that it removes afterwards, and prints one line of whole-run figures:
//
//	run scenario=… members=… events=… gomaxprocs=… wall_s=… cpu_s=… events_per_s=…
//	peak_rss_mib=… rss_b_per_member=…
//
// wall_s and cpu_s (user + system time of the process) cover the simulation and writing the
// results; events_per_s is simulated events per wall second; peak_rss_mib is the process's
// peak resident set (VmHWM, so including start-up), and rss_b_per_member
// that divided by the room's members. Run it with GOMAXPROCS=1 for one core.
func benchRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	seed := fs.String("seed", "", "")
	cpuprofile := fs.String("cpuprofile", "", "")
	memprofile := fs.String("memprofile", "", "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError{"bench run: " + err.Error()}
	}
	if len(pos) != 1 {
		return usageError{fmt.Sprintf("bench run takes one scenario file (or embedded:NAME), got %d", len(pos))}
	}
	tmp, err := os.MkdirTemp("", "mimisim-bench-run-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "results")
	runArgs := []string{pos[0], "--quiet", "--out", dir}
	for _, f := range []struct{ name, v string }{{"seed", *seed}, {"cpuprofile", *cpuprofile}, {"memprofile", *memprofile}} {
		if f.v != "" {
			runArgs = append(runArgs, "--"+f.name, f.v)
		}
	}

	cpu0 := cpuTime()
	start := time.Now()
	if err := runCmd(runArgs, io.Discard, stderr); err != nil {
		return err
	}
	wall := time.Since(start)
	cpu := cpuTime() - cpu0
	rss := peakRSS()

	m, err := results.ReadManifest(filepath.Join(dir, results.ManifestFile))
	if err != nil {
		return err
	}
	members := 0
	for _, p := range m.Params {
		if p.Name == "members" {
			members, _ = strconv.Atoi(p.Value)
		}
	}
	if members <= 0 {
		return fmt.Errorf("bench run: the manifest of %s gives no member count", pos[0])
	}
	_, err = fmt.Fprintf(stdout, "run scenario=%s members=%d events=%d gomaxprocs=%d wall_s=%.2f cpu_s=%.2f events_per_s=%.0f peak_rss_mib=%.0f rss_b_per_member=%.0f\n",
		m.Scenario, members, m.Events, runtime.GOMAXPROCS(0), wall.Seconds(), cpu.Seconds(),
		float64(m.Events)/wall.Seconds(), float64(rss)/(1<<20), float64(rss)/float64(members))
	return err
}

// cpuTime returns the user plus system CPU time of the process so far (0 if unknown).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
