// Package backup keeps the hearing record safe against the loss of the server's disk: an
// online, consistent, incremental backup of the data directory (the SQLite record through
// VACUUM INTO and every archived audio file, content-addressed by SHA-256), restore onto an
// empty data directory or of one hearing's damaged files, an integrity scrub that re-hashes
// the archived audio against its manifests and re-verifies the record's audit chains, and the
// deletion of hearings (by an admin, or by the per-court retention policy for closed, never
// signed, hearings).
//
// A backup destination holds:
//
//	DEST/objects/<2 hex>/<sha256>          every file's content, stored once (incremental)
//	DEST/snapshots/<UTC time>/courtscribe.db the record at backup time (VACUUM INTO)
//	DEST/snapshots/<UTC time>/manifest.json  what the snapshot holds (Manifest)
//	DEST/LATEST                              name of the newest complete snapshot
//
// A snapshot is written under snapshots/.partial-<name> and renamed into place only once
// every object, the database and the manifest are synced; LATEST is replaced atomically
// afterwards. A backup killed at any point leaves the previous snapshots untouched and usable;
// the next backup removes the leftovers.
package backup

import "context"
import "database/sql"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "io/fs"
import "log/slog"
import "net/url"
import "os"
import "path/filepath"
import "sort"
import "strings"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/internal/atomicfile"
import "github.com/courtscribe/courtscribe/transcript"
import _ "modernc.org/sqlite" // the "sqlite" database/sql driver

// Format identifies the backup manifest format.
const Format = "courtscribe.backup/1"

// Names inside a backup destination and the data directory.
const (
	ObjectsDir   = "objects"
	SnapshotsDir = "snapshots"
	LatestFile   = "LATEST"
	ManifestName = "manifest.json"
	DBName       = "courtscribe.db"
	partialPref  = ".partial-"
)

// ErrNoSpace is returned (wrapped, with the figures) when the destination lacks the space a
// backup needs; nothing was written.
var ErrNoSpace = errors.New("backup: not enough free space at the destination")

// File is one file of the data directory in a snapshot.
type File struct {
	Path   string `json:"path"` // relative to the data directory, with '/'
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
	Mode   uint32 `json:"mode"`
	MTime  int64  `json:"mtime_ns"`
	// Live marks audio of a hearing still being recorded at backup time: the durable prefix
	// was copied (whole samples, header fixed), the file has grown since.
	Live bool `json:"live,omitempty"`
	// Problem says why the copy is not the archive's original (the file did not match its
	// hearing's audio manifest when it was first backed up).
	Problem string `json:"problem,omitempty"`
}

// Hearing is a hearing's state at backup time: its status and its audit chain head.
type Hearing struct {
	ID      string                   `json:"id"`
	Court   string                   `json:"court"`
	Status  transcript.HearingStatus `json:"status"`
	Version int                      `json:"version"`
	Events  int64                    `json:"events"` // length of the hearing's chain
	Head    string                   `json:"head"`   // hash of its last event
	// Closed is true when the archive had written the hearing's audio manifest (the audio
	// is complete and can repair the hearing with restore --hearing).
	Closed bool `json:"audio_closed"`
}

// Chain is the head of a chain.
type Chain struct {
	Events int64  `json:"events"`
	Head   string `json:"head"`
}

// Manifest is DEST/snapshots/<name>/manifest.json.
type Manifest struct {
	Format   string    `json:"format"`
	Snapshot string    `json:"snapshot"`
	Created  time.Time `json:"created"`
	Finished time.Time `json:"finished"`
	Database File      `json:"database"`
	Files    []File    `json:"files"`
	Hearings []Hearing `json:"hearings"`
	Admin    Chain     `json:"admin_chain"` // users and deletions (hearing "")
	// TotalBytes is what the snapshot holds; NewBytes what this backup wrote (objects and
	// database).
	TotalBytes int64    `json:"total_bytes"`
	NewBytes   int64    `json:"new_bytes"`
	Problems   []string `json:"problems,omitempty"`
}

