// Package v1 is a frozen copy of courtscribe's seat diarizer as it was before issue 10 (commit
// a9a78f7, asr/diarize/diarize.go and fft.go), kept as the "previous diarizer" baseline that
// make bench-diarize runs beside the current one. Do not change its behaviour: it exists to be
// compared with (the golden test in package baseline pins its output).
//
// The method is the one package diarize describes, as it first stood: per channel the
// speech-band power, a noise floor by minimum statistics and the calibrated level z over it;
// an online-learned bleed model, taught by frames in which one channel clearly dominates (the
// time lead deciding where calibrated and raw levels disagree on the loudest channel);
// attribution by nonnegative least squares on z = A·p; turns confirmed by a short run of
// frames with some voiced (spectral flatness alone), ended after a hangover. What it shares
// with the current diarizer unchanged lives in asr/diarize/internal/core; this file holds what
// differs.
package v1

import "log/slog"

import "github.com/courtscribe/courtscribe/asr/diarize/internal/core"

// The configuration, the events and their kinds and the turns are the current diarizer's
// (see package diarize).
type (
	Config = core.Config
	Kind   = core.Kind
	Event  = core.Event
	Turn   = core.Turn
)

// The kinds of Event are the current diarizer's (its rate is capture/wire.SampleRate).
const (
	Start, End, Update = core.Start, core.End, core.Update
)

// SortTurns orders turns by start, then end, then seat name.
func SortTurns(s []Turn) { core.SortTurns(s) }

// DefaultConfig returns the defaults of the time (two voiced frames confirm a start).
func DefaultConfig() Config {
	return Config{OnThresholdDB: 8, OffThresholdDB: 4, BleedMarginDB: 3, BleedPriorDB: -3,
		BleedQuantile: 0.4, LearnMinDB: 20, ConfirmSec: 0.08, MinVoicedFrames: 2,
		MaxFlatness: 0.4, HangoverSec: 0.4}
}

// Diarizer is the streaming seat diarizer. It is not safe for concurrent use. Its methods
// (Seats, Now, Resume, Gap, BleedDB, Push, Flush) are the current diarizer's.
type Diarizer struct {
	core.API

	cfg Config
	n   int
	th  core.Thresholds
	st  core.Stream

	spec *core.Spectrum
	lead core.Lead

	anyActive bool // some seat was in a turn at the previous frame

	ch    []channel
	bm    core.Bleed
	z, p  []float64
	zs, q []float64
	r     []float64 // attribution residual
	bl    []float64 // predicted bleed on each channel
	score []float64
}

// channel is a seat's state: v1 keeps no more than what it shares with the current diarizer.
type channel struct{ core.Channel }

// New makes a streaming diarizer for the given seats (channel i of every Push is seats[i]).
// The logger of the current diarizer's signature is not used: v1 logs nothing.
func New(cfg Config, seats []string, _ *slog.Logger) (*Diarizer, error) {
	st, err := core.NewStream(cfg, seats)
	if err != nil {
		return nil, err
	}
	n := len(seats)
	d := &Diarizer{cfg: cfg, n: n, th: core.NewThresholds(cfg), st: st,
		spec: core.NewSpectrum(n),
		ch:   make([]channel, n),
		z:    make([]float64, n), p: make([]float64, n),
		zs: make([]float64, n), q: make([]float64, n), bl: make([]float64, n), r: make([]float64, n),
		score: make([]float64, n),
		bm:    core.NewBleed(n, cfg.BleedPriorDB),
	}
	d.lead.Init()
	for c := range d.ch {
		core.Attach(&d.st, d.spec, c, &d.ch[c].Channel)
	}
	d.st.Bind(d.step)
	d.API = core.NewAPI(&d.st, &d.bm)
	return d, nil
}

// Offline diarizes a whole recording (pcm[i] is seat i) and returns the turns sorted by start.
func Offline(cfg Config, seats []string, pcm [][]int16, log *slog.Logger) ([]Turn, error) {
	d, err := New(cfg, seats, log)
	if err != nil {
		return nil, err
	}
	return core.Offline(d, pcm)
}

