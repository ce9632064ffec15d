package wavfile

import "errors"
import "fmt"
import "io"
import "os"

import "github.com/go-audio/audio"
import "github.com/go-audio/wav"

// MaxReadSamples bounds what Read loads into memory (per channel): 6 hours at 16 kHz.
const MaxReadSamples = 16000 * 60 * 60 * 6

// Audio is a decoded WAV: one int16 slice per channel.
type Audio struct {
	SampleRate int
	Channels   [][]int16
}

// Frames is the number of samples per channel.
func (a *Audio) Frames() int {
	if len(a.Channels) == 0 {
		return 0
	}
	return len(a.Channels[0])
}

// ReadFile decodes a 16-bit PCM WAV of any channel count with github.com/go-audio/wav.
func ReadFile(path string) (*Audio, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Read decodes a whole WAV (any format NewDecoder reads, converted to 16 bits at the file's own
// rate) from r. Bad or unsupported files are errors, never panics. It holds the recording in
// memory (at most MaxReadSamples per channel); long recordings are read with NewDecoder.
func Read(r io.ReadSeeker) (*Audio, error) {
	d, err := NewDecoder(r)
	if err != nil {
		return nil, err
	}
	f := d.Format()
	if d.Frames() > MaxReadSamples {
		return nil, fmt.Errorf("WAV longer than %d samples per channel", MaxReadSamples)
	}
	a := &Audio{SampleRate: f.SampleRate, Channels: make([][]int16, f.Channels)}
	for c := range a.Channels {
		a.Channels[c] = make([]int16, 0, d.Frames())
	}
	buf := make([]int16, 8192*f.Channels)
	for {
		n, err := d.ReadInt16(buf)
		for i := 0; i < n; i++ {
			for c := range a.Channels {
				a.Channels[c] = append(a.Channels[c], buf[i*f.Channels+c])
			}
		}
		if errors.Is(err, io.EOF) {
			return a, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// WriteMulti writes a multichannel 16-bit WAV (interleaved) at path; used by generators and tests.
func WriteMulti(path string, rate int, chans [][]int16) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := wav.NewEncoder(f, rate, 16, len(chans), 1)
	n := 0
	if len(chans) > 0 {
		n = len(chans[0])
	}
	buf := &audio.IntBuffer{Format: &audio.Format{NumChannels: len(chans), SampleRate: rate}, SourceBitDepth: 16}
	const block = 8192
	for off := 0; off < n; off += block {
		end := min(off+block, n)
		buf.Data = buf.Data[:0]
		for i := off; i < end; i++ {
			for c := range chans {
				buf.Data = append(buf.Data, int(chans[c][i]))
			}
		}
		if err := enc.Write(buf); err != nil {
			f.Close()
			return err
		}
	}
	if err := enc.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// maxMetaChunk bounds a chunk other than data (LIST, bext, …): the decoder may read such a
// chunk into memory.
const maxMetaChunk = 16 << 20
