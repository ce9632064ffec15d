// Package scene describes and renders synthetic courtroom hearings for testing and
// benchmarking the seat diarizer: seats with voices, a script of utterances with gaps and
// overlaps, and a room (bleed between every pair of microphones with a delay, per-mic noise,
// mains hum and per-mic gain). Render mixes an N-channel 16 kHz recording and the reference
// segments (the same JSON schema as `courtscribe diarize --json`).
//
// Speech comes from espeak-ng (Mandarin voice cmn-latn-pinyin, English en-us/en-gb) resampled
// by sox, or from a real WAV (e.g. jfk.wav). Rendering is deterministic for a given seed.
package scene

import "bytes"
import "context"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "math"
import "math/rand/v2"
import "os"
import "os/exec"
import "path/filepath"
import "slices"
import "strconv"
import "strings"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

// Scene is a hearing to synthesize (decoded strictly from JSON).
type Scene struct {
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	Seed        uint64     `json:"seed"`
	Seats       []Seat     `json:"seats"`
	Bleed       [2]float64 `json:"bleed_db"` // attenuation range (dB, positive) for every pair
	Pairs       []Pair     `json:"pairs,omitempty"`
	DelayMS     [2]float64 `json:"delay_ms"`            // bleed delay range
	NoiseDBFS   float64    `json:"noise_dbfs"`          // room noise RMS at each mic, before gain
	HumDBFS     float64    `json:"hum_dbfs,omitempty"`  // 50 Hz mains hum (+harmonics) after gain; 0 = none
	ElecDBFS    float64    `json:"elec_dbfs,omitempty"` // electrical noise after gain; 0 = none
	LeadIn      float64    `json:"lead_in"`             // seconds of room tone before the first utterance
	Tail        float64    `json:"tail"`
	Script      []Line     `json:"script"`
	// SplitSilence: a pause at least this long inside an utterance splits its reference
	// segment (default 0.5 s), as a human annotator would.
	SplitSilence float64 `json:"split_silence,omitempty"`

	// Room, when set, replaces the bleed_db/delay_ms/pairs model by acoustics (room.go): every
	// seat needs a position, and the scene may place non-speech sounds, gallery murmur and an
	// air conditioner.
	Room *Room `json:"room,omitempty"`
	// Sources names positions of non-speech sounds and gallery talkers ("door", "gallery1").
	Sources map[string][3]float64 `json:"sources,omitempty"`
	// Murmur: the gallery talkers (switched on and off by "murmur_on"/"murmur_off" lines).
	Murmur *Murmur `json:"murmur,omitempty"`
	// ACDB raises the room noise floor by this much while the air conditioner runs (lines
	// "ac_on"/"ac_off"; default 12 dB).
	ACDB float64 `json:"ac_db,omitempty"`
	// Blocks are named lists of lines that script lines repeat ({"block": "exam", "times": 3});
	// repeated gaps are varied ±30 % so that the repetitions do not line up.
	Blocks map[string][]Line `json:"blocks,omitempty"`
}

// Murmur describes the gallery: Talkers people talking quietly at the Sources positions
// (cycled), each LevelDB relative to a seat's speech at the reference distance (default −6 dB;
// they are metres away, so the microphones hear them much lower and mostly reverberant). Their
// speech is the scene's own utterances played backwards: voiced and speech-like, but no line
// of the record.
type Murmur struct {
	Talkers int      `json:"talkers"`
	LevelDB float64  `json:"level_db,omitempty"`
	Sources []string `json:"sources"`
}

// Seat is one microphone position and the voice of the person sitting there.
type Seat struct {
	Name   string  `json:"name"`
	Voice  string  `json:"voice"`              // espeak-ng voice, e.g. "cmn-latn-pinyin+f2", "en-us+m3"
	Pitch  int     `json:"pitch,omitempty"`    // espeak -p (0..99)
	Speed  int     `json:"speed,omitempty"`    // espeak -s (words per minute)
	Level  float64 `json:"level_db,omitempty"` // speech level relative to -20 dBFS RMS
	GainDB float64 `json:"gain_db,omitempty"`  // microphone preamp gain (hot mic: +9)
	// NoiseDB raises the room noise at this mic only (a projector fan next to the seat).
	NoiseDB float64 `json:"noise_db,omitempty"`
	// Room scenes: Pos is the talker's mouth (metres), Facing the direction the talker faces
	// (degrees in the horizontal plane, 0 = +x, 90 = +y), Mic the microphone position (default
	// MicDist in front of the mouth and 0.15 m lower); the mic is aimed at the mouth.
	Pos     *[3]float64 `json:"pos,omitempty"`
	Facing  float64     `json:"facing,omitempty"`
	Mic     *[3]float64 `json:"mic,omitempty"`
	MicDist float64     `json:"mic_dist,omitempty"` // default 0.4 m
}

