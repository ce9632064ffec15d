package sqlite

import "context"
import "database/sql"
import "database/sql/driver"
import "errors"
import "fmt"
import "net"
import "path/filepath"
import "strings"
import "time"

import "github.com/jackc/pgx/v5/pgconn"
import _ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

import "github.com/courtscribe/courtscribe/transcript"

// PostgreSQL: the same store on a PostgreSQL database (github.com/jackc/pgx/v5), for a
// central site where several courtscribe servers share one record.
//
// What differs from SQLite: the queries are rebound (dialect.go); ids come from BIGSERIAL
// columns through RETURNING; the schema is the SQLite one translated (pgSchema). Each store
// still commits through its own single writer connection with group commit, and every write
// transaction first takes one transaction-scoped advisory lock, so that writers on several
// store instances (replicas on one database) commit one after the other: each sees the chain
// heads and revisions the previous one committed, a hash chain stays one linear chain, and
// event ids grow in commit order (which EventsSince relies on). This serializes all writes of
// the site; per-hearing locks are the next step when measurements ask for it. Audits read in a
// REPEATABLE READ transaction (one snapshot).

// pgWriteLock is the advisory lock every write transaction takes ("cswr").
const pgWriteLock = `SELECT pg_advisory_xact_lock(1668511602)`

// IsPostgresURL reports whether db names a PostgreSQL database (postgres:// or postgresql://).
func IsPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// OpenPostgres opens the store on the PostgreSQL database at url (postgres://…), applying
// the migrations. opt.DataDir is still used for the audio of CloseHearing and the head log.
func OpenPostgres(ctx context.Context, url string, opt Options) (*Store, error) {
	if !IsPostgresURL(url) {
		return nil, fmt.Errorf("transcript store: %q is not a postgres:// URL", url)
	}
	argon := opt.fillDefaults()
	dl := dialect{pg: true}
	wdb, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	if err := ping(ctx, wdb); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("transcript store %s: %w", RedactURL(url), storageError(err))
	}
	if err := migrate(ctx, wdb, dl, opt.Clock); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("transcript store %s: %w", RedactURL(url), err)
	}
	rdb, err := sql.Open("pgx", url)
	if err != nil {
		wdb.Close()
		return nil, err
	}
	rdb.SetMaxOpenConns(8)
	if opt.DataDir == "" {
		s := newStore(wdb, rdb, dl, opt, argon)
		s.pgURL, s.origin = url, newFeedOrigin()
		return s, nil
	}
	heads, err := pgHeadDir(ctx, wdb, opt.DataDir)
	if err != nil {
		wdb.Close()
		rdb.Close()
		return nil, fmt.Errorf("transcript store %s: %w", RedactURL(url), err)
	}
	s := newStore(wdb, rdb, dl, opt, argon)
	s.headDir = heads
	s.pgURL, s.origin = url, newFeedOrigin()
	return s, nil
}

// pgHeadDir names the head log directory of a PostgreSQL database under the data directory:
// DATA/heads/pg-<cluster system identifier>-<database name>, so that the published heads of one
// database are never compared with another's chains: a copy made with db migrate or into
// another cluster starts its own log, while a promoted standby keeps the identifier and the log.
func pgHeadDir(ctx context.Context, db *sql.DB, dataDir string) (string, error) {
	var sysid int64
	var name string
	err := db.QueryRowContext(ctx, `SELECT (SELECT system_identifier FROM pg_control_system()), current_database()`).Scan(&sysid, &name)
	if err != nil {
		return "", fmt.Errorf("naming the head log: %w", err)
	}
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, name)
	return filepath.Join(dataDir, HeadsDir, fmt.Sprintf("pg-%d-%s", uint64(sysid), safe)), nil
}

// ping checks that the database answers, within 30 s when ctx has no deadline (an unreachable
// host must not hang a server's start for the system's TCP timeout).
func ping(ctx context.Context, db *sql.DB) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	return db.PingContext(ctx)
}

// PostgresHasRecord reports whether the database at url holds a hearing record (its schema
// was created), without creating anything: the read-only tools refuse an empty database
// rather than report it as an intact, empty record.
func PostgresHasRecord(ctx context.Context, url string) (bool, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return false, err
	}
	defer db.Close()
	if err := ping(ctx, db); err != nil {
		return false, fmt.Errorf("%s: %w", RedactURL(url), storageError(err))
	}
	var ok bool
	err = db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL AND to_regclass('events') IS NOT NULL`).Scan(&ok)
	return ok, err
}

// RedactURL hides the password of a connection URL, for messages and logs.
func RedactURL(url string) string {
	at := strings.LastIndexByte(url, '@')
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return url
	}
	userinfo := url[scheme+3 : at]
	if i := strings.IndexByte(userinfo, ':'); i >= 0 {
		return url[:scheme+3] + userinfo[:i] + ":***" + url[at:]
	}
	return url
}

// pgStorageError maps PostgreSQL's failures of the machine onto the store's storage errors:
// a full disk (SQLSTATE 53100) and lost or refused connections, a shut-down server, a
// read-only standby.
func pgStorageError(err error) error {
	if kind := pgStorageKind(err); kind != nil {
		return kind
	}
	return err
}

// pgStorageKind is err wrapped in the storage error it shows (full, unavailable), or nil
// where it shows neither.
func pgStorageKind(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "53100":
			return fmt.Errorf("%w: %w", transcript.ErrStorageFull, err)
		case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "57P"), pe.Code == "25006", pe.Code == "53300":
			return fmt.Errorf("%w: %w", transcript.ErrStorageUnavailable, err)
		}
		return nil
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	if errors.As(err, &ne) || errors.As(err, &ce) || errors.Is(err, driver.ErrBadConn) {
		return fmt.Errorf("%w: %w", transcript.ErrStorageUnavailable, err)
	}
	return nil
}
