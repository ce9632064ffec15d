package capture

import "fmt"
import "math"

// Resampler converts a stream of planar float32 channels from one sample rate to another by
// rational polyphase filtering (interpolate by L, low-pass, decimate by M, computed without the
// zero-stuffed intermediate signal). The low-pass is a Kaiser-windowed sinc (J. F. Kaiser,
// "Nonrecursive digital filter design using the I0-sinh window function", 1974) designed for
// 80 dB stopband rejection with its transition band ending at the lower Nyquist frequency:
// for a 16 kHz output it is flat to 7 kHz and rejects everything from 8 kHz up.
//
// It streams: Process may be called with blocks of any size; the filter history is kept
// between calls and the number of outputs after N inputs is exactly ceil(N·L/M), so the
// output timeline never drifts. The output lags the input by the filter's group delay
// (Delay, about 2.5 ms), a constant.
type Resampler struct {
	l, m   int
	taps   int         // taps per phase (K)
	phases [][]float32 // phases[p][i] multiplies x[base-(taps-1)+i] (coefficients reversed)
	hist   [][]float32 // per channel: the last taps-1 input samples
	in     int64       // input frames consumed so far (including skipped ones)
	out    int64       // output frames produced so far
	bypass bool
	work   []float32
}

// ResamplerQuality parameters of the design.
const (
	resampleStopDB = 80.0
)

// NewResampler builds a resampler from inRate to outRate for channels channels.
func NewResampler(inRate, outRate, channels int) (*Resampler, error) {
	if inRate < 1000 || inRate > 768000 || outRate < 1000 || outRate > 768000 {
		return nil, fmt.Errorf("resampler: rates %d → %d Hz out of range", inRate, outRate)
	}
	if channels < 1 || channels > 256 {
		return nil, fmt.Errorf("resampler: %d channels out of range", channels)
	}
	g := gcd(inRate, outRate)
	r := &Resampler{l: outRate / g, m: inRate / g, hist: make([][]float32, channels)}
	if r.l == 1 && r.m == 1 {
		r.bypass = true
		return r, nil
	}
	if r.l > 4096 {
		return nil, fmt.Errorf("resampler: ratio %d/%d too complex", r.l, r.m)
	}
	low := math.Min(float64(inRate), float64(outRate))
	transition := low / 16 // 1 kHz for a 16 kHz side
	stop := low / 2
	cutoff := stop - transition/2
	// Kaiser's estimate of the length for the given attenuation and transition width,
	// counted in input samples (taps per phase).
	dw := 2 * math.Pi * transition / float64(inRate)
	k := int(math.Ceil((resampleStopDB-7.95)/(2.285*dw))) + 1
	if k < 8 {
		k = 8
	}
	r.taps = k
	n := k * r.l
	fsUp := float64(inRate) * float64(r.l)
	fc := cutoff / fsUp // normalised to the upsampled rate
	beta := 0.1102 * (resampleStopDB - 8.7)
	i0b := besselI0(beta)
	proto := make([]float64, n)
	mid := float64(n-1) / 2
	for i := range proto {
		t := float64(i) - mid
		x := 2 * fc * t
		s := 2 * fc
		if x != 0 {
			s = math.Sin(math.Pi*x) / (math.Pi * t)
		}
		ratio := t / mid
		w := besselI0(beta*math.Sqrt(math.Max(0, 1-ratio*ratio))) / i0b
		proto[i] = s * w * float64(r.l)
	}
	r.phases = make([][]float32, r.l)
	for p := 0; p < r.l; p++ {
		ph := make([]float32, k)
		for j := 0; j < k; j++ {
			ph[k-1-j] = float32(proto[p+j*r.l])
		}
		r.phases[p] = ph
	}
	for c := range r.hist {
		r.hist[c] = make([]float32, k-1)
	}
	return r, nil
}

// Ratio returns L and M: the output rate is the input rate × L / M.
func (r *Resampler) Ratio() (l, m int) { return r.l, r.m }

// Delay is the constant group delay in output samples.
func (r *Resampler) Delay() float64 {
	if r.bypass {
		return 0
	}
	return float64(r.taps*r.l-1) / 2 / float64(r.m)
}

// Outputs returns how many outputs exist after n inputs: ceil(n·L/M).
func (r *Resampler) Outputs(n int64) int64 { return (n*int64(r.l) + int64(r.m) - 1) / int64(r.m) }

// Process consumes one block of planar input (every channel the same length) and appends
// the outputs to out[c], returning the extended slices.
func (r *Resampler) Process(in [][]float32, out [][]float32) ([][]float32, error) {
	if len(in) != len(r.hist) || len(out) != len(r.hist) {
		return out, fmt.Errorf("resampler: got %d input / %d output channels, built for %d", len(in), len(out), len(r.hist))
	}
	n := len(in[0])
	for c := range in {
		if len(in[c]) != n {
			return out, fmt.Errorf("resampler: channel %d has %d samples, channel 0 has %d", c, len(in[c]), n)
		}
	}
	if r.bypass {
		for c := range in {
			out[c] = append(out[c], in[c]...)
		}
		r.in += int64(n)
		r.out += int64(n)
		return out, nil
	}
	k := r.taps
	start := r.in - int64(k-1) // input index of work[0]
	newIn := r.in + int64(n)
	l, m := int64(r.l), int64(r.m)
	first := r.out
	last := r.Outputs(newIn) // exclusive
	for c := range in {
		if cap(r.work) < k-1+n {
			r.work = make([]float32, k-1+n)
		}
		w := r.work[:k-1+n]
		copy(w, r.hist[c])
		copy(w[k-1:], in[c])
		o := out[c]
		for idx := first; idx < last; idx++ {
			pos := idx * m
			base := pos/l - start
			ph := r.phases[pos%l]
			o = append(o, dot(ph, w[base-int64(k)+1:base+1]))
		}
		out[c] = o
		copy(r.hist[c], w[len(w)-(k-1):])
	}
	r.in = newIn
	r.out = last
	return out, nil
}

// Skip accounts for n input frames that were lost (a device overflow): the history is reset
// to silence and the number of output frames that the lost input spans is returned, so the
// caller can record a gap of exactly that length.
func (r *Resampler) Skip(n int64) int64 {
	if n <= 0 {
		return 0
	}
	r.in += n
	if r.bypass {
		r.out += n
		return n
	}
	last := r.Outputs(r.in)
	g := last - r.out
	r.out = last
	for c := range r.hist {
		clear(r.hist[c])
	}
	return g
}

// dot is the inner product of two equally long slices, four lanes at a time.
func dot(h, x []float32) float32 {
	x = x[:len(h)]
	var a0, a1, a2, a3 float32
	i := 0
	for ; i+4 <= len(h); i += 4 {
		hh := h[i : i+4 : i+4]
		xx := x[i : i+4 : i+4]
		a0 += hh[0] * xx[0]
		a1 += hh[1] * xx[1]
		a2 += hh[2] * xx[2]
		a3 += hh[3] * xx[3]
	}
	for ; i < len(h); i++ {
		a0 += h[i] * x[i]
	}
	return (a0 + a1) + (a2 + a3)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// besselI0 is the zeroth-order modified Bessel function of the first kind (power series).
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1; k < 200; k++ {
		term *= q / float64(k*k)
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}
