// Package ingest is the server side of the agent stream: the websocket endpoint /v1/agent
// (protocol: capture/wire), agent tokens, the per-seat audio archive with group commit, crash
// recovery, hearing close with a SHA-256 manifest, Prometheus metrics and a live status.
//
// Durability: a frame is acknowledged only after its samples are written and fsynced in every
// seat file of its hearing. Each open hearing has one writer goroutine that takes every pending
// frame, writes them, fsyncs each seat file once and then acknowledges them all (group commit:
// batches form naturally while the previous fsync runs, there is no deliberate wait). Frames
// are identified by sample range, so duplicates are acknowledged again without writing and a
// frame that overlaps stored audio contributes only its new tail.
//
// The archive layout is documented beside the constants in archive.go and in docs/server.md.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/courtscribe/courtscribe/asr/archive"
	"github.com/courtscribe/courtscribe/capture/wavfile"
	"github.com/courtscribe/courtscribe/capture/wire"
)

// AgentPath is the websocket path agents dial.
const AgentPath = "/v1/agent"

// Config configures a Server.
type Config struct {
	// DataDir holds tokens, sessions and the hearing archive.
	DataDir string
	// Logger receives connection and storage events; nil discards them.
	Logger *slog.Logger
	// Now is the clock (hearing names, timestamps, ack latency); nil means time.Now.
	Now func() time.Time
	// Listener receives durable audio for the next stages; nil for none.
	Listener AudioListener
	// HelloTimeout bounds the wait for the first message (default 10 s).
	HelloTimeout time.Duration
	// IdleTimeout closes a connection that sends nothing for this long (default 60 s; agents
	// send levels every second).
	IdleTimeout time.Duration
	// WriteTimeout bounds each message to an agent (default 10 s).
	WriteTimeout time.Duration
	// ListenerQueue is how many frames per hearing may wait for the Listener before the
	// hearing's writer waits for it (default DefaultListenerQueue).
	ListenerQueue int
	// TakeoverTimeout is how long a new connection of a session waits for the old one to let go
	// (default 5 s); after that it gets session_busy.
	TakeoverTimeout time.Duration
	// MaxGap bounds one gap an agent reports (default DefaultMaxGap). Besides, the gaps of one
	// connection never add up to more than the wall time the agent can have missed: since the
	// hearing's audio was last stored (or, for a hearing without audio, FirstGap) plus GapSlack.
	MaxGap time.Duration
	// FirstGap is the gap allowance of a hearing that has no stored audio yet (default
	// DefaultFirstGap).
	FirstGap time.Duration
	// MaxSeatSamples caps each seat file (default DefaultMaxSeatSamples, 7 days of hearing
	// time; gaps in it are holes). New seat files turn into RF64 past 4 GiB (~37 h); a seat
	// file an earlier version created without the RF64 reserve stays capped at the WAV limit
	// (wavfile.MaxSamples), whatever this says.
	MaxSeatSamples int64
	// DiskReserve is how many bytes of the data directory's file system audio leaves free for
	// the hearing record (SQLite: edits, sign-ins, signatures): below it audio is refused
	// (storage_error, the agent keeps it in its spool) and /readyz says so. 0 means the
	// default, DefaultDiskReserve but at most an eighth of the file system; negative: none.
	DiskReserve int64
	// Admission, when set, is asked at every hello whether the authenticated courtroom may
	// record into the hearing (the record owns hearings' courtrooms and lifecycle).
	Admission Admission
	// Fence, when set, is asked before every write to a hearing's archive and before its files
	// are closed: an error means this server may no longer write the hearing (server replicas:
	// its ingest lease ran out while the process was stalled or cut off from the database, so
	// another replica may be writing the same files). The hearing is then abandoned: its agent
	// gets not_owner (and goes to the owner), and its files are closed without writing anything
	// more, not even the header, so the owner's samples stay as they are.
	Fence func(hearing string) error
	// TokenRecheck is how often the token file is looked at for revocations while agents are
	// connected (default 500 ms; a look is a stat, the file is read only when it changed). A
	// connection whose token was revoked is closed with unauthorized.
	TokenRecheck time.Duration
	// ReadyInfo, when set, adds lines after "ready" on /readyz (the transcription engine and
	// how it runs).
	ReadyInfo func() string
}

// Admission decides whether an agent authenticated for a courtroom may record into a hearing.
// The token has already been checked against the courtroom; AdmitHearing checks the hearing:
// it returns nil, an error wrapping ErrForeignHearing (the hearing belongs to another
// courtroom), an error wrapping ErrNotRecording (the hearing's lifecycle does not take audio:
// closed, finalized, signed), or another error when it cannot tell (the agent retries).
type Admission interface {
	AdmitHearing(ctx context.Context, courtroom, hearing string) error
}

// Refusals an Admission returns (wrapped, with the reason in words).
var (
	ErrForeignHearing = errors.New("hearing belongs to another courtroom")
	ErrNotRecording   = errors.New("hearing does not take audio")
	// ErrNotOwner: another server replica holds the hearing's ingest lease (the error names it).
	ErrNotOwner = errors.New("another server replica records this hearing")
)

