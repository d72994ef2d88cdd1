package parallel

import (
	"fmt"
	"testing"
)

// TestForEachLowestError: every call runs, and the error is the lowest failing index's, on one
// goroutine or many.
func TestForEachLowestError(t *testing.T) {
	for _, n := range []int{0, 1, MinParallel - 1, 5 * MinParallel} {
		ran := make([]bool, n)
		err := ForEach(n, func(i int) error {
			ran[i] = true
			if i%7 == 3 {
				return fmt.Errorf("fail %d", i)
			}
			return nil
		})
		for i, ok := range ran {
			if !ok && (n > MinParallel || i <= 3) {
				t.Fatalf("n=%d: call %d did not run", n, i)
			}
		}
		if n > 3 && (err == nil || err.Error() != "fail 3") {
			t.Fatalf("n=%d: error %v, want fail 3", n, err)
		}
		if n <= 3 && err != nil {
			t.Fatalf("n=%d: error %v", n, err)
		}
	}
}
