package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/courtscribe/courtscribe/asr/ingest"
	"github.com/courtscribe/courtscribe/internal/netguard"
)

func init() { addCommand(newServerCmd) }

// serverEnv is what the server command has built, handed to the parts that mount themselves on
// the same listener (transcript API, web UI…).
type serverEnv struct {
	Mux     *http.ServeMux
	Ingest  *ingest.Server
	DataDir string
	Logger  *slog.Logger
}

var (
	serverFlagSets []func(f *pflag.FlagSet)
	serverPrepares []func(ctx context.Context, cfg *ingest.Config) error
	serverMounts   []func(ctx context.Context, env *serverEnv) (cleanup func(), err error)
)

// addServerFlags lets another part add its flags to the server command; call it from init.
func addServerFlags(f func(f *pflag.FlagSet)) { serverFlagSets = append(serverFlagSets, f) }

// addServerPrepare lets another part adjust the ingest configuration (e.g. set
// cfg.Listener to feed the seat diarizer) before the server is built; call it from init.
func addServerPrepare(f func(ctx context.Context, cfg *ingest.Config) error) {
	serverPrepares = append(serverPrepares, f)
}

// addServerMount lets another part register handlers on the server's mux; cleanup (may be nil)
// runs at shutdown after the listener has stopped. Call it from init.
func addServerMount(f func(ctx context.Context, env *serverEnv) (func(), error)) {
	serverMounts = append(serverMounts, f)
}

func newServerCmd() *cobra.Command {
	var (
		listen   string
		data     string
		idle     time.Duration
		drainFor time.Duration
	)
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Accept capture agents on /v1/agent and archive their audio (plus /healthz, /readyz, /metrics)",
		Long: `server accepts capture agents over websocket (/v1/agent, bearer token of the courtroom, see
"courtscribe tokens add"), archives every seat to DIR/hearings/ID/audio/<seat>.wav, acknowledges
audio only once it is fsynced, and serves /healthz, /readyz and /metrics (Prometheus).
The first SIGINT/SIGTERM drains: agents are disconnected, queued audio is written and synced.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServer(cmd.Context(), newLogger(os.Stderr), listen, data, idle, drainFor)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on (host:port)")
	f.StringVar(&data, "data", "var/data", "data directory: tokens, sessions, hearing archive")
	f.DurationVar(&idle, "agent-idle-timeout", 60*time.Second, "disconnect an agent that sends nothing for this long")
	f.DurationVar(&drainFor, "drain-timeout", 30*time.Second, "how long shutdown waits for agents and writers")
	for _, add := range serverFlagSets {
		add(f)
	}
	return cmd
}

func runServer(ctx context.Context, log *slog.Logger, listen, data string, idle, drainFor time.Duration) (err error) {
	cfg := ingest.DefaultConfig(data)
	cfg.Logger = log.With("part", "ingest")
	cfg.IdleTimeout = idle
	for _, p := range serverPrepares {
		if err := p(ctx, &cfg); err != nil {
			return err
		}
	}
	srv, err := ingest.New(cfg)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	srv.Register(mux)
	env := &serverEnv{Mux: mux, Ingest: srv, DataDir: data, Logger: log}
	var cleanups []func()
	defer func() {
		if cerr := runCleanups(cleanups, drainFor, log); cerr != nil && err == nil {
			err = cerr
		}
	}()
	for _, m := range serverMounts {
		c, err := m(ctx, env)
		if err != nil {
			return err
		}
		if c != nil {
			cleanups = append(cleanups, c)
		}
	}
	gcfg, err := srvGuard.config(log)
	if err != nil {
		return err
	}
	mpol, err := srvGuard.metrics(listen, log)
	if err != nil {
		return err
	}
	stopMetrics, err := mpol.serveSeparate(srv.Metrics(), gcfg, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	ln, handler, err := applyServerTLS(netguard.Listen(ln, gcfg), mpol.gate(mux), srvTLS)
	if err != nil {
		ln.Close()
		return err
	}
	hs := netguard.Server(handler, gcfg)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("server listening", "addr", ln.Addr().String(), "data", data, "agent_path", ingest.AgentPath)

	select {
	case err := <-errc:
		cctx, cancel := context.WithTimeout(context.Background(), drainFor)
		defer cancel()
		return errors.Join(fmt.Errorf("http server: %w", err), srv.Close(cctx))
	case <-ctx.Done():
	}
	log.Info("server draining: disconnecting agents, syncing archives")
	cctx, cancel := context.WithTimeout(context.Background(), drainFor)
	defer cancel()
	herr := hs.Shutdown(cctx)
	ierr := srv.Close(cctx)
	<-errc
	if err := errors.Join(herr, ierr); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("server stopped cleanly")
	return nil
}

// runCleanups stops the mounted parts in reverse order. A part that does not stop within
// limit cannot hold the process: its goroutine stacks go to the log and the server exits with
// an error (the archive is already synced and closed at this point).
func runCleanups(cleanups []func(), limit time.Duration, log *slog.Logger) error {
	if len(cleanups) == 0 {
		return nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
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
