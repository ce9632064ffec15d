package sqlite

import "context"
import "database/sql"
import "fmt"
import "regexp"
import "time"

// migration is one schema step. Migrations are applied in order, each in its own
// transaction, and recorded in schema_migrations; a database newer than this binary is refused.
type migration struct {
	version int
	name    string
	sql     string
}

var migrations = []migration{
	{1, "initial schema", `
CREATE TABLE hearings (
	id           TEXT PRIMARY KEY,
	doc          TEXT NOT NULL,          -- canonical JSON of transcript.Hearing
	status       TEXT NOT NULL,
	scheduled_at TEXT NOT NULL DEFAULT '',
	created_at   TEXT NOT NULL
);
CREATE TABLE segments (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	hearing_id  TEXT NOT NULL REFERENCES hearings(id),
	seat        TEXT NOT NULL,
	start_ms    INTEGER NOT NULL,
	end_ms      INTEGER NOT NULL,
	engine_text TEXT NOT NULL DEFAULT '',
	text        TEXT NOT NULL DEFAULT '',
	confidence  REAL NOT NULL DEFAULT 0,
	status      TEXT NOT NULL,
	revision    INTEGER NOT NULL,
	overlap     INTEGER NOT NULL DEFAULT 0,
	deleted     INTEGER NOT NULL DEFAULT 0,
	edited      INTEGER NOT NULL DEFAULT 0,
	updated_by  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);
CREATE INDEX segments_hearing ON segments(hearing_id, start_ms, id);
CREATE INDEX segments_pending ON segments(status, id) WHERE status = 'pending' AND deleted = 0;
CREATE TABLE notes (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	hearing_id TEXT NOT NULL REFERENCES hearings(id),
	kind       TEXT NOT NULL,
	at_ms      INTEGER NOT NULL,
	end_ms     INTEGER NOT NULL DEFAULT 0,
	segment_id INTEGER NOT NULL DEFAULT 0,
	text       TEXT NOT NULL,
	author     TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX notes_hearing ON notes(hearing_id, at_ms, id);
CREATE TABLE corrections (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	hearing_id TEXT NOT NULL REFERENCES hearings(id),
	version    INTEGER NOT NULL,
	segment_id INTEGER NOT NULL,
	before     TEXT NOT NULL,
	after      TEXT NOT NULL,
	reason     TEXT NOT NULL,
	author     TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE audio_files (
	hearing_id TEXT NOT NULL REFERENCES hearings(id),
	name       TEXT NOT NULL,
	bytes      INTEGER NOT NULL,
	sha256     TEXT NOT NULL,
	PRIMARY KEY (hearing_id, name)
);
CREATE TABLE versions (
	hearing_id TEXT NOT NULL REFERENCES hearings(id),
	number     INTEGER NOT NULL,
	hash       TEXT NOT NULL,
	record     TEXT NOT NULL,            -- canonical JSON of the unsigned record
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	signature  TEXT,                     -- canonical JSON of transcript.Signature
	PRIMARY KEY (hearing_id, number)
);
CREATE TABLE events (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	hearing_id TEXT NOT NULL,            -- '' is the chain of user administration
	seq        INTEGER NOT NULL,
	kind       TEXT NOT NULL,
	segment_id INTEGER NOT NULL DEFAULT 0,
	note_id    INTEGER NOT NULL DEFAULT 0,
	actor      TEXT NOT NULL,
	at         TEXT NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	before     BLOB,
	after      BLOB,
	prev_hash  TEXT NOT NULL,
	hash       TEXT NOT NULL,
	UNIQUE (hearing_id, seq)
);
CREATE INDEX events_segment ON events(segment_id, id) WHERE segment_id <> 0;
CREATE TABLE users (
	name          TEXT PRIMARY KEY,
	display_name  TEXT NOT NULL DEFAULT '',
	role          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	public_key    BLOB,
	sealed_key    TEXT NOT NULL DEFAULT '',
	disabled      INTEGER NOT NULL DEFAULT 0,
	created_at    TEXT NOT NULL
);
`},
	{2, "web sessions survive a restart", `
CREATE TABLE sessions (
	token_sha256 TEXT PRIMARY KEY,       -- the cookie's token is never stored, only its hash
	csrf         TEXT NOT NULL,
	user_id      TEXT NOT NULL,
	name         TEXT NOT NULL DEFAULT '',
	role         TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	seen_at      TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
`},
	{3, "notes can be edited and struck; corrections carry the party's written request; the whole panel signs; parties' reviews", `
ALTER TABLE notes ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notes ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notes ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN seat TEXT NOT NULL DEFAULT '';     -- examination marks: the examining counsel's seat
ALTER TABLE notes ADD COLUMN witness TEXT NOT NULL DEFAULT '';  -- sworn/examination/exhibit marks: the witness's seat
ALTER TABLE corrections ADD COLUMN request TEXT NOT NULL DEFAULT '';  -- JSON of transcript.CorrectionRequest, '' for none
ALTER TABLE corrections ADD COLUMN request_file BLOB;                  -- the request's document, by SHA-256 in the record
ALTER TABLE versions ADD COLUMN cosignatures TEXT NOT NULL DEFAULT '';  -- JSON array of the panel's and clerk's further signatures
ALTER TABLE versions ADD COLUMN reviews TEXT NOT NULL DEFAULT '';       -- JSON array of the parties' reviews of the version
`},
	{4, "sign-in limits shared by replicas", `
CREATE TABLE login_buckets (
	key     TEXT PRIMARY KEY,    -- SHA-256 of limiter and key: source address, source and user, user, known desk
	tokens  REAL NOT NULL,
	last_ns INTEGER NOT NULL     -- Unix nanoseconds of the bucket's last update
);
CREATE INDEX login_buckets_last ON login_buckets(last_ns);
`},
	{5, "ingest ownership leases: one replica writes a hearing's audio at a time", `
CREATE TABLE ingest_leases (
	hearing_id TEXT PRIMARY KEY,
	owner      TEXT NOT NULL,        -- the replica that writes the hearing's audio
	expires_ns INTEGER NOT NULL      -- Unix nanoseconds; another replica may take it after this
);
`},
}

