// Package parallel runs independent public-key operations of one MLS operation (the checks of
// many KeyPackages, the HPKE encryptions of a large Welcome or UpdatePath) on all cores, with the
// error a loop would give.
package parallel

import (
	"runtime"
	"sync"
)

// MinParallel is the number of independent public-key operations below which forEach runs them
// on the calling goroutine (starting goroutines costs more than a few signature checks).
const MinParallel = 64

// ForEach calls f(0) … f(n-1), on up to GOMAXPROCS goroutines when n is large, each with a fixed
// stride of indices. The calls must be independent. The error returned is that of the lowest
// index that failed, whatever the number of goroutines and their scheduling (all calls run).
func ForEach(n int, f func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n/MinParallel+1)
	if workers <= 1 {
		for i := range n {
			if err := f(i); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				errs[i] = f(i)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
