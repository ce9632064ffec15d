package ingest

import "bytes"
import "crypto/sha256"
import "encoding/hex"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "os"
import "path/filepath"
import "slices"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/atomicfile"

// The archive's layout, its records (hearing.json, gaps.jsonl, manifest.json) and their
// readers are asr/archive's: ingest writes them, everyone reads them through that package.

// SessionRecord is DIR/sessions/<session>.json: the stable mapping of an agent session to its
// hearing.
type SessionRecord struct {
	Session   string      `json:"session"`
	Courtroom string      `json:"courtroom"`
	Hearing   string      `json:"hearing"`
	Seats     []wire.Seat `json:"seats"`
	Created   time.Time   `json:"created"`
}

func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'), 0o600)
}

// seatStore holds the open files of one hearing: one wavfile.Writer per seat, the gap log and
// the state file. It belongs to the hearing's writer goroutine (or to open/close while that
// goroutine does not run).
type seatStore struct {
	dir     string
	writers []*wavfile.Writer
	gaps    *os.File
	state   *os.File
	samples int64 // durable, aligned sample count of every seat
	limit   int64 // the most samples every seat file can hold (wavfile.Writer.Limit)
	lastSeq uint64
	gapList []archive.GapRecord
}

// openStore opens (creating or repairing) the files of a hearing and aligns every seat to the
// shortest one: samples beyond it were never acknowledged.
func openStore(dir string, info archive.HearingInfo) (*seatStore, int64, error) {
	st := &seatStore{dir: dir}
	truncated, err := st.open(info)
	if err != nil {
		return nil, 0, errors.Join(err, st.closeFiles())
	}
	return st, truncated, nil
}

// open opens the seat files, the gap log and the state file in turn; the caller closes what
// it opened if it fails.
func (st *seatStore) open(info archive.HearingInfo) (truncated int64, err error) {
	if err := privateDir(filepath.Join(st.dir, archive.AudioDir)); err != nil {
		return 0, err
	}
	minN, truncated, err := st.openSeats(info)
	if err != nil {
		return 0, err
	}
	st.samples = minN
	if err := st.openGaps(minN); err != nil {
		return 0, err
	}
	if err := st.openState(minN); err != nil {
		return 0, err
	}
	return truncated, nil
}

// openSeats opens every seat file and truncates the longer ones to the shortest (minN).
func (st *seatStore) openSeats(info archive.HearingInfo) (minN, truncated int64, err error) {
	minN = -1
	st.limit = wavfile.MaxSamplesRF64
	for _, seat := range info.Seats {
		w, err := wavfile.Open(filepath.Join(st.dir, filepath.FromSlash(archive.SeatFile(seat.Name))), wire.SampleRate)
		if err != nil {
			return 0, 0, fmt.Errorf("open seat %s: %w", seat.Name, err)
		}
		st.writers = append(st.writers, w)
		st.limit = min(st.limit, w.Limit())
		if n := w.Samples(); minN < 0 || n < minN {
			minN = n
		}
	}
	for _, w := range st.writers {
		if w.Samples() > minN {
			truncated += w.Samples() - minN
			if err := w.Truncate(minN); err != nil {
				return 0, 0, err
			}
		}
	}
	if err := atomicfile.SyncDir(filepath.Join(st.dir, archive.AudioDir)); err != nil {
		return 0, 0, err
	}
	return minN, truncated, nil
}