// HearingByID returns the hearing's entry.
func (m *Manifest) HearingByID(id string) (Hearing, bool) {
	for _, h := range m.Hearings {
		if h.ID == id {
			return h, true
		}
	}
	return Hearing{}, false
}

// Plan is what a backup needs, worked out before anything is written.
type Plan struct {
	Files      int    // files in the data directory to back up
	TotalBytes int64  // their size
	CopyBytes  int64  // of which not in the destination yet (new or changed)
	DBBytes    int64  // the record (database and its WAL; an upper bound of VACUUM INTO's output)
	Need       int64  // bytes the destination needs free (copies + record + margin)
	Free       uint64 // bytes free at the destination
}

func (p Plan) String() string {
	return fmt.Sprintf("%d files, %s in all, %s to copy (new or changed) + record %s: needs %s, %s free",
		p.Files, Size(p.TotalBytes), Size(p.CopyBytes), Size(p.DBBytes), Size(p.Need), Size(int64(p.Free)))
}

// Size formats a byte count for people.
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Config configures Backup.
type Config struct {
	DataDir string
	Dest    string
	Logger  *slog.Logger
	Clock   func() time.Time
	// FreeSpace returns the bytes free on dir's file system (default: statfs).
	FreeSpace func(dir string) (uint64, error)
	// OnPlan, when set, sees the plan before anything is written; an error stops the backup.
	OnPlan func(Plan) error
	// DryRun stops after the plan.
	DryRun bool
	// afterObject is a test hook called after each object is stored.
	afterObject func(path string)
}

func (c *Config) defaults() {
	c.Logger, c.Clock = logAndClock(c.Logger, c.Clock)
	if c.FreeSpace == nil {
		c.FreeSpace = statFree
	}
}

// logAndClock is the logger and clock given, else slog.Default and time.Now.
func logAndClock(l *slog.Logger, clock func() time.Time) (*slog.Logger, func() time.Time) {
	if l == nil {
		l = slog.Default()
	}
	if clock == nil {
		clock = time.Now
	}
	return l, clock
}

// checkDest refuses a destination that is the data directory or inside it.
func checkDest(data, dest string) (string, string, error) {
	if data == "" || dest == "" {
		return "", "", errors.New("backup: the data directory and the destination are both required")
	}
	rd, err := realPath(data)
	if err != nil {
		return "", "", err
	}
	rt, err := realPath(dest)
	if err != nil {
		return "", "", err
	}
	if inside(rt, rd) {
		return "", "", fmt.Errorf("backup: the destination %s is inside the data directory %s: a backup must live on another disk", dest, data)
	}
	return rd, rt, nil
}

// skipped reports whether a data-directory path (relative, '/') is left out of backups: the
// live database files (the snapshot has the record), temporary files and the scrub report.
func skipped(rel string) bool {
	switch rel {
	case DBName, DBName + "-wal", DBName + "-shm", DBName + "-journal", ReportFile, ".ready-probe":
		return true
	}
	base := filepath.Base(rel)
	return strings.HasSuffix(base, ".tmp") || strings.HasPrefix(base, ".tmp-") || strings.HasPrefix(rel, archive.HearingsDir+"/.deleted-")
}

type item struct {
	rel      string
	info     fs.FileInfo
	expected string // SHA-256 from the hearing's audio manifest (closed audio)
	live     bool   // audio of a hearing without a manifest: copy the durable prefix
	reuse    *File  // already in the destination
}