// Pair overrides the bleed from one seat into another seat's microphone.
type Pair struct {
	From string  `json:"from"`
	To   string  `json:"to"`
	DB   float64 `json:"db"`
}

// Line is one utterance. Its start is Gap seconds after the previous line ends (negative: it
// overlaps), or, when Offset is set, Offset seconds after the previous line starts.
type Line struct {
	Seat   string   `json:"seat"`
	Text   string   `json:"text,omitempty"`
	WAV    string   `json:"wav,omitempty"` // "testdata:jfk.wav" or a path relative to the scene file
	Gap    float64  `json:"gap,omitempty"`
	Offset *float64 `json:"offset,omitempty"`
	// Interject: the line is placed by Offset into the previous line (an objection shouted
	// into an answer) and the next line follows the previous line, not the interjection.
	Interject bool `json:"interject,omitempty"`

	// Room scenes only. Exactly one of Text, WAV, Sound, Event, Pause, Block per line.
	// Sound is a non-speech sound (SoundKinds) at Source (a seat or a key of Sources).
	Sound  string `json:"sound,omitempty"`
	Source string `json:"source,omitempty"`
	// Event switches the room: "ac_on", "ac_off", "murmur_on", "murmur_off". It takes no
	// time: the next line is placed as if the event were not there.
	Event string `json:"event,omitempty"`
	// Pause is silence in the script (a recess): the next line starts Pause seconds later.
	Pause float64 `json:"pause,omitempty"`
	// Block repeats Scene.Blocks[Block] Times times (default once).
	Block string `json:"block,omitempty"`
	Times int    `json:"times,omitempty"`
	// LevelDB changes this line's level (a soft answer −6, an objection +6).
	LevelDB float64 `json:"level_db,omitempty"`
	// Turn: the talker faces this many degrees away from their usual direction for this line
	// (180: turned to the gallery; their own mic loses 8–10 dB of direct sound).
	Turn float64 `json:"turn,omitempty"`
	// Lean: the talker leans 0.3 m toward this seat's microphone and speaks toward it.
	Lean string `json:"lean,omitempty"`
}

// Load reads a scene file strictly (unknown keys are errors).
func Load(path string) (*Scene, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Parse decodes and validates a scene.
func Parse(b []byte) (*Scene, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Scene
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the scene")
	}
	return &s, s.Validate()
}

// Validate checks names and ranges.
func (s *Scene) Validate() error {
	if s.Name == "" {
		return errors.New("scene has no name")
	}
	idx, err := s.validSeats()
	if err != nil {
		return err
	}
	for _, check := range []func(map[string]bool) error{s.validBleed, s.validRoom, s.validBlocks, s.validScript} {
		if err := check(idx); err != nil {
			return err
		}
	}
	return s.validLevels()
}

// validSeats checks the seat count and names and returns the set of names.
func (s *Scene) validSeats() (map[string]bool, error) {
	if len(s.Seats) == 0 || len(s.Seats) > 16 {
		return nil, fmt.Errorf("scene %s: %d seats (1..16)", s.Name, len(s.Seats))
	}
	idx := map[string]bool{}
	for _, st := range s.Seats {
		if st.Name == "" || idx[st.Name] {
			return nil, fmt.Errorf("scene %s: seat name %q empty or repeated", s.Name, st.Name)
		}
		idx[st.Name] = true
	}
	return idx, nil
}

// validBleed checks the bleed model's ranges and pairs.
func (s *Scene) validBleed(idx map[string]bool) error {
	if s.Bleed[0] < 0 || s.Bleed[1] < s.Bleed[0] {
		return fmt.Errorf("scene %s: bleed_db range %v", s.Name, s.Bleed)
	}
	if s.DelayMS[0] < 0 || s.DelayMS[1] < s.DelayMS[0] || s.DelayMS[1] > 100 {
		return fmt.Errorf("scene %s: delay_ms range %v", s.Name, s.DelayMS)
	}
	for _, p := range s.Pairs {
		if !idx[p.From] || !idx[p.To] || p.From == p.To {
			return fmt.Errorf("scene %s: bad pair %s→%s", s.Name, p.From, p.To)
		}
	}
	return nil
}

