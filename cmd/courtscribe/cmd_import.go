package main

import "context"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "log/slog"
import "os"
import "path/filepath"
import "slices"

import "github.com/spf13/cobra"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/capture/audiofile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/cmd/courtscribe/internal/recording"
import "github.com/courtscribe/courtscribe/cmd/courtscribe/server"

func init() { addCommand(newImportCmd) }

type importFlags struct {
	data      string
	db        string
	courtroom string
	hearing   string
	seats     []string
	seatFiles []string
	title     string
	json      bool
	engineFlags
	engine asr.Engine // tests: the engine, whatever --asr says
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
	fl.add(f, engineFlagDefaults{asr: "none", asrHelp: "transcription engine: whisper, remote, or none (utterances stay pending for backfill)",
		language: "zh", languageHelp: "language of the hearing: zh, en or auto", workersHelp: "transcription workers"})
	f.BoolVar(&fl.json, "json", false, "print the report as JSON")
	_ = cmd.MarkFlagRequired("data")
	_ = cmd.MarkFlagRequired("courtroom")
	_ = cmd.MarkFlagRequired("hearing")
	return cmd
}

func runImport(ctx context.Context, fl importFlags, args []string, out io.Writer, log *slog.Logger) error {
	if err := fl.check(); err != nil {
		return err
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
	job := server.ImportJob{Courtroom: fl.courtroom, Hearing: fl.hearing, Seats: seats, Title: fl.title, Language: fl.language, Actor: "import",
		BatchSeconds: batchWindow(fl.batch), Workers: fl.workers}
	for i, in := range r.Inputs() {
		f := server.ImportedFile{Name: filepath.Base(in.Path), Format: in.Format, Seconds: in.Seconds(), Path: in.Path}
		if len(fl.seatFiles) > 0 {
			f.Seat = seats[i]
		}
		job.Files = append(job.Files, f)
	}
	r.Close()
	job.Open = func() (*audiofile.Reader, error) {
		rr, _, err := recording.Open(args, slices.Clone(fl.seats), fl.seatFiles, false)
		return rr, err
	}
	rep, err := server.Import(ctx, fl.data, log, server.RecordConfig{DB: fl.db, ASR: fl.asrKind, Model: fl.model, ASRURLs: fl.urls,
		Workers: fl.workers, Language: fl.language, Threads: fl.threads, Engine: fl.engine}, job, os.Stderr)
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
