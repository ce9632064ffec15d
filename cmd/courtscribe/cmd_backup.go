package main

import "encoding/json"
import "errors"
import "fmt"
import "os"
import "time"

import "github.com/spf13/cobra"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/backup"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

// backup, restore, scrub, retention and hearing deletion: what a court technician runs to keep
// the record safe (docs/backup.md). The work lives in transcript/backup.

func init() {
	addCommand(newBackupCmd)
	addCommand(newRestoreCmd)
	addCommand(newScrubCmd)
	addCommand(newRetentionCmd)
	addCommand(newHearingsCmd)
}

func newBackupCmd() *cobra.Command {
	var data, to string
	var dry bool
	c := &cobra.Command{
		Use:   "backup",
		Short: "Back up the record and every archived audio file while the server runs (incremental, atomic)",
		Long: `backup copies the hearing record (a consistent SQLite copy made with VACUUM INTO) and every
archived audio file into DEST/objects (by SHA-256: unchanged audio is never copied twice), then
publishes a new snapshot DEST/snapshots/<time> with a manifest of every file and every hearing's
audit chain head. It says how much space it needs and refuses to start without it; it refuses
a destination inside the data directory. An interrupted backup leaves the previous ones usable.
Exit status: 0 done; 3 done, but some archived audio did not match its manifest (listed); 1 error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			m, err := backup.Backup(cmd.Context(), backup.Config{DataDir: data, Dest: to, Logger: newLogger(os.Stderr), DryRun: dry,
				OnPlan: func(p backup.Plan) error { fmt.Fprintln(out, "backup plan:", p); return nil }})
			if err != nil || m == nil {
				return err
			}
			fmt.Fprintf(out, "backup: snapshot %s: %d files and the record (%d hearings), %s in all, %s written\n",
				m.Snapshot, len(m.Files), len(m.Hearings), backup.Size(m.TotalBytes), backup.Size(m.NewBytes))
			if len(m.Problems) > 0 {
				for _, p := range m.Problems {
					fmt.Fprintln(out, "DAMAGED:", p)
				}
				return &exitError{code: 3, err: fmt.Errorf("backup complete, but %d archived files did not match their manifests (run scrub; repair with restore --hearing)", len(m.Problems))}
			}
			return nil
		},
	}
	c.Flags().StringVar(&data, "data", "var/data", "data directory of the server")
	c.Flags().StringVar(&to, "to", "", "backup destination directory (another disk)")
	c.Flags().BoolVar(&dry, "dry-run", false, "only say what the backup would copy and need")
	c.MarkFlagRequired("to")
	return c
}

func newRestoreCmd() *cobra.Command {
	var from, data, hearing, snapshot string
	c := &cobra.Command{
		Use:   "restore",
		Short: "Restore a backup onto an empty data directory, or repair one hearing's files (--hearing)",
		Long: `restore --from DEST --data DIR writes the latest snapshot (or --snapshot NAME) into an empty data
directory, checks every byte against its SHA-256, then audits every hearing's chain against the
head the backup recorded and every closed hearing's audio against its manifest.
restore --hearing ID repairs one hearing's archived files in a data directory in use: each file
that is missing or differs from the newest backup of the complete hearing is replaced. The
record itself is not touched. Exit status: 0 intact; 3 restored but the audit found problems; 1 error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, out, log := cmd.Context(), cmd.OutOrStdout(), newLogger(os.Stderr)
			cfg := backup.RestoreConfig{From: from, DataDir: data, Snapshot: snapshot, Logger: log}
			if hearing != "" {
				reps, snap, err := backup.RestoreHearing(ctx, cfg, hearing)
				for _, r := range reps {
					fmt.Fprintf(out, "%-8s %s %s\n", r.Action, r.Path, r.Why)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "restore: hearing %s checked against snapshot %s\n", hearing, snap)
				for _, r := range reps {
					if r.Action == "skipped" {
						return &exitError{code: 3, err: fmt.Errorf("restore: %s could not be repaired: %s", r.Path, r.Why)}
					}
				}
				return nil
			}
			m, err := backup.Restore(ctx, cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "restore: snapshot %s (%s): %d files and the record of %d hearings written to %s\n",
				m.Snapshot, m.Created.Format(time.RFC3339), len(m.Files), len(m.Hearings), data)
			s, err := openRecordStore(ctx, data)
			if err != nil {
				return err
			}
			defer s.Close()
			bad, err := backup.Verify(ctx, s, data, m)
			if err != nil {
				return err
			}
			for _, b := range bad {
				fmt.Fprintln(out, "BROKEN:", b)
			}
			if len(bad) > 0 {
				return &exitError{code: 3, err: fmt.Errorf("restore: the restored record has %d problems", len(bad))}
			}
			fmt.Fprintln(out, "restore: audit OK: every chain matches its backed-up head, every closed hearing's audio its manifest")
			return nil
		},
	}
	c.Flags().StringVar(&from, "from", "", "backup destination to restore from")
	c.Flags().StringVar(&data, "data", "var/data", "data directory to restore into (empty, or in use with --hearing)")
	c.Flags().StringVar(&hearing, "hearing", "", "repair only this hearing's archived files")
	c.Flags().StringVar(&snapshot, "snapshot", "", "snapshot name (default: the latest)")
	c.MarkFlagRequired("from")
	return c
}