// validRoom checks a room scene's room, positions, sources, murmur and air conditioner, and
// that a scene without a room uses none of them.
func (s *Scene) validRoom(idx map[string]bool) error {
	if s.Room == nil {
		if len(s.Sources) > 0 || s.Murmur != nil || s.ACDB != 0 || len(s.Blocks) > 0 {
			return fmt.Errorf("scene %s: sources, murmur, ac_db and blocks need a room", s.Name)
		}
		return nil
	}
	if err := s.Room.validate(); err != nil {
		return fmt.Errorf("scene %s: %w", s.Name, err)
	}
	for _, st := range s.Seats {
		if err := s.validPlace(st); err != nil {
			return err
		}
	}
	for name, p := range s.Sources {
		if idx[name] {
			return fmt.Errorf("scene %s: source %q has a seat's name", s.Name, name)
		}
		if !s.Room.inside(p) {
			return fmt.Errorf("scene %s: source %s is outside the room", s.Name, name)
		}
	}
	if err := s.validMurmur(); err != nil {
		return err
	}
	if s.ACDB < 0 || s.ACDB > 30 {
		return fmt.Errorf("scene %s: ac_db %g (0..30)", s.Name, s.ACDB)
	}
	return nil
}

// validPlace checks a seat's position and microphone in the room.
func (s *Scene) validPlace(st Seat) error {
	if st.Pos == nil {
		return fmt.Errorf("scene %s: seat %s has no pos (a room scene places every seat)", s.Name, st.Name)
	}
	mic := micOf(st)
	if !s.Room.inside(*st.Pos) || !s.Room.inside(mic.Pos) {
		return fmt.Errorf("scene %s: seat %s or its mic is outside the room", s.Name, st.Name)
	}
	if d := dist(*st.Pos, mic.Pos); d < 0.05 || d > 3 {
		return fmt.Errorf("scene %s: seat %s mic %.2f m from the mouth (0.05..3)", s.Name, st.Name, d)
	}
	return nil
}

// validMurmur checks the gallery talkers and their sources.
func (s *Scene) validMurmur() error {
	m := s.Murmur
	if m == nil {
		return nil
	}
	if m.Talkers < 1 || m.Talkers > 32 || len(m.Sources) == 0 {
		return fmt.Errorf("scene %s: murmur needs 1..32 talkers and sources", s.Name)
	}
	for _, src := range m.Sources {
		if _, ok := s.Sources[src]; !ok {
			return fmt.Errorf("scene %s: murmur source %q is not in sources", s.Name, src)
		}
	}
	return nil
}

// validBlocks checks the lines of every block.
func (s *Scene) validBlocks(idx map[string]bool) error {
	for name, bl := range s.Blocks {
		for i, l := range bl {
			if l.Block != "" {
				return fmt.Errorf("scene %s: block %s line %d: blocks do not nest", s.Name, name, i)
			}
			if err := s.validLine(l, idx); err != nil {
				return fmt.Errorf("scene %s: block %s line %d: %w", s.Name, name, i, err)
			}
		}
	}
	return nil
}

// validScript checks the script's lines and its length once blocks are repeated.
func (s *Scene) validScript(idx map[string]bool) error {
	for i, l := range s.Script {
		if err := s.validLine(l, idx); err != nil {
			return fmt.Errorf("scene %s: line %d: %w", s.Name, i, err)
		}
	}
	lines := 0
	for _, l := range s.Script {
		if l.Block != "" {
			lines += max(l.Times, 1) * len(s.Blocks[l.Block])
		} else {
			lines++
		}
		if lines > 20000 {
			return fmt.Errorf("scene %s: more than 20000 lines after repeating blocks", s.Name)
		}
	}
	return nil
}

