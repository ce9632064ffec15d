package archive

import "context"
import "encoding/binary"
import "errors"
import "fmt"
import "io"
import "os"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

// Archive reads the server's audio archive: DATA/hearings/<hearing>/audio/<seat>.wav, one
// 16 kHz mono 16-bit WAV per seat whose sample index is the hearing clock. It reads only the
// requested range, so it works on multi-hour files and on files still being written.
type Archive struct {
	Dir string // DATA
}

// Path is the WAV file of a seat (SeatPath).
func (a Archive) Path(hearing, seat string) (string, error) { return SeatPath(a.Dir, hearing, seat) }

// Audio reads a seat's samples start..end (hearing seconds); it is the stream's and the
// backfill's AudioSource.
func (a Archive) Audio(ctx context.Context, hearing, seat string, start, end float64) ([]int16, error) {
	path, err := a.Path(hearing, seat)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	defer f.Close()
	return ReadRange(f, start, end)
}

// maxRange bounds one read (10 minutes); utterances are far shorter.
const maxRange = 10 * 60 * wire.SampleRate

// ReadSeekerAt is what ReadRange reads from (*os.File, *bytes.Reader).
type ReadSeekerAt interface {
	io.ReaderAt
	io.ReadSeeker
}

// ReadRange reads samples start..end (hearing seconds) of a 16 kHz mono 16-bit PCM WAV: a plain
// WAV, the archive's RF64 past 4 GiB, or a file an earlier version left past 4 GiB. The header
// is parsed by wavfile's Decoder; the samples are read from the file as it is (the header of a
// file being written may lag behind). A range past the end is an error.
func ReadRange(r ReadSeekerAt, start, end float64) ([]int16, error) {
	if !(start >= 0 && end > start && end-start <= maxRange/wire.SampleRate && end < 1e7) { // NaN fails too
		return nil, fmt.Errorf("archive: bad range %.3f..%.3f s", start, end)
	}
	s0, s1 := asr.SampleIndex(start), asr.SampleIndex(end)
	if s1 <= s0 {
		return nil, fmt.Errorf("archive: bad range %.3f..%.3f s", start, end)
	}
	d, err := wavfile.NewDecoder(r)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	if f := d.Format(); f.Float || f.Bits != 16 || f.Channels != 1 || f.SampleRate != wire.SampleRate {
		return nil, fmt.Errorf("archive: WAV is %s; want PCM mono 16 kHz 16 bit", f)
	}
	dataOff := d.DataOffset()
	n := s1 - s0
	var last [1]byte
	if _, err := r.ReadAt(last[:], dataOff+2*s1-1); err != nil { // before allocating the range
		return nil, fmt.Errorf("archive: range %.3f..%.3f s is past the end of the recording", start, end)
	}
	buf := make([]byte, 2*n)
	got, err := r.ReadAt(buf, dataOff+2*s0)
	if got < len(buf) {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("archive: range %.3f..%.3f s is past the end of the recording", start, end)
		}
		return nil, fmt.Errorf("archive: %w", err)
	}
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(buf[2*i:]))
	}
	return out, nil
}
