package diarize

import "math"

import "github.com/courtscribe/courtscribe/asr/diarize/internal/core"

// Stage 33: a turn ends where its talker last spoke at their own level. A turn holds while its
// seat's own-speech score stands over the off threshold, and after a pause a voiced stretch of
// half the confirmation time resumes it (stage 11). Gallery murmur behind a counsel table, heard
// on that seat's mic 12–25 dB under the talker who has just stopped, is voiced and stands over
// the threshold: its words resumed the turn after each pause, and the turn ran on until the
// murmur paused for the hangover. On the independent renderer (scripts/altroom) this was most
// of the false alarm left: d's prosecutor ran on 1.25 s after their line (24.23 → 25.48 s, the
// murmur's words 14–19 dB over the floor against the prosecutor's 30–42 dB), b draw 2's, e's
// and f's turns 0.3–1.0 s, and a sound next to the seat in the same stretch (a beep, paper, a
// door) was counted as reported speech.
//
// So each turn keeps its talker's level: the loudest frame of the turn, falling trailDecayDB a
// frame (10 dB a second) so that a shout early on does not set it for good, updated only by
// the talker's own frames (within trailDropDB of it). A stretch of the turn's speech frames —
// frames within core.ResumeGap of each other — that has none within trailDropDB of that level
// is not the talker: when the turn ends (or its end is told), the end reported is the last
// frame of the last stretch that had one. Nothing else changes: the turn holds as long as
// before, so a quiet word that the talker goes on from (a resume under the threshold of
// level, then their own voice) keeps the turn whole, and when and what the diarizer decides
// stays as it was; only the end reported can be earlier. A talker's own trailing consonant is
// part of the stretch of their last vowel and is kept.
//
// Refusing such a resume outright was tried first: the renderer's mean DER fell as far, but in
// the project's rooms seven turns were split where their talker went on with a quiet word in
// murmur (random-en-1306's co-counsel: a syllable 20 dB under their line, then their voice
// again 0.2 s later). Measured (2026-12-07, one run each, same renders, against stage 32): the
// renderer's 18 hearings mean DER 3.43 → 2.98 %, targets met 14 → 16 of 18, none worse; the
// project's 120 random rooms and seven repository scenes unchanged in targets, sounds and
// murmur/AC turns, DER better in 4 and worse in 3, all by 0.1–0.3 points. trailDropDB 15 cut
// real trailing words (renderer c and d draw 1 worse by 2–3 points); 20 and 25 gained less.
const (
	trailDropDB  = 18.0
	trailDecayDB = 0.1 // per frame
)

var (
	trailDrop  = math.Pow(10, -trailDropDB/10)
	trailDecay = math.Pow(10, -trailDecayDB/10)
)

// trail is the state of stage 33 for seat c's open turn.
type trail struct {
	level  float64 // the talker's level in this turn (linear, over the floor), decaying
	end    int64   // the last frame of the last stretch at the talker's level
	strong bool    // the current stretch has a frame at the talker's level
}

// startTrail sets the talker's level of seat c's turn, started at frame t.
func (d *Diarizer) startTrail(c int, t int64) {
	d.ch[c].trail = trail{level: d.z[c], end: t, strong: true}
}

// noteTrail follows seat c's turn after frame t was held (prev: the last speech frame before it).
func (d *Diarizer) noteTrail(c int, t, prev int64) {
	ch := &d.ch[c]
	if !ch.Active || ch.LastOn != t {
		return
	}
	tr := &ch.trail
	if t-prev > core.ResumeGap {
		tr.strong = false // a resume: a new stretch
	}
	if d.z[c] >= tr.level*trailDrop {
		tr.strong = true
		tr.level = max(d.z[c], tr.level*trailDecay)
	}
	if tr.strong {
		tr.end = t
	}
}

// trailEnd is the last frame of seat c's turn at its talker's level: the end to report when
// the turn ends or its end is told (no later than its last speech frame).
func (d *Diarizer) trailEnd(c int) int64 {
	return min(d.ch[c].trail.end, d.ch[c].LastOn)
}
