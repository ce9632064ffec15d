package diarize_test

import "fmt"
import "math"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"

// thumpGavel is a gavel on a sound block that also thumps the bench: n strikes gap seconds
// apart, each a 2.5 ms click with the block's modes at 780, 1900 and 3150 Hz and the bench's
// at 160 Hz (decaying in 50, 30, 20 and 40 ms), its first 10 ms levelDB over a talker's RMS.
func thumpGavel(n int, gap, levelDB float64, r *rand.Rand) []float64 {
	m := rate / 4
	out := make([]float64, int(float64(n-1)*gap*rate)+m)
	for s := range n {
		k := int(float64(s) * gap * rate)
		for i := range 40 {
			out[k+i] += r.NormFloat64() * math.Exp(-float64(i)/8)
		}
		for _, md := range [][3]float64{{780, 0.05, 1}, {1900, 0.03, 0.7}, {3150, 0.02, 0.5}, {160, 0.04, 0.8}} {
			f := md[0] * (0.97 + 0.06*r.Float64())
			for i := range m {
				tt := float64(i) / rate
				out[k+i] += md[2] * math.Sin(2*math.Pi*f*tt) * math.Exp(-tt/md[1])
			}
		}
	}
	return atTalkerLevel(out, levelDB)
}

// TestGavelThumpIsNoJudgesSpeech: the judge strikes a gavel whose bench thumps at 160 Hz, a
// damped sinusoid that reads periodic at a voice's pitch with most of its power below 1 kHz,
// once, twice and three times, 0.35 s apart (stage 32). No seat gets more than a blip for it
// (a turn shorter than 0.12 s, which no engine transcribes), in rooms of RT60 0.6 and 0.83 s;
// the judge, who says a word 0.35 s after the last strike, starts at once, as do the counsel
// around it. Without the stage the judge's seat got a turn of 0.4–0.9 s for the strikes.
func TestGavelThumpIsNoJudgesSpeech(t *testing.T) {
	for k, rt60 := range []float64{0.6, 0.83} {
		for _, n := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("RT60 %.2f, %d strikes", rt60, n), func(t *testing.T) {
				t.Parallel()
				cr := courtroom{room: scene.Room{Size: [3]float64{12.6, 8.2, 3.5}, RT60: rt60}, seats: benchSeats, seed: uint64(70 + k)}
				r := rand.New(rand.NewPCG(cr.seed, uint64(n)))
				bench := scene.Source{Pos: [3]float64{11.2, 4.1, 1.0}}
				g := thumpGavel(n, 0.35, 14, r)
				after := 8.5 + float64(len(g))/rate + 0.35
				pcm := cr.render(t, 15, []placed{
					cr.talk(0, 1, 2, 120, r),
					cr.talk(3, 3.5, 2, 190, r),
					cr.talk(5, 6, 2, 210, r),
					{src: bench, at: int(8.5 * rate), x: g},
					cr.talk(0, after, 1.2, 120, r),
					cr.talk(4, 12.5, 1.5, 105, r),
				})
				segs, err := diarize.Offline(diarize.DefaultConfig(), benchNames, pcm, nil)
				if err != nil {
					t.Fatal(err)
				}
				var turns []diarize.Turn
				for _, s := range segs {
					if s.Start > 8.4 && s.Start < after-0.2 && s.End-s.Start < 0.12 {
						continue // a blip
					}
					turns = append(turns, s)
				}
				want := map[float64]string{1: "judge", 3.5: "prosecutor", 6: "defendant", after: "judge", 12.5: "defense"}
				checkTurns(t, turns, want, func(s diarize.Turn) bool { return s.Start > 8.4 && s.Start < after-0.2 }, "gavel")
			})
		}
	}
}

// objections is an English hearing whose prosecutor objects three times ("Objection,
// argumentative.", "Objection!", "Objection, hearsay."), once into the defense's question.
// espeak-ng's "Ob-" opens with a burst 30 dB over the room in one frame, an impact to stage
// 21, and falls 13 dB within 50 ms before "jec" holds 19 dB under its peak.
const objections = `{
  "name": "objections", "seed": 23, "bleed_db": [8, 20], "delay_ms": [2, 12], "noise_dbfs": -60, "elec_dbfs": -80,
  "lead_in": 1.5, "tail": 1.5,
  "seats": [
    {"name": "judge", "voice": "en-gb+m3", "pitch": 30, "speed": 150},
    {"name": "prosecutor", "voice": "en-us+f2", "pitch": 65, "speed": 170, "level_db": 1},
    {"name": "defense", "voice": "en-us+m1", "pitch": 45, "speed": 165},
    {"name": "witness", "voice": "en-us+f4", "pitch": 55, "speed": 150, "level_db": -3}
  ],
  "script": [
    {"seat": "judge", "text": "Good morning. We are on the record in the matter of the People versus Daniel Harris."},
    {"seat": "witness", "text": "I think it was him. I am fairly sure.", "gap": 0.5},
    {"seat": "defense", "text": "You believe so, but you are not certain.", "gap": 0.4},
    {"seat": "prosecutor", "text": "Objection, argumentative.", "gap": -0.5},
    {"seat": "judge", "text": "Sustained.", "gap": 0.5},
    {"seat": "defense", "text": "Did you see his face?", "gap": 0.5},
    {"seat": "prosecutor", "text": "Objection!", "gap": 0.6},
    {"seat": "witness", "text": "Yes. He is sitting at the defense table.", "gap": 0.5},
    {"seat": "prosecutor", "text": "Objection, hearsay.", "gap": 0.7}
  ]
}`

