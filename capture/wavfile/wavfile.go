// Package wavfile writes 16 kHz, 16-bit mono WAV files that stay valid across a crash.
//
// A Writer keeps an 80-byte RIFF/WAVE header (WAVE PCM, see the Microsoft "Multimedia
// Programming Interface and Data Specifications 1.0", 1991) with a JUNK chunk reserved for
// RF64 (EBU Tech 3306): past 4 GiB of samples the header becomes RF64 with a ds64 chunk. Raw
// samples follow. Sync writes the samples, rewrites the header's sizes and fsyncs, so after
// Sync returns the file on disk is a complete, valid WAV (or RF64) of everything written so
// far. Files of earlier versions (44-byte header, no reserve) are still appended to, up to
// the plain WAV limit.
// Open repairs a file left by a crash: it drops a torn trailing half-sample, rewrites the header
// from the real data length and positions the writer at the end, so writing resumes where the
// durable data ends.
//
// Reading: Decoder streams any WAV other tools write (8/16/24/32-bit PCM, 32/64-bit float,
// WAVE_FORMAT_EXTENSIBLE, RF64 for files over 4 GiB), checking every header size against the
// file; Read loads a whole file through it.
package wavfile

import "bufio"
import "bytes"
import "encoding/binary"
import "errors"
import "fmt"
import "io"
import "os"

// HeaderSize is the size of the header this package writes for a new file: RIFF/WAVE, a
// 36-byte JUNK chunk reserved for the RF64 ds64 chunk (EBU Tech 3306, ITU-R BS.2088), the
// 16-byte PCM fmt chunk and the data chunk header.
const HeaderSize = 80

// LegacyHeaderSize is the canonical 44-byte header of files written by earlier versions
// (RIFF, fmt, data, no reserve). Such files are still opened, appended to and read, up to
// MaxSamples: they have no room for a ds64 chunk.
const LegacyHeaderSize = 44

// MaxSamples is the most samples a plain WAV can hold: the RIFF size field (36 + data bytes)
// is 32 bits, about 37.3 hours at 16 kHz. A legacy file (44-byte header) cannot grow past it:
// writing more is ErrTooLong (the header would wrap and lie about the file).
const MaxSamples = (1<<32 - 1 - 36) / 2

// MaxSamplesRF64 is the most samples a file with the JUNK reserve takes: past the 4 GiB RIFF
// limit it turns into RF64, whose 64-bit sizes have no practical limit. The bound only keeps
// sample arithmetic far from overflow (2^40 samples are about 2 years at 16 kHz).
const MaxSamplesRF64 = 1 << 40

// ErrTooLong is returned for writes that would take a file past its limit (Limit).
var ErrTooLong = errors.New("wavfile: the file would exceed the WAV size limit (about 37 hours at 16 kHz for a file without the RF64 reserve)")

