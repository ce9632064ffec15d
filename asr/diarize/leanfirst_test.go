package diarize_test

import "fmt"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// TestLeanTowardsAMicThatHearsFirst: the witness, 1.2 m from associate2 on the bench (random-en-10's
// geometry), answers upright twice while associate2 speaks twice, so each seat learns the
// lead of its voice at the other's mic; then the witness leans 0.3 m towards associate2's mic
// and speaks into it. Now associate2's mic, 0.25 m nearer the mouth, hears the voice first, and
// the witness's own mic, aimed at the witness, within a few dB. Stage 7 took that lead for
// associate2's voice and refused the witness's run; the lag lies nearer the witness's learned
// lead than associate2's own voice's (stage 23), so the line is the witness's.
func TestLeanTowardsAMicThatHearsFirst(t *testing.T) {
	// random-en-10's seats (x, y, mouth height, facing) and mic distances.
	names := []string{"associate2", "witness", "prosecutor", "defense", "judge"}
	at := [][4]float64{{9.9, 1.86, 1.55, 187}, {8.9, 1.2, 1.35, 206}, {5.18, 1.4, 1.2, 74}, {5.18, 4.7, 1.2, 285}, {9.9, 3.05, 1.55, 169}}
	seats := make([]seatAt, len(at))
	for i, a := range at {
		seats[i] = seatAt{[3]float64{a[0], a[1], a[2]}, a[3]}
	}
	for _, room := range []struct {
		seed uint64
		rt60 float64
	}{{80, 0.5}, {85, 0.45}} {
		t.Run(fmt.Sprintf("RT60 %.2f", room.rt60), func(t *testing.T) {
			t.Parallel()
			cr := courtroom{room: scene.Room{Size: [3]float64{11.1, 6.1, 4.4}, RT60: room.rt60}, seats: seats, seed: room.seed,
				micDist: map[int]float64{0: 0.57, 1: 0.4, 2: 0.56, 3: 0.39, 4: 0.54}}
			r := rand.New(rand.NewPCG(cr.seed, 20))
			pcm := cr.render(t, 30, []placed{
				cr.talk(4, 0.5, 1.5, 120, r), // the judge
				cr.talk(1, 2.5, 5, 200, r),   // the witness answers upright
				cr.talk(0, 8, 4, 110, r),     // associate2
				cr.talk(1, 12.5, 5, 200, r),  // the witness again
				cr.talk(0, 18, 4, 110, r),    // associate2
				cr.leanTalk(1, 0, 23, 3.5, 200, r),
			})
			segs, err := diarize.Offline(diarize.DefaultConfig(), names, pcm, nil)
			if err != nil {
				t.Fatal(err)
			}
			var witness float64
			for _, s := range segs {
				if s.Seat == "witness" && s.End > 23 && s.Start < 26.5 {
					witness += min(s.End, 26.5) - max(s.Start, 23)
				}
			}
			if witness < 3.2 {
				t.Errorf("the witness, leaning towards associate2's mic, got %.2f s of the 3.5 s line; turns %+v", witness, segs)
			}
		})
	}
}
