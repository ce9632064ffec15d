package diarize_test

import "fmt"
import "math"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// TestShortPauseStaysInTurn: a soft talker (6 dB below the others) pauses 0.45 s in the middle
// of an answer, in rooms of RT60 0.5 and 0.8 s built from the scene renderer's impulse
// responses. An annotator splits an utterance only at pauses of 0.5 s and more, so the answer is
// one stretch of speech: the hangover (0.4 s) may end the turn in the pause, but the turn that
// follows is reported from where the first ended, with no hole between them (stage 15). A
// pause of 0.9 s still separates two turns.
func TestShortPauseStaysInTurn(t *testing.T) {
	seats, names := trialSeats, trialNames
	const w = 2 // the soft witness
	for _, rt := range []float64{0.5, 0.8} {
		for _, pause := range []float64{0.45, 0.9} {
			t.Run(fmt.Sprintf("RT60 %.1f pause %.2f", rt, pause), func(t *testing.T) {
				t.Parallel()
				cr := courtroom{room: scene.Room{Size: [3]float64{10, 8, 4}, RT60: rt}, seats: seats, seed: uint64(10*rt) + 40}
				r := rand.New(rand.NewPCG(cr.seed, 13))
				soft := func(at, sec float64) placed {
					p := cr.talk(w, at, sec, 210, r)
					for i := range p.x {
						p.x[i] *= math.Pow(10, -6.0/20)
					}
					return p
				}
				// The judge speaks first (the room learns its bleed), then the witness answers:
				// 1.2 s, a pause, 1.2 s.
				a := 3.5
				b := a + 1.2 + pause
				pcm := cr.render(t, 8, []placed{cr.talk(0, 0.5, 2, 120, r), soft(a, 1.2), soft(b, 1.2)})
				segs, err := diarize.Offline(diarize.DefaultConfig(), names, pcm, nil)
				if err != nil {
					t.Fatal(err)
				}
				var own []diarize.Turn
				for _, s := range segs {
					if s.Seat == names[w] {
						own = append(own, s)
					}
				}
				if len(own) == 0 || math.Abs(own[0].Start-a) > 0.12 || math.Abs(own[len(own)-1].End-(b+1.2)) > 0.15 {
					t.Fatalf("witness turns %+v, want speech %.2f–%.2f", own, a, b+1.2)
				}
				hole := 0.0
				for i := 1; i < len(own); i++ {
					hole = max(hole, own[i].Start-own[i-1].End)
				}
				checkResumed(t, names, pcm)
				switch {
				case pause < 0.5 && hole > 0.01:
					t.Errorf("a %.2f s pause left a %.2f s hole in the answer: %+v", pause, hole, own)
				case pause >= 0.5 && hole < pause-0.15:
					t.Errorf("a %.2f s pause was bridged (largest gap %.2f s): %+v", pause, hole, own)
				}
			})
		}
	}
}

// checkResumed streams pcm in 20 ms pushes, as the server does, and checks every Start of a
// joined turn: stamped back at most 0.5 s to the previous turn's end, with Resumed the talker's
// real onset, which the decision follows by no more than a start's usual wait.
func checkResumed(t *testing.T, names []string, pcm [][]int16) {
	t.Helper()
	d, err := diarize.New(diarize.DefaultConfig(), names, nil)
	if err != nil {
		t.Fatal(err)
	}
	var evs []diarize.Event
	blk := make([][]int16, len(pcm))
	for off := 0; off+320 <= len(pcm[0]); off += 320 {
		for c := range pcm {
			blk[c] = pcm[c][off : off+320]
		}
		e, err := d.Push(blk)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e...)
	}
	ends := map[string]float64{}
	for _, e := range append(evs, d.Flush()...) {
		switch {
		case e.Kind == diarize.End:
			ends[e.Seat] = e.End
		case e.Kind == diarize.Start && e.Resumed > 0:
			if prev, ok := ends[e.Seat]; !ok || math.Abs(e.Start-prev) > 0.02 || e.Resumed <= e.Start ||
				e.Resumed-e.Start > 0.51 || e.Decided < e.Resumed || e.Decided-e.Resumed > 0.3 {
				t.Errorf("joined start %+v after the seat's turn ended at %.2f", e, prev)
			}
		}
	}
}