// Writer appends samples to a mono 16-bit WAV file. It is not safe for concurrent use.
type Writer struct {
	f       *os.File
	hdr     int64 // header size: HeaderSize, or LegacyHeaderSize for an older file
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
	w := &Writer{f: f, bw: bufio.NewWriterSize(f, 64<<10), rate: sampleRate, hdr: HeaderSize}
	if _, err := f.Write(header(HeaderSize, sampleRate, 0)); err != nil {
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
	n, hdr, err := repair(path, sampleRate)
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
	return &Writer{f: f, bw: bufio.NewWriterSize(f, 64<<10), rate: sampleRate, hdr: hdr, samples: n, synced: n}, nil
}

// Repair makes the WAV at path consistent and returns its sample count: a file shorter than a
// header gets a fresh header, a torn half-sample at the end is cut off, and the header sizes
// are rewritten from the data length (RF64 past 4 GiB for a file with the JUNK reserve). A
// file whose header is not ours (different layout, format or rate) is an error and is left
// untouched.
func Repair(path string, sampleRate int) (int64, error) {
	n, _, err := repair(path, sampleRate)
	return n, err
}

func repair(path string, sampleRate int) (int64, int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	size := st.Size()
	var h [HeaderSize]byte
	k, err := f.ReadAt(h[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, 0, err
	}
	hdr, err := layout(h[:k], sampleRate)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	if hdr == 0 || size < hdr {
		// Crashed while writing the first header: nothing durable yet.
		if err := f.Truncate(0); err != nil {
			return 0, 0, err
		}
		if _, err := f.WriteAt(header(HeaderSize, sampleRate, 0), 0); err != nil {
			return 0, 0, err
		}
		return 0, HeaderSize, f.Sync()
	}
	data := (size - hdr) &^ 1
	if hdr+data != size {
		if err := f.Truncate(hdr + data); err != nil {
			return 0, 0, err
		}
	}
	if _, err := f.WriteAt(header(hdr, sampleRate, data/2), 0); err != nil {
		return 0, 0, err
	}
	return data / 2, hdr, f.Sync()
}

// Truncate cuts the file to n samples (used to align seats after a crash), then syncs.
func (w *Writer) Truncate(n int64) error {
	if err := w.bw.Flush(); err != nil {
		return err
	}
	if n > w.samples {
		return fmt.Errorf("truncate to %d samples: file has only %d", n, w.samples)
	}
	if err := w.f.Truncate(w.hdr + 2*n); err != nil {
		return err
	}
	if _, err := w.f.Seek(w.hdr+2*n, io.SeekStart); err != nil {
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
	if int64(len(pcm)) > w.Limit()-w.samples {
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
	if n < 0 || n > w.Limit()-w.samples {
		return ErrTooLong
	}
	if n >= sparseSilence {
		if err := w.bw.Flush(); err != nil {
			return err
		}
		end := w.hdr + 2*(w.samples+n)
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
	_, err := w.f.WriteAt(header(w.hdr, w.rate, w.samples), 0)
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

// Limit is the most samples this file can hold: MaxSamplesRF64 for a file with the RF64
// reserve, MaxSamples for a legacy file (44-byte header) written by an earlier version.
func (w *Writer) Limit() int64 {
	if w.hdr == LegacyHeaderSize {
		return MaxSamples
	}
	return MaxSamplesRF64
}

// DataOffset is where the samples start in the file (the header size).
func (w *Writer) DataOffset() int64 { return w.hdr }

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

// Abandon closes the file without writing anything more: samples still buffered are dropped
// and the header is left as it is. It is for a writer that lost the right to write the file
// (another server replica took the hearing while this one was stalled): flushing would put
// stale samples and a stale size over what the new owner wrote. Samples already made durable
// by Sync stay. Close after Abandon does nothing.
func (w *Writer) Abandon() error {
	if w.closed {
		return nil
	}
	w.closed = true
	return w.f.Close()
}

// maxRIFF is the largest size a 32-bit RIFF field can state; a seat passes it after about
// 37 h at 16 kHz.
const maxRIFF = 0xFFFFFFFF

// header is the header of a file of the given layout (HeaderSize or LegacyHeaderSize) holding
// samples 16-bit mono samples.
//
// HeaderSize (EBU Tech 3306 §2, ITU-R BS.2088): while the RIFF size fits 32 bits the file is a
// plain WAV whose first chunk is "JUNK" (28 zero bytes, skipped by every reader); past that the
// id becomes "RF64", the JUNK chunk becomes "ds64" with the 64-bit RIFF size, data size and
// sample count, and the 32-bit RIFF and data sizes say 0xFFFFFFFF ("see ds64").
//
// LegacyHeaderSize: past the 32-bit limit both sizes say 0xFFFFFFFF, the customary "to the end
// of the file" (only a file that was already that long when this version opened it; the
// sizes used to wrap, so a 40 h file claimed 2.7 h).
func header(hdr int64, rate int, samples int64) []byte {
	data := samples * 2
	h := make([]byte, hdr)
	copy(h[0:], "RIFF")
	copy(h[8:], "WAVE")
	p := 12
	riff := hdr - 8 + data
	if hdr == HeaderSize {
		if riff <= maxRIFF {
			copy(h[12:], "JUNK")
			binary.LittleEndian.PutUint32(h[16:], 28)
		} else {
			copy(h[0:], "RF64")
			copy(h[12:], "ds64")
			binary.LittleEndian.PutUint32(h[16:], 28)
			binary.LittleEndian.PutUint64(h[20:], uint64(riff))
			binary.LittleEndian.PutUint64(h[28:], uint64(data))
			binary.LittleEndian.PutUint64(h[36:], uint64(samples))
			binary.LittleEndian.PutUint32(h[44:], 0) // no table
		}
		p = 48
	}
	putFmtData(h, p, rate, 1)
	if riff <= maxRIFF {
		binary.LittleEndian.PutUint32(h[4:], uint32(riff))
		binary.LittleEndian.PutUint32(h[p+28:], uint32(data))
	} else {
		binary.LittleEndian.PutUint32(h[4:], maxRIFF)
		binary.LittleEndian.PutUint32(h[p+28:], maxRIFF)
	}
	return h
}

// layout recognises the header of a file this package wrote and returns its size
// (HeaderSize or LegacyHeaderSize), or 0 for a file too short to hold its header (a crash
// while the first header was written: nothing durable yet).
func layout(h []byte, rate int) (int64, error) {
	if len(h) < LegacyHeaderSize {
		return 0, nil
	}
	switch string(h[12:16]) {
	case "fmt ":
		return LegacyHeaderSize, checkHeader(h[:LegacyHeaderSize], 12, rate)
	case "JUNK", "ds64":
		if len(h) < HeaderSize {
			return 0, nil
		}
		return HeaderSize, checkHeader(h[:HeaderSize], 48, rate)
	}
	return 0, errors.New("not a WAV header written by courtscribe")
}

func checkHeader(h []byte, p int, rate int) error {
	riffID, junk := string(h[0:4]), string(h[12:16])
	ok := string(h[8:12]) == "WAVE" && string(h[p:p+4]) == "fmt " && string(h[p+24:p+28]) == "data"
	switch p {
	case 12:
		ok = ok && riffID == "RIFF"
	default:
		ok = ok && ((riffID == "RIFF" && junk == "JUNK") || (riffID == "RF64" && junk == "ds64")) &&
			binary.LittleEndian.Uint32(h[16:]) == 28
	}
	if !ok {
		return errors.New("not a WAV header written by courtscribe")
	}
	if binary.LittleEndian.Uint32(h[p+4:]) != 16 || binary.LittleEndian.Uint16(h[p+8:]) != 1 ||
		binary.LittleEndian.Uint16(h[p+10:]) != 1 || binary.LittleEndian.Uint16(h[p+22:]) != 16 {
		return errors.New("WAV is not 16-bit mono PCM")
	}
	if got := binary.LittleEndian.Uint32(h[p+12:]); got != uint32(rate) {
		return fmt.Errorf("WAV sample rate %d, want %d", got, rate)
	}
	return nil
}

// Snapshot reads a seat file that may be being appended to as a consistent file: its header
// (plain WAV, or RF64 past 4 GiB) with the sizes of the whole samples present now, then those
// samples; n is the byte count. ok is false for a file that is not one this package wrote
// (or not yet a whole header): the caller copies it as it is. f's offset is left anywhere.
func Snapshot(f *os.File) (r io.Reader, n int64, ok bool, err error) {
	st, err := f.Stat()
	if err != nil {
		return nil, 0, false, err
	}
	var h [HeaderSize]byte
	k, err := f.ReadAt(h[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, false, err
	}
	if k < LegacyHeaderSize {
		return nil, 0, false, nil
	}
	p := 12
	if s := string(h[12:16]); s == "JUNK" || s == "ds64" {
		p = 48
	}
	if k < p+32 {
		return nil, 0, false, nil
	}
	rate := int(binary.LittleEndian.Uint32(h[p+12:]))
	hdr, err := layout(h[:k], rate)
	if err != nil || hdr == 0 || st.Size() < hdr {
		return nil, 0, false, nil
	}
	data := (st.Size() - hdr) &^ 1
	return io.MultiReader(bytes.NewReader(header(hdr, rate, data/2)), io.NewSectionReader(f, hdr, data)), hdr + data, true, nil
}
