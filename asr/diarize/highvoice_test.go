package diarize

import "math"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/capture/wire"

// highVoice: a voice at f0 (about 240 Hz) whose vowels are nearly all fundamental and second
// harmonic (a high voice with its first formant on them), in syllables of about 0.2 s with short
// dips, about -20 dBFS, over a little room noise.
func highVoice(n int, f0 float64, r *rand.Rand) []int16 {
	x := make([]int16, n)
	amp := []float64{1, 0.45, 0.08, 0.05, 0.03, 0.03, 0.02, 0.02}
	var ph, jit, syl float64
	sylLen := 0.2
	for i := range x {
		sec := float64(i) / wire.SampleRate
		jit = 0.999*jit + 0.001*r.NormFloat64()
		ph += 2 * math.Pi * f0 * (1 + 0.05*math.Sin(2*math.Pi*1.1*sec) + jit) / wire.SampleRate
		syl += 1.0 / wire.SampleRate
		if syl > sylLen {
			syl, sylLen = 0, 0.17+0.06*r.Float64()
		}
		env := 0.15 + 0.85*math.Sin(math.Pi*syl/sylLen)
		var v float64
		for k, a := range amp {
			v += a * math.Sin(float64(k+1)*ph)
		}
		x[i] = int16(math.Round(3500*env*v + 20*r.NormFloat64()))
	}
	return x
}

// TestHighVoiceIsVoiced: the vowels of a high voice that is nearly all fundamental read tonal
// (≥ 0.85, like a beep) but periodic at the pitch of their strongest line: voiced (stage 14).
// A beep and a ringer's buzz are not.
func TestHighVoiceIsVoiced(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	d := oneSeat(t)
	push1(t, d, noise(wire.SampleRate, 20, r))
	x := highVoice(wire.SampleRate, 240, r)
	tonal, voiced := 0, 0
	for off := 0; off+hop <= len(x); off += hop {
		push1(t, d, x[off:off+hop])
		ch := &d.ch[0]
		if tonality(ch.Pow[binLo:binHi+1], ch.band) >= maxTonality {
			tonal++
			if d.voiced(0) {
				voiced++
			}
		}
	}
	if tonal < 30 || voiced*10 < tonal*8 {
		t.Errorf("%d of the high voice's frames read tonal, %d of them voiced; want ≥ 30 tonal, 80 %% voiced", tonal, voiced)
	}
	for _, f := range []float64{1000, 600} {
		tone := make([]int16, wire.SampleRate/2)
		for i := range tone {
			tone[i] = int16(6000*math.Sin(2*math.Pi*f*float64(i)/wire.SampleRate) + 2000*math.Sin(4*math.Pi*f*float64(i)/wire.SampleRate))
		}
		d := oneSeat(t)
		push1(t, d, noise(wire.SampleRate, 20, r))
		push1(t, d, tone)
		if d.voiced(0) {
			t.Errorf("a %.0f Hz tone reads voiced", f)
		}
	}
}

// TestHighVoiceStartsAndResumes: the high voice's turn is reported within 0.1 s of its first
// word, and a 0.3 s pause inside its answer (shorter than the hangover) does not split the turn.
func TestHighVoiceStartsAndResumes(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	segs := oneSeatSegments(t, noise(2*wire.SampleRate, 20, r), highVoice(wire.SampleRate, 240, r),
		noise(wire.SampleRate*3/10, 20, r), highVoice(wire.SampleRate, 235, r), noise(wire.SampleRate, 20, r))
	if len(segs) != 1 || segs[0].Start < 1.95 || segs[0].Start > 2.1 || segs[0].End < 4.2 {
		t.Fatalf("turns %+v, want one from 2.00 to 4.30", segs)
	}
}
