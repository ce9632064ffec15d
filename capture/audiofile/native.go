// Package audiofile opens the recordings courtrooms bring: WAV (PCM, float, extensible, RF64)
// through capture/wavfile and FLAC through github.com/mewkiz/flac, recognised by their first
// bytes rather than their names. OpenNative gives the samples at the file's own rate (the
// agent's replay source resamples them like a device); Open and OpenSeats give 16 kHz 16-bit
// seat channels, resampled with the agent's resampler, one block at a time, so memory does
// not grow with the length of the recording.
package audiofile

import "bytes"
import "errors"
import "fmt"
import "io"
import "os"
import "path/filepath"
import "strings"

import "github.com/courtscribe/courtscribe/capture/wavfile"

// Supported says what works, for the end of an error message.
const Supported = "courtscribe reads WAV/RF64 (8/16/24/32-bit PCM or float, 8–192 kHz) and FLAC"

// Info describes an opened file.
type Info struct {
	Path       string
	Kind       string // "WAV", "RF64" or "FLAC"
	Format     string // human description, e.g. "FLAC 44100 Hz 24-bit, 2 channels"
	Channels   int
	SampleRate int
	Frames     int64 // frames at SampleRate; -1 when the file does not say
	Truncated  bool  // the header declares more audio than the file holds
	Declared   int64 // frames the header declares (-1 unknown)
}

// Seconds is the duration, or -1 when unknown.
func (i Info) Seconds() float64 {
	if i.Frames < 0 {
		return -1
	}
	return float64(i.Frames) / float64(i.SampleRate)
}

// Native decodes a file at its own sample rate.
type Native interface {
	Info() Info
	// ReadFloat fills up to len(dst[0]) frames of planar samples in [-1, 1]; io.EOF at the end.
	ReadFloat(dst [][]float32) (int, error)
	// ReadInt16 fills up to len(dst)/channels interleaved 16-bit frames; io.EOF at the end.
	ReadInt16(dst []int16) (int, error)
	// SeekFrame positions the decoder at a frame (clamped to the file).
	SeekFrame(frame int64) error
	Close() error
}

// FileError is a one-line error about an input file: what it is and what would work.
type FileError struct {
	Path string
	What string // what the file is or what is wrong with it
	Hint string // what would work
}

func (e *FileError) Error() string {
	s := filepath.Base(e.Path) + ": " + e.What
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// OpenNative opens a WAV, RF64 or FLAC file by its content.
func OpenNative(path string) (Native, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &FileError{Path: path, What: "not a regular file"}
	}
	var head [16]byte
	n, _ := io.ReadFull(f, head[:])
	kind := Sniff(head[:n])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	switch kind {
	case "WAV":
		d, err := wavfile.NewDecoder(f)
		if err != nil {
			f.Close()
			return nil, &FileError{Path: path, What: err.Error(), Hint: "convert it with: sox IN -b 16 -r 16000 OUT.wav (" + Supported + ")"}
		}
		return &wavNative{f: f, d: d, path: path}, nil
	case "FLAC":
		fl, err := openFLAC(path, f)
		if err != nil {
			f.Close()
			return nil, err
		}
		return fl, nil
	case "":
		f.Close()
		if n == 0 {
			return nil, &FileError{Path: path, What: "an empty file", Hint: Supported}
		}
		return nil, &FileError{Path: path, What: "not an audio file courtscribe recognises", Hint: Supported}
	default:
		f.Close()
		return nil, &FileError{Path: path, What: article(kind) + kind + " file", Hint: "convert it to FLAC or WAV first, e.g. ffmpeg -i IN OUT.flac (" + Supported + ")"}
	}
}

// Sniff names the container from a file's first bytes: "WAV", "FLAC", or the name of a format
// that is recognised but not read ("MP3", "Ogg", "AIFF", …); "" when unknown.
func Sniff(b []byte) string {
	has := func(off int, s string) bool { return len(b) >= off+len(s) && string(b[off:off+len(s)]) == s }
	switch {
	case wavfile.IsWAV(b):
		return "WAV"
	case wavfile.RIFFForm(b) == "AVI ":
		return "AVI video"
	case wavfile.IsRIFF(b):
		return "RIFF (not WAVE)"
	case has(0, "fLaC"):
		return "FLAC"
	case has(0, "ID3"):
		return "MP3 (ID3-tagged)"
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0:
		return "MP3"
	case has(0, "OggS"):
		return "Ogg (Vorbis/Opus)"
	case has(0, "FORM") && (has(8, "AIFF") || has(8, "AIFC")):
		return "AIFF"
	case has(0, "caff"):
		return "Core Audio (CAF)"
	case has(4, "ftyp"):
		return "MP4/M4A"
	case has(0, "\x30\x26\xb2\x75"):
		return "WMA/ASF"
	case has(0, ".snd"):
		return "Sun/NeXT AU"
	case bytes.HasPrefix(b, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return "Matroska/WebM"
	}
	return ""
}

type wavNative struct {
	f    *os.File
	d    *wavfile.Decoder
	path string
}

func (w *wavNative) Info() Info {
	f := w.d.Format()
	return Info{Path: w.path, Kind: f.Container, Format: f.String(), Channels: f.Channels, SampleRate: f.SampleRate,
		Frames: w.d.Frames(), Truncated: w.d.Truncated(), Declared: w.d.Declared()}
}

func (w *wavNative) ReadFloat(dst [][]float32) (int, error) {
	n, err := w.d.ReadFloat(dst)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("%s: %w", filepath.Base(w.path), err)
	}
	return n, err
}

func (w *wavNative) ReadInt16(dst []int16) (int, error) {
	n, err := w.d.ReadInt16(dst)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("%s: %w", filepath.Base(w.path), err)
	}
	return n, err
}

func (w *wavNative) SeekFrame(fr int64) error { return w.d.SeekFrame(fr) }
func (w *wavNative) Close() error             { return w.f.Close() }

func article(s string) string {
	if s != "" && strings.ContainsRune("AEFHILMNORSX", rune(s[0])) { // "an MP3", "an Ogg", "an AIFF"
		return "an "
	}
	return "a "
}
