// Package wavfile writes 16 kHz, 16-bit mono WAV files that stay valid across a crash.
//
// A Writer keeps a canonical 44-byte RIFF/WAVE header (WAVE PCM, see the Microsoft
// "Multimedia Programming Interface and Data Specifications 1.0", 1991) followed by raw
// samples. Sync writes the samples, rewrites the two size fields of the header and fsyncs, so
// after Sync returns the file on disk is a complete, valid WAV of everything written so far.
// Open repairs a file left by a crash: it drops a torn trailing half-sample, rewrites the header
// from the real data length and positions the writer at the end, so writing resumes where the
// durable data ends.
//
// Reading: Decoder streams any WAV other tools write (8/16/24/32-bit PCM, 32/64-bit float,
// WAVE_FORMAT_EXTENSIBLE, RF64 for files over 4 GiB), checking every header size against the
// file; Read loads a whole file through it.
package wavfile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// HeaderSize is the size of the canonical header this package writes.
const HeaderSize = 44

// MaxSamples is the most samples a canonical WAV can hold: the RIFF size field (36 + data
// bytes) is 32 bits, about 37.3 hours at 16 kHz. Writing past it is ErrTooLong (the header
// would wrap and lie about the file).
const MaxSamples = (1<<32 - 1 - 36) / 2

// ErrTooLong is returned for writes that would take a file past MaxSamples.
var ErrTooLong = errors.New("wavfile: the file would exceed the WAV size limit (about 37 hours at 16 kHz)")

// Writer appends samples to a mono 16-bit WAV file. It is not safe for concurrent use.
type Writer struct {
	f       *os.File
	bw      *bufio.Writer
	rate    int
	samples int64 // samples in the file, durable or buffered
	synced  int64 // samples known to be on disk with a matching header
	closed  bool
	scratch []byte
}

// Create makes a new, empty WAV at path (failing if it exists) and syncs it.
func Create(path string, sampleRate int) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil { // recorded audio is private whatever the umask
		f.Close()
		return nil, err
	}
	w := &Writer{f: f, bw: bufio.NewWriterSize(f, 64<<10), rate: sampleRate}
	if _, err := f.Write(header(sampleRate, 0)); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// Open opens an existing WAV written by this package for appending, repairing it first
// (see Repair). If the file does not exist it is created.
func Open(path string, sampleRate int) (*Writer, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return Create(path, sampleRate)
	}
	n, err := Repair(path, sampleRate)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil { // a file an older version left world-readable
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, err
	}
	return &Writer{f: f, bw: bufio.NewWriterSize(f, 64<<10), rate: sampleRate, samples: n, synced: n}, nil
}

// Repair makes the WAV at path consistent and returns its sample count: a file shorter than a
// header gets a fresh header, a torn half-sample at the end is cut off, and the header sizes
// are rewritten from the data length. A file whose header is not ours (different format or
// rate) is an error and is left untouched.
func Repair(path string, sampleRate int) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := st.Size()
	if size < HeaderSize {
		// Crashed while writing the first header: nothing durable yet.
		if err := f.Truncate(0); err != nil {
			return 0, err
		}
		if _, err := f.WriteAt(header(sampleRate, 0), 0); err != nil {
			return 0, err
		}
		return 0, f.Sync()
	}
	var h [HeaderSize]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return 0, err
	}
	if err := checkHeader(h[:], sampleRate); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	data := (size - HeaderSize) &^ 1
	if HeaderSize+data != size {
		if err := f.Truncate(HeaderSize + data); err != nil {
			return 0, err
		}
	}
	if _, err := f.WriteAt(header(sampleRate, data/2)[:HeaderSize], 0); err != nil {
		return 0, err
	}
	return data / 2, f.Sync()
}

// Truncate cuts the file to n samples (used to align seats after a crash), then syncs.
func (w *Writer) Truncate(n int64) error {
	if err := w.bw.Flush(); err != nil {
		return err
	}
	if n > w.samples {
		return fmt.Errorf("truncate to %d samples: file has only %d", n, w.samples)
	}
	if err := w.f.Truncate(HeaderSize + 2*n); err != nil {
		return err
	}
	if _, err := w.f.Seek(HeaderSize+2*n, io.SeekStart); err != nil {
		return err
	}
	w.samples = n
	return w.Sync()
}

