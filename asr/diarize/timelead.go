package diarize

import "math"

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
	histLen   = 512  // samples kept per channel
	gccLen    = 1024 // zero-padded transform size (linear lags up to ±512)
	maxLead   = 240  // samples (15 ms): largest bleed delay considered
	leadEvery = 1    // frames between time-lead checks (every frame: fewer teach the model worse)
	leadMin   = 4    // samples (0.25 ms): a smaller lag cannot tell who is nearer
	leadCorr  = 0.9  // normalized correlation needed to call it one source
	peakGuard = 8    // samples around the GCC peak that belong to it
	peakClear = 1.5  // the GCC peak must exceed any other lag's value by this factor
)

// leader settles which of channels a and b carries the talker by the time lead of its
// microphone; false when it cannot tell (weak correlation: not one source, or lag too small).
func (d *Diarizer) leader(a, b int) (int, bool) {
	lag, corr := d.crossLead(&d.ch[a].hist, &d.ch[b].hist)
	switch {
	case corr < leadCorr || (lag > -leadMin && lag < leadMin):
		return 0, false
	case lag < 0: // b hears it before a does
		return b, true
	}
	return a, true
}

// crossLead returns the lag L (samples, |L| ≤ maxLead) at which b best matches a — L > 0 means
// b hears it later than a — and the plain normalized correlation at that lag.
func (d *Diarizer) crossLead(a, b *[histLen]float64) (int, float64) {
	re, im := d.gre[:], d.gim[:]
	for i, w := range d.gwin {
		re[i], im[i] = a[i]*w, b[i]*w
	}
	clear(re[histLen:])
	clear(im[histLen:])
	d.gfft.transform(re, im)
	// Cross-spectrum conj(A)·B, PHAT-weighted, speech band only (both halves, Hermitian).
	lo, hi := gccLen*200/SampleRate, gccLen*4000/SampleRate
	for k := range gccLen {
		d.cre[k], d.cim[k] = 0, 0
	}
	for k := lo; k <= hi; k++ {
		nk := gccLen - k
		zr, zi, nr, ni := re[k], im[k], re[nk], im[nk]
		ar, ai := (zr+nr)/2, (zi-ni)/2 // A[k]
		br, bi := (zi+ni)/2, (nr-zr)/2 // B[k] = (Z[k] - conj(Z[N-k]))/(2i)
		gr, gi := ar*br+ai*bi, ar*bi-ai*br
		m := math.Hypot(gr, gi)
		if m == 0 {
			continue
		}
		gr, gi = gr/m, gi/m
		d.cre[k], d.cim[k] = gr, gi
		d.cre[nk], d.cim[nk] = gr, -gi
	}
	// Inverse transform via the forward one: ifft(x) = conj(fft(conj(x)))/N; only the real
	// part is needed and its sign is unaffected by the conjugations.
	for k := range gccLen {
		d.cim[k] = -d.cim[k]
	}
	d.gfft.transform(d.cre[:], d.cim[:])
	best, lag := math.Inf(-1), 0
	for l := -maxLead; l <= maxLead; l++ {
		if v := d.cre[(l+gccLen)%gccLen]; v > best {
			best, lag = v, l
		}
	}
	// A strongly periodic (voiced) sound correlates almost as well one pitch period away: the
	// peak must stand clear of every other lag, or the frame cannot tell who leads.
	for l := -maxLead; l <= maxLead; l++ {
		if (l < lag-peakGuard || l > lag+peakGuard) && d.cre[(l+gccLen)%gccLen] > best/peakClear {
			return 0, 0
		}
	}
	var s, ea, eb float64
	for i := max(0, -lag); i < min(histLen, histLen-lag); i++ {
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
