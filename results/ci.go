package results

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// CILevel is the confidence level of the intervals in sweep summaries and figures.
const CILevel = 0.95

// MeanCI returns the mean of samples and the bounds of the two-sided confidence interval of the
// mean at level (such as 0.95), from Student's t distribution with n−1 degrees of freedom:
//
//	mean ± t(1 − (1−level)/2; n−1) · s / √n
//
// where s is the sample standard deviation (n−1 denominator). The interval assumes the samples
// are independent draws of a roughly normal quantity, such as the means of independent
// replications. With fewer than two samples the bounds are NaN (there is no spread to go by),
// and with none the mean is NaN too. MeanCI panics if level is not strictly between 0 and 1.
func MeanCI(samples []float64, level float64) (mean, lo, hi float64) {
	if !(level > 0 && level < 1) {
		panic(fmt.Sprintf("results: confidence level %v is not between 0 and 1", level))
	}
	n := len(samples)
	if n == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	mean = stat.Mean(samples, nil)
	if n < 2 {
		return mean, math.NaN(), math.NaN()
	}
	half := TQuantile(1-(1-level)/2, n-1) * stat.StdDev(samples, nil) / math.Sqrt(float64(n))
	return mean, mean - half, mean + half
}

// TQuantile returns the p-quantile of Student's t distribution with dof degrees of freedom
// (gonum's distuv.StudentsT), e.g. TQuantile(0.975, 4) ≈ 2.776.
func TQuantile(p float64, dof int) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(dof)}.Quantile(p)
}

// PowerFit is a least-squares fit of a power law y = e^A · x^K, done as a straight line in
// log–log space: log y = A + K · log x (natural logarithms).
type PowerFit struct {
	K       float64 // the exponent: the slope in log–log space
	KStdErr float64 // the standard error of K; NaN with two points (no residual degrees of freedom)
	A       float64 // the intercept, log y at x = 1
	N       int     // the number of points fitted
}

// FitPowerLaw fits log y = A + K · log x to the points (xs[i], ys[i]) by ordinary least
// squares. The standard error of K is s / √Sxx, where s² = Σ residual² / (n − 2) and Sxx is the
// sum of squared deviations of log x from its mean.
//
// It needs at least two points, every x and y finite and > 0, and two different x values.
func FitPowerLaw(xs, ys []float64) (PowerFit, error) {
	n := len(xs)
	switch {
	case n != len(ys):
		return PowerFit{}, fmt.Errorf("results: %d x values but %d y values", n, len(ys))
	case n < 2:
		return PowerFit{}, errors.New("results: a power-law fit needs at least two points")
	}
	lx, ly := make([]float64, n), make([]float64, n)
	for i := range xs {
		if !(xs[i] > 0) || !(ys[i] > 0) || math.IsInf(xs[i], 0) || math.IsInf(ys[i], 0) {
			return PowerFit{}, fmt.Errorf("results: point (%v, %v) is not positive and finite; a log–log fit needs both", xs[i], ys[i])
		}
		lx[i], ly[i] = math.Log(xs[i]), math.Log(ys[i])
	}
	mx, my := stat.Mean(lx, nil), stat.Mean(ly, nil)
	var sxx, sxy float64
	for i := range lx {
		sxx += (lx[i] - mx) * (lx[i] - mx)
		sxy += (lx[i] - mx) * (ly[i] - my)
	}
	if sxx == 0 {
		return PowerFit{}, errors.New("results: a power-law fit needs two different x values")
	}
	f := PowerFit{K: sxy / sxx, N: n, KStdErr: math.NaN()}
	f.A = my - f.K*mx
	if n > 2 {
		var rss float64
		for i := range lx {
			r := ly[i] - (f.A + f.K*lx[i])
			rss += r * r
		}
		f.KStdErr = math.Sqrt(rss / float64(n-2) / sxx)
	}
	return f, nil
}
