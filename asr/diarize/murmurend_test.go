package diarize_test

import "fmt"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// TestTurnDoesNotRunOnIntoMurmur: the prosecutor speaks for 2 s; as they stop, the gallery,
// 2–3 m behind their table, murmurs on for 2.5 s, 10–14 dB under the prosecutor on the
// prosecutor's own mic. Its voiced words resume the prosecutor's turn after each pause, so the
// turn used to run on into the murmur (stage 33). The prosecutor's turn must end within 0.3 s of
// their last word, in rooms of RT60 0.5–0.9 s, and the murmur must start no turn of its own.
func TestTurnDoesNotRunOnIntoMurmur(t *testing.T) {
	cases := []courtroom{
		{room: scene.Room{Size: [3]float64{9, 7, 3.5}, RT60: 0.5}, seats: counselSeats, gallery: [3]float64{2.0, 1.5, 1.2}, seed: 1},
		{room: scene.Room{Size: [3]float64{9, 7, 3.5}, RT60: 0.6}, seats: counselSeats, gallery: [3]float64{1.8, 2.4, 1.2}, seed: 2},
		{room: scene.Room{Size: [3]float64{10, 8, 4}, RT60: 0.7}, seats: counselSeats, gallery: [3]float64{1.6, 1.2, 1.2}, seed: 3},
		{room: scene.Room{Size: [3]float64{11, 8, 4}, RT60: 0.9}, seats: counselSeats, gallery: [3]float64{1.9, 1.8, 1.2}, seed: 4},
	}
	const seat, end = 3, 4.0 // the prosecutor, speaking 2.0–4.0 s
	for _, cr := range cases {
		for _, lvl := range []float64{-10, -14} {
			t.Run(fmt.Sprintf("RT60 %.1f gallery %v at %v dB", cr.room.RT60, cr.gallery, lvl), func(t *testing.T) {
				t.Parallel()
				r := rand.New(rand.NewPCG(cr.seed, uint64(-lvl)))
				gal := placed{src: scene.Source{Pos: cr.gallery, Facing: [3]float64{1, 0, 0}, BackDB: 9},
					at: int((end + 0.05) * rate), x: talker(2.5, 120+40*r.Float64(), lvl, r)}
				pcm := cr.render(t, 8, []placed{cr.talk(seat, 2, end-2, 170, r), gal})
				segs, err := diarize.Offline(diarize.DefaultConfig(), counselNames, pcm, nil)
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, s := range segs {
					switch {
					case s.Seat == counselNames[seat] && s.Start < end:
						found = true
						if s.End > end+0.3 {
							t.Errorf("the prosecutor's turn ran on %.2f s into the murmur: %+v", s.End-end, s)
						}
					default:
						t.Errorf("turn %+v, want only the prosecutor's at 2.0–4.0 s", s)
					}
				}
				if !found {
					t.Errorf("the prosecutor's turn was not found: %+v", segs)
				}
			})
		}
	}
}
