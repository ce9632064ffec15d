package scene

import "fmt"
import "hash/fnv"
import "math"
import "math/rand/v2"

import "github.com/courtscribe/courtscribe/capture/wire"

// Room is a shoebox courtroom. Every source→microphone path gets its own impulse response:
//
//   - the direct path with the geometric delay (fractional, windowed-sinc interpolated), 1/r
//     spreading, the talker's directivity and the microphone's polar pattern;
//   - early reflections from the image-source method (Allen & Berkley 1979) up to Order
//     reflections, with a frequency-flat wall reflection coefficient β = √(1−ᾱ) where the mean
//     absorption ᾱ follows from RT60 by Sabine's formula;
//   - a late diffuse tail: Gaussian noise under an exponential envelope that decays 60 dB in
//     RT60, with a 20 ms onset after the direct sound (the mixing time of a room this size).
//     The tail's energy is set by diffuse-field theory: the reverberant energy density is the
//     same everywhere in the room, equal to the direct sound's at the critical distance
//     r_c = 0.057·√(Q·V/RT60) (Q = 2 for a talker), minus what the early reflections already
//     carry; a cardioid picks up a third of the diffuse energy (its directivity factor is 3).
//     So the direct-to-reverberant ratio falls with distance as (r_c/r)², as measured in rooms.
//
// Why this hybrid and not a full image-source model: an RT60 of 1 s in a 500 m³ room needs
// reflections up to order ~40 (tens of thousands of images per path, minutes per impulse
// response) and still yields a too-regular, comb-like tail; the statistical tail reproduces
// the decay rate and level that matter for crosstalk detection (the bleed arrives late and
// stays ~RT60 on every mic), and the images keep the geometric timing of the first 20–40 ms.
type Room struct {
	Size [3]float64 `json:"size"` // metres (x, y, z)
	RT60 float64    `json:"rt60"` // seconds
	// Order of the image sources for early reflections (default 2, at most 4).
	Order int `json:"order,omitempty"`
	// Pattern of every microphone: "cardioid" (default), "supercardioid" or "omni".
	Pattern string `json:"pattern,omitempty"`
}

const (
	soundSpeed = 343.0
	refDist    = 0.4 // the dry level of an utterance is its on-axis direct sound at this distance
	talkerQ    = 2.0 // directivity factor of a talker
	// talkerBackDB: a talker's direct sound behind them is this much weaker than in front
	// (broadband; speech is ~5 dB down at the side and 8–10 dB behind).
	talkerBackDB = 9.0
	sincHalf     = 8 // taps each side of the fractional-delay interpolator
)

func (r *Room) validate() error {
	for _, v := range r.Size {
		if !(v >= 2 && v <= 60) {
			return fmt.Errorf("room size %v m: each side 2..60", r.Size)
		}
	}
	if !(r.RT60 >= 0.1 && r.RT60 <= 3) {
		return fmt.Errorf("room rt60 %g s: 0.1..3", r.RT60)
	}
	if r.Order < 0 || r.Order > 4 {
		return fmt.Errorf("room order %d: 0..4", r.Order)
	}
	switch r.Pattern {
	case "", "cardioid", "supercardioid", "omni":
	default:
		return fmt.Errorf("room pattern %q: cardioid, supercardioid or omni", r.Pattern)
	}
	// Sabine needs ᾱ < 1.
	if r.alpha() >= 0.95 {
		return fmt.Errorf("room rt60 %g s is too short for a %v m room (Sabine absorption ≥ 0.95)", r.RT60, r.Size)
	}
	return nil
}

func (r *Room) inside(p [3]float64) bool {
	for k := range 3 {
		if p[k] <= 0.05 || p[k] >= r.Size[k]-0.05 {
			return false
		}
	}
	return true
}

func (r *Room) volume() float64 { return r.Size[0] * r.Size[1] * r.Size[2] }

func (r *Room) surface() float64 {
	x, y, z := r.Size[0], r.Size[1], r.Size[2]
	return 2 * (x*y + x*z + y*z)
}

// alpha is the mean absorption coefficient by Sabine: RT60 = 0.161·V/(S·ᾱ).
func (r *Room) alpha() float64 { return 0.161 * r.volume() / (r.surface() * r.RT60) }

// CriticalDistance is where a talker's direct and reverberant energies are equal.
func (r *Room) CriticalDistance() float64 { return 0.057 * math.Sqrt(talkerQ*r.volume()/r.RT60) }

