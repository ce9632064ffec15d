package server

import "context"
import "fmt"
import "path/filepath"
import "strings"

import "github.com/courtscribe/courtscribe/transcript/sqlite"

// The hearing record's database, for the server and every command that reads or writes the
// record: SQLite DATA/courtscribe.db under --data (the default: one courthouse, one binary), or
// a PostgreSQL database named by --db postgres://… (a central site). The data directory is
// still the hearing archive (audio, manifests) and holds the head log in both cases.

// DBUsage is the help text of --db.
const DBUsage = "the hearing record's database: postgres://USER@HOST:PORT/DB (or postgresql://) for PostgreSQL, " +
	"sqlite:DIR for SQLite in DIR; empty: SQLite courtscribe.db under --data"

// RecordDB says which database db names: pg with its URL, or the SQLite directory.
func RecordDB(db, dataDir string) (pg bool, where string, err error) {
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

// OpenStore opens the hearing record named by db (see DBUsage), creating it when needed.
// opt.DataDir defaults to the data directory, where the store finds a hearing's audio when it
// closes and keeps the head log.
func OpenStore(ctx context.Context, db, dataDir string, opt sqlite.Options) (*sqlite.Store, error) {
	pg, where, err := RecordDB(db, dataDir)
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

// DescribeDB names the record's database for logs, without a password.
func DescribeDB(db, dataDir string) string {
	pg, where, err := RecordDB(db, dataDir)
	switch {
	case err != nil:
		return db
	case pg:
		return sqlite.RedactURL(where)
	}
	return filepath.Join(where, "courtscribe.db")
}
