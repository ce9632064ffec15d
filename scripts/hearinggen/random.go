package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/courtscribe/courtscribe/asr/diarize/scene"
)

// Random courtrooms: scenes nobody tuned the diarizer on. Each is a room drawn from the ranges
// courtrooms span (size, RT60 0.4–1.0 s, where the bench, the clerk, the witness and two
// counsel tables stand, microphone distances, a soft talker on a low-gain mic, a hot mic)
// with a script drawn from the repository scenes' lines of its language, the non-speech sounds,
// gallery murmur, the air conditioner, talkers turning away and leaning, backchannels,
// objections and overlaps. The seed fixes everything.

// randomOptions are the draws' bounds.
type randomOptions struct {
	N       int     // scenes
	Seed    uint64  // first scene's seed; scene i uses Seed+i
	Minutes float64 // script length, roughly
	Lang    string  // "zh", "en" or "" (alternate)
}

// textBank holds, per language, the repository scenes' spoken lines (pinyin for Mandarin).
type textBank map[string][]string

// loadTextBank reads every scene in dir and files each spoken line under its seat's language.
func loadTextBank(dir string) (textBank, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	bank := textBank{}
	for _, f := range files {
		sc, err := scene.Load(f)
		if err != nil {
			return nil, err
		}
		lang := map[string]string{}
		for _, st := range sc.Seats {
			lang[st.Name] = voiceLang(st.Voice)
		}
		lines := slices.Clone(sc.Script)
		for _, b := range sc.Blocks {
			lines = append(lines, b...)
		}
		for _, l := range lines {
			if l.Text != "" && lang[l.Seat] != "" && !slices.Contains(bank[lang[l.Seat]], l.Text) {
				bank[lang[l.Seat]] = append(bank[lang[l.Seat]], l.Text)
			}
		}
	}
	for _, lang := range []string{"zh", "en"} {
		if len(bank[lang]) < 10 {
			return nil, fmt.Errorf("%s: only %d %s lines to draw from", dir, len(bank[lang]), lang)
		}
	}
	return bank, nil
}

func voiceLang(v string) string {
	switch {
	case strings.HasPrefix(v, "cmn"):
		return "zh"
	case strings.HasPrefix(v, "en"):
		return "en"
	}
	return ""
}

