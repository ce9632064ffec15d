package main

import "fmt"
import "os"
import "sort"

import "github.com/spf13/cobra"

import "github.com/courtscribe/courtscribe/cmd/courtscribe/server"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

func init() { addCommand(newDBCmd) }

func newDBCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "The hearing record's database: move a court's record between SQLite and PostgreSQL",
	}
	cmd.AddCommand(newDBMigrateCmd())
	return cmd
}

func newDBMigrateCmd() *cobra.Command {
	var from, to, data string
	c := &cobra.Command{
		Use:   "migrate --from sqlite:DIR --to postgres://…",
		Short: "Copy the whole hearing record (every hearing with its history, versions and signatures, users, sessions) into an empty database",
		Long: `migrate copies the record of --from into the empty database --to, in one transaction, ids and
hash chains unchanged, and checks that every chain of the copy ends at the source's head; then it
audits every chain of the copy (as "transcript audit --all" does) and exits 3 if one fails.
Stop the server first: nothing may write to --from meanwhile. The audio archive is not in the
database: the servers on --to use the same data directory (--data), or a copy of it.
Either side may be sqlite:DIR or postgres://…; --from also accepts a bare directory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if _, err := os.Stat(from); err == nil { // a bare directory
				from = "sqlite:" + from
			}
			if from == "" || to == "" {
				return fmt.Errorf("db migrate: --from and --to are both required")
			}
			src, err := openExistingRecord(ctx, from, data)
			if err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			defer src.Close()
			dst, err := server.OpenStore(ctx, to, data, sqlite.Options{Logger: newLogger(os.Stderr)})
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			defer dst.Close()
			rep, err := sqlite.CopyRecord(ctx, src, dst)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			tables := make([]string, 0, len(rep.Rows))
			for t := range rep.Rows {
				tables = append(tables, t)
			}
			sort.Strings(tables)
			for _, t := range tables {
				fmt.Fprintf(out, "copied %-12s %d rows\n", t, rep.Rows[t])
			}
			ids := make([]string, 0, len(rep.Heads))
			for id := range rep.Heads {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			failed := 0
			for _, id := range ids {
				a, err := dst.AuditHearing(ctx, id)
				if err != nil {
					return err
				}
				status := "OK"
				if !a.OK() {
					status, failed = "BROKEN: "+a.Problems[0].String(), failed+1
				}
				fmt.Fprintf(out, "chain %q: %d events, head %s: %s\n", id, a.Events, rep.Heads[id], status)
			}
			if failed > 0 {
				return &exitError{code: 3, err: fmt.Errorf("db migrate: %d chains of the copy do not audit", failed)}
			}
			fmt.Fprintf(out, "db migrate: %d chains copied to %s, every one audits\n", len(ids), server.DescribeDB(to, data))
			return nil
		},
	}
	c.Flags().StringVar(&from, "from", "", "the record to copy: sqlite:DIR (DIR/courtscribe.db) or postgres://…")
	c.Flags().StringVar(&to, "to", "", "an empty database to copy into: postgres://… or sqlite:DIR")
	c.Flags().StringVar(&data, "data", "", "the data directory of the hearing archive (audio and the head log)")
	return c
}
