package server

import "context"
import "crypto/sha256"
import "encoding/hex"
import "errors"
import "fmt"
import "io"
import "log/slog"
import "os"
import "path/filepath"
import "slices"
import "strings"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/backfill"
import "github.com/courtscribe/courtscribe/asr/ingest"
import "github.com/courtscribe/courtscribe/asr/pool"
import "github.com/courtscribe/courtscribe/asr/stream"
import "github.com/courtscribe/courtscribe/capture/audiofile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/cmd/courtscribe/internal/recording"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/api"

// Imports of past recordings: `courtscribe import` (Import, with the server stopped) and the
// API's upload (importer, in the running server) take the same path through the archive,
// the seat diarizer and the engine.

// ImportedFile is one original file of an import, as the hearing's history names it.
type ImportedFile struct {
	Seat    string  `json:"seat,omitempty"` // empty for a multi-channel file
	Name    string  `json:"name"`           // base name of the original file
	Format  string  `json:"format"`
	Seconds float64 `json:"seconds"`
	Bytes   int64   `json:"bytes"`
	SHA256  string  `json:"sha256"`
	Path    string  `json:"-"` // where it is read from
}

// ImportJob is what both the CLI and the API import: a hearing and its recording.
type ImportJob struct {
	Courtroom string
	Hearing   string
	Seats     []string
	Title     string
	Language  string
	Actor     string
	Files     []ImportedFile
	// BatchSeconds is backfill.Backfiller.BatchSeconds of the import's transcription (0: the
	// default packing window, negative: one utterance at a time).
	BatchSeconds float64
	// Workers is how many batches are transcribed at once (the CLI: --workers; the API import
	// leaves the server's workers to live hearings and uses one).
	Workers int
	// Open opens the recording as 16 kHz seat channels (called twice: check, then import).
	Open func() (*audiofile.Reader, error)
}

// ImportReport is what an import did.
type ImportReport struct {
	Hearing   string                      `json:"hearing"`
	Courtroom string                      `json:"courtroom"`
	Seats     []string                    `json:"seats"`
	Seconds   float64                     `json:"seconds"`
	Files     []ImportedFile              `json:"files"`
	Archive   []archive.ManifestFileEntry `json:"archive"`
	Segments  int                         `json:"segments"`
	Pending   int                         `json:"pending"`
	Engine    string                      `json:"engine"`
}

// Import imports one recording into the hearing record under data with the server stopped:
// it opens the record, runs its stream and pool behind an ingest server of its own, and stops
// them when the import is done. progressTo gets a progress line when it is a terminal.
func Import(ctx context.Context, data string, log *slog.Logger, rc RecordConfig, job ImportJob, progressTo io.Writer) (*ImportReport, error) {
	rec, err := OpenRecord(ctx, data, log, rc)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{}, 2)
	go func() { _ = rec.stream.Run(rctx); done <- struct{}{} }()
	go func() { _ = rec.pool.Run(rctx); done <- struct{}{} }()
	defer func() {
		cancel()
		<-done
		<-done
		rec.Close()
	}()
	icfg := ingest.DefaultConfig(data)
	icfg.Logger = log.With("part", "ingest")
	icfg.Listener = rec.stream
	ing, err := ingest.New(icfg)
	if err != nil {
		return nil, err
	}
	defer ing.Close(context.WithoutCancel(ctx))
	return rec.importHearing(ctx, ing, job, progressTo)
}

// importer imports recordings uploaded through the API (POST /api/hearings/{id}/import/…)
// with the running server's ingest archive, diarizer and engine: the same path as the
// courtscribe import command. Utterances the engine does not take stay pending for the
// server's backfill.
type importer struct {
	rec *Record
	ing *ingest.Server
}

func (si importer) Import(ctx context.Context, req api.ImportRequest) (*api.ImportResult, error) {
	var args, seatFiles []string
	if len(req.Files) == 1 && req.Files[0].Seat == "" {
		args = []string{req.Files[0].Path}
	} else {
		for _, f := range req.Files {
			seatFiles = append(seatFiles, f.Seat+"="+f.Path)
		}
	}
	open := func() (*audiofile.Reader, []string, error) {
		return recording.Open(args, slices.Clone(req.Seats), seatFiles, false)
	}
	r, seats, err := open()
	if err != nil {
		return nil, err
	}
	job := ImportJob{Courtroom: req.Courtroom, Hearing: req.Hearing, Seats: seats, Language: si.rec.cfg.Language, Actor: req.Actor}
	for i, in := range r.Inputs() {
		job.Files = append(job.Files, ImportedFile{Seat: req.Files[i].Seat, Name: req.Files[i].Name, Format: in.Format,
			Seconds: in.Seconds(), Path: in.Path})
	}
	r.Close()
	job.Open = func() (*audiofile.Reader, error) { rr, _, err := open(); return rr, err }
	rep, err := si.rec.importHearing(ctx, si.ing, job, io.Discard)
	if err != nil {
		return nil, err
	}
	return &api.ImportResult{Seconds: rep.Seconds, Segments: rep.Segments, Pending: rep.Pending}, nil
}