// Backup takes one snapshot of cfg.DataDir into cfg.Dest while the server runs. It returns the
// snapshot's manifest. Files that did not match their audio manifest are listed in
// Manifest.Problems (the backup still completes; see Scrub).
func Backup(ctx context.Context, cfg Config) (*Manifest, error) {
	cfg.defaults()
	data, dest, err := checkDest(cfg.DataDir, cfg.Dest)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(data, DBName)); err != nil {
		return nil, fmt.Errorf("backup: no hearing record in %s: %w", cfg.DataDir, err)
	}
	for _, d := range []string{dest, filepath.Join(dest, ObjectsDir), filepath.Join(dest, SnapshotsDir)} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, err
		}
	}
	unlock, err := lockDir(dest)
	if err != nil {
		return nil, err
	}
	defer unlock()
	cleanLeftovers(dest, cfg.Logger)
	prev, _ := LatestManifest(dest)

	items, closed, err := scan(data, dest, prev)
	if err != nil {
		return nil, err
	}
	plan, err := makePlan(&cfg, data, dest, items)
	if err != nil {
		return nil, err
	}
	if cfg.OnPlan != nil {
		if err := cfg.OnPlan(plan); err != nil {
			return nil, err
		}
	}
	if plan.Free < uint64(plan.Need) {
		return nil, fmt.Errorf("%w: %s", ErrNoSpace, plan)
	}
	if cfg.DryRun {
		return nil, nil
	}
	return takeSnapshot(ctx, &cfg, data, dest, items, closed)
}

// makePlan says what the backup copies and how much room it needs and has.
func makePlan(cfg *Config, data, dest string, items []item) (Plan, error) {
	plan := Plan{Files: len(items)}
	for _, it := range items {
		plan.TotalBytes += it.info.Size()
		if it.reuse == nil {
			plan.CopyBytes += it.info.Size()
		}
	}
	for _, n := range []string{DBName, DBName + "-wal"} {
		if st, err := os.Stat(filepath.Join(data, n)); err == nil {
			plan.DBBytes += st.Size()
		}
	}
	plan.Need = plan.CopyBytes + plan.DBBytes
	plan.Need += plan.Need/100 + int64(len(items))*512 + 1<<20 // manifest, directories, margin
	var err error
	if plan.Free, err = cfg.FreeSpace(dest); err != nil {
		return plan, fmt.Errorf("backup: free space at %s: %w", cfg.Dest, err)
	}
	return plan, nil
}

// takeSnapshot writes the snapshot in a partial directory (the record, then the files) and
// renames it complete.
func takeSnapshot(ctx context.Context, cfg *Config, data, dest string, items []item, closed map[string]bool) (*Manifest, error) {
	start := cfg.Clock().UTC()
	name := snapshotName(dest, start)
	partial := filepath.Join(dest, SnapshotsDir, partialPref+name)
	if err := os.Mkdir(partial, 0o750); err != nil {
		return nil, err
	}
	m := &Manifest{Format: Format, Snapshot: name, Created: start, Files: []File{}, Hearings: []Hearing{}}

	// The record first: audio is only ever appended, so audio copied afterwards covers every
	// segment the record refers to.
	if err := copyRecord(ctx, data, partial, m, closed); err != nil {
		return nil, err
	}
	if err := copyItems(ctx, cfg, data, dest, items, m); err != nil {
		return nil, err
	}
	for _, f := range m.Files {
		m.TotalBytes += f.Bytes
	}
	m.TotalBytes += m.Database.Bytes
	m.Finished = cfg.Clock().UTC()
	if err := atomicfile.WriteJSON(filepath.Join(partial, ManifestName), m, 0o640); err != nil {
		return nil, err
	}
	final := filepath.Join(dest, SnapshotsDir, name)
	if err := os.Rename(partial, final); err != nil {
		return nil, err
	}
	if err := atomicfile.SyncDir(filepath.Join(dest, SnapshotsDir)); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(filepath.Join(dest, LatestFile), []byte(name+"\n"), 0o640); err != nil {
		return nil, err
	}
	cfg.Logger.Info("backup complete", "snapshot", name, "files", len(m.Files), "hearings", len(m.Hearings),
		"total", Size(m.TotalBytes), "written", Size(m.NewBytes), "problems", len(m.Problems))
	return m, nil
}

