package diarize_test

import "fmt"
import "math"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// TestRingAfterALineHoldsNoTurn: a phone on the defense table (0.3 m from the defense mic)
// rings just after the defense's line, as the scene renderer rings one (1 s trills of 1.2 and
// 1.5 kHz, 2 s apart): within the turn's hangover, 0.05 s after the last word, and 0.6 s after
// it, when the turn may still be joined across the pause (stage 15). The defense's turn ends
// with the words, the ring neither holds it nor starts another, and a high voice at the
// witness box and the defense's next line still start at once, in rooms of RT60 0.5–0.9 s.
func TestRingAfterALineHoldsNoTurn(t *testing.T) {
	const defense = 4
	for _, rt := range []float64{0.5, 0.7, 0.9} {
		for _, gap := range []float64{0.05, 0.15, 0.6} {
			t.Run(fmt.Sprintf("RT60 %.1f ring %.2f s after the line", rt, gap), func(t *testing.T) {
				t.Parallel()
				cr := courtroom{room: scene.Room{Size: [3]float64{10, 8, 4}, RT60: rt}, seats: trialSeats, seed: 11}
				r := rand.New(rand.NewPCG(11, uint64(gap*100)))
				ring, err := scene.Synth("phone", r)
				if err != nil {
					t.Fatal(err)
				}
				for i := range ring {
					ring[i] *= 6000 // a ringer on the table, louder at the mic than the talker's voice
				}
				m := cr.mic(defense).Pos
				phone := placed{src: scene.Source{Pos: [3]float64{m[0] + 0.3, m[1] - 0.05, 0.8}}, at: int((3 + gap) * rate), x: ring}
				pcm := cr.render(t, 14, []placed{
					cr.talk(defense, 1, 2, 120, r),
					phone,
					cr.talk(2, 8.5, 1.5, 240, r), // the witness, a high voice
					cr.talk(defense, 11, 1.5, 120, r),
				})
				segs, err := diarize.Offline(diarize.DefaultConfig(), trialNames, pcm, nil)
				if err != nil {
					t.Fatal(err)
				}
				want := map[float64]string{1: "defense", 8.5: "witness", 11: "defense"}
				for _, s := range segs {
					if s.Seat == "defense" && math.Abs(s.Start-1) < 0.2 && s.End > 3.5 {
						t.Errorf("the ring held the defense's turn to %.2f s (the line ends at 3.00)", s.End)
					}
				}
				checkTurns(t, segs, want, func(s diarize.Turn) bool { return s.Start > 3.1 && s.Start < 8 }, "ring")
			})
		}
	}
}
