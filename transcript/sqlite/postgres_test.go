package sqlite

import "context"
import "database/sql"
import "errors"
import "fmt"
import "strings"
import "sync/atomic"
import "testing"

import "github.com/courtscribe/courtscribe/internal/pgtest"
import "github.com/courtscribe/courtscribe/transcript"

// TestPostgres runs the conformance suite on PostgreSQL: one private cluster (skipped with
// a message where PostgreSQL is not installed), a fresh database per test.
func TestPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("PostgreSQL suite skipped in -short mode")
	}
	c := pgtest.Start(t)
	var n atomic.Int64
	newDB := func(t testing.TB) testDB {
		name := fmt.Sprintf("cs_%d", n.Add(1))
		return testDB{dir: t.TempDir(), url: c.CreateDB(t, name)}
	}
	for _, ct := range conformance {
		t.Run(ct.name, func(t *testing.T) { ct.fn(t, newDB) })
	}
	t.Run("Migrations", func(t *testing.T) { testPostgresMigrations(t, newDB) })
	t.Run("HeadLog", func(t *testing.T) { testPostgresHeadLog(t, newDB) })
	t.Run("ConnectionLoss", func(t *testing.T) { testPostgresConnectionLoss(t, newDB) })
	t.Run("CopyRecord", func(t *testing.T) { testCopyRecord(t, newDB) })
	t.Run("TwoWritersOneChain", func(t *testing.T) { testTwoWritersOneChain(t, newDB) })
	t.Run("FanOut", func(t *testing.T) { testPostgresFanOut(t, newDB) })
	t.Run("SharedSessions", func(t *testing.T) { testPostgresSharedSessions(t, newDB) })
	t.Run("IngestLease", func(t *testing.T) { testIngestLease(t, newDB) })
	t.Run("FanOutLatency", func(t *testing.T) { testPostgresFanOutLatency(t, newDB) })
}

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT a FROM t WHERE x=? AND y=?`:            `SELECT a FROM t WHERE x=$1 AND y=$2`,
		`SELECT '?' , "a?b" FROM t WHERE x=?`:          `SELECT '?' , "a?b" FROM t WHERE x=$1`,
		"SELECT 1 -- what?\nFROM t WHERE x IN (?,?,?)": "SELECT 1 -- what?\nFROM t WHERE x IN ($1,$2,$3)",
		`no placeholders`:                              `no placeholders`,
	} {
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

// testPostgresMigrations: opening again applies nothing twice, two stores opening one new
// database together both succeed, and a database from a newer program is refused.
func testPostgresMigrations(t *testing.T, newDB backend) {
	ctx := context.Background()
	d := newDB(t)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			s, err := d.openStore(ctx)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("opening together: %v", err)
		}
	}
	s := d.open(t)
	s.Close()
	db, err := sql.Open("pgx", d.url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var count, max int
	if err := db.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&count, &max); err != nil {
		t.Fatal(err)
	}
	if latest := migrations[len(migrations)-1].version; count != len(migrations) || max != latest {
		t.Fatalf("schema_migrations: %d rows up to %d, want %d up to %d", count, max, len(migrations), latest)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations(version,name,applied_at) VALUES(999,'from the future','')`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.openStore(ctx); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("a newer schema was not refused: %v", err)
	}
}

