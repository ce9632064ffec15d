package diarize

import "math"
import "math/rand/v2"
import "slices"
import "testing"

import "github.com/courtscribe/courtscribe/capture/wire"

// Unit tests of stages 10 and 11 (turns.go): a start needs voiced frames with power below
// 1 kHz, and unvoiced sound after the voicing stops does not hold a turn open.

// ringtone: a phone ringing in its cadence — rings of ringSec, ringGap apart — each ring a
// trill between two tones around 1.5–2.5 kHz that alternate every 50 ms. A small ringer
// speaker plays each tone as a buzz (the 3rd–5th harmonics of 500 Hz, the 6th–8th of 300 Hz),
// so it is periodic at a pitch lag and not a single spectral peak: it passes the voicing test.
func ringtone(n int, r *rand.Rand) []int16 {
	const ringSec, ringGap = 1.0, 0.5
	x := make([]int16, n)
	for i := range x {
		t := float64(i) / wire.SampleRate
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
	ring := ringtone(3*wire.SampleRate, r)
	if per, ton := Voicing(ring[wire.SampleRate/10 : wire.SampleRate/10+wire.SampleRate/10]); per < minPeriodicity || ton >= maxTonality {
		t.Fatalf("the ringtone should pass the voicing test (periodicity %.2f, tonality %.2f) for this test to mean anything", per, ton)
	}
	segs := oneSeatSegments(t, noise(2*wire.SampleRate, 30, r), ring, noise(2*wire.SampleRate, 30, r))
	for _, s := range segs {
		t.Errorf("a ringtone was reported as speech: %.2f–%.2f", s.Start, s.End)
	}
	// A voice, with its pitch harmonics below 1 kHz, still starts at once.
	segs = oneSeatSegments(t, noise(2*wire.SampleRate, 30, r), voice(wire.SampleRate, r), noise(2*wire.SampleRate, 30, r))
	if len(segs) != 1 || segs[0].Start > 2.02 || segs[0].End < 2.95 {
		t.Errorf("want one turn 2.00–3.00 for the voice, got %+v", segs)
	}
}

func TestUnvoicedSoundDoesNotHoldEnd(t *testing.T) {
	// The talker stops at 3.0 s and, 0.1 s later, paper is shuffled at the seat for 1.5 s, above
	// the off threshold: the end is decided the hangover after the voice, as in a quiet room
	// (before stage 11: 1.61 s after it, when the paper had stopped; before the end was told at
	// the hangover, 2026-12-07: the hangover and endSlack after it).
	r := rand.New(rand.NewPCG(19, 20))
	var x []int16
	for _, p := range [][]int16{noise(2*wire.SampleRate, 30, r), voice(wire.SampleRate, r), noise(wire.SampleRate/10, 30, r),
		noise(wire.SampleRate*3/2, 1000, r), noise(2*wire.SampleRate, 30, r)} {
		x = append(x, p...)
	}
	d := oneSeat(t)
	var evs []Event
	for i := 0; i < len(x); i += wire.SampleRate / 50 { // 20 ms pushes, as the server receives audio
		e, err := d.Push([][]int16{x[i:min(i+wire.SampleRate/50, len(x))]})
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e...)
	}
	evs = append(evs, d.Flush()...)
	var ends []Event
	for _, e := range evs {
		if e.Kind == End {
			ends = append(ends, e)
		}
	}
	if len(ends) != 1 {
		t.Fatalf("want the talker's one turn, got %+v", evs)
	}
	e := ends[0]
	if e.Start > 2.02 || e.End < 2.95 || e.End > 3.05 {
		t.Errorf("turn %.2f–%.2f, the voice is 2.00–3.00 (the paper after it is no speech)", e.Start, e.End)
	}
	if lat := e.Decided - e.End; lat > 0.4+0.02 {
		t.Errorf("end decided %.2f s after the voice stopped, want the hangover 0.40 s (and a frame)", lat)
	}
}

// pushEvents pushes x to a one-seat diarizer in pushes of n samples and returns every event.
func pushEvents(t *testing.T, x []int16, n int) []Event {
	t.Helper()
	d := oneSeat(t)
	var evs []Event
	for i := 0; i < len(x); i += n {
		e, err := d.Push([][]int16{x[i:min(i+n, len(x))]})
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e...)
	}
	return append(evs, d.Flush()...)
}

func TestToldEndGoesOn(t *testing.T) {
	// The talker stops at 3.0 s; 0.1 s later paper is shuffled at the seat for 0.4 s, and the
	// talker goes on at 3.5 s for a second. The end is told at the hangover, under the paper;
	// the talker's resumption then confirms while the turn is still open (within endSlack), and
	// a Start reports the continuation from the end told, with when the talker resumed. The
	// two turns abut: what is speech is what it was when the turn went on as one (2.00–4.53).
	r := rand.New(rand.NewPCG(19, 20))
	var x []int16
	for _, p := range [][]int16{noise(2*wire.SampleRate, 30, r), voice(wire.SampleRate, r), noise(wire.SampleRate/10, 30, r),
		noise(wire.SampleRate*4/10, 1000, r), voice(wire.SampleRate, r), noise(2*wire.SampleRate, 30, r)} {
		x = append(x, p...)
	}
	evs := pushEvents(t, x, wire.SampleRate/50) // 20 ms pushes, as the server receives audio
	if len(evs) != 4 || evs[0].Kind != Start || evs[1].Kind != End || evs[2].Kind != Start || evs[3].Kind != End {
		t.Fatalf("want Start, End told, Start of the continuation, End; got %+v", evs)
	}
	told, goOn, end := evs[1], evs[2], evs[3]
	if told.End < 2.95 || told.End > 3.05 {
		t.Errorf("end told at %.2f, the voice stopped at 3.00", told.End)
	}
	if lat := told.Decided - told.End; lat > 0.4+0.02 {
		t.Errorf("end told %.2f s after the voice stopped, want the hangover 0.40 s (and a frame)", lat)
	}
	if goOn.Start != told.End || end.Start != goOn.Start {
		t.Errorf("the continuation must start where the end was told (%.2f): Start %.2f, End's start %.2f", told.End, goOn.Start, end.Start)
	}
	if goOn.Resumed < 3.45 || goOn.Resumed > 3.55 || goOn.Decided-goOn.Resumed > 0.15 {
		t.Errorf("continuation resumed at %.2f, decided %.2f; the talker went on at 3.50", goOn.Resumed, goOn.Decided)
	}
	if end.End < 4.45 || end.End > 4.6 {
		t.Errorf("the continuation ends at %.2f, the voice at 4.50", end.End)
	}
	// Any split of the input gives the same events, and Offline the same two turns.
	if other := pushEvents(t, x, 333); !slices.Equal(other, evs) {
		t.Errorf("333-sample pushes give other events:\n%+v\n%+v", other, evs)
	}
	segs := oneSeatSegments(t, x)
	if len(segs) != 2 || segs[0].End != told.End || segs[1].Start != told.End || segs[1].End != end.End {
		t.Errorf("offline turns %+v, want %.2f–%.2f and %.2f–%.2f", segs, told.Start, told.End, goOn.Start, end.End)
	}
}
