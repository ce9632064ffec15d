//go:build whisper

package whisper

/*
#cgo LDFLAGS: -lwhisper -lggml -lggml-base -lggml-cpu -lm -lstdc++
#cgo linux LDFLAGS: -fopenmp
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <whisper.h>
#include <ggml-backend.h>

// cs_flags is one worker's shared memory with whisper.cpp's callbacks: the abort flag the Go
// side sets when the context ends, and the number of encoder passes (one per 30 s window).
typedef struct { int abort; int encodes; } cs_flags;

static bool cs_abort(void * ud) { return __atomic_load_n(&((cs_flags *) ud)->abort, __ATOMIC_RELAXED) != 0; }
static bool cs_encoder_begin(struct whisper_context * c, struct whisper_state * s, void * ud) {
	cs_flags * f = (cs_flags *) ud;
	__atomic_add_fetch(&f->encodes, 1, __ATOMIC_RELAXED);
	return __atomic_load_n(&f->abort, __ATOMIC_RELAXED) == 0;
}
// whisper.cpp's log: passed to stderr unless quiet, and captured while the engine loads a model
// (the lines that say which backend and which context parameters whisper.cpp took).
#include <pthread.h>
static pthread_mutex_t cs_log_mu = PTHREAD_MUTEX_INITIALIZER;
static int cs_log_quiet = 0, cs_log_capturing = 0;
static char cs_log_buf[32768];
static size_t cs_log_len = 0;
static void cs_log(enum ggml_log_level level, const char * text, void * ud) {
	pthread_mutex_lock(&cs_log_mu);
	if (cs_log_capturing && text != NULL) {
		size_t n = strlen(text);
		if (n > sizeof(cs_log_buf) - 1 - cs_log_len) n = sizeof(cs_log_buf) - 1 - cs_log_len;
		memcpy(cs_log_buf + cs_log_len, text, n);
		cs_log_len += n;
		cs_log_buf[cs_log_len] = 0;
	}
	int quiet = cs_log_quiet;
	pthread_mutex_unlock(&cs_log_mu);
	if (!quiet && text != NULL) fputs(text, stderr);
}
static void cs_log_install(int quiet) {
	pthread_mutex_lock(&cs_log_mu);
	cs_log_quiet = quiet;
	pthread_mutex_unlock(&cs_log_mu);
	whisper_log_set(cs_log, NULL);
}
static void cs_log_capture(int on) {
	pthread_mutex_lock(&cs_log_mu);
	cs_log_capturing = on;
	if (on) { cs_log_len = 0; cs_log_buf[0] = 0; }
	pthread_mutex_unlock(&cs_log_mu);
}
// cs_log_take copies the captured text into out (at most n-1 bytes) and returns its length.
static size_t cs_log_take(char * out, size_t n) {
	pthread_mutex_lock(&cs_log_mu);
	size_t k = cs_log_len < n - 1 ? cs_log_len : n - 1;
	memcpy(out, cs_log_buf, k);
	out[k] = 0;
	pthread_mutex_unlock(&cs_log_mu);
	return k;
}
static void cs_set_abort(cs_flags * f, int v) { __atomic_store_n(&f->abort, v, __ATOMIC_RELAXED); }
static int cs_encodes(cs_flags * f) { return __atomic_load_n(&f->encodes, __ATOMIC_RELAXED); }

// cs_load loads the model once, without a state: each worker makes its own (whisper_init_state).
static struct whisper_context * cs_load(const char * path, bool use_gpu, int gpu_device, bool flash_attn) {
	struct whisper_context_params cp = whisper_context_default_params();
	cp.use_gpu = use_gpu;
	cp.gpu_device = gpu_device;
	cp.flash_attn = flash_attn;
	return whisper_init_from_file_with_params_no_state(path, cp);
}

// cs_gpu describes the GPU device whisper.cpp would pick for gpu_device (the n-th GPU device of
// the ggml backends, as whisper_backend_init_gpu counts them), or returns 0 when there is none.
static int cs_gpu(int gpu_device, char * out, size_t n) {
	int k = 0;
	for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
		ggml_backend_dev_t d = ggml_backend_dev_get(i);
		enum ggml_backend_dev_type t = ggml_backend_dev_type(d);
		if (t != GGML_BACKEND_DEVICE_TYPE_GPU && t != GGML_BACKEND_DEVICE_TYPE_IGPU) continue;
		if (k++ == gpu_device) {
			snprintf(out, n, "%s (%s)", ggml_backend_dev_name(d), ggml_backend_dev_description(d));
			return k;
		}
	}
	return 0;
}
static int cs_gpu_count(void) {
	int k = 0;
	for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
		enum ggml_backend_dev_type t = ggml_backend_dev_type(ggml_backend_dev_get(i));
		if (t == GGML_BACKEND_DEVICE_TYPE_GPU || t == GGML_BACKEND_DEVICE_TYPE_IGPU) k++;
	}
	return k;
}

// whisper_full_with_state with the bindings' params, minus the bindings' Go callbacks (whose
// registry is an unlocked global map), plus the abort flag, the prompt, no_speech_thold, best_of
// and audio_ctx.
static int cs_full(struct whisper_context * ctx, struct whisper_state * st, struct whisper_full_params * p,
                   const char * prompt, float no_speech_thold, int best_of, int audio_ctx,
                   cs_flags * flags, const float * samples, int n) {
	struct whisper_full_params q = *p;
	q.new_segment_callback = NULL;
	q.new_segment_callback_user_data = NULL;
	q.progress_callback = NULL;
	q.progress_callback_user_data = NULL;
	q.encoder_begin_callback = cs_encoder_begin;
	q.encoder_begin_callback_user_data = flags;
	q.abort_callback = cs_abort;
	q.abort_callback_user_data = flags;
	q.initial_prompt = prompt;
	q.no_speech_thold = no_speech_thold;
	if (best_of > 0) q.greedy.best_of = best_of;
	q.audio_ctx = audio_ctx;
	return whisper_full_with_state(ctx, st, q, samples, n);
}

// cs_logits_hash is an FNV-1a hash of the last decode step's logits in a state (tests compare
// states with it: the weightless test models decode no text, but their logits differ by audio).
static uint64_t cs_logits_hash(struct whisper_context * c, struct whisper_state * st) {
	const float * l = whisper_get_logits_from_state(st);
	uint64_t h = 1469598103934665603ULL;
	if (l == NULL) return 0;
	const unsigned char * b = (const unsigned char *) l;
	for (size_t i = 0; i < (size_t) whisper_n_vocab(c) * sizeof(float); i++) { h ^= b[i]; h *= 1099511628211ULL; }
	return h;
}

static const char * cs_lang(struct whisper_state * st) {
	const char * s = whisper_lang_str(whisper_full_lang_id_from_state(st));
	return s == NULL ? "" : s;
}
*/
import "C"

