// Package server is the composition root of `courtscribe server`: Run builds the parts (the
// hearing record with its engine, transcription pool and seat-diarizing stream; the agent
// ingest with its archive; the live path's goroutines; the JSON API with the live websocket
// and the web UI; the front door) in that order from one typed Config, serves them on one
// listener, and stops them in the reverse order: agents are drained and the archive synced
// first, the record's goroutines stopped next, the store closed last.
//
// The cobra command in cmd/courtscribe only turns flags into a Config.
package server

import "context"
import "errors"
import "fmt"
import "log/slog"
import "net"
import "net/http"
import "runtime"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/backfill"
import "github.com/courtscribe/courtscribe/asr/ingest"
import "github.com/courtscribe/courtscribe/asr/pool"
import "github.com/courtscribe/courtscribe/asr/stream"
import "github.com/courtscribe/courtscribe/internal/netguard"
import "github.com/courtscribe/courtscribe/transcript/api"

// Config is everything `courtscribe server` is told. DefaultConfig gives the flags' defaults.
type Config struct {
	Listen           string        // host:port of the one listener (agents, API, UI, health)
	DataDir          string        // tokens, sessions, the hearing archive (and SQLite record)
	AgentIdleTimeout time.Duration // disconnect an agent that sends nothing for this long
	DrainTimeout     time.Duration // how long shutdown waits for agents, writers and parts
	Logger           *slog.Logger  // nil: slog.Default()

	Record  RecordConfig
	Limits  LimitsConfig
	Replica ReplicaConfig
	Scrub   ScrubConfig
	Guard   GuardConfig
	TLS     TLSConfig
}

// DefaultConfig is the server's defaults (those of the command's flags).
func DefaultConfig() Config {
	return Config{Listen: "127.0.0.1:8080", DataDir: "var/data", AgentIdleTimeout: 60 * time.Second, DrainTimeout: 30 * time.Second,
		Record: DefaultRecordConfig(), Limits: DefaultLimitsConfig(), Replica: DefaultReplicaConfig(), Scrub: DefaultScrubConfig(),
		Guard: DefaultGuardConfig()}
}