// Gap and disk defaults (Config).
const (
	DefaultMaxGap      = 12 * time.Hour
	DefaultFirstGap    = 5 * time.Minute
	GapSlack           = 2 * time.Minute
	DefaultDiskReserve = 256 << 20
	// DefaultMaxSeatSamples is 7 days of hearing time per seat file (19 GB of real audio at
	// most; gaps take no disk).
	DefaultMaxSeatSamples = 7 * 24 * 3600 * wire.SampleRate
)

// DefaultConfig returns the defaults for a data directory.
func DefaultConfig(dataDir string) Config {
	return Config{DataDir: dataDir, HelloTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second,
		WriteTimeout: 10 * time.Second, TakeoverTimeout: 5 * time.Second, ListenerQueue: DefaultListenerQueue,
		MaxGap: DefaultMaxGap, FirstGap: DefaultFirstGap, MaxSeatSamples: DefaultMaxSeatSamples,
		TokenRecheck: 500 * time.Millisecond}
}

// Server accepts agents and archives their audio. Create it with New, mount Handler (or
// Register) on an HTTP listener, and call Close to drain.
type Server struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	tokens   *Tokens
	listener AudioListener
	metrics  *metrics
	upgrader websocket.Upgrader

	mu       sync.Mutex
	hearings map[string]*hearing
	conns    map[*conn]struct{}
	closing  bool
	closeMu  sync.Mutex // serialises hearing closes

	stopWatch chan struct{} // closed by Close: ends the token watcher

	connWG sync.WaitGroup // connection handlers
	bgWG   sync.WaitGroup // hearing writers and helper goroutines
}

// New prepares a server on cfg.DataDir (created if missing).
func New(cfg Config) (*Server, error) {
	d := DefaultConfig(cfg.DataDir)
	if cfg.DataDir == "" {
		return nil, errors.New("ingest: no data directory")
	}
	if cfg.HelloTimeout <= 0 {
		cfg.HelloTimeout = d.HelloTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = d.IdleTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = d.WriteTimeout
	}
	if cfg.TakeoverTimeout <= 0 {
		cfg.TakeoverTimeout = d.TakeoverTimeout
	}
	if cfg.TokenRecheck <= 0 {
		cfg.TokenRecheck = d.TokenRecheck
	}
	if cfg.ListenerQueue <= 0 {
		cfg.ListenerQueue = d.ListenerQueue
	}
	if cfg.MaxGap <= 0 {
		cfg.MaxGap = d.MaxGap
	}
	if cfg.FirstGap <= 0 {
		cfg.FirstGap = d.FirstGap
	}
	if cfg.MaxSeatSamples <= 0 {
		cfg.MaxSeatSamples = d.MaxSeatSamples
	}
	cfg.MaxSeatSamples = min(cfg.MaxSeatSamples, wavfile.MaxSamplesRF64)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("ingest: data directory: %w", err)
	}
	for _, sub := range []string{archive.SessionsDir, archive.HearingsDir} {
		if err := privateDir(filepath.Join(cfg.DataDir, sub)); err != nil {
			return nil, fmt.Errorf("ingest: data directory: %w", err)
		}
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now, listener: cfg.Listener,
		tokens:   OpenTokens(cfg.DataDir, cfg.Now),
		metrics:  newMetrics(),
		hearings: map[string]*hearing{}, conns: map[*conn]struct{}{},
		upgrader:  websocket.Upgrader{ReadBufferSize: 64 << 10, WriteBufferSize: 4 << 10},
		stopWatch: make(chan struct{})}
	s.bgWG.Add(1)
	go func() { defer s.bgWG.Done(); s.watchTokens() }()
	s.metrics.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "courtscribe_ingest_hearings_open", Help: "Hearings with open archive files."},
		func() float64 { s.mu.Lock(); defer s.mu.Unlock(); return float64(len(s.hearings)) }))
	return s, nil
}

// Tokens is the server's agent token store.
func (s *Server) Tokens() *Tokens { return s.tokens }

// Metrics is the server's own Prometheus registry (also served on /metrics); other parts may
// register their collectors on it.
func (s *Server) Metrics() *prometheus.Registry { return s.metrics.reg }

// Handler returns a mux with /v1/agent, /healthz, /readyz and /metrics.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.Register(mux)
	return mux
}

// Register mounts the ingest endpoints on mux, so other parts share the listener.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+AgentPath, s.serveAgent)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(wire.ServerTimeHeader, s.now().UTC().Format(time.RFC3339Nano))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", s.serveReady)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{Registry: s.metrics.reg}))
}

