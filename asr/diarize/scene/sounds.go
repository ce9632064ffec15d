package scene

import "fmt"
import "math"
import "math/rand/v2"

import "github.com/courtscribe/courtscribe/capture/wire"

// SoundKinds are the non-speech sounds a scene can place, each synthesized from a physical
// description (the rng varies every instance):
//
//	cough  one to three bursts of 120–300 ms: a noisy glottal explosion (broadband noise through
//	       two vocal-tract resonances, partly voiced at 120–250 Hz), fast attack, fast decay
//	paper  0.8–2.5 s of rustle (high-passed noise with a random 5–20 Hz envelope) and crackles
//	gavel  two or three strikes 0.3–0.5 s apart: a click and damped wooden modes (0.6–2.6 kHz)
//	door   a latch click, a 0.6–1 s hinge creak (stick-slip: a pulse train gliding 120→400 Hz,
//	       which is periodic like a voice) and a low thump as it closes
//	chair  a 0.5–1.3 s scrape on the floor (stick-slip pulses at 40–90 Hz through a moving
//	       resonance) and a creak
//	phone  a ringtone in the gallery: two rings of 1 s (alternating 1.2/1.5 kHz at 20 Hz)
//	beep   the recorder's start beep: a 1 kHz tone of 0.4 s
var SoundKinds = []string{"cough", "paper", "gavel", "door", "chair", "phone", "beep"}

// soundLevelDB is each kind's default level in dB relative to a seat's speech (both are
// measured over active 10 ms frames at the reference distance).
var soundLevelDB = map[string]float64{
	"cough": 4, "paper": -8, "gavel": 8, "door": 4, "chair": 0, "phone": -2, "beep": -6,
}

func validSound(kind string) bool {
	_, ok := soundLevelDB[kind]
	return ok
}

// Synth renders one instance of a non-speech sound of a kind in SoundKinds, unnormalised, as
// the scene renderer places it (tests build rooms with it).
func Synth(kind string, rng *rand.Rand) ([]float64, error) { return synthSound(kind, rng) }

// synthSound renders one instance of a non-speech sound (unnormalised).
func synthSound(kind string, rng *rand.Rand) ([]float64, error) {
	if synth, ok := synths[kind]; ok {
		return synth(rng), nil
	}
	return nil, fmt.Errorf("unknown sound %q (%v)", kind, SoundKinds)
}

// synths synthesize the SoundKinds.
var synths = map[string]func(*rand.Rand) []float64{
	"cough": cough,
	"paper": paper,
	"gavel": gavel,
	"door":  door,
	"chair": chair,
	"phone": phone,
	"beep":  func(*rand.Rand) []float64 { return tone(1000, 0.4, 0.005) },
}

// resonator is a two-pole band-pass filter.
type resonator struct{ a1, a2, g, y1, y2 float64 }

func newResonator(freq, bw float64) *resonator {
	r := math.Exp(-math.Pi * bw / wire.SampleRate)
	return &resonator{a1: 2 * r * math.Cos(2*math.Pi*freq/wire.SampleRate), a2: -r * r, g: 1 - r}
}

func (f *resonator) step(x float64) float64 {
	y := f.g*x + f.a1*f.y1 + f.a2*f.y2
	f.y2, f.y1 = f.y1, y
	return y
}

func (f *resonator) retune(freq, bw float64) {
	r := math.Exp(-math.Pi * bw / wire.SampleRate)
	f.a1, f.a2, f.g = 2*r*math.Cos(2*math.Pi*freq/wire.SampleRate), -r*r, 1-r
}

func uniform(rng *rand.Rand, a, b float64) float64 { return a + rng.Float64()*(b-a) }

func cough(rng *rand.Rand) []float64 {
	bursts := 1 + rng.IntN(3)
	var out []float64
	for b := range bursts {
		dur := uniform(rng, 0.12, 0.3)
		n := int(dur * wire.SampleRate)
		f1 := newResonator(uniform(rng, 400, 700), 250)
		f2 := newResonator(uniform(rng, 1300, 2200), 400)
		f0 := uniform(rng, 120, 250)
		voiced := uniform(rng, 0.1, 0.5)
		amp := 1.0
		if b > 0 {
			amp = uniform(rng, 0.5, 0.9)
		}
		ph := 0.0
		for i := range n {
			t := float64(i) / wire.SampleRate
			env := amp * math.Min(1, t/0.008) * math.Exp(-t/(dur/3))
			ph += 2 * math.Pi * f0 / wire.SampleRate
			src := rng.NormFloat64() + voiced*4*math.Max(0, math.Sin(ph)-0.7)
			out = append(out, env*(f1.step(src)*3+f2.step(src)*2))
		}
		if b < bursts-1 {
			out = append(out, make([]float64, int(uniform(rng, 0.08, 0.25)*wire.SampleRate))...)
		}
	}
	return out
}