import "context"
import "errors"
import "fmt"
import "log/slog"
import "runtime"
import "strings"
import "sync"
import "sync/atomic"
import "time"
import "unsafe"

import wb "github.com/ggerganov/whisper.cpp/bindings/go"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/models"

// Built reports whether this binary has the whisper engine.
const Built = true

// worker is one decoding slot: its own whisper_state on the engine's model (or, with
// Config.ModelPerWorker, on a model of its own).
type worker struct {
	ctx      *C.struct_whisper_context // the engine's model, or the worker's own
	own      bool                      // ctx belongs to this worker (ModelPerWorker)
	state    *C.struct_whisper_state
	flags    *C.cs_flags
	lastFull time.Duration // wall time of the last whisper_full call (benchmarks)
	lastCtx  int           // audio_ctx of the last call (0: the model's full 1500)
}

// Engine is the whisper.cpp engine: one model (whisper_context) and Workers states, each
// decoding one utterance at a time.
type Engine struct {
	cfg          Config
	log          *slog.Logger
	info         *models.Info
	multilingual bool
	model        *C.struct_whisper_context // shared by the workers; nil with ModelPerWorker
	contexts     int                       // models loaded (1, or Workers with ModelPerWorker)
	gpu          string                    // the GPU device whisper.cpp uses, "" for none
	loadLog      string                    // whisper.cpp's log while loading (context params, backends)
	backendLine  string                    // whisper.cpp's own line on the GPU backend ("no GPU found", "using CUDA0 backend")
	free         chan *worker
	all          []*worker
	closeOnce    sync.Once
	done         chan struct{} // closed by Close: waiting callers give up
}