// copyRecord copies the database into the snapshot and records its chain heads.
func copyRecord(ctx context.Context, data, partial string, m *Manifest, closed map[string]bool) error {
	dbPath := filepath.Join(partial, DBName)
	if err := vacuumInto(ctx, filepath.Join(data, DBName), dbPath); err != nil {
		return fmt.Errorf("backup: copying the record: %w", err)
	}
	sum, n, err := hashFile(dbPath, nil)
	if err != nil {
		return err
	}
	m.Database = File{Path: DBName, SHA256: sum, Bytes: n, Mode: 0o600}
	m.NewBytes += n
	if m.Hearings, m.Admin, err = readHeads(ctx, dbPath); err != nil {
		return fmt.Errorf("backup: reading the chain heads of the copied record: %w", err)
	}
	for i := range m.Hearings {
		m.Hearings[i].Closed = closed[m.Hearings[i].ID]
	}
	return nil
}

// copyItems stores the data files as objects (those already there are reused) and lists them
// in the manifest.
func copyItems(ctx context.Context, cfg *Config, data, dest string, items []item, m *Manifest) error {
	objDirs := map[string]bool{}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := copyItem(cfg, data, dest, it, m, objDirs); err != nil {
			return err
		}
	}
	for d := range objDirs {
		if err := atomicfile.SyncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// copyItem stores one data file (unless it is reused) and adds it to the manifest; a file
// that went away meanwhile is left out.
func copyItem(cfg *Config, data, dest string, it item, m *Manifest, objDirs map[string]bool) error {
	f := File{Path: it.rel, Bytes: it.info.Size(), Mode: uint32(it.info.Mode().Perm()), MTime: it.info.ModTime().UnixNano(), Live: it.live}
	if it.reuse != nil {
		f.SHA256, f.Bytes, f.Problem = it.reuse.SHA256, it.reuse.Bytes, it.reuse.Problem
		m.Files = append(m.Files, f)
		return nil
	}
	sum, n, written, err := storeObject(dest, filepath.Join(data, filepath.FromSlash(it.rel)), it.live, objDirs)
	if errors.Is(err, fs.ErrNotExist) {
		cfg.Logger.Info("backup: a file went away while the backup ran", "file", it.rel)
		return nil
	}
	if err != nil {
		return fmt.Errorf("backup: %s: %w", it.rel, err)
	}
	f.SHA256, f.Bytes = sum, n
	if it.expected != "" && sum != it.expected {
		f.Problem = fmt.Sprintf("SHA-256 %s, the hearing's audio manifest says %s: the file on the server is damaged", sum, it.expected)
		m.Problems = append(m.Problems, it.rel+": "+f.Problem)
		cfg.Logger.Error("backup: archived audio does not match its manifest", "file", it.rel, "sha256", sum, "manifest", it.expected)
	}
	m.NewBytes += written
	m.Files = append(m.Files, f)
	if cfg.afterObject != nil {
		cfg.afterObject(it.rel)
	}
	return nil
}

func snapshotName(dest string, t time.Time) string {
	base := t.Format("20060102T150405Z")
	name := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(filepath.Join(dest, SnapshotsDir, name)); errors.Is(err, fs.ErrNotExist) {
			return name
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
}

// cleanLeftovers removes what an interrupted backup left: partial snapshots and temporary
// objects. Complete snapshots are never touched.
func cleanLeftovers(dest string, log *slog.Logger) {
	if es, err := os.ReadDir(filepath.Join(dest, SnapshotsDir)); err == nil {
		for _, e := range es {
			if strings.HasPrefix(e.Name(), partialPref) {
				log.Info("backup: removing an interrupted snapshot", "dir", e.Name())
				os.RemoveAll(filepath.Join(dest, SnapshotsDir, e.Name()))
			}
		}
	}
	err := filepath.WalkDir(filepath.Join(dest, ObjectsDir), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".tmp-") {
			os.Remove(p)
		}
		return nil
	})
	if err != nil { // the walk goes on past every error; this is for completeness
		log.Warn("backup: looking for temporary objects", "err", err)
	}
}

