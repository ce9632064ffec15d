package transcript

import "crypto/sha256"
import "encoding/hex"
import "errors"
import "fmt"
import "io"
import "io/fs"
import "os"
import "path/filepath"
import "sort"
import "strings"

import "github.com/courtscribe/courtscribe/asr/archive"

// LoadAudio returns the audio files of a hearing directory (DATA/hearings/ID). It reads the
// file list of the ingest server's manifest.json when present, leniently, through
// archive.ReadManifestFiles (manifests other tools wrote are accepted too), and otherwise
// hashes every audio/*.wav itself. source says which ("manifest" or "computed"). No directory
// or no files gives an empty list, not an error: a hearing may have been recorded elsewhere.
func LoadAudio(hearingDir string) (files []AudioFile, source string, err error) {
	entries, err := archive.ReadManifestFiles(hearingDir)
	switch {
	case err == nil:
		files := make([]AudioFile, 0, len(entries))
		for _, e := range entries {
			files = append(files, AudioFile{Name: e.Path, Bytes: e.Bytes, SHA256: e.SHA256})
		}
		sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
		return files, "manifest", nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, "", err
	}
	files, err = HashAudioDir(hearingDir)
	return files, "computed", err
}

// HashAudioDir hashes DIR/audio/*.wav, names relative to DIR, sorted by name.
func HashAudioDir(dir string) ([]AudioFile, error) {
	paths, err := filepath.Glob(filepath.Join(dir, archive.AudioDir, "*.wav"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	out := []AudioFile{}
	for _, p := range paths {
		f, err := HashFile(p)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(dir, p)
		f.Name = filepath.ToSlash(rel)
		out = append(out, f)
	}
	return out, nil
}

// HashFile returns the size and SHA-256 of a file (Name is the path given).
func HashFile(path string) (AudioFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return AudioFile{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return AudioFile{}, err
	}
	return AudioFile{Name: path, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// VerifyAudio compares the record's audio list with the files under hearingDir (names are
// relative to it). It returns one line per mismatch; none means all files match.
func VerifyAudio(files []AudioFile, hearingDir string) []string {
	var bad []string
	for _, f := range files {
		p := filepath.Join(hearingDir, filepath.FromSlash(f.Name))
		if strings.Contains(f.Name, "..") {
			bad = append(bad, fmt.Sprintf("%s: refusing a path outside the audio directory", f.Name))
			continue
		}
		got, err := HashFile(p)
		if err != nil {
			// An audio dir given directly (…/audio) instead of the hearing dir.
			got, err = HashFile(filepath.Join(hearingDir, filepath.Base(f.Name)))
		}
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("%s: %v", f.Name, err))
		case got.SHA256 != f.SHA256:
			bad = append(bad, fmt.Sprintf("%s: SHA-256 %s, record says %s", f.Name, got.SHA256, f.SHA256))
		case f.Bytes != 0 && got.Bytes != f.Bytes:
			bad = append(bad, fmt.Sprintf("%s: %d bytes, record says %d", f.Name, got.Bytes, f.Bytes))
		}
	}
	return bad
}

// LoadGaps returns the audio gaps the ingest server recorded for a hearing directory as gap
// notes (AtMS/EndMS in hearing time, Text the reason): the manifest's gaps when the hearing is
// closed, else the gap log's, read by asr/archive (archive.HearingGaps). A hearing without
// either has no gaps.
func LoadGaps(hearingDir string) ([]Note, error) {
	gaps, err := archive.HearingGaps(hearingDir)
	if err != nil || gaps == nil {
		return nil, err
	}
	out := make([]Note, 0, len(gaps))
	for _, g := range gaps {
		if g.FirstSample < 0 || g.Samples <= 0 {
			continue
		}
		text := "audio missing"
		if g.Reason != "" {
			text += ": " + g.Reason
		}
		out = append(out, Note{Kind: NoteGap, AtMS: g.FirstSample / 16, EndMS: (g.FirstSample + g.Samples + 15) / 16, Text: text})
	}
	return out, nil
}
