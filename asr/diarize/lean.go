package diarize

import "math"

import "github.com/courtscribe/courtscribe/asr/diarize/internal/core"

// Stage 19: a talker leaning towards a neighbour's mic is still their own seat.
//
// Seats side by side are 0.6–1.0 m apart. A talker who leans 0.3 m towards the neighbour's mic
// and speaks into it (`lean` in the scenes: 8 % of the lines of `hearinggen random`) gives that
// mic their voice on axis and 4–10 dB above what their own mic, now off axis and behind them,
// still hears. To the level model the sound is the neighbour's: the neighbour's mic is the
// loudest, and the talker's own mic reads a few dB above the neighbour's learned coupling
// into it, which double talk would give too. In rooms nobody tuned on this was all the seat
// confusion on the held-out set (seeds 101–108, 2026-12-07): random-en-106's prosecutor
// leaning to the co-counsel (6.4 s, the whole 7.4 s line given to the co-counsel; 5.7 % of
// the scene's 9.6 % DER), random-zh-101's prosecutor (3.1 s), random-en-104's defense
// (2.3 s) and random-zh-103's co-counsel (1.3 s). Worse, such a line teaches the bleed model:
// the neighbour's frames are clear (20 dB over the floor, 2 dB over every other mic), so the
// neighbour's coupling into the talker's mic, in its fast phase for the first 200 frames,
// rose from −11 to −3 dB within half a second (random-en-106 at 20.0–20.5 s) and explained
// the talker's own mic away as bleed; their turn, started with the neighbour's at 20.02 s,
// ended at 20.42 s.
//
// What does not move with a lean is where the talker sits: the time lead of the sound at the
// two mics (GCC-PHAT) stays near the talker's own learned lead (stage 16) and far from the
// neighbour's. Measured there: the prosecutor's voice reaches the co-counsel's mic 14 samples
// after their own, the co-counsel's reaches the prosecutor's 31 samples after; the leaning
// line read 0 (plain correlation 0.9–0.99, one source); random-zh-101: learned 5 and 37, the
// lean −10. So a frame of seat c's own speech whose loudest other mic j reads more of it than
// c's learned coupling into j gives (leanExcessDB), is one source (correlation ≥
// leanCorr), and whose lag is nearer j's learned lead than c's by leanSamples or more, is j's
// voice once leanFrames such frames came with none showing c's own lead between: until c's
// own lead shows again or the hangover passes without the lean, c's own speech in a frame is
// given to j (j's bleed then counts none of c's level), c gets none, the frame teaches the bleed
// model nothing and neither seat learns its position from it. A seat's own voice shows its own
// lead, the leaned mic must be the louder of the two (without that, room-en-counsel's defense
// and defendant, 0.55 m apart, talking at once lost the defendant's words: DER 0.87 → 1.30 %),
// one frame is not enough (a talker turned away latched a lean from one lag of the
// reflections), and before both leads are learned nothing changes.
//
// Measured (2026-12-07, `hearinggen bench`, main against this stage, same renders):
// random-en-106 9.59 → 3.88 % DER (confusion 5.7 → 0.0 %), random-zh-103 3.92 → 2.59 %,
// random-en-20 4.38 → 4.03 %, random-zh-101 3.42 % (its confusion 2.9 → 0.5 %, missed instead:
// the leaning soft talker's own mic stands only 2–3 dB over the room); confirmation sets
// random-en-208 31.61 → 0.60 %, random-zh-201 8.05 → 5.54 %, random-zh-205 8.04 → 5.98 %,
// random-zh-3 7.55 → 4.73 %, random-en-202 14.76 → 14.03 %; no room worse, the repository
// scenes and their live latency identical. Cost: one GCC-PHAT for a seat with own speech whose
// louder-than-coupling neighbour is within 12 dB and has learned leads (docs/diarize.md).
const (
	leanNearDB   = 12.0 // the talker's own mic within this of the mic they lean to
	leanExcessDB = 2.0  // the own mic this much above the neighbour's learned coupling
	leanCorr     = 0.75 // one source (stage 7's)
	leanSamples  = 4    // the lag this much nearer the talker's learned lead than the seat's
	leanFrames   = 3    // frames of such a lag, with none of the seat's own lead between, to decide
	leanSure     = 0.9  // one source beyond doubt: the neighbour's mic need not read more than coupling
)

// Stage 25: a lean beyond doubt. Stage 19 looks at a frame only where the neighbour's mic reads
// leanExcessDB more of the sound than the seat's own voice, by its learned coupling, would give
// it. A talker leaning 0.3 m towards a neighbour's mic 0.63 m away (random-en-602's prosecutor,
// RT60 0.47 s) gave that mic a voice 4–5 dB over their own mic, which is about what the
// neighbour's own voice gives the talker's mic: the co-counsel's seat started a turn at once
// and took 2.8 s of the 4.9 s line, in four turns that started as the air conditioner came on.
// The lag said at once whose voice it was: 2 samples, the co-counsel's own voice 18, the
// prosecutor's −9, at a correlation of 0.93–0.96. So a frame of one source beyond doubt
// (plain correlation leanSure or more) is judged by its lag without the excess test, on a seat
// that is not in a turn of its own (in a turn, its talker may be speaking, and the test stands).
// Measured (2026-12-07, the 64 random rooms and the eleven repository scenes, one run each,
// same renders): random-en-602 2.99 → 0.96 % (AC turns 4 → 1), random-zh-603 3.69 → 3.51 %,
// random-zh-101 1.67 → 1.34 %, nothing else changed. Cost: one GCC-PHAT more for a seat with
// own speech, in no turn, whose louder neighbour has learned leads.

