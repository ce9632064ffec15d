package core

import "math"

// FFT is an in-place iterative radix-2 complex FFT of a fixed power-of-two size with
// precomputed twiddles and bit-reversal table, so a transform allocates nothing.
type FFT struct {
	n    int
	rev  []int
	cos  []float64
	sin  []float64
	bits int
}

// NewFFT prepares the transform of size n (a power of two).
func NewFFT(n int) *FFT {
	f := &FFT{n: n, rev: make([]int, n), cos: make([]float64, n/2), sin: make([]float64, n/2)}
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

// Transform replaces (re, im) by their discrete Fourier transform.
func (f *FFT) Transform(re, im []float64) {
	n := f.n
	for i := range n {
		if j := f.rev[i]; j > i {
			re[i], re[j] = re[j], re[i]
			im[i], im[j] = im[j], im[i]
		}
	}
	// Stages of size 2 and 4 have trivial twiddles (1 and -i): one pass without multiplies.
	for j := 0; j+3 < n; j += 4 {
		r0, i0 := re[j]+re[j+1], im[j]+im[j+1]
		r1, i1 := re[j]-re[j+1], im[j]-im[j+1]
		r2, i2 := re[j+2]+re[j+3], im[j+2]+im[j+3]
		r3, i3 := re[j+2]-re[j+3], im[j+2]-im[j+3]
		re[j], im[j] = r0+r2, i0+i2
		re[j+2], im[j+2] = r0-r2, i0-i2
		// (r3 + i·i3)·(-i) = i3 - i·r3
		re[j+1], im[j+1] = r1+i3, i1-r3
		re[j+3], im[j+3] = r1-i3, i1+r3
	}
	for size := 8; size <= n; size <<= 1 {
		half := size >> 1
		step := n / size
		for start := 0; start < n; start += size {
			a, ai := re[start:start+half], im[start:start+half]
			b, bi := re[start+half:start+size], im[start+half:start+size]
			for j := range a {
				wr, wi := f.cos[j*step], f.sin[j*step]
				tr := wr*b[j] - wi*bi[j]
				ti := wr*bi[j] + wi*b[j]
				b[j], bi[j] = a[j]-tr, ai[j]-ti
				a[j], ai[j] = a[j]+tr, ai[j]+ti
			}
		}
	}
}
