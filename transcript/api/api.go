// Package api is the JSON HTTP API and the web UI of the hearing record: login sessions, hearings,
// segments and their edits, the lifecycle (recess, resume, close, finalize, sign), exports,
// revision history, archived audio ranges, the record health panel and the live websocket feed.
//
// Every request is checked against the user's role with transcript.Can: clerks edit and
// finalize only their own hearings, judges sign only where they sit on the bench, viewers only
// read, technicians see agents and devices, admins manage hearings and users. Sessions are
// cookies (see transcript/auth); unsafe requests need the session's CSRF token in the
// X-CSRF-Token header and a JSON body (Content-Type application/json, size-limited, decoded
// strictly: unknown fields and trailing data are errors).
//
// Edits carry the revision they were based on. A stale one gets 409 Conflict with the current
// segment in the body; nothing is overwritten. See docs/ui.md for every endpoint.
package api

import "context"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "log/slog"
import "mime"
import "net"
import "net/http"
import "strconv"
import "sync"
import "time"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/auth"
import "github.com/courtscribe/courtscribe/transcript/live"

// Config configures the API. The zero value works for tests on loopback.
type Config struct {
	// DataDir is DATA: archived audio lives in DATA/hearings/ID/audio/SEAT.wav.
	DataDir string
	// AllowedOrigins are extra origins ("https://court.example") accepted for websockets and
	// unsafe requests besides the host the request was sent to.
	AllowedOrigins []string
	// MaxBodyBytes limits JSON request bodies (default 1 MiB).
	MaxBodyBytes int64
	// MaxAudioSeconds limits one audio range (default 600 s).
	MaxAudioSeconds float64
	// Sessions tunes session lifetime and the login limiter.
	Sessions auth.Config
	// Live tunes the websocket hub.
	Live live.Config
	// SessionRecheck is how often open live feeds are checked against their session (logout,
	// expiry, the account disabled or its password changed, also by another process); default
	// 1 s. A feed whose session ended is closed.
	SessionRecheck time.Duration
	// TrustedProxies are reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are
	// believed: the client address (sign-in buckets, logs) is the right-most forwarded address
	// that is not itself a trusted proxy, and X-Forwarded-Proto: https marks the session
	// cookie Secure. From any other address those headers are ignored.
	TrustedProxies []*net.IPNet
	// Clock is the time source (default time.Now).
	Clock func() time.Time
	// NoUI leaves the embedded web UI out (API only).
	NoUI bool
	// StopRecording, when set, is called after a close request is authorized and before the
	// record is closed: it stops the agent's recording of the hearing and writes the audio
	// manifest, so the record's audio hashes cover every sample there will ever be.
	StopRecording func(ctx context.Context, hearingID string) error
	// DeleteHearing, when set, serves DELETE /api/hearings/{id} (admins; see integrity.go).
	DeleteHearing DeleteHearingFunc
	// Integrity, when set, adds the last scrub's alarms to a hearing's health panel.
	Integrity IntegrityFunc
	// Importer, when set, takes recordings of past hearings uploaded by an administrator
	// (see import.go); MaxImportBytes bounds one upload (default DefaultMaxImportBytes).
	Importer       Importer
	MaxImportBytes int64
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{MaxBodyBytes: 1 << 20, MaxAudioSeconds: 600, Sessions: auth.DefaultConfig(),
		Live: live.DefaultConfig(), Clock: time.Now}
}

// Server is the API and UI handler. Close stops its live hub.
type Server struct {
	cfg      Config
	store    transcript.Store
	status   StatusSource
	log      *slog.Logger
	sessions *auth.Manager
	limiter  *auth.Limiter // signing attempts per judge
	logins   *auth.LoginGuard
	hub      *live.Hub
	mux      *http.ServeMux

	liveMu       sync.Mutex
	liveFeeds    map[*liveFeed]struct{}
	stop         chan struct{}
	stopOnce     sync.Once
	done         chan struct{}
	imports      *importState
	importDone   <-chan struct{} // closed by importCancel: running imports stop
	importCancel context.CancelFunc
	importWG     sync.WaitGroup

	alarms alarmTracker // episodes of the health panel's alarms, for acknowledgements
}

// liveFeed is one open live websocket and the session it belongs to.
type liveFeed struct {
	hash, user string
	end        context.CancelCauseFunc
}

// errSessionEnded is what a live feed is told when its session ends.
var errSessionEnded = errors.New("your session ended (signed out, expired, password changed or account disabled); sign in again")

