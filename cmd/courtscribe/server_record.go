package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/courtscribe/courtscribe/asr"
	"github.com/courtscribe/courtscribe/asr/backfill"
	"github.com/courtscribe/courtscribe/asr/ingest"
	"github.com/courtscribe/courtscribe/asr/pool"
	"github.com/courtscribe/courtscribe/asr/stream"
	"github.com/courtscribe/courtscribe/transcript"
	"github.com/courtscribe/courtscribe/transcript/api"
	"github.com/courtscribe/courtscribe/transcript/sqlite"
)

// The server's record side: the hearing record (SQLite), the live stream from archived audio
// to segments (seat diarizer → transcription pool → record), backfill of pending utterances,
// and the JSON API with the web UI and live websocket. It mounts on the ingest server's
// listener through the hooks in cmd_server.go.

type recordFlags struct {
	asrKind  string
	model    string
	asrURLs  []string
	workers  int
	language string
	threads  int
	noUI     bool
	origins  []string
	backfill time.Duration
	gpu      gpuFlags
	timezone string // the court's IANA zone, kept with each new hearing
	db       string // --db: the record's database (see record_db.go); "" is SQLite under --data
}

var srvRecord recordFlags

func init() {
	addServerFlags(func(f *pflag.FlagSet) {
		f.StringVar(&srvRecord.asrKind, "asr", "none", "transcription engine: whisper (needs a build with libwhisper), remote, none (record now, backfill later)")
		f.StringVar(&srvRecord.model, "model", "", "ggml Whisper model file for --asr whisper")
		f.StringSliceVar(&srvRecord.asrURLs, "asr-url", nil, "whisper-server or OpenAI-compatible base URL(s) for --asr remote (repeat or comma-separate)")
		f.IntVar(&srvRecord.workers, "workers", 1, "transcription workers (one decoding state each, all sharing one loaded model)")
		f.StringVar(&srvRecord.language, "language", "zh", "default hearing language: zh, en or auto")
		f.StringVar(&srvRecord.timezone, "timezone", "", "the court's time zone, an IANA name such as Asia/Shanghai or America/Chicago (default: the system's zone); kept with each new hearing and printed in the UI, the API and exports")
		f.IntVar(&srvRecord.threads, "threads", 0, "CPU threads per whisper worker (0: automatic)")
		addGPUFlags(f, &srvRecord.gpu)
		f.BoolVar(&srvRecord.noUI, "no-ui", false, "serve the API without the embedded web UI")
		f.StringSliceVar(&srvRecord.origins, "allowed-origin", nil, "extra browser origins allowed for the API and websockets")
		f.DurationVar(&srvRecord.backfill, "backfill-interval", 30*time.Second, "how often to look for pending utterances when the engine is up")
	})
	var rec *serverRecord
	addServerPrepare(func(ctx context.Context, cfg *ingest.Config) error {
		var err error
		rec, err = openServerRecord(ctx, cfg.DataDir, cfg.Logger, srvRecord)
		if err != nil {
			return err
		}
		replicaRecord = rec // server_replica.go: ingest leases on PostgreSQL
		cfg.Listener = rec.stream
		cfg.Admission = rec.stream // an agent records only its own courtroom's open hearings
		cfg.ReadyInfo = rec.readyInfo
		return nil
	})
	addServerMount(func(ctx context.Context, env *serverEnv) (func(), error) {
		return rec.mount(ctx, env)
	})
}

type serverRecord struct {
	log    *slog.Logger
	data   string
	store  *sqlite.Store
	engine asr.Engine
	pool   *pool.Pipeline
	stream *stream.Stream
	flags  recordFlags
}

func openServerRecord(ctx context.Context, data string, log *slog.Logger, fl recordFlags) (*serverRecord, error) {
	if log == nil {
		log = slog.Default()
	}
	log = log.With("part", "record")
	switch fl.language {
	case "zh", "en", "auto":
	default:
		return nil, fmt.Errorf("--language %q: want zh, en or auto", fl.language)
	}
	tz := fl.timezone
	if tz == "" {
		tz = transcript.SystemTimeZone()
	}
	if err := transcript.CheckTimeZone(tz); err != nil {
		return nil, fmt.Errorf("--timezone: %w", err)
	}
	log.Info("court time zone", "timezone", tz)
	store, err := openStore(ctx, fl.db, data, sqlite.Options{Logger: log, TimeZone: tz})
	if err != nil {
		return nil, fmt.Errorf("opening the hearing record: %w", err)
	}
	eng, err := newEngine(ctx, engineFlags{kind: fl.asrKind, model: fl.model, urls: fl.asrURLs, workers: fl.workers, language: fl.language, threads: fl.threads, gpu: fl.gpu}, log)
	if err != nil {
		store.Close()
		return nil, err
	}
	r := &serverRecord{log: log, data: data, store: store, engine: eng, flags: fl}
	pc := pool.DefaultConfig()
	pc.Workers = max(fl.workers, 1)
	if fl.language != "auto" {
		pc.Language = fl.language
	}
	var st *stream.Stream
	p, err := pool.New(eng, pc, log.With("part", "asr"), func(res asr.Result) { st.Result(res) })
	if err != nil {
		store.Close()
		eng.Close()
		return nil, err
	}
	lang := fl.language
	if lang == "auto" {
		lang = "zh"
	}
	st, err = stream.New(stream.Config{Record: store, Transcriber: p, Audio: backfill.Archive{Dir: data}, Language: lang, Logger: log.With("part", "stream")})
	if err != nil {
		store.Close()
		eng.Close()
		return nil, err
	}
	r.pool, r.stream = p, st
	return r, nil
}