func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(wire.ServerTimeHeader, s.now().UTC().Format(time.RFC3339Nano))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	probe := filepath.Join(s.cfg.DataDir, ".ready-probe")
	if err := os.WriteFile(probe, []byte("ok"), 0o600); err != nil {
		http.Error(w, "data directory not writable: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	os.Remove(probe)
	if free, reserve, err := s.diskRoom(); err == nil && free < reserve {
		http.Error(w, fmt.Sprintf("audio refused: %d bytes free, %d kept for the hearing record", free, reserve), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
	if s.cfg.ReadyInfo != nil {
		if info := strings.TrimSpace(s.cfg.ReadyInfo()); info != "" {
			fmt.Fprintln(w, info)
		}
	}
}

// Status returns the live state of every open hearing, sorted by courtroom and hearing.
func (s *Server) Status() Status {
	s.mu.Lock()
	hs := make([]*hearing, 0, len(s.hearings))
	for _, h := range s.hearings {
		hs = append(hs, h)
	}
	n := len(s.conns)
	s.mu.Unlock()
	st := Status{AgentsConnected: n, Hearings: []HearingStatus{}}
	for _, h := range hs {
		st.Hearings = append(st.Hearings, h.status())
	}
	sort.Slice(st.Hearings, func(i, j int) bool {
		a, b := st.Hearings[i], st.Hearings[j]
		if a.Courtroom != b.Courtroom {
			return a.Courtroom < b.Courtroom
		}
		return a.Hearing < b.Hearing
	})
	return st
}

// Close stops accepting agents, disconnects the connected ones, writes and fsyncs everything
// queued and closes the archive files. Hearings stay open on disk (not finalized): agents
// resume after a restart. It is safe to call twice.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		close(s.stopWatch)
	}
	s.closing = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.abort(nil)
	}
	done := make(chan struct{})
	go func() { s.connWG.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	hs := make([]*hearing, 0, len(s.hearings))
	for _, h := range s.hearings {
		hs = append(hs, h)
	}
	s.hearings = map[string]*hearing{}
	s.mu.Unlock()
	var errs []error
	for _, h := range hs {
		if err := h.shutdown(); err != nil {
			errs = append(errs, fmt.Errorf("hearing %s: %w", h.info.Hearing, err))
		}
	}
	s.bgWG.Wait()
	return errors.Join(errs...)
}

// fenced is Config.Fence's answer for hearing, wrapped in ErrNotOwner; nil without a Fence.
func (s *Server) fenced(hearing string) error {
	if s.cfg.Fence == nil {
		return nil
	}
	err := s.cfg.Fence(hearing)
	if err == nil || errors.Is(err, ErrNotOwner) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrNotOwner, err)
}

// forget drops a failed hearing so that the next hello reopens (and realigns) it.
func (s *Server) forget(h *hearing) {
	s.mu.Lock()
	if s.hearings[h.info.Hearing] == h {
		delete(s.hearings, h.info.Hearing)
	}
	s.mu.Unlock()
}

// unload closes the files of a hearing whose agent ended its session and left; the hearing is
// not closed (no manifest) and reopens on the next hello.
func (s *Server) unload(h *hearing) {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	h.mu.Lock()
	idle := h.owner == nil && !h.closed
	if idle {
		h.unloading = true
	}
	h.mu.Unlock()
	if !idle {
		return
	}
	if err := h.shutdown(); err != nil {
		h.log.Error("closing hearing files", "err", err)
	}
	// Every frame has reached the listener (shutdown waits for it); tell it before the hearing
	// can reopen, so the end of this session comes before the next session's start.
	if l, ok := s.listener.(SessionEndListener); ok {
		l.SessionEnded(h.info.Hearing)
	}
	s.forget(h)
	h.log.Debug("hearing files closed after the session ended")
}

// Unload closes the files of an open hearing that has no agent connected (written and synced
// first), so that its next hello reopens it from the archive. Replicas sharing the archive call
// it when they stop owning a hearing: another replica may append to its files meanwhile. It
// reports whether the hearing was open and idle.
func (s *Server) Unload(id string) bool {
	s.mu.Lock()
	h := s.hearings[id]
	s.mu.Unlock()
	if h == nil {
		return false
	}
	h.mu.Lock()
	idle := h.owner == nil && !h.closed && !h.unloading
	h.mu.Unlock()
	if idle {
		s.unload(h)
	}
	return idle
}

// CloseHearing finalizes a hearing's audio: it disconnects its agent (hearing_closed), writes
// and fsyncs what is queued, closes the files and writes manifest.json. Closing a closed
// hearing returns its manifest.
func (s *Server) CloseHearing(ctx context.Context, id string) (*archive.Manifest, error) {
	return s.closeHearing(ctx, id, nil)
}

func (s *Server) closeHearing(ctx context.Context, id string, caller *conn) (*archive.Manifest, error) {
	if !wire.ValidID(id) {
		return nil, fmt.Errorf("hearing id %q is not valid", id)
	}
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	dir := archive.HearingDir(s.cfg.DataDir, id)
	if m, err := archive.ReadManifest(s.cfg.DataDir, id); err == nil {
		return m, nil
	}
	s.mu.Lock()
	h := s.hearings[id]
	s.mu.Unlock()
	if h == nil {
		info, err := archive.ReadHearingInfo(s.cfg.DataDir, id)
		if err != nil {
			return nil, fmt.Errorf("hearing %s: %w", id, err)
		}
		if h, err = s.openHearing(dir, *info); err != nil {
			return nil, err
		}
	}
	h.mu.Lock()
	h.closed = true
	owner := h.owner
	h.mu.Unlock()
	if owner != nil && owner != caller {
		owner.abort(&wire.Error{Type: wire.TypeError, Code: wire.CodeClosed, Message: fmt.Sprintf("hearing %s was closed by the server", id)})
	}
	if err := h.shutdown(); err != nil {
		s.forget(h)
		return nil, fmt.Errorf("hearing %s: %w", id, err)
	}
	h.mu.Lock()
	gaps := slices.Clone(h.st.gapList)
	h.mu.Unlock()
	m, err := buildManifest(dir, h.info, gaps, s.now())
	if err == nil {
		err = writeJSONAtomic(filepath.Join(dir, archive.ManifestFile), m)
	}
	s.forget(h)
	if err != nil {
		return nil, fmt.Errorf("hearing %s manifest: %w", id, err)
	}
	s.log.Info("hearing closed", "hearing", id, "samples", m.Samples, "seconds", m.DurationSeconds, "gaps", len(m.Gaps))
	if s.listener != nil {
		s.listener.HearingClosed(id)
	}
	return m, nil
}

