package diarize_test

import "fmt"
import "math"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/internal/core"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// A reverberant courtroom built with the scene renderer's impulse responses (image sources and
// a diffuse tail, cardioid mics aimed at their talkers; asr/diarize/scene/room.go), for the
// start of a hearing: the room is quiet, nothing is learned yet.
type courtroom struct {
	room    scene.Room
	seats   []seatAt
	micDist map[int]float64 // a seat's mic distance in front of the mouth, where not 0.5 m
	gallery [3]float64      // where a gallery talker stands
	seed    uint64
}

type seatAt struct {
	pos    [3]float64 // the talker's mouth
	facing float64    // degrees, 0 = +x
}

// trialSeats is a five-seat trial court (judge, clerk, witness, prosecutor, defense) in a
// 10×8 m room, named by trialNames.
var trialSeats = []seatAt{
	{[3]float64{8.0, 3.5, 1.6}, 180},  // judge
	{[3]float64{6.8, 3.6, 1.15}, 180}, // clerk
	{[3]float64{7.4, 5.6, 1.35}, 215}, // witness
	{[3]float64{4.6, 1.4, 1.2}, 70},   // prosecutor
	{[3]float64{4.6, 5.6, 1.2}, 290},  // defense
}

var trialNames = []string{"judge", "clerk", "witness", "prosecutor", "defense"}

// counselSeats is a seven-seat court with two seats at each counsel table, named by
// counselNames.
var counselSeats = []seatAt{
	{[3]float64{8.0, 3.5, 1.6}, 180},  // judge
	{[3]float64{6.8, 3.6, 1.15}, 180}, // clerk
	{[3]float64{7.4, 5.6, 1.35}, 215}, // witness
	{[3]float64{4.6, 1.4, 1.2}, 70},   // prosecutor
	{[3]float64{4.0, 1.4, 1.2}, 70},   // co-counsel
	{[3]float64{4.6, 5.6, 1.2}, 290},  // defense
	{[3]float64{4.05, 5.6, 1.2}, 290}, // defendant
}

var counselNames = []string{"judge", "clerk", "witness", "prosecutor", "co_counsel", "defense", "defendant"}

// checkTurns fails t unless turns are exactly the voices of want (start time → seat, each
// within 0.12 s); a turn that sound says came from a non-speech sound is reported as such.
func checkTurns(t *testing.T, turns []diarize.Turn, want map[float64]string, sound func(diarize.Turn) bool, what string) {
	t.Helper()
	for _, s := range turns {
		if sound(s) {
			t.Errorf("the %s started a turn: %+v", what, s)
			continue
		}
		ok := false
		for at, seat := range want {
			if s.Seat == seat && math.Abs(s.Start-at) <= 0.12 {
				ok = true
				delete(want, at)
			}
		}
		if !ok {
			t.Errorf("turn %+v, want only the voices'", s)
		}
	}
	for at, seat := range want {
		t.Errorf("the %s's turn at %.1f s was not found: %+v", seat, at, turns)
	}
}

func (cr courtroom) mic(i int) scene.Mic {
	s := cr.seats[i]
	r, ok := cr.micDist[i]
	if !ok {
		r = 0.5
	}
	a := s.facing * math.Pi / 180
	f := [3]float64{math.Cos(a), math.Sin(a), 0}
	p := [3]float64{s.pos[0] + r*f[0], s.pos[1] + r*f[1], s.pos[2] - 0.15}
	aim := [3]float64{s.pos[0] - p[0], s.pos[1] - p[1], s.pos[2] - p[2]}
	n := math.Sqrt(aim[0]*aim[0] + aim[1]*aim[1] + aim[2]*aim[2])
	return scene.Mic{Pos: p, Aim: [3]float64{aim[0] / n, aim[1] / n, aim[2] / n}}
}

// placed is one dry sound at a source in the room, from sample at.
type placed struct {
	src scene.Source
	at  int
	x   []float64
}

// render convolves every placed sound with its impulse response to every mic and adds room
// noise (about -62 dBFS, independent on every mic).
func (cr courtroom) render(t testing.TB, dur float64, sounds []placed) [][]int16 {
	t.Helper()
	n := int(dur * rate)
	r := rand.New(rand.NewPCG(cr.seed, 7))
	wet := make([][]float64, len(cr.seats))
	for m := range wet {
		wet[m] = make([]float64, n)
	}
	for k, s := range sounds {
		for m := range cr.seats {
			h, _ := cr.room.IR(s.src, cr.mic(m), cr.seed*1000+uint64(k*len(cr.seats)+m))
			y := convolve(s.x, h)
			for i, v := range y {
				if j := s.at + i; j < n {
					wet[m][j] += v
				}
			}
		}
	}
	out := make([][]int16, len(wet))
	for m := range wet {
		out[m] = make([]int16, n)
		for i, v := range wet[m] {
			out[m][i] = int16(max(-32768, min(32767, math.Round(v+26*r.NormFloat64()))))
		}
	}
	return out
}

