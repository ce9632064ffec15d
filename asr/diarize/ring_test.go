package diarize_test

import "fmt"
import "math"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// lowRing: a phone ringing in its cadence (rings of 1 s, 0.5 s apart), each ring a trill
// between two buzzes with fundamentals of 600 and 800 Hz that alternate every 50 ms. A buzz
// carries its fundamental and two overtones at equal level, so a third of its power is below
// 1 kHz (stage 10 passes it), it is periodic at a pitch lag (2.5 ms, 3.3 ms) and its two
// strongest spectral lines hold only two thirds of it (the voicing test passes it too).
func lowRing(sec float64) []float64 {
	x := make([]float64, int(sec*rate))
	for i := range x {
		t := float64(i) / rate
		if math.Mod(t, 1.5) >= 1.0 {
			continue
		}
		f0 := 600.0
		if int(t/0.05)%2 == 1 {
			f0 = 800
		}
		for k := 1; k <= 3; k++ {
			x[i] += math.Sin(2 * math.Pi * f0 * float64(k) * t)
		}
		x[i] *= 2500
	}
	return x
}

// TestLowRingtoneStartsNoTurn: a phone rings on the defense table, 0.3 m from the defense mic,
// in a reverberant courtroom, with tones below 1 kHz (stage 10 rejects only rings above it). It
// starts no turn; the defense and a low and a high voice at other seats still start at once.
func TestLowRingtoneStartsNoTurn(t *testing.T) {
	ring := lowRing(3)
	for _, at := range []int{rate / 10, rate/10 + rate/20} { // the 600 Hz buzz, the 800 Hz buzz
		x := make([]int16, at)
		for i := range x {
			x[i] = int16(ring[i])
		}
		per, ton := diarize.Voicing(x)
		if low := diarize.LowShare(x); per < 0.7 || ton >= 0.85 || low < 0.25 {
			t.Fatalf("the ring should pass the voicing test and stage 10 (periodicity %.2f, tonality %.2f, share below 1 kHz %.2f) for this test to mean anything", per, ton, low)
		}
	}
	seats, names := trialSeats, trialNames
	for _, rt := range []float64{0.5, 0.8} {
		t.Run(fmt.Sprintf("RT60 %.1f", rt), func(t *testing.T) {
			t.Parallel()
			cr := courtroom{room: scene.Room{Size: [3]float64{10, 8, 4}, RT60: rt}, seats: seats, seed: 9}
			r := rand.New(rand.NewPCG(9, 10))
			phone := placed{src: scene.Source{Pos: [3]float64{4.9, 5.2, 0.8}}, at: 2 * rate, x: lowRing(3)}
			pcm := cr.render(t, 14, []placed{phone,
				cr.talk(4, 6, 1.5, 110, r), // the defense, a low voice
				cr.talk(2, 9, 1.5, 230, r), // the witness, a high voice
				cr.talk(0, 12, 1.5, 95, r), // the judge, the lowest
			})
			segs, err := diarize.Offline(diarize.DefaultConfig(), names, pcm, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := map[float64]string{6: "defense", 9: "witness", 12: "judge"}
			checkTurns(t, segs, want, func(s diarize.Turn) bool { return s.Start < 5.5 }, "ringtone")
		})
	}
}
