package diarize_test

import "fmt"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// TestTalkerLeaningAwayFromOwnMicStarts: the witness, after answering upright twice, leans
// 0.3 m towards the associate's mic on the bench, 1.9 m away, and speaks into it (as `lean`
// in the scene renderer). The witness's own mic, now behind the talker, still reads the voice
// loudest and first, but in a reverberant room only 4–6 dB over the room level its own voice
// raises on every mic: the start over the room (startDiffuseDB) refused every run of the line.
// The time lead says the sound came from the witness box (stage 22): the line is the
// witness's turn and no other seat's, in rooms of RT60 0.5–0.7 s.
func TestTalkerLeaningAwayFromOwnMicStarts(t *testing.T) {
	seats := []seatAt{
		{[3]float64{9.6, 4, 1.55}, 173},    // judge
		{[3]float64{9.6, 5.14, 1.55}, 196}, // associate
		{[3]float64{9.6, 2.86, 1.55}, 169}, // associate2
		{[3]float64{8.4, 3.79, 1.15}, 178}, // clerk
		{[3]float64{8.6, 6.8, 1.35}, 156},  // witness
		{[3]float64{5.36, 1.4, 1.2}, 81},   // prosecutor
		{[3]float64{5.36, 6.6, 1.2}, 282},  // defense
	}
	names := []string{"judge", "associate", "associate2", "clerk", "witness", "prosecutor", "defense"}
	for k, rt60 := range []float64{0.5, 0.6, 0.7} {
		seed := uint64(59 + k)
		t.Run(fmt.Sprintf("RT60 %.1f", rt60), func(t *testing.T) {
			t.Parallel()
			cr := courtroom{room: scene.Room{Size: [3]float64{10.8, 8, 4.1}, RT60: rt60}, seats: seats, seed: seed}
			r := rand.New(rand.NewPCG(cr.seed, 20))
			lean := cr.leanTalk(4, 1, 13, 3.5, 100, r)
			pcm := cr.render(t, 18, []placed{
				cr.talk(0, 0.5, 1.5, 120, r), // the judge
				cr.talk(4, 2.5, 2.5, 100, r), // the witness answers upright
				cr.talk(1, 5.5, 2, 200, r),   // the associate
				cr.talk(4, 8, 2, 100, r),
				cr.talk(5, 10.5, 1.5, 190, r), // the prosecutor
				lean,                          // the witness, leaning towards the associate's mic
			})
			segs, err := diarize.Offline(diarize.DefaultConfig(), names, pcm, nil)
			if err != nil {
				t.Fatal(err)
			}
			var wit, other float64
			for _, s := range segs {
				ov := min(s.End, 16.5) - max(s.Start, 13)
				if ov <= 0 {
					continue
				}
				if s.Seat == "witness" {
					wit += ov
				} else {
					other += ov
				}
			}
			t.Logf("witness %.2f s, others %.2f s", wit, other)
			if wit < 2.5 || other > 0.2 {
				t.Errorf("the leaning witness's line (13–16.5 s): witness %.2f s, others %.2f s; want ≥ 2.5 and ≤ 0.2: %+v", wit, other, segs)
			}
		})
	}
}