var _ asr.Engine = (*Engine)(nil)

// logMu serialises model loading, whose whisper.cpp log the engine captures (the log callback
// is process-wide).
var logMu sync.Mutex

// loaded counts the whisper contexts (models) alive in the process, for tests and benchmarks.
var loaded atomic.Int64

// New validates the model file, loads it once, makes a whisper_state per worker and logs the
// backends whisper.cpp uses. A model that fails models.Validate is an error before any C code
// reads it.
func New(ctx context.Context, cfg Config, log *slog.Logger) (asr.Engine, error) {
	return NewEngine(ctx, cfg, log)
}

// settle checks the configuration and fills in the defaults of what is left unset.
func (cfg *Config) settle() error {
	if cfg.Model == "" {
		return errors.New("whisper: no model file (--model)")
	}
	if cfg.Workers < 1 || cfg.Workers > 64 {
		return fmt.Errorf("whisper: %d workers, want 1..64", cfg.Workers)
	}
	if cfg.GPUDevice < 0 || cfg.GPUDevice > 255 {
		return fmt.Errorf("whisper: GPU device %d, want 0..255", cfg.GPUDevice)
	}
	if cfg.BestOf < 0 || cfg.BestOf > 16 {
		return fmt.Errorf("whisper: best-of %d, want 1..16 (0: whisper.cpp's default)", cfg.BestOf)
	}
	if cfg.Threads <= 0 {
		cfg.Threads = max(1, runtime.NumCPU()/cfg.Workers)
	}
	switch cfg.AudioCtx {
	case "":
		cfg.AudioCtx = AudioCtxFull
	case AudioCtxFull, AudioCtxFit:
	default:
		return fmt.Errorf("whisper: audio context %q, want %s or %s", cfg.AudioCtx, AudioCtxFull, AudioCtxFit)
	}
	if cfg.Language == "" {
		cfg.Language = string(asr.LanguageAuto)
	}
	if _, err := asr.ParseLanguage(cfg.Language); err != nil {
		return fmt.Errorf("whisper: %w", err)
	}
	return nil
}

// NewEngine is New with the concrete type.
func NewEngine(ctx context.Context, cfg Config, log *slog.Logger) (*Engine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.settle(); err != nil {
		return nil, err
	}
	info, err := models.Validate(cfg.Model)
	if err != nil {
		return nil, fmt.Errorf("whisper: model rejected before loading: %w", err)
	}
	if !info.Multilingual && cfg.Language == string(asr.LanguageZh) {
		return nil, fmt.Errorf("whisper: model %s (%s) is English-only; language zh needs a multilingual model", cfg.Model, info.Name())
	}
	quiet := 0
	if cfg.Quiet {
		quiet = 1
	}
	logMu.Lock()
	C.cs_log_install(C.int(quiet))
	C.cs_log_capture(1)
	defer func() {
		C.cs_log_capture(0)
		logMu.Unlock()
	}()
	e := &Engine{cfg: cfg, log: log, info: info, multilingual: info.Multilingual, free: make(chan *worker, cfg.Workers), done: make(chan struct{})}
	if cfg.GPU {
		e.gpu = gpuDevice(cfg.GPUDevice)
	}
	if !cfg.ModelPerWorker {
		if e.model, err = load(cfg); err != nil {
			return nil, err
		}
		e.contexts = 1
	}
	for i := 0; i < cfg.Workers; i++ {
		if err := ctx.Err(); err != nil {
			e.Close()
			return nil, err
		}
		w, err := e.newWorker(i)
		if err != nil {
			e.Close()
			return nil, err
		}
		e.all = append(e.all, w)
		e.free <- w
	}
	e.loadLog = takeLog()
	if s := logValue(e.loadLog, "whisper_backend_init_gpu:"); s != "" {
		e.backendLine = s
	}
	log.Info("whisper engine ready", "model", cfg.Model, "type", info.Name(), "workers", cfg.Workers, "models_loaded", e.contexts,
		"threads", cfg.Threads, "language", cfg.Language, "beam", cfg.BeamSize, "gpu", e.gpuLabel(), "flash_attn", cfg.FlashAttn,
		"audio_ctx", cfg.AudioCtx, "system", SystemInfo())
	if cfg.GPU && e.gpu == "" {
		log.Info("whisper: GPU requested but this libwhisper has no GPU backend or sees no GPU; running on the CPU", "gpu_device", cfg.GPUDevice)
	}
	if info.HeaderOnly {
		log.Warn("whisper model has no weights (a test model): its text is meaningless", "model", cfg.Model)
	}
	return e, nil
}

