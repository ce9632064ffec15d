package diarize_test

import "fmt"
import "math"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// gavelStrikes is a gavel as the scene renderer synthesizes it (scene.Synth: two or three
// strikes 0.2–0.4 s apart, each a click and three damped wooden modes, 0.6–2.6 kHz), its first
// 10 ms levelDB over a talker's RMS (the renderer's +8 dB is over its active frames).
func gavelStrikes(t *testing.T, levelDB float64, r *rand.Rand) []float64 {
	t.Helper()
	out, err := scene.Synth("gavel", r)
	if err != nil {
		t.Fatal(err)
	}
	return atTalkerLevel(out, levelDB)
}

// atTalkerLevel scales a struck sound so that its first 10 ms stand levelDB over a talker's RMS
// (talker's 3277) and returns it.
func atTalkerLevel(out []float64, levelDB float64) []float64 {
	var e float64
	for _, v := range out[:rate/100] {
		e += v * v
	}
	k := 3277 * math.Pow(10, levelDB/20) / math.Sqrt(e/float64(rate/100))
	for i := range out {
		out[i] *= k
	}
	return out
}

// benchSeats is a six-seat trial court in a 12.6×8.2 m room, the bench 6–7 m from the counsel
// tables, named by benchNames.
var benchSeats = []seatAt{
	{[3]float64{11.4, 4.1, 1.55}, 179},  // judge
	{[3]float64{10.2, 4.57, 1.15}, 192}, // clerk
	{[3]float64{10.4, 1.2, 1.35}, 219},  // witness
	{[3]float64{5.09, 1.4, 1.2}, 77},    // prosecutor
	{[3]float64{5.09, 6.8, 1.2}, 299},   // defense
	{[3]float64{4.21, 6.8, 1.2}, 290},   // defendant
}

var benchNames = []string{"judge", "clerk", "witness", "prosecutor", "defense", "defendant"}

// TestGavelIsNoFarSeatsSpeech: the judge strikes the gavel on the bench. Its direct sound
// reaches the judge's mic 40–50 dB over the floor and falls within 0.2 s, while the counsel
// mics 6–7 m away get the room's response, 15–20 dB lower but decaying at the room's rate:
// within 0.1–0.3 s of the strike the far mics, one of them hot by 8 dB, read more than the
// judge's and stand over the room's median. The judge's level as a bleed source then holds
// the gavel's reverberant tail, as it would a voice's (stage 21): the gavel starts no turn on
// any seat, and no seat but the judge's is even a Tentative talker for it, in rooms of RT60
// 0.6–0.83 s; the talkers around it still start at once.
func TestGavelIsNoFarSeatsSpeech(t *testing.T) {
	for k, rt60 := range []float64{0.6, 0.83} {
		for _, hot := range []float64{0, 8} {
			t.Run(fmt.Sprintf("RT60 %.2f prosecutor mic %+.0f dB", rt60, hot), func(t *testing.T) {
				t.Parallel()
				cr := courtroom{room: scene.Room{Size: [3]float64{12.6, 8.2, 3.5}, RT60: rt60}, seats: benchSeats, seed: uint64(60 + k)}
				r := rand.New(rand.NewPCG(cr.seed, uint64(hot)))
				bench := scene.Source{Pos: [3]float64{11.2, 4.1, 1.0}} // on the bench, before the judge
				pcm := cr.render(t, 14, []placed{
					cr.talk(0, 1, 2, 120, r), // the judge
					cr.talk(3, 3.5, 2, 190, r),
					cr.talk(5, 6, 2, 210, r),
					{src: bench, at: int(8.5 * rate), x: gavelStrikes(t, 14, r)},
					cr.talk(4, 11, 1.5, 105, r),
				})
				for c, db := range map[int]float64{3: hot, 4: -6} {
					g := math.Pow(10, db/20)
					for i, v := range pcm[c] {
						pcm[c][i] = int16(max(-32768, min(32767, math.Round(float64(v)*g))))
					}
				}
				d, err := diarize.New(diarize.DefaultConfig(), benchNames, nil)
				if err != nil {
					t.Fatal(err)
				}
				evs, err := d.Push(pcm)
				if err != nil {
					t.Fatal(err)
				}
				var segs []diarize.Turn
				for _, e := range append(evs, d.Flush()...) {
					switch {
					case e.Kind == diarize.End:
						segs = append(segs, e.Turn())
					case e.Kind == diarize.Tentative && e.Seat != "judge" && e.Start > 8.4 && e.Start < 10.5:
						t.Errorf("the gavel on the bench made the %s tentatively a talker: %+v", e.Seat, e)
					}
				}
				want := map[float64]string{1: "judge", 3.5: "prosecutor", 6: "defendant", 11: "defense"}
				checkTurns(t, segs, want, func(s diarize.Turn) bool { return s.Start > 8.4 && s.Start < 10.5 }, "gavel")
			})
		}
	}
}