// testTwoWritersOneChain hammers one hearing from two stores on one database (two pools,
// standing in for two replicas), then checks what `transcript audit` checks: the chain is one
// linear chain, the rows equal the history; and no acknowledged edit was lost (each segment's
// revision counts every edit that succeeded on either store), and event ids follow the chain.
func testTwoWritersOneChain(t *testing.T, newDB backend) {
	ctx := context.Background()
	d := newDB(t)
	a := d.open(t)
	b := testDB{dir: t.TempDir(), url: d.url}.open(t) // the second replica has its own disk
	must[*transcript.Hearing](t)(a.CreateHearing(ctx, "admin", zhHearing("h1")))
	must[*transcript.Hearing](t)(b.Start(ctx, "zhaoliu", "h1"))
	const nseg, editors, each = 6, 4, 20
	var segs []int64
	for i := range nseg {
		s := []*Store{a, b}[i%2]
		g := must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: int64(i) * 1000, EndMS: int64(i)*1000 + 900}))
		segs = append(segs, g.ID)
	}
	var edits [nseg]atomic.Int64
	var notes, conflicts atomic.Int64
	eachEditor(t, []*Store{a, b}, editors, func(r, e int, s *Store) error {
		for k := range each {
			if k%5 == 4 {
				if _, err := s.AddNote(ctx, "zhaoliu", "h1", transcript.Note{Kind: transcript.NoteAnnotation, AtMS: int64(k), Text: fmt.Sprintf("replica %d editor %d note %d", r, e, k)}); err != nil {
					return err
				}
				notes.Add(1)
				continue
			}
			i := (r*7 + e*3 + k) % nseg
			g, err := s.GetSegment(ctx, segs[i])
			if err != nil {
				return err
			}
			base := g.Revision
			for {
				_, err := s.EditText(ctx, "zhaoliu", segs[i], base, fmt.Sprintf("replica %d editor %d edit %d", r, e, k))
				var ce *transcript.ConflictError
				if errors.As(err, &ce) {
					conflicts.Add(1)
					base = ce.Current.Revision
					continue
				}
				if err != nil {
					return err
				}
				edits[i].Add(1)
				break
			}
		}
		return nil
	})
	var total int64
	for i, id := range segs {
		g := must[*transcript.Segment](t)(a.GetSegment(ctx, id))
		if want := 1 + edits[i].Load(); g.Revision != want {
			t.Errorf("segment %d at revision %d, but %d edits were acknowledged on top of revision 1: an edit was lost", id, g.Revision, want-1)
		}
		total += edits[i].Load()
	}
	for _, s := range []*Store{a, b} {
		rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h1"))
		if want := 2 + nseg + int(total) + int(notes.Load()); !rep.OK() || rep.Events != want {
			t.Fatalf("audit: %d events (want %d), problems %+v", rep.Events, want, rep.Problems)
		}
	}
	evs := must[[]transcript.Event](t)(b.EventsSince(ctx, "h1", 0, 10000))
	for i, e := range evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("event id order and chain order differ at id %d: seq %d, want %d", e.ID, e.Seq, i+1)
		}
	}
	t.Logf("%d edits and %d notes from two stores, %d conflicts retried; one chain of %d events", total, notes.Load(), conflicts.Load(), len(evs))
}

// testPostgresHeadLog: the head log of a PostgreSQL store catches a deleted tail, and is kept
// per database, so two databases used with one data directory never cross-check their chains.
func testPostgresHeadLog(t *testing.T, newDB backend) {
	ctx := context.Background()
	d := newDB(t)
	other := newDB(t)
	other.dir = d.dir
	for _, db := range []testDB{d, other} {
		s := db.open(t)
		must[*transcript.User](t)(s.CreateUser(ctx, "admin", "zhangsan", transcript.RoleJudge, "judge-password"))
		must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h1")))
		must[*transcript.Hearing](t)(s.Start(ctx, "zhaoliu", "h1"))
	}
	s := d.open(t)
	for _, id := range []string{"", "h1"} {
		if rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, id)); !rep.OK() {
			t.Fatalf("chain %q of one of two databases on one data directory: %v", id, rep.Problems)
		}
	}
	tamper(t, d.path(), `DELETE FROM events WHERE hearing_id='h1' AND seq=2`)
	if rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h1")); rep.OK() || !hasProblem(rep, "head log") {
		t.Fatalf("deleted tail on PostgreSQL not caught by the head log: %+v", rep.Problems)
	}
}

// testPostgresConnectionLoss: when the database drops the store's connections (a restart, a
// failover), the next write goes through on a fresh connection (the writer retries a batch once
// when the connection was lost before any request ran), a read fails at most with
// ErrStorageUnavailable (the API's 503), and the record audits clean.
func testPostgresConnectionLoss(t *testing.T, newDB backend) {
	ctx := context.Background()
	d := newDB(t)
	s := d.open(t)
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h1")))
	must[*transcript.Hearing](t)(s.Start(ctx, "zhaoliu", "h1"))
	g := must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 900}))
	admin, err := sql.Open("pgx", d.url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var killed int
	if err := admin.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname=current_database() AND pid<>pg_backend_pid()`).Scan(&killed); err != nil || killed == 0 {
		t.Fatalf("terminating the store's connections: %d %v", killed, err)
	}
	if _, err := s.EditText(ctx, "zhaoliu", g.ID, g.Revision, "现在开庭。"); err != nil {
		t.Fatalf("the write after a dropped connection: %v", err)
	}
	if _, err := s.GetSegment(ctx, g.ID); err != nil && !errors.Is(err, transcript.ErrStorageUnavailable) {
		t.Fatalf("a read after the connection was lost: %v", err)
	}
	if rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h1")); !rep.OK() || rep.Events != 4 {
		t.Fatalf("audit: %d events %v", rep.Events, rep.Problems)
	}
}
