package main

import "context"
import "fmt"
import "os"
import "path/filepath"

import "github.com/spf13/cobra"
import "github.com/spf13/pflag"

import "github.com/courtscribe/courtscribe/cmd/courtscribe/server"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

// The hearing record's database for the commands: --db (see server.DBUsage) and opening an
// existing record for the transcript tools.

// recordFlags are --data and --db: the hearing record a command reads (an existing one; a
// missing one is refused) or, with create, opens as the server does.
type recordFlags struct {
	data, db string
	create   bool
}

func (rf *recordFlags) add(f *pflag.FlagSet) {
	f.StringVar(&rf.data, "data", "var/data", "data directory (holds courtscribe.db)")
	addDBFlag(f, &rf.db)
}

func (rf *recordFlags) open(ctx context.Context) (*sqlite.Store, error) {
	if rf.create {
		return server.OpenStore(ctx, rf.db, rf.data, sqlite.Options{Logger: newLogger(os.Stderr)})
	}
	return openExistingRecord(ctx, rf.db, rf.data)
}

// with runs run with the record open, and closes it after.
func (rf *recordFlags) with(run func(cmd *cobra.Command, s *sqlite.Store) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		s, err := rf.open(cmd.Context())
		if err != nil {
			return err
		}
		defer s.Close()
		return run(cmd, s)
	}
}

// addDBFlag registers --db.
func addDBFlag(f *pflag.FlagSet, db *string) { f.StringVar(db, "db", "", server.DBUsage) }

// openExistingRecord opens an existing hearing record for the transcript tools: a record that
// does not exist (no SQLite file, or a PostgreSQL database without the schema) is refused; a
// typo must not look like an empty, intact record.
func openExistingRecord(ctx context.Context, db, dataDir string) (*sqlite.Store, error) {
	pg, where, err := server.RecordDB(db, dataDir)
	if err != nil {
		return nil, err
	}
	if pg {
		ok, err := sqlite.PostgresHasRecord(ctx, where)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("no hearing record in %s (the database has no courtscribe schema)", sqlite.RedactURL(where))
		}
	} else if _, err := os.Stat(filepath.Join(where, "courtscribe.db")); err != nil {
		return nil, fmt.Errorf("no hearing record in %s: %w", where, err)
	}
	return server.OpenStore(ctx, db, dataDir, sqlite.Options{Logger: newLogger(os.Stderr)})
}