// convolve is the linear convolution of x and h by FFT.
func convolve(x, h []float64) []float64 {
	m := len(x) + len(h) - 1
	n := 1
	for n < m {
		n *= 2
	}
	f := core.NewFFT(n)
	xr, xi := make([]float64, n), make([]float64, n)
	hr, hi := make([]float64, n), make([]float64, n)
	copy(xr, x)
	copy(hr, h)
	f.Transform(xr, xi)
	f.Transform(hr, hi)
	for k := range n { // product, conjugated: the forward transform of the conjugate is the inverse × n
		xr[k], xi[k] = xr[k]*hr[k]-xi[k]*hi[k], -(xr[k]*hi[k] + xi[k]*hr[k])
	}
	f.Transform(xr, xi)
	y := make([]float64, m)
	for i := range y {
		y[i] = xr[i] / float64(n)
	}
	return y
}

// talker is synthetic speech at about -20 dBFS RMS dry (on axis at 0.4 m) plus levelDB.
func talker(sec, f0, levelDB float64, r *rand.Rand) []float64 {
	x := speech(int(sec*rate), f0, r)
	var e float64
	for _, v := range x {
		e += v * v
	}
	k := 3277 * math.Pow(10, levelDB/20) / math.Sqrt(e/float64(len(x)))
	for i := range x {
		x[i] *= k
	}
	return x
}

// leanTalk is seat's talker leaning 0.3 m towards the mic of seat to and speaking into it.
func (cr courtroom) leanTalk(seat, to int, at, sec, f0 float64, r *rand.Rand) placed {
	lean := cr.talk(seat, at, sec, f0, r)
	m := cr.mic(to).Pos
	d := [3]float64{m[0] - lean.src.Pos[0], m[1] - lean.src.Pos[1], 0}
	n := math.Hypot(d[0], d[1])
	lean.src.Pos[0] += d[0] * 0.3 / n
	lean.src.Pos[1] += d[1] * 0.3 / n
	lean.src.Facing = [3]float64{d[0] / n, d[1] / n, 0}
	return lean
}

func (cr courtroom) talk(seat int, at, sec, f0 float64, r *rand.Rand) placed {
	s := cr.seats[seat]
	a := s.facing * math.Pi / 180
	return placed{src: scene.Source{Pos: s.pos, Facing: [3]float64{math.Cos(a), math.Sin(a), 0}, BackDB: 9},
		at: int(at * rate), x: talker(sec, f0, 0, r)}
}

// TestGalleryMurmurAtTheStartStartsNoTurn: the first words of the gallery, 2.5 m behind one
// counsel table, at the very start of a hearing, before any seat has spoken (the room quiet,
// its level and the bleed model unlearned). Their direct sound reaches the nearest counsel
// mics 10 dB and more above the room for the first tens of milliseconds, before the room's
// reverberation has built up on the other mics — a distant talker stands that high over the
// room only at its onset. It starts no turn, in rooms of RT60 0.5–0.9 s; a seat's talker
// who then speaks still starts at once.
func TestGalleryMurmurAtTheStartStartsNoTurn(t *testing.T) {
	counsel := counselSeats
	cases := []courtroom{
		{room: scene.Room{Size: [3]float64{9, 7, 3.5}, RT60: 0.5}, seats: counsel, gallery: [3]float64{1.6, 2.1, 1.2}, seed: 1},
		{room: scene.Room{Size: [3]float64{9, 7, 3.5}, RT60: 0.5}, seats: counsel, gallery: [3]float64{1.6, 5.0, 1.2}, seed: 2},
		{room: scene.Room{Size: [3]float64{10, 8, 4}, RT60: 0.7}, seats: counsel, gallery: [3]float64{1.8, 1.6, 1.2}, seed: 3},
		{room: scene.Room{Size: [3]float64{11, 8, 4}, RT60: 0.9}, seats: counsel, gallery: [3]float64{1.5, 4.8, 1.2}, seed: 4},
	}
	for _, cr := range cases {
		t.Run(fmt.Sprintf("RT60 %.1f gallery %v", cr.room.RT60, cr.gallery), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(cr.seed, 11))
			// The gallery talker faces the bench (+x) and speaks at the murmur's level.
			gal := placed{src: scene.Source{Pos: cr.gallery, Facing: [3]float64{1, 0, 0}, BackDB: 9},
				at: 2 * rate, x: talker(1.5, 150+20*r.Float64(), -5, r)}
			seat := 4 // co-counsel answers once the gallery is quiet
			pcm := cr.render(t, 7, []placed{gal, cr.talk(seat, 5, 1.5, 200, r)})
			names := counselNames
			segs, err := diarize.Offline(diarize.DefaultConfig(), names, pcm, nil)
			if err != nil {
				t.Fatal(err)
			}
			started := false
			for _, s := range segs {
				switch {
				case s.Start < 4.5:
					t.Errorf("the gallery's first words started a turn: %+v", s)
				case s.Seat == names[seat] && math.Abs(s.Start-5) <= 0.12:
					started = true
				default:
					t.Errorf("turn %+v, want only the co-counsel's at 5.00", s)
				}
			}
			if !started {
				t.Errorf("the co-counsel's turn at 5.00 was not found: %+v", segs)
			}
		})
	}
}
