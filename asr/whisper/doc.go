// Package whisper is the whisper.cpp engine, through the official Go bindings
// (github.com/ggerganov/whisper.cpp/bindings/go, pinned in go.mod). It is compiled only with the
// build tag "whisper" and needs libwhisper (see docs/models.md); without the tag only Config and
// ErrNotBuilt exist, and New reports that the binary was built without libwhisper.
//
// An Engine is a pool of workers; each worker owns its own model and context, because the
// bindings allow one Process per model at a time. Models are checked with models.Validate before
// whisper.cpp sees them, so a corrupt file is a clear error, never a crash.
//
// What the pinned bindings do not give, and how this package handles it (docs/asr.md):
//   - whisper_full through the bindings registers its callbacks in package-level Go maps without
//     a lock, so two models processing at once race (the race detector flags it, and the Go
//     runtime can abort with "concurrent map writes"). This package calls whisper_full itself,
//     through a few lines of cgo against whisper.h, with the bindings' Params and Context, and
//     without those callbacks; its abort callback makes a cancelled context stop the decode.
//   - no_speech_thold and whisper_full_get_segment_no_speech_prob are not exposed; the same cgo
//     shim sets and reads them.
//   - Params.SetInitialPrompt allocates a C string that is never freed; the shim passes the
//     prompt and frees it after the call.
//   - The bindings cannot share one model between contexts (whisper_init_state), so each worker
//     loads the model: memory is workers × model size.
package whisper

import (
	"errors"
	"time"
)

// Config configures the whisper engine.
type Config struct {
	// Model is the path of a ggml Whisper model.
	Model string
	// Workers is the number of models loaded, i.e. of utterances decoded at once.
	Workers int
	// Threads per worker (0: the CPU count divided by Workers).
	Threads int
	// Language is the default language: "zh", "en" or "auto" (a request may override it).
	Language string
	// BeamSize > 1 selects beam search with that width; otherwise greedy decoding.
	BeamSize int
	// Temperature is the initial decoding temperature; TemperatureInc the fallback step
	// (negative disables fallback).
	Temperature    float32
	TemperatureInc float32
	// NoSpeechThreshold is whisper.cpp's no_speech_thold.
	NoSpeechThreshold float32
	// TokenTimestamps asks for per-token times.
	TokenTimestamps bool
	// Quiet silences whisper.cpp's own log output on stderr.
	Quiet bool
	// LoadTimeout is unused by the engine itself; callers may bound model loading with it.
	LoadTimeout time.Duration
}

// DefaultConfig is the configuration courtscribe ships with.
func DefaultConfig() Config {
	return Config{Workers: 1, Language: "auto", BeamSize: 1, TemperatureInc: 0.2, NoSpeechThreshold: 0.6, TokenTimestamps: true, Quiet: true}
}

// ErrNotBuilt is returned by New in binaries built without the "whisper" tag.
var ErrNotBuilt = errors.New("this courtscribe binary was built without libwhisper (build tag \"whisper\"); use --asr remote or --asr none, or rebuild with -tags whisper (see docs/models.md)")
