package diarize

import "math"
import "slices"

// Stage 31: stationary lines — mains hum, a fan's tone — are taken out of each channel's
// spectrum before anything reads it.
//
// A ground loop on one mic's line puts hum on that channel alone, after the preamp: 50 Hz and
// its harmonics, of which 150 and 250 Hz fall inside the speech band (from 187.5 Hz; a 16 ms
// Hann window spreads a line over about three bins). Read as part of the band, the hum became
// that mic's noise floor, and every level the diarizer compares is a level over the floor: on
// a channel whose hum stood 20 dB over the room, the talker's own voice read 20 dB under its
// real distance to the mic, the hot mic next to it read the voice louder, and the talker's
// lines went to the neighbour (the time lead, the talker's mic first by 22 samples at a
// correlation of 0.94, was not looked at: stage 7 looks at a neighbour within 4 dB). The hum
// also made the channel's quiet frames tonal, and the floor is learned only on noise-like ones.
// In rooms rendered by a renderer written apart from the project's (image-source room,
// its own noises, hum on one or two channels 12–25 dB over the room) that was the largest
// error: a judge on a −8 dB mic beside a +5 dB associate lost 4.1–8.5 % of the hearing (as confusion) to the
// associate on three draws of the room.
//
// So each channel follows every bin's floor (its power smoothed over about 50 ms, a running
// minimum that rises lineRiseDB per second, and only while no seat holds a turn, so that a
// voice held through a long turn is not taken for a line), and every quarter second marks as a
// line each bin of the band whose floor stands lineOverDB over the second lowest floor of the
// bins up to lineNeighbor either side (the bin's own main lobe, ±1, left out; the second
// lowest, so that the bins of a neighbouring line do not raise it). A line bin then reads the
// mean power of the nearest bins on either side that hold no line. Subtracting the line's
// power instead was tried first: the cross term of the line and the room's noise is left,
// and it flickers as high as the noise itself — a witness on a −10 dB mic with hum kept their
// turn for 1–2 s after each line on it. A channel without lines is read as before.
//
// lineOverDB is 18 dB, over a floor that is a running minimum (a noise bin's minimum lies some
// dB under its mean, a steady line's does not): a line that matters stands 15–25 dB over the
// room. At 10 dB the weak hum of the project's own rooms (−64 to −72 dBFS on every mic, so
// 10–15 dB over its bins on a mic turned 9–10 dB down) was taken out too; that moved 48 of the
// 132 rooms and scenes either way, by up to 2.7 points, mostly through the leads the seats had
// learned (random-en-506: a witness leaning to a −9 dB mic went to nobody). At 18 dB those
// rooms are as before (four move by 0.01–0.03 points). Measured (2026-12-07) on 18 hearings of that independent renderer (six rooms, three
// draws each): DER 6.0 → 3.5 % on average, targets met 12 → 14 of 18, sounds reported as speech
// 33 → 20 of 216; the judge on the −8 dB mic 7.52 → 2.66, 14.55 → 4.57 and 12.39 → 0.20 %.
const (
	lineLo       = binLo - 2 // bins whose floor is followed: the band and two below it
	lineRiseDB   = 1.0       // dB per second a bin's floor may rise
	lineOverDB   = 18.0      // a bin's floor this far over its neighbourhood's: a line
	lineEvery    = 25        // frames between two looks for lines
	lineSettle   = 50        // frames of floor before the first look
	lineNeighbor = 4         // bins either side whose floors make the neighbourhood
	lineSmooth   = 0.8       // one-pole smoothing of a bin's power (about 50 ms)
)

var (
	lineRise = math.Pow(10, lineRiseDB/10/framesS)
	lineOver = math.Pow(10, lineOverDB/10)
)

// lineState is one channel's per-bin floor and the lines found in it.
type lineState struct {
	smooth [binHi + 1 + lineNeighbor]float64 // each bin's power, smoothed over about 50 ms
	floor  [binHi + 1 + lineNeighbor]float64 // running minimum of smooth, rising slowly
	line   [binHi + 1]bool                   // the bins of the band that hold a line
	any    bool
}

// removeLines follows seat c's per-bin floor and takes the lines found in it out of the
// frame's spectrum (stage 31).
func (d *Diarizer) removeLines(c int, t int64) {
	ch := &d.ch[c]
	ls := &ch.lines
	hi := min(binHi+lineNeighbor, len(ch.Pow)-1)
	for k := lineLo; k <= hi; k++ {
		p := ch.Pow[k]
		if t == 0 {
			ls.smooth[k] = p
		}
		p = lineSmooth*ls.smooth[k] + (1-lineSmooth)*p
		ls.smooth[k] = p
		switch {
		case t == 0 || p < ls.floor[k]:
			ls.floor[k] = p
		case !d.anyActive: // a voice held in a long turn is no line
			ls.floor[k] *= lineRise
		}
	}
	if t >= lineSettle && t%lineEvery == 0 {
		findLines(ls, hi)
	}
	if !ls.any {
		return
	}
	// Only line bins are written, and only bins without a line are read: each reads this
	// frame's power as measured.
	for k := binLo; k <= binHi; k++ {
		if !ls.line[k] {
			continue
		}
		var sum float64
		n := 0
		for j := k - 1; j >= binLo; j-- {
			if !ls.line[j] {
				sum += ch.Pow[j]
				n++
				break
			}
		}
		for j := k + 1; j <= binHi; j++ {
			if !ls.line[j] {
				sum += ch.Pow[j]
				n++
				break
			}
		}
		if n > 0 {
			ch.Pow[k] = sum / float64(n)
		}
	}
}

// findLines marks the bins of the band whose floor stands lineOver over the second lowest
// floor of the bins lineNeighbor either side, the bin's own main lobe (±1) left out.
func findLines(ls *lineState, hi int) {
	ls.any = false
	var nb [2 * lineNeighbor]float64
	for k := binLo; k <= binHi; k++ {
		n := 0
		for j := k - lineNeighbor; j <= k+lineNeighbor; j++ {
			if j >= lineLo && j <= hi && abs(j-k) > 1 {
				nb[n] = ls.floor[j]
				n++
			}
		}
		s := nb[:n]
		slices.Sort(s)
		ls.line[k] = ls.floor[k] > lineOver*s[1]
		ls.any = ls.any || ls.line[k]
	}
}
