package main

import "context"
import "encoding/json"
import "fmt"
import "io"
import "math"
import "strconv"
import "time"

import "github.com/spf13/cobra"

import "github.com/courtscribe/courtscribe/capture"
import "github.com/courtscribe/courtscribe/capture/device"
import "github.com/courtscribe/courtscribe/capture/doctor"
import "github.com/courtscribe/courtscribe/capture/wire"

func init() { addCommand(newDoctorCmd) }

// doctorFlags are the doctor command's flags.
type doctorFlags struct {
	server, dev, seats, spool string
	listen                    time.Duration
	asJSON, noAudio           bool
}

func newDoctorCmd() *cobra.Command {
	var fl doctorFlags
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check a courtroom PC before a hearing: devices, levels, disk, server, clock",
		Long: `doctor checks what a hearing needs on the courtroom PC and prints what to fix:
the audio interface and its channels for the seat map, each seat's microphone level while
people speak (silent or clipping mics), free disk for the spool and the local copy, whether
the server answers, and whether this PC's clock agrees with the server's.
It exits 1 when a check failed, 0 otherwise (warnings included).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := fl.config()
			if err != nil {
				return err
			}
			fs := doctor.Run(cmd.Context(), cfg)
			if err := fl.print(cmd.OutOrStdout(), fs); err != nil {
				return err
			}
			if doctor.Worst(fs) == doctor.Fail {
				return &exitError{code: 1, err: fmt.Errorf("doctor: at least one check failed")}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.server, "server", "", "server URL the agent uses (ws://HOST:PORT, wss://, http:// or https://)")
	f.StringVar(&fl.dev, "device", "", "input device index or name (default: the default input)")
	f.StringVar(&fl.seats, "seats", "", "seat map judge=1,clerk=2,... to check channels and levels")
	f.StringVar(&fl.spool, "spool", capture.DefaultSpoolDir, "the agent's spool directory, to check its free space (the agent's default; need not exist yet)")
	f.DurationVar(&fl.listen, "listen", 3*time.Second, "how long to measure microphone levels (0: skip)")
	f.BoolVar(&fl.asJSON, "json", false, "print the findings as JSON")
	f.BoolVar(&fl.noAudio, "no-audio", false, "skip the device and level checks (a PC that replays files)")
	return cmd
}

// config turns the flags into the checks' configuration.
func (fl *doctorFlags) config() (doctor.Config, error) {
	cfg := doctor.Config{Server: fl.server, SpoolDir: fl.spool, Device: fl.dev}
	if fl.seats != "" {
		s, err := wire.ParseSeats(fl.seats)
		if err != nil {
			return cfg, err
		}
		cfg.Seats = s
	}
	if fl.noAudio {
		return cfg, nil
	}
	cfg.Devices = doctorDevices
	if len(cfg.Seats) > 0 && fl.listen > 0 {
		dev, seats, listen := fl.dev, cfg.Seats, fl.listen
		cfg.Listen = func(ctx context.Context) ([]doctor.Level, error) { return listenLevels(ctx, dev, seats, listen) }
	}
	return cfg, nil
}

// doctorDevices lists the input devices, the default one first as doctor.pick expects.
func doctorDevices() ([]doctor.Device, error) {
	infos, err := device.List()
	if err != nil {
		return nil, err
	}
	out := make([]doctor.Device, len(infos))
	for i, in := range infos {
		out[i] = doctor.Device{Index: in.Index, Name: in.Name, Channels: in.MaxInputChannels, Rate: in.DefaultSampleRate}
	}
	for i, in := range infos {
		if in.Default && i > 0 {
			out[0], out[i] = out[i], out[0]
		}
	}
	return out, nil
}

// notes says in one line what portaudio's host libraries printed (hidden) while listing devices.
func (fl *doctorFlags) notes() []string {
	if fl.noAudio {
		return []string{}
	}
	if n := device.LastNoise().String(); n != "" {
		return []string{n}
	}
	return []string{}
}

// print writes the findings as text or JSON.
func (fl *doctorFlags) print(out io.Writer, fs []doctor.Finding) error {
	if fl.asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"findings": fs, "worst": doctor.Worst(fs), "notes": fl.notes()})
	}
	for _, f := range fs {
		fmt.Fprintf(out, "%-5s %-16s %s\n", f.Status, f.Check, f.Detail)
		if f.Fix != "" {
			fmt.Fprintf(out, "      %-16s → %s\n", "", f.Fix)
		}
	}
	for _, n := range fl.notes() {
		fmt.Fprintln(out, "note: "+n)
	}
	return nil
}

// listenLevels captures from the device for d and measures every seat's channel.
func listenLevels(ctx context.Context, dev string, seats []wire.Seat, d time.Duration) ([]doctor.Level, error) {
	src, err := device.Open(device.Options{Device: dev})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	ch := src.Format().Channels
	rate := src.Format().SampleRate
	sumsq := make([]float64, len(seats))
	peak := make([]int32, len(seats))
	clip := make([]int, len(seats))
	var frames int64
	ctx, cancel := context.WithTimeout(ctx, d+2*time.Second)
	defer cancel()
	for frames < int64(d.Seconds()*float64(rate)) {
		b, err := src.Read(ctx)
		if err != nil {
			return nil, err
		}
		for i, s := range seats {
			c := s.Channel - 1
			if c >= ch {
				return nil, fmt.Errorf("seat %s: channel %d, device has %s", s.Name, s.Channel, strconv.Itoa(ch))
			}
			for f := 0; f < b.Frames; f++ {
				v := int32(b.Data[f*ch+c])
				sumsq[i] += float64(v * v)
				if v < 0 {
					v = -v
				}
				peak[i] = max(peak[i], v)
				if v >= 32767 {
					clip[i]++
				}
			}
		}
		frames += int64(b.Frames)
	}
	out := make([]doctor.Level, len(seats))
	for i, s := range seats {
		rms := math.Sqrt(sumsq[i] / float64(max(frames, 1)))
		out[i] = doctor.Level{Seat: s.Name, RMSdBFS: dbfs(rms), PeakdBFS: dbfs(float64(peak[i])), Clipped: clip[i]}
	}
	return out, nil
}

func dbfs(v float64) float64 {
	if v <= 0 {
		return math.Inf(-1)
	}
	return 20 * math.Log10(v/32768)
}