func load(cfg Config) (*C.struct_whisper_context, error) {
	path := C.CString(cfg.Model)
	defer C.free(unsafe.Pointer(path))
	c := C.cs_load(path, C.bool(cfg.GPU), C.int(cfg.GPUDevice), C.bool(cfg.FlashAttn))
	if c == nil {
		return nil, fmt.Errorf("whisper: whisper.cpp could not load %s", cfg.Model)
	}
	loaded.Add(1)
	return c, nil
}

func free(c *C.struct_whisper_context) {
	C.whisper_free(c)
	loaded.Add(-1)
}

func (w *worker) release() {
	if w.state != nil {
		C.whisper_free_state(w.state)
		w.state = nil
	}
	if w.own && w.ctx != nil {
		free(w.ctx)
		w.ctx = nil
	}
	C.free(unsafe.Pointer(w.flags))
}

// gpuDevice names the GPU whisper.cpp picks for device n, "" when it has none (a CPU-only
// libwhisper, no GPU, or n beyond the GPUs present).
func gpuDevice(n int) string {
	var buf [256]C.char
	if C.cs_gpu(C.int(n), &buf[0], C.size_t(len(buf))) == 0 {
		return ""
	}
	return C.GoString(&buf[0])
}

func takeLog() string {
	buf := make([]byte, 32768)
	n := C.cs_log_take((*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
	return string(buf[:n])
}

// logValue returns what follows key on the last log line containing it.
func logValue(log, key string) string {
	v := ""
	for _, line := range strings.Split(log, "\n") {
		if i := strings.Index(line, key); i >= 0 {
			v = strings.TrimSpace(line[i+len(key):])
		}
	}
	return v
}

// GPUs is the number of GPU devices the linked libwhisper's ggml backends see.
func GPUs() int { return int(C.cs_gpu_count()) }

// SystemInfo is whisper.cpp's report of the CPU features and backends it was built with
// (whisper_print_system_info); a CUDA build shows "CUDA : ARCHS = …".
func SystemInfo() string { return strings.TrimSpace(wb.Whisper_print_system_info()) }

func (e *Engine) gpuLabel() string {
	switch {
	case !e.cfg.GPU:
		return "off (--no-gpu)"
	case e.gpu == "":
		return fmt.Sprintf("requested (device %d) but none found: CPU", e.cfg.GPUDevice)
	}
	return fmt.Sprintf("device %d: %s", e.cfg.GPUDevice, e.gpu)
}

// Settings reports how the engine runs, for /readyz and the record health panel.
func (e *Engine) Settings() Settings {
	return Settings{Model: e.info.Name(), Workers: e.cfg.Workers, ModelsLoaded: e.contexts, Threads: e.cfg.Threads,
		GPU: e.cfg.GPU, GPUDevice: e.cfg.GPUDevice, GPUName: e.gpu, FlashAttn: e.cfg.FlashAttn, AudioCtx: e.cfg.AudioCtx,
		BackendLog: e.backendLine, System: SystemInfo()}
}

// Info describes the loaded model.
func (e *Engine) Info() *models.Info { return e.info }

// Name implements asr.Engine.
func (e *Engine) Name() string { return "whisper" }

// Close frees the states and the model once every worker is back; it is safe to call twice.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		close(e.done)
		for range e.all {
			(<-e.free).release()
		}
		if e.model != nil {
			free(e.model)
			e.model = nil
		}
	})
	return nil
}

// Transcribe implements asr.Engine: it waits for a free worker, then decodes req.PCM.
func (e *Engine) Transcribe(ctx context.Context, req asr.Request) (asr.Transcript, error) {
	if len(req.PCM) == 0 {
		return asr.Transcript{}, errors.New("whisper: no audio")
	}
	return e.withWorker(ctx, func(w *worker) (asr.Transcript, error) { return e.run(ctx, w, req) })
}

