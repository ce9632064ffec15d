package scene

import "context"
import "fmt"
import "math"
import "math/rand/v2"
import "slices"
import "strings"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/capture/wire"

// NonSpeech is a reference event that is not speech: a sound (SoundKinds) with its audible
// extent, "murmur" for a span of gallery murmur, or "ac_on"/"ac_off" for the air conditioner's
// switching (Start..End is its 2 s ramp). The benchmark counts the turns these create.
type NonSpeech struct {
	Kind   string  `json:"kind"`
	Source string  `json:"source,omitempty"`
	Start  float64 `json:"start"`
	End    float64 `json:"end"`
}

const acRamp = 2.0 // seconds for the air conditioner to spin up or down

// micOf returns a seat's microphone: at Mic, or MicDist in front of the mouth and 0.15 m
// lower, aimed at the mouth.
func micOf(st Seat) Mic {
	var p [3]float64
	if st.Mic != nil {
		p = *st.Mic
	} else {
		d := st.MicDist
		if d == 0 {
			d = 0.4
		}
		f := azimuth(st.Facing)
		h := math.Sqrt(max(d*d-0.15*0.15, 0.01))
		p = [3]float64{st.Pos[0] + f[0]*h, st.Pos[1] + f[1]*h, st.Pos[2] - 0.15}
	}
	return Mic{Pos: p, Aim: unit(sub(*st.Pos, p))}
}

// item is one placed sound in the room: speech, a non-speech sound, or a murmur phrase.
type item struct {
	start int
	pcm   []float64 // shared between repetitions of an utterance: never written
	gain  float64
	src   Source
	key   string // impulse-response cache key (the source's placement)
}

// roomRender holds the state of one room render.
type roomRender struct {
	s     *Scene
	opt   Options
	mics  []Mic
	irLen int
	fftN  int
	specs map[string][][]complex128
	seed  uint64

	rng     *rand.Rand
	seatIdx map[string]int
	split   float64

	// An utterance is synthesized, trimmed and (a recording) gated once, however often the
	// script repeats it; repetitions share its samples (a 60-minute hearing would otherwise
	// hold gigabytes of copies).
	speech      map[cacheKey]*utterance
	speechOrder []cacheKey

	items              []item
	truth              []diarize.Turn
	lines              []Spoken
	events             []NonSpeech
	murmurOn, acOn     []float64 // switch times, alternating on/off, as placed
	cursor             int
	prevStart, prevEnd int
}

// cacheKey names an utterance: its seat and its text or recording.
type cacheKey struct {
	seat int
	text string
}

// utterance is a synthesized (or loaded) line trimmed to its speech, and the extents of its
// speech relative to its start.
type utterance struct {
	pcm  []float64
	refs [][2]int
}

func (rr *roomRender) spectra(it item) [][]complex128 {
	if h, ok := rr.specs[it.key]; ok {
		return h
	}
	out := make([][]complex128, len(rr.mics))
	for m, mic := range rr.mics {
		h, _ := rr.s.Room.IR(it.src, mic, tailSeed(rr.seed, it.key, fmt.Sprint(m)))
		out[m] = spectrum(h[:min(len(h), rr.irLen)], rr.fftN)
	}
	if len(rr.specs) > 48 { // bound memory: placements rarely repeat beyond a few dozen
		clear(rr.specs)
	}
	rr.specs[it.key] = out
	return out
}

// IRs returns the impulse responses from every seat's usual position to every microphone:
// [seat][mic]. Exported for tests and for the crosstalk figures the benchmark prints.
func (s *Scene) IRs() [][][]float64 {
	if s.Room == nil {
		return nil
	}
	mics := make([]Mic, len(s.Seats))
	for j, st := range s.Seats {
		mics[j] = micOf(st)
	}
	out := make([][][]float64, len(s.Seats))
	for i, st := range s.Seats {
		src := Source{Pos: *st.Pos, Facing: azimuth(st.Facing), BackDB: talkerBackDB}
		out[i] = make([][]float64, len(mics))
		for j, mic := range mics {
			out[i][j], _ = s.Room.IR(src, mic, tailSeed(s.Seed, "ir", st.Name, fmt.Sprint(j)))
		}
	}
	return out
}

