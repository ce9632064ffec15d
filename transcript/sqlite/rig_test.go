package sqlite

import "context"
import "io"
import "log/slog"
import "path/filepath"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/internal/testrig"
import "github.com/courtscribe/courtscribe/transcript"

// newClock is a test clock that advances one millisecond per reading.
func newClock() *testrig.TickClock {
	return testrig.NewTickClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), time.Millisecond)
}

func testOptions(dataDir string) Options {
	return Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Clock: newClock().Now, DataDir: dataDir, Argon2: &transcript.TestArgon2}
}

// openTest opens a store on a real SQLite file in a temporary directory.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := OpenData(context.Background(), dir, testOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, filepath.Join(dir, "courtscribe.db")
}

// zhHearing is a Chinese civil hearing with three seats.
func zhHearing(id string) transcript.Hearing {
	return transcript.Hearing{
		ID: id, CaseNumber: "（2026）京0105民初1234号", Cause: "买卖合同纠纷", Court: "北京市朝阳区人民法院",
		Courtroom: "第三法庭", Title: "张某诉李某买卖合同纠纷案", Language: "zh",
		ScheduledAt: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC),
		Presiding:   "zhangsan", Judges: []string{"wangwu"}, Clerk: "zhaoliu",
		Parties: []string{"原告张某及其委托诉讼代理人李四到庭", "被告李某到庭"},
		Seats: []transcript.Seat{
			{Seat: "judge", Role: "审判长", Person: "张三"},
			{Seat: "plaintiff", Role: "原告代理人", Person: "李四"},
			{Seat: "defendant", Role: "被告", Person: "李某"},
		},
		Vocabulary: []string{"买卖合同", "违约金"},
	}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// testDB is a database tests open stores on: an SQLite file in dir, or the PostgreSQL
// database at url with dir as the data directory (audio, head logs).
type testDB struct {
	dir, url string
}

// backend makes a fresh, empty database for a test.
type backend func(t testing.TB) testDB

// sqliteDB is the SQLite backend: a file in a temporary directory.
func sqliteDB(t testing.TB) testDB { return testDB{dir: t.TempDir()} }

// path names the database for tamper: the SQLite file, or the postgres:// URL.
func (d testDB) path() string {
	if d.url != "" {
		return d.url
	}
	return filepath.Join(d.dir, "courtscribe.db")
}

// openStore opens a store on the database; the caller closes it.
func (d testDB) openStore(ctx context.Context) (*Store, error) {
	if d.url != "" {
		return OpenPostgres(ctx, d.url, testOptions(d.dir))
	}
	return OpenData(ctx, d.dir, testOptions(d.dir))
}

// open opens a store closed when the test ends.
func (d testDB) open(t testing.TB) *Store {
	t.Helper()
	s, err := d.openStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openOn opens a store on a fresh database of the backend, like openTest.
func openOn(t testing.TB, newDB backend) (*Store, string) {
	t.Helper()
	d := newDB(t)
	return d.open(t), d.path()
}

// createH1 makes a store in dir holding hearing h1 and closes it again.
func createH1(t *testing.T, dir string) {
	t.Helper()
	s, err := OpenData(context.Background(), dir, testOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	must[*transcript.Hearing](t)(s.CreateHearing(context.Background(), "admin", zhHearing("h1")))
	s.Close()
}

// tamperFound changes the database file behind the store's back and checks the audit of
// hearing id names the change first (want is in its first problem).
func tamperFound(t *testing.T, s *Store, path, id, stmt, want string) {
	t.Helper()
	tamper(t, path, stmt)
	rep := must[*transcript.AuditReport](t)(s.AuditHearing(context.Background(), id))
	if rep.OK() || !strings.Contains(rep.Problems[0].String(), want) {
		t.Fatalf("%q not found after %s: %+v", want, stmt, rep.Problems)
	}
}

// eachEditor runs work at once for every editor of every store (replica r, editor e) and fails
// the test with the errors the editors returned.
func eachEditor(t *testing.T, stores []*Store, editors int, work func(r, e int, s *Store) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(stores)*editors)
	for r, s := range stores {
		for e := range editors {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := work(r, e, s); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
