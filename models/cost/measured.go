package cost

import (
	"math"
	"time"

	"github.com/mimisim/mimisim/models/mls"
)

// Measured is implemented by models whose cost of an operation is the wall-clock time the real
// call took (time_mode "measured"). A client whose model is Measured times each real MLS call and
// charges Charge(op, n, device, elapsed) instead of CPU(op, n, device); models that are not
// Measured (tables, Zero) are never shown a wall-clock time, so their runs stay deterministic.
type Measured interface {
	Model
	Charge(op mls.Op, groupSize int, device string, elapsed time.Duration) time.Duration
}

// Wall is the model of time_mode "measured": an operation costs the wall-clock time the real call
// took on this host, times the device factor (the host stands for the reference machine). Such
// runs are not deterministic: the charges depend on the host, its load, the Go runtime's garbage
// collection and the timer's resolution.
//
// Fallback answers CPU, for operations a caller charges without executing them; Wall.CPU panics
// when it is nil.
type Wall struct {
	Fallback Model
}

var _ Measured = Wall{}

// Charge returns elapsed × DeviceFactor(device). It panics for an unknown device, like Table.CPU.
func (w Wall) Charge(op mls.Op, groupSize int, device string, elapsed time.Duration) time.Duration {
	f, err := DeviceFactor(device)
	if err != nil {
		panic(err)
	}
	return time.Duration(math.Round(float64(max(elapsed, 0)) * f))
}

// CPU returns the fallback model's cost of an operation that was not timed.
func (w Wall) CPU(op mls.Op, groupSize int, device string) time.Duration {
	if w.Fallback == nil {
		panic("cost: Wall.CPU without a Fallback: time the call and use Charge")
	}
	return w.Fallback.CPU(op, groupSize, device)
}