// openHearing opens (recovering) a hearing's files and starts its writer. s.mu must not be
// held; the caller makes sure no other writer for it runs.
func (s *Server) openHearing(dir string, info archive.HearingInfo) (*hearing, error) {
	st, truncated, err := openStore(dir, info)
	if err != nil {
		return nil, fmt.Errorf("hearing %s: open archive: %w", info.Hearing, err)
	}
	h := newHearing(s, dir, info, st)
	if fi, err := os.Stat(filepath.Join(dir, archive.StateFile)); err == nil && st.samples > 0 {
		h.storedAt = fi.ModTime() // the last commit before the restart
	}
	if truncated > 0 {
		h.log.Warn("recovered hearing: seats aligned to the shortest (unacknowledged tail dropped)", "dropped_samples", truncated, "next_sample", st.samples)
	}
	s.mu.Lock()
	s.hearings[info.Hearing] = h
	s.mu.Unlock()
	if s.listener != nil {
		s.listener.HearingOpened(info, st.samples)
		s.bgWG.Add(1)
		go func() { defer s.bgWG.Done(); h.deliver(s.listener) }()
	}
	s.bgWG.Add(1)
	go func() { defer s.bgWG.Done(); h.run() }()
	return h, nil
}

// helloError builds the wire error for a hello problem.
func helloError(code, format string, args ...any) *wire.Error {
	return &wire.Error{Type: wire.TypeError, Code: code, Message: fmt.Sprintf(format, args...)}
}

// openSession maps a validated, authenticated hello to its open hearing, creating the session
// and the hearing on first contact.
func (s *Server) openSession(ctx context.Context, hello *wire.Hello) (*hearing, *wire.Error) {
	s.closeMu.Lock() // no hearing closes while a session opens
	defer s.closeMu.Unlock()
	data := s.cfg.DataDir
	spath := filepath.Join(data, archive.SessionsDir, hello.Session+".json")
	var rec SessionRecord
	err := readJSON(spath, &rec)
	switch {
	case err == nil:
		if rec.Courtroom != hello.Courtroom {
			return nil, helloError(wire.CodeUnauthorized, "session %s belongs to another courtroom", hello.Session)
		}
		if hello.Hearing != "" && hello.Hearing != rec.Hearing {
			return nil, helloError(wire.CodeBadHello, "session %s records hearing %s, not %s", hello.Session, rec.Hearing, hello.Hearing)
		}
		if !slices.Equal(rec.Seats, hello.Seats) {
			return nil, helloError(wire.CodeSeatMap, "session %s was started with seats %s; this hello has %s", hello.Session, seatsText(rec.Seats), seatsText(hello.Seats))
		}
	case errors.Is(err, os.ErrNotExist):
		rec = SessionRecord{Session: hello.Session, Courtroom: hello.Courtroom, Hearing: hello.Hearing, Seats: hello.Seats, Created: s.now().UTC()}
		if rec.Hearing == "" {
			rec.Hearing = s.newHearingID(hello.Courtroom)
		}
	default:
		s.log.Error("session record unreadable", "session", hello.Session, "err", err)
		return nil, helloError(wire.CodeStorage, "session record unreadable")
	}

	id := rec.Hearing
	if werr := s.admit(ctx, hello.Courtroom, id); werr != nil {
		return nil, werr
	}
	s.mu.Lock()
	h := s.hearings[id]
	s.mu.Unlock()
	if h != nil {
		if h.info.Session != hello.Session {
			return nil, helloError(wire.CodeBadHello, "hearing %s is recorded by session %s; one hearing has one agent session", id, h.info.Session)
		}
		h.mu.Lock()
		closed := h.closed
		h.mu.Unlock()
		if closed {
			return nil, helloError(wire.CodeClosed, "hearing %s is closed", id)
		}
		return h, nil
	}
	dir := archive.HearingDir(data, id)
	if _, err := os.Stat(filepath.Join(dir, archive.ManifestFile)); err == nil {
		return nil, helloError(wire.CodeClosed, "hearing %s is closed", id)
	}
	var info archive.HearingInfo
	stored, err := archive.ReadHearingInfo(data, id)
	if err == nil {
		info = *stored
	}
	switch {
	case err == nil:
		if info.Session != hello.Session {
			return nil, helloError(wire.CodeBadHello, "hearing %s is recorded by session %s; one hearing has one agent session", id, info.Session)
		}
		if info.Courtroom != hello.Courtroom {
			return nil, helloError(wire.CodeUnauthorized, "hearing %s belongs to another courtroom", id)
		}
		if !slices.Equal(info.Seats, hello.Seats) {
			return nil, helloError(wire.CodeSeatMap, "hearing %s has seats %s; this hello has %s", id, seatsText(info.Seats), seatsText(hello.Seats))
		}
	case errors.Is(err, os.ErrNotExist):
		info = archive.HearingInfo{Hearing: id, Courtroom: hello.Courtroom, Session: hello.Session, Seats: hello.Seats,
			SampleRate: wire.SampleRate, Created: s.now().UTC()}
		if err := privateDir(filepath.Join(dir, archive.AudioDir)); err != nil {
			s.log.Error("cannot create hearing", "hearing", id, "err", err)
			return nil, helloError(wire.CodeStorage, "cannot create hearing %s", id)
		}
		if err := writeJSONAtomic(filepath.Join(dir, archive.HearingFile), info); err != nil {
			s.log.Error("cannot create hearing", "hearing", id, "err", err)
			return nil, helloError(wire.CodeStorage, "cannot create hearing %s", id)
		}
		s.log.Info("hearing created", "hearing", id, "courtroom", info.Courtroom, "session", info.Session, "seats", seatsText(info.Seats))
	default:
		s.log.Error("hearing record unreadable", "hearing", id, "err", err)
		return nil, helloError(wire.CodeStorage, "hearing record of %s unreadable", id)
	}
	if _, err := os.Stat(spath); errors.Is(err, os.ErrNotExist) {
		if err := writeJSONAtomic(spath, rec); err != nil {
			s.log.Error("cannot record session", "session", hello.Session, "err", err)
			return nil, helloError(wire.CodeStorage, "cannot record session")
		}
	}
	h, err = s.openHearing(dir, info)
	if err != nil {
		s.log.Error("cannot open hearing", "hearing", id, "err", err)
		return nil, helloError(wire.CodeStorage, "cannot open hearing %s", id)
	}
	return h, nil
}

