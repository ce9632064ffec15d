package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/courtscribe/courtscribe/cmd/courtscribe/server"
	"github.com/courtscribe/courtscribe/transcript/sqlite"
)

// The hearing record's database for the commands: --db (see server.DBUsage) and opening an
// existing record for the transcript tools.

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
