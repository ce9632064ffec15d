// Package scene describes and renders synthetic courtroom hearings for testing and
// benchmarking the seat diarizer: seats with voices, a script of utterances with gaps and
// overlaps, and a room (bleed between every pair of microphones with a delay, per-mic noise,
// mains hum and per-mic gain). Render mixes an N-channel 16 kHz recording and the reference
// segments (the same JSON schema as `courtscribe diarize --json`).
//
// Speech comes from espeak-ng (Mandarin voice cmn-latn-pinyin, English en-us/en-gb) resampled
// by sox, or from a real WAV (e.g. jfk.wav). Rendering is deterministic for a given seed.
package scene

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/courtscribe/courtscribe/asr/diarize"
	"github.com/courtscribe/courtscribe/capture/wavfile"
)

// Rate is the sample rate of rendered hearings.
const Rate = 16000

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
	if len(s.Seats) == 0 || len(s.Seats) > 16 {
		return fmt.Errorf("scene %s: %d seats (1..16)", s.Name, len(s.Seats))
	}
	idx := map[string]bool{}
	for _, st := range s.Seats {
		if st.Name == "" || idx[st.Name] {
			return fmt.Errorf("scene %s: seat name %q empty or repeated", s.Name, st.Name)
		}
		idx[st.Name] = true
	}
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
	for i, l := range s.Script {
		if !idx[l.Seat] {
			return fmt.Errorf("scene %s: line %d: unknown seat %q", s.Name, i, l.Seat)
		}
		if l.Interject && l.Offset == nil {
			return fmt.Errorf("scene %s: line %d: an interjection needs an offset", s.Name, i)
		}
		if (l.Text == "") == (l.WAV == "") {
			return fmt.Errorf("scene %s: line %d: give exactly one of text and wav", s.Name, i)
		}
	}
	if s.NoiseDBFS >= 0 {
		return fmt.Errorf("scene %s: noise_dbfs must be negative", s.Name)
	}
	return nil
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
	for _, l := range s.Script {
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
	Truth    []diarize.Segment
}

// Duration in seconds.
func (h *Hearing) Duration() float64 {
	if len(h.Channels) == 0 {
		return 0
	}
	return float64(len(h.Channels[0])) / Rate
}

// Render synthesizes every utterance and mixes the room.
func Render(ctx context.Context, s *Scene, opt Options) (*Hearing, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	n := len(s.Seats)
	seatIdx := map[string]int{}
	for i, st := range s.Seats {
		seatIdx[st.Name] = i
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x636f75727473))

	// Utterances and their placement.
	type placed struct {
		seat  int
		start int // sample
		pcm   []float64
		refs  [][2]int // non-silent extents, relative to start
	}
	var utts []placed
	cursor := int(s.LeadIn * Rate)
	prevStart, prevEnd := cursor, cursor
	split := s.SplitSilence
	if split == 0 {
		split = 0.5
	}
	for i, l := range s.Script {
		st := s.Seats[seatIdx[l.Seat]]
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
		// Trim leading/trailing silence so gaps are measured between speech.
		a, b := refs[0][0], refs[len(refs)-1][1]
		pcm = pcm[a:b]
		for k := range refs {
			refs[k][0] -= a
			refs[k][1] -= a
		}
		var start int
		if l.Offset != nil {
			start = prevStart + int(*l.Offset*Rate)
		} else {
			start = prevEnd + int(l.Gap*Rate)
		}
		start = max(start, 0)
		utts = append(utts, placed{seat: seatIdx[l.Seat], start: start, pcm: pcm, refs: refs})
		cursor = max(cursor, start+len(pcm))
		if !l.Interject {
			prevStart, prevEnd = start, start+len(pcm)
		}
	}
	total := cursor + int(s.Tail*Rate)

	// Dry speech per seat.
	dry := make([][]float64, n)
	for i := range dry {
		dry[i] = make([]float64, total)
	}
	var truth []diarize.Segment
	for _, u := range utts {
		for k, v := range u.pcm {
			dry[u.seat][u.start+k] += v
		}
		for _, r := range u.refs {
			truth = append(truth, diarize.Segment{Seat: s.Seats[u.seat].Name,
				Start: round3(float64(u.start+r[0]) / Rate), End: round3(float64(u.start+r[1]) / Rate)})
		}
	}
	truth = MergeTruth(truth)

	// Room: bleed gains and delays per ordered pair (drawn in a fixed order), then overrides.
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
			delay[j][i] = int((s.DelayMS[0] + rng.Float64()*(s.DelayMS[1]-s.DelayMS[0])) * Rate / 1000)
		}
	}
	for _, p := range s.Pairs {
		gain[seatIdx[p.To]][seatIdx[p.From]] = math.Pow(10, -p.DB/20)
	}
	noiseAmp := math.Pow(10, s.NoiseDBFS/20) * 32768
	humAmp := 0.0
	if s.HumDBFS < 0 {
		humAmp = math.Pow(10, s.HumDBFS/20) * 32768 * math.Sqrt2
	}
	elecAmp := 0.0
	if s.ElecDBFS < 0 {
		elecAmp = math.Pow(10, s.ElecDBFS/20) * 32768
	}
	out := make([][]int16, n)
	for j := range n {
		g := math.Pow(10, s.Seats[j].GainDB/20)
		seatNoise := math.Pow(10, s.Seats[j].NoiseDB/20)
		nr := rand.New(rand.NewPCG(s.Seed+uint64(j)*7919, 0x6e6f697365))
		humPhase := rng.Float64() * 2 * math.Pi
		ch := make([]int16, total)
		var pink float64
		for t := range total {
			v := 0.0
			for i := range n {
				if dt := t - delay[j][i]; dt >= 0 {
					v += gain[j][i] * dry[i][dt]
				}
			}
			// Room noise: white plus a gently low-passed component (ventilation).
			w := nr.NormFloat64()
			pink = 0.95*pink + 0.05*nr.NormFloat64()*4.4
			v += noiseAmp * seatNoise * (0.7*w + 0.7*pink)
			v *= g
			if humAmp > 0 {
				ph := 2*math.Pi*50*float64(t)/Rate + humPhase
				v += humAmp * (math.Sin(ph) + 0.3*math.Sin(3*ph) + 0.1*math.Sin(5*ph))
			}
			if elecAmp > 0 {
				v += elecAmp * nr.NormFloat64()
			}
			ch[t] = int16(max(-32768, min(32767, math.Round(v))))
		}
		out[j] = ch
	}
	return &Hearing{Seats: s.SeatNames(), Channels: out, Truth: truth}, nil
}

// MergeTruth merges touching segments of the same seat, sorts, and sets Overlap on segments
// that intersect another seat's segment.
func MergeTruth(in []diarize.Segment) []diarize.Segment {
	diarize.SortSegments(in)
	var out []diarize.Segment
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
	gapMax := int(split * Rate / f)
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
	if a.SampleRate != Rate || len(a.Channels) != 1 {
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
	x := exec.CommandContext(ctx, sox, "-q", "-D", "-t", "wav", "-", "-t", "raw", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-L", "-")
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
