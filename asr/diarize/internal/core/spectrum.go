package core

import "math"

// Spectrum computes the power spectra of 16 ms Hann-windowed frames, two channels with one
// complex FFT.
type Spectrum struct {
	Window [WinLen]float64    // Hann, scaled so that band power ≈ variance per sample × bins
	Win    []*[WinLen]float64 // each channel's window (Analyse)
	Pow    []*[NBins]float64  // each channel's power spectrum (Analyse)
	re, im [WinLen]float64
	fft    *FFT
}

// NewSpectrum prepares the window and the transform for n channels, whose windows and
// spectra the caller puts in Win and Pow.
func NewSpectrum(n int) *Spectrum {
	s := &Spectrum{fft: NewFFT(WinLen), Win: make([]*[WinLen]float64, n), Pow: make([]*[NBins]float64, n)}
	var sumW2 float64
	for i := range s.Window {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/WinLen)
		s.Window[i] = w
		sumW2 += w * w
	}
	// Scale so that band power ≈ variance per sample × number of bins for white noise.
	for i := range s.Window {
		s.Window[i] /= math.Sqrt(sumW2)
	}
	return s
}

// Pair transforms two channels with one complex FFT (wa in the real part, wb in the imaginary
// part) and separates their power spectra into pa and pb. With pb nil, wa and wb are one
// channel and only pa is written.
func (s *Spectrum) Pair(wa, wb *[WinLen]float64, pa, pb *[NBins]float64) {
	for i := range WinLen {
		s.re[i] = wa[i] * s.Window[i]
		s.im[i] = wb[i] * s.Window[i]
	}
	s.fft.Transform(s.re[:], s.im[:])
	for k := range NBins {
		nk := (WinLen - k) & (WinLen - 1)
		zr, zi, nr, ni := s.re[k], s.im[k], s.re[nk], s.im[nk]
		sr, si := zr+nr, zi-ni
		dr, di := zr-nr, zi+ni
		pa[k] = (sr*sr + si*si) / 4
		if pb != nil {
			pb[k] = (dr*dr + di*di) / 4
		}
	}
}

// Analyse computes every channel's power spectrum, two channels per FFT.
func (s *Spectrum) Analyse() {
	n := len(s.Win)
	for c := 0; c < n; c += 2 {
		if c+1 < n {
			s.Pair(s.Win[c], s.Win[c+1], s.Pow[c], s.Pow[c+1])
		} else {
			s.Pair(s.Win[c], s.Win[c], s.Pow[c], nil)
		}
	}
}

// DigitalSilence is the band power of ±0.3 LSB of white noise: added to every frame's band
// power as a quantisation-level floor, it keeps digital silence finite.
const DigitalSilence = 0.1 * (BinHi - BinLo + 1)

// Band returns the speech-band power of a power spectrum, DigitalSilence included.
func Band(pow *[NBins]float64) float64 {
	var band float64
	for k := BinLo; k <= BinHi; k++ {
		band += pow[k]
	}
	return band + DigitalSilence
}

// Silent says whether a frame's band power is digital silence (below ~1.5 LSB RMS in the band).
func Silent(band float64) bool { return band < 30*DigitalSilence }

// Boxcar smooths a channel's band power. A 30 ms boxcar evens out the aliasing of short bursts
// against the 10 ms hop and, unlike a recursive average, leaves no long tail after a turn
// ends. As a source of bleed a channel is measured over one more frame (40 ms), so that it
// covers everything a neighbour's 30 ms can have received from it up to 10 ms later.
type Boxcar struct {
	Smooth     float64 // band power averaged over the last three frames
	B1, B2, B3 float64 // band power of the three previous frames
}

// Next takes frame t's band power, updates Smooth and returns the 40 ms source level.
func (b *Boxcar) Next(band float64, t int64) (src float64) {
	if t <= 1 { // frame 0's window is partly the zero history before the stream
		b.B1, b.B2, b.B3 = band, band, band
	}
	src = (band + b.B1 + b.B2 + b.B3) / 3
	b.Smooth = (band + b.B1 + b.B2) / 3
	b.B3, b.B2, b.B1 = b.B2, b.B1, band
	return src
}

// Reset makes band the level of every frame so far.
func (b *Boxcar) Reset(band float64) {
	b.Smooth, b.B1, b.B2, b.B3 = band, band, band, band
}

// Flatness is the spectral flatness (geometric over arithmetic mean) of a power spectrum:
// near 0.56 for white noise, well below for voiced speech. Logarithms are taken of products of
// eight bins (bounded well inside float64 range), which keeps it cheap.
func Flatness(p []float64) float64 {
	var sl, s float64
	prod := 1.0
	for i, v := range p {
		v = min(max(v, 1e-3), 1e30)
		prod *= v
		s += v
		if i&7 == 7 {
			sl += math.Log(prod)
			prod = 1
		}
	}
	sl += math.Log(prod)
	n := float64(len(p))
	return math.Exp(sl/n) / (s / n)
}