// importHearing runs one import against a running ingest server whose listener is r.stream:
// it checks the record, hashes and fully decodes the originals (so a damaged file is refused
// before anything is archived), notes the originals in the hearing's history, archives the
// recording through ingest.Import and waits until the record has every segment.
func (r *Record) importHearing(ctx context.Context, ing *ingest.Server, job ImportJob, progressTo io.Writer) (*ImportReport, error) {
	h, err := r.checkImportTarget(ctx, job)
	if err != nil {
		return nil, err
	}
	frames, err := checkOriginals(ctx, &job, progressTo)
	if err != nil {
		return nil, err
	}
	if err := r.recordImport(ctx, job, h, frames); err != nil {
		return nil, err
	}
	// 4. The audio, as an agent would send it; the stream diarizes it behind it and records each
	// utterance pending (Defer): step 6 transcribes them in packed batches, as a backfill.
	if r.cfg.ASR != "none" {
		r.stream.Defer(job.Hearing, true)
		defer r.stream.Defer(job.Hearing, false)
	}
	// Nobody is speaking it now: a browser following the hearing sees no seat light up.
	r.stream.NotLive(job.Hearing, true)
	defer r.stream.NotLive(job.Hearing, false)
	m, err := r.archiveImport(ctx, ing, job, progressTo)
	if err != nil {
		return nil, err
	}
	if err := r.waitImportClosed(ctx, job.Hearing); err != nil {
		return nil, err
	}
	if err := r.transcribeImport(ctx, job); err != nil {
		return nil, err
	}
	rep := &ImportReport{Hearing: job.Hearing, Courtroom: job.Courtroom, Seats: job.Seats, Seconds: m.DurationSeconds,
		Files: job.Files, Archive: m.Files, Engine: r.engineLabel()}
	if rep.Segments, rep.Pending, err = countSegments(ctx, r.store, job.Hearing); err != nil {
		return nil, err
	}
	r.log.Info("hearing imported", "hearing", job.Hearing, "seconds", m.DurationSeconds, "segments", rep.Segments, "pending", rep.Pending)
	return rep, nil
}

// checkImportTarget is step 1, the record: the hearing is new (nil), or scheduled, of this
// courtroom and these seats, with no segments and no archived audio.
func (r *Record) checkImportTarget(ctx context.Context, job ImportJob) (*transcript.Hearing, error) {
	h, err := r.store.GetHearing(ctx, job.Hearing)
	switch {
	case errors.Is(err, transcript.ErrNotFound):
		h = nil
	case err != nil:
		return nil, err
	case h.Courtroom != "" && h.Courtroom != job.Courtroom:
		return nil, fmt.Errorf("%w: hearing %s belongs to courtroom %s, not %s", ingest.ErrImportRefused, job.Hearing, h.Courtroom, job.Courtroom)
	case h.Status != transcript.StatusScheduled:
		return nil, fmt.Errorf("%w: hearing %s is %s; only a new or scheduled hearing takes an imported recording", ingest.ErrImportRefused, job.Hearing, h.Status)
	}
	if h != nil {
		if err := r.checkImportSeats(ctx, job, h); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(archive.HearingDir(r.data, job.Hearing), archive.HearingFile)); err == nil {
		return nil, fmt.Errorf("%w: hearing %s already has audio in the archive", ingest.ErrImportRefused, job.Hearing)
	}
	return h, nil
}

// checkImportSeats refuses a scheduled hearing h with other seats or with segments already.
func (r *Record) checkImportSeats(ctx context.Context, job ImportJob, h *transcript.Hearing) error {
	if len(h.Seats) > 0 {
		var have []string
		for _, s := range h.Seats {
			have = append(have, s.Seat)
		}
		if !sameSet(have, job.Seats) {
			return fmt.Errorf("%w: hearing %s has seats %s; the recording names %s", ingest.ErrImportRefused, job.Hearing, strings.Join(have, ","), strings.Join(job.Seats, ","))
		}
	}
	segs, err := r.store.ListSegments(ctx, job.Hearing, true)
	if err != nil {
		return err
	}
	if len(segs) > 0 {
		return fmt.Errorf("%w: hearing %s already has %d segments", ingest.ErrImportRefused, job.Hearing, len(segs))
	}
	return nil
}

// checkOriginals is step 2, the originals: it hashes them (into job.Files) and decodes them
// completely before anything is written, and returns their length in 16 kHz frames.
func checkOriginals(ctx context.Context, job *ImportJob, progressTo io.Writer) (int64, error) {
	for i := range job.Files {
		f := &job.Files[i]
		var err error
		if f.SHA256, f.Bytes, err = hashFile(f.Path); err != nil {
			return 0, err
		}
	}
	src, err := job.Open()
	if err != nil {
		return 0, err
	}
	var frames int64
	err = recording.ForEachBlock(src, recording.NewProgress(progressTo, "checking", src.Frames()), func(b [][]int16, _ int64) error {
		frames += int64(len(b[0]))
		return ctx.Err()
	})
	src.Close()
	if err != nil {
		return 0, err
	}
	if frames == 0 {
		return 0, fmt.Errorf("%w: the recording holds no audio", ingest.ErrImportRefused)
	}
	return frames, nil
}