// New builds the handler. status may be nil (no capture agents known: the health panel shows
// only the engine backlog).
func New(cfg Config, store transcript.Store, status StatusSource, log *slog.Logger) *Server {
	def := DefaultConfig()
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = def.MaxBodyBytes
	}
	if cfg.MaxAudioSeconds <= 0 {
		cfg.MaxAudioSeconds = def.MaxAudioSeconds
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sc := cfg.Sessions
	s := &Server{
		cfg: cfg, store: store, status: status, log: log,
		sessions: auth.NewManager(sc, cfg.Clock),
		hub:      live.New(cfg.Live, store, log),
		mux:      http.NewServeMux(),
	}
	burst, every := sc.LoginBurst, sc.LoginEvery
	if burst <= 0 {
		burst = def.Sessions.LoginBurst
	}
	if every <= 0 {
		every = def.Sessions.LoginEvery
	}
	s.limiter = auth.NewLimiter(burst, every, cfg.Clock)
	s.logins = auth.NewLoginGuard(auth.Config{LoginBurst: burst, LoginEvery: every}, cfg.Clock)
	if p, ok := store.(interface{ LoginBuckets() auth.Buckets }); ok {
		if b := p.LoginBuckets(); b != nil {
			// Replicas on one database count sign-in failures together (PostgreSQL).
			s.logins.Share(b, log.With("part", "logins"))
		}
	}
	if p, ok := store.(auth.Persister); ok {
		// Sessions kept by the store survive a restart: the clerk is not signed out mid-hearing.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		n, err := s.sessions.Restore(ctx, p, log.With("part", "sessions"))
		cancel()
		if err != nil {
			log.Error("api: web sessions could not be restored; users sign in again and sessions stay in memory", "err", err)
		} else if n > 0 {
			log.Info("api: web sessions restored", "sessions", n)
		}
	}
	if cfg.SessionRecheck <= 0 {
		cfg.SessionRecheck = time.Second
		s.cfg.SessionRecheck = cfg.SessionRecheck
	}
	s.liveFeeds, s.stop, s.done = map[*liveFeed]struct{}{}, make(chan struct{}), make(chan struct{})
	go s.watchSessions()
	importCtx, importCancel := context.WithCancel(context.Background())
	s.importDone, s.importCancel = importCtx.Done(), importCancel
	s.routes()
	return s
}

// Close stops the live hub (open websockets end) and any import still running. Safe to call
// twice.
func (s *Server) Close() {
	s.stopOnce.Do(func() { close(s.stop); <-s.done })
	s.hub.Close()
	s.importCancel()
	s.importWG.Wait()
}

// watchSessions ends live feeds whose session ended, every cfg.SessionRecheck: sessions another
// process removed (a password change, a disabled account) are dropped first.
func (s *Server) watchSessions() {
	defer close(s.done)
	tick := time.NewTicker(s.cfg.SessionRecheck)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := s.sessions.Sync(ctx); err != nil {
			s.log.Warn("api: sessions could not be compared with the store", "err", err)
		}
		s.liveMu.Lock()
		feeds := make([]*liveFeed, 0, len(s.liveFeeds))
		for f := range s.liveFeeds {
			feeds = append(feeds, f)
		}
		s.liveMu.Unlock()
		users := map[string]bool{} // user name → may still read
		for _, f := range feeds {
			ok, seen := users[f.user]
			if !seen {
				u, err := s.store.GetUser(ctx, f.user)
				ok = (err == nil && !u.Disabled) || (err != nil && !errors.Is(err, transcript.ErrNotFound))
				users[f.user] = ok
			}
			if !ok || !s.sessions.Alive(f.hash) {
				f.end(errSessionEnded)
			}
		}
		cancel()
	}
}

// endLive ends the live feeds of the session with the given TokenHash.
func (s *Server) endLive(hash string) {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	for f := range s.liveFeeds {
		if f.hash == hash {
			f.end(errSessionEnded)
		}
	}
}

// Hub is the live hub (for benchmarks and the server's metrics).
func (s *Server) Hub() *live.Hub { return s.hub }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	if client, https, ok := auth.Forwarded(r, s.cfg.TrustedProxies); ok {
		r = auth.WithForwarded(r, client, https)
	}
	s.mux.ServeHTTP(w, r)
}

// access says what a route needs.
type access int

const (
	accessPublic  access = iota // no session (login)
	accessSession               // any signed-in user
)

// ctxKey carries the request's user.
type ctxKey struct{}

type principal struct {
	sess auth.Session
	user *transcript.User
}

func userOf(r *http.Request) *principal { p, _ := r.Context().Value(ctxKey{}).(*principal); return p }