// admit asks the Admission (if any) whether courtroom may record into hearing id.
func (s *Server) admit(ctx context.Context, courtroom, id string) *wire.Error {
	if s.cfg.Admission == nil {
		return nil
	}
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := s.cfg.Admission.AdmitHearing(actx, courtroom, id)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrForeignHearing):
		return helloError(wire.CodeUnauthorized, "courtroom %s may not record hearing %s: %v", courtroom, id, err)
	case errors.Is(err, ErrNotRecording):
		return helloError(wire.CodeClosed, "hearing %s takes no audio: %v", id, err)
	case errors.Is(err, ErrNotOwner):
		return helloError(wire.CodeNotOwner, "%v", err)
	default:
		s.log.Error("cannot check the hearing in the record", "hearing", id, "err", err)
		return helloError(wire.CodeStorage, "cannot check hearing %s in the record", id)
	}
}

// newHearingID names a hearing <courtroom>-YYYYMMDD-HHMMSS (UTC), with -2, -3… if taken.
func (s *Server) newHearingID(courtroom string) string {
	base := courtroom + "-" + s.now().UTC().Format("20060102-150405")
	if len(base) > 120 {
		base = base[len(base)-120:]
		base = strings.TrimLeft(base, ".-_")
	}
	id := base
	for i := 2; ; i++ {
		_, err := os.Stat(archive.HearingDir(s.cfg.DataDir, id))
		s.mu.Lock()
		_, open := s.hearings[id]
		s.mu.Unlock()
		if errors.Is(err, os.ErrNotExist) && !open {
			return id
		}
		id = fmt.Sprintf("%s-%d", base, i)
	}
}

func seatsText(seats []wire.Seat) string {
	parts := make([]string, len(seats))
	for i, s := range seats {
		parts[i] = fmt.Sprintf("%s=%d", s.Name, s.Channel)
	}
	return strings.Join(parts, ",")
}

// conn is one agent connection.
type conn struct {
	s      *Server
	ws     *websocket.Conn
	log    *slog.Logger
	remote string
	h      *hearing
	hello  *wire.Hello

	wmu       sync.Mutex // one websocket writer at a time
	ackMu     sync.Mutex
	ackSeq    uint64 // highest durable seq to acknowledge
	sentSeq   uint64 // highest seq acknowledged on the wire
	ackWake   chan struct{}
	quit      chan struct{} // closed when the handler returns
	abortOnce sync.Once
	aborted   chan struct{} // closed by abort
	lastSeq   uint64        // reader only
	ended     bool          // reader only: the agent sent End
	gapFrom   time.Time     // reader only: gaps are measured against the wall time since then
	gapSlack  time.Duration // reader only: allowance on top of that
	gapUsed   int64         // reader only: gap samples accepted on this connection
	alarmLog  logBudget     // reader only: alarms logged per minute
	tokenSum  string        // SHA-256 of the agent's token once authenticated (under s.mu)
}

