package main

import "encoding/json"
import "fmt"
import "io"
import "math"
import "math/rand/v2"
import "os"
import "path/filepath"
import "slices"
import "strings"

import "github.com/courtscribe/courtscribe/asr/diarize/scene"

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
	d := &scriptDraw{rng: rng, sc: sc, lang: lang}
	for _, st := range sc.Seats {
		d.all = append(d.all, st.Name)
		switch st.Name {
		case "witness", "defendant", "co_counsel":
			d.answerers = append(d.answerers, st.Name)
		default:
			d.askers = append(d.askers, st.Name)
		}
	}
	lines := []scene.Line{{Event: "murmur_on"}, {Sound: "door", Source: "door", Gap: 1.0},
		{Sound: "beep", Source: "clerk", Gap: d.r2(d.u(1.5, 3))}, {Event: "murmur_off", Gap: 0.8}}
	perSec := map[string]float64{"zh": 13, "en": 14}[lang] // pinyin or English characters per second, roughly
	var t float64
	for t < minutes*60 {
		who := d.pick(d.askers)
		if len(lines)%2 == 1 {
			who = d.pick(d.answerers)
		}
		l := d.line(who, d.pick(texts))
		dur := float64(len(l.Text)) / perSec
		lines = append(lines, l)
		lines = append(lines, d.interjection(who, dur)...)
		room, took := d.roomEvent()
		lines = append(lines, room...)
		t += dur + l.Gap + took
	}
	if d.acOn {
		lines = append(lines, scene.Line{Event: "ac_off", Gap: 0.5})
	}
	return append(lines, scene.Line{Sound: "gavel", Source: "judge", Gap: 0.6}, scene.Line{Event: "murmur_on", Gap: 0.5})
}

// scriptDraw is randomScript's state: the seats by role and whether the AC runs.
type scriptDraw struct {
	rng                    *rand.Rand
	sc                     *scene.Scene
	lang                   string
	askers, answerers, all []string
	acOn                   bool
}

func (d *scriptDraw) u(lo, hi float64) float64 { return lo + (hi-lo)*d.rng.Float64() }
func (d *scriptDraw) r2(v float64) float64     { return math.Round(v*100) / 100 }
func (d *scriptDraw) pick(s []string) string   { return s[d.rng.IntN(len(s))] }

// other picks from s someone other than who (who only when s holds nobody else).
func (d *scriptDraw) other(s []string, who string) string {
	for {
		if o := d.pick(s); o != who || len(s) == 1 {
			return o
		}
	}
}

// line is one spoken line, now and then over the end of the last one, turned away, leaning
// toward the nearest seat's microphone or soft.
func (d *scriptDraw) line(who, text string) scene.Line {
	l := scene.Line{Seat: who, Text: text, Gap: d.r2(d.u(0.25, 1.0))}
	switch x := d.rng.Float64(); {
	case x < 0.1:
		l.Gap = d.r2(d.u(-0.45, -0.1))
	case x < 0.2:
		l.Turn = math.Round(d.u(140, 180)) * float64(1-2*d.rng.IntN(2))
	case x < 0.28:
		l.Lean = nearestSeat(d.sc, who)
	case x < 0.35:
		l.LevelDB = -6
	}
	return l
}

// interjection is, now and then, a backchannel or an objection into who's line of dur seconds.
func (d *scriptDraw) interjection(who string, dur float64) []scene.Line {
	backchannel := map[string][]string{"zh": {"en4.", "dui4.", "hao3."}, "en": {"Mm-hmm.", "Right.", "Okay."}}[d.lang]
	objection := map[string]string{"zh": "fan3 dui4! shen3 pan4 zhang3, zhe4 shi4 you4 dao3 xing4 ti2 wen4.",
		"en": "Objection, Your Honor, leading the witness."}[d.lang]
	at := func(lo float64) *float64 { v := d.r2(d.u(lo, dur)); return &v } // inside the line, however short
	switch x := d.rng.Float64(); {
	case x < 0.12:
		return []scene.Line{{Seat: d.other(d.all, who), Text: d.pick(backchannel), Offset: at(0.5), Interject: true, LevelDB: -5}}
	case x < 0.17 && len(d.askers) > 1:
		return []scene.Line{{Seat: d.other(d.askers, who), Text: objection, Offset: at(0.8), Interject: true, LevelDB: 4}}
	}
	return nil
}

// roomEvent is, now and then, a sound, the air conditioner switching, or a stir in the
// gallery; it returns the lines and roughly how long they take.
func (d *scriptDraw) roomEvent() ([]scene.Line, float64) {
	gallery := []string{"gallery1", "gallery2", "gallery3"}
	switch x := d.rng.Float64(); {
	case x < 0.2:
		// Where each sound comes from: the door in its wall, the gavel on the bench, the
		// recorder's beep at the clerk's desk; a phone, a cough, paper or a chair in the
		// gallery or at any seat.
		kind := d.pick(scene.SoundKinds)
		src := map[string]string{"door": "door", "gavel": "judge", "beep": "clerk"}[kind]
		if src == "" {
			src = d.pick(gallery)
			if d.rng.IntN(2) == 0 {
				src = d.pick(d.all)
			}
		}
		return []scene.Line{{Sound: kind, Source: src, Gap: d.r2(d.u(0.2, 0.8))}}, 1
	case x < 0.24:
		ev := "ac_on"
		if d.acOn {
			ev = "ac_off"
		}
		d.acOn = !d.acOn
		return []scene.Line{{Event: ev, Gap: d.r2(d.u(0.2, 1))}}, 0
	case x < 0.27:
		return []scene.Line{{Event: "murmur_on", Gap: 0},
			{Sound: "chair", Source: d.pick(gallery), Gap: d.r2(d.u(1, 3))},
			{Event: "murmur_off", Gap: d.r2(d.u(0.5, 2))}}, 3
	}
	return nil, 0
}

// nearestSeat is the seat whose talker sits nearest to name's.
func nearestSeat(sc *scene.Scene, name string) string {
	var best string
	bd := math.Inf(1)
	p := seatPos(sc, name)
	for _, st := range sc.Seats {
		if st.Name != name {
			if dist := math.Hypot(st.Pos[0]-p[0], st.Pos[1]-p[1]); dist < bd {
				best, bd = st.Name, dist
			}
		}
	}
	return best
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

func seatPos(sc *scene.Scene, name string) [3]float64 {
	for _, st := range sc.Seats {
		if st.Name == name {
			return *st.Pos
		}
	}
	return [3]float64{}
}
