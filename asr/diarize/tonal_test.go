package diarize

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Unit tests of stage 10 (turns.go): a start needs voiced frames with power below 1 kHz.

// ringtone: a phone ringing in its cadence — rings of ringSec, ringGap apart — each ring a
// trill between two tones around 1.5–2.5 kHz that alternate every 50 ms. A small ringer
// speaker plays each tone as a buzz (the 3rd–5th harmonics of 500 Hz, the 6th–8th of 300 Hz),
// so it is periodic at a pitch lag and not a single spectral peak: it passes the voicing test.
func ringtone(n int, r *rand.Rand) []int16 {
	const ringSec, ringGap = 1.0, 0.5
	x := make([]int16, n)
	for i := range x {
		t := float64(i) / SampleRate
		var v float64
		if math.Mod(t, ringSec+ringGap) < ringSec {
			f0, k0 := 500.0, 3
			if int(t/0.05)%2 == 1 {
				f0, k0 = 300.0, 6
			}
			for k := k0; k < k0+3; k++ {
				v += math.Sin(2 * math.Pi * f0 * float64(k) * t)
			}
		}
		x[i] = int16(math.Round(1500*v + 30*r.NormFloat64()))
	}
	return x
}

func TestRingtoneStartsNoTurn(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	ring := ringtone(3*SampleRate, r)
	if per, ton := Voicing(ring[SampleRate/10 : SampleRate/10+SampleRate/10]); per < minPeriodicity || ton >= maxTonality {
		t.Fatalf("the ringtone should pass the voicing test (periodicity %.2f, tonality %.2f) for this test to mean anything", per, ton)
	}
	segs := oneSeatSegments(t, noise(2*SampleRate, 30, r), ring, noise(2*SampleRate, 30, r))
	for _, s := range segs {
		t.Errorf("a ringtone was reported as speech: %.2f–%.2f", s.Start, s.End)
	}
	// A voice, with its pitch harmonics below 1 kHz, still starts at once.
	segs = oneSeatSegments(t, noise(2*SampleRate, 30, r), voice(SampleRate, r), noise(2*SampleRate, 30, r))
	if len(segs) != 1 || segs[0].Start > 2.02 || segs[0].End < 2.95 {
		t.Errorf("want one turn 2.00–3.00 for the voice, got %+v", segs)
	}
}