// randomScene draws one courtroom.
func randomScene(name string, seed uint64, lang string, minutes float64, bank textBank) *scene.Scene {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	r1 := func(v float64) float64 { return math.Round(v*10) / 10 }
	r2 := func(v float64) float64 { return math.Round(v*100) / 100 }
	L, W, H := r1(u(8, 14)), r1(u(6, 10)), r1(u(3, 4.5))
	sc := &scene.Scene{Name: name, Seed: seed, Room: &scene.Room{Size: [3]float64{L, W, H}, RT60: r2(u(0.4, 1.0))},
		NoiseDBFS: r1(u(-66, -56)), ElecDBFS: -80, LeadIn: 2, Tail: 2, ACDB: r1(u(10, 15))}
	if rng.IntN(3) > 0 {
		sc.HumDBFS = r1(u(-72, -64))
	}

	voices := map[string][]string{
		"zh": {"cmn-latn-pinyin+m1", "cmn-latn-pinyin+m3", "cmn-latn-pinyin+m5", "cmn-latn-pinyin+f2", "cmn-latn-pinyin+f4", "cmn-latn-pinyin+f5"},
		"en": {"en-us+m1", "en-us+m3", "en-us+m4", "en-gb+m1", "en-us+f2", "en-us+f3", "en-us+f4"},
	}[lang]
	rng.Shuffle(len(voices), func(i, j int) { voices[i], voices[j] = voices[j], voices[i] })
	nv := 0
	seat := func(name string, x, y, z, facing float64) scene.Seat {
		v := voices[nv%len(voices)]
		nv++
		pitch := 30 + rng.IntN(25)
		if strings.Contains(v, "+f") {
			pitch = 55 + rng.IntN(20)
		}
		p := [3]float64{r2(x), r2(y), r2(z)}
		return scene.Seat{Name: name, Voice: v, Pitch: pitch, Speed: 145 + rng.IntN(30), Level: r1(u(-3, 1)),
			Pos: &p, Facing: math.Round(facing + u(-15, 15)), MicDist: r2(u(0.35, 0.65))}
	}
	// The bench at the far end: one judge or a panel of three, the clerk below it, the witness
	// box to one side; two counsel tables facing the bench, each with one or two seats.
	mid := W / 2
	if rng.IntN(2) == 0 {
		sc.Seats = append(sc.Seats, seat("judge", L-1.2, mid, 1.55, 180))
	} else {
		sp := u(0.85, 1.2)
		sc.Seats = append(sc.Seats, seat("judge", L-1.2, mid, 1.55, 180),
			seat("associate", L-1.2, mid+sp, 1.55, 185), seat("associate2", L-1.2, mid-sp, 1.55, 175))
	}
	sc.Seats = append(sc.Seats, seat("clerk", L-2.4, mid+u(-0.5, 0.5), 1.15, 180))
	wy := 1.2
	if rng.IntN(2) == 0 {
		wy = W - 1.2
	}
	sc.Seats = append(sc.Seats, seat("witness", L-2.2, wy, 1.35, 180+math.Copysign(35, mid-wy)))
	tableX := L/2 - u(0, 1.5)
	for _, t := range []struct {
		names  [2]string
		y, fac float64
	}{{[2]string{"prosecutor", "co_counsel"}, 1.4, 70}, {[2]string{"defense", "defendant"}, W - 1.4, 290}} {
		sc.Seats = append(sc.Seats, seat(t.names[0], tableX, t.y, 1.2, t.fac))
		if rng.IntN(3) > 0 {
			sc.Seats = append(sc.Seats, seat(t.names[1], tableX-u(0.55, 0.95), t.y, 1.2, t.fac))
		}
	}
	// One soft talker on a low-gain mic, one hot mic elsewhere.
	soft := rng.IntN(len(sc.Seats))
	sc.Seats[soft].Level = r1(u(-7, -4))
	sc.Seats[soft].GainDB = -float64(6 + rng.IntN(5))
	if hot := rng.IntN(len(sc.Seats)); hot != soft {
		sc.Seats[hot].GainDB = float64(6 + rng.IntN(4))
	}

	sc.Sources = map[string][3]float64{"door": {0.6, r2(u(0.6, W-0.6)), 1.1},
		"gallery1": {1.5, r2(W * 0.3), 1.2}, "gallery2": {1.5, r2(W * 0.7), 1.2}, "gallery3": {r2(u(2.2, 3.2)), r2(mid), 1.2}}
	sc.Murmur = &scene.Murmur{Talkers: 2 + rng.IntN(3), LevelDB: r1(u(-10, -4)), Sources: []string{"gallery1", "gallery2", "gallery3"}}
	sc.Description = fmt.Sprintf("random courtroom (hearinggen random, seed %d): %s, %d seats, %gx%gx%g m, RT60 %.2f s; %s soft on a %g dB mic",
		seed, lang, len(sc.Seats), L, W, H, sc.Room.RT60, sc.Seats[soft].Name, sc.Seats[soft].GainDB)
	sc.Script = randomScript(rng, sc, lang, minutes, bank[lang])
	return sc
}