func paper(rng *rand.Rand) []float64 {
	n := int(uniform(rng, 0.8, 2.5) * wire.SampleRate)
	out := make([]float64, n)
	var lp, env, target float64
	next := 0
	for i := range n {
		if i >= next {
			target = rng.Float64()
			next = i + int(uniform(rng, 0.05, 0.2)*wire.SampleRate)
		}
		env += (target - env) * 0.002
		x := rng.NormFloat64()
		lp += 0.6 * (x - lp)
		v := (x - lp) * env // high-passed rustle
		if rng.Float64() < 0.002 {
			v += rng.NormFloat64() * 6 // a crackle
		}
		out[i] = v
	}
	fade(out, 0.03)
	return out
}

func gavel(rng *rand.Rand) []float64 {
	strikes := 2 + rng.IntN(2)
	var out []float64
	for s := range strikes {
		n := int(0.12 * wire.SampleRate)
		modes := [][3]float64{{uniform(rng, 600, 800), 0.045}, {uniform(rng, 1200, 1500), 0.03}, {uniform(rng, 2200, 2600), 0.015}}
		for i := range n {
			t := float64(i) / wire.SampleRate
			v := 0.0
			if i < 16 {
				v += rng.NormFloat64() * 3 * (1 - float64(i)/16)
			}
			for _, m := range modes {
				v += math.Sin(2*math.Pi*m[0]*t) * math.Exp(-t/m[1])
			}
			out = append(out, v)
		}
		if s < strikes-1 {
			out = append(out, make([]float64, int(uniform(rng, 0.2, 0.4)*wire.SampleRate))...)
		}
	}
	return out
}

func door(rng *rand.Rand) []float64 {
	var out []float64
	// Latch click.
	for i := range int(0.02 * wire.SampleRate) {
		out = append(out, rng.NormFloat64()*2*math.Exp(-float64(i)/40))
	}
	out = append(out, make([]float64, int(0.1*wire.SampleRate))...)
	// Hinge creak: stick-slip pulse train with a gliding rate, through a resonance.
	n := int(uniform(rng, 0.6, 1.0) * wire.SampleRate)
	res := newResonator(uniform(rng, 900, 1400), 300)
	f0a, f0b := uniform(rng, 110, 160), uniform(rng, 300, 420)
	ph := 0.0
	for i := range n {
		f0 := f0a + (f0b-f0a)*float64(i)/float64(n) + 15*math.Sin(2*math.Pi*3*float64(i)/wire.SampleRate)
		ph += f0 / wire.SampleRate
		x := 0.05 * rng.NormFloat64()
		if ph >= 1 {
			ph--
			x += 1
		}
		out = append(out, res.step(x)*8*math.Min(1, math.Min(float64(i), float64(n-i))/800))
	}
	out = append(out, make([]float64, int(uniform(rng, 0.3, 0.8)*wire.SampleRate))...)
	// The door closes: a low thump and a click.
	for i := range int(0.25 * wire.SampleRate) {
		t := float64(i) / wire.SampleRate
		out = append(out, 2*math.Sin(2*math.Pi*uniform(rng, 70, 72)*t)*math.Exp(-t/0.05)+rng.NormFloat64()*math.Exp(-t/0.004))
	}
	return out
}

func chair(rng *rand.Rand) []float64 {
	n := int(uniform(rng, 0.5, 1.3) * wire.SampleRate)
	out := make([]float64, n)
	res := newResonator(500, 200)
	rate := uniform(rng, 40, 90)
	ph := 0.0
	for i := range n {
		fr := float64(i) / float64(n)
		res.retune(400+1000*fr+200*math.Sin(2*math.Pi*2*float64(i)/wire.SampleRate), 250)
		ph += (rate + 20*math.Sin(2*math.Pi*1.5*float64(i)/wire.SampleRate)) / wire.SampleRate
		x := 0.4 * rng.NormFloat64()
		if ph >= 1 {
			ph--
			x += 3 * rng.Float64()
		}
		out[i] = res.step(x) * 6
	}
	fade(out, 0.05)
	return out
}

func phone(rng *rand.Rand) []float64 {
	var out []float64
	for r := range 2 {
		ring := make([]float64, wire.SampleRate)
		ph := 0.0
		for i := range ring {
			f := 1200.0
			if (i*40/wire.SampleRate)%2 == 1 { // alternate 1.2/1.5 kHz 20 times a second
				f = 1500
			}
			ph += 2 * math.Pi * f / wire.SampleRate
			ring[i] = math.Sin(ph)
		}
		fade(ring, 0.01)
		out = append(out, ring...)
		if r == 0 {
			out = append(out, make([]float64, int(uniform(rng, 1.8, 2.2)*wire.SampleRate))...)
		}
	}
	return out
}

func tone(freq, dur, ramp float64) []float64 {
	n := int(dur * wire.SampleRate)
	out := make([]float64, n)
	for i := range n {
		out[i] = math.Sin(2 * math.Pi * freq * float64(i) / wire.SampleRate)
	}
	fade(out, ramp)
	return out
}

// fade applies linear ramps of ramp seconds at both ends.
func fade(x []float64, ramp float64) {
	r := int(ramp * wire.SampleRate)
	for i := 0; i < r && i < len(x); i++ {
		w := float64(i) / float64(r)
		x[i] *= w
		x[len(x)-1-i] *= w
	}
}