// Write appends samples (buffered; call Sync to make them durable).
func (w *Writer) Write(pcm []int16) error {
	if w.closed {
		return errors.New("wavfile: write after close")
	}
	if int64(len(pcm)) > MaxSamples-w.samples {
		return ErrTooLong
	}
	if cap(w.scratch) < 2*len(pcm) {
		w.scratch = make([]byte, 2*len(pcm))
	}
	b := w.scratch[:2*len(pcm)]
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	if _, err := w.bw.Write(b); err != nil {
		return err
	}
	w.samples += int64(len(pcm))
	return nil
}

// sparseSilence is the shortest silence written as a hole rather than as zero bytes.
const sparseSilence = 4096

// WriteSilence appends n zero samples (used for explicit gaps, which are also recorded apart).
// A long silence is not written: the file is extended past it, which leaves a hole that reads
// back as zeros (POSIX ftruncate) but takes no disk space on file systems with sparse files
// (ext4, xfs, btrfs, tmpfs). The file's bytes, its hash and every reader are the same as if
// the zeros had been written.
func (w *Writer) WriteSilence(n int64) error {
	if w.closed {
		return errors.New("wavfile: write after close")
	}
	if n < 0 || n > MaxSamples-w.samples {
		return ErrTooLong
	}
	if n >= sparseSilence {
		if err := w.bw.Flush(); err != nil {
			return err
		}
		end := HeaderSize + 2*(w.samples+n)
		if err := w.f.Truncate(end); err != nil {
			return err
		}
		if _, err := w.f.Seek(end, io.SeekStart); err != nil {
			return err
		}
		w.samples += n
		return nil
	}
	zero := make([]int16, n)
	return w.Write(zero)
}

// Flush writes buffered samples and the header to the OS without fsync.
func (w *Writer) Flush() error {
	if err := w.bw.Flush(); err != nil {
		return err
	}
	_, err := w.f.WriteAt(header(w.rate, w.samples)[:HeaderSize], 0)
	return err
}

// Sync makes every written sample durable with a header that matches them.
func (w *Writer) Sync() error {
	if err := w.Flush(); err != nil {
		return err
	}
	if err := w.f.Sync(); err != nil {
		return err
	}
	w.synced = w.samples
	return nil
}

// Samples is the number of samples written (durable or not).
func (w *Writer) Samples() int64 { return w.samples }

// Synced is the number of samples made durable by the last Sync.
func (w *Writer) Synced() int64 { return w.synced }

// Close syncs and closes the file. It is safe to call twice.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// maxRIFF is the largest size a 32-bit RIFF field can state; a seat passes it after about
// 37 h at 16 kHz.
const maxRIFF = 0xFFFFFFFF

func header(rate int, samples int64) []byte {
	// Past the 32-bit limit both sizes say 0xFFFFFFFF, the customary "to the end of the file"
	// (the sizes used to wrap, so a 40 h file claimed 2.7 h). Readers here take the length
	// from the file size; RF64 would need a ds64 chunk the 44-byte header has no room for.
	data, riff := uint32(maxRIFF), uint32(maxRIFF)
	if samples*2 <= maxRIFF-36 {
		data = uint32(samples * 2)
		riff = 36 + data
	}
	h := make([]byte, HeaderSize)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], riff)
	copy(h[8:], "WAVE")
	copy(h[12:], "fmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:], 1) // mono
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*2))
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], data)
	return h
}

func checkHeader(h []byte, rate int) error {
	if string(h[0:4]) != "RIFF" || string(h[8:12]) != "WAVE" || string(h[12:16]) != "fmt " || string(h[36:40]) != "data" {
		return errors.New("not a canonical WAV header written by courtscribe")
	}
	if binary.LittleEndian.Uint16(h[20:]) != 1 || binary.LittleEndian.Uint16(h[22:]) != 1 ||
		binary.LittleEndian.Uint16(h[34:]) != 16 {
		return errors.New("WAV is not 16-bit mono PCM")
	}
	if got := binary.LittleEndian.Uint32(h[24:]); got != uint32(rate) {
		return fmt.Errorf("WAV sample rate %d, want %d", got, rate)
	}
	return nil
}
