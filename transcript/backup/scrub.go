package backup

import "context"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "io/fs"
import "log/slog"
import "os"
import "path/filepath"
import "runtime"
import "sort"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/internal/atomicfile"
import "github.com/courtscribe/courtscribe/internal/ctxio"
import "github.com/courtscribe/courtscribe/transcript"

// ReportFile is DATA/scrub.json: the last scrub's report, written by `courtscribe scrub` and by
// the server's background scrub, read by the server's health panel and /metrics.
const ReportFile = "scrub.json"

// Finding kinds.
const (
	FindingAudio   = "audio"   // an archived audio file differs from its manifest or is missing
	FindingRecord  = "record"  // the record disagrees with its audit chain
	FindingBackup  = "backup"  // the record lost events or a hearing the last backup holds
	FindingMissing = "missing" // a hearing's archive directory or manifest is gone
)

// Finding is one mismatch a scrub found. File names the file (relative to the data directory)
// where the finding is about a file.
type Finding struct {
	Hearing string `json:"hearing"` // "" for the chain of administration
	File    string `json:"file,omitempty"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func (f Finding) String() string {
	where := "hearing " + f.Hearing
	if f.Hearing == "" {
		where = "administration chain"
	}
	if f.File != "" {
		where += ", file " + f.File
	}
	return where + ": " + f.Message
}

// Report is the result of Scrub.
type Report struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Hearings int       `json:"hearings"` // hearings whose record was audited
	Files    int       `json:"files"`    // audio files re-hashed
	Bytes    int64     `json:"bytes"`    // bytes read to hash them
	Backup   string    `json:"backup,omitempty"`
	Findings []Finding `json:"findings"`
}

// OK reports whether the scrub found nothing wrong.
func (r *Report) OK() bool { return len(r.Findings) == 0 }

// ScrubRecord is what Scrub needs of the record (transcript/sqlite.Store has it).
type ScrubRecord interface {
	ListHearings(ctx context.Context, opt transcript.ListHearingsOptions) ([]transcript.Hearing, error)
	AuditHearing(ctx context.Context, id string) (*transcript.AuditReport, error)
	Record(ctx context.Context, id string, version int) (*transcript.Record, error)
	EventsSince(ctx context.Context, hearingID string, afterID int64, limit int) ([]transcript.Event, error)
}

// ScrubConfig configures Scrub.
type ScrubConfig struct {
	DataDir string
	Record  ScrubRecord
	// Backup, when set, is a backup destination: the record must still hold every hearing
	// and every event its latest snapshot recorded (a truncated chain or a removed hearing
	// cannot be seen from the record alone).
	Backup string
	// RateBytes limits the reading of audio (bytes per second; 0: unlimited).
	RateBytes int64
	// IdleIO reads the audio at the idle I/O priority class (Linux ioprio), so a scrub does
	// not slow down recording.
	IdleIO bool
	Logger *slog.Logger
	Clock  func() time.Time
	// Sleep waits (default: a timer that ends early when ctx ends).
	Sleep func(ctx context.Context, d time.Duration) error
}

// Scrub re-hashes every closed hearing's archived audio against its audio manifest and the
// record's audio list, audits every hearing's chain and rows and the chain of administration,
// and (with Backup) checks the record still holds what the latest backup recorded. Findings go
// into the report; the error is for failures to read.
func Scrub(ctx context.Context, cfg ScrubConfig) (*Report, error) {
	cfg.Logger, cfg.Clock = logAndClock(cfg.Logger, cfg.Clock)
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	s := &scrubber{cfg: &cfg, rep: &Report{Started: cfg.Clock().UTC(), Findings: []Finding{}, Backup: cfg.Backup}}
	hearings, err := cfg.Record.ListHearings(ctx, transcript.ListHearingsOptions{})
	if err != nil {
		return nil, err
	}
	sort.Slice(hearings, func(i, j int) bool { return hearings[i].ID < hearings[j].ID })
	known := map[string]*transcript.Hearing{}
	for i := range hearings {
		known[hearings[i].ID] = &hearings[i]
	}

	// 1. The record against its chains.
	audits, err := s.auditRecord(ctx, known)
	if err != nil {
		return nil, err
	}
	// 2. Archived audio of closed hearings against the audio manifest and the record.
	var jobs []hashJob
	for _, id := range keys(known) {
		js, err := s.hearingAudio(ctx, id, known[id])
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, js...)
	}
	results := make(chan hashResult)
	go hashJobs(ctx, s.cfg, jobs, results)
	for r := range results {
		s.hashed(ctx, r)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// 3. What the last backup recorded is still in the record.
	if cfg.Backup != "" {
		if err := scrubAgainstBackup(ctx, cfg, known, audits, s.add); err != nil {
			return nil, err
		}
	}
	s.rep.Finished = cfg.Clock().UTC()
	return s.rep, nil
}

// scrubber collects a scrub's findings.
type scrubber struct {
	cfg *ScrubConfig
	rep *Report
}

func (s *scrubber) add(f Finding) {
	s.rep.Findings = append(s.rep.Findings, f)
	s.cfg.Logger.Error("scrub: integrity problem", "hearing", f.Hearing, "file", f.File, "kind", f.Kind, "problem", f.Message)
}

// auditRecord audits the chain of administration and every hearing.
func (s *scrubber) auditRecord(ctx context.Context, known map[string]*transcript.Hearing) (map[string]*transcript.AuditReport, error) {
	audits := map[string]*transcript.AuditReport{}
	for _, id := range append([]string{""}, keys(known)...) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a, err := s.cfg.Record.AuditHearing(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("audit hearing %q: %w", id, err)
		}
		audits[id] = a
		if id != "" {
			s.rep.Hearings++
		}
		for _, p := range a.Problems {
			s.add(Finding{Hearing: id, Kind: FindingRecord, Message: p.String()})
		}
	}
	return audits, nil
}

// hashJob is an archived audio file to re-hash and what its audio manifest says of it.
type hashJob struct {
	hearing, rel, sha string
	bytes             int64
}

type hashResult struct {
	j   hashJob
	sum string
	n   int64
	err error
}

// hearingAudio compares a hearing's audio manifest with the record's audio list and returns the
// files to re-hash.
func (s *scrubber) hearingAudio(ctx context.Context, id string, h *transcript.Hearing) ([]hashJob, error) {
	closed := h.Status == transcript.StatusClosed || h.Status == transcript.StatusFinalized || h.Status == transcript.StatusSigned
	man, merr := archive.ReadManifest(s.cfg.DataDir, id)
	recAudio, err := recordedAudio(ctx, s.cfg.Record, id, closed)
	if err != nil {
		return nil, err
	}
	switch {
	case merr == nil:
	case errors.Is(merr, fs.ErrNotExist):
		if len(recAudio) > 0 {
			s.add(Finding{Hearing: id, File: archive.Rel(id, archive.ManifestFile), Kind: FindingMissing,
				Message: "the audio manifest is missing, but the record lists archived audio"})
		}
		return nil, nil
	default:
		s.add(Finding{Hearing: id, File: archive.Rel(id, archive.ManifestFile), Kind: FindingAudio,
			Message: "the audio manifest cannot be read: " + merr.Error()})
		return nil, nil
	}
	var jobs []hashJob
	for _, f := range man.Files {
		rel := archive.Rel(id, f.Path)
		if !validRel(f.Path) {
			s.add(Finding{Hearing: id, File: rel, Kind: FindingAudio, Message: "the audio manifest names a path outside the hearing"})
			continue
		}
		if want, ok := recAudio[f.Path]; ok && want != f.SHA256 {
			s.add(Finding{Hearing: id, File: rel, Kind: FindingAudio,
				Message: fmt.Sprintf("the audio manifest says SHA-256 %s, the record says %s", f.SHA256, want)})
		}
		delete(recAudio, f.Path)
		jobs = append(jobs, hashJob{hearing: id, rel: rel, sha: f.SHA256, bytes: f.Bytes})
	}
	for name := range recAudio {
		s.add(Finding{Hearing: id, File: archive.Rel(id, name), Kind: FindingAudio, Message: "the record lists this file, the audio manifest does not"})
	}
	return jobs, nil
}

// recordedAudio is the audio list the record holds for a closed hearing (name → SHA-256).
func recordedAudio(ctx context.Context, rec ScrubRecord, id string, closed bool) (map[string]string, error) {
	out := map[string]string{}
	if !closed {
		return out, nil
	}
	r, err := rec.Record(ctx, id, 0)
	if err != nil {
		return nil, fmt.Errorf("record of hearing %s: %w", id, err)
	}
	for _, f := range r.Audio {
		out[f.Name] = f.SHA256
	}
	return out, nil
}

// hashJobs re-hashes the files (throttled, at idle I/O priority when asked) and sends the
// results; it closes results when done or when ctx ends.
func hashJobs(ctx context.Context, cfg *ScrubConfig, jobs []hashJob, results chan<- hashResult) {
	defer close(results)
	if cfg.IdleIO {
		// The thread stays locked and dies with this goroutine, so its idle I/O class
		// never reaches other work.
		runtime.LockOSThread()
		if err := setIdleIO(); err != nil {
			cfg.Logger.Debug("scrub: idle I/O priority not available", "err", err)
		}
	}
	th := &throttle{rate: cfg.RateBytes, clock: cfg.Clock, sleep: func(d time.Duration) error { return cfg.Sleep(ctx, d) }, start: cfg.Clock()}
	wrap := func(r io.Reader) io.Reader { return th.reader(ctx, r) }
	for _, j := range jobs {
		sum, n, err := hashFile(filepath.Join(cfg.DataDir, filepath.FromSlash(j.rel)), wrap)
		select {
		case results <- hashResult{j, sum, n, err}:
		case <-ctx.Done():
			return
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// hashed counts a re-hashed file and reports it when it is missing, unreadable or changed.
func (s *scrubber) hashed(ctx context.Context, r hashResult) {
	s.rep.Files++
	s.rep.Bytes += r.n
	switch {
	case r.err != nil && ctx.Err() != nil:
	case errors.Is(r.err, fs.ErrNotExist):
		s.add(Finding{Hearing: r.j.hearing, File: r.j.rel, Kind: FindingAudio, Message: "the archived audio file is missing"})
	case r.err != nil:
		s.add(Finding{Hearing: r.j.hearing, File: r.j.rel, Kind: FindingAudio, Message: "cannot read the file: " + r.err.Error()})
	case r.sum != r.j.sha || r.n != r.j.bytes:
		s.add(Finding{Hearing: r.j.hearing, File: r.j.rel, Kind: FindingAudio,
			Message: fmt.Sprintf("SHA-256 %s (%d bytes), the audio manifest says %s (%d bytes): the file changed on disk", r.sum, r.n, r.j.sha, r.j.bytes)})
	}
}

func scrubAgainstBackup(ctx context.Context, cfg ScrubConfig, known map[string]*transcript.Hearing, audits map[string]*transcript.AuditReport, add func(Finding)) error {
	m, err := LatestManifest(cfg.Backup)
	if err != nil {
		return err
	}
	deleted, err := deletedHearings(ctx, cfg.Record)
	if err != nil {
		return err
	}
	bc := &backupCheck{rec: cfg.Record, snapshot: m.Snapshot, audits: audits, add: add}
	if err := bc.chain(ctx, "", m.Admin); err != nil {
		return err
	}
	for _, h := range m.Hearings {
		if known[h.ID] == nil {
			if !deleted[h.ID] {
				add(Finding{Hearing: h.ID, Kind: FindingBackup, Message: fmt.Sprintf("the hearing is in backup %s but missing from the record, and no deletion is recorded", m.Snapshot)})
			}
			continue
		}
		if err := bc.chain(ctx, h.ID, Chain{Events: h.Events, Head: h.Head}); err != nil {
			return err
		}
	}
	return nil
}

// deletedHearings lists the hearings whose deletion the chain of administration records.
func deletedHearings(ctx context.Context, rec ScrubRecord) (map[string]bool, error) {
	deleted := map[string]bool{}
	var after int64
	for {
		evs, err := rec.EventsSince(ctx, "", after, 1000)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if e.Kind == transcript.EventHearingDeleted {
				var d transcript.HearingDeletion
				if json.Unmarshal(e.After, &d) == nil {
					deleted[d.Hearing] = true
				}
			}
			after = e.ID
		}
		if len(evs) < 1000 {
			return deleted, nil
		}
	}
}

// backupCheck compares the record's chains with the heads a backup recorded.
type backupCheck struct {
	rec      ScrubRecord
	snapshot string
	audits   map[string]*transcript.AuditReport
	add      func(Finding)
}

// chain reports a chain shorter than the backup's, or one whose event at the backup's head
// has another hash.
func (b *backupCheck) chain(ctx context.Context, id string, want Chain) error {
	a := b.audits[id]
	switch {
	case int64(a.Events) < want.Events:
		b.add(Finding{Hearing: id, Kind: FindingBackup, Message: fmt.Sprintf("the chain has %d events; backup %s recorded %d (events were removed)", a.Events, b.snapshot, want.Events)})
	case int64(a.Events) == want.Events && a.Head != want.Head:
		b.add(Finding{Hearing: id, Kind: FindingBackup, Message: fmt.Sprintf("the chain head %s differs from %s in backup %s", a.Head, want.Head, b.snapshot)})
	case int64(a.Events) > want.Events && want.Events > 0:
		hash, err := eventHashAt(ctx, b.rec, id, want.Events)
		if err != nil {
			return err
		}
		if hash != want.Head {
			b.add(Finding{Hearing: id, Kind: FindingBackup, Message: fmt.Sprintf("event %d no longer has the hash backup %s recorded (the history was rewritten)", want.Events, b.snapshot)})
		}
	}
	return nil
}

func eventHashAt(ctx context.Context, rec ScrubRecord, id string, seq int64) (string, error) {
	var after int64
	for {
		evs, err := rec.EventsSince(ctx, id, after, 1000)
		if err != nil {
			return "", err
		}
		for _, e := range evs {
			if e.Seq == seq {
				return e.Hash, nil
			}
			after = e.ID
		}
		if len(evs) < 1000 {
			return "", nil
		}
	}
}

func keys(m map[string]*transcript.Hearing) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// throttle slows reads down to rate bytes per second on average.
type throttle struct {
	rate  int64
	clock func() time.Time
	sleep func(d time.Duration) error // waits, ending early when the scrub ends
	start time.Time
	read  int64
}

func (t *throttle) reader(ctx context.Context, r io.Reader) io.Reader {
	if t.rate <= 0 {
		return ctxio.NewReader(ctx, r)
	}
	return &throttledReader{t: t, r: r}
}

type throttledReader struct {
	t *throttle
	r io.Reader
}

func (tr *throttledReader) Read(p []byte) (int, error) {
	t := tr.t
	if len(p) > 256<<10 {
		p = p[:256<<10]
	}
	due := t.start.Add(time.Duration(float64(t.read) / float64(t.rate) * float64(time.Second)))
	if d := due.Sub(t.clock()); d > 0 {
		if err := t.sleep(d); err != nil {
			return 0, err
		}
	}
	n, err := tr.r.Read(p)
	t.read += int64(n)
	return n, err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// WriteReport stores the report as DATA/scrub.json (atomically).
func WriteReport(dataDir string, r *Report) error {
	return atomicfile.WriteJSON(filepath.Join(dataDir, ReportFile), r, 0o640)
}

// ReadReport reads DATA/scrub.json; a missing file is (nil, nil).
func ReadReport(dataDir string) (*Report, error) {
	var r Report
	err := readJSONStrict(filepath.Join(dataDir, ReportFile), &r, 64<<20)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// ReportModTime returns when DATA/scrub.json last changed (zero when absent).
func ReportModTime(dataDir string) time.Time {
	st, err := os.Stat(filepath.Join(dataDir, ReportFile))
	if err != nil {
		return time.Time{}
	}
	return st.ModTime()
}