// openGaps reads the gap log, keeping the records inside the durable audio (minN samples) and
// clipping one that runs past it, and opens it for appending.
func (st *seatStore) openGaps(minN int64) error {
	gpath := filepath.Join(st.dir, archive.GapsFile)
	gaps, clean, err := archive.ReadGapsFile(gpath)
	if err != nil {
		return err
	}
	var kept []archive.GapRecord
	for _, g := range gaps {
		if g.FirstSample >= minN {
			clean = false
			continue
		}
		if g.FirstSample+g.Samples > minN {
			g.Samples = minN - g.FirstSample
			clean = false
		}
		kept = append(kept, g)
	}
	if !clean {
		if err := writeFileAtomic(gpath, gapLines(kept), 0o600); err != nil {
			return err
		}
	}
	st.gapList = kept
	if st.gaps, err = os.OpenFile(gpath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err != nil {
		return err
	}
	return st.gaps.Chmod(0o600)
}

// openState reads the last durable seq and opens the state file. The state is written after
// the audio is synced, so it never claims more than the WAVs hold; a missing or torn state
// only makes the agent resend more.
func (st *seatStore) openState(minN int64) error {
	spath := filepath.Join(st.dir, archive.StateFile)
	var s stateRecord
	if b, err := os.ReadFile(spath); err == nil && json.Unmarshal(bytes.TrimSpace(b), &s) == nil && s.NextSample <= minN {
		st.lastSeq = s.LastSeq
	}
	var err error
	if st.state, err = os.OpenFile(spath, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return err
	}
	return st.state.Chmod(0o600)
}

// gapLines is gap records as the gap log holds them: one JSON object a line.
func gapLines(gs []archive.GapRecord) []byte {
	var buf bytes.Buffer
	for _, g := range gs {
		b, _ := json.Marshal(g)
		buf.Write(append(b, '\n'))
	}
	return buf.Bytes()
}

type stateRecord struct {
	LastSeq    uint64 `json:"last_seq"`
	NextSample int64  `json:"next_sample"`
}

const stateSize = 128

// writeState records the durable seq in place (one small write, no fsync: an older state only
// makes the agent resend frames the server recognises as duplicates).
func (st *seatStore) writeState() error {
	b, _ := json.Marshal(stateRecord{LastSeq: st.lastSeq, NextSample: st.samples})
	buf := bytes.Repeat([]byte{' '}, stateSize)
	copy(buf, b)
	buf[stateSize-1] = '\n'
	_, err := st.state.WriteAt(buf, 0)
	return err
}

// appendGaps writes gap records and fsyncs the gap log. It runs before the zeros are written
// to the WAVs so that a durable gap in the audio always has its record.
func (st *seatStore) appendGaps(gs []archive.GapRecord) error {
	if _, err := st.gaps.Write(gapLines(gs)); err != nil {
		return err
	}
	if err := st.gaps.Sync(); err != nil {
		return err
	}
	st.gapList = append(st.gapList, gs...)
	return nil
}

func (st *seatStore) closeFiles() error { return st.release((*wavfile.Writer).Close) }

// abandonFiles closes the files without writing anything more (wavfile.Writer.Abandon): for a
// hearing this server may no longer write (Config.Fence). What was synced stays.
func (st *seatStore) abandonFiles() error { return st.release((*wavfile.Writer).Abandon) }

// release ends every seat writer with end and closes the gap log and state files.
func (st *seatStore) release(end func(*wavfile.Writer) error) error {
	var errs []error
	for _, w := range st.writers {
		errs = append(errs, end(w))
	}
	if st.gaps != nil {
		errs = append(errs, st.gaps.Close())
	}
	if st.state != nil {
		errs = append(errs, st.state.Close())
	}
	st.writers, st.gaps, st.state = nil, nil, nil
	return errors.Join(errs...)
}

// buildManifest hashes every seat file (after closeFiles) and describes the hearing.
func buildManifest(dir string, info archive.HearingInfo, gaps []archive.GapRecord, closed time.Time) (*archive.Manifest, error) {
	m := &archive.Manifest{Hearing: info.Hearing, Courtroom: info.Courtroom, Session: info.Session,
		SampleRate: wire.SampleRate, Created: info.Created, Closed: closed.UTC(), Gaps: slices.Clone(gaps)}
	if m.Gaps == nil {
		m.Gaps = []archive.GapRecord{}
	}
	for _, seat := range info.Seats {
		rel := archive.SeatFile(seat.Name)
		f, err := os.Open(filepath.Join(dir, rel))
		if err != nil {
			return nil, err
		}
		d, err := wavfile.NewDecoder(f) // where the samples start: RF64 reserve or legacy header
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("seat %s: %w", seat.Name, err)
		}
		off := d.DataOffset()
		h := sha256.New()
		var n int64
		if _, err = f.Seek(0, io.SeekStart); err == nil {
			n, err = io.Copy(h, f)
		}
		f.Close()
		if err != nil {
			return nil, err
		}
		samples := (n - off) / 2
		m.Files = append(m.Files, archive.ManifestFileEntry{Seat: seat.Name, Path: rel, SHA256: hex.EncodeToString(h.Sum(nil)),
			Bytes: n, Samples: samples, DurationSeconds: float64(samples) / wire.SampleRate})
		m.Samples = samples
	}
	m.DurationSeconds = float64(m.Samples) / wire.SampleRate
	return m, nil
}