// watchTokens closes the connections whose token was revoked (by this process or by the
// tokens command in another one), within cfg.TokenRecheck of the token file changing.
func (s *Server) watchTokens() {
	tick := time.NewTicker(s.cfg.TokenRecheck)
	defer tick.Stop()
	lastSize, lastMod := s.tokens.stamp()
	for {
		select {
		case <-s.stopWatch:
			return
		case <-tick.C:
		}
		size, mod := s.tokens.stamp()
		if size == lastSize && mod.Equal(lastMod) {
			continue
		}
		f, err := s.tokens.load()
		if err != nil {
			s.log.Error("token file unreadable; connected agents keep their connections", "err", err)
			continue
		}
		lastSize, lastMod = size, mod
		var revoked []*conn
		s.mu.Lock()
		for c := range s.conns {
			if c.tokenSum != "" && !f.valid(c.tokenSum, c.hello.Courtroom) {
				revoked = append(revoked, c)
			}
		}
		s.mu.Unlock()
		for _, c := range revoked {
			s.metrics.errors.WithLabelValues(wire.CodeUnauthorized).Inc()
			c.abort(helloError(wire.CodeUnauthorized, "token revoked"))
		}
	}
}

// logBudget lets at most logBudgetPerMinute lines through per minute, so an alarm flood cannot
// flood the log (every alarm is still counted in /metrics and kept in the hearing's status).
type logBudget struct {
	window time.Time
	n      int
}

const logBudgetPerMinute = 30

func (b *logBudget) allow(now time.Time) bool {
	if now.Sub(b.window) >= time.Minute || now.Before(b.window) {
		b.window, b.n = now, 0
	}
	b.n++
	return b.n <= logBudgetPerMinute
}