func (r *Room) order() int {
	if r.Order == 0 {
		return 2
	}
	return r.Order
}

// micGain is the polar pattern's amplitude for sound arriving at angle cosθ off axis, and the
// pattern's diffuse-field energy factor (1/directivity factor).
func (r *Room) micGain(cos float64) float64 {
	switch r.Pattern {
	case "omni":
		return 1
	case "supercardioid":
		return math.Abs(0.37 + 0.63*cos)
	}
	return 0.5 + 0.5*cos
}

func (r *Room) micDiffuse() float64 {
	switch r.Pattern {
	case "omni":
		return 1
	case "supercardioid":
		return 1 / 3.7
	}
	return 1.0 / 3
}

// talkerGain is the source's amplitude in a direction at angle cosθ from where it faces;
// backDB = 0 makes an omnidirectional source.
func talkerGain(cos, backDB float64) float64 {
	return math.Pow(10, -backDB*(1-cos)/2/20)
}

// Source is one sound source for an impulse response.
type Source struct {
	Pos    [3]float64
	Facing [3]float64 // unit vector; ignored when BackDB is 0
	BackDB float64    // front-to-back ratio of the source (talker: 9 dB; objects: 0)
}

// Mic is one microphone.
type Mic struct {
	Pos [3]float64
	Aim [3]float64 // unit vector of its axis
}

// IR returns the impulse response from src to mic at wire.SampleRate, and the sample of the direct
// sound's arrival. tailSeed chooses the diffuse tail's noise (same seed, same tail).
func (r *Room) IR(src Source, mic Mic, tailSeed uint64) ([]float64, float64) {
	rt := r.RT60
	beta := math.Sqrt(1 - r.alpha())
	dDirect := dist(src.Pos, mic.Pos)
	t0 := dDirect / soundSpeed * wire.SampleRate
	n := int(t0) + int(rt*wire.SampleRate) + 2*sincHalf + 1
	h := make([]float64, n)
	order := r.order()
	eEarlyOmni := 0.0
	axis := axisImages(order)
	for _, x := range axis {
		for _, y := range axis {
			for _, z := range axis {
				if refl := x.refl + y.refl + z.refl; refl <= order {
					eEarlyOmni += r.addImage(h, src, mic, beta, [3]axisImage{x, y, z}, refl)
				}
			}
		}
	}
	r.addTail(h, int(t0)+1, eEarlyOmni, tailSeed)
	return h, t0
}

// axisImage is an image source's index along one axis: the cell n, the parity p (mirrored
// when 1) and the reflections it takes.
type axisImage struct{ n, p, refl int }

// axisImages lists an axis's images up to order reflections, in the order the sum is taken.
func axisImages(order int) []axisImage {
	var out []axisImage
	for n := -order; n <= order; n++ {
		for p := 0; p <= 1; p++ {
			out = append(out, axisImage{n, p, abs(n-p) + abs(n)})
		}
	}
	return out
}

// addImage adds the image source img (refl reflections) to h and returns its omnidirectional
// energy where it is a reflection (0 for the direct sound).
func (r *Room) addImage(h []float64, src Source, mic Mic, beta float64, img [3]axisImage, refl int) float64 {
	L := r.Size
	pos := [3]float64{
		float64(1-2*img[0].p)*src.Pos[0] + 2*float64(img[0].n)*L[0],
		float64(1-2*img[1].p)*src.Pos[1] + 2*float64(img[1].n)*L[1],
		float64(1-2*img[2].p)*src.Pos[2] + 2*float64(img[2].n)*L[2],
	}
	d := dist(pos, mic.Pos)
	// Direction the sound leaves the real source: the image→mic direction mirrored back on
	// every axis reflected an odd number of times (the parities give it).
	out := unit(sub(mic.Pos, pos))
	for k := range 3 {
		if img[k].p == 1 {
			out[k] = -out[k]
		}
	}
	g := refDist / max(d, 0.05) * math.Pow(beta, float64(refl))
	tg := talkerGain(dot(out, src.Facing), src.BackDB)
	g *= tg
	arrive := unit(sub(pos, mic.Pos)) // where the sound comes from, seen at the mic
	g *= r.micGain(dot(arrive, mic.Aim))
	addImpulse(h, d/soundSpeed*wire.SampleRate, g)
	if refl > 0 {
		return sq(refDist / d * math.Pow(beta, float64(refl)) * tg)
	}
	return 0
}