// validLevels checks the scene's times and levels.
func (s *Scene) validLevels() error {
	if !(s.LeadIn >= 0 && s.LeadIn <= 600 && s.Tail >= 0 && s.Tail <= 600) {
		return fmt.Errorf("scene %s: lead_in and tail 0..600 s", s.Name)
	}
	if s.Murmur != nil && math.Abs(s.Murmur.LevelDB) > 30 {
		return fmt.Errorf("scene %s: murmur level_db within ±30 dB", s.Name)
	}
	for _, st := range s.Seats {
		if math.Abs(st.Level) > 30 || math.Abs(st.GainDB) > 30 || math.Abs(st.NoiseDB) > 40 || st.MicDist < 0 || st.MicDist > 3 {
			return fmt.Errorf("scene %s: seat %s: level_db, gain_db within ±30 dB, noise_db ±40 dB, mic_dist 0..3 m", s.Name, st.Name)
		}
	}
	if s.NoiseDBFS >= 0 {
		return fmt.Errorf("scene %s: noise_dbfs must be negative", s.Name)
	}
	return nil
}

// validLine checks one script or block line.
func (s *Scene) validLine(l Line, idx map[string]bool) error {
	for _, check := range []func(Line, map[string]bool) error{s.validSpeaker, s.validSound, s.validEvent, s.validBlockLine} {
		if err := check(l, idx); err != nil {
			return err
		}
	}
	return validNumbers(l)
}

// validSpeaker checks that a line is one kind of line, who speaks it and how.
func (s *Scene) validSpeaker(l Line, idx map[string]bool) error {
	kinds := 0
	for _, set := range []bool{l.Text != "", l.WAV != "", l.Sound != "", l.Event != "", l.Pause != 0, l.Block != ""} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return errors.New("give exactly one of text, wav, sound, event, pause and block")
	}
	if l.Interject && l.Offset == nil {
		return errors.New("an interjection needs an offset")
	}
	speech := l.Text != "" || l.WAV != ""
	switch {
	case speech && !idx[l.Seat]:
		return fmt.Errorf("unknown seat %q", l.Seat)
	case !speech && l.Seat != "":
		return errors.New("only speech has a seat (a sound has a source)")
	case s.Room == nil && !speech:
		return errors.New("sounds, events, pauses and blocks need a room")
	case s.Room == nil && (l.Turn != 0 || l.Lean != "" || l.LevelDB != 0):
		return errors.New("turn, lean and level_db need a room")
	case l.Lean != "" && (!idx[l.Lean] || l.Lean == l.Seat):
		return fmt.Errorf("lean toward %q: not another seat", l.Lean)
	case math.Abs(l.Turn) > 360 || math.Abs(l.LevelDB) > 30:
		return errors.New("turn within ±360°, level_db within ±30 dB")
	}
	return nil
}

// validSound checks a sound line's kind and source.
func (s *Scene) validSound(l Line, idx map[string]bool) error {
	if l.Sound == "" {
		if l.Source != "" {
			return errors.New("only a sound has a source")
		}
		return nil
	}
	if !validSound(l.Sound) {
		return fmt.Errorf("unknown sound %q (%v)", l.Sound, SoundKinds)
	}
	if _, ok := s.Sources[l.Source]; !ok && !idx[l.Source] {
		return fmt.Errorf("sound source %q is neither a seat nor a source", l.Source)
	}
	return nil
}

// validEvent checks an event line and a pause.
func (s *Scene) validEvent(l Line, _ map[string]bool) error {
	switch l.Event {
	case "", "ac_on", "ac_off", "murmur_on", "murmur_off":
	default:
		return fmt.Errorf("unknown event %q (ac_on, ac_off, murmur_on, murmur_off)", l.Event)
	}
	if (l.Event == "murmur_on" || l.Event == "murmur_off") && s.Murmur == nil {
		return errors.New("murmur events need the scene's murmur")
	}
	if l.Pause < 0 || l.Pause > 7200 || math.IsNaN(l.Pause) {
		return errors.New("pause 0..7200 s")
	}
	return nil
}

// validBlockLine checks a line that repeats a block.
func (s *Scene) validBlockLine(l Line, _ map[string]bool) error {
	if l.Block == "" {
		if l.Times != 0 {
			return errors.New("times belongs to a block line")
		}
		return nil
	}
	if _, ok := s.Blocks[l.Block]; !ok {
		return fmt.Errorf("unknown block %q", l.Block)
	}
	if l.Times < 0 || l.Times > 1000 {
		return fmt.Errorf("times %d (0..1000)", l.Times)
	}
	return nil
}

