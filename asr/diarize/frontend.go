package diarize

import "math"

// Frontend: per hop, every channel's power spectrum (two channels share one complex FFT), its
// speech-band power, a 30 ms boxcar of it and its spectral flatness; then the stages in order.

// step analyses one complete hop on every channel and advances the turn state.
func (d *Diarizer) step() {
	t := d.frame
	d.live = 0
	for c := range d.ch {
		h := &d.ch[c].hist
		copy(h[:histLen-hop], h[hop:])
		copy(h[histLen-hop:], d.ch[c].win[winLen-hop:])
		l := &d.ch[c].lowHist
		copy(l[:lowHistLen-hop], l[hop:])
		copy(l[lowHistLen-hop:], d.ch[c].win[winLen-hop:])
	}
	for c := 0; c < d.n; c += 2 {
		d.analysePair(c, min(c+1, d.n-1))
	}
	for c := range d.ch {
		ch := &d.ch[c]
		var band float64
		for k := binLo; k <= binHi; k++ {
			band += ch.pow[k]
		}
		band += digitalSilence // quantisation-level floor, keeps digital silence finite
		if t <= 1 {            // frame 0's window is partly the zero history before the stream
			ch.b1, ch.b2, ch.b3 = band, band, band
		}
		// A 30 ms boxcar evens out the aliasing of short bursts against the 10 ms hop and,
		// unlike a recursive average, leaves no long tail after a turn ends. As a source of
		// bleed a channel is measured over one more frame (40 ms), so that it covers everything
		// a neighbour's 30 ms can have received from it up to 10 ms later.
		src := (band + ch.b1 + ch.b2 + ch.b3) / 3
		ch.smooth = (band + ch.b1 + ch.b2) / 3
		ch.b3, ch.b2, ch.b1 = ch.b2, ch.b1, band
		ch.flat = flatness(ch.pow[binLo : binHi+1])
		ch.band = band
		d.updateFloor(ch, t, band)
		ch.src = src
		if ch.zeroRun == 0 {
			d.live++
		}
	}
	d.refFloors()
	for c := range d.ch {
		ch := &d.ch[c]
		d.z[c] = max(ch.smooth-ch.floor, 0) / ch.floor
		d.zs[c] = max(ch.src-ch.floor, 0) / ch.floor
	}
	d.learn()
	d.attribute()
	for c := range d.ch {
		ch := &d.ch[c]
		k := int(t % evidenceFrames)
		ch.zSum += d.z[c] - ch.zHist[k]
		ch.bSum += d.bl[c] - ch.bHist[k]
		ch.zHist[k], ch.bHist[k] = d.z[c], d.bl[c]
		ch.dSum += d.diff[c] - ch.dHist[k]
		ch.dHist[k] = d.diff[c]
	}
	if d.trace != nil {
		d.trace(t, d.z, d.score)
	}
	d.anyActive = false
	for c := range d.ch {
		d.turn(c, t)
		d.anyActive = d.anyActive || d.ch[c].active
	}
	for c := range d.ch {
		copy(d.ch[c].win[:winLen-hop], d.ch[c].win[hop:])
	}
	d.fill = 0
	d.frame++
}

// analysePair transforms two channels with one complex FFT (a in the real part, b in the
// imaginary part) and separates their power spectra.
func (d *Diarizer) analysePair(a, b int) {
	wa, wb := &d.ch[a].win, &d.ch[b].win
	for i := range winLen {
		d.re[i] = wa[i] * d.window[i]
		d.im[i] = wb[i] * d.window[i]
	}
	d.fft.transform(d.re[:], d.im[:])
	pa, pb := &d.ch[a].pow, &d.ch[b].pow
	for k := range nBins {
		nk := (winLen - k) & (winLen - 1)
		zr, zi, nr, ni := d.re[k], d.im[k], d.re[nk], d.im[nk]
		sr, si := zr+nr, zi-ni
		dr, di := zr-nr, zi+ni
		pa[k] = (sr*sr + si*si) / 4
		if b != a {
			pb[k] = (dr*dr + di*di) / 4
		}
	}
}

// flatness is the spectral flatness (geometric over arithmetic mean) of a power spectrum:
// near 0.56 for white noise, well below for voiced speech. Logarithms are taken of products of
// eight bins (bounded well inside float64 range), which keeps it cheap.
func flatness(p []float64) float64 {
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