func bearer(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

func (s *Server) serveAgent(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	closing := s.closing
	if !closing {
		s.connWG.Add(1)
	}
	s.mu.Unlock()
	if closing {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.connWG.Done()
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.log.Warn("agent upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	c := &conn{s: s, ws: ws, remote: r.RemoteAddr, log: s.log.With("remote", r.RemoteAddr),
		ackWake: make(chan struct{}, 1), quit: make(chan struct{}), aborted: make(chan struct{})}
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		close(c.quit)
		ws.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	ws.SetReadLimit(wire.MaxFrameBytes)
	if werr := c.serve(r.Context(), bearer(r)); werr != nil {
		s.metrics.errors.WithLabelValues(werr.Code).Inc()
		c.log.Warn("agent refused", "code", werr.Code, "message", werr.Message)
		c.sendError(werr)
	}
}

// serve runs the hello exchange and the frame loop; a returned error goes to the agent.
func (c *conn) serve(ctx context.Context, token string) *wire.Error {
	s := c.s
	c.ws.SetReadDeadline(time.Now().Add(s.cfg.HelloTimeout))
	mt, msg, err := c.ws.ReadMessage()
	if err != nil {
		return readError(err)
	}
	if mt != websocket.TextMessage {
		return helloError(wire.CodeBadHello, "first message must be a JSON hello, got a binary message")
	}
	v, err := wire.DecodeText(msg)
	if err != nil {
		// A hello of a newer protocol may carry fields this server does not know: say so.
		var probe struct {
			Type     string `json:"type"`
			Protocol int    `json:"protocol"`
		}
		if json.Unmarshal(msg, &probe) == nil && probe.Type == wire.TypeHello && probe.Protocol != wire.ProtocolVersion {
			return helloError(wire.CodeVersion, "protocol %d not supported (server speaks %d)", probe.Protocol, wire.ProtocolVersion)
		}
		return helloError(wire.CodeBadHello, "%v", err)
	}
	hello, ok := v.(*wire.Hello)
	if !ok {
		return helloError(wire.CodeBadHello, "first message must be hello")
	}
	if err := hello.Validate(); err != nil {
		var we *wire.Error
		if errors.As(err, &we) {
			return we
		}
		return helloError(wire.CodeBadHello, "%v", err)
	}
	c.hello = hello
	c.log = c.log.With("courtroom", hello.Courtroom, "session", hello.Session)
	okTok, err := s.tokens.Authenticate(token, hello.Courtroom)
	if err != nil {
		c.log.Error("token file unreadable", "err", err)
		return helloError(wire.CodeStorage, "server cannot check tokens")
	}
	if !okTok {
		return helloError(wire.CodeUnauthorized, "token missing, revoked or not valid for courtroom %s", hello.Courtroom)
	}
	s.mu.Lock()
	c.tokenSum = hashToken(token) // from now on the token watcher may end the connection
	s.mu.Unlock()
	// A revocation between the check above and the line before is caught here.
	if ok, err := s.tokens.Authenticate(token, hello.Courtroom); err == nil && !ok {
		return helloError(wire.CodeUnauthorized, "token revoked")
	}
	h, werr := s.openSession(ctx, hello)
	if werr != nil {
		return werr
	}
	if werr := h.attach(c, s.cfg.TakeoverTimeout); werr != nil {
		return werr
	}
	c.h = h
	c.log = c.log.With("hearing", h.info.Hearing)
	h.mu.Lock()
	if h.durable > 0 && !h.storedAt.IsZero() {
		c.gapFrom, c.gapSlack = h.storedAt, GapSlack
	} else {
		c.gapFrom, c.gapSlack = s.now(), s.cfg.FirstGap
	}
	h.mu.Unlock()
	s.metrics.connected.Inc()
	defer func() {
		h.detach(c)
		s.metrics.connected.Dec()
		if c.ended {
			s.unload(h)
		}
	}()
	h.mu.Lock()
	welcome := wire.Welcome{Type: wire.TypeWelcome, Hearing: h.info.Hearing, Session: hello.Session, LastSeq: h.lastSeq, NextSample: h.durable}
	h.mu.Unlock()
	if err := c.writeJSON(welcome); err != nil {
		c.log.Warn("welcome not sent", "err", err)
		return nil
	}
	c.log.Info("agent connected", "agent", hello.Agent, "last_seq", welcome.LastSeq, "next_sample", welcome.NextSample)

	s.bgWG.Add(1)
	go func() { defer s.bgWG.Done(); c.sendAcks() }()
	return c.readLoop(ctx)
}

func readError(err error) *wire.Error {
	if errors.Is(err, websocket.ErrReadLimit) {
		return helloError(wire.CodeTooLarge, "message larger than %d bytes", wire.MaxFrameBytes)
	}
	return nil // the peer went away or timed out: nothing to tell it
}

func (c *conn) readLoop(ctx context.Context) *wire.Error {
	s, h := c.s, c.h
	for {
		c.ws.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		mt, msg, err := c.ws.ReadMessage()
		if err != nil {
			if we := readError(err); we != nil {
				return we
			}
			c.log.Info("agent disconnected", "err", err)
			return nil
		}
		now := s.now()
		switch mt {
		case websocket.BinaryMessage:
			f, err := wire.DecodeFrame(msg)
			if err != nil {
				return helloError(wire.CodeBadFrame, "%v", err)
			}
			if f.Seq <= c.lastSeq {
				return helloError(wire.CodeOutOfOrder, "frame seq %d after seq %d: sequence numbers must increase", f.Seq, c.lastSeq)
			}
			res, err := h.submit(c, f, now)
			if err != nil {
				var we *wire.Error
				if errors.As(err, &we) {
					return we
				}
				return helloError(wire.CodeStorage, "%v", err)
			}
			c.lastSeq = f.Seq
			h.waitBacklog(c.quitOrAbort())
			s.metrics.frames.WithLabelValues(f.Kind.String()).Inc()
			if res == duplicate {
				s.metrics.duplicates.Inc()
			}
			h.noteFrame(now)
		case websocket.TextMessage:
			v, err := wire.DecodeText(msg)
			if err != nil {
				return helloError(wire.CodeBadFrame, "%v", err)
			}
			switch m := v.(type) {
			case *wire.Levels:
				h.noteLevels(m, now)
			case *wire.Alarm:
				if c.alarmLog.allow(now) {
					c.log.Warn("agent alarm", "code", truncUTF8(m.Code, 64), "message", truncUTF8(m.Message, wire.MaxAlarmMessage), "samples", m.Samples)
				}
				h.noteAlarm(m, now)
				s.metrics.alarms.WithLabelValues(wire.AlarmLabel(m.Code)).Inc()
			case *wire.End:
				// Finish even if the agent hangs up right after End.
				ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
				done, werr := c.end(ectx, m)
				cancel()
				if werr != nil || done {
					return werr
				}
			default:
				return helloError(wire.CodeBadFrame, "unexpected %T message after hello", v)
			}
		}
	}
}

// end handles wire.End: flush, acknowledge everything, and close the hearing if asked (the
// acks go out before the manifest is written).
func (c *conn) end(ctx context.Context, m *wire.End) (done bool, werr *wire.Error) {
	h := c.h
	h.mu.Lock()
	accepted := h.accepted
	h.mu.Unlock()
	if m.EndSample > accepted {
		return true, helloError(wire.CodeOutOfOrder, "end at sample %d but the server holds samples up to %d", m.EndSample, accepted)
	}
	if err := h.flush(ctx); err != nil {
		return true, helloError(wire.CodeStorage, "flush: %v", err)
	}
	if err := c.flushAck(); err != nil {
		return true, nil
	}
	c.log.Info("agent ended", "end_sample", m.EndSample, "last_seq", m.LastSeq, "close_hearing", m.CloseHearing)
	if !m.CloseHearing {
		c.ended = true // the session is over: the hearing's files close when it disconnects
		return false, nil
	}
	if _, err := c.s.closeHearing(ctx, h.info.Hearing, c); err != nil {
		c.log.Error("close hearing failed", "err", err)
		return true, helloError(wire.CodeStorage, "close hearing: %v", err)
	}
	// The agent closes the connection once it has every ack; until then the connection stays
	// open and any further audio gets hearing_closed.
	return false, nil
}

func (c *conn) writeJSON(v any) error { return c.writeJSONWithin(v, c.s.cfg.WriteTimeout) }

func (c *conn) writeJSONWithin(v any, d time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(d))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// sendError tells the agent why the connection closes (best effort, bounded: the peer may be
// gone or half-open).
func (c *conn) sendError(e *wire.Error) {
	e.Type = wire.TypeError
	if err := c.writeJSONWithin(e, 2*time.Second); err != nil {
		return
	}
	c.wmu.Lock()
	c.ws.SetWriteDeadline(time.Now().Add(time.Second))
	c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, e.Code))
	c.wmu.Unlock()
}