// pgSchema translates a migration of the SQLite schema into PostgreSQL's: 64-bit integers,
// BIGSERIAL ids, BYTEA blobs, and text compared byte by byte (COLLATE "C", SQLite's BINARY)
// so that every ORDER BY sorts as it does on SQLite.
func pgSchema(q string) string {
	for _, r := range []struct{ re, to string }{
		{`\bINTEGER PRIMARY KEY AUTOINCREMENT\b`, `BIGSERIAL PRIMARY KEY`},
		{`\bINTEGER\b`, `BIGINT`},
		{`\bREAL\b`, `DOUBLE PRECISION`},
		{`\bBLOB\b`, `BYTEA`},
		{`\bTEXT\b`, `TEXT COLLATE "C"`},
	} {
		q = regexp.MustCompile(r.re).ReplaceAllString(q, r.to)
	}
	return q
}

// pgMigrateLock serializes migrations of replicas that start together (an advisory lock
// key of its own, "csmg").
const pgMigrateLock = `SELECT pg_advisory_xact_lock(1668509031)`

func migrate(ctx context.Context, db *sql.DB, d dialect, clock func() time.Time) error {
	// Each step runs in its own transaction; on PostgreSQL under an advisory lock, and the
	// current version is read inside it, so two replicas starting at once apply each step once.
	step := func(fn func(tx *sql.Tx, cur int) error) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if d.pg {
			if _, err := tx.ExecContext(ctx, pgMigrateLock); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
			return err
		}
		var cur int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version),0) FROM schema_migrations`).Scan(&cur); err != nil {
			return err
		}
		if latest := migrations[len(migrations)-1].version; cur > latest {
			return fmt.Errorf("database schema version %d is newer than this program's %d", cur, latest)
		}
		if err := fn(tx, cur); err != nil {
			return err
		}
		return tx.Commit()
	}
	if err := step(func(*sql.Tx, int) error { return nil }); err != nil {
		return err
	}
	for _, m := range migrations {
		err := step(func(tx *sql.Tx, cur int) error {
			if m.version <= cur {
				return nil
			}
			q := m.sql
			if d.pg {
				q = pgSchema(q)
			}
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
			_, err := tx.ExecContext(ctx, d.q(`INSERT INTO schema_migrations(version,name,applied_at) VALUES(?,?,?)`),
				m.version, m.name, clock().UTC().Format(time.RFC3339))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
