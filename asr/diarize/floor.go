package diarize

import "math"

// Noise floor: minimum statistics (Martin 2001) — the minimum of the smoothed band power over
// 8 blocks of 40 frames (3.2 s), with a bias correction for taking the minimum of a fluctuating
// estimate. The floor follows a lower minimum at once, but rises towards a higher one slowly
// while anyone speaks or the channel carries voiced sound (long answers have few pauses, and the
// minimum over a few seconds of continuous speech is speech), and quickly while the room is
// quiet and the channel carries noise-like sound (a fan switched on).
const (
	digitalSilence = 0.1 * (binHi - binLo + 1) // band power of ±0.3 LSB of white noise
	floorBlock     = 40
	floorCalibrate = framesS            // frames of signal during which the floor follows up and down
	floorBias      = 1.6                // ≈ +2 dB
	floorRiseSlow  = 0.2 / 10 / framesS // 0.2 dB/s, as a power ratio exponent (log10 units)
	floorRiseFast  = 3.0 / 10 / framesS // 3 dB/s
)

func (d *Diarizer) updateFloor(ch *channel, t int64, band float64) {
	if band < 30*digitalSilence { // below ~1.5 LSB RMS in the band
		// Digital silence (a file that starts with zeros, a muted input) says nothing about
		// the room: keep the floor, or wait for real signal to set it.
		if !ch.floorSet {
			ch.floor = digitalSilence * floorBias
		}
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
