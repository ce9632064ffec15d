package scene

import "context"
import "math"
import "math/rand/v2"
import "os/exec"
import "slices"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/capture/wire"

func TestSchroederRT60MatchesTheRequestedOne(t *testing.T) {
	for _, rt := range []float64{0.4, 0.7, 1.0} {
		r := &Room{Size: [3]float64{11, 8, 4}, RT60: rt}
		if err := r.validate(); err != nil {
			t.Fatal(err)
		}
		// A talker 6 m from an omni mic: beyond the critical distance, the decay dominates.
		src := Source{Pos: [3]float64{2, 3, 1.5}, Facing: [3]float64{1, 0, 0}, BackDB: talkerBackDB}
		mic := Mic{Pos: [3]float64{8, 4, 1.2}, Aim: [3]float64{-1, 0, 0}}
		for seed := range uint64(3) {
			h, _ := r.IR(src, mic, seed)
			if got := SchroederRT60(h); math.Abs(got-rt) > 0.1*rt {
				t.Errorf("RT60 %.2f s requested, Schroeder T20 measures %.3f s (seed %d)", rt, got, seed)
			}
		}
	}
}

// directWindow returns the energy of h within ±1 ms of sample t.
func directWindow(h []float64, t float64) float64 {
	var e float64
	for i := max(int(t)-16, 0); i <= int(t)+16 && i < len(h); i++ {
		e += h[i] * h[i]
	}
	return e
}

func TestDirectPathDelayAndLevelFollowGeometry(t *testing.T) {
	r := &Room{Size: [3]float64{10, 8, 4}, RT60: 0.6, Pattern: "omni"}
	src := Source{Pos: [3]float64{3, 4, 2}, Facing: [3]float64{1, 0, 0}, BackDB: talkerBackDB}
	for _, d := range []float64{0.5, 1, 2} {
		mic := Mic{Pos: [3]float64{3 + d, 4, 2}, Aim: [3]float64{-1, 0, 0}}
		h, t0 := r.IR(src, mic, 1)
		want := d / soundSpeed * wire.SampleRate
		if math.Abs(t0-want) > 1e-9 {
			t.Fatalf("direct arrival %.2f samples, geometry says %.2f", t0, want)
		}
		peak := 0
		for i := range h {
			if math.Abs(h[i]) > math.Abs(h[peak]) {
				peak = i
			}
		}
		if math.Abs(float64(peak)-want) > 1 {
			t.Fatalf("at %.1f m the strongest tap is at sample %d, the direct sound arrives at %.2f", d, peak, want)
		}
		// 1/r: amplitude refDist/d on axis.
		if got, want := math.Sqrt(directWindow(h, t0)), refDist/d; math.Abs(20*math.Log10(got/want)) > 1 {
			t.Fatalf("direct sound at %.1f m: amplitude %.3f, 1/r gives %.3f", d, got, want)
		}
	}
}

func TestCardioidRejectsSoundFromBehind(t *testing.T) {
	r := &Room{Size: [3]float64{10, 8, 4}, RT60: 0.6}
	src := Source{Pos: [3]float64{5, 4, 2}, Facing: [3]float64{1, 0, 0}}
	mic := [3]float64{6, 4, 2}
	level := func(aim [3]float64) float64 {
		h, t0 := r.IR(src, Mic{Pos: mic, Aim: aim}, 1)
		return 10 * math.Log10(directWindow(h, t0))
	}
	front, side, back := level([3]float64{-1, 0, 0}), level([3]float64{0, 1, 0}), level([3]float64{1, 0, 0})
	if d := front - side; math.Abs(d-6.02) > 0.5 {
		t.Errorf("cardioid at 90°: %.1f dB down, want 6 dB", d)
	}
	if d := front - back; d < 25 {
		t.Errorf("cardioid at 180°: only %.1f dB down", d)
	}
}

