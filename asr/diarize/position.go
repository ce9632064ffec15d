package diarize

import "math"

import "github.com/courtscribe/courtscribe/asr/diarize/internal/core"

// Stage 16: a marginal start must come from where the seat's talker sits.
//
// A seat's talker sits at a fixed place, so the time lead of their voice at the seat's own
// microphone over a neighbour's (GCC-PHAT, timelead.go) is the same every time the seat speaks,
// whichever way the talker faces: turning away lowers the direct sound on the own mic, it does
// not move it. A door in the back wall or a chair in the gallery arrives at the same two mics
// with another lead. In rooms nobody tuned on (`hearinggen random`) a door's hinge creak 2.5 m
// behind a counsel table, after its latch had filled the room, passed every other start check:
// voiced, 7–8 dB over the room, the neighbour's mic within 4 dB, like a talker turned away from
// their own mic. Its lead at the neighbour's mic was the door's (37–38 samples against the
// co-counsel's 28 on random-en-4, 24 against 14 on random-zh-7, both as the geometry says).
//
// So each seat learns, while it holds the floor alone, the lead of its voice at every mic that
// hears it well (a histogram of clear GCC-PHAT peaks per mic pair; one pair every
// posLearnEvery frames), and a marginal start — less than posMarginDB over the room, the
// loudest other mic within posNearDB — on a seat that has learned its lead at that mic must
// show it: the GCC-PHAT of the two mics summed over the run (posMinFrames frames or more with
// that mic that near) must reach, within posTol samples of the learned lead, posMatch of its
// peak. A run that does not starts over, as with stage 7. A talker leaning towards the
// neighbour's mic (0.3 m nearer, `lean` in the scenes) does move the lead, by up to 17 samples
// on the random scenes, more than a door does; but speaking into a mic half a metre away gives
// a sharp peak (the summed GCC's peak 6.6–8.3 times any lag 0.5 ms away), while a far source's
// direct sound barely stands over its reverberation (doors 1.4–1.6): only a run whose peak is
// under posClear times the rest is refused. Before a seat has learned (the first door of a
// hearing) the start is judged as before.
//
// Measured on every start of the eight random tuning scenes and six room scenes (451 starts,
// 2026-12-06): 5 of the 6 doors with a learned lead refused (R 0.10–0.32, clarity 1.37–1.59);
// no real start refused (marginal real starts with a learned lead: R ≥ 0.99 unless leaning,
// leaning clarity ≥ 6.6).
const (
	posLearnEvery = 1     // frames between learning observations (stage 26; it was 2)
	posLearnMinZ  = 100.0 // the seat 20 dB over its floor to teach
	posHearZ      = 10.0  // the other mic 10 dB over its floor to be taught
	posMinCount   = 20    // clear observations before a pair's lead is used
	posEnough     = 100   // after this many a pair learns only every posSlow frames
	posSlow       = 25
	posSupport    = 0.6  // share of them within ±1 sample of the learned lead
	posMarginDB   = 10.0 // a start under this over the room is marginal
	posNearDB     = 4.0  // and the loudest other mic within this
	posMinFrames  = 4    // run frames summed before the check applies
	posTol        = 3    // samples around the learned lead
	posMatch      = 0.5  // summed GCC within posTol of the lead, against its peak
	posClear      = 3.0  // a run's GCC peak this clear is a near source (a lean), not refused
	posLags       = 2*core.MaxLead + 1
)

// Stage 26: the leads are learned every frame. Stages 19 and 22–25 tell a talker leaning or
// turned away from their neighbour only once both seats have learned where their voices come
// from, and a seat learned its lead at a mic only after posMinCount observations, taught every
// other frame to the two loudest other mics in turn: 0.9–1.0 s of loud solo speech at the
// nearest neighbour's mic (TestLeadIsLearnedWithinTheFirstWords), longer at the next. Leaning
// and turned-away lines early in a hearing, or from a seat that speaks little, were lost (the
// known limits of stages 24–25). Taught every frame, the lead is there after 0.5 s. Measured
// (2026-12-07, the 64 random rooms and the eleven repository scenes, one run each, same renders):
// random-en-10 5.52 → 4.31 % (target met), random-en-104 6.06 → 3.22 %, random-en-606 4.58 →
// 2.79 %, random-en-14 3.66 → 2.81 %, random-en-24 1.25 → 0.64 %, random-en-18 3.90 → 3.59 %,
// random-zh-601 10.36 → 10.04 % and five more by 0.04–0.26 points; worse random-en-402 5.28 →
// 5.63 % and one AC turn more on random-zh-601; the repository scenes and their live latency
// identical. Cost: one GCC-PHAT per frame while a seat holds the floor alone, instead of one
// every other frame (the random sets 15–30 % slower, still 1400–1650× real time per channel).
// Teaching every mic that hears the seat, every frame, was tried too: no more targets met, six
// rooms worse, 2.5 times slower.

