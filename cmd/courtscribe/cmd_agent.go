package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/courtscribe/courtscribe/capture"
	"github.com/courtscribe/courtscribe/capture/device"
	"github.com/courtscribe/courtscribe/capture/wire"
)

func init() { addCommand(newAgentCmd) }

func newAgentCmd() *cobra.Command {
	var (
		server, token, courtroom, hearing, seats string
		tokenFile                                string
		dev, source, spool, localCopy            string
		fast, closeHearing                       bool
		spoolLimitMB                             int64
		sampleRate, channels, frameMS            int
		levelEvery, drain, maxBackoff            time.Duration
		tlsFl                                    tlsClientFlags
		seatFiles                                []string
	)
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
			log := newLogger(os.Stderr).With("part", "agent")
			var seatMap []wire.Seat
			if seats != "" || len(seatFiles) == 0 {
				var err error
				if seatMap, err = wire.ParseSeats(seats); err != nil {
					return fmt.Errorf("--seats: %w", err)
				}
			}
			inputs := 0
			for _, given := range []bool{dev != "", source != "", len(seatFiles) > 0} {
				if given {
					inputs++
				}
			}
			if inputs != 1 {
				return errors.New("give exactly one of --device, --source and --seat-file")
			}
			if fast && dev != "" {
				return errors.New("--fast applies to --source and --seat-file only")
			}
			if spool == "" {
				return errors.New("--spool is required")
			}
			maxCh := 0
			for _, s := range seatMap {
				maxCh = max(maxCh, s.Channel)
			}
			var src capture.Source
			if len(seatFiles) > 0 {
				r, sm, err := openSeatFilesSource(seatFiles, seatMap, !fast)
				if err != nil {
					return err
				}
				src, seatMap = r, sm
			} else if source != "" {
				r, err := openReplaySource(source, !fast)
				if err != nil {
					return err
				}
				src = r
			} else {
				ch := channels
				if ch == 0 {
					ch = maxCh
				}
				d, err := device.Open(device.Options{Device: dev, Channels: ch, SampleRate: sampleRate, Logger: log})
				if err != nil {
					return err
				}
				src = d
			}
			defer src.Close()
			out := cmd.OutOrStdout()
			tlsCfg, err := tlsFl.config()
			if err != nil {
				return err
			}
			token, err := agentToken(token, tokenFile, os.Args[1:], log)
			if err != nil {
				return err
			}
			cfg := capture.AgentConfig{
				TLS:    tlsCfg,
				Server: server, Token: token, Courtroom: courtroom, Hearing: hearing, Seats: seatMap,
				SpoolDir: spool, SpoolLimit: spoolLimitMB << 20, LocalCopyDir: localCopy,
				FrameSamples: frameMS * wire.SampleRate / 1000, CloseHearing: closeHearing,
				LevelInterval: levelEvery, DrainTimeout: drain, MaxBackoff: maxBackoff,
				AgentName: "courtscribe-agent/" + version, Logger: log,
				OnHearing: func(h string) { fmt.Fprintf(out, "hearing: %s\n", h) },
			}
			err = capture.RunAgent(cmd.Context(), cfg, src)
			if errors.Is(err, capture.ErrNotDrained) {
				return &exitError{code: 3, err: err}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&server, "server", "ws://127.0.0.1:8080", "server address (ws://HOST:PORT or wss://; the agent dials "+capture.AgentPath+"); several replicas of one site comma-separated, tried in turn when one fails")
	f.StringVar(&token, "token", "", "agent token of the courtroom (courtscribe tokens add); visible in ps: prefer --token-file or $"+TokenEnv)
	f.StringVar(&tokenFile, "token-file", "", "file (mode 0600) whose first line is the agent token")
	f.StringVar(&courtroom, "courtroom", "", "courtroom name (required)")
	f.StringVar(&hearing, "hearing", "", "hearing id to record into (default: the server names one)")
	f.StringVar(&seats, "seats", "", "seat map, name=channel (1-based input channel), e.g. judge=1,clerk=2,witness=3 (required unless --seat-file names the seats; with --seat-file the channel is the seat file's)")
	f.StringVar(&dev, "device", "", "portaudio input device: index, name (or unique part of it) or 'default' (see courtscribe devices)")
	f.StringVar(&source, "source", "", "replay this recording instead of a device: WAV/RF64 (8–32-bit PCM or float, any rate 8–192 kHz) or FLAC, one channel per input channel")
	seatFileFlag(f, &seatFiles)
	f.BoolVar(&fast, "fast", false, "with --source or --seat-file: replay as fast as the spool and acks allow instead of at real-time pace")
	f.StringVar(&spool, "spool", capture.DefaultSpoolDir, "spool directory (unacknowledged frames, session state; survives crashes)")
	f.Int64Var(&spoolLimitMB, "spool-limit-mb", capture.DefaultSpoolLimit>>20, "hard limit of unacknowledged audio in the spool, MiB (alarm spool_high at 80%, spool_full at 100%)")
	f.StringVar(&localCopy, "local-copy", "", "directory of the agent's own per-seat WAVs (default SPOOL/local-copy)")
	f.BoolVar(&closeHearing, "close-hearing", false, "ask the server to close the hearing when capture ends")
	f.IntVar(&sampleRate, "sample-rate", 0, "with --device: capture rate in Hz (default: the device's default rate)")
	f.IntVar(&channels, "channels", 0, "with --device: channels to open (default: the highest seat channel)")
	f.IntVar(&frameMS, "frame-ms", 200, "audio per frame in milliseconds (10..2000)")
	f.DurationVar(&levelEvery, "level-interval", time.Second, "how often seat levels go to the server")
	f.DurationVar(&drain, "drain-timeout", 10*time.Second, "on SIGINT/SIGTERM, how long to keep delivering the spool")
	f.DurationVar(&maxBackoff, "max-backoff", 15*time.Second, "longest wait between reconnection attempts")
	tlsFl.add(f)
	cmd.MarkFlagRequired("courtroom")
	return cmd
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
