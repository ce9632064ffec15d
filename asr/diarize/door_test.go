package diarize_test

import "fmt"
import "math"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// doorCreak is a door opening as the scene renderer synthesizes it (asr/diarize/scene,
// sounds.go): a latch click, 0.1 s later a hinge creak — stick-slip pulses gliding 110→400 Hz
// through a resonance near 1 kHz, periodic like a voice — and nothing after it (the thump of
// closing comes seconds later). RMS over the creak at levelDB relative to talker's level.
func doorCreak(levelDB float64, r *rand.Rand) []float64 {
	out := make([]float64, int(0.12*rate))
	for i := range int(0.02 * rate) {
		out[i] = r.NormFloat64() * 2 * math.Exp(-float64(i)/40)
	}
	n := int(0.8 * rate)
	fr, bw := 900+500*r.Float64(), 300.0
	rr := math.Exp(-math.Pi * bw / rate)
	a1, a2, g := 2*rr*math.Cos(2*math.Pi*fr/rate), -rr*rr, 1-rr
	var y1, y2, ph, e float64
	f0a, f0b := 110+50*r.Float64(), 300+120*r.Float64()
	creak := make([]float64, n)
	for i := range n {
		f0 := f0a + (f0b-f0a)*float64(i)/float64(n) + 15*math.Sin(2*math.Pi*3*float64(i)/rate)
		ph += f0 / rate
		x := 0.05 * r.NormFloat64()
		if ph >= 1 {
			ph--
			x++
		}
		y := g*x + a1*y1 + a2*y2
		y2, y1 = y1, y
		creak[i] = y * math.Min(1, math.Min(float64(i), float64(n-i))/800)
		e += creak[i] * creak[i]
	}
	k := 3277 * math.Pow(10, levelDB/20) / math.Sqrt(e/float64(n))
	for i := range out {
		out[i] *= k / 8 // the latch, as loud against the creak as the renderer makes it
	}
	for i := range creak {
		creak[i] *= k
	}
	return append(out, creak...)
}

// TestDoorBehindASeatStartsNoTurn: a door 2.5 m behind a counsel table opens while nobody
// speaks. Its latch fills the room, and its hinge creak, periodic like a voice, reaches the
// co-counsel's mic a few dB over the room with the prosecutor's mic within 4 dB — what the
// co-counsel turned away from their mic gives too. The creak arrives at the two mics with the
// door's time lead, not the co-counsel's, which the co-counsel's earlier answers taught: it
// starts no turn (stage 16), in rooms of RT60 0.5–0.9 s, while the co-counsel, turned away
// (180°: 9 dB less direct sound on their own mic), still starts at once.
func TestDoorBehindASeatStartsNoTurn(t *testing.T) {
	seats := []seatAt{
		{[3]float64{9.1, 3.55, 1.55}, 177}, // judge
		{[3]float64{7.9, 4.0, 1.15}, 192},  // clerk
		{[3]float64{8.1, 1.2, 1.35}, 202},  // witness
		{[3]float64{3.88, 1.4, 1.2}, 80},   // prosecutor
		{[3]float64{3.01, 1.4, 1.2}, 74},   // co-counsel
		{[3]float64{3.88, 5.7, 1.2}, 290},  // defense
	}
	names := []string{"judge", "clerk", "witness", "prosecutor", "co_counsel", "defense"}
	cases := []struct {
		rt60    float64
		door    [3]float64
		levelDB float64
	}{
		{0.5, [3]float64{0.6, 0.77, 1.1}, 4},
		{0.5, [3]float64{0.6, 0.77, 1.1}, 8},
		{0.7, [3]float64{0.6, 0.77, 1.1}, 4},
		{0.7, [3]float64{0.6, 1.2, 1.1}, 6},
		{0.9, [3]float64{0.6, 0.77, 1.1}, 6},
	}
	for k, tc := range cases {
		t.Run(fmt.Sprintf("RT60 %.1f door %v %+.0f dB", tc.rt60, tc.door, tc.levelDB), func(t *testing.T) {
			t.Parallel()
			cr := courtroom{room: scene.Room{Size: [3]float64{10.3, 7.1, 3.5}, RT60: tc.rt60}, seats: seats, seed: uint64(20 + k)}
			r := rand.New(rand.NewPCG(cr.seed, 12))
			away := cr.talk(4, 14, 1.5, 120, r)
			away.src.Facing = [3]float64{-away.src.Facing[0], -away.src.Facing[1], 0}
			door := placed{src: scene.Source{Pos: tc.door}, at: 11 * rate, x: doorCreak(tc.levelDB, r)}
			pcm := cr.render(t, 16, []placed{
				cr.talk(0, 1.5, 1.5, 190, r), // the judge
				cr.talk(4, 3.5, 2, 120, r),   // the co-counsel answers, twice
				cr.talk(3, 6, 1.5, 105, r),   // the prosecutor
				cr.talk(4, 8, 2, 120, r),
				door,
				away, // the co-counsel, turned away to the gallery
			})
			segs, err := diarize.Offline(diarize.DefaultConfig(), names, pcm, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := map[float64]string{1.5: "judge", 3.5: "co_counsel", 6: "prosecutor", 8: "co_counsel", 14: "co_counsel"}
			checkTurns(t, segs, want, func(s diarize.Turn) bool { return s.Start > 10.5 && s.Start < 13.5 }, "door")
		})
	}
}
