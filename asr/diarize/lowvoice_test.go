package diarize

import "math"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/capture/wire"

// lowVoice: a harmonic voice at f0 (below 70 Hz) with a slowly wandering pitch and falling
// harmonics, about -20 dBFS, over a little room noise.
func lowVoice(n int, f0 float64, r *rand.Rand) []int16 {
	x := make([]int16, n)
	var ph, jit float64
	for i := range x {
		jit = 0.999*jit + 0.001*r.NormFloat64()
		ph += 2 * math.Pi * f0 * (1 + jit) / wire.SampleRate
		var v float64
		for k := 1; k <= 40; k++ {
			v += math.Sin(float64(k)*ph) / math.Sqrt(float64(k))
		}
		x[i] = int16(math.Round(700*v + 20*r.NormFloat64()))
	}
	return x
}

func TestLowVoiceIsVoiced(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, f0 := range []float64{55, 62} {
		per, _ := Voicing(lowVoice(wire.SampleRate/2, f0, r))
		if per < minPeriodicity {
			t.Errorf("a %.0f Hz voice reads periodicity %.2f", f0, per)
		}
	}
	if per, _ := Voicing(noise(wire.SampleRate/2, 1500, r)); per >= minPeriodicity {
		t.Errorf("noise reads periodicity %.2f", per)
	}
}

func TestLowVoiceStartsAtOnce(t *testing.T) {
	// A low voice's turn is reported 80–100 ms after it starts, like any other voice's.
	r := rand.New(rand.NewPCG(23, 24))
	x := append(noise(2*wire.SampleRate, 20, r), lowVoice(wire.SampleRate, 58, r)...)
	x = append(x, noise(wire.SampleRate, 20, r)...)
	d := oneSeat(t)
	started := false
	for off := 0; off+320 <= len(x); off += 320 {
		evs, err := d.Push([][]int16{x[off : off+320]})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Kind == Start {
				started = true
				if e.Start < 1.95 || e.Decided-2 > 0.1 {
					t.Errorf("start at %.2f decided at %.2f; the voice starts at 2.00", e.Start, e.Decided)
				}
			}
		}
	}
	if !started {
		t.Error("the low voice never started a turn")
	}
}