// randomScript draws the hearing: questions from the bench and counsel, answers from the
// witness and the parties, with the room's sounds and events in between.
func randomScript(rng *rand.Rand, sc *scene.Scene, lang string, minutes float64, texts []string) []scene.Line {
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	r2 := func(v float64) float64 { return math.Round(v*100) / 100 }
	f := func(v float64) *float64 { return &v }
	var askers, answerers, all []string
	for _, st := range sc.Seats {
		all = append(all, st.Name)
		switch st.Name {
		case "witness", "defendant", "co_counsel":
			answerers = append(answerers, st.Name)
		default:
			askers = append(askers, st.Name)
		}
	}
	if len(answerers) == 0 {
		answerers = []string{"witness"}
	}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	neighbour := func(name string) string {
		var best string
		bd := math.Inf(1)
		p := seatPos(sc, name)
		for _, st := range sc.Seats {
			if st.Name != name {
				if d := math.Hypot(st.Pos[0]-p[0], st.Pos[1]-p[1]); d < bd {
					best, bd = st.Name, d
				}
			}
		}
		return best
	}
	gallery := []string{"gallery1", "gallery2", "gallery3", "door"}
	backchannel := map[string][]string{"zh": {"en4.", "dui4.", "hao3."}, "en": {"Mm-hmm.", "Right.", "Okay."}}[lang]
	objection := map[string]string{"zh": "fan3 dui4! shen3 pan4 zhang3, zhe4 shi4 you4 dao3 xing4 ti2 wen4.",
		"en": "Objection, Your Honor, leading the witness."}[lang]

	lines := []scene.Line{{Event: "murmur_on"}, {Sound: "door", Source: "door", Gap: 1.0},
		{Sound: "beep", Source: "clerk", Gap: r2(u(1.5, 3))}, {Event: "murmur_off", Gap: 0.8}}
	perSec := map[string]float64{"zh": 13, "en": 14}[lang] // pinyin or English characters per second, roughly
	var t float64
	acOn := false
	for t < minutes*60 {
		who := pick(askers)
		if len(lines)%2 == 1 {
			who = pick(answerers)
		}
		text := pick(texts)
		l := scene.Line{Seat: who, Text: text, Gap: r2(u(0.25, 1.0))}
		switch x := rng.Float64(); {
		case x < 0.1:
			l.Gap = r2(u(-0.45, -0.1)) // talks over the end of the last line
		case x < 0.2:
			l.Turn = math.Round(u(140, 180)) * float64(1-2*rng.IntN(2)) // turned away from the mic
		case x < 0.28:
			l.Lean = neighbour(who)
		case x < 0.35:
			l.LevelDB = -6 // a soft answer
		}
		lines = append(lines, l)
		dur := float64(len(text)) / perSec
		t += dur + l.Gap
		other := func(s []string) string {
			for {
				if o := pick(s); o != who || len(s) == 1 {
					return o
				}
			}
		}
		switch x := rng.Float64(); {
		case x < 0.12:
			lines = append(lines, scene.Line{Seat: other(all), Text: pick(backchannel), Offset: f(r2(u(0.5, dur))), Interject: true, LevelDB: -5})
		case x < 0.17 && len(askers) > 1:
			lines = append(lines, scene.Line{Seat: other(askers), Text: objection, Offset: f(r2(u(0.8, dur))), Interject: true, LevelDB: 4})
		}
		switch x := rng.Float64(); {
		case x < 0.2:
			src := pick(gallery)
			if rng.IntN(2) == 0 {
				src = pick(all)
			}
			lines = append(lines, scene.Line{Sound: pick(scene.SoundKinds), Source: src, Gap: r2(u(0.2, 0.8))})
			t += 1
		case x < 0.24:
			ev := "ac_on"
			if acOn {
				ev = "ac_off"
			}
			acOn = !acOn
			lines = append(lines, scene.Line{Event: ev, Gap: r2(u(0.2, 1))})
		case x < 0.27:
			lines = append(lines, scene.Line{Event: "murmur_on", Gap: 0},
				scene.Line{Sound: "chair", Source: pick(gallery[:3]), Gap: r2(u(1, 3))},
				scene.Line{Event: "murmur_off", Gap: r2(u(0.5, 2))})
			t += 3
		}
	}
	if acOn {
		lines = append(lines, scene.Line{Event: "ac_off", Gap: 0.5})
	}
	return append(lines, scene.Line{Sound: "gavel", Source: "judge", Gap: 0.6}, scene.Line{Event: "murmur_on", Gap: 0.5})
}

func seatPos(sc *scene.Scene, name string) [3]float64 {
	for _, st := range sc.Seats {
		if st.Name == name {
			return *st.Pos
		}
	}
	return [3]float64{}
}

// writeRandom writes o.N random scenes into dir as JSON files, each checked by the scene parser.
func writeRandom(o randomOptions, scenesDir, dir string, out io.Writer) error {
	bank, err := loadTextBank(scenesDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range o.N {
		lang := o.Lang
		if lang == "" {
			lang = []string{"zh", "en"}[i%2]
		}
		seed := o.Seed + uint64(i)
		sc := randomScene(fmt.Sprintf("random-%s-%d", lang, seed), seed, lang, o.Minutes, bank)
		b, err := json.MarshalIndent(sc, "", "  ")
		if err != nil {
			return err
		}
		if _, err := scene.Parse(b); err != nil {
			return fmt.Errorf("drew an invalid scene (a bug in the drawing): %w", err)
		}
		path := filepath.Join(dir, sc.Name+".json")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %s\n", path, sc.Description)
	}
	return nil
}
