// Package whisper is the whisper.cpp engine, through the official Go bindings
// (github.com/ggerganov/whisper.cpp/bindings/go, pinned in go.mod). It is compiled only with the
// build tag "whisper" and needs libwhisper (see docs/models.md); without the tag only Config and
// ErrNotBuilt exist, and New reports that the binary was built without libwhisper.
//
// An Engine loads the model once (one whisper_context) and gives each worker its own
// whisper_state (whisper_init_state, whisper_full_with_state), so memory is one model plus a
// state per worker. Models are checked with models.Validate before whisper.cpp sees them, so a
// corrupt file is a clear error, never a crash.
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
//   - The bindings cannot share one model between several decoding states, nor set the
//     context parameters (use_gpu, gpu_device, flash_attn): the shim loads the model with
//     whisper_init_from_file_with_params_no_state, makes the states and reads the results
//     with the *_from_state functions.
package whisper

import "errors"
import "fmt"
import "strings"
import "time"

// Config configures the whisper engine.
type Config struct {
	// Model is the path of a ggml Whisper model.
	Model string
	// Workers is the number of utterances decoded at once: one whisper_state each, all on one
	// loaded model.
	Workers int
	// ModelPerWorker loads the model once per worker instead (the layout before the shared
	// model; kept as the baseline of scripts/bench-asr.sh).
	ModelPerWorker bool
	// GPU lets whisper.cpp use a GPU backend when libwhisper has one (CUDA, Vulkan, Metal…);
	// GPUDevice picks which GPU (0: the first). A CPU-only libwhisper ignores both.
	GPU       bool
	GPUDevice int
	// FlashAttn turns on flash attention in whisper.cpp (its default since v1.8).
	FlashAttn bool
	// AudioCtx is how much of the 30 s encoder window a final pays for: AudioCtxFull
	// (whisper.cpp's default) or AudioCtxFit (audio_ctx sized to the utterance; see docs/asr.md).
	// Partials, which the final replaces, always use AudioCtxFit.
	AudioCtx string
	// BestOf is the number of candidates greedy decoding samples at a temperature above 0
	// (0: whisper.cpp's default, 5).
	BestOf int
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
	// Quiet silences whisper.cpp's own log output on stderr (the process-wide log callback
	// takes the setting of the engine made last).
	Quiet bool
	// LoadTimeout is unused by the engine itself; callers may bound model loading with it.
	LoadTimeout time.Duration
}

// DefaultConfig is the configuration courtscribe ships with.
func DefaultConfig() Config {
	return Config{Workers: 1, Language: "auto", BeamSize: 1, TemperatureInc: 0.2, NoSpeechThreshold: 0.6, TokenTimestamps: true, Quiet: true,
		GPU: true, FlashAttn: true, AudioCtx: AudioCtxFull}
}

// Audio context modes (Config.AudioCtx).
const (
	AudioCtxFull = "full"
	AudioCtxFit  = "fit"
)

// Settings is how a running engine decodes, for /readyz and the record health panel.
type Settings struct {
	Model        string `json:"model"`
	Workers      int    `json:"workers"`
	ModelsLoaded int    `json:"models_loaded"`
	Threads      int    `json:"threads"`
	GPU          bool   `json:"gpu"`
	GPUDevice    int    `json:"gpu_device"`
	GPUName      string `json:"gpu_name,omitempty"` // empty: no GPU backend or device; the CPU decodes
	FlashAttn    bool   `json:"flash_attn"`
	AudioCtx     string `json:"audio_ctx"`
	// BackendLog is whisper.cpp's own log line on the GPU backend when it loaded the model
	// ("no GPU found", "using CUDA0 backend").
	BackendLog string `json:"backend_log,omitempty"`
	System     string `json:"system"` // whisper_print_system_info
}

// Backend is "GPU <name>" or "CPU" with the reason.
func (s Settings) Backend() string {
	switch {
	case s.GPUName != "":
		return "GPU " + s.GPUName
	case !s.GPU:
		return "CPU (--no-gpu)"
	}
	return fmt.Sprintf("CPU (GPU device %d requested, none in this libwhisper)", s.GPUDevice)
}

// String is one line: model, workers, backend, flash attention, audio context and system info.
func (s Settings) String() string {
	fa := "off"
	if s.FlashAttn {
		fa = "on"
	}
	return strings.Join([]string{fmt.Sprintf("whisper %s, %d workers on %d loaded model(s), %d threads each", s.Model, s.Workers, s.ModelsLoaded, s.Threads),
		s.Backend(), "flash-attn " + fa, "audio-ctx " + s.AudioCtx, "system: " + s.System}, "; ")
}

// ErrNotBuilt is returned by New in binaries built without the "whisper" tag.
var ErrNotBuilt = errors.New("this courtscribe binary was built without libwhisper (build tag \"whisper\"); use --asr remote or --asr none, or rebuild with -tags whisper (see docs/models.md)")