// audioManifests reads the hearings' audio manifests as the scan meets their files.
type audioManifests struct {
	data string
	m    map[string]map[string]archive.ManifestFileEntry // hearing → path in the hearing → entry; nil: no manifest yet
}

// expected is the manifest entry of an audio file of a hearing, and whether the hearing is
// closed (has an audio manifest).
func (a *audioManifests) expected(rel string) (e archive.ManifestFileEntry, closed bool) {
	parts := strings.Split(rel, "/")
	if len(parts) != 4 || parts[0] != archive.HearingsDir || parts[2] != archive.AudioDir {
		return e, false
	}
	m, ok := a.m[parts[1]]
	if !ok {
		m = readAudioManifest(a.data, parts[1])
		a.m[parts[1]] = m
	}
	if m == nil {
		return e, false
	}
	return m[parts[2]+"/"+parts[3]], true
}

// readAudioManifest is a hearing's audio manifest by path, nil when there is none yet (the
// hearing is being recorded).
func readAudioManifest(data, hearing string) map[string]archive.ManifestFileEntry {
	man, err := archive.ReadManifest(data, hearing)
	if err != nil {
		return nil
	}
	m := map[string]archive.ManifestFileEntry{}
	for _, f := range man.Files {
		m[f.Path] = f
	}
	return m
}

// scanner walks the data directory.
type scanner struct {
	data, dest string
	prevFiles  map[string]*File
	manifests  audioManifests
	items      []item
}

// scan lists the data directory's files and decides which are already in the destination.
func scan(data, dest string, prev *Manifest) ([]item, map[string]bool, error) {
	s := &scanner{data: data, dest: dest, prevFiles: map[string]*File{},
		manifests: audioManifests{data: data, m: map[string]map[string]archive.ManifestFileEntry{}}}
	if prev != nil {
		for i := range prev.Files {
			s.prevFiles[prev.Files[i].Path] = &prev.Files[i]
		}
	}
	err := filepath.WalkDir(data, s.visit)
	items := s.items
	sort.Slice(items, func(i, j int) bool { return items[i].rel < items[j].rel })
	closed := map[string]bool{}
	for id, m := range s.manifests.m {
		closed[id] = m != nil
	}
	return items, closed, err
}

func (s *scanner) visit(p string, d fs.DirEntry, err error) error {
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	rel, _ := filepath.Rel(s.data, p)
	rel = filepath.ToSlash(rel)
	if d.IsDir() {
		if rel != "." && skipped(rel) {
			return filepath.SkipDir
		}
		return nil
	}
	if !d.Type().IsRegular() || skipped(rel) {
		return nil
	}
	info, err := d.Info()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	s.items = append(s.items, s.classify(rel, info))
	return nil
}

// classify decides how a file is backed up: closed audio against its manifest (reused when
// the good copy is in the destination), live audio up to its durable prefix, anything else
// reused when unchanged since the previous snapshot.
func (s *scanner) classify(rel string, info fs.FileInfo) item {
	it := item{rel: rel, info: info}
	isWAV := strings.HasSuffix(rel, ".wav")
	me, closed := s.manifests.expected(rel)
	switch {
	case closed && me.SHA256 != "":
		it.expected = me.SHA256
		if objectExists(s.dest, me.SHA256) {
			// The good copy is in the destination: its size is the manifest's, whatever
			// happened to the file on this disk since (the scrub's business).
			it.reuse = &File{SHA256: me.SHA256, Bytes: me.Bytes}
		}
	case isWAV && !closed && strings.HasPrefix(rel, archive.HearingsDir+"/"):
		it.live = true
	default:
		if pf := s.prevFiles[rel]; pf != nil && !pf.Live && pf.Bytes == info.Size() && pf.MTime == info.ModTime().UnixNano() && objectExists(s.dest, pf.SHA256) {
			it.reuse = pf
		}
	}
	return it
}

