// Package capture is the agent side of courtscribe: it reads audio from a Source (a portaudio
// device in capture/device, or a WAV replay), meters every seat, resamples to the system's
// 16 kHz, cuts the timeline into wire frames, keeps them in a crash-safe disk spool until the
// server acknowledges them, writes a local per-seat copy, and streams them over the uplink
// (the protocol is capture/wire).
//
// Everything here is pure Go; only capture/device uses cgo (portaudio).
//
// The sample index at 16 kHz since the session started is the clock. Audio that was not
// captured (a device overflow, an agent that was down, a spool at its hard limit) becomes an
// explicit gap frame of the missing length, so the timeline never shifts.
package capture

import "context"
import "time"

// Format describes what a Source delivers.
type Format struct {
	SampleRate int // frames per second at the source
	Channels   int // interleaved channels per frame
}

// Block is one read from a Source.
type Block struct {
	// Data holds Frames×Channels interleaved signed 16-bit samples at the source rate. The
	// slice is only valid until the next Read.
	Data   []int16
	Frames int
	// Lost is the number of source frames that were lost just before this block (an input
	// overflow). The agent turns them into a gap frame of the same duration.
	Lost int64
	// Wall is the wall-clock time of the block's first frame (an anchor, not the clock).
	Wall time.Time
}

// Source is a capture source. Read blocks until the next block is ready and returns io.EOF
// when the source has no more audio (a replay at its end). Read is called from one goroutine.
// Close stops the source; it is safe to call twice and may be called while Read blocks.
type Source interface {
	Format() Format
	Read(ctx context.Context) (Block, error)
	Close() error
}

// Seeker is a Source that can start part-way through its material (a WAV replay). After a
// restart the agent seeks it to the timeline position where capture continues.
type Seeker interface {
	// SeekTimeline positions the source at the given 16 kHz sample index.
	SeekTimeline(sample int64) error
	// Paced reports whether the source runs at wall-clock pace (true for devices and
	// real-time replays; false for a replay that runs as fast as it can).
	Paced() bool
}

// Clock is the agent's view of wall time; tests pass a fake one.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }
