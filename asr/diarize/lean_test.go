package diarize_test

import "math"
import "testing"

// TestLeaningTalkerGivesNeighbourNoTurn: seats side by side; after the couplings were learned
// from the usual posture (10 dB apart), the judge leans over to the clerk's mic, which then
// hears the judge's voice only 1 dB below the judge's own mic, 1.5 ms later. The clerk's mic
// reads nearly the judge's level, far above the bleed the learned coupling predicts; the time
// lead says the judge's mic heard it first, so the clerk gets no turn.
func TestLeaningTalkerGivesNeighbourNoTurn(t *testing.T) {
	rm := room{seats: 3, dur: 12, noise: 20, bleedDB: 10, delayMS: 2, seed: 31,
		talks: []talk{{seat: 0, start: 0.5, end: 3, f0: 110}, {seat: 1, start: 3.5, end: 6, f0: 210},
			{seat: 2, start: 6.5, end: 8, f0: 160}}}
	pcm := rm.render(t)
	// The leaning judge: rendered alone, then the clerk's mic gets it at -1 dB (1.5 ms late)
	// and the far mic at -10 dB.
	lean := room{seats: 3, dur: 12, bleedDB: 1, delayMS: 1.5, seed: 32,
		talks: []talk{{seat: 0, start: 8.5, end: 11, f0: 110}}}
	lp := lean.render(t)
	far := math.Pow(10, -9.0/20)
	for i := range pcm[0] {
		add := func(j int, v float64) {
			pcm[j][i] = int16(max(-32768, min(32767, float64(pcm[j][i])+v)))
		}
		add(0, float64(lp[0][i]))
		add(1, float64(lp[1][i]))
		add(2, far*float64(lp[2][i]))
	}
	segs := offline(t, rm, pcm)
	judge := false
	for _, s := range segs {
		if s.End > 8.4 && s.Start < 11.5 {
			switch s.Seat {
			case "judge":
				judge = true
			default:
				t.Errorf("%s given the leaning judge's voice: %.2f–%.2f", s.Seat, s.Start, s.End)
			}
		}
	}
	if !judge {
		t.Errorf("the leaning judge's turn is missing: %+v", segs)
	}
}
