package server

import "context"
import "errors"
import "fmt"
import "io/fs"
import "log/slog"
import "strings"
import "sync"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/ingest"
import "github.com/courtscribe/courtscribe/asr/pool"
import "github.com/courtscribe/courtscribe/asr/stream"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

// The server's record side: the hearing record (SQLite or PostgreSQL), the live stream from
// archived audio to segments (seat diarizer → transcription pool → record), backfill of
// pending utterances, and the JSON API with the web UI and live websocket.

// RecordConfig is the record side's settings: the database, the engine, the court's time
// zone, the API and UI.
type RecordConfig struct {
	DB       string   // --db: see DBUsage; "" is SQLite under the data directory
	ASR      string   // engine kind: whisper, remote, none
	Model    string   // ggml model file for whisper
	ASRURLs  []string // whisper-server or OpenAI-compatible base URLs for remote
	Workers  int
	Language string // default hearing language: zh, en or auto
	Threads  int    // CPU threads per whisper worker (0: automatic)
	GPU      GPUConfig
	TimeZone string // the court's IANA zone, kept with each new hearing ("": the system's)
	NoUI     bool
	// AllowedOrigins are extra browser origins allowed for the API and websockets.
	AllowedOrigins []string
	// BackfillInterval is how often to look for pending utterances when the engine is up.
	BackfillInterval time.Duration
	// Engine, when set, is the engine (tests); see EngineConfig.Engine.
	Engine asr.Engine
}

// DefaultRecordConfig is the server's defaults: no engine (record now, backfill later),
// Chinese hearings, one worker.
func DefaultRecordConfig() RecordConfig {
	return RecordConfig{ASR: "none", Workers: 1, Language: "zh", GPU: DefaultGPUConfig(), BackfillInterval: 30 * time.Second}
}

func (c RecordConfig) engine() EngineConfig {
	return EngineConfig{Kind: c.ASR, Model: c.Model, URLs: c.ASRURLs, Workers: c.Workers, Language: c.Language,
		Threads: c.Threads, GPU: c.GPU, Engine: c.Engine}
}

// Record is the hearing record with its live path: store, engine, transcription pool and
// stream. The stream submits utterances to the pool, and the pool's results go back to the
// stream, which writes them to the record.
type Record struct {
	log    *slog.Logger
	data   string
	store  *sqlite.Store
	engine asr.Engine
	pool   *pool.Pipeline
	stream *stream.Stream
	cfg    RecordConfig
	// speaking carries the stream's speaking signal to the live hub, once the API built it.
	speaking *speakingRelay
}

// resultSink takes the pool's results: the stream, which writes them to the record.
type resultSink interface{ Result(asr.Result) }

// results is the pool's side of the pool → stream edge. The pool is built first (the stream
// submits to it), so the sink is set when the stream has been built, before either runs.
type results struct{ sink resultSink }

func (r *results) Result(res asr.Result) { r.sink.Result(res) }

// OpenRecord opens the hearing record and builds its engine, transcription pool and stream.
// Close releases them; nothing runs until the caller runs the pool and the stream.
func OpenRecord(ctx context.Context, data string, log *slog.Logger, fl RecordConfig) (*Record, error) {
	if log == nil {
		log = slog.Default()
	}
	log = log.With("part", "record")
	if _, err := asr.ParseLanguage(fl.Language); err != nil {
		return nil, fmt.Errorf("--%w", err)
	}
	tz := fl.TimeZone
	if tz == "" {
		tz = transcript.SystemTimeZone()
	}
	if err := transcript.CheckTimeZone(tz); err != nil {
		return nil, fmt.Errorf("--timezone: %w", err)
	}
	log.Info("court time zone", "timezone", tz)
	store, err := OpenStore(ctx, fl.DB, data, sqlite.Options{Logger: log, TimeZone: tz})
	if err != nil {
		return nil, fmt.Errorf("opening the hearing record: %w", err)
	}
	eng, err := NewEngine(ctx, fl.engine(), log)
	if err != nil {
		store.Close()
		return nil, err
	}
	r := &Record{log: log, data: data, store: store, engine: eng, cfg: fl}
	pc := pool.DefaultConfig()
	pc.Workers = max(fl.Workers, 1)
	if fl.Language != string(asr.LanguageAuto) {
		pc.Language = fl.Language
	}
	res := &results{}
	p, err := pool.New(eng, pc, log.With("part", "asr"), res.Result)
	if err != nil {
		store.Close()
		eng.Close()
		return nil, err
	}
	lang := fl.Language
	if lang == string(asr.LanguageAuto) {
		lang = string(asr.LanguageZh)
	}
	relay := &speakingRelay{log: log.With("part", "speaking")}
	st, err := stream.New(stream.Config{Record: store, Transcriber: p, Audio: archive.Archive{Dir: data}, Language: lang, Logger: log.With("part", "stream"),
		Speaking: relay.speaking})
	if err != nil {
		store.Close()
		eng.Close()
		return nil, err
	}
	res.sink = st
	r.pool, r.stream, r.speaking = p, st, relay
	return r, nil
}

