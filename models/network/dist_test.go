package network

import (
	"math"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/mimisim/mimisim/sim"
)

// TestDistSampleMeans checks that the sample mean of n draws is within 5 standard errors of
// Mean(), with the standard deviation taken from the closed form of each distribution.
func TestDistSampleMeans(t *testing.T) {
	const n = 200_000
	ms := float64(time.Millisecond)
	lnSD := func(median time.Duration, sigma float64) float64 {
		d := distuv.LogNormal{Mu: math.Log(float64(median)), Sigma: sigma}
		return d.StdDev()
	}
	tests := []struct {
		name string
		d    Dist
		sd   float64 // ns
	}{
		{"constant", Constant(7 * time.Millisecond), 0},
		{"shifted exponential", ShiftedExponential(10*time.Millisecond, 5*time.Millisecond), 5 * ms},
		{"exponential without shift", ShiftedExponential(0, 40*time.Millisecond), 40 * ms},
		{"lognormal narrow", LogNormal(20*time.Millisecond, 0.25), lnSD(20*time.Millisecond, 0.25)},
		{"lognormal wide", LogNormal(5*time.Millisecond, 1), lnSD(5*time.Millisecond, 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := sim.NewStream(42, tc.name)
			var sum float64
			for range n {
				sum += float64(tc.d.Sample(r))
			}
			got := sum / n
			want := float64(tc.d.Mean())
			tol := 5*tc.sd/math.Sqrt(n) + 1 // +1 ns for the rounding of Mean and of each draw
			if math.Abs(got-want) > tol {
				t.Errorf("%v: sample mean %.0f ns, Mean() %.0f ns, tolerance %.0f ns", tc.d, got, want, tol)
			}
		})
	}
}

// TestDistMeanMatchesGonum checks the closed-form means against gonum's implementations.
func TestDistMeanMatchesGonum(t *testing.T) {
	tests := []struct {
		d    Dist
		want float64
	}{
		{LogNormal(20*time.Millisecond, 0.5), distuv.LogNormal{Mu: math.Log(20e6), Sigma: 0.5}.Mean()},
		{LogNormal(3*time.Millisecond, 1.2), distuv.LogNormal{Mu: math.Log(3e6), Sigma: 1.2}.Mean()},
		{ShiftedExponential(2*time.Millisecond, 8*time.Millisecond), 2e6 + distuv.Exponential{Rate: 1 / 8e6}.Mean()},
	}
	for _, tc := range tests {
		if got := float64(tc.d.Mean()); math.Abs(got-tc.want) > 1 {
			t.Errorf("%v: Mean() = %.1f ns, gonum says %.1f ns", tc.d, got, tc.want)
		}
	}
}

func TestDistSupport(t *testing.T) {
	r := sim.NewStream(1, "support")
	se := ShiftedExponential(12*time.Millisecond, 3*time.Millisecond)
	ln := LogNormal(10*time.Millisecond, 0.8)
	below := 0
	const n = 100_000
	for range n {
		if v := se.Sample(r); v < 12*time.Millisecond {
			t.Fatalf("%v sampled %v, below its minimum", se, v)
		}
		v := ln.Sample(r)
		if v < 0 {
			t.Fatalf("%v sampled negative %v", ln, v)
		}
		if v < 10*time.Millisecond {
			below++
		}
	}
	// Half the draws fall below the median; 5 binomial standard errors of slack.
	if frac, tol := float64(below)/n, 5*0.5/math.Sqrt(n); math.Abs(frac-0.5) > tol {
		t.Errorf("%v: %.4f of draws below the median, want 0.5 ± %.4f", ln, frac, tol)
	}
	if v := Constant(3 * time.Second).Sample(r); v != 3*time.Second {
		t.Errorf("Constant(3s) sampled %v", v)
	}
}

func TestNewDist(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name                      string
		kind                      string
		value, min, mean, median  time.Duration
		sigma                     float64
		wantString, wantErrSubstr string
	}{
		{name: "constant", kind: "constant", value: 5 * ms, wantString: "constant(5ms)"},
		{name: "constant zero", kind: "constant", wantString: "constant(0s)"},
		{name: "shifted", kind: "shifted_exponential", min: 3 * ms, mean: 2 * ms,
			wantString: "shifted_exponential(min=3ms, mean=2ms)"},
		{name: "lognormal", kind: "lognormal", median: 20 * ms, sigma: 0.5,
			wantString: "lognormal(median=20ms, sigma=0.5)"},
		{name: "negative value", kind: "constant", value: -ms, wantErrSubstr: "value is negative"},
		{name: "negative min", kind: "shifted_exponential", min: -ms, wantErrSubstr: "min is negative"},
		{name: "negative mean", kind: "shifted_exponential", mean: -ms, wantErrSubstr: "mean is negative"},
		{name: "negative median", kind: "lognormal", median: -ms, wantErrSubstr: "median is negative"},
		{name: "negative sigma", kind: "lognormal", median: ms, sigma: -0.1, wantErrSubstr: "sigma"},
		{name: "NaN sigma", kind: "lognormal", median: ms, sigma: math.NaN(), wantErrSubstr: "sigma"},
		{name: "infinite sigma", kind: "lognormal", median: ms, sigma: math.Inf(1), wantErrSubstr: "sigma"},
		{name: "misplaced mean", kind: "constant", value: ms, mean: ms, wantErrSubstr: "does not use mean"},
		{name: "misplaced sigma", kind: "shifted_exponential", mean: ms, sigma: 1, wantErrSubstr: "does not use sigma"},
		{name: "misplaced value", kind: "lognormal", median: ms, value: ms, wantErrSubstr: "does not use value"},
		{name: "unknown kind", kind: "pareto", wantErrSubstr: `unknown distribution kind "pareto"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewDist(tc.kind, tc.value, tc.min, tc.mean, tc.median, tc.sigma)
			if tc.wantErrSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrSubstr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErrSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.String() != tc.wantString {
				t.Errorf("String() = %q, want %q", d.String(), tc.wantString)
			}
		})
	}
}

func TestDistKindsSortedAndAccepted(t *testing.T) {
	kinds := DistKinds()
	for i, k := range kinds {
		if i > 0 && kinds[i-1] >= k {
			t.Errorf("DistKinds not sorted: %v", kinds)
		}
		if _, err := NewDist(k, 0, 0, 0, 0, 0); err != nil {
			t.Errorf("NewDist(%q) with zero parameters: %v", k, err)
		}
	}
}

func TestConstructorsPanicOnNegative(t *testing.T) {
	tests := []struct {
		name string
		f    func()
	}{
		{"Constant", func() { Constant(-1) }},
		{"ShiftedExponential min", func() { ShiftedExponential(-1, 0) }},
		{"ShiftedExponential mean", func() { ShiftedExponential(0, -1) }},
		{"LogNormal median", func() { LogNormal(-1, 0) }},
		{"LogNormal sigma", func() { LogNormal(1, -1) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tc.f()
		})
	}
}