// CrosstalkDB returns, for every seat i and microphone j, how far below seat i's level on its
// own microphone it arrives on microphone j (energy of the whole impulse response, direct and
// reverberant, mic gains included): [seat][mic], 0 on the diagonal.
func (s *Scene) CrosstalkDB() [][]float64 {
	irs := s.IRs()
	out := make([][]float64, len(irs))
	for i := range irs {
		out[i] = make([]float64, len(irs))
		own := energy(irs[i][i]) * math.Pow(10, s.Seats[i].GainDB/10)
		for j := range irs {
			if j != i {
				out[i][j] = 10 * math.Log10(own/(energy(irs[i][j])*math.Pow(10, s.Seats[j].GainDB/10)))
			}
		}
	}
	return out
}

func energy(x []float64) float64 {
	var e float64
	for _, v := range x {
		e += v * v
	}
	return e
}

func renderRoom(ctx context.Context, s *Scene, opt Options) (*Hearing, error) {
	rr := newRoomRender(s, opt)
	script := s.flatScript(rand.New(rand.NewPCG(s.Seed, 0x6a6974)))
	for i, l := range script {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := rr.place(ctx, i, l); err != nil {
			return nil, err
		}
	}
	total := rr.cursor + int(s.Tail*wire.SampleRate)
	if total > 4*3600*wire.SampleRate {
		return nil, fmt.Errorf("scene %s: %.0f s is longer than four hours", s.Name, float64(total)/wire.SampleRate)
	}
	if s.Murmur != nil && len(rr.speechOrder) > 0 {
		rr.murmur(total)
	}
	slices.SortStableFunc(rr.items, func(a, b item) int { return a.start - b.start })
	out, err := rr.mix(ctx, total)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(rr.events, func(a, b NonSpeech) int {
		switch {
		case a.Start < b.Start:
			return -1
		case a.Start > b.Start:
			return 1
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return &Hearing{Seats: s.SeatNames(), Channels: out, Truth: MergeTruth(rr.truth), Events: rr.events, Lines: rr.lines}, nil
}

func newRoomRender(s *Scene, opt Options) *roomRender {
	n := len(s.Seats)
	rr := &roomRender{s: s, opt: opt, specs: map[string][][]complex128{}, seed: s.Seed,
		rng: rand.New(rand.NewPCG(s.Seed, 0x726f6f6d)), seatIdx: map[string]int{}, split: s.split(),
		speech: map[cacheKey]*utterance{}}
	for i, st := range s.Seats {
		rr.seatIdx[st.Name] = i
	}
	rr.mics = make([]Mic, n)
	for j, st := range s.Seats {
		rr.mics[j] = micOf(st)
	}
	diag := math.Sqrt(dot(s.Room.Size, s.Room.Size))
	rr.irLen = int(diag/soundSpeed*wire.SampleRate) + int(s.Room.RT60*wire.SampleRate) + 2*sincHalf + 1
	rr.fftN = fftSizeFor(rr.irLen)
	rr.cursor = int(s.LeadIn * wire.SampleRate)
	rr.prevStart, rr.prevEnd = rr.cursor, rr.cursor
	return rr
}

// place places script line i.
func (rr *roomRender) place(ctx context.Context, i int, l Line) error {
	start := placeAt(l, rr.prevStart, rr.prevEnd)
	switch {
	case l.Event != "":
		rr.placeEvent(l, start)
	case l.Pause != 0:
		start += int(l.Pause * wire.SampleRate)
		rr.prevStart, rr.prevEnd = start, start
		rr.cursor = max(rr.cursor, start)
	case l.Sound != "":
		return rr.placeSound(i, l, start)
	default:
		return rr.placeSpeech(ctx, i, l, start)
	}
	return nil
}

// placeAt is where a line starts: Offset after the previous line's start, or Gap after its end.
func placeAt(l Line, prevStart, prevEnd int) int {
	var start int
	if l.Offset != nil {
		start = prevStart + int(*l.Offset*wire.SampleRate)
	} else {
		start = prevEnd + int(l.Gap*wire.SampleRate)
	}
	return max(start, 0)
}

// placed advances the script past a placed sound of n samples at start.
func (rr *roomRender) placed(l Line, start, n int) {
	rr.cursor = max(rr.cursor, start+n)
	if !l.Interject {
		rr.prevStart, rr.prevEnd = start, start+n
	}
}

// placeEvent switches the air conditioner or the murmur at start.
func (rr *roomRender) placeEvent(l Line, start int) {
	t := float64(start) / wire.SampleRate
	switch l.Event {
	case "ac_on", "ac_off":
		rr.acOn = append(rr.acOn, t)
		rr.events = append(rr.events, NonSpeech{Kind: l.Event, Start: round3(t), End: round3(t + acRamp)})
	default:
		rr.murmurOn = append(rr.murmurOn, t)
	}
	rr.cursor = max(rr.cursor, start)
}

// placeSound synthesizes a non-speech sound and places it at start.
func (rr *roomRender) placeSound(i int, l Line, start int) error {
	s := rr.s
	pcm, err := synthSound(l.Sound, rr.rng)
	if err != nil {
		return err
	}
	normalise(pcm, -20+soundLevelDB[l.Sound]+l.LevelDB)
	// One reference event per instance: from its first to its last audible frame.
	ext := extents(pcm, float64(len(pcm))/wire.SampleRate, false)
	if len(ext) == 0 {
		return fmt.Errorf("scene %s line %d: %s is silent", s.Name, i, l.Sound)
	}
	src := rr.soundSource(l)
	rr.items = append(rr.items, item{start: start, pcm: pcm, gain: 1, src: src, key: fmt.Sprintf("snd|%s|%v|%v", l.Source, src.Pos, src.Facing)})
	for _, e := range ext {
		rr.events = append(rr.events, NonSpeech{Kind: l.Sound, Source: l.Source,
			Start: round3(float64(start+e[0]) / wire.SampleRate), End: round3(float64(start+e[1]) / wire.SampleRate)})
	}
	rr.placed(l, start, len(pcm))
	return nil
}

// soundSource places a sound: at a named source, or by a seat (a cough at the mouth, turned
// aside; paper, a gavel, a chair on the desk or the floor in front of it).
func (rr *roomRender) soundSource(l Line) Source {
	s := rr.s
	src := Source{}
	if p, ok := s.Sources[l.Source]; ok {
		src.Pos = p
	} else {
		st := s.Seats[rr.seatIdx[l.Source]]
		src.Pos = *st.Pos
		if l.Sound != "cough" { // paper, gavel, chair: on the desk or the floor by the seat
			f := azimuth(st.Facing)
			src.Pos = [3]float64{src.Pos[0] + 0.25*f[0], src.Pos[1] + 0.25*f[1], max(src.Pos[2]-0.4, 0.3)}
		}
	}
	src.Facing = [3]float64{1, 0, 0}
	if l.Sound == "cough" {
		src.BackDB = talkerBackDB
		src.Facing = azimuth(s.Seats[rr.seatIdx[l.Source]].Facing + 90) // coughs turn aside
		if _, ok := s.Sources[l.Source]; ok {
			src.Facing = azimuth(rr.rng.Float64() * 360)
		}
	}
	return src
}

// placeSpeech places a speech line at start, from the talker's position, turned or leaning.
func (rr *roomRender) placeSpeech(ctx context.Context, i int, l Line, start int) error {
	si := rr.seatIdx[l.Seat]
	st := rr.s.Seats[si]
	key := cacheKey{si, l.Text + "\x00" + l.WAV}
	u, ok := rr.speech[key]
	if !ok {
		var err error
		if u, err = rr.s.utterance(ctx, i, l, st, rr.split, rr.opt); err != nil {
			return err
		}
		rr.speech[key] = u
		rr.speechOrder = append(rr.speechOrder, key)
	}
	pcm, refs := u.pcm, u.refs
	src := Source{Pos: *st.Pos, Facing: azimuth(st.Facing + l.Turn), BackDB: talkerBackDB}
	if l.Lean != "" {
		to := rr.mics[rr.seatIdx[l.Lean]].Pos
		d := sub(to, src.Pos)
		k := min(0.3/math.Max(math.Sqrt(dot(d, d)), 1e-9), 0.6)
		src.Pos = [3]float64{src.Pos[0] + d[0]*k, src.Pos[1] + d[1]*k, src.Pos[2]}
		src.Facing = unit([3]float64{d[0], d[1], 0})
	}
	rr.items = append(rr.items, item{start: start, pcm: pcm, gain: math.Pow(10, l.LevelDB/20), src: src,
		key: fmt.Sprintf("seat|%s|%g|%s", st.Name, l.Turn, l.Lean)})
	rr.lines = append(rr.lines, Spoken{Seat: st.Name, Text: l.Text + l.WAV, Start: round3(float64(start) / wire.SampleRate), End: round3(float64(start+len(pcm)) / wire.SampleRate)})
	for _, r := range refs {
		rr.truth = append(rr.truth, diarize.Turn{Seat: st.Name,
			Start: round3(float64(start+r[0]) / wire.SampleRate), End: round3(float64(start+r[1]) / wire.SampleRate)})
	}
	rr.placed(l, start, len(pcm))
	return nil
}

// murmur places the gallery murmur: each talker strings the scene's utterances, backwards,
// with pauses.
func (rr *roomRender) murmur(total int) {
	backwards := map[cacheKey][]float64{}
	for _, sp := range switchSpans(rr.murmurOn, float64(total)/wire.SampleRate) {
		rr.events = append(rr.events, NonSpeech{Kind: "murmur", Start: round3(sp[0]), End: round3(sp[1])})
		for k := range rr.s.Murmur.Talkers {
			rr.murmurTalker(k, sp, backwards)
		}
	}
}

// murmurTalker places gallery talker k's phrases over the murmur span sp.
func (rr *roomRender) murmurTalker(k int, sp [2]float64, backwards map[cacheKey][]float64) {
	s, rng := rr.s, rr.rng
	name := s.Murmur.Sources[k%len(s.Murmur.Sources)]
	pos := s.Sources[name]
	pos[0] += uniform(rng, -0.6, 0.6)
	pos[1] += uniform(rng, -0.6, 0.6)
	for k := range 2 {
		pos[k] = min(max(pos[k], 0.2), s.Room.Size[k]-0.2)
	}
	src := Source{Pos: pos, Facing: azimuth(rng.Float64() * 360), BackDB: talkerBackDB}
	key := fmt.Sprintf("murmur|%d|%v", k, pos)
	t := int((sp[0] + uniform(rng, 0, 2)) * wire.SampleRate)
	level := math.Pow(10, (s.Murmur.level()+uniform(rng, -3, 3))/20)
	for t < int(sp[1]*wire.SampleRate) {
		ck := rr.speechOrder[rng.IntN(len(rr.speechOrder))]
		p, ok := backwards[ck]
		if !ok {
			u := rr.speech[ck].pcm
			p = make([]float64, len(u))
			for x := range u {
				p[x] = u[len(u)-1-x]
			}
			backwards[ck] = p
		}
		if end := int(sp[1]*wire.SampleRate) - t; len(p) > end {
			p = slices.Clone(p[:end])
			fade(p, 0.2)
		}
		rr.items = append(rr.items, item{start: t, pcm: p, gain: level, src: src, key: key})
		t += len(p) + int(uniform(rng, 0.2, 2.0)*wire.SampleRate)
	}
}

// mixer convolves the items into a sliding float buffer, finishes it (noise, gain, hum, the
// air conditioner) and quantizes it to int16 as soon as no later item can reach a sample.
type mixer struct {
	fin      *finisher
	wet      [][]float64
	out      [][]int16
	base     int
	capacity int
	total    int
}

// mix renders the sorted items into the channels.
func (rr *roomRender) mix(ctx context.Context, total int) ([][]int16, error) {
	n := len(rr.s.Seats)
	m := &mixer{out: make([][]int16, n), wet: make([][]float64, n), total: total}
	for j := range m.out {
		m.out[j] = make([]int16, total)
	}
	maxItem := 0
	for _, it := range rr.items {
		maxItem = max(maxItem, len(it.pcm))
	}
	m.capacity = 4 * (maxItem + rr.irLen + rr.fftN)
	for j := range m.wet {
		m.wet[j] = make([]float64, m.capacity)
	}
	m.fin = newFinisher(rr.s, total, switchSpans(rr.acOn, float64(total)/wire.SampleRate))
	for _, it := range rr.items {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if it.start+len(it.pcm)+rr.irLen-m.base > m.capacity {
			m.flush(it.start)
		}
		convolveInto(m.wet, it.start-m.base, it.pcm, it.gain, rr.spectra(it), rr.irLen, rr.fftN)
	}
	for m.base < total {
		m.flush(m.base + m.capacity/2)
	}
	return m.out, nil
}

// flush finishes and quantizes every sample before upto.
func (m *mixer) flush(upto int) {
	upto = min(upto, m.total)
	for upto > m.base {
		step := min(upto-m.base, m.capacity)
		for j := range m.out {
			m.fin.finish(j, m.base, m.wet[j][:step], m.out[j][m.base:m.base+step])
			copy(m.wet[j], m.wet[j][step:])
			clear(m.wet[j][m.capacity-step:])
		}
		m.base += step
	}
}

func (m *Murmur) level() float64 {
	if m.LevelDB == 0 {
		return -6
	}
	return m.LevelDB
}

// switchSpans turns alternating on/off times into spans (an unmatched "on" lasts to the end).
func switchSpans(times []float64, end float64) [][2]float64 {
	var out [][2]float64
	for i := 0; i < len(times); i += 2 {
		b := end
		if i+1 < len(times) {
			b = times[i+1]
		}
		if b > times[i] {
			out = append(out, [2]float64{times[i], b})
		}
	}
	return out
}

// finisher adds what the microphones pick up besides the sources: room noise (white plus a
// low-passed ventilation component), the air conditioner (rumble, a 120 Hz blade tone and
// hiss, ramped over 2 s), the preamp gain, mains hum and electrical noise. Its per-mic state
// runs sample by sample, so the result does not depend on how the mix is chunked.
type finisher struct {
	s        *Scene
	noiseAmp float64
	humAmp   float64
	elecAmp  float64
	acAmp    float64
	ac       [][2]float64
	ch       []finChan
}

type finChan struct {
	rng      *rand.Rand
	gain     float64
	seatN    float64
	pink     float64
	rumble   float64
	humPhase float64
}

func newFinisher(s *Scene, total int, ac [][2]float64) *finisher {
	f := &finisher{s: s, ac: ac}
	f.noiseAmp = math.Pow(10, s.NoiseDBFS/20) * 32768
	if s.HumDBFS < 0 {
		f.humAmp = math.Pow(10, s.HumDBFS/20) * 32768 * math.Sqrt2
	}
	if s.ElecDBFS < 0 {
		f.elecAmp = math.Pow(10, s.ElecDBFS/20) * 32768
	}
	acdb := s.ACDB
	if acdb == 0 {
		acdb = 12
	}
	// The room noise (0.7·white + 0.7·pink) has variance 0.733, the AC mix below 0.92: the AC
	// adds 10^(dB/10) − 1 times the room noise's power.
	f.acAmp = f.noiseAmp * math.Sqrt(0.733*(math.Pow(10, acdb/10)-1)/0.92)
	hr := rand.New(rand.NewPCG(s.Seed, 0x68756d))
	for j, st := range s.Seats {
		f.ch = append(f.ch, finChan{
			rng:      rand.New(rand.NewPCG(s.Seed+uint64(j)*7919, 0x6e6f697365)),
			gain:     math.Pow(10, st.GainDB/20),
			seatN:    math.Pow(10, st.NoiseDB/20),
			humPhase: hr.Float64() * 2 * math.Pi,
		})
	}
	return f
}

func (f *finisher) acLevel(t float64) float64 {
	for _, sp := range f.ac {
		if t < sp[0] {
			return 0
		}
		if t < sp[0]+acRamp {
			return (t - sp[0]) / acRamp
		}
		if t < sp[1] {
			return 1
		}
		if t < sp[1]+acRamp {
			return 1 - (t-sp[1])/acRamp
		}
	}
	return 0
}

func (f *finisher) finish(j, base int, wet []float64, out []int16) {
	c := &f.ch[j]
	for i, v := range wet {
		t := base + i
		w := c.rng.NormFloat64()
		c.pink = 0.95*c.pink + 0.05*c.rng.NormFloat64()*4.4
		v += f.noiseAmp * c.seatN * (0.7*w + 0.7*c.pink)
		a, b := c.rng.NormFloat64(), c.rng.NormFloat64() // drawn always: the AC does not shift the noise
		c.rumble = 0.98*c.rumble + 0.02*a*7              // variance ≈ 0.5
		if lvl := f.acLevel(float64(t) / wire.SampleRate); lvl > 0 {
			blade := math.Sqrt2 * math.Sin(2*math.Pi*120*float64(t)/wire.SampleRate+c.humPhase)
			v += f.acAmp * lvl * (0.4*math.Sqrt2*c.rumble + 0.8*b + 0.35*blade)
		}
		v *= c.gain
		if f.humAmp > 0 {
			ph := 2*math.Pi*50*float64(t)/wire.SampleRate + c.humPhase
			v += f.humAmp * (math.Sin(ph) + 0.3*math.Sin(3*ph) + 0.1*math.Sin(5*ph))
		}
		if f.elecAmp > 0 {
			v += f.elecAmp * c.rng.NormFloat64()
		}
		out[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
}