// Close releases the engine and the store; the pool and the stream must have stopped.
func (r *Record) Close() {
	r.engine.Close()
	r.store.Close()
}

// runner starts goroutines that stop together: stop cancels their context and waits.
type runner struct {
	log    *slog.Logger
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// newRunner returns a runner and the context its goroutines run in: it keeps ctx's values
// and ends only when stop is called.
func newRunner(ctx context.Context, log *slog.Logger) (*runner, context.Context) {
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	return &runner{log: log, cancel: cancel}, rctx
}

// run runs f(ctx) in a goroutine; ctx is the one newRunner returned.
func (g *runner) run(ctx context.Context, name string, f func(context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(ctx); err != nil && ctx.Err() == nil {
			g.log.Error(name+" stopped", "err", err)
		}
	}()
}

func (g *runner) stop() {
	g.cancel()
	g.wg.Wait()
}

// backfillIdle says whether the pool has room for backfill: nothing queued, a worker free.
func (r *Record) backfillIdle() bool {
	s := r.pool.Stats()
	return s.Queued == 0 && s.Busy < int64(s.Workers)
}

// pendingHearings lists the hearings with pending utterances that the backfill should take.
func (r *Record) pendingHearings(ctx context.Context) ([]string, error) {
	segs, err := r.store.PendingSegments(ctx, "", 1000)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range segs {
		if !seen[s.HearingID] {
			seen[s.HearingID] = true
			if r.stream.Deferred(s.HearingID) {
				continue // an import in progress transcribes it itself, in packed batches
			}
			out = append(out, s.HearingID)
		}
	}
	return out, nil
}

func (r *Record) engineLabel() string {
	switch r.cfg.ASR {
	case "none":
		return "none: utterances kept pending for backfill"
	case "whisper":
		if ws, ok := EngineSettings(r.engine); ok {
			return EngineSummary(ws)
		}
		return "whisper:" + r.cfg.Model
	case "remote":
		return "remote:" + strings.Join(r.cfg.ASRURLs, ",")
	}
	return r.cfg.ASR
}

// readyInfo is what /readyz says about the engine after "ready": the engine, and for whisper
// its settings and whisper.cpp's system line (which shows a CUDA build).
func (r *Record) readyInfo() string {
	out := "engine: " + r.engineLabel()
	if ws, ok := EngineSettings(r.engine); ok {
		out += "\nwhisper system: " + ws.System
	}
	return out
}

// stopRecording is the API's StopRecording: the clerk closes the hearing, so stop the agent's
// recording and write the manifest first, so the record's audio hashes cover every sample.
func (r *Record) stopRecording(ing *ingest.Server) func(ctx context.Context, id string) error {
	return func(ctx context.Context, id string) error {
		r.stream.ClosingElsewhere(id)
		if _, err := ing.CloseHearing(ctx, id); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
}

// engineHealth is the backfill watcher's check that the engine is up.
func (r *Record) engineHealth(ctx context.Context) error {
	if hc, ok := r.engine.(asr.HealthChecker); ok {
		return hc.Health(ctx)
	}
	return nil
}
