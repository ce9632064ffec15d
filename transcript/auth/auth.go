// Package auth keeps the web sessions of clerks, judges, viewers and technicians: opaque
// session tokens in Secure (over TLS), HttpOnly, SameSite=Strict cookies, a per-session CSRF
// token required on every unsafe request (the "synchronizer token" pattern of the OWASP CSRF
// Prevention Cheat Sheet, sent in the X-CSRF-Token header), an Origin check for websocket
// upgrades (RFC 6455 section 10.2) and a login rate limiter.
//
// Sessions live in memory and, when the server gives the manager a Persister (the SQLite
// store is one), also on disk, so that a server restart — a crash, an upgrade during a recess —
// does not sign the clerk out mid-hearing. Only the SHA-256 of a session token is stored; the
// token itself exists only in the browser's cookie.
package auth

import "context"
import "crypto/rand"
import "crypto/sha256"
import "crypto/subtle"
import "encoding/base64"
import "encoding/hex"
import "errors"
import "log/slog"
import "net"
import "net/http"
import "net/url"
import "strings"
import "sync"
import "time"

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
	// LoginBurst failed sign-ins are allowed at once per (client address, user name); after
	// that one per LoginEvery. A client address may try 6×LoginBurst sign-ins at once, then one
	// per LoginEvery/6, whatever the names (bounds spraying one password over many users). A
	// user name takes 6×LoginBurst failures from all addresses together, then one per
	// LoginEvery/2; when that is spent only addresses that signed in as that user before may
	// try it (so guessing from elsewhere cannot lock the user out of the known desk).
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
	saved   time.Time // Seen as last written to the Persister
	gen     uint64    // Manager.gen when it was added (see Sync)
}

// ErrNoSession means the request carries no valid session.
var ErrNoSession = errors.New("no valid session")

// StoredSession is a session as a Persister keeps it: the token only as its SHA-256.
type StoredSession struct {
	TokenHash string // hex SHA-256 of the cookie value
	CSRF      string
	UserID    string
	Name      string
	Role      string
	Created   time.Time
	Seen      time.Time
}

// Persister keeps sessions across restarts of the server.
type Persister interface {
	SaveSession(ctx context.Context, s StoredSession) error // insert or replace by TokenHash
	DeleteSessions(ctx context.Context, tokenHashes []string) error
	DeleteUserSessions(ctx context.Context, userID string) error
	LoadSessions(ctx context.Context) ([]StoredSession, error)
}

// SessionToucher is a Persister that can update a kept session's last use without inserting
// it again (so a session another process deleted, after a password change, is not brought
// back by the server's next write of its last use).
type SessionToucher interface {
	TouchSession(ctx context.Context, tokenHash string, seen time.Time) error
}

// SessionLoader is a Persister that can read one kept session by its TokenHash. Replicas of a
// server share one store: a session created on one is found on another at its first request
// there (Get looks it up when it is not in memory).
type SessionLoader interface {
	LoadSession(ctx context.Context, tokenHash string) (StoredSession, bool, error)
}

// SeenEvery is how stale a persisted session's last-use time may get: a session in use is
// written back at most this often, so restored sessions expire at most this much late.
const SeenEvery = time.Minute

// Manager holds the sessions. It is safe for concurrent use.
type Manager struct {
	cfg   Config
	now   func() time.Time
	mu    sync.Mutex
	byTok map[string]*Session // by TokenHash
	store Persister
	log   *slog.Logger
	gen   uint64 // counts sessions added to byTok
}

// TokenHash is what a Persister stores in place of a session token.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// NewManager returns an empty session manager; now is the clock (time.Now in production).
func NewManager(cfg Config, now func() time.Time) *Manager {
	if now == nil {
		now = time.Now
	}
	def := DefaultConfig()
	cfg.IdleTimeout = positiveOr(cfg.IdleTimeout, def.IdleTimeout)
	cfg.MaxAge = positiveOr(cfg.MaxAge, def.MaxAge)
	cfg.LoginBurst = positiveOr(cfg.LoginBurst, def.LoginBurst)
	cfg.LoginEvery = positiveOr(cfg.LoginEvery, def.LoginEvery)
	return &Manager{cfg: cfg, now: now, byTok: map[string]*Session{}, log: slog.New(slog.DiscardHandler)}
}

