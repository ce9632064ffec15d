package diarize

import "math"

// Stage 32: a turn begun by an impact that only rings down is cut short.
//
// A gavel on a sound block rings at the block's modes and thumps at the bench's, 120–200 Hz: a
// damped sinusoid there reads periodic at a voice's pitch, with most of its power below 1 kHz,
// so the voicing tests (stages 10, 13, 14, 17) take its frames for a voice's, and the judge's
// seat got a turn of 0.5–0.9 s for it (the independent renderer: 8 of its 18 gavels reported as
// speech; the project's rooms: 0.15–0.3 s judge turns on the closing gavel).
//
// Holding the start back until the run showed a voice (tried first, not merged) cost
// the clean scenes' Start latency: every synthetic onset is an impact. So the turn starts as
// before, and the run is followed into it. A turn whose run began within struckWithin frames
// of an impact at the seat (its band power up 30 dB in one frame, stage 21's strikeAt) keeps
// going only once the sound shows a voice, within struckRing frames of the impact's peak:
//
//   - a frame that holds within struckHoldDB of the one before while within struckNearDB of
//     the peak (a vowel after the consonant);
//   - a frame struckRiseDB over the lowest since the peak (a word after the gavel);
//   - a knee: a fall of kneeFallDB or more in one frame from within kneeNearDB of the peak,
//     then within kneeWithin frames a frame that falls no more than kneeHoldDB. A talker who
//     stops switches the direct sound off at once and leaves the room's tail, or a quieter
//     syllable, which holds ("Ob-jection": the burst and its vowel, then 7–12 dB down in a
//     frame to "jec"); a struck body's ring falls at its own damping rate, 1–4 dB a frame,
//     frame after frame, with no step while it is near its peak.
//
// A frame more than struckJumpDB over the one before is another strike into the ring: its peak
// is followed instead. A turn that shows no voice in time ends at the last frame within
// struckNearDB of its first peak (a blip of 0.05–0.1 s, shorter than policy's MinUtterance, so
// no engine transcribes it), and the seat's ring starts no new turn until it shows a voice or
// the seat has been quiet for the hangover. The Start was reported as before; the End comes
// struckRing frames after the peak. In the ring of a cut turn a rise of ringJumpDB in one frame
// is already another strike, and a hold counts only from the second frame after a peak: the
// 16 ms windows overlap by 6 ms, and a strike that lands in the overlap reads nearly as loud in
// both frames, a one-frame hold at its peak (a talker's first syllable after the gavel holds
// on, or falls with a knee).
//
// Measured (2026-12-07): of the 52 turns the cut test reached in the 120 random rooms, the 12
// repository scenes and the 18 renderer hearings, 27 were gavels and 25 a talker's first word
// (22 of them "Objection!", the hard onset of a stressed syllable on a close mic); without the
// knee all 25 were cut, with it one (a word that faded 2 dB a frame like a ring).
const (
	struckWithin = 2    // frames from the impact to the run's first frame
	struckRing   = 15   // frames after the peak by which the sound shows a voice
	struckHoldDB = 0.5  // a frame that falls no more than this from the one before holds
	struckNearDB = 10.0 // while within this of the peak
	struckRiseDB = 6.0  // over the lowest since the peak: a new sound
	struckJumpDB = 12.0 // in one frame: another strike, not a voice
	ringJumpDB   = 6.0  // the same in the ring of a cut turn
	kneeFallDB   = 5.0  // a fall in one frame that no ring near its peak makes
	kneeNearDB   = 15.0 // from a frame within this of the peak
	kneeHoldDB   = 1.0  // then a frame that falls no more than this
	kneeWithin   = 3    // within this many frames of the fall
)

var (
	struckHold = math.Pow(10, -struckHoldDB/10)
	struckNear = math.Pow(10, -struckNearDB/10)
	struckRise = math.Pow(10, struckRiseDB/10)
	struckJump = math.Pow(10, struckJumpDB/10)
	ringJump   = math.Pow(10, ringJumpDB/10)
	kneeFall   = math.Pow(10, -kneeFallDB/10)
	kneeNear   = math.Pow(10, -kneeNearDB/10)
	kneeHold   = math.Pow(10, -kneeHoldDB/10)
)

// struckState follows a run begun by an impact until it shows a voice (stage 32).
type struckState struct {
	on, voice bool    // the run began with an impact; it has shown a voice since
	mute      bool    // a turn of the ring was cut: it starts none until it shows a voice
	peak, dip float64 // band power at the impact's peak, and the lowest since
	prev      float64 // band power of the frame before
	peakAt    int64   // the frame of the peak
	nearAt    int64   // the last frame within struckNearDB of the turn's first peak
	kneeAt    int64   // the last frame that fell kneeFallDB near the peak (0: none)
}

// struckRun follows seat c's run at frame t, whose frame extendRun is adding.
func (d *Diarizer) struckRun(c int, t int64) {
	ch := &d.ch[c]
	k := &ch.struck
	if ch.Run.Len == 0 && !k.mute {
		k.on, k.voice = t-ch.strikeAt <= struckWithin, false
		k.peakAt, k.nearAt = t, t
		k.newPeak(ch.band)
		return
	}
	d.struckFollow(c, t)
}

// ringing says whether the run is the ring of a turn cut as a struck sound that has shown no
// voice since: it starts no turn.
func (k *struckState) ringing() bool { return k.mute && k.on && !k.voice }

func (k *struckState) newPeak(band float64) {
	k.peak, k.dip, k.prev, k.kneeAt = band, math.Inf(1), band, 0
}

// struckFollow follows seat c's impact at frame t until it shows a voice.
func (d *Diarizer) struckFollow(c int, t int64) {
	ch := &d.ch[c]
	k := &ch.struck
	if !k.on || k.voice {
		return
	}
	b := ch.band
	switch {
	case b > ch.B2*struckJump || k.mute && b > ch.B2*ringJump: // another strike into the ring
		k.peakAt = t
		k.newPeak(b)
		if !ch.Active {
			k.nearAt = t
		}
		return
	case t-k.peakAt <= struckWithin && b > k.peak && math.IsInf(k.dip, 1): // still rising to the peak
		k.peakAt, k.nearAt = t, t
		k.newPeak(b)
		return
	}
	k.dip = min(k.dip, b)
	if b >= k.peak*struckNear && (!ch.Active || t <= k.nearAt+1) {
		k.nearAt = t
	}
	knee := k.kneeAt > 0 && t-k.kneeAt <= kneeWithin && b >= k.prev*kneeHold
	if b < k.prev*kneeFall && k.prev >= k.peak*kneeNear {
		k.kneeAt = t
	}
	k.prev = b
	// A hold at the frame after a peak is no voice in a cut turn's ring: a strike that lands
	// where two windows overlap reads nearly as loud in both.
	hold := b >= k.peak*struckNear && b >= ch.B2*struckHold && (!k.mute || t-k.peakAt >= 2)
	k.voice = knee || b > k.dip*struckRise || hold
	if k.voice {
		k.mute = false
	}
}

// struckCut follows seat c's open turn at frame t while its impact has shown no voice, and
// ends the turn at the ring's last near frame once struckRing frames have passed since the
// peak. It says whether it ended the turn.
func (d *Diarizer) struckCut(c int, t int64) bool {
	ch := &d.ch[c]
	k := &ch.struck
	if !k.on || k.voice {
		return false
	}
	d.struckFollow(c, t)
	if k.voice || t-k.peakAt < struckRing {
		return false
	}
	d.st.EndAt(c, k.nearAt)
	k.mute = true
	return true
}
