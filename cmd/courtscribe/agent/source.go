package agent

import "errors"
import "io"
import "log/slog"

import "github.com/courtscribe/courtscribe/capture"
import "github.com/courtscribe/courtscribe/capture/audiofile"
import "github.com/courtscribe/courtscribe/capture/device"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/cmd/courtscribe/internal/recording"

// InputConfig is the agent's audio: exactly one of Device, Source and SeatFiles.
type InputConfig struct {
	Device     string   // portaudio input device: index, name (or unique part) or "default"
	Source     string   // a multichannel recording to replay instead of a device
	SeatFiles  []string // NAME=FILE: one mono recording per seat to replay
	Fast       bool     // replay as fast as the spool and acks allow, not at real-time pace
	SampleRate int      // with Device: capture rate in Hz (0: the device's default)
	Channels   int      // with Device: channels to open (0: the highest seat channel)
}

// open opens the input. With seat files the seats come back renumbered in the files' order.
func (in InputConfig) open(seats []wire.Seat, log *slog.Logger) (capture.Source, []wire.Seat, error) {
	switch {
	case len(in.SeatFiles) > 0:
		r, seats, err := openSeatFilesSource(in.SeatFiles, seats, !in.Fast)
		if err != nil {
			return nil, nil, err
		}
		return r, seats, nil
	case in.Source != "":
		r, err := openReplaySource(in.Source, !in.Fast)
		if err != nil {
			return nil, nil, err
		}
		return r, seats, nil
	default:
		ch := in.Channels
		if ch == 0 {
			for _, s := range seats {
				ch = max(ch, s.Channel)
			}
		}
		d, err := device.Open(device.Options{Device: in.Device, Channels: ch, SampleRate: in.SampleRate, Logger: log})
		if err != nil {
			return nil, nil, err
		}
		return d, seats, nil
	}
}

// openReplaySource opens the agent's --source: any file audiofile reads, at its own rate (the
// agent resamples it like a device).
func openReplaySource(path string, paced bool) (*capture.Replay, error) {
	n, err := audiofile.OpenNative(path)
	if err != nil {
		return nil, err
	}
	info := n.Info()
	return capture.NewReplay(n, capture.Format{SampleRate: info.SampleRate, Channels: info.Channels}, info.Frames, paced, nil, 0)
}

// openSeatFilesSource opens the agent's --seat-file replay: one mono file per seat, read through
// the same audiofile.Reader as diarize, transcribe and import (resampled to 16 kHz with the
// agent's resampler, shorter files padded with silence to the longest, files more than
// audiofile.MaxSeatSkewSeconds apart refused). seats is the agent's --seats (may be empty:
// then the seats are the --seat-file names in the order given); its channel numbers are
// replaced by the seat files' order, which is the replay's channel order.
func openSeatFilesSource(seatFiles []string, seats []wire.Seat, paced bool) (*capture.Replay, []wire.Seat, error) {
	names := make([]string, len(seats))
	for i, s := range seats {
		names[i] = s.Name
	}
	r, names, err := recording.Open(nil, names, seatFiles, false)
	if err != nil {
		return nil, nil, err
	}
	paths := make([]string, 0, len(r.Inputs()))
	for _, in := range r.Inputs() {
		paths = append(paths, in.Path)
	}
	out := make([]wire.Seat, len(names))
	for i, n := range names {
		out[i] = wire.Seat{Name: n, Channel: i + 1}
	}
	d := &seatFilesDecoder{r: r, paths: paths}
	rep, err := capture.NewReplay(d, capture.Format{SampleRate: wire.SampleRate, Channels: r.Channels()}, r.Frames(), paced, nil, 0)
	if err != nil {
		return nil, nil, err
	}
	return rep, out, nil
}

// seatFilesDecoder plays an audiofile.Reader (16 kHz seat channels) as a capture.FrameDecoder.
// The resampler carries state, so a seek (the agent resuming a session) reopens the files and
// reads forward to the frame: the frames come out identical to an unbroken replay.
type seatFilesDecoder struct {
	r     *audiofile.Reader
	paths []string
	buf   [][]int16
}

func (d *seatFilesDecoder) ReadInt16(dst []int16) (int, error) {
	ch := d.r.Channels()
	want := len(dst) / ch
	if want == 0 {
		return 0, nil
	}
	if len(d.buf) != ch || cap(d.buf[0]) < want {
		d.buf = make([][]int16, ch)
		for c := range d.buf {
			d.buf[c] = make([]int16, want)
		}
	}
	for c := range d.buf {
		d.buf[c] = d.buf[c][:want]
	}
	n, err := d.r.Read(d.buf)
	for i := range n {
		for c := range ch {
			dst[i*ch+c] = d.buf[c][i]
		}
	}
	return n, err
}

func (d *seatFilesDecoder) SeekFrame(frame int64) error {
	if frame < d.r.Pos() {
		r, err := audiofile.OpenSeats(d.paths)
		if err != nil {
			return err
		}
		d.r.Close()
		d.r = r
	}
	skip := make([]int16, recording.Block*d.r.Channels())
	for d.r.Pos() < frame {
		n := min(int64(recording.Block), frame-d.r.Pos())
		if _, err := d.ReadInt16(skip[:n*int64(d.r.Channels())]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
	return nil
}

func (d *seatFilesDecoder) Close() error { return d.r.Close() }
