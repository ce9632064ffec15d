package diarize

import "math"
import "math/rand/v2"
import "testing"

// TestHumIsNoFloor: three mics in the same room noise, one of them with mains hum 25 dB over
// the noise on its line. Stage 31 finds the hum's lines, and the hummed channel's noise floor
// is the room's, as on the others; a voice's harmonics, which come and go, are no line.
func TestHumIsNoFloor(t *testing.T) {
	const sec = 6
	r := rand.New(rand.NewPCG(5, 31))
	n := sec * 16000
	pcm := make([][]int16, 3)
	for c := range pcm {
		pcm[c] = make([]int16, n)
		for i := range pcm[c] {
			pcm[c][i] = int16(math.Round(r.NormFloat64() * 20)) // about -64 dBFS
		}
	}
	hum := math.Pow(10, -39.0/20) * 32768 * math.Sqrt2
	for i := range pcm[0] {
		w := 2 * math.Pi * 50 * float64(i) / 16000
		pcm[0][i] += int16(math.Round(hum * (math.Sin(w) + 0.5*math.Sin(3*w) + 0.15*math.Sin(5*w))))
	}
	// Seat 2's talker: a 140 Hz voice, 0.4 s on and 0.3 s off, from 2 s on.
	for i := 2 * 16000; i < n; i++ {
		if (i/160)%70 < 40 {
			w := 2 * math.Pi * 140 * float64(i) / 16000
			pcm[2][i] += int16(math.Round(2000 * (math.Sin(w) + 0.6*math.Sin(2*w) + 0.4*math.Sin(3*w))))
		}
	}
	d, err := New(DefaultConfig(), []string{"judge", "clerk", "witness"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i += 320 {
		if _, err := d.Push([][]int16{pcm[0][i : i+320], pcm[1][i : i+320], pcm[2][i : i+320]}); err != nil {
			t.Fatal(err)
		}
	}
	if !d.ch[0].lines.any {
		t.Fatal("no line found on the hummed channel")
	}
	for _, c := range []int{1, 2} {
		if d.ch[c].lines.any {
			t.Errorf("seat %d: lines %v on a channel without hum", c, d.ch[c].lines.line)
		}
	}
	db := func(x float64) float64 { return 10 * math.Log10(x) }
	if hummed, clean := db(d.ch[0].NF.Level), db(d.ch[1].NF.Level); math.Abs(hummed-clean) > 3 {
		t.Errorf("hummed channel's floor %.1f dB, the same room on a clean channel %.1f dB", hummed, clean)
	}
}
