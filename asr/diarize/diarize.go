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
package diarize

import "log/slog"
import "math"

import "github.com/courtscribe/courtscribe/asr/diarize/internal/core"

const (
	hop            = core.Hop
	winLen         = core.WinLen
	nBins          = core.NBins
	binLo          = core.BinLo
	binHi          = core.BinHi
	framesS        = core.FramesS
	histLen        = core.HistLen
	gccLen         = core.GCCLen
	digitalSilence = core.DigitalSilence
	floorBias      = core.FloorBias
	floorCalibrate = core.FloorCalibrate
)

// Config tunes the diarizer. DefaultConfig gives the values the benchmark was run with.
type Config = core.Config

// Kind says what an Event reports.
type Kind = core.Kind

// The kinds of Event.
const (
	// Start: a seat began speaking at Event.Start (reported ConfirmSec after, plus a frame).
	Start = core.Start
	// End: the seat's turn [Start, End] is final (reported HangoverSec after End).
	End = core.End
	// Update: the open turn that began at Start now overlaps another seat's turn.
	Update = core.Update
	// Tentative: a seat may have begun speaking at Event.Start; a Start of the seat confirms
	// it, a Withdrawn withdraws it (see core.Tentative). Nothing in the record comes of it.
	Tentative = core.Tentative
	// Withdrawn: the seat's Tentative start was not confirmed.
	Withdrawn = core.Withdrawn
)

// Event is one streaming result. Times are seconds of hearing time (sample index / wire.SampleRate).
type Event = core.Event

// Turn is one seat's turn; the JSON form is the `courtscribe diarize --json` contract.
type Turn = core.Turn

// SortTurns orders turns by start, then end, then seat name.
func SortTurns(s []Turn) { core.SortTurns(s) }

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
		MinVoicedFrames: 3,
		MaxFlatness:     0.4,
		HangoverSec:     0.4,
	}
}

// Diarizer is the streaming seat diarizer. It is not safe for concurrent use: one goroutine
// (the hearing's ingest loop) owns it.
type Diarizer struct {
	cfg Config
	log *slog.Logger
	n   int
	th  core.Thresholds // derived constants
	st  core.Stream     // framing, hearing time, events, turn bookkeeping

	startDiff   float64 // startDiffuseDB as a power ratio
	begun       bool    // a turn has started in this hearing (stage 30)
	startNb     float64 // -startNeighbourDB as a power ratio
	startClear  float64 // startClearDB as a power ratio
	startSettle float64 // startSettleDB as a power ratio
	posMargin   float64 // posMarginDB as a power ratio
	posNear     float64 // -posNearDB as a power ratio

	spec     *core.Spectrum
	lead     core.Lead // GCC-PHAT transform and scratch (periodicity borrows it)
	lfft     *core.FFT // periodicity of a low voice
	lre, lim [lowFFTLen]float64
	lwin     [lowHistLen]float64
	lwac     []float64
	wac      []float64 // Hann autocorrelation for the periodicity
	highPer  float64   // periodicity at lags under 2 ms, set by periodicity (stage 13)
	pitchLag int       // the pitch lag (samples) of the 32 ms periodicity, set by periodicity

	anyActive bool // some seat was in a turn at the previous frame
	live      int  // channels carrying signal (not digital silence) in this frame

	ch        []channel
	bm        core.Bleed // coupling A[j][i], linear and in dB
	z, p      []float64
	zs, q     []float64
	qs        []float64 // q with the tails of sounds at seats outside a turn (stage 21)
	r         []float64 // attribution residual
	bl        []float64 // predicted bleed on each channel
	pNew      []float64
	score     []float64
	sorted    []float64
	diff      []float64 // diffuse room level seen on each channel
	tailDecay float64   // per-frame decay of a reverberant tail (power)
	diffPrior float64

	trace func(t int64, z, score []float64) // tests only
}

type channel struct {
	core.Channel
	trail trail // the talker's level in the open turn (stage 33)
	// the last 48 ms, for the periodicity of a low voice (voicing.go)
	lowHist [lowHistLen]float64
	src     float64 // band power averaged over the last four frames (as a bleed source)
	// gated microphones (floor.go)
	zeroRun  int     // consecutive digitally silent frames
	open     int64   // frames of signal since the last closed gate
	gated    bool    // closed before its floor was known: the floor needs a quiet stretch
	lowMin   float64 // running low level of a gated channel (a slowly rising minimum)
	quietN   int     // consecutive quiet noise-like frames of a gated channel
	quietMin float64 // their minimum

	band            float64                      // speech-band power of this frame
	tail            float64                      // own level held and decaying as a reverberant tail
	strike          float64                      // the same for an impact at the seat outside a turn (stage 21)
	strikeAt        int64                        // the frame of the last impact (stage 21)
	diffDB, diffLin float64                      // learned offset of this channel's diffuse level
	dHist           [core.EvidenceFrames]float64 // diffuse room level over the same frames
	dSum            float64

	// turn state
	resumeVoiced      int
	resumeSharp       bool       // the resumed sound began with an impact (turns.go)
	resumePair        bool       // two voiced frames of the resume in a row (stage 17, turns.go)
	resumeVoicedLast  int64      // the last voiced frame of the resume
	runVoicedAt       int64      // the first voiced frame of the run
	runVoicedLast     int64      // the last voiced frame of the run
	runPair           bool       // two voiced frames of the run in a row (stage 17, turns.go)
	runLed            int        // frames of the run a neighbour led, less those it led (turns.go)
	runQuiet          bool       // the run began in a quiet room (stage 12, turns.go)
	runTone           int        // voiced frames of the run periodic above 500 Hz (stage 13)
	lastOwn           int64      // the last frame of own speech (above the off threshold)
	pendAt, pendStart int64      // a start waiting for the room: its deadline and start frame
	pendOnset         int64      // and the frame its talker began (pendStart unless joined, stage 15)
	pendZ             float64    // and the highest level of its run (summed over 80 ms)
	dRing             [4]float64 // dSum of the last four frames
	pos               position   // learned time leads and the run's summed GCC (stage 16)
	leanAt            int64      // the frame + 1 leanTo was computed for (stage 19, lean.go)
	leanTo            int        // the seat leaning towards this mic then, or -1
	leanLast          int64      // the last frame that showed that lean
	leanVotes         int        // frames that showed a lean since the seat's own lead
	nearAt            int64      // the frame + 1 nearN was computed for (stage 22, nearstart.go)
	nearLast          int64      // the last frame that showed the sound came from this seat
	nearN             int        // frames of the sound that showed it
	nearLag           int        // the lag of the last of them
	lines             lineState  // stationary lines in the spectrum (stage 31, lines.go)

	struck struckState // a run begun by an impact, until it shows a voice (stage 32, struck.go)
}

