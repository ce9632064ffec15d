package diarize

import "math"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/capture/wire"

// Unit tests of the start rules against non-speech sounds at a seat (turns.go).

// scrape: broadband noise (a chair dragged, paper rustled) with brief harmonic blips at the
// given offsets (seconds from its start), where the sound happens to read periodic for a frame
// or two.
func scrape(n int, rms float64, blips []float64, r *rand.Rand) []int16 {
	x := noise(n, rms, r)
	v := voice(n, r)
	for _, b := range blips {
		i0 := int(b * wire.SampleRate)
		for i := i0; i < min(i0+wire.SampleRate/50, n); i++ { // 20 ms
			x[i] = v[i]
		}
	}
	return x
}

func oneSeatSegments(t *testing.T, parts ...[]int16) []Turn {
	t.Helper()
	var x []int16
	for _, p := range parts {
		x = append(x, p...)
	}
	segs, err := Offline(DefaultConfig(), []string{"a"}, [][]int16{x}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

func TestScrapeWithPeriodicBlipsStartsNoTurn(t *testing.T) {
	// 0.8 s of scraping with three periodic blips spread over it: three voiced frames, as the
	// start rule once asked for, but over a run ten times as long as a talker needs.
	r := rand.New(rand.NewPCG(11, 12))
	segs := oneSeatSegments(t, noise(2*wire.SampleRate, 30, r),
		scrape(wire.SampleRate*8/10, 1500, []float64{0.12, 0.42, 0.72}, r), noise(2*wire.SampleRate, 30, r))
	for _, s := range segs {
		t.Errorf("a scrape was reported as speech: %.2f–%.2f", s.Start, s.End)
	}
}

func TestRustleBeforeSpeechNotBackdated(t *testing.T) {
	// Paper rustled at the seat runs straight into the talker's first word: the turn starts
	// with the voice (at most startLead before it), not with the rustle.
	r := rand.New(rand.NewPCG(13, 14))
	segs := oneSeatSegments(t, noise(2*wire.SampleRate, 30, r), noise(wire.SampleRate*8/10, 1500, r),
		voice(wire.SampleRate, r), noise(2*wire.SampleRate, 30, r))
	if len(segs) != 1 {
		t.Fatalf("want one turn, got %+v", segs)
	}
	if s := segs[0]; s.Start < 2.8-float64(startLead)/framesS-0.01 || s.Start > 2.85 || s.End < 3.7 {
		t.Errorf("turn %.2f–%.2f, the voice is 2.80–3.80", s.Start, s.End)
	}
}

// strike: a gavel — an impact, then a ring of two inharmonic partials decaying over ~0.15 s,
// with a brief harmonic blip where the ring happens to read periodic.
func strike(n int, blips []float64, r *rand.Rand) []int16 {
	x := make([]int16, n)
	v := voice(n, r)
	for i := range x {
		t := float64(i) / wire.SampleRate
		a := 6000 * math.Exp(-t/0.15)
		s := a * (math.Sin(2*math.Pi*910*t) + 0.6*math.Sin(2*math.Pi*1470*t))
		if i < wire.SampleRate/200 { // 5 ms of impact
			s += 8000 * r.NormFloat64()
		}
		x[i] = int16(max(-32768, min(32767, math.Round(s+20*r.NormFloat64()))))
	}
	for _, b := range blips {
		i0 := int(b * wire.SampleRate)
		for i := i0; i < min(i0+wire.SampleRate/50, n); i++ {
			x[i] = v[i]
		}
	}
	return x
}

func TestGavelAfterSpeechDoesNotResumeTurn(t *testing.T) {
	// The judge's last word ends at 3.0 s; the gavel falls 0.35 s later, inside the hangover.
	r := rand.New(rand.NewPCG(15, 16))
	segs := oneSeatSegments(t, noise(2*wire.SampleRate, 20, r), voice(wire.SampleRate, r),
		noise(wire.SampleRate*35/100, 20, r), strike(wire.SampleRate/2, []float64{0.25}, r), noise(2*wire.SampleRate, 20, r))
	if len(segs) != 1 {
		t.Fatalf("want the judge's one turn, got %+v", segs)
	}
	if s := segs[0]; s.Start > 2.05 || s.End < 2.95 || s.End > 3.1 {
		t.Errorf("turn %.2f–%.2f, the judge spoke 2.00–3.00 (the gavel at 3.35 is no speech)", s.Start, s.End)
	}
}