// addTail adds the late diffuse tail from sample start: decaying noise (tailSeed) with the
// room's reverberant energy less what the early reflections already carry (eEarlyOmni).
func (r *Room) addTail(h []float64, start int, eEarlyOmni float64, tailSeed uint64) {
	rt := r.RT60
	eRev := sq(refDist / r.CriticalDistance())
	eTail := max(eRev-eEarlyOmni, 0.25*eRev) * r.micDiffuse()
	rng := rand.New(rand.NewPCG(tailSeed, 0x7461696c))
	decay := 3 * math.Ln10 / (rt * wire.SampleRate) // amplitude e-folding per sample: 60 dB in RT60
	onset := 0.020 * wire.SampleRate
	tail := make([]float64, len(h)-start)
	var e float64
	for i := range tail {
		env := math.Exp(-decay * float64(i))
		if fi := float64(i); fi < onset {
			env *= fi / onset
		}
		tail[i] = rng.NormFloat64() * env
		e += tail[i] * tail[i]
	}
	k := math.Sqrt(eTail / e)
	for i, v := range tail {
		h[start+i] += v * k
	}
}

// addImpulse adds an impulse of amplitude g at fractional sample position t (Hann-windowed
// sinc interpolation).
func addImpulse(h []float64, t, g float64) {
	c := int(math.Floor(t))
	frac := t - float64(c)
	for k := -sincHalf + 1; k <= sincHalf; k++ {
		i := c + k
		if i < 0 || i >= len(h) {
			continue
		}
		x := float64(k) - frac
		w := 0.5 + 0.5*math.Cos(math.Pi*x/float64(sincHalf))
		s := 1.0
		if x != 0 {
			s = math.Sin(math.Pi*x) / (math.Pi * x)
		}
		h[i] += g * s * w
	}
}

func tailSeed(seed uint64, parts ...string) uint64 {
	f := fnv.New64a()
	for _, p := range parts {
		f.Write([]byte(p))
		f.Write([]byte{0})
	}
	return seed ^ f.Sum64()
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func sq(x float64) float64 { return x * x }

func sub(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func dist(a, b [3]float64) float64 { d := sub(a, b); return math.Sqrt(dot(d, d)) }

func unit(a [3]float64) [3]float64 {
	l := math.Sqrt(dot(a, a))
	if l == 0 {
		return [3]float64{1, 0, 0}
	}
	return [3]float64{a[0] / l, a[1] / l, a[2] / l}
}

// azimuth returns the unit vector at angle deg in the horizontal plane (0 = +x, 90 = +y).
func azimuth(deg float64) [3]float64 {
	s, c := math.Sincos(deg * math.Pi / 180)
	return [3]float64{c, s, 0}
}

// SchroederRT60 estimates the reverberation time of an impulse response by Schroeder's
// backward integration: the energy decay curve in dB, a line fitted from −5 to −25 dB (T20),
// extrapolated to 60 dB.
func SchroederRT60(h []float64) float64 {
	edc := make([]float64, len(h))
	var acc float64
	for i := len(h) - 1; i >= 0; i-- {
		acc += h[i] * h[i]
		edc[i] = acc
	}
	if acc == 0 {
		return 0
	}
	var sx, sy, sxx, sxy, cnt float64
	for i, e := range edc {
		db := 10 * math.Log10(e/edc[0])
		if db > -5 || db < -25 {
			continue
		}
		x := float64(i) / wire.SampleRate
		sx += x
		sy += db
		sxx += x * x
		sxy += x * db
		cnt++
	}
	if cnt < 2 {
		return 0
	}
	slope := (cnt*sxy - sx*sy) / (cnt*sxx - sx*sx) // dB per second
	if slope >= 0 {
		return 0
	}
	return -60 / slope
}

// DRR returns the direct-to-reverberant ratio of an impulse response in dB: the energy within
// 2.5 ms of its strongest tap against everything after.
func DRR(h []float64) float64 {
	peak := 0
	for i, v := range h {
		if math.Abs(v) > math.Abs(h[peak]) {
			peak = i
		}
	}
	w := int(0.0025 * wire.SampleRate)
	var d, r float64
	for i, v := range h {
		if i >= peak-w && i <= peak+w {
			d += v * v
		} else if i > peak+w {
			r += v * v
		}
	}
	return 10 * math.Log10(d/max(r, 1e-30))
}
