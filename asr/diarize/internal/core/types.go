// Package core holds what courtscribe's seat diarizer (package diarize) and the frozen previous
// diarizer it is benchmarked against (package baseline/v1) compute in the same way: the framing
// of the pushed audio into 10 ms hops, the public result types, the band power spectrum, the
// noise floor by minimum statistics, the time lead (GCC-PHAT), the bleed model's learning step,
// the nonnegative least squares attribution and the bookkeeping of turns and their overlaps.
// What differs between the two stays in their packages. A change here changes both; the golden
// test in package baseline pins both outputs.
package core

import "errors"
import "fmt"
import "sort"

import "github.com/courtscribe/courtscribe/capture/wire"

// Framing: 10 ms hops, 16 ms windows, the speech band's FFT bins.
const (
	Hop     = 160 // 10 ms
	WinLen  = 256 // 16 ms analysis window
	NBins   = WinLen/2 + 1
	BinLo   = 3  // 187.5 Hz
	BinHi   = 64 // 4000 Hz
	FramesS = wire.SampleRate / Hop
)

// Config tunes the diarizer (each diarizer's DefaultConfig gives its tuned values).
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
	case c.MinVoicedFrames < 0 || float64(c.MinVoicedFrames) > c.ConfirmSec*FramesS:
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
	// Tentative: a seat may have begun speaking at Event.Start. Its sound has stood over the
	// noise floor, the predicted bleed and the room for ConfirmSec, but no voice has confirmed
	// it yet (a syllable that opens with an unvoiced consonant, or a door, paper, a chair).
	// Reported ConfirmSec after Start, plus a frame, as the previous diarizer reported its
	// starts. A Start of the seat confirms it (its own Start may be later: a start is back-dated
	// at most 0.25 s before its first voiced frame), a Withdrawn withdraws it. It is a live
	// view's "may be speaking": nothing in the record comes of it.
	Tentative
	// Withdrawn: the seat's Tentative start was not confirmed (Event.Start is the tentative's).
	Withdrawn
)

func (k Kind) String() string {
	switch k {
	case Start:
		return "start"
	case End:
		return "end"
	case Update:
		return "update"
	case Tentative:
		return "tentative"
	case Withdrawn:
		return "withdrawn"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Event is one streaming result. Times are seconds of hearing time (sample index / wire.SampleRate).
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
	// Resumed is set on the Start of a turn joined to the seat's previous turn across a pause
	// shorter than an annotator's, and on the Start of a turn that went on after its End was
	// told (Stream.Tell); Start is then that End: the time the talker resumed. Such a start's
	// latency is Decided-Resumed.
	Resumed float64
}

// Turn is one seat's turn; the JSON form is the `courtscribe diarize --json` contract.
type Turn struct {
	Seat    string  `json:"seat"`
	Start   float64 `json:"start"`
	End     float64 `json:"end"`
	Overlap bool    `json:"overlap"`
}

// Turn returns the turn of an End event.
func (e Event) Turn() Turn {
	return Turn{Seat: e.Seat, Start: e.Start, End: e.End, Overlap: e.Overlap}
}

// SortTurns orders turns by start, then end, then seat name.
func SortTurns(s []Turn) {
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