// validNumbers checks that a line's numbers are finite and its gap and offset in range.
func validNumbers(l Line) error {
	for _, v := range []float64{l.Gap, l.Turn, l.LevelDB, l.Pause} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("a number is not finite")
		}
	}
	if math.Abs(l.Gap) > 600 || (l.Offset != nil && (math.IsNaN(*l.Offset) || math.Abs(*l.Offset) > 600)) {
		return errors.New("gap and offset within ±600 s")
	}
	return nil
}

// flatScript expands blocks. jitter, when not nil, varies the gaps of repeated lines ±30 %.
func (s *Scene) flatScript(jitter *rand.Rand) []Line {
	var out []Line
	for _, l := range s.Script {
		if l.Block == "" {
			out = append(out, l)
			continue
		}
		times := max(l.Times, 1)
		for r := range times {
			for k, b := range s.Blocks[l.Block] {
				if k == 0 {
					b.Gap += l.Gap
				}
				if jitter != nil && r > 0 && b.Gap > 0 {
					b.Gap *= 0.7 + 0.6*jitter.Float64()
				}
				out = append(out, b)
			}
		}
	}
	return out
}

// SeatNames returns the seat names in channel order.
func (s *Scene) SeatNames() []string {
	out := make([]string, len(s.Seats))
	for i, st := range s.Seats {
		out[i] = st.Name
	}
	return out
}

// UsesTestdata reports whether the scene needs files from the shared test data folder.
func (s *Scene) UsesTestdata() bool {
	for _, l := range s.flatScript(nil) {
		if strings.HasPrefix(l.WAV, "testdata:") {
			return true
		}
	}
	return false
}

// Options locate external inputs for Render.
type Options struct {
	Dir      string // folder of the scene file (relative WAV paths)
	Testdata string // the shared test data folder ("" when absent)
	Espeak   string // espeak-ng binary (default "espeak-ng")
	Sox      string // sox binary (default "sox")
}

// ErrNoTestdata is returned when a scene needs the shared test data and it is absent.
var ErrNoTestdata = errors.New("scene needs ../shared/testdata, which is absent")

// Hearing is a rendered scene.
type Hearing struct {
	Seats    []string
	Channels [][]int16
	Truth    []diarize.Turn
	Events   []NonSpeech // room scenes: the non-speech sounds, murmur and AC switching
	Lines    []Spoken    // what was said when (the script's speech lines as placed)
}

// Spoken is one placed speech line: its seat, its words (for a recording, its file reference)
// and its extent in the hearing.
type Spoken struct {
	Seat  string  `json:"seat"`
	Text  string  `json:"text"`
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// Duration in seconds.
func (h *Hearing) Duration() float64 {
	if len(h.Channels) == 0 {
		return 0
	}
	return float64(len(h.Channels[0])) / wire.SampleRate
}

// Render synthesizes every utterance and mixes the room.
func Render(ctx context.Context, s *Scene, opt Options) (*Hearing, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.Room != nil {
		return renderRoom(ctx, s, opt)
	}
	seatIdx := map[string]int{}
	for i, st := range s.Seats {
		seatIdx[st.Name] = i
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x636f75727473))
	utts, lines, cursor, err := s.placeFlat(ctx, opt, seatIdx)
	if err != nil {
		return nil, err
	}
	total := cursor + int(s.Tail*wire.SampleRate)
	if total > 4*3600*wire.SampleRate {
		return nil, fmt.Errorf("scene %s: %.0f s is longer than four hours", s.Name, float64(total)/wire.SampleRate)
	}
	dry, truth := s.drySpeech(utts, total)
	gain, delay := s.bleedModel(rng, seatIdx)
	out := make([][]int16, len(s.Seats))
	for j := range out {
		out[j] = s.flatChannel(j, dry, gain[j], delay[j], rng.Float64()*2*math.Pi)
	}
	return &Hearing{Seats: s.SeatNames(), Channels: out, Truth: truth, Lines: lines}, nil
}

// flatPlaced is an utterance of a scene without a room, placed at a sample.
type flatPlaced struct {
	seat  int
	start int // sample
	utterance
}

// split is the pause that splits a reference segment.
func (s *Scene) split() float64 {
	if s.SplitSilence == 0 {
		return 0.5
	}
	return s.SplitSilence
}

