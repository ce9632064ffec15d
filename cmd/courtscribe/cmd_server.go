package main

import "os"

import "github.com/spf13/cobra"

import "github.com/courtscribe/courtscribe/cmd/courtscribe/server"

func init() { addCommand(newServerCmd) }

func newServerCmd() *cobra.Command {
	cfg := server.DefaultConfig()
	return serverCmd(&cfg)
}

// serverCmd is the server command whose flags fill cfg; server.Run does the work.
func serverCmd(cfg *server.Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Accept capture agents on /v1/agent and archive their audio (plus /healthz, /readyz, /metrics)",
		Long: `server accepts capture agents over websocket (/v1/agent, bearer token of the courtroom, see
"courtscribe tokens add"), archives every seat to DIR/hearings/ID/audio/<seat>.wav, acknowledges
audio only once it is fsynced, and serves /healthz, /readyz and /metrics (Prometheus).
The first SIGINT/SIGTERM drains: agents are disconnected, queued audio is written and synced.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Logger = newLogger(os.Stderr)
			return server.Run(cmd.Context(), *cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", cfg.Listen, "address to listen on (host:port)")
	f.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory: tokens, sessions, hearing archive")
	f.DurationVar(&cfg.AgentIdleTimeout, "agent-idle-timeout", cfg.AgentIdleTimeout, "disconnect an agent that sends nothing for this long")
	f.DurationVar(&cfg.DrainTimeout, "drain-timeout", cfg.DrainTimeout, "how long shutdown waits for agents and writers")

	// The record: database, engine, court time zone, API and UI.
	rc := &cfg.Record
	addDBFlag(f, &rc.DB)
	f.StringVar(&rc.ASR, "asr", rc.ASR, "transcription engine: whisper (needs a build with libwhisper), remote, none (record now, backfill later)")
	f.StringVar(&rc.Model, "model", rc.Model, "ggml Whisper model file for --asr whisper")
	f.StringSliceVar(&rc.ASRURLs, "asr-url", rc.ASRURLs, "whisper-server or OpenAI-compatible base URL(s) for --asr remote (repeat or comma-separate)")
	f.IntVar(&rc.Workers, "workers", rc.Workers, "transcription workers (one decoding state each, all sharing one loaded model)")
	f.StringVar(&rc.Language, "language", rc.Language, "default hearing language: zh, en or auto")
	f.StringVar(&rc.TimeZone, "timezone", rc.TimeZone, "the court's time zone, an IANA name such as Asia/Shanghai or America/Chicago (default: the system's zone); kept with each new hearing and printed in the UI, the API and exports")
	f.IntVar(&rc.Threads, "threads", rc.Threads, "CPU threads per whisper worker (0: automatic)")
	addGPUFlags(f, &rc.GPU)
	f.BoolVar(&rc.NoUI, "no-ui", rc.NoUI, "serve the API without the embedded web UI")
	f.StringSliceVar(&rc.AllowedOrigins, "allowed-origin", rc.AllowedOrigins, "extra browser origins allowed for the API and websockets")
	f.DurationVar(&rc.BackfillInterval, "backfill-interval", rc.BackfillInterval, "how often to look for pending utterances when the engine is up")

	// The archive's bounds.
	f.DurationVar(&cfg.Limits.MaxGap, "max-gap", cfg.Limits.MaxGap, "longest gap one agent may report (a longer outage needs a new hearing)")
	f.DurationVar(&cfg.Limits.FirstGap, "first-gap", cfg.Limits.FirstGap, "gap allowance of a hearing that has no stored audio yet")
	f.StringVar(&cfg.Limits.DiskReserve, "disk-reserve", cfg.Limits.DiskReserve, "disk space audio leaves free for the hearing record: bytes with K/M/G suffix, 0 for none, auto for 256M or an eighth of the file system if smaller")

	// Replicas on one PostgreSQL database.
	f.StringVar(&cfg.Replica.Name, "replica-name", cfg.Replica.Name, "this server's name in ingest leases with --db postgres:// (default: HOST:PORT, this host's name and --listen's port); agents refused by another replica see it")
	f.DurationVar(&cfg.Replica.Lease, "ingest-lease", cfg.Replica.Lease, "with --db postgres://: how long a hearing's ingest lease lasts without renewal; after its replica dies, another takes the hearing's agent this much later at most")

	// Integrity: the background scrub.
	f.DurationVar(&cfg.Scrub.Interval, "scrub-interval", cfg.Scrub.Interval, "scrub the archive and the record in the background this often (0: off; e.g. 168h)")
	f.Float64Var(&cfg.Scrub.RateMB, "scrub-rate-mb", cfg.Scrub.RateMB, "background scrub: read at most this many MiB/s of audio (at idle I/O priority)")
	f.StringVar(&cfg.Scrub.Backup, "scrub-backup", cfg.Scrub.Backup, "background scrub: backup destination whose latest snapshot the record must still cover")

	// The front door.
	g := &cfg.Guard
	f.DurationVar(&g.ReadHeaderTimeout, "read-header-timeout", g.ReadHeaderTimeout, "close a connection whose request headers (or first request) take longer")
	f.DurationVar(&g.ReadTimeout, "read-timeout", g.ReadTimeout, "close a connection whose whole request, body included, takes longer (websockets keep their own deadlines)")
	f.DurationVar(&g.IdleTimeout, "idle-timeout", g.IdleTimeout, "close a keep-alive connection idle this long")
	f.IntVar(&g.MaxConnsPerSource, "max-conns-per-source", g.MaxConnsPerSource, "connections open at once from one address (IPv6: one /64); -1: no cap; trusted proxies are exempt")
	f.StringSliceVar(&g.TrustedProxies, "trusted-proxy", g.TrustedProxies, "CIDR of a TLS-terminating reverse proxy whose X-Forwarded-For/Proto are believed (repeat or comma-separate)")
	f.StringVar(&g.MetricsListen, "metrics-listen", g.MetricsListen, "serve /metrics on this separate address only (e.g. 127.0.0.1:9100)")
	f.StringVar(&g.MetricsTokenFile, "metrics-token-file", g.MetricsTokenFile, "require 'Authorization: Bearer <token>' on /metrics; the file holds the token")
	f.StringVar(&cfg.TLS.Cert, "tls-cert", cfg.TLS.Cert, "PEM certificate (chain) to serve HTTPS/wss")
	f.StringVar(&cfg.TLS.Key, "tls-key", cfg.TLS.Key, "PEM private key of --tls-cert")
	f.StringVar(&cfg.TLS.AgentClientCA, "agent-client-ca", cfg.TLS.AgentClientCA, "PEM CA bundle: agents must present a client certificate it signed (mutual TLS)")
	return cmd
}