// mount starts the record's goroutines and mounts the API and UI. cleanup stops them after the
// listener has stopped and ingest has drained.
func (r *serverRecord) mount(ctx context.Context, env *serverEnv) (func(), error) {
	trusted, err := parseCIDRs(srvGuard.trusted)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	run := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(rctx); err != nil && rctx.Err() == nil {
				r.log.Error(name+" stopped", "err", err)
			}
		}()
	}
	if err := r.pool.Register(env.Ingest.Metrics()); err != nil {
		r.log.Warn("transcription metrics not registered", "err", err)
	}
	run("stream", r.stream.Run)
	run("transcription pool", r.pool.Run)
	bf := &backfill.Backfiller{Store: &stream.Backlog{Record: r.store, Skip: r.stream.InProgress}, Audio: backfill.Archive{Dir: r.data},
		Engine: r.pool, Policy: pool.DefaultConfig().Policy, Log: r.log.With("part", "backfill"),
		Idle: func() bool { s := r.pool.Stats(); return s.Queued == 0 && s.Busy < int64(s.Workers) }}
	health := func(ctx context.Context) error {
		if hc, ok := r.engine.(asr.HealthChecker); ok {
			return hc.Health(ctx)
		}
		return nil
	}
	hearings := func(ctx context.Context) ([]string, error) {
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
	if r.flags.asrKind != "none" {
		run("backfill", backfill.NewWatcher(bf, hearings, health, r.flags.backfill).Run)
	}

	acfg := api.DefaultConfig()
	acfg.DataDir = r.data
	acfg.NoUI = r.flags.noUI
	acfg.AllowedOrigins = r.flags.origins
	acfg.TrustedProxies = trusted
	acfg.StopRecording = func(ctx context.Context, id string) error {
		// The clerk closes the hearing: stop the agent's recording and write the manifest
		// first, so the record's audio hashes cover every sample.
		r.stream.ClosingElsewhere(id)
		if _, err := env.Ingest.CloseHearing(ctx, id); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	acfg.DeleteHearing = r.deleteHearing
	acfg.Integrity = r.startIntegrity(env, run)
	acfg.Importer = serverImporter{rec: r, ing: env.Ingest}
	st := ingestStatus{srv: env.Ingest, engine: r.engineLabel()}
	if ws, ok := engineSettings(r.engine); ok {
		st.system = ws.System
	}
	a := api.New(acfg, r.store, st, r.log.With("part", "api"))
	env.Mux.Handle("/", a)
	r.log.Info("hearing record ready", "db", describeDB(r.flags.db, r.data), "engine", r.engineLabel())

	return func() {
		a.Close()
		cancel()
		wg.Wait()
		r.engine.Close()
		r.store.Close()
	}, nil
}

func (r *serverRecord) engineLabel() string {
	switch r.flags.asrKind {
	case "none":
		return "none: utterances kept pending for backfill"
	case "whisper":
		if ws, ok := engineSettings(r.engine); ok {
			return engineSummary(ws)
		}
		return "whisper:" + r.flags.model
	case "remote":
		return "remote:" + strings.Join(r.flags.asrURLs, ",")
	}
	return r.flags.asrKind
}

// readyInfo is what /readyz says about the engine after "ready": the engine, and for whisper
// its settings and whisper.cpp's system line (which shows a CUDA build).
func (r *serverRecord) readyInfo() string {
	out := "engine: " + r.engineLabel()
	if ws, ok := engineSettings(r.engine); ok {
		out += "\nwhisper system: " + ws.System
	}
	return out
}

// ingestStatus adapts the ingest server's live status to the API's record-health panel.
type ingestStatus struct {
	srv    *ingest.Server
	engine string
	system string // whisper.cpp's system info line, "" for other engines
}

func (s ingestStatus) HearingHealth(id string) (api.AgentHealth, bool) {
	for _, h := range s.srv.Status().Hearings {
		if h.Hearing == id {
			return s.convert(h), true
		}
	}
	return api.AgentHealth{Engine: s.engine, EngineSystem: s.system}, false
}

func (s ingestStatus) Agents() []api.AgentHealth {
	st := s.srv.Status()
	out := make([]api.AgentHealth, 0, len(st.Hearings))
	for _, h := range st.Hearings {
		out = append(out, s.convert(h))
	}
	return out
}

func (s ingestStatus) convert(h ingest.HearingStatus) api.AgentHealth {
	a := api.AgentHealth{Hearing: h.Hearing, Courtroom: h.Courtroom, Session: h.Session, Agent: h.Agent, Remote: h.Remote,
		Connected: h.Connected, ConnectedAt: h.ConnectedAt, LastFrameAt: h.LastFrameAt, Seats: h.Seats, LevelsAt: h.LevelsAt,
		SpoolBytes: h.SpoolBytes, SpoolLimit: h.SpoolLimit, Unacked: h.Unacked, Gaps: h.Gaps, Engine: s.engine,
		EngineSystem: s.system}
	for _, l := range h.Levels {
		a.Levels = append(a.Levels, api.SeatLevel{Seat: l.Seat, RMSdBFS: l.RMSdBFS, PeakdBFS: l.PeakdBFS, Clipped: l.Clipped})
	}
	for _, al := range h.Alarms {
		a.Alarms = append(a.Alarms, api.Alarm{At: al.At, Code: al.Code, Message: al.Message})
	}
	for _, ac := range h.Activity {
		a.Activity = append(a.Activity, api.SeatActivity(ac))
	}
	return a
}

var _ api.StatusSource = ingestStatus{}
var _ transcript.Store = (*sqlite.Store)(nil)
