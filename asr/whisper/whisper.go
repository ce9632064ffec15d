//go:build whisper

package whisper

/*
#cgo LDFLAGS: -lwhisper -lggml -lggml-base -lggml-cpu -lm -lstdc++
#cgo linux LDFLAGS: -fopenmp
#include <stdlib.h>
#include <whisper.h>

static bool cs_abort(void * ud) { return __atomic_load_n((int *) ud, __ATOMIC_RELAXED) != 0; }
static bool cs_encoder_begin(struct whisper_context * c, struct whisper_state * s, void * ud) {
	return __atomic_load_n((int *) ud, __ATOMIC_RELAXED) == 0;
}
static void cs_log_discard(enum ggml_log_level level, const char * text, void * ud) {}
static void cs_quiet(void) { whisper_log_set(cs_log_discard, NULL); }
static void cs_set_abort(int * flag, int v) { __atomic_store_n(flag, v, __ATOMIC_RELAXED); }

// whisper_full with the bindings' params, minus the bindings' Go callbacks (whose registry is an
// unlocked global map), plus an abort flag, the prompt and no_speech_thold.
static int cs_full(struct whisper_context * ctx, struct whisper_full_params * p, const char * prompt,
                   float no_speech_thold, int * abort_flag, const float * samples, int n) {
	struct whisper_full_params q = *p;
	q.new_segment_callback = NULL;
	q.new_segment_callback_user_data = NULL;
	q.progress_callback = NULL;
	q.progress_callback_user_data = NULL;
	q.encoder_begin_callback = cs_encoder_begin;
	q.encoder_begin_callback_user_data = abort_flag;
	q.abort_callback = cs_abort;
	q.abort_callback_user_data = abort_flag;
	q.initial_prompt = prompt;
	q.no_speech_thold = no_speech_thold;
	return whisper_full(ctx, q, samples, n);
}

static float cs_encode_ms(struct whisper_context * ctx) {
	struct whisper_timings * t = whisper_get_timings(ctx);
	return t == NULL ? -1 : t->encode_ms;
}

static float cs_no_speech(struct whisper_context * ctx, int i) { return whisper_full_get_segment_no_speech_prob(ctx, i); }
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"

	wb "github.com/ggerganov/whisper.cpp/bindings/go"

	"github.com/courtscribe/courtscribe/asr"
	"github.com/courtscribe/courtscribe/models"
)

// Built reports whether this binary has the whisper engine.
const Built = true

type worker struct {
	ctx      *wb.Context
	abort    *C.int
	lastFull time.Duration // wall time of the last whisper_full call (benchmarks)
}

// Engine is the whisper.cpp engine: Workers models, each decoding one utterance at a time.
type Engine struct {
	cfg          Config
	log          *slog.Logger
	info         *models.Info
	multilingual bool
	free         chan *worker
	all          []*worker
	closeOnce    sync.Once
	done         chan struct{} // closed by Close: waiting callers give up
}

var _ asr.Engine = (*Engine)(nil)

var quietOnce sync.Once

// New validates the model file, loads it once per worker and logs the CPU features whisper.cpp
// uses. A model that fails models.Validate is an error before any C code reads it.
func New(ctx context.Context, cfg Config, log *slog.Logger) (asr.Engine, error) {
	return NewEngine(ctx, cfg, log)
}

// NewEngine is New with the concrete type.
func NewEngine(ctx context.Context, cfg Config, log *slog.Logger) (*Engine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Model == "" {
		return nil, errors.New("whisper: no model file (--model)")
	}
	if cfg.Workers < 1 || cfg.Workers > 64 {
		return nil, fmt.Errorf("whisper: %d workers, want 1..64", cfg.Workers)
	}
	if cfg.Threads <= 0 {
		cfg.Threads = max(1, runtime.NumCPU()/cfg.Workers)
	}
	switch cfg.Language {
	case "":
		cfg.Language = "auto"
	case "auto", "zh", "en":
	default:
		return nil, fmt.Errorf("whisper: language %q, want zh, en or auto", cfg.Language)
	}
	info, err := models.Validate(cfg.Model)
	if err != nil {
		return nil, fmt.Errorf("whisper: model rejected before loading: %w", err)
	}
	if !info.Multilingual && cfg.Language == "zh" {
		return nil, fmt.Errorf("whisper: model %s (%s) is English-only; language zh needs a multilingual model", cfg.Model, info.Name())
	}
	if cfg.Quiet {
		quietOnce.Do(func() { C.cs_quiet() })
	}
	e := &Engine{cfg: cfg, log: log, info: info, multilingual: info.Multilingual, free: make(chan *worker, cfg.Workers), done: make(chan struct{})}
	for i := 0; i < cfg.Workers; i++ {
		if err := ctx.Err(); err != nil {
			e.Close()
			return nil, err
		}
		c := wb.Whisper_init(cfg.Model)
		if c == nil {
			e.Close()
			return nil, fmt.Errorf("whisper: whisper.cpp could not load %s", cfg.Model)
		}
		w := &worker{ctx: c, abort: (*C.int)(C.calloc(1, C.size_t(unsafe.Sizeof(C.int(0)))))}
		e.all = append(e.all, w)
		e.free <- w
	}
	log.Info("whisper engine ready", "model", cfg.Model, "type", info.Name(), "workers", cfg.Workers,
		"threads", cfg.Threads, "language", cfg.Language, "beam", cfg.BeamSize,
		"system", strings.TrimSpace(wb.Whisper_print_system_info()))
	if info.HeaderOnly {
		log.Warn("whisper model has no weights (a test model): its text is meaningless", "model", cfg.Model)
	}
	return e, nil
}

// SystemInfo is whisper.cpp's report of the CPU features and backends it uses.
func SystemInfo() string { return strings.TrimSpace(wb.Whisper_print_system_info()) }

// Info describes the loaded model.
func (e *Engine) Info() *models.Info { return e.info }

// Name implements asr.Engine.
func (e *Engine) Name() string { return "whisper" }

// Close frees the models once every worker is back; it is safe to call twice.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		close(e.done)
		for range e.all {
			w := <-e.free
			w.ctx.Whisper_free()
			C.free(unsafe.Pointer(w.abort))
		}
	})
	return nil
}

// Transcribe implements asr.Engine: it waits for a free worker, then decodes req.PCM.
func (e *Engine) Transcribe(ctx context.Context, req asr.Request) (asr.Transcript, error) {
	if len(req.PCM) == 0 {
		return asr.Transcript{}, errors.New("whisper: no audio")
	}
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
	return e.run(ctx, w, req)
}

func (e *Engine) params(w *worker, lang string) (wb.Params, error) {
	strategy := wb.SAMPLING_GREEDY
	if e.cfg.BeamSize > 1 {
		strategy = wb.SAMPLING_BEAM_SEARCH
	}
	p := w.ctx.Whisper_full_default_params(strategy)
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
	switch {
	case !e.multilingual:
		if lang == "zh" {
			return p, fmt.Errorf("whisper: the model is English-only; cannot transcribe zh")
		}
		lang = "en"
	}
	if lang == "auto" {
		if err := p.SetLanguage(-1); err != nil {
			return p, err
		}
	} else {
		id := w.ctx.Whisper_lang_id(lang)
		if id < 0 {
			return p, fmt.Errorf("whisper: unsupported language %q", lang)
		}
		if err := p.SetLanguage(id); err != nil {
			return p, err
		}
	}
	return p, nil
}

func (e *Engine) run(ctx context.Context, w *worker, req asr.Request) (asr.Transcript, error) {
	p, err := e.params(w, req.Language)
	if err != nil {
		return asr.Transcript{}, err
	}
	samples := asr.Float32(req.PCM)
	if n := asr.SampleRate * 11 / 10; len(samples) < n { // whisper.cpp skips inputs under 1 s
		samples = append(samples, make([]float32, n-len(samples))...)
	}
	var prompt *C.char
	if req.Prompt != "" {
		prompt = C.CString(req.Prompt)
		defer C.free(unsafe.Pointer(prompt))
	}
	C.cs_set_abort(w.abort, 0)
	stop := context.AfterFunc(ctx, func() { C.cs_set_abort(w.abort, 1) })
	cctx := (*C.struct_whisper_context)(unsafe.Pointer(w.ctx))
	cparams := (*C.struct_whisper_full_params)(unsafe.Pointer(&p))
	t0 := time.Now()
	rc := C.cs_full(cctx, cparams, prompt, C.float(e.cfg.NoSpeechThreshold), w.abort, (*C.float)(unsafe.Pointer(&samples[0])), C.int(len(samples)))
	w.lastFull = time.Since(t0)
	stop()
	runtime.KeepAlive(samples)
	if err := ctx.Err(); err != nil {
		return asr.Transcript{}, err
	}
	if rc != 0 {
		return asr.Transcript{}, fmt.Errorf("whisper: whisper_full failed (%d)", int(rc))
	}
	return e.collect(w), nil
}

// encodeMS is whisper.cpp's accumulated encoder time of a worker (proof of real compute in tests).
func (w *worker) encodeMS() float64 {
	return float64(C.cs_encode_ms((*C.struct_whisper_context)(unsafe.Pointer(w.ctx))))
}

// collect reads the segments and tokens of the last decode (times relative to the audio).
func (e *Engine) collect(w *worker) asr.Transcript {
	c := w.ctx
	eot := c.Whisper_token_eot()
	t := asr.Transcript{NoSpeechProb: -1, Language: wb.Whisper_lang_str(c.Whisper_full_lang_id())}
	var texts []string
	cctx := (*C.struct_whisper_context)(unsafe.Pointer(c))
	for i := 0; i < c.Whisper_full_n_segments(); i++ {
		seg := asr.Segment{
			Start:        float64(c.Whisper_full_get_segment_t0(i)) / 100,
			End:          float64(c.Whisper_full_get_segment_t1(i)) / 100,
			Text:         strings.TrimSpace(c.Whisper_full_get_segment_text(i)),
			NoSpeechProb: float64(C.cs_no_speech(cctx, C.int(i))),
		}
		t.NoSpeechProb = max(t.NoSpeechProb, seg.NoSpeechProb)
		for k := 0; k < c.Whisper_full_n_tokens(i); k++ {
			id := c.Whisper_full_get_token_id(i, k)
			if id >= eot { // special and timestamp tokens
				continue
			}
			tk := asr.Token{Text: c.Whisper_full_get_token_text(i, k), P: float64(c.Whisper_full_get_token_p(i, k)), Start: -1, End: -1}
			if e.cfg.TokenTimestamps {
				d := c.Whisper_full_get_token_data(i, k)
				if d.T0() >= 0 && d.T1() >= d.T0() {
					tk.Start, tk.End = float64(d.T0())/100, float64(d.T1())/100
				}
			}
			seg.Tokens = append(seg.Tokens, tk)
		}
		if seg.Text != "" {
			texts = append(texts, seg.Text)
		}
		t.Segments = append(t.Segments, seg)
	}
	t.Text = asr.JoinText(texts)
	return t
}
