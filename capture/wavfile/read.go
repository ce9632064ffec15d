package wavfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

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

// Read decodes a 16-bit PCM WAV from r. Bad or unsupported files are errors, never panics.
func Read(r io.ReadSeeker) (a *Audio, err error) {
	defer func() {
		if p := recover(); p != nil { // go-audio/wav panics on some corrupt chunks
			a, err = nil, fmt.Errorf("corrupt WAV: %v", p)
		}
	}()
	if err := prescan(r); err != nil {
		return nil, err
	}
	d := wav.NewDecoder(r)
	if !d.IsValidFile() {
		if d.Err() != nil {
			return nil, fmt.Errorf("not a valid WAV: %w", d.Err())
		}
		return nil, errors.New("not a valid WAV file")
	}
	if d.WavAudioFormat != 1 {
		return nil, fmt.Errorf("WAV audio format %d is not PCM", d.WavAudioFormat)
	}
	if d.BitDepth != 16 {
		return nil, fmt.Errorf("WAV has %d-bit samples; only 16-bit PCM is supported", d.BitDepth)
	}
	nch := int(d.NumChans)
	if nch < 1 || nch > 64 {
		return nil, fmt.Errorf("WAV has %d channels", nch)
	}
	if d.SampleRate < 1000 || d.SampleRate > 384000 {
		return nil, fmt.Errorf("WAV sample rate %d out of range", d.SampleRate)
	}
	if err := d.FwdToPCM(); err != nil {
		return nil, fmt.Errorf("WAV has no data chunk: %w", err)
	}
	a = &Audio{SampleRate: int(d.SampleRate), Channels: make([][]int16, nch)}
	buf := &audio.IntBuffer{Data: make([]int, 8192*nch), Format: &audio.Format{NumChannels: nch, SampleRate: int(d.SampleRate)}}
	for {
		n, err := d.PCMBuffer(buf)
		if err != nil {
			return nil, fmt.Errorf("reading WAV data: %w", err)
		}
		if n == 0 {
			break
		}
		n -= n % nch
		for i := 0; i < n; i++ {
			a.Channels[i%nch] = append(a.Channels[i%nch], int16(buf.Data[i]))
		}
		if len(a.Channels[0]) > MaxReadSamples {
			return nil, fmt.Errorf("WAV longer than %d samples per channel", MaxReadSamples)
		}
	}
	return a, nil
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

// prescan walks every RIFF chunk with bounds checks before go-audio/wav sees the file, so a
// hostile size field cannot make the decoder allocate or seek without limit: each chunk must
// fit in the file (only the data chunk may run past the end: a recording cut short), one fmt
// chunk before the data, and no metadata chunk over maxMetaChunk — also after the data chunk,
// where the decoder reads too.
func prescan(r io.ReadSeeker) error {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var h [12]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return errors.New("not a valid WAV: shorter than a RIFF header")
	}
	if string(h[0:4]) != "RIFF" || string(h[8:12]) != "WAVE" {
		return errors.New("not a valid WAV: no RIFF/WAVE header")
	}
	pos := int64(12)
	var fmtOK, dataOK bool
	for pos+8 <= size {
		var ch [8]byte
		if _, err := r.Seek(pos, io.SeekStart); err != nil {
			return err
		}
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return fmt.Errorf("not a valid WAV: truncated chunk header at byte %d", pos)
		}
		id := string(ch[0:4])
		n := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch id {
		case "fmt ":
			if fmtOK {
				return fmt.Errorf("not a valid WAV: a second fmt chunk at byte %d", pos)
			}
			if n < 16 || n > 1024 || pos+8+n > size {
				return fmt.Errorf("not a valid WAV: fmt chunk of %d bytes", n)
			}
			fmtOK = true
		case "data":
			if !fmtOK {
				return errors.New("not a valid WAV: data chunk before fmt chunk")
			}
			if dataOK {
				return fmt.Errorf("not a valid WAV: a second data chunk at byte %d", pos)
			}
			dataOK = true
			if pos+8+n > size { // cut short: the samples that are there are read
				pos = size
				continue
			}
		default:
			if n > maxMetaChunk {
				return fmt.Errorf("not a valid WAV: chunk %q of %d bytes is larger than %d", id, n, maxMetaChunk)
			}
			if pos+8+n > size {
				return fmt.Errorf("not a valid WAV: chunk %q of %d bytes runs past the end of the file", id, n)
			}
		}
		pos += 8 + n + n&1
	}
	if !dataOK {
		return errors.New("not a valid WAV: no data chunk")
	}
	_, err = r.Seek(0, io.SeekStart)
	return err
}
