package diarize

import "math"

// fft is an in-place iterative radix-2 complex FFT of a fixed power-of-two size with
// precomputed twiddles and bit-reversal table, so a transform allocates nothing.
type fft struct {
	n    int
	rev  []int
	cos  []float64
	sin  []float64
	bits int
}

func newFFT(n int) *fft {
	f := &fft{n: n, rev: make([]int, n), cos: make([]float64, n/2), sin: make([]float64, n/2)}
	for 1<<f.bits < n {
		f.bits++
	}
	for i := range n {
		r := 0
		for b := 0; b < f.bits; b++ {
			if i&(1<<b) != 0 {
				r |= 1 << (f.bits - 1 - b)
			}
		}
		f.rev[i] = r
	}
	for i := range n / 2 {
		a := -2 * math.Pi * float64(i) / float64(n)
		f.cos[i], f.sin[i] = math.Cos(a), math.Sin(a)
	}
	return f
}

// transform replaces (re, im) by their discrete Fourier transform.
func (f *fft) transform(re, im []float64) {
	n := f.n
	for i := range n {
		if j := f.rev[i]; j > i {
			re[i], re[j] = re[j], re[i]
			im[i], im[j] = im[j], im[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		half := size >> 1
		step := n / size
		for start := 0; start < n; start += size {
			k := 0
			for j := start; j < start+half; j++ {
				wr, wi := f.cos[k], f.sin[k]
				l := j + half
				tr := wr*re[l] - wi*im[l]
				ti := wr*im[l] + wi*re[l]
				re[l], im[l] = re[j]-tr, im[j]-ti
				re[j], im[j] = re[j]+tr, im[j]+ti
				k += step
			}
		}
	}
}