// placeFlat synthesizes and places the script's utterances; it returns them, the spoken
// lines and the end of the last one.
func (s *Scene) placeFlat(ctx context.Context, opt Options, seatIdx map[string]int) ([]flatPlaced, []Spoken, int, error) {
	var utts []flatPlaced
	var lines []Spoken
	cursor := int(s.LeadIn * wire.SampleRate)
	prevStart, prevEnd := cursor, cursor
	split := s.split()
	for i, l := range s.Script {
		st := s.Seats[seatIdx[l.Seat]]
		u, err := s.utterance(ctx, i, l, st, split, opt)
		if err != nil {
			return nil, nil, 0, err
		}
		start := placeAt(l, prevStart, prevEnd)
		utts = append(utts, flatPlaced{seat: seatIdx[l.Seat], start: start, utterance: *u})
		lines = append(lines, Spoken{Seat: l.Seat, Text: l.Text + l.WAV, Start: round3(float64(start) / wire.SampleRate), End: round3(float64(start+len(u.pcm)) / wire.SampleRate)})
		cursor = max(cursor, start+len(u.pcm))
		if !l.Interject {
			prevStart, prevEnd = start, start+len(u.pcm)
		}
	}
	return utts, lines, cursor, nil
}

// utterance synthesizes (or loads) script line i spoken at seat st, normalised to the seat's
// level, gated (a recording) and trimmed to its speech so that gaps are measured between
// speech.
func (s *Scene) utterance(ctx context.Context, i int, l Line, st Seat, split float64, opt Options) (*utterance, error) {
	var pcm []float64
	var err error
	if l.WAV != "" {
		pcm, err = loadWAV(l.WAV, opt)
	} else {
		pcm, err = speak(ctx, st, l.Text, opt)
	}
	if err != nil {
		return nil, fmt.Errorf("scene %s line %d: %w", s.Name, i, err)
	}
	normalise(pcm, -20+st.Level)
	refs := extents(pcm, split, l.WAV != "")
	if l.WAV != "" {
		gate(pcm, refs)
	}
	if len(refs) == 0 {
		return nil, fmt.Errorf("scene %s line %d: synthesized utterance is silent", s.Name, i)
	}
	a, b := refs[0][0], refs[len(refs)-1][1]
	for k := range refs {
		refs[k][0] -= a
		refs[k][1] -= a
	}
	return &utterance{pcm: pcm[a:b:b], refs: refs}, nil
}

// drySpeech mixes each seat's own speech and returns it with the reference turns.
func (s *Scene) drySpeech(utts []flatPlaced, total int) ([][]float64, []diarize.Turn) {
	dry := make([][]float64, len(s.Seats))
	for i := range dry {
		dry[i] = make([]float64, total)
	}
	var truth []diarize.Turn
	for _, u := range utts {
		for k, v := range u.pcm {
			dry[u.seat][u.start+k] += v
		}
		for _, r := range u.refs {
			truth = append(truth, diarize.Turn{Seat: s.Seats[u.seat].Name,
				Start: round3(float64(u.start+r[0]) / wire.SampleRate), End: round3(float64(u.start+r[1]) / wire.SampleRate)})
		}
	}
	return dry, MergeTruth(truth)
}

// bleedModel draws the bleed gains and delays per ordered pair (in a fixed order), then
// applies the scene's overrides: gain[j][i] and delay[j][i] take seat i to mic j.
func (s *Scene) bleedModel(rng *rand.Rand, seatIdx map[string]int) ([][]float64, [][]int) {
	n := len(s.Seats)
	gain := make([][]float64, n)
	delay := make([][]int, n)
	for j := range n {
		gain[j], delay[j] = make([]float64, n), make([]int, n)
		for i := range n {
			if i == j {
				gain[j][i] = 1
				continue
			}
			db := s.Bleed[0] + rng.Float64()*(s.Bleed[1]-s.Bleed[0])
			gain[j][i] = math.Pow(10, -db/20)
			delay[j][i] = int((s.DelayMS[0] + rng.Float64()*(s.DelayMS[1]-s.DelayMS[0])) * wire.SampleRate / 1000)
		}
	}
	for _, p := range s.Pairs {
		gain[seatIdx[p.To]][seatIdx[p.From]] = math.Pow(10, -p.DB/20)
	}
	return gain, delay
}

