package diarize

import "github.com/courtscribe/courtscribe/asr/diarize/internal/core"

// Frontend: per hop, every channel's power spectrum (two channels share one complex FFT), its
// speech-band power, a 30 ms boxcar of it and its spectral flatness (internal/core); then the
// stages in order.

// step analyses one complete hop on every channel and advances the turn state.
func (d *Diarizer) step() {
	t := d.st.Frame
	d.live = 0
	for c := range d.ch {
		d.ch[c].Shift()
		l := &d.ch[c].lowHist
		copy(l[:lowHistLen-hop], l[hop:])
		copy(l[lowHistLen-hop:], d.ch[c].Win[winLen-hop:])
	}
	d.spec.Analyse()
	for c := range d.ch {
		ch := &d.ch[c]
		d.removeLines(c, t)
		band, src := ch.Measure(t)
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
		d.z[c] = max(ch.Smooth-ch.NF.Level, 0) / ch.NF.Level
		d.zs[c] = max(ch.src-ch.NF.Level, 0) / ch.NF.Level
	}
	d.learn()
	d.attribute()
	for c := range d.ch {
		ch := &d.ch[c]
		ch.Ev.Add(t, d.z[c], d.bl[c])
		k := int(t % core.EvidenceFrames)
		ch.dSum += d.diff[c] - ch.dHist[k]
		ch.dHist[k] = d.diff[c]
		ch.dRing[t%4] = ch.dSum
	}
	d.learnPosition(t)
	if d.trace != nil {
		d.trace(t, d.z, d.score)
	}
	d.anyActive = d.st.Decide(d.turn)
}
