package capture

import "context"
import "errors"
import "fmt"
import "io"
import "os"
import "sync"
import "time"

import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

// Replay is a Source that plays a recording of any channel count and rate, streaming it
// from disk (memory does not grow with the file). Paced, it delivers each block when its
// last frame is due at real-time pace, like a device would; unpaced it delivers as fast as it
// is read (the agent's spool and the server's acks then set the pace).
type Replay struct {
	dec     FrameDecoder
	format  Format
	frames  int64 // frames in the file, -1 when the file does not say
	pos     int64 // next frame
	eof     bool
	block   int
	paced   bool
	clock   Clock
	started bool
	t0      time.Time // wall time of frame startPos
	start   int64
	buf     []int16
	closed  chan struct{}
	once    sync.Once
}

// FrameDecoder is what a Replay plays: a file decoded at its own rate into interleaved 16-bit
// frames (capture/audiofile opens WAV, RF64 and FLAC files as one).
type FrameDecoder interface {
	// ReadInt16 fills up to len(dst)/channels frames; io.EOF at the end.
	ReadInt16(dst []int16) (int, error)
	// SeekFrame positions the decoder at a frame.
	SeekFrame(frame int64) error
	Close() error
}

// OpenReplay opens a WAV (any format capture/wavfile decodes) for replay. blockFrames ≤ 0
// means 20 ms blocks. A data chunk cut short (a crashed writer) plays what is there.
func OpenReplay(path string, paced bool, clock Clock, blockFrames int) (*Replay, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	d, err := wavfile.NewDecoder(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	wf := d.Format()
	return NewReplay(&wavDecoder{d, f}, Format{SampleRate: wf.SampleRate, Channels: wf.Channels}, d.Frames(), paced, clock, blockFrames)
}

type wavDecoder struct {
	*wavfile.Decoder
	f *os.File
}

func (w *wavDecoder) Close() error { return w.f.Close() }

// NewReplay plays dec, whose samples have the given format; frames is its length (-1 when
// unknown: it plays to the decoder's end). The Replay owns dec and closes it.
func NewReplay(dec FrameDecoder, format Format, frames int64, paced bool, clock Clock, blockFrames int) (*Replay, error) {
	if format.Channels < 1 || format.SampleRate < 1000 {
		dec.Close()
		return nil, fmt.Errorf("replay: format %+v", format)
	}
	if blockFrames <= 0 {
		blockFrames = format.SampleRate / 50
	}
	if clock == nil {
		clock = SystemClock{}
	}
	r := &Replay{dec: dec, format: format, frames: frames, block: blockFrames, paced: paced, clock: clock,
		closed: make(chan struct{})}
	if err := r.seekFrame(0); err != nil {
		dec.Close()
		return nil, err
	}
	return r, nil
}

func (r *Replay) seekFrame(fr int64) error {
	fr = max(0, fr)
	if r.frames >= 0 {
		fr = min(fr, r.frames)
	}
	if err := r.dec.SeekFrame(fr); err != nil {
		return err
	}
	r.pos = fr
	r.eof = r.frames >= 0 && fr >= r.frames
	r.started = false
	return nil
}

// Format is the recording's format.
func (r *Replay) Format() Format { return r.format }

// Frames is the length of the recording in frames (-1: unknown).
func (r *Replay) Frames() int64 { return r.frames }

// Paced reports whether the replay runs at real-time pace.
func (r *Replay) Paced() bool { return r.paced }

// SeekTimeline starts the replay at the frame that corresponds to a 16 kHz sample index.
func (r *Replay) SeekTimeline(sample int64) error {
	return r.seekFrame(sample * int64(r.format.SampleRate) / wire.SampleRate)
}

// Read returns the next block, io.EOF at the end of the file.
func (r *Replay) Read(ctx context.Context) (Block, error) {
	select {
	case <-r.closed:
		return Block{}, errors.New("replay closed")
	default:
	}
	if err := ctx.Err(); err != nil {
		return Block{}, err
	}
	if r.eof {
		return Block{}, io.EOF
	}
	if !r.started {
		r.started = true
		r.t0 = r.clock.Now()
		r.start = r.pos
	}
	n := r.block
	if r.frames >= 0 {
		n = int(min(int64(n), r.frames-r.pos))
	}
	wall := r.t0.Add(framesDur(r.pos-r.start, r.format.SampleRate))
	if r.paced {
		due := r.t0.Add(framesDur(r.pos+int64(n)-r.start, r.format.SampleRate))
		if d := due.Sub(r.clock.Now()); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return Block{}, ctx.Err()
			case <-r.closed:
				t.Stop()
				return Block{}, errors.New("replay closed")
			case <-t.C:
			}
		}
	}
	ns := n * r.format.Channels
	if cap(r.buf) < ns {
		r.buf = make([]int16, ns)
	}
	got := 0
	for got < n {
		k, err := r.dec.ReadInt16(r.buf[got*r.format.Channels : ns])
		got += k
		if errors.Is(err, io.EOF) {
			r.eof = true
			break
		}
		if err != nil {
			return Block{}, fmt.Errorf("replay: reading frame %d: %w", r.pos+int64(got), err)
		}
		if k == 0 {
			return Block{}, fmt.Errorf("replay: no progress at frame %d", r.pos+int64(got))
		}
	}
	if got == 0 {
		return Block{}, io.EOF
	}
	n = got
	buf := r.buf[:n*r.format.Channels]
	r.pos += int64(n)
	if r.frames >= 0 && r.pos >= r.frames {
		r.eof = true
	}
	return Block{Data: buf, Frames: n, Wall: wall}, nil
}

// Close closes the file; safe to call twice.
func (r *Replay) Close() error {
	var err error
	r.once.Do(func() {
		close(r.closed)
		err = r.dec.Close()
	})
	return err
}

func framesDur(n int64, rate int) time.Duration {
	return time.Duration(n) * time.Second / time.Duration(rate)
}
