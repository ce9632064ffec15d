package main

import "errors"
import "os"
import "runtime/debug"

import "github.com/spf13/cobra"
import "github.com/spf13/pflag"

import "github.com/courtscribe/courtscribe/capture"
import "github.com/courtscribe/courtscribe/cmd/courtscribe/agent"

func init() { addCommand(newAgentCmd) }

// TokenEnv is the environment variable that sets the agent token (see agent.TokenEnv).
const TokenEnv = agent.TokenEnv

// newAgentCmd is the agent command: its flags fill an agent.Config; agent.Run does the work.
func newAgentCmd() *cobra.Command {
	cfg := agent.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Capture the courtroom's seat microphones (or replay a WAV) and stream them to the server",
		Long: `agent records one input channel per seat from a portaudio device (--device) or replays a
multichannel recording (--source) or one mono recording per seat (--seat-file judge=j.wav
--seat-file clerk=c.flac …, shorter files padded with silence to the longest, files more than
1 s apart in length refused), at real-time pace or as fast as acknowledgements allow (--fast),
resamples to 16 kHz, keeps every frame in a crash-safe spool (--spool) until the server has
acknowledged it, writes its own per-seat WAVs (--local-copy), and streams to the server's
/v1/agent endpoint, reconnecting for as long as it runs.

The first line on stdout is "hearing: <ID>" once the server has named the hearing.

Killed (even with SIGKILL) and started again with the same --spool, --courtroom and --seats, it
continues the same session: unacknowledged frames are sent and the time it was down becomes
a gap of exactly that length. A replay that ends, or SIGINT/SIGTERM, ends the session after
every sample is acknowledged (exit 0); if the server cannot be reached within --drain-timeout
the agent exits 3 and the spool keeps the rest for the next start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			setAgentGCPercent()
			cfg.Logger = newLogger(os.Stderr).With("part", "agent")
			cfg.Out = cmd.OutOrStdout()
			cfg.Name = "courtscribe-agent/" + version
			cfg.Token.Args = os.Args[1:]
			err := agent.Run(cmd.Context(), cfg)
			if errors.Is(err, capture.ErrNotDrained) {
				return &exitError{code: 3, err: err}
			}
			return err
		},
	}
	bindAgentFlags(cmd.Flags(), &cfg)
	cmd.MarkFlagRequired("courtroom")
	return cmd
}

// bindAgentFlags binds the agent's flags to cfg, whose values are their defaults.
func bindAgentFlags(f *pflag.FlagSet, cfg *agent.Config) {
	in, sp, st := &cfg.Input, &cfg.Spool, &cfg.Stream
	f.StringVar(&cfg.Server, "server", cfg.Server, "server address (ws://HOST:PORT or wss://; the agent dials "+capture.AgentPath+"); several replicas of one site comma-separated, tried in turn when one fails")
	f.StringVar(&cfg.Token.Value, "token", "", "agent token of the courtroom (courtscribe tokens add); visible in ps: prefer --token-file or $"+TokenEnv)
	f.StringVar(&cfg.Token.File, "token-file", "", "file (mode 0600) whose first line is the agent token")
	f.StringVar(&cfg.Courtroom, "courtroom", "", "courtroom name (required)")
	f.StringVar(&cfg.Hearing, "hearing", "", "hearing id to record into (default: the server names one)")
	f.StringVar(&cfg.Seats, "seats", "", "seat map, name=channel (1-based input channel), e.g. judge=1,clerk=2,witness=3 (required unless --seat-file names the seats; with --seat-file the channel is the seat file's)")
	f.StringVar(&in.Device, "device", "", "portaudio input device: index, name (or unique part of it) or 'default' (see courtscribe devices)")
	f.StringVar(&in.Source, "source", "", "replay this recording instead of a device: WAV/RF64 (8–32-bit PCM or float, any rate 8–192 kHz) or FLAC, one channel per input channel")
	seatFileFlag(f, &in.SeatFiles)
	f.BoolVar(&in.Fast, "fast", false, "with --source or --seat-file: replay as fast as the spool and acks allow instead of at real-time pace")
	f.StringVar(&sp.Dir, "spool", sp.Dir, "spool directory (unacknowledged frames, session state; survives crashes)")
	f.Int64Var(&sp.LimitMB, "spool-limit-mb", sp.LimitMB, "hard limit of unacknowledged audio in the spool, MiB (alarm spool_high at 80%, spool_full at 100%)")
	f.StringVar(&sp.LocalCopy, "local-copy", "", "directory of the agent's own per-seat WAVs (default SPOOL/local-copy)")
	f.BoolVar(&st.CloseHearing, "close-hearing", false, "ask the server to close the hearing when capture ends")
	f.IntVar(&in.SampleRate, "sample-rate", 0, "with --device: capture rate in Hz (default: the device's default rate)")
	f.IntVar(&in.Channels, "channels", 0, "with --device: channels to open (default: the highest seat channel)")
	f.IntVar(&st.FrameMS, "frame-ms", st.FrameMS, "audio per frame in milliseconds (10..2000)")
	f.DurationVar(&st.LevelInterval, "level-interval", st.LevelInterval, "how often seat levels go to the server")
	f.DurationVar(&st.DrainTimeout, "drain-timeout", st.DrainTimeout, "on SIGINT/SIGTERM, how long to keep delivering the spool")
	f.DurationVar(&st.MaxBackoff, "max-backoff", st.MaxBackoff, "longest wait between reconnection attempts")
	f.StringVar(&cfg.TLS.CAFile, "ca-file", "", "PEM CA bundle that signed the server's certificate (wss://); default: system roots")
	f.StringVar(&cfg.TLS.Cert, "client-cert", "", "PEM client certificate of this agent (mutual TLS)")
	f.StringVar(&cfg.TLS.Key, "client-key", "", "PEM private key of --client-cert")
}

// agentGCPercent is the agent's GOGC unless the environment sets one. The agent's live heap
// is about 1 MB and it allocates about 1 MB/s (audio blocks and frames); with Go's default of
// 100 the heap grows to the 4 MB minimum goal before each collection, with 50 to 2 MB. That
// is ~1.7 MB less resident memory (docs/bench-agent.md) for about one collection a second
// instead of one every 2.5 s: measured with 8 channels at 48 kHz, about 0.6 % of a core more
// (0.08 % per channel, against the 2 % per channel target).
const agentGCPercent = 50

// setAgentGCPercent applies agentGCPercent unless GOGC is set in the environment.
func setAgentGCPercent() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(agentGCPercent)
	}
}
