// Package sqlite is the SQLite implementation of transcript.Store (modernc.org/sqlite, pure
// Go) in one database file, by default DATA/courtscribe.db.
//
// Durability: WAL journal with synchronous=FULL, so a commit is on disk (the WAL is fsynced)
// before the store acknowledges it; a power loss cannot lose an acknowledged edit. WAL lets
// readers (the live hub, exports) run while the writer commits.
//
// Writes go through one writer goroutine that commits concurrent requests together (group
// commit): each request runs inside its own SAVEPOINT, so a request that fails (a conflict)
// rolls back alone, and one fsync serves all requests of the batch. This keeps the edit commit
// latency low with many concurrent editors on one file.
//
// The same store runs on PostgreSQL (OpenPostgres; postgres.go and dialect.go say what
// differs), for a central site where several servers share one record.
package sqlite

import "context"
import "database/sql"
import "errors"
import "fmt"
import "log/slog"
import "net/url"
import "os"
import "path/filepath"
import "sort"
import "sync"
import "time"

import "github.com/courtscribe/courtscribe/transcript"
import _ "modernc.org/sqlite" // the "sqlite" database/sql driver

// Options configure a Store. The zero value works.
type Options struct {
	Logger *slog.Logger
	// Clock returns the current time; default time.Now.
	Clock func() time.Time
	// DataDir is the data directory (holds hearings/ID/ of the ingest server); used by
	// CloseHearing to find the audio when the caller passes none.
	DataDir string
	// Argon2 parameters for new password hashes and judge keys; default transcript.DefaultArgon2.
	Argon2 *transcript.Argon2Params
	// MaxBatch caps how many write requests one transaction commits (default 64).
	MaxBatch int
	// TimeZone is the court's IANA zone given to hearings created without one (default UTC).
	TimeZone string
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{Logger: slog.Default(), Clock: time.Now, MaxBatch: 64}
}

// Store is a transcript.Store on one SQLite file or one PostgreSQL database.
type Store struct {
	log   *slog.Logger
	clock func() time.Time
	data  string
	// headDir holds the head logs (see heads.go); "" publishes none.
	headDir string
	argon   transcript.Argon2Params
	wdb     *sql.DB // one connection: the writer
	rdb     *rdb    // readers
	dl      dialect
	reqs    chan *writeReq
	stop    chan struct{}
	done    chan struct{}
	closed  sync.Once
	maxB    int
	tz      string // TimeZone for new hearings

	stmts map[string]*sql.Stmt // prepared on the writer connection; writer goroutine only

	dummyOnce sync.Once
	dummy     string

	lmu       sync.Mutex
	listeners map[int]func(transcript.Event)
	nextL     int

	// PostgreSQL: the live feed across replicas (pgfeed.go).
	pgURL    string
	origin   string // this store's id in the feed's notifications
	feedOnce sync.Once
	feedMu   sync.Mutex
	feed     *pgFeed
}

var _ transcript.Store = (*Store)(nil)

// OpenData opens (creating when needed) DATA/courtscribe.db.
func OpenData(ctx context.Context, dataDir string, opt Options) (*Store, error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, err
	}
	if opt.DataDir == "" {
		opt.DataDir = dataDir
	}
	return Open(ctx, filepath.Join(dataDir, "courtscribe.db"), opt)
}

// fillDefaults sets the options left zero to DefaultOptions' and returns the password-hash
// parameters to use.
func (opt *Options) fillDefaults() transcript.Argon2Params {
	d := DefaultOptions()
	if opt.Logger == nil {
		opt.Logger = d.Logger
	}
	if opt.Clock == nil {
		opt.Clock = d.Clock
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = d.MaxBatch
	}
	if opt.Argon2 != nil {
		return *opt.Argon2
	}
	return transcript.DefaultArgon2
}

// Open opens (creating when needed) the database file at path and applies migrations.
func Open(ctx context.Context, path string, opt Options) (*Store, error) {
	argon := opt.fillDefaults()
	// The file holds password hashes and sealed keys: create it private (SQLite gives the WAL
	// and shared-memory files the database file's permissions).
	if f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err == nil {
		f.Close()
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(FULL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	wdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	if err := migrate(ctx, wdb, dialect{}, opt.Clock); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("transcript store %s: %w", path, err)
	}
	rq := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "foreign_keys(1)", "query_only(1)"} {
		rq.Add("_pragma", p)
	}
	rdb, err := sql.Open("sqlite", "file:"+path+"?"+rq.Encode())
	if err != nil {
		wdb.Close()
		return nil, err
	}
	rdb.SetMaxOpenConns(4)
	return newStore(wdb, rdb, dialect{}, opt, argon), nil
}

// newStore starts the writer of an opened, migrated database.
func newStore(wdb, rdbPool *sql.DB, d dialect, opt Options, argon transcript.Argon2Params) *Store {
	s := &Store{
		log: opt.Logger, clock: opt.Clock, data: opt.DataDir, argon: argon, dl: d,
		wdb: wdb, rdb: &rdb{DB: rdbPool, d: d}, reqs: make(chan *writeReq, 256), stop: make(chan struct{}), done: make(chan struct{}),
		maxB: opt.MaxBatch, tz: opt.TimeZone, listeners: map[int]func(transcript.Event){}, stmts: map[string]*sql.Stmt{},
	}
	if s.data != "" {
		s.headDir = filepath.Join(s.data, HeadsDir)
	}
	go s.writer()
	return s
}

