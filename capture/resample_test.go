package capture

import "math"
import "math/rand/v2"
import "testing"

// sineGain feeds a sine of freq Hz at inRate through a fresh resampler to 16 kHz in uneven
// blocks and returns the output amplitude relative to the input amplitude, in dB, measured
// by a least-squares fit at freq (or the RMS of everything for stopband frequencies, where the
// output is an alias at another frequency).
func sineGain(t *testing.T, inRate int, freq float64, stop bool) float64 {
	t.Helper()
	r, err := NewResampler(inRate, 16000, 1)
	if err != nil {
		t.Fatal(err)
	}
	const amp = 0.5
	n := inRate // one second
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(inRate)))
	}
	out := [][]float32{nil}
	rng := rand.New(rand.NewPCG(1, 2))
	for off := 0; off < n; {
		b := min(n-off, 1+rng.IntN(2000))
		out, err = r.Process([][]float32{x[off : off+b]}, out)
		if err != nil {
			t.Fatal(err)
		}
		off += b
	}
	y := out[0][2000:14000] // skip the filter's start and end transients
	if stop {
		var ss float64
		for _, v := range y {
			ss += float64(v) * float64(v)
		}
		rms := math.Sqrt(ss / float64(len(y)))
		return 20 * math.Log10(rms/(amp/math.Sqrt2))
	}
	// Least squares fit of a·sin + b·cos at freq on the output's own timeline.
	var ss, sc, cc, ys, yc float64
	for i, v := range y {
		ph := 2 * math.Pi * freq * float64(i) / 16000
		s, c := math.Sin(ph), math.Cos(ph)
		ss += s * s
		cc += c * c
		sc += s * c
		ys += float64(v) * s
		yc += float64(v) * c
	}
	det := ss*cc - sc*sc
	a := (ys*cc - yc*sc) / det
	b := (yc*ss - ys*sc) / det
	return 20 * math.Log10(math.Hypot(a, b)/amp)
}

func TestResamplerPassbandFlat(t *testing.T) {
	for _, rate := range []int{44100, 48000, 32000, 22050} {
		for _, f := range []float64{50, 300, 1000, 2500, 4000, 5500, 6500, 7000} {
			g := sineGain(t, rate, f, false)
			if math.Abs(g) > 0.1 {
				t.Errorf("%d Hz input, %.0f Hz tone: gain %.3f dB, want within ±0.1 dB", rate, f, g)
			}
		}
	}
}

func TestResamplerStopbandRejects(t *testing.T) {
	for _, rate := range []int{44100, 48000} {
		for _, f := range []float64{8000, 8100, 9000, 11025, 15000, 20000, float64(rate)/2 - 100} {
			g := sineGain(t, rate, f, true)
			if g > -60 {
				t.Errorf("%d Hz input, %.0f Hz tone: leaks at %.1f dB, want ≤ -60 dB", rate, f, g)
			}
		}
	}
}

// The passband test must be able to fail: a plain decimator (dropping samples) aliases a
// 10 kHz tone from 48 kHz into 6 kHz at full level.
func TestDroppingSamplesWouldAlias(t *testing.T) {
	var ss float64
	n := 0
	for i := 0; i < 48000; i += 3 {
		v := math.Sin(2 * math.Pi * 10000 * float64(i) / 48000)
		ss += v * v
		n++
	}
	if g := 20 * math.Log10(math.Sqrt(ss/float64(n))/(1/math.Sqrt2)); g < -1 {
		t.Fatalf("sanity: decimation by dropping should alias at ~0 dB, got %.1f", g)
	}
}

func TestResamplerStreamingExact(t *testing.T) {
	for _, rate := range []int{44100, 48000, 8000, 16000, 96000} {
		const ch = 3
		n := rate*2 + 17
		in := make([][]float32, ch)
		rng := rand.New(rand.NewPCG(3, 4))
		for c := range in {
			in[c] = make([]float32, n)
			for i := range in[c] {
				in[c][i] = float32(rng.NormFloat64() * 0.1)
			}
		}
		one, _ := NewResampler(rate, 16000, ch)
		whole, err := one.Process(in, make([][]float32, ch))
		if err != nil {
			t.Fatal(err)
		}
		r, _ := NewResampler(rate, 16000, ch)
		got := make([][]float32, ch)
		for off := 0; off < n; {
			b := min(n-off, rng.IntN(700))
			blk := make([][]float32, ch)
			for c := range blk {
				blk[c] = in[c][off : off+b]
			}
			if got, err = r.Process(blk, got); err != nil {
				t.Fatal(err)
			}
			off += b
			want := (int64(off)*16000 + int64(rate) - 1) / int64(rate)
			if int64(len(got[0])) != want {
				t.Fatalf("%d Hz: after %d inputs %d outputs, want exactly %d", rate, off, len(got[0]), want)
			}
		}
		for c := range got {
			if len(got[c]) != len(whole[c]) {
				t.Fatalf("%d Hz: streamed %d outputs, one-shot %d", rate, len(got[c]), len(whole[c]))
			}
			for i := range got[c] {
				if got[c][i] != whole[c][i] {
					t.Fatalf("%d Hz ch %d sample %d: streamed %v, one-shot %v", rate, c, i, got[c][i], whole[c][i])
				}
			}
		}
	}
}

func TestResamplerSkipKeepsTimeline(t *testing.T) {
	r, _ := NewResampler(44100, 16000, 1)
	out := [][]float32{nil}
	out, _ = r.Process([][]float32{make([]float32, 1000)}, out)
	g := r.Skip(4410) // 100 ms lost
	out, _ = r.Process([][]float32{make([]float32, 3000)}, out)
	total := int64(len(out[0])) + g
	if want := r.Outputs(1000 + 4410 + 3000); total != want {
		t.Fatalf("audio+gap = %d outputs, want %d", total, want)
	}
	if g < 1599 || g > 1601 {
		t.Fatalf("gap of 100 ms at 44.1 kHz became %d outputs, want ~1600", g)
	}
}

func TestResamplerBadInput(t *testing.T) {
	if _, err := NewResampler(0, 16000, 1); err == nil {
		t.Error("rate 0 accepted")
	}
	if _, err := NewResampler(48000, 16000, 0); err == nil {
		t.Error("0 channels accepted")
	}
	r, _ := NewResampler(48000, 16000, 2)
	if _, err := r.Process([][]float32{{1}, {1, 2}}, make([][]float32, 2)); err == nil {
		t.Error("ragged channels accepted")
	}
}

func BenchmarkResample48kTo16k(b *testing.B) {
	r, _ := NewResampler(48000, 16000, 1)
	in := [][]float32{make([]float32, 4800)}
	out := [][]float32{make([]float32, 0, 1600)}
	b.SetBytes(4800 * 4)
	for b.Loop() {
		out[0] = out[0][:0]
		out, _ = r.Process(in, out)
	}
}

func BenchmarkResample44kTo16k(b *testing.B) {
	r, _ := NewResampler(44100, 16000, 1)
	in := [][]float32{make([]float32, 4410)}
	out := [][]float32{make([]float32, 0, 1600)}
	b.SetBytes(4410 * 4)
	for b.Loop() {
		out[0] = out[0][:0]
		out, _ = r.Process(in, out)
	}
}