// quitOrAbort is closed when the connection is being torn down.
func (c *conn) quitOrAbort() <-chan struct{} { return c.aborted }

// ackUpTo records that every frame up to seq is durable (called by the hearing writer; it
// never blocks on the network).
func (c *conn) ackUpTo(seq uint64) {
	c.ackMu.Lock()
	if seq > c.ackSeq {
		c.ackSeq = seq
	}
	c.ackMu.Unlock()
	select {
	case c.ackWake <- struct{}{}:
	default:
	}
}

// flushAck sends the current cumulative ack now (if not sent yet).
func (c *conn) flushAck() error {
	c.ackMu.Lock()
	seq := c.ackSeq
	send := seq > c.sentSeq
	if send {
		c.sentSeq = seq
	}
	c.ackMu.Unlock()
	if !send {
		return nil
	}
	return c.writeJSON(wire.Ack{Type: wire.TypeAck, Seq: seq})
}

// sendAcks is the connection's ack sender: acks coalesce, the latest cumulative seq wins.
func (c *conn) sendAcks() {
	for {
		select {
		case <-c.quit:
			return
		case <-c.ackWake:
			if err := c.flushAck(); err != nil {
				c.ws.Close()
				return
			}
		}
	}
}

// abort closes the connection from outside its handler, telling the agent why (e may be nil).
// It does not wait.
func (c *conn) abort(e *wire.Error) {
	c.abortOnce.Do(func() {
		close(c.aborted)
		c.s.bgWG.Add(1)
		go func() {
			defer c.s.bgWG.Done()
			if e != nil {
				c.log.Warn("closing agent connection", "code", e.Code, "message", e.Message)
				c.sendError(e)
			}
			c.ws.Close()
		}()
	})
}

// attach makes c the hearing's connection; an older connection of the same session (a
// half-open TCP connection after a network cut) is closed first.
func (h *hearing) attach(c *conn, wait time.Duration) *wire.Error {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		if h.unloading {
			h.mu.Unlock()
			return helloError(wire.CodeBusy, "hearing %s is closing its files; connect again", h.info.Hearing)
		}
		old := h.owner
		if old == nil {
			h.owner = c
			h.agent.Agent, h.agent.Remote, h.agent.ConnectedAt = c.hello.Agent, c.remote, c.s.now()
			h.mu.Unlock()
			return nil
		}
		h.mu.Unlock()
		old.abort(&wire.Error{Type: wire.TypeError, Code: wire.CodeBusy, Message: "replaced by a newer connection of the same session"})
		select {
		case <-old.quit:
		case <-deadline.C:
			return helloError(wire.CodeBusy, "session %s is still connected", c.hello.Session)
		}
	}
}

func (h *hearing) detach(c *conn) {
	h.mu.Lock()
	if h.owner == c {
		h.owner = nil
	}
	h.mu.Unlock()
}

// metrics are the ingest's Prometheus collectors on its own registry.
type metrics struct {
	reg           *prometheus.Registry
	connected     prometheus.Gauge
	frames        *prometheus.CounterVec
	duplicates    prometheus.Counter
	ackLatency    prometheus.Histogram
	archivedBytes prometheus.Counter
	gaps          prometheus.Counter
	gapSamples    prometheus.Counter
	errors        *prometheus.CounterVec
	alarms        *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{Name: "courtscribe_ingest_agents_connected",
			Help: "Agent connections past the hello."}),
		frames: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "courtscribe_ingest_frames_total",
			Help: "Frames received, by kind (rate() gives frames per second)."}, []string{"kind"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{Name: "courtscribe_ingest_duplicate_frames_total",
			Help: "Frames already stored, acknowledged again without writing."}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "courtscribe_ingest_ack_latency_seconds",
			Help:    "From frame receipt to durable (fsynced) and acknowledged.",
			Buckets: []float64{.001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5}}),
		archivedBytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "courtscribe_ingest_archived_bytes_total",
			Help: "PCM bytes written durably to seat files (gaps included as zeros)."}),
		gaps: prometheus.NewCounter(prometheus.CounterOpts{Name: "courtscribe_ingest_gaps_total",
			Help: "Gap records archived."}),
		gapSamples: prometheus.NewCounter(prometheus.CounterOpts{Name: "courtscribe_ingest_gap_samples_total",
			Help: "Samples archived as gaps (per seat)."}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "courtscribe_ingest_errors_total",
			Help: "Connections closed with a protocol error, by wire code."}, []string{"code"}),
		alarms: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "courtscribe_ingest_agent_alarms_total",
			Help: "Alarms raised by agents, by code."}, []string{"code"}),
	}
	m.reg.MustRegister(m.connected, m.frames, m.duplicates, m.ackLatency, m.archivedBytes, m.gaps, m.gapSamples, m.errors, m.alarms,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