func newScrubCmd() *cobra.Command {
	var data, against string
	var rateMB float64
	var asJSON bool
	c := &cobra.Command{
		Use:   "scrub",
		Short: "Re-hash archived audio against its manifests and audit the record's chains; name every mismatch",
		Long: `scrub re-hashes every closed hearing's archived audio against its audio manifest and the record,
audits every hearing's chain and rows and the chain of administration, and with --backup DEST
checks that the record still holds every event and hearing the latest backup recorded. It reads
at the idle I/O priority, throttled to --rate-mb. The report goes to DATA/scrub.json, where the
running server picks it up: any finding raises the integrity alarm in the hearing's health panel
and in /metrics. Exit status: 0 intact; 3 mismatches found (each named); 1 error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, out := cmd.Context(), cmd.OutOrStdout()
			s, err := openRecordStore(ctx, data)
			if err != nil {
				return err
			}
			defer s.Close()
			rep, err := backup.Scrub(ctx, backup.ScrubConfig{DataDir: data, Record: s, Backup: against,
				RateBytes: int64(rateMB * (1 << 20)), IdleIO: true, Logger: newLogger(os.Stderr)})
			if err != nil {
				return err
			}
			if err := backup.WriteReport(data, rep); err != nil {
				return fmt.Errorf("scrub: writing the report: %w", err)
			}
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return fmt.Errorf("scrub: %w", err)
				}
			} else {
				for _, f := range rep.Findings {
					fmt.Fprintln(out, "MISMATCH:", f.String())
				}
				fmt.Fprintf(out, "scrub: %d hearings audited, %d audio files (%s) re-hashed in %s: %d mismatches\n",
					rep.Hearings, rep.Files, backup.Size(rep.Bytes), rep.Finished.Sub(rep.Started).Round(time.Millisecond), len(rep.Findings))
			}
			if !rep.OK() {
				return &exitError{code: 3, err: fmt.Errorf("scrub: %d mismatches; first: %s", len(rep.Findings), rep.Findings[0])}
			}
			return nil
		},
	}
	c.Flags().StringVar(&data, "data", "var/data", "data directory of the server")
	c.Flags().StringVar(&against, "backup", "", "backup destination whose latest snapshot the record must still cover")
	c.Flags().Float64Var(&rateMB, "rate-mb", 0, "read at most this many MiB/s of audio (0: unlimited)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return c
}

func newRetentionCmd() *cobra.Command {
	var data string
	var keep []string
	var apply bool
	c := &cobra.Command{
		Use:   "retention",
		Short: "Delete closed hearings older than their court's keep period (never a finalized or signed record)",
		Long: `retention lists (or with --apply deletes) hearings in status closed whose court's keep period has
passed since they were closed. --keep "COURT=DURATION" per court, "*=DURATION" for the others
(3650d, 10y, forever). A finalized or signed record is never deleted automatically. Each
deletion goes on the chain of administration with the hearing's chain head and the reason.
Put the keep periods in the --config file (key "keep", a list) so the nightly unit uses them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, out := cmd.Context(), cmd.OutOrStdout()
			p, err := transcript.ParseRetention(keep)
			if err != nil {
				return err
			}
			s, err := openRecordStore(ctx, data)
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := backup.ApplyRetention(ctx, s, data, p, time.Now(), "retention:"+cliActor(), apply, newLogger(os.Stderr))
			if res != nil {
				for _, h := range res.Due {
					verb := "due"
					if apply {
						verb = "deleting"
					}
					fmt.Fprintf(out, "%s: hearing %s (%s, court %q), closed %s\n", verb, h.ID, h.CaseNumber, h.Court, h.ClosedAt.Format(time.RFC3339))
				}
				fmt.Fprintf(out, "retention: %d closed hearings past their keep period, %d deleted\n", len(res.Due), len(res.Deleted))
			}
			return err
		},
	}
	c.Flags().StringVar(&data, "data", "var/data", "data directory of the server")
	c.Flags().StringArrayVar(&keep, "keep", nil, `keep period per court: "COURT=DURATION" (repeat; "*=DURATION" for the others)`)
	c.Flags().BoolVar(&apply, "apply", false, "delete (without it: only list)")
	return c
}

func newHearingsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "hearings", Short: "Administer hearings (delete)"}
	var data, hearing, reason string
	var signed bool
	del := &cobra.Command{
		Use:   "delete",
		Short: "Delete a hearing: its record and archived audio (an admin action recorded on the audit trail)",
		Long: `delete removes a hearing's record (segments, notes, versions, its chain) and its archive directory.
The deletion, with the hearing's last chain head, the actor and --reason, is appended to the chain
of administration. A live hearing is refused; a finalized or signed record needs --signed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := openRecordStore(cmd.Context(), data)
			if err != nil {
				return err
			}
			defer s.Close()
			d, err := backup.DeleteHearing(cmd.Context(), s, data, cliActor(), hearing, reason, sqlite.DeleteOptions{Signed: signed})
			if err != nil {
				if errors.Is(err, transcript.ErrState) {
					return &exitError{code: 3, err: err}
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted hearing %s (%s, %s, %d events, head %s)\n", d.Hearing, d.CaseNumber, d.Status, d.Events, d.Head)
			return nil
		},
	}
	del.Flags().StringVar(&data, "data", "var/data", "data directory of the server")
	del.Flags().StringVar(&hearing, "hearing", "", "hearing id")
	del.Flags().StringVar(&reason, "reason", "", "why (recorded on the audit trail)")
	del.Flags().BoolVar(&signed, "signed", false, "confirm deleting a finalized or signed record")
	del.MarkFlagRequired("hearing")
	del.MarkFlagRequired("reason")
	cmd.AddCommand(del)
	return cmd
}