// Stage 27: a lean towards a seat that has learned nothing at the leaner's mic. Stage 19 judged a
// lag against both seats' learned leads, and a seat learns its lead only at the two mics that
// hear it loudest: a bench seat learns it at its bench neighbours, seldom at the witness's mic
// 1.6 m away. random-zh-501's witness, leaning 0.3 m towards associate2's mic, gave that mic the
// voice 4–5 dB louder than the witness's own; the witness's mic still heard it 20 samples first
// (the witness's learned lead there is 46), at a correlation of 0.65–0.94. The level model gave
// the voice to associate2, stage 7 refused associate2's runs (the witness's mic led), and the
// 2.5 s line went to nobody: lost from the record. Where the seat c whose mic is the louder has
// no lead learned at j's mic, the geometry still says whose voice it cannot be: c's talker, at
// c's mic, is heard there first. So, on a seat in no turn of its own, a lag that shows j's mic
// first by core.LeadMin or more and lies within nearReach of j's learned lead (stage 22's reach
// of a lean) votes for j's lean; a lag that shows c's mic first clears it. And stage 22
// (nearstart.go) lets the leaner's mic, heard first, start at less over the room although the
// mic leaned to is the louder, where stage 19 has given that mic's sound to the leaner.
//
// Measured (2026-12-07, `hearinggen bench`, the 64 random rooms and the repository scenes, one
// run each, same renders): random-zh-21 6.66 → 4.00 % (target met), random-zh-501 7.50 → 5.50 %,
// random-en-6 3.62 → 2.41 %, random-en-22 5.11 → 4.47 %, random-zh-305 5.34 → 4.72 %; nothing
// worse; sounds and murmur/AC turns unchanged. Without the stage 22 part random-zh-501 and
// random-zh-305 are as before. Without the "in no turn" condition the clean mandarin-civil scene,
// whose bleed delays are not a room's, gave a plaintiff's interjection to the defendant talking.

var leanNear = math.Pow(10, -leanNearDB/10)
var leanExcess = math.Pow(10, leanExcessDB/10)

// leanedBy returns the seat whose talker, leaning towards seat c's mic, makes the sound of
// this frame on c's mic, or -1 (stage 19). It is computed once per seat and frame. A frame
// with a clear lead decides; one without (no clear GCC peak, a syllable's tail) keeps the
// last decision while the sound goes on, and the lean is forgotten after the hangover without
// one.
func (d *Diarizer) leanedBy(c int) int {
	ch := &d.ch[c]
	t := d.st.Frame
	if ch.leanAt == t+1 {
		return ch.leanTo
	}
	ch.leanAt = t + 1
	if ch.leanTo >= 0 && t-ch.leanLast > int64(d.th.Hang) {
		ch.leanTo, ch.leanVotes = -1, 0
	}
	j := -1
	for k := range d.ch {
		if k != c && (j < 0 || d.z[k] > d.z[j]) {
			j = k
		}
	}
	if j < 0 || d.z[j] >= d.z[c] || d.z[j] < d.z[c]*leanNear || d.ch[j].leanTo == c {
		return ch.leanTo
	}
	lc, okc := d.learnedLead(c, j)
	lj, okj := d.learnedLead(j, c)
	if !okj {
		return ch.leanTo
	}
	excess := d.z[j] >= d.z[c]*d.bm.Lin[j][c]*leanExcess
	if !excess && ch.Active {
		return ch.leanTo
	}
	lag, corr := d.lead.CrossLead(&ch.Hist, &d.ch[j].Hist)
	if !excess && corr < leanSure {
		return ch.leanTo
	}
	if corr < leanCorr && (corr < exactCorr || abs(lag+lj) > 1 || ch.Active) {
		// Under leanCorr only j's learned lead to a sample, while c is in no turn of its own
		// (stage 24): a talker turned away, not j talking over c's talker, which correlates as
		// little.
		return ch.leanTo
	}
	// In c's convention j's own voice shows the lag −lj.
	switch {
	case okc && abs(lag-lc) >= abs(lag+lj)+leanSamples,
		!okc && !ch.Active && lag <= -core.LeadMin && abs(lag+lj) <= nearReach: // stage 27
		if ch.leanVotes = max(ch.leanVotes, 0) + 1; ch.leanVotes >= leanFrames {
			ch.leanTo, ch.leanLast = j, t
		}
	case okc && abs(lag-lc) <= posTol, !okc && lag >= core.LeadMin:
		ch.leanTo, ch.leanVotes = -1, 0 // c's own voice
	}
	return ch.leanTo
}

// leanOwn gives the own speech of a seat whose frame is a neighbour's leaning voice to that
// neighbour (stage 19; after attribute has scored every seat).
func (d *Diarizer) leanOwn() {
	for c := range d.n {
		if d.score[c] <= d.th.OffLin && d.ch[c].leanTo < 0 {
			continue // no own speech, and no lean going on
		}
		j := d.leanedBy(c)
		if j < 0 {
			continue
		}
		b := max(core.Predicted(d.bm.Lin[j], d.q, j)-d.bm.Lin[j][c]*d.q[c], d.diff[j], 0)
		d.bl[j] = b
		d.score[j] = max(d.score[j], d.z[j]-d.th.Margin*b)
		d.bl[c] = d.z[c]
		d.score[c] = d.z[c] - d.th.Margin*d.bl[c]
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// leaning says whether seat c's voice this frame is a lean: it is on, or comes from, another
// seat's mic (stage 19); such a frame teaches no position.
func (d *Diarizer) leaning(c int) bool {
	if d.ch[c].leanTo >= 0 {
		return true
	}
	for k := range d.ch {
		if d.ch[k].leanTo == c {
			return true
		}
	}
	return false
}