// TestObjectionIsNoGavel: each of the prosecutor's objections is one turn from its first
// syllable to its end. The burst of "Ob-" begins the run with an impact, and its level then
// falls as a ring's does; stage 32's knee (a fall of 5 dB and more in one frame near the peak,
// then a frame that holds) tells it is a talker who stopped, not a ring. Without the knee each
// objection was cut after 0.07 s, its first syllable a blip that no engine transcribes.
func TestObjectionIsNoGavel(t *testing.T) {
	h, segs := diarizeScene(t, objections, nil)
	n := 0
	for _, line := range h.Truth {
		if line.Seat != "prosecutor" {
			continue
		}
		n++
		first := diarize.Turn{Start: math.Inf(1)}
		for _, s := range segs {
			if s.Seat == "prosecutor" && math.Abs(s.Start-line.Start) <= 0.12 && s.Start < first.Start {
				first = s
			}
		}
		if first.End < line.End-0.1 {
			t.Errorf("the objection at %.2f–%.2f s is not one prosecutor's turn: %+v", line.Start, line.End, segs)
		}
	}
	if n != 3 {
		t.Fatalf("%d objections in the reference, want 3", n)
	}
}

// TestGavelStruckTwiceIsNoJudgesSpeech: two strikes 0.30–0.32 s apart, at 16 offsets 1.25 ms
// apart against the 10 ms frames, in rooms of RT60 0.6 and 0.83 s. The second strike falls
// into the first one's ring: where the first turn was cut, the ring's run follows it, and a
// strike that lands where two analysis windows overlap reads nearly as loud in both, a frame
// that holds at its peak as a vowel would. At most one of the 32 placements may leave the
// judge's seat a turn of 0.12 s or more for the gavel (a second strike that begins a run of its
// own after the first one's died away, where a hold at the peak still reads as a voice); stage
// 32 as first written left five.
func TestGavelStruckTwiceIsNoJudgesSpeech(t *testing.T) {
	type placement struct {
		rt60, gap float64
		turns     []diarize.Turn
	}
	var out []*placement
	t.Run("placements", func(t *testing.T) {
		for k, rt60 := range []float64{0.6, 0.83} {
			for off := range 16 {
				p := &placement{rt60: rt60, gap: 0.3 + float64(off)*0.00125}
				out = append(out, p)
				t.Run(fmt.Sprintf("RT60 %.2f gap %.4f", rt60, p.gap), func(t *testing.T) {
					t.Parallel()
					cr := courtroom{room: scene.Room{Size: [3]float64{12.6, 8.2, 3.5}, RT60: rt60}, seats: benchSeats, seed: uint64(70 + k)}
					r := rand.New(rand.NewPCG(cr.seed, uint64(off)))
					g := thumpGavel(2, p.gap, 14, r)
					after := 8.5 + float64(len(g))/rate + 0.35
					pcm := cr.render(t, 12, []placed{
						cr.talk(0, 1, 2, 120, r),
						cr.talk(3, 3.5, 2, 190, r),
						cr.talk(5, 6, 2, 210, r),
						{src: scene.Source{Pos: [3]float64{11.2, 4.1, 1.0}}, at: int(8.5 * rate), x: g},
						cr.talk(0, after, 1.2, 120, r),
					})
					segs, err := diarize.Offline(diarize.DefaultConfig(), benchNames, pcm, nil)
					if err != nil {
						t.Fatal(err)
					}
					for _, s := range segs {
						if s.Start > 8.4 && s.Start < after-0.2 && s.End-s.Start >= 0.12 {
							p.turns = append(p.turns, s)
						}
					}
				})
			}
		}
	})
	bad := 0
	for _, p := range out {
		if len(p.turns) > 0 {
			bad++
			t.Logf("RT60 %.2f, strikes %.4f s apart: the gavel's turns %+v", p.rt60, p.gap, p.turns)
		}
	}
	if bad > 1 {
		t.Errorf("%d of %d placements gave the gavel a turn, want at most 1", bad, len(out))
	}
}
