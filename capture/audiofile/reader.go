package audiofile

import "errors"
import "fmt"
import "io"

import "github.com/courtscribe/courtscribe/capture"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

// blockIn is how many native frames are decoded per step (about 85 ms at 48 kHz).
const blockIn = 4096

// MaxSeatSkewSeconds is how much the lengths of per-seat files may differ; the shorter ones
// are padded with silence at the end (Reader.Padded says by how much).
const MaxSeatSkewSeconds = 1.0

// Reader delivers 16 kHz 16-bit seat channels from one multi-channel file or from one mono
// file per seat. Each input is decoded a block at a time and resampled with the agent's
// resampler (capture.Resampler, which passes 16 kHz input through untouched, so a 16 kHz
// 16-bit file comes out sample-exact).
type Reader struct {
	inputs   []*input
	channels int
	frames   int64 // expected output frames, -1 unknown
	pos      int64
}

type input struct {
	nat    Native
	info   Info
	rs     *capture.Resampler
	in     [][]float32 // native block
	res    [][]float32 // resampler output (reused)
	fifo   [][]int16   // 16 kHz samples waiting, per channel of this input
	first  int         // first seat channel of this input
	eof    bool
	padded int64 // frames of silence added at the end
}

// Open opens one file that holds every seat, one channel per seat.
func Open(path string) (*Reader, error) { return open([]string{path}, false) }

// OpenSeats opens one mono file per seat (in seat order).
func OpenSeats(paths []string) (*Reader, error) { return open(paths, true) }

func open(paths []string, mono bool) (_ *Reader, err error) {
	if len(paths) == 0 {
		return nil, errors.New("audiofile: no input files")
	}
	r := &Reader{}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	longest := -1.0
	for _, p := range paths {
		nat, err := OpenNative(p)
		if err != nil {
			return nil, err
		}
		info := nat.Info()
		in := &input{nat: nat, info: info, first: r.channels}
		r.inputs = append(r.inputs, in)
		if info.Truncated {
			return nil, &FileError{Path: p, What: fmt.Sprintf("%s cut short: the header declares %s but the file holds %s",
				info.Format, dur(info.Declared, info.SampleRate), dur(info.Frames, info.SampleRate)),
				Hint: "copy the complete file again, or rewrite the header with: sox IN OUT.wav"}
		}
		if mono && info.Channels != 1 {
			return nil, &FileError{Path: p, What: fmt.Sprintf("%s, but a seat file must be mono", info.Format),
				Hint: "give one multi-channel file without --seat-file, or split it with: sox IN OUT.wav remix N"}
		}
		rs, err := capture.NewResampler(info.SampleRate, wire.SampleRate, info.Channels)
		if err != nil {
			return nil, &FileError{Path: p, What: info.Format + ": " + err.Error()}
		}
		in.rs = rs
		in.in = make([][]float32, info.Channels)
		in.res = make([][]float32, info.Channels)
		in.fifo = make([][]int16, info.Channels)
		for c := range in.in {
			in.in[c] = make([]float32, blockIn)
		}
		r.channels += info.Channels
		if s := info.Seconds(); s > longest {
			longest = s
		}
	}
	if r.channels > wavfile.MaxChannels {
		return nil, fmt.Errorf("%d channels in all; at most %d seats are read", r.channels, wavfile.MaxChannels)
	}
	r.frames = -1
	for _, in := range r.inputs {
		s := in.info.Seconds()
		if s < 0 {
			r.frames = -1
			break
		}
		if longest-s > MaxSeatSkewSeconds {
			return nil, &FileError{Path: in.info.Path, What: fmt.Sprintf("%.1f s long, %.1f s shorter than the longest seat file", s, longest-s),
				Hint: "seat files must be recorded together and cover the same time"}
		}
		r.frames = max(r.frames, in.rs.Outputs(in.info.Frames))
	}
	return r, nil
}

func dur(frames int64, rate int) string {
	if frames < 0 {
		return "an unknown length"
	}
	return fmt.Sprintf("%.2f s", float64(frames)/float64(rate))
}

// Channels is the number of seat channels.
func (r *Reader) Channels() int { return r.channels }

// Inputs describes the files.
func (r *Reader) Inputs() []Info {
	out := make([]Info, len(r.inputs))
	for i, in := range r.inputs {
		out[i] = in.info
	}
	return out
}

// Frames is the expected number of 16 kHz frames, -1 when a file does not say.
func (r *Reader) Frames() int64 { return r.frames }

// Pos is the number of frames delivered so far.
func (r *Reader) Pos() int64 { return r.pos }

// Padded reports, per input, how many 16 kHz frames of silence were added at its end to
// align it with the longest seat file (known once Read returned io.EOF).
func (r *Reader) Padded() []int64 {
	out := make([]int64, len(r.inputs))
	for i, in := range r.inputs {
		out[i] = in.padded
	}
	return out
}

// Read fills up to len(dst[0]) frames of every seat channel (dst has one slice per channel,
// all the same length) and returns the frame count; io.EOF when every input is exhausted.
func (r *Reader) Read(dst [][]int16) (int, error) {
	if len(dst) != r.channels {
		return 0, fmt.Errorf("audiofile: %d destination channels for %d", len(dst), r.channels)
	}
	want := len(dst[0])
	for _, in := range r.inputs {
		for len(in.fifo[0]) < want && !in.eof {
			if err := in.fill(); err != nil {
				return 0, err
			}
		}
	}
	n := 0
	allEOF := true
	for _, in := range r.inputs {
		allEOF = allEOF && in.eof
	}
	if allEOF {
		// Every input ended: deliver what is left, the shorter ones padded with silence.
		for _, in := range r.inputs {
			n = max(n, len(in.fifo[0]))
		}
		n = min(n, want)
	} else {
		n = want
		for _, in := range r.inputs {
			if !in.eof || len(in.fifo[0]) >= want {
				n = min(n, len(in.fifo[0]))
			}
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	for _, in := range r.inputs {
		have := min(n, len(in.fifo[0]))
		for c := range in.fifo {
			d := dst[in.first+c][:n]
			copy(d, in.fifo[c][:have])
			clear(d[have:])
			in.fifo[c] = in.fifo[c][:copy(in.fifo[c], in.fifo[c][have:])]
		}
		in.padded += int64(n - have)
	}
	r.pos += int64(n)
	return n, nil
}

// fill decodes one native block and resamples it into the fifo.
func (in *input) fill() error {
	for c := range in.in {
		in.in[c] = in.in[c][:blockIn]
	}
	k, err := in.nat.ReadFloat(in.in)
	if k == 0 {
		if errors.Is(err, io.EOF) {
			in.eof = true
			return nil
		}
		if err == nil {
			err = io.ErrNoProgress
		}
		return err
	}
	for c := range in.in {
		in.in[c] = in.in[c][:k]
		in.res[c] = in.res[c][:0]
	}
	res, rerr := in.rs.Process(in.in, in.res)
	if rerr != nil {
		return rerr
	}
	in.res = res
	for c := range res {
		f := in.fifo[c]
		for _, v := range res[c] {
			f = append(f, wavfile.ToInt16(v))
		}
		in.fifo[c] = f
	}
	if errors.Is(err, io.EOF) {
		in.eof = true
	}
	return nil
}

// Close closes every file.
func (r *Reader) Close() error {
	var errs []error
	for _, in := range r.inputs {
		errs = append(errs, in.nat.Close())
	}
	return errors.Join(errs...)
}
