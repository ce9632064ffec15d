package main

import "context"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "log/slog"
import "os"

import "github.com/spf13/cobra"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/backfill"
import "github.com/courtscribe/courtscribe/asr/pool"
import "github.com/courtscribe/courtscribe/asr/stream"
import "github.com/courtscribe/courtscribe/asr/whisper"
import "github.com/courtscribe/courtscribe/cmd/courtscribe/server"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

func init() { addCommand(newBackfillCmd) }

type backfillFlags struct {
	data    string
	db      string
	hearing string
	json    bool
	engineFlags
}

func newBackfillCmd() *cobra.Command {
	var fl backfillFlags
	cmd := &cobra.Command{
		Use:   "backfill --data DIR --hearing ID",
		Short: "Transcribe a hearing's pending utterances (recorded while the engine was absent or down)",
		Long: `backfill reads the pending utterances of a hearing from the hearing record in DIR, their audio
from DIR/hearings/ID/audio/<seat>.wav, transcribes them with the chosen engine through the same
policy and guards as the server, and records the text. Utterances the engine still cannot
take stay pending (exit status 3); none is dropped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBackfill(cmd.Context(), fl, cmd.OutOrStdout(), newLogger(os.Stderr))
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.data, "data", "", "data directory of the server (holds courtscribe.db and hearings/)")
	addDBFlag(f, &fl.db)
	f.StringVar(&fl.hearing, "hearing", "", "hearing ID")
	fl.add(f, engineFlagDefaults{asr: "whisper", asrHelp: "transcription engine: whisper or remote",
		language: "auto", languageHelp: "language: zh, en or auto", workersHelp: "whisper workers", gpu: true})
	f.BoolVar(&fl.json, "json", false, "print the report as JSON")
	_ = cmd.MarkFlagRequired("data")
	_ = cmd.MarkFlagRequired("hearing")
	return cmd
}

func runBackfill(ctx context.Context, fl backfillFlags, out io.Writer, log *slog.Logger) error {
	switch fl.asrKind {
	case "none":
		return errors.New("--asr none cannot backfill; use whisper or remote")
	case "whisper":
		if !whisper.Built {
			return whisper.ErrNotBuilt
		}
	}
	if err := fl.checkLanguage(); err != nil {
		return err
	}
	if _, err := os.Stat(fl.data); err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	eng, err := server.NewEngine(ctx, fl.engineConfig(), log)
	if err != nil {
		return err
	}
	defer eng.Close()
	store, err := server.OpenStore(ctx, fl.db, fl.data, sqlite.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("opening the hearing record: %w", err)
	}
	defer store.Close()
	cfg := pool.DefaultConfig()
	cfg.Language = fl.language
	p, err := pool.New(eng, cfg, log.With("part", "asr"), func(asr.Result) {})
	if err != nil {
		return err
	}
	b := &backfill.Backfiller{Store: &stream.Backlog{Record: store}, Audio: archive.Archive{Dir: fl.data},
		Engine: p, Policy: cfg.Policy, Log: log.With("part", "backfill"), BatchSeconds: batchWindow(fl.batch), Workers: fl.workers}
	rep, runErr := b.Run(ctx, fl.hearing)
	if fl.json {
		enc := json.NewEncoder(out)
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, "hearing %s: %d pending, %d transcribed, %d failed (audio missing or bad), %d still pending\n",
			rep.Hearing, rep.Pending, rep.Completed, rep.Failed, rep.Remaining)
	}
	if errors.Is(runErr, asr.ErrUnavailable) {
		return &exitError{code: 3, err: runErr}
	}
	return runErr
}
