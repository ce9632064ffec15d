package diarize_test

import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"

// TestTentativeStartComesBeforeVoicing: a line that opens with 0.12 s of noise (an unvoiced
// consonant, an aspirated stop) is reported Tentative when the previous diarizer reported its
// start, the confirmation time after the onset, and its Start follows once voicing confirms it;
// paper at another seat is reported Tentative and then Withdrawn, never Started (stage 20).
// Every Tentative is followed by exactly one Start or Withdrawn of its seat, also at Flush.
func TestTentativeStartComesBeforeVoicing(t *testing.T) {
	const onset, vowel = 1.0, 1.12
	rm := room{seats: 2, dur: 6, noise: 20, bleedDB: 12, delayMS: 3, seed: 11,
		talks:  []talk{{seat: 0, start: vowel, end: 3, f0: 120}},
		bursts: []talk{{seat: 0, start: onset, end: vowel}, {seat: 1, start: 4, end: 4.5}, {seat: 1, start: 5.9, end: 6}}}
	pcm := rm.render(t)
	cfg := diarize.DefaultConfig()
	d, err := diarize.New(cfg, names(2), nil)
	if err != nil {
		t.Fatal(err)
	}
	var evs []diarize.Event
	for off := 0; off < len(pcm[0]); off += 320 { // 20 ms blocks, as the server receives them
		got, err := d.Push([][]int16{pcm[0][off : off+320], pcm[1][off : off+320]})
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, got...)
	}
	evs = append(evs, d.Flush()...)

	open := map[string]*diarize.Event{} // the seat's Tentative not yet followed
	var judgeTent, judgeStart *diarize.Event
	clerkTent, clerkWithdrawn := 0, 0
	for i := range evs {
		e := &evs[i]
		switch e.Kind {
		case diarize.Tentative:
			if open[e.Seat] != nil {
				t.Fatalf("second Tentative of %s at %.2f before the first was followed", e.Seat, e.Decided)
			}
			open[e.Seat] = e
			if e.Seat == "judge" && judgeTent == nil && judgeStart == nil {
				judgeTent = e
			}
			if e.Seat == "clerk" {
				clerkTent++
			}
		case diarize.Withdrawn:
			te := open[e.Seat]
			if te == nil {
				t.Fatalf("Withdrawn of %s at %.2f without a Tentative", e.Seat, e.Decided)
			}
			if e.Start != te.Start || e.Decided < te.Decided {
				t.Fatalf("Withdrawn %+v does not follow its Tentative %+v", *e, *te)
			}
			delete(open, e.Seat)
			if e.Seat == "clerk" {
				clerkWithdrawn++
			}
		case diarize.Start:
			delete(open, e.Seat)
			if e.Seat == "judge" && judgeStart == nil {
				judgeStart = e
			}
			if e.Seat == "clerk" {
				t.Errorf("paper at the clerk's seat started a turn at %.2f", e.Start)
			}
		case diarize.End, diarize.Update:
		}
	}
	if len(open) > 0 {
		t.Fatalf("Tentative starts neither confirmed nor withdrawn by Flush: %+v", open)
	}
	if judgeTent == nil || judgeStart == nil {
		t.Fatalf("judge: tentative %v, start %v; want both", judgeTent, judgeStart)
	}
	// Reported the confirmation time after the onset, plus a frame and the 20 ms push.
	if late := judgeTent.Decided - onset; late > cfg.ConfirmSec+0.03 {
		t.Errorf("judge's tentative start decided %.2f s after the onset, want ≤ %.2f", late, cfg.ConfirmSec+0.03)
	}
	if judgeTent.Start > onset+0.02 {
		t.Errorf("judge's tentative start at %.2f, the onset was at %.2f", judgeTent.Start, onset)
	}
	// The voice confirms it later: this is the latency the Tentative saves.
	if judgeStart.Decided-judgeTent.Decided < 0.04 {
		t.Errorf("judge's Start decided at %.2f, only %.2f s after the Tentative: the test no longer exercises a wait for voicing",
			judgeStart.Decided, judgeStart.Decided-judgeTent.Decided)
	}
	if clerkTent < 2 || clerkWithdrawn != clerkTent {
		t.Errorf("clerk's paper: %d tentative starts, %d withdrawn; want both rustles tentative and withdrawn (the last at Flush)", clerkTent, clerkWithdrawn)
	}
}