// recordImport is step 3: the hearing in the record (created unless h is the scheduled
// one), with the originals in its history.
func (r *Record) recordImport(ctx context.Context, job ImportJob, h *transcript.Hearing, frames int64) error {
	lang := job.Language
	if lang == "" || lang == string(asr.LanguageAuto) {
		lang = string(asr.LanguageZh)
	}
	if h == nil {
		nh := transcript.Hearing{ID: job.Hearing, Courtroom: job.Courtroom, Language: lang, Title: job.Title}
		if nh.Title == "" {
			nh.Title = fmt.Sprintf("%s %s (imported)", job.Courtroom, time.Now().Format(time.DateOnly))
		}
		for _, s := range job.Seats {
			nh.Seats = append(nh.Seats, transcript.Seat{Seat: s, Role: stream.DefaultRole(s, lang)})
		}
		if _, err := r.store.CreateHearing(ctx, job.Actor, nh); err != nil {
			return fmt.Errorf("creating hearing %s in the record: %w", job.Hearing, err)
		}
	}
	if _, err := r.store.AddNote(ctx, job.Actor, job.Hearing, transcript.Note{Kind: transcript.NoteAnnotation, AtMS: 0,
		Text: importNote(job, frames)}); err != nil {
		return fmt.Errorf("noting the originals in hearing %s: %w", job.Hearing, err)
	}
	return nil
}

// archiveImport is step 4: it sends the recording through ingest.Import, as an agent would,
// keeping pace with the stream and the pool.
func (r *Record) archiveImport(ctx context.Context, ing *ingest.Server, job ImportJob, progressTo io.Writer) (*archive.Manifest, error) {
	seatMap := make([]wire.Seat, len(job.Seats))
	for i, s := range job.Seats {
		seatMap[i] = wire.Seat{Name: s, Channel: i + 1}
	}
	src, err := job.Open()
	if err != nil {
		return nil, err
	}
	defer src.Close()
	prog := recording.NewProgress(progressTo, "importing", src.Frames())
	wait := func(ctx context.Context) error {
		prog.Update(src.Pos())
		for r.stream.Queued(job.Hearing) > r.stream.QueueFrames()/4 || r.pool.Stats().Queued > 8 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
		return nil
	}
	m, err := ing.Import(ctx, ingest.ImportOptions{Courtroom: job.Courtroom, Hearing: job.Hearing, Seats: seatMap, Wait: wait}, src)
	prog.Done()
	return m, err
}

// waitImportClosed is step 5: the record closes the hearing once the diarizer has flushed;
// then the engine's results for the last utterances arrive.
func (r *Record) waitImportClosed(ctx context.Context, hearing string) error {
	for {
		hh, err := r.store.GetHearing(ctx, hearing)
		if err != nil {
			return err
		}
		st := r.pool.Stats()
		if hh.Status == transcript.StatusClosed && st.Queued == 0 && st.Busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// transcribeImport is step 6, transcription: the pending utterances in time order,
// consecutive ones packed into one decoding window when the engine can (docs/asr.md,
// "Packing utterances"); live hearings on the same server keep priority (Idle). What the
// engine cannot take stays pending for the server's backfill.
func (r *Record) transcribeImport(ctx context.Context, job ImportJob) error {
	if r.cfg.ASR == "none" {
		return nil
	}
	b := &backfill.Backfiller{Store: &stream.Backlog{Record: r.store}, Audio: archive.Archive{Dir: r.data},
		Engine: r.pool, Policy: pool.DefaultConfig().Policy, Log: r.log.With("part", "import"), BatchSeconds: job.BatchSeconds, Workers: job.Workers,
		Idle: r.backfillIdle}
	brep, err := b.Run(ctx, job.Hearing)
	if err != nil && !errors.Is(err, asr.ErrUnavailable) {
		return err
	}
	r.log.Info("imported hearing transcribed", "hearing", job.Hearing, "completed", brep.Completed, "remaining", brep.Remaining, "failed", brep.Failed)
	return nil
}

// importNote is the history line that names the originals.
func importNote(job ImportJob, frames int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Imported recording (%.1f s, seats %s) from: ", float64(frames)/wire.SampleRate, strings.Join(job.Seats, ","))
	for i, f := range job.Files {
		if i > 0 {
			b.WriteString("; ")
		}
		if f.Seat != "" {
			b.WriteString(f.Seat + "=")
		}
		fmt.Fprintf(&b, "%s (%s, %d bytes, SHA-256 %s)", f.Name, f.Format, f.Bytes, f.SHA256)
	}
	return b.String()
}

func countSegments(ctx context.Context, store interface {
	ListSegments(ctx context.Context, hearingID string, includeDeleted bool) ([]transcript.Segment, error)
}, hearing string) (total, pending int, err error) {
	segs, err := store.ListSegments(ctx, hearing, false)
	if err != nil {
		return 0, 0, err
	}
	for _, s := range segs {
		if s.Status == transcript.SegmentPending {
			pending++
		}
	}
	return len(segs), pending, nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
