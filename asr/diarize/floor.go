package diarize

import (
	"math"
	"slices"
)

// Noise floor: minimum statistics (Martin 2001) — the minimum of the smoothed band power over
// 8 blocks of 40 frames (3.2 s), with a bias correction for taking the minimum of a fluctuating
// estimate. The floor follows a lower minimum at once, but rises towards a higher one slowly
// while anyone speaks or the channel carries voiced sound (long answers have few pauses, and the
// minimum over a few seconds of continuous speech is speech), and quickly while the room is
// quiet and the channel carries noise-like sound (a fan switched on).
//
// Gated microphones. A gate or an automixer sends exact zeros between utterances and opens on
// speech, so the first frames after a zero run are the talker's voice (or another seat's
// bleed), not the room: a floor taken there measures the voice, and every channel that opened
// at the same moment reads the same calibrated level, the talker's and the bleed alike. So:
//   - digital silence is no measurement: a channel keeps its last real floor through it;
//   - a channel that has been closed (a zero run of gateFrames) before its floor was known
//     takes a floor only from a quiet stretch: quietFrames consecutive noise-like frames,
//     settleFrames after the gate opened, while no seat is in a turn;
//   - until then its level is measured against a reference floor: the median of the channels'
//     real floors (an open mic beside it: compare in raw level, as if the gains were equal), or,
//     with every channel gated, one common floor for all of them — a quiet mic's self-noise
//     (-66 dBFS), or the lowest of their running low levels (a minimum that rises 0.2 dB/s)
//     where that is lower — so gated channels compare in raw level and the talker's mic, not
//     the bleed, wins;
//   - a channel that never carried a sample (a dead mic) reads zero against that floor.
const (
	digitalSilence = 0.1 * (binHi - binLo + 1) // band power of ±0.3 LSB of white noise
	floorBlock     = 40
	floorCalibrate = framesS            // frames of signal during which the floor follows up and down
	floorBias      = 1.6                // ≈ +2 dB
	floorRiseSlow  = 0.2 / 10 / framesS // 0.2 dB/s, as a power ratio exponent (log10 units)
	floorRiseFast  = 3.0 / 10 / framesS // 3 dB/s

	gateFrames   = 10 // a zero run this long (100 ms) is a closed gate, not a zero crossing
	settleFrames = 3  // frames after a gate opens whose 30 ms average still holds zeros
	quietFrames  = 50 // 0.5 s of quiet noise-like signal gives a gated channel its floor
	// gatedRefFloor: with every channel gated and none with a floor, the common floor is at
	// most that of a quiet microphone's self-noise, -66 dBFS (white noise of 16.4 LSB RMS:
	// band power ≈ variance × bins), so that one talker alone on the only open gate is not
	// measured against its own voice.
	gatedRefFloor = 16.4 * 16.4 * (binHi - binLo + 1) * floorBias
)

// silent says whether a frame's band power is digital silence (below ~1.5 LSB RMS in the band).
func silent(band float64) bool { return band < 30*digitalSilence }

func (d *Diarizer) updateFloor(ch *channel, t int64, band float64) {
	if silent(band) {
		// Digital silence (a file that starts with zeros, a muted input, a closed gate) says
		// nothing about the room: keep the floor, or wait for real signal to set it.
		ch.zeroRun++
		if ch.zeroRun >= gateFrames {
			ch.open = 0
			if !ch.floorSet {
				ch.gated = true
			}
		}
		ch.quietN = 0
		return
	}
	ch.zeroRun = 0
	ch.open++
	if !ch.floorSet && ch.gated {
		d.gatedFloor(ch, t)
		return
	}
	if t == 0 || !ch.floorSet {
		ch.floor, ch.floorSet, ch.floorSince = band*floorBias, true, t
		ch.smooth, ch.b1, ch.b2, ch.b3 = band, band, band, band
		ch.blockMin = math.Inf(1)
		return
	}
	ch.blockMin = min(ch.blockMin, ch.smooth)
	ch.blockN++
	cur := ch.blockMin
	for i := range ch.minsN {
		cur = min(cur, ch.mins[i])
	}
	target := cur * floorBias
	switch {
	case target <= ch.floor || t-ch.floorSince < floorCalibrate:
		// Below the floor, or in the first second of signal (calibration), follow at once.
		ch.floor = target
	case ch.flat >= d.cfg.MaxFlatness && !d.anyActive:
		ch.floor = min(target, ch.floor*d.riseFast)
	default:
		ch.floor = min(target, ch.floor*d.riseSlow)
	}
	if ch.blockN == floorBlock {
		ch.mins[ch.minsI] = ch.blockMin
		ch.minsI = (ch.minsI + 1) % len(ch.mins)
		ch.minsN = min(ch.minsN+1, len(ch.mins))
		ch.blockMin, ch.blockN = math.Inf(1), 0
	}
}

// gatedFloor follows a gated channel that has no floor yet: its running low level (for the
// common reference) and the quiet stretch that will give it a floor.
func (d *Diarizer) gatedFloor(ch *channel, t int64) {
	if ch.open <= settleFrames {
		return
	}
	ch.lowMin = min(ch.smooth, ch.lowMin*d.riseSlow)
	if ch.flat < d.cfg.MaxFlatness || d.anyActive {
		ch.quietN = 0
		return
	}
	if ch.quietN == 0 {
		ch.quietMin = ch.smooth
	}
	ch.quietN++
	ch.quietMin = min(ch.quietMin, ch.smooth)
	if ch.quietN < quietFrames {
		return
	}
	// A real floor: minimum statistics continue from it, with no calibration phase.
	ch.floor, ch.floorSet, ch.floorSince = ch.quietMin*floorBias, true, t-floorCalibrate
	ch.blockMin, ch.blockN = math.Inf(1), 0
	for i := range ch.mins {
		ch.mins[i] = ch.quietMin
	}
	ch.minsN = len(ch.mins)
}

// refFloors gives every channel without a real floor the reference floor (see above).
func (d *Diarizer) refFloors() {
	k := 0
	low := math.Inf(1)
	for c := range d.ch {
		ch := &d.ch[c]
		if ch.floorSet {
			d.sorted[k] = ch.floor
			k++
		} else {
			low = min(low, ch.lowMin)
		}
	}
	if k == d.n {
		return
	}
	ref := digitalSilence * floorBias
	if k > 0 {
		s := d.sorted[:k]
		slices.Sort(s)
		ref = s[(k-1)/2]
	} else {
		ref = min(gatedRefFloor, low*floorBias)
	}
	ref = max(ref, digitalSilence*floorBias)
	for c := range d.ch {
		if !d.ch[c].floorSet {
			d.ch[c].floor = ref
		}
	}
}