// Close stops the writer (after the requests already queued) and closes the database.
func (s *Store) Close() error {
	var err error
	s.closed.Do(func() {
		s.stopFeed()
		close(s.stop)
		<-s.done
		for _, st := range s.stmts {
			if st != nil { // nil: first seen in a transaction that failed, never prepared
				st.Close()
			}
		}
		err = errors.Join(s.rdb.Close(), s.wdb.Close())
	})
	return err
}

// Subscribe registers a listener for committed events. On PostgreSQL the listener also gets
// the events other stores on the database (replicas) commit, each hearing's in chain order
// (see pgfeed.go).
func (s *Store) Subscribe(l func(transcript.Event)) (cancel func()) {
	if s.dl.pg && s.pgURL != "" {
		s.startFeed()
	}
	s.lmu.Lock()
	id := s.nextL
	s.nextL++
	s.listeners[id] = l
	s.lmu.Unlock()
	return func() {
		s.lmu.Lock()
		delete(s.listeners, id)
		s.lmu.Unlock()
	}
}

func (s *Store) notify(evs []transcript.Event) {
	if len(evs) == 0 {
		return
	}
	s.feedMu.Lock()
	f := s.feed
	s.feedMu.Unlock()
	if f != nil {
		f.local(evs)
		return
	}
	s.callListeners(evs)
}

// callListeners hands committed events to the listeners, in order.
func (s *Store) callListeners(evs []transcript.Event) {
	if len(evs) == 0 {
		return
	}
	s.lmu.Lock()
	ids := make([]int, 0, len(s.listeners))
	for id := range s.listeners {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	ls := make([]func(transcript.Event), len(ids))
	for i, id := range ids {
		ls[i] = s.listeners[id]
	}
	s.lmu.Unlock()
	for _, ev := range evs {
		for _, l := range ls {
			l(ev)
		}
	}
}

// --- the writer -------------------------------------------------------------------------

// tx is what a write request works with: the transaction and the events it appended. The
// request's context travels as an argument: its function holds it, and the tx methods take it.
type tx struct {
	*sql.Tx
	s      *Store
	now    time.Time
	events []transcript.Event
	heads  map[string]head // chain heads touched in this transaction
}

type head struct {
	seq  int64
	hash string
}

type writeReq struct {
	err  func() error // the request's ctx.Err: a request whose caller gave up is not run
	fn   func(*tx) error
	resp chan error
}

var errClosed = errors.New("transcript: store closed")

// write runs fn in the writer's transaction and waits until it is committed (or failed).
func (s *Store) write(ctx context.Context, fn func(*tx) error) error {
	r := &writeReq{err: ctx.Err, fn: fn, resp: make(chan error, 1)}
	select {
	case s.reqs <- r:
	case <-s.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.resp:
		return storageError(err)
	case <-s.done: // the writer stopped; the request may have slipped in after its drain
		select {
		case err := <-r.resp:
			return storageError(err)
		default:
			return errClosed
		}
	}
}

func (s *Store) writer() {
	defer close(s.done)
	for {
		var first *writeReq
		select {
		case first = <-s.reqs:
		case <-s.stop:
			s.drain()
			return
		}
		batch := []*writeReq{first}
	more:
		for len(batch) < s.maxB {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		s.commit(batch)
	}
}

// drain answers requests that raced with Close.
func (s *Store) drain() {
	for {
		select {
		case r := <-s.reqs:
			r.resp <- errClosed
		default:
			return
		}
	}
}

func (s *Store) commit(batch []*writeReq) {
	ctx := context.Background()
	fail := func(err error) {
		for _, r := range batch {
			r.resp <- err
		}
	}
	sqlTx, err := s.begin(ctx)
	if err != nil && s.dl.pg && errors.Is(pgStorageError(err), transcript.ErrStorageUnavailable) {
		// The database dropped the connection (a restart, a failover) before any request ran:
		// nothing is committed, so one more try on a fresh connection is safe.
		sqlTx, err = s.begin(ctx)
	}
	if err != nil {
		fail(err)
		return
	}
	t := &tx{Tx: sqlTx, s: s, now: transcript.NormTime(s.clock()), heads: map[string]head{}}
	results := make([]error, len(batch))
	var events []transcript.Event
	for i, r := range batch {
		if err := r.err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := t.ExecContext(ctx, "SAVEPOINT req"); err != nil {
			results[i] = err
			continue
		}
		t.events = t.events[:0]
		saved := make(map[string]head, len(t.heads))
		for k, v := range t.heads {
			saved[k] = v
		}
		err := runRequest(r.fn, t)
		if err != nil {
			results[i] = err
			t.heads = saved
			_, rerr := t.ExecContext(ctx, "ROLLBACK TO req")
			if rerr == nil {
				_, rerr = t.ExecContext(ctx, "RELEASE req")
			}
			if rerr != nil {
				sqlTx.Rollback()
				fail(fmt.Errorf("transcript: rollback to savepoint: %w", rerr))
				return
			}
			continue
		}
		if _, err := t.ExecContext(ctx, "RELEASE req"); err != nil {
			sqlTx.Rollback()
			fail(fmt.Errorf("transcript: release savepoint: %w", err))
			return
		}
		events = append(events, t.events...)
	}
	if s.dl.pg && len(events) > 0 {
		if err := s.feedNotify(ctx, sqlTx, events); err != nil {
			sqlTx.Rollback()
			fail(fmt.Errorf("transcript: notify: %w", err))
			return
		}
	}
	if err := sqlTx.Commit(); err != nil {
		fail(fmt.Errorf("transcript: commit: %w", err))
		return
	}
	s.publishHeads(t.heads, transcript.EventTime(t.now))
	s.notify(events)
	for i, r := range batch {
		r.resp <- results[i]
	}
	s.prepareWanted()
}

// begin starts the writer's transaction; on PostgreSQL it first takes the write lock: writers
// on other store instances (replicas) share the database, and the chain heads and revisions a
// request reads must be the ones its transaction commits on.
func (s *Store) begin(ctx context.Context) (*sql.Tx, error) {
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("transcript: begin: %w", err)
	}
	if s.dl.pg {
		if _, err := sqlTx.ExecContext(ctx, pgWriteLock); err != nil {
			sqlTx.Rollback()
			return nil, fmt.Errorf("transcript: write lock: %w", err)
		}
	}
	return sqlTx, nil
}

// stmt returns the transaction's form of a statement prepared on the writer connection
// (preparing is a third of the CPU time of an edit otherwise). A statement seen for the first
// time runs unprepared and is prepared after the commit, when the connection is free.
func (t *tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if t.s.dl.pg {
		return nil // pgx keeps its own statement cache per connection
	}
	st, ok := t.s.stmts[q]
	if !ok {
		t.s.stmts[q] = nil // prepare after the commit
		return nil
	}
	if st == nil {
		return nil
	}
	return t.StmtContext(ctx, st)
}

// prepareWanted prepares the statements first seen in the last transaction.
func (s *Store) prepareWanted() {
	for q, st := range s.stmts {
		if st != nil {
			continue
		}
		p, err := s.wdb.PrepareContext(context.Background(), q)
		if err != nil {
			delete(s.stmts, q)
			continue
		}
		s.stmts[q] = p
	}
}

// ExecContext runs a statement in the transaction.
func (t *tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, t.s.dl.q(q), t.s.dl.args(args)...)
}

