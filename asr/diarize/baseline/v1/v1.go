// Package v1 is a frozen copy of courtscribe's seat diarizer as it was before issue 10 (commit
// a9a78f7, asr/diarize/diarize.go and fft.go), kept as the "previous diarizer" baseline that
// make bench-diarize runs beside the current one. Do not change its behaviour: it exists to be
// compared with. The original package comment follows.
//
// Package diarize attributes courtroom speech to seats ("diarization by seat").
//
// Every seat has its own microphone, but a loud voice reaches every microphone in the room.
// The Diarizer consumes the N seat channels (16 kHz, 16-bit) frame by frame (10 ms hops,
// 16 ms Hann windows) and reports, per seat, when that seat's own speaker talks, keeping real
// double talk as overlapping segments on both seats.
//
// The method follows the multichannel crosstalk literature (Pfau, Ellis and Stolcke 2001,
// "Multispeaker speech activity detection for the ICSI meeting recorder": per-channel energy
// normalisation against each channel's own floor; Wrigley, Brown, Wan and Renals 2005, "Speech
// and crosstalk detection in multichannel audio": local speech vs crosstalk vs both) and adds an
// explicit, online-learned bleed model:
//
//  1. Per channel: speech-band (190–4000 Hz) power from an FFT, a noise floor by minimum
//     statistics (Martin 2001) over ~3.2 s, and the excess over the floor in units of the floor
//     (z, "calibrated level"; a mic with +9 dB of gain has its noise raised by the same 9 dB,
//     so z cancels the gain). Spectral flatness marks voiced frames.
//  2. Bleed: A[j][i], the level on mic j when only seat i talks, relative to mic i (in z units).
//     It is learned while the hearing runs from frames where one channel clearly dominates, by
//     tracking a low quantile of z_j/z_i (double talk only pushes the ratio up, so a low quantile
//     is robust to it). Where calibrated and raw levels disagree on the loudest channel (a hot
//     mic, or a mic with extra noise), the time lead of the talker's own microphone (GCC-PHAT,
//     Knapp and Carter 1976) decides who is talking in a teaching frame.
//  3. Attribution: the own-speech level of every seat is found by nonnegative least squares on
//     z = A·p. A seat is speaking when its level exceeds the bleed that the other seats' own
//     levels predict by a margin and the noise floor by a threshold; several seats may speak at
//     once (overlap).
//  4. Turns: a start needs a short run of confirming frames (some of them voiced), an end needs
//     a hangover of silence; starts are back-dated to the first frame of the run, ends to the
//     last speaking frame, so the reported times do not carry the decision delays.
//
// Everything is causal with a bounded delay, so the same code serves a file (Offline) and the
// live server (New, Push, Flush) and gives identical segments for any split of the input.
package v1

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
)

// SampleRate is the only rate the diarizer accepts (the system's internal audio format).
const SampleRate = 16000

const (
	hop     = 160 // 10 ms
	winLen  = 256 // 16 ms analysis window
	nBins   = winLen/2 + 1
	binLo   = 3  // 187.5 Hz
	binHi   = 64 // 4000 Hz
	framesS = SampleRate / hop
)

// Config tunes the diarizer. DefaultConfig gives the values the benchmark was run with.
type Config struct {
	// OnThresholdDB: own speech must exceed the noise floor by this much to start a turn.
	OnThresholdDB float64 `json:"on_threshold_db"`
	// OffThresholdDB: a turn continues while own speech exceeds the floor by this much.
	OffThresholdDB float64 `json:"off_threshold_db"`
	// BleedMarginDB: a channel is own speech only when its level exceeds the bleed that the
	// other seats predict by this margin.
	BleedMarginDB float64 `json:"bleed_margin_db"`
	// BleedPriorDB is the coupling assumed before it is learned (high on purpose: an unlearned
	// room misses a little double talk rather than inventing speech from bleed).
	BleedPriorDB float64 `json:"bleed_prior_db"`
	// BleedQuantile is the quantile of the observed level ratio tracked as the coupling.
	BleedQuantile float64 `json:"bleed_quantile"`
	// LearnMinDB: a frame teaches the bleed model only when its dominant channel is this far
	// above its floor.
	LearnMinDB float64 `json:"learn_min_db"`
	// ConfirmSec: speech must hold this long before a start is reported (minimum turn length).
	ConfirmSec float64 `json:"confirm_sec"`
	// MinVoicedFrames of the confirming frames must be voiced (spectral flatness below
	// MaxFlatness): noise bursts (paper, doors) do not start turns.
	MinVoicedFrames int     `json:"min_voiced_frames"`
	MaxFlatness     float64 `json:"max_flatness"`
	// HangoverSec: silence this long ends a turn; shorter pauses are bridged.
	HangoverSec float64 `json:"hangover_sec"`
}