// Run serves until ctx ends (the first SIGINT/SIGTERM), then drains: agents are disconnected,
// queued audio is written and synced, the record's goroutines stop and the store closes.
func Run(ctx context.Context, cfg Config) (err error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	// Parts that have been built are stopped in reverse order when Run returns, bounded by
	// the drain timeout.
	var down teardown
	defer func() {
		if cerr := down.run(cfg.DrainTimeout, log); cerr != nil && err == nil {
			err = cerr
		}
	}()

	// 1. The record: store, engine, transcription pool, stream (seat diarizer).
	icfg := ingest.DefaultConfig(cfg.DataDir)
	icfg.Logger = log.With("part", "ingest")
	icfg.IdleTimeout = cfg.AgentIdleTimeout
	if err := cfg.Limits.apply(&icfg); err != nil {
		return err
	}
	rec, err := OpenRecord(ctx, cfg.DataDir, icfg.Logger, cfg.Record)
	if err != nil {
		return err
	}
	down.push(rec.Close)
	icfg.Listener = rec.stream  // archived audio goes on to the seat diarizer
	icfg.Admission = rec.stream // an agent records only its own courtroom's open hearings
	icfg.ReadyInfo = rec.readyInfo
	lease, err := cfg.Replica.leaseAdmission(&icfg, rec, cfg.Listen) // on PostgreSQL: one replica per hearing
	if err != nil {
		return err
	}

	// 2. Ingest: the agent endpoint and the archive, with /healthz, /readyz and /metrics.
	ing, err := ingest.New(icfg)
	if err != nil {
		return err
	}
	ingClosed := false // closed by the shutdown below; a step failing before it closes it here
	defer func() {
		if !ingClosed {
			cctx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
			defer cancel()
			ing.Close(cctx)
		}
	}()
	mux := http.NewServeMux()
	ing.Register(mux)

	// 3. The live path: stream, pool, backfill, scrub; then the API with live push and the UI.
	trusted, err := parseCIDRs(cfg.Guard.TrustedProxies)
	if err != nil {
		return err
	}
	live, liveCtx := newRunner(ctx, rec.log)
	if err := rec.pool.Register(ing.Metrics()); err != nil {
		rec.log.Warn("transcription metrics not registered", "err", err)
	}
	live.run(liveCtx, "stream", rec.stream.Run)
	live.run(liveCtx, "transcription pool", rec.pool.Run)
	if rec.cfg.ASR != "none" {
		bf := &backfill.Backfiller{Store: &stream.Backlog{Record: rec.store, Skip: rec.stream.InProgress}, Audio: archive.Archive{Dir: rec.data},
			Engine: rec.pool, Policy: pool.DefaultConfig().Policy, Log: rec.log.With("part", "backfill"), Idle: rec.backfillIdle}
		live.run(liveCtx, "backfill", backfill.NewWatcher(bf, rec.pendingHearings, rec.engineHealth, rec.cfg.BackfillInterval).Run)
	}
	acfg := api.DefaultConfig()
	acfg.DataDir = rec.data
	acfg.NoUI = rec.cfg.NoUI
	acfg.AllowedOrigins = rec.cfg.AllowedOrigins
	acfg.TrustedProxies = trusted
	acfg.StopRecording = rec.stopRecording(ing)
	acfg.DeleteHearing = rec.deleteHearing
	acfg.Integrity = rec.startIntegrity(liveCtx, ing.Metrics(), cfg.Scrub, live.run)
	acfg.Importer = importer{rec: rec, ing: ing}
	status := ingestStatus{srv: ing, engine: rec.engineLabel()}
	if ws, ok := EngineSettings(rec.engine); ok {
		status.system = ws.System
	}
	a := api.New(acfg, rec.store, status, rec.log.With("part", "api"))
	rec.speaking.to(a.Hub()) // the seats' speaking state goes live to the browsers
	mux.Handle("/", a)
	rec.log.Info("hearing record ready", "db", DescribeDB(rec.cfg.DB, rec.data), "engine", rec.engineLabel())
	down.push(func() {
		a.Close()
		live.stop()
	})
	if lease != nil {
		down.push(lease.start(ing))
	}

	// 4. The front door: timeouts, connection caps, /metrics policy, TLS, the listener.
	gcfg, err := cfg.Guard.config(log)
	if err != nil {
		return err
	}
	mpol, err := cfg.Guard.metrics(cfg.Listen, log)
	if err != nil {
		return err
	}
	stopMetrics, err := mpol.serveSeparate(ing.Metrics(), gcfg, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	ln, handler, err := applyServerTLS(netguard.Listen(ln, gcfg), mpol.gate(mux), cfg.TLS)
	if err != nil {
		ln.Close()
		return err
	}
	hs := netguard.Server(handler, gcfg)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("server listening", "addr", ln.Addr().String(), "data", cfg.DataDir, "agent_path", ingest.AgentPath)

	// 5. Shutdown: the listener, then ingest (agents drained, archives synced), then the parts
	// above in reverse order (deferred).
	select {
	case err := <-errc:
		cctx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
		defer cancel()
		ingClosed = true
		return errors.Join(fmt.Errorf("http server: %w", err), ing.Close(cctx))
	case <-ctx.Done():
	}
	log.Info("server draining: disconnecting agents, syncing archives")
	cctx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	defer cancel()
	herr := hs.Shutdown(cctx)
	ingClosed = true
	ierr := ing.Close(cctx)
	serr := <-errc
	if errors.Is(serr, http.ErrServerClosed) { // what Serve returns once Shutdown began
		serr = nil
	}
	if err := errors.Join(herr, ierr, serr); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("server stopped cleanly")
	return nil
}

// teardown stops the parts Run has built, last built first.
type teardown struct{ stops []func() }

func (t *teardown) push(stop func()) { t.stops = append(t.stops, stop) }

// run stops the parts in reverse order. A part that does not stop within limit cannot hold
// the process: its goroutine stacks go to the log and the server exits with an error (the
// archive is already synced and closed at this point).
func (t *teardown) run(limit time.Duration, log *slog.Logger) error {
	if len(t.stops) == 0 {
		return nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := len(t.stops) - 1; i >= 0; i-- {
			t.stops[i]()
		}
	}()
	select {
	case <-done:
		return nil
	case <-time.After(limit):
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		log.Error("shutdown: a mounted part did not stop in time", "limit", limit, "goroutines", string(buf[:n]))
		return fmt.Errorf("shutdown: a mounted part did not stop within %v", limit)
	}
}
