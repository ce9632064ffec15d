package diarize_test

import "math"
import "math/rand/v2"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/der"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

func TestMain(m *testing.M) { testrig.Main(m) }

const rate = wire.SampleRate

// talk is one stretch of synthetic voiced speech on a seat.
type talk struct {
	seat       int
	start, end float64
	f0         float64
}

// room describes a crafted recording: bleed[j][i] is the attenuation (dB, positive) from seat
// i into mic j, gain[j] the mic's preamp gain (dB, applied to everything the mic hears).
type room struct {
	seats   int
	dur     float64
	talks   []talk
	bleedDB float64
	delayMS float64
	gain    []float64
	noise   float64   // RMS of room noise at each mic (int16 units)
	noiseDB []float64 // extra room noise at a mic (a fan next to it), dB
	bursts  []talk    // white-noise bursts (paper, doors) on a seat
	seed    uint64
}

// speech synthesizes a speech-like signal: a harmonic series on a wandering pitch, shaped by
// three formant peaks, in syllables of ~180 ms with short dips between them.
func speech(n int, f0 float64, r *rand.Rand) []float64 {
	out := make([]float64, n)
	var ph float64
	syl := 0.0
	sylLen := 0.15 + 0.08*r.Float64()
	var jit float64
	for t := range n {
		sec := float64(t) / rate
		// Real voices are not strictly periodic: a slow random walk of the pitch (jitter).
		jit = 0.999*jit + 0.0015*r.NormFloat64()
		f := f0 * (1 + 0.08*math.Sin(2*math.Pi*1.3*sec) + jit)
		ph += 2 * math.Pi * f / rate
		syl += 1.0 / rate
		if syl > sylLen {
			syl, sylLen = 0, 0.15+0.08*r.Float64()
		}
		env := math.Sin(math.Pi * syl / sylLen)
		var v float64
		for k := 1; k <= 24; k++ {
			hf := f * float64(k)
			if hf > 4500 {
				break
			}
			a := 1/float64(k) + 1.5*formant(hf, 600) + formant(hf, 1500) + 0.6*formant(hf, 2600)
			v += a * math.Sin(float64(k)*ph)
		}
		out[t] = env * (v + 0.3*r.NormFloat64()) // plus some breath noise
	}
	return out
}

func formant(f, c float64) float64 { d := (f - c) / 150; return math.Exp(-d * d) }

func (rm room) render(t testing.TB) [][]int16 {
	t.Helper()
	n := int(rm.dur * rate)
	r := rand.New(rand.NewPCG(rm.seed, 99))
	dry := make([][]float64, rm.seats)
	for i := range dry {
		dry[i] = make([]float64, n)
	}
	for _, tk := range rm.talks {
		a, b := int(tk.start*rate), int(tk.end*rate)
		s := speech(b-a, tk.f0, r)
		// Scale to about -20 dBFS RMS.
		var e float64
		for _, v := range s {
			e += v * v
		}
		k := 3277 / math.Sqrt(e/float64(len(s)))
		for i, v := range s {
			dry[tk.seat][a+i] += k * v
		}
	}
	for _, bu := range rm.bursts {
		for i := int(bu.start * rate); i < int(bu.end*rate); i++ {
			dry[bu.seat][i] += 3000 * r.NormFloat64()
		}
	}
	g := math.Pow(10, -rm.bleedDB/20)
	d := int(rm.delayMS * rate / 1000)
	out := make([][]int16, rm.seats)
	for j := range out {
		gain := 1.0
		if rm.gain != nil {
			gain = math.Pow(10, rm.gain[j]/20)
		}
		out[j] = make([]int16, n)
		for t := range n {
			v := dry[j][t]
			for i := range rm.seats {
				if i != j && t >= d {
					v += g * dry[i][t-d]
				}
			}
			nz := rm.noise
			if rm.noiseDB != nil {
				nz *= math.Pow(10, rm.noiseDB[j]/20)
			}
			v = (v + nz*r.NormFloat64()) * gain
			out[j][t] = int16(max(-32768, min(32767, math.Round(v))))
		}
	}
	return out
}

func names(n int) []string {
	s := []string{"judge", "clerk", "prosecutor", "defense", "defendant", "witness"}
	return s[:n]
}

func truth(rm room) []diarize.Turn {
	var out []diarize.Turn
	for _, tk := range rm.talks {
		out = append(out, diarize.Turn{Seat: names(rm.seats)[tk.seat], Start: tk.start, End: tk.end})
	}
	return out
}

