package sqlite

import "context"
import "database/sql"
import "fmt"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/auth"

func TestSessionsRoundTripAndReopen(t *testing.T) { testSessionsRoundTripAndReopen(t, sqliteDB) }

func testSessionsRoundTripAndReopen(t *testing.T, newDB backend) {
	ctx := context.Background()
	d := newDB(t)
	s, err := d.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC)
	var want []auth.StoredSession
	for i := 0; i < 3; i++ {
		ss := auth.StoredSession{TokenHash: auth.TokenHash(fmt.Sprint("token-", i)), CSRF: fmt.Sprint("csrf-", i),
			UserID: []string{"zhaoliu", "zhaoliu", "zhangsan"}[i], Name: "赵六", Role: "clerk", Created: at, Seen: at}
		if err := s.SaveSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
		want = append(want, ss)
	}
	// Saving again updates the last use only.
	later := want[0]
	later.Seen, later.CSRF = at.Add(time.Minute), "changed"
	if err := s.SaveSession(ctx, later); err != nil {
		t.Fatal(err)
	}
	want[0].Seen = later.Seen
	if err := s.SaveSession(ctx, auth.StoredSession{TokenHash: "raw-token-not-a-hash"}); err == nil {
		t.Fatal("a session keyed by something that is not a SHA-256 was stored")
	}
	s.Close()

	s, err = d.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.LoadSessions(ctx)
	if err != nil || len(got) != 3 {
		t.Fatalf("after reopening: %d sessions, %v", len(got), err)
	}
	byHash := map[string]auth.StoredSession{}
	for _, g := range got {
		byHash[g.TokenHash] = g
	}
	for _, w := range want {
		g := byHash[w.TokenHash]
		if g.CSRF != w.CSRF || g.UserID != w.UserID || g.Name != w.Name || !g.Created.Equal(w.Created) || !g.Seen.Equal(w.Seen) {
			t.Fatalf("session %s: got %+v, want %+v", w.TokenHash[:8], g, w)
		}
	}
	if err := s.DeleteSessions(ctx, []string{want[1].TokenHash}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUserSessions(ctx, "zhangsan"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LoadSessions(ctx); len(got) != 1 || got[0].TokenHash != want[0].TokenHash {
		t.Fatalf("after deletes: %+v", got)
	}
}

// A database made before sessions were kept (schema version 1) is upgraded in place, its
// record untouched.
func TestMigrationFromVersion1AddsSessions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	all := migrations
	migrations = all[:1]
	s, err := OpenData(ctx, dir, testOptions(dir))
	if err != nil {
		migrations = all
		t.Fatal(err)
	}
	_, err = s.CreateHearing(ctx, "admin", zhHearing("h1"))
	s.Close()
	migrations = all
	if err != nil {
		t.Fatal(err)
	}
	s, err = OpenData(ctx, dir, testOptions(dir))
	if err != nil {
		t.Fatalf("upgrading a version 1 database: %v", err)
	}
	defer s.Close()
	if h, err := s.GetHearing(ctx, "h1"); err != nil || h.CaseNumber != zhHearing("h1").CaseNumber {
		t.Fatalf("record after the upgrade: %+v %v", h, err)
	}
	if err := s.SaveSession(ctx, auth.StoredSession{TokenHash: strings.Repeat("a", 64), UserID: "u", Role: string(transcript.RoleClerk)}); err != nil {
		t.Fatalf("sessions after the upgrade: %v", err)
	}
	db, _ := sql.Open("sqlite", "file:"+dir+"/courtscribe.db?mode=ro")
	defer db.Close()
	var v int
	db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	if want := migrations[len(migrations)-1].version; v != want {
		t.Fatalf("schema version %d after the upgrade, want %d", v, want)
	}
}