func TestTalkerTurningAwayLosesDirectSound(t *testing.T) {
	r := &Room{Size: [3]float64{10, 8, 4}, RT60: 0.6}
	mic := Mic{Pos: [3]float64{5.4, 4, 1.6}, Aim: [3]float64{-1, 0, 0}}
	toward := Source{Pos: [3]float64{5, 4, 1.6}, Facing: [3]float64{1, 0, 0}, BackDB: talkerBackDB}
	away := toward
	away.Facing = [3]float64{-1, 0, 0}
	h1, _ := r.IR(toward, mic, 1)
	h2, _ := r.IR(away, mic, 1)
	if d := 10 * math.Log10(energy(h1)/energy(h2)); d < 7 || d > 10 {
		t.Fatalf("turning away costs %.1f dB of own pickup; issue 10 asks for 8–10 dB", d)
	}
}

// Diffuse-field theory: the reverberant energy (everything but the direct sound) is the same
// at every distance and equals the direct sound's at the critical distance, so the
// direct-to-reverberant ratio is 0 dB there and falls 6 dB per doubling of distance.
func TestReverberantEnergyFollowsDiffuseFieldTheory(t *testing.T) {
	r := &Room{Size: [3]float64{12, 9, 4.5}, RT60: 0.8, Pattern: "omni"}
	rc := r.CriticalDistance()
	src := Source{Pos: [3]float64{3, 4.5, 1.5}, Facing: [3]float64{1, 0, 0}, BackDB: talkerBackDB}
	for _, d := range []float64{rc / 2, rc, 2 * rc} {
		h, _ := r.IR(src, Mic{Pos: [3]float64{3 + d, 4.5, 1.5}, Aim: [3]float64{-1, 0, 0}}, 7)
		direct := sq(refDist / d)
		rev := energy(h) - direct
		if got := 10 * math.Log10(direct/rev); math.Abs(got-20*math.Log10(rc/d)) > 2 {
			t.Errorf("at %.2f m (r_c %.2f m) the direct-to-reverberant ratio is %+.1f dB, theory %+.1f dB", d, rc, got, 20*math.Log10(rc/d))
		}
	}
}

func TestFFTConvolutionEqualsDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	h1, h2 := make([]float64, 300), make([]float64, 120)
	for i := range h1 {
		h1[i] = r.NormFloat64()
	}
	for i := range h2 {
		h2[i] = r.NormFloat64()
	}
	x := make([]float64, 5000)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	x[1000] = 0
	const m = 300
	n := fftSizeFor(m)
	dst := [][]float64{make([]float64, 6000), make([]float64, 6000)}
	convolveInto(dst, 200, x, 1, [][]complex128{spectrum(h1, n), spectrum(h2, n)}, m, n)
	for k, h := range [][]float64{h1, h2} {
		for i := 0; i < 6000; i += 7 {
			var want float64
			for j, v := range h {
				if xi := i - 200 - j; xi >= 0 && xi < len(x) {
					want += v * x[xi]
				}
			}
			if math.Abs(dst[k][i]-want) > 1e-9 {
				t.Fatalf("output %d sample %d: %.6f, direct convolution %.6f", k, i, dst[k][i], want)
			}
		}
	}
}

func TestEverySoundRenders(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, k := range SoundKinds {
		x, err := synthSound(k, rng)
		if err != nil {
			t.Fatal(err)
		}
		if d := float64(len(x)) / wire.SampleRate; d < 0.1 || d > 6 || len(extents(x, 10, false)) != 1 {
			t.Fatalf("%s: %.2f s", k, d)
		}
	}
	if _, err := synthSound("trumpet", rng); err == nil {
		t.Fatal("an unknown sound rendered")
	}
}

