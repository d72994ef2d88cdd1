package phold

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func threadCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1, &ru) // RUSAGE_THREAD
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZCPU(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, c := range [][2]int{{16, 16}, {1024, 16}, {4096, 16}} {
		k, _ := newModel(Config{LPs: c[0], Pop: c[1], Events: 1 << 62, Seed: 1})
		for i := 0; i < 1<<20; i++ {
			k.Step()
		}
		best := time.Hour
		const n = 10_000_000
		for rep := 0; rep < 5; rep++ {
			c0 := threadCPU()
			for i := 0; i < n; i++ {
				k.Step()
			}
			best = min(best, threadCPU()-c0)
		}
		fmt.Printf("pending=%d cpu_ns/event=%.1f\n", c[0]*c[1], float64(best.Nanoseconds())/n)
	}
}
