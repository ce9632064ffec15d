package core

import "math"
import "math/cmplx"
import "math/rand/v2"
import "testing"

func naiveDFT(x []float64) []complex128 {
	n := len(x)
	out := make([]complex128, n)
	for k := range n {
		var s complex128
		for t, v := range x {
			s += complex(v, 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(k*t)/float64(n)))
		}
		out[k] = s
	}
	return out
}

// TestPairSpectraMatchDFT checks the two-channels-in-one-FFT separation against a plain DFT of
// each channel, so bleed ratios are not corrupted by leakage between paired channels.
func TestPairSpectraMatchDFT(t *testing.T) {
	s := NewSpectrum(2)
	var win [2][WinLen]float64
	var pow [2][NBins]float64
	r := rand.New(rand.NewPCG(1, 2))
	for i := range WinLen {
		win[0][i] = r.NormFloat64() * 1000
		win[1][i] = math.Sin(float64(i)*0.3) * 300
	}
	s.Pair(&win[0], &win[1], &pow[0], &pow[1])
	for c := range 2 {
		x := make([]float64, WinLen)
		for i := range x {
			x[i] = win[c][i] * s.Window[i]
		}
		ref := naiveDFT(x)
		for k := range NBins {
			want := real(ref[k])*real(ref[k]) + imag(ref[k])*imag(ref[k])
			if got := pow[c][k]; math.Abs(got-want) > 1e-6*max(want, 1) {
				t.Fatalf("channel %d bin %d: power %g, DFT says %g", c, k, got, want)
			}
		}
	}
}