// soundsOnly is a room scene without speech, so it renders without espeak-ng.
const soundsOnly = `{
  "name": "sounds", "seed": 9,
  "room": {"size": [9, 7, 3.5], "rt60": 0.6},
  "seats": [
    {"name": "judge", "voice": "en-gb", "pos": [7.5, 3.5, 1.5], "facing": 180},
    {"name": "clerk", "voice": "en-us", "pos": [6.2, 3.6, 1.2], "facing": 180, "gain_db": 6}
  ],
  "noise_dbfs": -60, "hum_dbfs": -70, "lead_in": 1, "tail": 1,
  "sources": {"door": [0.5, 6.5, 1.1]},
  "script": [
    {"sound": "beep", "source": "clerk"},
    {"sound": "gavel", "source": "judge", "gap": 1},
    {"event": "ac_on", "gap": 0.5},
    {"sound": "door", "source": "door", "gap": 5},
    {"event": "ac_off", "gap": 0.5},
    {"pause": 2},
    {"sound": "cough", "source": "clerk", "gap": 3}
  ]
}`

func TestRoomSceneRecordsNonSpeechAndIsDeterministic(t *testing.T) {
	a := renderTwice(t, soundsOnly)
	sc2, _ := Parse([]byte(strings.Replace(soundsOnly, `"seed": 9`, `"seed": 10`, 1)))
	c2, err := Render(context.Background(), sc2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.Channels[0][:wire.SampleRate], c2.Channels[0][:wire.SampleRate]) {
		t.Fatal("another seed rendered the same audio")
	}
	if len(a.Truth) != 0 {
		t.Fatalf("no speech, yet the reference has %v", a.Truth)
	}
	var kinds []string
	for _, e := range a.Events {
		kinds = append(kinds, e.Kind)
		if e.End < e.Start {
			t.Fatalf("event %+v", e)
		}
	}
	if want := []string{"beep", "gavel", "ac_on", "door", "ac_off", "cough"}; !slices.Equal(kinds, want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	if a.Events[0].Start != 1 {
		t.Fatalf("the beep starts at %.3f s, the lead-in is 1 s", a.Events[0].Start)
	}
	// Every sound is audible on the mics: 10 ms frames in the event ≥ 15 dB over the quiet
	// before the first sound; the air conditioner raises the floor by ~12 dB between its
	// switchings.
	rms := func(ch []int16, a, b float64) float64 {
		var e float64
		i0, i1 := int(a*wire.SampleRate), int(b*wire.SampleRate)
		for _, v := range ch[i0:i1] {
			e += float64(v) * float64(v)
		}
		return 10 * math.Log10(e/float64(i1-i0)+1e-9)
	}
	quiet := rms(a.Channels[0], 0.1, 0.9)
	for _, e := range a.Events {
		if e.Kind == "ac_on" || e.Kind == "ac_off" {
			continue
		}
		peak := math.Inf(-1)
		for t0 := e.Start; t0+0.01 <= e.End; t0 += 0.01 {
			peak = max(peak, rms(a.Channels[0], t0, t0+0.01))
		}
		if peak-quiet < 15 {
			t.Errorf("%s at %.2f s peaks only %.1f dB over the room", e.Kind, e.Start, peak-quiet)
		}
	}
	on, off := a.Events[2], a.Events[4]
	if d := rms(a.Channels[0], on.End+0.2, on.End+0.9) - quiet; d < 9 || d > 15 {
		t.Errorf("air conditioner raises the floor by %.1f dB, want 10–15", d)
	}
	if d := rms(a.Channels[0], off.End+0.3, off.End+1.8) - quiet; math.Abs(d) > 2 {
		t.Errorf("after the air conditioner stops the floor is %.1f dB off", d)
	}
}

func TestRoomSceneValidation(t *testing.T) {
	bad := map[string]string{
		"unknown sound":       strings.Replace(soundsOnly, `"sound": "beep"`, `"sound": "trumpet"`, 1),
		"unknown source":      strings.Replace(soundsOnly, `"source": "door"`, `"source": "window"`, 1),
		"seat outside":        strings.Replace(soundsOnly, `[7.5, 3.5, 1.5]`, `[9.5, 3.5, 1.5]`, 1),
		"rt60 out of range":   strings.Replace(soundsOnly, `"rt60": 0.6`, `"rt60": 9`, 1),
		"sound with a seat":   strings.Replace(soundsOnly, `{"sound": "beep", "source": "clerk"}`, `{"sound": "beep", "source": "clerk", "seat": "clerk"}`, 1),
		"two kinds in a line": strings.Replace(soundsOnly, `{"pause": 2}`, `{"pause": 2, "event": "ac_on"}`, 1),
		"unknown event":       strings.Replace(soundsOnly, `"ac_off"`, `"lights_off"`, 1),
		"murmur without one":  strings.Replace(soundsOnly, `"ac_off"`, `"murmur_on"`, 1),
		"unknown block":       strings.Replace(soundsOnly, `{"pause": 2}`, `{"block": "nope"}`, 1),
	}
	for name, js := range bad {
		if _, err := Parse([]byte(js)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	noRoom := `{"name": "x", "seed": 1, "seats": [{"name": "a", "voice": "en"}], "bleed_db": [8, 9], "delay_ms": [1, 2], "noise_dbfs": -60,
	  "script": [{"sound": "cough", "source": "a"}]}`
	if _, err := Parse([]byte(noRoom)); err == nil {
		t.Error("a sound without a room was accepted")
	}
}

func TestBlocksRepeatWithVariedGaps(t *testing.T) {
	js := strings.Replace(soundsOnly, `"script": [`, `"blocks": {"b": [{"sound": "paper", "source": "clerk", "gap": 1}, {"sound": "chair", "source": "judge", "gap": 1}]},
  "script": [{"block": "b", "times": 3},`, 1)
	sc, err := Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	flat := sc.flatScript(rand.New(rand.NewPCG(1, 1)))
	if len(flat) != 6+7 {
		t.Fatalf("%d lines after expansion, want 13", len(flat))
	}
	if flat[0].Gap != 1 || flat[2].Gap == 1 {
		t.Fatalf("gaps %v %v: the first repetition keeps them, later ones vary", flat[0].Gap, flat[2].Gap)
	}
}

func TestRoomSceneWithSpeech(t *testing.T) {
	for _, bin := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed (scripts/deps.sh installs it)", bin)
		}
	}
	js := strings.Replace(soundsOnly, `{"sound": "beep", "source": "clerk"},`, `{"sound": "beep", "source": "clerk"},
    {"seat": "judge", "text": "Be seated.", "gap": 0.5},
    {"seat": "clerk", "text": "The court is in session.", "gap": 0.5, "turn": 180},`, 1)
	sc, h := render(t, js)
	if len(h.Truth) != 2 || h.Truth[0].Seat != "judge" || h.Truth[1].Seat != "clerk" {
		t.Fatalf("truth %+v", h.Truth)
	}
	// The judge's speech arrives on the clerk's mic later than on the judge's own.
	lead := func(a, b []int16, s, e float64) int {
		best, arg := math.Inf(-1), 0
		for lag := -200; lag <= 200; lag++ {
			var c float64
			for i := int(s * wire.SampleRate); i < int(e*wire.SampleRate); i++ {
				if j := i + lag; j >= 0 && j < len(b) {
					c += float64(a[i]) * float64(b[j])
				}
			}
			if c > best {
				best, arg = c, lag
			}
		}
		return arg
	}
	j := h.Truth[0]
	d := dist(*sc.Seats[0].Pos, micOf(sc.Seats[1]).Pos) - dist(*sc.Seats[0].Pos, micOf(sc.Seats[0]).Pos)
	want := int(math.Round(d / soundSpeed * wire.SampleRate))
	if got := lead(h.Channels[0], h.Channels[1], j.Start, j.End); got < want-3 || got > want+3 {
		t.Fatalf("the judge reaches the clerk's mic %d samples after his own, geometry says %d", got, want)
	}
}
