package diarize

import "math"
import "slices"

import "github.com/courtscribe/courtscribe/asr/diarize/internal/core"

// Noise floor: minimum statistics (Martin 2001, core.NoiseFloor), rising slowly while anyone
// speaks or the channel carries voiced sound, quickly while the room is quiet and the channel
// carries noise-like sound (a fan switched on).
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
	gateFrames   = 10 // a zero run this long (100 ms) is a closed gate, not a zero crossing
	settleFrames = 3  // frames after a gate opens whose 30 ms average still holds zeros
	quietFrames  = 50 // 0.5 s of quiet noise-like signal gives a gated channel its floor
	// gatedRefFloor: with every channel gated and none with a floor, the common floor is at
	// most that of a quiet microphone's self-noise, -66 dBFS (white noise of 16.4 LSB RMS:
	// band power ≈ variance × bins), so that one talker alone on the only open gate is not
	// measured against its own voice.
	gatedRefFloor = 16.4 * 16.4 * (binHi - binLo + 1) * floorBias
)

func (d *Diarizer) updateFloor(ch *channel, t int64, band float64) {
	if core.Silent(band) {
		// Digital silence (a file that starts with zeros, a muted input, a closed gate) says
		// nothing about the room: keep the floor, or wait for real signal to set it.
		ch.zeroRun++
		if ch.zeroRun >= gateFrames {
			ch.open = 0
			if !ch.NF.Set {
				ch.gated = true
			}
		}
		ch.quietN = 0
		return
	}
	ch.zeroRun = 0
	ch.open++
	if !ch.NF.Set && ch.gated {
		d.gatedFloor(ch, t)
		return
	}
	ch.NF.Update(t, band, &ch.Boxcar, ch.Flat >= d.cfg.MaxFlatness && !d.anyActive, &d.th)
}

// gatedFloor follows a gated channel that has no floor yet: its running low level (for the
// common reference) and the quiet stretch that will give it a floor.
func (d *Diarizer) gatedFloor(ch *channel, t int64) {
	if ch.open <= settleFrames {
		return
	}
	ch.lowMin = min(ch.Smooth, ch.lowMin*d.th.RiseSlow)
	if ch.Flat < d.cfg.MaxFlatness || d.anyActive {
		ch.quietN = 0
		return
	}
	if ch.quietN == 0 {
		ch.quietMin = ch.Smooth
	}
	ch.quietN++
	ch.quietMin = min(ch.quietMin, ch.Smooth)
	if ch.quietN < quietFrames {
		return
	}
	ch.NF.SetQuiet(ch.quietMin, t)
}

// refFloors gives every channel without a real floor the reference floor (see above).
func (d *Diarizer) refFloors() {
	k := 0
	low := math.Inf(1)
	for c := range d.ch {
		ch := &d.ch[c]
		if ch.NF.Set {
			d.sorted[k] = ch.NF.Level
			k++
		} else {
			low = min(low, ch.lowMin)
		}
	}
	if k == d.n {
		return
	}
	var ref float64
	if k > 0 {
		s := d.sorted[:k]
		slices.Sort(s)
		ref = s[(k-1)/2]
	} else {
		ref = min(gatedRefFloor, low*floorBias)
	}
	ref = max(ref, digitalSilence*floorBias)
	for c := range d.ch {
		if !d.ch[c].NF.Set {
			d.ch[c].NF.Level = ref
		}
	}
}
