package network

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Dist is a latency distribution. Implementations are immutable values; Sample draws only from
// the stream it is given and never returns a negative duration.
type Dist interface {
	// Sample draws one latency from r.
	Sample(r *rand.Rand) time.Duration
	// Mean returns the distribution's expected value.
	Mean() time.Duration
	// String describes the distribution and its parameters, e.g. "lognormal(median=20ms, sigma=0.5)".
	String() string
}

// Distribution kinds accepted by NewDist.
const (
	KindConstant           = "constant"
	KindShiftedExponential = "shifted_exponential"
	KindLogNormal          = "lognormal"
)

// DistKinds returns the kinds NewDist accepts, sorted.
func DistKinds() []string {
	return []string{KindConstant, KindLogNormal, KindShiftedExponential}
}

// maxSample caps a sampled float before it is converted to a Duration (about 146 years), so
// that an extreme draw from a wide distribution cannot overflow int64.
const maxSample = float64(1 << 62)

func toDuration(ns float64) time.Duration {
	if ns >= maxSample {
		return time.Duration(1 << 62)
	}
	return time.Duration(math.Round(ns))
}

// Constant returns the distribution that always yields d. It panics if d is negative; use
// NewDist to validate untrusted parameters.
func Constant(d time.Duration) Dist {
	if d < 0 {
		panic(fmt.Sprintf("network: Constant(%v): negative duration", d))
	}
	return constant{d}
}

type constant struct{ d time.Duration }

func (c constant) Sample(*rand.Rand) time.Duration { return c.d }
func (c constant) Mean() time.Duration             { return c.d }
func (c constant) String() string                  { return KindConstant + "(" + c.d.String() + ")" }

// ShiftedExponential returns min + Exp(mean): a floor (propagation and processing that every
// packet pays) plus an exponentially distributed excess whose own mean is mean. The
// distribution's mean is min+mean. It panics if either parameter is negative.
func ShiftedExponential(min, mean time.Duration) Dist {
	if min < 0 || mean < 0 {
		panic(fmt.Sprintf("network: ShiftedExponential(%v, %v): negative parameter", min, mean))
	}
	return shiftedExp{min: min, mean: mean}
}

type shiftedExp struct{ min, mean time.Duration }

func (s shiftedExp) Sample(r *rand.Rand) time.Duration {
	if s.mean == 0 {
		return s.min
	}
	return s.min + toDuration(r.ExpFloat64()*float64(s.mean))
}

func (s shiftedExp) Mean() time.Duration { return s.min + s.mean }

func (s shiftedExp) String() string {
	return KindShiftedExponential + "(min=" + s.min.String() + ", mean=" + s.mean.String() + ")"
}

// LogNormal returns the distribution of median·exp(sigma·Z) with Z standard normal: its
// median is median and its mean median·exp(sigma²/2). It panics if median or sigma is negative
// or sigma is not finite.
func LogNormal(median time.Duration, sigma float64) Dist {
	if median < 0 || !(sigma >= 0) || math.IsInf(sigma, 0) {
		panic(fmt.Sprintf("network: LogNormal(%v, %v): invalid parameter", median, sigma))
	}
	return logNormal{median: median, sigma: sigma}
}

type logNormal struct {
	median time.Duration
	sigma  float64
}

func (l logNormal) Sample(r *rand.Rand) time.Duration {
	if l.sigma == 0 || l.median == 0 {
		return l.median
	}
	return toDuration(float64(l.median) * math.Exp(l.sigma*r.NormFloat64()))
}

func (l logNormal) Mean() time.Duration {
	return toDuration(float64(l.median) * math.Exp(l.sigma*l.sigma/2))
}

func (l logNormal) String() string {
	return KindLogNormal + "(median=" + l.median.String() + ", sigma=" +
		strconv.FormatFloat(l.sigma, 'g', -1, 64) + ")"
}

// NewDist builds a distribution from scenario parameters, returning an error (naming the
// parameter) where the constructors would panic. Each kind reads only its own parameters and
// rejects the others when they are non-zero, so that a misplaced field is reported rather than
// ignored:
//
//	"constant"            value
//	"shifted_exponential" min, mean
//	"lognormal"           median, sigma
func NewDist(kind string, value, min, mean, median time.Duration, sigma float64) (Dist, error) {
	type param struct {
		name string
		set  bool
	}
	unused := func(ps ...param) error {
		for _, p := range ps {
			if p.set {
				return fmt.Errorf("network: %s distribution does not use %s", kind, p.name)
			}
		}
		return nil
	}
	negative := func(name string, d time.Duration) error {
		if d < 0 {
			return fmt.Errorf("network: %s %s is negative (%v)", kind, name, d)
		}
		return nil
	}
	pValue := param{"value", value != 0}
	pMin := param{"min", min != 0}
	pMean := param{"mean", mean != 0}
	pMedian := param{"median", median != 0}
	pSigma := param{"sigma", sigma != 0}
	switch kind {
	case KindConstant:
		if err := unused(pMin, pMean, pMedian, pSigma); err != nil {
			return nil, err
		}
		if err := negative("value", value); err != nil {
			return nil, err
		}
		return Constant(value), nil
	case KindShiftedExponential:
		if err := unused(pValue, pMedian, pSigma); err != nil {
			return nil, err
		}
		if err := negative("min", min); err != nil {
			return nil, err
		}
		if err := negative("mean", mean); err != nil {
			return nil, err
		}
		return ShiftedExponential(min, mean), nil
	case KindLogNormal:
		if err := unused(pValue, pMin, pMean); err != nil {
			return nil, err
		}
		if err := negative("median", median); err != nil {
			return nil, err
		}
		if !(sigma >= 0) || math.IsInf(sigma, 0) {
			return nil, fmt.Errorf("network: %s sigma must be finite and ≥ 0, got %v", kind, sigma)
		}
		return LogNormal(median, sigma), nil
	default:
		return nil, fmt.Errorf("network: unknown distribution kind %q (want one of %s)",
			kind, strings.Join(DistKinds(), ", "))
	}
}
