package diarize_test

import "fmt"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// TestLeadIsLearnedWithinTheFirstWords: the prosecutor of a trial court, with a co-counsel
// 0.7 m away, speaks at 0.5 s, alone; by 1.2 s, 0.7 s into the first line, the prosecutor's seat
// has learned the lead of its voice at the co-counsel's mic (stage 16), in rooms of RT60
// 0.5–0.9 s. Stages 19 and 22–25 can tell a lean or a talker turned away only once both seats
// have learned it; teaching every frame instead of every other (stage 26) halves the wait
// (learned at 1.4–1.5 s before it).
func TestLeadIsLearnedWithinTheFirstWords(t *testing.T) {
	seats := append(append([]seatAt{}, trialSeats...), seatAt{[3]float64{3.9, 1.4, 1.2}, 70})
	names := append(append([]string{}, trialNames...), "co_counsel")
	const prosecutor, coCounsel = 3, 5
	for k, rt60 := range []float64{0.5, 0.7, 0.9} {
		t.Run(fmt.Sprintf("RT60 %.1f", rt60), func(t *testing.T) {
			t.Parallel()
			cr := courtroom{room: scene.Room{Size: [3]float64{10, 8, 3.5}, RT60: rt60}, seats: seats, seed: uint64(60 + k)}
			r := rand.New(rand.NewPCG(cr.seed, 20))
			pcm := cr.render(t, 1.2, []placed{cr.talk(prosecutor, 0.5, 2, 120, r)})
			d, err := diarize.New(diarize.DefaultConfig(), names, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Push(pcm); err != nil {
				t.Fatal(err)
			}
			if lead, ok := d.LearnedLead(prosecutor, coCounsel); !ok || lead < 4 {
				t.Errorf("after 0.7 s of the prosecutor's first line, their lead at the co-counsel's mic: %d samples, learned %v; want learned, the prosecutor's mic first", lead, ok)
			}
		})
	}
}