// handle registers a route; every non-public route needs a session, CSRF on unsafe methods
// and a same-origin (or allowed) Origin when the browser sends one.
func (s *Server) handle(pattern string, a access, f http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if !auth.Safe(r.Method) && !auth.SameOrigin(r, s.cfg.AllowedOrigins, true) {
			writeError(w, http.StatusForbidden, "origin", "cross-origin request refused")
			return
		}
		if a == accessPublic {
			f(w, r)
			return
		}
		sess, err := s.sessions.Get(r)
		if err != nil {
			writeError(w, http.StatusUnauthorized, "unauthenticated", "please sign in")
			return
		}
		if !auth.Safe(r.Method) && !auth.CheckCSRF(r, sess) {
			writeError(w, http.StatusForbidden, "csrf", "missing or wrong "+auth.CSRFHeader+" header")
			return
		}
		u, err := s.store.GetUser(r.Context(), sess.UserID)
		if err != nil || u.Disabled {
			s.sessions.Destroy(w, r)
			writeError(w, http.StatusUnauthorized, "unauthenticated", "the account is disabled or gone; please sign in")
			return
		}
		f(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, &principal{sess: sess, user: u})))
	})
}

// apiError is the body of every error answer.
type apiError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
	// Current is the segment as it is now, on a 409 conflict.
	Current *transcript.Segment `json:"current,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	// The status is sent: a failed write means the client went away, and there is nobody
	// left to tell. The values encoded are the API's own types, which always marshal.
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Error: msg, Code: code})
}

// storeError maps a store error to an HTTP answer.
func (s *Server) storeError(w http.ResponseWriter, r *http.Request, err error) {
	var ce *transcript.ConflictError
	switch {
	case errors.As(err, &ce):
		cur := ce.Current
		writeJSON(w, http.StatusConflict, apiError{Error: err.Error(), Code: "conflict", Current: &cur})
	case errors.Is(err, transcript.ErrConflict): // a note changed meanwhile
		writeError(w, http.StatusConflict, "conflict", err.Error())
	case errors.Is(err, transcript.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, transcript.ErrExists):
		writeError(w, http.StatusConflict, "exists", err.Error())
	case errors.Is(err, transcript.ErrState):
		writeError(w, http.StatusConflict, "state", err.Error())
	case errors.Is(err, transcript.ErrInvalid):
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
	case errors.Is(err, transcript.ErrAuth):
		writeError(w, http.StatusForbidden, "bad_password", "wrong password")
	case errors.Is(err, transcript.ErrDenied):
		writeError(w, http.StatusForbidden, "forbidden", err.Error())
	case errors.Is(err, context.Canceled):
		writeError(w, 499, "canceled", "request canceled")
	case errors.Is(err, transcript.ErrStorageFull):
		s.log.Error("api: the record's disk is full; edits are refused until space is freed", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusInsufficientStorage, "storage_full", "the server's disk is full: nothing was saved; tell the technician and try again when space is freed")
	case errors.Is(err, transcript.ErrStorageUnavailable):
		s.log.Error("api: the record's storage failed", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusServiceUnavailable, "storage_unavailable", "the server cannot write the record (storage error): nothing was saved; tell the technician")
	default:
		s.log.Error("api: store error", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "internal error; see the server log")
	}
}

// orEmpty is list, or an empty list for nil: the API answers [] rather than null.
func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// reply answers with v, or with err mapped by storeError when err is not nil.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

// decode reads a JSON body strictly into v.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "content_type", "the body must be application/json")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body larger than %d bytes", mbe.Limit))
			return false
		}
		writeError(w, http.StatusBadRequest, "bad_json", "bad JSON body: "+err.Error())
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, "bad_json", "bad JSON body: data after the object")
		return false
	}
	return true
}

// sourceKey is the rate-limit key of a client address: the address itself for IPv4, its /64
// for IPv6 (one client holds a whole /64).
func sourceKey(ip string) string {
	a := net.ParseIP(ip)
	if a == nil || a.To4() != nil {
		return ip
	}
	return a.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// delivered logs, at debug level, a body that could not be written after the status was
// sent: the client went away mid-answer and there is nobody left to tell.
func (s *Server) delivered(r *http.Request, err error) {
	if err != nil {
		s.log.Debug("api: answer not delivered", "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

func clientIP(r *http.Request) string { return auth.ClientIP(r) }

func pathInt(r *http.Request, name string) (int64, bool) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return v, err == nil && v > 0
}

func (s *Server) checkOrigin(r *http.Request) bool {
	return auth.SameOrigin(r, s.cfg.AllowedOrigins, false)
}

// importContext is the context of one import: it ends when Close cancels the imports, or
// when the returned cancel is called.
func (s *Server) importContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-s.importDone:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
