package scene

import "math"
import "math/bits"
import "sync"

// cfft is an in-place iterative radix-2 complex FFT of one power-of-two size.
type cfft struct {
	n   int
	rev []int32
	tw  []complex128 // exp(-2πik/n), k < n/2
}

var cfftCache sync.Map // size → *cfft

func getFFT(n int) *cfft {
	if f, ok := cfftCache.Load(n); ok {
		return f.(*cfft)
	}
	f := &cfft{n: n, rev: make([]int32, n), tw: make([]complex128, n/2)}
	lg := bits.TrailingZeros(uint(n))
	for i := range n {
		f.rev[i] = int32(bits.Reverse(uint(i)) >> (bits.UintSize - lg))
	}
	for k := range n / 2 {
		s, c := math.Sincos(-2 * math.Pi * float64(k) / float64(n))
		f.tw[k] = complex(c, s)
	}
	cfftCache.Store(n, f)
	return f
}

// transform computes the DFT of x in place (inverse: the unscaled inverse DFT).
func (f *cfft) transform(x []complex128, inverse bool) {
	n := f.n
	for i := range n {
		if j := int(f.rev[i]); j > i {
			x[i], x[j] = x[j], x[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		half, step := size/2, n/size
		for start := 0; start < n; start += size {
			for k := range half {
				w := f.tw[k*step]
				if inverse {
					w = complex(real(w), -imag(w))
				}
				a, b := x[start+k], x[start+k+half]*w
				x[start+k], x[start+k+half] = a+b, a-b
			}
		}
	}
}

// fftSizeFor returns the transform size used to convolve with an impulse response of m
// samples: a power of two at least 2m (so each overlap-add block carries ≥ half new samples).
func fftSizeFor(m int) int {
	n := 1024
	for n < 2*m {
		n <<= 1
	}
	return n
}

// spectrum returns the n-point DFT of the zero-padded impulse response h.
func spectrum(h []float64, n int) []complex128 {
	x := make([]complex128, n)
	for i, v := range h {
		x[i] = complex(v, 0)
	}
	getFFT(n).transform(x, false)
	return x
}

// convolveInto adds gain·(src * h_k) to dst_k at offset for every k, by overlap-add FFT
// convolution: each block of src is transformed once and multiplied with every spectrum H_k
// (all of size n, impulse responses no longer than m ≤ n/2). The outputs are independent, so
// they are computed in parallel; the result does not depend on scheduling.
func convolveInto(dst [][]float64, offset int, src []float64, gain float64, H [][]complex128, m, n int) {
	f := getFFT(n)
	block := n - m + 1
	X := make([]complex128, n)
	work := make([][]complex128, len(H))
	for k := range work {
		work[k] = make([]complex128, n)
	}
	for b0 := 0; b0 < len(src); b0 += block {
		b1 := min(b0+block, len(src))
		silent := true
		for i := range X {
			X[i] = 0
		}
		for i := b0; i < b1; i++ {
			X[i-b0] = complex(src[i]*gain, 0)
			if src[i] != 0 {
				silent = false
			}
		}
		if silent {
			continue
		}
		f.transform(X, false)
		var wg sync.WaitGroup
		for k := range H {
			wg.Add(1)
			go func(k int) {
				defer wg.Done()
				Y, Hk := work[k], H[k]
				for i := range Y {
					Y[i] = X[i] * Hk[i]
				}
				f.transform(Y, true)
				d := dst[k]
				scale := 1 / float64(n)
				lim := min(b1-b0+m-1, len(d)-(offset+b0))
				for i := 0; i < lim; i++ {
					if o := offset + b0 + i; o >= 0 {
						d[o] += real(Y[i]) * scale
					}
				}
			}(k)
		}
		wg.Wait()
	}
}
