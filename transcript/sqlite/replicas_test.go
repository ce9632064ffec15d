package sqlite

import "context"
import "net/http"
import "net/http/httptest"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript/auth"

// testPostgresSharedSessions: two stores on one database, each with its own session manager
// and login guard, as two replicas have. A session created through one is valid on the other
// (looked up at its first request there); a sign-out on one ends it on the other at the next
// Sync (the server syncs every second); sign-in failures through one count on the other, and a
// desk known to one is known to the other.
func testPostgresSharedSessions(t *testing.T, newDB backend) {
	ctx := context.Background()
	d := newDB(t)
	a := d.open(t)
	b := testDB{dir: t.TempDir(), url: d.url}.open(t)
	now := time.Now
	ma, mb := auth.NewManager(auth.Config{}, now), auth.NewManager(auth.Config{}, now)
	for _, x := range []struct {
		m *auth.Manager
		s *Store
	}{{ma, a}, {mb, b}} {
		if _, err := x.m.Restore(ctx, x.s, nil); err != nil {
			t.Fatal(err)
		}
	}
	w := httptest.NewRecorder()
	if _, err := ma.Create(w, httptest.NewRequest("POST", "/api/login", nil), "zhaoliu", "赵六", "clerk"); err != nil {
		t.Fatal(err)
	}
	cookie := w.Result().Cookies()[0]
	req := func() *http.Request {
		r := httptest.NewRequest("GET", "/api/session", nil)
		r.AddCookie(cookie)
		return r
	}
	if s, err := mb.Get(req()); err != nil || s.UserID != "zhaoliu" {
		t.Fatalf("a session created on replica A, on replica B: %+v %v", s, err)
	}
	ma.Destroy(httptest.NewRecorder(), req())
	if err := mb.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.Get(req()); err == nil {
		t.Fatal("a session signed out on replica A is still valid on replica B")
	}
	if _, err := ma.Get(req()); err == nil {
		t.Fatal("a session signed out on replica A is valid again there")
	}

	cfg := auth.Config{LoginBurst: 3, LoginEvery: time.Hour}
	ga, gb := auth.NewLoginGuard(cfg, now), auth.NewLoginGuard(cfg, now)
	ga.Share(a.LoginBuckets(), nil)
	gb.Share(b.LoginBuckets(), nil)
	for i := range 3 {
		g := []*auth.LoginGuard{ga, gb}[i%2]
		if ok, _ := g.Allow("10.0.0.9", "zhaoliu"); !ok {
			t.Fatalf("attempt %d refused", i)
		}
		g.Failed("10.0.0.9", "zhaoliu")
	}
	for _, g := range []*auth.LoginGuard{ga, gb} {
		if ok, wait := g.Allow("10.0.0.9", "zhaoliu"); ok || wait <= 0 {
			t.Fatalf("after 3 failures spread over two replicas, a 4th attempt is allowed (wait %v)", wait)
		}
	}
	if ok, _ := gb.Allow("10.0.0.10", "zhaoliu"); !ok {
		t.Fatal("another desk is refused after one desk's failures")
	}
	// The user's own bucket (18 failures from anywhere) is spent through replica A; a desk that
	// signed in through replica B is still let in by A.
	gb.Succeeded("10.0.0.20", "zhaoliu")
	for i := range 18 {
		ga.Failed("10.1.0."+string(rune('a'+i)), "zhaoliu")
	}
	if ok, _ := ga.Allow("10.0.0.11", "zhaoliu"); ok {
		t.Fatal("the user's failures from many desks do not count on replica A")
	}
	if ok, _ := ga.Allow("10.0.0.20", "zhaoliu"); !ok {
		t.Fatal("a desk known through replica B is refused by replica A")
	}
}

// testIngestLease: a hearing's lease goes to the first replica, is renewed by it, refused to
// another while it runs, taken by the other once expired, and released only by its holder.
func testIngestLease(t *testing.T, newDB backend) {
	ctx := context.Background()
	d := newDB(t)
	a := d.open(t)
	b := testDB{dir: t.TempDir(), url: d.url}.open(t)
	l := must[Lease](t)(a.TakeLease(ctx, "h1", "replica-a", 300*time.Millisecond))
	if l.Owner != "replica-a" {
		t.Fatalf("first take: %+v", l)
	}
	if l := must[Lease](t)(b.TakeLease(ctx, "h1", "replica-b", time.Second)); l.Owner != "replica-a" {
		t.Fatalf("a running lease was taken: %+v", l)
	}
	if l := must[Lease](t)(a.TakeLease(ctx, "h1", "replica-a", 300*time.Millisecond)); l.Owner != "replica-a" {
		t.Fatalf("renewal: %+v", l)
	}
	time.Sleep(400 * time.Millisecond)
	if l := must[Lease](t)(b.TakeLease(ctx, "h1", "replica-b", time.Second)); l.Owner != "replica-b" {
		t.Fatalf("an expired lease was not taken over: %+v", l)
	}
	if err := a.ReleaseLease(ctx, "h1", "replica-a"); err != nil {
		t.Fatal(err)
	}
	if l := must[Lease](t)(a.TakeLease(ctx, "h1", "replica-a", time.Second)); l.Owner != "replica-b" {
		t.Fatalf("a release by the old owner freed the new owner's lease: %+v", l)
	}
	if err := b.ReleaseLease(ctx, "h1", "replica-b"); err != nil {
		t.Fatal(err)
	}
	if l := must[Lease](t)(a.TakeLease(ctx, "h1", "replica-a", time.Second)); l.Owner != "replica-a" {
		t.Fatalf("a released lease was not free: %+v", l)
	}
}
