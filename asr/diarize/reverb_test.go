package diarize_test

import "math"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"

// TestToneAndImpactStartNoTurn: the recorder's start beep (a steady 1 kHz tone) and a gavel
// (a ringing impact: two inharmonic decaying modes) on a seat's mic start no turn.
func TestToneAndImpactStartNoTurn(t *testing.T) {
	rm := room{seats: 3, dur: 6, noise: 20, bleedDB: 12, delayMS: 3, seed: 4}
	pcm := rm.render(t)
	add := func(c int, at float64, x []float64) {
		a := int(at * rate)
		for i, v := range x {
			pcm[c][a+i] = int16(max(-32768, min(32767, float64(pcm[c][a+i])+v)))
		}
	}
	beep := make([]float64, int(0.6*rate))
	for i := range beep {
		beep[i] = 6000 * math.Sin(2*math.Pi*1000*float64(i)/rate)
	}
	add(1, 1, beep)
	gavel := make([]float64, int(0.4*rate))
	for i := range gavel {
		s := float64(i) / rate
		gavel[i] = 20000 * math.Exp(-s/0.06) * (math.Sin(2*math.Pi*730*s) + 0.6*math.Sin(2*math.Pi*1870*s))
	}
	add(0, 3, gavel)
	if segs := offline(t, rm, pcm); len(segs) != 0 {
		t.Fatalf("a beep or a gavel started a turn: %+v", segs)
	}
}

// TestVoicingMeasures: the frame measures behind a turn start. A synthetic voice is periodic
// and not tonal, white noise is not periodic, a steady tone is tonal.
func TestVoicingMeasures(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	toInt := func(x []float64, k float64) []int16 {
		out := make([]int16, len(x))
		for i, v := range x {
			out[i] = int16(max(-32768, min(32767, k*v)))
		}
		return out
	}
	voice := speech(rate/2, 130, r)
	// Take a frame near a syllable's middle.
	var best int
	var bestE float64
	for i := 1024; i+1600 < len(voice); i += 160 {
		var e float64
		for _, v := range voice[i : i+512] {
			e += v * v
		}
		if e > bestE {
			best, bestE = i+512, e
		}
	}
	per, ton := diarize.Voicing(toInt(voice[:best], 3000))
	if per < 0.7 || ton >= 0.85 {
		t.Errorf("voice: periodicity %.2f (want ≥ 0.7), tonality %.2f (want < 0.85)", per, ton)
	}
	noise := make([]float64, 2048)
	for i := range noise {
		noise[i] = r.NormFloat64()
	}
	if per, _ := diarize.Voicing(toInt(noise, 3000)); per >= 0.7 {
		t.Errorf("white noise: periodicity %.2f, want < 0.7", per)
	}
	tone := make([]float64, 2048)
	for i := range tone {
		tone[i] = math.Sin(2 * math.Pi * 1000 * float64(i) / rate)
	}
	if _, ton := diarize.Voicing(toInt(tone, 8000)); ton < 0.85 {
		t.Errorf("1 kHz tone: tonality %.2f, want ≥ 0.85", ton)
	}
}

// TestRoomSoundNearOneMicStartsNoTurn: with five live mics, a voice in the gallery (a
// reverberant, diffuse sound: it reaches every mic at about the same level) sits 5 dB nearer
// the judge's mic than the median. It starts no turn — the 3 dB bleed margin over the diffuse
// level let it — while the seats' own talkers still start theirs within 120 ms.
func TestRoomSoundNearOneMicStartsNoTurn(t *testing.T) {
	rm := room{seats: 5, dur: 12, noise: 20, bleedDB: 14, delayMS: 4, seed: 31,
		talks: []talk{{seat: 2, start: 1, end: 3.5, f0: 120}, {seat: 0, start: 8.5, end: 11, f0: 110}}}
	pcm := rm.render(t)
	r := rand.New(rand.NewPCG(31, 1))
	gal := speech(int(3*rate), 190, r)
	var e float64
	for _, v := range gal {
		e += v * v
	}
	k := 1000 / math.Sqrt(e/float64(len(gal))) // about -30 dBFS on the mics
	levelDB := []float64{5, 0, -0.5, 0.5, -1}
	delay := []int{30, 70, 52, 90, 64} // samples: the gallery is metres away
	at := int(4.5 * rate)
	for c := range pcm {
		g := k * math.Pow(10, levelDB[c]/20)
		for i, v := range gal {
			j := at + delay[c] + i
			pcm[c][j] = int16(max(-32768, min(32767, float64(pcm[c][j])+g*v)))
		}
	}
	segs := offline(t, rm, pcm)
	for _, s := range segs {
		if s.End > 4.5 && s.Start < 7.6 {
			t.Errorf("the gallery voice started a turn: %+v", s)
		}
	}
	for _, tk := range truth(rm) {
		found := false
		for _, s := range segs {
			found = found || s.Seat == tk.Seat && math.Abs(s.Start-tk.Start) <= 0.12
		}
		if !found {
			t.Errorf("%s's turn at %.2f not found: %+v", tk.Seat, tk.Start, segs)
		}
	}
}
