package diarize_test

import "fmt"
import "math"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// chairScrape is a chair dragged on the floor as the scene renderer synthesizes it
// (asr/diarize/scene, sounds.go): stick-slip pulses at 40–90 Hz, their rate wobbling, through
// a resonance gliding from 400 Hz up to 1.4 kHz, sec seconds long, RMS at levelDB relative to
// a talker's level. Now and then a 32 ms window of it reads periodic, at whatever lag the
// pulses happen to repeat.
func chairScrape(sec, levelDB float64, r *rand.Rand) []float64 {
	n := int(sec * rate)
	out := make([]float64, n)
	rateHz := 40 + 50*r.Float64()
	var y1, y2, ph, e float64
	for i := range n {
		fr := float64(i) / float64(n)
		f := 400 + 1000*fr + 200*math.Sin(2*math.Pi*2*float64(i)/rate)
		rr := math.Exp(-math.Pi * 250 / rate)
		a1, a2, g := 2*rr*math.Cos(2*math.Pi*f/rate), -rr*rr, 1-rr
		ph += (rateHz + 20*math.Sin(2*math.Pi*1.5*float64(i)/rate)) / rate
		x := 0.4 * r.NormFloat64()
		if ph >= 1 {
			ph--
			x += 3 * r.Float64()
		}
		y := g*x + a1*y1 + a2*y2
		y2, y1 = y1, y
		out[i] = y * math.Min(1, math.Min(float64(i), float64(n-i))/(0.05*rate))
		e += out[i] * out[i]
	}
	k := 3277 * math.Pow(10, levelDB/20) / math.Sqrt(e/float64(n))
	for i := range out {
		out[i] *= k
	}
	return out
}

// TestChairAtASeatIsNoSpeech: a chair scraped at a seat, in the talker's place, is as near its
// mic as the talker, so no level, room or time-lead test can tell the two apart; only the
// voicing can. The scrape reads periodic in a frame here and there (the pulses repeat at
// random lags), often enough for a start's three voiced frames and its one in ten, but never
// in two frames in a row, as a voice's vowel does. Scraped while nobody speaks, it starts no
// turn, and scraped 0.25 s after the seat's talker stops (inside the hangover) it does not
// resume their turn (stage 17), in rooms of RT60 0.5–0.9 s; the talkers still start at once.
func TestChairAtASeatIsNoSpeech(t *testing.T) {
	for k, rt60 := range []float64{0.5, 0.7, 0.9} {
		for _, lvl := range []float64{0, 4} {
			t.Run(fmt.Sprintf("RT60 %.1f chair %+.0f dB", rt60, lvl), func(t *testing.T) {
				t.Parallel()
				cr := courtroom{room: scene.Room{Size: [3]float64{10, 8, 3.5}, RT60: rt60}, seats: trialSeats, seed: uint64(40 + k)}
				r := rand.New(rand.NewPCG(cr.seed, uint64(lvl)))
				at := func(seat int) scene.Source {
					p := trialSeats[seat].pos
					return scene.Source{Pos: [3]float64{p[0], p[1], 0.5}} // the chair's legs, under the talker
				}
				pros := cr.talk(3, 6, 1.5, 105, r)
				pcm := cr.render(t, 12, []placed{
					cr.talk(0, 1, 1.5, 190, r),                              // the judge
					{src: at(4), at: 3 * rate, x: chairScrape(0.9, lvl, r)}, // the defense's chair, nobody speaking
					pros, // the prosecutor, then their chair 0.25 s after their last word
					{src: at(3), at: int(7.75 * rate), x: chairScrape(0.9, lvl, r)},
					cr.talk(4, 9.5, 1.5, 120, r), // the defense
				})
				segs, err := diarize.Offline(diarize.DefaultConfig(), trialNames, pcm, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range segs {
					if s.Seat == "prosecutor" && s.End > 7.6 {
						t.Errorf("the prosecutor's chair resumed their turn: %+v", s)
					}
				}
				want := map[float64]string{1: "judge", 6: "prosecutor", 9.5: "defense"}
				checkTurns(t, segs, want, func(s diarize.Turn) bool { return s.Start > 2.8 && s.Start < 4.2 }, "chair")
			})
		}
	}
}
