package auth

import "context"
import "errors"
import "net/http"
import "net/http/httptest"
import "strings"
import "sync"
import "testing"
import "time"

// memPersister is a Persister in a map: this package's tests need no database (the SQLite
// store's own tests and the API's restart test use the real one).
type memPersister struct {
	mu    sync.Mutex
	rows  map[string]StoredSession
	saves int
	fail  error
}

func (p *memPersister) SaveSession(_ context.Context, s StoredSession) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.saves++
	p.rows[s.TokenHash] = s
	return nil
}

func (p *memPersister) DeleteSessions(_ context.Context, hashes []string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range hashes {
		delete(p.rows, h)
	}
	return nil
}

func (p *memPersister) DeleteUserSessions(_ context.Context, user string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for h, s := range p.rows {
		if s.UserID == user {
			delete(p.rows, h)
		}
	}
	return nil
}

func (p *memPersister) LoadSessions(context.Context) ([]StoredSession, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []StoredSession
	for _, s := range p.rows {
		out = append(out, s)
	}
	return out, nil
}

func login(t *testing.T, m *Manager, user string) (*http.Cookie, *Session) {
	t.Helper()
	w := httptest.NewRecorder()
	s, err := m.Create(w, httptest.NewRequest("POST", "/api/login", nil), user, user, "clerk")
	if err != nil {
		t.Fatal(err)
	}
	return w.Result().Cookies()[0], s
}

func with(ck *http.Cookie) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(ck)
	return r
}

func TestSessionsSurviveARestart(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)}
	cfg := Config{IdleTimeout: time.Hour, MaxAge: 8 * time.Hour}
	p := &memPersister{rows: map[string]StoredSession{}}
	m := NewManager(cfg, c.now)
	if n, err := m.Restore(ctx, p, nil); err != nil || n != 0 {
		t.Fatalf("empty restore: %d %v", n, err)
	}
	clerk, s := login(t, m, "clerk1")
	idle, _ := login(t, m, "clerk2")
	out, _ := login(t, m, "clerk3")
	// The store never sees a token, only its hash.
	for h, row := range p.rows {
		if strings.Contains(h+row.CSRF+row.UserID, clerk.Value) || strings.Contains(h, idle.Value) || len(h) != 64 {
			t.Fatalf("stored row %q %+v holds a token", h, row)
		}
	}
	if len(p.rows) != 3 {
		t.Fatalf("%d sessions stored, want 3", len(p.rows))
	}
	m.Destroy(httptest.NewRecorder(), with(out)) // clerk3 signs out: gone from the store too
	if _, ok := p.rows[TokenHash(out.Value)]; ok {
		t.Fatal("a signed-out session stays in the store")
	}

	// clerk1 works on for 50 minutes; its last use is written back at most once a minute.
	saves := p.saves
	for i := 0; i < 100; i++ {
		c.t = c.t.Add(30 * time.Second)
		if _, err := m.Get(with(clerk)); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.saves - saves; n < 40 || n > 51 {
		t.Fatalf("%d writes of last use over 50 minutes of use, want about one a minute", n)
	}

	// The server restarts: a new manager on the same store.
	m2 := NewManager(cfg, c.now)
	if n, err := m2.Restore(ctx, p, nil); err != nil || n != 2 {
		t.Fatalf("restore: %d sessions, %v; want clerk1 and clerk2 (idle 50 of 60 minutes), not clerk3 (signed out)", n, err)
	}
	got, err := m2.Get(with(clerk))
	if err != nil || got.UserID != "clerk1" || got.CSRF != s.CSRF {
		t.Fatalf("clerk1 after the restart: %+v %v", got, err)
	}
	if _, err := m2.Get(with(out)); !errors.Is(err, ErrNoSession) {
		t.Fatalf("a signed-out session came back: %v", err)
	}
	// clerk2 was last used 50 minutes ago; at 61 minutes it has expired, and the store forgets it.
	c.t = c.t.Add(11 * time.Minute)
	if _, err := m2.Get(with(idle)); !errors.Is(err, ErrNoSession) {
		t.Fatalf("idle session after the restart: %v", err)
	}
	if _, ok := p.rows[TokenHash(idle.Value)]; ok {
		t.Fatal("an expired session stays in the store")
	}
	// A restart drops what expired while the server was down.
	c.t = c.t.Add(2 * time.Hour)
	m3 := NewManager(cfg, c.now)
	if n, err := m3.Restore(ctx, p, nil); err != nil || n != 0 || len(p.rows) != 0 {
		t.Fatalf("restore after two idle hours: %d sessions, %d rows, %v", n, len(p.rows), err)
	}
	// DestroyUser reaches the store.
	a, _ := login(t, m3, "clerk9")
	login(t, m3, "clerk9")
	m3.DestroyUser("clerk9")
	if _, err := m3.Get(with(a)); !errors.Is(err, ErrNoSession) || len(p.rows) != 0 {
		t.Fatalf("DestroyUser: %v, %d rows", err, len(p.rows))
	}
}

func TestLoginFailsWhenTheSessionCannotBeKept(t *testing.T) {
	p := &memPersister{rows: map[string]StoredSession{}}
	m := NewManager(Config{}, nil)
	if _, err := m.Restore(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	p.fail = errors.New("disk full")
	w := httptest.NewRecorder()
	if _, err := m.Create(w, httptest.NewRequest("POST", "/api/login", nil), "u", "u", "clerk"); err == nil {
		t.Fatal("a session the store refused was handed out")
	}
	if len(w.Result().Cookies()) != 0 {
		t.Fatal("a cookie was set for a session that was not kept")
	}
}
