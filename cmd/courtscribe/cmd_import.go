package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/courtscribe/courtscribe/asr"
	"github.com/courtscribe/courtscribe/asr/backfill"
	"github.com/courtscribe/courtscribe/asr/ingest"
	"github.com/courtscribe/courtscribe/asr/pool"
	"github.com/courtscribe/courtscribe/asr/stream"
	"github.com/courtscribe/courtscribe/asr/whisper"
	"github.com/courtscribe/courtscribe/capture/audiofile"
	"github.com/courtscribe/courtscribe/capture/wire"
	"github.com/courtscribe/courtscribe/cmd/courtscribe/internal/recording"
	"github.com/courtscribe/courtscribe/transcript"
)

func init() { addCommand(newImportCmd) }

type importFlags struct {
	data      string
	db        string
	courtroom string
	hearing   string
	seats     []string
	seatFiles []string
	title     string
	asrKind   string
	model     string
	urls      []string
	language  string
	workers   int
	threads   int
	json      bool
	batch     float64
}

func newImportCmd() *cobra.Command {
	var fl importFlags
	cmd := &cobra.Command{
		Use:   "import --data DIR --courtroom NAME --hearing ID --seats a,b,... FILE | --seat-file NAME=FILE...",
		Short: "Bring an existing recording of a past hearing into the record",
		Long: `import archives an existing recording as hearing ID exactly as if the courtroom's agent had
sent it (one 16 kHz WAV per seat, manifest with SHA-256), diarizes it by seat, transcribes it
with the chosen engine (--asr none leaves the utterances pending for backfill) and closes it:
it then appears in the UI and exports like any other hearing, with the original file names
and their SHA-256 in its history (a note at 0:00).

The recording is one multi-channel file (channel i = the i-th name of --seats) or one mono
file per seat (--seat-file judge=j.wav --seat-file clerk=c.flac …): WAV/RF64 (8/16/24/32-bit
PCM or float, plain or extensible) or FLAC at any rate from 8 to 192 kHz (resampled to
16 kHz with the agent's resampler; 16 kHz 16-bit input is archived sample-exact).
The hearing must not have audio yet: an unknown ID is created, a scheduled hearing of the
same courtroom is used; a hearing with audio, a closed, finalized or signed one, or one of
another courtroom is refused. Run it with the server stopped, or upload through the API
(POST /api/hearings/{id}/import/uploads, admin) while it runs.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImport(cmd.Context(), fl, args, cmd.OutOrStdout(), newLogger(os.Stderr))
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.data, "data", "", "data directory of the server (holds courtscribe.db and hearings/)")
	addDBFlag(f, &fl.db)
	f.StringVar(&fl.courtroom, "courtroom", "", "courtroom the hearing was held in")
	f.StringVar(&fl.hearing, "hearing", "", "hearing ID to import into")
	f.StringSliceVar(&fl.seats, "seats", nil, "seat names in channel order (e.g. judge,clerk,plaintiff,defendant); with --seat-file: the order of the seats")
	seatFileFlag(f, &fl.seatFiles)
	f.StringVar(&fl.title, "title", "", "title of a hearing the import creates (default: courtroom and date)")
	f.StringVar(&fl.asrKind, "asr", "none", "transcription engine: whisper, remote, or none (utterances stay pending for backfill)")
	f.StringVar(&fl.model, "model", "", "ggml Whisper model file for --asr whisper")
	f.StringSliceVar(&fl.urls, "asr-url", nil, "whisper-server or OpenAI-compatible URL(s) for --asr remote")
	f.StringVar(&fl.language, "language", "zh", "language of the hearing: zh, en or auto")
	f.IntVar(&fl.workers, "workers", 1, "transcription workers")
	f.IntVar(&fl.threads, "threads", 0, "threads per whisper worker (0: CPUs / workers)")
	batchFlag(f, &fl.batch)
	f.BoolVar(&fl.json, "json", false, "print the report as JSON")
	_ = cmd.MarkFlagRequired("data")
	_ = cmd.MarkFlagRequired("courtroom")
	_ = cmd.MarkFlagRequired("hearing")
	return cmd
}

// importedFile is one original file of an import, as the hearing's history names it.
type importedFile struct {
	Seat    string  `json:"seat,omitempty"` // empty for a multi-channel file
	Name    string  `json:"name"`           // base name of the original file
	Format  string  `json:"format"`
	Seconds float64 `json:"seconds"`
	Bytes   int64   `json:"bytes"`
	SHA256  string  `json:"sha256"`
	path    string
}

// importJob is what both the CLI and the API import: a hearing and its recording.
type importJob struct {
	Courtroom string
	Hearing   string
	Seats     []string
	Title     string
	Language  string
	Actor     string
	Files     []importedFile
	// BatchSeconds is backfill.Backfiller.BatchSeconds of the import's transcription (0: the
	// default packing window, negative: one utterance at a time).
	BatchSeconds float64
	// Workers is how many batches are transcribed at once (the CLI: --workers; the API import
	// leaves the server's workers to live hearings and uses one).
	Workers int
	// open opens the recording as 16 kHz seat channels (called twice: check, then import).
	open func() (*audiofile.Reader, error)
}

// importReport is what an import did.
type importReport struct {
	Hearing   string                     `json:"hearing"`
	Courtroom string                     `json:"courtroom"`
	Seats     []string                   `json:"seats"`
	Seconds   float64                    `json:"seconds"`
	Files     []importedFile             `json:"files"`
	Archive   []ingest.ManifestFileEntry `json:"archive"`
	Segments  int                        `json:"segments"`
	Pending   int                        `json:"pending"`
	Engine    string                     `json:"engine"`
}

func runImport(ctx context.Context, fl importFlags, args []string, out io.Writer, log *slog.Logger) error {
	switch fl.language {
	case "zh", "en", "auto":
	default:
		return fmt.Errorf("--language %q: want zh, en or auto", fl.language)
	}
	if fl.asrKind == "whisper" && !whisper.Built {
		return whisper.ErrNotBuilt
	}
	if !wire.ValidID(fl.courtroom) || !wire.ValidID(fl.hearing) {
		return fmt.Errorf("--courtroom %q / --hearing %q: letters, digits, '.', '_' and '-'", fl.courtroom, fl.hearing)
	}
	if _, err := os.Stat(fl.data); err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	if len(fl.seats) == 0 && len(fl.seatFiles) == 0 {
		return errors.New("--seats is required (one name per channel), or give --seat-file NAME=FILE per seat")
	}
	r, seats, err := recording.Open(args, slices.Clone(fl.seats), fl.seatFiles, false)
	if err != nil {
		return err
	}
	job := importJob{Courtroom: fl.courtroom, Hearing: fl.hearing, Seats: seats, Title: fl.title, Language: fl.language, Actor: "import",
		BatchSeconds: batchWindow(fl.batch), Workers: fl.workers}
	for i, in := range r.Inputs() {
		f := importedFile{Name: filepath.Base(in.Path), Format: in.Format, Seconds: in.Seconds(), path: in.Path}
		if len(fl.seatFiles) > 0 {
			f.Seat = seats[i]
		}
		job.Files = append(job.Files, f)
	}
	r.Close()
	job.open = func() (*audiofile.Reader, error) {
		rr, _, err := recording.Open(args, slices.Clone(fl.seats), fl.seatFiles, false)
		return rr, err
	}
	rec, err := openServerRecord(ctx, fl.data, log, recordFlags{db: fl.db, asrKind: fl.asrKind, model: fl.model, asrURLs: fl.urls,
		workers: fl.workers, language: fl.language, threads: fl.threads})
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{}, 2)
	go func() { _ = rec.stream.Run(rctx); done <- struct{}{} }()
	go func() { _ = rec.pool.Run(rctx); done <- struct{}{} }()
	defer func() {
		cancel()
		<-done
		<-done
		rec.engine.Close()
		rec.store.Close()
	}()
	icfg := ingest.DefaultConfig(fl.data)
	icfg.Logger = log.With("part", "ingest")
	icfg.Listener = rec.stream
	ing, err := ingest.New(icfg)
	if err != nil {
		return err
	}
	defer ing.Close(context.WithoutCancel(ctx))
	rep, err := rec.importHearing(ctx, ing, job, os.Stderr)
	if err != nil {
		return err
	}
	if fl.json {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	}
	fmt.Fprintf(out, "hearing %s (%s): %.1f s imported, %d segments, %d pending (engine: %s)\n",
		rep.Hearing, rep.Courtroom, rep.Seconds, rep.Segments, rep.Pending, rep.Engine)
	for _, f := range rep.Files {
		fmt.Fprintf(out, "  from %s  %s  sha256 %s\n", f.Name, f.Format, f.SHA256)
	}
	for _, a := range rep.Archive {
		fmt.Fprintf(out, "  archived %s  sha256 %s\n", a.Path, a.SHA256)
	}
	return nil
}

// importHearing runs one import against a running ingest server whose listener is r.stream:
// it checks the record, hashes and fully decodes the originals (so a damaged file is refused
// before anything is archived), notes the originals in the hearing's history, archives the
// recording through ingest.Import and waits until the record has every segment.
func (r *serverRecord) importHearing(ctx context.Context, ing *ingest.Server, job importJob, progressTo io.Writer) (*importReport, error) {
	// 1. The record: the hearing is new, or scheduled, of this courtroom and these seats.
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
	if h != nil && len(h.Seats) > 0 {
		var have []string
		for _, s := range h.Seats {
			have = append(have, s.Seat)
		}
		if !sameSet(have, job.Seats) {
			return nil, fmt.Errorf("%w: hearing %s has seats %s; the recording names %s", ingest.ErrImportRefused, job.Hearing, strings.Join(have, ","), strings.Join(job.Seats, ","))
		}
	}
	if h != nil {
		if segs, err := r.store.ListSegments(ctx, job.Hearing, true); err != nil {
			return nil, err
		} else if len(segs) > 0 {
			return nil, fmt.Errorf("%w: hearing %s already has %d segments", ingest.ErrImportRefused, job.Hearing, len(segs))
		}
	}
	if _, err := os.Stat(filepath.Join(r.data, ingest.HearingsDir, job.Hearing, ingest.HearingFile)); err == nil {
		return nil, fmt.Errorf("%w: hearing %s already has audio in the archive", ingest.ErrImportRefused, job.Hearing)
	}
	seatMap := make([]wire.Seat, len(job.Seats))
	for i, s := range job.Seats {
		seatMap[i] = wire.Seat{Name: s, Channel: i + 1}
	}

	// 2. The originals: hash them and decode them completely before anything is written.
	for i := range job.Files {
		f := &job.Files[i]
		if f.SHA256, f.Bytes, err = hashFile(f.path); err != nil {
			return nil, err
		}
	}
	src, err := job.open()
	if err != nil {
		return nil, err
	}
	var frames int64
	err = recording.ForEachBlock(src, recording.NewProgress(progressTo, "checking", src.Frames()), func(b [][]int16, _ int64) error {
		frames += int64(len(b[0]))
		return ctx.Err()
	})
	src.Close()
	if err != nil {
		return nil, err
	}
	if frames == 0 {
		return nil, fmt.Errorf("%w: the recording holds no audio", ingest.ErrImportRefused)
	}

	// 3. The hearing in the record, with the originals in its history.
	lang := job.Language
	if lang == "" || lang == "auto" {
		lang = "zh"
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
			return nil, fmt.Errorf("creating hearing %s in the record: %w", job.Hearing, err)
		}
	}
	if _, err := r.store.AddNote(ctx, job.Actor, job.Hearing, transcript.Note{Kind: transcript.NoteAnnotation, AtMS: 0,
		Text: importNote(job, frames)}); err != nil {
		return nil, fmt.Errorf("noting the originals in hearing %s: %w", job.Hearing, err)
	}

	// 4. The audio, as an agent would send it; the stream diarizes it behind it and records each
	// utterance pending (Defer): step 6 transcribes them in packed batches, as a backfill.
	if r.flags.asrKind != "none" {
		r.stream.Defer(job.Hearing, true)
		defer r.stream.Defer(job.Hearing, false)
	}
	src, err = job.open()
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
	if err != nil {
		return nil, err
	}

	// 5. The record closes the hearing once the diarizer has flushed; then the engine's
	// results for the last utterances arrive.
	for {
		hh, err := r.store.GetHearing(ctx, job.Hearing)
		if err != nil {
			return nil, err
		}
		st := r.pool.Stats()
		if hh.Status == transcript.StatusClosed && st.Queued == 0 && st.Busy == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	// 6. Transcription: the pending utterances in time order, consecutive ones packed into one
	// decoding window when the engine can (docs/asr.md, "Packing utterances"); live hearings
	// on the same server keep priority (Idle). What the engine cannot take stays pending for
	// the server's backfill.
	if r.flags.asrKind != "none" {
		b := &backfill.Backfiller{Store: &stream.Backlog{Record: r.store}, Audio: backfill.Archive{Dir: r.data},
			Engine: r.pool, Policy: pool.DefaultConfig().Policy, Log: r.log.With("part", "import"), BatchSeconds: job.BatchSeconds, Workers: job.Workers,
			Idle: func() bool { s := r.pool.Stats(); return s.Queued == 0 && s.Busy < int64(s.Workers) }}
		brep, err := b.Run(ctx, job.Hearing)
		if err != nil && !errors.Is(err, asr.ErrUnavailable) {
			return nil, err
		}
		r.log.Info("imported hearing transcribed", "hearing", job.Hearing, "completed", brep.Completed, "remaining", brep.Remaining, "failed", brep.Failed)
	}
	rep := &importReport{Hearing: job.Hearing, Courtroom: job.Courtroom, Seats: job.Seats, Seconds: m.DurationSeconds,
		Files: job.Files, Archive: m.Files, Engine: r.engineLabel()}
	if rep.Segments, rep.Pending, err = countSegments(ctx, r.store, job.Hearing); err != nil {
		return nil, err
	}
	r.log.Info("hearing imported", "hearing", job.Hearing, "seconds", m.DurationSeconds, "segments", rep.Segments, "pending", rep.Pending)
	return rep, nil
}

// importNote is the history line that names the originals.
func importNote(job importJob, frames int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Imported recording (%.1f s, seats %s) from: ", float64(frames)/audiofile.Rate, strings.Join(job.Seats, ","))
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