// New makes a streaming diarizer for the given seats (channel i of every Push is seats[i]).
// log may be nil.
func New(cfg Config, seats []string, log *slog.Logger) (*Diarizer, error) {
	st, err := core.NewStream(cfg, seats)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := len(seats)
	d := &Diarizer{
		cfg: cfg, log: log, n: n, th: core.NewThresholds(cfg), st: st,
		startDiff:   math.Pow(10, startDiffuseDB/10),
		startNb:     math.Pow(10, -startNeighbourDB/10),
		startClear:  math.Pow(10, startClearDB/10),
		startSettle: math.Pow(10, startSettleDB/10),
		posMargin:   math.Pow(10, posMarginDB/10),
		posNear:     math.Pow(10, -posNearDB/10),
		spec:        core.NewSpectrum(n),
		lfft:        core.NewFFT(lowFFTLen),
		ch:          make([]channel, n),
		z:           make([]float64, n), p: make([]float64, n), pNew: make([]float64, n),
		zs: make([]float64, n), q: make([]float64, n), qs: make([]float64, n), bl: make([]float64, n), r: make([]float64, n),
		score: make([]float64, n), sorted: make([]float64, n), diff: make([]float64, n),
		tailDecay: math.Pow(10, -6.0/(tailRT60*framesS)),
		diffPrior: math.Pow(10, diffusePriorDB/10.0),
		bm:        core.NewBleed(n, cfg.BleedPriorDB),
	}
	d.lead.Init()
	d.wac = hannAutocorr(d.lead.Win[:], pitchLagMax)
	for i := range d.lwin {
		d.lwin[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/lowHistLen)
	}
	d.lwac = hannAutocorr(d.lwin[:], lowLagMax)
	for c := range d.ch {
		core.Attach(&d.st, d.spec, c, &d.ch[c].Channel)
		d.ch[c].lowMin = math.Inf(1)
		d.ch[c].diffLin = 1
		d.ch[c].pos = position{hist: make([][]float32, n), count: make([]int, n), o: -1}
		d.ch[c].leanTo = -1
	}
	d.st.Bind(d.step)
	return d, nil
}

// Seats returns the seat names in channel order.
func (d *Diarizer) Seats() []string { return append([]string(nil), d.st.Seats...) }

// Now is the hearing time (seconds) of the samples consumed so far.
func (d *Diarizer) Now() float64 { return d.st.Now() }

// Resume sets the hearing sample index of the first sample that will be pushed (a hearing
// reopened after a restart continues at the sample index the archive has reached); all event
// times are then hearing times. Call it before the first Push.
func (d *Diarizer) Resume(first int64) error { return d.st.Resume(first) }

// Gap consumes n samples of silence on every seat: a capture gap, which the archive stores as
// zeros, so that the stream stays aligned with the archive (and with Offline over it). Digital
// silence is ignored by the noise floor; open turns end after the hangover as usual.
func (d *Diarizer) Gap(n int64) ([]Event, error) { return d.st.Gap(n) }

// BleedDB returns the learned coupling matrix in dB: BleedDB()[j][i] is the level on seat j's
// microphone when only seat i speaks, relative to seat i's microphone (diagonal 0).
func (d *Diarizer) BleedDB() [][]float64 { return d.bm.Copy() }

// Push consumes the next samples of every seat: pcm[i] belongs to seat i, all slices have the
// same (any) length. It returns the events decided by these samples; the returned slice is
// reused by the next call.
func (d *Diarizer) Push(pcm [][]int16) ([]Event, error) { return d.st.Push(pcm) }

// Flush ends the stream: a partial last frame is analysed (zero padded) and every open turn is
// closed. The Diarizer cannot be used afterwards.
func (d *Diarizer) Flush() []Event { return d.st.Flush() }

// Offline diarizes a whole recording (pcm[i] is seat i): Push everything, then Flush. It
// returns the turns sorted by start.
func Offline(cfg Config, seats []string, pcm [][]int16, log *slog.Logger) ([]Turn, error) {
	d, err := New(cfg, seats, log)
	if err != nil {
		return nil, err
	}
	return core.Offline(d, pcm)
}