// positiveOr is v when it is set (positive), else the default d.
func positiveOr[T int | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// Restore makes p the manager's Persister and loads the sessions it kept that have not
// expired (expired ones are deleted). From then on every session is saved on login and
// deleted on logout or expiry. It returns how many sessions were restored.
func (m *Manager) Restore(ctx context.Context, p Persister, log *slog.Logger) (int, error) {
	if log != nil {
		m.log = log
	}
	all, err := p.LoadSessions(ctx)
	if err != nil {
		return 0, err
	}
	now := m.now()
	var gone []string
	m.mu.Lock()
	m.store = p
	for _, st := range all {
		s := &Session{CSRF: st.CSRF, UserID: st.UserID, Name: st.Name, Role: st.Role, Created: st.Created, Seen: st.Seen, saved: st.Seen}
		if m.expired(s, now) {
			gone = append(gone, st.TokenHash)
			continue
		}
		m.byTok[st.TokenHash] = s
	}
	n := len(m.byTok)
	m.mu.Unlock()
	if len(gone) > 0 {
		if err := p.DeleteSessions(ctx, gone); err != nil {
			return n, err
		}
	}
	return n, nil
}

func stored(hash string, s *Session) StoredSession {
	return StoredSession{TokenHash: hash, CSRF: s.CSRF, UserID: s.UserID, Name: s.Name, Role: s.Role, Created: s.Created, Seen: s.Seen}
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
	s := &Session{Token: tok, CSRF: csrf, UserID: userID, Name: name, Role: role, Created: now, Seen: now, saved: now}
	hash := TokenHash(tok)
	m.mu.Lock()
	gone := m.sweepLocked(now)
	store := m.store
	m.mu.Unlock()
	if store != nil {
		// Saved before the cookie is set: a session the server cannot keep is refused now,
		// not lost at the next restart.
		if err := store.SaveSession(r.Context(), stored(hash, s)); err != nil {
			return nil, err
		}
		m.forget(r.Context(), gone)
	}
	m.mu.Lock()
	m.gen++
	s.gen = m.gen
	m.byTok[hash] = s
	m.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: tok, Path: "/", HttpOnly: true, Secure: IsSecure(r),
		SameSite: http.SameSiteStrictMode, MaxAge: int(m.cfg.MaxAge / time.Second),
	})
	return s, nil
}

// sweepLocked drops expired sessions and returns their hashes (to delete from the store).
func (m *Manager) sweepLocked(now time.Time) []string {
	var gone []string
	for k, s := range m.byTok {
		if m.expired(s, now) {
			delete(m.byTok, k)
			gone = append(gone, k)
		}
	}
	return gone
}

