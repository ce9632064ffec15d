package diarize_test

import "fmt"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// TestLeaningTalkerKeepsTheirSeat: the prosecutor, after both counsel have answered upright,
// leans 0.3 m towards the co-counsel's mic and speaks into it (as `lean` in the scene
// renderer): the co-counsel's mic hears the voice on axis, louder than the prosecutor's own
// mic, which now has the talker off axis. The sound's time lead at the two mics stays near
// the prosecutor's learned one: the line is the prosecutor's turn and the co-counsel gets
// none of it (stage 19), in rooms of RT60 0.5–0.9 s. Without stage 19 the co-counsel takes
// the line and the prosecutor's turn stops within half a second (the line teaches the
// co-counsel's coupling into the prosecutor's mic).
func TestLeaningTalkerKeepsTheirSeat(t *testing.T) {
	seats := []seatAt{
		{[3]float64{9.1, 3.55, 1.55}, 177}, // judge
		{[3]float64{7.9, 4.0, 1.15}, 192},  // clerk
		{[3]float64{8.1, 1.2, 1.35}, 202},  // witness
		{[3]float64{3.88, 1.4, 1.2}, 60},   // prosecutor
		{[3]float64{2.93, 1.4, 1.2}, 62},   // co-counsel
		{[3]float64{3.88, 5.7, 1.2}, 290},  // defense
	}
	names := []string{"judge", "clerk", "witness", "prosecutor", "co_counsel", "defense"}
	for k, rt60 := range []float64{0.5, 0.7, 0.9} {
		t.Run(fmt.Sprintf("RT60 %.1f", rt60), func(t *testing.T) {
			t.Parallel()
			cr := courtroom{room: scene.Room{Size: [3]float64{10.3, 7.1, 3.5}, RT60: rt60}, seats: seats, seed: uint64(40 + k)}
			r := rand.New(rand.NewPCG(cr.seed, 20))
			lean := cr.leanTalk(3, 4, 15, 3, 105, r)
			pcm := cr.render(t, 19, []placed{
				cr.talk(0, 0.5, 1.5, 190, r), // the judge
				cr.talk(4, 2.5, 2.5, 120, r), // the co-counsel answers
				cr.talk(3, 5.5, 3, 105, r),   // the prosecutor
				cr.talk(4, 9, 2.5, 120, r),
				cr.talk(3, 12, 2, 105, r),
				lean, // the prosecutor, leaning towards the co-counsel's mic
			})
			segs, err := diarize.Offline(diarize.DefaultConfig(), names, pcm, nil)
			if err != nil {
				t.Fatal(err)
			}
			var pros, cc float64
			for _, s := range segs {
				ov := min(s.End, 18) - max(s.Start, 14.8)
				if ov <= 0 {
					continue
				}
				switch s.Seat {
				case "prosecutor":
					pros += ov
				case "co_counsel":
					cc += ov
				}
			}
			if pros < 2.6 || cc > 0.2 {
				t.Errorf("the leaning prosecutor's line (15–18 s): prosecutor %.2f s, co-counsel %.2f s; want ≥ 2.6 and ≤ 0.2: %+v", pros, cc, segs)
			}
		})
	}
}
