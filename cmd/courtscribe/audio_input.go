package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/courtscribe/courtscribe/capture"
	"github.com/courtscribe/courtscribe/capture/audiofile"
	"github.com/courtscribe/courtscribe/capture/wire"
)

// audioBlock is how many 16 kHz frames the offline commands read at a time (1 s).
const audioBlock = 16000

// seatFileFlag adds --seat-file NAME=FILE (repeatable) to a command.
func seatFileFlag(f *pflag.FlagSet, dst *[]string) {
	f.StringArrayVar(dst, "seat-file", nil, "one mono recording per seat instead of one multi-channel FILE: --seat-file judge=j.wav --seat-file clerk=c.flac … (WAV/RF64/FLAC, any rate 8–192 kHz)")
}

// hearingAudio opens the recording of a hearing for the offline commands: either one
// multi-channel file (args[0], channel i = seat i) or one mono file per seat (seatFiles,
// NAME=FILE). seats is --seats (may be empty for a multi-channel file when defaultSeats is
// set: seat1..seatN). It returns the 16 kHz reader and the seat names in channel order.
func hearingAudio(args, seats, seatFiles []string, defaultSeats bool) (*audiofile.Reader, []string, error) {
	for i, s := range seats {
		seats[i] = strings.TrimSpace(s)
	}
	if len(seatFiles) > 0 {
		if len(args) > 0 {
			return nil, nil, fmt.Errorf("give one multi-channel FILE or --seat-file NAME=FILE for every seat, not both (got %s and %d seat files)", args[0], len(seatFiles))
		}
		names := make([]string, 0, len(seatFiles))
		paths := map[string]string{}
		for _, sf := range seatFiles {
			name, path, ok := strings.Cut(sf, "=")
			name = strings.TrimSpace(name)
			if !ok || name == "" || path == "" {
				return nil, nil, fmt.Errorf("--seat-file %q: want NAME=FILE, e.g. --seat-file judge=judge.wav", sf)
			}
			if _, dup := paths[name]; dup {
				return nil, nil, fmt.Errorf("--seat-file: seat %q is given twice", name)
			}
			paths[name] = path
			names = append(names, name)
		}
		if len(seats) > 0 {
			for _, n := range names {
				if !slices.Contains(seats, n) {
					return nil, nil, fmt.Errorf("--seat-file %s=%s: no seat %q in --seats (%s)", n, paths[n], n, strings.Join(seats, ", "))
				}
			}
			if len(seats) != len(names) {
				return nil, nil, fmt.Errorf("--seats names %d seats but %d --seat-file were given", len(seats), len(names))
			}
			for _, s := range seats {
				if _, ok := paths[s]; !ok {
					return nil, nil, fmt.Errorf("--seats names %q but no --seat-file %s=FILE was given", s, s)
				}
			}
			names = seats
		}
		files := make([]string, len(names))
		for i, n := range names {
			files[i] = paths[n]
		}
		r, err := audiofile.OpenSeats(files)
		if err != nil {
			return nil, nil, err
		}
		return r, names, nil
	}
	if len(args) != 1 {
		return nil, nil, errors.New("give the recording: one multi-channel FILE, or --seat-file NAME=FILE for every seat")
	}
	r, err := audiofile.Open(args[0])
	if err != nil {
		return nil, nil, err
	}
	if len(seats) == 0 && defaultSeats {
		for i := range r.Channels() {
			seats = append(seats, fmt.Sprintf("seat%d", i+1))
		}
	}
	if len(seats) != r.Channels() {
		in := r.Inputs()[0]
		r.Close()
		return nil, nil, &audiofile.FileError{Path: args[0], What: fmt.Sprintf("%s, but --seats names %d seat%s", in.Format, len(seats), plural(len(seats))),
			Hint: "name one seat per channel in channel order, or give one mono file per seat with --seat-file NAME=FILE"}
	}
	return r, seats, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
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
	r, names, err := hearingAudio(nil, names, seatFiles, false)
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
	rep, err := capture.NewReplay(d, capture.Format{SampleRate: audiofile.Rate, Channels: r.Channels()}, r.Frames(), paced, nil, 0)
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
	skip := make([]int16, audioBlock*d.r.Channels())
	for d.r.Pos() < frame {
		n := min(int64(audioBlock), frame-d.r.Pos())
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

// progress prints a progress line on stderr while a long recording is read, when stderr is a
// terminal: "reading: 12:30 of 29:00 (43%)".
type progress struct {
	w     io.Writer
	what  string
	total int64 // 16 kHz frames, -1 unknown
	last  time.Time
	shown bool
}

// newProgress returns nil (no output) unless w is a terminal and the recording is longer than
// a minute (or of unknown length).
func newProgress(w io.Writer, what string, total int64) *progress {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) || (total >= 0 && total < 60*audiofile.Rate) {
		return nil
	}
	return &progress{w: w, what: what, total: total}
}

func (p *progress) update(pos int64) {
	if p == nil || time.Since(p.last) < 250*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.shown = true
	if p.total > 0 {
		fmt.Fprintf(p.w, "\r%s: %s of %s (%d%%) ", p.what, mmss(pos), mmss(p.total), 100*pos/p.total)
		return
	}
	fmt.Fprintf(p.w, "\r%s: %s ", p.what, mmss(pos))
}

func (p *progress) done() {
	if p != nil && p.shown {
		fmt.Fprintln(p.w)
	}
}

func mmss(frames int64) string {
	s := frames / audiofile.Rate
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// forEachBlock reads the whole recording in 1 s blocks and hands each to fn (the slices are
// reused by the next call).
func forEachBlock(r *audiofile.Reader, prog *progress, fn func(block [][]int16, first int64) error) error {
	buf := make([][]int16, r.Channels())
	for c := range buf {
		buf[c] = make([]int16, audioBlock)
	}
	view := make([][]int16, len(buf))
	defer prog.done()
	for {
		first := r.Pos()
		n, err := r.Read(buf)
		if n > 0 {
			for c := range buf {
				view[c] = buf[c][:n]
			}
			if ferr := fn(view, first); ferr != nil {
				return ferr
			}
			prog.update(r.Pos())
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