// forget deletes sessions from the store; a failure is logged (they expire there anyway:
// Restore drops expired sessions).
func (m *Manager) forget(ctx context.Context, hashes []string) {
	m.mu.Lock()
	store := m.store
	m.mu.Unlock()
	if store == nil || len(hashes) == 0 {
		return
	}
	if err := store.DeleteSessions(context.WithoutCancel(ctx), hashes); err != nil {
		m.log.Error("auth: deleting ended sessions from the store", "sessions", len(hashes), "err", err)
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
	hash := TokenHash(c.Value)
	m.mu.Lock()
	s, ok := m.byTok[hash]
	if !ok {
		store := m.store
		m.mu.Unlock()
		if s = m.loadShared(r.Context(), store, hash, now); s == nil {
			return Session{}, ErrNoSession
		}
		m.mu.Lock()
	}
	if m.expired(s, now) {
		delete(m.byTok, hash)
		m.mu.Unlock()
		m.forget(r.Context(), []string{hash})
		return Session{}, ErrNoSession
	}
	s.Seen = now
	out := *s
	var save *StoredSession
	if m.store != nil && now.Sub(s.saved) >= SeenEvery {
		s.saved = now
		st := stored(hash, s)
		save = &st
	}
	store := m.store
	m.mu.Unlock()
	if save != nil {
		var err error
		if t, ok := store.(SessionToucher); ok {
			err = t.TouchSession(context.WithoutCancel(r.Context()), save.TokenHash, save.Seen)
		} else {
			err = store.SaveSession(context.WithoutCancel(r.Context()), *save)
		}
		if err != nil {
			m.log.Warn("auth: saving a session's last use", "err", err)
		}
	}
	return out, nil
}

// loadShared looks a session up in the store (another replica created it) and keeps it in
// memory from then on; nil when the store has none (or cannot say) or it expired.
func (m *Manager) loadShared(ctx context.Context, store Persister, hash string, now time.Time) *Session {
	l, ok := store.(SessionLoader)
	if !ok {
		return nil
	}
	st, found, err := l.LoadSession(ctx, hash)
	if err != nil {
		m.log.Warn("auth: looking a session up in the store", "err", err)
		return nil
	}
	if !found {
		return nil
	}
	s := &Session{CSRF: st.CSRF, UserID: st.UserID, Name: st.Name, Role: st.Role, Created: st.Created, Seen: st.Seen, saved: st.Seen}
	if m.expired(s, now) {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.byTok[hash]; ok {
		return cur // loaded meanwhile by another request
	}
	m.gen++
	s.gen = m.gen
	m.byTok[hash] = s
	return s
}

// RequestHash is the TokenHash of the request's session cookie, or "" without one.
func RequestHash(r *http.Request) string {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return ""
	}
	return TokenHash(c.Value)
}

// Alive reports whether the session with the given TokenHash exists and has not expired. It
// does not count as a use (an open live feed does not keep a session alive by itself).
func (m *Manager) Alive(hash string) bool {
	now := m.now()
	m.mu.Lock()
	s, ok := m.byTok[hash]
	if ok && m.expired(s, now) {
		delete(m.byTok, hash)
		ok = false
		defer m.forget(context.Background(), []string{hash})
	}
	m.mu.Unlock()
	return ok
}

// Sync drops the sessions the Persister no longer holds: another process (courtscribe users
// passwd, disable) deleted them. A session is saved before it is added, so one added before
// the read is in what the read returns unless it was deleted. Without a Persister it does
// nothing.
func (m *Manager) Sync(ctx context.Context) error {
	m.mu.Lock()
	store, gen := m.store, m.gen
	m.mu.Unlock()
	if store == nil {
		return nil
	}
	all, err := store.LoadSessions(ctx)
	if err != nil {
		return err
	}
	kept := make(map[string]bool, len(all))
	for _, st := range all {
		kept[st.TokenHash] = true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, s := range m.byTok {
		if !kept[k] && s.gen <= gen {
			delete(m.byTok, k)
		}
	}
	return nil
}

// Destroy ends the request's session (if any) and clears the cookie.
func (m *Manager) Destroy(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		hash := TokenHash(c.Value)
		m.mu.Lock()
		_, had := m.byTok[hash]
		delete(m.byTok, hash)
		m.mu.Unlock()
		if had {
			m.forget(r.Context(), []string{hash})
		}
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true,
		Secure: IsSecure(r), SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// DestroyUser ends every session of a user (e.g. after a role change).
func (m *Manager) DestroyUser(userID string) {
	m.mu.Lock()
	for k, s := range m.byTok {
		if s.UserID == userID {
			delete(m.byTok, k)
		}
	}
	store := m.store
	m.mu.Unlock()
	if store != nil {
		if err := store.DeleteUserSessions(context.Background(), userID); err != nil {
			m.log.Error("auth: deleting a user's sessions from the store", "user", userID, "err", err)
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

// forwarded is what a trusted reverse proxy said about the client (see WithForwarded).
type forwarded struct {
	client string
	https  bool
}

type forwardedKey struct{}

// WithForwarded records, for a request that came through a trusted reverse proxy, the client's
// address and whether the client spoke HTTPS to the proxy.
func WithForwarded(r *http.Request, client string, https bool) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), forwardedKey{}, forwarded{client: client, https: https}))
}

// IsSecure reports whether the client's connection is HTTPS: TLS here, or a trusted proxy said
// so. Session cookies are Secure then.
func IsSecure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	f, ok := r.Context().Value(forwardedKey{}).(forwarded)
	return ok && f.https
}

// ClientIP is the client's address: what a trusted proxy said, else the peer address.
func ClientIP(r *http.Request) string {
	if f, ok := r.Context().Value(forwardedKey{}).(forwarded); ok && f.client != "" {
		return f.client
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Forwarded works out the client behind trusted proxies: when the peer of r is in trusted, the
// client is the right-most X-Forwarded-For address that is not itself trusted (entries to its
// left are the client's own claims), and https is X-Forwarded-Proto from that proxy. ok is
// false when the peer is not a trusted proxy (the headers are ignored then).
func Forwarded(r *http.Request, trusted []*net.IPNet) (client string, https, ok bool) {
	if len(trusted) == 0 {
		return "", false, false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	in := func(ip net.IP) bool {
		for _, n := range trusted {
			if n.Contains(ip) {
				return true
			}
		}
		return false
	}
	peer := net.ParseIP(host)
	if peer == nil || !in(peer) {
		return "", false, false
	}
	client = peer.String()
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		ip := net.ParseIP(strings.TrimSpace(hops[i]))
		if ip == nil {
			break // a malformed hop: trust nothing further left
		}
		client = ip.String()
		if !in(ip) {
			break
		}
	}
	proto := r.Header.Values("X-Forwarded-Proto")
	https = len(proto) > 0 && strings.EqualFold(strings.TrimSpace(proto[len(proto)-1]), "https")
	return client, https, true
}