// QueryContext runs a query in the transaction.
func (t *tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, t.s.dl.q(q), t.s.dl.args(args)...)
}

// QueryRowContext runs a one-row query in the transaction.
func (t *tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, t.s.dl.q(q), t.s.dl.args(args)...)
}

// insertID runs an INSERT into a table with an id column and returns the new row's id.
func (t *tx) insertID(ctx context.Context, q string, args ...any) (int64, error) {
	if t.s.dl.pg {
		var id int64
		err := t.QueryRowContext(ctx, q+` RETURNING id`, args...).Scan(&id)
		return id, err
	}
	res, err := t.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// runRequest runs one request; a bug that panics fails that request, not the writer.
func runRequest(fn func(*tx) error, t *tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("transcript: internal error: %v", p)
		}
	}()
	return fn(t)
}

// appendEvent adds an event to the hearing's chain (hearing "" is the users chain).
func (t *tx) appendEvent(ctx context.Context, e transcript.Event) (transcript.Event, error) {
	h, ok := t.heads[e.HearingID]
	if !ok {
		err := t.QueryRowContext(ctx, `SELECT seq, hash FROM events WHERE hearing_id=? ORDER BY seq DESC LIMIT 1`, e.HearingID).Scan(&h.seq, &h.hash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return e, err
		}
	}
	e.Seq = h.seq + 1
	e.PrevHash = h.hash
	e.At = t.now
	e.Hash = transcript.EventHash(&e)
	id, err := t.insertID(ctx, `INSERT INTO events(hearing_id, seq, kind, segment_id, note_id, actor, at, reason, before, after, prev_hash, hash)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?)`, e.HearingID, e.Seq, string(e.Kind), e.SegmentID, e.NoteID, e.Actor,
		transcript.EventTime(e.At), e.Reason, nullBytes(e.Before), nullBytes(e.After), e.PrevHash, e.Hash)
	if err != nil {
		return e, err
	}
	e.ID = id
	t.heads[e.HearingID] = head{seq: e.Seq, hash: e.Hash}
	t.events = append(t.events, e)
	return e, nil
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func mustJSON(v any) []byte {
	if v == nil {
		return nil
	}
	b, err := transcript.CanonicalJSON(v)
	if err != nil {
		// Only our own plain structs are encoded here; they always encode.
		return []byte(`"unencodable"`)
	}
	return b
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return transcript.EventTime(t)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