// step analyses one complete hop on every channel and advances the turn state.
func (d *Diarizer) step() {
	t := d.st.Frame
	for c := range d.ch {
		d.ch[c].Shift()
	}
	d.spec.Analyse()
	for c := range d.ch {
		ch := &d.ch[c]
		band, src := ch.Measure(t)
		d.updateFloor(ch, t, band)
		d.z[c], d.zs[c] = 0, 0
		if ch.NF.Set {
			d.z[c] = max(ch.Smooth-ch.NF.Level, 0) / ch.NF.Level
			d.zs[c] = max(src-ch.NF.Level, 0) / ch.NF.Level
		}
	}
	d.learn()
	d.attribute()
	for c := range d.ch {
		ch := &d.ch[c]
		ch.Ev.Add(t, d.z[c], d.bl[c])
	}
	d.anyActive = d.st.Decide(d.turn)
}

func (d *Diarizer) updateFloor(ch *channel, t int64, band float64) {
	if core.Silent(band) {
		// Digital silence (a file that starts with zeros, a muted input) says nothing about
		// the room: keep the floor, or wait for real signal to set it.
		if !ch.NF.Set {
			ch.NF.Level = core.DigitalSilence * core.FloorBias
		}
		return
	}
	ch.NF.Update(t, band, &ch.Boxcar, ch.Flat >= d.cfg.MaxFlatness && !d.anyActive, &d.th)
}

// learn updates the bleed model from a frame in which one channel clearly dominates.
func (d *Diarizer) learn() {
	dom, ok := core.Teacher(d.z, d.smooth, d.th.LearnMin, d.st.Frame, d.leader)
	if !ok {
		return
	}
	for j := range d.n {
		if j != dom {
			d.bm.Teach(j, dom, core.Observed(d.z, d.zs, j, dom), d.cfg.BleedQuantile)
		}
	}
}

func (d *Diarizer) smooth(c int) float64 { return d.ch[c].Smooth }

func (d *Diarizer) leader(a, b int) (int, bool) {
	return d.lead.Leader(a, b, &d.ch[a].Hist, &d.ch[b].Hist)
}

// attribute estimates every seat's own level p (core.NNLS) and scores own speech as level
// minus margin × predicted bleed. A seat's level as a bleed source, q, is its own level
// widened to the 40 ms source measure (and to the previous frame), which covers bleed delays
// up to ~20 ms.
func (d *Diarizer) attribute() {
	core.NNLS(d.p, d.r, d.z, d.bm.Lin)
	for i := range d.n {
		own := 0.0
		if d.z[i] > 0 {
			own = d.p[i] * d.zs[i] / d.z[i]
		}
		d.q[i] = max(own, d.ch[i].Q1)
		d.ch[i].Q1 = own
	}
	for c := range d.n {
		b := core.Predicted(d.bm.Lin[c], d.q, c)
		d.score[c] = d.z[c] - d.th.Margin*b
		d.bl[c] = b
	}
}

// turn advances seat c's start/end state machine at frame t.
func (d *Diarizer) turn(c int, t int64) {
	ch := &d.ch[c]
	s := d.score[c]
	if ch.Active {
		d.st.Hold(c, t, s > d.th.OffLin, d.th.Hang, d.resumes)
		return
	}
	if s > d.th.OnLin && ch.Ev.ZSum > d.th.Margin*ch.Ev.BSum {
		if ch.Run.Len == 0 {
			ch.Run.Start, ch.Run.Voiced = t, 0
		}
		ch.Run.Len++
		ch.Run.Misses = 0
		if ch.Flat < d.cfg.MaxFlatness {
			ch.Run.Voiced++
		}
		if ch.Run.Len >= int64(d.th.Confirm) && ch.Run.Voiced >= d.cfg.MinVoicedFrames {
			d.st.Begin(c, ch.Run.Start, ch.Run.Start, t)
		}
		return
	}
	ch.Run.Miss()
}

// resumes counts a speech frame after a pause in seat c's turn: it continues the turn only
// once it holds for half the confirmation time, so a stray frame of bleed does not stretch
// the turn.
func (d *Diarizer) resumes(c int) bool {
	d.ch[c].Resume++
	return d.ch[c].Resume >= max(1, d.th.Confirm/2)
}
