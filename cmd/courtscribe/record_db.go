package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/courtscribe/courtscribe/transcript/sqlite"
)

// The hearing record's database, for every command that reads or writes the record:
// SQLite DATA/courtscribe.db under --data (the default: one courthouse, one binary), or a
// PostgreSQL database named by --db postgres://… (a central site). The data directory is still
// the hearing archive (audio, manifests) and holds the head log in both cases.

const dbFlagUsage = "the hearing record's database: postgres://USER@HOST:PORT/DB (or postgresql://) for PostgreSQL, " +
	"sqlite:DIR for SQLite in DIR; empty: SQLite courtscribe.db under --data"

// addDBFlag registers --db.
func addDBFlag(f *pflag.FlagSet, db *string) { f.StringVar(db, "db", "", dbFlagUsage) }

func init() {
	addServerFlags(func(f *pflag.FlagSet) { addDBFlag(f, &srvRecord.db) })
}

// recordDB says which database db names: pg with its URL, or the SQLite directory.
func recordDB(db, dataDir string) (pg bool, where string, err error) {
	switch {
	case sqlite.IsPostgresURL(db):
		return true, db, nil
	case db == "":
		return false, dataDir, nil
	case strings.HasPrefix(db, "sqlite:"):
		if dir := strings.TrimPrefix(db, "sqlite:"); dir != "" {
			return false, dir, nil
		}
	}
	return false, "", fmt.Errorf("--db %q: want postgres://…, postgresql://… or sqlite:DIR", db)
}

// openStore opens the hearing record named by db (see dbFlagUsage), creating it when needed.
// opt.DataDir defaults to the data directory, where the store finds a hearing's audio when it
// closes and keeps the head log.
func openStore(ctx context.Context, db, dataDir string, opt sqlite.Options) (*sqlite.Store, error) {
	pg, where, err := recordDB(db, dataDir)
	if err != nil {
		return nil, err
	}
	if pg {
		if opt.DataDir == "" {
			opt.DataDir = dataDir
		}
		return sqlite.OpenPostgres(ctx, where, opt)
	}
	if opt.DataDir == "" {
		opt.DataDir = where
	}
	return sqlite.OpenData(ctx, where, opt)
}

// openExistingRecord opens an existing hearing record for the transcript tools: a record that
// does not exist (no SQLite file, or a PostgreSQL database without the schema) is refused; a
// typo must not look like an empty, intact record.
func openExistingRecord(ctx context.Context, db, dataDir string) (*sqlite.Store, error) {
	pg, where, err := recordDB(db, dataDir)
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
	return openStore(ctx, db, dataDir, sqlite.Options{Logger: newLogger(os.Stderr)})
}

// describeDB names the record's database for logs, without a password.
func describeDB(db, dataDir string) string {
	pg, where, err := recordDB(db, dataDir)
	switch {
	case err != nil:
		return db
	case pg:
		return sqlite.RedactURL(where)
	}
	return filepath.Join(where, "courtscribe.db")
}