func (e *Engine) params(lang string) (wb.Params, error) {
	strategy := C.WHISPER_SAMPLING_GREEDY
	if e.cfg.BeamSize > 1 {
		strategy = C.WHISPER_SAMPLING_BEAM_SEARCH
	}
	cp := C.whisper_full_default_params(uint32(strategy))
	p := *(*wb.Params)(unsafe.Pointer(&cp))
	p.SetPrintProgress(false)
	p.SetPrintRealtime(false)
	p.SetPrintTimestamps(false)
	p.SetPrintSpecial(false)
	p.SetTranslate(false)
	p.SetNoContext(true) // the prompt carries context; no hidden state between utterances
	p.SetSingleSegment(false)
	p.SetThreads(e.cfg.Threads)
	if e.cfg.BeamSize > 1 {
		p.SetBeamSize(e.cfg.BeamSize)
	}
	p.SetTemperature(e.cfg.Temperature)
	p.SetTemperatureFallback(e.cfg.TemperatureInc)
	p.SetTokenTimestamps(e.cfg.TokenTimestamps)
	if lang == "" {
		lang = e.cfg.Language
	}
	if !e.multilingual {
		if lang == string(asr.LanguageZh) {
			return p, fmt.Errorf("whisper: the model is English-only; cannot transcribe zh")
		}
		lang = string(asr.LanguageEn)
	}
	if lang == string(asr.LanguageAuto) {
		return p, p.SetLanguage(-1)
	}
	cl := C.CString(lang)
	id := int(C.whisper_lang_id(cl))
	C.free(unsafe.Pointer(cl))
	if id < 0 {
		return p, fmt.Errorf("whisper: unsupported language %q", lang)
	}
	return p, p.SetLanguage(id)
}

// Model audio frames: the encoder sees 1500 positions for 30 s, 50 a second (one per 320
// samples after the mel hop of 160 and the stride-2 convolution).
const (
	fullAudioCtx   = 1500
	samplesPerCtx  = wire.SampleRate / 50
	audioCtxMargin = 64 // ~1.3 s past the end of the audio, so the decoder sees where it stops
	audioCtxStep   = 64
)

// AudioCtxFor is the audio_ctx the engine uses for n samples in AudioCtxFit mode: the
// utterance's frames plus a margin, rounded up to a multiple of 64, at most the model's 1500.
// 0 means whisper.cpp's default (the full 30 s window).
func AudioCtxFor(n int) int {
	c := (n+samplesPerCtx-1)/samplesPerCtx + audioCtxMargin
	c = (c + audioCtxStep - 1) / audioCtxStep * audioCtxStep
	if c >= fullAudioCtx {
		return 0
	}
	return c
}

func (e *Engine) run(ctx context.Context, w *worker, req asr.Request) (asr.Transcript, error) {
	samples := asr.Float32(req.PCM)
	if n := wire.SampleRate * 11 / 10; len(samples) < n { // whisper.cpp skips inputs under 1 s
		samples = append(samples, make([]float32, n-len(samples))...)
	}
	audioCtx := 0
	if e.cfg.AudioCtx == AudioCtxFit || req.Partial { // a partial is replaced by the final: always the cheap window
		audioCtx = AudioCtxFor(len(samples))
	}
	return e.decode(ctx, w, req.Language, req.Prompt, samples, audioCtx, e.cfg.TokenTimestamps)
}

// decode runs whisper_full on samples with the worker's state; tokenTimes asks for token
// timestamps whatever the configuration (packing needs them to split the text back).
func (e *Engine) decode(ctx context.Context, w *worker, lang, promptText string, samples []float32, audioCtx int, tokenTimes bool) (asr.Transcript, error) {
	p, err := e.params(lang)
	if err != nil {
		return asr.Transcript{}, err
	}
	p.SetTokenTimestamps(tokenTimes)
	var prompt *C.char
	if promptText != "" {
		prompt = C.CString(promptText)
		defer C.free(unsafe.Pointer(prompt))
	}
	C.cs_set_abort(w.flags, 0)
	stop := context.AfterFunc(ctx, func() { C.cs_set_abort(w.flags, 1) })
	cparams := (*C.struct_whisper_full_params)(unsafe.Pointer(&p))
	t0 := time.Now()
	rc := C.cs_full(w.ctx, w.state, cparams, prompt, C.float(e.cfg.NoSpeechThreshold), C.int(e.cfg.BestOf), C.int(audioCtx),
		w.flags, (*C.float)(unsafe.Pointer(&samples[0])), C.int(len(samples)))
	w.lastFull, w.lastCtx = time.Since(t0), audioCtx
	stop()
	runtime.KeepAlive(samples)
	if err := ctx.Err(); err != nil {
		return asr.Transcript{}, err
	}
	if rc != 0 {
		return asr.Transcript{}, fmt.Errorf("whisper: whisper_full failed (%d)", int(rc))
	}
	return e.collect(w, tokenTimes), nil
}