// flatChannel renders mic j: every seat's speech through the bleed gains and delays, room
// noise, the preamp gain, mains hum (at phase humPhase) and electrical noise.
func (s *Scene) flatChannel(j int, dry [][]float64, gain []float64, delay []int, humPhase float64) []int16 {
	noiseAmp := math.Pow(10, s.NoiseDBFS/20) * 32768
	humAmp := 0.0
	if s.HumDBFS < 0 {
		humAmp = math.Pow(10, s.HumDBFS/20) * 32768 * math.Sqrt2
	}
	elecAmp := 0.0
	if s.ElecDBFS < 0 {
		elecAmp = math.Pow(10, s.ElecDBFS/20) * 32768
	}
	g := math.Pow(10, s.Seats[j].GainDB/20)
	seatNoise := math.Pow(10, s.Seats[j].NoiseDB/20)
	nr := rand.New(rand.NewPCG(s.Seed+uint64(j)*7919, 0x6e6f697365))
	total := len(dry[0])
	ch := make([]int16, total)
	var pink float64
	for t := range total {
		v := 0.0
		for i := range dry {
			if dt := t - delay[i]; dt >= 0 {
				v += gain[i] * dry[i][dt]
			}
		}
		// Room noise: white plus a gently low-passed component (ventilation).
		w := nr.NormFloat64()
		pink = 0.95*pink + 0.05*nr.NormFloat64()*4.4
		v += noiseAmp * seatNoise * (0.7*w + 0.7*pink)
		v *= g
		if humAmp > 0 {
			ph := 2*math.Pi*50*float64(t)/wire.SampleRate + humPhase
			v += humAmp * (math.Sin(ph) + 0.3*math.Sin(3*ph) + 0.1*math.Sin(5*ph))
		}
		if elecAmp > 0 {
			v += elecAmp * nr.NormFloat64()
		}
		ch[t] = int16(max(-32768, min(32767, math.Round(v))))
	}
	return ch
}

// MergeTruth merges touching segments of the same seat, sorts, and sets Overlap on segments
// that intersect another seat's segment.
func MergeTruth(in []diarize.Turn) []diarize.Turn {
	diarize.SortTurns(in)
	var out []diarize.Turn
	last := map[string]int{}
	for _, s := range in {
		if k, ok := last[s.Seat]; ok && s.Start <= out[k].End {
			out[k].End = max(out[k].End, s.End)
			continue
		}
		last[s.Seat] = len(out)
		out = append(out, s)
	}
	for i := range out {
		out[i].Overlap = false
		for j := range out {
			if out[j].Seat != out[i].Seat && out[j].Start < out[i].End && out[i].Start < out[j].End {
				out[i].Overlap = true
			}
		}
	}
	return out
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// normalise scales pcm to the given RMS level (dBFS) measured over its active 10 ms frames.
func normalise(pcm []float64, dbfs float64) {
	var e float64
	var n int
	peak := 0.0
	for t := 0; t+160 <= len(pcm); t += 160 {
		var f float64
		for _, v := range pcm[t : t+160] {
			f += v * v
		}
		peak = max(peak, f)
	}
	for t := 0; t+160 <= len(pcm); t += 160 {
		var f float64
		for _, v := range pcm[t : t+160] {
			f += v * v
		}
		if f > peak*1e-3 {
			e += f
			n += 160
		}
	}
	if n == 0 {
		return
	}
	rms := math.Sqrt(e / float64(n))
	k := math.Pow(10, dbfs/20) * 32768 / rms
	for i := range pcm {
		pcm[i] *= k
	}
}

// extents returns the non-silent extents of pcm (10 ms frames more than 40 dB below the loudest
// frame are silent; for a real recording, recorded=true, also frames less than 12 dB above its
// background, the 10th percentile of frame energies), split at pauses of at least split seconds.
func extents(pcm []float64, split float64, recorded bool) [][2]int {
	const f = 160
	nf := len(pcm) / f
	en := make([]float64, nf)
	peak := 0.0
	for i := range nf {
		for _, v := range pcm[i*f : (i+1)*f] {
			en[i] += v * v
		}
		peak = max(peak, en[i])
	}
	thr := peak * 1e-4
	if recorded && nf > 0 {
		sorted := slices.Clone(en)
		slices.Sort(sorted)
		thr = max(thr, sorted[nf/10]*math.Pow(10, 1.2))
	}
	var out [][2]int
	gapMax := int(split * wire.SampleRate / f)
	for i := 0; i < nf; i++ {
		if en[i] <= thr {
			continue
		}
		a, b := i, i
		for j := i + 1; j < nf && j-b <= gapMax; j++ {
			if en[j] > thr {
				b = j
			}
		}
		out = append(out, [2]int{a * f, (b + 1) * f})
		i = b
	}
	return out
}

// gate attenuates a real recording by 20 dB outside its speech extents (with 20 ms ramps), so
// the recording's own background hiss does not play into the room between phrases.
func gate(pcm []float64, refs [][2]int) {
	const floor, ramp = 0.1, 320
	g := make([]float64, len(pcm))
	for i := range g {
		g[i] = floor
	}
	for _, r := range refs {
		for i := max(r[0]-ramp, 0); i < min(r[1]+ramp, len(pcm)); i++ {
			w := 1.0
			if i < r[0] {
				w = 1 - float64(r[0]-i)/ramp
			} else if i >= r[1] {
				w = 1 - float64(i-r[1]+1)/ramp
			}
			g[i] = max(g[i], floor+(1-floor)*w)
		}
	}
	for i := range pcm {
		pcm[i] *= g[i]
	}
}

func loadWAV(ref string, opt Options) ([]float64, error) {
	var path string
	if rest, ok := strings.CutPrefix(ref, "testdata:"); ok {
		if opt.Testdata == "" {
			return nil, ErrNoTestdata
		}
		path = filepath.Join(opt.Testdata, rest)
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("%w (%s)", ErrNoTestdata, rest)
		}
	} else {
		path = filepath.Join(opt.Dir, ref)
	}
	a, err := wavfile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if a.SampleRate != wire.SampleRate || len(a.Channels) != 1 {
		return nil, fmt.Errorf("%s: need 16 kHz mono, have %d Hz × %d", path, a.SampleRate, len(a.Channels))
	}
	out := make([]float64, len(a.Channels[0]))
	for i, v := range a.Channels[0] {
		out[i] = float64(v)
	}
	return out, nil
}

