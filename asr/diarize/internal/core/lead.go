package core

import "math"

import "github.com/courtscribe/courtscribe/capture/wire"

// Time lead. A talker's own microphone hears them first; every other microphone hears a copy
// some milliseconds later. When the loudest channel in calibrated level is not the loudest in
// raw level (a hot mic, or a mic with extra noise such as a fan next to it: level calibration
// alone cannot tell which), the generalized cross-correlation with phase transform (GCC-PHAT, Knapp & Carter 1976) of the
// last 32 ms, restricted to the speech band, names the channel that leads — the talker — even
// where the talker's mic reads quieter (a fan raising its noise floor). PHAT whitening keeps the
// pitch periodicity of voiced speech from producing false peaks. A weak plain correlation at
// that lag says the channels do not carry one source (double talk, noise): the frame teaches
// nothing. Wrigley et al. (2005) found cross-correlation among the best crosstalk features;
// here it only picks the source of teaching frames.
const (
	HistLen   = 512  // samples kept per channel
	GCCLen    = 1024 // zero-padded transform size (linear lags up to ±512)
	MaxLead   = 240  // samples (15 ms): largest bleed delay considered
	LeadEvery = 1    // frames between time-lead checks (every frame: fewer teach the model worse)
	LeadMin   = 4    // samples (0.25 ms): a smaller lag cannot tell who is nearer
	LeadCorr  = 0.9  // normalized correlation needed to call it one source
	PeakGuard = 8    // samples around the GCC peak that belong to it
	PeakClear = 1.5  // the GCC peak must exceed any other lag's value by this factor
)

// Lead holds the time-lead check's window, transform and scratch (which the current
// diarizer's periodicity measure borrows between checks).
type Lead struct {
	Win              [HistLen]float64 // Hann window of the time-lead check
	Re, Im, CRe, CIm [GCCLen]float64
	FFT              *FFT
}

// Init prepares the window and the transform.
func (ld *Lead) Init() {
	ld.FFT = NewFFT(GCCLen)
	for i := range ld.Win {
		ld.Win[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/HistLen)
	}
}

// Leader settles which of channels a and b (their last 32 ms ha and hb) carries the talker by
// the time lead of its microphone; false when it cannot tell (weak correlation: not one
// source, or lag too small).
func (ld *Lead) Leader(a, b int, ha, hb *[HistLen]float64) (int, bool) {
	lag, corr := ld.CrossLead(ha, hb)
	switch {
	case corr < LeadCorr || (lag > -LeadMin && lag < LeadMin):
		return 0, false
	case lag < 0: // b hears it before a does
		return b, true
	}
	return a, true
}

// CrossLead returns the lag L (samples, |L| ≤ MaxLead) at which b best matches a — L > 0 means
// b hears it later than a — and the plain normalized correlation at that lag.
func (ld *Lead) CrossLead(a, b *[HistLen]float64) (int, float64) {
	re, im := ld.Re[:], ld.Im[:]
	for i, w := range ld.Win {
		re[i], im[i] = a[i]*w, b[i]*w
	}
	clear(re[HistLen:])
	clear(im[HistLen:])
	ld.FFT.Transform(re, im)
	// Cross-spectrum conj(A)·B, PHAT-weighted, speech band only (both halves, Hermitian).
	lo, hi := GCCLen*200/wire.SampleRate, GCCLen*4000/wire.SampleRate
	for k := range GCCLen {
		ld.CRe[k], ld.CIm[k] = 0, 0
	}
	for k := lo; k <= hi; k++ {
		nk := GCCLen - k
		zr, zi, nr, ni := re[k], im[k], re[nk], im[nk]
		ar, ai := (zr+nr)/2, (zi-ni)/2 // A[k]
		br, bi := (zi+ni)/2, (nr-zr)/2 // B[k] = (Z[k] - conj(Z[N-k]))/(2i)
		gr, gi := ar*br+ai*bi, ar*bi-ai*br
		m := math.Hypot(gr, gi)
		if m == 0 {
			continue
		}
		gr, gi = gr/m, gi/m
		ld.CRe[k], ld.CIm[k] = gr, gi
		ld.CRe[nk], ld.CIm[nk] = gr, -gi
	}
	// Inverse transform via the forward one: ifft(x) = conj(fft(conj(x)))/N; only the real
	// part is needed and its sign is unaffected by the conjugations.
	for k := range GCCLen {
		ld.CIm[k] = -ld.CIm[k]
	}
	ld.FFT.Transform(ld.CRe[:], ld.CIm[:])
	best, lag := math.Inf(-1), 0
	for l := -MaxLead; l <= MaxLead; l++ {
		if v := ld.CRe[(l+GCCLen)%GCCLen]; v > best {
			best, lag = v, l
		}
	}
	// A strongly periodic (voiced) sound correlates almost as well one pitch period away: the
	// peak must stand clear of every other lag, or the frame cannot tell who leads.
	for l := -MaxLead; l <= MaxLead; l++ {
		if (l < lag-PeakGuard || l > lag+PeakGuard) && ld.CRe[(l+GCCLen)%GCCLen] > best/PeakClear {
			return 0, 0
		}
	}
	var s, ea, eb float64
	for i := max(0, -lag); i < min(HistLen, HistLen-lag); i++ {
		x, y := a[i], b[i+lag]
		s += x * y
		ea += x * x
		eb += y * y
	}
	if ea == 0 || eb == 0 {
		return 0, 0
	}
	return lag, s / math.Sqrt(ea*eb)
}