func offline(t *testing.T, rm room, pcm [][]int16) []diarize.Turn {
	t.Helper()
	segs, err := diarize.Offline(diarize.DefaultConfig(), names(rm.seats), pcm, nil)
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

func TestNoiseOnlyGivesNoSpeech(t *testing.T) {
	rm := room{seats: 3, dur: 8, noise: 30, bleedDB: 10, seed: 1}
	if segs := offline(t, rm, rm.render(t)); len(segs) != 0 {
		t.Fatalf("stationary room noise produced turns: %+v", segs)
	}
}

func TestDigitalSilenceGivesNoSpeech(t *testing.T) {
	pcm := [][]int16{make([]int16, 5*rate), make([]int16, 5*rate)}
	if segs := offline(t, room{seats: 2}, pcm); len(segs) != 0 {
		t.Fatalf("zeros produced turns: %+v", segs)
	}
}

func TestNoiseBurstIsNotSpeech(t *testing.T) {
	// Paper shuffled next to the clerk's mic: loud, broadband, unvoiced.
	rm := room{seats: 2, dur: 8, noise: 20, bleedDB: 12, delayMS: 3, seed: 2,
		bursts: []talk{{seat: 1, start: 3, end: 3.6}}}
	if segs := offline(t, rm, rm.render(t)); len(segs) != 0 {
		t.Fatalf("a noise burst started a turn: %+v", segs)
	}
}

func TestSingleTalkerAndPureBleed(t *testing.T) {
	rm := room{seats: 3, dur: 9, noise: 20, bleedDB: 10, delayMS: 6, seed: 3,
		talks: []talk{{seat: 0, start: 1, end: 4, f0: 110}, {seat: 2, start: 5, end: 8, f0: 210}}}
	segs := offline(t, rm, rm.render(t))
	res := der.Score(truth(rm), segs, der.DefaultOptions())
	if res.DER > 0.03 {
		t.Fatalf("DER %.3f on clean single talk with 10 dB bleed; segments %+v", res.DER, segs)
	}
	if got := der.SeatTime(segs, "clerk"); got != 0 {
		t.Fatalf("the silent clerk was given %.2f s of the others' bleed: %+v", got, segs)
	}
}

func TestDoubleTalkIsReportedOnBothSeats(t *testing.T) {
	// The defense interrupts the witness for 1.5 s; 8 dB of bleed each way.
	rm := room{seats: 2, dur: 10, noise: 20, bleedDB: 8, delayMS: 5, seed: 4,
		talks: []talk{{seat: 0, start: 1, end: 5.5, f0: 120}, {seat: 1, start: 5.5, end: 6, f0: 200}, // warm-up: clean turns teach the bleed
			{seat: 0, start: 6.5, end: 9.5, f0: 120}, {seat: 1, start: 7.5, end: 9, f0: 200}}}
	pcm := rm.render(t)
	segs := offline(t, rm, pcm)
	// Streaming, the judge's open turn is updated to overlapping when the clerk cuts in.
	d, err := diarize.New(diarize.DefaultConfig(), names(2), nil)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := d.Push(pcm)
	if err != nil {
		t.Fatal(err)
	}
	updated := false
	for _, e := range evs {
		if e.Kind == diarize.Update && e.Seat == "judge" && e.Overlap && e.Decided > 7.5 && e.Decided < 8.0 {
			updated = true
		}
	}
	if !updated {
		t.Errorf("no Update marking the judge's turn as overlapping within 0.5 s of the interruption: %+v", evs)
	}
	var a, b *diarize.Turn
	for i := range segs {
		s := &segs[i]
		if s.Seat == "judge" && s.Start < 7.5 && s.End > 9 {
			a = s
		}
		if s.Seat == "clerk" && s.Start < 7.8 && s.End > 8.7 {
			b = s
		}
	}
	if a == nil || b == nil {
		t.Fatalf("double talk not kept on both seats: %+v", segs)
	}
	if !a.Overlap || !b.Overlap {
		t.Fatalf("double talk not marked overlap: %+v %+v", *a, *b)
	}
	res := der.Score(truth(rm), segs, der.DefaultOptions())
	if res.DER > 0.05 {
		t.Fatalf("DER %.3f with double talk: %+v", res.DER, segs)
	}
}

func TestHotMicDoesNotStealSpeech(t *testing.T) {
	// The prosecutor's mic has +9 dB of gain and sits 6 dB from the judge: in raw level it
	// hears the judge 3 dB louder than the judge's own mic does.
	rm := room{seats: 3, dur: 12, noise: 20, bleedDB: 6, delayMS: 4, seed: 5, gain: []float64{0, 0, 9},
		talks: []talk{{seat: 0, start: 1, end: 5, f0: 110}, {seat: 1, start: 6, end: 8, f0: 230}, {seat: 2, start: 9, end: 11, f0: 160}}}
	pcm := rm.render(t)
	segs := offline(t, rm, pcm)
	res := der.Score(truth(rm), segs, der.DefaultOptions())
	if fa := res.Seats["prosecutor"].FalseAlarm; fa > 0 {
		t.Fatalf("the hot mic took %.2f s of other seats' speech: %+v", fa, segs)
	}
	if res.DER > 0.03 {
		t.Fatalf("DER %.3f with a hot mic: %+v", res.DER, segs)
	}
}

func TestNoisyMicDoesNotPushItsSpeechOntoNeighbours(t *testing.T) {
	// A fan next to the clerk's mic raises its noise by 14 dB (no gain change): measured
	// against its own floor the clerk's voice reads 14 dB low, and its bleed on the judge's mic
	// (8 dB down) reads louder than the clerk's own mic. The time lead of the clerk's mic tells
	// the diarizer who is talking.
	// (As in a real hearing, the judge and the prosecutor have spoken before the clerk does, so
	// their coupling into the clerk's mic is known. Before that the model cannot know it.)
	rm := room{seats: 3, dur: 16, noise: 15, bleedDB: 8, delayMS: 5, seed: 12, noiseDB: []float64{0, 14, 0},
		talks: []talk{{seat: 0, start: 1, end: 3.5, f0: 110}, {seat: 2, start: 4, end: 6.5, f0: 240},
			{seat: 1, start: 7, end: 11, f0: 140}, {seat: 0, start: 12, end: 15, f0: 110}}}
	segs := offline(t, rm, rm.render(t))
	res := der.Score(truth(rm), segs, der.DefaultOptions())
	for _, s := range []string{"judge", "prosecutor"} {
		if fa := res.Seats[s].FalseAlarm; fa > 0.2 {
			t.Errorf("%s was given %.2f s of the clerk's speech: %+v", s, fa, segs)
		}
	}
	if res.DER > 0.05 {
		t.Errorf("DER %.3f with a noisy mic: %+v", res.DER, segs)
	}
}

func TestLatency(t *testing.T) {
	rm := room{seats: 2, dur: 8, noise: 20, bleedDB: 12, delayMS: 3, seed: 6,
		talks: []talk{{seat: 0, start: 1, end: 3, f0: 110}, {seat: 1, start: 4, end: 6, f0: 220}}}
	pcm := rm.render(t)
	cfg := diarize.DefaultConfig()
	d, err := diarize.New(cfg, names(2), nil)
	if err != nil {
		t.Fatal(err)
	}
	var starts, ends int
	for off := 0; off < len(pcm[0]); off += 320 { // 20 ms blocks, as the server receives them
		evs, err := d.Push([][]int16{pcm[0][off : off+320], pcm[1][off : off+320]})
		if err != nil {
			t.Fatal(err)
		}
		now := d.Now()
		for _, e := range evs {
			switch e.Kind {
			case diarize.Start:
				starts++
				if now-e.Start > 0.3 {
					t.Errorf("start of %s at %.2f reported at %.2f: later than 300 ms", e.Seat, e.Start, now)
				}
			case diarize.End:
				ends++
				if now-e.End > cfg.HangoverSec+0.1 {
					t.Errorf("end of %s at %.2f reported at %.2f: later than hangover+100 ms", e.Seat, e.End, now)
				}
			default: // an Update marks overlap: no latency bound of its own
			}
		}
	}
	if starts != 2 || ends != 2 {
		t.Fatalf("%d starts and %d ends, want 2 and 2", starts, ends)
	}
}

// TestStreamingEqualsOffline pushes the same hearing in random block sizes (1 sample to 1 s)
// and requires exactly the offline segments.
func TestStreamingEqualsOffline(t *testing.T) {
	rm := room{seats: 3, dur: 10, noise: 25, bleedDB: 9, delayMS: 5, seed: 7,
		talks: []talk{{seat: 0, start: 0.5, end: 3, f0: 110}, {seat: 1, start: 2.5, end: 5, f0: 220},
			{seat: 2, start: 5.3, end: 8, f0: 160}, {seat: 0, start: 7, end: 7.6, f0: 110}}}
	pcm := rm.render(t)
	want := offline(t, rm, pcm)
	if len(want) < 4 {
		t.Fatalf("too few segments to compare: %+v", want)
	}
	r := rand.New(rand.NewPCG(8, 8))
	for trial, maxBlock := range []int{1, 7, 160, 333, 16000} {
		d, err := diarize.New(diarize.DefaultConfig(), names(3), nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []diarize.Turn
		collect := func(evs []diarize.Event) {
			for _, e := range evs {
				if e.Kind == diarize.End {
					got = append(got, e.Turn())
				}
			}
		}
		for off := 0; off < len(pcm[0]); {
			n := min(1+r.IntN(maxBlock), len(pcm[0])-off)
			evs, err := d.Push([][]int16{pcm[0][off : off+n], pcm[1][off : off+n], pcm[2][off : off+n]})
			if err != nil {
				t.Fatal(err)
			}
			collect(evs)
			off += n
		}
		collect(d.Flush())
		diarize.SortTurns(got)
		if len(got) != len(want) {
			t.Fatalf("trial %d (blocks ≤%d): %d segments streaming, %d offline\n%+v\n%+v", trial, maxBlock, len(got), len(want), got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("trial %d (blocks ≤%d): segment %d streaming %+v, offline %+v", trial, maxBlock, i, got[i], want[i])
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	cfg := diarize.DefaultConfig()
	for _, seats := range [][]string{nil, {"a", "a"}, {"a", ""}} {
		if _, err := diarize.New(cfg, seats, nil); err == nil {
			t.Errorf("New(%q) accepted", seats)
		}
	}
	bad := cfg
	bad.OnThresholdDB = 1
	if _, err := diarize.New(bad, []string{"a"}, nil); err == nil {
		t.Error("on threshold below off threshold accepted")
	}
	bad = cfg
	bad.ConfirmSec = 1
	if _, err := diarize.New(bad, []string{"a"}, nil); err == nil || !strings.Contains(err.Error(), "latency") {
		t.Errorf("a confirm time that breaks the start latency accepted: %v", err)
	}
	d, err := diarize.New(cfg, []string{"a", "b"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Push([][]int16{make([]int16, 10)}); err == nil {
		t.Error("one channel for two seats accepted")
	}
	if _, err := d.Push([][]int16{make([]int16, 10), make([]int16, 11)}); err == nil {
		t.Error("unequal channel lengths accepted")
	}
	if _, err := d.Push([][]int16{{}, {}}); err != nil {
		t.Errorf("empty push: %v", err)
	}
	d.Flush()
	if _, err := d.Push([][]int16{make([]int16, 10), make([]int16, 10)}); err == nil {
		t.Error("Push after Flush accepted")
	}
	if evs := d.Flush(); len(evs) != 0 {
		t.Error("second Flush returned events")
	}
}

func TestBleedIsLearned(t *testing.T) {
	rm := room{seats: 2, dur: 8, noise: 15, bleedDB: 12, delayMS: 4, seed: 9,
		talks: []talk{{seat: 0, start: 0.5, end: 3.5, f0: 120}, {seat: 1, start: 4, end: 7.5, f0: 210}}}
	pcm := rm.render(t)
	d, err := diarize.New(diarize.DefaultConfig(), names(2), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Push(pcm); err != nil {
		t.Fatal(err)
	}
	b := d.BleedDB()
	for _, v := range []float64{b[0][1], b[1][0]} {
		if math.Abs(v+12) > 2.5 {
			t.Fatalf("learned bleed %v dB, the room has -12 dB", b)
		}
	}
}

// TestResumeAndGap: a stream that resumes at a later sample index and contains a capture gap
// gives the same turns, in hearing time, as Offline over the archive (zeros in the gap).
func TestResumeAndGap(t *testing.T) {
	rm := room{seats: 2, dur: 10, noise: 20, bleedDB: 10, delayMS: 4, seed: 13,
		talks: []talk{{seat: 0, start: 0.5, end: 3, f0: 120}, {seat: 1, start: 6.5, end: 9, f0: 210}}}
	pcm := rm.render(t)
	gapA, gapB := 4*rate, 5*rate+37 // a 1 s capture gap
	archive := [][]int16{append([]int16(nil), pcm[0]...), append([]int16(nil), pcm[1]...)}
	for c := range archive {
		clear(archive[c][gapA:gapB])
	}
	want, err := diarize.Offline(diarize.DefaultConfig(), names(2), archive, nil)
	if err != nil {
		t.Fatal(err)
	}
	const origin = wire.SampleRate * 3600 // the hearing resumed one hour in
	d, err := diarize.New(diarize.DefaultConfig(), names(2), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Resume(origin); err != nil {
		t.Fatal(err)
	}
	var got []diarize.Turn
	collect := func(evs []diarize.Event, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Kind == diarize.End {
				s := e.Turn()
				s.Start -= 3600
				s.End -= 3600
				got = append(got, s)
			}
		}
	}
	collect(d.Push([][]int16{pcm[0][:gapA], pcm[1][:gapA]}))
	collect(d.Gap(int64(gapB - gapA)))
	collect(d.Push([][]int16{pcm[0][gapB:], pcm[1][gapB:]}))
	collect(d.Flush(), nil)
	if len(got) != len(want) || len(want) != 2 {
		t.Fatalf("resumed stream %+v, offline %+v", got, want)
	}
	for i := range got {
		if math.Abs(got[i].Start-want[i].Start) > 1e-6 || math.Abs(got[i].End-want[i].End) > 1e-6 || got[i].Seat != want[i].Seat {
			t.Fatalf("resumed stream %+v, offline %+v", got, want)
		}
	}
	if err := d.Resume(5); err == nil {
		t.Fatal("Resume after audio accepted")
	}
}