// DefaultConfig returns the tuned defaults (see docs/diarize.md).
func DefaultConfig() Config {
	return Config{
		OnThresholdDB:   8,
		OffThresholdDB:  4,
		BleedMarginDB:   3,
		BleedPriorDB:    -3,
		BleedQuantile:   0.4,
		LearnMinDB:      20,
		ConfirmSec:      0.08,
		MinVoicedFrames: 2,
		MaxFlatness:     0.4,
		HangoverSec:     0.4,
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch {
	case c.OnThresholdDB < c.OffThresholdDB:
		return errors.New("diarize: on_threshold_db must be at least off_threshold_db")
	case c.OffThresholdDB < 0 || c.OnThresholdDB > 60:
		return errors.New("diarize: thresholds must lie in 0..60 dB")
	case c.BleedMarginDB < 0 || c.BleedMarginDB > 30:
		return errors.New("diarize: bleed_margin_db must lie in 0..30")
	case c.BleedPriorDB < -60 || c.BleedPriorDB > 10:
		return errors.New("diarize: bleed_prior_db must lie in -60..10")
	case !(c.BleedQuantile > 0 && c.BleedQuantile < 1):
		return errors.New("diarize: bleed_quantile must lie in (0,1)")
	case c.ConfirmSec < 0.01 || c.ConfirmSec > 0.25:
		return errors.New("diarize: confirm_sec must lie in 0.01..0.25 (start latency)")
	case c.HangoverSec < 0.01 || c.HangoverSec > 5:
		return errors.New("diarize: hangover_sec must lie in 0.01..5")
	case c.MinVoicedFrames < 0 || float64(c.MinVoicedFrames) > c.ConfirmSec*framesS:
		return errors.New("diarize: min_voiced_frames must lie in 0..confirm frames")
	case !(c.MaxFlatness > 0 && c.MaxFlatness <= 1):
		return errors.New("diarize: max_flatness must lie in (0,1]")
	}
	return nil
}

// Kind says what an Event reports.
type Kind int

const (
	// Start: a seat began speaking at Event.Start (reported ConfirmSec after, plus a frame).
	Start Kind = iota + 1
	// End: the seat's turn [Start, End] is final (reported HangoverSec after End).
	End
	// Update: the open turn that began at Start now overlaps another seat's turn.
	Update
)

func (k Kind) String() string {
	switch k {
	case Start:
		return "start"
	case End:
		return "end"
	case Update:
		return "update"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Event is one streaming result. Times are seconds of hearing time (sample index / 16000).
type Event struct {
	Kind    Kind
	Seat    string
	SeatIdx int
	Start   float64
	End     float64 // End events only
	// Overlap: another seat's speech intersects this turn (as far as known when reported).
	Overlap bool
	// Decided is the hearing time at which the event was decided (its latency is Decided-Start
	// for a Start, Decided-End for an End).
	Decided float64
}

// Segment is one seat's turn; the JSON form is the `courtscribe diarize --json` contract.
type Segment struct {
	Seat    string  `json:"seat"`
	Start   float64 `json:"start"`
	End     float64 `json:"end"`
	Overlap bool    `json:"overlap"`
}

// Segment returns the segment of an End event.
func (e Event) Segment() Segment {
	return Segment{Seat: e.Seat, Start: e.Start, End: e.End, Overlap: e.Overlap}
}

// SortSegments orders segments by start, then end, then seat name.
func SortSegments(s []Segment) {
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Start != s[j].Start {
			return s[i].Start < s[j].Start
		}
		if s[i].End != s[j].End {
			return s[i].End < s[j].End
		}
		return s[i].Seat < s[j].Seat
	})
}

// Diarizer is the streaming seat diarizer. It is not safe for concurrent use: one goroutine
// (the hearing's ingest loop) owns it.
type Diarizer struct {
	cfg   Config
	log   *slog.Logger
	seats []string
	n     int

	// derived constants
	onLin, offLin, margin, learnMin float64
	confirm, hang                   int
	riseSlow, riseFast              float64

	fft                *fft
	gfft               *fft // GCC-PHAT transform
	gre, gim, cre, cim [gccLen]float64
	gwin               [histLen]float64 // Hann window of the time-lead check
	window             [winLen]float64
	re, im             [winLen]float64

	anyActive bool  // some seat was in a turn at the previous frame
	fill      int   // samples of the current hop received so far
	origin    int64 // hearing sample index of the first pushed sample (Resume)
	zeros     [][]int16
	frame     int64 // index of the next frame
	closed    bool

	ch     []channel
	bleed  [][]float64 // linear coupling A[j][i]
	bleedD [][]float64 // the same in dB
	learnN [][]int
	z, p   []float64
	zs, q  []float64
	r      []float64 // attribution residual
	bl     []float64 // predicted bleed on each channel
	pNew   []float64
	score  []float64
	events []Event

	trace func(t int64, z, score []float64) // tests only
}

type channel struct {
	win  [winLen]float64  // [0:winLen-hop] history, [winLen-hop:] current hop
	hist [histLen]float64 // the last 32 ms, for the time-lead check
	pow  [nBins]float64

	smooth     float64 // band power averaged over the last three frames
	b1, b2, b3 float64 // band power of the three previous frames
	// minimum statistics
	blockMin   float64
	blockN     int
	mins       [8]float64
	minsN      int
	minsI      int
	floor      float64
	floorSet   bool
	floorSince int64

	flat float64
	q1   float64 // own level as a bleed source at the previous frame
	// level and predicted bleed over the last evidenceFrames frames (sliding sums)
	zHist, bHist [evidenceFrames]float64
	zSum, bSum   float64

	// turn state
	active             bool
	announced          bool // the Start of the current turn was emitted
	resume             int
	runStart, runLen   int64
	runVoiced, runMiss int
	segStart, lastOn   int64
	overlap            bool
	endStart, endLast  int64 // the last finished segment (on-frame indices)
	hasEnded           bool
}

// New makes a streaming diarizer for the given seats (channel i of every Push is seats[i]).
// log may be nil.
func New(cfg Config, seats []string, log *slog.Logger) (*Diarizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(seats) == 0 {
		return nil, errors.New("diarize: no seats")
	}
	if len(seats) > 64 {
		return nil, fmt.Errorf("diarize: %d seats (at most 64)", len(seats))
	}
	seen := map[string]bool{}
	for _, s := range seats {
		if s == "" {
			return nil, errors.New("diarize: empty seat name")
		}
		if seen[s] {
			return nil, fmt.Errorf("diarize: seat %q named twice", s)
		}
		seen[s] = true
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := len(seats)
	d := &Diarizer{
		cfg: cfg, log: log, seats: append([]string(nil), seats...), n: n,
		onLin:    math.Pow(10, cfg.OnThresholdDB/10) - 1,
		offLin:   math.Pow(10, cfg.OffThresholdDB/10) - 1,
		margin:   math.Pow(10, cfg.BleedMarginDB/10),
		learnMin: math.Pow(10, cfg.LearnMinDB/10),
		confirm:  max(1, int(math.Round(cfg.ConfirmSec*framesS))),
		hang:     max(1, int(math.Round(cfg.HangoverSec*framesS))),
		riseSlow: math.Pow(10, floorRiseSlow),
		riseFast: math.Pow(10, floorRiseFast),
		fft:      newFFT(winLen),
		gfft:     newFFT(gccLen),
		ch:       make([]channel, n),
		z:        make([]float64, n), p: make([]float64, n), pNew: make([]float64, n),
		zs: make([]float64, n), q: make([]float64, n), bl: make([]float64, n), r: make([]float64, n),
		score: make([]float64, n),
	}
	for i := range d.gwin {
		d.gwin[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/histLen)
	}
	var sumW2 float64
	for i := range d.window {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/winLen)
		d.window[i] = w
		sumW2 += w * w
	}
	// Scale so that band power ≈ variance per sample × number of bins for white noise.
	for i := range d.window {
		d.window[i] /= math.Sqrt(sumW2)
	}
	d.bleed, d.bleedD, d.learnN = make([][]float64, n), make([][]float64, n), make([][]int, n)
	prior := math.Pow(10, cfg.BleedPriorDB/10)
	for j := range n {
		d.bleed[j], d.bleedD[j], d.learnN[j] = make([]float64, n), make([]float64, n), make([]int, n)
		for i := range n {
			if i != j {
				d.bleed[j][i], d.bleedD[j][i] = prior, cfg.BleedPriorDB
			}
		}
	}
	for c := range d.ch {
		d.ch[c].blockMin = math.Inf(1)
		d.ch[c].lastOn = -1
	}
	return d, nil
}

// Seats returns the seat names in channel order.
func (d *Diarizer) Seats() []string { return append([]string(nil), d.seats...) }

// Now is the hearing time (seconds) of the samples consumed so far.
func (d *Diarizer) Now() float64 {
	return float64(d.frame*hop+int64(d.fill)+d.origin) / SampleRate
}

// Resume sets the hearing sample index of the first sample that will be pushed (a hearing
// reopened after a restart continues at the sample index the archive has reached); all event
// times are then hearing times. Call it before the first Push.
func (d *Diarizer) Resume(first int64) error {
	if d.frame != 0 || d.fill != 0 || d.closed {
		return errors.New("diarize: Resume after audio was pushed")
	}
	if first < 0 {
		return fmt.Errorf("diarize: negative first sample %d", first)
	}
	d.origin = first
	return nil
}

// Gap consumes n samples of silence on every seat: a capture gap, which the archive stores as
// zeros, so that the stream stays aligned with the archive (and with Offline over it). Digital
// silence is ignored by the noise floor; open turns end after the hangover as usual.
func (d *Diarizer) Gap(n int64) ([]Event, error) {
	if d.closed {
		return nil, errors.New("diarize: Gap after Flush")
	}
	if n < 0 {
		return nil, fmt.Errorf("diarize: negative gap %d", n)
	}
	if d.zeros == nil {
		d.zeros = make([][]int16, d.n)
		z := make([]int16, SampleRate)
		for i := range d.zeros {
			d.zeros[i] = z
		}
	}
	d.events = d.events[:0]
	for n > 0 {
		k := min(n, SampleRate)
		for i := range d.zeros {
			d.zeros[i] = d.zeros[i][:k]
		}
		d.push(d.zeros)
		n -= k
	}
	return d.events, nil
}

// BleedDB returns the learned coupling matrix in dB: BleedDB()[j][i] is the level on seat j's
// microphone when only seat i speaks, relative to seat i's microphone (diagonal 0).
func (d *Diarizer) BleedDB() [][]float64 {
	out := make([][]float64, d.n)
	for j := range out {
		out[j] = append([]float64(nil), d.bleedD[j]...)
	}
	return out
}

// Push consumes the next samples of every seat: pcm[i] belongs to seat i, all slices have the
// same (any) length. It returns the events decided by these samples; the returned slice is
// reused by the next call.
func (d *Diarizer) Push(pcm [][]int16) ([]Event, error) {
	if d.closed {
		return nil, errors.New("diarize: Push after Flush")
	}
	if len(pcm) != d.n {
		return nil, fmt.Errorf("diarize: %d channels pushed for %d seats", len(pcm), d.n)
	}
	m := len(pcm[0])
	for i := range pcm {
		if len(pcm[i]) != m {
			return nil, fmt.Errorf("diarize: channel %d has %d samples, channel 0 has %d", i, len(pcm[i]), m)
		}
	}
	d.events = d.events[:0]
	d.push(pcm)
	return d.events, nil
}

// push consumes equally long channels, appending decided events to d.events.
func (d *Diarizer) push(pcm [][]int16) {
	m := len(pcm[0])
	pos := 0
	for pos < m {
		k := min(hop-d.fill, m-pos)
		base := winLen - hop + d.fill
		for c := range d.ch {
			w := d.ch[c].win[base : base+k]
			for i, s := range pcm[c][pos : pos+k] {
				w[i] = float64(s)
			}
		}
		d.fill += k
		pos += k
		if d.fill == hop {
			d.step()
		}
	}
}

// Flush ends the stream: a partial last frame is analysed (zero padded) and every open turn is
// closed. The Diarizer cannot be used afterwards.
func (d *Diarizer) Flush() []Event {
	if d.closed {
		return nil
	}
	d.events = d.events[:0]
	if d.fill > 0 {
		for c := range d.ch {
			clear(d.ch[c].win[winLen-hop+d.fill:])
		}
		d.step()
	}
	for c := range d.ch {
		if d.ch[c].active {
			d.end(c)
		}
	}
	d.closed = true
	return d.events
}

// Offline diarizes a whole recording (pcm[i] is seat i): Push everything, then Flush. It
// returns the turns sorted by start.
func Offline(cfg Config, seats []string, pcm [][]int16, log *slog.Logger) ([]Segment, error) {
	d, err := New(cfg, seats, log)
	if err != nil {
		return nil, err
	}
	evs, err := d.Push(pcm)
	if err != nil {
		return nil, err
	}
	var segs []Segment
	collect := func(evs []Event) {
		for _, e := range evs {
			if e.Kind == End {
				segs = append(segs, e.Segment())
			}
		}
	}
	collect(evs)
	collect(d.Flush())
	SortSegments(segs)
	return segs, nil
}

// step analyses one complete hop on every channel and advances the turn state.
func (d *Diarizer) step() {
	t := d.frame
	for c := range d.ch {
		h := &d.ch[c].hist
		copy(h[:histLen-hop], h[hop:])
		copy(h[histLen-hop:], d.ch[c].win[winLen-hop:])
	}
	for c := 0; c < d.n; c += 2 {
		d.analysePair(c, min(c+1, d.n-1))
	}
	for c := range d.ch {
		ch := &d.ch[c]
		var band float64
		for k := binLo; k <= binHi; k++ {
			band += ch.pow[k]
		}
		band += digitalSilence // quantisation-level floor, keeps digital silence finite
		if t <= 1 {            // frame 0's window is partly the zero history before the stream
			ch.b1, ch.b2, ch.b3 = band, band, band
		}
		// A 30 ms boxcar evens out the aliasing of short bursts against the 10 ms hop and,
		// unlike a recursive average, leaves no long tail after a turn ends. As a source of
		// bleed a channel is measured over one more frame (40 ms), so that it covers everything
		// a neighbour's 30 ms can have received from it up to 10 ms later.
		src := (band + ch.b1 + ch.b2 + ch.b3) / 3
		ch.smooth = (band + ch.b1 + ch.b2) / 3
		ch.b3, ch.b2, ch.b1 = ch.b2, ch.b1, band
		ch.flat = flatness(ch.pow[binLo : binHi+1])
		d.updateFloor(ch, t, band)
		d.z[c], d.zs[c] = 0, 0
		if ch.floorSet {
			d.z[c] = max(ch.smooth-ch.floor, 0) / ch.floor
			d.zs[c] = max(src-ch.floor, 0) / ch.floor
		}
	}
	d.learn()
	d.attribute()
	for c := range d.ch {
		ch := &d.ch[c]
		k := int(t % evidenceFrames)
		ch.zSum += d.z[c] - ch.zHist[k]
		ch.bSum += d.bl[c] - ch.bHist[k]
		ch.zHist[k], ch.bHist[k] = d.z[c], d.bl[c]
	}
	if d.trace != nil {
		d.trace(t, d.z, d.score)
	}
	d.anyActive = false
	for c := range d.ch {
		d.turn(c, t)
		d.anyActive = d.anyActive || d.ch[c].active
	}
	for c := range d.ch {
		copy(d.ch[c].win[:winLen-hop], d.ch[c].win[hop:])
	}
	d.fill = 0
	d.frame++
}

// analysePair transforms two channels with one complex FFT (a in the real part, b in the
// imaginary part) and separates their power spectra.
func (d *Diarizer) analysePair(a, b int) {
	wa, wb := &d.ch[a].win, &d.ch[b].win
	for i := range winLen {
		d.re[i] = wa[i] * d.window[i]
		d.im[i] = wb[i] * d.window[i]
	}
	d.fft.transform(d.re[:], d.im[:])
	pa, pb := &d.ch[a].pow, &d.ch[b].pow
	for k := range nBins {
		nk := (winLen - k) & (winLen - 1)
		zr, zi, nr, ni := d.re[k], d.im[k], d.re[nk], d.im[nk]
		sr, si := zr+nr, zi-ni
		dr, di := zr-nr, zi+ni
		pa[k] = (sr*sr + si*si) / 4
		if b != a {
			pb[k] = (dr*dr + di*di) / 4
		}
	}
}

// Noise floor: minimum statistics (Martin 2001) — the minimum of the smoothed band power over
// 8 blocks of 40 frames (3.2 s), with a bias correction for taking the minimum of a fluctuating
// estimate. The floor follows a lower minimum at once, but rises towards a higher one slowly
// while anyone speaks or the channel carries voiced sound (long answers have few pauses, and the
// minimum over a few seconds of continuous speech is speech), and quickly while the room is
// quiet and the channel carries noise-like sound (a fan switched on).
const (
	digitalSilence = 0.1 * (binHi - binLo + 1) // band power of ±0.3 LSB of white noise
	floorBlock     = 40
	floorCalibrate = framesS            // frames of signal during which the floor follows up and down
	floorBias      = 1.6                // ≈ +2 dB
	floorRiseSlow  = 0.2 / 10 / framesS // 0.2 dB/s, as a power ratio exponent (log10 units)
	floorRiseFast  = 3.0 / 10 / framesS // 3 dB/s
)

func (d *Diarizer) updateFloor(ch *channel, t int64, band float64) {
	if band < 30*digitalSilence { // below ~1.5 LSB RMS in the band
		// Digital silence (a file that starts with zeros, a muted input) says nothing about
		// the room: keep the floor, or wait for real signal to set it.
		if !ch.floorSet {
			ch.floor = digitalSilence * floorBias
		}
		return
	}
	if t == 0 || !ch.floorSet {
		ch.floor, ch.floorSet, ch.floorSince = band*floorBias, true, t
		ch.smooth, ch.b1, ch.b2, ch.b3 = band, band, band, band
		ch.blockMin = math.Inf(1)
		return
	}
	ch.blockMin = min(ch.blockMin, ch.smooth)
	ch.blockN++
	cur := ch.blockMin
	for i := range ch.minsN {
		cur = min(cur, ch.mins[i])
	}
	target := cur * floorBias
	switch {
	case target <= ch.floor || t-ch.floorSince < floorCalibrate:
		// Below the floor, or in the first second of signal (calibration), follow at once.
		ch.floor = target
	case ch.flat >= d.cfg.MaxFlatness && !d.anyActive:
		ch.floor = min(target, ch.floor*d.riseFast)
	default:
		ch.floor = min(target, ch.floor*d.riseSlow)
	}
	if ch.blockN == floorBlock {
		ch.mins[ch.minsI] = ch.blockMin
		ch.minsI = (ch.minsI + 1) % len(ch.mins)
		ch.minsN = min(ch.minsN+1, len(ch.mins))
		ch.blockMin, ch.blockN = math.Inf(1), 0
	}
}

// learnDominance: a teaching frame's dominant channel must exceed every other by 2 dB, so a
// frame in which a neighbour's mic happens to read as loud as the talker's does not teach.
const learnDominance = 0.63

// learn updates the bleed model from a frame in which one channel clearly dominates.
func (d *Diarizer) learn() {
	if d.n < 2 {
		return
	}
	dom, second, loud := 0, 0.0, 0
	for c := 1; c < d.n; c++ {
		if d.z[c] > d.z[dom] {
			dom, second = c, d.z[dom]
		} else {
			second = max(second, d.z[c])
		}
		if d.ch[c].smooth > d.ch[loud].smooth {
			loud = c
		}
	}
	if d.z[dom] < d.learnMin {
		return
	}
	if loud != dom {
		if d.frame%leadEvery != 0 {
			return
		}
		var ok bool
		if dom, ok = d.leader(dom, loud); !ok {
			return
		}
	} else if second > d.z[dom]*learnDominance {
		return
	}
	zi := d.z[dom]
	if zi < 10 {
		return
	}
	q := d.cfg.BleedQuantile
	for j := range d.n {
		if j == dom {
			continue
		}
		obs := 10 * math.Log10(max(d.z[j], zi*1e-4)/max(d.zs[dom], zi))
		eta := 1.0
		if d.learnN[j][dom] > 200 {
			eta = 0.25
		}
		d.learnN[j][dom]++
		cur := d.bleedD[j][dom]
		if obs < cur {
			cur -= eta * (1 - q)
		} else {
			cur += eta * q
		}
		cur = min(max(cur, -40), 20)
		d.bleedD[j][dom] = cur
		d.bleed[j][dom] = math.Pow(10, cur/10)
	}
}

// Time lead. A talker's own microphone hears them first; every other microphone hears a copy
// some milliseconds later. When the loudest channel in calibrated level is not the loudest in
// raw level (a hot mic, or a mic with extra noise such as a fan next to it: level calibration
// alone cannot tell which), the generalized cross-correlation with phase transform (GCC-PHAT, Knapp & Carter 1976) of the
// last 32 ms, restricted to the speech band, names the channel that leads — the talker — even
// where the talker's mic reads quieter (a fan raising its noise floor). PHAT whitening keeps the
// pitch periodicity of voiced speech from producing false peaks. A weak plain correlation at
// that lag says the channels do not carry one source (double talk, noise): the frame teaches
// nothing. Wrigley et al. (2005) found cross-correlation among the best crosstalk features;
// here it only picks the source of teaching frames.
const (
	histLen   = 512  // samples kept per channel
	gccLen    = 1024 // zero-padded transform size (linear lags up to ±512)
	maxLead   = 240  // samples (15 ms): largest bleed delay considered
	leadEvery = 1    // frames between time-lead checks (every frame: fewer teach the model worse)
	leadMin   = 4    // samples (0.25 ms): a smaller lag cannot tell who is nearer
	leadCorr  = 0.9  // normalized correlation needed to call it one source
	peakGuard = 8    // samples around the GCC peak that belong to it
	peakClear = 1.5  // the GCC peak must exceed any other lag's value by this factor
)

// leader settles which of channels a and b carries the talker by the time lead of its
// microphone; false when it cannot tell (weak correlation: not one source, or lag too small).
func (d *Diarizer) leader(a, b int) (int, bool) {
	lag, corr := d.crossLead(&d.ch[a].hist, &d.ch[b].hist)
	switch {
	case corr < leadCorr || (lag > -leadMin && lag < leadMin):
		return 0, false
	case lag < 0: // b hears it before a does
		return b, true
	}
	return a, true
}

// crossLead returns the lag L (samples, |L| ≤ maxLead) at which b best matches a — L > 0 means
// b hears it later than a — and the plain normalized correlation at that lag.
func (d *Diarizer) crossLead(a, b *[histLen]float64) (int, float64) {
	re, im := d.gre[:], d.gim[:]
	for i, w := range d.gwin {
		re[i], im[i] = a[i]*w, b[i]*w
	}
	clear(re[histLen:])
	clear(im[histLen:])
	d.gfft.transform(re, im)
	// Cross-spectrum conj(A)·B, PHAT-weighted, speech band only (both halves, Hermitian).
	lo, hi := gccLen*200/SampleRate, gccLen*4000/SampleRate
	for k := range gccLen {
		d.cre[k], d.cim[k] = 0, 0
	}
	for k := lo; k <= hi; k++ {
		nk := gccLen - k
		zr, zi, nr, ni := re[k], im[k], re[nk], im[nk]
		ar, ai := (zr+nr)/2, (zi-ni)/2 // A[k]
		br, bi := (zi+ni)/2, (nr-zr)/2 // B[k] = (Z[k] - conj(Z[N-k]))/(2i)
		gr, gi := ar*br+ai*bi, ar*bi-ai*br
		m := math.Hypot(gr, gi)
		if m == 0 {
			continue
		}
		gr, gi = gr/m, gi/m
		d.cre[k], d.cim[k] = gr, gi
		d.cre[nk], d.cim[nk] = gr, -gi
	}
	// Inverse transform via the forward one: ifft(x) = conj(fft(conj(x)))/N; only the real
	// part is needed and its sign is unaffected by the conjugations.
	for k := range gccLen {
		d.cim[k] = -d.cim[k]
	}
	d.gfft.transform(d.cre[:], d.cim[:])
	best, lag := math.Inf(-1), 0
	for l := -maxLead; l <= maxLead; l++ {
		if v := d.cre[(l+gccLen)%gccLen]; v > best {
			best, lag = v, l
		}
	}
	// A strongly periodic (voiced) sound correlates almost as well one pitch period away: the
	// peak must stand clear of every other lag, or the frame cannot tell who leads.
	for l := -maxLead; l <= maxLead; l++ {
		if (l < lag-peakGuard || l > lag+peakGuard) && d.cre[(l+gccLen)%gccLen] > best/peakClear {
			return 0, 0
		}
	}
	var s, ea, eb float64
	for i := max(0, -lag); i < min(histLen, histLen-lag); i++ {
		x, y := a[i], b[i+lag]
		s += x * y
		ea += x * x
		eb += y * y
	}
	if ea == 0 || eb == 0 {
		return 0, 0
	}
	return lag, s / math.Sqrt(ea*eb)
}

// attribute estimates every seat's own level p by nonnegative least squares on z = A·p
// (projected Gauss-Seidel on the normal equations, a few sweeps from p = 0) and scores own
// speech as level minus margin × predicted bleed. Least squares, unlike peeling the loudest
// channel first, finds the talker whose coupling explains all the microphones together, also
// when that talker's own channel is not the loudest (a noisy mic). A seat's level as a bleed
// source, q, is its own level widened to the 40 ms source measure (and to the previous frame),
// which covers bleed delays up to ~20 ms.
func (d *Diarizer) attribute() {
	n := d.n
	clear(d.p)
	copy(d.r, d.z) // residual z − A·p
	for range nnlsSweeps {
		for i := range n {
			var num, den float64
			for j := range n {
				a := 1.0
				if j != i {
					a = d.bleed[j][i]
				}
				num += a * d.r[j]
				den += a * a
			}
			np := max(0, d.p[i]+num/den)
			if dp := np - d.p[i]; dp != 0 {
				for j := range n {
					a := 1.0
					if j != i {
						a = d.bleed[j][i]
					}
					d.r[j] -= a * dp
				}
				d.p[i] = np
			}
		}
	}
	for i := range n {
		own := 0.0
		if d.z[i] > 0 {
			own = d.p[i] * d.zs[i] / d.z[i]
		}
		d.q[i] = max(own, d.ch[i].q1)
		d.ch[i].q1 = own
	}
	for c := range n {
		var b float64
		row := d.bleed[c]
		for i := range n {
			if i != c {
				b += row[i] * d.q[i]
			}
		}
		d.score[c] = d.z[c] - d.margin*b
		d.bl[c] = b
	}
}

// nnlsSweeps: Gauss-Seidel sweeps of the attribution (enough for the few seats of a courtroom).
const nnlsSweeps = 8

// turn advances seat c's start/end state machine at frame t.
func (d *Diarizer) turn(c int, t int64) {
	ch := &d.ch[c]
	s := d.score[c]
	if ch.active {
		switch {
		case s > d.offLin && t-ch.lastOn <= resumeGap:
			ch.lastOn, ch.resume = t, 0
		case s > d.offLin:
			// Speech again after a pause: it continues the turn only once it holds for half
			// the confirmation time, so a stray frame of bleed does not stretch the turn.
			ch.resume++
			if ch.resume >= max(1, d.confirm/2) {
				prev := ch.lastOn
				ch.lastOn, ch.resume = t, 0
				d.checkOverlap(c, prev+1, t)
			}
		default:
			ch.resume = 0
			if t-ch.lastOn >= int64(d.hang) {
				d.end(c)
			}
		}
		return
	}
	if s > d.onLin && ch.zSum > d.margin*ch.bSum {
		if ch.runLen == 0 {
			ch.runStart, ch.runVoiced = t, 0
		}
		ch.runLen++
		ch.runMiss = 0
		if ch.flat < d.cfg.MaxFlatness {
			ch.runVoiced++
		}
		if ch.runLen >= int64(d.confirm) && ch.runVoiced >= d.cfg.MinVoicedFrames {
			ch.active, ch.segStart, ch.lastOn, ch.overlap, ch.announced = true, ch.runStart, t, false, false
			ch.runLen = 0
			d.checkOverlap(c, ch.segStart, t)
			d.events = append(d.events, Event{Kind: Start, Seat: d.seats[c], SeatIdx: c,
				Start: d.frameTime(ch.segStart), Overlap: ch.overlap, Decided: d.frameTime(t + 1)})
			ch.announced = true
		}
		return
	}
	if ch.runLen > 0 {
		ch.runMiss++
		if ch.runMiss > 2 {
			ch.runLen = 0
		}
	}
}

// evidenceFrames: a turn starts only if, summed over the last 80 ms, the channel's level also
// exceeds the predicted bleed by the margin. Frame by frame the level of a delayed bleed copy
// swings several dB around its mean (a 30 ms burst falls differently into the 16 ms windows of
// two microphones); over 80 ms it settles at the coupling.
const evidenceFrames = 8

// resumeGap: within a turn, speech frames at most this many frames apart are continuous.
const resumeGap = 5

// checkOverlap marks seat c and every seat whose turn intersects frames [a, b] as overlapping.
func (d *Diarizer) checkOverlap(c int, a, b int64) {
	for o := range d.ch {
		if o == c {
			continue
		}
		oc := &d.ch[o]
		switch {
		case oc.active && oc.segStart <= b && a <= oc.lastOn:
			d.markOverlap(o)
			d.markOverlap(c)
		case !oc.active && oc.hasEnded && oc.endStart <= b && a <= oc.endLast:
			d.markOverlap(c)
		}
	}
}

// markOverlap flags seat c's current turn as overlapping; a turn whose Start was already
// reported gets an Update event, so a live view can mark the double talk at once.
func (d *Diarizer) markOverlap(c int) {
	ch := &d.ch[c]
	if ch.overlap {
		return
	}
	ch.overlap = true
	if ch.active && ch.announced {
		d.events = append(d.events, Event{Kind: Update, Seat: d.seats[c], SeatIdx: c,
			Start: d.frameTime(ch.segStart), Overlap: true, Decided: d.frameTime(d.frame + 1)})
	}
}

func (d *Diarizer) end(c int) {
	ch := &d.ch[c]
	ch.active = false
	ch.endStart, ch.endLast, ch.hasEnded = ch.segStart, ch.lastOn, true
	d.events = append(d.events, Event{Kind: End, Seat: d.seats[c], SeatIdx: c,
		Start: d.frameTime(ch.segStart), End: d.frameTime(ch.lastOn + 1), Overlap: ch.overlap,
		Decided: d.frameTime(d.frame + 1)})
	ch.runLen = 0
}

// frameTime is the hearing time of the start of frame t in seconds (with origin 0 the
// correctly rounded decimal t/100).
func (d *Diarizer) frameTime(t int64) float64 { return float64(t*hop+d.origin) / SampleRate }

// flatness is the spectral flatness (geometric over arithmetic mean) of a power spectrum:
// near 0.56 for white noise, well below for voiced speech. Logarithms are taken of products of
// eight bins (bounded well inside float64 range), which keeps it cheap.
func flatness(p []float64) float64 {
	var sl, s float64
	prod := 1.0
	for i, v := range p {
		v = min(max(v, 1e-3), 1e30)
		prod *= v
		s += v
		if i&7 == 7 {
			sl += math.Log(prod)
			prod = 1
		}
	}
	sl += math.Log(prod)
	n := float64(len(p))
	return math.Exp(sl/n) / (s / n)
}
