package capture

import "fmt"
import "path/filepath"
import "time"

import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

// LocalCopy is the agent's own archive: one 16 kHz mono WAV per seat (capture/wavfile, valid
// after a crash), written whatever the network does, on the same timeline as the stream (gaps
// are written as silence). Not safe for concurrent use.
type LocalCopy struct {
	dir      string
	w        []*wavfile.Writer
	every    time.Duration
	lastSync time.Time
}

// OpenLocalCopy opens or resumes the per-seat WAVs in dir and aligns each to the timeline
// position at (padding with silence or cutting audio the spool never held).
func OpenLocalCopy(dir string, seats []wire.Seat, at int64, syncEvery time.Duration) (*LocalCopy, error) {
	if err := privateDir(dir); err != nil {
		return nil, fmt.Errorf("local copy: %w", err)
	}
	l := &LocalCopy{dir: dir, every: syncEvery}
	for _, s := range seats {
		w, err := wavfile.Open(filepath.Join(dir, s.Name+".wav"), wire.SampleRate)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("local copy: %w", err)
		}
		l.w = append(l.w, w)
		switch n := w.Samples(); {
		case n > at:
			err = w.Truncate(at)
		case n < at:
			err = w.WriteSilence(at - n)
		}
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("local copy: aligning %s: %w", s.Name, err)
		}
	}
	return l, nil
}

// Dir is where the WAVs are.
func (l *LocalCopy) Dir() string { return l.dir }

// Write appends one block of planar samples (one slice per seat).
func (l *LocalCopy) Write(pcm [][]int16) error {
	for i, w := range l.w {
		if err := w.Write(pcm[i]); err != nil {
			return fmt.Errorf("local copy: %w", err)
		}
	}
	return nil
}

// Gap appends n samples of silence to every seat.
func (l *LocalCopy) Gap(n int64) error {
	for _, w := range l.w {
		if err := w.WriteSilence(n); err != nil {
			return fmt.Errorf("local copy: %w", err)
		}
	}
	return nil
}

// MaybeSync makes the files durable when the sync interval has passed.
func (l *LocalCopy) MaybeSync(now time.Time) error {
	if now.Sub(l.lastSync) < l.every {
		return nil
	}
	l.lastSync = now
	for _, w := range l.w {
		if err := w.Sync(); err != nil {
			return fmt.Errorf("local copy: %w", err)
		}
	}
	return nil
}

// Close syncs and closes every file; safe to call twice.
func (l *LocalCopy) Close() error {
	var first error
	for _, w := range l.w {
		if err := w.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