// ObjectPath is where an object with this SHA-256 lives in a destination.
func ObjectPath(dest, sum string) string {
	return filepath.Join(dest, ObjectsDir, sum[:2], sum)
}

func objectExists(dest, sum string) bool {
	if len(sum) != 64 {
		return false
	}
	_, err := os.Stat(ObjectPath(dest, sum))
	return err == nil
}

// storeObject copies a data file into the destination's objects (once per content). Live
// audio is copied up to its last whole sample with the WAV header set to that length.
func storeObject(dest, src string, live bool, dirs map[string]bool) (sum string, n, written int64, err error) {
	f, err := os.Open(src)
	if err != nil {
		return "", 0, 0, err
	}
	defer f.Close()
	var r io.Reader = f
	if live {
		if r, err = wavPrefix(f); err != nil {
			return "", 0, 0, err
		}
	}
	tmp, sum, n, err := copyToTemp(filepath.Join(dest, ObjectsDir), r, 0o440)
	if err != nil {
		return "", 0, 0, err
	}
	final := ObjectPath(dest, sum)
	if _, err := os.Stat(final); err == nil {
		os.Remove(tmp)
		return sum, n, 0, nil
	}
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		os.Remove(tmp)
		return "", 0, 0, err
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return "", 0, 0, err
	}
	dirs[dir] = true
	dirs[filepath.Join(dest, ObjectsDir)] = true
	return sum, n, n, nil
}

// wavPrefix reads a WAV that is being appended to as a consistent file: its header (plain
// WAV, RF64 past 4 GiB, or the 44-byte header of an earlier version) with the sizes of the
// whole samples present now, then those samples (wavfile.Snapshot). A file that is not a seat
// file is copied as it is.
func wavPrefix(f *os.File) (io.Reader, error) {
	r, _, ok, err := wavfile.Snapshot(f)
	if err != nil || ok {
		return r, err
	}
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.LimitReader(f, st.Size()), nil
}

// vacuumInto writes a consistent copy of the database at src to dst (SQLite's VACUUM INTO
// runs in one read transaction: writers go on, the copy is the state of one moment) and syncs
// it.
func vacuumInto(ctx context.Context, src, dst string) error {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(30000)")
	db, err := sql.Open("sqlite", "file:"+src+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readHeads reads every hearing's status and chain head from a database copy.
func readHeads(ctx context.Context, dbPath string) ([]Hearing, Chain, error) {
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		return nil, Chain{}, err
	}
	defer db.Close()
	heads := map[string]Chain{}
	rows, err := db.QueryContext(ctx, `SELECT e.hearing_id, e.seq, e.hash FROM events e
		JOIN (SELECT hearing_id, MAX(seq) AS m FROM events GROUP BY hearing_id) x ON e.hearing_id = x.hearing_id AND e.seq = x.m`)
	if err != nil {
		return nil, Chain{}, err
	}
	for rows.Next() {
		var id string
		var c Chain
		if err := rows.Scan(&id, &c.Events, &c.Head); err != nil {
			rows.Close()
			return nil, Chain{}, err
		}
		heads[id] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, Chain{}, err
	}
	rows, err = db.QueryContext(ctx, `SELECT id, doc FROM hearings ORDER BY id`)
	if err != nil {
		return nil, Chain{}, err
	}
	defer rows.Close()
	out := []Hearing{}
	for rows.Next() {
		var id, doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, Chain{}, err
		}
		var h transcript.Hearing
		if err := json.Unmarshal([]byte(doc), &h); err != nil {
			return nil, Chain{}, fmt.Errorf("hearing %s: %w", id, err)
		}
		c := heads[id]
		out = append(out, Hearing{ID: id, Court: h.Court, Status: h.Status, Version: h.Version, Events: c.Events, Head: c.Head})
	}
	return out, heads[""], rows.Err()
}
