// Package auth keeps the web sessions of clerks, judges, viewers and technicians: opaque
// session tokens in Secure (over TLS), HttpOnly, SameSite=Strict cookies, a per-session CSRF
// token required on every unsafe request (the "synchronizer token" pattern of the OWASP CSRF
// Prevention Cheat Sheet, sent in the X-CSRF-Token header), an Origin check for websocket
// upgrades (RFC 6455 section 10.2) and a login rate limiter.
//
// Sessions live in memory: a server restart logs everyone out, which is acceptable for a
// courtroom (the clerk logs in again; nothing of the record lives in a session).
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// CookieName is the session cookie's name.
const CookieName = "courtscribe_session"

// CSRFHeader carries the session's CSRF token on unsafe requests.
const CSRFHeader = "X-CSRF-Token"

// Config tunes sessions and the login limiter.
type Config struct {
	// IdleTimeout ends a session not used for this long.
	IdleTimeout time.Duration
	// MaxAge ends a session this long after login whatever its use.
	MaxAge time.Duration
	// LoginBurst failed-or-not login attempts are allowed at once per client address and per
	// user name; afterwards one attempt per LoginEvery.
	LoginBurst int
	LoginEvery time.Duration
}

// DefaultConfig is what the server uses unless told otherwise.
func DefaultConfig() Config {
	return Config{IdleTimeout: 8 * time.Hour, MaxAge: 14 * time.Hour, LoginBurst: 5, LoginEvery: 12 * time.Second}
}

// Session is one logged-in user.
type Session struct {
	Token   string // the cookie value; never logged
	CSRF    string // sent to the page, required back on unsafe requests
	UserID  string
	Name    string
	Role    string
	Created time.Time
	Seen    time.Time
}

// ErrNoSession means the request carries no valid session.
var ErrNoSession = errors.New("no valid session")

// Manager holds the sessions. It is safe for concurrent use.
type Manager struct {
	cfg   Config
	now   func() time.Time
	mu    sync.Mutex
	byTok map[string]*Session
}

// NewManager returns an empty session manager; now is the clock (time.Now in production).
func NewManager(cfg Config, now func() time.Time) *Manager {
	if now == nil {
		now = time.Now
	}
	def := DefaultConfig()
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = def.IdleTimeout
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = def.MaxAge
	}
	if cfg.LoginBurst <= 0 {
		cfg.LoginBurst = def.LoginBurst
	}
	if cfg.LoginEvery <= 0 {
		cfg.LoginEvery = def.LoginEvery
	}
	return &Manager{cfg: cfg, now: now, byTok: map[string]*Session{}}
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Create starts a session for an authenticated user and sets its cookie on w.
func (m *Manager) Create(w http.ResponseWriter, r *http.Request, userID, name, role string) (*Session, error) {
	tok, err := randomToken()
	if err != nil {
		return nil, err
	}
	csrf, err := randomToken()
	if err != nil {
		return nil, err
	}
	now := m.now()
	s := &Session{Token: tok, CSRF: csrf, UserID: userID, Name: name, Role: role, Created: now, Seen: now}
	m.mu.Lock()
	m.sweepLocked(now)
	m.byTok[tok] = s
	m.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: tok, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: int(m.cfg.MaxAge / time.Second),
	})
	return s, nil
}

func (m *Manager) sweepLocked(now time.Time) {
	for k, s := range m.byTok {
		if m.expired(s, now) {
			delete(m.byTok, k)
		}
	}
}

func (m *Manager) expired(s *Session, now time.Time) bool {
	return now.Sub(s.Seen) > m.cfg.IdleTimeout || now.Sub(s.Created) > m.cfg.MaxAge
}

// Get returns the request's live session (a copy) and refreshes its idle timer.
func (m *Manager) Get(r *http.Request) (Session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return Session{}, ErrNoSession
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.byTok[c.Value]
	if !ok {
		return Session{}, ErrNoSession
	}
	if m.expired(s, now) {
		delete(m.byTok, c.Value)
		return Session{}, ErrNoSession
	}
	s.Seen = now
	return *s, nil
}

// Destroy ends the request's session (if any) and clears the cookie.
func (m *Manager) Destroy(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(CookieName); err == nil {
		m.mu.Lock()
		delete(m.byTok, c.Value)
		m.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// DestroyUser ends every session of a user (e.g. after a role change).
func (m *Manager) DestroyUser(userID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, s := range m.byTok {
		if s.UserID == userID {
			delete(m.byTok, k)
		}
	}
}

// Safe reports whether the method is safe (RFC 9110 section 9.2.1) and needs no CSRF token.
func Safe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// CheckCSRF verifies the request's CSRF header against the session's token.
func CheckCSRF(r *http.Request, s Session) bool {
	got := r.Header.Get(CSRFHeader)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) == 1
}

// SameOrigin reports whether the request's Origin header (required for websockets and unsafe
// requests from browsers) names the host the request was sent to, or one of allowed
// ("https://court.example"). A request without Origin is accepted only when allowMissing.
func SameOrigin(r *http.Request, allowed []string, allowMissing bool) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return allowMissing
	}
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimRight(a, "/"), o) {
			return true
		}
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}