// position holds seat c's learned leads and its current run's summed GCC (stage 16).
type position struct {
	hist   [][]float32 // [j]: counts of clear leads of this seat at mic j, by lag + MaxLead
	count  []int       // [j]: their total
	o      int         // the mic the run's GCC is summed with (-1 none)
	frames int
	held   bool // the last run was refused: the next one, straight after it, goes on summing
	acc    [posLags]float64
}

// learnPosition teaches the seat that alone holds the floor the lead of its voice at one more
// mic that hears it well (every posLearnEvery frames).
func (d *Diarizer) learnPosition(t int64) {
	if t%posLearnEvery != 0 || d.n < 2 {
		return
	}
	c := -1
	for i := range d.ch {
		if d.ch[i].Active {
			if c >= 0 {
				return // double talk: not one source
			}
			c = i
		}
	}
	if c < 0 || d.z[c] < posLearnMinZ || d.score[c] <= d.th.OnLin || d.leaning(c) {
		return
	}
	// The two loudest other mics, in turn: a marginal start is judged at the loudest.
	a, b := -1, -1
	for j := range d.ch {
		switch {
		case j == c:
		case a < 0 || d.z[j] > d.z[a]:
			a, b = j, a
		case b < 0 || d.z[j] > d.z[b]:
			b = j
		}
	}
	j := a
	if t/posLearnEvery%2 == 1 && b >= 0 {
		j = b
	}
	ps := &d.ch[c].pos
	if j < 0 || d.z[j] < posHearZ || ps.count[j] >= posEnough && t%posSlow != 0 {
		return
	}
	lag, corr := d.lead.CrossLead(&d.ch[c].Hist, &d.ch[j].Hist)
	if corr <= 0 { // no clear peak
		return
	}
	if ps.hist[j] == nil {
		ps.hist[j] = make([]float32, posLags)
	}
	ps.hist[j][lag+core.MaxLead]++
	ps.count[j]++
}

// learnedLead returns seat c's learned lead at mic j, and whether there is one.
func (d *Diarizer) learnedLead(c, j int) (int, bool) {
	lead, support, ok := d.leadMode(c, j)
	if !ok {
		return 0, false
	}
	return lead, float64(support) >= posSupport*float64(d.ch[c].pos.count[j])
}

// leadMode returns the mode of seat c's lead histogram at mic j (counts summed over ±1 sample)
// and those counts; ok is false before posMinCount observations.
func (d *Diarizer) leadMode(c, j int) (lead int, support float32, ok bool) {
	ps := &d.ch[c].pos
	if ps.count[j] < posMinCount {
		return 0, 0, false
	}
	h := ps.hist[j]
	best, at := float32(-1), 0
	for i := 1; i < posLags-1; i++ {
		if s := h[i-1] + h[i] + h[i+1]; s > best {
			best, at = s, i
		}
	}
	return at - core.MaxLead, best, true
}

// sumRunLead adds this frame's GCC-PHAT of seat c's mic and mic o (in d.lead.CRe, just
// computed by CrossLead) to c's run, when o is the mic the run sums with.
func (d *Diarizer) sumRunLead(c, o int) {
	ps := &d.ch[c].pos
	if ps.o < 0 {
		ps.o, ps.frames = o, 0
		clear(ps.acc[:])
	}
	if o != ps.o {
		return
	}
	for l := -core.MaxLead; l <= core.MaxLead; l++ {
		ps.acc[l+core.MaxLead] += d.lead.CRe[(l+gccLen)%gccLen]
	}
	ps.frames++
}

// elsewhere says whether seat c's run, about to start a turn, is a marginal start whose summed
// time lead does not show the seat's learned one (stage 16).
func (d *Diarizer) elsewhere(c int) bool {
	ch := &d.ch[c]
	ps := &ch.pos
	if ps.o < 0 || ps.frames < posMinFrames || d.live < startDiffuseSeats ||
		ch.Ev.ZSum >= d.posMargin*ch.dSum || d.ch[ps.o].Ev.ZSum < ch.Ev.ZSum*d.posNear {
		return false
	}
	lead, ok := d.learnedLead(c, ps.o)
	if !ok {
		return false
	}
	peak, at := math.Inf(-1), 0
	for i, v := range ps.acc {
		if v > peak {
			peak, at = v, i
		}
	}
	if peak <= 0 {
		return false
	}
	near, rest := math.Inf(-1), math.Inf(-1)
	for i, v := range ps.acc {
		l := i - core.MaxLead
		if l >= lead-posTol && l <= lead+posTol {
			near = max(near, v)
		}
		if i < at-core.PeakGuard || i > at+core.PeakGuard {
			rest = max(rest, v)
		}
	}
	return near < posMatch*peak && peak < posClear*rest
}
