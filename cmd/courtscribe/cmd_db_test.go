package main

import "context"
import "errors"
import "fmt"
import "path/filepath"
import "strings"
import "sync"
import "testing"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/cmd/courtscribe/server"
import "github.com/courtscribe/courtscribe/internal/pgtest"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

// Issue 15 items 1, 2 and 4 on the command line: a court's SQLite record moved to PostgreSQL
// with `db migrate` audits and verifies offline on the copy through --db; users and transcript
// commands work on it; two stores on the database (two replicas) edit one hearing at once and
// `transcript audit` still finds one intact chain.
func TestDBMigrateToPostgresAndAudit(t *testing.T) {
	if testing.Short() {
		t.Skip("PostgreSQL test skipped in -short mode")
	}
	c := pgtest.Start(t)
	url := c.CreateDB(t, "court")
	ctx := context.Background()
	data := t.TempDir()
	if out, err := runCLI(t, "judge-password\n", "users", "add", "--data", data, "--name", "zhangsan", "--role", "judge", "--password-stdin"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	rec := signedRecord(ctx, t, data)
	pubFile, s, h := rec.pubFile, rec.store, rec.hearing
	var steps []error
	step := func(_ any, err error) { steps = append(steps, err) }
	h.ID = "h2"
	step(s.CreateHearing(ctx, "root", h))
	step(s.Start(ctx, "zhaoliu", "h2"))
	s.Close()
	if err := errors.Join(steps...); err != nil {
		t.Fatal(err)
	}

	if out, err := runCLI(t, "", "transcript", "audit", "--db", url, "--data", data, "--all"); err == nil || !strings.Contains(err.Error(), "no hearing record") {
		t.Fatalf("audit of an empty database: %v\n%s", err, out)
	}
	out, err := runCLI(t, "", "db", "migrate", "--from", "sqlite:"+data, "--to", url, "--data", data)
	if err != nil || !strings.Contains(out, "3 chains copied") || !strings.Contains(out, "every one audits") {
		t.Fatalf("db migrate: %v\n%s", err, out)
	}
	if out, err := runCLI(t, "", "db", "migrate", "--from", data, "--to", url); err == nil {
		t.Fatalf("a second migrate into the same database passed:\n%s", out)
	}
	if out, err := runCLI(t, "", "transcript", "audit", "--db", url, "--data", data, "--all"); err != nil || strings.Count(out, "audit: OK") != 3 {
		t.Fatalf("audit of the copy: %v\n%s", err, out)
	}
	recFile := filepath.Join(t.TempDir(), "h1.json")
	if out, err := runCLI(t, "", "transcript", "export", "--db", url, "--data", data, "--hearing", "h1", "--format", "json", "--out", recFile); err != nil {
		t.Fatalf("export from the copy: %v\n%s", err, out)
	}
	out, err = runCLI(t, "", "transcript", "verify", recFile, "--pubkey", pubFile, "--audio", archive.HearingDir(data, "h1"))
	if err != nil || !strings.Contains(out, "verify: OK") || !strings.Contains(out, "1 files match") {
		t.Fatalf("offline verify of the copy's export: %v\n%s", err, out)
	}
	if out, err := runCLI(t, "", "users", "list", "--db", url, "--data", data); err != nil || !strings.Contains(out, "zhangsan") {
		t.Fatalf("users list on the copy: %v\n%s", err, out)
	}
	if out, err := runCLI(t, "other-password\n", "users", "add", "--db", url, "--data", data, "--name", "qianqi", "--role", "clerk", "--password-stdin"); err != nil {
		t.Fatalf("users add on PostgreSQL: %v\n%s", err, out)
	}

	// Two replicas: two stores on the database, each with its own data directory, edit one
	// hearing at once; the chain stays one chain.
	var reps []*sqlite.Store
	for range 2 {
		r, err := server.OpenStore(ctx, url, t.TempDir(), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		reps = append(reps, r)
	}
	seg, err := reps[0].AppendSegment(ctx, "diarizer", "h2", transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 900})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			r := reps[i%2]
			for k := range 10 {
				if k%3 == 0 {
					if _, err := r.AppendSegment(ctx, "diarizer", "h2", transcript.NewSegment{Seat: "judge", StartMS: int64(1000 + 100*k), EndMS: int64(1050 + 100*k)}); err != nil {
						errs <- err
						return
					}
					continue
				}
				cur, err := r.GetSegment(ctx, seg.ID)
				if err != nil {
					errs <- err
					return
				}
				if _, err := r.EditText(ctx, "zhaoliu", seg.ID, cur.Revision, fmt.Sprintf("replica %d writer %d edit %d", i%2, i, k)); err != nil && !errors.Is(err, transcript.ErrConflict) {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if out, err := runCLI(t, "", "transcript", "audit", "--db", url, "--data", data, "--hearing", "h2"); err != nil || !strings.Contains(out, "audit: OK") {
		t.Fatalf("audit after two replicas wrote: %v\n%s", err, out)
	}
	if _, err := runCLI(t, "", "transcript", "audit", "--db", "mysql://x", "--hearing", "h2"); err == nil || !strings.Contains(err.Error(), "--db") {
		t.Fatalf("an unknown --db: %v", err)
	}
}