// encodes is the number of encoder passes a worker has run (one per 30 s window).
func (w *worker) encodes() int { return int(C.cs_encodes(w.flags)) }

// logitsHash identifies the logits of the worker's last decode step.
func (w *worker) logitsHash() uint64 { return uint64(C.cs_logits_hash(w.ctx, w.state)) }

// Encodes is the number of encoder passes all workers have run since the engine started.
func (e *Engine) Encodes() int {
	n := 0
	for _, w := range e.all {
		n += w.encodes()
	}
	return n
}

// collect reads the segments and tokens of the worker's last decode (times relative to the audio).
func (e *Engine) collect(w *worker, tokenTimes bool) asr.Transcript {
	st := w.state
	eot := C.whisper_token_eot(w.ctx)
	t := asr.Transcript{NoSpeechProb: -1, Language: C.GoString(C.cs_lang(st))}
	var texts []string
	for i := C.int(0); i < C.whisper_full_n_segments_from_state(st); i++ {
		seg := asr.Span{
			Start:        float64(C.whisper_full_get_segment_t0_from_state(st, i)) / 100,
			End:          float64(C.whisper_full_get_segment_t1_from_state(st, i)) / 100,
			Text:         strings.TrimSpace(C.GoString(C.whisper_full_get_segment_text_from_state(st, i))),
			NoSpeechProb: float64(C.whisper_full_get_segment_no_speech_prob_from_state(st, i)),
		}
		t.NoSpeechProb = max(t.NoSpeechProb, seg.NoSpeechProb)
		for k := C.int(0); k < C.whisper_full_n_tokens_from_state(st, i); k++ {
			d := C.whisper_full_get_token_data_from_state(st, i, k)
			if d.id >= eot { // special and timestamp tokens
				continue
			}
			tk := asr.Token{Text: C.GoString(C.whisper_full_get_token_text_from_state(w.ctx, st, i, k)), P: float64(d.p), Start: -1, End: -1}
			if tokenTimes && d.t0 >= 0 && d.t1 >= d.t0 {
				tk.Start, tk.End = float64(d.t0)/100, float64(d.t1)/100
			}
			seg.Tokens = append(seg.Tokens, tk)
		}
		if seg.Text != "" {
			texts = append(texts, seg.Text)
		}
		t.Spans = append(t.Spans, seg)
	}
	t.Text = asr.JoinText(texts)
	return t
}

// PackStats says what a TranscribePacked call did (asr.PackStats: the engine is an asr.Packer).
type PackStats = asr.PackStats

var _ asr.Packer = (*Engine)(nil)

// TranscribePacked transcribes finals (or backfill) of one hearing, in queue order, packing
// consecutive utterances into windows of at most PackWindowSamples with PackGapSamples of
// silence between them (docs/asr.md, "Packing utterances"). It returns one transcript per
// request, in order, with times relative to each utterance. An utterance longer than the
// window, one in another language than its neighbours, and one whose text SplitPacked cannot
// attribute are decoded on their own. The packed window carries no prompt (each utterance's
// prompt belongs to it alone).
func (e *Engine) TranscribePacked(ctx context.Context, reqs []asr.Request) ([]asr.Transcript, PackStats, error) {
	r := &packRun{e: e, reqs: reqs, out: make([]asr.Transcript, len(reqs))}
	lengths := make([]int, len(reqs))
	for i, q := range reqs {
		lengths[i] = len(q.PCM)
	}
	groups, _ := PackPlan(lengths, PackWindowSamples, PackGapSamples)
	for _, g := range groups {
		for _, part := range sameLanguage(reqs, g) {
			if err := r.decodePart(ctx, part); err != nil {
				return nil, r.st, err
			}
		}
	}
	return r.out, r.st, nil
}

