// Package archive owns the server's audio archive contract: the layout of a hearing's files in
// the data directory, the manifest written when a hearing closes, the gap log, and reads of
// a seat's samples by hearing time. asr/ingest writes the archive; the stream, backfill, the
// record (closing a hearing), the API's audio endpoint, backup, restore and scrub read it,
// all through this package.
//
//	DIR/sessions/<session>.json            session → hearing (ingest's own)
//	DIR/hearings/<id>/hearing.json          HearingInfo
//	DIR/hearings/<id>/audio/<seat>.wav      16 kHz 16-bit mono, sample index = hearing time
//	DIR/hearings/<id>/gaps.jsonl            one GapRecord per line (gaps read as zeros in the WAVs;
//	                                        on disk they are holes of a sparse file)
//	DIR/hearings/<id>/state.json            last durable seq (ingest's own, for Welcome)
//	DIR/hearings/<id>/manifest.json         written when the hearing is closed (Manifest)
package archive

import "bufio"
import "bytes"
import "encoding/hex"
import "encoding/json"
import "errors"
import "fmt"
import "os"
import "path/filepath"
import "strings"
import "time"

import "github.com/courtscribe/courtscribe/capture/wire"

// Names in the data directory and in a hearing's directory.
const (
	SessionsDir  = "sessions"
	HearingsDir  = "hearings"
	AudioDir     = "audio"
	HearingFile  = "hearing.json"
	GapsFile     = "gaps.jsonl"
	StateFile    = "state.json"
	ManifestFile = "manifest.json"
)

// HearingDir is DIR/hearings/<hearing>. hearing is not checked; see SeatPath.
func HearingDir(dataDir, hearing string) string { return filepath.Join(dataDir, HearingsDir, hearing) }

// Rel names a file of a hearing relative to the data directory in slash form, as backups and
// scrub reports name files: Rel("h1", "audio/judge.wav") is "hearings/h1/audio/judge.wav";
// Rel("h1") is the hearing's directory. The names are joined as they are, not cleaned.
func Rel(hearing string, names ...string) string {
	return strings.Join(append([]string{HearingsDir, hearing}, names...), "/")
}

// SeatFile is a seat's WAV relative to its hearing's directory (audio/<seat>.wav), as the
// manifest names it.
func SeatFile(seat string) string { return AudioDir + "/" + seat + ".wav" }