// speak synthesizes text with espeak-ng and converts it to 16 kHz mono with sox.
func speak(ctx context.Context, st Seat, text string, opt Options) ([]float64, error) {
	espeak, sox := opt.Espeak, opt.Sox
	if espeak == "" {
		espeak = "espeak-ng"
	}
	if sox == "" {
		sox = "sox"
	}
	args := []string{"-v", st.Voice, "--stdout"}
	if st.Pitch > 0 {
		args = append(args, "-p", fmt.Sprint(st.Pitch))
	}
	if st.Speed > 0 {
		args = append(args, "-s", fmt.Sprint(st.Speed))
	}
	args = append(args, "--", text)
	e := exec.CommandContext(ctx, espeak, args...)
	x := exec.CommandContext(ctx, sox, "-q", "-D", "-t", "wav", "-", "-t", "raw", "-r", strconv.Itoa(wire.SampleRate), "-c", "1", "-b", "16", "-e", "signed-integer", "-L", "-")
	var errb, soxErr bytes.Buffer
	pipe, err := e.StdoutPipe()
	if err != nil {
		return nil, err
	}
	e.Stderr = &errb
	x.Stdin = pipe
	x.Stderr = &soxErr
	var raw bytes.Buffer
	x.Stdout = &raw
	if err := x.Start(); err != nil {
		return nil, fmt.Errorf("sox: %w", err)
	}
	if err := e.Run(); err != nil {
		_ = x.Wait()
		return nil, fmt.Errorf("espeak-ng %s: %w: %s", st.Voice, err, strings.TrimSpace(errb.String()))
	}
	if err := x.Wait(); err != nil {
		return nil, fmt.Errorf("sox: %w: %s", err, strings.TrimSpace(soxErr.String()))
	}
	b := raw.Bytes()
	out := make([]float64, len(b)/2)
	for i := range out {
		out[i] = float64(int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("espeak-ng %s produced no audio", st.Voice)
	}
	return out, nil
}

// FindTestdata walks up from dir to the folder holding go.mod and returns
// <that folder>/../shared/testdata, or "" when it does not exist.
func FindTestdata(dir string) string {
	d, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			td := filepath.Join(d, "..", "shared", "testdata")
			if st, err := os.Stat(td); err == nil && st.IsDir() {
				return td
			}
			return ""
		}
		p := filepath.Dir(d)
		if p == d {
			return ""
		}
		d = p
	}
}
