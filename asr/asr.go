// Package asr turns seat utterances into text.
//
// The server side of the audio lives under asr: the agent ingest endpoint (asr/ingest), the seat
// diarizer (asr/diarize), the utterance policy (asr/policy), the transcription engines behind
// the small Engine interface (asr/whisper through the official whisper.cpp Go bindings under the
// build tag "whisper", asr/remote for whisper.cpp's whisper-server and OpenAI-compatible
// servers, and None here), the worker pool that drives them (asr/pool) and backfill of pending
// utterances (asr/backfill). asr/engine builds an Engine from configuration.
//
// Time in this package is hearing time: seconds since the first sample of the hearing (sample
// index / wire.SampleRate). Audio is 16 kHz, signed 16-bit, one channel per seat.
package asr

import "context"
import "errors"
import "fmt"
import "math"
import "strings"

import "github.com/courtscribe/courtscribe/capture/wire"

// Utterance is one seat's stretch of speech in a hearing, as the seat diarizer reports it.
type Utterance struct {
	// ID names the utterance inside its hearing; UtteranceID gives the canonical form
	// (seat and first sample), so a partial and its final share it.
	ID      string  `json:"id"`
	Hearing string  `json:"hearing"`
	Seat    string  `json:"seat"`
	Start   float64 `json:"start"` // hearing time, seconds
	End     float64 `json:"end"`   // hearing time, seconds
	Overlap bool    `json:"overlap,omitempty"`
}

// UtteranceID is the canonical ID of the utterance of seat starting at start seconds.
func UtteranceID(seat string, start float64) string {
	return fmt.Sprintf("%s@%d", seat, SampleIndex(start))
}

// SampleIndex converts hearing time to the sample index (the system's clock).
func SampleIndex(t float64) int64 { return int64(math.Round(t * wire.SampleRate)) }

// Duration is End-Start in seconds.
func (u Utterance) Duration() float64 { return u.End - u.Start }

// Validate reports a malformed utterance.
func (u Utterance) Validate() error {
	switch {
	case u.Seat == "":
		return errors.New("utterance has no seat")
	case math.IsNaN(u.Start) || math.IsNaN(u.End) || math.IsInf(u.Start, 0) || math.IsInf(u.End, 0):
		return fmt.Errorf("utterance %s: times are not finite", u.ID)
	case u.Start < 0 || u.End <= u.Start:
		return fmt.Errorf("utterance %s: bad times %.3f..%.3f", u.ID, u.Start, u.End)
	}
	return nil
}

// Request is one transcription job for an Engine.
type Request struct {
	Utterance Utterance
	// PCM is the seat's audio for exactly Utterance.Start..End, 16 kHz mono.
	PCM []int16
	// Language is "zh", "en", "auto" or "" for the engine's default.
	Language string
	// Prompt is the initial prompt: hearing vocabulary and recent committed text.
	Prompt string
	// Partial marks a look at an utterance still in progress (a cheaper decode is fine).
	Partial bool
}

// Transcript is what an engine makes of one Request. Times are seconds relative to the first
// sample of Request.PCM; the pool maps them onto hearing time.
type Transcript struct {
	Text     string `json:"text"`
	Language string `json:"language,omitempty"`
	Spans    []Span `json:"segments,omitempty"`
	// NoSpeechProb is the engine's probability that the audio holds no speech, or -1 when the
	// engine does not report one.
	NoSpeechProb float64 `json:"no_speech_prob"`
	// Confidence is an engine's own confidence (0..1) for engines that report no token
	// probabilities (e.g. exp(avg_logprob) from an OpenAI-compatible server); 0 when unknown.
	Confidence float64 `json:"confidence,omitempty"`
}

// Span is a piece of text with times (relative in a Transcript, hearing time in a Result).
type Span struct {
	Start  float64 `json:"start"`
	End    float64 `json:"end"`
	Text   string  `json:"text"`
	Tokens []Token `json:"tokens,omitempty"`
	// NoSpeechProb as reported by the engine for this segment, -1 when unknown.
	NoSpeechProb float64 `json:"no_speech_prob"`
}

// Token is one decoded token with its probability; times are -1 when the engine gives none.
type Token struct {
	Text  string  `json:"text"`
	P     float64 `json:"p"`
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// Engine transcribes utterances. Implementations must be safe for concurrent use by the pool's
// workers (an engine that can run only one job at a time serializes internally). Transcribe
// returns ErrUnavailable (wrapped) when the engine cannot take work now (down, absent, timed
// out): the utterance then stays pending for backfill. Close releases the engine; it is safe to
// call twice.
type Engine interface {
	Name() string
	Transcribe(ctx context.Context, req Request) (Transcript, error)
	Close() error
}

// HealthChecker is implemented by engines that can tell cheaply whether they are up; backfill
// uses it to decide when to resume.
type HealthChecker interface {
	Health(ctx context.Context) error
}

// ErrUnavailable marks failures after which the utterance is kept pending and retried later.
var ErrUnavailable = errors.New("transcription engine unavailable")

// ErrNoEngine is returned by None: the hearing is recorded without transcription.
var ErrNoEngine = fmt.Errorf("no transcription engine configured: %w", ErrUnavailable)

// None is the engine of a server running without transcription: every utterance is kept with
// its audio and timing and marked pending, to be transcribed later by backfill.
type None struct{}

// Name implements Engine.
func (None) Name() string { return "none" }

// Transcribe implements Engine; it always returns ErrNoEngine.
func (None) Transcribe(context.Context, Request) (Transcript, error) {
	return Transcript{}, ErrNoEngine
}

// Close implements Engine.
func (None) Close() error { return nil }

// Health implements HealthChecker: None is never up.
func (None) Health(context.Context) error { return ErrNoEngine }

// CleanText makes an engine's text fit for the record: invalid UTF-8 (a token boundary can
// split a character) becomes U+FFFD, and NUL and other control characters but tab and newline
// are dropped, so no engine can produce a result the hearing record must refuse, which would
// leave the utterance pending for ever.
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' {
			return r
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}

// Packing (docs/asr.md, "Packing utterances"): an engine that can transcribe several
// consecutive utterances of one hearing in one decode implements Packer. The caller
// (pool.Pipeline.TranscribeMany) groups utterances into batches of at most PackWindowSeconds
// of audio, PackGapSeconds of silence between neighbours, and falls back to one Transcribe
// per utterance when the engine is not a Packer or a packed call fails.
const (
	PackWindowSeconds = 28.0 // a little under whisper's 30 s window, so the decoder sees the end
	PackGapSeconds    = 0.75 // silence between two packed utterances
)

// Packer is implemented by engines that can pack utterances into one decode (the whisper
// engine). TranscribePacked returns one transcript per request, in order, with times relative
// to each request's audio, like Transcribe; an error means none of them is usable. The
// requests are consecutive utterances of one hearing; a request's Prompt is for the engine to
// use where it decodes that request alone (a packed window holds several utterances and
// carries no prompt: the whisper engine decodes it without one).
type Packer interface {
	TranscribePacked(ctx context.Context, reqs []Request) ([]Transcript, PackStats, error)
}

// PackStats says what a TranscribePacked call did.
type PackStats struct {
	Windows   int // packed decodes (one encoder window each, or more with temperature fallback)
	Packed    int // utterances answered from a packed decode
	Single    int // utterances decoded on their own: alone in their window, longer than it, or another language
	Fallbacks int // utterances whose text could not be attributed and were decoded again on their own
	// Alone lists the utterances (by index) decoded on their own, for any of those reasons.
	Alone []int
}