// sameLanguage splits a group of requests where the language changes: one decode has one
// language.
func sameLanguage(reqs []asr.Request, g []int) [][]int {
	var parts [][]int
	for len(g) > 0 {
		k := 1
		for k < len(g) && reqs[g[k]].Language == reqs[g[0]].Language {
			k++
		}
		parts = append(parts, g[:k])
		g = g[k:]
	}
	return parts
}

// packRun is one TranscribePacked: its requests, their transcripts so far and the counts.
type packRun struct {
	e    *Engine
	reqs []asr.Request
	out  []asr.Transcript
	st   PackStats
}

// one decodes request i on its own.
func (r *packRun) one(ctx context.Context, i int) error {
	t, err := r.e.Transcribe(ctx, r.reqs[i])
	r.out[i] = t
	r.st.Single++
	r.st.Alone = append(r.st.Alone, i)
	return err
}

// decodePart decodes the requests of part (one language) in one packed window and assigns the
// text back to each; an utterance whose text cannot be attributed is decoded on its own.
func (r *packRun) decodePart(ctx context.Context, part []int) error {
	if len(part) == 1 {
		return r.one(ctx, part[0])
	}
	e := r.e
	utts := make([][]float32, len(part))
	for j, i := range part {
		utts[j] = asr.Float32(r.reqs[i].PCM)
	}
	window, spans := PackAudio(utts, PackGapSamples)
	audioCtx := 0 // the packed window is mostly speech: full window unless --audio-ctx fit
	if e.cfg.AudioCtx == AudioCtxFit {
		audioCtx = AudioCtxFor(len(window))
	}
	t, err := e.withWorker(ctx, func(w *worker) (asr.Transcript, error) {
		return e.decode(ctx, w, r.reqs[part[0]].Language, "", window, audioCtx, true)
	})
	if err != nil {
		return err
	}
	r.st.Windows++
	split, ambiguous := SplitPacked(t, spans, 0.2)
	for j, i := range part {
		if ambiguous[j] {
			r.st.Fallbacks++
			r.st.Single--
			if err := r.one(ctx, i); err != nil {
				return err
			}
			continue
		}
		if !e.cfg.TokenTimestamps {
			clearTokenTimes(&split[j])
		}
		r.out[i] = split[j]
		r.st.Packed++
	}
	return nil
}

// clearTokenTimes marks every token's times unknown (-1).
func clearTokenTimes(t *asr.Transcript) {
	for s := range t.Spans {
		for k := range t.Spans[s].Tokens {
			t.Spans[s].Tokens[k].Start, t.Spans[s].Tokens[k].End = -1, -1
		}
	}
}

// newWorker makes worker i's decoding state, on the shared model or, with ModelPerWorker, on
// a model of its own.
func (e *Engine) newWorker(i int) (*worker, error) {
	w := &worker{ctx: e.model, flags: (*C.cs_flags)(C.calloc(1, C.size_t(unsafe.Sizeof(C.cs_flags{}))))}
	if e.cfg.ModelPerWorker {
		var err error
		if w.ctx, err = load(e.cfg); err != nil {
			C.free(unsafe.Pointer(w.flags))
			return nil, err
		}
		w.own = true
		e.contexts++
	}
	if w.state = C.whisper_init_state(w.ctx); w.state == nil {
		w.release()
		return nil, fmt.Errorf("whisper: whisper.cpp could not make a decoding state for worker %d (out of memory?)", i+1)
	}
	return w, nil
}

// withWorker runs fn on a free worker; a closed engine refuses before waiting for one.
func (e *Engine) withWorker(ctx context.Context, fn func(*worker) (asr.Transcript, error)) (asr.Transcript, error) {
	closed := fmt.Errorf("whisper: engine closed: %w", asr.ErrUnavailable)
	select {
	case <-e.done:
		return asr.Transcript{}, closed
	default:
	}
	var w *worker
	select {
	case w = <-e.free:
	case <-e.done:
		return asr.Transcript{}, closed
	case <-ctx.Done():
		return asr.Transcript{}, ctx.Err()
	}
	defer func() { e.free <- w }()
	return fn(w)
}