// SeatPath is DIR/hearings/<hearing>/audio/<seat>.wav. A hearing or seat name that is not a
// plain name (empty, ".", "..", a separator, NUL) is an error.
func SeatPath(dataDir, hearing, seat string) (string, error) {
	for _, s := range []string{hearing, seat} {
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, `/\`) || strings.ContainsRune(s, 0) {
			return "", fmt.Errorf("archive: bad hearing or seat name %q", s)
		}
	}
	return filepath.Join(HearingDir(dataDir, hearing), AudioDir, seat+".wav"), nil
}

// HearingInfo is DIR/hearings/<id>/hearing.json.
type HearingInfo struct {
	Hearing    string      `json:"hearing"`
	Courtroom  string      `json:"courtroom"`
	Session    string      `json:"session"`
	Seats      []wire.Seat `json:"seats"`
	SampleRate int         `json:"sample_rate"`
	Created    time.Time   `json:"created"`
}

// SeatNames returns the seat names in channel order.
func (h HearingInfo) SeatNames() []string {
	out := make([]string, len(h.Seats))
	for i, s := range h.Seats {
		out[i] = s.Name
	}
	return out
}

// GapRecord is one line of gaps.jsonl: Samples samples from FirstSample on were not captured
// and are zeros in every seat's WAV.
type GapRecord struct {
	FirstSample int64     `json:"first_sample"`
	Samples     int64     `json:"samples"`
	Reason      string    `json:"reason"`
	Wall        time.Time `json:"wall,omitzero"`
}

// ManifestFileEntry describes one archived seat WAV.
type ManifestFileEntry struct {
	Seat            string  `json:"seat"`
	Path            string  `json:"path"` // relative to the hearing directory
	SHA256          string  `json:"sha256"`
	Bytes           int64   `json:"bytes"`
	Samples         int64   `json:"samples"`
	DurationSeconds float64 `json:"duration_seconds"`
}

// Manifest is DIR/hearings/<id>/manifest.json, written once when the hearing closes.
type Manifest struct {
	Hearing         string              `json:"hearing"`
	Courtroom       string              `json:"courtroom"`
	Session         string              `json:"session"`
	SampleRate      int                 `json:"sample_rate"`
	Created         time.Time           `json:"created"`
	Closed          time.Time           `json:"closed"`
	Samples         int64               `json:"samples"`
	DurationSeconds float64             `json:"duration_seconds"`
	Files           []ManifestFileEntry `json:"files"`
	Gaps            []GapRecord         `json:"gaps"`
}

// ReadManifest reads a closed hearing's manifest (strictly: an unknown field is an error).
func ReadManifest(dataDir, hearing string) (*Manifest, error) {
	var m Manifest
	if err := ReadJSON(filepath.Join(HearingDir(dataDir, hearing), ManifestFile), &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// ReadHearingInfo reads a hearing's hearing.json.
func ReadHearingInfo(dataDir, hearing string) (*HearingInfo, error) {
	var info HearingInfo
	if err := ReadJSON(filepath.Join(HearingDir(dataDir, hearing), HearingFile), &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// ReadGaps reads a hearing's gap log (see ReadGapsFile).
func ReadGaps(dataDir, hearing string) ([]GapRecord, error) {
	gaps, _, err := ReadGapsFile(filepath.Join(HearingDir(dataDir, hearing), GapsFile))
	return gaps, err
}

// HearingGaps returns the gaps of the hearing in hearingDir: the manifest's when the hearing
// is closed, else the gap log's. A hearing with neither has no gaps.
func HearingGaps(hearingDir string) ([]GapRecord, error) {
	b, err := os.ReadFile(filepath.Join(hearingDir, ManifestFile))
	switch {
	case err == nil:
		var m struct {
			Gaps []GapRecord `json:"gaps"`
		}
		if err := decodeManifest(b, &m); err != nil {
			return nil, err
		}
		return m.Gaps, nil
	case errors.Is(err, os.ErrNotExist):
		gaps, _, err := ReadGapsFile(filepath.Join(hearingDir, GapsFile))
		return gaps, err
	default:
		return nil, err
	}
}

// ReadManifestFiles reads the file list of the manifest in hearingDir leniently, as the record
// reads it to verify audio (also against manifests other tools wrote): other fields are
// ignored, an entry may name its file "name", "path" or "file" (the first given, in that order)
// and its size "bytes" or "size"; a bare name is a file in audio/. Every entry must have a name
// and a SHA-256 of 64 hex digits, returned in lower case. Paths are in slash form, in the
// manifest's order. A manifest that cannot be read is os.ReadFile's error (fs.ErrNotExist when
// there is none: the hearing is not closed); one that cannot be parsed is an error naming it.
func ReadManifestFiles(hearingDir string) ([]ManifestFileEntry, error) {
	path := filepath.Join(hearingDir, ManifestFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	files, err := parseManifestFiles(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return files, nil
}

// lenientFileEntry is a manifest entry under every name ReadManifestFiles accepts.
type lenientFileEntry struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
	Size   int64  `json:"size"`
}

func parseManifestFiles(b []byte) ([]ManifestFileEntry, error) {
	var m struct {
		Files []lenientFileEntry `json:"files"`
	}
	if err := decodeManifest(b, &m); err != nil {
		return nil, err
	}
	out := make([]ManifestFileEntry, 0, len(m.Files))
	for _, f := range m.Files {
		e, err := f.entry()
		if err != nil {
			return nil, fmt.Errorf("audio manifest: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

func (f lenientFileEntry) entry() (ManifestFileEntry, error) {
	name := firstNonEmpty(f.Name, f.Path, f.File)
	if name == "" || len(f.SHA256) != 64 {
		return ManifestFileEntry{}, errors.New("an entry lacks a name or a SHA-256")
	}
	if _, err := hex.DecodeString(f.SHA256); err != nil {
		return ManifestFileEntry{}, fmt.Errorf("%s: bad sha256", name)
	}
	if !strings.Contains(name, "/") {
		name = AudioDir + "/" + name
	}
	size := f.Bytes
	if size == 0 {
		size = f.Size
	}
	return ManifestFileEntry{Path: filepath.ToSlash(name), SHA256: strings.ToLower(f.SHA256), Bytes: size}, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// decodeManifest decodes the parts of a manifest v names, leniently (other fields are ignored).
func decodeManifest(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("audio manifest: %w", err)
	}
	return nil
}

// ReadGapsFile parses a gap log, the one parser of gaps.jsonl. A missing file has no gaps. A
// torn or invalid line (a crash while appending) is dropped and reported through
// clean=false; only an I/O error is an error.
func ReadGapsFile(path string) (gaps []GapRecord, clean bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	clean = true
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var g GapRecord
		if json.Unmarshal([]byte(line), &g) != nil || g.FirstSample < 0 || g.Samples < 1 {
			clean = false
			continue
		}
		gaps = append(gaps, g)
	}
	if err := sc.Err(); err != nil {
		return gaps, false, err
	}
	return gaps, clean, nil
}

// ReadJSON decodes one of the archive's JSON records strictly: a field the record type does
// not know is an error, naming the file.
func ReadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
