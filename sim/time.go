package sim

import (
	"strconv"
	"time"
)

// Time is a virtual instant: nanoseconds since the start of the run.
type Time int64

// Add returns t+d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns the duration t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// Seconds returns t in seconds.
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

// String formats t as seconds with nanosecond precision, e.g. "12.000450000s".
func (t Time) String() string {
	return strconv.FormatFloat(t.Seconds(), 'f', 9, 64) + "s"
}
