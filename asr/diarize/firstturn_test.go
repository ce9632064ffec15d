package diarize_test

import "fmt"
import "math"
import "math/rand/v2"
import "slices"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// TestBeforeTheFirstTurnTheGalleryStartsNone (stage 30): the recording runs before the hearing
// opens. A gallery talker on the front bench, 1.4–1.6 m behind the defendant's mic, chats, and
// the door in the back wall, 3 m behind it, opens, before any seat has spoken — so no
// seat has learned where its talker sits, and the nearest mic hears them over the room about as
// far as it hears a talker at their own mic. Neither starts a turn, in rooms of RT60 0.5–0.9 s
// (without the stage each room gave the defendant one: the gallery's in two, the door's in one). The
// clerk who then opens the hearing, turned 60° from their mic, starts at once, and so does the
// defendant after the judge.
func TestBeforeTheFirstTurnTheGalleryStartsNone(t *testing.T) {
	seats := slices.Clone(counselSeats)
	seats[6].pos[0] = 3.4 // the defendant 1.2 m from the defense
	names := counselNames
	const clerk, judge, defendant = 1, 0, 6
	for k, tc := range []struct {
		rt60    float64
		gallery [3]float64
	}{
		{0.5, [3]float64{2.0, 5.4, 1.2}},
		{0.7, [3]float64{2.2, 5.0, 1.2}},
		{0.9, [3]float64{2.1, 5.5, 1.2}},
	} {
		t.Run(fmt.Sprintf("RT60 %.1f gallery %v", tc.rt60, tc.gallery), func(t *testing.T) {
			t.Parallel()
			cr := courtroom{room: scene.Room{Size: [3]float64{10, 8, 3.5}, RT60: tc.rt60}, seats: seats, seed: uint64(40 + k)}
			r := rand.New(rand.NewPCG(cr.seed, 5))
			gal := placed{src: scene.Source{Pos: tc.gallery, Facing: [3]float64{1, 0, 0}, BackDB: 9},
				at: int(1.5 * rate), x: talker(2.5, 140+30*r.Float64(), -5, r)}
			door := placed{src: scene.Source{Pos: [3]float64{0.6, 6.0, 1.1}}, at: int(4.5 * rate), x: doorCreak(4, r)}
			open := cr.talk(clerk, 7, 2, 210, r)
			a := (180.0 + 60) * math.Pi / 180
			open.src.Facing = [3]float64{math.Cos(a), math.Sin(a), 0}
			pcm := cr.render(t, 15, []placed{gal, door, open, cr.talk(judge, 9.7, 1.5, 110, r), cr.talk(defendant, 12, 1.5, 130, r)})
			segs, err := diarize.Offline(diarize.DefaultConfig(), names, pcm, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := map[float64]string{7: "clerk", 9.7: "judge", 12: "defendant"}
			checkTurns(t, segs, want, func(s diarize.Turn) bool { return s.Start < 6.5 }, "gallery or the door")
		})
	}
}
