package backup

import "context"
import "errors"
import "fmt"
import "io"
import "io/fs"
import "log/slog"
import "os"
import "path/filepath"
import "sort"
import "strings"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/internal/atomicfile"
import "github.com/courtscribe/courtscribe/transcript"

const maxManifestBytes = 512 << 20

// Snapshots lists the complete snapshots of a destination, oldest first.
func Snapshots(dest string) ([]string, error) {
	es, err := os.ReadDir(filepath.Join(dest, SnapshotsDir))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range es {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if _, err := os.Stat(filepath.Join(dest, SnapshotsDir, e.Name(), ManifestName)); err == nil {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// ReadManifest reads a snapshot's manifest (strictly; a malformed one is an error).
func ReadManifest(dest, snapshot string) (*Manifest, error) {
	if !validRel(snapshot) || strings.Contains(snapshot, "/") {
		return nil, fmt.Errorf("backup: snapshot name %q", snapshot)
	}
	var m Manifest
	if err := readJSONStrict(filepath.Join(dest, SnapshotsDir, snapshot, ManifestName), &m, maxManifestBytes); err != nil {
		return nil, err
	}
	if m.Format != Format {
		return nil, fmt.Errorf("backup: snapshot %s: format %q, want %q", snapshot, m.Format, Format)
	}
	if m.Snapshot != snapshot {
		return nil, fmt.Errorf("backup: snapshot %s: its manifest names %q", snapshot, m.Snapshot)
	}
	return &m, nil
}

// LatestManifest returns the manifest LATEST names, or the newest complete snapshot's when
// LATEST is missing or names nothing readable.
func LatestManifest(dest string) (*Manifest, error) {
	if b, err := os.ReadFile(filepath.Join(dest, LatestFile)); err == nil {
		if m, err := ReadManifest(dest, strings.TrimSpace(string(b))); err == nil {
			return m, nil
		}
	}
	snaps, err := Snapshots(dest)
	if err != nil {
		return nil, err
	}
	for i := len(snaps) - 1; i >= 0; i-- {
		if m, err := ReadManifest(dest, snaps[i]); err == nil {
			return m, nil
		}
	}
	return nil, fmt.Errorf("backup: no complete snapshot in %s", dest)
}

// RestoreConfig configures Restore and RestoreHearing.
type RestoreConfig struct {
	From     string // backup destination
	DataDir  string
	Snapshot string // "" → the latest
	Logger   *slog.Logger
}

// Restore writes a snapshot into an empty (or absent) data directory, checking every byte
// against the snapshot's SHA-256 on the way. It returns the snapshot's manifest; Verify then
// audits the restored record.
func Restore(ctx context.Context, cfg RestoreConfig) (*Manifest, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	m, err := pickSnapshot(cfg.From, cfg.Snapshot)
	if err != nil {
		return nil, err
	}
	if es, err := os.ReadDir(cfg.DataDir); err == nil && len(es) > 0 {
		return nil, fmt.Errorf("restore: %s is not empty: restore into an empty data directory (use restore --hearing to repair one hearing)", cfg.DataDir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if _, _, err := checkDest(cfg.DataDir, cfg.From); err != nil {
		return nil, fmt.Errorf("restore: the backup is inside the data directory: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, err
	}
	dbSrc := filepath.Join(cfg.From, SnapshotsDir, m.Snapshot, DBName)
	if err := restoreFile(dbSrc, filepath.Join(cfg.DataDir, DBName), m.Database); err != nil {
		return nil, fmt.Errorf("restore: the record: %w", err)
	}
	dirs := map[string]bool{cfg.DataDir: true}
	for _, f := range m.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !validRel(f.Path) || len(f.SHA256) != 64 {
			return nil, fmt.Errorf("restore: the manifest names an invalid file %q", f.Path)
		}
		dst := filepath.Join(cfg.DataDir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return nil, err
		}
		if err := restoreFile(ObjectPath(cfg.From, f.SHA256), dst, f); err != nil {
			return nil, fmt.Errorf("restore: %s: %w", f.Path, err)
		}
		dirs[filepath.Dir(dst)] = true
		if f.Problem != "" {
			cfg.Logger.Warn("restore: this file was already damaged when it was backed up", "file", f.Path, "problem", f.Problem)
		}
	}
	for d := range dirs {
		if err := atomicfile.SyncDir(d); err != nil {
			return nil, err
		}
	}
	cfg.Logger.Info("restore complete", "snapshot", m.Snapshot, "files", len(m.Files), "hearings", len(m.Hearings))
	return m, nil
}

func pickSnapshot(dest, name string) (*Manifest, error) {
	if name == "" {
		return LatestManifest(dest)
	}
	return ReadManifest(dest, name)
}

// restoreFile copies src to dst through a temporary file, refusing content whose SHA-256 or
// size differs from the manifest entry, and gives it the entry's mode and time.
func restoreFile(src, dst string, f File) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	mode := fs.FileMode(f.Mode).Perm()
	if mode == 0 {
		mode = 0o640
	}
	tmp, sum, n, err := copyToTemp(filepath.Dir(dst), io.LimitReader(in, f.Bytes+1), mode|0o200)
	if err != nil {
		return err
	}
	if sum != f.SHA256 || n != f.Bytes {
		os.Remove(tmp)
		return fmt.Errorf("the backup copy is damaged: SHA-256 %s (%d bytes), the manifest says %s (%d bytes)", sum, n, f.SHA256, f.Bytes)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		os.Remove(tmp)
		return err
	}
	if f.MTime != 0 {
		t := time.Unix(0, f.MTime)
		// The content is what is restored; a file left with another time is only hashed
		// again by the next backup instead of reused.
		_ = os.Chtimes(tmp, t, t)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Verifier is what Verify needs of the restored record.
type Verifier interface {
	AuditHearing(ctx context.Context, id string) (*transcript.AuditReport, error)
}

// Verify audits a restored data directory against the snapshot it came from: every hearing's
// chain (transcript audit) with the head the backup recorded, the chain of administration,
// and the audio of closed hearings against their audio manifests. It returns one line per
// problem; none means the restore is intact.
func Verify(ctx context.Context, rec Verifier, dataDir string, m *Manifest) ([]string, error) {
	var bad []string
	ids := append([]string{""}, hearingIDs(m)...)
	for _, id := range ids {
		rep, err := rec.AuditHearing(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("audit hearing %q: %w", id, err)
		}
		for _, p := range rep.Problems {
			bad = append(bad, fmt.Sprintf("hearing %q: %s", id, p.String()))
		}
		want := m.Admin
		if id != "" {
			h, _ := m.HearingByID(id)
			want = Chain{Events: h.Events, Head: h.Head}
		}
		if int64(rep.Events) != want.Events || rep.Head != want.Head {
			bad = append(bad, fmt.Sprintf("hearing %q: chain has %d events, head %s; the backup recorded %d, head %s", id, rep.Events, rep.Head, want.Events, want.Head))
		}
	}
	for _, h := range m.Hearings {
		if !h.Closed {
			continue
		}
		dir := archive.HearingDir(dataDir, h.ID)
		files, _, err := transcript.LoadAudio(dir)
		if err != nil {
			bad = append(bad, fmt.Sprintf("hearing %s: %v", h.ID, err))
			continue
		}
		for _, line := range transcript.VerifyAudio(files, dir) {
			bad = append(bad, fmt.Sprintf("hearing %s: %s", h.ID, line))
		}
	}
	return bad, nil
}

func hearingIDs(m *Manifest) []string {
	out := make([]string, 0, len(m.Hearings))
	for _, h := range m.Hearings {
		out = append(out, h.ID)
	}
	return out
}

// Repair is one file RestoreHearing looked at.
type Repair struct {
	Path   string `json:"path"`
	Action string `json:"action"` // "restored", "intact", "skipped"
	Why    string `json:"why,omitempty"`
}

// RestoreHearing repairs one hearing's archived files in a data directory in use: every file
// of the hearing that is missing or differs from the newest snapshot in which the hearing's
// audio was complete is replaced (atomically) by the backup copy. A hearing still being
// recorded is refused. The record (database) is not touched.
func RestoreHearing(ctx context.Context, cfg RestoreConfig, hearing string) ([]Repair, string, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := checkRestorable(cfg.DataDir, hearing); err != nil {
		return nil, "", err
	}
	m, err := completeSnapshot(&cfg, hearing)
	if err != nil {
		return nil, "", err
	}
	prefix := archive.Rel(hearing) + "/"
	var out []Repair
	for _, f := range m.Files {
		if !strings.HasPrefix(f.Path, prefix) {
			continue
		}
		r, err := repairFile(&cfg, m.Snapshot, f)
		if err != nil {
			return out, m.Snapshot, err
		}
		out = append(out, r)
	}
	return out, m.Snapshot, nil
}

// checkRestorable refuses an invalid hearing id and a hearing still being recorded.
func checkRestorable(dataDir, hearing string) error {
	if hearing == "" || !validRel(hearing) || strings.Contains(hearing, "/") || strings.HasPrefix(hearing, ".") {
		return fmt.Errorf("restore: hearing id %q", hearing)
	}
	hdir := archive.HearingDir(dataDir, hearing)
	if _, err := os.Stat(filepath.Join(hdir, archive.ManifestFile)); err != nil {
		if _, derr := os.Stat(filepath.Join(hdir, archive.AudioDir)); derr == nil {
			return fmt.Errorf("restore: hearing %s has no audio manifest: it is still being recorded (or was never closed); refusing to replace its audio", hearing)
		}
	}
	return nil
}

// completeSnapshot is the manifest of the snapshot to restore the hearing from: the one named,
// else the newest one that holds the hearing's complete audio.
func completeSnapshot(cfg *RestoreConfig, hearing string) (*Manifest, error) {
	if cfg.Snapshot != "" {
		m, err := ReadManifest(cfg.From, cfg.Snapshot)
		if err != nil {
			return nil, err
		}
		if h, ok := m.HearingByID(hearing); !ok || !h.Closed {
			return nil, fmt.Errorf("restore: snapshot %s holds no complete audio of hearing %s", cfg.Snapshot, hearing)
		}
		return m, nil
	}
	snaps, err := Snapshots(cfg.From)
	if err != nil {
		return nil, err
	}
	for i := len(snaps) - 1; i >= 0; i-- {
		m, err := ReadManifest(cfg.From, snaps[i])
		if err != nil {
			cfg.Logger.Warn("restore: skipping an unreadable snapshot", "snapshot", snaps[i], "err", err)
			continue
		}
		if h, ok := m.HearingByID(hearing); ok && h.Closed {
			return m, nil
		}
	}
	return nil, fmt.Errorf("restore: no snapshot in %s holds the complete audio of hearing %s", cfg.From, hearing)
}

// repairFile restores one file of the hearing from the snapshot unless it is intact or the
// backup copy is not a good original.
func repairFile(cfg *RestoreConfig, snapshot string, f File) (Repair, error) {
	if !validRel(f.Path) || len(f.SHA256) != 64 {
		return Repair{}, fmt.Errorf("restore: the manifest names an invalid file %q", f.Path)
	}
	dst := filepath.Join(cfg.DataDir, filepath.FromSlash(f.Path))
	if sum, n, err := hashFile(dst, nil); err == nil && sum == f.SHA256 && n == f.Bytes {
		return Repair{Path: f.Path, Action: "intact"}, nil
	}
	if f.Live || f.Problem != "" {
		return Repair{Path: f.Path, Action: "skipped", Why: "the backup copy is not a good original: " + firstNonEmpty(f.Problem, "audio still being recorded")}, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return Repair{}, err
	}
	if err := restoreFile(ObjectPath(cfg.From, f.SHA256), dst, f); err != nil {
		return Repair{}, fmt.Errorf("restore: %s: %w", f.Path, err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(dst)); err != nil {
		return Repair{}, err
	}
	cfg.Logger.Info("restore: repaired from the backup", "file", f.Path, "snapshot", snapshot)
	return Repair{Path: f.Path, Action: "restored"}, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
