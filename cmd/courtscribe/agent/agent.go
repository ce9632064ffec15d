// Package agent is the composition root of `courtscribe agent`: Run checks the inputs,
// opens the audio source (a device, a multichannel replay or one file per seat), loads the
// TLS settings and the token, and hands them to capture.RunAgent, which spools, keeps the
// local copy and streams to the server, from one typed Config.
//
// The cobra command in cmd/courtscribe only turns flags into a Config.
package agent

import "context"
import "errors"
import "fmt"
import "io"
import "log/slog"
import "time"

import "github.com/courtscribe/courtscribe/capture"
import "github.com/courtscribe/courtscribe/capture/wire"

// Config is everything `courtscribe agent` is told. DefaultConfig gives the flags' defaults.
type Config struct {
	Server    string // ws:// or wss:// address(es) of the server, comma-separated replicas
	Courtroom string
	Hearing   string // optional: the server names one when empty
	Seats     string // seat map name=channel,…; optional with Input.SeatFiles
	Name      string // the agent's name in its hello, e.g. courtscribe-agent/VERSION

	Logger *slog.Logger // nil: discard
	Out    io.Writer    // gets "hearing: <ID>" once the server has named the hearing; nil: discard

	Input  InputConfig
	Spool  SpoolConfig
	Stream StreamConfig
	Token  TokenConfig
	TLS    TLSConfig
}

// SpoolConfig is where the agent keeps what the server has not acknowledged, and its own copy.
type SpoolConfig struct {
	Dir       string // required
	LimitMB   int64  // hard limit of unacknowledged audio, MiB
	LocalCopy string // per-seat WAVs; empty: Dir/local-copy
}

// StreamConfig shapes the stream to the server.
type StreamConfig struct {
	FrameMS       int           // audio per frame, milliseconds
	LevelInterval time.Duration // how often seat levels go to the server
	DrainTimeout  time.Duration // after a stop, how long to keep delivering the spool
	MaxBackoff    time.Duration // longest wait between reconnection attempts
	CloseHearing  bool          // ask the server to close the hearing when capture ends
}

// DefaultConfig is the agent's defaults (those of the command's flags).
func DefaultConfig() Config {
	return Config{
		Server: "ws://127.0.0.1:8080",
		Spool:  SpoolConfig{Dir: capture.DefaultSpoolDir, LimitMB: capture.DefaultSpoolLimit >> 20},
		Stream: StreamConfig{FrameMS: 200, LevelInterval: time.Second, DrainTimeout: 10 * time.Second, MaxBackoff: 15 * time.Second},
	}
}

// Run captures and streams until the source ends or ctx ends, then delivers the spool. It
// returns an error wrapping capture.ErrNotDrained when frames are left in the spool.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	seats, err := cfg.seats()
	if err != nil {
		return err
	}
	if err := cfg.check(); err != nil {
		return err
	}
	src, seats, err := cfg.Input.open(seats, log)
	if err != nil {
		return err
	}
	defer src.Close()
	tlsCfg, err := cfg.TLS.load()
	if err != nil {
		return err
	}
	token, err := cfg.Token.resolve(log)
	if err != nil {
		return err
	}
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	acfg := capture.AgentConfig{
		TLS:    tlsCfg,
		Server: cfg.Server, Token: token, Courtroom: cfg.Courtroom, Hearing: cfg.Hearing, Seats: seats,
		SpoolDir: cfg.Spool.Dir, SpoolLimit: cfg.Spool.LimitMB << 20, LocalCopyDir: cfg.Spool.LocalCopy,
		FrameSamples: cfg.Stream.FrameMS * wire.SampleRate / 1000, CloseHearing: cfg.Stream.CloseHearing,
		LevelInterval: cfg.Stream.LevelInterval, DrainTimeout: cfg.Stream.DrainTimeout, MaxBackoff: cfg.Stream.MaxBackoff,
		AgentName: cfg.Name, Logger: log,
		OnHearing: func(h string) { fmt.Fprintf(out, "hearing: %s\n", h) },
	}
	return capture.RunAgent(ctx, acfg, src)
}

// seats parses the seat map; with seat files and no map the files name the seats.
func (cfg Config) seats() ([]wire.Seat, error) {
	if cfg.Seats == "" && len(cfg.Input.SeatFiles) > 0 {
		return nil, nil
	}
	seats, err := wire.ParseSeats(cfg.Seats)
	if err != nil {
		return nil, fmt.Errorf("--seats: %w", err)
	}
	return seats, nil
}

// check refuses contradictory inputs and a missing spool.
func (cfg Config) check() error {
	in := cfg.Input
	inputs := 0
	for _, given := range []bool{in.Device != "", in.Source != "", len(in.SeatFiles) > 0} {
		if given {
			inputs++
		}
	}
	if inputs != 1 {
		return errors.New("give exactly one of --device, --source and --seat-file")
	}
	if in.Fast && in.Device != "" {
		return errors.New("--fast applies to --source and --seat-file only")
	}
	if cfg.Spool.Dir == "" {
		return errors.New("--spool is required")
	}
	return nil
}
