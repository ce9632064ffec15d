package core

import "math"

// Noise floor: minimum statistics (Martin 2001) — the minimum of the smoothed band power over
// 8 blocks of 40 frames (3.2 s), with a bias correction for taking the minimum of a fluctuating
// estimate. The floor follows a lower minimum at once, but rises towards a higher one slowly
// while anyone speaks or the channel carries voiced sound (long answers have few pauses, and the
// minimum over a few seconds of continuous speech is speech), and quickly while the room is
// quiet and the channel carries noise-like sound (a fan switched on).
const (
	FloorBlock     = 40
	FloorCalibrate = FramesS            // frames of signal during which the floor follows up and down
	FloorBias      = 1.6                // ≈ +2 dB
	FloorRiseSlow  = 0.2 / 10 / FramesS // 0.2 dB/s, as a power ratio exponent (log10 units)
	FloorRiseFast  = 3.0 / 10 / FramesS // 3 dB/s
)

// NoiseFloor is one channel's floor and its minimum statistics.
type NoiseFloor struct {
	Level float64 // band power
	Set   bool    // measured on real signal
	Since int64   // the frame it was first set (calibration)

	blockMin float64
	blockN   int
	mins     [8]float64
	minsN    int
	minsI    int
}

// Init readies an unset floor.
func (f *NoiseFloor) Init() { f.blockMin = math.Inf(1) }

// Follow tracks the floor at frame t of real signal (not digital silence) with band power
// band and smoothed power smooth; rise is the per-frame rise allowed while the floor is above
// its minimum (FloorRiseFast or FloorRiseSlow as a power ratio). On the first frame of signal
// it sets the floor and reports true: the caller restarts its smoothing from band.
func (f *NoiseFloor) Follow(t int64, band, smooth, rise float64) bool {
	if t == 0 || !f.Set {
		f.Level, f.Set, f.Since = band*FloorBias, true, t
		f.blockMin = math.Inf(1)
		return true
	}
	f.blockMin = min(f.blockMin, smooth)
	f.blockN++
	cur := f.blockMin
	for i := range f.minsN {
		cur = min(cur, f.mins[i])
	}
	target := cur * FloorBias
	if target <= f.Level || t-f.Since < FloorCalibrate {
		// Below the floor, or in the first second of signal (calibration), follow at once.
		f.Level = target
	} else {
		f.Level = min(target, f.Level*rise)
	}
	if f.blockN == FloorBlock {
		f.mins[f.minsI] = f.blockMin
		f.minsI = (f.minsI + 1) % len(f.mins)
		f.minsN = min(f.minsN+1, len(f.mins))
		f.blockMin, f.blockN = math.Inf(1), 0
	}
	return false
}

// Update follows the floor on a frame of real signal, rising fast where fast (the room quiet
// and the channel noise-like), and restarts the boxcar b from band on the first frame.
func (f *NoiseFloor) Update(t int64, band float64, b *Boxcar, fast bool, th *Thresholds) {
	rise := th.RiseSlow
	if fast {
		rise = th.RiseFast
	}
	if f.Follow(t, band, b.Smooth, rise) {
		b.Reset(band)
	}
}

// SetQuiet sets the floor from the minimum of a quiet stretch ending at frame t: minimum
// statistics continue from it, with no calibration phase.
func (f *NoiseFloor) SetQuiet(quietMin float64, t int64) {
	f.Level, f.Set, f.Since = quietMin*FloorBias, true, t-FloorCalibrate
	f.blockMin, f.blockN = math.Inf(1), 0
	for i := range f.mins {
		f.mins[i] = quietMin
	}
	f.minsN = len(f.mins)
}
