package capture

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/courtscribe/courtscribe/capture/wire"
)

// Replay is a Source that plays a 16-bit PCM WAV of any channel count and rate, streaming it
// from disk (memory does not grow with the file). Paced, it delivers each block when its
// last frame is due at real-time pace, like a device would; unpaced it delivers as fast as it
// is read (the agent's spool and the server's acks then set the pace).
type Replay struct {
	f       *os.File
	r       *bufio.Reader
	format  Format
	dataOff int64
	frames  int64 // frames in the file
	pos     int64 // next frame
	block   int
	paced   bool
	clock   Clock
	started bool
	t0      time.Time // wall time of frame startPos
	start   int64
	buf     []int16
	raw     []byte
	closed  chan struct{}
	once    sync.Once
}

// OpenReplay opens a WAV for replay. blockFrames ≤ 0 means 20 ms blocks.
func OpenReplay(path string, paced bool, clock Clock, blockFrames int) (*Replay, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	format, off, n, err := parseWAVHeader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if blockFrames <= 0 {
		blockFrames = format.SampleRate / 50
	}
	if clock == nil {
		clock = SystemClock{}
	}
	r := &Replay{f: f, format: format, dataOff: off, frames: n, block: blockFrames, paced: paced, clock: clock,
		closed: make(chan struct{})}
	if err := r.seekFrame(0); err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// parseWAVHeader walks the RIFF chunks (bounds-checked) and returns the PCM format, the
// offset of the data and the number of whole frames in it.
func parseWAVHeader(f io.ReadSeeker) (Format, int64, int64, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return Format{}, 0, 0, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Format{}, 0, 0, err
	}
	var h [12]byte
	if _, err := io.ReadFull(f, h[:]); err != nil || string(h[0:4]) != "RIFF" || string(h[8:12]) != "WAVE" {
		return Format{}, 0, 0, errors.New("not a RIFF/WAVE file")
	}
	var fm Format
	pos := int64(12)
	for pos+8 <= size {
		if _, err := f.Seek(pos, io.SeekStart); err != nil {
			return Format{}, 0, 0, err
		}
		var ch [8]byte
		if _, err := io.ReadFull(f, ch[:]); err != nil {
			return Format{}, 0, 0, fmt.Errorf("truncated chunk header at byte %d", pos)
		}
		id, n := string(ch[:4]), int64(binary.LittleEndian.Uint32(ch[4:]))
		switch id {
		case "fmt ":
			if n < 16 || n > 1024 || pos+8+n > size {
				return Format{}, 0, 0, fmt.Errorf("fmt chunk of %d bytes", n)
			}
			var b [16]byte
			if _, err := io.ReadFull(f, b[:]); err != nil {
				return Format{}, 0, 0, err
			}
			tag := binary.LittleEndian.Uint16(b[0:])
			fm.Channels = int(binary.LittleEndian.Uint16(b[2:]))
			fm.SampleRate = int(binary.LittleEndian.Uint32(b[4:]))
			bits := binary.LittleEndian.Uint16(b[14:])
			if tag != 1 && tag != 0xFFFE {
				return Format{}, 0, 0, fmt.Errorf("WAV format tag %#x is not PCM", tag)
			}
			if bits != 16 {
				return Format{}, 0, 0, fmt.Errorf("WAV has %d-bit samples; only 16-bit PCM is supported", bits)
			}
			if fm.Channels < 1 || fm.Channels > 64 {
				return Format{}, 0, 0, fmt.Errorf("WAV has %d channels", fm.Channels)
			}
			if fm.SampleRate < 1000 || fm.SampleRate > 384000 {
				return Format{}, 0, 0, fmt.Errorf("WAV sample rate %d out of range", fm.SampleRate)
			}
		case "data":
			if fm.Channels == 0 {
				return Format{}, 0, 0, errors.New("data chunk before fmt chunk")
			}
			n = min(n, size-pos-8) // a crashed writer may leave a short data chunk
			return fm, pos + 8, n / int64(2*fm.Channels), nil
		default:
			if pos+8+n > size {
				return Format{}, 0, 0, fmt.Errorf("chunk %q runs past the end of the file", id)
			}
		}
		pos += 8 + n + n&1
	}
	return Format{}, 0, 0, errors.New("no data chunk")
}

func (r *Replay) seekFrame(fr int64) error {
	fr = max(0, min(fr, r.frames))
	if _, err := r.f.Seek(r.dataOff+fr*int64(2*r.format.Channels), io.SeekStart); err != nil {
		return err
	}
	if r.r == nil {
		r.r = bufio.NewReaderSize(r.f, 64<<10)
	} else {
		r.r.Reset(r.f)
	}
	r.pos = fr
	r.started = false
	return nil
}

// Format is the WAV's format.
func (r *Replay) Format() Format { return r.format }

// Frames is the length of the WAV in frames.
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
	if r.pos >= r.frames {
		return Block{}, io.EOF
	}
	if !r.started {
		r.started = true
		r.t0 = r.clock.Now()
		r.start = r.pos
	}
	n := int(min(int64(r.block), r.frames-r.pos))
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
	if cap(r.raw) < 2*ns {
		r.raw = make([]byte, 2*ns)
		r.buf = make([]int16, ns)
	}
	raw := r.raw[:2*ns]
	if _, err := io.ReadFull(r.r, raw); err != nil {
		return Block{}, fmt.Errorf("replay: reading frame %d: %w", r.pos, err)
	}
	buf := r.buf[:ns]
	for i := range buf {
		buf[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
	}
	r.pos += int64(n)
	return Block{Data: buf, Frames: n, Wall: wall}, nil
}

// Close closes the file; safe to call twice.
func (r *Replay) Close() error {
	var err error
	r.once.Do(func() {
		close(r.closed)
		err = r.f.Close()
	})
	return err
}

func framesDur(n int64, rate int) time.Duration {
	return time.Duration(n) * time.Second / time.Duration(rate)
}
