package backfill

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/courtscribe/courtscribe/asr"
)

// AudioSource gives a seat's audio for a span of hearing time (16 kHz mono).
type AudioSource interface {
	Audio(ctx context.Context, hearing, seat string, start, end float64) ([]int16, error)
}

// Archive reads the server's audio archive: DATA/hearings/<hearing>/audio/<seat>.wav, one
// 16 kHz mono 16-bit WAV per seat whose sample index is the hearing clock. It reads only the
// requested range, so it works on multi-hour files and on files still being written.
type Archive struct {
	Dir string // DATA
}

// Path is the WAV file of a seat.
func (a Archive) Path(hearing, seat string) (string, error) {
	for _, s := range []string{hearing, seat} {
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, `/\`) || strings.ContainsRune(s, 0) {
			return "", fmt.Errorf("archive: bad hearing or seat name %q", s)
		}
	}
	return filepath.Join(a.Dir, "hearings", hearing, "audio", seat+".wav"), nil
}

// Audio implements AudioSource.
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
const maxRange = 10 * 60 * asr.SampleRate

// ReadRange reads samples start..end (hearing seconds) of a 16 kHz mono 16-bit PCM WAV. The
// RIFF chunks are walked to find "fmt " and "data"; the data length is taken from the file
// size (the header of a file being written may lag behind). A range past the end is an error.
func ReadRange(r io.ReaderAt, start, end float64) ([]int16, error) {
	if !(start >= 0 && end > start && end-start <= maxRange/asr.SampleRate && end < 1e7) { // NaN fails too
		return nil, fmt.Errorf("archive: bad range %.3f..%.3f s", start, end)
	}
	s0, s1 := asr.SampleIndex(start), asr.SampleIndex(end)
	if s1 <= s0 {
		return nil, fmt.Errorf("archive: bad range %.3f..%.3f s", start, end)
	}
	var hdr [12]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil || string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, errors.New("archive: not a RIFF/WAVE file")
	}
	pos := int64(12)
	fmtOK := false
	var dataOff int64 = -1
	for i := 0; i < 64 && dataOff < 0; i++ {
		var ch [8]byte
		if _, err := r.ReadAt(ch[:], pos); err != nil {
			return nil, errors.New("archive: WAV has no data chunk")
		}
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch string(ch[0:4]) {
		case "fmt ":
			var fm [16]byte
			if size < 16 {
				return nil, errors.New("archive: short fmt chunk")
			}
			if _, err := r.ReadAt(fm[:], pos+8); err != nil {
				return nil, errors.New("archive: short fmt chunk")
			}
			format, ch, rate, bits := binary.LittleEndian.Uint16(fm[0:]), binary.LittleEndian.Uint16(fm[2:]), binary.LittleEndian.Uint32(fm[4:]), binary.LittleEndian.Uint16(fm[14:])
			if format != 1 || ch != 1 || rate != asr.SampleRate || bits != 16 {
				return nil, fmt.Errorf("archive: WAV is format %d, %d channels, %d Hz, %d bit; want PCM mono 16 kHz 16 bit", format, ch, rate, bits)
			}
			fmtOK = true
		case "data":
			dataOff = pos + 8
		}
		pos += 8 + size + size&1
	}
	if !fmtOK || dataOff < 0 {
		return nil, errors.New("archive: WAV lacks fmt or data chunk")
	}
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
